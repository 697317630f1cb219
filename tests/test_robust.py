"""Nothing lost, nothing half-written: bad sources, damaged indexes, crashed builds."""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from conftest import PLAN, ROOT, minilm_path
from qa import Fusion, IndexBusy, IndexCorrupt, IndexMismatch, NoSources, Retriever, build_index
from qa.index import FORMAT_VERSION, UNIT_COLUMNS, UNIT_PIECE
from qa.split import split_document
from qa.read.plain import clean
from qa.text import SourceError, decode, fold_script


@pytest.fixture(scope="module")
def sections():
    return split_document(clean(PLAN.read_text(encoding="utf-8"))).paragraphs


def tree_digest(path: Path) -> dict[str, str]:
    """sha256 of every file under ``path`` (the lock file aside)."""
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def built(tmp_path, fake_encoder):
    data = tmp_path / "data"
    shutil.copytree(PLAN.parent, data)
    build_index(data, tmp_path / "index", fake_encoder)
    return tmp_path


@pytest.fixture
def built_small(tmp_path, small_model):
    """As ``built``, with the small model: for the tests whose child processes load it by its path."""
    data = tmp_path / "data"
    shutil.copytree(PLAN.parent, data)
    build_index(data, tmp_path / "index", small_model)
    return tmp_path


# ------------------------------------------------------------- source files

def test_every_supported_encoding_is_decoded_and_retrievable(tmp_path, fake_encoder, sections):
    data = tmp_path / "data"
    data.mkdir()
    # Real paragraphs of the plan, saved as real users' files would be.
    files = {
        "utf8-bom.txt": (sections[1].text, "utf-8-sig", "敖東中藥配方顆粒"),
        "utf16.txt": (sections[2].text, "utf-16", "外貿進出口總額達到40億元"),
        "gbk.txt": (fold_script(sections[3].text), "gbk", "将文化元素融入景观小品"),
        "big5.txt": (sections[6].text, "big5", "促進全民健身、競技體育協調發展"),
        "plain.md": (sections[0].text, "utf-8", "聚焦七個堅持"),
    }
    for name, (text, enc, _) in files.items():
        (data / name).write_bytes(text.encode(enc))
    report = build_index(data, tmp_path / "index", fake_encoder)
    assert report.files == 5 and not report.skipped
    r = Retriever(tmp_path / "index")
    for name, (_, _, phrase) in files.items():
        hit = r.search(phrase, k=1, fusion=Fusion(method="keyword"))[0]  # exact phrases; the small model is English-only
        assert hit.source == name, (name, hit.source)
        assert phrase in hit.text


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        (b"\xff\xfe" + b"\x00\xd8" * 3, "not valid"),  # UTF-16 BOM, then lone surrogates
        (bytes(range(128, 256)) * 4, "not UTF-8"),
    ],
)
def test_bad_bytes_are_refused_with_the_file_named(data, reason):
    with pytest.raises(SourceError) as e:
        decode(data, "bad.txt")
    assert "bad.txt" in str(e.value) and reason in str(e.value)


def test_binary_and_empty_files_are_skipped_with_a_warning(tmp_path, fake_encoder, caplog):
    data = tmp_path / "data"
    shutil.copytree(PLAN.parent, data)
    (data / "empty.txt").write_bytes(b"")
    (data / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(2000))
    with caplog.at_level(logging.WARNING):
        report = build_index(data, tmp_path / "index", fake_encoder)
    assert report.files == 1 and set(report.skipped) == {"empty.txt", "image.md"}
    assert "empty.txt" in caplog.text and "image.md" in caplog.text
    # A skipped file does not make the index look stale.
    assert build_index(data, tmp_path / "index", fake_encoder).up_to_date


