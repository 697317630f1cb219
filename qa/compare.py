"""Comparing across the library: one row per document, its best quote and how sure, or "not mentioned".

「各省今年的地区生产总值增长目标是多少？」 asked of a library of provincial reports
wants every report's answer, not the library's three best quotes. A comparison
reads the question once (with the conversation, as :meth:`qa.answer.Retriever.answer`
does), embeds it once and scores every unit once on each side; then, document by
document, it does what asking that document alone would do
(``score(question, sources=[document])``): the document's own candidates (the top
units of each side within it), fused over them, re-scored, its best paragraph quoted
with its answering sentences, and how sure to be decided by the same fitted models
(:mod:`qa.abstain`).

No document is preferred over another here (the place a question names, or the
national report for a question naming none, would otherwise pick the documents);
the year a question asks about is preferred in every document
(:func:`without_preference`), and the words that ask for every place are left out
(:data:`qa.places.EVERY_PLACE`). A row is "not mentioned", and holds no quote, when its
document's fitted tier is "none", when its quote stands under another year than
the one asked (:meth:`Comparer.other_year`), when the question asks for a figure and its
answering sentences give none (:meth:`Comparer.no_figure`), or when a fitted model of how sure the row is
and how much of what the comparison's answers hold its answering sentences hold says so
(:class:`Mention`, :meth:`Comparer.decide`). The
rules, their tests and figures: ``docs/compare.md``, ``docs/rules.md``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .abstain import EVIDENCE_TOP, GAP_RANK, Logistic, fitted, fitted_features
from .index import UNIT_PARAGRAPH, UNIT_PIECE
from .question import Lexicon, Question, check_history, two_word_phrases
from .quote import Hit
from .rescore import Learned, prefers_documents, rescore_each
from .scope import first_year, path_year
from .keywords import salience, word_parts
from .places import without_every_place
from .search import UnitScores, fuse_each, split_scores
from .text import fold_script
from .words import FIGURE, PERCENT

if TYPE_CHECKING:
    from collections.abc import Callable

    from .answer import Retriever
    from .terms import Terms

#: For a model without a fitted :class:`Mention`: a document is "not mentioned" when its answering sentences hold
#: less than this share of what the comparison's answers hold of the question (:meth:`Comparer.decide`). Chosen on ``compare-tune.jsonl``
#: (``benchmarks/compare.py``), cell accuracy Chinese / English: 0.25 → 0.854 / 0.738, 0.3 → 0.863 / 0.738,
#: 0.35 → 0.850 / 0.738 (before the year rule; 0.883 / 0.738 with it); leave-one-topic-out 0.863 / 0.738.
AGREEMENT = 0.3
#: When no row is sure ("answer"), this many rows most likely right (by P(right)) stand for the answers in
#: :meth:`Comparer.inputs` (0: none, and no row is checked). Most English comparisons have no sure row, so before
#: this every row of theirs was "mentioned". Chosen 2026-12-06 on the three earlier sets (tune, untouched,
#: compare-2; all tune since), English cell accuracy: 0 → 0.767 / 0.567 / 0.644, 1 → 0.750 / 0.667 / 0.789,
#: 2 → 0.750 / 0.728 / 0.789, 3 → 0.758 / 0.717 / 0.789, 5 as 3; Chinese unchanged (a sure row is always there).
REFERENCE_ROWS = 3
#: How many of each document's best units the learned ranking re-orders in a comparison (an answer re-orders 30,
#: :data:`qa.rescore.RANK_TOP`): over the 14 tune sets' cells, 15 gave Chinese 0.891 → 0.893 and English 0.715 → 0.715
#: cell accuracy, and a comparison 10% sooner (22.2 → 19.9 ms; 10 gave no more speed). Chosen in the eleventh
#: session of 2026-12-06, for the target of 2× one ``search()``.
COMPARE_RANK_TOP = 15
#: What the fitted decision of "not mentioned" (:class:`Mention`) reads of a row (:meth:`Comparer.inputs`).
MENTION_FEATURES = ("probability", "answer", "below_best", "share", "phrase_share", "part_share", "english")
#: A word written alike in Chinese and English text (5G, 6G, C919): a Chinese quote holds it as the question does.
_CODE = re.compile(r"(?=.*\d)(?=.*[a-z])[a-z\d]+")
#: How the rows are ordered: as the library lists its documents, or answers first, best first.
ORDERS = ("library", "score")
#: The order of the tiers when rows are ordered by score.
_TIER_RANK = {"answer": 0, "uncertain": 1, "none": 2}


@dataclass
class Row:
    """One document's row of a comparison.

    Attributes:
        source: The document's file.
        document: Its title.
        confidence: As :attr:`qa.answer.Answer.confidence` for this document alone: ``"answer"``,
            ``"uncertain"`` (the quote may answer) or ``"none"`` (not mentioned).
        hit: Its best quote, with its answering sentences, headings and page; None when not mentioned.
    """

    source: str
    document: str
    confidence: str
    hit: Hit | None = None
    #: The probability its tier was decided on (:func:`qa.abstain.tier`); not shown.
    probability: float = 1.0
    #: The probability that the document answers the question at all (:attr:`qa.abstain.Sureness.relevant`); not shown.
    relevant: float = 0.0
    #: What decided whether it is mentioned (:data:`MENTION_FEATURES`); None for a row with no quote to decide on. Not shown.
    inputs: np.ndarray | None = None
    #: The quote of a row judged not mentioned (:meth:`Comparer.decide`), which ``benchmarks/fit_compare.py`` reads; not shown.
    set_aside: Hit | None = None

    @property
    def mentioned(self) -> bool:
        """Whether the document addresses the question (``confidence != "none"``)."""
        return self.confidence != "none"

    def to_dict(self) -> dict:
        return {"source": self.source, "document": self.document, "confidence": self.confidence,
                "mentioned": self.mentioned, "hit": self.hit.to_dict() if self.hit else None}


@dataclass
class Comparison:
    """A question asked of every document (:meth:`qa.answer.Retriever.compare`).

    Attributes:
        question: The question as asked.
        rows: One per document, in the order asked for.
        understood_as: The question as read, when the conversation changed it; else None.
        sources: The files compared, when the question was asked of some only; None for all.
    """

    question: str
    rows: list[Row]
    understood_as: str | None = None
    sources: list[str] | None = None

    def to_dict(self) -> dict:
        """The JSON shape of ``qa compare --json`` and the ``/compare`` API."""
        return {"question": self.question, "understood_as": self.understood_as, "sources": self.sources,
                "rows": [r.to_dict() for r in self.rows]}


class Mention(NamedTuple):
    """A fitted model of whether a row's quote answers the question: its document addresses it, and the quote is the
    answer (``benchmarks/fit_compare.py``): a logistic model of the row's :data:`MENTION_FEATURES`, fitted on labelled
    comparisons, and its operating point.

    Attributes:
        features: The inputs' names (:data:`MENTION_FEATURES`); a fit of other inputs is refused.
        model: The model; its probability says how likely the row's quote answers the question.
        threshold: Under this probability, the row is "not mentioned".
    """

    features: tuple[str, ...]
    model: Logistic
    threshold: float

    @classmethod
    def from_dict(cls, d: dict) -> "Mention":
        features = fitted_features(d, MENTION_FEATURES, "mention model", "benchmarks/fit_compare.py")
        return cls(features, Logistic.from_dict(d["model"]), float(d["threshold"]))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "model": self.model.to_dict(), "threshold": self.threshold}

    def mentioned(self, x: np.ndarray) -> bool:
        """Whether a row of these inputs is shown (else "not mentioned")."""
        return float(self.model.probability(x)) >= self.threshold


def mention_model(model_name: str, backends: set[str]) -> Mention | None:
    """The fitted decision of "not mentioned" (:func:`qa.abstain.fitted`); None for a model never fitted, which
    decides by :data:`AGREEMENT`."""
    return fitted(model_name, backends, "mention", Mention.from_dict)


class _WithoutPreference(Lexicon):
    """A library's lexicon that prefers no document: questions read against it have no
    :attr:`~qa.question.Question.documents`, so the year they ask about is looked for in every document."""

    def __init__(self, lexicon: Lexicon, terms: "Callable[[], Terms] | None" = None):
        super().__init__({}, lexicon.vocabulary, None, lexicon.about, terms)
        self._of = lexicon

    @cached_property
    def glossary(self):
        return self._of.glossary  # the same library's English: read once, for both

    @cached_property
    def pinyin(self):
        return self._of.pinyin


def without_preference(lexicon: Lexicon, terms: "Callable[[], Terms] | None" = None) -> Lexicon:
    """``lexicon`` as a comparison reads questions: the same places, words and English, no document preferred; and,
    given ``terms`` (:meth:`qa.answer.Retriever.terms`), English phrases read by the library's own terms too
    (:mod:`qa.terms`). A comparison needs them more than an answer: a topic's term the dictionary cannot give costs
    every document's row, where an answer still has the whole library's best sentences. On 15 tune sets, English
    comparison cells right 2,428 → 2,514 of 3,540; read by answers too, English tune answers first 332 → 336 of 425,
    but off-topic ones told "none" 387 → 380 of 434: answers read by the dictionary alone."""
    return _WithoutPreference(lexicon, terms)


class Comparer:
    """Compares across one loaded index; :meth:`qa.answer.Retriever.compare` keeps one per Retriever.

    Args:
        retriever: The Retriever whose index, re-scorers, quoter and confidence models are used.
    """

    def __init__(self, retriever: "Retriever"):
        self.retriever = retriever
        index = retriever.index
        self.lexicon = without_preference(retriever.lexicon, retriever.terms)
        #: The Retriever's re-scorers, the learned ranking re-ordering each document's best :data:`COMPARE_RANK_TOP`.
        self.rescorers = tuple(replace(x, top=COMPARE_RANK_TOP if x.top is None else min(x.top, COMPARE_RANK_TOP))
                               if isinstance(x, Learned) else x for x in retriever.rescorers)
        #: The documents, in the library's order (the manifest's), and the ids of each one's units.
        self.documents = list(retriever.lexicon.places)
        doc_of = {name: i for i, name in enumerate(self.documents)}
        para_doc = np.array([doc_of[p.source] for p in index.paragraphs], dtype=np.int64)
        unit_doc = para_doc[index.units[:, UNIT_PARAGRAPH]] if len(index.units) else np.zeros(0, dtype=np.int64)
        order = np.argsort(unit_doc, kind="stable")
        bounds = np.searchsorted(unit_doc[order], np.arange(len(self.documents) + 1))
        self._units = {name: order[bounds[i] : bounds[i + 1]] for i, name in enumerate(self.documents)}
        # The index's own memory, without a copy: kept alive by the Retriever this Comparer holds.
        self._vectors = index.store.all_vectors()
        self._texts: dict[str, str] = {}
        self._holding: dict[str, frozenset[str]] = {}  # the documents whose text holds a word

    def read(self, text: str) -> Question:
        """A question (checked) as a comparison reads it: no document preferred, without the words that
        ask for every place (:func:`qa.places.without_every_place`), unless nothing else is left."""
        rest = without_every_place(text)
        return self.lexicon.read(rest if re.search(r"\w", rest) else text)

    def dense(self, vector: np.ndarray) -> np.ndarray:
        """Every unit's cosine to the question, in one pass over the stored vectors."""
        import faiss

        n, d = self._vectors.shape
        out = np.empty(n, dtype=np.float32)
        if n:
            v = np.ascontiguousarray(vector, dtype=np.float32)
            faiss.fvec_inner_products_ny(faiss.swig_ptr(out), faiss.swig_ptr(v), faiss.swig_ptr(self._vectors), d, n)
        return out

    def compare(
        self, question: str | Question, *, sources: list[str] | None = None, history: list[str] | None = None,
        order: str = "library",
    ) -> Comparison:
        """Ask every document (or those of ``sources``) the question; see :meth:`qa.answer.Retriever.compare`."""
        from .conversation import read_question

        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r}; one of {', '.join(ORDERS)}")
        r = self.retriever
        asked = Question.parse(question, self.lexicon)
        files = r.sources_named(sources)
        alone = self.read(asked.text)
        reading = read_question(alone, [self.read(h) for h in check_history(history)])
        q = alone if reading.understood is None else reading.question(self.lexicon)
        # A quote must hold some of a follow-up's own words, as in an answer.
        cover = list(q.own) or None
        chosen = self.documents if files is None else [name for name in self.documents if name in set(files)]
        vector = r.encode([q])[0]
        rows = [self.row(q, name, scored, cover, vector) for name, scored in self.score(q, chosen, vector).items()]
        self.of_the_kind(rows, vector)
        self.decide(rows, q, cover)
        if order == "score":
            rows.sort(key=lambda row: (_TIER_RANK[row.confidence], -(row.hit.score if row.hit else 0.0)))
        return Comparison(asked.text, rows, reading.understood, files)

    def score(self, q: Question, documents: list[str], vector: np.ndarray) -> dict[str, UnitScores]:
        """Each document's candidate units, scored and re-scored as :meth:`qa.answer.Retriever.score` would with
        ``sources=[document]`` and :attr:`rescorers`: the question embedded once, every unit scored once on each side.

        Args:
            q: The question, read by :meth:`read`.
            documents: The documents, by file.
            vector: The question's vector (:meth:`qa.answer.Retriever.encode`).
        """
        r = self.retriever
        rescorers, fusion = self.rescorers, r.fusion
        dense = self.dense(vector)
        tokens = r.index.store.known(q.keywords if prefers_documents(rescorers) else q.tokens)
        keyword = r.index.store.all_keyword_scores(tokens)
        ctx = r.context(fusion)
        each = [self.candidates(self._units[name], dense, keyword, fusion.candidates) for name in documents]
        ids = np.concatenate(each) if each else np.zeros(0, dtype=np.int64)
        d, k = dense[ids].astype(np.float64), keyword[ids].astype(np.float64)
        sizes = [len(i) for i in each]
        scores = split_scores(UnitScores(ids, d, k, fuse_each(d, k, sizes, fusion.method, fusion.dense_weight)), sizes)
        return dict(zip(documents, rescore_each(scores, q, ctx, rescorers)))

    def row(
        self, q: Question, name: str, scored: UnitScores, cover: list[str] | None = None, vector: np.ndarray | None = None,
    ) -> Row:
        """A document's row for its scores: how sure to be, as answering it alone would say, and its best quote."""
        r = self.retriever
        title = r.titles.get(name, name)
        if len(scored.ids) == 0:
            return Row(name, title, "none")
        sure, p, relevant = r.confidence(q, self.evidence_candidates(scored), cover=cover, vector=vector, kind=False)
        if sure == "none":
            return Row(name, title, sure, probability=p, relevant=relevant)
        hit = r.rank(self.best_paragraph(scored), 1)[0]
        if self.other_year(q, hit) or self.no_figure(q, hit):
            return Row(name, title, "none", probability=p, relevant=relevant)
        return Row(name, title, sure, hit, p, relevant)

    def of_the_kind(self, rows: list[Row], vector: np.ndarray) -> None:
        """Whether the question is of the kind plans are asked (:class:`qa.abstain.Domain`), judged once for the
        comparison: it is when some document answers it surely; else, as an answer judges it
        (:meth:`~qa.abstain.Domain.of_the_kind`, on the evidence of the document likeliest to answer), its
        "uncertain" rows are "not mentioned" when it is not."""
        domain = self.retriever.domain_model
        if domain is None or any(row.confidence == "answer" for row in rows):
            return
        relevant = max((row.relevant for row in rows if row.confidence == "uncertain"), default=0.0)
        if not domain.of_the_kind(domain.probability(vector), relevant):
            for row in rows:
                if row.confidence == "uncertain":
                    row.confidence, row.hit = "none", None

    def other_year(self, q: Question, hit: Hit) -> bool:
        """Whether ``hit`` stands under the headings of another year than the one ``q`` asks about (its report's
        「今年」 or 「去年」, or the year it names): a document whose best quote on 2024 is its 2025 target says
        nothing of 2024. False when the question names no year or the headings say none (:func:`qa.scope.path_year`)."""
        if not q.year:
            return False
        year, offset = q.year
        doc_year = first_year(self.retriever.titles.get(hit.source, hit.source))
        wanted = year or (doc_year + offset if doc_year else 0)
        about = path_year(hit.path, doc_year)
        return bool(wanted and about and about != wanted)

    @staticmethod
    def no_figure(q: Question, hit: Hit) -> bool:
        """Whether ``q`` asks for a figure and ``hit``'s answering sentences give none (:data:`qa.words.FIGURE`): a
        plan to 「持续扩大有效投资」 says nothing of how much; or asks a rate or share and they give no percentage
        (:data:`qa.words.PERCENT`): 「提供优质公办幼儿园学位11870个」 is no share of children in public kindergartens."""
        said = fold_script(" ".join(hit.highlights or [hit.text]))
        return (q.asks_figure and not FIGURE.search(said)) or (q.asks_rate and not PERCENT.search(said))

    def text(self, name: str) -> str:
        """A document's whole text, script-folded (made once)."""
        if name not in self._texts:
            self._texts[name] = fold_script("\n".join(p.text for p in self.retriever.index.paragraphs if p.source == name))
        return self._texts[name]

    def decide(self, rows: list[Row], q: Question, cover: list[str] | None = None) -> None:
        """Rows whose document does not address the question become "not mentioned": by the fitted model of their
        inputs (:class:`Mention`, :meth:`inputs`), or, for a model never fitted, when their answering sentences hold
        less than :data:`AGREEMENT` of what the answers hold (:func:`agreement`)."""
        mention = self.retriever.mention_model
        for row, x in zip(rows, self.inputs(rows, q, cover)):
            if x is None:
                continue
            row.inputs = x
            if not (mention.mentioned(x) if mention else x[MENTION_FEATURES.index("share")] >= AGREEMENT):
                row.confidence, row.hit, row.set_aside = "none", None, row.hit

    def inputs(self, rows: list[Row], q: Question, cover: list[str] | None = None) -> list[np.ndarray | None]:
        """What decides whether each row with a quote is mentioned (:data:`MENTION_FEATURES`; None for the others).

        The rows told "answer" are the comparison's answers; with none, the :data:`REFERENCE_ROWS` likeliest right
        stand for them. Each input: the row's P(right) as log-odds, whether it is an answer, and how far under the
        likeliest row it is; how much of what the answers hold of the question (:func:`agreement`) its answering
        sentences hold: of its words, of its two-word phrases (「县域商业」, where 县域 and 商业 alone are in most
        reports; :func:`phrases`), and of its words or all their parts (「居民收入」 in 「居民人均可支配收入」;
        :func:`parts`); and whether the question is English.
        """
        answers = [row.hit for row in rows if row.confidence == "answer"]
        if not answers:  # none sure: the likeliest uncertain rows stand for the answers
            likely = sorted((row for row in rows if row.hit is not None), key=lambda row: -row.probability)
            answers = [row.hit for row in likely[:REFERENCE_ROWS]]
        if not answers:
            return [None] * len(rows)
        documents = [row.source for row in rows]
        said = [fold_script(" ".join(h.highlights)) for h in answers]
        # A word every compared document uses somewhere (发展, 经济) tells none of them apart.
        words = terms(q, cover)
        share, phrase_share, part_share = (
            agreement([(alike, weight * (1 - self.share_holding(alike, documents))) for alike, weight in asked], said,
                      q.alternatives)
            for asked in (words, phrases(q, cover), parts(words)))
        best = _log_odds(max(row.probability for row in rows if row.hit is not None))
        english = 0.0 if q.chinese else 1.0
        out = []
        for row in rows:
            if row.hit is None:
                out.append(None)
                continue
            text, p = fold_script(" ".join(row.hit.highlights)), _log_odds(row.probability)
            out.append(np.array([p, float(row.confidence == "answer"), best - p, share(text), phrase_share(text),
                                 part_share(text), english]))
        return out

    def share_holding(self, words: list[str | tuple[str, ...]], documents: list[str]) -> float:
        """The share of ``documents`` whose text (script-folded) holds one of ``words`` (:func:`held_in`)."""
        held = set()
        for w in words:
            if w not in self._holding:
                self._holding[w] = frozenset(name for name in self.documents if held_in(w, self.text(name)))
            held |= self._holding[w]
        return sum(name in held for name in documents) / len(documents) if documents else 0.0

    def evidence_candidates(self, scored: UnitScores) -> UnitScores:
        """The candidates the evidence reads (:func:`qa.abstain.gather`): the best :data:`~qa.abstain.EVIDENCE_TOP`
        units, the best unit of each of the best :data:`~qa.abstain.GAP_RANK` paragraphs, and the closest whole
        sentence, closest unit and best keyword unit. Their evidence is that of all the candidates, gathered
        sooner (``tests/test_compare.py`` holds the two equal)."""
        units = self.retriever.index.units
        order = np.argsort(-scored.fused, kind="stable")
        _, first = np.unique(units[scored.ids[order], UNIT_PARAGRAPH], return_index=True)  # each paragraph's best unit
        keep = np.zeros(len(scored.ids), dtype=bool)
        keep[order[:EVIDENCE_TOP]] = keep[order[np.sort(first)[:GAP_RANK]]] = True
        keep[[np.argmax(scored.dense), np.argmax(scored.keyword)]] = True
        whole = np.flatnonzero(units[scored.ids, UNIT_PIECE] == 0)
        if len(whole):
            keep[whole[np.argmax(scored.dense[whole])]] = True
        return UnitScores(scored.ids[keep], scored.dense[keep], scored.keyword[keep], scored.fused[keep])

    def best_paragraph(self, scored: UnitScores) -> UnitScores:
        """The units of the best-scored paragraph alone: quoting one paragraph reads no other (the same hit, sooner)."""
        paragraph = self.retriever.index.units[scored.ids, UNIT_PARAGRAPH]
        keep = paragraph == paragraph[np.argmax(scored.fused)]
        return UnitScores(scored.ids[keep], scored.dense[keep], scored.keyword[keep], scored.fused[keep])

    @staticmethod
    def candidates(units: np.ndarray, dense: np.ndarray, keyword: np.ndarray, take: int) -> np.ndarray:
        """A document's candidates, as :func:`qa.search.score_units` takes them within it: its top ``take``
        units by cosine and its top ``take`` by keyword score (those scoring above 0), sorted."""
        if len(units) <= take:
            return units
        d = dense[units]
        top = units[np.argpartition(-d, take - 1)[:take]]
        kw = keyword[units]
        best = np.argpartition(-kw, take - 1)[:take]
        return np.union1d(top, units[best[kw[best] > 0]])


