"""One bad file never stops the library: whatever a reader raises on a file is that file's skip reason."""
from __future__ import annotations

import io
import re
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from qa import SourceError, UploadError, build_index
from qa.cli import cli
from qa.read import parse_source
from qa.service import ChatService

from conftest import DATA, ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def _docx(edit) -> bytes:
    """A small real Word file whose document.xml is passed through ``edit``."""
    import docx

    d = docx.Document()
    d.add_heading("一、总体要求", level=1)
    d.add_paragraph("全市生产总值增长5%左右。").runs[0].bold = True
    table = d.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "指标", (0, 1): "目标", (1, 0): "粮食", (1, 1): "百亿斤"}.items():
        table.cell(r, c).text = text
    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data.decode("utf-8")).encode("utf-8") if item.filename == "word/document.xml" else data)
    return out.getvalue()


def _lying_count(path) -> bytes:
    """A one-page PDF whose page tree says it has three."""
    data = path.read_bytes()
    assert data.count(b"/Count 1") == 1
    return data.replace(b"/Count 1", b"/Count 3")


#: Files each reader's library raises on (python-docx, pdfium, a codec), as users meet them.
HOSTILE = {
    # a table whose first row continues a vertical merge from a row above it
    "vmerge.docx": lambda: _docx(lambda xml: xml.replace("<w:tcPr>", "<w:tcPr><w:vMerge/>", 1)),
    # a bold flag no schema allows
    "bold-maybe.docx": lambda: _docx(lambda xml: re.sub(r"<w:b/>", '<w:b w:val="maybe"/>', xml, count=1)),
    # a page count of 3 where the file has one page: a one-byte change
    "lying-count.pdf": lambda: _lying_count(FIXTURES / "scan.pdf"),
}
PAGE = ('<html><head><meta charset="{}"><title>报告</title></head>'
        "<body><h1>报告</h1><p>全市生产总值增长5%左右，粮食产量稳定在百亿斤以上。</p></body></html>")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_reader_s_own_error_is_the_file_s_source_error(name):
    data = HOSTILE[name]()
    with pytest.raises(SourceError, match=rf"^{re.escape(name)}: cannot be read \(\w+"):
        parse_source(data, name)


@pytest.mark.parametrize("label", ["undefined", "unicode_escape", "rot13", "no-such-codec"])
def test_a_charset_label_that_is_no_text_encoding_is_ignored(label):
    # Python has codecs of these names: "undefined" failed the whole file, "unicode_escape" read mojibake.
    doc = parse_source(PAGE.format(label).encode("utf-8"), "page.html")
    assert "全市生产总值增长5%左右" in doc.text


@pytest.fixture
def library(tmp_path):
    """The plan beside the hostile files, in one data folder."""
    shutil.copytree(DATA, tmp_path / "data")
    for name, make in HOSTILE.items():
        (tmp_path / "data" / name).write_bytes(make())
    return tmp_path


def test_the_library_builds_with_each_bad_file_skipped_by_name(library, fake_encoder):
    report = build_index(library / "data", library / "index", fake_encoder)
    assert report.files == 1 and set(report.skipped) == set(HOSTILE)
    for name, why in report.skipped.items():
        assert why.startswith(f"{name}: cannot be read (") and "then rebuild" in why


def test_qa_build_exits_0_and_prints_no_traceback(library, fake_encoder):
    res = CliRunner().invoke(cli, ["build", "--data", str(library / "data"), "--index", str(library / "index"),
                                   "--model", fake_encoder.qa_name])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output and "Traceback" not in res.stderr
    assert all(f"Skipped {name}: cannot be read" in res.stderr for name in HOSTILE)


def test_an_upload_the_reader_cannot_read_is_refused_by_name(library, fake_encoder):
    (library / "incoming").mkdir()
    service = ChatService(library / "data", library / "index", fake_encoder)
    for name, make in HOSTILE.items():
        upload = library / "incoming" / f"x{name}"
        upload.write_bytes(make())
        with pytest.raises(UploadError, match=rf"{re.escape(name)}: cannot be read"):
            service.save_upload(upload, name)
