"""The two stores side by side, on this machine, in one run: FAISS + bm25s files against Milvus Lite.

Two parts (``--parts``):

``library``
    The plan and the library of 30 documents (``benchmarks/documents.py`` makes it in ``.work/documents``;
    run that first), each built into Milvus Lite with the default model. Every question of the shared sets
    (``dev.jsonl`` on the plan; ``documents-dev.jsonl`` and ``conversations-dev.jsonl`` on the library) and of
    ``benchmarks/documents.py`` is answered from both stores: the share whose first quote (and tier) is the
    same, the share of the top-3 quotes in common, ``qa eval``'s hit@1 from each, and the query time without
    the question's encoding (p50, p95).

``scale``
    Synthetic libraries of ``--sizes`` units, made as ``bench_scale.py`` makes them (its static model: e5's
    token embeddings, so that embedding a million units takes minutes). Each store's build runs in a process
    of its own: its time without the embedding (the whole build, and its write step alone), peak memory and
    disk; then a serving process: load time, query p50/p95 without encoding (``Retriever.score`` and the
    top-3 sections) and peak memory, and the top-3 agreement of the two stores on CMRC questions.

Milvus Lite runs inside the process that opens it, so its memory is in that process's peak.

    python benchmarks/bench_store.py [--parts library scale] [--sizes 100000 1000000] [--queries 200]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import _pct, maxrss_mb, questions, rss_mb, run_child, static_model, write_corpus  # noqa: E402
from common import ROOT, SHARED, write_results  # noqa: E402

WORK = ROOT / "benchmarks" / ".work" / "store"
LIBRARY = ROOT / "benchmarks" / ".work" / "documents"


def disk_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def milvus_at(folder: Path, db: Path, collection: str):
    from qa import location

    return location(folder, "milvus", str(db), collection)


# ------------------------------------------------------------------ library

def question_sets() -> dict[str, tuple[str, Path]]:
    """Each set of questions, with the index it is asked of (``plan`` or ``library``)."""
    import documents

    sets = {"dev (plan)": ("plan", SHARED / "eval" / "dev.jsonl"),
            "documents-dev": ("library", SHARED / "eval" / "documents-dev.jsonl"),
            "conversations-dev": ("library", SHARED / "eval" / "conversations-dev.jsonl")}
    for path in documents.QUESTIONS[1:] + list(documents.HELD_OUT.values()):
        sets[f"documents.py: {path.stem}"] = ("library", path)
    return sets


def agreement(a, b, items: list[dict]) -> dict:
    """How often two Retrievers give the same first quote and tier, and the same top 3, and each one's time
    per question without the encoding."""
    from qa.evaluate import evaluate

    same1, top3, times = [], [], {"faiss": [], "milvus": []}
    for item in items:
        history = item.get("history") or None
        got = {}
        for name, r in (("faiss", a), ("milvus", b)):
            vector = r.encode([r.parse(item["q"])])[0] if not history else None
            t = time.perf_counter()
            answer = r.answer(item["q"], k=3, history=history) if history else None
            if answer is None:
                scored = r.score(item["q"], vector=vector)
                r.rank(scored, 3)
                times[name].append(time.perf_counter() - t)
                answer = r.answer(item["q"], k=3)
            got[name] = answer
        fa, fb = got["faiss"], got["milvus"]
        keys = [[(h.source, h.section, h.text) for h in x.hits] for x in (fa, fb)]
        same1.append(fa.confidence == fb.confidence and keys[0][:1] == keys[1][:1])
        top3.append(len(set(keys[0]) & set(keys[1])) / max(len(keys[0]), len(keys[1]), 1) if any(keys) else 1.0)
    ea, eb = evaluate(a, items), evaluate(b, items)
    hit = {n: e["all"]["hit@1"] if "all" in e else None for n, e in (("faiss", ea), ("milvus", eb))}
    out = {"n": len(items), "same_first": statistics.mean(same1), "top3_common": statistics.mean(top3),
           "hit@1_faiss": hit["faiss"], "hit@1_milvus": hit["milvus"]}
    for name, ts in times.items():
        if ts:
            out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = 1000 * statistics.median(ts), 1000 * _pct(ts, 95)
    return out


def library_part(db: Path) -> list[dict]:
    from qa import Retriever, build_index
    from qa.evaluate import load_questions

    if not (LIBRARY / "index" / "CURRENT").exists():
        sys.exit(f"no library in {LIBRARY}: run `python benchmarks/documents.py` first")
    plan_faiss = WORK / "plan-index"
    build_index(ROOT / "data", plan_faiss)
    indexes = {}
    for name, data, faiss_index in (("plan", ROOT / "data", plan_faiss), ("library", LIBRARY / "data", LIBRARY / "index")):
        loc = milvus_at(faiss_index, db, name)  # the folder's index gives its vectors: both stores hold the same
        t = time.perf_counter()
        report = build_index(data, loc)
        print(f"{name}: {report.summary()} [{time.perf_counter() - t:.0f}s]", flush=True)
        indexes[name] = (Retriever(faiss_index), Retriever(loc))
    rows = []
    for label, (which, path) in question_sets().items():
        a, b = indexes[which]
        row = {"set": label, "index": which, **agreement(a, b, load_questions(path))}
        print(json.dumps(row, ensure_ascii=False), flush=True)
        rows.append(row)
    return rows


# ------------------------------------------------------------------ scale

def child_build(data_dir: str, where: str, db: str) -> dict:
    from qa import build_index, location

    loc = location(where, "milvus", db, "scale") if db else location(where, "faiss")
    model = static_model()
    model.encode_document(["预热"])
    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed" and done == 0:
            marks.setdefault("embed_start", time.perf_counter() - t0)
        elif stage == "embed" and done == total:
            marks["embed_end"] = time.perf_counter() - t0
        elif stage == "write":
            marks["write_start" if done == 0 else "write_end"] = time.perf_counter() - t0

    report = build_index(data_dir, loc, model, force=True, progress=progress)
    embed = marks.get("embed_end", 0) - marks.get("embed_start", 0)
    return {"units": report.units, "seconds": report.seconds, "embed_s": embed, "without_embedding_s": report.seconds - embed,
            "write_s": marks["write_end"] - marks["write_start"], "maxrss_mb": maxrss_mb(),
            "disk_mb": disk_mb(Path(db).parent if db else Path(where))}


def child_serve(where: str, db: str, n_queries: int, out: str) -> dict:
    from qa import Retriever, location

    loc = location(where, "milvus", db, "scale") if db else location(where, "faiss")
    model = static_model()
    rss0 = rss_mb()
    t = time.perf_counter()
    r = Retriever(loc, model)
    load_s = time.perf_counter() - t
    qs = questions(n_queries)
    vectors = r.encode(qs)
    for q, v in zip(qs[:10], vectors):
        r.score(q, vector=v)
    lat, top3 = [], []
    for q, v in zip(qs, vectors):
        t = time.perf_counter()
        hits = r.rank(r.score(q, vector=v), 3)
        lat.append(time.perf_counter() - t)
        top3.append([[h.source, h.section] for h in hits])
    Path(out).write_text(json.dumps(top3))
    return {"load_s": load_s, "p50_ms": 1000 * statistics.median(lat), "p95_ms": 1000 * _pct(lat, 95),
            "rss_model_mb": rss0, "maxrss_mb": maxrss_mb()}


def scale_part(sizes: list[int], n_queries: int) -> list[dict]:
    rows = []
    for units in sizes:
        data = WORK / f"scale-{units}" / "data"
        write_corpus(data, units // 3, 2, seed=7)  # two sentences a section: three units
        row: dict = {"units_asked": units}
        for store in ("faiss", "milvus"):
            where = WORK / f"scale-{units}" / f"{store}-index"
            db = WORK / f"scale-{units}" / "milvus" / "scale.db" if store == "milvus" else None
            shutil.rmtree(where, ignore_errors=True)
            if db:
                shutil.rmtree(db.parent, ignore_errors=True)
            row[store] = {"build": run_child("build", str(data), str(where), str(db or ""), script=__file__)}
            print(store, units, json.dumps(row[store]["build"]), flush=True)
            top = WORK / f"scale-{units}" / f"{store}-top3.json"
            row[store]["serve"] = run_child("serve", str(where), str(db or ""), str(n_queries), str(top), script=__file__)
            print(store, units, json.dumps(row[store]["serve"]), flush=True)
        a, b = (json.loads((WORK / f"scale-{units}" / f"{s}-top3.json").read_text()) for s in ("faiss", "milvus"))
        row["same_top1"] = statistics.mean(x[:1] == y[:1] for x, y in zip(a, b))
        row["top3_common"] = statistics.mean(len({tuple(h) for h in x} & {tuple(h) for h in y}) / max(len(x), 1) for x, y in zip(a, b))
        fb, mb = row["faiss"]["build"], row["milvus"]["build"]
        row["build_ratio_without_embedding"] = mb["without_embedding_s"] / fb["without_embedding_s"]
        row["write_ratio"] = mb["write_s"] / fb["write_s"]
        row["p50_ratio"] = row["milvus"]["serve"]["p50_ms"] / row["faiss"]["serve"]["p50_ms"]
        print(json.dumps({k: v for k, v in row.items() if k not in ("faiss", "milvus")}), flush=True)
        rows.append(row)
    return rows


def table(results: dict) -> str:
    lines = []
    if "library" in results:
        lines += ["| questions | index | n | same first quote and tier | top-3 in common | hit@1 FAISS | hit@1 Milvus "
                  "| p50 / p95 ms FAISS | p50 / p95 ms Milvus |", "|---|---|---|---|---|---|---|---|---|"]
        for r in results["library"]:
            f = lambda x: "—" if x is None else f"{x:.3f}"  # noqa: E731
            t = lambda s: f"{r[s + '_p50_ms']:.1f} / {r[s + '_p95_ms']:.1f}" if s + "_p50_ms" in r else "—"  # noqa: E731
            lines.append(f"| {r['set']} | {r['index']} | {r['n']} | {r['same_first']:.3f} | {r['top3_common']:.3f} "
                         f"| {f(r['hit@1_faiss'])} | {f(r['hit@1_milvus'])} | {t('faiss')} | {t('milvus')} |")
        lines.append("")
    if "scale" in results:
        lines += ["| units | store | build s (without embedding) | write step s | build peak MB | disk MB | load s "
                  "| query p50 / p95 ms | serve peak MB |", "|---|---|---|---|---|---|---|---|---|"]
        for r in results["scale"]:
            for store in ("faiss", "milvus"):
                b, s = r[store]["build"], r[store]["serve"]
                lines.append(f"| {b['units']:,} | {store} | {b['without_embedding_s']:.0f} | {b['write_s']:.1f} | {b['maxrss_mb']:.0f} "
                             f"| {b['disk_mb']:.0f} | {s['load_s']:.1f} | {s['p50_ms']:.1f} / {s['p95_ms']:.1f} | {s['maxrss_mb']:.0f} |")
            lines.append(f"| {r['faiss']['build']['units']:,} | Milvus / FAISS | {r['build_ratio_without_embedding']:.2f}× "
                         f"| {r['write_ratio']:.2f}× | | | | {r['p50_ratio']:.2f}× (same top 1: {r['same_top1']:.3f}, "
                         f"top 3 in common: {r['top3_common']:.3f}) | |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", nargs="+", default=["library", "scale"], choices=["library", "scale"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "build":
            result = child_build(rest[0], rest[1], rest[2])
        else:
            result = child_serve(rest[0], rest[1], int(rest[2]), rest[3])
        print("RESULT " + json.dumps(result))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    results = {}
    if "library" in args.parts:
        db = WORK / "library-milvus" / "store.db"
        shutil.rmtree(db.parent, ignore_errors=True)
        results["library"] = library_part(db)
    if "scale" in args.parts:
        results["scale"] = scale_part(args.sizes, args.queries)
    name = "-".join(["bench_store", *args.parts] + ([str(n) for n in args.sizes] if "scale" in args.parts else []))
    write_results(name, results, table(results))


if __name__ == "__main__":
    main()
