"""The default model as int8 ONNX: faithful to torch fp32, cached safely, chosen per index, torch-free to query."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa import ModelError, Retriever, build_index, index_status
from qa.embed import get_model
from qa.model import MARKER, default_model_dir, verify_folder
from qa.onnx_model import OnnxEncoder, ensure_onnx_model, onnx_model_dir
from qa.read import read_source
from qa.split import split_document

from conftest import DEV, PLAN, ROOT, minilm_path

SHARED = ROOT.parent / "shared"
REPORT = SHARED / "corpus" / "documents" / "2025年国务院政府工作报告.txt"
CMRC = SHARED / "benchmarks" / "cmrc2018_dev.json"


def sentences(path, n: int | None = None) -> list[str]:
    outline = split_document(read_source(path, path.parent))
    found = [p.text[a:b] for p in outline.paragraphs for a, b in p.sentences]
    return found if n is None else random.Random(0).sample(found, min(n, len(found)))


def dev_questions() -> list[str]:
    return [json.loads(line)["q"] for line in DEV.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def models():
    return get_model(None, "onnx"), get_model(None, "torch")


@pytest.mark.corpus
@pytest.mark.slow
def test_int8_vectors_stay_within_cosine_099_of_torch(models):
    onnx, torch = models
    cmrc = json.loads(CMRC.read_text("utf-8"))["data"]
    paras = [p["context"] for a in cmrc for p in a["paragraphs"]]
    asked = [q["question"] for a in cmrc for p in a["paragraphs"] for q in p["qas"]]
    rng = random.Random(0)
    passages = sentences(PLAN) + sentences(REPORT, 200) + rng.sample(paras, 40)
    queries = sentences(PLAN) + dev_questions() + rng.sample(asked, 100)
    worst = {}
    for kind, texts in (("document", passages), ("query", queries)):
        ours = getattr(onnx, f"encode_{kind}")(texts)
        ref = getattr(torch, f"encode_{kind}")(texts, normalize_embeddings=True, convert_to_numpy=True)
        assert ours.shape == ref.shape == (len(texts), 384)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-4)
        cos = np.sum(ours * ref, axis=1)
        worst[kind] = (float(cos.min()), texts[int(cos.argmin())][:40])
    assert min(c for c, _ in worst.values()) >= 0.99, worst
    # one text alone and inside a batch: dynamic quantization scales per batch, so close but not equal
    alone = onnx.encode_query(queries[0])
    assert alone.shape == (384,) and float(alone @ onnx.encode_query(queries[:32])[0]) >= 0.99


@pytest.mark.slow
def test_tokenizer_is_the_one_sentence_transformers_runs(models):
    onnx, torch = models
    texts = ["", " ", "末尾有空格 ", "tab\tend\t", "line\nend\n", "  两个  空格  ", "全角　空格　", "NBSP\u00a0x",
             "emoji 🙂 end", "zero\u200bwidth", "ﬁligature", "한국어 日本語", "敦化" * 2000, "Latin " * 1000]
    texts += sentences(PLAN, 20)
    for prompt in ("query: ", "passage: "):
        full = [prompt + t for t in texts]
        ours = [e.ids for e in onnx.tokenizer.encode_batch(full)]
        theirs = [torch.tokenizer(t, truncation=True, max_length=512)["input_ids"] for t in full]
        assert ours == theirs


@pytest.mark.slow
def test_damaged_onnx_folder_is_rebuilt_identically(tmp_path):
    built = ensure_onnx_model()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / default_model_dir().name).symlink_to(default_model_dir())  # the torch folder it is exported from
    folder = onnx_model_dir(cache)
    shutil.copytree(built, folder)
    assert verify_folder(folder)
    with open(folder / "model.onnx", "r+b") as f:  # one flipped byte in the weights
        f.seek(50_000_000)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert not verify_folder(folder)
    assert ensure_onnx_model(cache) == folder and verify_folder(folder)
    # the export is deterministic: the rebuilt model is the same file
    assert (folder / "model.onnx").read_bytes() == (built / "model.onnx").read_bytes()
    marker = json.loads((folder / MARKER).read_text())
    assert set(marker["files"]) == {"model.onnx", "tokenizer.json", "config.json"}
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith(".")) == []  # no temporary folder left


@pytest.mark.integration
def test_broken_onnx_folder_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text('{"prompts": {}, "max_length": 512}')
    (tmp_path / "tokenizer.json").write_text("{")
    with pytest.raises(ModelError, match="cannot load the ONNX model.*delete the folder"):
        OnnxEncoder(tmp_path)


def test_onnx_backend_runs_the_default_model_only():
    with pytest.raises(ModelError, match="onnx backend runs the bundled multilingual-e5-small only"):
        get_model(minilm_path(), "onnx")
    with pytest.raises(ModelError, match="unknown backend"):
        get_model(None, "tensorflow")


@pytest.mark.slow
def test_a_question_is_answered_without_importing_torch(default_index):
    code = (
        "import sys, qa\n"
        "r = qa.Retriever(sys.argv[1])\n"
        "a = r.answer('外贸进出口总额的目标是多少？')\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]\n"
        "print(r.model.qa_backend, heavy, '40億元' in a.hits[0].text)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(default_index / "index")], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["onnx", "[]", "True"]


@pytest.mark.corpus
@pytest.mark.slow
def test_index_records_its_backend_and_the_other_one_searches_it(default_index, tmp_path):
    onnx_index = default_index / "index"
    on_onnx = Retriever(onnx_index)
    assert on_onnx.index.manifest.backend == "onnx" and on_onnx.model.qa_backend == "onnx"
    on_torch = Retriever(onnx_index, backend="torch")  # no rebuild: same model, vectors within cosine 0.99
    assert on_torch.model.qa_backend == "torch"
    for q in dev_questions():
        a, b = on_onnx.answer(q), on_torch.answer(q)
        if a.confidence != b.confidence:
            # The vectors differ by int8 rounding: only a question close to an operating point
            # may fall on either side of it.
            pa, pb = on_onnx.confidence(q, on_onnx.score(q))[1], on_torch.confidence(q, on_torch.score(q))[1]
            assert abs(pa - pb) < 0.15, (q, pa, pb)
        if a.hits and b.hits:
            assert a.hits[0].paragraph == b.hits[0].paragraph, q

    # A build on the other backend embeds everything again (vectors are kept per backend),
    # and is then up to date for it; the status of an explicit backend says so.
    data = default_index / "data"
    index = tmp_path / "index"
    first = build_index(data, index, backend="torch")
    assert first.backend == "torch" and first.embedded == first.units
    kept = build_index(data, index)  # no backend asked for: the index's is kept
    assert kept.up_to_date and kept.backend == "torch"
    assert index_status(data, index, backend="torch") == "ok"
    assert index_status(data, index, backend="onnx") == "stale"
    assert index_status(data, index) == "ok"
    switched = build_index(data, index, backend="onnx")
    assert switched.backend == "onnx" and switched.embedded == switched.units
    assert build_index(data, index).up_to_date

    # A backend that does not fit the model is refused before anything is read or written.
    with pytest.raises(ModelError, match="onnx backend runs the bundled"):
        build_index(data, tmp_path / "other", minilm_path(), backend="onnx")
    assert not (tmp_path / "other").exists()
