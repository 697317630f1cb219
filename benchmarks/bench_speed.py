"""Speed of each backend (int8 ONNX, torch fp32) against bare sentence-transformers, in one run.

Every timed run is a new process, and the kinds take turns (order rotated each
repetition), so each ratio compares runs made under the same load:

1. build: ``qa build --force`` of the plan plus a few real documents, as whole
   processes; source characters indexed per second, by the new code on each
   backend and by the code of commit 4cd3cf3 ("today's", ``--baseline``
   checked out beside this tree, run with the same interpreter). The Word
   files are given to all as the text the new reader gets from them, since the
   old code reads text only. Target: ONNX >= 1.8x the baseline.
2. cold ``qa ask`` (new process, index built) against a bare torch
   ``SentenceTransformer(folder)`` load plus one ``encode_query``; target <= 0.5x.
3. warm, in a process per kind, after warm-up: ``Retriever.encode([q])`` and
   ``Retriever.search(q, k=3)`` on each backend against bare
   ``model.encode_query(q)``; the dev questions, several passes. Target:
   ONNX query encoding >= 1.5x faster than bare.
4. a rebuild with nothing changed against the full build (in process).
5. peak memory (``VmHWM``) of each kind of process.

    python benchmarks/bench_speed.py [--baseline ../base] [--reps 2] [--cold-reps 4] [--warm-passes 5]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, child, write_results  # noqa: E402

DEV = SHARED / "eval" / "dev.jsonl"
DOCS = SHARED / "corpus" / "documents"
#: The documents added to the plan for the build: the national report and three provinces.
BUILD_DOCS = ["2025年国务院政府工作报告.txt", "2025年河南省政府工作报告.docx", "2025年四川省政府工作报告.docx",
              "2025年浙江省政府工作报告.docx"]

# VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's at fork.
PEAK = r"""
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

WARM_QA = PEAK + r"""
import json, sys, time
import qa
r = qa.Retriever(sys.argv[1], backend=sys.argv[2])
qs, passes = json.loads(sys.argv[3]), int(sys.argv[4])
for q in qs: r.search(q, k=3)
enc, search = [], []
for _ in range(passes):
    for q in qs:
        t = time.perf_counter(); r.encode([q]); enc.append(time.perf_counter() - t)
        t = time.perf_counter(); r.search(q, k=3); search.append(time.perf_counter() - t)
print("RESULT " + json.dumps({"encode_ms": [1000 * x for x in enc], "search_ms": [1000 * x for x in search],
      "maxrss_mb": peak_mb()}))
"""

WARM_BARE = PEAK + r"""
import json, sys, time
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cpu")
qs, passes = json.loads(sys.argv[2]), int(sys.argv[3])
for q in qs: m.encode_query(q)
enc = []
for _ in range(passes):
    for q in qs:
        t = time.perf_counter(); m.encode_query(q); enc.append(time.perf_counter() - t)
print("RESULT " + json.dumps({"encode_ms": [1000 * x for x in enc],
      "maxrss_mb": peak_mb()}))
"""

BARE_COLD = r"""
import sys
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cpu")
v = m.encode_query(sys.argv[2])
print("RESULT {}")
"""


