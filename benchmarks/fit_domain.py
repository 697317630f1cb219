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

Last it chooses where the evidence outweighs this model (:attr:`qa.abstain.Domain.yields`, :func:`yields_point`):
the model puts 「哪些地方提到了人形机器人？」 and 「有没有提到养老床位？」 under its point (few questions it is fitted on ask
whether or where a thing is mentioned), though reports name both and the evidence says so (P relevant 0.91 and 0.95 on
the tune probe ``questions/mention-probe/tune.jsonl``). From the
chosen probability of relevance up, an "uncertain" reply stays "uncertain"; at most :data:`MAX_YIELDED` of each real
library's hand-written tune off-topic questions reach it.

``--unwritten-only`` chooses one more point and nothing else (:func:`unwritten_only`): the probability of relevance under
which a question naming a thing the library never writes (:meth:`qa.scope.Scope.unwritten`) is told "none" rather than
given quotes that "may answer" (:attr:`qa.abstain.Confidence.unwritten`).

    python benchmarks/fit_domain.py [--index PATH] [--no-write] [--yields-only | --unwritten-only]
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
#: Share of each real library's hand-written tune off-topic questions that the evidence may rescue from the model
#: (:attr:`qa.abstain.Domain.yields`): given quotes that "may answer" rather than "none".
MAX_YIELDED = 0.005
#: Share of a large library's hand-written tune answerable questions that the ``unwritten`` point
#: (:attr:`qa.abstain.Confidence.unwritten`) may turn from "uncertain" to "none".
MAX_UNWRITTEN = 0.001
#: The library parts (``abstain.py``'s ``QUESTIONS``) that choose it: the tune part and the untouched sets whose misses
#: were read (tune since); the judges (untouched-10, -13, -18, -20, -22, -24, -34 and later) are never read here.
UNWRITTEN_TUNE = ("tune", "untouched-16", "untouched-17", "untouched-19", "untouched-21", "untouched-23",
                  *(f"untouched-{n}" for n in range(25, 34)))


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


def tune_evidence(domain: Domain) -> dict[str, dict[str, np.ndarray]]:
    """Per real library, its hand-written tune questions that no name rules out, as the product reads them: whether
    each is answerable, the confidence's inputs (:func:`qa.abstain.features`) and the domain model's probability."""
    from fit_confidence import REAL

    from qa import Retriever, abstain

    out = {}
    # one question at a time, as the product embeds it (fit_confidence.measure embeds in batches of 64, and the int8
    # vectors move with what shares their batch)
    for name in REAL:
        data, index = index_for(name, ROOT / "benchmarks" / ".work" / "abstain", 0)
        r = Retriever(index)
        rows = []
        for item in load(QUESTIONS[name]["tune"], data):
            q = r.parse(item["q"])
            vector = r.encode([q])[0]
            evidence = r.evidence(q, r.score(q, vector=vector))
            if not evidence.unknown:
                rows.append((bool(item["answers"]), abstain.features(evidence, r.chance(q.language), q.language),
                             domain.probability(vector)))
        out[name] = {"answerable": np.array([a for a, _, _ in rows]), "x": np.array([x for _, x, _ in rows]),
                     "kind": np.array([k for _, _, k in rows])}
    return out


def none_point(tune: dict[str, dict[str, np.ndarray]], relevant) -> tuple[float, dict]:
    """The confidence's ``none`` point given the model of the questions plans are asked (the module's docstring), and
    per real library the number of hand-written answerable tune questions and the share under the point."""
    p = {name: relevant.probability(t["x"][t["answerable"]]) for name, t in tune.items()}
    point = float(np.floor(min(point_for(v, MAX_NONE) for v in p.values()) * 1000) / 1000)  # not above it
    return point, {name: (len(v), float((v < point).mean())) for name, v in p.items()}


def yields_point(tune: dict[str, dict[str, np.ndarray]], confidence, domain: Domain) -> tuple[float, dict]:
    """The probability of relevance from which the evidence outweighs the vector (:attr:`qa.abstain.Domain.yields`):
    the lowest (on a grid of 0.05) that at most :data:`MAX_YIELDED` of each real library's hand-written tune off-topic
    questions reach among those the model turns from "uncertain" to "none"; and per library how many do."""
    doubted = {}
    for name, t in tune.items():
        off = ~t["answerable"]
        sure = [confidence.tier(x) for x in t["x"][off]]
        relevant = np.array([s.relevant for s in sure])
        uncertain = np.array([s.tier == "uncertain" for s in sure])
        doubted[name] = (int(off.sum()), relevant[uncertain & (t["kind"][off] < domain.point)])
    grid = np.round(np.arange(0.05, 1.0001, 0.05), 2)
    point = next(float(g) for g in grid if all((r >= g).sum() <= MAX_YIELDED * n for n, r in doubted.values()))
    return point, {name: (n, len(r), int((r >= point).sum())) for name, (n, r) in doubted.items()}