def test_same_content_under_two_names_is_indexed_once(tmp_path, fake_encoder):
    data = tmp_path / "data"
    shutil.copytree(PLAN.parent, data)
    # Same text, another name and another encoding.
    (data / "copy-big5.txt").write_bytes(clean(PLAN.read_text(encoding="utf-8")).text.encode("utf-8"))
    shutil.copy(PLAN, data / "copy.txt")
    report = build_index(data, tmp_path / "index", fake_encoder)
    assert report.files == 1 and report.paragraphs == 8
    assert set(report.skipped) == {"copy-big5.txt", "copy.txt"}
    assert "same text as" in report.skipped["copy.txt"]


def test_empty_data_folder_is_a_clear_error_and_keeps_the_index(built, fake_encoder):
    before = tree_digest(built / "index")
    empty = built / "empty"
    empty.mkdir()
    with pytest.raises(NoSources, match="nothing to index"):
        build_index(empty, built / "index", fake_encoder)
    with pytest.raises(NoSources, match="does not exist"):
        build_index(built / "nope", built / "index", fake_encoder)
    assert tree_digest(built / "index") == before
    Retriever(built / "index").search("外贸", k=1)


# ------------------------------------------------------------- damaged indexes

def _version(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


@pytest.mark.parametrize("victim", ["dense.faiss", "paragraphs.json", "units.npy", "bm25/vocab.index.json"])
@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_damaged_index_file_is_named(built, victim, damage):
    path = _version(built / "index") / victim
    if damage == "flip":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.unlink()
    with pytest.raises(IndexCorrupt) as e:
        Retriever(built / "index")
    assert victim in str(e.value) and "qa build" in str(e.value)


def test_damaged_pointer_or_manifest_is_a_clear_error(built):
    (built / "index" / "CURRENT").write_text("../../etc")
    with pytest.raises(IndexCorrupt, match="CURRENT"):
        Retriever(built / "index")
    (built / "index" / "CURRENT").write_text(_version_name(built))
    (_version(built / "index") / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="manifest.json"):
        Retriever(built / "index")


def _version_name(built: Path) -> str:
    return next(p.name for p in (built / "index").glob("v-*"))


def test_format_and_model_mismatch_name_both_sides(built_small, small_model):
    with pytest.raises(IndexMismatch) as e:
        Retriever(built_small / "index", model="BAAI/bge-small-zh-v1.5")
    assert "BAAI/bge-small-zh-v1.5" in str(e.value) and minilm_path() in str(e.value)

    manifest = _version(built_small / "index") / "manifest.json"
    manifest.write_text(manifest.read_text().replace(f'"format_version": {FORMAT_VERSION}', '"format_version": 99'))
    with pytest.raises(IndexMismatch, match="format 99"):
        Retriever(built_small / "index")


def test_an_index_from_before_pieces_loads_and_its_rebuild_reuses_its_vectors(tmp_path, fake_encoder):
    """Format 3 had no piece column: it is read as all whole sentences, and the rebuild embeds nothing again."""
    import json

    import numpy as np

    from qa import files, index_status
    from qa.index import current_version

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "short.txt").write_text("一、产业\n外贸进出口总额达到40亿元。粮食产量稳定在百亿斤以上。\n", encoding="utf-8")
    build_index(tmp_path / "data", tmp_path / "index", fake_encoder)
    version = current_version(tmp_path / "index")
    units = np.load(version / "units.npy")
    assert units.shape[1] == len(UNIT_COLUMNS) and not units[:, UNIT_PIECE].any()  # short sentences: no pieces
    np.save(version / "units.npy", units[:, :3])  # as format 3 wrote it
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    manifest["chunking"].pop("pieces")
    manifest["format_version"] = 3
    manifest["files"] = {k: v for k, v in files.seal(version).items() if k != "manifest.json"}
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    old = Retriever(tmp_path / "index", fake_encoder)
    assert old.index.units.shape == units.shape and not old.index.units[:, UNIT_PIECE].any()
    assert old.answer("外贸进出口总额的目标是多少？").hits
    assert index_status(tmp_path / "data", tmp_path / "index") == "stale"
    report = build_index(tmp_path / "data", tmp_path / "index", fake_encoder)
    assert report.embedded == 0 and report.units == len(units)