def terms(q: Question, cover: list[str] | None = None) -> list[tuple[list[str], float]]:
    """What a question asks about, as a quote may hold it: each of its words (``cover``, else
    :attr:`~qa.question.Question.cover_words`) with its salience; for an English question, each word's
    Chinese meanings (:attr:`~qa.question.Question.meanings`) with its weight."""
    # a code (6G) is written so in Chinese text too, though the cover words leave Latin ones out (GDP is 生产总值)
    codes = [([t], salience(t)) for t in dict.fromkeys(q.tokens) if _CODE.fullmatch(t) and t not in (cover or [])]
    if q.meanings is not None:
        meanings = q.lexicon.meanings(" ".join(cover)) if cover else q.meanings
        return [(m.words, m.weight) for m in meanings if m.words] + codes
    return [([w], salience(w)) for w in dict.fromkeys(cover or q.cover_words)] + codes


def phrases(q: Question, cover: list[str] | None = None) -> list[tuple[list[str], float]]:
    """A Chinese question's two-word phrases, as it writes them (「县域商业」 of 县域 + 商业), each weighing one; none
    for an English question, whose words are looked for by their meanings."""
    if q.meanings is not None:
        return []
    return [([p], 1.0) for p in (two_word_phrases(cover, q.folded) if cover else q.phrases)]


