"""PDF lines into paragraphs: furniture removal, text frames, paragraph ends.

Both sources of lines, the text layer (:mod:`.chars`) and OCR
(:mod:`.ocr`), give :class:`Line` objects; everything from there on works
the same for both.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from ..document import INDENT, Block

# Han characters, CJK punctuation and full-width forms: text that is joined
# without spaces when a line wraps.
CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
# A space an extractor puts between Chinese and digits/Latin ("2023 年").
_CJK_SPACE = re.compile(
    f"(?:(?<=[{CJK}])|(?<=[{CJK}][”’]))[ \u00a0]+(?=[0-9A-Za-z%.+\\-])"
    f"|(?<=[0-9A-Za-z%.])[ \u00a0]+(?=[{CJK}]|[“‘][{CJK}])"
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
# "3/20", "Page 3 of 20"; a bare "3" is checked separately (see drop_furniture).
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[—–\-－~·•]+\s*\d{1,4}\s*[—–\-－~·•]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页)\s*$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*$")


@dataclass
class Line:
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


def drop_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Drop running headers/footers and page numbers from each page.

    Only the two lines nearest the top and the bottom of a page are
    candidates. A candidate is furniture when, with digits masked, the same
    text is at a page edge on at least 40% of the pages (so odd/even
    alternating headers count too), or when it has the form of a page
    number. A bare number ("3") counts only when it keeps the same offset
    from the page index as the other bare numbers do, so that a figure at
    the foot of one page is not taken for a page number.
    """
    def edges(lines: list[Line]) -> list[int]:
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


def _frames(pages: list[list[Line]]) -> list[_Frame | None]:
    """Estimate each page's text frame from its lines (None without geometry).

    The left margin is the leftmost line start many lines share (most lines
    are not first lines); the right margin the rightmost line end that two
    lines share (justified lines all end there). A page with few lines
    borrows the document's.
    """
    def frame(lines: list[Line]) -> _Frame | None:
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


def blocks_from_lines(pages: list[list[Line]], *, furniture: bool = True) -> list[Block]:
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
        pages = drop_furniture(pages)
    frames = _frames(pages)
    indented = _uses_indent(pages, frames)
    paragraphs: list[list[Line]] = []
    prev: Line | None = None
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


def _step(a: Line, b: Line) -> float:
    """Vertical distance from line ``a`` to line ``b`` (baselines if known)."""
    if a.base is not None and b.base is not None:
        return b.base - a.base
    return (b.top or 0.0) - (a.top or 0.0)


def _opens_bold(line: Line) -> bool:
    """Whether the line's first two visible characters are bold."""
    ink = [b for ch, b in zip(line.text, line.bold) if not ch.isspace()][:2]
    return bool(ink) and all(ink)


def _uses_indent(pages: list[list[Line]], frames: list[_Frame | None]) -> bool:
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


def _starts_paragraph(a: Line, b: Line, fa: _Frame | None, fb: _Frame | None, indented: bool = False) -> bool:
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


def _join(lines: list[Line]) -> Block | None:
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
    # there. (pdfium lines were cleaned character by character in chars._flush,
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
    k = len(text) - len(text.lstrip(INDENT))
    return text[k:], bold[k:]


#: A first line is a title when its type is this much larger than the body's (typical: 22 pt on 16 pt).
TITLE_SIZE_RATIO = 1.25
#: Lines a title in large type may wrap onto.
MAX_TITLE_LINES = 4


def large_title(pages: list[list[Line]]) -> str:
    """The first page's opening line(s) in clearly larger type than the body (a typeset title), or "".

    The body's size is the median over all characters; a title is the run of lines at the top of
    the first page with text (running headers and page numbers left out) whose type is at least
    :data:`TITLE_SIZE_RATIO` times it, joined as a paragraph is.
    """
    pages = drop_furniture(pages)
    sizes = [ln.size for lines in pages for ln in lines for ch in ln.text if ln.size > 0 and not ch.isspace()]
    if not sizes:
        return ""
    body = statistics.median(sizes)
    first = next((lines for lines in pages if lines), [])
    run: list[Line] = []
    for line in first[:MAX_TITLE_LINES + 1]:
        if not line.text.strip() or line.size < TITLE_SIZE_RATIO * body:
            break
        if run and abs(line.size - run[0].size) > 0.15 * run[0].size:
            break
        run.append(line)
    if not run or len(run) > MAX_TITLE_LINES:
        return ""
    block = _join(run)
    return " ".join(block.text.split()) if block else ""

