"""Re-scoring: what the product adds to the fused scores, as an explicit list of re-scorers.

Each re-scorer is a function from unit scores and the question to unit scores
(:class:`Rescorer`); :data:`DEFAULT` is the product's list, applied in order. The
baselines (``Fusion(method="rrf")`` and the like, CMRC 2018) run with an empty list:
they see the library as it is.

A re-scorer changes ``fused`` only: abstaining decides on the plain cosine.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, NamedTuple, Protocol

import numpy as np

from .abstain import Logistic, fitted, fitted_features
from .bilingual import meanings_found
from .index import UNIT_FIRST, UNIT_LAST, UNIT_PARAGRAPH, UNIT_PIECE
from .keywords import coverage_of
from .search import Fusion, UnitScores, fuse, list_groups, split_scores
from .text import converter
from .words import QUANTITY

if TYPE_CHECKING:
    from .index import LoadedIndex
    from .question import Question
    from .scope import Scope

#: Taken off the fused score of a piece of a long sentence (:func:`qa.split.sentence_pieces`), which
#: stands for its sentence. Measured on 30 documents (hit@1 / hit@3 / highlight@1 of the Word files;
#: held-out Chinese hit@1): no pieces 0.896 / 0.958 / 0.875; 0.933. Pieces with 0: 0.938 / 1.000 /
#: 0.917; 0.889, 0.25: 0.958 / 1.000 / 0.938; 0.911, 0.5: 0.958 / 0.979 / 0.938; 0.911.
PIECE_HANDICAP = 0.25
#: Added to the fused z-score of a unit for each of: in a document the question is
#: about, under the year it asks about, the glossary entry it asks for (:class:`Prefer`). Measured by
#: ``benchmarks/documents.py`` on 30 documents (hit@1): 0 → 0.646, 0.5 → 0.814,
#: 1 → 0.832, 2 → 0.858, 3 → 0.867; 2 leaves room for what the words say.
PREFER = 2.0
#: :class:`PlaceNeutral` re-scores only when a unit naming the question's place is among this
#: many best of its documents (a second embedding). Counted among all documents' best 20, it stopped
#: re-scoring once the pieces of other reports' target lists filled them (the plan's 社会消费品零售总额
#: follow-up was lost); among its documents' best 20 a follow-up with history cost 1.42× as long as
#: alone (p50), best 5 1.10×, best 3 1.12×, with the same answers (``benchmarks/conversations.py``).
PLACE_NEUTRAL_TOP = 5
#: The learned ranking (:class:`Learned`) re-orders the best this many units by the fused score.
RANK_TOP = 30
#: What it reads of each (:func:`rank_features`); a fit of other inputs is refused.
RANK_FEATURES = (
    "fused", "dense", "keyword", "lift", "piece", "length", "cover", "paragraph_cover", "quantity_digit", "digit",
    "english_dense", "english_keyword", "paragraph_units", "run", "heading_cover", "lead", "english_cover", "own_cover",
    "phrase_cover",
)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Context:
    """What a re-scorer reads besides the scores and the question.

    Attributes:
        index: The loaded index.
        scope: What each unit is about (:class:`qa.scope.Scope`).
        fusion: How the scores were fused.
        encode: Embeds questions (:meth:`qa.answer.Retriever.encode`).
        ranking: The learned ranking of this model (:func:`ranking_model`); None for a model never fitted.
    """

    index: "LoadedIndex"
    scope: "Scope"
    fusion: Fusion
    encode: Callable[[list], np.ndarray]
    ranking: "Ranking | None" = None


class Rescorer(Protocol):
    """Unit scores and the question in, unit scores out (``fused`` changed)."""

    def __call__(self, scored: UnitScores, question: "Question", ctx: Context) -> UnitScores: ...


@dataclass(frozen=True)
class PlaceNeutral:
    """A sentence gains nothing by naming the place that picked its document.

    Once 「敦化」 has picked the plan, 「敦化市堅持…」 should not outrank the sentence
    about 社会消费品零售总额 because it says 敦化: in the question's documents, a unit
    that names its place is scored by the question without the place, plus the mean
    gap the place makes to the units that do not name it. Measured on 30 reports:
    follow-ups first 0.750 → 0.844, held-out ones 0.900 unchanged, text hit@1 0.968 →
    1.000, Word hit@3 0.979 → 0.958 (one answer in a long sentence that also says
    「视察山东」). Only units that name the place: lowering every unit of the documents
    lost two held-out follow-ups.
    """

    top: int = PLACE_NEUTRAL_TOP

    def __call__(self, scored: UnitScores, question: "Question", ctx: Context) -> UnitScores:
        dense = self.dense(scored, question, ctx)
        if dense is None:
            return scored
        return scored._replace(fused=fuse(dense, scored.keyword, ctx.fusion.method, ctx.fusion.dense_weight))

    def dense(self, scored: UnitScores, question: "Question", ctx: Context) -> np.ndarray | None:
        """The adjusted dense scores, or None when nothing changes."""
        places = question.places
        inside = ctx.scope.inside(question, scored.ids) if places else None
        if inside is None or not inside.any():
            return None
        rest = question.text_without_places
        if not rest:
            return None
        units, paragraphs = ctx.index.units, ctx.index.paragraphs
        names = places | {converter("s2t").convert(p) for p in places}  # the text as written: 廣西 as well as 广西
        naming = inside & np.array([
            any(n in paragraphs[pi].sentence(s0, s1) for n in names) for pi, s0, s1, _ in units[scored.ids].tolist()
        ], dtype=bool)
        others = inside & ~naming
        # Only worth a second embedding when a unit naming the place is among the best of its documents.
        if not naming[np.argsort(-np.where(inside, scored.fused, -np.inf))[: self.top]].any() or not others.any():
            return None
        without = ctx.encode([rest])[0]
        cosine = np.zeros(len(scored.ids))
        cosine[inside] = ctx.index.store.vectors(scored.ids[inside].astype(np.int64)) @ without
        gap = float((scored.dense[others] - cosine[others]).mean())
        dense = scored.dense.copy()
        dense[naming] = np.minimum(cosine[naming] + gap, scored.dense[naming])
        return dense


@dataclass(frozen=True)
class PieceHandicap:
    """A piece of a long sentence is short, so it matches more sharply than whole sentences do: it pays ``amount``."""

    amount: float = PIECE_HANDICAP

    def __call__(self, scored: UnitScores, question: "Question", ctx: Context) -> UnitScores:
        return scored._replace(fused=scored.fused - self.amount * (ctx.index.units[scored.ids, UNIT_PIECE] > 0))


@dataclass(frozen=True)
class Prefer:
    """``amount`` for each of: in a document the question is about (its place, or national documents
    when it names none), under the year it asks about, the glossary entry of the term it asks about
    (:meth:`qa.scope.Scope.lift`).

    With it in the list, scoring also takes the question's documents' own best units as candidates and
    leaves the place out of the keywords (:attr:`qa.question.Question.keywords`).
    """

    amount: float = PREFER

    def __call__(self, scored: UnitScores, question: "Question", ctx: Context) -> UnitScores:
        if not self.amount:
            return scored
        return scored._replace(fused=scored.fused + self.amount * ctx.scope.lift(question, scored.ids))


def rank_features(scored: UnitScores, question: "Question", ctx: Context, top: int = RANK_TOP) -> tuple[np.ndarray, np.ndarray]:
    """The learned ranking's inputs (:data:`RANK_FEATURES`) for the ``top`` best units by the fused score.

    Each is cheap and says nothing of one document: the fused, dense and keyword scores, each against the
    best candidate's; the preference (:meth:`qa.scope.Scope.lift`); whether the unit is a piece or a run of
    two sentences, or its paragraph's lead; its length; how much of the question its sentence, its paragraph
    and its headings hold (an English question's words by their Chinese meanings); whether it has digits,
    alone and when the question asks for a figure (:data:`qa.words.QUANTITY`); how many of the candidates
    are its paragraph's; the English question's dense, keyword and cover scores apart, since its cosine
    runs lower and its keywords are the glossary's guesses; and how much of a follow-up's own words the
    sentence holds (:attr:`~qa.question.Question.own`; for any other question, its cover again); and how many of
    the question's two-word phrases it writes as the question does (:attr:`~qa.question.Question.phrases`).

    Returns:
        The positions in ``scored`` of those units, best first, and their inputs, one row each.
    """
    orders, rows = rank_features_each([scored], question, ctx, top)
    return orders[0], rows


def rank_features_each(
    scored: list[UnitScores], question: "Question", ctx: Context, top: int = RANK_TOP,
) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`rank_features` of several candidate lists of one question (a comparison's documents) in one pass:
    each list's positions, and all their rows, list after list. Each list is measured against its own best."""
    orders = [np.argsort(-s.fused, kind="stable")[:top] for s in scored]
    sizes = [len(o) for o in orders]
    if not sum(sizes):
        return orders, np.zeros((0, len(RANK_FEATURES)))
    ids = np.concatenate([s.ids[o] for s, o in zip(scored, orders)])
    fused, dense, keyword = (np.concatenate([getattr(s, f)[o] for s, o in zip(scored, orders)]) for f in ("fused", "dense", "keyword"))
    # Each list's best, for every one of its rows (a list's first row is its best fused).
    starts, group = list_groups(sizes)
    best_keyword = np.maximum.reduceat(keyword, starts)[group]
    keyword = np.divide(keyword, best_keyword, out=np.zeros(len(ids)), where=best_keyword > 0)
    dense = dense - np.maximum.reduceat(dense, starts)[group]
    english = 0.0 if question.chinese else 1.0
    meanings = question.meanings if english else None
    cover = functools.partial(meanings_found, meanings) if meanings else coverage_of(question.cover_words)
    own = question.own
    if own:  # a follow-up's own words, apart from those the conversation put in (:attr:`Question.own`)
        glossary = question.lexicon.glossary if english else None
        own_cover = functools.partial(meanings_found, question.lexicon.meanings(" ".join(own))) if glossary else coverage_of(list(own))
    else:
        own_cover = cover
    phrases = question.phrases
    folded = ctx.scope.folded
    # Units of one paragraph share its text and headings: each measured once.
    paragraph_cover = functools.cache(lambda pi: cover(folded(pi)))
    heading_cover = functools.cache(lambda pi: 0.0 if english else cover(folded(pi, headings=True)))
    units = ctx.index.units[ids]
    paragraph, first, last, piece = (units[:, c] for c in (UNIT_PARAGRAPH, UNIT_FIRST, UNIT_LAST, UNIT_PIECE))
    paragraphs = paragraph.tolist()
    texts = [folded(pi, (s0, s1)) for pi, s0, s1 in zip(paragraphs, first.tolist(), last.tolist())]
    per_paragraph = Counter(zip(group.tolist(), paragraphs))
    digit = np.array([1.0 if _DIGIT.search(t) else 0.0 for t in texts])
    unit_cover = np.array([cover(t) for t in texts])
    quantity = 1.0 if QUANTITY.search(question.folded) else 0.0
    # Columns in the order of RANK_FEATURES; math.log as the fit had it, to the last bit.
    columns = [
        fused - fused[starts][group], dense, keyword, ctx.scope.lift(question, ids), piece > 0,
        [math.log(len(t) + 1) for t in texts], unit_cover, [paragraph_cover(pi) for pi in paragraphs],
        quantity * digit, digit, english * dense, english * keyword,
        [math.log1p(per_paragraph[gp]) for gp in zip(group.tolist(), paragraphs)], first != last,
        [heading_cover(pi) for pi in paragraphs], first == 0, english * unit_cover,
        [own_cover(t) for t in texts] if own else unit_cover,
        [sum(p in t for p in phrases) / len(phrases) for t in texts] if phrases else np.zeros(len(texts)),
    ]
    return orders, np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])


