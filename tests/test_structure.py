"""The package's shape: one home per concern, no import cycles, one error base, public names only."""
from __future__ import annotations

import ast
import importlib
import inspect
import re

from conftest import ROOT

QA = ROOT / "qa"


def _module(path) -> str:
    """``qa/read/pdf/chars.py`` → ``read.pdf.chars``; a package is its ``__init__``."""
    parts = path.relative_to(QA).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree):
    """The nodes of a module's code, without ``if TYPE_CHECKING:`` blocks: type-only imports run nothing."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _imports() -> dict[str, set[str]]:
    """Each qa module (subpackages too) and the qa modules it imports, anywhere in its code."""
    paths = {_module(p): p for p in QA.rglob("*.py") if p.stem != "__init__" or p.parent != QA}
    mods = set(paths)

    def known(name: str) -> str | None:  # read.pdf.Char → read.pdf; a name imported from a package is the package
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for m, path in paths.items():
        package = m if path.stem == "__init__" else m.rpartition(".")[0]
        deps = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join([x for x in package.split(".") if x][: max(0, len([x for x in package.split(".") if x]) - node.level + 1)])
                stem = ".".join(x for x in (base, node.module or "") if x)
                deps |= {known(f"{stem}.{a.name}" if stem else a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qa."):
                deps.add(known(node.module[3:]))
            elif isinstance(node, ast.Import):
                deps |= {known(a.name[3:]) for a in node.names if a.name.startswith("qa.")}
        graph[m] = (deps & mods) - {m, None}
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
    for path in QA.rglob("*.py"):
        module = importlib.import_module(".".join(["qa", *filter(None, [_module(path)])]))
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