def yields_on(yields: float) -> str:
    """How the fit's ``on`` says where the evidence outweighs the model."""
    return f"yields to the evidence from relevant {yields:g} (at most {MAX_YIELDED} of each real library's tune off-topic questions"


def yields_line(yields: float, yielded: dict) -> str:
    """The results' sentence on :attr:`qa.abstain.Domain.yields` (:func:`yields_point`)."""
    return (f"The evidence outweighs the model from relevant P >= {yields:g}: the lowest on a grid of 0.05 that at most "
            f"{MAX_YIELDED} of each real library's hand-written tune off-topic questions reach among those the model "
            "turns from \"uncertain\" to \"none\" ("
            + ", ".join(f"{k}: {n} off-topic questions, {d} turned, {y} of them yielded" for k, (n, d, y) in yielded.items())
            + ").")


def yields_only(index: Path, write: bool) -> None:
    """Choose :attr:`qa.abstain.Domain.yields` for the shipped model (:func:`yields_point`), leaving the rest of the
    fit as it is: the shipped model was fitted on 2026-12-06 (fourth session), and a refit on the same 7,514 questions
    in the eighth session gave another model and point (0.072 → 0.061; why was not looked into), whose change the
    rule's figures must not mix in."""
    from qa.abstain import Confidence, Domain, calibration
    from qa.embed import vector_space
    from qa.index import current_manifest

    manifest = current_manifest(index)
    space = vector_space(manifest.model, manifest.backend)
    shipped = calibration()[space]
    domain = Domain.from_dict(shipped["domain"])
    yields, yielded = yields_point(tune_evidence(domain), Confidence.from_dict(shipped["confidence"]), domain)
    entry = {**shipped["domain"], **Domain(domain.model, domain.point, yields).to_dict()}
    entry["on"] = entry["on"].split("; yields")[0] + f"; {yields_on(yields)}; chosen {time.strftime('%Y-%m-%d')})"
    if write:
        write_fit(manifest, "domain", entry)
    line = f"For {space}, with the shipped model (P < {domain.point:.3f}). " + yields_line(yields, yielded)
    print(line)
    write_results(f"domain-yields-{space.replace('/', '_')}", {"point": yields, "yielded": yielded}, line)