class Ranking(NamedTuple):
    """A fitted ranking of the best units (``benchmarks/fit_ranking.py``): a pairwise logistic model, whose
    log-odds say how much likelier one unit answers than another.

    Attributes:
        features: The inputs' names (:data:`RANK_FEATURES`).
        model: The model; its ``logit`` scores a unit.
        top: How many of the best units it re-orders.
    """

    features: tuple[str, ...]
    model: Logistic
    top: int

    @classmethod
    def from_dict(cls, d: dict) -> "Ranking":
        features = fitted_features(d, RANK_FEATURES, "ranking", "benchmarks/fit_ranking.py")
        return cls(features, Logistic.from_dict(d["model"]), int(d["top"]))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "model": self.model.to_dict(), "top": self.top}


def ranking_model(model_name: str, backends: set[str]) -> Ranking | None:
    """The fitted ranking (:func:`qa.abstain.fitted`); None for a model never fitted, which ranks by the fused score."""
    return fitted(model_name, backends, "ranking", Ranking.from_dict)


@dataclass(frozen=True)
class Learned:
    """The best units re-ordered by the fitted ranking (:class:`Ranking`, in :attr:`Context.ranking`).

    Its score is put in the fused score's units (divided by the model's weight of the fused score), so the
    highlight margins keep their meaning; the units below the best :attr:`Ranking.top` (or :attr:`top`, when
    fewer) are moved under them. Without a fitted ranking (another model) nothing changes.

    Attributes:
        top: At most how many of the best units it re-orders; None for the ranking's own :attr:`Ranking.top`.
    """

    top: int | None = None

    def __call__(self, scored: UnitScores, question: "Question", ctx: Context) -> UnitScores:
        return self.each([scored], question, ctx)[0]

    def each(self, scored: list[UnitScores], question: "Question", ctx: Context) -> list[UnitScores]:
        """Several candidate lists of one question re-ordered, their inputs read in one pass (:func:`rank_features_each`)."""
        ranking = ctx.ranking
        if ranking is None:
            return scored
        per_fused = ranking.model.weights[0] / ranking.model.scale[0]  # log-odds per unit of fused score
        if per_fused <= 0:
            return scored
        ranked = [i for i, s in enumerate(scored) if len(s.ids) >= 2]
        top = ranking.top if self.top is None else min(ranking.top, self.top)
        orders, x = rank_features_each([scored[i] for i in ranked], question, ctx, top)
        logits = np.split(ranking.model.logit(x), np.cumsum([len(o) for o in orders])[:-1]) if len(x) else []
        out = list(scored)
        for i, order, logit in zip(ranked, orders, logits):
            s = scored[i]
            fused = s.fused.copy()
            fused[order] = s.fused[order[0]] + (logit - logit[0]) / per_fused
            rest = np.ones(len(fused), dtype=bool)
            rest[order] = False
            if rest.any():
                fused[rest] -= max(0.0, s.fused[order[-1]] - fused[order].min()) + 1e-6
            out[i] = s._replace(fused=fused)
        return out


