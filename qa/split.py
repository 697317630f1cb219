"""Stage 2: split a cleaned document into sections, and sections into sentences.

A section is what the assistant quotes; its sentences (and short runs of
them) are what gets matched, so that a long section is never cut off by the
model's window and the answering sentence can be highlighted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .text import Document

#: Longest line taken as a heading; longer lines are paragraphs.
MAX_HEADING_CHARS = 60
#: Longest section title shown; a longer lead sentence is shortened.
MAX_TITLE_CHARS = 48
#: Sentences shorter than this are merged into their neighbour for matching.
MIN_SENTENCE_CHARS = 8

# (pattern, level): Markdown headings, 第X章/節/條, 一、, （一）.
_NUM = "[一二三四五六七八九十百零〇两兩0-9０-９]+"
_HEADINGS = [
    (re.compile(r"^(#{1,6})\s+(.+?)\s*#*$"), None),
    (re.compile(rf"^第{_NUM}[章]"), 1),
    (re.compile(rf"^第{_NUM}[節节]"), 2),
    (re.compile(rf"^{_NUM}[、.．]\s*\S"), 3),
    (re.compile(rf"^[（(]{_NUM}[)）]\s*\S"), 4),
    (re.compile(rf"^第{_NUM}[條条]"), 5),
]
_TERMINAL = "。！？!?；;…」』”\"')）"
# A sentence ends at 。！？!? (with closing quotes) or a newline; "." ends one
# only before a space, so 7.18 and 3.5% stay whole.
_SENTENCE = re.compile(r"[^。！？!?\n]*?(?:[。！？!?]+[”’」』\"')）]*|\.(?=\s)|\n|$)")


@dataclass
class Section:
    """A quotable part of a document.

    Attributes:
        source: The document's name.
        title: The heading, or the lead sentence of the paragraph.
        text: The section's text, verbatim from the cleaned document.
        sentences: ``(start, end)`` offsets of its sentences in ``text``.
    """

    source: str
    title: str
    text: str
    sentences: list[tuple[int, int]]

    def to_dict(self) -> dict:
        return {"source": self.source, "title": self.title, "text": self.text, "sentences": self.sentences}

    @classmethod
    def from_dict(cls, d: dict) -> "Section":
        return cls(d["source"], d["title"], d["text"], [tuple(s) for s in d["sentences"]])

    def sentence(self, i: int, j: int | None = None) -> str:
        """The text from sentence ``i`` through sentence ``j`` (default ``i``), verbatim."""
        return self.text[self.sentences[i][0] : self.sentences[i if j is None else j][1]]


def heading_level(line: str) -> int | None:
    """The heading level of a line, or None when it is not a heading."""
    if len(line) > MAX_HEADING_CHARS:
        return None
    for pattern, level in _HEADINGS:
        m = pattern.match(line)
        if m:
            if level is None:  # Markdown: the number of #
                return len(m.group(1))
            # "一、" followed by a full sentence is a numbered paragraph, not a heading.
            body = line[m.end() :]
            return None if "。" in body.rstrip("。") else level
    return None


def _heading_text(line: str) -> str:
    m = _HEADINGS[0][0].match(line)
    return (m.group(2) if m else line).strip()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text``, without surrounding spaces."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def lead_title(text: str) -> str:
    """A paragraph's title: its lead sentence, shortened if long."""
    spans = split_sentences(text)
    lead = text[spans[0][0] : spans[0][1]] if spans else text
    lead = lead.rstrip("。.!！?？;；")
    if len(lead) > MAX_TITLE_CHARS:
        lead = lead[:MAX_TITLE_CHARS].rstrip(",，、;；:： ") + "…"
    return lead


def _paragraphs(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines: a line not ending a sentence runs on."""
    paras, cur = [], ""
    for line in lines:
        if not line:
            if cur:
                paras.append(cur)
            cur = ""
            continue
        if cur and not cur.endswith(tuple(_TERMINAL)):
            # Hard wrap: CJK joins directly, Latin with a space.
            cur += (" " if cur[-1].isascii() and line[0].isascii() else "") + line
        else:
            if cur:
                paras.append(cur)
            cur = line
    if cur:
        paras.append(cur)
    return paras


def split_document(doc: Document) -> list[Section]:
    """Split a document into sections.

    Uses the text's headings where it has them (Markdown ``#``, ``第X章``,
    ``第X節``, ``一、``, ``（一）``, ``第X條``); a nested heading's title
    includes its parents'. Text without headings gives one section per
    paragraph, titled by its lead sentence.

    Args:
        doc: A cleaned document.

    Returns:
        Its sections, in order; each has at least one sentence.
    """
    lines = [ln.strip() for ln in doc.text.split("\n")]
    has_headings = any(heading_level(ln) is not None for ln in lines if ln)
    sections: list[Section] = []

    def add(title: str, body_lines: list[str]) -> None:
        # Under a heading, the section keeps all its paragraphs together.
        body = "\n".join(_paragraphs(body_lines))
        if body:
            sections.append(Section(doc.source, title or lead_title(body), body, split_sentences(body)))

    if not has_headings:
        for para in _paragraphs(lines):
            add("", [para])
        return sections

    stack: list[tuple[int, str]] = []  # open headings: (level, text)
    body: list[str] = []
    for line in lines:
        level = heading_level(line) if line else None
        if level is None:
            body.append(line)
            continue
        add(" › ".join(t for _, t in stack), body)
        body = []
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, _heading_text(line)))
    add(" › ".join(t for _, t in stack), body)
    return sections


# ------------------------------------------------------------------ units

#: How the matched units are made; recorded in the index, a change rebuilds all.
CHUNKING = {"unit_sentences": [1, 2], "min_sentence_chars": MIN_SENTENCE_CHARS}


def make_units(sections: list[Section]) -> list[tuple[int, int, int]]:
    """The matched units: each sentence and each run of two, per section.

    Sentences shorter than ``MIN_SENTENCE_CHARS`` are not units on their own;
    they are matched inside the runs that contain them.

    Returns:
        ``(section, first sentence, last sentence)`` of each unit.
    """
    units = []
    sizes = CHUNKING["unit_sentences"]
    for si, sec in enumerate(sections):
        n = len(sec.sentences)
        for size in sizes:
            for s0 in range(0, max(n - size + 1, 0)):
                s1 = s0 + size - 1
                start, end = sec.sentences[s0][0], sec.sentences[s1][1]
                if size == 1 and end - start < MIN_SENTENCE_CHARS and n > 1:
                    continue
                units.append((si, s0, s1))
        if n == 1 and 1 not in sizes:
            units.append((si, 0, 0))
    return units
