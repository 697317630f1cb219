"""Removing a document loses nothing: a path names one file, a fragment is always shown and asked about,
and a removal killed half-way is finished or undone by the next build, ls or rm."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from qa import SourceError, build_index
from qa.cli import cli
from qa.library import find_document, list_documents, recover_removals

from conftest import DATA, PLAN, ROOT, minilm_path

NOTE = "2025年某市政府工作报告.txt"


def _library(root, model):
    shutil.copytree(DATA, root / "data")
    (root / "data" / NOTE).write_text("一、工作回顾\n新建图书馆一座，全年接待读者十万人次。\n", encoding="utf-8")
    (root / "data" / "sub").mkdir()
    (root / "data" / "sub" / NOTE).write_text("一、今年安排\n新建体育馆一座，承办省运会。\n", encoding="utf-8")
    build_index(root / "data", root / "index", model)
    return root


@pytest.fixture
def library(tmp_path, fake_encoder):
    return _library(tmp_path, fake_encoder)


def _rm(root, *args, input=None):
    return CliRunner().invoke(cli, ["rm", *args, "--data", str(root / "data"), "--index", str(root / "index")], input=input)


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_a_path_names_exactly_one_file(library):
    assert find_document(NOTE, library / "data", library / "index") == (NOTE, True)
    assert find_document(f"sub/{NOTE}", library / "data", library / "index") == (f"sub/{NOTE}", True)
    with pytest.raises(SourceError, match="names 2 files"):
        find_document("某市", library / "data", library / "index")
    assert find_document("000_35bf", library / "data", library / "index") == (PLAN.name, False)  # a part of a name
    res = _rm(library, NOTE, "--yes")
    assert res.exit_code == 0, res.output
    assert not (library / "data" / NOTE).exists() and (library / "data" / "sub" / NOTE).exists()


def test_a_fragment_is_shown_and_asked_about_even_with_yes(library):
    res = _rm(library, "000_35bf", "--yes")  # no answer at the prompt: nothing is deleted
    assert res.exit_code == 1 and f"000_35bf is {PLAN.name}" in res.output
    assert (library / "data" / PLAN.name).exists()
    res = _rm(library, "000_35bf", "--yes", input="y\n")
    assert res.exit_code == 0 and f"Removed {PLAN.name}" in res.output
    assert not (library / "data" / PLAN.name).exists()


@pytest.mark.parametrize("indexed", [True, False])
def test_a_removal_left_by_a_dead_process_is_undone_or_finished(library, fake_encoder, indexed):
    # What a killed `qa rm` leaves: the file moved aside, the index published (or not) without it.
    aside = library / "data" / f".{NOTE}.{_dead_pid()}-0123abcd.removing"
    (library / "data" / NOTE).rename(aside)
    if not indexed:  # the rebuild had published: the index no longer holds the file
        build_index(library / "data", library / "index", fake_encoder)
    assert recover_removals(library / "data", library / "index") == [NOTE]
    assert not aside.exists()
    assert (library / "data" / NOTE).exists() == indexed
    assert [d.file for d in list_documents(library / "data", library / "index")].count(NOTE) == int(indexed)


def test_a_removal_in_progress_is_left_alone(library):
    import os

    aside = library / "data" / f".{NOTE}.{os.getpid()}-0123abcd.removing"
    (library / "data" / NOTE).rename(aside)
    assert recover_removals(library / "data", library / "index") == [] and aside.exists()


KILLER = """
import os, sys
from pathlib import Path
import qa.library as lib
ROOT, where, model = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
real = lib.build_index
def build_then_die(*a, **k):
    if where == "after":
        real(*a, **k)
    os._exit(9)
lib.build_index = build_then_die
lib.remove_document(%r, ROOT / "data", ROOT / "index", model)
"""


@pytest.mark.integration
@pytest.mark.parametrize("where", ["before", "after"])
def test_a_killed_qa_rm_is_recovered_by_the_next_ls(tmp_path, small_model, where):
    root = _library(tmp_path, small_model)
    proc = subprocess.run([sys.executable, "-c", KILLER % NOTE, str(root), where, minilm_path()],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 9, proc.stderr
    assert not (root / "data" / NOTE).exists() and list((root / "data").glob(".*.removing"))
    listed = [d.file for d in list_documents(root / "data", root / "index")]
    assert not list((root / "data").glob(".*.removing"))
    # killed before the rebuild published: the file is back; after: the removal is finished
    assert (NOTE in listed) == (where == "before") == (root / "data" / NOTE).exists()