def unwritten_only(index: Path, write: bool) -> None:
    """Choose :attr:`qa.abstain.Confidence.unwritten` for the shipped models, leaving the rest of the fit as it is: the
    highest probability of relevance on a grid of 0.05 under which at most :data:`MAX_UNWRITTEN` of each large library's
    hand-written tune answerable questions fall, among those that name a thing it never writes
    (:meth:`qa.scope.Scope.unwritten`) and would otherwise be given quotes that "may answer"."""
    from fit_confidence import REAL

    from qa import Retriever
    from qa.abstain import Confidence, Domain, calibration, features
    from qa.embed import vector_space
    from qa.index import current_manifest
    from qa.scope import UNWRITTEN_LIBRARY

    manifest = current_manifest(index)
    space = vector_space(manifest.model, manifest.backend)
    shipped = calibration()[space]
    confidence, domain = Confidence.from_dict(shipped["confidence"]), Domain.from_dict(shipped["domain"])
    found = {}  # per library where the rule fires (a large one): its answerable and off-topic counts, and the rows
    for name in REAL:
        data, path = index_for(name, ROOT / "benchmarks" / ".work" / "abstain", 0)
        r = Retriever(path)
        if len(r.scope.text) < UNWRITTEN_LIBRARY:
            continue  # the plan alone: the rule never fires
        items = [item for part in UNWRITTEN_TUNE for item in load(QUESTIONS[name].get(part, []), data)]
        rows = []
        for item in items:
            q = r.parse(item["q"])
            vector = r.encode([q])[0]
            evidence = r.evidence(q, r.score(q, vector=vector), cover=list(q.thing) or None)
            if evidence.unknown or not evidence.unwritten:
                continue
            sure = confidence.tier(features(evidence, r.chance(q.language), q.language))
            kind = sure.relevant if q.thing else domain.probability(vector)
            if sure.tier == "uncertain" and domain.of_the_kind(kind, sure.relevant, bool(q.thing)):
                rows.append((bool(item["answers"]), sure.relevant))
        if rows:
            answerable = sum(bool(i["answers"]) for i in items)
            found[name] = (answerable, len(items) - answerable, rows)
    # nothing to choose on (no large library, or no question it fires on): the rule stays off; 0.95 at most, as the
    # answerable questions it turns away are few and must be seen
    grid = np.round(np.arange(0.0, 0.9501, 0.05), 2)
    point = max(float(g) for g in grid if all(sum(a and p < g for a, p in rows) <= MAX_UNWRITTEN * n
                                               for n, _, rows in found.values())) if found else 0.0
    caught = {k: (n, off, sum(a and p < point for a, p in rows), sum(not a and p < point for a, p in rows))
              for k, (n, off, rows) in found.items()}
    entry = {**shipped["confidence"], "unwritten": point}
    entry["on"] = entry["on"].split("; unwritten")[0] + (
        f"; unwritten {point:g} chosen {time.strftime('%Y-%m-%d')} on the tune parts (fit_domain.py --unwritten-only)")
    if write:
        write_fit(manifest, "confidence", entry)
    line = (f"For {space}: a question naming a thing the library never writes is told \"none\" under P(relevant) {point:g}, "
            f"the highest on a grid of 0.05 that turns at most {MAX_UNWRITTEN} of each large library's hand-written tune "
            "answerable questions from \"uncertain\" to \"none\" ("
            + ", ".join(f"{k}: {a} of {n} answerable, {o} of {off} off-topic turned" for k, (n, off, a, o) in caught.items())
            + ").")
    print(line)
    write_results(f"unwritten-{space.replace('/', '_')}", {"point": point, "turned": caught}, line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "documents" / "index")
    ap.add_argument("--no-write", action="store_true", help="report only; leave qa/calibration.json as it is")
    ap.add_argument("--unwritten-only", action="store_true",
                    help="keep every fitted part; choose only the confidence's point for questions naming a thing the "
                         "library never writes (Confidence.unwritten)")
    ap.add_argument("--yields-only", action="store_true",
                    help="keep the shipped model, its point and the confidence's none point; choose only where the "
                         "evidence outweighs the model (Domain.yields)")
    args = ap.parse_args()

    from qa import Retriever
    from qa.abstain import Domain
    from qa.embed import vector_space
    from qa.index import current_manifest

    if args.yields_only:
        return yields_only(args.index, write=not args.no_write)
    if args.unwritten_only:
        return unwritten_only(args.index, write=not args.no_write)
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
    manifest = current_manifest(args.index)
    space = vector_space(manifest.model, manifest.backend)
    from qa.abstain import Confidence, calibration

    # The confidence's none point and then the evidence's weight against the vector, each given the parts before it.
    unyielding = Domain(full, point)
    tune = tune_evidence(unyielding)
    confidence = dict(calibration()[space]["confidence"])
    before = confidence["none"]
    none, under = none_point(tune, Confidence.from_dict(confidence).relevant)
    confidence["none"] = none
    confidence["on"] = (confidence["on"].split("; none chosen again")[0] + f"; none chosen again on "
                        f"{time.strftime('%Y-%m-%d')} with the model of the questions plans are asked (fit_domain.py)")
    yields, yielded = yields_point(tune, Confidence.from_dict(confidence), unyielding)
    domain = Domain(full, point, yields)
    entry = {
        "fitted": time.strftime("%Y-%m-%d"),
        "on": f"{len(rows)} questions ({int(hand.sum())} hand-written, of tune sets); penalty {penalty:g}; point out of fold "
              f"(hand-written sets left out): {table['all']['of the kind']} of answerable and {table['all']['not']} of "
              f"off-topic ones under it; {yields_on(yields)})",
        **domain.to_dict(),
    }
    if not args.no_write:
        write_fit(manifest, "domain", entry)
        write_fit(manifest, "confidence", confidence)
        unwritten_only(args.index, write=True)  # the none point and the model moved: the unwritten point is chosen again
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
        "",
        yields_line(yields, yielded),
    ]
    write_results(f"domain-{space.replace('/', '_')}", {"entry": {k: v for k, v in entry.items() if k != "model"},
                                                        "cross_validation": table,
                                                        "none": {"before": before, "after": none, "under": under},
                                                        "yields": {"point": yields, "yielded": yielded}},
                  "\n".join(lines))


if __name__ == "__main__":
    main()
