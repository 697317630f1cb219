"""See it in the source, in a real browser: a PDF quote's page with the sentence marked (two pages when it
crosses a break), a Word quote's section, the citation copied, the conversation exported, a question's link.

The library is the plan, a real report typeset as PDF by LibreOffice and another as its Word file, indexed
with the small model. A question is asked through its link (``?q=…&sources=…``), as a shared link would.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import httpx
import pytest

from conftest import DATA, SHARED
from test_browser import _serve, browser  # noqa: F401  the browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

PDF_REPORT = "2025年上海市政府工作报告"
WORD_REPORT = "2025年浙江省政府工作报告.docx"
#: Of a mark's box and the characters' box, in percent of the page: the page is drawn 1280 px wide at most.
TOLERANCE = 0.15


@pytest.fixture(scope="module")
def library(tmp_path_factory, small_model):
    """The plan, 上海's report typeset as PDF and 浙江's as Word, indexed with the small model."""
    from qa import build_index

    root = tmp_path_factory.mktemp("source-view")
    shutil.copytree(DATA, root / "data")
    docs = SHARED / "corpus" / "documents"
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(root / "data"), str(docs / f"{PDF_REPORT}.docx")],
                   check=True, capture_output=True, timeout=300)
    shutil.copy(docs / WORD_REPORT, root / "data")
    build_index(root / "data", root / "index", small_model)
    return root


@pytest.fixture(scope="module")
def site(library, small_model):
    demo = _serve(library, small_model)
    yield demo.local_url
    demo.close()


@pytest.fixture(scope="module")
def pdf_sentences(library):
    """Each sentence of the PDF with the pages its marks are on: ``[(sentence, paragraph, marks)]``."""
    from qa import Retriever
    from qa.view import locate

    pdf = f"{PDF_REPORT}.pdf"
    data = (library / "data" / pdf).read_bytes()
    out = []
    for p in Retriever(library / "index").index.paragraphs:
        if p.source == pdf:
            for a, b in p.sentences:
                if 20 <= b - a <= 200:
                    out.append((p.text[a:b], p, locate(data, pdf, p.text, p.page, a, b)))
    return out


def _open(browser, url: str, question: str, source: str, **context):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1280, "height": 960}, **context)
    page = ctx.new_page()
    page.goto(f"{url}?{urllib.parse.urlencode({'q': question, 'sources': source})}")
    card = page.locator("#qa-chat .qa-hit").first
    card.wait_for(timeout=60_000)
    return ctx, page, card


def _marks_shown(page) -> dict[int, list[tuple[float, float, float, float]]]:
    """The marks over each page image, in percent of the image: ``{page: [(left, top, width, height)]}``."""
    shown = {}
    for fig in page.locator(".qa-source .qa-page").all():
        n = int(fig.get_attribute("id").removeprefix("qa-page-"))
        shown[n] = [tuple(float(v) for v in re.findall(r"([\d.]+)%", m.get_attribute("style")))
                    for m in fig.locator(".qa-page-mark").all()]
    return shown


def _expected(library, ref: str) -> dict[int, list[tuple[float, float, float, float]]]:
    """The marks :func:`qa.view.locate` gives for a card's reference, in percent of the page."""
    import pypdfium2

    from qa import Retriever
    from qa.view import locate

    d = json.loads(ref)
    para = Retriever(library / "index").quoter.paragraph(d["source"], d["paragraph"])
    data = (library / "data" / d["source"]).read_bytes()
    pdf = pypdfium2.PdfDocument(data)
    out: dict[int, list] = {}
    for s in d["sentences"]:
        start = para.text.find(s)
        for m in locate(data, d["source"], para.text, para.page, start, start + len(s)):
            w, h = pdf[m.page - 1].get_size()
            out.setdefault(m.page, []).extend((100 * x0 / w, 100 * y0 / h, 100 * (x1 - x0) / w, 100 * (y1 - y0) / h)
                                              for x0, y0, x1, y1 in m.boxes)
    return out


def _same_boxes(shown, expected) -> bool:
    return shown.keys() == expected.keys() and all(
        len(shown[p]) == len(expected[p])
        and all(abs(a - b) <= TOLERANCE for s, e in zip(shown[p], expected[p]) for a, b in zip(s, e))
        for p in shown
    )


def test_a_pdf_quote_opens_its_page_with_the_sentence_marked(browser, site, library, pdf_sentences, tmp_path):  # noqa: F811
    sentence, para, marks = next((s, p, m) for s, p, m in pdf_sentences if len({x.page for x in m}) == 1 and "%" in s)
    ctx, page, card = _open(browser, site, sentence, f"{PDF_REPORT}.pdf")
    assert card.locator(".qa-src").inner_text() == f"{PDF_REPORT}.pdf"
    assert f"第{para.page}页" in card.locator(".qa-head").inner_text()
    view = card.locator("button.qa-view")
    assert view.inner_text() == "查看原文 View page"
    ref = view.get_attribute("value")
    assert sentence in json.loads(ref)["sentences"]
    view.click()
    page.locator(".qa-source .qa-page img").first.wait_for(timeout=30_000)
    shown = _marks_shown(page)
    assert shown and _same_boxes(shown, _expected(library, ref)), (shown, _expected(library, ref))
    # The marked characters are the sentence (locate's own check, measured over every sentence in bench_view).
    assert "".join(m.text for m in marks).replace(" ", "") == sentence.replace(" ", "")
    page.screenshot(path=str(tmp_path / "page-view.png"))
    page.keyboard.press("Escape")
    assert page.locator(".qa-viewer-overlay").count() == 0
    ctx.close()


