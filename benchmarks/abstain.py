"""How sure the assistant is, as the library grows: the same fitted decision on the plan alone, on the
plan with the 29 real documents, and on the plan inside a synthetic corpus of 10,000 sections.

For each library it asks labelled questions and prints, for the answerable ones, the share of each
reply (``answer``, ``uncertain``, ``none``), how often the right quote comes first and is shown
(``first``: a "none" counts as a miss), and the precision of ``answer``; for the off-topic ones, the
share given ``answer`` and ``none``, and ``none`` again among those whose words the model of the questions plans are
asked (``fit_domain.py``) was not fitted on (writers repeat 「晚安」). Rows per library:

- ``tune``: the hand-written sets the confidence model was fitted and chosen on
  (``fit_confidence.py``'s :data:`TUNE`, as far as each library holds their answers);
- ``untouched``: ``questions/untouched-15/``, written at the start of the fifth session of 2026-12-06 by writers who
  had seen no code, no other set and no figure, before English names were read in Chinese and the ``none`` point was
  chosen again (``fit_domain.py``), and never used to make a choice;
- ``untouched-16``: ``questions/untouched-16/``, written the same way at the start of the eighth session, before the
  evidence was let outweigh that model; half its questions ask whether and where the documents mention a thing, and
  half its off-topic ones ask so of everyday things;
- ``mention-tune`` (the library only): ``questions/mention-probe/tune.jsonl``, a tune probe of such questions written
  in the same session (its answer is any quote that names the thing);
- ``untouched-14``: ``questions/untouched-14/``, written the same way a session before, before the model of the
  questions plans are asked;
- ``untouched-13``: ``questions/untouched-13/``, written the same way in the third session of that day, before its
  third round of rules; ``untouched-10``: ``questions/untouched-10/``, a session before. Measured on what each
  session since shipped, and never used to make a choice either. (The earlier untouched sets, ``questions/untouched/``
  to ``untouched-9/``, ``untouched-11/`` and ``untouched-12/``, became tune sets once their misses were looked at or
  their figures chose a fit: see their READMEs.)
- ``untouched-17``: ``questions/untouched-17/``, written the same way at the end of the ninth session, after its last
  change, and first measured at the start of the tenth; ``untouched-18``: ``questions/untouched-18/``, written the
  same way at the start of the tenth session, before any of its changes; ``untouched-19``: ``questions/untouched-19/``,
  written the same way at the start of the eleventh, before any of its changes (most of its plan questions ask, in
  new words, for facts earlier sets asked: the plan has few stretches without pinyin glosses); ``untouched-20``:
  ``questions/untouched-20/``, written the same way during the eleventh session, while its first rules were made;
  ``untouched-21``: ``questions/untouched-21/``, written the same way at the end of the eleventh, after its last change;
  ``untouched-22``: ``questions/untouched-22/``, written the same way at the start of the twelfth, while its first rules
  were made; ``untouched-23``: ``questions/untouched-23/``, written the same way at the end of the twelfth, after its
  last change; ``untouched-24``: ``questions/untouched-24/``, written the same way at the start of the thirteenth,
  before any of its changes; ``untouched-25``: ``questions/untouched-25/``, written the same way at the end of the
  thirteenth, after its last change; ``untouched-26``: ``questions/untouched-26/``, written the same way at the start of
  the fourteenth (2026-12-07), before any of its changes; ``untouched-27``: ``questions/untouched-27/``, written the
  same way during the fourteenth, after its first round of rules and before its second; ``untouched-28``:
  ``questions/untouched-28/``, written the same way at the start of the fifteenth, before any of its rules was committed;
  ``untouched-29``: ``questions/untouched-29/``, written the same way at the start of the sixteenth, before any of its
  rules was committed; ``untouched-30``: ``questions/untouched-30/``, written the same way at the start of the
  seventeenth, before any of its rules was committed; ``untouched-31``: ``questions/untouched-31/``, written the same
  way at the start of the eighteenth, before any of its rules was committed; ``untouched-32``: ``questions/untouched-32/``,
  written the same way at the start of the nineteenth, before any of its rules was committed; ``untouched-33``:
  ``questions/untouched-33/``, written the same way at the start of the twentieth, before any of its rules was
  committed; ``untouched-34``: ``questions/untouched-34/``, written the same way at the start of the twenty-first,
  before any of its rules was committed; ``untouched-35``: ``questions/untouched-35/``, written the same way at the
  start of the twenty-second, before any of its rules was committed; ``untouched-36``: ``questions/untouched-36/``,
  written the same way at the start of the twenty-third, before any of its rules was committed; ``untouched-37``:
  ``questions/untouched-37/``, written the same way at the start of the twenty-fourth, before any of its rules was
  committed; ``untouched-38``: ``questions/untouched-38/``, written the same way at the start of the twenty-fifth,
  before any of its rules was committed; ``untouched-39``: ``questions/untouched-39/``, written the same way at the
  start of the twenty-sixth, before any of its rules was committed; ``untouched-40``: ``questions/untouched-40/``,
  written the same way at the start of the twenty-seventh, before any of its rules was committed.

Since the tenth session ``untouched-14`` to ``untouched-17`` are tune sets too (misses of theirs chose its rules: their
READMEs), ``untouched-19`` since the eleventh, ``untouched-21`` since the twelfth and ``untouched-23`` since the
thirteenth, ``untouched-25`` since the fourteenth, ``untouched-26`` since its second round, ``untouched-27`` since the
fifteenth, ``untouched-28`` since the sixteenth, ``untouched-29`` since the seventeenth, ``untouched-30`` since the
eighteenth, ``untouched-31`` since the nineteenth, ``untouched-32`` since the twentieth, ``untouched-33`` since the
twenty-first, still printed as their own rows; ``untouched-10``, ``untouched-13``, ``untouched-18``, ``untouched-20``,
``untouched-22``, ``untouched-24``, ``untouched-34``, ``untouched-35``, ``untouched-36``, ``untouched-37``,
``untouched-38``, ``untouched-39`` and ``untouched-40`` are untouched.

Libraries:

- ``plan``: the shipped plan.
- ``library``: the index ``benchmarks/documents.py`` builds (the plan, the national report, the 28
  provincial reports, six of them as PDF). Run ``documents.py`` first.
- ``synthetic``: the plan plus 10,000 sections synthesised from the plan's and CMRC 2018's clauses
  (as ``bench_scale.py`` makes them), embedded with the default model: never seen by the fit.

    python benchmarks/abstain.py [--libraries plan library synthetic] [--parts tune untouched-10 untouched-13 untouched-14 untouched untouched-16 untouched-17 untouched-18 untouched-19 untouched-20 untouched-21 untouched-22 untouched-23 untouched-24 untouched-25 untouched-26 untouched-27 untouched-28 untouched-29 untouched-30 untouched-31 untouched-32 untouched-33 untouched-34 untouched-35 untouched-36 untouched-37 untouched-38 untouched-39 untouched-40 mention-tune] [--sections 10000]
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
# the untouched sets whose misses were looked at, or whose figures chose a fit: tune sets since (their READMEs)
EARLIER = [HERE / "questions" / f"untouched{n}" for n in ("", "-2", "-3", "-4", "-5", "-6", "-7", "-8", "-9", "-11", "-12")]
TUNE = [EVAL / "dev.jsonl", HERE / "calibration_extra.jsonl"] + [u / f for u in EARLIER for f in ("plan.jsonl", "offtopic.jsonl")] + [
    HERE / "questions" / f for f in ("offtopic.jsonl", "offtopic-heldout.jsonl")]
# written 2026-12-06 after the last choice of that day (which confidence fit to ship); measured on what was shipped then
UNTOUCHED_10 = HERE / "questions" / "untouched-10"
# written in the third session of 2026-12-06, before its third round of rules; measured on what it ships
UNTOUCHED_13 = HERE / "questions" / "untouched-13"
# written at the start of the fourth session of 2026-12-06, before the model of the questions plans are asked
UNTOUCHED_14 = HERE / "questions" / "untouched-14"
# written at the start of the fifth session of 2026-12-06, before English names read in Chinese and the none point
# chosen again with the model of the questions plans are asked
UNTOUCHED = HERE / "questions" / "untouched-15"
# written at the start of the eighth session of 2026-12-06, before the evidence was let outweigh the model of the
# questions plans are asked: half its questions ask whether and where the documents mention a thing
UNTOUCHED_16 = HERE / "questions" / "untouched-16"
# written at the end of the ninth session of 2026-12-06, after its last change; first measured in the tenth
UNTOUCHED_17 = HERE / "questions" / "untouched-17"
# written at the start of the tenth session of 2026-12-06, before any change of that session
UNTOUCHED_18 = HERE / "questions" / "untouched-18"
# written at the start of the eleventh session of 2026-12-06, before any change of that session
UNTOUCHED_19 = HERE / "questions" / "untouched-19"
# written during the eleventh session of 2026-12-06 by a helper who saw no code, while its first rules were made
UNTOUCHED_20 = HERE / "questions" / "untouched-20"
# written at the end of the eleventh session of 2026-12-06, after its last change; first measured in the next
UNTOUCHED_21 = HERE / "questions" / "untouched-21"
# written at the start of the twelfth session of 2026-12-06 by a helper who saw no code, while its first rules were made
UNTOUCHED_22 = HERE / "questions" / "untouched-22"
# written at the end of the twelfth session of 2026-12-06, after its last change; first measured in the next
UNTOUCHED_23 = HERE / "questions" / "untouched-23"
# written at the start of the thirteenth session of 2026-12-06 by a helper who saw no code, before any change of it
UNTOUCHED_24 = HERE / "questions" / "untouched-24"
# written at the end of the thirteenth session of 2026-12-06, after its last change; first measured in the next
UNTOUCHED_25 = HERE / "questions" / "untouched-25"
# written at the start of the fourteenth session (2026-12-07) by a helper who saw no code, before any change of it
UNTOUCHED_26 = HERE / "questions" / "untouched-26"
# written during the fourteenth session by a helper who saw no code, after its first round of rules, before its second
UNTOUCHED_27 = HERE / "questions" / "untouched-27"
UNTOUCHED_28 = HERE / "questions" / "untouched-28"
# written at the start of the sixteenth session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_29 = HERE / "questions" / "untouched-29"
# written at the start of the seventeenth session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_30 = HERE / "questions" / "untouched-30"
# written at the start of the eighteenth session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_31 = HERE / "questions" / "untouched-31"
# written at the start of the nineteenth session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_32 = HERE / "questions" / "untouched-32"
# written at the start of the twentieth session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_33 = HERE / "questions" / "untouched-33"
# written at the start of the twenty-first session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_34 = HERE / "questions" / "untouched-34"
# written at the start of the twenty-second session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_35 = HERE / "questions" / "untouched-35"
# written at the start of the twenty-third session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_36 = HERE / "questions" / "untouched-36"
# written at the start of the twenty-fourth session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_37 = HERE / "questions" / "untouched-37"
# written at the start of the twenty-fifth session (2026-12-07) by helpers who saw no code, before any of its rules
UNTOUCHED_38 = HERE / "questions" / "untouched-38"
# written at the start of the twenty-sixth session (2026-12-08) by helpers who saw no code, before any of its rules
UNTOUCHED_39 = HERE / "questions" / "untouched-39"
# written at the start of the twenty-seventh session (2026-12-08) by helpers who saw no code, before any of its rules
UNTOUCHED_40 = HERE / "questions" / "untouched-40"
PARTS = {"untouched-10": UNTOUCHED_10, "untouched-13": UNTOUCHED_13, "untouched-14": UNTOUCHED_14, "untouched": UNTOUCHED,
         "untouched-16": UNTOUCHED_16, "untouched-17": UNTOUCHED_17, "untouched-18": UNTOUCHED_18,
         "untouched-19": UNTOUCHED_19, "untouched-20": UNTOUCHED_20,
         "untouched-21": UNTOUCHED_21, "untouched-22": UNTOUCHED_22,
         "untouched-23": UNTOUCHED_23, "untouched-24": UNTOUCHED_24,
         "untouched-25": UNTOUCHED_25, "untouched-26": UNTOUCHED_26, "untouched-27": UNTOUCHED_27,
         "untouched-28": UNTOUCHED_28, "untouched-29": UNTOUCHED_29,
         "untouched-30": UNTOUCHED_30, "untouched-31": UNTOUCHED_31,
         "untouched-32": UNTOUCHED_32, "untouched-33": UNTOUCHED_33,
         "untouched-34": UNTOUCHED_34, "untouched-35": UNTOUCHED_35,
         "untouched-36": UNTOUCHED_36, "untouched-37": UNTOUCHED_37,
         "untouched-38": UNTOUCHED_38, "untouched-39": UNTOUCHED_39,
         "untouched-40": UNTOUCHED_40}
#: Tune questions that ask the library whether and where it mentions a thing (10 things × 8 wordings, and 10 everyday
#: things × 3), written 2026-12-06 in the eighth session, before its changes
MENTION_TUNE = HERE / "questions" / "mention-probe" / "tune.jsonl"
QUESTIONS = {
    "plan": {"tune": TUNE, **{k: [u / "plan.jsonl", u / "offtopic.jsonl"] for k, u in PARTS.items()}},
    "library": {
        "tune": [EVAL / "documents-dev.jsonl"] + [HERE / "questions" / f for f in (
            "documents.jsonl", "documents-zh.jsonl", "documents-en.jsonl", "definitions.jsonl", "offtopic.jsonl",
            "offtopic-heldout.jsonl")] + [u / f for u in EARLIER for f in ("documents.jsonl", "offtopic.jsonl")],
        **{k: [u / "documents.jsonl", u / "offtopic.jsonl"] for k, u in PARTS.items()},
        "mention-tune": [MENTION_TUNE],
    },
    "synthetic": {"tune": TUNE, **{k: [u / "plan.jsonl", u / "offtopic.jsonl"] for k, u in PARTS.items()}},
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
    shutil.copy(ROOT / "data" / "titles.json", data)  # the plan's title, as shipped
    t = time.perf_counter()
    report = build_index(data, index)
    print(f"{name}: {report.summary()} ({time.perf_counter() - t:.0f} s)", flush=True)
    return data, index


def measure(retriever, questions: list[dict], seen: frozenset[str] = frozenset()) -> dict:
    """The replies' figures (:func:`qa.evaluate.evaluate`), in one row; and off-topic told none among those whose
    words are not among ``seen`` (the questions the model of the questions plans are asked was fitted on)."""
    from qa.evaluate import evaluate

    result = evaluate(retriever, questions)
    row = {k: result.get("all", {}).get(k) for k in ("n", "none", "uncertain", "answer", "first", "precision")}
    row = {k: float("nan") if v is None else v for k, v in row.items()}  # no such questions, or none given as sure
    row["first_zh"] = result.get("zh", {}).get("first", float("nan"))
    o = result["out_of_scope"]
    row.update(offtopic=o["n"], offtopic_answer=o["answer"], offtopic_none=o["none"])
    # each question's reply, in order (qa.evaluate's details): not asked again
    unseen = [d["confidence"] for q, d in zip(questions, result["details"]) if not q["answers"] and q["q"] not in seen]
    row["unseen"] = len(unseen)
    row["unseen_none"] = unseen.count("none") / len(unseen) if unseen else float("nan")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libraries", nargs="+", default=["plan", "library", "synthetic"], choices=list(QUESTIONS))
    ap.add_argument("--sections", type=int, default=10_000, help="synthetic sections")
    ap.add_argument("--work", type=Path, default=HERE / ".work" / "abstain")
    ap.add_argument("--parts", nargs="+", default=["tune", *PARTS, "mention-tune"], help="which rows")
    args = ap.parse_args()

    from fit_domain import labelled

    from qa import Retriever

    seen = frozenset(q["q"] for q in labelled())  # what the model of the questions plans are asked was fitted on
    results, lines = {}, [
        "| library | questions | units | answerable | none | uncertain | answer | first | first (zh) | precision of answer "
        "| off-topic | given answer | given none | off-topic unseen by the fit | given none |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in args.libraries:
        data, index = index_for(name, args.work, args.sections)
        r = Retriever(index)
        for part, paths in QUESTIONS[name].items():
            if part not in args.parts:
                continue
            f = measure(r, load(paths, data), seen)
            results[f"{name}/{part}"] = {"units": len(r.index.units), **f}
            lines.append(
                f"| {name} | {part} | {len(r.index.units)} | {f['n']} | {f['none']:.3f} | {f['uncertain']:.3f} | "
                f"{f['answer']:.3f} | {f['first']:.3f} | {f['first_zh']:.3f} | {f['precision']:.3f} | {f['offtopic']} | "
                f"{f['offtopic_answer']:.3f} | {f['offtopic_none']:.3f} | {f['unseen']} | {f['unseen_none']:.3f} |"
            )
            print(lines[-1], flush=True)
    write_results("abstain", results, "\n".join(lines))


if __name__ == "__main__":
    main()
