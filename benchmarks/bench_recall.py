"""HNSW recall@10 on multilingual-e5-small geometry at 300,000 units (100k sections).

``bench_scale.py`` measures the index at 100k sections through the real build,
but with a static embedding model (e5 itself would take hours here). Its
vectors crowd together more than e5's, so this script checks the approximate
index on e5's own geometry:

- the unit vectors of the CMRC 2018 index that ``quality.py`` builds with the
  default model (about 19,000 real e5 vectors of sentences and two-sentence runs);
- 300,000 vectors made from them as the normalised sums of two random ones, the
  way a two-sentence run relates to its sentences, plus the originals;
- 300 real CMRC questions encoded with the model's query prompt.

The approximate index is ``qa.index.dense_index`` (HNSW from
``HNSW_MIN_UNITS`` units on); the reference is exact ``IndexFlatIP``.

    python benchmarks/quality.py     # first, once: builds the CMRC index
    python benchmarks/bench_recall.py [--units 300000] [--queries 300]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CMRC, ROOT, write_results  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "cmrc" / "index")
    ap.add_argument("--units", type=int, default=300_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import faiss

    from qa import index as qi
    from qa.embed import encode_queries, get_model
    from qa.search import CANDIDATES

    loaded = qi.load_index(args.index)
    real = loaded.dense.reconstruct_n(0, loaded.dense.ntotal)
    rng = np.random.default_rng(args.seed)
    pairs = rng.integers(0, len(real), size=(args.units - len(real), 2))
    mixed = real[pairs[:, 0]] + real[pairs[:, 1]]
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    vectors = np.vstack([real, mixed]).astype(np.float32)
    del mixed

    data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    qs = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]]
    qs = [qs[i] for i in rng.choice(len(qs), args.queries, replace=False)]
    qvecs = encode_queries(get_model(loaded.manifest.model), qs)

    t0 = time.perf_counter()
    approx = qi.dense_index(vectors)
    build_s = time.perf_counter() - t0
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    truth = exact.search(qvecs, 10)
    faiss.omp_set_num_threads(1)  # as Retriever searches: one question at a time, one thread

    def one_by_one(index, k: int) -> tuple[np.ndarray, float]:
        """The top 10 of a k-search per question (HNSWFlat's scores are exact), and the p50 time."""
        ids, times = [], []
        for q in qvecs:
            t = time.perf_counter()
            ids.append(index.search(q[None], k)[1][0][:10])
            times.append(time.perf_counter() - t)
        return np.array(ids), float(np.median(times) * 1e3)

    def recall(ids: np.ndarray) -> float:
        return round(float(np.mean([len(set(a) & set(b)) for a, b in zip(ids, truth[1])]) / 10), 4)

    _, exact_ms = one_by_one(exact, CANDIDATES)
    rows = []
    kind = type(approx).__name__
    for ef in sorted({64, 128, 256, qi.HNSW_EF_SEARCH, 1024}):
        if hasattr(approx, "hnsw"):
            approx.hnsw.efSearch = ef
        ids10, ms10 = one_by_one(approx, 10)
        ids, ms = one_by_one(approx, CANDIDATES)
        rows.append({"efSearch": ef, "recall@10_k10": recall(ids10), "p50_ms_k10": round(ms10, 3),
                     "recall@10": recall(ids), "p50_ms": round(ms, 3), "shipped": ef == qi.HNSW_EF_SEARCH})
    payload = {"units": len(vectors), "real_e5_vectors": len(real), "queries": len(qs), "index": kind, "candidates": CANDIDATES,
               "M": qi.HNSW_M, "build_s": round(build_s, 1), "exact_p50_ms": round(exact_ms, 3), "rows": rows}
    lines = [
        f"HNSW recall@10 on e5 geometry: {len(vectors):,} units ({len(real):,} real multilingual-e5-small unit vectors "
        f"of CMRC 2018, the rest normalised sums of two), {len(qs)} real CMRC questions; {kind}, M={qi.HNSW_M}, "
        f"built in {build_s:.0f} s; exact search p50 {exact_ms:.1f} ms (1 thread)",
        "",
        "",
        f"The Retriever asks the dense index for its top {CANDIDATES} candidates and fuses those; "
        "recall@10 is of the top 10 of that search, as the product runs it. A bare top-10 search is shown beside it.",
        "",
        f"| efSearch | recall@10, top-{CANDIDATES} search (product) | p50 (ms) | recall@10, top-10 search | p50 (ms) |",
        "|---:|---:|---:|---:|---:|",
        *[f"| {r['efSearch']}{' (shipped)' if r['shipped'] else ''} | {r['recall@10']:.4f} | {r['p50_ms']:.2f} "
          f"| {r['recall@10_k10']:.4f} | {r['p50_ms_k10']:.2f} |" for r in rows],
    ]
    write_results("recall", payload, "\n".join(lines))


if __name__ == "__main__":
    main()
