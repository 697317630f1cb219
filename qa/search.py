"""Scoring: search both ways and fuse.

Dense (FAISS inner product over normalised vectors) and keyword (BM25 over
jieba tokens) scores are taken for the same candidate units, each turned
into z-scores over the candidates and mixed linearly. On the dev sets this
beat reciprocal-rank fusion (see README, "Fusion"). Section scores are the
best score of their units.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .index import UNIT_PARAGRAPH

if TYPE_CHECKING:
    from .store import Store

#: Units taken from each side before fusing.
CANDIDATES = 100
#: Weight of the dense side in the fused score; the keyword side gets the rest.
#: Measured on CMRC 2018 dev (top-1): 0.4 → 0.977, 0.5 → 0.982, 0.55 → 0.983,
#: 0.6 → 0.986, 0.65 → 0.984, 0.7 → 0.984. On the plan's dev set, Chinese hit@1 is 1.0 at 0.5, 0.97 at 0.6.
DENSE_WEIGHT = 0.6
#: Fusion methods: z-score interpolation (the product's), and the baselines.
METHODS = ("z", "rrf", "dense", "keyword")


@dataclass(frozen=True)
class Fusion:
    """How dense and keyword scores are combined.

    Attributes:
        method: ``"z"`` (z-score interpolation), ``"rrf"`` (reciprocal-rank
            fusion), ``"dense"`` or ``"keyword"`` (one side alone).
        dense_weight: Weight of the dense side, for ``"z"`` and ``"rrf"``.
        candidates: Units taken from each side before fusing.

    What the product adds to the fused scores (the document and year preference and
    the like) is not fusion: it is :mod:`qa.rescore`.
    """

    method: str = "z"
    dense_weight: float = DENSE_WEIGHT
    candidates: int = CANDIDATES

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"unknown fusion method {self.method!r}; one of {', '.join(METHODS)}")


def single_query_threads() -> None:
    """Let FAISS search with one thread, as the CLI and the web server do at start.

    One query is too small to split: OpenMP threads cost more than they save
    (measured). It is process-wide, so it is the entry points' choice.
    """
    import faiss

    faiss.omp_set_num_threads(1)


class UnitScores(NamedTuple):
    """Scores of candidate units.

    Attributes:
        ids: Unit ids.
        dense: Cosine similarity of each unit to the question.
        keyword: BM25 score of each unit.
        fused: The mix used for ranking.
    """

    ids: np.ndarray
    dense: np.ndarray
    keyword: np.ndarray
    fused: np.ndarray


def zscore(x: np.ndarray) -> np.ndarray:
    """Standard scores; all zeros when ``x`` does not vary."""
    std = float(x.std())
    return (x - x.mean()) / std if std > 1e-9 else np.zeros_like(x)


def rrf(x: np.ndarray, k: int = 60) -> np.ndarray:
    """Reciprocal-rank scores ``1 / (k + rank)``, rank 1 for the largest ``x``."""
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[np.argsort(-x, kind="stable")] = np.arange(1, len(x) + 1)
    return 1.0 / (k + ranks)


def fuse(dense: np.ndarray, keyword: np.ndarray, method: str = "z", weight: float = DENSE_WEIGHT) -> np.ndarray:
    """Mix dense and keyword scores of the same candidates.

    Args:
        dense: Dense scores.
        keyword: Keyword scores, aligned with ``dense``.
        method: ``"z"`` (z-score interpolation), ``"rrf"`` (reciprocal-rank
            fusion), ``"dense"`` or ``"keyword"`` (one side alone).
        weight: Weight of the dense side, for ``"z"`` and ``"rrf"``.

    Returns:
        Fused scores; higher is better.
    """
    if method == "z":
        return weight * zscore(dense) + (1 - weight) * zscore(keyword)
    if method == "rrf":
        return weight * rrf(dense) + (1 - weight) * rrf(keyword)
    if method == "dense":
        return dense.astype(np.float64)
    if method == "keyword":
        return keyword.astype(np.float64)
    raise ValueError(f"unknown fusion method {method!r}")


def list_groups(sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """For consecutive lists of these sizes laid end to end: where each non-empty one starts, and which of them each
    item is in (for ``np.add.reduceat`` and the like)."""
    present = [n for n in sizes if n]
    return np.cumsum([0, *sizes])[:-1][np.asarray(sizes) > 0], np.repeat(np.arange(len(present)), present)


def split_scores(joined: UnitScores, sizes: list[int]) -> list[UnitScores]:
    """Consecutive candidate lists of these sizes, laid end to end in ``joined``, apart again."""
    cuts = np.cumsum(sizes)[:-1]
    return [UnitScores(*columns) for columns in zip(*(np.split(column, cuts) for column in joined))] if sizes else []


def fuse_each(dense: np.ndarray, keyword: np.ndarray, sizes: list[int], method: str = "z", weight: float = DENSE_WEIGHT) -> np.ndarray:
    """:func:`fuse` of consecutive candidate lists of the given sizes (a comparison's documents), each over its own
    candidates; z-scores of all the lists at once."""
    if method != "z":
        cuts = np.cumsum(sizes)[:-1]
        return np.concatenate([fuse(d, k, method, weight) for d, k in zip(np.split(dense, cuts), np.split(keyword, cuts))])
    n = np.array([s for s in sizes if s], dtype=np.float64)
    starts, group = list_groups(sizes)

    def zscores(x: np.ndarray) -> np.ndarray:
        if not len(x):
            return x
        centred = x - (np.add.reduceat(x, starts) / n)[group]
        std = np.sqrt(np.add.reduceat(centred * centred, starts) / n)[group]
        return np.divide(centred, std, out=np.zeros_like(x), where=std > 1e-9)

    return weight * zscores(dense) + (1 - weight) * zscores(keyword)


def score_units(
    store: "Store",
    qvec: np.ndarray,
    tokens: list[str],
    fusion: Fusion = Fusion(),
    allowed: np.ndarray | None = None,
    also: list[np.ndarray] | None = None,
) -> UnitScores:
    """Score the candidate units for one question.

    Candidates are the top units of each side; each candidate gets both
    scores, so the fusion compares like with like.

    Args:
        store: The units' vectors and keyword index (:class:`qa.store.Store`).
        qvec: The question's vector, shape ``(dim,)``.
        tokens: The question's keyword tokens.
        fusion: How the two sides are combined.
        allowed: Only these units (ids) are candidates; None for all.
        also: Pools of units (ids) whose own top units are candidates too: those
            of the documents a question is about, which the whole library's top
            units may leave out when many documents say the same.
    """
    total = store.size
    known = store.known(tokens)
    pools = [pool if allowed is None else np.intersect1d(pool, allowed) for pool in also or []]
    dense: dict[int, float | None] = {}
    for pool in [allowed] + [pool for pool in pools if len(pool)]:
        take = min(fusion.candidates, total if pool is None else len(pool))
        if take == 0:
            continue
        d_ids, d_scores = store.dense_top(qvec, take, pool)
        dense.update(zip(d_ids.tolist(), d_scores.tolist()))
        if known:
            dense.update((i, None) for i in store.keyword_top(known, take, pool).tolist() if i not in dense)
    if not dense:
        empty = np.zeros(0)
        return UnitScores(np.zeros(0, dtype=np.int64), empty, empty, empty)
    ids = np.array(sorted(dense), dtype=np.int64)
    keyword = store.keyword_scores(known, ids).astype(np.float64) if known else np.zeros(len(ids))
    # Dense scores of keyword-only candidates, from the stored vectors.
    missing = [i for i, d in dense.items() if d is None]
    if missing:
        vecs = store.vectors(np.asarray(missing, dtype=np.int64))
        dense.update(zip(missing, (vecs @ qvec).tolist()))
    dense_arr = np.array([dense[i] for i in ids.tolist()], dtype=np.float64)
    return UnitScores(ids, dense_arr, keyword, fuse(dense_arr, keyword, fusion.method, fusion.dense_weight))


def rank_sections(units: np.ndarray, scored: UnitScores) -> list[tuple[int, float]]:
    """Sections ranked by their best unit: ``[(section, score), ...]``."""
    best: dict[int, float] = {}
    for uid, s in zip(scored.ids.tolist(), scored.fused.tolist()):
        sec = int(units[uid, UNIT_PARAGRAPH])
        if s > best.get(sec, -np.inf):
            best[sec] = s
    return sorted(best.items(), key=lambda kv: -kv[1])
