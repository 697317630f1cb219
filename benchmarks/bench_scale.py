"""Scale: build time, index size, memory and query latency at 1k, 10k and 100k sections.

How the corpora are made
------------------------
The plan has 8 sections and CMRC 2018 dev 848 paragraphs, so larger corpora are
synthesised from their text. Every sentence of the plan and of CMRC is split
into clauses (at ，、；：), and each synthetic sentence joins 2-4 clauses drawn
at random, ending with 。. Each section is a paragraph of ``--sentences``
(default 2) such sentences, so it has 3 matched units (2 sentences, 1 run of
two). 100 sections go to a text file. A seed makes the corpus reproducible,
and the corpus of N sections is the first N sections of the largest one. Every
unit text is distinct, so the index's content-key reuse (equal text, one
vector) saves nothing: every unit is embedded and every vector is its own.

The model
---------
Embedding 300,000 units with multilingual-e5-small on this 2-core machine
takes hours (bench_speed measures ~10-20 units/s), and so does all-MiniLM-L6-v2
(~20-60 units/s measured here). So the scale runs use a *static* embedding
model: a real ``SentenceTransformer`` made of sentence-transformers'
``StaticEmbedding`` over multilingual-e5-small's own token embedding matrix and
tokenizer (384 dimensions, as e5), then ``Normalize``. It goes through
``qa.build_index`` and ``qa.Retriever`` like any model, thousands of texts a
second. What is measured is the index: its build (splitting, BM25, FAISS,
writing, checksums), size, memory, search latency and the HNSW recall. The
table also gives the latency plus e5's own query-encoding time, measured in
the same run, and the e5 embedding time the build would add, from the
throughput measured here.

Each build and each serving session runs in its own process, so its peak RSS
(``ru_maxrss``) is its own. HNSW recall@10 is against exact search
(``faiss.IndexFlatIP`` over the same vectors, reconstructed from the index),
for CMRC questions; ties (equal scores) count as hits.

    python benchmarks/bench_scale.py [--sizes 1000 10000 100000] [--queries 300]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CMRC, RESULTS, ROOT, write_results  # noqa: E402

PLAN = ROOT / "data"
SECTIONS_PER_FILE = 100
STATIC_NAME = "static-e5-token-embeddings"
EF_SWEEP = (64, 128, 256, 512)


# ------------------------------------------------------------------ corpus

def clause_pool() -> list[str]:
    from qa.split import split_sentences

    texts = [p.read_text(encoding="utf-8") for p in sorted(PLAN.glob("*.txt"))]
    data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    texts += [p["context"].replace("\n", " ") for a in data for p in a["paragraphs"]]
    clauses = set()
    for text in texts:
        for s, e in split_sentences(text):
            for c in re.split(r"[，,、；;：:。！？!?\s]+", text[s:e]):
                if 4 <= len(c) <= 40:
                    clauses.add(c)
    return sorted(clauses)


def write_corpus(data_dir: Path, n_sections: int, sentences: int, seed: int) -> None:
    """``n_sections`` synthetic paragraphs, 100 a file; the same seed gives the same prefix."""
    from qa.split import heading_level

    pool = [c for c in clause_pool() if heading_level(c) is None]
    rng = random.Random(seed)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    paras = []
    for i in range(n_sections):
        sents = ["，".join(rng.sample(pool, rng.randint(2, 4))) + "。" for _ in range(sentences)]
        paras.append("".join(sents))
        if len(paras) == SECTIONS_PER_FILE or i == n_sections - 1:
            (data_dir / f"s{i // SECTIONS_PER_FILE:05d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
            paras = []


def questions(n: int) -> list[str]:
    data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    qs = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]]
    return random.Random(1).sample(qs, min(n, len(qs)))


# ------------------------------------------------------------------ model

def static_model():
    """A real SentenceTransformer: e5's token embeddings, mean-pooled, normalised."""
    import warnings

    from safetensors import safe_open
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sentence_transformers.models import Normalize, StaticEmbedding
    from qa.model import ensure_default_model

    folder = ensure_default_model()
    with safe_open(str(folder / "model.safetensors"), "numpy") as f:
        weights = f.get_tensor("embeddings.word_embeddings.weight")
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    model = SentenceTransformer(modules=[StaticEmbedding(tok, embedding_weights=weights), Normalize()], device="cpu")
    model.qa_name = STATIC_NAME
    return model


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ children

