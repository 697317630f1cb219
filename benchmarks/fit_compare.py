"""Fit the decision of "not mentioned" in a comparison (:class:`qa.compare.Mention`) and write it to qa/calibration.json.

Every topic of the labelled comparison sets that are tune (:data:`TUNE_SETS`: ``questions/compare/``, ``compare-2/`` to
``compare-13/`` and ``compare-18/``; ``compare-14/`` to ``compare-17/`` and ``compare-19/`` judge and are never read here)
is compared in Chinese and in
English over the library ``documents.py`` builds, with no fitted decision (``Retriever.mention_model`` set to
None). Each row with a quote gives its inputs (:data:`qa.compare.MENTION_FEATURES`, ``Row.inputs``) and its
cell's label: whether the document addresses the topic and the row's first answering sentence is a labelled
answer (out of fold this gave more cells right than the label "addresses it" alone: 0.825 against 0.815 on
2,400 cells, 0.814 against 0.807 on the first 1,920). A logistic model learns the label; the operating
point is the probability that gives the most cells right out of fold, a cell being right when a kept row's
first answering sentence is a labelled answer, or a row told "not mentioned" is labelled so (the cell accuracy
of ``compare.py``).

Cross-validation leaves whole topics out (both languages of a topic together). It prints the cell accuracy and
the "not mentioned" precision and recall, out of fold, of the rule it replaces (:data:`qa.compare.AGREEMENT`)
and of the fitted decision, per set and language.

    python benchmarks/fit_compare.py [--index PATH] [--no-write]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path, PurePath

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_results  # noqa: E402
from compare import LANGUAGES, SETS, load, right_sentence  # noqa: E402
from fit_confidence import fit, write_fit  # noqa: E402

#: The tune sets, by the names the fit reports them under: compare.py's files (its ``SETS``) up to compare-13/, and
#: compare-18/. Until the twelfth session of 2026-12-06 the fit read only those up to compare-9/; the sets tune since
#: (compare-10/ to -13/, -18/) were added then, as out of fold they gave the same Chinese cells and more English ones
#: right than the fit on the earlier sets alone: 0.870 / 0.638 against 0.870 / 0.618 (Chinese / English cell
#: accuracy, the mean over those five sets).
TUNE_SETS = {"compare": SETS["tune"], "compare-untouched": SETS["untouched"],
             **{f"compare-{n}": SETS[f"untouched-{n}"] for n in (*range(2, 14), 18)}}
#: The operating points tried.
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.025), 3)


def measure(retriever) -> list[dict]:
    """Each labelled cell with its row's inputs (None: told "not mentioned" before any decision) and whether its
    quote's first answering sentence is a labelled answer."""
    by_stem = {PurePath(name).stem: name for name in retriever.lexicon.places}
    cells = []
    for set_name, path in TUNE_SETS.items():
        for topic, labelled in load(path).items():
            for key, language in LANGUAGES.items():
                rows = {row.source: row for row in retriever.compare(labelled[0][key]).rows}
                for cell in labelled:
                    row = rows[by_stem[PurePath(cell["source"]).stem]]
                    quote = row.hit or row.set_aside
                    first = quote.highlights[0] if quote and quote.highlights else ""
                    cells.append({"set": set_name, "topic": f"{set_name}/{topic}", "language": language,
                                  "mentioned": cell["mentioned"], "right": right_sentence(first, cell["answers"]),
                                  "x": row.inputs})
    return cells


