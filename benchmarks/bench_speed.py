"""Speed of the real pipeline against bare sentence-transformers, in the same run.

With the default model (multilingual-e5-small) and the shipped plan (``data/``):

1. warm search: ``Retriever.search(q, k=3)`` against a bare ``model.encode_query(q)``
   on the same model object, the questions of ``/work/shared/eval/dev.jsonl``,
   interleaved (order alternating) over several repetitions; target p50 <= 1.5x.
2. cold start, each a new process: ``import qa`` + ``Retriever(index)`` + the first
   ``answer`` against ``SentenceTransformer(folder)`` + one ``encode_query``;
   target <= 1.5x.
3. build throughput: units embedded per second by a full ``build_index``
   (fresh folder, ``force=True``) of the plan + CMRC articles, against a bare
   ``model.encode_document`` of the same unit texts; target >= 0.85x.
4. a rebuild with nothing changed against the full build; target <= 5%.
5. peak memory (``ru_maxrss``) of a build process, a serving process and the bare one.

    python benchmarks/bench_speed.py [--reps 5] [--cold-reps 4] [--cmrc-articles 20] [--build-reps 2]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, cmrc_corpus, child, write_results  # noqa: E402

DEV = SHARED / "eval" / "dev.jsonl"

QA_COLD = r"""
import time; t0 = time.perf_counter()
import json, resource, sys
import qa
r = qa.Retriever(sys.argv[1])
a = r.answer(sys.argv[2])
print("RESULT " + json.dumps({"t_s": time.perf_counter() - t0, "hits": len(a.hits),
      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BARE_COLD = r"""
import time; t0 = time.perf_counter()
import json, resource, sys
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cpu")
v = m.encode_query(sys.argv[2])
print("RESULT " + json.dumps({"t_s": time.perf_counter() - t0,
      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

QA_BUILD = r"""
import time; t0 = time.perf_counter()
import json, resource, sys
import qa
rep = qa.build_index(sys.argv[1], sys.argv[2], force=True)
print("RESULT " + json.dumps({"t_s": time.perf_counter() - t0, "units": rep.units, "embedded": rep.embedded,
      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5, help="passes over the dev questions (warm search)")
    ap.add_argument("--cold-reps", type=int, default=4, help="cold starts of each kind")
    ap.add_argument("--cmrc-articles", type=int, default=20, help="CMRC articles added to the plan for the build")
    ap.add_argument("--build-reps", type=int, default=2, help="full builds and bare encodes (each), ABBA order")
    ap.add_argument("--noop-reps", type=int, default=5, help="rebuilds with nothing changed")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "speed")
    args = ap.parse_args()

    from qa import Retriever, build_index
    from qa.embed import get_model
    from qa.index import load_index
    from qa.model import default_model_dir

    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    questions = [json.loads(ln)["q"] for ln in DEV.read_text(encoding="utf-8").splitlines() if ln.strip()]
    model = get_model()
    plan_index = work / "plan-index"
    build_index(ROOT / "data", plan_index, model, force=True)
    f: dict = {}

    # 1. warm search against bare query encoding, same model object, interleaved.
    r = Retriever(plan_index)
    assert r.model is model
    for q in questions:
        r.search(q, k=3)
        model.encode_query(q)
    ours, bare = [], []
    for rep in range(args.reps):
        for i, q in enumerate(questions):
            for which in (("qa", "bare") if (rep + i) % 2 == 0 else ("bare", "qa")):
                t = time.perf_counter()
                if which == "qa":
                    r.search(q, k=3)
                    ours.append(time.perf_counter() - t)
                else:
                    model.encode_query(q)
                    bare.append(time.perf_counter() - t)
    f["search_p50_ms"], f["search_p95_ms"] = 1000 * med(ours), 1000 * pct(ours, 95)
    f["encode_p50_ms"], f["encode_p95_ms"] = 1000 * med(bare), 1000 * pct(bare, 95)
    f["search_ratio_p50"] = f["search_p50_ms"] / f["encode_p50_ms"]
    f["search_ratio_p95"] = f["search_p95_ms"] / f["encode_p95_ms"]
    print(f"warm search p50 {f['search_p50_ms']:.1f} ms vs encode {f['encode_p50_ms']:.1f} ms", flush=True)

    # 2. cold start, new processes, alternating.
    folder = str(default_model_dir())
    child(QA_COLD, str(plan_index), questions[0])  # page cache warm for both
    child(BARE_COLD, folder, questions[0])
    cold_qa, cold_bare = [], []
    for rep in range(args.cold_reps):
        for which in (("qa", "bare") if rep % 2 == 0 else ("bare", "qa")):
            q = questions[rep % len(questions)]
            if which == "qa":
                cold_qa.append(child(QA_COLD, str(plan_index), q))
            else:
                cold_bare.append(child(BARE_COLD, folder, q))
        print(f"cold {rep + 1}: qa {cold_qa[-1]['wall_s']:.2f}s, bare {cold_bare[-1]['wall_s']:.2f}s", flush=True)
    f["cold_qa_wall_s"] = med([c["wall_s"] for c in cold_qa])
    f["cold_bare_wall_s"] = med([c["wall_s"] for c in cold_bare])
    f["cold_qa_in_process_s"] = med([c["t_s"] for c in cold_qa])
    f["cold_bare_in_process_s"] = med([c["t_s"] for c in cold_bare])
    f["cold_ratio"] = f["cold_qa_wall_s"] / f["cold_bare_wall_s"]
    f["cold_ratio_in_process"] = f["cold_qa_in_process_s"] / f["cold_bare_in_process_s"]
    f["serve_maxrss_mb"] = med([c["maxrss_mb"] for c in cold_qa])
    f["bare_maxrss_mb"] = med([c["maxrss_mb"] for c in cold_bare])

    # 3. build throughput against bare encode_document of the same unit texts, ABBA.
    corpus = work / "corpus"
    cmrc_corpus(corpus, args.cmrc_articles)
    for p in sorted((ROOT / "data").iterdir()):
        if p.is_file():
            shutil.copy(p, corpus / p.name)
    texts: list[str] = []
    builds, encodes = [], []
    model.encode_document(questions[:8])  # warm
    build_dir = work / "build-index"
    order = []
    for rep in range(args.build_reps):
        order += ["build", "bare"] if rep % 2 == 0 else ["bare", "build"]
    if order[0] == "bare":
        order = ["build"] + order[1:]
    for which in order:
        if which == "build":
            shutil.rmtree(build_dir, ignore_errors=True)
            rep_ = build_index(corpus, build_dir, model, force=True)
            builds.append({"s": rep_.seconds, "embedded": rep_.embedded, "units": rep_.units,
                           "paragraphs": rep_.paragraphs, "sentences": rep_.sentences})
            if not texts:
                idx = load_index(build_dir)
                texts = list(dict.fromkeys(idx.paragraphs[si].sentence(s0, s1) for si, s0, s1 in idx.units.tolist()))
                del idx
            print(f"build: {rep_.embedded} units in {rep_.seconds:.1f}s", flush=True)
        else:
            t = time.perf_counter()
            model.encode_document(texts)
            encodes.append(time.perf_counter() - t)
            print(f"bare encode_document: {len(texts)} texts in {encodes[-1]:.1f}s", flush=True)
    f["build_units"] = builds[0]["embedded"]
    f["build_sections"] = builds[0]["sections"]
    f["build_sentences"] = builds[0]["sentences"]
    f["bare_texts"] = len(texts)
    f["build_s"] = med([b["s"] for b in builds])
    f["bare_encode_s"] = med(encodes)
    f["build_units_per_s"] = f["build_units"] / f["build_s"]
    f["bare_units_per_s"] = len(texts) / f["bare_encode_s"]
    f["build_ratio"] = f["build_units_per_s"] / f["bare_units_per_s"]

    # 4. rebuild with nothing changed.
    noop = []
    for _ in range(args.noop_reps):
        rep_ = build_index(corpus, build_dir, model)
        assert rep_.up_to_date and rep_.embedded == 0
        noop.append(rep_.seconds)
    f["noop_s"] = med(noop)
    f["noop_ratio"] = f["noop_s"] / f["build_s"]

    # 5. peak memory of a build process (the shipped plan, fresh folder).
    b = child(QA_BUILD, str(ROOT / "data"), str(work / "mem-index"))
    f["build_maxrss_mb"] = b["maxrss_mb"]
    f["build_child_s"] = b["wall_s"]

    ok = lambda c: "PASS" if c else "FAIL"  # noqa: E731
    load = os.getloadavg()
    table = "\n".join(
        [
            f"Speed, multilingual-e5-small, against bare sentence-transformers in the same run "
            f"({len(questions)} dev questions x {args.reps}; {args.cold_reps} cold starts each; "
            f"{args.build_reps} builds/encodes each)",
            "",
            "| measure | qa | bare | ratio | target |",
            "|---|---|---|---|---|",
            f"| warm `search(k=3)` vs `encode_query`, p50 | {f['search_p50_ms']:.1f} ms | {f['encode_p50_ms']:.1f} ms | "
            f"**{f['search_ratio_p50']:.2f}x** | <= 1.5: {ok(f['search_ratio_p50'] <= 1.5)} |",
            f"| warm, p95 | {f['search_p95_ms']:.1f} ms | {f['encode_p95_ms']:.1f} ms | {f['search_ratio_p95']:.2f}x | |",
            f"| cold start, process wall (import + Retriever + first answer vs ST load + encode) | "
            f"{f['cold_qa_wall_s']:.2f} s | {f['cold_bare_wall_s']:.2f} s | **{f['cold_ratio']:.2f}x** | "
            f"<= 1.5: {ok(f['cold_ratio'] <= 1.5)} |",
            f"| cold start, in process | {f['cold_qa_in_process_s']:.2f} s | {f['cold_bare_in_process_s']:.2f} s | "
            f"{f['cold_ratio_in_process']:.2f}x | |",
            f"| build throughput, units/s ({f['build_sections']} sections, {f['build_units']} units) | "
            f"{f['build_units_per_s']:.1f} | {f['bare_units_per_s']:.1f} | **{f['build_ratio']:.2f}x** | "
            f">= 0.85: {ok(f['build_ratio'] >= 0.85)} |",
            f"| rebuild, nothing changed, vs full build | {f['noop_s'] * 1000:.0f} ms | {f['build_s']:.1f} s | "
            f"**{100 * f['noop_ratio']:.2f}%** | <= 5%: {ok(f['noop_ratio'] <= 0.05)} |",
            f"| peak RSS: build (plan) / serving (cold start) vs bare load + encode | "
            f"{f['build_maxrss_mb']:.0f} / {f['serve_maxrss_mb']:.0f} MB | {f['bare_maxrss_mb']:.0f} MB | "
            f"{f['build_maxrss_mb'] / f['bare_maxrss_mb']:.2f}x / {f['serve_maxrss_mb'] / f['bare_maxrss_mb']:.2f}x | |",
            "",
            f"Load average during the run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs.",
        ]
    )
    write_results("speed", {"figures": f, "settings": {k: str(v) for k, v in vars(args).items()},
                            "warm_ms": {"qa": [1000 * x for x in ours], "bare": [1000 * x for x in bare]},
                            "cold": {"qa": cold_qa, "bare": cold_bare}, "builds": builds, "encodes_s": encodes,
                            "noop_s": noop, "loadavg": load}, table)


if __name__ == "__main__":
    main()
