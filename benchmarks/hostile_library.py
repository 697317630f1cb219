"""A library of the 29 real reports beside 10 hostile files, built with the default model.

Issue 26 asks that such a library builds with every report indexed, each hostile file skipped
with a reason that names it, and the peak memory under 1 GB. The peak is the build's resident
memory summed with its reading workers', read from /proc every 20 ms
(``tests/hostile_files.py``, which also makes the ten files). Two builds are measured: the
reports alone, then with the hostile files (vectors of the first are not reused: a new index).

    python benchmarks/hostile_library.py
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from common import ROOT, write_results  # noqa: E402
from hostile_files import peak_tree_memory, write_library  # noqa: E402

DOCUMENTS = ROOT.parent / "shared" / "corpus" / "documents"
BUILD = """\
import json, sys
from qa import build_index
report = build_index(sys.argv[1], sys.argv[2])
print(json.dumps({"files": report.files, "skipped": report.skipped}, ensure_ascii=False))
"""


def build(data: Path, index: Path) -> dict:
    started = time.perf_counter()
    out, peak = peak_tree_memory([sys.executable, "-c", BUILD, str(data), str(index)], cwd=ROOT)
    report = json.loads(out.strip().splitlines()[-1])
    return report | {"peak_mb": round(peak / 2**20), "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(DOCUMENTS, data, ignore=shutil.ignore_patterns("README*"))
        reports = build(data, Path(tmp) / "index-reports")
        reasons = write_library(data)
        mixed = build(data, Path(tmp) / "index-mixed")
    right = {name: reasons[name] in mixed["skipped"].get(name, "") for name in reasons}
    rows = [
        ("the 29 reports", reports),
        ("the 29 reports and 10 hostile files", mixed),
    ]
    table = "| library | files indexed | skipped | peak memory (MB) | seconds |\n|---|---:|---:|---:|---:|\n"
    table += "".join(f"| {name} | {r['files']} | {len(r['skipped'])} | {r['peak_mb']} | {r['seconds']} |\n" for name, r in rows)
    table += "\n| hostile file | skipped with its reason |\n|---|---|\n"
    table += "".join(f"| {name} | {mixed['skipped'].get(name, 'NOT SKIPPED')} |\n" for name in sorted(reasons))
    write_results("hostile_library", {"reports": reports, "mixed": mixed, "reasons_right": right}, table)


if __name__ == "__main__":
    main()
