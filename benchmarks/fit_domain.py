"""Fit which questions are of the kind plans and reports are asked (:class:`qa.abstain.Domain`) and write it to
qa/calibration.json.

A logistic model of the question's vector (the one the search embeds anyway) learns questions asked of the
library's documents against questions no development plan is asked: chit-chat, everyday advice, general
knowledge. Questions about a place, year or foreign scheme the library lacks ("near-miss") are of the documents'
kind and are left out: names and the evidence decide those.

- Of the kind (1): the generated answerable questions (``questions/generated/answerable.jsonl``) and the
  hand-written answerable ones of the tune sets.
- Not (0): the generated off-topic questions made from CMRC 2018, everyday and chit-chat lists
  (:data:`GENERATED_OFF`), and the tune sets' off-topic questions of those kinds (:data:`OFF_KINDS`).

Tune sets are :data:`fit_confidence.TUNE` and the untouched sets whose misses were looked at
(``abstain.py``'s ``EARLIER``); untouched-10, untouched-13 and later are never read here.

Cross-validation leaves each hand-written set out in turn (an untouched set's files together; the generated questions
always train), and with it every question of the same words elsewhere (「晚安」 is in six sets). The operating
point is the highest probability under which at most :data:`MAX_UNDER` of the hand-written answerable questions
fall out of fold; the penalty (:data:`PENALTIES`) is the one that then puts most off-topic ones under it. The
model only turns "uncertain" into "none" (:func:`qa.abstain.tier`), so its cost to answerable questions is at most
that share.

The model takes over a part of the evidence's work, so the script then chooses the confidence's ``none`` point
(:attr:`qa.abstain.Confidence.none`) again (:func:`none_point`): chosen before this model, it turned away the
plan's hardest answerable questions together with chit-chat that this model now tells "none" by itself (on the
tune sets, 13 of the plan's 707 answerable questions and 18 of its 981 off-topic ones fell under it that this
model would not catch). It is the highest under which at most :data:`MAX_NONE` of each real library's hand-written
tune answerable questions fall (those a name rules out left out; their probabilities are the fitted model's own).

    python benchmarks/fit_domain.py [--index PATH] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from abstain import EARLIER, QUESTIONS, index_for, load  # noqa: E402
from common import ROOT, write_results  # noqa: E402
from fit_confidence import GENERATED, TUNE, fit, write_fit  # noqa: E402

#: Generated off-topic questions that no plan is asked (the others name a missing place or year, or ask in a
#: report's words about what the library lacks: of the documents' kind).
GENERATED_OFF = {"cmrc2018", "everyday", "chit-chat", "everyday-en", "chit-chat-en"}
#: Hand-written off-topic kinds (``type`` or ``kind``) that no plan is asked.
OFF_KINDS = {"everyday", "knowledge", "chit-chat", "trivia", "tech"}
#: Share of the hand-written answerable questions that may fall under the point, out of fold.
MAX_UNDER = 0.005
#: The L2 penalties tried (on standardised inputs).
PENALTIES = (1.0, 10.0, 100.0, 1000.0)
#: Share of each real library's hand-written tune answerable questions that may fall under the confidence's ``none``.
MAX_NONE = 0.01


def labelled() -> list[dict]:
    """Every question with its label (1 of the kind, 0 not) and its group (``generated``, or its set)."""
    paths = list(dict.fromkeys([*TUNE, *(u / f for u in EARLIER for f in ("plan.jsonl", "documents.jsonl", "offtopic.jsonl"))]))
    out = []
    for path in [*GENERATED, *paths]:
        generated = path in GENERATED
        # a set's questions leave together (an untouched set's folder), the others file by file
        group = "generated" if generated else path.parent.name if path.parent.name.startswith("untouched") else path.name
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            if generated:
                off = q.get("from") in GENERATED_OFF
            else:
                off = (q.get("type") or q.get("kind")) in OFF_KINDS
            if q["answers"]:
                label = 1
            elif off:
                label = 0
            else:
                continue
            out.append({"q": q["q"], "label": label, "group": group, "lang": q.get("lang", "zh-Hans")})
    return out


def point_for(p: np.ndarray, most: float) -> float:
    """The highest probability with at most ``most`` of ``p`` under it."""
    p = np.sort(p)
    k = int(np.floor(most * len(p)))
    return float(p[k]) if k < len(p) else 1.0


def none_point() -> tuple[float, dict]:
    """The confidence's ``none`` point given the model of the questions plans are asked (the module's docstring), and
    per real library the number of hand-written answerable tune questions and the share under the point."""
    from fit_confidence import REAL

    from qa import Retriever, abstain

    relevant = {}
    # one question at a time, as the product embeds it (fit_confidence.measure embeds in batches of 64, and the int8
    # vectors move with what shares their batch)
    for name in REAL:
        data, index = index_for(name, ROOT / "benchmarks" / ".work" / "abstain", 0)
        r = Retriever(index)
        p = []
        for item in load(QUESTIONS[name]["tune"], data):
            if not item["answers"]:
                continue
            q = r.parse(item["q"])
            evidence = r.evidence(q, r.score(q))
            if not evidence.unknown:
                p.append(float(r.confidence_model.relevant.probability(abstain.features(evidence, r.chance(q.language), q.language))))
        relevant[name] = np.array(p)
    point = float(np.floor(min(point_for(p, MAX_NONE) for p in relevant.values()) * 1000) / 1000)  # not above it
    return point, {name: (len(p), float((p < point).mean())) for name, p in relevant.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "documents" / "index")
    ap.add_argument("--no-write", action="store_true", help="report only; leave qa/calibration.json as it is")
    args = ap.parse_args()

    from qa import Retriever
    from qa.abstain import Domain
    from qa.embed import vector_space
    from qa.index import current_manifest

    rows = labelled()
    retriever = Retriever(args.index)
    # In chunks of 256, as the shipped fit was made: the int8 model's vectors move a little with what shares their
    # batch (cosine ≥ 0.993 to one embedded alone, as the product does), and the fit with them.
    x = np.vstack([retriever.encode([r["q"] for r in rows[i : i + 256]]) for i in range(0, len(rows), 256)]).astype(np.float64)
    y = np.array([r["label"] for r in rows], dtype=float)
    group = np.array([r["group"] for r in rows])
    texts = np.array([r["q"] for r in rows])
    english = np.array([r["lang"] == "en" for r in rows])
    hand = group != "generated"
    print(f"{len(rows)} questions: generated {int((~hand & (y == 1)).sum())} of the kind / {int((~hand & (y == 0)).sum())} not, "
          f"hand-written {int((hand & (y == 1)).sum())} / {int((hand & (y == 0)).sum())}", flush=True)

    trials = {}
    for penalty in PENALTIES:
        p = np.full(len(rows), np.nan)
        for g in sorted(set(group[hand])):
            out = group == g
            # the same words asked in another set ("晚安", "你好") would be known, not learned: out too
            train = ~out & ~np.isin(texts, texts[out])
            model = fit(x[train], y[train], np.ones(int(train.sum())), penalty)
            p[out] = model.probability(x[out])
        point = point_for(p[hand & (y == 1)], MAX_UNDER)
        trials[penalty] = (p, point, float((p[hand & (y == 0)] < point).mean()))
        print(f"  penalty {penalty:g}: point {point:.3f}, off-topic under it {trials[penalty][2]:.3f}", flush=True)
    penalty = max(PENALTIES, key=lambda k: trials[k][2])
    p, point, _ = trials[penalty]

    def share(mask: np.ndarray) -> str:
        return f"{(p[mask] < point).mean():.3f} ({int(mask.sum())})" if mask.any() else "-"

    table = {g: {"of the kind": share(hand & (group == g) & (y == 1)), "not": share(hand & (group == g) & (y == 0))}
             for g in sorted(set(group[hand]))}
    table["all"] = {"of the kind": share(hand & (y == 1)), "not": share(hand & (y == 0))}
    table["all, English"] = {"of the kind": share(hand & english & (y == 1)), "not": share(hand & english & (y == 0))}

    full = fit(x, y, np.ones(len(rows)), penalty)
    domain = Domain(full, point)
    manifest = current_manifest(args.index)
    space = vector_space(manifest.model, manifest.backend)
    entry = {
        "fitted": time.strftime("%Y-%m-%d"),
        "on": f"{len(rows)} questions ({int(hand.sum())} hand-written, of tune sets); penalty {penalty:g}; point out of fold "
              f"(hand-written sets left out): {table['all']['of the kind']} of answerable and {table['all']['not']} of "
              f"off-topic ones under it",
        **domain.to_dict(),
    }
    if not args.no_write:
        write_fit(manifest, "domain", entry)

    none, under = none_point()
    from qa.abstain import calibration

    confidence = dict(calibration()[space]["confidence"])
    before = confidence["none"]
    confidence["none"] = none
    confidence["on"] = (confidence["on"].split("; none chosen again")[0] + f"; none chosen again on "
                        f"{time.strftime('%Y-%m-%d')} with the model of the questions plans are asked (fit_domain.py)")
    if not args.no_write:
        write_fit(manifest, "confidence", confidence)
    lines = [
        f"Questions of the kind plans are asked, for {space}: penalty {penalty:g}, point P < {point:.3f} "
        f"(at most {MAX_UNDER} of the hand-written answerable questions under it, out of fold).",
        "",
        "Penalties tried (off-topic questions under their point): "
        + ", ".join(f"{k:g} {v[2]:.3f}" for k, v in trials.items()),
        "",
        "Share under the point, out of fold (each hand-written set left out):",
        "",
        "| set | answerable | off-topic (chit-chat, everyday, knowledge) |",
        "|---|---:|---:|",
        *[f"| {g} | {v['of the kind']} | {v['not']} |" for g, v in table.items()],
        "",
        f"The confidence's none point, chosen again with this model: {before:g} -> {none:g} (at most {MAX_NONE} of each "
        "real library's hand-written tune answerable questions under it, those a name rules out left out): "
        + ", ".join(f"{k} {n} questions, {share:.3f} under it" for k, (n, share) in under.items()),
    ]
    write_results(f"domain-{space.replace('/', '_')}", {"entry": {k: v for k, v in entry.items() if k != "model"},
                                                        "cross_validation": table,
                                                        "none": {"before": before, "after": none, "under": under}},
                  "\n".join(lines))


if __name__ == "__main__":
    main()
