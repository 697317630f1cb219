"""Calibrate when the assistant abstains, and write the thresholds to qa/calibration.json.

The signals are the best unit's dense cosine and its BM25 score. The assistant
answers when the dense score alone is high (``dense_alone``), or when both are
fairly high (``dense`` and ``keyword``); otherwise it abstains. Chinese
questions and the others (English) get their own thresholds, because a
cross-lingual cosine runs lower and an English question shares no keyword with
a Chinese plan.

Thresholds are chosen so that no answerable question abstains and at least
95% of out-of-scope ones do; among those, the lowest, so that answerable
questions unlike the labelled ones are not turned away. Labelled
questions: ``../shared/eval/dev.jsonl``, plus ``calibration_extra.jsonl`` (more
English and out-of-scope questions written for this), plus CMRC 2018 questions,
which are about Wikipedia articles, never Dunhua, as out-of-scope.

Thresholds are kept per model and backend (:func:`qa.embed.vector_space`).

    python benchmarks/calibrate.py [--model NAME] [--backend onnx|torch] [--cmrc N]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from qa.embed import BACKENDS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, write_results  # noqa: E402

HERE = Path(__file__).resolve().parent
#: Share of out-of-scope calibration questions that must abstain (the product target is 0.9).
TARGET = 0.95


def features(r, questions: list[str]) -> np.ndarray:
    """Best dense and best keyword score of each question, as the Retriever sees them."""
    rows = []
    for q in questions:
        s = r.score(q)
        rows.append((float(s.dense.max()), float(s.keyword.max())))
    return np.array(rows).reshape(-1, 2)


def answered(x: np.ndarray, t: dict) -> np.ndarray:
    """The product's own rule, applied to rows of (best dense, best keyword)."""
    from qa.answer import strong_enough

    return strong_enough(t, x[:, 0], x[:, 1])


def choose(pos: np.ndarray, neg: np.ndarray) -> dict:
    """Thresholds that answer every row of ``pos`` and abstain on at least ``TARGET`` of ``neg``.

    Among those, the lowest (``dense_alone`` first, then ``dense``, then ``keyword``),
    so that answerable questions unlike the labelled ones are not turned away.
    If none reach ``TARGET``, those abstaining on the most of ``neg``.
    """
    # Rounded down, so that a threshold taken from an answerable question still answers it.
    floor = lambda x, digits: np.floor(np.asarray(x) * 10**digits) / 10**digits  # noqa: E731
    dense = np.unique(floor(np.concatenate([pos[:, 0], np.quantile(neg[:, 0], np.linspace(0.8, 1, 41))]), 4))
    keyword = np.unique(floor(np.concatenate([[0.0], pos[:, 1], np.quantile(neg[:, 1], np.linspace(0.5, 1, 21))]), 3))
    best = None
    for a in dense:
        for d in dense[dense <= a]:
            for k in keyword:
                t = {"dense_alone": float(a), "dense": float(d), "keyword": float(k)}
                if not answered(pos, t).all():
                    continue
                key = (min(1 - answered(neg, t).mean(), TARGET), -a, -d, -k)
                if best is None or key > best[0]:
                    best = (key, t)
    return best[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--backend", default=None, choices=BACKENDS)
    ap.add_argument("--cmrc", type=int, default=1000, help="CMRC questions used as out-of-scope")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "plan")
    args = ap.parse_args()

    from qa import Retriever, build_index
    from qa.answer import calibration, question_group
    from qa.embed import backend_of, vector_space
    from qa.evaluate import load_questions

    if not (args.work / "data").exists():
        shutil.copytree(ROOT / "data", args.work / "data")
    build_index(args.work / "data", args.work / "index", args.model, backend=args.backend, force=True)
    r = Retriever(args.work / "index", args.model, backend=args.backend)
    space = vector_space(r.model_name, backend_of(r.model))
    labelled = load_questions(SHARED / "eval" / "dev.jsonl") + load_questions(HERE / "calibration_extra.jsonl")
    cmrc = json.loads((SHARED / "benchmarks" / "cmrc2018_dev.json").read_text(encoding="utf-8"))["data"]
    cmrc_q = [qa["question"] for a in cmrc for p in a["paragraphs"] for qa in p["qas"]][: args.cmrc]
    questions = [(q["q"], bool(q["answers"])) for q in labelled] + [(q, False) for q in cmrc_q]

    entry = {"calibrated": time.strftime("%Y-%m-%d"), "on": (
        f"{len(labelled)} labelled questions (dev.jsonl + calibration_extra.jsonl), "
        f"{len(cmrc_q)} CMRC 2018 questions as out-of-scope")}
    rows = []
    for group in ("zh", "other"):
        qs = [(q, a) for q, a in questions if question_group(q) == group]
        x = features(r, [q for q, _ in qs])
        is_pos = np.array([a for _, a in qs])
        t = choose(x[is_pos], x[~is_pos])
        entry[group] = t
        ok = answered(x, t)
        rows.append(f"| {group} | {t['dense_alone']:.4f} | {t['dense']:.4f} | {t['keyword']:.3f} "
                    f"| {is_pos.sum()} | {np.mean(~ok[is_pos]):.3f} | {(~is_pos).sum()} | {np.mean(~ok[~is_pos]):.3f} |")
    path = ROOT / "qa" / "calibration.json"
    table = json.loads(path.read_text(encoding="utf-8"))
    table[space] = entry
    path.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    calibration.cache_clear()
    lines = [
        f"Abstention for {space}: answer when dense >= dense_alone, or dense >= dense and BM25 >= keyword.",
        "",
        "| questions | dense_alone | dense | keyword | answerable | wrongly abstained | out of scope | abstained |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    write_results(f"calibration-{space.replace('/', '_')}", {"entry": entry}, "\n".join(lines))


if __name__ == "__main__":
    main()