def figures(cells: list[dict], keep: np.ndarray) -> dict:
    """Cell accuracy and "not mentioned" precision and recall when the rows ``keep`` says are kept."""
    told = ~keep
    mentioned = np.array([c["mentioned"] for c in cells])
    right = np.array([c["right"] for c in cells])
    correct = np.where(keep, mentioned & right, ~mentioned)
    return {"cells": len(cells), "accuracy": float(correct.mean()),
            "nm_precision": float((~mentioned[told]).mean()) if told.any() else None,
            "nm_recall": float(told[~mentioned].mean()) if (~mentioned).any() else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "documents" / "index")
    ap.add_argument("--no-write", action="store_true", help="report only; leave qa/calibration.json as it is")
    args = ap.parse_args()

    from qa import Retriever
    from qa.abstain import Logistic
    from qa.compare import AGREEMENT, MENTION_FEATURES, Mention
    from qa.embed import vector_space
    from qa.index import current_manifest

    retriever = Retriever(args.index)
    retriever.mention_model = None  # the inputs are the same with it; without it, every row keeps its quote to learn from
    cells = measure(retriever)
    has = np.array([c["x"] is not None for c in cells])
    x = np.array([c["x"] if c["x"] is not None else np.zeros(len(MENTION_FEATURES)) for c in cells])
    y = np.array([c["mentioned"] and c["right"] for c in cells], dtype=float)  # the row's quote answers
    topics = sorted({c["topic"] for c in cells})
    print(f"{len(cells)} cells of {len(topics)} topics, {int(has.sum())} rows with a quote", flush=True)

    probability = np.zeros(len(cells))  # out of fold, topics left out
    for topic in topics:
        out = np.array([c["topic"] == topic for c in cells])
        model = fit(x[has & ~out], y[has & ~out], np.ones(int((has & ~out).sum())))
        probability[out & has] = model.probability(x[out & has])
    accuracy = [figures(cells, has & (probability >= t))["accuracy"] for t in THRESHOLDS]
    threshold = float(THRESHOLDS[int(np.argmax(accuracy))])
    share = x[:, MENTION_FEATURES.index("share")]
    decisions = {"rule": has & (share >= AGREEMENT), "fitted": has & (probability >= threshold)}

    groups = {"all": np.ones(len(cells), bool)}
    for s in TUNE_SETS:
        for language in LANGUAGES.values():
            groups[f"{s} {language}"] = np.array([c["set"] == s and c["language"] == language for c in cells])
    table = {g: {name: figures([c for c, m in zip(cells, mask) if m], keep[mask]) for name, keep in decisions.items()}
             for g, mask in groups.items()}

    full = fit(x[has], y[has], np.ones(int(has.sum())))
    mention = Mention(MENTION_FEATURES, Logistic(full.mean, full.scale, full.weights, full.bias), threshold)
    manifest = current_manifest(args.index)
    space = vector_space(manifest.model, manifest.backend)
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    entry = {
        "fitted": time.strftime("%Y-%m-%d"),
        "on": f"{len(cells)} labelled cells of {len(topics)} tune comparison topics ({', '.join(TUNE_SETS)}), Chinese "
              f"and English, over the 30 documents of documents.py; operating point out of fold (topics left out): "
              f"cell accuracy {table['all']['rule']['accuracy']:.3f} by the rule, {table['all']['fitted']['accuracy']:.3f} fitted",
        **mention.to_dict(),
    }
    if not args.no_write:
        write_fit(manifest, "mention", entry)
    lines = [
        f"Decision of \"not mentioned\" for {space}: out of fold (topics left out), the rule (share ≥ {AGREEMENT}) "
        f"against the fitted model at P ≥ {threshold}.",
        "",
        "| set | cells | rule: accuracy | NM precision | NM recall | fitted: accuracy | NM precision | NM recall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {g} | {v['rule']['cells']} | {fmt(v['rule']['accuracy'])} | {fmt(v['rule']['nm_precision'])} | "
          f"{fmt(v['rule']['nm_recall'])} | {fmt(v['fitted']['accuracy'])} | {fmt(v['fitted']['nm_precision'])} | "
          f"{fmt(v['fitted']['nm_recall'])} |" for g, v in table.items()],
        "",
        "Out-of-fold accuracy by operating point: " + ", ".join(f"{t} {a:.3f}" for t, a in zip(THRESHOLDS, accuracy)),
        "",
        "Weights (standardised inputs): " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(MENTION_FEATURES, full.weights)),
    ]
    write_results(f"mention-{space.replace('/', '_')}", {"entry": entry, "cross_validation": table}, "\n".join(lines))


if __name__ == "__main__":
    main()
