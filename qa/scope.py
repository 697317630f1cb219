"""Which part of the library a question is about: its documents, the year it asks about, the glossary entry it asks for.

A report also reviews last year and plans this one, in sentences alike
(「新增养老床位4385张」 under 「2024年工作回顾」, 「新增3000张养老床位」 under
「2025年主要任务」). A question that names a year, or says 今年 or 去年
(counted from the year in the document's title), prefers the part whose
headings name that year. Which documents a question is about is read from
the places it names (:mod:`qa.places`).
"""
from __future__ import annotations

import re
from functools import cached_property
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import numpy as np

from .index import UNIT_FIRST, UNIT_PARAGRAPH
from .bilingual import phrases_around, synonyms
from .keywords import tokenize, word_parts
from .places import romanized_in, written_short
from .split import Paragraph, glossary_terms, is_appendix, is_glossary, is_salutation
from .text import fold_script, has_cjk
from .words import COUNTS_THINGS, ENGLISH_STOPWORDS, EXAMPLE_MARKERS, LAST_YEAR, STOPWORDS, THIS_YEAR

if TYPE_CHECKING:
    from .question import Lexicon, Question

#: A year a text or its headings name, this century's: 「2025年」 (「2000个」 and 「2050亿元」 are not years).
_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*年")
#: A year a question asks about, from 1900: 「1997年的就业目标」 asks for a year no report is about, as 「2023年」 does;
#: in a question without Chinese, the year alone ("for 1999").
_ASKED_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年")
_LATIN_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d%]|[.,]\d)")
#: Headings of a report's review and of its plan that name no year (广西: 「一、过去一年工作回顾」).
_REVIEW, _PLAN = re.compile(r"过去一年|去年|回顾"), re.compile(r"今年|本年")


def first_year(text: str) -> int:
    """The first year (2000-2099) a text names, 0 when none."""
    m = _YEAR.search(text)
    return int(m.group(1)) if m else 0


def path_year(path: list[str], doc_year: int) -> int:
    """The year a paragraph is about, from its headings: the first they name, else the year
    before ``doc_year`` under a review (「过去一年工作回顾」) or ``doc_year`` under 「今年…」; 0 when unknown."""
    heads = " ".join(path)
    if year := first_year(heads):
        return year
    if doc_year and _REVIEW.search(heads):
        return doc_year - 1
    if doc_year and _PLAN.search(heads):
        return doc_year
    return 0


def question_year(question: str) -> tuple[int, int] | None:
    """The year a question asks about: ``(year, 0)`` when it names one, ``(0, 0)`` for 今年, ``(0, -1)`` for 去年, else None."""
    folded = fold_script(question)
    m = _ASKED_YEAR.search(folded) or (None if has_cjk(folded) else _LATIN_YEAR.search(folded))
    year = int(m.group(1)) if m else 0
    if year:
        return year, 0
    if any(w in folded for w in LAST_YEAR):
        return 0, -1
    if any(w in folded for w in THIS_YEAR):
        return 0, 0
    return None


#: The most characters a part's name in a question leaves out between two it keeps: 党建 for 党(的)建(设).
PART_GAP = 2
#: The sentences of a paragraph (after its headings) read for what part of a document it is: the plan's sections say
#: their theme in the second (「…城市建設必須…」 after 「堅持以生態宜居為目標…」). Part questions of the tune sets, sentence
#: first, plan / synthetic: 1: 26 / 12 of 34, 2: 27 / 13, 3: 26 / 12 (the fourteenth session).
PART_SENTENCES = 2
#: The fewest characters of a document's opening paragraph: fewer is a title, a byline or a date.
OPENING_CHARS = 50

