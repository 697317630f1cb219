"""PDF text layers: pdfium's characters read into lines.

pdfium gives characters one by one, with their boxes, fonts and the spaces
it infers from gaps; here they become :class:`Line` objects: spaces judged
(word spaces kept, inter-script spacing dropped), characters drawn out of
order put back in order, and each line's geometry measured for the layout
rules of :mod:`.layout`.
"""
from __future__ import annotations

import re
import statistics
from typing import NamedTuple

from ...errors import SourceError
from .layout import CJK, Line

# A Chinese character or CJK punctuation; a Han character.
_CJK_CHAR = re.compile(f"[{CJK}]")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


class Box(NamedTuple):
    """A character's loose box, in points from the page's top-left corner."""

    x0: float
    top: float
    x1: float
    bottom: float


class Char(NamedTuple):
    """One character of a line as pdfium gives it.

    A space pdfium inferred from a gap (``generated``) has no box and no
    font, so the fields after ``generated`` keep their defaults.
    """

    text: str  # the character itself
    generated: bool = False  # inferred by pdfium, not drawn in the PDF
    box: Box | None = None
    size: float = 0.0  # font size in points
    bold: bool = False  # from the font's weight, name or ForceBold flag
    hyphen: bool = False  # a soft hyphen pdfium recognised
    base: float | None = None  # baseline, points from the top


def open_pdfium(data: bytes, name: str):
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


