"""One bad file or one stranger never stops the library: hostile web pages, the optional password,
Gradio's upload cache and its size cap.

Pages are made here; the servers are real, on free ports, over the plan indexed with the fake encoder.
"""
from __future__ import annotations

import re
import shutil
import socket
import time
from pathlib import Path

import httpx
import pytest

from qa.errors import SourceError
from qa.read import MAX_BYTES, MAX_FILE_BYTES, read_html
from qa.read.webpage import MAX_NESTING, clean_html

FIXTURES = Path(__file__).parent / "fixtures"
SENTENCE = "全市生产总值增长5%左右，粮食产量稳定在百亿斤以上，城乡居民收入增长与经济增长同步。"
NOTICE = "请启用JavaScript以浏览本网站的全部内容，否则部分功能无法使用。"


def texts(data: str | bytes, name: str = "page.html") -> list[str]:
    return [b.text for b in read_html(data.encode() if isinstance(data, str) else data, name)]


# ------------------------------------------------------------------ web pages

def test_a_page_of_nothing_but_links_is_refused_as_no_main_text():
    menu = "<html><head><title>首页</title></head><body><ul>" + "".join(
        f'<li><a href="/c{i}">栏目{i}新闻动态</a></li>' for i in range(40)) + "</ul></body></html>"
    with pytest.raises(SourceError, match="menu.html: no main text in the web page, only navigation links"):
        read_html(menu.encode(), "menu.html")
    bare = "<html><body><div>" + "".join(f'<a href="/q{i}">链接{i}</a><br>' for i in range(30)) + "</div></body></html>"
    with pytest.raises(SourceError, match="no main text"):
        read_html(bare.encode(), "bare.html")
    # A paragraph with a link in it is the page's own text.
    linked = f'<html><body><article><p>{SENTENCE}详见<a href="/f">附件一</a>。</p></article></body></html>'
    assert texts(linked) == [f"{SENTENCE}详见 附件一 。"]  # trafilatura spaces a link out


def test_noscript_text_is_dropped():
    page = (f"<html><body><noscript><p>{NOTICE}</p></noscript><article><p>{SENTENCE}</p>"
            f"<noscript>{NOTICE}</noscript><p>第二段：{SENTENCE}</p></article></body></html>")
    assert texts(page) == [SENTENCE, f"第二段：{SENTENCE}"]
    assert clean_html("<p>a</p><NOSCRIPT data-x=1>b</NOSCRIPT><p>c</p><noscript>left open") == "<p>a</p><p>c</p>"


@pytest.mark.parametrize("depth", [254, 300, 5000])
def test_a_page_nested_past_what_the_parser_reads_keeps_its_article(depth):
    # libxml2 drops what is nested beyond 256 levels: this page read as "no text found".
    article = f"<h2>一、发展目标</h2><p>{SENTENCE}</p><p>第二段：{SENTENCE}</p>"
    page = "<html><body>" + "<div>" * depth + article + "</div>" * depth + "</body></html>"
    assert texts(page) == ["一、发展目标", SENTENCE, f"第二段：{SENTENCE}"]


def test_a_page_no_deeper_than_the_limit_is_left_as_it_is():
    def page(divs: int) -> str:  # html, body, the divs, p
        return "<html><body>" + "<div>" * divs + f"<p>{SENTENCE}</p>" + "</div>" * divs + "</body></html>"

    assert clean_html(page(MAX_NESTING - 3)) == page(MAX_NESTING - 3)
    assert clean_html(page(MAX_NESTING - 2)).count("<div>") == MAX_NESTING - 2  # only the p goes, a line break
    assert "<p>" not in clean_html(page(MAX_NESTING - 2))


def test_a_real_article_among_its_menus_keeps_all_its_text():
    """A saved government page of the national report (tests/fixtures/gov_article.html): header, menus,
    a side bar of links, two noscript notices and a footer around fourteen paragraphs of the report."""
    page = (FIXTURES / "gov_article.html").read_bytes()
    blocks = read_html(page, "gov_article.html")
    # The article: its h1, h2 and indented paragraphs, as the page holds them.
    article = re.findall(r'<(?:h1|h2|p style="text-indent: 2em;")>(.*?)</', page.decode("utf-8"))
    assert len(article) == 14 and [b.text for b in blocks] == article
    assert [b.heading for b in blocks][:4] == [1, None, None, 2]
    got = [b.text for b in blocks]
    for furniture in ("JavaScript", "网站地图", "版权所有", "政策解读", "国家政务服务平台", "分享到"):
        assert not any(furniture in t for t in got), furniture


# ------------------------------------------------------------------ the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path, fake_plan_index, fake_encoder):
    from qa.service import ChatService
    from qa.web import build_app, launch

    shutil.copytree(fake_plan_index / "data", root / "data")
    shutil.copytree(fake_plan_index / "index", root / "index")
    service = ChatService(root / "data", root / "index", fake_encoder)
    assert service.start() == "Index is ok"
    return launch(build_app(service), service, port=free_port(), block=False), service


