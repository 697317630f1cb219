"""The web chat: its /ask API, rendering, hardening, uploads and rebuilds.

A real server runs in this process on a free port, over a copy of the shipped
plan indexed with the small model; requests go over HTTP.
"""
from __future__ import annotations

import concurrent.futures as cf
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import DATA, ROOT, minilm_path

QUESTION = "外贸进出口总额的目标是多少？"
ANSWER_SENTENCE = "外貿進出口總額達到40億元"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory, plan_index, small_model):
    """A running chat over its own copy of the plan (uploads change its data folder)."""
    from qa.service import ChatService
    from qa.web import build_app, launch

    root = tmp_path_factory.mktemp("web")
    shutil.copytree(plan_index / "data", root / "data")
    shutil.copytree(plan_index / "index", root / "index")
    service = ChatService(root / "data", root / "index", small_model)
    assert service.start() == "Index is ok"
    demo = launch(build_app(service), service, port=free_port(), block=False)
    yield demo.local_url, service
    demo.close()


@pytest.fixture(scope="module")
def client(site):
    from gradio_client import Client

    return Client(site[0], verbose=False)


# ------------------------------------------------------------------ /ask API

def test_api_answers_with_the_json_of_qa_ask(client, site):
    result = client.predict(QUESTION, api_name="/ask")
    assert set(result) == {"question", "understood_as", "confidence", "abstained", "hits", "related", "sources"}
    assert result["understood_as"] is None and result["sources"] is None
    assert result["confidence"] in ("answer", "uncertain") and result["abstained"] is (result["confidence"] != "answer")
    assert result["question"] == QUESTION and len(result["hits"]) == 3
    # The small model is English-only, so the answer need not rank first; it must be quoted and highlighted.
    hit = next(h for h in result["hits"] if ANSWER_SENTENCE in h["text"])
    assert any(ANSWER_SENTENCE in s for s in hit["highlights"])
    assert set(hit) == {"text", "section", "source", "score", "highlights", "path", "page", "document", "paragraph", "span", "cut", "citation"}
    assert hit["source"] == "000_35bfb118311f446a.txt"
    # Same as `qa ask --json` (Answer.to_dict) on the same index.
    assert result == site[1].answer(QUESTION, 3).to_dict()


