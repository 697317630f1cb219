"""The core on the real plan: cleaning, sections, search both ways, the API and CLI contracts."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from conftest import PLAN, minilm_path, ROOT
from qa import Fusion, QueryError, Retriever, build_index
from qa.cli import cli
from qa.read.plain import clean
from qa.split import split_document
from qa.text import fold_script

TONED_GLOSS = re.compile(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")

TITLES = [
    "堅持以工業項目建設為核心,著力提升高質量發展的“制造指數”",
    "堅持以現代服務業為驅動,著力提升高質量發展的“繁榮指數”",
    "堅持以生態宜居為目標,著力提升高質量發展的“魅力指數”",
    "堅持以鄉村振興為基礎,著力提升高質量發展的“富美指數”",
    "堅持以改革創新為動力,著力提升高質量發展的“競爭指數”",
    "堅持以改善民生為宗旨,著力提升高質量發展的“幸福指數”",
    "堅持以黨的建設為統領,著力提升高質量發展的“政治指數”",
]


@pytest.fixture(scope="module")
def plan_doc():
    return clean(PLAN.read_text(encoding="utf-8"), PLAN.name)


# ------------------------------------------------------------- cleaning

def test_raw_plan_has_the_debris_we_clean():
    raw = PLAN.read_text(encoding="utf-8")
    assert len(TONED_GLOSS.findall(raw)) == 452  # plus two fused in the damaged "?xùn)|"
    assert "?xùn)|" in raw


def test_cleaning_removes_every_gloss_and_keeps_real_parentheticals(plan_doc):
    assert plan_doc.glosses_removed == 454
    assert TONED_GLOSS.findall(plan_doc.text) == []
    assert not re.search(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", plan_doc.text)
    assert plan_doc.text.count("大豆(小粒黃豆)") == 1
    assert plan_doc.text.count("中藥材(人參、平貝母)") == 1
    assert "推動東北全面振興" in plan_doc.text  # the damaged gloss repaired
    assert "現代化" in plan_doc.text and "高質量" in plan_doc.text


def test_byline_and_footer_become_metadata_and_the_author_note_stays_quotable(plan_doc):
    assert plan_doc.meta["byline"] == "劉巖智"
    assert plan_doc.meta["author_note"] == "作者系中共敦化市委書記"
    assert plan_doc.meta["editor"].startswith("艾")
    for debris in ("劉巖智", "責任編輯", "■"):
        assert debris not in plan_doc.text
    # the author note stays the closing sentence too: readers ask who wrote the plan
    assert plan_doc.text.endswith("全力打造海晏河清的“清廉敦化”。(作者系中共敦化市委書記 )")


def test_original_characters_are_kept(plan_doc):
    # Variants from the scrape stay as they are for display; search folds them.
    assert "示范區" in plan_doc.text and "后花園" in plan_doc.text and "萬霖制藥" in plan_doc.text
    assert fold_script("示範區") == fold_script("示范區")


def test_unrelated_parentheses_survive():
    assert clean("步驟(a)見附件(PDF)和應用(app)").text == "步驟(a)見附件(PDF)和應用(app)"


# ------------------------------------------------------------- sections

def test_plan_splits_into_intro_and_seven_sections(plan_doc):
    sections = split_document(plan_doc).paragraphs
    assert len(sections) == 8
    assert [s.title for s in sections[1:]] == TITLES
    assert sections[0].title.startswith("黨的二十大擘畫了")
    assert "".join(s.text for s in sections) == plan_doc.text.replace("\n", "")
    for s in sections:
        assert s.sentences and all(s.text[a:b].strip() == s.text[a:b] for a, b in s.sentences)


def test_headings_make_sections():
    from qa.read.document import Document

    text = "第一章 總則\n本規劃適用於全市。\n一、發展目標\n外貿進出口總額達到40億元。\n（一）工業\n醫藥產業集群。\n# Notes\nPlain text here."
    sections = split_document(Document.from_text("x.md", text)).paragraphs
    assert [s.path for s in sections] == [
        ["第一章 總則"],
        ["第一章 總則", "一、發展目標"],
        ["第一章 總則", "一、發展目標", "（一）工業"],
        ["Notes"],
    ]
    assert [s.section for s in sections] == ["第一章 總則", "一、發展目標", "（一）工業", "Notes"]
    assert sections[1].text == "外貿進出口總額達到40億元。"


def test_numbered_paragraph_is_not_a_heading():
    from qa.read.document import Document

    sections = split_document(Document.from_text("x", "一、加快發展。全面推進工業。\n二、改善民生。擴大就業。")).paragraphs
    assert [s.title for s in sections] == ["一、加快發展", "二、改善民生"]


# ------------------------------------------------------------- search and the API

def test_answer_quotes_verbatim_with_highlights(fake_plan_index):
    r = Retriever(fake_plan_index / "index")
    hits = r.search("外贸进出口的目标是多少？", k=3)
    assert len(hits) == 3
    plan_text = clean(PLAN.read_text(encoding="utf-8")).text
    for h in hits:
        assert h.text in plan_text
        assert h.source == PLAN.name
        assert h.highlights and all(s in h.text for s in h.highlights)
    assert "外貿進出口總額達到40億元" in hits[0].highlights[0]
    assert hits[0].score >= hits[1].score >= hits[2].score


def test_simplified_question_finds_traditional_text(fake_plan_index):
    # Keyword side alone: folding scripts is its job, and the small English model adds only noise
    # on Chinese (the default model's fused search is checked in test_quality.py).
    hit = Retriever(fake_plan_index / "index").search("万霖制药项目什么时候开工", k=1, fusion=Fusion(method="keyword"))[0]
    assert "萬霖制藥等項目如期開復工" in hit.highlights[0]


def test_traditional_question_finds_simplified_text(tmp_path, fake_encoder):
    data = tmp_path / "data"
    data.mkdir()
    (data / "simple.txt").write_text(
        "第一段讲交通。新建高铁站一座。\n\n第二段讲教育。全市新建学校十所，扩大学前教育资源。\n\n第三段讲医疗。建设县级医院。",
        encoding="utf-8",
    )
    build_index(data, tmp_path / "index", fake_encoder)
    hit = Retriever(tmp_path / "index").search("全市要新建幾所學校？", k=1)[0]
    assert hit.highlights[0] == "全市新建学校十所，扩大学前教育资源。"


@pytest.mark.parametrize("bad", ["", "   \n\t", "x" * 501])
def test_bad_questions_raise_clear_errors(fake_plan_index, bad):
    r = Retriever(fake_plan_index / "index")
    with pytest.raises(QueryError) as e:
        r.answer(bad)
    assert isinstance(e.value, ValueError)
    assert "empty" in str(e.value) or "limit is 500" in str(e.value)


def test_incremental_rebuild(tmp_path, fake_encoder):
    data = tmp_path / "data"
    shutil.copytree(PLAN.parent, data)
    first = build_index(data, tmp_path / "index", fake_encoder)
    assert first.embedded == first.units > 0 and first.paragraphs == 8

    again = build_index(data, tmp_path / "index", fake_encoder)
    assert again.up_to_date and again.embedded == 0

    (data / "extra.txt").write_text("新增一段關於冰雪旅遊的內容。冬季舉辦冰雪節。", encoding="utf-8")
    added = build_index(data, tmp_path / "index", fake_encoder)
    assert added.files == 2 and 0 < added.embedded < added.units
    assert added.embedded == added.units - first.units

    (data / "extra.txt").unlink()
    removed = build_index(data, tmp_path / "index", fake_encoder)
    assert removed.files == 1 and removed.embedded == 0 and removed.units == first.units
    assert all(h.source == PLAN.name for h in Retriever(tmp_path / "index").search("冰雪節", k=8))


# ------------------------------------------------------------- the CLI

def test_cli_build_ask_json(tmp_path, fake_encoder):
    runner = CliRunner()
    shutil.copytree(PLAN.parent, tmp_path / "data")
    args = ["--data", str(tmp_path / "data"), "--index", str(tmp_path / "index"), "--model", fake_encoder.qa_name]
    res = runner.invoke(cli, ["build", *args])
    assert res.exit_code == 0, res.output
    assert "1 files, 8 paragraphs" in res.output and "model" in res.output

    res = runner.invoke(cli, ["ask", "外贸进出口总额的目标是多少？", "-k", "2", "--json", "--index", str(tmp_path / "index")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert "as it is" in res.stderr  # built from tmp_path/data, asked from here: used, not rebuilt from ./data
    assert {"question", "abstained", "hits"} <= set(out)
    assert out["question"] == "外贸进出口总额的目标是多少？"
    assert isinstance(out["abstained"], bool) and len(out["hits"]) == 2
    for h in out["hits"]:
        assert set(h) == {"text", "section", "source", "score", "highlights", "path", "page", "document", "paragraph", "span", "cut", "citation"}
        assert h["document"] == "全力開創敦化高質量發展新局面" and h["page"] is None and h["path"] == []  # data/titles.json
        assert all(s in h["text"] for s in h["highlights"])

    res = runner.invoke(cli, ["ask", "外贸", "--index", str(tmp_path / "index")])
    assert res.exit_code == 0 and "> " in res.output
    assert "(torch)" in runner.invoke(cli, ["build", *args]).output  # a model other than the default runs on torch

    res = runner.invoke(cli, ["ask", "外贸", "--backend", "onnx", "--index", str(tmp_path / "index")])
    assert res.exit_code == 1 and "onnx backend runs the bundled multilingual-e5-small only" in res.output


@pytest.mark.parametrize("question", ["", "   ", "问" * 501])
def test_cli_bad_question_exits_2(question, tmp_path):
    res = CliRunner().invoke(cli, ["ask", question, "--index", str(tmp_path)])
    assert res.exit_code == 2
    assert "Error: the question" in res.output


def test_cli_missing_index_and_sources_says_what_to_do(tmp_path):
    res = CliRunner().invoke(cli, ["ask", "外贸", "--index", str(tmp_path / "none"), "--data", str(tmp_path / "nodata")])
    assert res.exit_code == 1
    assert "data folder" in res.output and "does not exist" in res.output


# ------------------------------------------------------------- real documents

DOCS = ROOT.parent / "shared" / "corpus" / "documents"


@pytest.mark.corpus
def test_outline_of_real_reports():
    from qa.read import read_source

    national = split_document(read_source(DOCS / "2025年国务院政府工作报告.txt", DOCS))
    assert national.title == "2025年政府工作报告"
    para = next(p for p in national.paragraphs if p.text.startswith("实施提振消费专项行动。"))
    assert para.title == "实施提振消费专项行动"  # its lead sentence names it
    assert para.path == ["三、2025年政府工作任务", "（一）大力提振消费、提高投资效益，全方位扩大国内需求"]
    # The （一） heading opens a paragraph and runs on: it heads what follows and stays in that paragraph's text.
    opener = next(p for p in national.paragraphs if p.text.startswith("（一）大力提振消费"))
    assert opener.path == para.path and len(opener.text) > len(para.path[-1])

    shanghai = split_document(read_source(DOCS / "2025年上海市政府工作报告.docx", DOCS))
    assert shanghai.title == "2025年上海市政府工作报告"
    assert shanghai.meta["origin"] == "解放日报" and shanghai.meta["date"] == "2025年1月15日"
    assert not any(p.text.startswith(("来源", "各位代表：")) for p in shanghai.paragraphs)
    assert shanghai.paragraphs[2].path == ["一、2024年工作回顾"]

    fujian = split_document(read_source(DOCS / "2025年福建省政府工作报告.docx", DOCS))
    assert fujian.meta["speaker"] == "福建省人民政府省长 赵龙"

    sichuan = split_document(read_source(DOCS / "2025年四川省政府工作报告.docx", DOCS))
    assert sichuan.paragraphs[1].path == ["2024年工作回顾"]  # a heading shown only as a short line
    glossary = [p for p in sichuan.paragraphs if p.path[:1] == ["名词解释"]]
    # each of the 50 entries a paragraph of its own, directly under the glossary; a one-sentence
    # entry (「13.EFlops：是…运算。」) is not taken for a heading and lost
    assert [p.text.split(".", 1)[0] for p in glossary] == [str(i) for i in range(1, 51)]
    assert all(p.path == ["名词解释"] for p in glossary)
    # a glossary whose heading says more: 「《政府工作报告》有关内容名词注释」 under 附件
    jiangxi = split_document(read_source(DOCS / "2025年江西省政府工作报告.docx", DOCS))
    glossary = [p for p in jiangxi.paragraphs if p.path == ["《政府工作报告》有关内容名词注释"]]
    assert [p.text.split(".", 1)[0] for p in glossary] == [str(i) for i in range(1, 18)]
    assert any(p.text.startswith("12.“三通一码”：赣服通") for p in glossary)  # one sentence, once taken for a heading


def test_long_paragraph_is_quoted_around_the_answer():
    from qa.quote import MAX_WHOLE_QUOTE, QUOTE_CHARS, quote_sentences
    from qa.split import Paragraph, split_sentences

    text = "".join(f"第{i}句讲的是一件不同的事情，内容足够长以便测量引文长度。" for i in range(40))
    para = Paragraph("x.txt", "t", [], text, split_sentences(text))
    assert len(text) > MAX_WHOLE_QUOTE
    s0, s1 = quote_sentences(para, [20])
    quote = text[para.sentences[s0][0] : para.sentences[s1][1]]
    assert s0 <= 20 <= s1 and s0 > 0 and s1 < 39
    assert len(quote) <= QUOTE_CHARS and quote.startswith("第") and quote.endswith("。")
    short = Paragraph("x.txt", "t", [], text[:300], split_sentences(text[:300]))
    assert quote_sentences(short, [2]) == (0, len(short.sentences) - 1)