#: The product's re-scorers, in order: place-neutral re-fuses, then the handicap and the lift are added, and
#: the fitted ranking re-orders the best.
DEFAULT: tuple[Rescorer, ...] = (PlaceNeutral(), PieceHandicap(), Prefer(), Learned())


def prefers_documents(rescorers: tuple[Rescorer, ...]) -> bool:
    """Whether the list holds the document preference, which also shapes the candidates and keywords."""
    return any(isinstance(r, Prefer) for r in rescorers)


def rescore(scored: UnitScores, question: "Question", ctx: Context, rescorers: tuple[Rescorer, ...]) -> UnitScores:
    """``scored`` after each of ``rescorers`` in turn."""
    for rescorer in rescorers:
        scored = rescorer(scored, question, ctx)
    return scored


def rescore_each(scored: list[UnitScores], question: "Question", ctx: Context, rescorers: tuple[Rescorer, ...]) -> list[UnitScores]:
    """Several candidate lists of one question (a comparison's documents), each as :func:`rescore` gives it; the
    learned ranking reads them in one pass (:meth:`Learned.each`), and the re-scorers that change each unit by
    itself (:class:`PieceHandicap`, :class:`Prefer`) change them all at once: a comparison of 30 documents, 1.3× sooner."""
    sizes = [len(s.ids) for s in scored]
    for rescorer in rescorers:
        if isinstance(rescorer, Learned):
            scored = rescorer.each(scored, question, ctx)
        elif isinstance(rescorer, (PieceHandicap, Prefer)) and scored:  # unit by unit: every list at once
            ids, dense, keyword, fused = (np.concatenate(column) for column in zip(*scored))
            joined = rescorer(UnitScores(ids.astype(np.int64), dense, keyword, fused), question, ctx)
            scored = split_scores(joined, sizes)
        else:
            scored = [rescorer(s, question, ctx) for s in scored]
    return scored
