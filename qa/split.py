"""Stage 2: a document's structure: front matter, headings, paragraphs, sentences.

A paragraph is what the assistant quotes; the headings above it are its
path. Its sentences (runs of two, and pieces of long ones) are what gets
matched, so that a long paragraph is never cut off by the model's window and
the answering sentence can be highlighted.

Headings come from the format where it says so (Word heading styles, HTML
``h1``-``h6``, Markdown ``#``), from typed markers (第X编/篇/章/节/条, 一、,
（一）, 1./1、, （1）, 附件N, 名词解释) and from short bold paragraphs. A
heading that opens a paragraph and runs on into body text (「（一）大力推进…。
推动…」) heads what follows and stays part of that paragraph's text. Nesting
follows the order in which kinds of heading appear: a kind already open
closes everything opened below it, and a level the format declares closes
all but the higher declared levels.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import NamedTuple

from .read.document import Block, Document
from .text import fold_script, has_cjk

#: Longest paragraph taken as a heading line; longer ones are body text.
MAX_HEADING_CHARS = 60
#: Longest heading that opens a paragraph and runs on.
MAX_RUN_ON_HEADING_CHARS = 80
#: Longest title shown; a longer lead sentence is shortened.
MAX_TITLE_CHARS = 48
#: Longest lead sentence (one that names its paragraph).
MAX_LEAD_CHARS = 40
#: Sentences shorter than this are merged into their neighbour for matching.
MIN_SENTENCE_CHARS = 8
#: Longest sentence: text running on without 。！？ (196,000 characters were one sentence, quoted
#: and highlighted whole) is cut at clause marks, else at this length, so a quote and a highlight
#: stay within ``qa.quote.QUOTE_CHARS`` (450). The longest real sentence, in Hainan's report, has
#: 448 characters (of 13,668 in the 28 Word, 6 PDF and 2 text files measured), so none is cut.
MAX_SENTENCE_CHARS = 450

_NUM = "[一二三四五六七八九十百零〇两兩]+"
_DIGITS = "[0-9０-９]+"
# (kind, pattern): the kind names the marker, for nesting by order of appearance.
_MARKERS = [
    ("编", re.compile(rf"^第{_NUM}[编編篇]")),
    ("章", re.compile(rf"^第({_NUM}|{_DIGITS})章")),
    ("节", re.compile(rf"^第({_NUM}|{_DIGITS})[節节]")),
    ("条", re.compile(rf"^第({_NUM}|{_DIGITS})[條条]")),
    ("附件", re.compile(rf"^附\s*件\s*({_DIGITS}|{_NUM})?\s*[:：]?")),
    # a glossary: 「名词解释」, or a short line ending so (「《政府工作报告》有关内容名词注释」)
    ("名词解释", re.compile(r"^.{0,30}?(名[词詞][解注註][释釋]|注释|註釋|附注|附註)[:：]?$")),
    ("一、", re.compile(rf"^{_NUM}[、.．]\s*\S")),
    ("（一）", re.compile(rf"^[（(]{_NUM}[)）]\s*\S")),
    ("1.", re.compile(rf"^{_DIGITS}(?:[、.．](?![0-9])|\s)\s*\S")),
    ("（1）", re.compile(rf"^[（(]{_DIGITS}[)）]\s*\S")),
]
#: Kinds that stand at the top, whatever was open: appendices and glossaries.
_TOP_KINDS = ("编", "附件", "名词解释")
#: Longest line taken as a heading with no marker and no bold, only for being short.
MAX_BARE_HEADING_CHARS = 20
_MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_TERMINAL = "。！？!?；;…」』”\"')）"
_ENDS = "。！？!?"
# A sentence ends at 。！？!? (with closing quotes) or a newline; "." ends one
# only before a space, so 7.18 and 3.5% stay whole.
_SENTENCE = re.compile(r"[^。！？!?\n]*?(?:[。！？!?]+[”’」』\"')）]*|\.(?=\s)|\n|$)")
# Where an over-long sentence may be cut: after clause marks or spaces.
_CLAUSE_END = re.compile(r"[；;，,、：:\s]+")

# Front matter: the lines above the body that say what the document is.
_SOURCE_LINE = re.compile(r"^(来源|來源|稿源|出处|出處)\s*[:：]\s*(.+)$")
_DATE = re.compile(r"(\d{4}|[〇一二三四五六七八九零]{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_OFFICE = "(?:总理|總理|省长|省長|市长|市長|主席|州长|州長|区长|區長|县长|縣長|书记|書記|主任|部长|部長)"
_SPEAKER_LINE = re.compile(rf"^[\u4e00-\u9fff]*{_OFFICE}\s*[\u4e00-\u9fff·]{{2,10}}$")
_SPEAKER_IN = re.compile(rf"([^\s上，,。]{{0,12}}?{_OFFICE})\s*([\u4e00-\u9fff·]{{2,8}}?)(?:同志)?作")
# A salutation that opens a speech (「各位代表：」, 「各位代表、各位委员：」): never a title, never a heading.
_SALUTE = r"(?:各位(?:代表|委员|委員|同志|来宾|來賓|嘉宾|嘉賓)|同志们|同志們|代表们|代表們|朋友们|朋友們|女士们[、，,]?先生们|女士們[、，,]?先生們)"
_SALUTATION = re.compile(rf"^{_SALUTE}(?:[、，,\s]*{_SALUTE})*\s*[:：!！]?$")


@dataclass
class Paragraph:
    """A quotable paragraph of a document.

    Attributes:
        source: The document's file.
        title: What names it: its lead sentence, else its nearest heading,
            else its first sentence, shortened.
        path: The headings above it, from the top (its own, if it opens with one).
        text: Its text, verbatim from the cleaned document.
        sentences: ``(start, end)`` offsets of its sentences in ``text``.
        page: The page it starts on (PDF), else None.
        number: Its place among the document's paragraphs, from 0.
    """

    source: str
    title: str
    path: list[str]
    text: str
    sentences: list[tuple[int, int]]
    page: int | None = None
    number: int = 0

    @property
    def section(self) -> str:
        """The nearest heading; the title where the document has no headings."""
        return self.path[-1] if self.path else self.title

    def sentence(self, i: int, j: int | None = None) -> str:
        """The text from sentence ``i`` through sentence ``j`` (default ``i``), verbatim."""
        return self.text[self.sentences[i][0] : self.sentences[i if j is None else j][1]]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Paragraph":
        return cls(**dict(d, sentences=[tuple(s) for s in d["sentences"]]))


class Outline(NamedTuple):
    """A document's structure.

    Attributes:
        title: The document's title (its first line), or "" when it has none.
        meta: What the front matter says: ``date``, ``speaker``, ``origin``.
        paragraphs: The quotable paragraphs, in order.
    """

    title: str
    meta: dict
    paragraphs: list[Paragraph]


# ------------------------------------------------------------------ sentences

def split_sentences(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text``, without surrounding spaces."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = _trimmed(text, m.start(), m.end())
        if end > start:
            spans.extend(_capped(text, start, end))
    return spans


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span ``[start, end)`` of ``text`` without the spaces around it."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _capped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence's span; a longer one than ``MAX_SENTENCE_CHARS`` cut into runs of whole clauses up to it.

    A clause that is longer is cut at that length.
    """
    if end - start <= MAX_SENTENCE_CHARS:
        return [(start, end)]
    cuts = [m.end() for m in _CLAUSE_END.finditer(text, start, end)] + [end]
    spans, a, b = [], start, start  # the run [a, b) of whole clauses so far
    for cut in cuts:
        if cut - a > MAX_SENTENCE_CHARS and b > a:
            spans.append((a, b))
            a = b
        while cut - a > MAX_SENTENCE_CHARS:
            spans.append((a, a + MAX_SENTENCE_CHARS))
            a += MAX_SENTENCE_CHARS
        b = cut
    if b > a:
        spans.append((a, b))
    trimmed = (_trimmed(text, a, b) for a, b in spans)  # without surrounding spaces, as every sentence
    return [(a, b) for a, b in trimmed if b > a]


