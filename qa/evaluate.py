"""Measure answers against labelled questions (``qa eval``).

A file has one JSON object a line: ``q`` (the question), ``answers``
(strings copied from the source; empty when the source has no answer) and
``lang``. A conversation line has ``turns`` (the questions, oldest first)
instead of ``q``, and ``kind``; its ``answers`` answer the last turn, asked
with the earlier ones as history, and its figures are also given by kind. A
quote answers when it contains one of the answers, compared after folding
script, width, case, punctuation and spaces.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from .abstain import TIERS
from .search import Fusion
from .text import fold_for_match

#: Sections ranked per question; MRR counts ranks up to this.
RANK_DEPTH = 10


def load_questions(path: str | Path) -> list[dict]:
    """Read a JSONL file of labelled questions.

    Raises:
        ValueError: a line is not JSON or lacks ``q``/``answers``; the message gives the line.
    """
    items = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if "turns" in item:  # a conversation: the last turn, asked after the others
                assert item["turns"] and all(isinstance(t, str) for t in item["turns"])
                item = {**item, "q": item["turns"][-1], "history": item["turns"][:-1]}
            assert isinstance(item["q"], str) and isinstance(item["answers"], list)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise ValueError(f"{path}:{n}: expected a JSON object with 'q' (or 'turns') and 'answers'") from None
        item.setdefault("lang", "?")
        items.append(item)
    return items


def contains_answer(text: str, answers: list[str]) -> bool:
    """True when ``text`` holds one of ``answers``, ignoring script, width, punctuation and spaces."""
    folded = fold_for_match(text)
    return any(fold_for_match(a) in folded for a in answers if fold_for_match(a))


def evaluate(retriever, questions: list[dict], fusion: Fusion | None = None) -> dict:
    """Run labelled questions through ``retriever``; figures per language.

    Args:
        retriever: A :class:`qa.Retriever`.
        questions: From :func:`load_questions`.
        fusion: None answers each question as the product does, abstaining
            included; a :class:`~qa.search.Fusion` only ranks with it, without re-scorers (a baseline).

    Returns:
        ``{lang: {n, hit@1, hit@3, mrr, sentence@1, ...}, "out_of_scope": {...},
        "latency_ms": {p50, p95}}``; ``"zh"`` groups both Chinese scripts and
        ``"all"`` every answerable question.
    """
    rows = defaultdict(list)
    oos, latencies, details = defaultdict(list), [], []
    same_as_alone = defaultdict(list)
    for item in questions:
        history = item.get("history")
        t0 = time.perf_counter()
        if fusion is None:
            ans = retriever.answer(item["q"], k=RANK_DEPTH, history=history)
            ranked, tier = (ans.hits or ans.related), ans.confidence
        else:  # a baseline: rank only, always sure
            ranked, tier = retriever.search(item["q"], k=RANK_DEPTH, fusion=fusion, rescorers=()), "answer"
        latencies.append((time.perf_counter() - t0) * 1000)
        kind = item.get("kind")
        detail = {"q": item["q"], "history": history, "kind": kind}
        if fusion is None and history and kind and kind.startswith("switch"):
            # A new topic is answered exactly as if it were asked first.
            alone = retriever.answer(item["q"], k=RANK_DEPTH)
            same = alone.confidence == ans.confidence and [h.to_dict() for h in alone.hits + alone.related] == [
                h.to_dict() for h in ans.hits + ans.related]
            same_as_alone[kind].append(same)
            detail["same_as_alone"] = same
        if fusion is None and history:
            detail["understood_as"] = ans.understood_as
        if not item["answers"]:
            for g in ["all"] + ([kind] if kind else []):
                oos[g].append(tier)
            details.append({**detail, "confidence": tier})
            continue
        rank = next((i for i, h in enumerate(ranked, 1) if contains_answer(h.text, item["answers"])), None)
        sent = bool(ranked and ranked[0].highlights and contains_answer(ranked[0].highlights[0], item["answers"]))
        row = {"rank": rank, "sentence": sent, "confidence": tier}
        details.append({**detail, **row})
        lang = item["lang"]
        groups = [lang, "all"] + (["zh"] if lang.startswith("zh") else []) + ([f"kind:{kind}"] if kind else [])
        for g in groups:
            rows[g].append(row)

    def figures(rs: list[dict]) -> dict:
        ranks = [r["rank"] for r in rs]
        return {
            "n": len(rs),
            "hit@1": _mean([r == 1 for r in ranks]),
            "hit@3": _mean([r is not None and r <= 3 for r in ranks]),
            "mrr": _mean([1 / r if r else 0.0 for r in ranks]),
            "sentence@1": _mean([r["sentence"] for r in rs]),
            # as the user sees it: the right quote, or its answering sentence, first and not told "none"
            "first": _mean([r["rank"] == 1 and r["confidence"] != "none" for r in rs]),
            "sentence_first": _mean([r["sentence"] and r["confidence"] != "none" for r in rs]),
            **tiers([r["confidence"] for r in rs]),
            # None when nothing was given as sure: a precision of no replies is no figure
            "precision": _mean(sure) if (sure := [r["rank"] == 1 for r in rs if r["confidence"] == "answer"]) else None,
        }

    result = {g: figures(rs) for g, rs in sorted(rows.items())}
    result["out_of_scope"] = {"n": len(oos["all"]), **tiers(oos["all"])}
    for kind in sorted(k for k in oos if k != "all"):
        result["out_of_scope"][f"kind:{kind}"] = {"n": len(oos[kind]), **tiers(oos[kind])}
    if same_as_alone:
        result["same_as_alone"] = {k: {"n": len(v), "share": _mean(v)} for k, v in sorted(same_as_alone.items())}
    result["latency_ms"] = {
        "p50": round(float(np.percentile(latencies, 50)), 2) if latencies else 0.0,
        "p95": round(float(np.percentile(latencies, 95)), 2) if latencies else 0.0,
    }
    result["details"] = details
    return result


def tiers(confidences: list[str]) -> dict:
    """The share of each reply (:data:`qa.abstain.TIERS`)."""
    return {t: _mean([c == t for c in confidences]) for t in TIERS}


def _mean(values: list) -> float:
    return round(float(np.mean(values)), 4) if values else 0.0


def format_table(result: dict) -> str:
    """The figures of :func:`evaluate` as a plain-text table.

    ``first`` and ``sent.first`` count a question whose right quote (answering sentence) comes first and
    is shown, sure or not; ``answer``, ``unsure`` and ``none`` are the shares of each reply, and
    ``prec.`` the share of ``answer`` replies whose first quote is right.
    """
    columns = [("hit@1", "hit@1"), ("hit@3", "hit@3"), ("MRR", "mrr"), ("sent@1", "sentence@1"), ("first", "first"),
               ("sent.first", "sentence_first"), ("answer", "answer"), ("unsure", "uncertain"), ("none", "none"),
               ("prec.", "precision")]
    width = {key: max(8, len(head) + 1) for head, key in columns}
    lines = [f"{'group':<9}{'n':>4}" + "".join(f"{head:>{width[key]}}" for head, key in columns)]
    for g, f in result.items():
        if g in ("out_of_scope", "latency_ms", "details", "same_as_alone"):
            continue
        lines.append(f"{g:<9}{f['n']:>4}" + "".join(
            f"{'-':>{width[key]}}" if f[key] is None else f"{f[key]:>{width[key]}.3f}" for _, key in columns))
    o, lat = result["out_of_scope"], result["latency_ms"]

    def shares(f: dict) -> str:
        return f"answer {f['answer']:.3f}, unsure {f['uncertain']:.3f}, none {f['none']:.3f} of {f['n']}"

    lines.append(f"out-of-scope questions: {shares(o)}")
    for g, f in o.items():
        if g.startswith("kind:"):
            lines.append(f"  {g[5:]}: {shares(f)}")
    for kind, f in result.get("same_as_alone", {}).items():
        lines.append(f"{kind} turns answered as when asked alone: {f['share']:.3f} of {f['n']}")
    lines.append(f"answerable questions told none: {result.get('all', {}).get('none', 0.0):.3f}")
    lines.append(f"latency: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms")
    return "\n".join(lines)
