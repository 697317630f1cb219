"""Follow-up questions in a library: the last turn of each conversation asked alone, with the
earlier turns joined to it, and with the history as the product reads it.

The conversations are ``../shared/eval/conversations-dev.jsonl`` and
``questions/conversations.jsonl``, and the follow-ups of ``questions/conversations-heldout.jsonl`` and
``questions/definitions-conversations.jsonl``, ``questions/pronoun-conversations.jsonl`` and
``questions/switch-conversations.jsonl`` (written later, on rows of their own); the library is the one ``documents.py`` indexes
(or ``--index``). Prints, per kind, the share whose answering sentence is
highlighted first in quotes shown, sure or not (follow-ups; "none" is a miss), answered exactly as
when asked alone (topic switches), and not given as the answer or told "none" (out-of-scope last
turns). The untouched conversations (``questions/untouched-15/`` and ``untouched-19/``, the "nineteenth", written at the
start of the eleventh session) are rows of their own; so are the earlier untouched sets (tune sets since their misses
were looked at, but for the ninth, thirteenth and fourteenth, never used for a choice; ``untouched-15``'s are tune
since the seventeenth session).

    python benchmarks/conversations.py [--index PATH]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED, write_results  # noqa: E402

FILES = [SHARED / "eval" / "conversations-dev.jsonl", ROOT / "benchmarks" / "questions" / "conversations.jsonl"]
#: Follow-ups written after the reading and ranking were tuned on those above: a row of their own.
#: Written after the reading and ranking were tuned on those above, each on rows of its own:
#: follow-ups under their label, topic switches and off-topic last turns as "held out: switch…".
HELD_OUT = [
    ("held out", ROOT / "benchmarks" / "questions" / "conversations-heldout.jsonl"),
    # what another term means, written after follow-ups came to carry that (12)
    ("held out: definitions", ROOT / "benchmarks" / "questions" / "definitions-conversations.jsonl"),
    # pointing words (其中, 它, 这些…), written after 「其中」 came to carry only words for things (24)
    ("held out: pronouns", ROOT / "benchmarks" / "questions" / "pronoun-conversations.jsonl"),
    # last turns that stand alone: 16 topic switches and 14 off-topic questions
    ("held out", ROOT / "benchmarks" / "questions" / "switch-conversations.jsonl"),
    # the first untouched conversations (2026-12-04): tune since their misses were looked at (40)
    ("first untouched", ROOT / "benchmarks" / "questions" / "untouched" / "conversations.jsonl"),
    # the second untouched conversations (2026-12-04): tune since the session of 2026-12-05 looked at their misses (40)
    ("second untouched", ROOT / "benchmarks" / "questions" / "untouched-2" / "conversations.jsonl"),
    # the third untouched conversations (2026-12-05): tune since their misses were looked at the same day (40)
    ("third untouched", ROOT / "benchmarks" / "questions" / "untouched-3" / "conversations.jsonl"),
    # the fourth untouched conversations (2026-12-05): tune since their misses were looked at on 2026-12-05 (40)
    ("fourth untouched", ROOT / "benchmarks" / "questions" / "untouched-4" / "conversations.jsonl"),
    # the fifth untouched conversations (2026-12-05): tune since their misses were looked at the same day (30)
    ("fifth untouched", ROOT / "benchmarks" / "questions" / "untouched-5" / "conversations.jsonl"),
    # the sixth untouched conversations (2026-12-05): tune since their misses were looked at on 2026-12-06 (30)
    ("sixth untouched", ROOT / "benchmarks" / "questions" / "untouched-6" / "conversations.jsonl"),
    # the seventh untouched conversations (2026-12-06): tune since their misses were looked at the same day (40)
    ("seventh untouched", ROOT / "benchmarks" / "questions" / "untouched-7" / "conversations.jsonl"),
    # the eighth untouched conversations (2026-12-06): tune since their misses were looked at the same day (40)
    ("eighth untouched", ROOT / "benchmarks" / "questions" / "untouched-8" / "conversations.jsonl"),
    # the ninth untouched conversations (2026-12-06): measured on what was shipped that day, never used to make a choice (40)
    ("ninth untouched", ROOT / "benchmarks" / "questions" / "untouched-9" / "conversations.jsonl"),
    # the eleventh untouched conversations (2026-12-06): tune since their misses were looked at the same day (40)
    ("eleventh untouched", ROOT / "benchmarks" / "questions" / "untouched-11" / "conversations.jsonl"),
    # the twelfth untouched conversations (2026-12-06): tune since their misses were looked at the same day (40)
    ("twelfth untouched", ROOT / "benchmarks" / "questions" / "untouched-12" / "conversations.jsonl"),
    # written in the third session of 2026-12-06 by writers who had seen no code, set or figure; never used to make a choice (40)
    ("thirteenth untouched", ROOT / "benchmarks" / "questions" / "untouched-13" / "conversations.jsonl"),
    # written the same way at the start of the fourth session of 2026-12-06; never used to make a choice (40)
    ("fourteenth untouched", ROOT / "benchmarks" / "questions" / "untouched-14" / "conversations.jsonl"),
    # written the same way at the start of the fifth session of 2026-12-06; tune since the seventeenth, when one of its
    # rows was seen and shaped a rule (its README) (40)
    ("untouched", ROOT / "benchmarks" / "questions" / "untouched-15" / "conversations.jsonl"),
    # written the same way at the start of the eleventh session of 2026-12-06, before its changes (40)
    ("nineteenth untouched", ROOT / "benchmarks" / "questions" / "untouched-19" / "conversations.jsonl"),
    # written the same way at the end of the eleventh session of 2026-12-06, after its last change (40)
    ("twenty-first untouched", ROOT / "benchmarks" / "questions" / "untouched-21" / "conversations.jsonl"),
    # written the same way at the end of the twelfth session of 2026-12-06, after its last change (40)
    ("twenty-third untouched", ROOT / "benchmarks" / "questions" / "untouched-23" / "conversations.jsonl"),
    # written the same way at the start of the thirteenth session of 2026-12-06, before its changes (40)
    ("twenty-fourth untouched", ROOT / "benchmarks" / "questions" / "untouched-24" / "conversations.jsonl"),
    # written the same way at the end of the thirteenth session of 2026-12-06, after its last change; tune since the
    # fourteenth (2026-12-07) read its misses (40)
    ("twenty-fifth untouched", ROOT / "benchmarks" / "questions" / "untouched-25" / "conversations.jsonl"),
    # written the same way at the start of the fourteenth session (2026-12-07), before its changes; tune for its
    # second round (40)
    ("twenty-sixth untouched", ROOT / "benchmarks" / "questions" / "untouched-26" / "conversations.jsonl"),
    # written the same way during the fourteenth session, after its first round and before its second; tune since the
    # fifteenth read its misses (40)
    ("twenty-seventh untouched", ROOT / "benchmarks" / "questions" / "untouched-27" / "conversations.jsonl"),
    # written the same way at the start of the fifteenth session (2026-12-07), before any of its rules was committed;
    # tune since the sixteenth read its misses (40)
    ("twenty-eighth untouched", ROOT / "benchmarks" / "questions" / "untouched-28" / "conversations.jsonl"),
    # written the same way at the start of the sixteenth session (2026-12-07), before any of its rules was committed;
    # tune since the seventeenth read its misses (40)
    ("twenty-ninth untouched", ROOT / "benchmarks" / "questions" / "untouched-29" / "conversations.jsonl"),
    # written the same way at the start of the seventeenth session (2026-12-07), before any of its rules was committed;
    # tune since the eighteenth read its misses (40)
    ("thirtieth untouched", ROOT / "benchmarks" / "questions" / "untouched-30" / "conversations.jsonl"),
    # written the same way at the start of the eighteenth session (2026-12-07), before any of its rules was committed;
    # tune since the nineteenth read its misses (40)
    ("thirty-first untouched", ROOT / "benchmarks" / "questions" / "untouched-31" / "conversations.jsonl"),
    # written the same way at the start of the nineteenth session (2026-12-07), before any of its rules was committed;
    # tune since the twentieth read its misses (40)
    ("thirty-second untouched", ROOT / "benchmarks" / "questions" / "untouched-32" / "conversations.jsonl"),
    # written the same way at the start of the twentieth session (2026-12-07), before any of its rules was committed;
    # tune since the twenty-first read its misses (40)
    ("thirty-third untouched", ROOT / "benchmarks" / "questions" / "untouched-33" / "conversations.jsonl"),
    # written the same way at the start of the twenty-first session (2026-12-07), before any of its rules was committed (40)
    ("thirty-fourth untouched", ROOT / "benchmarks" / "questions" / "untouched-34" / "conversations.jsonl"),
    # written the same way at the start of the twenty-second session (2026-12-07), before any of its rules was committed (40)
    ("thirty-fifth untouched", ROOT / "benchmarks" / "questions" / "untouched-35" / "conversations.jsonl"),
    # written the same way at the start of the twenty-third session (2026-12-07), before any of its rules was committed (40)
    ("thirty-sixth untouched", ROOT / "benchmarks" / "questions" / "untouched-36" / "conversations.jsonl"),
    # written the same way at the start of the twenty-fourth session (2026-12-07), before any of its rules was committed (40)
    ("thirty-seventh untouched", ROOT / "benchmarks" / "questions" / "untouched-37" / "conversations.jsonl"),
    # written the same way at the start of the twenty-fifth session (2026-12-07), before any of its rules was committed (40)
    ("thirty-eighth untouched", ROOT / "benchmarks" / "questions" / "untouched-38" / "conversations.jsonl"),
    # written the same way at the start of the twenty-sixth session (2026-12-08), before any of its rules was committed;
    # tune since the twenty-seventh read its misses (40)
    ("thirty-ninth untouched", ROOT / "benchmarks" / "questions" / "untouched-39" / "conversations.jsonl"),
    # written the same way at the start of the twenty-seventh session (2026-12-08), before any of its rules was committed (40)
    ("fortieth untouched", ROOT / "benchmarks" / "questions" / "untouched-40" / "conversations.jsonl"),
]
WAYS = ("alone", "joined", "history")
#: The rows never used to make a choice: their misses are not listed.
UNTOUCHED = ("fortieth untouched", "thirty-eighth untouched", "thirty-seventh untouched", "thirty-sixth untouched", "thirty-fifth untouched", "thirty-fourth untouched", "twenty-fourth untouched", "twenty-first untouched", "nineteenth untouched", "fourteenth untouched", "thirteenth untouched", "ninth untouched")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "documents" / "index")
    args = ap.parse_args()

    from qa import Retriever
    from qa.question import MAX_QUESTION_CHARS
    from qa.evaluate import contains_answer

    r = Retriever(args.index)
    conversations = [json.loads(line) for f in FILES for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    conversations += [dict(json.loads(line), held_out=label) for label, path in HELD_OUT
                      for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    follow_up_rows = ["ellipsis", "pronoun", *dict.fromkeys(label for label, _ in HELD_OUT)]

    def ask(turns: list[str], way: str):
        if way == "alone":
            return r.answer(turns[-1], k=10)
        if way == "joined":
            return r.answer(" ".join(turns)[-MAX_QUESTION_CHARS:], k=10)
        return r.answer(turns[-1], k=10, history=turns[:-1])

    rows, misses = {}, []
    for c in conversations:
        answers = {w: ask(c["turns"], w) for w in WAYS}
        kind = c["kind"]
        if c.get("held_out"):
            kind = f"{c['held_out'].split(':')[0]}: {kind}" if kind.startswith("switch") else c["held_out"]
        for w, a in answers.items():
            if c["answers"]:  # quotes shown, sure or not, with the answering sentence first; "none" is a miss
                ok = bool(a.hits and a.hits[0].highlights and contains_answer(a.hits[0].highlights[0], c["answers"]))
            else:  # not given as the answer; and told "none"
                ok = a.confidence != "answer", a.confidence == "none"
            if kind.endswith("switch"):  # also: exactly the answer it gets alone
                ok = ok, a.to_dict()["hits"] == answers["alone"].to_dict()["hits"]
            rows.setdefault(kind, {}).setdefault(w, []).append(ok)
        if c["answers"] and kind in follow_up_rows and kind not in UNTOUCHED and not rows[kind]["history"][-1]:
            misses.append({"turns": c["turns"], "understood_as": answers["history"].understood_as, "kind": kind})

    def share(xs, i=None):
        xs = [x[i] if i is not None else x for x in xs]
        return sum(map(bool, xs)) / len(xs)

    lines = ["| last turn | n | measure | alone | earlier turns joined | with history (product) |", "|---|---:|---|---:|---:|---:|"]
    follow = {w: rows.get("ellipsis", {}).get(w, []) + rows.get("pronoun", {}).get(w, []) for w in WAYS}
    lines.append(f"| follow-up (ellipsis + pronoun) | {len(follow['history'])} | answering sentence first | "
                 + " | ".join(f"{share(follow[w]):.3f}" for w in WAYS) + " |")
    for kind in ("ellipsis", "pronoun"):
        if kind in rows:
            lines.append(f"| {kind} | {len(rows[kind]['history'])} | answering sentence first | "
                         + " | ".join(f"{share(rows[kind][w]):.3f}" for w in WAYS) + " |")
    for label in follow_up_rows[2:]:
        if label in rows:
            lines.append(f"| {label.replace('held out', 'held-out follow-up')} | {len(rows[label]['history'])} | answering sentence first | "
                         + " | ".join(f"{share(rows[label][w]):.3f}" for w in WAYS) + " |")
    for prefix in ("", *dict.fromkeys(label.split(":")[0] + ": " for label, _ in HELD_OUT)):
        if (kind := prefix + "switch") in rows:
            lines.append(f"| {kind} | {len(rows[kind]['history'])} | answering sentence first | "
                         + " | ".join(f"{share(rows[kind][w], 0):.3f}" for w in WAYS) + " |")
            lines.append(f"| {kind} | {len(rows[kind]['history'])} | same answer as asked alone | "
                         + " | ".join(f"{share(rows[kind][w], 1):.3f}" for w in WAYS) + " |")
        if (kind := prefix + "switch-oos") in rows:
            for i, measure in enumerate(("not given as the answer", "told none")):
                lines.append(f"| {kind} | {len(rows[kind]['history'])} | {measure} | "
                             + " | ".join(f"{share(rows[kind][w], i):.3f}" for w in WAYS) + " |")
    write_results("conversations", {"conversations": len(conversations), "misses": misses}, "\n".join(lines))


if __name__ == "__main__":
    main()
