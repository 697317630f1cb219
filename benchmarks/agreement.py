"""How close the int8 ONNX vectors are to torch fp32's, text by text.

For each group, the cosine between the two backends' vectors of the same text,
each with the prompt the product uses (``passage: `` for indexed text,
``query: `` for questions). Target: at least 0.99 on every text.

- the plan's sentences and its index units (a sentence or a run of two, titled as built);
- the sentences of the national report and of ``--docs`` provincial Word files;
- CMRC 2018 dev paragraphs (``--paragraphs``, sampled) and all its questions;
- the plan's dev questions.

    python benchmarks/agreement.py [--docs 5] [--paragraphs 300]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CMRC, ROOT, SHARED, write_results  # noqa: E402

DOCS = SHARED / "corpus" / "documents"


def sentences(path: Path) -> list[str]:
    from qa.read import read_source
    from qa.split import split_document

    return [p.text[a:b] for p in split_document(read_source(path, path.parent)).paragraphs for a, b in p.sentences]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=5, help="provincial Word files (sorted by name)")
    ap.add_argument("--paragraphs", type=int, default=300, help="CMRC paragraphs, sampled")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "agreement")
    args = ap.parse_args()

    from qa import build_index
    from qa.build import unit_text
    from qa.split import make_units
    from qa.embed import get_model
    from qa.index import load_index

    plan = ROOT / "data" / "000_35bfb118311f446a.txt"
    build_index(ROOT / "data", args.work / "index", backend="onnx")
    idx = load_index(args.work / "index")
    units = [unit_text(idx.manifest.sources[idx.paragraphs[u.paragraph].source].title, u.text)
             for u in make_units(idx.paragraphs)]
    cmrc = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    paragraphs = [p["context"] for a in cmrc for p in a["paragraphs"]]
    provinces = sorted(DOCS.glob("*.docx"))[: args.docs]
    groups = {
        "plan sentences": ("document", sentences(plan)),
        "plan index units": ("document", units),
        "national report sentences": ("document", sentences(DOCS / "2025年国务院政府工作报告.txt")),
        f"sentences of {len(provinces)} provincial reports (Word)": (
            "document", [s for p in provinces for s in sentences(p)]),
        "CMRC paragraphs": ("document", random.Random(0).sample(paragraphs, min(args.paragraphs, len(paragraphs)))),
        "CMRC questions": ("query", [q["question"] for a in cmrc for p in a["paragraphs"] for q in p["qas"]]),
        "plan dev questions": ("query", [json.loads(ln)["q"] for ln in
                                         (SHARED / "eval" / "dev.jsonl").read_text("utf-8").splitlines() if ln.strip()]),
    }
    onnx, torch = get_model(None, "onnx"), get_model(None, "torch")
    rows, figures = [], {}
    for name, (kind, texts) in groups.items():
        a = getattr(onnx, f"encode_{kind}")(texts)
        b = getattr(torch, f"encode_{kind}")(texts, normalize_embeddings=True, convert_to_numpy=True)
        cos = np.sum(a * b, axis=1)
        worst = int(cos.argmin())
        figures[name] = {"n": len(texts), "min": float(cos.min()), "mean": float(cos.mean()), "worst_text": texts[worst]}
        rows.append(f"| {name} | {kind} | {len(texts)} | {cos.min():.5f} | {cos.mean():.5f} | {texts[worst][:30]!r} |")
        print(rows[-1], flush=True)
    lowest = min(f["min"] for f in figures.values())
    table = "\n".join([
        "Cosine between int8 ONNX and torch fp32 vectors of the same text (multilingual-e5-small)",
        "",
        "| texts | prompt | n | min | mean | worst text |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"Lowest over {sum(f['n'] for f in figures.values())} texts: {lowest:.5f} "
        f"(target >= 0.99: {'PASS' if lowest >= 0.99 else 'FAIL'}).",
    ])
    write_results("agreement", {"figures": figures}, table)


if __name__ == "__main__":
    main()