#: A library this large (characters, script-folded) writes most of the everyday words plans are asked in, so a noun it
#: never writes is evidence that a question is not about it (:meth:`Scope.unwritten`). The tune plan questions whose
#: nouns the text never writes (2026-12-08, the twenty-sixth session): the plan alone (2,762) 0.213, with one report
#: (~25,000) 0.102, six (~100,000) 0.070, all 29 (509,766) 0.050; the off-topic ones 0.685, 0.561, 0.482, 0.400.
UNWRITTEN_LIBRARY = 100_000
#: Folded texts a :class:`Scope` keeps (:meth:`Scope.folded`): a few MB.
FOLDED_KEPT = 50_000


class Scope:
    """What each unit of an index is about, to prefer the units a question is about.

    Args:
        lexicon: The library's places and words (:class:`qa.question.Lexicon`); its
            documents' places are in the index's order of documents.
        titles: Each document's shown title; its year is the report's "this year".
        paragraphs: The index's paragraphs.
        units: The index's units (:data:`qa.index.UNIT_COLUMNS`).
    """

    def __init__(self, lexicon: "Lexicon", titles: dict[str, str], paragraphs: list[Paragraph], units: np.ndarray):
        self.lexicon = lexicon
        places = lexicon.places
        doc_id = {name: i for i, name in enumerate(places)}
        para_doc = np.array([doc_id[p.source] for p in paragraphs], dtype=np.int64)
        self._doc_id = doc_id
        self._doc_year = np.array([first_year(titles.get(name, name)) for name in places], dtype=np.int64)
        para_year = np.array([path_year(p.path, self._doc_year[doc_id[p.source]]) for p in paragraphs], dtype=np.int64)
        self._para_doc, self._para_year = para_doc, para_year
        self._unit_first = units[:, UNIT_FIRST]
        self._unit_paragraph = units[:, UNIT_PARAGRAPH]
        self._unit_doc = para_doc[self._unit_paragraph]
        self._unit_year = para_year[self._unit_paragraph]
        #: Each document's opening: its first paragraph of :data:`OPENING_CHARS` characters or more (not its title or byline).
        #: Each document's closing: its last such paragraph before any appendix or glossary (「各位代表！…」 of a report).
        opening: dict[str, int] = {}
        closing: dict[str, int] = {}
        for i, p in enumerate(paragraphs):
            if len(p.text) >= OPENING_CHARS:
                opening.setdefault(p.source, i)
                if not is_appendix(p.path):
                    closing[p.source] = i
        self._opening = np.array(sorted(opening.values()), dtype=np.int64)
        self._closing = np.array(sorted(closing.values()), dtype=np.int64)
        #: By paragraph, the sentence a closing paragraph opens with, after its salutation (「各位代表！」 is a sentence of
        #: its own); -1 for any other paragraph.
        self._closing_opener = np.full(len(paragraphs), -1, dtype=np.int64)
        for i in self._closing.tolist():
            self._closing_opener[i] = int(len(paragraphs[i].sentences) > 1 and is_salutation(paragraphs[i].sentence(0)))
        #: What each glossary entry defines, by paragraph: 「12.“编外院长”：…」 → 编外院长.
        self._glossary = {i: glossary_terms(p.text) for i, p in enumerate(paragraphs) if is_glossary(p.path)}
        self._uses: dict[str, bool] = {}  # names the library uses (:meth:`library_uses`)
        self._written: dict[str, bool] = {}  # words its text holds (:meth:`writes`)
        self._unwritten: dict[str, bool] = {}  # nouns it never writes in any way (:meth:`unwritten`): a comparison asks per row
        self._paragraphs = paragraphs
        self._folded: dict[tuple, str] = {}

    def folded(self, paragraph: int, sentences: tuple[int, int] | None = None, *, headings: bool = False) -> str:
        """A paragraph's text, its sentences ``(first, last)`` or its headings, script-folded.

        Kept for the next questions (up to :data:`FOLDED_KEPT` texts): the learned ranking reads the same
        best paragraphs again and again, and folding (OpenCC) is most of its cost.
        """
        key = (paragraph, sentences, headings)
        text = self._folded.get(key)
        if text is None:
            para = self._paragraphs[paragraph]
            text = fold_script(" ".join(para.path) if headings else para.sentence(*sentences) if sentences else para.text)
            if len(self._folded) >= FOLDED_KEPT:
                self._folded.clear()
            self._folded[key] = text
        return text

    @property
    def places(self) -> dict[str, list[str]]:
        """Each indexed document's places."""
        return self.lexicon.places

    def preferred_units(self, question: "Question") -> list[np.ndarray]:
        """Pools of units whose own best units are candidates too (:func:`qa.search.score_units`): those of the documents
        a question is about, and those of the end of a document it asks of (「报告结尾说…」), which a cosine to the
        question's other words may leave out. Empty when it names neither."""
        docs = np.isin(self._unit_doc, [self._doc_id[d] for d in question.documents]) if question.documents else None
        pools = [] if docs is None else [np.flatnonzero(docs)]
        ends = self._closing if question.asks_closing else self._opening if question.asks_opening else None
        if ends is not None:
            at_end = np.isin(self._unit_paragraph, ends)
            pools.append(np.flatnonzero(at_end if docs is None else at_end & docs))
        return pools

    def inside(self, question: "Question", ids: np.ndarray) -> np.ndarray | None:
        """For units ``ids``: whether each is in a document the question is about; None when none are."""
        docs = question.documents
        return np.isin(self._unit_doc[ids], [self._doc_id[d] for d in docs]) if docs else None

    def lift(self, question: "Question", ids: np.ndarray) -> np.ndarray:
        """For units ``ids``: 1 for each of "in a document the question is about", "under the year it asks
        about", for a question about a document's opening or closing, "its opening (closing) paragraph" and, for a
        question asking what a term means, "the glossary's entry for a term it names"."""
        lift = np.zeros(len(ids))
        paragraphs = self._unit_paragraph[ids]
        inside = self.inside(question, ids)
        if inside is not None:
            lift += inside
        else:
            inside = np.ones(len(ids), dtype=bool)
        if question.year:
            year, offset = question.year
            wanted = np.full(len(self._doc_year), year) if year else np.where(self._doc_year > 0, self._doc_year + offset, -1)
            unit_year = self._unit_year[ids]
            # Only where the question's documents are: 「敦化今年…」 is not about Jilin's 2025.
            on_year = (unit_year > 0) & (unit_year == wanted[self._unit_doc[ids]])
            lift += on_year & inside
        # 「民生部分…」: the paragraphs that part is, by their headings or first sentences, in any document: the
        # documents a question without a place prefers (national ones) need not be the one it asks about. Those saying
        # most of its words: 「城市建设和环境」 is the section on 城市建設, not the one on 黨的建設.
        if question.part:
            about = {pi: self._about(pi, question.part) for pi in np.unique(paragraphs).tolist()}
            most = max(about.values(), default=0)
            part = np.array([most > 0 and about[pi] == most for pi in paragraphs.tolist()], dtype=bool)
            lift += part
            if question.asks_part_opening:  # 「讲党建的那部分，开头说…」: the part's first sentence
                lift += part & (self._unit_first[ids] == 0)
        if question.asks_opening:  # 「文章开头说…」: what the document says first
            lift += np.isin(paragraphs, self._opening) & inside
        if question.asks_closing:  # 「报告结尾说…」: what the document says last
            closing = np.isin(paragraphs, self._closing) & inside
            lift += closing
            if question.asks_how_closing_opens:  # 「最后一段是用哪句话开头的」: its first sentence
                lift += closing & (self._unit_first[ids] == self._closing_opener[paragraphs])
        if question.asks_meaning:  # the glossary's entry for the term, not a sentence that only uses it
            entries = [i for i, terms in self._glossary.items() if any(t in question.folded for t in terms)]
            lift += np.isin(paragraphs, entries) & inside
        return lift

    def _about(self, paragraph: int, words: Collection[str]) -> int:
        """How many of ``words`` a paragraph's headings or first sentences say, or a word they shorten (党建 of 党的建设)."""
        last = min(PART_SENTENCES, len(self._paragraphs[paragraph].sentences)) - 1
        text = self.folded(paragraph, headings=True) + " " + self.folded(paragraph, (0, last))
        return sum(w in text or in_order(w, text, PART_GAP) for w in words)

    def _about_year(self, year: int, paragraphs: Collection[int]) -> bool:
        """Whether one of ``paragraphs`` is under ``year``, or in a report of the year after (「过去一年」 is its ``year``)."""
        ids = np.asarray(list(paragraphs), dtype=np.int64)
        return bool(np.isin(year, self._para_year[ids]) or np.isin(year + 1, self._doc_year[self._para_doc[ids]]))

    @cached_property
    def text(self) -> str:
        """The whole library's text and headings, script-folded: whether a name is in any document (a few ms a
        question). A name a report says only in a heading (「（五）着力发展壮大高精尖产业…」) is the library's too."""
        headings = dict.fromkeys(h for p in self._paragraphs for h in p.path)
        return fold_script("\n".join([*(p.text for p in self._paragraphs), *headings]))

    def unknown(self, question: "Question", context: str, paragraphs: Collection[int] = ()) -> list[str]:
        """What the question names that neither the library nor its best matches are about.

        A quote can only answer 「广东…」 if it is about Guangdong, and 「2023年…」 if
        it is about 2023; a name the library never uses (特斯拉, FIFA) is not in it.

        Args:
            question: The question.
            context: The titles, headings and text of the best matches, script-folded.
            paragraphs: The best matches (places in the index): the year a paragraph is under,
                and the year before its report's own, which the report looks back on, are theirs too.

        Returns:
            The places (neither a document's nor in ``context``), the year (not in
            ``context``) and the other names (in no document) of the question; empty
            when it names nothing the library lacks.
        """
        about = self.lexicon.about
        # What the question says next may find a country the context writes short (「日遗」 for 日本遗留).
        words = question.tokens if question.chinese else question.english_terms
        missing = [p for p in sorted(question.named_places) if p not in about and not known_in(p, question.folded, context)
                   and not written_short(p, words, context, question.text)]
        asked = question.year
        if asked and asked[0] and str(asked[0]) not in context and not self._about_year(asked[0], paragraphs):
            missing.append(str(asked[0]))
        for name in sorted(question.names):
            if self.library_uses(name) or known_in(name, question.folded, context) or (
                    not has_cjk(name) and romanized_in(name, context)):  # "Dashihe": 大石河 in the best matches
                continue
            if not has_cjk(name) and any(run.replace(" ", "") in self.lexicon.pinyin for run in phrases_around(question.text, name)):
                continue  # "Jinping" of "Xi Jinping": 习近平, xijinping, is the library's
            if written_short(name, words, context, question.text):
                continue
            # jieba reads some names with their place (「重庆江北国际机场」): a report leaves its own place out
            rests = [name[len(p):] for p in question.named_places if name.startswith(p) and len(name) - len(p) >= 3]
            if any(self.library_uses(r) or known_in(r, question.folded, context) for r in rests):
                continue
            missing.append(name)
        # An English question asking where a thing is mentioned ("waffles"): a thing the dictionary knows, none of
        # whose Chinese words (华夫, 松饼) the library writes, not even inside a longer word, is not in it, as a name is not.
        thing = question.english_thing_meanings
        if thing and all(m.dictionary and not any(map(self.writes, m.dictionary)) for m in thing):
            missing.append(" ".join(w for w in question.english_thing.lower().split() if w not in ENGLISH_STOPWORDS))
        # A figure of a thing the library never names (「今年要新增多少个修鞋摊？」: 修鞋) is in no quote. Named in part counts
        # (就业人数 is 就业 and 人数). A word jieba does not divide is unknown only when things are counted (「多少家花店」) and
        # the library writes no other word for it (马铃薯 for 土豆): an amount's word (「平贝母产量是多少」) may go unsaid.
        counted = question.counted
        if len(counted) > 1 and not self.library_uses(counted) and not self.writes(counted):
            parts = word_parts(counted)
            named = (all(map(self.writes, parts)) if parts
                     else not COUNTS_THINGS.search(question.folded) or any(map(self.writes, synonyms(counted))))
            if not named:
                missing.append(counted)
        # An English programme in quotation marks ("the 'Golden Acorn' scheme"): a word of its name whose Chinese words
        # (two characters or more) the library never writes (acorn 橡子, 橡实) is no programme of the library's.
        glossary = question.lexicon.glossary
        for name in question.english_programmes if glossary else ():
            if any((words := [w for w in m.dictionary if len(w) > 1]) and not any(map(self.writes, words))
                   for m in glossary.meanings(name)):
                missing.append(name)
        # Names given as examples (「比如长城、大运河」, "such as") ask for none of them: a quote about another answers too,
        # when the library knows one of them. Examples it knows none of ("such as France") show what the question is about.
        examples = for_example(question.named_places | question.names, question.folded)
        if not any(self.library_uses(e) for e in examples):
            return missing
        return [m for m in missing if m not in examples]

    def unwritten(self, question: "Question") -> list[str]:
        """The common nouns of a Chinese question (:attr:`qa.question.Question.nouns`) that a library of at least
        :data:`UNWRITTEN_LIBRARY` characters never writes, nor all the parts of (就业人数 is 就业 and 人数), nor another word
        CC-CEDICT gives for it (马铃薯 for 土豆): 「全省的钟表维修店有多少家？」 asks of 钟表. Carried in
        :attr:`qa.abstain.Evidence.unwritten`: :meth:`qa.abstain.Confidence.tier` then wants more evidence before it gives
        quotes that "may answer"."""
        if len(self.text) < UNWRITTEN_LIBRARY:
            return []
        return [w for w in question.nouns if _kept(self._unwritten, w, lambda: self._never_writes(w))]

    def _never_writes(self, noun: str) -> bool:
        return (not self.writes(noun) and not self.library_uses(noun)
                and not ((parts := word_parts(noun)) and all(map(self.writes, parts)))
                and not any(map(self.writes, synonyms(noun))))

    def writes(self, word: str) -> bool:
        """Whether the library's text (script-folded) holds ``word`` anywhere. Kept per word, as :meth:`library_uses`."""
        return _kept(self._written, word, lambda: word in self.text)

    def library_uses(self, name: str) -> bool:
        """Whether the library uses a name of a question whatever its best matches are: in its text (with a particle
        shed), as words of its vocabulary, inside a longer token, or (in English) as a place's pinyin. Kept per name:
        a comparison asks it of every document."""
        return _kept(self._uses, name, lambda: self._uses_name(name))

    def _uses_name(self, name: str) -> bool:
        vocabulary = self.lexicon.vocabulary
        alone = re.compile(rf"(?<![a-z]){re.escape(name)}(?![a-z])")  # in a longer token: 「15EFlops」, not 「bus」 for US
        return (any(n in self.text for n in shed(name))
                or abbreviated(name, self.text)
                or all(w in vocabulary or w.rstrip("s") in vocabulary for w in tokenize(name))
                or any(name in w and alone.search(w) for w in vocabulary)
                or (not has_cjk(name) and name in self.lexicon.pinyin))


