"""Scoring: search both ways and fuse.

Dense (FAISS inner product over normalised vectors) and keyword (BM25 over
jieba tokens) scores are taken for the same candidate units, each turned
into z-scores over the candidates and mixed linearly. On the dev sets this
beat reciprocal-rank fusion (see README, "Fusion"). Section scores are the
best score of their units.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .index import UNIT_PARAGRAPH

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


def _within(dense_index, allowed: np.ndarray):
    """FAISS search parameters that keep to the units ``allowed`` (exact on a flat index, approximate on HNSW)."""
    import faiss

    if hasattr(dense_index, "hnsw"):
        params = faiss.SearchParametersHNSW()
        params.efSearch = dense_index.hnsw.efSearch
    else:
        params = faiss.SearchParameters()
    params.sel = faiss.IDSelectorBatch(allowed.astype(np.int64))
    return params


def score_units(
    dense_index,
    bm25,
    qvec: np.ndarray,
    tokens: list[str],
    fusion: Fusion = Fusion(),
    allowed: np.ndarray | None = None,
    also: np.ndarray | None = None,
) -> UnitScores:
    """Score the candidate units for one question.

    Candidates are the top units of each side; each candidate gets both
    scores, so the fusion compares like with like.

    Args:
        dense_index: FAISS index of unit vectors.
        bm25: ``bm25s.BM25`` index of unit tokens.
        qvec: The question's vector, shape ``(dim,)``.
        tokens: The question's keyword tokens.
        fusion: How the two sides are combined.
        allowed: Only these units (ids) are candidates; None for all.
        also: Units (ids) whose own top units are candidates too: those of the
            documents a question is about, which the whole library's top units
            may leave out when many documents say the same.
    """
    total = dense_index.ntotal
    known = [t for t in tokens if t in bm25.vocab_dict]
    kw_all = bm25.get_scores(known) if known else np.zeros(total, dtype=np.float32)
    if allowed is not None:  # the others score nothing, so they are never keyword candidates
        kw_all = np.where(_mask(total, allowed), kw_all, 0).astype(np.float32)
        also = None if also is None else np.intersect1d(also, allowed)
    dense: dict[int, float | None] = {}
    for pool in [allowed] + ([also] if also is not None and len(also) else []):
        take = min(fusion.candidates, total if pool is None else len(pool))
        if take == 0:
            continue
        params = None if pool is None else _within(dense_index, pool)
        d_scores, d_ids = dense_index.search(qvec.reshape(1, -1), take, params=params)
        dense.update((i, d) for i, d in zip(d_ids[0].tolist(), d_scores[0].tolist()) if i >= 0)
        if take < total:
            pool_kw = kw_all if pool is None or pool is allowed else np.where(_mask(total, pool), kw_all, 0)
            kw_top = np.argpartition(-pool_kw, take - 1)[:take]
            dense.update((i, None) for i in kw_top[pool_kw[kw_top] > 0].tolist() if i not in dense)
        else:
            dense.update((i, None) for i in np.flatnonzero(kw_all > 0).tolist() if i not in dense)
    if not dense:
        empty = np.zeros(0)
        return UnitScores(np.zeros(0, dtype=np.int64), empty, empty, empty)
    # Dense scores of keyword-only candidates, from the stored vectors.
    missing = [i for i, d in dense.items() if d is None]
    if missing:
        vecs = dense_index.reconstruct_batch(np.asarray(missing, dtype=np.int64))
        dense.update(zip(missing, (vecs @ qvec).tolist()))
    ids = np.array(sorted(dense), dtype=np.int64)
    dense_arr = np.array([dense[i] for i in ids.tolist()], dtype=np.float64)
    keyword = kw_all[ids].astype(np.float64)
    return UnitScores(ids, dense_arr, keyword, fuse(dense_arr, keyword, fusion.method, fusion.dense_weight))


def _mask(n: int, ids: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[ids] = True
    return mask


def rank_sections(units: np.ndarray, scored: UnitScores) -> list[tuple[int, float]]:
    """Sections ranked by their best unit: ``[(section, score), ...]``."""
    best: dict[int, float] = {}
    for uid, s in zip(scored.ids.tolist(), scored.fused.tolist()):
        sec = int(units[uid, UNIT_PARAGRAPH])
        if s > best.get(sec, -np.inf):
            best[sec] = s
    return sorted(best.items(), key=lambda kv: -kv[1])