@pytest.fixture(scope="module")
def open_site(tmp_path_factory, fake_plan_index, fake_encoder):
    """No password set; Gradio's cache swept every second of files over a second old."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("QA_WEB_PASSWORD", raising=False)
        mp.setattr("qa.web.DELETE_CACHE", (1, 1))
        demo, service = start(tmp_path_factory.mktemp("open"), fake_plan_index, fake_encoder)
    yield demo, service
    demo.close()


@pytest.fixture(scope="module")
def locked_site(tmp_path_factory, fake_plan_index, fake_encoder):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QA_WEB_PASSWORD", "s3cret-pass")
        mp.delenv("QA_WEB_USER", raising=False)
        demo, service = start(tmp_path_factory.mktemp("locked"), fake_plan_index, fake_encoder)
    yield demo, service
    demo.close()


def test_the_password_and_user_come_from_the_environment(monkeypatch):
    from qa.web import DEFAULT_USER, web_auth

    monkeypatch.delenv("QA_WEB_PASSWORD", raising=False)
    monkeypatch.setenv("QA_WEB_USER", "alice")
    assert web_auth() is None  # no password: no login, whatever the user
    monkeypatch.setenv("QA_WEB_PASSWORD", "pw")
    assert web_auth() == ("alice", "pw")
    monkeypatch.setenv("QA_WEB_USER", " ")
    assert web_auth() == (DEFAULT_USER, "pw") == ("qa", "pw")


def test_without_a_password_nothing_asks_for_one(open_site):
    from gradio_client import Client

    demo, service = open_site
    assert demo.auth is None
    assert httpx.get(demo.local_url + "config").status_code == 200
    assert httpx.post(demo.local_url + "gradio_api/call/documents", json={"data": []}).status_code == 200
    docs = Client(demo.local_url, verbose=False).predict(api_name="/documents")
    assert [d["file"] for d in docs] == [d.file for d in service.documents()]


def test_with_a_password_the_page_and_every_route_ask_for_it(locked_site):
    from gradio_client import Client

    demo, service = locked_site
    url = demo.local_url
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError, match="credentials were not provided"):
        Client(url, verbose=False)
    with pytest.raises(ValueError, match="Could not login"):
        Client(url, auth=("qa", "wrong"), verbose=False)
    # Without a login: no config, no API call, no upload, no queue (where deletions and rebuilds run).
    assert httpx.get(url + "config").status_code == 401
    assert httpx.post(url + "gradio_api/call/documents", json={"data": []}).status_code == 401
    r = httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", "一、概况\n内容。\n".encode(), "text/plain")})
    assert r.status_code == 401
    assert httpx.post(url + "gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"}).status_code == 401
    # Nor the viewer's server function, which renders the documents' pages.
    view = {"component_id": 0, "fn_name": "view_source", "session_hash": "x", "data": "{}"}
    assert httpx.post(url + "gradio_api/component_server/", json=view).status_code == 401
    assert sorted(p.name for p in service.data_dir.iterdir()) == ["000_35bfb118311f446a.txt", "titles.json"]  # no upload; titles.json: its title
    # With it, the API answers.
    docs = Client(url, auth=("qa", "s3cret-pass"), verbose=False).predict(api_name="/documents")
    assert [d["file"] for d in docs] == ["000_35bfb118311f446a.txt"]


def test_the_upload_route_refuses_files_over_the_largest_type_limit(open_site):
    demo, _ = open_site
    assert MAX_FILE_BYTES == max(MAX_BYTES.values()) and demo.max_file_size == MAX_FILE_BYTES
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder())
    before = set(cache.rglob("*"))
    r = httpx.post(demo.local_url + "gradio_api/upload",
                   files={"files": ("big.pdf", b"%PDF-1.7\n" + b"0" * MAX_FILE_BYTES, "application/pdf")}, timeout=120)
    assert r.status_code == 413 and "maximum allowed size" in r.text, (r.status_code, r.text[:200])
    assert not any(p.name == "big.pdf" for p in set(cache.rglob("*")) - before)  # no partial file kept


def test_a_file_posted_without_the_upload_button_leaves_the_cache(open_site):
    demo, service = open_site
    r = httpx.post(demo.local_url + "gradio_api/upload",
                   files={"files": ("stray.txt", "一、概况\n无人认领的上传。\n".encode(), "text/plain")})
    assert r.status_code == 200, r.text
    path = Path(r.json()[0])
    assert path.is_file() and path.read_text(encoding="utf-8").startswith("一、概况")
    deadline = time.monotonic() + 15
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not path.exists()
    assert not (service.data_dir / "stray.txt").exists()


def test_the_served_app_sweeps_its_cache(locked_site):
    from qa.web import DELETE_CACHE

    assert locked_site[0].delete_cache == DELETE_CACHE