def parts(asked: list[tuple[list[str], float]]) -> list[tuple[list[str | tuple[str, ...]], float]]:
    """Each term's words, or all the shorter words jieba finds in one: 「居民收入」 is held by 「居民人均可支配收入」, which
    holds 居民 and 收入 (:func:`held_in`)."""
    return [(words + [p for p in (tuple(word_parts(w)) for w in words) if p], weight) for words, weight in asked]


def held_in(word: str | tuple[str, ...], text: str) -> bool:
    """Whether ``text`` holds a word, or all of a tuple of words."""
    return word in text if isinstance(word, str) else all(w in text for w in word)


def _made_of(term: str, words: frozenset[str]) -> bool:
    """Whether a term is one of ``words`` or a two-word phrase of them (「公益慈善」): not a longer word that holds one
    (「慈善事业」 is said besides the examples 「比如公益慈善」)."""
    return term in words or any(term[:i] in words and term[i:] in words for i in range(1, len(term)))


def _log_odds(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def agreement(asked: list[tuple[list[str], float]], answers: list[str], alternatives: tuple[frozenset[str], ...] = ()):
    """How much of what the answers hold a text holds: each term weighs its salience times the share of
    ``answers`` (script-folded) that hold it, so the words every answer uses count most and a word of
    the question no answer uses (「实际」, 「情况」) not at all. Returns a function of a folded text, 0 to 1.

    With ``alternatives`` (:attr:`qa.question.Question.alternatives`), the best of the question read whole and read
    without each set's terms (a term is left out when its first word is a word of the set or a phrase of them): a
    report that says 首发经济 answers 「首发经济，或者引进首店」 whatever the answers say of 首店."""
    weights = [(words, weight * sum(any(held_in(w, a) for w in words) for a in answers) / len(answers))
               for words, weight in asked]
    total = sum(w for _, w in weights)
    readings = []  # each reading without a set: the weight it keeps, and which terms it leaves out
    for drop in alternatives:
        left_out = [isinstance(words[0], str) and _made_of(words[0], drop) for words, _ in weights]
        kept = total - sum(w for (_, w), out in zip(weights, left_out) if out)
        if any(left_out) and kept > 0:
            readings.append((kept, left_out))

    def share(text: str) -> float:
        if not total:
            return 1.0
        held = [any(held_in(x, text) for x in words) for words, _ in weights]
        found = sum(w for (_, w), h in zip(weights, held) if h)
        best = found / total
        for kept, left_out in readings:
            best = max(best, (found - sum(w for (_, w), h, out in zip(weights, held, left_out) if h and out)) / kept)
        return best

    return share
