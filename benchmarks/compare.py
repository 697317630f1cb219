"""Comparing across the library: each document's row against labels, and what a comparison costs.

The labelled comparison set is ``questions/compare/`` (its README): topics asked of every document of
the library ``documents.py`` indexes (the plan, the national report and 28 provincial reports), each
cell labelled with the spans that answer it in that document, or as not mentioned. Each topic is asked
in Chinese (``q``) and in English (``q_en``). Per set and language it prints:

- cell accuracy: a mentioned cell is right when its row is not "not mentioned" and its first
  answering sentence is a labelled answer (holds a labelled span, or lies inside one that runs over two
  sentences); a not-mentioned cell is right when its row says "not mentioned" (``confidence == "none"``).
  ``strict`` counts the first case only when the sentence holds a whole span;
- "not mentioned" precision (of the rows told "not mentioned", the share labelled so) and recall (of the
  cells labelled so, the share told so);
- the share of each tier, and the figures per topic.

The decision of "not mentioned" (``qa.compare.Mention``) is fitted by ``fit_compare.py`` on ``compare-tune.jsonl``,
``compare-untouched.jsonl`` and ``../compare-2/`` to ``../compare-9/`` (each untouched when written, tune since its
misses were looked at or it was fitted on; ``compare-6/`` to ``compare-9/`` since the seventh session of 2026-12-06).
They are scored with ``--sets tune``, ``untouched`` to ``untouched-9``. ``../compare-10/`` and ``../compare-11/``
(``untouched-10``, ``untouched-11``, written at the start of that session) judged it, and are tune since the ninth
session of 2026-12-06 (their misses were read; the fit was not redone on them). ``../compare-12/`` and ``../compare-13/``
(``untouched-12``, ``untouched-13``, written at the start of the ninth session) judged it, and are tune since the tenth
(their misses were read). ``../compare-14/`` (written at the end of the ninth session), ``../compare-15/`` and
``../compare-16/`` (during the tenth) and ``../compare-17/`` (at the start of the eleventh) judge what it ships; nothing
reads them to make a choice. ``../compare-18/`` (written at the end of the eleventh session) is tune since the twelfth
(its misses were read), ``../compare-19/`` (written at the start of the twelfth) judges, ``../compare-20/`` (written
at its end) is tune since the thirteenth (its misses were read), and ``../compare-21/`` (written at the start of the
thirteenth) judges. ``../compare-22/`` (written at its end) is tune since the fourteenth (its misses were read);
``../compare-23/`` (written at the start of the fourteenth, 2026-12-07) judged its first round and is tune for its
second, which ``../compare-24/`` (written between the two) judged; it is tune since the fifteenth (its misses were
read), which ``../compare-25/`` (written at the fifteenth's start, before any of its rules was committed) judged; it
is tune since the sixteenth (its misses were read), which ``../compare-26/`` (written at its start, before any of its
rules was committed) judged; it is tune since the seventeenth (its misses were read), which ``../compare-27/`` (written
at its start, before any of its rules was committed) judged; it is tune since the eighteenth (its misses were read),
which ``../compare-28/`` (written at its start, before any of its rules was committed) judged; it is tune since the
nineteenth (its misses were read), which ``../compare-29/`` (written at its start, before any of its rules was
committed) judged; it is tune since the twentieth (its misses were read), which ``../compare-30/`` (written at its
start, before any of its rules was committed) judged; it is tune since the twenty-first (its misses were read), which
``../compare-31/`` (written at its start, before any of its rules was committed) judges, and so do ``../compare-32/``
(written at the twenty-second's start, before any of its rules was committed), ``../compare-33/`` (written at the
twenty-third's start, the same way), ``../compare-34/`` (written at the twenty-fourth's start, the same way),
``../compare-35/`` (written at the twenty-fifth's start, the same way), ``../compare-36/`` (written at the
twenty-sixth's start, the same way) and ``../compare-37/`` (written at the twenty-seventh's start, the same way).

Speed: each of the tune topics' questions and 40 generated questions is asked with ``search()`` and
with ``compare()`` (over every document), in turns, in this process; the figure is the ratio of the
medians. English questions are timed apart too (the tune topics' ``q_en`` and 40 generated English questions).

    python benchmarks/compare.py [--index PATH] [--sets tune untouched untouched-2 ... untouched-28] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_results  # noqa: E402

SET = ROOT / "benchmarks" / "questions" / "compare"
GENERATED = ROOT / "benchmarks" / "questions" / "generated" / "answerable.jsonl"
LANGUAGES = {"q": "Chinese", "q_en": "English"}


def load(path: Path) -> dict[str, list[dict]]:
    """The cells of a set, by topic."""
    topics: dict[str, list[dict]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            cell = json.loads(line)
            topics[cell["topic"]].append(cell)
    return topics


def right_sentence(sentence: str, answers: list[str], strict: bool = False) -> bool:
    """Whether an answering sentence is a labelled answer: it holds one, or (unless ``strict``) one that runs over
    two sentences holds it; script, width, case, punctuation and spaces folded."""
    from qa.text import fold_for_match

    s = fold_for_match(sentence)
    spans = [fold_for_match(a) for a in answers if fold_for_match(a)]
    return bool(s) and any(a in s or (not strict and s in a) for a in spans)


def score(retriever, topics: dict[str, list[dict]], key: str) -> list[dict]:
    """Each cell with what the comparison showed for it."""
    from pathlib import PurePath

    by_stem = {PurePath(name).stem: name for name in retriever.lexicon.places}
    cells = []
    for topic, labelled in topics.items():
        comparison = retriever.compare(labelled[0][key])
        rows = {row.source: row for row in comparison.rows}
        for cell in labelled:
            # The set names a report by its Word file; the library may hold it as PDF.
            row = rows[by_stem[PurePath(cell["source"]).stem]]
            first = row.hit.highlights[0] if row.hit and row.hit.highlights else ""
            cells.append({
                "topic": topic, "source": row.source, "mentioned": cell["mentioned"], "confidence": row.confidence,
                "right": right_sentence(first, cell["answers"]), "strict": right_sentence(first, cell["answers"], True),
                "sentence": first,
            })
    return cells


def figures(cells: list[dict]) -> dict:
    def correct(c: dict, key: str) -> bool:
        return c["confidence"] == "none" if not c["mentioned"] else (c["confidence"] != "none" and c[key])

    told = [c for c in cells if c["confidence"] == "none"]
    labelled = [c for c in cells if not c["mentioned"]]
    tiers = Counter(c["confidence"] for c in cells)
    return {
        "cells": len(cells),
        "not_mentioned": len(labelled),
        "accuracy": sum(correct(c, "right") for c in cells) / len(cells),
        "accuracy_strict": sum(correct(c, "strict") for c in cells) / len(cells),
        "nm_precision": sum(not c["mentioned"] for c in told) / len(told) if told else None,
        "nm_recall": sum(c["confidence"] == "none" for c in labelled) / len(labelled) if labelled else None,
        "sentence_mentioned": sum(c["right"] for c in cells if c["mentioned"]) / max(1, len(cells) - len(labelled)),
        **{t: tiers[t] / len(cells) for t in ("answer", "uncertain", "none")},
    }


def speed(retriever, questions: list[str], rounds: int) -> dict:
    """``compare()`` over every document against one ``search()``, asked in turns: medians and their ratio."""
    for q in questions[:3]:  # warm: the model, jieba, the English glossary, chance, the comparer
        retriever.search(q)
        retriever.compare(q)
    searched, compared = [], []
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            retriever.search(q)
            searched.append(time.perf_counter() - t)
            t = time.perf_counter()
            retriever.compare(q)
            compared.append(time.perf_counter() - t)
    s, c = statistics.median(searched), statistics.median(compared)
    return {"questions": len(questions), "rounds": rounds, "search_ms": 1000 * s, "compare_ms": 1000 * c, "ratio": c / s,
            "documents": len(retriever.lexicon.places)}


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


#: The labelled sets by name: each untouched when written; see the module's docstring for which are tune since.
SETS = {"tune": SET / "compare-tune.jsonl", "untouched": SET / "compare-untouched.jsonl",
        **{f"untouched-{n}": SET.parent / f"compare-{n}" / "compare-untouched.jsonl" for n in range(2, 38)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "documents" / "index")
    ap.add_argument("--sets", nargs="+", default=["tune"], choices=list(SETS),
                    help="which labelled sets to score (the later ones once each, on a frozen method)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    from qa import Retriever
    from qa.search import single_query_threads

    single_query_threads()
    retriever = Retriever(args.index)
    sets = {name: SETS[name] for name in args.sets}
    mention = retriever.mention_model
    decided = f"the fitted decision of \"not mentioned\" (P ≥ {mention.threshold})" if mention else "the share rule (qa.compare.AGREEMENT)"
    results: dict = {"decision": decided, "sets": {}}
    lines = [f"Comparisons over {len(retriever.lexicon.places)} documents ({args.index}); {decided}", "",
             "| set | language | cells | not mentioned | cell accuracy | strict | NM precision | NM recall | "
             "right sentence (mentioned) | answer | uncertain | none |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    per_topic = ["", "Per topic (cell accuracy, NM precision, NM recall):", "", "| set | topic | language | accuracy | NM precision | NM recall |",
                 "|---|---|---|---:|---:|---:|"]
    for name, path in sets.items():
        topics = load(path)
        results["sets"][name] = {}
        for key, language in LANGUAGES.items():
            cells = score(retriever, topics, key)
            f = figures(cells)
            results["sets"][name][key] = {"all": f, "topics": {t: figures([c for c in cells if c["topic"] == t]) for t in topics},
                                          "cells": cells}
            lines.append(f"| {name} | {language} | {f['cells']} | {f['not_mentioned']} | {fmt(f['accuracy'])} | "
                         f"{fmt(f['accuracy_strict'])} | {fmt(f['nm_precision'])} | {fmt(f['nm_recall'])} | "
                         f"{fmt(f['sentence_mentioned'])} | {fmt(f['answer'])} | {fmt(f['uncertain'])} | {fmt(f['none'])} |")
            for t, tf in results["sets"][name][key]["topics"].items():
                per_topic.append(f"| {name} | {t} | {language} | {fmt(tf['accuracy'])} | {fmt(tf['nm_precision'])} | {fmt(tf['nm_recall'])} |")

    tune = load(SET / "compare-tune.jsonl").values()
    generated = [json.loads(line) for line in GENERATED.read_text(encoding="utf-8").splitlines()]
    questions = [cells[0]["q"] for cells in tune] + [g["q"] for g in generated[::75]][:40]
    results["speed"] = s = speed(retriever, questions, args.rounds)
    # English questions apart: their Chinese words are read through the glossary, and a comparison of theirs costs more
    english = [cells[0]["q_en"] for cells in tune] + [g["q"] for g in generated if g.get("lang") == "en"][::6][:40]
    results["speed_english"] = e = speed(retriever, english, args.rounds)
    lines += ["", f"Speed: one comparison over {s['documents']} documents {s['compare_ms']:.1f} ms, one search() "
              f"{s['search_ms']:.1f} ms (medians of {s['questions']} questions × {s['rounds']} rounds, in turns): "
              f"**{s['ratio']:.2f}×**; English questions alone ({e['questions']}): {e['compare_ms']:.1f} ms against "
              f"{e['search_ms']:.1f} ms, **{e['ratio']:.2f}×**"]
    write_results("compare", results, "\n".join(lines + per_topic))


if __name__ == "__main__":
    main()
