"""The package's shape: one home per concern, no import cycles, one error base, public names only."""
from __future__ import annotations

import ast
import importlib
import inspect
import re

from conftest import ROOT

QA = ROOT / "qa"


def _imports() -> dict[str, set[str]]:
    """Each qa module and the qa modules it imports, anywhere in its code."""
    mods = {p.stem for p in QA.glob("*.py")}
    graph = {}
    for m in mods:
        deps = set()
        for node in ast.walk(ast.parse((QA / f"{m}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                deps |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qa."):
                deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names if a.name.startswith("qa.")}
        graph[m] = (deps & mods) - {m}
    return graph


def test_no_module_imports_one_that_imports_it_back():
    graph = _imports()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(d == goal or (d not in seen and reaches(d, goal, seen | {d})) for d in graph[start])

    cycles = [m for m in graph if reaches(m, m, {m})]
    assert cycles == [], f"import cycles through {cycles}"
    assert "cli" not in graph["web"] and "gradio" not in (QA / "service.py").read_text()


def test_every_exception_derives_from_qaerror():
    from qa import QAError

    found = []
    for path in QA.glob("*.py"):
        module = importlib.import_module(f"qa.{path.stem}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__.startswith("qa"):
                found.append(cls)
                assert issubclass(cls, QAError), cls
    assert len(found) >= 10


def test_tests_and_benchmarks_use_public_names_only():
    private = re.compile(r"\b(?:qa(?:\.\w+)*|r|ix|qi|em|retriever)\._[a-z]\w*|from qa[\w.]* import [^\n]*\b_[a-z]")
    offenders = []
    for folder in ("tests", "benchmarks"):
        for path in (ROOT / folder).glob("*.py"):
            offenders += [f"{path.name}: {m.group(0)}" for m in private.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
