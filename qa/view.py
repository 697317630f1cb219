"""Stage: see it in the source.

A quote names its file and the page its paragraph starts on; the page view
shows that page with the answering sentence's characters marked. Reading
keeps no character boxes, so they are read again on request from the
indexed file (:func:`source_bytes` checks it is the file that was indexed):
:func:`locate` aligns the paragraph's text with the characters drawn on its
page and the next ones, and maps the sentence through that alignment;
:func:`render_page` makes the page's image. Nothing is stored.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .errors import SourceUnavailable
from .read.pdf.chars import PageChars, open_pdfium, page_chars

if TYPE_CHECKING:
    from .answer import Retriever
    from .quote import Hit

#: Pages read after the paragraph's first one, at most: a paragraph (and a
#: sentence) runs over a page break or two, not more.
MAX_PAGES = 4
#: Characters the page stream may hold between two of the paragraph's that
#: the paragraph has not: a page's footer and the next one's header, a
#: dropped hyphen, a pinyin gloss, a footnote.
MAX_SKIP = 600
#: How many characters must agree to pick the alignment up again after a difference.
PROBE = 6
#: Share of the paragraph's characters that must be found for it to count as found.
MIN_FOUND = 0.6
#: ``difflib`` calls one alignment may make: text that keeps differing is not
#: this paragraph, and each call costs a millisecond or more.
MAX_RESYNCS = 20
#: Pixels per inch of a page image by default.
DPI = 150
#: JPEG quality of page images (see :func:`render_page`).
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Mark:
    """The marked characters on one page.

    Attributes:
        page: The page, from 1.
        boxes: One rectangle ``(x0, top, x1, bottom)`` per run of marked
            characters on a line, in points from the displayed page's top-left
            corner (multiply by :func:`render_page`'s scale for pixels).
        text: The marked characters, in reading order.
    """

    page: int
    boxes: list[tuple[float, float, float, float]]
    text: str


# ------------------------------------------------------------------ the file

def source_bytes(data_dir: Path, manifest, source: str) -> bytes:
    """The bytes of the indexed file ``source``, checked against the index.

    Only a name the manifest lists as indexed is read (the name is looked up
    before it touches a path), never a path outside ``data_dir``, and only
    while its sha256 is still the one indexed: the paragraph and page a quote
    names belong to that version of the file.

    Args:
        data_dir: The data folder the index was built from.
        manifest: The index's :class:`qa.index.Manifest`.
        source: The file's name as the index has it (``Hit.source``).

    Raises:
        SourceUnavailable: not a file of the index, outside the data folder,
            gone, or changed since it was indexed; the message says what to do.
    """
    record = manifest.sources.get(source) if isinstance(source, str) else None
    if record is None or record.status != "indexed":
        raise SourceUnavailable(f"{source!r} is not a document of this index; only indexed files can be shown")
    pure = PurePosixPath(source)
    if not source or pure.is_absolute() or ".." in pure.parts:
        raise SourceUnavailable(f"{source!r}: not a name inside the data folder; only files in it can be shown")
    root = Path(data_dir).resolve()
    path = (root / pure).resolve()
    if not path.is_relative_to(root):  # a link leading out of the folder
        raise SourceUnavailable(f"{source}: leads outside the data folder; only files in it can be shown")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceUnavailable(f"{source}: no longer in the data folder; put it back or rebuild the index") from None
    except OSError as e:
        raise SourceUnavailable(f"{source}: cannot be read ({e.strerror or e}); check the data folder") from None
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise SourceUnavailable(f"{source}: changed since it was indexed; rebuild the index to view its pages")
    return data


# ------------------------------------------------------------------ the page image

def render_page(data: bytes, name: str, page: int, dpi: int = DPI) -> tuple[bytes, float]:
    """The image of page ``page`` (from 1) for the browser, and its pixels per point.

    JPEG at quality 85: on typeset report pages and a scanned page at 150
    dpi (1241×1754 pixels) it encodes in about 5 ms to some 300 KB, where PNG
    took 34-59 ms (compression level 1-6) for 380-470 KB and WebP 115 ms for
    150 KB; text stays sharp at that quality. A page takes 20-40 ms in all
    (``benchmarks/bench_view.py``).

    Raises:
        SourceError: not a PDF, damaged or encrypted.
        SourceUnavailable: the PDF has no such page.
    """
    pdf = open_pdfium(data, name)
    try:
        if not 1 <= page <= len(pdf):
            raise SourceUnavailable(f"{name}: has no page {page} (it has {len(pdf)}); rebuild the index if the file changed")
        scale = dpi / 72
        pdf_page = pdf[page - 1]
        try:
            image = pdf_page.render(scale=scale, may_draw_forms=False).to_pil()
        finally:
            pdf_page.close()
    finally:
        pdf.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), scale


# ------------------------------------------------------------------ the mark

@functools.lru_cache(maxsize=1 << 16)
def _key(ch: str) -> str:
    """One character as compared: width and compatibility forms folded, lower case.

    A character that folds into several (「①」, 「㎡」) stays itself, so the
    alignment stays one to one.
    """
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    return folded.lower()


def compared(text: str) -> str:
    """``text`` as a mark is checked against its sentence: without spaces and invisible characters, folded."""
    return "".join(_key(ch) for ch in text if not _skipped(ch))


def _skipped(ch: str) -> bool:
    """Whether ``ch`` takes no part in the alignment: spaces and invisible characters.

    The reader judges spaces (drops inter-script ones, adds some at gaps), so
    they are no evidence either way.
    """
    return ch.isspace() or ch in "\u00ad\u200b\u200c\u200d\u2060\ufeff"


class _Stream:
    """The characters of some pages, one after another, as compared."""

    def __init__(self, pages: dict[int, PageChars]):
        self.items: list[tuple[int, int, str, tuple]] = []  # (page, line, char, box)
        keys: list[str] = []
        self.at: list[int] = []  # the item of each compared character
        self.line_start: set[int] = set()  # compared characters that begin a line
        self.page_start: dict[int, int] = {}
        line = 0
        for number in sorted(pages):
            pc = pages[number]
            self.page_start[number] = len(keys)
            starts = set(pc.line_starts)
            first = True
            for k, (ch, box) in enumerate(pc.chars):
                if k in starts:
                    line += 1
                    first = True
                self.items.append((number, line, ch, tuple(box)))
                if _skipped(ch):
                    continue
                if first:
                    self.line_start.add(len(keys))
                    first = False
                keys.append(_key(ch))
                self.at.append(len(self.items) - 1)
        self.keys = "".join(keys)


def _align(p: str, s: str, j: int) -> tuple[list[int], bool]:
    """Where each character of ``p`` is in ``s``, starting at ``s[j]`` (-1: not found).

    Runs of equal characters are matched directly; after a difference the
    alignment picks up again at the nearest place where the next ``PROBE``
    characters agree: one character differing, one missing from the stream,
    or stream characters the paragraph has not (furniture, hyphens).
    ``difflib`` settles what these do not. Also returns whether the stream
    ran out before the paragraph did (more pages are needed).
    """
    out = [-1] * len(p)
    i, n, m = 0, len(p), len(s)
    resyncs = 0
    while i < n and j < m:
        if p[i] == s[j]:
            out[i] = j
            i, j = i + 1, j + 1
            continue
        probe = p[i + 1 : i + 1 + PROBE]
        if probe and s.startswith(probe, j + 1):  # one character differs (a variant)
            out[i] = j
            i, j = i + 1, j + 1
            continue
        if probe and s.startswith(probe, j):  # the stream lacks one
            i += 1
            continue
        probe = p[i : i + PROBE]
        pos = s.find(probe, j + 1, j + 1 + MAX_SKIP + len(probe))
        if pos >= 0:  # the stream has more: skip it
            j = pos
            continue
        # Something longer differs: let difflib find where the two agree again.
        resyncs += 1
        if resyncs > MAX_RESYNCS:
            break
        sm = SequenceMatcher(None, p[i : i + 200], s[j : j + 200 + MAX_SKIP], autojunk=False)
        block = next((b for b in sm.get_matching_blocks() if b.size >= 3), None)
        if block is None:
            i += 1  # this character is nowhere near: leave it unfound
            continue
        i, j = i + block.a, j + block.b
    return out, i < n and j >= m


def _starts(stream: _Stream, p: str, page: int) -> list[int]:
    """Where in the stream the paragraph may start: on its page, at its first characters."""
    lo = stream.page_start.get(page, 0)
    hi = min(stream.page_start.get(page + 1, len(stream.keys)), len(stream.keys))
    found: list[int] = []
    for a in range(0, min(len(p), 4 * PROBE), PROBE):
        probe = p[a : a + PROBE]
        pos = stream.keys.find(probe, lo, hi + len(probe))
        while pos >= 0 and len(found) < 8:
            found.append(max(lo, pos - a))
            pos = stream.keys.find(probe, pos + 1, hi + len(probe))
        if found:
            break
    if not found and hi > lo:
        # Its opening differs throughout: where the longest run of its first
        # characters is on the page.
        head = p[:200]
        sm = SequenceMatcher(None, head, stream.keys[lo:hi], autojunk=False)
        block = sm.find_longest_match(0, len(head), 0, hi - lo)
        if block.size >= 3:
            found.append(max(lo, lo + block.b - block.a))
    # A paragraph begins a line: those candidates first, then the earliest.
    return sorted(set(found), key=lambda j: (j not in stream.line_start, j))


def locate(data: bytes, name: str, paragraph_text: str, page: int, start: int, end: int) -> list[Mark]:
    """Where the characters of ``paragraph_text[start:end]`` are drawn, page by page.

    Args:
        data: The PDF's bytes (:func:`source_bytes`).
        name: Shown in error messages.
        paragraph_text: The paragraph as the index holds it (``Paragraph.text``).
        page: The page it starts on (``Paragraph.page``), from 1.
        start, end: The sentence's offsets in ``paragraph_text``.

    Returns:
        One :class:`Mark` per page the sentence is on, in page order; ``[]``
        when the paragraph is not found among the drawn characters (a page
        read by OCR has none), so the page is shown unmarked.

    Raises:
        SourceError: not a PDF, damaged or encrypted.
    """
    return locate_all(data, name, paragraph_text, page, [(start, end)])[0]


def locate_all(data: bytes, name: str, paragraph_text: str, page: int, spans: list[tuple[int, int]]) -> list[list[Mark]]:
    """:func:`locate` for several sentences of one paragraph (a quote's highlights): its pages are read and
    it is aligned once. Returns each span's marks, in the order of ``spans``."""
    wanted = [(k, _key(ch)) for k, ch in enumerate(paragraph_text) if not _skipped(ch)]
    if not wanted or all(start >= end for start, end in spans):
        return [[] for _ in spans]
    p = "".join(c for _, c in wanted)
    last = page + 1
    while True:
        stream = _Stream(page_chars(data, name, list(range(page, last + 1))))
        best: tuple[int, list[int]] | None = None
        short = False
        for j in _starts(stream, p, page):
            found, ran_out = _align(p, stream.keys, j)
            score = sum(x >= 0 for x in found)
            if best is None or score > best[0]:
                best, short = (score, found), ran_out
        if best is None or not short or last >= page + MAX_PAGES:
            break
        last = min(last + 2, page + MAX_PAGES)  # the paragraph runs on: read more pages
    if best is None or best[0] < MIN_FOUND * len(p):
        return [[] for _ in spans]
    placed = [(k, stream.at[x]) for (k, _), x in zip(wanted, best[1]) if x >= 0]
    return [_marks(stream, sorted(t for k, t in placed if start <= k < end)) for start, end in spans]


def _marks(stream: _Stream, chosen: list[int]) -> list[Mark]:
    """The chosen characters as marks: one rectangle per run on a line, one mark per page."""
    runs: list[list[int]] = []
    for t in chosen:
        if runs:
            prev = runs[-1][-1]
            same_line = stream.items[prev][:2] == stream.items[t][:2]
            between = stream.items[prev + 1 : t]
            if same_line and all(_skipped(ch) for _, _, ch, _ in between):
                runs[-1].append(t)
                continue
        runs.append([t])
    pages: dict[int, tuple[list, list]] = {}
    for run in runs:
        items = stream.items[run[0] : run[-1] + 1]
        inked = [box for _, _, ch, box in items if not _skipped(ch)]
        boxes, texts = pages.setdefault(items[0][0], ([], []))
        boxes.append((min(b[0] for b in inked), min(b[1] for b in inked), max(b[2] for b in inked), max(b[3] for b in inked)))
        texts.append("".join(ch for _, _, ch, _ in items))
    return [Mark(number, boxes, "".join(texts)) for number, (boxes, texts) in sorted(pages.items())]


# ------------------------------------------------------------------ what a card's "查看原文 View" shows

#: Pages one view shows, at most: the sentences' pages (a sentence across a page break marks both).
MAX_VIEW_PAGES = 4
#: Paragraphs of a section shown around the quoted one, at most, on each side (a document without headings is one section).
SECTION_AROUND = 12
#: Longest reference accepted: a file name, a number and a quote's answering sentences.
MAX_REF_CHARS = 16_384


@dataclass(frozen=True)
class PageShot:
    """One page's image with the marked characters' boxes.

    Attributes:
        page: The page, from 1.
        image: The encoded image (:func:`render_page`).
        mime: Its type.
        width: Its width in pixels.
        height: Its height in pixels.
        marks: ``(x0, top, x1, bottom)`` boxes in pixels of the image.
    """

    page: int
    image: bytes
    mime: str
    width: int
    height: int
    marks: list[tuple[float, float, float, float]]


@dataclass(frozen=True)
class SourceView:
    """What "查看原文 View" shows for a quote: a PDF's pages with the answering sentences marked, else its section.

    Attributes:
        source: The file.
        document: Its title.
        path: The headings above the quote.
        pages: The pages (a PDF), the sentences' characters marked.
        paragraphs: The section's paragraphs as ``(text, sentences to mark)`` (a document without pages).
        target: Which of ``paragraphs`` is the quoted one (to scroll to); -1 for pages.
        note: A line to show above, e.g. that a sentence could not be marked.
    """

    source: str
    document: str
    path: list[str]
    pages: list[PageShot] = field(default_factory=list)
    paragraphs: list[tuple[str, list[str]]] = field(default_factory=list)
    target: int = -1
    note: str = ""


def view_ref(hit: "Hit") -> str:
    """What a card's "查看原文" button carries to the server: the quote's file, paragraph and answering sentences.

    Names of the index, not paths: :func:`source_view` looks each up in the index being served.
    """
    return json.dumps({"source": hit.source, "paragraph": hit.paragraph, "sentences": list(hit.highlights)}, ensure_ascii=False)


def parse_ref(ref: str) -> tuple[str, int, list[str]]:
    """``(source, paragraph, sentences)`` of a :func:`view_ref`.

    Raises:
        SourceUnavailable: not a reference this server made.
    """
    bad = SourceUnavailable("this quote cannot be opened (not a reference to a quote); ask the question again")
    if not isinstance(ref, str) or len(ref) > MAX_REF_CHARS:
        raise bad
    try:
        d = json.loads(ref)
        source, number, sentences = d["source"], d["paragraph"], d["sentences"]
    except (ValueError, TypeError, KeyError):
        raise bad from None
    if not (isinstance(source, str) and type(number) is int and isinstance(sentences, list)
            and all(isinstance(s, str) for s in sentences)):
        raise bad
    return source, number, sentences


def source_view(retriever: "Retriever", data_dir: str | Path, ref: str) -> SourceView:
    """What a card's "查看原文 View" shows for ``ref`` (:func:`view_ref`), from the index ``retriever`` serves.

    A PDF's quote: the pages its answering sentences are on (at most :data:`MAX_VIEW_PAGES`), rendered from
    the indexed file (:func:`source_bytes` checks it is that file), their characters marked (:func:`locate`);
    a sentence that cannot be found is said so and its paragraph's first page shown. Any other quote: its
    section from the index, the quoted paragraph's sentences marked.

    Raises:
        SourceUnavailable: the reference names no paragraph of this index (or sentences not in it: the index
            changed since the reply), or the PDF is gone or changed.
    """
    from PIL import Image

    from .quote import Hit

    source, number, sentences = parse_ref(ref)
    try:
        para = retriever.quoter.paragraph(source, number)
    except KeyError:
        raise SourceUnavailable("this quote is not in the index served now (it was rebuilt); ask the question again") from None
    spans = [(i, i + len(s)) for s in sentences if s and (i := para.text.find(s)) >= 0]
    if len(spans) < len([s for s in sentences if s]):
        raise SourceUnavailable("this quote is not in the index served now (it was rebuilt); ask the question again")
    document = retriever.titles.get(source, source)
    if para.page is None:
        hit = Hit("", para.section, source, 0.0, [], para.path, None, document, para.number)
        section = retriever.section(hit)
        at = next(i for i, p in enumerate(section) if p.number == para.number)
        lo = max(0, at - SECTION_AROUND)
        shown = section[lo : at + SECTION_AROUND + 1]
        return SourceView(source, document, list(para.path),
                          paragraphs=[(p.text, sentences if p.number == para.number else []) for p in shown], target=at - lo)
    data = source_bytes(Path(data_dir), retriever.index.manifest, source)
    marks = [m for found in locate_all(data, source, para.text, para.page, spans) for m in found]
    pages = sorted({m.page for m in marks})[:MAX_VIEW_PAGES] or [para.page]
    shots = []
    for page in pages:
        image, scale = render_page(data, source, page)
        width, height = Image.open(io.BytesIO(image)).size
        boxes = [tuple(v * scale for v in box) for m in marks if m.page == page for box in m.boxes]
        shots.append(PageShot(page, image, "image/jpeg", width, height, boxes))
    lost = len(marks) == 0 and bool(spans)
    note = (f"未能在页面上标出该句；段落始于第{para.page}页。The sentence could not be marked; its paragraph starts on this page."
            if lost else "")
    return SourceView(source, document, list(para.path), pages=shots, note=note)