def child_build(data_dir: Path, index_dir: Path) -> dict:
    from qa import build_index

    import qa.index

    # --hnsw-min-units / --hnsw-m: try other settings without editing qa/ (the default is qa's own).
    for var, attr in (("BENCH_HNSW_MIN_UNITS", "HNSW_MIN_UNITS"), ("BENCH_HNSW_M", "HNSW_M")):
        if os.environ.get(var):
            setattr(qa.index, attr, int(os.environ[var]))
    model = static_model()
    model.encode_document(["预热"])
    marks = {"model_loaded": {"t": 0.0, "rss": rss_mb(), "maxrss": maxrss_mb()}}
    t0 = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        key = None
        if stage == "embed" and done == 0:
            key = "embed_start"
        elif stage == "embed" and done == total:
            key = "embed_end"
        elif stage == "write":
            key = "write_start" if done == 0 else "write_end"
        if key:
            marks[key] = {"t": time.perf_counter() - t0, "rss": rss_mb(), "maxrss": maxrss_mb()}

    shutil.rmtree(index_dir, ignore_errors=True)
    report = build_index(data_dir, index_dir, model, force=True, progress=progress)
    version = index_dir / (index_dir / "CURRENT").read_text().strip()
    files = {p.relative_to(version).as_posix(): p.stat().st_size for p in version.rglob("*") if p.is_file()}
    return {
        "hnsw_min_units": qa.index.HNSW_MIN_UNITS, "hnsw_m": qa.index.HNSW_M,
        "seconds": report.seconds, "paragraphs": report.paragraphs, "sentences": report.sentences,
        "units": report.units, "embedded": report.embedded, "files": report.files, "skipped": len(report.skipped),
        "marks": marks, "maxrss_mb": maxrss_mb(), "disk_bytes": sum(files.values()), "file_bytes": files,
        "dim": 384,
    }


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def child_serve(index_dir: Path, n_queries: int, recall: bool) -> dict:
    import faiss
    import numpy as np

    from qa import Retriever
    from qa.embed import encode_queries

    model = static_model()
    rss_model = rss_mb()
    t = time.perf_counter()
    r = Retriever(index_dir, model)
    load_s = time.perf_counter() - t
    qs = questions(n_queries)
    for q in qs[:20]:
        r.search(q, k=3)
    lat = []
    for q in qs:
        t = time.perf_counter()
        r.search(q, k=3)
        lat.append(time.perf_counter() - t)
    dense = r.index.store.dense
    qv = encode_queries(model, qs)
    enc = []
    for q in qs[:100]:
        t = time.perf_counter()
        encode_queries(model, [q])
        enc.append(time.perf_counter() - t)
    one = []
    for v in qv[:100]:
        t = time.perf_counter()
        dense.search(v.reshape(1, -1), 100)
        one.append(time.perf_counter() - t)
    out = {
        "index_type": type(dense).__name__, "ntotal": int(dense.ntotal), "load_s": load_s,
        "p50_ms": 1000 * statistics.median(lat), "p95_ms": 1000 * _pct(lat, 95),
        "encode_p50_ms": 1000 * statistics.median(enc), "faiss_search100_p50_ms": 1000 * statistics.median(one),
        "rss_model_mb": rss_model, "maxrss_mb": maxrss_mb(),
    }
    if recall and isinstance(dense, faiss.IndexHNSWFlat):
        xb = dense.reconstruct_n(0, dense.ntotal)
        flat = faiss.IndexFlatIP(xb.shape[1])
        flat.add(xb)
        del xb
        exact_d, exact_i = flat.search(qv, 100)
        fl = []
        for v in qv[:100]:
            t = time.perf_counter()
            flat.search(v.reshape(1, -1), 100)
            fl.append(time.perf_counter() - t)
        out["flat_search100_p50_ms"] = 1000 * statistics.median(fl)
        sweep = {}
        ef0 = dense.hnsw.efSearch
        for ef in sorted(set(EF_SWEEP) | {ef0}):
            dense.hnsw.efSearch = ef
            t = time.perf_counter()
            d, i = dense.search(qv, 100)
            batch_s = time.perf_counter() - t
            per = []
            for v in qv[:100]:
                t1 = time.perf_counter()
                dense.search(v.reshape(1, -1), 100)
                per.append(time.perf_counter() - t1)
            sweep[ef] = {
                "recall10_ids": float(np.mean([len(set(i[j, :10]) & set(exact_i[j, :10])) / 10 for j in range(len(qv))])),
                # ties: an approximate hit scoring at least the exact 10th score is as good
                "recall10": float(np.mean((d[:, :10] >= exact_d[:, 9:10] - 1e-6).sum(1) / 10)),
                "recall100": float(np.mean((d >= exact_d[:, 99:100] - 1e-6).sum(1) / 100)),
                "search100_p50_ms": 1000 * statistics.median(per),
                "batch_qps": len(qv) / batch_s,
            }
        dense.hnsw.efSearch = ef0
        out["ef_sweep"] = sweep
        out["ef_search"] = ef0
        out["ef_construction"] = int(dense.hnsw.efConstruction)
        # End to end: the top-3 sections with the approximate index and with the exact one.
        approx = [[(h.source, h.section, h.text[:40]) for h in r.search(q, k=3)] for q in qs]
        r.index.store.dense = flat
        exact = [[(h.source, h.section, h.text[:40]) for h in r.search(q, k=3)] for q in qs]
        out["top3_sections_same_as_exact"] = float(np.mean([len(set(a) & set(e)) / max(len(e), 1) for a, e in zip(approx, exact)]))
        out["top1_same_as_exact"] = float(np.mean([a[:1] == e[:1] for a, e in zip(approx, exact)]))
    return out


