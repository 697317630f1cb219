"""CMRC 2018 dev through the real pipeline, against BM25, dense and RRF in the same run.

Each article is one document and each paragraph one section; every question
is asked through ``Retriever.search`` and counts as found at rank r when the
r-th section is the paragraph that holds its answer.

    python benchmarks/quality.py [--limit N] [--model NAME] [--backend onnx|torch]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, cmrc_corpus, write_results  # noqa: E402

from qa.embed import BACKENDS  # noqa: E402

METHODS = {"z": "ours: z-score fusion, dense 0.6 / BM25 0.4", "keyword": "BM25 alone", "dense": "dense alone", "rrf": "RRF, dense 0.6 / BM25 0.4"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--model", default=None)
    ap.add_argument("--backend", default=None, choices=BACKENDS)
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "cmrc")
    args = ap.parse_args()

    from qa import Fusion, Retriever, build_index
    from qa.question import check_question
    from qa.split import split_document
    from qa.read import read_source

    questions = cmrc_corpus(args.work / "data", args.limit)
    report = build_index(args.work / "data", args.work / "index", args.model, backend=args.backend)
    print(report.summary(), flush=True)
    expected = {}
    for path in sorted((args.work / "data").glob("*.txt")):
        for para in split_document(read_source(path, args.work / "data")).paragraphs:
            expected[(path.name, para.number)] = para.text
    paragraphs = {}
    for q in questions:
        paragraphs.setdefault(q["source"], [])
        if q["paragraph"] not in paragraphs[q["source"]]:
            paragraphs[q["source"]].append(q["paragraph"])
    # The splitter must give exactly one quotable paragraph per CMRC paragraph, in order, for the
    # labels to hold; the text may differ by cleaning (one article has a pinyin gloss, 荨(qián)麻).
    for source, paras in paragraphs.items():
        got = [t for (s, _), t in sorted(expected.items()) if s == source]
        assert len(got) == len(paras), f"{source}: {len(got)} paragraphs for {len(paras)}"

    r = Retriever(args.work / "index", args.model, backend=args.backend)
    # The questions are embedded in one batch, then each method runs the
    # Retriever's own scoring and ranking: Retriever.search minus one encode per call.
    t0 = time.perf_counter()
    asked = [check_question(q["q"]) for q in questions]
    qvecs = r.encode(asked)
    print(f"{len(questions)} questions embedded, {time.perf_counter() - t0:.0f}s", flush=True)
    ranks = {m: [] for m in METHODS}
    fusions = {m: Fusion(method=m) for m in METHODS}
    for n, (q, text, qvec) in enumerate(zip(questions, asked, qvecs), 1):
        gold = paragraphs[q["source"]].index(q["paragraph"])
        for m in METHODS:
            hits = r.rank(r.score(text, fusions[m], vector=qvec, rescorers=None if m == "z" else ()), 5)
            ranks[m].append(next((i for i, h in enumerate(hits, 1) if h.source == q["source"] and h.paragraph == gold), None))
        if n % 500 == 0:
            print(f"{n}/{len(questions)} questions, {time.perf_counter() - t0:.0f}s", flush=True)

    rows, figures = [], {}
    for m, label in METHODS.items():
        rs = ranks[m]
        f = {
            "top1": sum(x == 1 for x in rs) / len(rs),
            "top5": sum(x is not None for x in rs) / len(rs),
            "mrr": sum(1 / x for x in rs if x) / len(rs),
        }
        figures[m] = f
        rows.append(f"| {label} | {f['top1']:.3f} | {f['top5']:.3f} | {f['mrr']:.3f} |")
    best_base = max(figures[m]["top1"] for m in METHODS if m != "z")
    table = "\n".join(
        [
            f"CMRC 2018 dev: {len(questions)} questions, {report.paragraphs} paragraphs, "
            f"model {report.model} on {report.backend}",
            "",
            "| pipeline | top-1 | top-5 | MRR |",
            "|---|---|---|---|",
            *rows,
            "",
            f"top-1 gain over the best baseline: {figures['z']['top1'] / best_base:.4f}x",
        ]
    )
    write_results(
        f"quality-{report.backend}",
        {"questions": len(questions), "paragraphs": report.paragraphs, "units": report.units, "model": report.model,
         "backend": report.backend,
         "build": report.summary(), "figures": figures, "gain_top1_vs_best_baseline": figures["z"]["top1"] / best_base},
        table,
    )


if __name__ == "__main__":
    main()
