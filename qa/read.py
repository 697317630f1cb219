"""Stage 1: read source files of every type: text, Word, PDF and HTML.

:func:`read_source` is the entry: it checks the file's type and size, then
decodes and cleans text files (:mod:`qa.text`) or reads the others into
paragraph blocks here.

Each reader turns one file's bytes into :class:`Block` objects, one per
paragraph (or table row), in reading order. The text is the source's own
characters: Word and HTML text is taken as it is, only indentation at the
start is trimmed; PDF text is repaired (lines re-joined, running headers and
page numbers dropped) because a PDF stores lines, not paragraphs.

Formatting that hints at structure is kept beside the text (heading level,
bold, a bold lead phrase) so that the splitter can find sections without
guessing from the words alone.

Heavy libraries (python-docx, pypdfium2, trafilatura, rapidocr) are imported
inside the functions, so that importing this module stays cheap and a missing
optional package only matters for the format that needs it.
"""
from __future__ import annotations

import functools
import io
import re
import statistics
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import logging

from .errors import SourceError
from .text import Block, Document, clean, decode, strip_glosses

log = logging.getLogger(__name__)


#: Largest source file accepted, in bytes, by suffix: a PDF or Word file
#: carries layout and images, so it may be larger than the text it holds.
MAX_BYTES = {
    ".txt": 5 * 2**20,
    ".md": 5 * 2**20,
    ".html": 10 * 2**20,
    ".htm": 10 * 2**20,
    ".docx": 30 * 2**20,
    ".pdf": 50 * 2**20,
}
#: Suffixes read from the data folder.
SUFFIXES = tuple(MAX_BYTES)
#: The largest of them (an upload's first bound).
MAX_FILE_BYTES = max(MAX_BYTES.values())
#: Formats by suffix, as shown to users.
FORMATS = {".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}


def read_source(path: Path, root: Path) -> Document:
    """Read, decode and clean one source file.

    Args:
        path: The file.
        root: The data folder; ``Document.source`` is relative to it.

    Raises:
        SourceError: the file cannot be indexed; the message names it.
    """
    name = path.relative_to(root).as_posix()
    check_size(path.stat().st_size, name)  # before reading it all
    return parse_source(path.read_bytes(), name)


def check_size(size: int, name: str) -> None:
    """Raise :class:`SourceError` if a file of ``size`` bytes is over its type's limit (or of no known type)."""
    suffix = Path(name).suffix.lower()
    if suffix not in MAX_BYTES:
        raise SourceError(f"{name}: only {', '.join(SUFFIXES)} files can be indexed")
    limit = MAX_BYTES[suffix]
    if size > limit:
        raise SourceError(f"{name}: {size / 1e6:.1f} MB is over the {limit // 2**20} MB limit for {suffix} files; split it")


def parse_source(data: bytes, name: str) -> Document:
    """Read and clean the bytes of a source file called ``name``, by its suffix.

    Raises:
        SourceError: binary, undecodable, broken, encrypted, of an unknown
            type, or nothing left after cleaning; the message names the file.
    """
    suffix = Path(name).suffix.lower()
    check_size(len(data), name)
    if FORMATS[suffix] in ("text", "markdown"):
        text, encoding = decode(data, name)
        doc = clean(text, name)
        doc.meta["encoding"] = encoding
    else:
        blocks, meta = read_blocks(data, name)
        removed = 0
        for b in blocks:
            b.text, n = strip_glosses(b.text)
            b.lead, _ = strip_glosses(b.lead)
            removed += n
        doc = Document(name, [b for b in blocks if b.text.strip()], meta, removed)
    if not doc.text.strip():
        raise SourceError(f"{name}: no text left after cleaning")
    doc.meta["format"] = FORMATS[suffix]
    return doc



# Indentation typed at a paragraph's start: ideographic spaces (U+3000),
# ASCII and no-break spaces, tabs. Trimmed; nothing inside is touched.
_INDENT = " \t\u3000\u00a0\u2002\u2003\ufeff"

# Largest uncompressed size of a .docx's parts; a zip bomb stops here
# before python-docx inflates it into memory.
_MAX_DOCX_UNZIPPED = 200 * 2**20


# --------------------------------------------------------------------- Word

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# A paragraph that holds only a page number (a PAGE field's shown result,
# perhaps dressed as "— 3 —" or 第3页 / 共10页).
_PAGE_ONLY = re.compile(r"^[\s\-—–－_·•|/第页共頁Pp.,，0-9]*$")


def read_docx(data: bytes, name: str) -> list[Block]:
    """Read a Word (.docx) file into blocks, in document order.

    Body paragraphs and tables are read in the order they appear (also
    inside content controls); headers, footers and footnotes are not part
    of the body and are left out. A table gives one block per row, its
    cells joined by " | ": a visible separator that survives whitespace
    folding (a tab would become a space and merge cells) and that Chinese
    text seldom contains. Empty paragraphs and paragraphs holding only a
    page-number field are dropped.

    Args:
        data: The file's bytes.
        name: Shown in error messages.

    Returns:
        The blocks; ``page`` is always None (Word has no fixed pages).

    Raises:
        SourceError: not a .docx (legacy .doc, encrypted, broken zip,
            garbage), or no text in it.
    """
    import docx  # python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_docx_container(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises KeyError, ValueError, lxml errors...
        raise SourceError(f"{name}: not a readable Word .docx file ({type(e).__name__}: {e})") from None

    styles = _StyleInfo(document)
    blocks: list[Block] = []
    for el in _body_items(document.element.body):
        if el.tag == _W + "p":
            block = _docx_paragraph(Paragraph(el, document._body), styles)
            if block is not None:
                blocks.append(block)
        else:
            blocks.extend(_docx_table(Table(el, document._body), styles))
    if not blocks:
        raise SourceError(f"{name}: the Word document has no text")
    return blocks


def _check_docx_container(data: bytes, name: str) -> None:
    """Reject what is not a .docx zip before python-docx sees it."""
    if not data.strip(b"\x00 \r\n\t"):
        raise SourceError(f"{name}: the file is empty")
    # An encrypted .docx (and a legacy .doc) is an OLE compound file, not a zip.
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise SourceError(
            f"{name}: password-protected .docx or legacy Word .doc (OLE file); "
            "remove the password or save it as .docx"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            total = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise SourceError(f"{name}: not a Word .docx file (not a zip archive, or a damaged one)") from None
    if "word/document.xml" not in names and "[Content_Types].xml" not in names:
        raise SourceError(f"{name}: a zip archive but not a Word .docx file (no word/document.xml)")
    if total > _MAX_DOCX_UNZIPPED:
        raise SourceError(f"{name}: unzips to {total / 2**20:.0f} MB, over the {_MAX_DOCX_UNZIPPED // 2**20} MB limit")


def _body_items(container):
    """Yield the w:p and w:tbl elements of a body or cell in order.

    Content controls (w:sdt, e.g. a cover page or a table of contents) and
    custom-XML wrappers hold paragraphs too; python-docx's own iteration
    skips them, so they are opened here.
    """
    for child in container.iterchildren():
        tag = child.tag
        if tag in (_W + "p", _W + "tbl"):
            yield child
        elif tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _body_items(content)
        elif tag == _W + "customXml":
            yield from _body_items(child)


class _StyleInfo:
    """Resolves bold and outline level through style inheritance."""

    def __init__(self, document) -> None:
        self._document = document
        self._bold_cache: dict[str, bool | None] = {}
        self._level_cache: dict[str, int | None] = {}
        # Document defaults (w:docDefaults/w:rPrDefault) are the last resort.
        b = document.styles.element.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr/{_W}b")
        self.default_bold = _on(b) if b is not None else False

    def style_bold(self, style) -> bool | None:
        """Bold set by a style or the styles it is based on, else None."""
        if style is None:
            return None
        key = style.style_id
        if key not in self._bold_cache:
            self._bold_cache[key] = None  # guards against basedOn cycles
            value = style.font.bold
            if value is None:
                value = self.style_bold(style.base_style)
            self._bold_cache[key] = value
        return self._bold_cache[key]

    def style_level(self, style) -> int | None:
        """Heading level (1-9) a paragraph style declares, else None."""
        if style is None:
            return None
        key = style.style_id
        if key not in self._level_cache:
            self._level_cache[key] = None
            level = _outline_level(style.element.pPr)
            if level is None:
                # Built-in names; python-docx reports them in English
                # ("Heading 1") even where Word shows 标题 1.
                m = re.fullmatch(r"(?i)(?:heading|标题)\s*([1-9])", style.name or "")
                if m:
                    level = int(m.group(1))
                elif (style.name or "").lower() == "title":
                    level = 1
            if level is None:
                level = self.style_level(style.base_style)
            self._level_cache[key] = level
        return self._level_cache[key]


def _on(el) -> bool:
    """Value of an OOXML on/off element such as <w:b/> or <w:b w:val="0"/>."""
    return el.get(_W + "val", "true").lower() not in ("0", "false", "off", "none")


def _outline_level(ppr) -> int | None:
    """Heading level from a w:outlineLvl (0-8, 9 = body text)."""
    if ppr is None:
        return None
    el = ppr.find(_W + "outlineLvl")
    if el is None:
        return None
    try:
        value = int(el.get(_W + "val"))
    except (TypeError, ValueError):
        return None
    return value + 1 if 0 <= value <= 8 else None


def _runs(p_el):
    """The w:r elements whose text shows in a paragraph, in order.

    Includes runs inside hyperlinks, tracked insertions, smart tags, inline
    content controls and simple fields; excludes deleted text and text
    boxes (their paragraphs belong to the drawing, not this paragraph).
    """
    return p_el.xpath(
        ".//w:r[not(ancestor::w:del) and not(ancestor::w:moveFrom)"
        " and not(ancestor::w:txbxContent) and not(ancestor::*[local-name()='Fallback'])]"
    )


def _has_page_field(p_el) -> bool:
    """True when the paragraph holds a PAGE / NUMPAGES field."""
    for instr in p_el.xpath(".//w:instrText/text() | .//w:fldSimple/@w:instr"):
        if re.search(r"\b(PAGE|NUMPAGES|SECTIONPAGES)\b", str(instr)):
            return True
    return False


def _docx_paragraph(paragraph, styles: _StyleInfo) -> Block | None:
    """One Word paragraph as a block, or None if it is empty or a page number."""
    from docx.text.run import Run

    p_el = paragraph._p
    para_style = paragraph.style
    para_bold = styles.style_bold(para_style)
    pieces: list[tuple[str, bool]] = []  # (text, effective bold) per run
    for r_el in _runs(p_el):
        run = Run(r_el, paragraph)
        text = run.text
        if not text:
            continue
        # Bold resolves run → character style → paragraph style → defaults.
        bold = run.bold
        if bold is None:
            bold = styles.style_bold(run.style) if r_el.rPr is not None and r_el.rPr.rStyle is not None else None
        if bold is None:
            bold = para_bold
        if bold is None:
            bold = styles.default_bold
        pieces.append((text, bool(bold)))

    raw = "".join(t for t, _ in pieces)
    text = raw.strip(_INDENT + "\r\n")
    if not text:
        return None
    if _has_page_field(p_el) and _PAGE_ONLY.match(text):
        return None

    level = _outline_level(p_el.pPr)
    if level is None:
        level = styles.style_level(para_style)

    inked = [(t, b) for t, b in pieces if t.strip(_INDENT + "\r\n")]
    whole_bold = all(b for _, b in inked)
    lead = ""
    if not whole_bold and inked[0][1]:
        # Leading bold runs (whitespace runs between them included), up to
        # the first run with visible normal-weight text.
        prefix = []
        for t, b in pieces:
            if not b and t.strip(_INDENT + "\r\n"):
                break
            prefix.append(t)
        lead = "".join(prefix).lstrip(_INDENT + "\r\n").rstrip(_INDENT + "\r\n")
    return Block(text=text, heading=level, bold=whole_bold, lead=lead)


def _docx_table(table, styles: _StyleInfo) -> list[Block]:
    """One block per table row; merged cells are given once."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks = []
    for row in table.rows:
        cells: list[str] = []
        seen = set()
        all_bold = True
        for cell in row.cells:
            # A horizontally merged cell is returned once per grid column.
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            parts = []
            for el in _body_items(cell._tc):
                if el.tag == _W + "p":
                    b = _docx_paragraph(Paragraph(el, cell), styles)
                    if b is not None:
                        parts.append(b.text)
                        all_bold &= b.bold
                else:  # a nested table, flattened into the cell
                    parts.extend(x.text for x in _docx_table(Table(el, cell), styles))
            cells.append(" ".join(parts))
        if any(cells):
            blocks.append(Block(text=" | ".join(cells), bold=all_bold and any(cells)))
    return blocks


# ---------------------------------------------------------------------- PDF

# Han characters, CJK punctuation and full-width forms: text that is joined
# without spaces when a line wraps.
_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
# A space an extractor puts between Chinese and digits/Latin ("2023 年").
_CJK_SPACE = re.compile(
    f"(?:(?<=[{_CJK}])|(?<=[{_CJK}][”’]))[ \u00a0]+(?=[0-9A-Za-z%.+\\-])"
    f"|(?<=[0-9A-Za-z%.])[ \u00a0]+(?=[{_CJK}]|[“‘][{_CJK}])"
)
# Markers that open a heading or list item in Chinese official documents:
# 一、 （一） (1) 1. 1、 第一章 第三条 第二节. (「一是」 is not one: it opens
# sentences inside paragraphs.)
_HEADING_MARK = re.compile(
    r"^[\s\u3000]*(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)]|[（(]\d{1,2}[）)]"
    r"|\d{1,2}[.．、](?!\d)|第[一二三四五六七八九十百零\d]+[章节条部篇编])"
)
# Sentence ends: a short line ending in one ends a paragraph; in the
# text-only rules any line ending in one does.
_SENTENCE_END = "。！？：!?:；;"
# Page numbers as typeset: "— 3 —", "- 3 -", "第3页", "第 3 页 共 20 页",
# "3/20", "Page 3 of 20"; a bare "3" is checked separately (see _furniture).
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[—–\-－~·•]+\s*\d{1,4}\s*[—–\-－~·•]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页)\s*$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*$")


@dataclass
class _Line:
    """A text line as laid out on a page.

    Coordinates are points from the page's top-left corner; they are None
    for extractors that give no positions (the text-only fallback).
    """

    text: str
    page: int
    bold: list[bool]  # per character of ``text``
    x0: float | None = None
    x1: float | None = None
    top: float | None = None
    bottom: float | None = None
    size: float = 0.0  # font size in points (≈ width of one Han character)
    hyphen: bool = False  # ends in a soft hyphen the extractor marked
    lead_width: float = 0.0  # width of the first unbreakable unit (word)
    base: float | None = None  # baseline, points from the top
    spaced: bool = False  # spaces already decided per character (pdfium)


def read_pdf(data: bytes, name: str, *, ocr: bool = False) -> tuple[list[Block], list[int]]:
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

    Returns:
        ``(blocks, pages_without_text)``: the blocks, and the 1-based page
        numbers that have no text layer (scans), whether or not OCR read
        them, so that the caller can say so.

    Raises:
        SourceError: not a PDF, damaged, password-protected, or no text
            at all (then the message says which pages are images).
    """
    pages, empty = _pdfium_lines(data, name)
    if ocr and empty and ocr_available():
        for number, lines in _ocr_lines(data, name, empty).items():
            pages[number - 1] = lines
    blocks = _blocks_from_lines(pages)
    if not blocks:
        if empty and not (ocr and ocr_available()):
            raise SourceError(
                f"{name}: the PDF has no text layer ({len(empty)} page(s) are images); "
                "it needs OCR, or a PDF with text"
            )
        raise SourceError(f"{name}: the PDF has no text")
    return blocks, empty


def _open_pdfium(data: bytes, name: str):
    """Open a PDF with pdfium, turning its errors into SourceError."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if not data.strip():
        raise SourceError(f"{name}: the file is empty")
    # The header may follow some junk, but must be near the start.
    if b"%PDF-" not in data[:1024]:
        raise SourceError(f"{name}: not a PDF file (no %PDF header)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise SourceError(f"{name}: the PDF is password-protected; remove the password to index it") from None
        if getattr(e, "err_code", None) == pdfium_c.FPDF_ERR_SECURITY:
            raise SourceError(f"{name}: the PDF uses an unsupported security handler (encrypted)") from None
        raise SourceError(f"{name}: damaged or not a PDF ({e})") from None


def _pdfium_lines(data: bytes, name: str) -> tuple[list[list[_Line]], list[int]]:
    """Lines of every page in pdfium's reading order, and the textless pages."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    pdf = _open_pdfium(data, name)
    pages: list[list[_Line]] = []
    empty: list[int] = []
    font_buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    font_bold: dict[bytes, bool] = {}
    ox, oy = ctypes.c_double(), ctypes.c_double()
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                height = page.get_height()
                tp = textpage.raw
                lines: list[_Line] = []
                chars: list[tuple] = []  # (char, generated, box, size, bold, hyphen, baseline)
                for i in range(pdfium_c.FPDFText_CountChars(tp)):
                    code = pdfium_c.FPDFText_GetUnicode(tp, i)
                    generated = pdfium_c.FPDFText_IsGenerated(tp, i) == 1
                    if code == 0x0A or code == 0x0D:
                        # pdfium marks line ends with generated CR LF.
                        if code == 0x0A:
                            _flush(chars, lines, index + 1)
                        continue
                    if code < 0x20 and code != 0x09 or code in (0xFFFE, 0xFFFF):
                        continue  # control debris, not text
                    if 0xDC00 <= code <= 0xDFFF and chars and 0xD800 <= ord(chars[-1][0]) <= 0xDBFF:
                        # pdfium gives astral characters as two UTF-16 halves.
                        hi = chars.pop()
                        code = 0x10000 + ((ord(hi[0]) - 0xD800) << 10) + (code - 0xDC00)
                        chars.append((chr(code),) + hi[1:])
                        continue
                    if generated:
                        # A space pdfium inferred from a gap: no box, no font.
                        chars.append((chr(code), True, None, 0.0, False, False, None))
                        continue
                    left, bottom, right, top = textpage.get_charbox(i, loose=True)
                    pdfium_c.FPDFText_GetCharOrigin(tp, i, ox, oy)
                    pdfium_c.FPDFText_GetFontInfo(tp, i, font_buf, len(font_buf), ctypes.byref(flags))
                    font = font_buf.value
                    if font not in font_bold:
                        font_bold[font] = re.search(rb"(?i)bold|heavy|black", font) is not None
                    bold = (
                        font_bold[font]
                        or pdfium_c.FPDFText_GetFontWeight(tp, i) >= 600
                        or bool(flags.value & (1 << 18))  # ForceBold
                    )
                    chars.append(
                        (
                            chr(code),
                            False,
                            (left, height - top, right, height - bottom),
                            pdfium_c.FPDFText_GetFontSize(tp, i),
                            bold,
                            pdfium_c.FPDFText_IsHyphen(tp, i) == 1,
                            height - oy.value,
                        )
                    )
                _flush(chars, lines, index + 1)
                n_chars = pdfium_c.FPDFText_CountChars(tp)
                unmapped = sum(pdfium_c.FPDFText_HasUnicodeMapError(tp, i) == 1 for i in range(n_chars))
                if n_chars and unmapped > 0.5 * n_chars:
                    # Glyphs without a Unicode mapping: the "text" is debris
                    # and the page needs OCR like a scan.
                    lines = []
                if lines and page.get_rotation() % 180:
                    # Positions are in unrotated page space, where a rotated
                    # page's lines run vertically: read by words alone.
                    for line in lines:
                        line.x0 = line.x1 = line.top = line.bottom = line.base = None
                has_content = pdfium_c.FPDFPage_CountObjects(page.raw) > 0
            finally:
                textpage.close()
                page.close()
            if not lines and has_content:
                # Images or drawings but no text: a scan. A blank page is
                # not reported.
                empty.append(index + 1)
            pages.append(lines)
    finally:
        pdf.close()
    return pages, empty


def _flush(chars: list[tuple], lines: list[_Line], page: int) -> None:
    """Close the line being collected into ``lines``.

    pdfium marks the spaces it infers from gaps as generated. Between Latin
    letters or digits such a gap is a word space and stays. Between Chinese
    and Latin text it is the typesetter's inter-script spacing ("2023 年")
    and goes. Between two Han characters, which otherwise sit edge to edge,
    a gap wide enough for pdfium to see is a space typed in the source
    (「好品山东 商行天下」) and stays.
    """
    if _out_of_order(chars):
        chars[:] = _reorder(chars)
    kept = []
    han_gaps = _han_gaps(chars)
    for k, (ch, generated, box, size, bold, hyphen, base) in enumerate(chars):
        if generated and ch.isspace():
            prev = _neighbour(chars, k, -1)
            nxt = _neighbour(chars, k, +1)
            if not prev or not nxt or (kept and kept[-1][0].isspace()):
                continue
            prev_cjk, next_cjk = _CJK_CHAR.match(prev) is not None, _CJK_CHAR.match(nxt) is not None
            if _gap(chars, k) > 0.8 * (_size_near(chars, k) or 10.0):
                pass  # a wide gap separates columns or table cells: keep it
            elif prev_cjk != next_cjk:
                continue
            elif prev_cjk and not _wide_gap(chars, k, han_gaps):
                continue
        if box is not None and kept and not kept[-1][0].isspace():
            last = next((c[2] for c in reversed(kept) if c[2] is not None), None)
            if last is not None and box[0] - last[2] > 0.8 * (size or 10.0):
                # A wide gap with no space character: table cells or columns.
                kept.append((" ", True, None, 0.0, False, False, None))
        kept.append((ch, generated, box, size, bold, hyphen, base))
    chars.clear()
    text = "".join(c[0] for c in kept)
    if not text.strip():
        return
    boxes = [c[2] for c in kept if c[2] is not None and not c[0].isspace()]
    if not boxes:
        boxes = [c[2] for c in kept if c[2] is not None]
    sizes = [c[3] for c in kept if c[3] > 0 and not c[0].isspace()]
    line = _Line(
        text=text,
        page=page,
        bold=[c[4] for c in kept],
        spaced=True,
        hyphen=kept[-1][5] or (text.endswith("-") and kept[-1][1]),
        size=statistics.median(sizes) if sizes else 0.0,
    )
    bases = [c[6] for c in kept if c[6] is not None and not c[0].isspace()]
    if bases:
        line.base = statistics.median(bases)
    if boxes:
        line.lead_width = _lead_width(kept)
        line.x0 = min(b[0] for b in boxes)
        line.x1 = max(b[2] for b in boxes)
        line.top = min(b[1] for b in boxes)
        line.bottom = max(b[3] for b in boxes)
    lines.append(line)


# Characters that may not start a line (kinsoku): they stay with the
# character before them, so they belong to the first unbreakable unit.
_NO_BREAK_BEFORE = set("、。，．：；！？）》」』】〕〉”’％%…—·,.;:!?)]}")
_NO_BREAK_AFTER = set("（《「『【〔〈“‘([{")


def _lead_width(chars: list[tuple]) -> float:
    """Width of the first unit a typesetter cannot break at a line's start.

    That is a Latin word or number (with attached ％ and 、 and the next
    number, as in 「23.1％、62.5％」) or one Han character, plus the
    punctuation that may not start a line, and preceded by any opening
    brackets or quotes, which may not end one (「（1）促」).
    """
    ink = [c for c in chars if c[2] is not None and not c[0].isspace()]
    if not ink:
        return 0.0
    k = 0
    while k < len(ink) - 1 and ink[k][0] in _NO_BREAK_AFTER:
        k += 1
    if _CJK_CHAR.match(ink[k][0]) and ink[k][0] not in _NO_BREAK_BEFORE:
        k += 1
    else:
        while k < len(ink) and (not _CJK_CHAR.match(ink[k][0]) or ink[k][0] in _NO_BREAK_BEFORE):
            k += 1
    while k < len(ink) and ink[k][0] in _NO_BREAK_BEFORE:
        k += 1
    return ink[max(k, 1) - 1][2][2] - ink[0][2][0]


def _out_of_order(chars: list[tuple]) -> bool:
    """Whether a line's characters do not run left to right.

    LibreOffice draws a line's Western-font runs (「“」「”」) apart from its
    Chinese ones, and pdfium keeps drawing order: 「“稳”的」 comes out as
    「“”稳的」.
    """
    last = None
    for c in chars:
        if c[2] is None:
            continue
        if last is not None and c[2][0] < last - 1.0:
            return True
        last = c[2][2]
    return False


def _reorder(chars: list[tuple]) -> list[tuple]:
    """Sort a line's characters left to right; spaces from the gaps.

    pdfium's generated spaces belong to the drawing order, so they are
    dropped and a generated space is put wherever the gap between two
    neighbours is a third of an em or more; _flush then judges those like
    pdfium's own.
    """
    real = sorted((c for c in chars if c[2] is not None), key=lambda c: c[2][0])
    out: list[tuple] = []
    for c in real:
        if out and c[2][0] - out[-1][2][2] > 0.33 * (c[3] or 10.0):
            out.append((" ", True, None, 0.0, False, False, None))
        out.append(c)
    return out


def _han_gaps(chars: list[tuple]) -> float:
    """Median gap between adjacent Han characters of a line (0 if none).

    Justified lines stretch every gap alike; that stretch is not a space.
    """
    gaps = []
    boxes = [(c[0], c[2]) for c in chars if c[2] is not None]
    for (a, ba), (b, bb) in zip(boxes, boxes[1:]):
        if _HAN.match(a) and _HAN.match(b):
            gaps.append(bb[0] - ba[2])
    return statistics.median(gaps) if gaps else 0.0


def _gap(chars: list[tuple], k: int) -> float:
    """Width of the gap that the generated character at ``k`` stands for."""
    before = next((c[2] for c in reversed(chars[:k]) if c[2] is not None), None)
    after = next((c[2] for c in chars[k + 1 :] if c[2] is not None), None)
    if before is None or after is None:
        return 0.0
    return after[0] - before[2]


def _size_near(chars: list[tuple], k: int) -> float:
    """Font size of the nearest real character before ``k``."""
    return next((c[3] for c in reversed(chars[:k]) if c[3]), 0.0)


def _wide_gap(chars: list[tuple], k: int, usual: float) -> bool:
    """Whether the generated space at ``k`` sits in a gap wider than usual.

    Only between two Han characters (not CJK punctuation, whose spacing
    varies) and only a gap 0.15 em wider (a space is ~0.25 em) than the line's usual one.
    """
    if not (0 < k < len(chars) - 1):
        return False
    (a, _, ba, size, *_), (b, _, bb, *_) = chars[k - 1], chars[k + 1]
    if ba is None or bb is None or not (_HAN.match(a) and _HAN.match(b)):
        return False
    return bb[0] - ba[2] > usual + 0.15 * (size or 10.0)


def _neighbour(chars: list[tuple], k: int, step: int) -> str:
    """The nearest character before/after ``k`` that is not a quote or bracket.

    Quotes and brackets take the script of what they enclose, so 「”」 in
    「“四好农村路” 7570公里」 counts as Chinese.
    """
    k += step
    while 0 <= k < len(chars):
        ch = chars[k][0]
        if ch not in "\"'“”‘’()[]<>«»" and not ch.isspace():
            return ch
        k += step
    return ""


def _furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Drop running headers/footers and page numbers from each page.

    Only the two lines nearest the top and the bottom of a page are
    candidates. A candidate is furniture when, with digits masked, the same
    text is at a page edge on at least 40% of the pages (so odd/even
    alternating headers count too), or when it has the form of a page
    number. A bare number ("3") counts only when it keeps the same offset
    from the page index as the other bare numbers do, so that a figure at
    the foot of one page is not taken for a page number.
    """
    def edges(lines: list[_Line]) -> list[int]:
        if not lines:
            return []
        if lines[0].top is not None:
            order = sorted(range(len(lines)), key=lambda k: (lines[k].top or 0.0))
        else:
            order = list(range(len(lines)))
        return sorted(set(order[:2] + order[-2:]))

    def key(text: str) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))

    n_pages = sum(1 for p in pages if p)
    seen: Counter = Counter()
    tops: dict[str, list[float]] = {}
    for lines in pages:
        keys = {}
        for k in edges(lines):
            keys.setdefault(key(lines[k].text), lines[k].top)
        seen.update(keys.keys())
        for kk, top in keys.items():
            if top is not None:
                tops.setdefault(kk, []).append(top)
    threshold = max(2, -(-2 * n_pages // 5))  # ceil(0.4 n), at least two pages
    where = {kk: statistics.median(v) for kk, v in tops.items()}

    # Bare numbers: find the offset (number - page) most of them share.
    offsets: Counter = Counter()
    for p, lines in enumerate(pages, 1):
        for k in edges(lines):
            m = _BARE_NUMBER.match(lines[k].text)
            if m:
                offsets[int(m.group(1)) - p] += 1
    page_offset = offsets.most_common(1)[0][0] if offsets else None
    # One bare number alone passes only if it is the page's own number.
    bare_ok = page_offset is not None and (offsets[page_offset] >= 2 or page_offset == 0)

    out = []
    for p, lines in enumerate(pages, 1):
        drop = set()
        used = set()
        for k in edges(lines):
            line = lines[k]
            m = _BARE_NUMBER.match(line.text)
            kk = key(line.text)
            if _PAGE_NUMBER.match(line.text):
                drop.add(k)
            elif m and bare_ok and int(m.group(1)) - p == page_offset:
                drop.add(k)
            elif n_pages >= 2 and kk and seen[kk] >= threshold and kk not in used:
                # A running header sits where it sits on the other pages; the
                # document's title under it on page 1 has the same words but
                # not the same place, so it stays.
                if line.top is None or abs(line.top - where[kk]) <= max(line.size, 6.0):
                    drop.add(k)
                    used.add(kk)
        out.append([line for k, line in enumerate(lines) if k not in drop])
    return out


@dataclass
class _Frame:
    """Where a page's body text sits: left and right margin, one em."""

    left: float
    right: float
    em: float
    gap: float  # usual distance from one line's top to the next's


def _frames(pages: list[list[_Line]]) -> list[_Frame | None]:
    """Estimate each page's text frame from its lines (None without geometry).

    The left margin is the leftmost line start many lines share (most lines
    are not first lines); the right margin the rightmost line end that two
    lines share (justified lines all end there). A page with few lines
    borrows the document's.
    """
    def frame(lines: list[_Line]) -> _Frame | None:
        geo = [ln for ln in lines if ln.x0 is not None and ln.x1 is not None]
        if not geo:
            return None
        # Left margin: the leftmost start shared by a good number of lines.
        # Not simply the most common one: on a page of short indented items
        # the indented start outnumbers the margin.
        starts = Counter(round(ln.x0) for ln in geo)
        enough = max(2, 0.15 * len(geo)) if len(geo) >= 4 else 1
        left = float(min((x for x, c in starts.items() if c >= enough), default=min(starts)))
        # Right margin: where the longest lines end. Justified lines end at
        # the same x, so take the rightmost end that another line shares
        # (a lone protruding line, say a wide table row, does not count).
        ends = sorted((ln.x1 for ln in geo), reverse=True)
        right = next((x for x, y in zip(ends[:3], ends[1:4]) if x - y <= 2.0), ends[0])
        sizes = [ln.size for ln in geo if ln.size > 0]
        em = statistics.median(sizes) if sizes else 10.0
        steps = [_step(a, b) for a, b in zip(geo, geo[1:]) if 0 < _step(a, b) < 3 * em]
        gap = statistics.median(steps) if steps else 1.5 * em
        return _Frame(left, right, em, gap)

    whole = frame([ln for lines in pages for ln in lines])
    return [frame(lines) if len(lines) >= 8 else (whole if lines else None) for lines in pages]


def _blocks_from_lines(pages: list[list[_Line]], *, furniture: bool = True) -> list[Block]:
    """Join lines into paragraphs and repair their text.

    Args:
        pages: Lines per page, in reading order.
        furniture: Drop running headers/footers and page numbers first.

    Paragraph ends follow the layout (chosen by measurement over 28 typeset
    reports): an indented line, a wider line gap, an outdented line or a
    change of font size starts a paragraph. In a document that indents its
    paragraphs, a short line ends one only at a sentence end or when far
    short; otherwise any short line does, as do a heading marker after a
    sentence end and a bold opening after normal text. "Short" means the
    next line's first unbreakable unit would have fitted in the space left.
    Lines without positions fall back to the words: a line ending in
    。！？：； ends a paragraph and a heading marker starts one.

    Returns:
        One block per paragraph, with the page it starts on.
    """
    if furniture:
        pages = _furniture(pages)
    frames = _frames(pages)
    indented = _uses_indent(pages, frames)
    paragraphs: list[list[_Line]] = []
    prev: _Line | None = None
    prev_fr: _Frame | None = None
    for lines, fr in zip(pages, frames):
        for line in lines:
            # Pages are one stream: a sentence that runs over a page break
            # joins up unless the layout says a paragraph ends there.
            if prev is None or _starts_paragraph(prev, line, prev_fr, fr, indented):
                paragraphs.append([line])
            else:
                paragraphs[-1].append(line)
            prev, prev_fr = line, fr
    blocks = []
    for para in paragraphs:
        block = _join(para)
        if block is not None:
            blocks.append(block)
    return blocks


def _step(a: _Line, b: _Line) -> float:
    """Vertical distance from line ``a`` to line ``b`` (baselines if known)."""
    if a.base is not None and b.base is not None:
        return b.base - a.base
    return (b.top or 0.0) - (a.top or 0.0)


def _opens_bold(line: _Line) -> bool:
    """Whether the line's first two visible characters are bold."""
    ink = [b for ch, b in zip(line.text, line.bold) if not ch.isspace()][:2]
    return bool(ink) and all(ink)


def _uses_indent(pages: list[list[_Line]], frames: list[_Frame | None]) -> bool:
    """Whether the document marks paragraphs by indenting their first line.

    Measured on line pairs where the first line is short: if mostly the
    next line is indented, indentation is the convention, and a short line
    alone (a typesetter's early break before 「“十四五”」) is no paragraph end.
    """
    short = indented = 0
    for lines, fr in zip(pages, frames):
        if fr is None:
            continue
        for a, b in zip(lines, lines[1:]):
            if a.x1 is not None and b.x0 is not None and a.x1 < fr.right - 1.2 * fr.em:
                short += 1
                indented += b.x0 > fr.left + 1.2 * fr.em
    return short >= 3 and indented >= 0.6 * short


def _starts_paragraph(a: _Line, b: _Line, fa: _Frame | None, fb: _Frame | None, indented: bool = False) -> bool:
    """Whether line ``b`` starts a new paragraph after line ``a``."""
    heading = _HEADING_MARK.match(b.text) is not None
    tail = a.text.rstrip()
    punct = bool(tail) and tail[-1] in _SENTENCE_END
    geometry = fa is not None and fb is not None and a.x1 is not None and b.x0 is not None
    if not geometry:
        # No positions: only the words tell. Indentation typed as spaces is
        # kept by some extractors and is the one layout hint left.
        return punct or heading or b.text[:1] in "\u3000\u2003 \t"
    # A short line ends a paragraph only if the next line's first word
    # would have fitted after it: otherwise the typesetter had to break
    # there (「23.1％、62.5％、45.5％。」 is one unbreakable unit).
    free = fa.right - a.x1
    short = free > max(1.2 * fa.em, b.lead_width + 0.3 * fa.em)
    indent = b.x0 > fb.left + 1.2 * fb.em
    same_page = a.page == b.page
    # Space between paragraphs: a step from line to line a quarter em more
    # than the usual one (baselines are exact to a tenth of a point).
    gap = same_page and _step(a, b) > fb.gap + max(0.25 * fb.em, 2.5)
    # Without indentation: a sentence end followed by a line that opens in
    # bold after normal text is a new paragraph with a bold lead
    # (「加快国际贸易中心建设，…」). Not used when paragraphs are indented:
    # there a bold phrase may open a sentence inside a paragraph (山西).
    bold_lead = punct and bool(a.bold) and not a.bold[-1] and _opens_bold(b)
    # A line left of the margin starts something new too (an outdented
    # heading), and so does a change of size (a title).
    outdent = b.x0 < fb.left - 1.2 * fb.em
    resized = abs(a.size - b.size) > 0.15 * max(a.size, b.size, 1.0)
    # A heading marker at a line start counts only after a sentence end or
    # a short line: 「其中一、二、三产」 and 「（1）」 also wrap to a line start.
    heading = heading and (punct or short)
    if indented:
        # Indented paragraphs: a line somewhat short ends one only at a
        # sentence end; one far short (a dateline, 「来源：…」) ends one anyway.
        # A heading marker at the margin after a full line is an enumeration
        # running on (「…民生实事”。（1）促进…」): headings are indented too.
        return indent or outdent or gap or resized or (short and (punct or free > 4 * fa.em))
    return short or indent or gap or outdent or resized or heading or bold_lead


def _join(lines: list[_Line]) -> Block | None:
    """Join a paragraph's lines and repair the text; None if nothing is left."""
    text = ""
    bold: list[bool] = []
    prev_hyphen = False
    for line in lines:
        t, bl = line.text, list(line.bold)
        if text:
            if prev_hyphen and text[-1] in "-\u00ad\u2010":
                # A hyphen the typesetter added to divide a word: drop it.
                text, bold = text[:-1], bold[:-1]
            elif re.search(r"[0-9A-Za-z,.;:!?)\]]$", text) and re.match(r"[0-9A-Za-z(\[]", t.lstrip()):
                text, bold = text + " ", bold + [bold[-1] if bold else False]
            t, bl = _lstrip(t, bl)
        text, bold = text + t.rstrip(), bold + bl[: len(t.rstrip())]
        prev_hyphen = line.hyphen
    text, bold = _lstrip(text, bold)
    # Spaces between Chinese and digits/Latin that another extractor put
    # there. (pdfium lines were cleaned character by character in _flush,
    # which keeps the wide gaps between table cells.)
    drop = set()
    if not lines[0].spaced:
        drop = {m.start() + k for m in _CJK_SPACE.finditer(text) for k in range(m.end() - m.start())}
    if drop:
        text = "".join(ch for k, ch in enumerate(text) if k not in drop)
        bold = [b for k, b in enumerate(bold) if k not in drop]
    if not text:
        return None
    inked = [b for ch, b in zip(text, bold) if not ch.isspace()]
    whole = bool(inked) and all(inked)
    lead = ""
    if not whole and inked and inked[0]:
        k = 0
        while k < len(text) and (bold[k] or text[k].isspace()):
            k += 1
        lead = text[:k].rstrip()
    return Block(text=text, page=lines[0].page, bold=whole, lead=lead)


def _lstrip(text: str, bold: list[bool]) -> tuple[str, list[bool]]:
    """Strip leading indentation from text and its bold flags alike."""
    k = len(text) - len(text.lstrip(_INDENT))
    return text[k:], bold[k:]


# ---------------------------------------------------------------------- OCR

# Resolution pages are rendered at for OCR: 150 dpi reads 14 pt Chinese
# reliably (measured when the reader was chosen) at a quarter of the pixels of 300 dpi.
_OCR_DPI = 150


def ocr_available() -> bool:
    """Whether the optional OCR package (rapidocr-onnxruntime) is installed."""
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@functools.lru_cache(maxsize=1)
def _ocr_engine():
    """The RapidOCR engine, built once (loading its models takes seconds)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def _ocr_lines(data: bytes, name: str, pages: list[int]) -> dict[int, list[_Line]]:
    """OCR the given 1-based pages into lines with positions in points."""
    import numpy as np

    engine = _ocr_engine()
    scale = _OCR_DPI / 72
    pdf = _open_pdfium(data, name)
    out: dict[int, list[_Line]] = {}
    try:
        for number in pages:
            if not 1 <= number <= len(pdf):
                continue
            page = pdf[number - 1]
            try:
                image = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))[:, :, ::-1]  # BGR
            finally:
                page.close()
            # Text is upright in scans of official documents; the angle
            # classifier only costs time.
            result, _ = engine(image, use_cls=False)
            lines = []
            for box, text, _score in result or []:
                text = text.strip()
                if not text:
                    continue
                xs = [p[0] / scale for p in box]
                ys = [p[1] / scale for p in box]
                height = max(ys) - min(ys)
                lines.append(
                    _Line(
                        text=text,
                        page=number,
                        bold=[False] * len(text),
                        x0=min(xs),
                        x1=max(xs),
                        top=min(ys),
                        bottom=max(ys),
                        base=max(ys),
                        size=height * 0.8,  # box height ≈ 1.2 em for CJK lines
                        spaced=False,
                    )
                )
            # Box heights wobble from line to line (a bold line is taller);
            # one size per page keeps the "change of size" rule quiet.
            if lines:
                size = statistics.median(ln.size for ln in lines)
                for ln in lines:
                    ln.size = size
            # Reading order: top to bottom; boxes on one line left to right.
            lines.sort(key=lambda ln: ln.top or 0.0)
            ordered: list[_Line] = []
            for ln in lines:
                if ordered and abs((ln.top or 0) - (ordered[-1].top or 0)) < 0.5 * ln.size:
                    # same line as the previous box: keep left-to-right order
                    k = len(ordered)
                    while k > 0 and abs((ordered[k - 1].top or 0) - (ln.top or 0)) < 0.5 * ln.size and (
                        ordered[k - 1].x0 or 0
                    ) > (ln.x0 or 0):
                        k -= 1
                    ordered.insert(k, ln)
                else:
                    ordered.append(ln)
            out[number] = ordered
    finally:
        pdf.close()
    return out


def ocr_pages(data: bytes, pages: list[int], name: str = "<pdf>") -> dict[int, str]:
    """OCR pages that have no text layer, with RapidOCR (optional package).

    Each page is rendered at 150 dpi and read by PP-OCRv4 models shipped in
    the rapidocr-onnxruntime wheel (no download). The lines are joined into
    paragraphs by the same layout rules as text-layer pages.

    Args:
        data: The PDF's bytes.
        pages: 1-based page numbers, e.g. the second value of
            :func:`read_pdf`.
        name: Shown in error messages.

    Returns:
        Page number → the page's text, paragraphs separated by newlines;
        {} when rapidocr-onnxruntime is not installed.
    """
    if not pages or not ocr_available():
        return {}
    lines = _ocr_lines(data, name, pages)
    numbers = sorted(lines)
    # Headers and page numbers are found across all the scanned pages at
    # once; paragraphs page by page, since the result is per page.
    pages = _furniture([lines[n] for n in numbers])
    out = {}
    for n, page_lines in zip(numbers, pages):
        blocks = _blocks_from_lines([page_lines], furniture=False)
        out[n] = "\n".join(b.text for b in blocks)
    return out


# --------------------------------------------------------------------- HTML

# A charset named in the first bytes: <meta charset="gbk">, the http-equiv
# Content-Type form, or an XML declaration.
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-:.]+)""",
    re.IGNORECASE,
)
# Labels pages use, mapped to the codec that reads what such pages really
# hold: GB2312/GBK pages carry GBK and GB18030 characters, Big5 pages the
# Microsoft (cp950) and HKSCS extensions.
_CHARSET_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "hz-gb-2312": "hz", "big5": "big5hkscs", "x-big5": "big5hkscs", "cn-big5": "big5hkscs",
    "unicode": "utf-16", "utf8": "utf-8",
}