def pdfium_lines(data: bytes, name: str) -> tuple[list[list[Line]], list[int]]:
    """Lines of every page in pdfium's reading order, and the textless pages."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    pdf = open_pdfium(data, name)
    pages: list[list[Line]] = []
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
                lines: list[Line] = []
                chars: list[Char] = []
                for i, text, generated in _characters(tp):
                    if text == "\n":
                        _flush(chars, lines, index + 1)
                        continue
                    if generated:
                        # A space pdfium inferred from a gap: no box, no font.
                        chars.append(Char(text, generated=True))
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
                        Char(
                            text,
                            box=Box(left, height - top, right, height - bottom),
                            size=pdfium_c.FPDFText_GetFontSize(tp, i),
                            bold=bold,
                            hyphen=pdfium_c.FPDFText_IsHyphen(tp, i) == 1,
                            base=height - oy.value,
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


def _characters(tp):
    """A text page's characters as ``(index, text, generated)``: a line end as ``"\\n"`` (pdfium marks it with
    a generated CR LF), control debris dropped, an astral character joined from its two UTF-16 halves (at the
    index of the first, whose box it has)."""
    import pypdfium2.raw as pdfium_c

    count = pdfium_c.FPDFText_CountChars(tp)
    i = 0
    while i < count:
        code = pdfium_c.FPDFText_GetUnicode(tp, i)
        step = 1
        if code == 0x0A:
            yield i, "\n", True
        elif code == 0x0D or code < 0x20 and code != 0x09 or code in (0xFFFE, 0xFFFF):
            pass  # the CR of a line end, control debris: not text
        else:
            if 0xD800 <= code <= 0xDBFF and i + 1 < count:
                low = pdfium_c.FPDFText_GetUnicode(tp, i + 1)
                if 0xDC00 <= low <= 0xDFFF:
                    code, step = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), 2
            yield i, chr(code), pdfium_c.FPDFText_IsGenerated(tp, i) == 1
        i += step


def _flush(chars: list[Char], lines: list[Line], page: int) -> None:
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
    kept: list[Char] = []
    han_gaps = _han_gaps(chars)
    for k, c in enumerate(chars):
        if c.generated and c.text.isspace():
            prev = _neighbour(chars, k, -1)
            nxt = _neighbour(chars, k, +1)
            if not prev or not nxt or (kept and kept[-1].text.isspace()):
                continue
            prev_cjk, next_cjk = _CJK_CHAR.match(prev) is not None, _CJK_CHAR.match(nxt) is not None
            if _gap(chars, k) > 0.8 * (_size_near(chars, k) or 10.0):
                pass  # a wide gap separates columns or table cells: keep it
            elif prev_cjk != next_cjk:
                continue
            elif prev_cjk and not _wide_gap(chars, k, han_gaps):
                continue
        if c.box is not None and kept and not kept[-1].text.isspace():
            last = next((d.box for d in reversed(kept) if d.box is not None), None)
            if last is not None and c.box.x0 - last.x1 > 0.8 * (c.size or 10.0):
                # A wide gap with no space character: table cells or columns.
                kept.append(Char(" ", generated=True))
        kept.append(c)
    chars.clear()
    text = "".join(c.text for c in kept)
    if not text.strip():
        return
    boxes = [c.box for c in kept if c.box is not None and not c.text.isspace()]
    if not boxes:
        boxes = [c.box for c in kept if c.box is not None]
    sizes = [c.size for c in kept if c.size > 0 and not c.text.isspace()]
    line = Line(
        text=text,
        page=page,
        bold=[c.bold for c in kept],
        spaced=True,
        hyphen=kept[-1].hyphen or (text.endswith("-") and kept[-1].generated),
        size=statistics.median(sizes) if sizes else 0.0,
    )
    bases = [c.base for c in kept if c.base is not None and not c.text.isspace()]
    if bases:
        line.base = statistics.median(bases)
    if boxes:
        line.lead_width = _lead_width(kept)
        line.x0 = min(b.x0 for b in boxes)
        line.x1 = max(b.x1 for b in boxes)
        line.top = min(b.top for b in boxes)
        line.bottom = max(b.bottom for b in boxes)
    lines.append(line)


# Characters that may not start a line (kinsoku): they stay with the
# character before them, so they belong to the first unbreakable unit.
_NO_BREAK_BEFORE = set("、。，．：；！？）》」』】〕〉”’％%…—·,.;:!?)]}")
_NO_BREAK_AFTER = set("（《「『【〔〈“‘([{")


def _lead_width(chars: list[Char]) -> float:
    """Width of the first unit a typesetter cannot break at a line's start.

    That is a Latin word or number (with attached ％ and 、 and the next
    number, as in 「23.1％、62.5％」) or one Han character, plus the
    punctuation that may not start a line, and preceded by any opening
    brackets or quotes, which may not end one (「（1）促」).
    """
    ink = [c for c in chars if c.box is not None and not c.text.isspace()]
    if not ink:
        return 0.0
    k = 0
    while k < len(ink) - 1 and ink[k].text in _NO_BREAK_AFTER:
        k += 1
    if _CJK_CHAR.match(ink[k].text) and ink[k].text not in _NO_BREAK_BEFORE:
        k += 1
    else:
        while k < len(ink) and (not _CJK_CHAR.match(ink[k].text) or ink[k].text in _NO_BREAK_BEFORE):
            k += 1
    while k < len(ink) and ink[k].text in _NO_BREAK_BEFORE:
        k += 1
    return ink[max(k, 1) - 1].box.x1 - ink[0].box.x0


def _out_of_order(chars: list[Char]) -> bool:
    """Whether a line's characters do not run left to right.

    LibreOffice draws a line's Western-font runs (「“」「”」) apart from its
    Chinese ones, and pdfium keeps drawing order: 「“稳”的」 comes out as
    「“”稳的」.
    """
    last = None
    for c in chars:
        if c.box is None:
            continue
        if last is not None and c.box.x0 < last - 1.0:
            return True
        last = c.box.x1
    return False


def _reorder(chars: list[Char]) -> list[Char]:
    """Sort a line's characters left to right; spaces from the gaps.

    pdfium's generated spaces belong to the drawing order, so they are
    dropped and a generated space is put wherever the gap between two
    neighbours is a third of an em or more; _flush then judges those like
    pdfium's own.
    """
    real = sorted((c for c in chars if c.box is not None), key=lambda c: c.box.x0)
    out: list[Char] = []
    for c in real:
        if out and c.box.x0 - out[-1].box.x1 > 0.33 * (c.size or 10.0):
            out.append(Char(" ", generated=True))
        out.append(c)
    return out


def _han_gaps(chars: list[Char]) -> float:
    """Median gap between adjacent Han characters of a line (0 if none).

    Justified lines stretch every gap alike; that stretch is not a space.
    """
    gaps = []
    real = [c for c in chars if c.box is not None]
    for a, b in zip(real, real[1:]):
        if _HAN.match(a.text) and _HAN.match(b.text):
            gaps.append(b.box.x0 - a.box.x1)
    return statistics.median(gaps) if gaps else 0.0


def _gap(chars: list[Char], k: int) -> float:
    """Width of the gap that the generated character at ``k`` stands for."""
    before = next((c.box for c in reversed(chars[:k]) if c.box is not None), None)
    after = next((c.box for c in chars[k + 1 :] if c.box is not None), None)
    if before is None or after is None:
        return 0.0
    return after.x0 - before.x1


def _size_near(chars: list[Char], k: int) -> float:
    """Font size of the nearest real character before ``k``."""
    return next((c.size for c in reversed(chars[:k]) if c.size), 0.0)


def _wide_gap(chars: list[Char], k: int, usual: float) -> bool:
    """Whether the generated space at ``k`` sits in a gap wider than usual.

    Only between two Han characters (not CJK punctuation, whose spacing
    varies) and only a gap 0.15 em wider (a space is ~0.25 em) than the line's usual one.
    """
    if not (0 < k < len(chars) - 1):
        return False
    a, b = chars[k - 1], chars[k + 1]
    if a.box is None or b.box is None or not (_HAN.match(a.text) and _HAN.match(b.text)):
        return False
    return b.box.x0 - a.box.x1 > usual + 0.15 * (a.size or 10.0)


def _neighbour(chars: list[Char], k: int, step: int) -> str:
    """The nearest character before/after ``k`` that is not a quote or bracket.

    Quotes and brackets take the script of what they enclose, so 「”」 in
    「“四好农村路” 7570公里」 counts as Chinese.
    """
    k += step
    while 0 <= k < len(chars):
        ch = chars[k].text
        if ch not in "\"'“”‘’()[]<>«»" and not ch.isspace():
            return ch
        k += step
    return ""


# ------------------------------------------------------------------ page view

class PageChars(NamedTuple):
    """A page's drawn characters as the page view shows them.

    Boxes are loose boxes in points from the top-left corner of the page as
    it is displayed (rotation and the crop box applied, as a render of it
    shows), so marks drawn from them sit over the rendered characters.
    """

    width: float  # the displayed page's size in points
    height: float
    chars: list[tuple[str, Box]]  # in reading order, each line left to right
    line_starts: list[int]  # where each line begins in ``chars``


def page_chars(data: bytes, name: str, pages: list[int]) -> dict[int, PageChars]:
    """The drawn characters of the given 1-based pages, with their boxes.

    Lines come in pdfium's order and a line drawn out of order is put left
    to right, as :func:`pdfium_lines` does, so the characters run in the
    order of the text the reader made of them. Spaces pdfium inferred (no
    box) and control debris are left out; pages out of range are skipped.

    Raises:
        SourceError: not a PDF, damaged or encrypted.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    pdf = open_pdfium(data, name)
    out: dict[int, PageChars] = {}
    dx, dy = ctypes.c_int(), ctypes.c_int()
    try:
        for number in sorted(set(pages)):
            if not 1 <= number <= len(pdf):
                continue
            page = pdf[number - 1]
            textpage = page.get_textpage()
            try:
                width, height = page.get_size()
                # The page-to-display transform, read off pdfium at 1000
                # device pixels a point (its device coordinates are ints).
                k = 1000

                def device(x: float, y: float) -> tuple[float, float]:
                    pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, round(width * k), round(height * k), 0, x, y, dx, dy)
                    return dx.value / k, dy.value / k

                (ox, oy), (xx, xy), (yx, yy) = device(0, 0), device(1, 0), device(0, 1)
                a, b, c, d = xx - ox, xy - oy, yx - ox, yy - oy
                tp = textpage.raw
                lines: list[list[Char]] = [[]]
                for i, text, generated in _characters(tp):
                    if text == "\n":
                        lines.append([])
                        continue
                    if generated:
                        continue  # a space pdfium inferred: no box
                    left, bottom, right, top = textpage.get_charbox(i, loose=True)
                    # Kept in the reader's coordinates (unrotated, from the
                    # top) so that lines are reordered as the reader did.
                    lines[-1].append(Char(text, box=Box(left, height - top, right, height - bottom)))
                chars: list[tuple[str, Box]] = []
                starts: list[int] = []
                for line in lines:
                    if not line:
                        continue
                    if _out_of_order(line):
                        line = [ch for ch in _reorder(line) if not ch.generated]
                    starts.append(len(chars))
                    for ch in line:
                        x0, x1 = ch.box.x0, ch.box.x1
                        y0, y1 = height - ch.box.bottom, height - ch.box.top
                        xs = [ox + a * x + c * y for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0))]
                        ys = [oy + b * x + d * y for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0))]
                        chars.append((ch.text, Box(min(xs), min(ys), max(xs), max(ys))))
                out[number] = PageChars(width, height, chars, starts)
            finally:
                textpage.close()
                page.close()
    finally:
        pdf.close()
    return out
