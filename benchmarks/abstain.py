"""Abstaining as the library grows: the same rule on the plan alone, on the plan with the
29 real documents, and on the plan inside a synthetic corpus of 10,000 sections.

For each library it asks every labelled question and prints the share of
out-of-scope questions abstained (Chinese, English, all) and the share of
answerable ones wrongly abstained.

- ``plan``: the shipped plan; ``../shared/eval/dev.jsonl`` plus the off-topic
  questions of ``benchmarks/questions/offtopic.jsonl``.
- ``library``: the index ``benchmarks/documents.py`` builds (the plan, the
  national report, the 28 provincial reports, six of them as PDF); the
  questions of ``dev.jsonl``, ``documents-dev.jsonl``, ``questions/documents.jsonl``
  and ``offtopic.jsonl``. Run ``documents.py`` first.
- ``synthetic``: the plan plus 10,000 sections synthesised from the plan's and
  CMRC 2018's clauses (as ``bench_scale.py`` makes them), embedded with the
  default model; ``dev.jsonl`` plus ``offtopic.jsonl``.

Each library has a second row of held-out questions (:data:`HELD_OUT`), written after the rule was chosen.

    python benchmarks/abstain.py [--libraries plan library synthetic] [--sections 10000]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, write_results  # noqa: E402

HERE = Path(__file__).resolve().parent
EVAL = SHARED / "eval"
QUESTIONS = {
    "plan": [EVAL / "dev.jsonl", HERE / "questions" / "offtopic.jsonl"],
    "library": [EVAL / "dev.jsonl", EVAL / "documents-dev.jsonl", HERE / "questions" / "documents.jsonl",
                HERE / "questions" / "documents-en.jsonl", HERE / "questions" / "offtopic.jsonl"],
    "synthetic": [EVAL / "dev.jsonl", HERE / "questions" / "offtopic.jsonl"],
}
#: Written after the rule was chosen on those above, reported on rows of their own: 40 off-topic
#: questions for every library, and the answerable held-out Chinese and definition questions in the library.
HELD_OUT = {
    "plan": [HERE / "questions" / "offtopic-heldout.jsonl"],
    "library": [HERE / "questions" / "offtopic-heldout.jsonl", HERE / "questions" / "documents-zh.jsonl",
                HERE / "questions" / "definitions.jsonl"],
    "synthetic": [HERE / "questions" / "offtopic-heldout.jsonl"],
}


def load(paths: list[Path], data: Path) -> list[dict]:
    """Labelled questions whose answer is in ``data`` (a PDF typeset from a Word file stands for it), and the off-topic ones."""
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            src = q.get("source")
            if q["answers"] and src and not (data / src).exists():
                pdf = Path(src).with_suffix(".pdf").name
                if not (data / pdf).exists():
                    continue
            out.append(q)
    return out


def index_for(name: str, work: Path, sections: int) -> tuple[Path, Path]:
    """The data and index folders of a library, built here if needed."""
    from qa import build_index

    if name == "library":
        base = HERE / ".work" / "documents"
        if not (base / "index" / "CURRENT").exists():
            sys.exit("run benchmarks/documents.py first: it builds the library's index")
        return base / "data", base / "index"
    data, index = work / name / "data", work / name / "index"
    if name == "synthetic" and len(list(data.glob("s*.txt"))) * 100 != sections:
        from bench_scale import write_corpus

        write_corpus(data, sections, 2, seed=0)
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data" / "000_35bfb118311f446a.txt", data)
    t = time.perf_counter()
    report = build_index(data, index)
    print(f"{name}: {report.summary()} ({time.perf_counter() - t:.0f} s)", flush=True)
    return data, index


def measure(retriever, questions: list[dict]) -> tuple[dict, list[dict]]:
    """Abstention figures, and each question's outcome and best scores."""
    rows = []
    for q in questions:
        scored = retriever.score(q["q"])
        ans = retriever.answer(q["q"], k=1)
        rows.append({
            "q": q["q"], "lang": q.get("lang", ""), "kind": q.get("kind", ""), "oos": not q["answers"],
            "abstained": ans.abstained, "dense": round(float(scored.dense.max()), 4),
            "keyword": round(float(scored.keyword.max()), 3),
        })
    oos = [r for r in rows if r["oos"]]
    ans = [r for r in rows if not r["oos"]]

    def share(rs: list[dict]) -> float:
        return sum(r["abstained"] for r in rs) / len(rs) if rs else float("nan")

    figs = {
        "answerable": len(ans), "out_of_scope": len(oos),
        "wrongly_abstained": share(ans),
        "oos_abstained": share(oos),
        "oos_abstained_zh": share([r for r in oos if r["lang"] != "en"]),
        "oos_abstained_en": share([r for r in oos if r["lang"] == "en"]),
        "n_oos_en": sum(r["lang"] == "en" for r in oos),
    }
    return figs, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libraries", nargs="+", default=["plan", "library", "synthetic"], choices=list(QUESTIONS))
    ap.add_argument("--sections", type=int, default=10_000, help="synthetic sections")
    ap.add_argument("--work", type=Path, default=HERE / ".work" / "abstain")
    args = ap.parse_args()

    from qa import Retriever

    results, lines = {}, [
        "| library | units | answerable | wrongly abstained | out of scope | abstained | zh | en |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in args.libraries:
        data, index = index_for(name, args.work, args.sections)
        r = Retriever(index)
        for label, paths in ((name, QUESTIONS[name]), (f"{name}, held out", HELD_OUT[name])):
            figs, rows = measure(r, load(paths, data))
            results[label] = {"units": len(r.index.units), **figs, "rows": rows}
            lines.append(
                f"| {label} | {len(r.index.units)} | {figs['answerable']} | {figs['wrongly_abstained']:.3f} | "
                f"{figs['out_of_scope']} | {figs['oos_abstained']:.3f} | {figs['oos_abstained_zh']:.3f} | "
                f"{figs['oos_abstained_en']:.3f} ({figs['n_oos_en']}) |"
            )
            print(lines[-1], flush=True)
    write_results("abstain", results, "\n".join(lines))


if __name__ == "__main__":
    main()
