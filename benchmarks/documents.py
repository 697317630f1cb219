"""Real documents in every format: the plan, the national report (.txt), the provincial
reports (.docx) and PDFs typeset from some of them, all in one index.

Prints, per format: hit@1, hit@3 and highlight@1 on the labelled questions
(``../shared/eval/documents-dev.jsonl`` and ``benchmarks/questions/documents.jsonl``),
and the same on the questions written later as held-out checks
(``questions/documents-en.jsonl``, ``questions/documents-zh.jsonl``), on rows of their own;
the length of the quotes (median, p95, max); build time and throughput; and,
for each typeset PDF, its parse fidelity (the share of the Word file's
sentences found verbatim, spaces folded, in the text read back from the PDF)
and the paragraphs that still hold a page number or a running header.

A report typeset as PDF is indexed as PDF instead of Word, so that no text is
indexed twice; its questions are asked of the PDF.

    python benchmarks/documents.py [--pdf N] [--docs N] [--model NAME]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, write_results  # noqa: E402

DOCS = SHARED / "corpus" / "documents"
QUESTIONS = [SHARED / "eval" / "documents-dev.jsonl", ROOT / "benchmarks" / "questions" / "documents.jsonl"]
#: Questions written after the ranking was tuned on those above, reported on their own rows.
HELD_OUT = {"held out: English": ROOT / "benchmarks" / "questions" / "documents-en.jsonl",
            "held out: Chinese": ROOT / "benchmarks" / "questions" / "documents-zh.jsonl",
            # what a term means (glossary entries and terms explained in the text), written after the glossary rule
            "held out: definitions": ROOT / "benchmarks" / "questions" / "definitions.jsonl"}
#: Typeset as PDF first: the reports with the most questions of our own.
PDF_FIRST = ["上海市", "福建省", "四川省", "浙江省", "北京市", "云南省", "河南省", "海南省"]
#: What a page number or running header looks like inside a paragraph.
FURNITURE = re.compile(r"[—－-]\s*\d{1,3}\s*[—－-]|第\s*\d{1,3}\s*页|^\d{1,3}\s*/\s*\d{1,3}$|政府工作报告\s*\d{1,3}\s*$")


def fold(text: str) -> str:
    return re.sub(r"\s+", "", text)


def typeset(docx: Path, out: Path) -> Path:
    """The PDF LibreOffice typesets from ``docx`` (cached in ``out``)."""
    pdf = out / (docx.stem + ".pdf")
    if not pdf.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(docx)],
                       check=True, capture_output=True, timeout=600)
    return pdf


def sentences(text: str) -> list[str]:
    return [fold(s) for s in re.findall(r"[^。！？\n]+[。！？]?", text) if len(fold(s)) >= 6]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", type=int, default=6, help="how many Word files to typeset and index as PDF")
    ap.add_argument("--docs", type=int, default=None, help="only the first N Word files (a quicker run)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--reuse", action="store_true", help="keep the vectors of an earlier run (no build time figure)")
    ap.add_argument("--prefer", default="", help="also ask with these document preferences, e.g. 0,0.5,2 (qa.rescore.Prefer)")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "documents")
    args = ap.parse_args()

    from qa import Fusion, Retriever, build_index
    from qa.evaluate import contains_answer
    from qa.read import read_docx, read_pdf

    data = args.work / "data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "000_35bfb118311f446a.txt", data)
    shutil.copy(DOCS / "2025年国务院政府工作报告.txt", data)
    docx = sorted(DOCS.glob("*.docx"))[: args.docs]
    as_pdf = [d for d in docx if any(k in d.name for k in PDF_FIRST)][: args.pdf]
    fidelity = {}
    for d in docx:
        if d in as_pdf:
            pdf = typeset(d, args.work / "pdf")
            shutil.copy(pdf, data)
            truth = sentences("\n".join(b.text for b in read_docx(d.read_bytes(), d.name)))
            blocks, _ = read_pdf(pdf.read_bytes(), pdf.name)
            back = "\n".join(fold(b.text) for b in blocks)
            fidelity[pdf.name] = {"sentences": len(truth), "found": sum(s in back for s in truth)}
        else:
            shutil.copy(d, data)
    chars = 0
    t0 = time.perf_counter()
    report = build_index(data, args.work / "index", args.model, force=not args.reuse)
    build_s = time.perf_counter() - t0 if not report.up_to_date else float("nan")  # reused: no build figure
    print(report.summary(), flush=True)
    r = Retriever(args.work / "index", args.model)
    chars = sum(len(p.text) for p in r.index.paragraphs)
    furniture = [p for p in r.index.paragraphs if p.source.endswith(".pdf") and FURNITURE.search(p.text)]

    renamed = {d.name: d.stem + ".pdf" for d in as_pdf}
    questions = []
    for group, path in [(None, p) for p in QUESTIONS] + [(g, p) for g, p in HELD_OUT.items() if p.exists()]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = dict(json.loads(line), group=group)
                if q.get("answers") and q.get("source"):
                    q["source"] = renamed.get(q["source"], q["source"])
                    if (data / q["source"]).exists():
                        questions.append(q)

    def ask_all(retriever) -> tuple[dict[str, list[dict]], list[int], list[float]]:
        rows: dict[str, list[dict]] = {}
        lengths, t_answer = [], []
        for q in questions:
            t = time.perf_counter()
            ans = retriever.answer(q["q"], k=10)
            t_answer.append(time.perf_counter() - t)
            ranked = ans.hits or ans.related
            good = [h.source == q["source"] and contains_answer(h.text, q["answers"]) for h in ranked]
            rank = good.index(True) + 1 if True in good else None
            top = ranked[0] if ranked else None
            row = {
                "q": q["q"], "rank": rank, "none": ans.confidence == "none", "answer": ans.confidence == "answer", "top": top.source if top else None,
                "highlight": bool(top and good[0] and top.highlights and contains_answer(top.highlights[0], q["answers"])),
            }
            lengths += [len(h.text) for h in ranked[:3]]
            fmt = Path(q["source"]).suffix.lstrip(".")
            for g in [q["group"]] if q["group"] else (fmt, "all"):
                rows.setdefault(g, []).append(row)
        return rows, lengths, t_answer

    rows, lengths, t_answer = ask_all(r)

    def figures(rs: list[dict]) -> dict:
        n = len(rs)
        return {
            "n": n,
            "hit@1": sum(x["rank"] == 1 for x in rs) / n,
            "hit@3": sum(x["rank"] is not None and x["rank"] <= 3 for x in rs) / n,
            "highlight@1": sum(x["highlight"] for x in rs) / n,
            "none": sum(x["none"] for x in rs) / n,
            "answer": sum(x["answer"] for x in rs) / n,
        }

    figs = {g: figures(rs) for g, rs in sorted(rows.items())}
    lengths.sort()
    quote = {"median": statistics.median(lengths), "p95": lengths[int(0.95 * (len(lengths) - 1))], "max": lengths[-1]}
    fid_all = sum(f["found"] for f in fidelity.values()) / max(sum(f["sentences"] for f in fidelity.values()), 1)
    lines = [
        f"Documents: {report.files} files ({len(as_pdf)} as PDF), {report.paragraphs} paragraphs, "
        f"{report.units} units, model {report.model}",
        f"Build: {build_s:.1f} s, {chars / build_s:.0f} source characters/s; answer p50 "
        f"{1000 * statistics.median(t_answer):.0f} ms",
        "",
        "| format | questions | hit@1 | hit@3 | highlight@1 | told none | given as sure |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {g} | {f['n']} | {f['hit@1']:.3f} | {f['hit@3']:.3f} | {f['highlight@1']:.3f} | {f['none']:.3f} | {f['answer']:.3f} |"
          for g, f in figs.items()],
        "",
        f"Quotes (top 3 of each question): median {quote['median']:.0f}, p95 {quote['p95']}, max {quote['max']} characters",
        f"PDF parse fidelity: {fid_all:.4f} of {sum(f['sentences'] for f in fidelity.values())} Word sentences found; "
        f"paragraphs with a page number or running header: {len(furniture)}",
        "",
        "| PDF | sentences | found |",
        "|---|---:|---:|",
        *[f"| {n} | {f['sentences']} | {f['found'] / f['sentences']:.4f} |" for n, f in fidelity.items()],
    ]
    sweep = {}
    from qa.rescore import PieceHandicap, PlaceNeutral, Prefer

    for amount in [float(x) for x in args.prefer.split(",") if x]:
        r.rescorers = (PlaceNeutral(), PieceHandicap(), Prefer(amount)) if amount else (PieceHandicap(), Prefer(0))
        sweep[amount] = {g: figures(rs) for g, rs in sorted(ask_all(r)[0].items())}
        lines.append(f"prefer {amount}: " + ", ".join(
            f"{g} {f['hit@1']:.3f}/{f['hit@3']:.3f}/{f['highlight@1']:.3f}" for g, f in sweep[amount].items()))
        print(lines[-1], flush=True)
    misses = [dict(x, group=g) for g in ["all", *HELD_OUT] for x in rows.get(g, []) if x["rank"] != 1]
    write_results(
        "documents",
        {"files": report.files, "pdf": [p.name for p in as_pdf], "paragraphs": report.paragraphs, "units": report.units,
         "model": report.model, "build_s": build_s, "chars_per_s": chars / build_s, "figures": figs, "quote": quote,
         "fidelity": fidelity, "furniture": [p.text[:80] for p in furniture], "misses": misses,
         "prefer_sweep": sweep},
        "\n".join(lines),
    )


if __name__ == "__main__":
    main()
