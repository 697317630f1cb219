"""What reading a follow-up with the conversation costs: a question asked with its history
against the same question asked alone, in the same process, in turns.

The conversations are ``../shared/eval/conversations-dev.jsonl`` and
``questions/conversations.jsonl``; the library is the one ``documents.py``
indexes (the plan and 29 documents), or ``--index``. Each last turn is asked
``--rounds`` times each way, alternating; the figure is the ratio of the
medians (with history / alone), and of the totals.

    python benchmarks/bench_history.py [--index PATH] [--rounds 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, write_results  # noqa: E402

FILES = [SHARED / "eval" / "conversations-dev.jsonl", ROOT / "benchmarks" / "questions" / "conversations.jsonl"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "documents" / "index")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from qa import Retriever
    from qa.search import single_query_threads

    single_query_threads()
    r = Retriever(args.index)
    conversations = [json.loads(line) for f in FILES for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    for c in conversations:  # warm: jieba, the model, caches
        r.answer(c["turns"][-1], history=c["turns"][:-1])
        r.answer(c["turns"][-1])
    alone, with_history = [], []
    for _ in range(args.rounds):
        for c in conversations:
            q, h = c["turns"][-1], c["turns"][:-1]
            t = time.perf_counter()
            r.answer(q)
            alone.append(time.perf_counter() - t)
            t = time.perf_counter()
            r.answer(q, history=h)
            with_history.append(time.perf_counter() - t)
    p50a, p50h = statistics.median(alone), statistics.median(with_history)
    ratio, total = p50h / p50a, sum(with_history) / sum(alone)
    table = "\n".join([
        f"{len(conversations)} conversations × {args.rounds} rounds, index {args.index} ({len(r.index.units)} units)",
        "",
        "| asked | p50 ms | mean ms |",
        "|---|---:|---:|",
        f"| alone | {1000 * p50a:.1f} | {1000 * statistics.mean(alone):.1f} |",
        f"| with history | {1000 * p50h:.1f} | {1000 * statistics.mean(with_history):.1f} |",
        "",
        f"with history / alone: p50 {ratio:.2f}×, total {total:.2f}× (target ≤ 1.3×)",
    ])
    write_results("history", {"conversations": len(conversations), "rounds": args.rounds, "p50_alone_ms": 1000 * p50a,
                              "p50_history_ms": 1000 * p50h, "ratio_p50": ratio, "ratio_total": total}, table)


if __name__ == "__main__":
    main()
