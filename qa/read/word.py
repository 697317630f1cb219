"""Word (.docx): body paragraphs and table rows, with styles resolved.

python-docx reads the file; paragraphs inside content controls, bold and
heading levels inherited through styles, and page-number fields are handled
here, since python-docx's own iteration and properties miss them.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from ..errors import SourceError
from .document import INDENT, MAX_PARAGRAPHS, MAX_TABLE_CELLS, Block

#: Largest size of a .docx's parts once inflated, measured by inflating them as a stream, never by
#: the sizes the zip declares (zipfile inflates a part's whole data at once, whatever its declared
#: size: python-docx peaked at 1,227 MB on a 0.65 MB file declaring 3 kB that inflates to 600 MB;
#: refused here at 31 MB). The largest real one inflates to 0.30 MB.
MAX_DOCX_UNZIPPED = 200 * 2**20
# Inflated at most this much at a time while measuring.
_INFLATE_STEP = 2**20

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# A paragraph that holds only a page number (a PAGE field's shown result,
# perhaps dressed as "— 3 —" or 第3页 / 共10页).
_PAGE_ONLY = re.compile(r"^[\s\-—–－_·•|/第页共頁Pp.,，0-9]*$")


def read_docx(data: bytes, name: str, meta: dict | None = None) -> list[Block]:
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
        meta: If given, what the file says its title is goes in it (the title is
            :func:`qa.titles.decide_title`'s to choose): ``title``, the core
            properties' title; ``title_line``, the first paragraph in the "Title" style.

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

    _check_extent(document.element.body, name)
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
    if meta is not None:
        meta.update(_docx_titles(document))
    return blocks


def _docx_titles(document) -> dict:
    """The title in a Word file's core properties and its first paragraph in the "Title" style, where it has them."""
    from docx.text.paragraph import Paragraph

    found: dict = {}
    try:
        title = (document.core_properties.title or "").strip()
    except Exception:  # noqa: BLE001 - damaged core properties: the body is still read
        title = ""
    if title:
        found["title"] = title
    for el in _body_items(document.element.body):
        if el.tag != _W + "p":
            continue
        paragraph = Paragraph(el, document._body)
        style = paragraph.style
        if style is not None and ((style.name or "").lower() == "title" or (style.style_id or "").lower() == "title"):
            text = " ".join(paragraph.text.split())
            if text:
                found["title_line"] = text
                break
    return found


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
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise SourceError(f"{name}: not a Word .docx file (not a zip archive, or a damaged one)") from None
    names = {i.filename for i in infos}
    if "word/document.xml" not in names and "[Content_Types].xml" not in names:
        raise SourceError(f"{name}: a zip archive but not a Word .docx file (no word/document.xml)")
    total = 0
    for info in infos:
        total += _inflated_size(data, info, name, MAX_DOCX_UNZIPPED - total)
        if total > MAX_DOCX_UNZIPPED:
            raise SourceError(
                f"{name}: unzips to over {MAX_DOCX_UNZIPPED // 2**20} MB (a zip bomb, or a document too large); "
                "split it into smaller files"
            )


def _inflated_size(data: bytes, info: zipfile.ZipInfo, name: str, limit: int) -> int:
    """The size of a zip member's data once inflated, counted up to just over ``limit`` in steps."""
    start = info.header_offset
    if data[start : start + 4] != b"PK\x03\x04":
        raise SourceError(f"{name}: a damaged zip archive (no local header for {info.filename}); save it again")
    name_len, extra_len = struct.unpack("<HH", data[start + 26 : start + 30])
    start += 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        _check_prolog(bytes(raw[:_PROLOG]), info, name)
        return len(raw)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise SourceError(f"{name}: {info.filename} is compressed in a way Word never uses; save it again as .docx")
    inflate, size = zlib.decompressobj(-zlib.MAX_WBITS), 0
    try:
        for at in range(0, len(raw), _INFLATE_STEP):
            chunk = raw[at : at + _INFLATE_STEP]
            while chunk and size <= limit:
                out = inflate.decompress(chunk, _INFLATE_STEP)
                if size < _PROLOG:
                    _check_prolog(out[:_PROLOG], info, name)  # a DOCTYPE can only stand before the root element
                size += len(out)
                chunk = inflate.unconsumed_tail
            if size > limit or inflate.eof:
                return size
        size += len(inflate.flush())
    except zlib.error:
        raise SourceError(f"{name}: a damaged zip archive ({info.filename} does not inflate); save it again") from None
    return size


#: Bytes at the start of each XML part searched for a DTD.
_PROLOG = 4096


def _check_prolog(head: bytes, info: zipfile.ZipInfo, name: str) -> None:
    """Refuse a part that declares a DTD: Word never writes one, and its entities can hide or blow up text.

    python-docx does not expand entities (so no "billion laughs"), but a paragraph holding a
    reference to one lost the text after it, silently.
    """
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise SourceError(
            f"{name}: {info.filename} declares a DTD (<!DOCTYPE>), which Word never writes and whose entities can hide "
            "text; open it in Word and save it again"
        )


def _check_extent(body, name: str) -> None:
    """Refuse a body with more paragraphs or table cells (on the layout grid) than one file may hold."""
    paragraphs = sum(1 for _ in body.iter(_W + "p"))
    if paragraphs > MAX_PARAGRAPHS:
        raise SourceError(
            f"{name}: {paragraphs:,} paragraphs, over the {MAX_PARAGRAPHS:,} limit per file; split it into smaller files"
        )
    cells = 0
    for tc in body.iter(_W + "tc"):
        span = tc.find(f"{_W}tcPr/{_W}gridSpan")
        try:
            cells += max(1, int(span.get(_W + "val"))) if span is not None else 1
        except (TypeError, ValueError):
            cells += 1  # python-docx reports the bad value itself
        if cells > MAX_TABLE_CELLS:
            raise SourceError(
                f"{name}: tables of over {MAX_TABLE_CELLS:,} cells (merged cells counted by the columns they span); "
                "split it into smaller files"
            )


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
    text = raw.strip(INDENT + "\r\n")
    if not text:
        return None
    if _has_page_field(p_el) and _PAGE_ONLY.match(text):
        return None

    level = _outline_level(p_el.pPr)
    if level is None:
        level = styles.style_level(para_style)

    inked = [(t, b) for t, b in pieces if t.strip(INDENT + "\r\n")]
    whole_bold = all(b for _, b in inked)
    lead = ""
    if not whole_bold and inked[0][1]:
        # Leading bold runs (whitespace runs between them included), up to
        # the first run with visible normal-weight text.
        prefix = []
        for t, b in pieces:
            if not b and t.strip(INDENT + "\r\n"):
                break
            prefix.append(t)
        lead = "".join(prefix).lstrip(INDENT + "\r\n").rstrip(INDENT + "\r\n")
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
