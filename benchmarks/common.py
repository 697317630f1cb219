"""Helpers shared by the benchmark scripts: CMRC 2018 as a corpus, result files."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CMRC = SHARED / "benchmarks" / "cmrc2018_dev.json"
RESULTS = ROOT / "benchmarks" / "results"


def cmrc_corpus(data_dir: Path, limit_articles: int | None = None) -> list[dict]:
    """Write CMRC 2018 dev as one text file per article, one paragraph per section.

    Returns:
        The questions: ``{"q", "source", "paragraph"}`` where ``paragraph`` is
        the context holding the answer.
    """
    data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    data_dir.mkdir(parents=True, exist_ok=True)
    questions = []
    for i, article in enumerate(data[:limit_articles]):
        name = f"cmrc-{i:04d}.txt"
        contexts = [p["context"].replace("\n", " ").strip() for p in article["paragraphs"]]
        (data_dir / name).write_text("\n\n".join(contexts) + "\n", encoding="utf-8")
        for ctx, p in zip(contexts, article["paragraphs"]):
            questions += [{"q": qa["question"], "source": name, "paragraph": ctx} for qa in p["qas"]]
    return questions


def write_results(name: str, payload: dict, table: str) -> None:
    """Write ``results/<name>.json`` and ``results/<name>.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"machine": f"{platform.machine()}, {platform.python_version()}", "date": time.strftime("%Y-%m-%d"), **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(table.rstrip() + "\n", encoding="utf-8")
    print(table)


def child(code: str, *args: str, env: dict | None = None) -> dict:
    """Run ``code`` in a new interpreter (hub off); its ``RESULT {json}`` line plus the wall time seen from here."""
    env = {**(os.environ if env is None else env), "HF_HUB_OFFLINE": "1"}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    line = next(ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("RESULT "))
    return {"wall_s": wall, **json.loads(line[7:])}
