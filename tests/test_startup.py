"""One start-up policy for the CLI and the web service (qa.startup.ensure_index), and the three cases they used to decide apart."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from qa import IndexCorrupt, build_index
from qa.cli import cli
from qa.service import ChatService
from qa.startup import ensure_index

from conftest import DATA

QUESTION = "外贸进出口总额的目标是多少？"


@pytest.fixture
def plan(tmp_path, fake_encoder):
    """A fresh copy of the plan and its index, built with the fake encoder (each test may damage it)."""
    shutil.copytree(DATA, tmp_path / "data")
    build_index(tmp_path / "data", tmp_path / "index", fake_encoder)
    return tmp_path


def _current(root) -> str:
    return (root / "index" / "CURRENT").read_text()


def test_another_backend_answers_from_the_index_as_it_is(default_index, tmp_path):
    # `qa serve --backend torch` rebuilt an ONNX index while `qa ask --backend torch` answered from it: now neither rebuilds.
    shutil.copytree(default_index, tmp_path / "plan")
    plan = tmp_path / "plan"
    before = _current(plan)
    retriever, summary = ensure_index(plan / "data", plan / "index", backend="torch")
    assert summary == "Index is ok" and _current(plan) == before
    assert retriever.index.manifest.backend == "onnx" and retriever.answer(QUESTION).hits
    assert ChatService(plan / "data", plan / "index", backend="torch").start() == "Index is ok" and _current(plan) == before


@pytest.mark.parametrize("via", ["ensure_index", "service", "cli"])
def test_a_damaged_index_is_rebuilt_once_from_its_own_folder(plan, via):
    # `qa serve` repaired a damaged index while `qa ask` exited: now both rebuild it from the data folder.
    version = plan / "index" / _current(plan)
    raw = bytearray((version / "dense.faiss").read_bytes())
    raw[-1] ^= 0xFF
    (version / "dense.faiss").write_bytes(bytes(raw))
    if via == "ensure_index":
        said = []
        retriever, summary = ensure_index(plan / "data", plan / "index", say=said.append)
        assert any("dense.faiss" in s and "rebuilding" in s for s in said) and summary.startswith("Built index")
        assert retriever.answer(QUESTION).hits
    elif via == "service":
        service = ChatService(plan / "data", plan / "index")
        assert service.start().startswith("Built index") and service.answer(QUESTION).hits
    else:
        res = CliRunner().invoke(cli, ["ask", "--json", "--data", str(plan / "data"), "--index", str(plan / "index"), QUESTION])
        assert res.exit_code == 0, res.output
        assert "rebuilding" in res.stderr and json.loads(res.stdout)["hits"]
    assert _current(plan) != version.name


def test_a_damaged_index_of_another_folder_is_not_replaced(plan, tmp_path_factory):
    version = plan / "index" / _current(plan)
    (version / "units.npy").write_bytes(b"damaged")
    other = tmp_path_factory.mktemp("other")
    with pytest.raises(IndexCorrupt, match="units.npy"):
        ensure_index(other, plan / "index")
    assert _current(plan) == version.name


@pytest.mark.parametrize("via", ["ensure_index", "service", "cli"])
def test_without_its_data_folder_an_index_is_answered_from_as_it_is(plan, via):
    # `qa ask` answered when the data folder was gone while `qa serve` failed with NoSources: now both answer.
    shutil.rmtree(plan / "data")
    before = _current(plan)
    if via == "ensure_index":
        retriever, summary = ensure_index(plan / "data", plan / "index")
        assert "as it is" in summary and retriever.answer(QUESTION).hits
    elif via == "service":
        service = ChatService(plan / "data", plan / "index")
        assert "as it is" in service.start() and service.answer(QUESTION).hits
    else:
        res = CliRunner().invoke(cli, ["ask", "--json", "--data", str(plan / "data"), "--index", str(plan / "index"), QUESTION])
        assert res.exit_code == 0, res.output
        assert "as it is" in res.stderr and json.loads(res.stdout)["hits"]
    assert _current(plan) == before


def test_a_stale_index_is_rebuilt_with_its_own_model(plan, fake_encoder):
    (plan / "data" / "note.txt").write_text("敦化市计划新建一座图书馆。\n", encoding="utf-8")
    retriever, summary = ensure_index(plan / "data", plan / "index")  # no model named: the index's own (the fake)
    assert summary.startswith("Built index") and retriever.model_name == fake_encoder.qa_name
    assert "note.txt" in retriever.titles
