"""Calibrate when the assistant abstains, and write the thresholds to qa/calibration.json.

The signal is the best unit's dense cosine and BM25 score: the assistant
abstains when both are below their thresholds. They are chosen on labelled
questions about the plan (answerable ones must not abstain) and on questions
the plan cannot answer: the dev set's out-of-scope ones plus the CMRC 2018
questions, which are about Wikipedia articles, not Dunhua.

    python benchmarks/calibrate.py [--model NAME] [--cmrc N]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, write_results  # noqa: E402

#: Share of answerable questions allowed to abstain while calibrating.
MAX_FALSE_ABSTAIN = 0.0


def features(r, questions: list[str]) -> np.ndarray:
    rows = []
    for q in questions:
        s = r._score(q)
        rows.append((float(s.dense.max()), float(s.keyword.max())))
    return np.array(rows)


def choose(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """Thresholds (dense, keyword) abstaining on most of ``neg`` and at most
    ``MAX_FALSE_ABSTAIN`` of ``pos``; ties go to the widest margin."""
    best = None
    allowed = int(MAX_FALSE_ABSTAIN * len(pos))
    d_cands = np.unique(np.concatenate([pos[:, 0], neg[:, 0]]))
    for kq in np.unique(np.concatenate([[0.0], pos[:, 1], neg[:, 1], [np.inf]])):
        # For this keyword threshold, the answerable questions below it bound the dense threshold.
        low = pos[pos[:, 1] < kq][:, 0]
        d_max = np.sort(low)[allowed] if len(low) > allowed else np.inf
        d = d_cands[d_cands <= d_max].max(initial=-np.inf)
        if not np.isfinite(d):
            continue
        # Put the dense threshold midway between the last negative and the first positive.
        neg_below = neg[(neg[:, 0] <= d)][:, 0]
        d_mid = (d + neg_below.max()) / 2 if len(neg_below) and d_max < np.inf else d + 1e-6
        k_mid = kq
        abst = np.mean((neg[:, 0] < d_mid) & (neg[:, 1] < k_mid))
        false = np.mean((pos[:, 0] < d_mid) & (pos[:, 1] < k_mid))
        margin = d_max - d_mid if np.isfinite(d_max) else 0.0
        key = (abst, -false, margin)
        if best is None or key > best[0]:
            best = (key, float(d_mid), float(k_mid))
    return best[1], best[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--cmrc", type=int, default=1000, help="CMRC questions used as out-of-scope")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "plan")
    args = ap.parse_args()

    from qa import Retriever, build_index
    from qa.answer import calibration
    from qa.evaluate import load_questions

    if not (args.work / "data").exists():
        shutil.copytree(ROOT / "data", args.work / "data")
    build_index(args.work / "data", args.work / "index", args.model)
    r = Retriever(args.work / "index", args.model)
    dev = load_questions(SHARED / "eval" / "dev.jsonl")
    cmrc = json.loads((SHARED / "benchmarks" / "cmrc2018_dev.json").read_text(encoding="utf-8"))["data"]
    cmrc_q = [qa["question"] for a in cmrc for p in a["paragraphs"] for qa in p["qas"]][: args.cmrc]

    pos = features(r, [q["q"] for q in dev if q["answers"]])
    neg_dev = features(r, [q["q"] for q in dev if not q["answers"]])
    neg_cmrc = features(r, cmrc_q)
    d, k = choose(pos, np.vstack([neg_dev, neg_cmrc]))

    def rate(x):
        return float(np.mean((x[:, 0] < d) & (x[:, 1] < k)))

    entry = {
        "dense": round(d, 4), "keyword": round(k, 4),
        "calibrated": time.strftime("%Y-%m-%d"),
        "on": f"{len(pos)} answerable + {len(neg_dev)} out-of-scope dev questions, {len(cmrc_q)} CMRC questions as out-of-scope",
        "answerable_abstained": rate(pos), "dev_out_of_scope_abstained": rate(neg_dev), "cmrc_abstained": rate(neg_cmrc),
    }
    path = ROOT / "qa" / "calibration.json"
    table = json.loads(path.read_text(encoding="utf-8"))
    table[r.model_name] = entry
    path.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    calibration.cache_clear()
    lines = [
        f"Abstention calibration for {r.model_name}: abstain when best dense < {d:.4f} and best BM25 < {k:.4f}",
        "",
        "| questions | n | abstained |",
        "|---|---|---|",
        f"| dev, answerable | {len(pos)} | {rate(pos):.3f} |",
        f"| dev, out of scope | {len(neg_dev)} | {rate(neg_dev):.3f} |",
        f"| CMRC (out of scope for the plan) | {len(neg_cmrc)} | {rate(neg_cmrc):.3f} |",
        "",
        f"answerable dense: min {pos[:, 0].min():.4f}, median {np.median(pos[:, 0]):.4f}; "
        f"out-of-scope dense: max {np.vstack([neg_dev, neg_cmrc])[:, 0].max():.4f}",
    ]
    write_results(f"calibration-{r.model_name.replace('/', '_')}", {"entry": entry}, "\n".join(lines))


if __name__ == "__main__":
    main()