def decode_html(data: bytes, name: str) -> tuple[str, str]:
    """Decode a saved web page: by the charset its ``<meta>`` tag or XML declaration
    names, when that decodes the bytes (pages are often mislabelled); else as any
    source text is decoded (:func:`qa.text.decode`).

    Returns:
        ``(text, codec)``.

    Raises:
        SourceError: empty, binary or undecodable.
    """
    import codecs

    from .text import decode

    m = _META_CHARSET.search(data[:4096])
    if m and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        label = (m.group(1) or m.group(2)).decode("ascii", "ignore").lower()
        try:
            declared = codecs.lookup(_CHARSET_ALIASES.get(label, label)).name
            return data.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, name)


def read_html(data: bytes, name: str) -> list[Block]:
    """Read the main text of a saved web page into blocks.

    trafilatura takes the article out of the page (menus, scripts, footers
    and link lists go); its XML output keeps paragraphs, headings (h1-h6 →
    ``heading``), list items, table rows and bold (``<hi rend="#b">``).
    Lines broken with <br> inside one element become separate blocks: older
    government CMS pages put a whole report in one <div>, a paragraph per
    line. If trafilatura finds nothing, every block element of the <body>
    is read instead (navigation elements left out).

    Args:
        data: The page's bytes (any charset; see :func:`decode_html`).
        name: Shown in error messages.

    Raises:
        SourceError: empty, or no text found.
    """
    import trafilatura
    from lxml import etree

    text, _ = decode_html(data, name)
    if "<" not in text:
        raise SourceError(f"{name}: not an HTML page")
    xml = trafilatura.extract(
        text,
        output_format="xml",
        include_formatting=True,  # keeps <hi rend="#b"> for bold/lead
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        favor_recall=True,  # short official paragraphs are easily dropped otherwise
        deduplicate=False,
        with_metadata=True,
    )
    blocks: list[Block] = []
    title = ""
    if xml:
        root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True, huge_tree=True))
        title = (root.get("title") or "").strip()
        main = root.find("main")
        if main is None:
            main = root
        for el in main.iter("head", "p", "item", "row", "quote", "code"):
            if el.tag in ("p", "quote") and _has_ancestor(el, ("item", "row", "cell")):
                continue  # read with its list item or table row
            if el.tag == "row":
                cells = list(el.iter("cell"))
                if len(cells) == 1 or any(c.find(".//p") is not None or c.find(".//lb") is not None for c in cells):
                    # A layout table (old CMS pages put the whole article in
                    # one cell): its content is paragraphs, not a data row.
                    for c in cells:
                        blocks.extend(_html_blocks(c, None))
                    continue
                row = " | ".join(" ".join(_xml_text(c).split()) for c in cells)
                if row.strip(" |"):
                    blocks.append(Block(text=row))
                continue
            level = None
            if el.tag == "head":
                m = re.fullmatch(r"h([1-6])", el.get("rend") or "")
                level = int(m.group(1)) if m else 2
            blocks.extend(_html_blocks(el, level))
    if not blocks:
        blocks = _html_fallback(text)
    else:
        blocks = _restore_headings(text, blocks)
    # trafilatura moves the page's <h1>/<title> into metadata; put it back
    # when the body does not repeat it, as the document's top heading.
    if title and not any(title in b.text for b in blocks[:3]):
        blocks.insert(0, Block(text=title, heading=1))
    if not blocks:
        raise SourceError(f"{name}: no text found in the web page")
    return blocks


