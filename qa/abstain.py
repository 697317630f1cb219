"""Abstaining: whether what was found answers the question, or the assistant says nothing was found.

It decides on :class:`Evidence`: how close the best units are (a cosine), how
much of the question they hold (its cover), and what the question names that
the library is not about. The thresholds are calibrated per model and per kind
of question (Chinese, other) by ``benchmarks/calibrate.py`` into
``qa/calibration.json``, and never below what off-topic probe questions
(``qa/probes.txt``) reach in the index by chance (:class:`Chance`).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from .bilingual import in_longer_name, meanings_found
from .index import UNIT_PIECE, LoadedIndex
from .keywords import coverage
from .question import question_group
from .search import UnitScores, rank_sections
from .text import fold_script, has_cjk

if TYPE_CHECKING:
    from .question import Question
    from .scope import Scope

#: A question is answered only with evidence above what this share of the off-topic probe questions
#: (``qa/probes.txt``) reach in the index (:class:`Chance`): its best cosine, and its cover.
#: In the plan among 10,000 synthetic sections a cooking question finds clause soup at cosine 0.89,
#: above the calibrated 0.8825, and an English one holds a third of its words there. Measured by
#: ``benchmarks/abstain.py`` (synthetic: out of scope abstained, English; library: wrongly abstained):
#: no probes 0.735, 0.600; 0.039. Cosine alone at 0.75: 0.816, 0.733; 0.039. Cosine and cover (with
#: the name and year rules of :func:`gather`) at 0.75: 0.878, 0.933; 0.022, at 0.8: 0.918, 0.933;
#: 0.028, the plan unchanged; 0.9 (cosine alone) lost 0.086 of the synthetic's answerable ones.
PROBE_QUANTILE = 0.8
#: Likewise for the cover, a lower share: on a small library most probes hold none of their words, so
#: a high quantile of the 15 English ones lands on a stray one (the plan's example "What is the plan for
#: the pumped-storage power station?", cover 0.260, was turned away at 0.8, floor 0.263; at 0.75 it is
#: 0.131). The three libraries of ``benchmarks/abstain.py`` give the same figures at 0.75 and 0.8.
COVER_QUANTILE = 0.75
#: The best units, and sections, that abstaining looks at: an answer is among the first few.
EVIDENCE_TOP = 3


class Evidence(NamedTuple):
    """What abstaining decides on, for one question.

    Attributes:
        dense: The best unit's cosine similarity to the question, of the sentences and runs
            (a piece of a long sentence is not counted: the thresholds were fitted without them).
        cover: The most of the question's salience one of the best units holds
            (:func:`qa.keywords.coverage`), from 0 to 1; for an English question, the
            share of its words whose Chinese meanings the unit holds
            (:func:`qa.bilingual.meanings_found`).
        unknown: What the question names that the library is not about
            (:meth:`qa.scope.Scope.unknown`): places, a year, other names.
    """

    dense: float
    cover: float
    unknown: list[str]


class Chance(NamedTuple):
    """What off-topic questions reach in an index by chance (:func:`chance_of`).

    Attributes:
        dense: The best cosine (:attr:`Evidence.dense`) that a share :data:`PROBE_QUANTILE` of them stay under.
        cover: The cover (:attr:`Evidence.cover`) that a share :data:`COVER_QUANTILE` of them stay under.
    """

    dense: float
    cover: float


@lru_cache(maxsize=1)
def calibration() -> dict:
    """Abstention thresholds per model, measured by ``benchmarks/calibrate.py``."""
    return json.loads(resources.files("qa").joinpath("calibration.json").read_text(encoding="utf-8"))


def thresholds(model_name: str, backends: set[str]) -> dict | None:
    """The abstention thresholds for questions embedded on one backend and the index on another.

    Each backend's vectors have their own calibration (the model's own when a
    backend has none). Across two backends the scores fall between the two,
    so the lower of each threshold applies: the assistant answers whatever
    either calibration would answer. None for an uncalibrated model.
    """
    from .embed import vector_space

    found = [t for b in sorted(backends) if (t := calibration().get(vector_space(model_name, b)) or calibration().get(model_name))]
    if len(found) < 2:
        return found[0] if found else None
    return {g: {k: min(t[g][k] for t in found) for k in found[0][g]} for g in ("zh", "other")}


def gather(
    question: "Question", scored: UnitScores, index: LoadedIndex, titles: dict[str, str], scope: "Scope",
    cover: list[str] | None = None,
) -> Evidence:
    """What abstaining decides on: how close the best units are, how much of the question
    they hold, and what the question names that the library is not about.

    None of it grows with the library: a cosine, a share of the question's
    own words (weighed by general Chinese, not by the library), and names.

    Args:
        question: The question as searched.
        scored: Its unit scores.
        index: The index they are of.
        titles: Each document's title, by file: a quote holds its title's words too.
        scope: What the library is about (:meth:`qa.scope.Scope.unknown`).
        cover: The words whose share is measured; the question's by default.
    """
    if len(scored.ids) == 0:
        return Evidence(0.0, 0.0, [])
    units, paragraphs = index.units, index.paragraphs
    # A place the library is about (敦化 in the plan) is not looked for in the sentence.
    tokens = cover or question.cover_words
    # An English question's words are looked for by their Chinese meanings, each word alike.
    meanings = question.meanings
    if cover and meanings is not None:
        glossary = question.lexicon.glossary
        meanings = glossary.meanings(" ".join(cover)) if glossary else []
    share = 0.0
    for uid in scored.ids[np.argsort(-scored.fused)[:EVIDENCE_TOP]].tolist():
        pi, s0, s1, _ = (int(x) for x in units[uid])
        para = paragraphs[pi]
        text = fold_script(f"{titles.get(para.source, '')}\n{para.sentence(s0, s1)}")
        found = meanings_found(meanings, text) if meanings is not None else coverage(tokens, text)
        share = max(share, found)
    best = [pi for pi, _ in rank_sections(units, scored)[:EVIDENCE_TOP]]
    context = fold_script("\n".join(
        f"{titles.get(p.source, '')}\n{' '.join(p.path)}\n{p.text}" for p in (paragraphs[pi] for pi in best)
    ))
    # The thresholds were fitted on whole sentences: a short piece of one is closer to any short question.
    whole = units[scored.ids, UNIT_PIECE] == 0
    dense = float(scored.dense[whole].max() if whole.any() else scored.dense.max())
    unknown = scope.unknown(question, context, best)
    if unknown and not question.chinese:  # "Canal" in "Pinglu Canal" is a word the library uses (运河), not a name
        glossary = question.lexicon.glossary
        unknown = [n for n in unknown if has_cjk(n) or n.isdigit() or not (
            in_longer_name(question.text, n) and glossary is not None and glossary.uses_word(n))]
    return Evidence(dense, share, unknown)


def chance_of(found: list[Evidence]) -> Chance:
    """What the probe questions' evidence reaches: the :data:`PROBE_QUANTILE` quantile of their cosines
    and the :data:`COVER_QUANTILE` one of their covers."""
    return Chance(
        float(np.quantile([e.dense for e in found], PROBE_QUANTILE)),
        float(np.quantile([e.cover for e in found], COVER_QUANTILE)),
    )


def abstains(evidence: Evidence, thresholds: dict | None, chance: Callable[[], Chance]) -> bool:
    """True when nothing found answers the question.

    It abstains when the question names a place, a year or a name that the
    library is not about (「广东」 in a library without Guangdong's report).
    Otherwise it answers when the best unit's dense score alone is high (above
    the calibrated threshold and above what most off-topic probes reach in this
    index), or when its dense score is fairly high and the best units hold enough
    of the question's words (more than most probes hold). With an uncalibrated
    model (``thresholds`` None) it abstains only on names.

    Args:
        evidence: The question's evidence (:func:`gather`).
        thresholds: The calibrated thresholds of its group (``dense_alone``, ``dense``, ``cover``).
        chance: Gives what probes reach in this index; called only when needed.
    """
    if evidence.unknown:
        return True
    if not thresholds:
        return False
    floor = chance()  # never below what chance reaches in this library
    t = dict(thresholds, dense_alone=max(thresholds["dense_alone"], floor.dense), cover=max(thresholds["cover"], floor.cover))
    return not strong_enough(t, evidence.dense, evidence.cover)


def strong_enough(thresholds: dict, dense, cover):
    """Whether the evidence is strong enough to answer: dense alone, or dense and cover together.

    Args:
        thresholds: ``dense_alone``, ``dense`` and ``cover``, as in ``calibration.json``.
        dense: Best dense score(s), a number or an array.
        cover: Cover of the question by the best units (:class:`Evidence`), aligned with ``dense``.

    Returns:
        A bool, or a bool array for arrays (``benchmarks/calibrate.py`` applies it to many questions).
    """
    return (dense >= thresholds["dense_alone"]) | ((dense >= thresholds["dense"]) & (cover >= thresholds["cover"]))


@lru_cache(maxsize=1)
def probes() -> list[str]:
    """Questions no plan answers (``qa/probes.txt``), to measure what an index scores by chance."""
    text = resources.files("qa").joinpath("probes.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


__all__ = [
    "COVER_QUANTILE", "EVIDENCE_TOP", "PROBE_QUANTILE", "Chance", "Evidence", "abstains", "calibration",
    "chance_of", "gather", "probes", "question_group", "strong_enough", "thresholds",
]
