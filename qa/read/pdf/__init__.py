"""PDF: the text layer read into paragraphs, scanned pages by OCR.

A PDF stores positioned characters, not paragraphs: :mod:`.chars` reads
pdfium's characters into lines (or :mod:`.ocr` reads a scanned page's image
into lines), and :mod:`.layout` drops running headers and page numbers and
joins the lines into paragraphs.
"""
from __future__ import annotations

from ...errors import ScanOnly, SourceError
from ..document import Block
from .chars import pdfium_lines
from .layout import blocks_from_lines, large_title
from .ocr import check_ocr_pages, ocr_available, ocr_lines


def read_pdf(
    data: bytes, name: str, *, ocr: bool = False, later: bool = False, meta: dict | None = None
) -> tuple[list[Block], list[int]]:
    """Read a PDF's text layer into paragraph blocks.

    Lines are read with pdfium (fastest and most faithful of the permissive
    extractors measured, see the README); running headers/footers and page
    numbers are dropped; lines are joined into paragraphs by layout (an
    indented line starts a paragraph; a line that ends short of the margin,
    although the next line's first word would have fitted, ends one; so do
    a wider line gap and a change of font size); a paragraph that runs
    across a page break is joined and keeps the page it starts on. Spaces
    pdfium infers between Chinese and digits/Latin ("2023 年") are dropped,
    those between Latin words and between table cells kept. Bold comes
    from the font (weight or name), so ``bold`` and ``lead`` work as for
    Word.

    Args:
        data: The file's bytes.
        name: Shown in error messages.
        ocr: Read pages without a text layer by OCR, if rapidocr-onnxruntime
            is installed (seconds per page; see :func:`ocr_pages`).
        later: OCR will read those pages later (an upload's check: OCR runs in the
            rebuild, not in the request). Their number is checked against the OCR
            bound, as with ``ocr``, and a PDF of scans only raises :class:`ScanOnly`.
        meta: If given, what the file says its title is goes in it (the title is
            :func:`qa.titles.decide_title`'s to choose): ``title``, the document
            information's Title; ``title_line``, the first page's opening line in
            clearly larger type than the body (:func:`.layout.large_title`).

    Returns:
        ``(blocks, pages_without_text)``: the blocks, and the 1-based page
        numbers that have no text layer (scans), whether or not OCR read
        them, so that the caller can say so.

    Raises:
        SourceError: not a PDF, damaged, password-protected, more scanned
            pages than OCR reads, or no text at all (then the message says which
            pages are images).
        ScanOnly: only scanned pages, with ``later``.
    """
    pages, empty = pdfium_lines(data, name)
    ocr = ocr and ocr_available()
    if empty and later:
        check_ocr_pages(empty, name)  # as ocr_lines will in the rebuild
    if empty and ocr:
        for number, lines in ocr_lines(data, name, empty).items():
            pages[number - 1] = lines
    blocks = blocks_from_lines(pages)
    if not blocks:
        if empty and later:
            raise ScanOnly(f"{name}: its {len(empty)} page(s) are scans without text; OCR reads them when the library is rebuilt")
        if empty and not ocr:
            raise SourceError(
                f"{name}: the PDF has no text layer ({len(empty)} page(s) are images); "
                "it needs OCR, or a PDF with text"
            )
        raise SourceError(f"{name}: the PDF has no text")
    if meta is not None:
        if title := metadata_title(data):
            meta["title"] = title
        if line := large_title(pages):
            meta["title_line"] = line
    return blocks, empty


def metadata_title(data: bytes) -> str:
    """The Title of a PDF's document information, as written (junk titles are judged by
    :func:`qa.titles.is_junk_title`); "" when it has none or it cannot be read."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception:  # noqa: BLE001 - read already; a title is not worth an error
        return ""
    try:
        return " ".join((pdf.get_metadata_dict().get("Title") or "").replace("\x00", " ").split())
    except Exception:  # noqa: BLE001 - damaged metadata: no title
        return ""
    finally:
        pdf.close()


def page_count(data: bytes) -> int:
    """The PDF's number of pages."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()