def child_e5_query(n_queries: int) -> dict:
    """Bare e5 query encoding, so the static model's latency can be put in e5 terms."""
    from qa.embed import get_model

    m = get_model()
    qs = questions(n_queries)[:100]
    for q in qs[:10]:
        m.encode_query(q)
    lat = []
    for q in qs:
        t = time.perf_counter()
        m.encode_query(q)
        lat.append(time.perf_counter() - t)
    return {"e5_encode_query_p50_ms": 1000 * statistics.median(lat)}


def run_child(*args: str, script: str = __file__) -> dict:
    """Run ``script --child ARGS`` in a new process; its ``RESULT {json}`` line."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, script, "--child", *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-4000:]}")
    line = next(ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("RESULT "))
    return json.loads(line[7:])


# ------------------------------------------------------------------ main

def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["sections"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    ax = axes[0]
    ax.plot(n, [r["p50_ms"] for r in rows], "o-", label="search p50 (static model)")
    ax.plot(n, [r["p95_ms"] for r in rows], "o--", label="search p95 (static model)")
    ax.plot(n, [r["p50_e5_ms"] for r in rows], "s-", label="p50 + e5 query encoding")
    ax.set_ylabel("ms per question")
    ax.set_title("Query latency, Retriever.search(k=3)")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(n, [r["disk_mb"] for r in rows], "o-", label="index on disk")
    ax.plot(n, [r["build_maxrss_mb"] for r in rows], "s-", label="build peak RSS")
    ax.plot(n, [r["serve_maxrss_mb"] for r in rows], "^-", label="serving peak RSS")
    ax.set_ylabel("MB")
    ax.set_title("Size and memory")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(n, [r["build_s"] for r in rows], "o-", label="build (static model)")
    ax.plot(n, [r["build_s"] + r["e5_embed_s_est"] for r in rows], "s--", label="+ e5 embedding (estimated)")
    ax.set_ylabel("seconds")
    ax.set_title("Full build time")
    ax.legend(fontsize=8)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sections")
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--sentences", type=int, default=2, help="sentences per synthetic section")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--e5-units-per-s", type=float, default=None,
                    help="e5 build throughput for the estimate; default: from results/speed.json, else 15")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "scale")
    ap.add_argument("--keep", action="store_true", help="keep the corpora and indexes")
    ap.add_argument("--hnsw-min-units", type=int, default=None, help="override qa.index.HNSW_MIN_UNITS in the builds")
    ap.add_argument("--hnsw-m", type=int, default=None, help="override qa.index.HNSW_M in the builds")
    ap.add_argument("--name", default="scale", help="results/NAME.json, .md and .png")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        kind, *rest = args.child
        if kind == "build":
            res = child_build(Path(rest[0]), Path(rest[1]))
        elif kind == "where":
            import qa

            res = {"qa": qa.__file__}
        elif kind == "serve":
            res = child_serve(Path(rest[0]), int(rest[1]), rest[2] == "1")
        else:
            res = child_e5_query(int(rest[0]))
        print("RESULT " + json.dumps(res))
        return

    e5_rate = args.e5_units_per_s
    if e5_rate is None:
        try:
            e5_rate = json.loads((RESULTS / "speed.json").read_text())["figures"]["bare_units_per_s"]
        except (OSError, KeyError, ValueError):
            e5_rate = 15.0
    t_all = time.perf_counter()
    for var, val in (("BENCH_HNSW_MIN_UNITS", args.hnsw_min_units), ("BENCH_HNSW_M", args.hnsw_m)):
        if val is not None:
            os.environ[var] = str(val)
    e5q = run_child("e5q", str(args.queries))["e5_encode_query_p50_ms"]
    rows = []
    for n in sorted(args.sizes):
        data, index = args.work / f"data-{n}", args.work / f"index-{n}"
        t = time.perf_counter()
        write_corpus(data, n, args.sentences, args.seed)
        gen_s = time.perf_counter() - t
        b = run_child("build", str(data), str(index))
        print(f"{n} sections: built in {b['seconds']:.1f}s ({b['units']} units)", flush=True)
        s = run_child("serve", str(index), str(args.queries), "1")
        print(f"{n} sections: p50 {s['p50_ms']:.1f} ms ({s['index_type']})", flush=True)
        vec_mb = b["units"] * b["dim"] * 4 / 2**20
        m = b["marks"]
        row = {
            "sections": b["sections"], "units": b["units"], "embedded": b["embedded"], "gen_s": gen_s,
            "build_s": b["seconds"], "embed_s": m["embed_end"]["t"] - m["embed_start"]["t"],
            "write_s": m["write_end"]["t"] - m["write_start"]["t"],
            "e5_embed_s_est": b["embedded"] / e5_rate,
            "disk_mb": b["disk_bytes"] / 2**20, "dense_mb": b["file_bytes"]["dense.faiss"] / 2**20,
            "vectors_mb": vec_mb, "build_maxrss_mb": b["maxrss_mb"],
            "model_rss_mb": m["model_loaded"]["rss"],
            "embed_growth_mb": m["embed_end"]["maxrss"] - m["embed_start"]["rss"],
            "publish_growth_mb": b["maxrss_mb"] - m["write_start"]["rss"],
            "before_publish_rss_mb": m["write_start"]["rss"],
            "serve_maxrss_mb": s["maxrss_mb"], "serve_model_rss_mb": s["rss_model_mb"], "load_s": s["load_s"],
            "hnsw_min_units": b["hnsw_min_units"], "hnsw_m": b["hnsw_m"], "index_type": s["index_type"], "p50_ms": s["p50_ms"], "p95_ms": s["p95_ms"],
            "encode_p50_ms": s["encode_p50_ms"], "faiss_search100_p50_ms": s["faiss_search100_p50_ms"],
            "p50_e5_ms": s["p50_ms"] - s["encode_p50_ms"] + e5q,
            "build_marks": m, "serve": s, "file_bytes": b["file_bytes"], "skipped": b["skipped"],
        }
        rows.append(row)
        if not args.keep:
            shutil.rmtree(index, ignore_errors=True)
            shutil.rmtree(data, ignore_errors=True)

    small, big = rows[0], rows[-1]
    lat_ratio = big["p50_ms"] / small["p50_ms"]
    lat_ratio_e5 = big["p50_e5_ms"] / small["p50_e5_ms"]
    lines = [
        f"Scale: synthetic sections of {args.sentences} sentences (clauses of the plan and CMRC 2018, recombined), "
        f"static e5-token-embedding model (384-d); {args.queries} CMRC questions; e5 query encoding p50 {e5q:.1f} ms",
        "",
        "| sections | units | index | build s | + e5 embed s (est.) | disk MB | vectors MB | build peak RSS MB | "
        "embed RSS growth MB | serve peak RSS MB | load s | search p50 ms | p95 ms | p50 with e5 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['sections']:,} | {r['units']:,} | {r['index_type']} | {r['build_s']:.1f} | {r['e5_embed_s_est']:.0f} | "
            f"{r['disk_mb']:.1f} | {r['vectors_mb']:.1f} | {r['build_maxrss_mb']:.0f} | {r['embed_growth_mb']:.0f} | "
            f"{r['serve_maxrss_mb']:.0f} | {r['load_s']:.2f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p50_e5_ms']:.1f} |"
        )
    lines += [
        "",
        f"- Query p50 at {big['sections']:,} vs {small['sections']:,} sections: **{lat_ratio:.2f}x** with the static model "
        f"(target <= 2: {'PASS' if lat_ratio <= 2 else 'FAIL'}); {lat_ratio_e5:.2f}x with e5's query encoding "
        f"({'PASS' if lat_ratio_e5 <= 2 else 'FAIL'}).",
    ]
    hn = [r for r in rows if r["index_type"] == "IndexHNSWFlat"]
    if hn:
        r = hn[-1]
        sv = r["serve"]
        lines += [
            f"- HNSW (HNSW_MIN_UNITS={r['hnsw_min_units']:,}, M={r['hnsw_m']}) at {r['sections']:,} sections "
            f"({r['units']:,} units) against exact IndexFlatIP, {args.queries} questions:",
            "",
            "| efSearch | recall@10 | recall@10 by id | recall@100 | faiss search k=100 p50 ms |",
            "|---|---|---|---|---|",
        ]
        for ef, v in sorted(sv["ef_sweep"].items(), key=lambda kv: int(kv[0])):
            lines.append(f"| {ef} | {v['recall10']:.4f} | {v['recall10_ids']:.4f} | {v['recall100']:.4f} | {v['search100_p50_ms']:.2f} |")
        ef0 = sv["ef_search"]
        rec = sv["ef_sweep"].get(str(ef0), sv["ef_sweep"].get(ef0))
        lines += [
            "",
            f"- recall@10 at the index's own efSearch={ef0} (efConstruction={sv['ef_construction']}): **{rec['recall10']:.4f}** (target >= 0.98: "
            f"{'PASS' if rec['recall10'] >= 0.98 else 'FAIL'}); exact flat search k=100 p50 {sv['flat_search100_p50_ms']:.2f} ms. "
            f"End to end, the top-3 sections agree with exact search {100 * sv['top3_sections_same_as_exact']:.1f}% "
            f"(top-1 {100 * sv['top1_same_as_exact']:.1f}%).",
        ]
    else:
        lines.append("- No size reached the HNSW threshold (qa.index.HNSW_MIN_UNITS); all searches were exact.")
    for r in rows:
        lines.append(
            f"- Memory at {r['sections']:,}: vectors {r['vectors_mb']:.0f} MB; RSS grew {r['embed_growth_mb']:.0f} MB while embedding "
            f"({r['embed_growth_mb'] / r['vectors_mb']:.2f}x the vectors), then {r['publish_growth_mb']:.0f} MB while writing "
            f"(FAISS copy, BM25, files); model alone {r['model_rss_mb']:.0f} MB."
        )
    load = os.getloadavg()
    lines.append(f"- e5 embedding estimate at {e5_rate:.1f} units/s (bench_speed). Whole run {time.perf_counter() - t_all:.0f} s; "
                 f"load average {load[0]:.1f} on {os.cpu_count()} CPUs.")
    table = "\n".join(lines)
    png = RESULTS / f"{args.name}.png"
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        plot(rows, png)
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)", file=sys.stderr)
    write_results(args.name, {"qa_module": run_child("where")["qa"], "settings": vars(args) | {"work": str(args.work)}, "e5_units_per_s": e5_rate,
                            "e5_encode_query_p50_ms": e5q, "rows": rows, "latency_ratio": lat_ratio,
                            "latency_ratio_e5": lat_ratio_e5, "loadavg": load}, table)


if __name__ == "__main__":
    main()
