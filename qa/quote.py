"""Quoting: the best paragraphs for unit scores, each with its answering sentences highlighted.

Nothing is generated: a hit's text is a paragraph of the source, verbatim
after cleaning (or a run of its whole sentences around the answer), and each
highlight is a sentence of that text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .index import LoadedIndex
from .search import UnitScores, rank_sections
from .split import Paragraph, lead_sentence
from .text import has_cjk

#: Highlights per hit, at most.
MAX_HIGHLIGHTS = 2
#: A further sentence is highlighted when it scores within this of the best.
HIGHLIGHT_MARGIN = 0.35
#: Taken off a lead sentence's score when choosing what to highlight (「提高养老托育服务品质。」
#: before the sentence with the figure). Measured on 30 documents, highlight@1: 0 → 0.903,
#: 0.25 to 1 → 0.920; follow-ups' answering sentence first: 0 → 0.688, 0.5 → 0.719, 1 → 0.750.
LEAD_HANDICAP = 1.0
#: Joins the headings of a path, in cards and citations.
PATH_SEP = " › "
#: A paragraph up to this long is quoted whole; a longer one by a run of its sentences.
MAX_WHOLE_QUOTE = 800
#: The run of sentences quoted from a long paragraph grows around the answer up to this.
QUOTE_CHARS = 450


@dataclass(frozen=True)
class Hit:
    """A quoted paragraph.

    Attributes:
        text: The quote, verbatim: the paragraph, or for a long one a run of
            its whole sentences around the answer (see ``cut``).
        section: The nearest heading above it (its title where the document has none).
        source: Its file, relative to the data folder.
        score: Relevance, the fused score with any document or year preference added; higher is better.
        highlights: Sentences of ``text`` that answer the question, best first.
        path: The headings above it, from the top.
        page: The page it starts on, for a PDF; else None.
        document: The document's title.
        paragraph: Its place among the document's paragraphs (from 0), to find its neighbours.
        span: Where ``text`` starts and ends in the paragraph.
        cut: Whether the paragraph goes on before and after ``text``.
    """

    text: str
    section: str
    source: str
    score: float
    highlights: list[str]
    path: list[str] = field(default_factory=list)
    page: int | None = None
    document: str = ""
    paragraph: int = 0
    span: tuple[int, int] = (0, 0)
    cut: tuple[bool, bool] = (False, False)

    def to_dict(self) -> dict:
        """The JSON shape of a hit, as ``qa ask --json`` prints it (pairs as lists), with its citation."""
        return dict(asdict(self), span=list(self.span), cut=list(self.cut), citation=self.citation())

    def citation(self) -> str:
        """The hit as one line to paste into a memo: title, heading path, page and the answering sentence.

        A Chinese document is cited the Chinese way (「《标题》，一、… › （一）…，第3页：“句子。”」), any other as
        ``Title, Heading › Sub, p. 3: "Sentence."``. The sentence is the best highlight, else the quote; its
        line breaks become spaces so the citation stays one line.
        """
        sentence = " ".join((self.highlights[0] if self.highlights else self.text).split())
        path = PATH_SEP.join(self.path) if self.path else ""
        title = self.document or self.source
        if has_cjk(self.text):
            head = "，".join([f"《{title}》"] + [x for x in (path, f"第{self.page}页" if self.page else "") if x])
            return f"{head}：“{sentence}”"
        head = ", ".join([title] + [x for x in (path, f"p. {self.page}" if self.page else "") if x])
        return f'{head}: "{sentence}"'


class Quoter:
    """Turns unit scores into quoted hits, and finds the paragraphs around a hit.

    Args:
        index: The loaded index.
        titles: Each document's shown title, by file.
    """

    def __init__(self, index: LoadedIndex, titles: dict[str, str]):
        self.index = index
        self.titles = titles
        self._where = {(p.source, p.number): i for i, p in enumerate(index.paragraphs)}

    def hits(self, scored: UnitScores, k: int) -> list[Hit]:
        """The ``k`` best paragraphs for these unit scores, with their answering sentences."""
        units, paragraphs = self.index.units, self.index.paragraphs
        ranked = rank_sections(units, scored)[:k]
        # Best score per sentence: a sentence's own unit first, else the runs holding it.
        by_sentence: dict[tuple[int, int], tuple[int, float]] = {}
        for uid, s in zip(scored.ids.tolist(), scored.fused.tolist()):
            sec, s0, s1, _ = (int(x) for x in units[uid])
            for sent in range(s0, s1 + 1):
                prio = 1 if s0 == s1 else 0
                if (prio, s) > by_sentence.get((sec, sent), (-1, -np.inf)):
                    by_sentence[(sec, sent)] = (prio, s)
        hits = []
        for pi, score in ranked:
            para = paragraphs[pi]
            # A lead sentence names the paragraph's topic, so it shares the question's words
            # without answering it: it is highlighted only when it clearly scores best.
            lead = LEAD_HANDICAP if lead_sentence(para.text) else 0.0
            sents = sorted(
                ((v[1] - (lead if i == 0 else 0.0), i) for (si, i), v in by_sentence.items() if si == pi and v[0] == 1),
                reverse=True,
            ) or sorted(((v[1], i) for (si, i), v in by_sentence.items() if si == pi), reverse=True)
            top = sents[0][0]
            chosen = [i for s, i in sents if s >= top - HIGHLIGHT_MARGIN][:MAX_HIGHLIGHTS]
            s0, s1 = quote_sentences(para, chosen)
            chosen = [i for i in chosen if s0 <= i <= s1]
            start, end = para.sentences[s0][0], para.sentences[s1][1]
            hits.append(Hit(
                para.text[start:end], para.section, para.source, round(float(score), 4),
                [para.sentence(i) for i in chosen], para.path, para.page, self.titles.get(para.source, para.source),
                para.number, (start, end), (start > 0, end < len(para.text)),
            ))
        return hits

    def neighbours(self, hit: Hit, before: int = 1, after: int = 1) -> list[Paragraph]:
        """The paragraphs of ``hit``'s document from ``before`` above it to ``after`` below it, itself included."""
        i = self._where[(hit.source, hit.paragraph)]
        paras = self.index.paragraphs
        return [p for p in paras[max(0, i - before) : i + after + 1] if p.source == hit.source]

    def section(self, hit: Hit) -> list[Paragraph]:
        """Every paragraph under ``hit``'s nearest heading, in order (just its own where there is none)."""
        para = self.paragraph(hit.source, hit.paragraph)
        if not para.path:
            return [para]
        return [p for p in self.index.paragraphs if p.source == para.source and p.path[: len(para.path)] == para.path]

    def paragraph(self, source: str, number: int) -> Paragraph:
        """Paragraph ``number`` of document ``source``.

        Raises:
            KeyError: the index has no such paragraph.
        """
        return self.index.paragraphs[self._where[(source, number)]]


def quote_sentences(para: Paragraph, answer: list[int]) -> tuple[int, int]:
    """The first and last sentence to quote of ``para``, around its answering sentences ``answer`` (best first).

    A paragraph up to ``MAX_WHOLE_QUOTE`` characters is quoted whole. From a
    longer one, the run from the best answering sentence (with the next best,
    if close enough) grows by whole sentences, after and before in turn, while
    it stays within ``QUOTE_CHARS``.
    """
    n = len(para.sentences)
    if len(para.text) <= MAX_WHOLE_QUOTE or not answer:
        return 0, n - 1

    def size(a: int, b: int) -> int:
        return para.sentences[b][1] - para.sentences[a][0]

    s0 = s1 = answer[0]
    for i in answer[1:]:
        a, b = min(s0, i), max(s1, i)
        if size(a, b) <= QUOTE_CHARS:
            s0, s1 = a, b
    grew = True
    while grew:
        grew = False
        if s1 + 1 < n and size(s0, s1 + 1) <= QUOTE_CHARS:
            s1, grew = s1 + 1, True
        if s0 > 0 and size(s0 - 1, s1) <= QUOTE_CHARS:
            s0, grew = s0 - 1, True
    return s0, s1
