"""Fit the learned ranking of the best units (:class:`qa.rescore.Ranking`) and write it to qa/calibration.json.

For each hand-written tune question (``fit_confidence.py``'s :data:`TUNE`, and the last turns of the tune
conversations, :data:`CONVERSATIONS`, read with the turns before them; the untouched set,
``questions/untouched-8/``, is never read here), the product's scores of its best
:data:`qa.rescore.RANK_TOP` units are taken before the learned ranking, with their inputs
(:func:`qa.rescore.rank_features`). A unit whose text holds an answer is right; one that does not, in a
paragraph that does not, is wrong (a unit of the right paragraph without the answer is neither). A pairwise
logistic model learns which of two units of one question is the right one: each question weighs the same.

The plan's own questions are asked of the plan alone (in the library another report may answer them
too); the others of the library that ``documents.py`` builds. The generated questions are left out: they
are made from the documents' own sentences, so they teach the keyword side a trust that questions written
by people do not earn (measured on 2026-12-05 with a first version of this script: hand-written tune
questions out of fold, hit@1 0.882 by the fused score, 0.915 fitted on them alone, 0.889 with the generated
ones weighing as much, 0.897 at a third of that weight).

Cross-validation leaves whole documents out (the plan's questions spread over the folds by their text) and
prints, per set, hit@1 (the best unit's paragraph holds an answer) by the fused score and by the fitted
ranking, out of fold.

    python benchmarks/fit_ranking.py [--no-write] [--plan DIR] [--library DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, write_results  # noqa: E402
from fit_confidence import FOLDS, PLAN_ONLY, TUNE, fit, load, write_fit  # noqa: E402

HERE = Path(__file__).resolve().parent
#: Tune conversations: their last turns, as the product reads them with the turns before, are asked of the library.
CONVERSATIONS = [SHARED / "eval" / "conversations-dev.jsonl"] + [HERE / "questions" / f for f in (
    "conversations.jsonl", "conversations-heldout.jsonl", "definitions-conversations.jsonl", "pronoun-conversations.jsonl",
    "switch-conversations.jsonl", "untouched/conversations.jsonl", "untouched-2/conversations.jsonl",
    "untouched-3/conversations.jsonl", "untouched-4/conversations.jsonl", "untouched-5/conversations.jsonl",
    "untouched-6/conversations.jsonl", "untouched-7/conversations.jsonl")]
#: Right units weighed against the wrong ones of a question: its best few by the fused score.
POSITIVES = 2


def measure(index: Path, questions: list[dict]) -> list[dict]:
    """Each answerable question's candidate units: inputs, labels (1 right, 0 wrong, -1 neither) and paragraphs."""
    from qa import Retriever
    from qa.evaluate import contains_answer
    from qa.index import UNIT_PARAGRAPH
    from qa.rescore import rank_features

    r = Retriever(index)
    r.ranking_model = None  # the scores the ranking is applied to: everything before it
    ctx = r.context()
    out = []
    for item in questions:
        if not item["answers"]:
            continue
        q, _ = r.understand(item["turns"][-1], item["turns"][:-1]) if "turns" in item else (r.parse(item["q"]), None)
        scored = r.score(q)
        order, x = rank_features(scored, q, ctx)
        paragraphs = r.index.units[scored.ids[order], UNIT_PARAGRAPH]
        labels = []
        for (pi, s0, s1, _), para in zip(r.index.units[scored.ids[order]].tolist(), paragraphs.tolist()):
            p = r.index.paragraphs[para]
            labels.append(1 if contains_answer(p.sentence(s0, s1), item["answers"])
                          else -1 if contains_answer(p.text, item["answers"]) else 0)
        out.append({"q": q.text, "file": item["file"], "lang": "zh" if q.chinese else "en", "source": item.get("source") or "",
                    "x": x, "y": np.array(labels), "paragraph": paragraphs})
    return out