def _restore_headings(html: str, blocks: list[Block]) -> list[Block]:
    """Put back h1-h6 headings that trafilatura dropped.

    trafilatura keeps headings when the article sits in an <article>
    element but drops them from a plain <div class="article"> (measured on
    a saved government page). A heading is put back before the block that
    opens with the text following it in the page.
    """
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(html)
    except Exception:  # lxml's ParserError on odd input: keep what we have
        return blocks
    have = {b.text for b in blocks}
    out = list(blocks)
    for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        title = " ".join(h.text_content().split()).strip(_INDENT)
        if not title or title in have or _has_html_ancestor(h, _HTML_SKIP):
            continue
        # The text that follows the heading in document order.
        following = ""
        for node in h.itersiblings():
            following = " ".join(node.text_content().split()).strip(_INDENT) if isinstance(node.tag, str) else ""
            if following:
                break
        if not following:
            continue
        probe = following[:20]
        for k, b in enumerate(out):
            if b.text.startswith(probe) and b.heading is None:
                out.insert(k, Block(text=title, heading=int(h.tag[1])))
                have.add(title)
                break
    return out


def _has_html_ancestor(el, tags) -> bool:
    parent = el.getparent()
    while parent is not None:
        if isinstance(parent.tag, str) and parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _has_ancestor(el, tags: tuple[str, ...]) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _xml_text(el) -> str:
    """Text of an element with <lb/> as newlines."""
    parts = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "lb" else _xml_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _html_blocks(el, level: int | None) -> list[Block]:
    """Blocks of one trafilatura element: one per line (<lb/> splits)."""
    # Walk the element collecting (text, bold) pieces.
    pieces: list[tuple[str, bool]] = []

    def walk(node, bold: bool) -> None:
        if node.text:
            pieces.append((node.text, bold))
        for child in node:
            if child.tag == "lb":
                pieces.append(("\n", bold))
            elif child.tag in ("p", "head", "item", "quote", "list", "row", "table"):
                # block inside a (layout) cell: its own line(s)
                pieces.append(("\n", bold))
                walk(child, bold)
                pieces.append(("\n", bold))
            else:
                walk(child, bold or (child.tag == "hi" and "#b" in (child.get("rend") or "")))
            if child.tail:
                pieces.append((child.tail, bold))

    walk(el, False)
    lines: list[list[tuple[str, bool]]] = [[]]
    for t, b in pieces:
        for k, part in enumerate(t.split("\n")):
            if k:
                lines.append([])
            if part:
                lines[-1].append((part, b))
    blocks = []
    for line in lines:
        raw = "".join(t for t, _ in line)
        text = raw.strip(_INDENT + "\r\n")
        if not text:
            continue
        inked = [(t, b) for t, b in line if t.strip(_INDENT)]
        whole = all(b for _, b in inked)
        lead = ""
        if not whole and inked[0][1]:
            prefix = []
            for t, b in line:
                if not b and t.strip(_INDENT):
                    break
                prefix.append(t)
            lead = "".join(prefix).strip(_INDENT)
        blocks.append(Block(text=text, heading=level, bold=whole, lead=lead))
    return blocks