def test_a_sentence_across_a_page_break_marks_both_pages(browser, site, library, pdf_sentences):  # noqa: F811
    sentence, para, marks = next((s, p, m) for s, p, m in pdf_sentences if len({x.page for x in m}) == 2)
    ctx, page, card = _open(browser, site, sentence, f"{PDF_REPORT}.pdf")
    ref = card.locator("button.qa-view").get_attribute("value")
    assert sentence in json.loads(ref)["sentences"]
    card.locator("button.qa-view").click()
    page.locator(".qa-source .qa-page img").nth(1).wait_for(timeout=30_000)
    shown = _marks_shown(page)
    assert sorted(shown) == sorted({m.page for m in marks}) and all(shown.values())
    assert _same_boxes(shown, _expected(library, ref))
    ctx.close()


@pytest.fixture(scope="module")
def word_sentence(library):
    """A sentence of the Word report, in a paragraph under a heading, and its paragraph."""
    from qa import Retriever

    paras = [p for p in Retriever(library / "index").index.paragraphs if p.source == WORD_REPORT and p.path]
    para = paras[len(paras) // 2]
    return next(para.text[a:b] for a, b in para.sentences if 20 <= b - a <= 300), para


def test_a_word_quote_shows_its_section_scrolled_to_the_sentence(browser, site, word_sentence):  # noqa: F811
    sentence, para = word_sentence
    ctx, page, card = _open(browser, site, sentence, WORD_REPORT)
    view = card.locator("button.qa-view")
    assert view.inner_text() == "查看原文 View section"
    view.click()
    target = page.locator(".qa-source p.qa-target")
    target.wait_for(timeout=30_000)
    assert target.locator("mark").first.inner_text() in para.text and sentence in target.inner_text()
    assert page.locator(".qa-source p").count() > 1  # the section around it, not the quote alone
    box, height = target.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] < height  # scrolled into view
    ctx.close()


def test_copy_citation_gives_the_line_and_export_downloads_the_markdown(browser, site, word_sentence):  # noqa: F811
    from gradio_client import Client

    question = word_sentence[0]
    ctx, page, card = _open(browser, site, question, WORD_REPORT, permissions=["clipboard-read", "clipboard-write"])
    expected = Client(site, verbose=False).predict(question, [WORD_REPORT], api_name="/ask")["hits"][0]["citation"]
    assert expected.startswith("《2025年浙江省政府工作报告》")
    card.locator("button.qa-cite").click()
    page.locator("button.qa-cite", has_text="已复制").first.wait_for(timeout=5_000)
    assert page.evaluate("navigator.clipboard.readText()") == expected

    with page.expect_download(timeout=30_000) as download:
        page.locator("#qa-export").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# 规划问答 · 对话记录") and f"## 1. {question}" in text and f"引用：{expected}" in text
    # The link in the address bar asks the same question again.
    params = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert params["q"] == [question] and params["sources"] == [WORD_REPORT]
    ctx.close()


def test_the_viewer_reads_only_the_indexs_own_files(site):
    """The server function behind "查看原文" with references a request could forge: no path reaches the disk."""
    site = site.rstrip("/")
    config = httpx.get(f"{site}/config").json()
    viewer = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "qa-viewer")
    forged = [
        {"source": "../../../../etc/passwd", "paragraph": 0, "sentences": []},
        {"source": "/etc/passwd", "paragraph": 0, "sentences": []},
        {"source": "index/CURRENT", "paragraph": 0, "sentences": []},
        {"source": f"{PDF_REPORT}.pdf", "paragraph": 10_000, "sentences": []},
        {"source": f"{PDF_REPORT}.pdf", "paragraph": 0, "sentences": ["root:x:0:0"]},
        "not json", "x" * 20_000,
    ]
    for ref in forged:
        body = {"component_id": viewer, "fn_name": "view_source", "session_hash": "t", "data": ref if isinstance(ref, str) else json.dumps(ref)}
        reply = httpx.post(f"{site}/gradio_api/component_server/", json=body, timeout=30).json()
        assert set(reply) == {"error"} and "root:" not in reply["error"], (ref, reply)


def test_a_title_set_in_the_index_tab_names_the_document_in_citations(browser, tmp_path, small_model):  # noqa: F811
    from gradio_client import Client

    from qa import build_index

    root = tmp_path / "site"
    shutil.copytree(DATA, root / "data")
    build_index(root / "data", root / "index", small_model)
    demo = _serve(root, small_model)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 960})
        page.goto(demo.local_url)
        page.get_by_role("tab", name="索引 Index").click()
        row = page.locator("#qa-docs").get_by_text("000_35bfb118311f446a.txt").last
        row.wait_for(timeout=30_000)
        row.click()
        title = page.locator("#qa-title textarea, #qa-title input").first
        page.wait_for_function(
            "() => [...document.querySelectorAll('#qa-title textarea, #qa-title input')].some(e => e.value.includes('敦化'))",
            timeout=10_000,
        )
        title.fill("敦化市高质量发展七大指数")
        page.locator("#qa-set-title").click()
        page.locator("#qa-index-result", has_text="✅").wait_for(timeout=120_000)
        page.wait_for_function("() => document.querySelector('#qa-docs').innerText.includes('敦化市高质量发展七大指数')", timeout=30_000)
        assert json.loads((root / "data" / "titles.json").read_text(encoding="utf-8"))["000_35bfb118311f446a.txt"] == "敦化市高质量发展七大指数"
        hit = Client(demo.local_url, verbose=False).predict("外贸进出口总额的目标是多少？", api_name="/ask")["hits"][0]
        assert hit["document"] == "敦化市高质量发展七大指数" and hit["citation"].startswith("《敦化市高质量发展七大指数》")
        page.close()
    finally:
        demo.close()