@pytest.mark.parametrize(
    ("question", "message"),
    [("x" * 501, "the limit is 500"), ("   ", "the question is empty")],
)
def test_api_refuses_bad_questions_with_a_clear_message(client, question, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(question, api_name="/ask")
    assert client.predict(QUESTION, api_name="/ask")["hits"]  # still serving


def test_chat_shows_a_refused_question_as_its_reason(site):
    from qa.web import build_app

    # The handler behind the text box: too long is a reply saying why, and the text stays to be shortened.
    demo = build_app(site[1])
    respond = next(fn.fn for fn in demo.fns.values() if fn.fn.__name__ == "respond")
    box, turns, messages, fresh, _ = respond("问" * 600, [], 3, "original")
    assert box == "问" * 600 and turns[-1].error.startswith("the question is 600 characters long")
    assert "limit is 500" in messages[-1]["content"] and fresh is False


def test_chat_reads_a_follow_up_with_the_topic_and_forgets_it_after_new_topic(site):
    from qa.web import build_app

    demo = build_app(site[1])
    respond = next(fn.fn for fn in demo.fns.values() if fn.fn.__name__ == "respond")
    _, turns, _, _, _ = respond("敦化的外贸进出口目标是多少？", [], 3, "original")
    _, turns, messages, _, _ = respond("那社会消费品零售总额呢？", turns, 3, "original")
    assert turns[-1].answer.understood_as == "敦化 目标 社会消费品零售总额？"
    assert "理解为：敦化 目标 社会消费品零售总额？" in messages[-1]["content"]
    # "New topic": the next question is read alone, and the chat shows where the topic changed.
    _, turns, messages, fresh, _ = respond("那社会消费品零售总额呢？", turns, 3, "original", None, True)
    assert turns[-1].new_topic and turns[-1].answer.understood_as is None and fresh is False
    assert "新话题" in messages[-3]["content"]  # divider, question, answer
    _, turns, _, _, _ = respond("医药方面呢？", turns, 3, "original")  # history restarts at the new topic
    assert "外贸" not in (turns[-1].answer.understood_as or "")


def test_api_takes_the_earlier_questions(client, site):
    result = client.predict("那社会消费品零售总额呢？", None, ["敦化的外贸进出口目标是多少？"], api_name="/ask")
    assert result["understood_as"] == "敦化 目标 社会消费品零售总额？"
    assert result == site[1].answer("那社会消费品零售总额呢？", 3, None, ["敦化的外贸进出口目标是多少？"]).to_dict()
    alone = client.predict("那社会消费品零售总额呢？", api_name="/ask")
    assert alone["understood_as"] is None


def test_api_lists_the_documents(client):
    docs = client.predict(api_name="/documents")
    plan = next(d for d in docs if d["file"] == "000_35bfb118311f446a.txt")
    assert plan["status"] == "indexed" and plan["paragraphs"] == 8 and plan["about"] == ["敦化"]


# ------------------------------------------------------------------ rendering

def test_reply_quotes_with_marked_sentence_title_source_and_score(site):
    from qa.render import to_html as render_answer

    answer = site[1].answer(QUESTION, 3)
    out = render_answer(answer)
    hit = next(h for h in answer.hits if ANSWER_SENTENCE in h.text)
    assert f"<b>{answer.hits.index(hit) + 1}. {hit.document}</b>" in out and hit.section in out  # its title (data/titles.json), then where
    assert hit.source in out and f"相关度 {hit.score:.2f}" in out
    marked = out.split("<mark>")[1:]
    assert any(ANSWER_SENTENCE in m.split("</mark>")[0] for m in marked)
    assert "\n\n" not in out  # one HTML block for the chat's Markdown renderer


@pytest.mark.parametrize(("script", "expected"), [("original", ANSWER_SENTENCE), ("hant", ANSWER_SENTENCE), ("hans", "外贸进出口总额达到40亿元")])
def test_script_toggle_keeps_highlights_on_the_same_sentence(site, script, expected):
    from qa.answer import Hit
    from qa.render import quote_html

    answer = site[1].answer(QUESTION, 3)
    hit = next(h for h in answer.hits if ANSWER_SENTENCE in h.text)
    out = quote_html(hit.text, hit.highlights, script)
    inside = [m.split("</mark>")[0] for m in out.split("<mark>")[1:]]
    assert any(expected in m for m in inside)
    # Text around the highlight is converted too, and no character is lost or moved.
    plain = out.replace("<mark>", "").replace("</mark>", "").replace("<br>", "\n")
    assert len(plain) == len(hit.text)
    # A highlight whose script conversion changes length still lands on its own characters.
    tricky = Hit("前文。乾隆皇帝的頭髮很乾淨。後文。", "t", "s.txt", 1.0, ["乾隆皇帝的頭髮很乾淨。"])
    out = quote_html(tricky.text, tricky.highlights, "hans")
    assert out.startswith("前文。<mark>") and out.endswith("</mark>后文。")
    # Source text that happens to hold the stand-in characters cannot open or close a highlight.
    odd = quote_html("甲\ue001乙。丙\ue000丁。", ["丙\ue000丁。"])
    assert odd == "甲\ufffd乙。<mark>丙\ufffd丁。</mark>"


def test_source_text_is_escaped_not_rendered(site):
    from qa.answer import Answer, Hit
    from qa.render import to_html as render_answer

    evil = Hit('<script>alert(1)</script> 第一句。<img src=x onerror=alert(2)>答案在此。', "<b>标题</b>", "a&b.txt", 1.0, ["<img src=x onerror=alert(2)>答案在此。"])
    out = render_answer(Answer("问题", [evil], "answer"))
    assert "<script>" not in out and "<img" not in out and "<b>标题</b>" not in out
    assert "<mark>&lt;img src=x onerror=alert(2)&gt;答案在此。</mark>" in out
    assert "a&amp;b.txt" in out


def test_abstained_answer_says_so_plainly_and_lists_related_reading(site):
    from qa.answer import Answer
    from qa.render import to_html as render_answer

    # What Retriever.answer returns when it abstains: no hits, the closest sections as related.
    question = "北京明天天气怎么样？"
    related = site[1].retriever.search(question, k=3)
    out = render_answer(Answer(question, [], "none", related=related))
    assert "规划中没有找到相关内容" in out
    assert "相关章节（仅供参考，并非答案）" in out
    assert "<mark>" not in out and "<blockquote" not in out  # nothing is passed off as an answer
    for h in related:
        assert h.section in out and h.source in out
    english = render_answer(Answer("What is the weather tomorrow?", [], "none", related=related))
    assert "The plan has no passage that answers this question." in english


def test_uncertain_answer_shows_real_quotes_under_the_line_as_quieter_cards(site):
    from qa.answer import Answer
    from qa.render import to_html as render_answer
    from qa.web import CSS

    hits = site[1].retriever.search(QUESTION, k=3)
    out = render_answer(Answer(QUESTION, hits, "uncertain"), "original", site[1].expand)
    assert out.startswith('<div class="qa-uncertain"><p class="qa-uncertain-line">没有把握找到确切答案，以下段落可能相关：</p>')
    assert out.count('<div class="qa-hit qa-hit-uncertain">') == 3 and "qa-none" not in out
    assert any(ANSWER_SENTENCE in m.split("</mark>")[0] for m in out.split("<mark>")[1:])
    assert "\n\n" not in out
    assert ".qa-hit-uncertain {" in CSS and ".qa-uncertain-line {" in CSS  # the page styles them


def test_index_tab_shows_files_sections_model_and_build_time(site):
    from qa.render import documents_table
    from qa.web import index_info

    info = index_info(site[1])
    m = site[1].manifest()
    assert m.model in info and m.built_at in info and f"{m.counts['paragraphs']} paragraphs" in info
    rows = {row[1]: row for row in documents_table(site[1].documents())}
    assert rows["000_35bfb118311f446a.txt"][4] == m.counts["paragraphs"] and "indexed" in rows["000_35bfb118311f446a.txt"][6]


# ------------------------------------------------------------------ hardening

def test_files_outside_the_app_are_not_served(site):
    url, service = site
    plan = (service.data_dir / "000_35bfb118311f446a.txt").resolve()
    manifest = (service.retriever.index.path / "manifest.json").resolve()
    secret = plan.read_text(encoding="utf-8")[:40]
    paths = [
        "/etc/passwd", str(plan), str(manifest), str(service.index_dir.resolve() / "CURRENT"),
        "../../../../etc/passwd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd", str(ROOT / "qa" / "web.py"), "app.py",
        "file:///etc/passwd",
    ]
    for p in paths:
        r = httpx.get(f"{url}gradio_api/file={p}")
        assert r.status_code in (403, 404), (p, r.status_code)
        assert "root:" not in r.text and secret not in r.text and "manifest" not in r.text.replace(p, ""), p
    for route in ("gradio_api/static/../../../../etc/passwd", "static/%2e%2e/%2e%2e/etc/passwd", "assets/../../etc/passwd"):
        r = httpx.get(url + route)
        assert "root:" not in r.text, route


def test_binds_loopback_without_share_link(site):
    url, _ = site
    assert url.startswith("http://127.0.0.1:")
    config = httpx.get(url + "config").json()
    assert not config.get("share_url") and config.get("analytics_enabled") is False


def test_queue_full_is_a_clear_busy_reply_and_the_server_survives(site):
    from gradio_client import Client

    from qa.web import build_app, launch

    service = site[1]
    demo = launch(build_app(service), service, port=free_port(), block=False, max_size=4, concurrency=1)
    try:
        c = Client(demo.local_url, verbose=False)

        def ask(i: int) -> str:
            try:
                c.predict(f"{QUESTION} {i}", api_name="/ask")
                return "ok"
            except Exception as e:
                return f"{type(e).__name__}: {e}"

        with cf.ThreadPoolExecutor(100) as pool:
            outcomes = list(pool.map(ask, range(100)))
        busy = [o for o in outcomes if o != "ok"]
        assert "ok" in outcomes and busy, outcomes[:5]
        assert all("Queue is full" in o for o in busy), set(busy)
        # Over plain HTTP the refusal is a 503 that says why, never a 500.
        def post(i: int) -> httpx.Response:
            return httpx.post(demo.local_url + "gradio_api/call/ask", json={"data": [f"{QUESTION} {i}"]}, timeout=60)

        with cf.ThreadPoolExecutor(50) as pool:
            responses = list(pool.map(post, range(50)))
        assert {r.status_code for r in responses} <= {200, 503}
        assert all("Queue is full" in r.json()["detail"] for r in responses if r.status_code == 503)
        time.sleep(1)
        assert c.predict(QUESTION, api_name="/ask")["hits"]  # still answering
    finally:
        demo.close()


# ------------------------------------------------------------------ uploads

def test_safe_name_keeps_uploads_inside_the_data_folder():
    from qa.service import UploadError, safe_name

    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("..\\..\\windows\\规划 2024 (修订).MD") == "规划_2024_修订.md"
    assert safe_name("/abs/path/.hidden.txt") == "hidden.txt"
    assert safe_name("报告.PDF") == "报告.pdf" and safe_name("a.docx") == "a.docx"
    for bad in ("notes.exe", "plan.txt.sh", ".txt", "..", "noext", "a.doc"):
        with pytest.raises(UploadError):
            safe_name(bad)


def _gbk_plan(path: Path, filler: int) -> Path:
    lines = ["敦化市特色农业发展规划", "敦化市将建设蓝莓种植基地，种植面积达到三千亩，年产蓝莓一千二百吨。"]
    places = ["江南", "大石头", "黄泥河", "官地", "额穆", "雁鸣湖", "贤儒", "秋梨沟", "沙河沿", "翰章"]
    crops = ["水稻", "玉米", "马铃薯", "木耳", "人参", "黄芪", "蔬菜", "山野菜", "中草药", "食用菌"]
    for i in range(filler):
        lines.append(f"第{i + 1}项，{places[i % 10]}镇推进{crops[(i * 3) % 10]}标准化生产，新建示范田{i + 7}处，带动农户{i * 13 + 40}户增收。")
    path.write_bytes("\n".join(lines).encode("gbk"))
    return path


def test_uploaded_gbk_file_is_answered_after_rebuild_and_old_index_serves_meanwhile(client, site, tmp_path):
    from gradio_client import handle_file

    service = site[1]
    question = "蓝莓种植基地的面积是多少？"
    old_version = service.retriever.index.path.name
    job = client.submit([handle_file(str(_gbk_plan(tmp_path / "特色农业 (GBK).txt", 500)))], api_name="/upload")
    deadline = time.time() + 60
    while not service.state.running and not job.done() and time.time() < deadline:
        time.sleep(0.05)
    assert service.state.running, "the rebuild finished before a question could be asked during it"
    during = client.predict(question, api_name="/ask")
    assert service.state.running, "the question was not answered while the rebuild ran; make the file larger"
    assert all(h["source"] == "000_35bfb118311f446a.txt" for h in during["hits"])  # the old index
    message, info, table, files = job.result(timeout=300)
    assert "saved `特色农业_GBK.txt`" in message and "Built index: 2 files" in message, message
    rows = {row[1]: row for row in table["data"]}
    assert files is None and "2 files" in info and "gb18030" in rows["特色农业_GBK.txt"][2]
    assert service.retriever.index.path.name != old_version
    after = client.predict(question, api_name="/ask")
    top = next(h for h in after["hits"] if h["source"] == "特色农业_GBK.txt")
    assert "种植面积达到三千亩" in top["text"] and any("三千亩" in s for s in top["highlights"])
    assert (service.data_dir / "特色农业_GBK.txt").read_bytes().decode("gbk").startswith("敦化市特色农业")


def test_an_upload_of_a_name_in_the_library_is_refused_unless_replacing(client, site, tmp_path):
    from gradio_client import handle_file

    service = site[1]
    name = next(p.name for p in service.data_dir.iterdir() if p.suffix == ".txt")
    again = tmp_path / name
    again.write_bytes((service.data_dir / name).read_bytes())
    version = service.retriever.index.path.name
    message, _, _, _ = client.predict([handle_file(str(again))], api_name="/upload")
    assert f"❌ {name} is already in the library" in message and "Built" not in message
    assert service.retriever.index.path.name == version
    message, _, _, _ = client.predict([handle_file(str(again))], api_name="/upload_replace")
    assert f"✅ saved `{name}`" in message and "up to date" in message  # the same bytes: nothing to embed


def test_binary_oversize_and_wrong_type_uploads_are_refused(client, site, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    from qa.read import MAX_FILE_BYTES
    from qa import UploadError

    service = site[1]
    before = sorted(p.name for p in service.data_dir.iterdir())
    version = service.retriever.index.path.name
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    message, _, _, _ = client.predict([handle_file(str(binary))], api_name="/upload")
    assert "❌ image.txt: looks binary" in message and "Built" not in message
    # Over 5 MB: the client checks the app's limit, and the server's upload route refuses it too.
    big = tmp_path / "big.txt"
    big.write_bytes("规划。".encode() * (MAX_FILE_BYTES // 9 + 10))
    with pytest.raises(ValueError, match="exceeds the maximum file size"):
        client.predict([handle_file(str(big))], api_name="/upload")
    with open(big, "rb") as f:
        r = httpx.post(site[0] + "gradio_api/upload", files={"files": ("big.txt", f, "text/plain")}, timeout=60)
    assert r.status_code == 413 and "File size exceeded maximum allowed size" in r.text, (r.status_code, r.text)
    with pytest.raises(UploadError, match="over the 5 MB limit"):  # and the service checks again
        service.save_upload(big)
    script = tmp_path / "run.sh"
    script.write_text("echo hi")
    with pytest.raises(AppError, match=r"Invalid file type.*\.txt.*\.md"):  # the File component checks too
        client.predict([handle_file(str(script))], api_name="/upload")
    with pytest.raises(UploadError, match=r"only \.txt, \.md, .*\.docx, \.pdf"):
        service.save_upload(script)
    assert sorted(p.name for p in service.data_dir.iterdir()) == before
    assert service.retriever.index.path.name == version


def test_failed_rebuild_keeps_serving_the_last_good_index(site):
    service = site[1]
    version = service.retriever.index.path.name
    # A lock held by another build: the rebuild fails and says so; answers go on.
    from filelock import FileLock

    with FileLock(str(service.index_dir / ".lock")):
        (service.data_dir / "extra.txt").write_text("敦化市新增规划条目，用于测试重建失败。" * 3, encoding="utf-8")
        try:
            service.rebuild().join(60)
        finally:
            (service.data_dir / "extra.txt").unlink()
    assert "still serving the previous index" in service.state.error and "another build" in service.state.error
    assert service.retriever.index.path.name == version
    assert service.answer(QUESTION).hits


# ------------------------------------------------------------------ app.py

@pytest.mark.integration
def test_app_py_builds_a_missing_index_then_serves(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    port = free_port()
    cmd = [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--data", str(tmp_path / "data"),
           "--index", str(tmp_path / "index"), "--model", minilm_path()]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        from gradio_client import Client

        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 180
        while time.time() < deadline:
            assert proc.poll() is None, proc.stdout.read()
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        result = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        assert any(ANSWER_SENTENCE in h["text"] for h in result["hits"])
        assert (tmp_path / "index" / "CURRENT").is_file()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Built index: 1 files" in out


# ------------------------------------------------------------------ default model

@pytest.mark.slow
def test_examples_answer_and_out_of_scope_abstains_with_the_default_model(default_index):
    from qa.answer import Retriever
    from qa.render import to_html as render_answer
    from qa.text import has_cjk
    from qa.web import EXAMPLES

    retriever = Retriever(default_index / "index")
    for question in EXAMPLES:  # an example told "none" would greet users with "not found"; a Chinese one is sure
        assert retriever.answer(question).confidence in (("answer",) if has_cjk(question) else ("answer", "uncertain")), question
    answer = retriever.answer("北京明天天气怎么样？")
    assert answer.confidence == "none"
    assert "规划中没有找到相关内容" in render_answer(answer)


def test_each_hostile_file_is_refused_or_skipped_with_its_reason_on_the_web(client, site, tmp_path):
    """The 10 hostile files: each upload refused naming it (or, scans only, skipped by the rebuild's OCR);
    copied in and rebuilt, each row of the Index tab says why it was skipped, and the plan is still answered."""
    from gradio_client import handle_file
    from hostile_files import write_library

    service = site[1]
    reasons = write_library(tmp_path / "hostile")
    for name, why in reasons.items():
        message, _, _, _ = client.predict([handle_file(str(tmp_path / "hostile" / name))], api_name="/upload")
        if name == "poster.pdf":  # scans only: kept, and OCR in the rebuild finds no text on it
            assert message.startswith("✅ saved") and f"Skipped:\n- {name}: the PDF has {why}" in message, message
        else:  # the reason, never a bare "Error"
            assert f"❌ {name}: " in message and why in message, (name, message)
    for name in reasons:
        shutil.copy(tmp_path / "hostile" / name, service.data_dir / name)
    try:
        message, _, _ = client.predict(api_name="/rebuild")
        assert message.startswith("✅") and "Skipped:" in message and "Traceback" not in message, message
        rows = {row["file"]: row for row in client.predict(api_name="/documents")}
        for name, why in reasons.items():
            assert rows[name]["status"] == "skipped" and rows[name]["reason"].startswith(f"{name}: ") and why in rows[name]["reason"]
        assert rows["000_35bfb118311f446a.txt"]["status"] == "indexed"
        assert client.predict(QUESTION, api_name="/ask")["confidence"] != "none"
    finally:
        for name in reasons:
            (service.data_dir / name).unlink()
        service.rebuild().join()