def test_load_resolves_current_once_while_a_build_publishes(built, fake_encoder, monkeypatch):
    """A build that publishes between a load's first and later steps must not make the load fail."""
    import qa.index as qi

    real = qi.current_version
    calls = []

    def resolve_then_publish(index_dir):
        version = real(index_dir)
        if not calls:
            calls.append(version)
            (built / "data" / "new.txt").write_text("新的一段內容。冬季舉辦冰雪節。", encoding="utf-8")
            build_index(built / "data", built / "index", fake_encoder)
        return version

    monkeypatch.setattr(qi, "current_version", resolve_then_publish)
    loaded = qi.load_index(built / "index")
    assert real(built / "index") != loaded.path, "no new version was published during the load"
    assert loaded.path == calls[0]
    assert all(s.source != "new.txt" for s in loaded.paragraphs)  # the version resolved first, whole


def test_a_second_build_is_refused_while_one_runs(built, fake_encoder):
    with FileLock(str(built / "index" / ".lock")):
        with pytest.raises(IndexBusy, match="another build"):
            build_index(built / "data", built / "index", fake_encoder, force=True)


# ------------------------------------------------------------- crashed builds

# Runs a forced build in a child process that dies (os._exit, like a kill -9)
# at the N-th call of a chosen function.
KILLER = """
import os, sys
import qa.build as bd, qa.embed as em, qa.files as fs, faiss
stage, model = sys.argv[1], sys.argv[2]
targets = {
    "embed": (em, "encode_documents", bd),
    "sections": (fs, "write_durable", None),
    "faiss": (faiss, "write_index", None),
    "manifest": (fs, "fsync_dir", None),
    "rename": (os, "rename", None),
    "pointer": (os, "replace", None),
}
mod, name, also = targets[stage]
real = getattr(mod, name)
def die(*a, **k):
    os._exit(9)
setattr(mod, name, die)
if also is not None:
    setattr(also, name, die)
(ROOT / "data" / "new.txt").write_text("新的一段內容。冬季舉辦冰雪節。", encoding="utf-8")
bd.build_index(ROOT / "data", ROOT / "index", model, force=True)
"""


@pytest.mark.integration
@pytest.mark.parametrize("stage", ["embed", "sections", "faiss", "manifest", "rename", "pointer"])
def test_killed_build_leaves_previous_index_intact(built_small, small_model, stage):
    before = tree_digest(built_small / "index")
    code = "from pathlib import Path\nROOT = Path(%r)\n" % str(built_small) + KILLER
    proc = subprocess.run([sys.executable, "-c", code, stage, minilm_path()], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 9, proc.stderr
    after = tree_digest(built_small / "index")
    # Only new files (an unpublished staging or version folder) may have appeared.
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(before) <= set(after)
    hits = Retriever(built_small / "index").search("冰雪節", k=8)
    assert all(h.source != "new.txt" for h in hits)
    # The next build publishes and clears what the crash left behind.
    report = build_index(built_small / "data", built_small / "index", small_model)
    assert report.files == 2
    leftovers = [p.name for p in (built_small / "index").iterdir() if p.name.startswith(".staging") or p.name.startswith(".CURRENT.")]
    assert leftovers == []


@pytest.mark.integration
def test_full_disk_leaves_previous_index_intact(built_small):
    """A file-size limit makes writes fail with EFBIG, as on a full disk."""
    before = tree_digest(built_small / "index")
    code = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "from qa import build_index, IndexFailure\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))\n"
        f"try:\n    build_index({str(built_small / 'data')!r}, {str(built_small / 'index')!r}, {minilm_path()!r}, force=True)\n"
        "except IndexFailure as e:\n    print(e); sys.exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr
    assert "could not write the index" in proc.stdout and "previous index was left as it was" in proc.stdout
    assert tree_digest(built_small / "index") == before


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare for a read-only mount")
def test_read_only_index_folder_is_a_clear_error(built_small):
    """The build runs in a private mount namespace where index/ is mounted read-only."""
    before = tree_digest(built_small / "index")
    index = built_small / "index"
    code = (
        "import sys\nfrom qa import build_index, IndexFailure\n"
        f"try:\n    build_index({str(built_small / 'data')!r}, {str(index)!r}, {minilm_path()!r}, force=True)\n"
        "except IndexFailure as e:\n    print(e); sys.exit(3)\n"
    )
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" -c "$3"'
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(index), sys.executable, code],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    if "mount:" in proc.stderr and proc.returncode not in (0, 3):
        pytest.skip(f"cannot make a read-only mount here: {proc.stderr.strip()}")
    assert proc.returncode == 3, proc.stderr
    assert "could not write the index" in proc.stdout and "Read-only" in proc.stdout
    assert tree_digest(index) == before