def pairs(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right minus wrong inputs, and their mirror, with labels and weights (each question weighs 1)."""
    diffs, weights = [], []
    for row in rows:
        right, wrong = np.flatnonzero(row["y"] == 1)[:POSITIVES], np.flatnonzero(row["y"] == 0)
        if not len(right) or not len(wrong):
            continue
        for i in right:
            diffs.append(row["x"][i] - row["x"][wrong])
            weights.append(np.full(len(wrong), 1.0 / (len(right) * len(wrong))))
    d, w = np.vstack(diffs), np.concatenate(weights)
    return np.vstack([d, -d]), np.concatenate([np.ones(len(d)), np.zeros(len(d))]), np.concatenate([w, w])


def hit(row: dict, scores: np.ndarray) -> bool:
    """Whether the best-scored unit's paragraph holds an answer."""
    top = int(np.argmax(scores))
    return bool(row["y"][top] != 0 or np.any((row["paragraph"] == row["paragraph"][top]) & (row["y"] != 0)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plan", type=Path, default=HERE / ".work" / "abstain" / "plan")
    ap.add_argument("--library", type=Path, default=HERE / ".work" / "documents")
    ap.add_argument("--no-write", action="store_true", help="report only; leave qa/calibration.json as it is")
    args = ap.parse_args()

    from qa.abstain import Logistic
    from qa.embed import vector_space
    from qa.index import current_manifest
    from qa.rescore import RANK_FEATURES, RANK_TOP, Ranking

    rows = []
    for lib, folder in (("plan", args.plan), ("library", args.library)):
        if current_manifest(folder / "index") is None:
            sys.exit(f"no index in {folder}; run benchmarks/abstain.py --libraries plan and benchmarks/documents.py first")
        qs = [q for q in load(TUNE, folder / "data") if (q["file"] in PLAN_ONLY) == (lib == "plan")]
        if lib == "library":
            qs += [{**json.loads(line), "file": f"{path.parent.name}/{path.name}"} for path in CONVERSATIONS
                   for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        got = measure(folder / "index", qs)
        rows += [{**row, "library": lib} for row in got]
        print(f"{lib}: {len(got)} answerable tune questions and follow-ups", flush=True)
    # by document; the plan's questions, and conversations that do not say their document, by their text
    fold = [zlib.crc32((Path(r["source"]).stem if r["library"] == "library" and r["source"] else r["q"]).encode()) % FOLDS for r in rows]

    base, learned = np.zeros(len(rows), bool), np.zeros(len(rows), bool)
    for f in range(FOLDS):
        model = fit(*pairs([r for r, k in zip(rows, fold) if k != f]))
        for i in (i for i, k in enumerate(fold) if k == f):
            base[i] = hit(rows[i], rows[i]["x"][:, 0])
            learned[i] = hit(rows[i], model.logit(rows[i]["x"]))
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        for g in ("all", f"{r['library']}/{r['file']}", r["lang"], "follow-ups" if "/" in r["file"] else "questions"):
            groups.setdefault(g, []).append(i)
    cv = {g: {"n": len(ix), "fused": float(base[ix].mean()), "learned": float(learned[ix].mean())} for g, ix in sorted(groups.items())}

    full = fit(*pairs(rows))
    model = Ranking(RANK_FEATURES, Logistic(np.zeros(len(RANK_FEATURES)), full.scale, full.weights, 0.0), RANK_TOP)
    manifest = current_manifest(args.library / "index")
    space = vector_space(manifest.model, manifest.backend)
    entry = {
        "fitted": time.strftime("%Y-%m-%d"),
        "on": f"{len(rows)} hand-written tune questions' best {RANK_TOP} units: the plan's asked of the plan, the others "
              f"of the plan with 29 documents; out of fold ({FOLDS} folds, documents left out) hit@1 "
              f"{cv['all']['fused']:.3f} by the fused score, {cv['all']['learned']:.3f} learned",
        **model.to_dict(),
    }
    if not args.no_write:
        write_fit(manifest, "ranking", entry)
    lines = [
        f"Learned ranking for {space}: hit@1 out of fold ({FOLDS} folds, documents left out), by the fused score and learned.",
        "",
        "| set | questions | fused | learned |",
        "|---|---:|---:|---:|",
        *[f"| {g} | {v['n']} | {v['fused']:.3f} | {v['learned']:.3f} |" for g, v in cv.items()],
        "",
        "Weights (standardised inputs): " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(RANK_FEATURES, full.weights)),
    ]
    write_results(f"ranking-{space.replace('/', '_')}", {"entry": entry, "cross_validation": cv}, "\n".join(lines))


if __name__ == "__main__":
    main()
