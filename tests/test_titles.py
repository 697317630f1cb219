"""Documents get the title a reader would cite: the one set in titles.json, the format's metadata or title
line, a file name that reads as one, never a salutation; ``qa title`` sets, clears and shows it."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import SourceError, build_index
from qa.build import index_status
from qa.cli import cli
from qa.index import load_index
from qa.library import list_documents, remove_document
from qa.published import manifest as published_manifest
from qa.read import parse_source
from qa.split import front_matter, is_salutation, split_document
from qa.read.document import Block
from qa.titles import TITLES_FILE, decide_title, file_title, is_junk_title, read_titles, set_title

from conftest import DATA, PLAN, SHARED

PLAN_TITLE = "全力開創敦化高質量發展新局面"
NOTE = "2025年某市政府工作报告.txt"


# ------------------------------------------------------------------ the decision

@pytest.mark.parametrize("meta, stated, name, want", [
    # the format's metadata
    ({"format": "pdf", "title": "关于2024年国民经济和社会发展计划执行情况的报告"}, "", "a.pdf",
     ("关于2024年国民经济和社会发展计划执行情况的报告", "metadata")),
    # junk metadata gives way to the title line, the file name
    ({"format": "pdf", "title": "Microsoft Word - 报告.docx", "title_line": "2024年某市政府工作报告"}, "", "x.pdf",
     ("2024年某市政府工作报告", "title line")),
    ({"format": "pdf", "title": "untitled"}, "", "2024年某市政府工作报告.pdf", ("2024年某市政府工作报告", "file name")),
    ({"format": "docx", "title": "新建 Microsoft Word 文档"}, "", "2024年某市政府工作报告.docx", ("2024年某市政府工作报告", "file name")),
    ({"format": "pdf", "title": "2024年某市政府工作报告.pdf"}, "", "b.pdf", ("", "")),
    ({"format": "pdf", "title": "35bfb118311f446a"}, "", "b.pdf", ("", "")),
    # a salutation is never a title, wherever it stands
    ({"format": "pdf", "title_line": "各位代表："}, "各位代表：", "2024年××市政府工作报告.pdf", ("2024年××市政府工作报告", "file name")),
    # text: the first line
    ({"format": "text"}, "关于加快建设现代化产业体系的意见", "abc.txt", ("关于加快建设现代化产业体系的意见", "title line")),
    # Word, PDF: the file name before the first paragraph...
    ({"format": "docx"}, "2024年1月10日", "2024年某市政府工作报告.docx", ("2024年某市政府工作报告", "file name")),
    # ...which says it too, then the first line is the title line
    ({"format": "docx"}, "2025年上海市政府工作报告", "2025年上海市政府工作报告.docx", ("2025年上海市政府工作报告", "title line")),
    # ...and the first paragraph when the file name reads as no title
    ({"format": "docx"}, "关于做好2025年重点工作的通知", "000_35bfb118311f446a.docx", ("关于做好2025年重点工作的通知", "title line")),
    # a generic stated title that the file name holds as a fuller form
    ({"format": "docx", "title": "政府工作报告"}, "", "2025年浙江省政府工作报告.docx", ("2025年浙江省政府工作报告", "file name")),
    ({"format": "docx", "title_line": "政府工作报告"}, "", "2025年浙江省政府工作报告.docx", ("2025年浙江省政府工作报告", "file name")),
    ({"format": "text"}, "2025年政府工作报告", "2025年国务院政府工作报告.txt", ("2025年国务院政府工作报告", "file name")),
    # a hash-like file name and no stated title: none (shown by the file name)
    ({"format": "text"}, "", "000_35bfb118311f446a.txt", ("", "")),
])
def test_the_title_decision(meta, stated, name, want):
    assert decide_title(name, meta, stated) == want


def test_a_title_set_wins_over_everything():
    meta = {"format": "pdf", "title": "关于2024年计划的报告", "title_line": "2024年计划"}
    assert decide_title("2024年某市政府工作报告.pdf", meta, "2024年计划", "  我的  标题 ") == ("我的 标题", "set")


@pytest.mark.parametrize("title", [
    "", "  ", "Untitled", "无标题", "Microsoft Word - 2024年报告.docx", "报告.pdf", r"C:\docs\a", "Document1",
    "新建 Microsoft Word 文档", "各位代表：", "2024", "35bfb118311f446a", "000_123",
])
def test_junk_metadata_titles(title):
    assert is_junk_title(title)


def test_a_real_metadata_title_is_not_junk():
    assert not is_junk_title("2025年浙江省政府工作报告")
    assert not is_junk_title("Report on the Work of the Government")


@pytest.mark.parametrize("name, want", [
    ("2024年××市政府工作报告.pdf", "2024年××市政府工作报告"),
    ("sub/2025年_上海市_政府工作报告.docx", "2025年 上海市 政府工作报告"),
    ("Government Work Report 2025.pdf", "Government Work Report 2025"),
    ("000_35bfb118311f446a.txt", ""), ("35bfb118311f446a.pdf", ""), ("20240101_0003.pdf", ""), ("scan.pdf", ""),
    ("Document1.docx", ""), ("新建 Microsoft Word 文档.docx", ""), ("report.pdf", ""),
])
def test_a_file_name_reads_as_a_title_or_not(name, want):
    assert file_title(name) == want


def test_a_salutation_is_neither_title_nor_heading():
    assert is_salutation("各位代表：") and is_salutation("各位代表、各位委员：") and not is_salutation("各位代表提出的建议")
    blocks = [Block("各位代表："), Block("现在，我代表市人民政府，向大会报告工作，请予审议。"), Block("一、工作回顾"), Block("全年增长5%。")]
    title, _, start = front_matter(blocks)
    assert title == "" and start == 1
    from qa.read.document import Document

    outline = split_document(Document("a.docx", [Block("各位代表：", bold=True), *blocks[1:]], {"format": "docx"}))
    assert outline.title == "" and all("各位代表" not in h for p in outline.paragraphs for h in p.path)


# ------------------------------------------------------------------ readers put what they find in meta

def _docx(paragraphs: list[tuple[str, str | None]], core_title: str = "") -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = core_title
    for text, style in paragraphs:
        d.add_paragraph(text, style=style)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_word_core_properties_and_title_style():
    body = [("2024年工作回顾", "Title"), ("全年地区生产总值增长5%，就业稳定。", None)]
    doc = parse_source(_docx(body, "关于2024年工作的报告"), "a.docx")
    assert doc.meta["title"] == "关于2024年工作的报告" and doc.meta["title_line"] == "2024年工作回顾"
    doc = parse_source(_docx(body), "a.docx")
    assert "title" not in doc.meta and doc.meta["title_line"] == "2024年工作回顾"


def test_web_page_title_and_h1():
    page = ("<html><head><title>关于印发某市行动方案的通知_某市人民政府</title></head><body><article>"
            "<h1>某市推进新型工业化行动方案</h1><p>" + "为加快推进新型工业化，制定本方案。" * 5 + "</p></article></body></html>")
    doc = parse_source(page.encode("utf-8"), "page.html")
    assert doc.meta["title_line"] == "某市推进新型工业化行动方案"
    assert doc.meta.get("title")


# ------------------------------------------------------------------ titles.json

@pytest.fixture
def library(tmp_path, fake_encoder):
    shutil.copytree(DATA, tmp_path / "data")
    (tmp_path / "data" / NOTE).write_text("一、工作回顾\n新建图书馆一座，全年接待读者十万人次。\n", encoding="utf-8")
    build_index(tmp_path / "data", tmp_path / "index", fake_encoder)
    return tmp_path


def _qa(root, *args):
    return CliRunner().invoke(cli, [*args, "--data", str(root / "data"), "--index", str(root / "index")])


def _titles(root) -> dict[str, str]:
    return {d.file: d.title for d in list_documents(root / "data", root / "index")}


def test_the_shipped_plan_is_titled_by_the_sidecar(library):
    assert json.loads((DATA / TITLES_FILE).read_text(encoding="utf-8")) == {PLAN.name: PLAN_TITLE}
    m = published_manifest(library / "index")
    assert m.title(PLAN.name) == PLAN_TITLE and m.sources[PLAN.name].meta["title_source"] == "set"
    assert m.sources[NOTE].meta["title_source"] == "file name" and m.title(NOTE) == "2025年某市政府工作报告"
    docs = json.loads(_qa(library, "ls", "--json").stdout)
    assert {d["file"]: (d["title"], d["title_source"]) for d in docs}[PLAN.name] == (PLAN_TITLE, "set")


def test_qa_title_sets_shows_and_clears_and_rebuilds(library):
    res = _qa(library, "title", "某市", "某市2025年报告")  # a unique part of the name, as `qa rm` takes
    assert res.exit_code == 0, res.output
    assert read_titles(library / "data")[NOTE] == "某市2025年报告"
    assert index_status(library / "data", library / "index") == "ok"
    index = load_index(library / "index")
    assert index.manifest.title(NOTE) == "某市2025年报告"
    # the document's units were embedded with the new title (unit_text)
    res = _qa(library, "title", NOTE)
    assert res.exit_code == 0 and "某市2025年报告" in res.stdout and "set" in res.stdout
    assert "某市2025年报告" in _titles(library)[NOTE]

    res = _qa(library, "title", NOTE, "--clear")
    assert res.exit_code == 0, res.output
    assert NOTE not in read_titles(library / "data")
    assert _titles(library)[NOTE] == "2025年某市政府工作报告"
    res = _qa(library, "title", NOTE)
    assert "2025年某市政府工作报告" in res.stdout and "file name" in res.stdout
    assert _qa(library, "title", "不存在的文件").exit_code != 0


def test_a_change_in_titles_json_makes_the_index_stale(library, fake_encoder):
    data, index = library / "data", library / "index"
    assert index_status(data, index) == "ok"
    set_title(NOTE, "新标题", data)
    assert index_status(data, index) == "stale"
    report = build_index(data, index, fake_encoder)
    assert not report.up_to_date and 0 < report.embedded  # only the retitled document's units are new
    assert _titles(library)[NOTE] == "新标题" and _titles(library)[PLAN.name] == PLAN_TITLE
    assert build_index(data, index, fake_encoder).up_to_date
    # a title for a file that does not exist changes nothing, with a warning
    path = data / TITLES_FILE
    path.write_text(json.dumps(read_titles(data) | {"gone.txt": "x"}, ensure_ascii=False), encoding="utf-8")
    assert index_status(data, index) == "ok"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"a.txt": 3}', b"\xff\xfe\x00garbage"])
def test_a_bad_titles_json_gives_a_clear_error(library, fake_encoder, content):
    data, index = library / "data", library / "index"
    path = data / TITLES_FILE
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(SourceError, match="titles.json"):
        read_titles(data)
    with pytest.raises(SourceError, match="titles.json"):
        build_index(data, index, fake_encoder, force=True)
    with pytest.raises(SourceError, match="titles.json"):
        set_title(NOTE, "x", data)
    res = _qa(library, "title", NOTE, "x")
    assert res.exit_code == 1 and "titles.json" in res.stderr and "Traceback" not in res.output
    assert path.read_bytes() == (content if isinstance(content, bytes) else content.encode("utf-8"))  # never written over


def test_removing_a_document_drops_its_title(library):
    data, index = library / "data", library / "index"
    set_title(NOTE, "新标题", data)
    remove_document(NOTE, data, index)
    assert read_titles(data) == {PLAN.name: PLAN_TITLE}


def test_the_service_sets_a_title_and_rebuilds(library, fake_encoder):
    from qa.service import ChatService

    service = ChatService(library / "data", library / "index", fake_encoder)
    service.start()
    service.set_title("某市", "服务设的标题").join(timeout=60)
    assert not service.state.error, service.state.error
    assert service.manifest().title(NOTE) == "服务设的标题"
    service.set_title(NOTE, None).join(timeout=60)
    assert service.manifest().title(NOTE) == "2025年某市政府工作报告"


# ------------------------------------------------------------------ the corpus

#: Every document of ../shared/corpus/documents and the plan, with the title each must end with.
CORPUS_TITLES = {
    "2025年上海市政府工作报告.docx": "2025年上海市政府工作报告",
    "2025年云南省政府工作报告.docx": "2025年云南省政府工作报告",
    "2025年内蒙古自治区政府工作报告.docx": "2025年内蒙古自治区政府工作报告",
    "2025年北京市政府工作报告.docx": "2025年北京市政府工作报告",
    "2025年吉林省政府工作报告.docx": "2025年吉林省政府工作报告",
    "2025年四川省政府工作报告.docx": "2025年四川省政府工作报告",
    "2025年国务院政府工作报告.txt": "2025年国务院政府工作报告",  # it says 「2025年政府工作报告」
    "2025年天津市政府工作报告.docx": "2025年天津市政府工作报告",
    "2025年宁夏政府工作报告.docx": "2025年宁夏政府工作报告",
    "2025年安徽省政府工作报告.docx": "2025年安徽省政府工作报告",
    "2025年山东省政府工作报告.docx": "2025年山东省政府工作报告",
    "2025年山西省政府工作报告.docx": "2025年山西省政府工作报告",
    "2025年广西政府工作报告.docx": "2025年广西政府工作报告",
    "2025年新疆政府工作报告.docx": "2025年新疆政府工作报告",
    "2025年江西省政府工作报告.docx": "2025年江西省政府工作报告",
    "2025年河北省政府工作报告.docx": "2025年河北省政府工作报告",
    "2025年河南省政府工作报告.docx": "2025年河南省政府工作报告",
    "2025年浙江省政府工作报告.docx": "2025年浙江省政府工作报告",
    "2025年海南省政府工作报告.docx": "2025年海南省政府工作报告",
    "2025年湖北省政府工作报告.docx": "2025年湖北省政府工作报告",
    "2025年甘肃省政府工作报告.docx": "2025年甘肃省政府工作报告",
    "2025年福建省政府工作报告.docx": "2025年福建省政府工作报告",
    "2025年西藏政府工作报告.docx": "2025年西藏政府工作报告",
    "2025年贵州省政府工作报告.docx": "2025年贵州省政府工作报告",
    "2025年辽宁省政府工作报告.docx": "2025年辽宁省政府工作报告",
    "2025年重庆市政府工作报告.docx": "2025年重庆市政府工作报告",
    "2025年陕西省政府工作报告.docx": "2025年陕西省政府工作报告",
    "2025年青海省政府工作报告.docx": "2025年青海省政府工作报告",
    "2025年黑龙江省政府工作报告.docx": "2025年黑龙江省政府工作报告",
    PLAN.name: PLAN_TITLE,  # set in data/titles.json: the plan states none (its headline was lost in scraping)
}
#: Word files typeset as PDF by LibreOffice, and the title each must end with (from its large-type first line).
TYPESET = {
    "2025年上海市政府工作报告": "title line",
    "2025年辽宁省政府工作报告": "title line",  # its first line is not bold, nor larger: the file name agrees with it
    "2025年浙江省政府工作报告": "title line",
}
#: A PDF that opens with the salutation and states no title, as governments publish them (typeset by WPS).
SALUTED = "2024年某某市政府工作报告"


def _heading_paths(index) -> dict[str, list[list[str]]]:
    paths: dict[str, list[list[str]]] = {}
    for p in index.paragraphs:
        paths.setdefault(p.source, []).append(p.path)
    return paths


@pytest.mark.corpus
def test_every_corpus_document_and_the_plan_get_their_title(tmp_path, fake_encoder):
    documents = SHARED / "corpus" / "documents"
    assert sorted(p.name for p in documents.iterdir()) == sorted(n for n in CORPUS_TITLES if n != PLAN.name)
    data = tmp_path / "data"
    shutil.copytree(documents, data)
    shutil.copy(PLAN, data)
    shutil.copy(DATA / TITLES_FILE, data)
    build_index(data, tmp_path / "index", fake_encoder)
    m = published_manifest(tmp_path / "index")
    assert {n: m.title(n) for n in m.sources} == CORPUS_TITLES
    assert {n for n, r in m.sources.items() if r.meta["title_source"] == "file name"} == {"2025年国务院政府工作报告.txt"}
    assert {n: m.sources[n].meta["title_source"] for n in (PLAN.name, "2025年上海市政府工作报告.docx")} == {
        PLAN.name: "set", "2025年上海市政府工作报告.docx": "title line"}
    # the index is embedded with them: the unit text of a paragraph starts with its document's title
    assert all(t for t in CORPUS_TITLES.values())


def _typeset(docx: Path, out: Path) -> Path:
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(docx)],
                   check=True, capture_output=True, timeout=600)
    return out / (docx.stem + ".pdf")


def _saluted_docx(path: Path) -> None:
    body = ["各位代表：", "现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员提出意见。", "一、2023年工作回顾",
            "过去一年，我们坚持稳中求进工作总基调，全市经济持续回升向好。地区生产总值增长5.2%，一般公共预算收入增长8%。",
            "二、2024年工作安排", "今年经济社会发展的主要预期目标是：地区生产总值增长5%左右，城镇新增就业6万人以上。"]
    path.write_bytes(_docx([(t, None) for t in body]))


@pytest.mark.corpus
def test_typeset_pdfs_and_a_pdf_opening_with_the_salutation_get_their_title(tmp_path, fake_encoder):
    documents = SHARED / "corpus" / "documents"
    work, data = tmp_path / "work", tmp_path / "data"
    work.mkdir()
    data.mkdir()
    for stem in TYPESET:
        shutil.copy(documents / f"{stem}.docx", work)
    _saluted_docx(work / f"{SALUTED}.docx")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(data), *map(str, sorted(work.glob("*.docx")))],
                   check=True, capture_output=True, timeout=600)
    assert sorted(p.stem for p in data.glob("*.pdf")) == sorted([*TYPESET, SALUTED])
    build_index(data, tmp_path / "index", fake_encoder)
    index = load_index(tmp_path / "index")
    m = index.manifest
    assert {Path(n).stem: (m.title(n), m.sources[n].meta["title_source"]) for n in m.sources} == {
        **{stem: (stem, source) for stem, source in TYPESET.items()}, SALUTED: (SALUTED, "file name")}
    paths = _heading_paths(index)
    assert not any("各位代表" in h for path in paths[f"{SALUTED}.pdf"] for h in path)
    assert not any(is_salutation(p.title) for p in index.paragraphs)  # nor names a paragraph (「各位代表！重任在肩…」)
    assert ["一、2023年工作回顾"] in paths[f"{SALUTED}.pdf"]
