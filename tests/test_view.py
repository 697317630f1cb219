"""The page view (qa.view): sentences located on the PDF page, page images, and only indexed files read."""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from qa.errors import SourceError, SourceUnavailable
from qa.index import Manifest, SourceRecord
from qa.read import parse_source
from qa.split import split_document
from qa.view import Mark, locate, render_page, source_bytes

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


def _paragraphs(path: Path):
    data = path.read_bytes()
    return data, split_document(parse_source(data, path.name, ocr=False)).paragraphs


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _sentence(paragraphs, opening: str):
    """The paragraph holding the sentence that opens with ``opening``, and the sentence's offsets."""
    for p in paragraphs:
        for a, b in p.sentences:
            if p.text[a:b].startswith(opening):
                return p, a, b
    raise AssertionError(f"no sentence opens with {opening}")


# ------------------------------------------------------------------ locate

def test_locate_marks_the_sentence_where_its_characters_are():
    import pypdfium2

    data, paragraphs = _paragraphs(FIXTURES / "synthetic.pdf")
    p, a, b = _sentence(paragraphs, "今年发展主要预期目标是")
    marks = locate(data, "synthetic.pdf", p.text, p.page, a, b)
    assert [m.page for m in marks] == [p.page]
    assert _squeeze(marks[0].text) == _squeeze(p.text[a:b])
    # pdfium's own text inside each rectangle (slightly inset, in PDF space) is what was marked.
    pdf = pypdfium2.PdfDocument(data)
    page = pdf[p.page - 1]
    height = page.get_height()
    textpage = page.get_textpage()
    inside = "".join(
        textpage.get_text_bounded(left=x0 + 1, bottom=height - bottom + 2, right=x1 - 1, top=height - top - 2)
        for x0, top, x1, bottom in marks[0].boxes
    )
    assert _squeeze(inside) == _squeeze(p.text[a:b])
    textpage.close()
    page.close()
    pdf.close()


def test_locate_a_sentence_across_a_page_break_marks_both_pages():
    # furniture.pdf: a running header 「2025年政府工作报告」 and a footer 「— N —」 stand between the two halves.
    data, paragraphs = _paragraphs(FIXTURES / "furniture.pdf")
    p, a, b = _sentence(paragraphs, "巩固“双减”成果")
    marks = locate(data, "furniture.pdf", p.text, p.page, a, b)
    assert [m.page for m in marks] == [p.page, p.page + 1]
    assert _squeeze("".join(m.text for m in marks)) == _squeeze(p.text[a:b])
    assert not any(ch in m.text for m in marks for ch in "—报告")  # no furniture marked
    first, second = marks
    assert first.boxes[-1][1] > 600 and second.boxes[0][3] < 150  # the foot of one page, the head of the next


def test_locate_each_sentence_of_a_paragraph_in_turn():
    data, paragraphs = _paragraphs(FIXTURES / "furniture.pdf")
    p = max(paragraphs[:6], key=lambda p: len(p.sentences))
    previous = None
    for a, b in p.sentences:
        marks = locate(data, "furniture.pdf", p.text, p.page, a, b)
        assert _squeeze("".join(m.text for m in marks)) == _squeeze(p.text[a:b])
        page, box = marks[0].page, marks[0].boxes[0]
        if previous is not None and page == previous[0]:
            last = previous[1]
            if abs(box[1] - last[1]) < 3:  # on the line the last one ended on: to its right
                assert box[0] >= last[2] - 1
            else:  # further down
                assert box[1] > last[1]
        else:
            assert previous is None or page == previous[0] + 1
        previous = (marks[-1].page, marks[-1].boxes[-1])


def test_locate_bears_with_what_cleaning_changes():
    data, paragraphs = _paragraphs(FIXTURES / "synthetic.pdf")
    p, a, b = _sentence(paragraphs, "今年发展主要预期目标是")
    sentence = p.text[a:b]
    # Full-width digits and a space the paragraph has but the page has not.
    wide = sentence.replace("5%", "５％").replace("：", "： ")
    marks = locate(data, "synthetic.pdf", wide, p.page, 0, len(wide))
    assert _squeeze(marks[0].text) == _squeeze(sentence)
    # Characters the page has that the paragraph lost (a gloss, a dropped hyphen): the rest is marked.
    lost = sentence.replace("国内生产总值", "国内总值")
    marks = locate(data, "synthetic.pdf", lost, p.page, 0, len(lost))
    assert _squeeze(marks[0].text) == _squeeze(lost)
    assert len(marks[0].boxes) == 2  # a run before the gap and one after
    # A character the page has not: everything else is marked.
    extra = sentence.replace("城镇调查", "城镇X调查")
    marks = locate(data, "synthetic.pdf", extra, p.page, 0, len(extra))
    assert _squeeze(marks[0].text) == _squeeze(sentence)