def shorten(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """``text`` without closing punctuation, cut at ``limit`` characters with an ellipsis."""
    text = text.strip().rstrip("。.!！?？;；:：,，")
    if len(text) > limit:
        text = text[:limit].rstrip(",，、;；:： ") + "…"
    return text


def lead_title(text: str) -> str:
    """A paragraph's title: its first sentence (after a salutation, 「各位代表！」), shortened if long."""
    spans = _after_salutation(text, split_sentences(text))
    return shorten(text[spans[0][0] : spans[0][1]] if spans else text)


def _after_salutation(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences of ``text`` without a salutation that opens it (「各位代表！」 names no paragraph)."""
    return spans[1:] if len(spans) > 1 and _SALUTATION.match(text[spans[0][0] : spans[0][1]]) else spans


def lead_sentence(text: str) -> str:
    """The short sentence a paragraph opens with to name its topic (「推动产业链供应链优化升级。」), or ""."""
    spans = split_sentences(text)
    if len(spans) < 2 or _SALUTATION.match(text[spans[0][0] : spans[0][1]]):
        return ""
    first = text[spans[0][0] : spans[0][1]]
    if len(first) <= MAX_LEAD_CHARS and first.endswith(tuple(_ENDS)) and len(text) >= 3 * len(first):
        return first
    return ""


# ------------------------------------------------------------------ headings

def heading_level(line: str) -> int | None:
    """The Markdown level of a ``#`` heading line, else 1 for a marker heading line, else None."""
    if m := _MARKDOWN.match(line):
        return len(m.group(1))
    return 1 if _marker_heading(line) else None


def _marker(text: str) -> str | None:
    """The kind of heading marker ``text`` opens with, if any."""
    for kind, pattern in _MARKERS:
        if pattern.match(text):
            return kind
    return None


def is_glossary(path: list[str]) -> bool:
    """Whether a paragraph with these headings above it is a glossary's entry (under 「名词解释」)."""
    return any(_marker(h) == "名词解释" for h in path)


def is_appendix(path: list[str]) -> bool:
    """Whether a paragraph with these headings above it is after a document's body: under 「附件」 or 「名词解释」."""
    return any(_marker(h) in ("附件", "名词解释") for h in path)


_ENTRY_TERM = re.compile(r"^\s*(?:\d{1,3}\s*[.．、]\s*)?([^：:]{1,40})[：:]")
_QUOTED = re.compile(r"[“「『\"]([^”」』\"]{1,20})[”」』\"]")


def glossary_terms(entry: str) -> list[str]:
    """What a glossary entry defines, script-folded: its quoted terms, else all before the colon.

    「12.“编外院长”：各级领导干部…」 → ["编外院长"]; 「1.六大优势产业：省委…」 → ["六大优势产业"];
    「13.EFlops：是衡量…」 → ["eflops"]; none for an entry without a colon.
    """
    m = _ENTRY_TERM.match(entry)
    if not m:
        return []
    term = fold_script(m.group(1).strip())
    return _QUOTED.findall(term) or [term]


def _marker_heading(line: str) -> bool:
    """A whole line that is a heading: a marker, short, and not a full sentence run on."""
    if len(line) > MAX_HEADING_CHARS or not _marker(line):
        return False
    body = line.rstrip("。")
    return not any(ch in body for ch in _ENDS)


def is_salutation(line: str) -> bool:
    """Whether a line is a speech's salutation (「各位代表：」): never a title, never a heading."""
    return _SALUTATION.match(line.strip()) is not None


def _heading(block: Block) -> tuple[str, str, bool] | None:
    """``(kind, heading text, runs on)`` when the block is or opens with a heading (never a salutation)."""
    text = block.text.strip()
    if is_salutation(text):
        return None
    if block.heading is not None:
        return f"h{block.heading}", text, False
    if m := _MARKDOWN.match(text):
        return f"h{len(m.group(1))}", m.group(2).strip(), False
    kind = _marker(text)
    if kind and _marker_heading(text):
        return kind, text, False
    if kind:
        # A heading that opens a paragraph: its first sentence (or the bold lead).
        head = block.lead.strip() or text[slice(*split_sentences(text)[0])]
        if len(head) <= MAX_RUN_ON_HEADING_CHARS and len(head) < len(text):
            return kind, head, True
        return None
    if block.bold and len(text) <= MAX_HEADING_CHARS:
        return "bold", text, False
    # Some documents show a heading by nothing but a short line (四川: 「2024年工作回顾」).
    if len(text) <= MAX_BARE_HEADING_CHARS and has_cjk(text) and "|" not in text and not text.endswith(tuple(_TERMINAL + "：:，,、")):
        return "short", text, False
    return None


# ------------------------------------------------------------------ front matter

def front_matter(blocks: list[Block]) -> tuple[str, dict, int]:
    """Title, metadata and the number of leading blocks that are front matter.

    The title is the first line when it is short, not a sentence and not a
    salutation (a PDF that opens with 「各位代表：」 states no title); below it
    may stand the origin (「来源：…」), the date and occasion, the speaker and
    a salutation. Which title a document gets is :func:`qa.titles.decide_title`'s.
    """
    meta: dict = {}
    title, i = "", 0
    lines = [(n, b.text.strip()) for n, b in enumerate(blocks) if b.text.strip()]
    for k, (n, line) in enumerate(lines[:8]):
        if len(line) > MAX_HEADING_CHARS:
            break
        if _SALUTATION.match(line):
            pass
        elif k == 0 and not line.endswith(tuple(_ENDS)) and not _marker(line):
            title = line.strip("#").strip()
        elif m := _SOURCE_LINE.match(line):
            meta["origin"] = m.group(2).strip()
        elif d := _DATE.search(line):
            meta["date"] = d.group(0)
            meta["occasion"] = line.lstrip("—-－ ")
            if s := _SPEAKER_IN.search(line):
                meta["speaker"] = f"{s.group(1)} {s.group(2)}"
        elif _SPEAKER_LINE.match(line):
            meta["speaker"] = line
        else:  # a heading or the body
            break
        i = n + 1
    return title, meta, i


# ------------------------------------------------------------------ paragraphs

def _join_wrapped(blocks: list[Block]) -> list[Block]:
    """Plain text: join hard-wrapped lines; a line not ending a sentence runs on, unless a heading stands next to it."""
    out: list[Block] = []
    cur: Block | None = None
    for b in blocks:
        line = b.text.strip()
        if not line:
            cur = None
            continue
        if cur is not None and not cur.text.endswith(tuple(_TERMINAL)) and not _heading(cur) and not _heading(Block(line)):
            # Hard wrap: CJK joins directly, Latin with a space.
            cur.text += (" " if cur.text[-1].isascii() and line[0].isascii() else "") + line
            continue
        cur = Block(line, b.page, b.heading, b.bold, b.lead)
        out.append(cur)
    return out


def split_document(doc: Document) -> Outline:
    """Split a document into its title, metadata and quotable paragraphs.

    Args:
        doc: A cleaned document.

    Returns:
        Its outline; every paragraph has at least one sentence.
    """
    plain = doc.meta.get("format", "text") in ("text", "markdown")
    blocks = _join_wrapped(doc.blocks) if plain else [b for b in doc.blocks if b.text.strip()]
    title, meta, start = front_matter(blocks)
    stack: list[tuple[str, str]] = []  # open headings: (kind, text)
    paragraphs: list[Paragraph] = []
    for block in blocks[start:]:
        text = block.text.strip()
        found = _heading(block)
        if found and found[0] not in _TOP_KINDS and any(k == "名词解释" for k, _ in stack):
            found = None  # a glossary's numbered entries (「13.EFlops：是…。」) are its paragraphs, not headings
        if found:
            kind, head, runs_on = found
            kinds = [k for k, _ in stack]
            if kind in _TOP_KINDS:
                stack.clear()
            elif kind in kinds:
                del stack[kinds.index(kind) :]
            elif kind.startswith("h"):  # a level the format declares closes all but the higher levels
                level = int(kind[1:])
                cut = next((i for i, (k, _) in enumerate(stack) if not k.startswith("h") or int(k[1:]) >= level), None)
                if cut is not None:
                    del stack[cut:]
            stack.append((kind, shorten(head, MAX_RUN_ON_HEADING_CHARS)))
            if not runs_on:
                continue
        sentences = split_sentences(text)
        if not sentences:
            continue
        lead = block.lead.strip() if block.lead.strip() and block.lead.strip() != text else lead_sentence(text)
        if found:  # its own heading names it
            lead = ""
        path = [t for _, t in stack]
        name = shorten(lead) if lead else (path[-1] if path else lead_title(text))
        paragraphs.append(Paragraph(doc.source, name, path, text, sentences, block.page, len(paragraphs)))
    return Outline(title, meta, paragraphs)


# ------------------------------------------------------------------ units

#: A sentence longer than this is also matched by its pieces (:func:`sentence_pieces`): in
#: 「主要预期目标是：…，粮食产量282亿斤左右；糖料蔗种植面积稳定在1100万亩以上；…」 one target
#: of fifteen is too little of the sentence's vector to find it by. Measured on 30 documents
#: (``benchmarks/documents.py``, Word files, hit@3): no pieces 0.958; pieces of sentences over 100
#: characters 1.000. The pieces led by the sentence's lead-in (「主要预期目标是：」) did worse (0.979).
LONG_SENTENCE_CHARS = 100
#: A piece of a long sentence: whole clauses, up to this many characters.
PIECE_CHARS = 40
#: A clause: up to and with the punctuation that ends it inside a sentence.
_CLAUSE = re.compile(r"[^，；,;：:]+(?:[，；,;：:]+|$)")

#: How the matched units are made; recorded in the index, a change rebuilds all (texts
#: already embedded keep their vectors). ``structure`` counts changes to how documents are
#: outlined and cleaned: 3 keeps a glossary's one-sentence entries as paragraphs; 4 keeps a text's
#: closing author note as its last sentence.
CHUNKING = {
    "unit_sentences": [1, 2], "min_sentence_chars": MIN_SENTENCE_CHARS, "structure": 4,
    "pieces": [LONG_SENTENCE_CHARS, PIECE_CHARS], "max_sentence_chars": MAX_SENTENCE_CHARS,
}


class Unit(NamedTuple):
    """A matched unit: a sentence, a run of two, or a piece of a long sentence.

    Attributes:
        paragraph: Its paragraph's place in the index.
        first: Its first sentence.
        last: Its last sentence (``first`` for a piece).
        piece: 0, or for a piece of sentence ``first`` its number from 1.
        text: What is matched: the sentences, or the piece.
    """

    paragraph: int
    first: int
    last: int
    piece: int
    text: str


def sentence_pieces(sentence: str) -> list[str]:
    """What a long sentence is also matched by: runs of its whole clauses, each up to ``PIECE_CHARS``.

    The pieces, in order, make up the sentence. A sentence up to
    ``LONG_SENTENCE_CHARS``, or of one piece, has none.
    """
    if len(sentence) <= LONG_SENTENCE_CHARS:
        return []
    pieces, run = [], ""
    for clause in _CLAUSE.findall(sentence):
        if run and len(run) + len(clause) > PIECE_CHARS:
            pieces.append(run)
            run = ""
        run += clause
    if run:
        pieces.append(run)
    return pieces if len(pieces) > 1 else []


def make_units(paragraphs: list[Paragraph]) -> list[Unit]:
    """The matched units: each sentence and each run of two, per paragraph, and the pieces of long sentences.

    Sentences shorter than ``MIN_SENTENCE_CHARS`` are not units on their own;
    they are matched inside the runs that contain them.
    """
    units = []
    sizes = CHUNKING["unit_sentences"]
    for pi, para in enumerate(paragraphs):
        n = len(para.sentences)
        for size in sizes:
            for s0 in range(0, max(n - size + 1, 0)):
                s1 = s0 + size - 1
                start, end = para.sentences[s0][0], para.sentences[s1][1]
                if size == 1 and end - start < MIN_SENTENCE_CHARS and n > 1:
                    continue
                units.append(Unit(pi, s0, s1, 0, para.text[start:end]))
        if n == 1 and 1 not in sizes:
            units.append(Unit(pi, 0, 0, 0, para.text))
        for s in range(n):
            units.extend(Unit(pi, s, s, k, piece) for k, piece in enumerate(sentence_pieces(para.sentence(s)), 1))
    return units
