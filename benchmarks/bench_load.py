"""Load on the web chat: concurrent clients asking over the /ask API.

Starts ``app.py`` as a real server on a free port (over a copy of ``data/``,
indexed into ``benchmarks/.work/load``), then runs CLIENTS gradio_client
clients at once, each asking QUESTIONS questions from the dev set, one after
another. Reports errors, latency percentiles and throughput into
``benchmarks/results/load.json`` and ``load.md``.

Usage::

    .venv/bin/python benchmarks/bench_load.py [--clients 20] [--questions 10] [--model NAME_OR_PATH]
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, write_results  # noqa: E402

DEV = SHARED / "eval" / "dev.jsonl"
WORK = ROOT / "benchmarks" / ".work" / "load"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, model: str | None) -> subprocess.Popen:
    """``app.py`` over a fresh copy of data/; returns once it answers HTTP."""
    shutil.rmtree(WORK / "data", ignore_errors=True)
    shutil.copytree(ROOT / "data", WORK / "data")
    cmd = [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--data", str(WORK / "data"), "--index", str(WORK / "index")]
    if model:
        cmd += ["--model", model]
    log = open(WORK / "server.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    deadline = time.time() + 600  # the first start may build the index
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited; see {WORK / 'server.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit("server did not start in time")


def run_client(url: str, questions: list[str]) -> list[tuple[float, str]]:
    """One user: its own client, questions asked in turn; (seconds, error or "") each."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    out = []
    for q in questions:
        t0 = time.perf_counter()
        try:
            result = client.predict(q, api_name="/ask")
            error = "" if isinstance(result, dict) and "hits" in result else f"bad reply: {str(result)[:80]}"
        except Exception as e:  # counted and reported, not raised: the load goes on
            error = f"{type(e).__name__}: {e}"
        out.append((time.perf_counter() - t0, error))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    parser.add_argument("--model", default=None, help="default: the bundled multilingual-e5-small")
    args = parser.parse_args()

    pool = [json.loads(line)["q"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    WORK.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = start_server(port, args.model)
    try:
        run_client(url, pool[:2])  # warm up the model outside the measurement
        per_client = [
            [pool[(c * args.questions + j) % len(pool)] for j in range(args.questions)] for c in range(args.clients)
        ]
        t0 = time.perf_counter()
        with cf.ThreadPoolExecutor(args.clients) as ex:
            results = [r for rs in ex.map(lambda qs: run_client(url, qs), per_client) for r in rs]
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    latencies = np.array([s for s, e in results if not e])
    errors = [e for _, e in results if e]
    p50, p95 = (float(np.percentile(latencies, p)) for p in (50, 95)) if len(latencies) else (float("nan"),) * 2
    payload = {
        "model": args.model or "multilingual-e5-small",
        "clients": args.clients,
        "questions_per_client": args.questions,
        "requests": len(results),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "latency_p50_s": round(p50, 3),
        "latency_p95_s": round(p95, 3),
        "latency_max_s": round(float(latencies.max()), 3) if len(latencies) else None,
        "throughput_rps": round(len(latencies) / wall, 2),
        "wall_s": round(wall, 1),
        "server": "app.py defaults: queue max_size 64, 4 questions at once",
    }
    table = "\n".join([
        f"Load: {args.clients} concurrent clients x {args.questions} questions over /ask ({payload['model']}, CPU)",
        "",
        "| requests | errors | p50 (s) | p95 (s) | max (s) | throughput (req/s) |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {payload['requests']} | {payload['errors']} | {p50:.2f} | {p95:.2f} | {latencies.max() if len(latencies) else float('nan'):.2f} | {payload['throughput_rps']} |",
    ])
    write_results("load", payload, table)


if __name__ == "__main__":
    main()