# Elements that are page furniture, not content.
_HTML_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "select",
              "iframe", "svg", "template", "head"}
_HTML_BLOCK = {"p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt",
               "section", "article", "tr", "br", "table", "ul", "ol", "body"}


def _html_fallback(text: str) -> list[Block]:
    """Every block-level text run of <body>, when trafilatura finds nothing."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(text)
    except Exception:  # lxml raises ParserError on empty or odd input
        return []
    blocks: list[Block] = []
    buf: list[str] = []
    level: list[int | None] = [None]

    def flush() -> None:
        t = re.sub(r"[ \t\r\n]+", " ", "".join(buf)).strip(_INDENT)
        if t:
            blocks.append(Block(text=t, heading=level[0]))
        buf.clear()
        level[0] = None

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _HTML_SKIP:
            if node.tail:
                buf.append(node.tail)
            return
        block = tag in _HTML_BLOCK
        if block:
            flush()
            if re.fullmatch(r"h[1-6]", tag):
                level[0] = int(tag[1])
        if node.text and tag:
            buf.append(node.text)
        for child in node:
            walk(child)
        if block:
            flush()
        if node.tail:
            buf.append(node.tail)

    body = doc.find("body")
    walk(body if body is not None else doc)
    flush()
    return blocks


# ---------------------------------------------------------------- dispatch

def read_blocks(data: bytes, name: str) -> tuple[list[Block], dict]:
    """Read a Word, PDF or HTML file, by its suffix, into blocks and what is known of it.

    A PDF's pages without a text layer are read by OCR where the optional
    ``qa-plan[ocr]`` extra is installed; otherwise a warning names the file
    and the pages, and they are left out.

    Returns:
        ``(blocks, meta)``; ``meta`` has ``pages`` for a PDF, with
        ``pages_without_text`` and ``ocr_pages`` where some had none.

    Raises:
        SourceError: broken, encrypted or empty; the message names the file.
    """
    suffix = Path(name).suffix.lower()
    meta: dict = {}
    if suffix == ".docx":
        return read_docx(data, name), meta
    if suffix in (".html", ".htm"):
        return read_html(data, name), meta
    if suffix != ".pdf":
        raise SourceError(f"{name}: no reader for {suffix} files")
    ocr = ocr_available()
    blocks, empty = read_pdf(data, name, ocr=ocr)
    meta["pages"] = _page_count(data)
    if empty:
        meta["pages_without_text"] = empty
        if ocr:
            meta["ocr_pages"] = empty
        else:
            log.warning(
                "%s: pages %s have no text layer and were left out; install qa-plan[ocr] to read them by OCR",
                name, ", ".join(map(str, empty)),
            )
    return blocks, meta


def _page_count(data: bytes) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()