# ------------------------------------------------------------- questions

@pytest.mark.parametrize(
    "question, outcome",
    [
        ("", "empty"),
        ("  \t\n ", "empty"),
        ("\x00\x01\x02", "empty"),  # only control characters
        ("问" * 501, "limit is 500"),
        ("a" * 10_000, "limit is 500"),
        ("外贸\x00进出口\x1b[31m总额？", "ok"),
        ("外贸\ud800进出口", "ok"),  # a lone surrogate from a broken client
        ("🚢外贸进出口🚀总额目标？😀", "ok"),
        ("外貿 import/export 总额 target 目標？", "ok"),
        ("   外贸进出口   ", "ok"),
        ("问" * 500, "ok"),  # exactly at the limit
    ],
)
def test_bad_questions_table(fake_plan_index, question, outcome):
    from qa import QueryError

    r = Retriever(fake_plan_index / "index")
    if outcome == "ok":
        ans = r.answer(question, k=2)
        import json

        json.dumps(ans.to_dict(), ensure_ascii=False).encode("utf-8")  # serialisable, no surrogates
        assert all(s in h.text for h in ans.hits + ans.related for s in h.highlights)
    else:
        with pytest.raises(QueryError, match=outcome):
            r.answer(question)


def test_k_out_of_range_is_refused(fake_plan_index):
    from qa import QueryError

    r = Retriever(fake_plan_index / "index")
    for k in (0, -1, 21, 2.5, "3"):
        with pytest.raises(QueryError, match="k must be"):
            r.search("外贸", k=k)


# ------------------------------------------------------------- fuzzing

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("()（）現xiàn代化。，,\n 責任編輯/■作者系?xùn)|一、（一）#第章節")),
    ),
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_fuzz_cleaner_and_splitter(raw):
    doc = clean(raw)
    assert doc.glosses_removed >= 0
    doc.text.encode("utf-8")  # no lone surrogates survive
    for sec in split_document(doc).paragraphs:
        assert sec.text and sec.sentences
        for a, b in sec.sentences:
            assert 0 <= a < b <= len(sec.text)
            # Verbatim but for the white space that joins hard-wrapped lines.
            assert "".join(sec.text[a:b].split()) in "".join(doc.text.split())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=600))
def test_fuzz_query_path(fake_plan_index, question):
    from qa import QueryError

    r = Retriever.__new__(Retriever)  # reuse one loaded retriever across examples
    r.__dict__ = _shared_retriever(fake_plan_index).__dict__
    try:
        ans = r.answer(question, k=3)
    except QueryError as e:
        assert str(e)
        return
    for h in ans.hits + ans.related:
        assert all(s in h.text for s in h.highlights)


_cache: dict = {}


def _shared_retriever(plan_index):
    if "r" not in _cache:
        _cache["r"] = Retriever(plan_index / "index")
    return _cache["r"]