def _kept(cache: dict[str, bool], key: str, make: Callable[[], bool]) -> bool:
    """``cache[key]``, made once: what users ask about is kept for the next questions, but not without end (the cache
    is emptied at :data:`FOLDED_KEPT` entries)."""
    if key not in cache:
        if len(cache) >= FOLDED_KEPT:
            cache.clear()
        cache[key] = make()
    return cache[key]


#: What gives the names after it as examples, to the end of the clause: 「比如长城、大运河」, "such as Hainan".
_EXAMPLES = re.compile(rf"(?:{'|'.join(EXAMPLE_MARKERS)}|such as|e\.g\.|for example|for instance|including)([^？?。；;！!]*)", re.IGNORECASE)


def for_example(names: Collection[str], text: str) -> set[str]:
    """The ``names`` that ``text`` (script-folded) gives as examples: those after 「比如」, 「例如」 or "such as" in its clause."""
    spans = [m.group(1) for m in _EXAMPLES.finditer(text)]
    return {n for n in names if any(n in span for span in spans)}


def shed(name: str) -> list[str]:
    """The name without a particle (a one-character stopword) jieba left on its edge: 「和高青」 → 「高青」."""
    return [n for n in (name[1:] if name[0] in STOPWORDS else "", name[:-1] if name[-1] in STOPWORDS else "") if len(n) > 1]