def test_locate_only_the_sentence_asked():
    data, paragraphs = _paragraphs(FIXTURES / "synthetic.pdf")
    p = next(p for p in paragraphs if len(p.sentences) >= 2)
    (a0, b0), (a1, b1) = p.sentences[:2]
    first = locate(data, "synthetic.pdf", p.text, p.page, a0, b0)
    second = locate(data, "synthetic.pdf", p.text, p.page, a1, b1)
    assert _squeeze(first[0].text) == _squeeze(p.text[a0:b0])
    assert _squeeze(second[0].text) == _squeeze(p.text[a1:b1])
    assert first[0].boxes[-1][2] <= second[0].boxes[0][0] + 1 or first[0].boxes[-1][1] < second[0].boxes[0][1]


def test_locate_gives_nothing_for_text_not_on_the_page():
    data = (FIXTURES / "synthetic.pdf").read_bytes()
    assert locate(data, "synthetic.pdf", "这段文字并不在这个文件里出现过。", 1, 0, 8) == []
    assert locate(data, "synthetic.pdf", "今年发展主要预期目标是", 9, 0, 5) == []  # no such page
    assert locate(data, "synthetic.pdf", "今年发展主要预期目标是", 1, 3, 3) == []  # an empty span


def test_locate_on_a_scanned_page_gives_nothing():
    data = (FIXTURES / "scan.pdf").read_bytes()
    assert locate(data, "scan.pdf", "现在，我代表上海市人民政府，向大会报告工作。", 1, 0, 10) == []


def test_locate_on_a_rotated_page_marks_in_displayed_coordinates():
    import pypdfium2

    data, paragraphs = _paragraphs(FIXTURES / "synthetic.pdf")
    p, a, b = _sentence(paragraphs, "今年发展主要预期目标是")
    pdf = pypdfium2.PdfDocument(data)
    pdf[0].set_rotation(90)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    upright = locate(data, "synthetic.pdf", p.text, p.page, a, b)[0].boxes[0]
    turned = locate(buf.getvalue(), "turned.pdf", p.text, p.page, a, b)[0].boxes[0]
    # Turned a quarter clockwise on a 612×792 page: the line runs down, at x = 792 - its former y.
    assert turned[0] == pytest.approx(792 - upright[3], abs=0.5)
    assert turned[1] == pytest.approx(upright[0], abs=0.5)
    assert turned[3] - turned[1] == pytest.approx(upright[2] - upright[0], abs=0.5)


def test_locate_wraps_pdfium_errors():
    with pytest.raises(SourceError):
        locate((FIXTURES / "broken.pdf").read_bytes(), "broken.pdf", "文字", 1, 0, 2)
    with pytest.raises(SourceError, match="password"):
        locate((FIXTURES / "encrypted.pdf").read_bytes(), "encrypted.pdf", "文字", 1, 0, 2)


def test_mark_is_frozen():
    mark = Mark(1, [(0.0, 0.0, 1.0, 1.0)], "字")
    with pytest.raises(AttributeError):
        mark.page = 2  # type: ignore[misc]


# ------------------------------------------------------------------ render_page

def test_render_page_gives_an_image_of_the_page_at_its_scale():
    from PIL import Image

    data = (FIXTURES / "synthetic.pdf").read_bytes()
    image, scale = render_page(data, "synthetic.pdf", 1)
    assert scale == pytest.approx(150 / 72)
    img = Image.open(io.BytesIO(image))
    img.load()
    assert img.format == "JPEG"
    assert img.size[0] == pytest.approx(612 * scale, abs=1) and img.size[1] == pytest.approx(792 * scale, abs=1)
    small, scale = render_page(data, "synthetic.pdf", 1, dpi=72)
    assert Image.open(io.BytesIO(small)).size == (612, 792) and scale == 1.0


def test_render_page_refuses_a_page_it_has_not():
    data = (FIXTURES / "synthetic.pdf").read_bytes()
    for page in (0, 2, -1):
        with pytest.raises(SourceUnavailable, match="no page"):
            render_page(data, "synthetic.pdf", page)
    with pytest.raises(SourceError):
        render_page(b"not a pdf", "x.pdf", 1)