def run_qa(tree: Path, *args: str) -> float:
    """Wall time of ``qa ARGS`` as a new process running the package in ``tree``."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(tree)}
    t = time.perf_counter()
    # -m with cwd=tree: that tree's qa comes first on sys.path
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", *args], cwd=tree, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"qa {' '.join(args)} in {tree} failed:\n{err[-3000:]}")
    return wall


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def rotations(kinds: list[str], reps: int) -> list[str]:
    """``kinds`` once per repetition, starting one further along each time."""
    return [kinds[(i + r) % len(kinds)] for r in range(reps) for i in range(len(kinds))]


def corpus(folder: Path) -> int:
    """The plan and ``BUILD_DOCS`` as text files in ``folder``; returns their characters."""
    from qa.read import read_source

    folder.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "000_35bfb118311f446a.txt", folder)
    for name in BUILD_DOCS:
        path = DOCS / name
        if path.suffix == ".txt":
            shutil.copy(path, folder)
        else:
            (folder / (path.stem + ".txt")).write_text(read_source(path, DOCS).text, encoding="utf-8")
    return sum(len(p.read_text(encoding="utf-8")) for p in folder.iterdir())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, default=ROOT.parent / "base",
                    help="a checkout of commit 4cd3cf3 (git worktree add ../base 4cd3cf3)")
    ap.add_argument("--reps", type=int, default=2, help="builds of each kind")
    ap.add_argument("--cold-reps", type=int, default=4, help="cold starts of each kind")
    ap.add_argument("--warm-passes", type=int, default=5, help="passes over the dev questions per warm process")
    ap.add_argument("--noop-reps", type=int, default=5)
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "speed")
    args = ap.parse_args()

    from qa import build_index
    from qa.index import current_version, read_manifest
    from qa.model import ensure_default_model
    from qa.onnx_model import ensure_onnx_model

    base = args.baseline.resolve()
    if not (base / "qa" / "cli.py").is_file():
        sys.exit(f"no baseline checkout at {base}: git worktree add {base} 4cd3cf3")
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    folder = str(ensure_default_model())
    ensure_onnx_model()  # built once, outside every timing
    questions = [json.loads(ln)["q"] for ln in DEV.read_text(encoding="utf-8").splitlines() if ln.strip()]
    f: dict = {"load_before": os.getloadavg()}

    # 1. builds, whole processes, rotated.
    chars = corpus(work / "docs")
    f["build_chars"] = chars
    builds: dict[str, list[float]] = {"baseline": [], "onnx": [], "torch": []}
    for kind in rotations(list(builds), args.reps):
        index = work / f"build-{kind}"
        shutil.rmtree(index, ignore_errors=True)
        tree = base if kind == "baseline" else ROOT
        extra = [] if kind == "baseline" else ["--backend", kind]
        builds[kind].append(run_qa(tree, "build", "--data", str(work / "docs"), "--index", str(index), "--force", *extra))
        print(f"build {kind}: {chars / builds[kind][-1]:.0f} chars/s ({builds[kind][-1]:.1f} s)", flush=True)
    for kind, times in builds.items():
        f[f"build_{kind}_s"] = med(times)
        f[f"build_{kind}_chars_per_s"] = chars / med(times)
    for kind in ("onnx", "torch"):
        f[f"build_{kind}_ratio"] = f[f"build_{kind}_chars_per_s"] / f["build_baseline_chars_per_s"]
    f["build_units_new"] = read_manifest(current_version(work / "build-onnx")).counts["units"]

    # Indexes of the plan alone for the query measurements, one per backend.
    plan = {b: work / f"plan-{b}" for b in ("onnx", "torch")}
    for b, index in plan.items():
        build_index(ROOT / "data", index, backend=b, force=True)

    # 2. cold `qa ask` against a bare torch load + one encode, rotated.
    cold: dict[str, list[float]] = {"onnx": [], "torch": [], "bare": []}
    for i, kind in enumerate(rotations(list(cold), args.cold_reps)):
        q = questions[i % len(questions)]
        if kind == "bare":
            cold[kind].append(child(BARE_COLD, folder, q)["wall_s"])
        else:
            cold[kind].append(run_qa(ROOT, "ask", q, "--index", str(plan[kind])))
    for kind, times in cold.items():
        f[f"cold_{kind}_s"] = med(times)
    for kind in ("onnx", "torch"):
        f[f"cold_{kind}_ratio"] = f[f"cold_{kind}_s"] / f["cold_bare_s"]
    print(f"cold: onnx {f['cold_onnx_s']:.2f} s, torch {f['cold_torch_s']:.2f} s, bare {f['cold_bare_s']:.2f} s", flush=True)

    # 3. warm query encoding and search, a process per kind, rotated.
    warm: dict[str, list[dict]] = {"onnx": [], "torch": [], "bare": []}
    qs = json.dumps(questions, ensure_ascii=False)
    for kind in rotations(list(warm), 2):
        if kind == "bare":
            warm[kind].append(child(WARM_BARE, folder, qs, str(args.warm_passes)))
        else:
            warm[kind].append(child(WARM_QA, str(plan[kind]), kind, qs, str(args.warm_passes)))
    for kind, runs in warm.items():
        f[f"warm_{kind}_encode_p50_ms"] = med([x for r in runs for x in r["encode_ms"]])
        if kind != "bare":
            f[f"warm_{kind}_search_p50_ms"] = med([x for r in runs for x in r["search_ms"]])
        f[f"rss_{kind}_mb"] = max(r["maxrss_mb"] for r in runs)
    for kind in ("onnx", "torch"):
        f[f"warm_{kind}_speedup"] = f["warm_bare_encode_p50_ms"] / f[f"warm_{kind}_encode_p50_ms"]
    print(f"warm encode p50: onnx {f['warm_onnx_encode_p50_ms']:.1f} ms, torch {f['warm_torch_encode_p50_ms']:.1f} ms, "
          f"bare {f['warm_bare_encode_p50_ms']:.1f} ms", flush=True)

    # 4. a rebuild with nothing changed, in process, against the full ONNX build.
    noop = []
    for _ in range(args.noop_reps):
        rep = build_index(work / "docs", work / "build-onnx", backend="onnx")
        assert rep.up_to_date and rep.embedded == 0
        noop.append(rep.seconds)
    f["noop_s"] = med(noop)
    f["noop_ratio"] = f["noop_s"] / f["build_onnx_s"]
    f["load_after"] = os.getloadavg()

    ok = lambda c: "PASS" if c else "FAIL"  # noqa: E731
    table = "\n".join([
        f"Speed by backend, multilingual-e5-small, one run; every timing a new process, kinds in rotation. "
        f"Build: plan + {len(BUILD_DOCS)} documents ({chars:,} characters), {args.reps} builds each; "
        f"{args.cold_reps} cold starts each; warm: {len(questions)} dev questions x {args.warm_passes} passes x 2 processes.",
        "",
        "| measure | int8 ONNX | torch fp32 (new code) | baseline | ONNX ratio | torch ratio | target |",
        "|---|---|---|---|---|---|---|",
        f"| build (`qa build --force`, whole process), characters/s | {f['build_onnx_chars_per_s']:.0f} | "
        f"{f['build_torch_chars_per_s']:.0f} | {f['build_baseline_chars_per_s']:.0f} (commit 4cd3cf3) | "
        f"**{f['build_onnx_ratio']:.2f}x** | {f['build_torch_ratio']:.2f}x | ONNX >= 1.8x: {ok(f['build_onnx_ratio'] >= 1.8)} |",
        f"| build time | {f['build_onnx_s']:.1f} s | {f['build_torch_s']:.1f} s | {f['build_baseline_s']:.1f} s | | | |",
        f"| cold `qa ask` vs bare torch load + 1 encode, process wall | {f['cold_onnx_s']:.2f} s | {f['cold_torch_s']:.2f} s | "
        f"{f['cold_bare_s']:.2f} s (bare) | **{f['cold_onnx_ratio']:.2f}x** | {f['cold_torch_ratio']:.2f}x | "
        f"ONNX <= 0.5x: {ok(f['cold_onnx_ratio'] <= 0.5)} |",
        f"| warm query encoding, p50 | {f['warm_onnx_encode_p50_ms']:.1f} ms | {f['warm_torch_encode_p50_ms']:.1f} ms | "
        f"{f['warm_bare_encode_p50_ms']:.1f} ms (bare) | **{f['warm_onnx_speedup']:.2f}x faster** | "
        f"{f['warm_torch_speedup']:.2f}x faster | ONNX >= 1.5x: {ok(f['warm_onnx_speedup'] >= 1.5)} |",
        f"| warm `search(k=3)`, p50 | {f['warm_onnx_search_p50_ms']:.1f} ms | {f['warm_torch_search_p50_ms']:.1f} ms | | | | |",
        f"| peak RSS, warm process | {f['rss_onnx_mb']:.0f} MB | {f['rss_torch_mb']:.0f} MB | {f['rss_bare_mb']:.0f} MB (bare) | | | |",
        f"| rebuild with nothing changed vs full ONNX build | {1000 * f['noop_s']:.0f} ms | | | "
        f"{100 * f['noop_ratio']:.2f}% | | <= 5%: {ok(f['noop_ratio'] <= 0.05)} |",
        "",
        f"Units embedded by the new code: {f['build_units_new']:,}. Load average before / after: "
        f"{f['load_before'][0]:.1f} / {f['load_after'][0]:.1f} on {os.cpu_count()} CPUs.",
    ])
    write_results("speed", {"figures": f, "settings": {k: str(v) for k, v in vars(args).items()},
                            "builds_s": builds, "cold_s": cold, "warm": warm, "noop_s": noop}, table)


if __name__ == "__main__":
    main()
