"""Every answer the assistant gives on the labelled question sets, written to one JSON file.

For a refactor that must not change behaviour: run it before and after on the same index
and compare the two files (``--compare``). It asks every question of
``benchmarks/questions/`` and ``../shared/eval/`` (conversations with their history), each
with its evidence (what abstaining decided on) and the baselines' rankings, and the
off-topic probes' floors (:meth:`qa.Retriever.chance`).

    python benchmarks/answers_digest.py --index benchmarks/.work/documents/index --out before.json
    python benchmarks/answers_digest.py --index benchmarks/.work/documents/index --out after.json --compare before.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, SHARED  # noqa: E402

SETS = sorted((ROOT / "benchmarks" / "questions").glob("*.jsonl")) + sorted((SHARED / "eval").glob("*.jsonl"))


def digest(index: Path) -> dict:
    from qa import Fusion, Retriever

    r = Retriever(index)
    out: dict = {"chance": {g: [round(x, 6) for x in r.chance(g)] for g in ("zh", "other")}, "answers": {}}
    for path in SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            turns = item.get("turns") or [item["q"]]
            ans = r.answer(turns[-1], k=5, history=turns[:-1])
            q = ans.understood_as or turns[-1]
            scored = r.score(q)
            ev = r.evidence(q, scored)
            row = {
                "answer": ans.to_dict(),
                "evidence": [round(ev.dense, 6), round(ev.cover, 6), ev.unknown],
                "keywords": r.parse(q).keywords,
            }
            for method in ("rrf", "dense", "keyword"):
                row[method] = [(h.source, h.paragraph) for h in r.search(q, k=3, fusion=Fusion(method=method), rescorers=())]
            out["answers"][f"{path.name}: {' / '.join(turns)}"] = row
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--compare", type=Path, help="an earlier digest: print what differs")
    args = ap.parse_args()
    result = digest(args.index)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(result['answers'])} questions → {args.out}")
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        after = json.loads(args.out.read_text(encoding="utf-8"))
        differ = [k for k in before["answers"] if before["answers"][k] != after["answers"].get(k)]
        if before["chance"] != after["chance"]:
            print(f"chance differs: {before['chance']} → {after['chance']}")
        for k in differ:
            print(f"differs: {k}")
        print(f"{len(differ)} of {len(before['answers'])} answers differ")


if __name__ == "__main__":
    main()