# ------------------------------------------------------------------ source_bytes

def _manifest(**sources: str) -> Manifest:
    records = {name: SourceRecord(sha256=sha) for name, sha in sources.items()}
    return Manifest(model="m", dim=1, chunking={}, sources=records, counts={})


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "a.pdf").write_bytes(b"%PDF-1.4 one")
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4 secret")
    return data


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_source_bytes_reads_an_indexed_file(data_dir: Path):
    manifest = _manifest(**{"sub/a.pdf": _sha(b"%PDF-1.4 one")})
    assert source_bytes(data_dir, manifest, "sub/a.pdf") == b"%PDF-1.4 one"


def test_source_bytes_refuses_a_name_the_index_has_not(data_dir: Path):
    manifest = _manifest(**{"sub/a.pdf": _sha(b"%PDF-1.4 one")})
    for name in ("sub/b.pdf", "a.pdf", "../secret.pdf", str(data_dir.parent / "secret.pdf"), "", "sub/../sub/a.pdf"):
        with pytest.raises(SourceUnavailable, match="not a document of this index"):
            source_bytes(data_dir, manifest, name)
    manifest.sources["sub/a.pdf"].status = "skipped"
    with pytest.raises(SourceUnavailable, match="not a document of this index"):
        source_bytes(data_dir, manifest, "sub/a.pdf")


def test_source_bytes_refuses_paths_out_of_the_data_folder_even_when_listed(data_dir: Path):
    # A manifest altered to list them must not lead out of the folder either.
    secret = _sha(b"%PDF-1.4 secret")
    absolute = str(data_dir.parent / "secret.pdf")
    manifest = _manifest(**{"../secret.pdf": secret, absolute: secret, "sub/../../secret.pdf": secret})
    for name in ("../secret.pdf", absolute, "sub/../../secret.pdf"):
        with pytest.raises(SourceUnavailable, match="inside the data folder"):
            source_bytes(data_dir, manifest, name)


@pytest.mark.skipif(os.name == "nt", reason="symbolic links")
def test_source_bytes_refuses_a_link_out_of_the_data_folder(data_dir: Path):
    (data_dir / "link.pdf").symlink_to(data_dir.parent / "secret.pdf")
    manifest = _manifest(**{"link.pdf": _sha(b"%PDF-1.4 secret")})
    with pytest.raises(SourceUnavailable, match="outside the data folder"):
        source_bytes(data_dir, manifest, "link.pdf")


def test_source_bytes_refuses_a_changed_or_missing_file(data_dir: Path):
    manifest = _manifest(**{"sub/a.pdf": _sha(b"%PDF-1.4 one")})
    (data_dir / "sub" / "a.pdf").write_bytes(b"%PDF-1.4 two")
    with pytest.raises(SourceUnavailable, match="changed since it was indexed; rebuild the index"):
        source_bytes(data_dir, manifest, "sub/a.pdf")
    (data_dir / "sub" / "a.pdf").unlink()
    with pytest.raises(SourceUnavailable, match="no longer in the data folder"):
        source_bytes(data_dir, manifest, "sub/a.pdf")


def test_source_unavailable_is_a_qa_error():
    import qa

    assert issubclass(qa.SourceUnavailable, qa.QAError)
    assert "SourceUnavailable" in qa.__all__


# ------------------------------------------------------------------ the corpus

@pytest.mark.corpus
def test_every_sentence_of_typeset_reports_is_marked_right(shared_dir: Path):
    import shutil
    import sys

    if shutil.which("soffice") is None:
        pytest.skip("needs LibreOffice (soffice) to typeset the reports")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from documents import typeset

    right = total = across = 0
    for report in ("2025年上海市政府工作报告.docx", "2025年北京市政府工作报告.docx"):
        pdf = typeset(shared_dir / "corpus" / "documents" / report, ROOT / "benchmarks" / ".work" / "documents" / "pdf")
        data, paragraphs = _paragraphs(pdf)
        for p in paragraphs:
            for a, b in p.sentences:
                marks = locate(data, pdf.name, p.text, p.page, a, b)
                total += 1
                right += _squeeze("".join(m.text for m in marks)) == _squeeze(p.text[a:b])
                across += len(marks) > 1
    assert total > 500 and across > 20
    assert right / total >= 0.98