#: The most characters a Chinese abbreviation leaves out between two it keeps: 北交所 for 北[京证券]交[易]所.
ABBREVIATION_GAP = 3


def abbreviated(name: str, text: str) -> bool:
    """Whether ``text`` writes in full a name of three Chinese characters or more that the question shortens, as
    Chinese abbreviations are made, keeping characters of the full name in order: 「北交所」 of 「北京证券交易所」 (at most
    :data:`ABBREVIATION_GAP` apart, :func:`in_order`)."""
    return len(name) >= 3 and all(map(has_cjk, name)) and in_order(name, text, ABBREVIATION_GAP)


def in_order(word: str, text: str, gap: int) -> bool:
    """Whether ``text`` holds the characters of ``word`` in order, each at most ``gap`` characters after the one
    before, within one clause."""
    between = f"[^，。；、：,.;:\\s]{{0,{gap}}}"
    return re.search(between.join(map(re.escape, word)), text) is not None


#: Characters a word can hold: what a name can run on into (:func:`known_in`).
_WORD_RUN = re.compile(r"\w*")


def known_in(name: str, question: str, context: str) -> bool:
    """Whether ``context`` holds a name of the question, or the words jieba cut it from.

    jieba sometimes cuts a name out of two words: 「和平」 from 「和平贝母」 (和 +
    平贝母), 「和高青」 from 「改扩建和高青」 (和 + 高青). The name is the context's when
    the context holds it, or holds it with a particle (a one-character stopword)
    shed from its edge, or holds one side of it run on into the question's next or
    previous characters (平 + 贝母 is 「平贝母」), three characters at least.

    Args:
        name: The name, as the question has it (script-folded).
        question: The question, script-folded.
        context: The titles, headings and text of the best matches, script-folded.
    """
    if name in context:
        return True
    if any(n in context for n in shed(name)):
        return True
    if len(name) > 2 and has_cjk(name) and any(  # 「红旗车」 written 「红旗汽车」: a word or two inside
            re.search(f"{re.escape(name[:k])}.{{1,2}}{re.escape(name[k:])}", context) for k in range(2, len(name))):
        return True
    at = question.find(name)
    if at < 0 or not has_cjk(name):
        return False
    end = at + len(name)
    # jieba cuts words, not punctuation: a run never crosses a mark (「“水杉工程”的」 is no 「工程”」 of the context's)
    next_, previous = _WORD_RUN.match(question, end).group(), _WORD_RUN.match(question[:at][::-1]).group()[::-1]
    for k in range(1, len(name)):
        after = name[k:] + next_[:3]
        before = previous[-3:] + name[:k]
        if any(len(run) >= 3 and run in context for run in (after[: max(3, len(name) - k + 1)], before[-max(3, k + 1):])):
            return True
    return False

