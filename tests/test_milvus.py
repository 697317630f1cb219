"""The index in Milvus (issue 23), over a real Milvus Lite: build, ask, incremental rebuilds, removal, the
``sources=`` filter, a server that is down or refuses, the CLI and a web service started with only the URI.

The fake encoder stands in for the model (the unit tier); the agreement with the embedded store on the
default model is measured by ``benchmarks/bench_store.py``.
"""
from __future__ import annotations

import json
import shutil
import socket
import threading

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DATA, DEV
from qa import ChatService, Retriever, StoreUnavailable, build_index, location, remove_document
from qa.cli import cli
from qa.published import manifest as current_manifest

pytest.importorskip("milvus_lite")
pytestmark = pytest.mark.integration  # each test starts a Milvus Lite server

PLAN = "000_35bfb118311f446a.txt"
#: A second document, in another place's words.
OTHER = "吉林市政府工作报告.txt"
OTHER_TEXT = """吉林市2024年政府工作报告

一、主要目标
全市地区生产总值增长6%左右。城镇新增就业3万人以上。

二、重点工作
推进冰雪旅游，建设北大湖滑雪度假区。加快化工产业转型升级，建设吉林化纤碳纤维项目。
"""


def dev_questions() -> list[str]:
    if DEV.is_file():
        return [json.loads(line)["q"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return ["外贸进出口总额的目标是多少？", "敦化高质量发展以什么思想为统领？", "大豆种植面积是多少？"]


def first(answer) -> tuple:
    return answer.confidence, [(h.source, h.section, h.text) for h in answer.hits[:1]]


@pytest.fixture
def library(tmp_path, fake_encoder):
    """A data folder with the plan, an empty index folder, and its Location in a Milvus Lite file."""
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "data", location(tmp_path / "index", "milvus", str(tmp_path / "milvus" / "qa.db"))


@pytest.fixture(scope="module")
def both(tmp_path_factory, fake_encoder):
    """The plan indexed in both stores with the fake encoder; the Retrievers of each."""
    root = tmp_path_factory.mktemp("both")
    shutil.copytree(DATA, root / "data")
    loc = location(root / "m-index", "milvus", str(root / "m.db"))
    build_index(root / "data", root / "index", fake_encoder)
    build_index(root / "data", loc, fake_encoder)
    return Retriever(root / "index", fake_encoder), Retriever(loc, fake_encoder), root, loc


def test_milvus_answers_as_faiss(both):
    faiss_r, milvus_r, _, _ = both
    assert milvus_r.index.store.kind == "milvus" and faiss_r.index.store.kind == "faiss"
    assert len(milvus_r.index.paragraphs) == len(faiss_r.index.paragraphs)
    assert np.array_equal(milvus_r.index.units, faiss_r.index.units)  # the same rows in the same order
    questions = dev_questions()
    same = [first(faiss_r.answer(q)) == first(milvus_r.answer(q)) for q in questions]
    assert sum(same) == len(questions), [q for q, s in zip(questions, same) if not s]


def test_the_keyword_scores_are_bm25s_scores(both):
    faiss_r, milvus_r, _, _ = both
    tokens = milvus_r.index.store.known(["外贸", "进出口", "总额", "目标", "敦化", "目标"])  # a token asked twice counts twice
    rows = np.arange(faiss_r.index.store.size)
    a = faiss_r.index.store.keyword_scores(tokens, rows)
    b = milvus_r.index.store.keyword_scores(tokens, rows)
    assert (a > 0).sum() > 3
    assert np.allclose(a, b, rtol=1e-4, atol=1e-5)
    assert np.allclose(faiss_r.index.store.vectors(rows[:7]), milvus_r.index.store.vectors(rows[:7]), atol=1e-6)
    assert milvus_r.index.store.usage() == {t: n for t, n in faiss_r.index.store.usage().items() if n}  # bm25s keeps "": 0


def test_the_manifest_names_the_store_never_a_password(both, tmp_path):
    _, milvus_r, _, loc = both
    store = milvus_r.index.manifest.store
    assert store["kind"] == "milvus" and store["uri"] == loc.uri and store["collection"] == "qa"
    secret = location(tmp_path, "milvus", "http://reader:s3cret@127.0.0.1:19530", "plans_2024")
    assert secret.describe() == {"kind": "milvus", "uri": "http://127.0.0.1:19530", "collection": "plans_2024"}
    assert "s3cret" not in str(secret)


def test_incremental_builds_write_only_what_changed(library, fake_encoder):
    data, loc = library
    first_build = build_index(data, loc, fake_encoder)
    assert build_index(data, loc, fake_encoder).up_to_date
    (data / OTHER).write_text(OTHER_TEXT, encoding="utf-8")
    added = build_index(data, loc, fake_encoder)
    assert added.files == 2 and added.units > first_build.units
    assert added.embedded == added.units - first_build.units  # the plan's rows were kept as they were
    r = Retriever(loc, fake_encoder)
    assert r.index.store.size == added.units
    hits = r.answer("北大湖滑雪度假区", sources=[OTHER]).hits
    assert hits and all(h.source == OTHER for h in hits)
    hits = r.answer("北大湖滑雪度假区", sources=[PLAN]).hits
    assert all(h.source == PLAN for h in hits)

    (data / OTHER).write_text(OTHER_TEXT.replace("3万人", "4万人"), encoding="utf-8")
    changed = build_index(data, loc, fake_encoder)
    assert changed.embedded == added.units - first_build.units
    r = Retriever(loc, fake_encoder)
    assert r.index.store.size == changed.units  # the old version's rows are gone
    text = " ".join(p.text for p in r.index.paragraphs if p.source == OTHER)
    assert "4万人" in text and "3万人" not in text


def test_removing_documents_removes_their_rows_and_at_last_the_collections(library, fake_encoder):
    data, loc = library
    (data / OTHER).write_text(OTHER_TEXT, encoding="utf-8")
    build_index(data, loc, fake_encoder)
    report = remove_document(OTHER, data, loc, fake_encoder)
    r = Retriever(loc, fake_encoder)
    assert set(p.source for p in r.index.paragraphs) == {PLAN} and r.index.store.size == report.units
    assert remove_document(PLAN, data, loc, fake_encoder) is None
    assert current_manifest(loc) is None


def test_another_model_replaces_the_collections(library, fake_encoder):
    from fakes import HashEncoder

    data, loc = library
    build_index(data, loc, fake_encoder)
    wider = HashEncoder(dim=128)
    wider.qa_name = "fake-hash-128"
    report = build_index(data, loc, wider)
    assert report.embedded == report.units
    assert current_manifest(loc).dim == 128


def closing_server():
    """A port that accepts connections and closes them at once: a server that refuses."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv


@pytest.mark.parametrize("kind", ["down", "refuses"])
def test_a_server_down_or_refusing_is_named_and_the_local_index_untouched(fake_plan_index, fake_encoder, kind):
    index = fake_plan_index / "index"
    before = {p: p.read_bytes() for p in sorted(index.rglob("*")) if p.is_file() and p.name != ".lock"}
    srv = closing_server() if kind == "refuses" else None
    port = srv.getsockname()[1] if srv else 1
    try:
        loc = location(index, "milvus", f"http://127.0.0.1:{port}")
        for attempt in (lambda: build_index(fake_plan_index / "data", loc, fake_encoder), lambda: Retriever(loc, fake_encoder)):
            with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}.*left as it was"):
                attempt()
        res = CliRunner().invoke(cli, ["ask", "外贸进出口总额的目标是多少？", "--data", str(fake_plan_index / "data"),
                                       "--index", str(index), "--uri", f"http://127.0.0.1:{port}"])
        assert res.exit_code == 1 and f"127.0.0.1:{port}" in res.output and "Traceback" not in res.output
    finally:
        if srv:
            srv.close()
    after = {p: p.read_bytes() for p in sorted(index.rglob("*")) if p.is_file() and p.name != ".lock"}
    assert after == before
    assert Retriever(index, fake_encoder).answer("外贸进出口总额的目标是多少？").hits  # and still answers


def test_the_cli_builds_and_asks_over_milvus(library, monkeypatch):
    data, loc = library
    where = ["--data", str(data), "--index", str(loc.folder)]
    res = CliRunner().invoke(cli, ["build", *where, "--uri", loc.uri, "--model", "fake-hash-256"])
    assert res.exit_code == 0 and "Built index" in res.output, res.output
    assert not (loc.folder / "CURRENT").exists()  # nothing of the index is kept in the folder
    monkeypatch.setenv("QA_MILVUS_URI", loc.uri)  # the environment chooses Milvus as --uri does
    res = CliRunner().invoke(cli, ["ask", "外贸进出口总额的目标是多少？", "--json", *where])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["hits"][0]["source"] == PLAN
    res = CliRunner().invoke(cli, ["ls", "--json", *where])
    assert [d["status"] for d in json.loads(res.stdout)] == ["indexed"]
    res = CliRunner().invoke(cli, ["eval", str(DEV), "--index", str(loc.folder), "--store", "faiss"])
    assert res.exit_code == 1 and "no index in" in res.output  # --store faiss reads the folder, which holds none
    monkeypatch.delenv("QA_MILVUS_URI")
    res = CliRunner().invoke(cli, ["ask", "问题", *where, "--store", "milvus"])
    assert res.exit_code == 2 and "needs a URI" in res.output


def test_a_service_with_only_the_uri_answers_and_follows_another_build(library, fake_encoder, tmp_path, monkeypatch):
    import qa.service

    data, loc = library
    build_index(data, loc, fake_encoder)  # built elsewhere
    empty = location(tmp_path / "empty-index", "milvus", loc.uri)
    service = ChatService(data, empty, fake_encoder)
    service.start()
    assert not any((tmp_path / "empty-index").glob("v-*"))
    for q in dev_questions()[:10]:
        assert service.answer(q).confidence in ("answer", "uncertain", "none")
    assert service.answer("外贸进出口总额的目标是多少？").hits[0].source == PLAN
    served = service.version()
    # Another server adds a document and commits: this one answers from it at its next look.
    monkeypatch.setattr(qa.service, "FOLLOW_SECONDS", 0.0)
    (data / OTHER).write_text(OTHER_TEXT, encoding="utf-8")
    build_index(data, loc, fake_encoder)
    hits = service.answer("北大湖滑雪度假区", sources=[OTHER]).hits
    assert service.version() != served and hits and hits[0].source == OTHER


def test_a_library_moving_to_milvus_takes_the_vectors_of_its_folder_s_index(fake_plan_index, fake_encoder, tmp_path):
    loc = location(fake_plan_index / "index", "milvus", str(tmp_path / "qa.db"))
    report = build_index(fake_plan_index / "data", loc, fake_encoder)
    assert report.embedded == 0 and report.units > 0
    assert (fake_plan_index / "index" / "CURRENT").exists()  # the local index stays as it was


def test_an_index_built_on_another_machine_is_never_rebuilt_from_this_one_s_folder(library, fake_encoder, monkeypatch):
    import qa.build
    from qa import index_status

    data, loc = library
    build_index(data, loc, fake_encoder)
    assert index_status(data, loc) == "ok"
    monkeypatch.setattr(qa.build.socket, "gethostname", lambda: "another-server")
    assert index_status(data, loc) == "elsewhere"  # answered from as it is (qa.startup.ensure_index)


def test_a_milvus_gone_while_serving_is_named_in_the_reply(library, fake_encoder):
    from qa.web import SHOWN

    data, loc = library
    service = ChatService(data, loc, fake_encoder)
    service.start()
    assert service.answer("外贸进出口总额的目标是多少？").hits
    service.retriever.index.store.client.close()  # the connection is gone, as when the server stops
    with pytest.raises(StoreUnavailable, match=loc.uri) as caught:
        service.answer("大豆种植面积是多少？")
    assert isinstance(caught.value, SHOWN)  # the web chat shows the message, not a bare "Error"
