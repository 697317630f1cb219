"""The web chat in a real browser: Debian's Chromium driven by Playwright.

``make test`` installs Chromium (``make chromium``); without /usr/bin/chromium
these tests fail and say so. CJK glyphs need a CJK font (Debian's
``fonts-noto-cjk``) only for the screenshot to look right, not for the checks.

To refresh the README's screenshot with the default model::

    QA_UPDATE_SCREENSHOT=1 .venv/bin/python -m pytest tests/test_browser.py -m slow -k screenshot
"""
from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that reaches out: this machine's network is closed.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
QUESTION = "外贸进出口总额的目标是多少？"
ANSWER_SENTENCE = "外貿進出口總額達到40億元"
OUT_OF_SCOPE = "北京明天天气怎么样？"
SCREENSHOT = ROOT / "docs" / "screenshot.png"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(root: Path, model=None):
    from qa.service import ChatService
    from qa.web import build_app, launch

    service = ChatService(root / "data", root / "index", model)
    service.start()
    return launch(build_app(service), service, port=_free_port(), block=False)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's Chromium with `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def small_site(tmp_path_factory, plan_index, small_model):
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(plan_index / "data", root / "data")
    shutil.copytree(plan_index / "index", root / "index")
    demo = _serve(root, small_model)
    yield demo.local_url
    demo.close()


@pytest.fixture(scope="module")
def default_site(default_index):
    """The chat with the default model (multilingual-e5-small), as shipped."""
    demo = _serve(default_index)
    yield demo.local_url
    demo.close()


def _ask(browser, url: str, question: str, k: int | None = None):
    page = browser.new_page(viewport={"width": 1280, "height": 960})
    page.goto(url)
    if k is not None:
        page.locator("#qa-k input[type=number]").fill(str(k))
        page.locator("#qa-k input[type=number]").press("Enter")
    box = page.locator("#qa-question textarea")
    box.fill(question)
    page.locator("#qa-send").click()
    return page


def test_answer_is_quoted_with_the_sentence_highlighted(browser, small_site, tmp_path):
    page = _ask(browser, small_site, QUESTION)
    highlighted = page.locator("#qa-chat .qa-quote mark", has_text=ANSWER_SENTENCE)
    highlighted.first.wait_for(timeout=30_000)
    hit = page.locator("#qa-chat .qa-hit", has=page.locator(".qa-quote mark", has_text=ANSWER_SENTENCE))
    assert "000_35bfb118311f446a.txt" in hit.locator(".qa-src").inner_text()
    assert "相关度" in hit.locator(".qa-score").inner_text()
    page.screenshot(path=str(tmp_path / "answer.png"))

    # 简体: the same sentence, converted, still inside the highlight.
    page.locator("#qa-script label", has_text="简体").click()
    page.locator("#qa-chat .qa-quote mark", has_text="外贸进出口总额达到40亿元").first.wait_for(timeout=10_000)
    assert page.locator("#qa-chat", has_text=ANSWER_SENTENCE).count() == 0
    page.close()


def test_example_questions_are_offered_and_answer_when_clicked(browser, small_site):
    page = browser.new_page()
    page.goto(small_site)
    example = page.get_by_text("敦化的医药产业集群是什么级别的？")
    example.wait_for(timeout=30_000)
    example.click()
    page.locator("#qa-chat .qa-hit").first.wait_for(timeout=30_000)
    assert page.locator("#qa-chat .qa-hit").count() == 3
    page.close()


def test_too_long_question_gets_a_clear_reply(browser, small_site):
    page = _ask(browser, small_site, "问" * 501)
    page.locator("#qa-chat .qa-error", has_text="the limit is 500").wait_for(timeout=30_000)
    page.close()


def _needs_calibration():
    from qa.abstain import confidence_model
    from qa.model import DEFAULT_MODEL

    if confidence_model(DEFAULT_MODEL, {"onnx"}) is None:
        pytest.skip(f"qa/calibration.json has no fitted model for {DEFAULT_MODEL}, so it never abstains; "
                    "run benchmarks/fit_confidence.py")


@pytest.mark.slow
def test_out_of_scope_question_says_not_found(browser, default_site):
    _needs_calibration()
    page = _ask(browser, default_site, OUT_OF_SCOPE)
    page.locator("#qa-chat .qa-none", has_text="规划中没有找到相关内容").wait_for(timeout=60_000)
    assert page.locator("#qa-chat .qa-quote").count() == 0
    page.close()


@pytest.mark.slow
def test_screenshot(browser, default_site, tmp_path):
    """The README's picture: the default model answering the trade question."""
    page = _ask(browser, default_site, QUESTION, k=2)
    first = page.locator("#qa-chat .qa-hit").first
    first.locator(".qa-quote mark", has_text=ANSWER_SENTENCE).wait_for(timeout=60_000)
    # Show the reply from its top, as a reader would start.
    page.wait_for_timeout(1000)  # let the chat's own scroll to the bottom finish first
    page.locator("#qa-chat [role=log]").evaluate("e => { e.scrollTop = 0; }")
    page.wait_for_timeout(300)
    update = os.environ.get("QA_UPDATE_SCREENSHOT") == "1"
    path = SCREENSHOT if update else tmp_path / "screenshot.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    page.close()


def test_card_opens_to_its_context(browser, small_site):
    page = _ask(browser, small_site, QUESTION)
    hit = page.locator("#qa-chat .qa-hit").first
    hit.locator(".qa-quote mark").first.wait_for(timeout=30_000)
    context = hit.locator("details.qa-more").first
    assert not context.locator("p").first.is_visible()
    context.locator("summary").click()
    context.locator("p").first.wait_for(state="visible", timeout=5_000)
    assert context.locator("p").count() >= 2  # the quoted paragraph and a neighbour
    page.close()


def test_uploaded_pdf_is_indexed_and_quoted_with_its_page(browser, tmp_path, small_model):
    """A PDF with running headers and 「— N —」 page numbers, uploaded in the Index tab, then asked about."""
    root = tmp_path / "site"
    shutil.copytree(ROOT / "data", root / "data")
    demo = _serve(root, small_model)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 960})
        page.goto(demo.local_url)
        page.get_by_role("tab", name="索引 Index").click()
        page.locator("#qa-upload input[type=file]").set_input_files(str(ROOT / "tests" / "fixtures" / "furniture.pdf"))
        page.get_by_role("button", name="上传并重建 Upload and rebuild").click()
        page.locator("#qa-index-result", has_text="✅ Built index").wait_for(timeout=300_000)
        assert "furniture.pdf" in page.locator("#qa-docs").inner_text()

        page.get_by_role("tab", name="问答 Ask").click()
        page.locator("#qa-question textarea").fill("今年国内生产总值增长的预期目标是多少？")
        page.locator("#qa-send").click()
        hit = page.locator("#qa-chat .qa-hit", has=page.locator(".qa-src", has_text="furniture.pdf")).first
        hit.wait_for(timeout=60_000)
        head = hit.locator(".qa-head").inner_text()
        assert "2025年政府工作报告" in head and re.search(r"第\d+页", head)
        assert "国内生产总值增长5%左右" in hit.locator(".qa-quote").inner_text()
        assert not re.search(r"[—-]\s*\d+\s*[—-]", hit.locator(".qa-quote").inner_text())
        page.close()
    finally:
        demo.close()


def test_a_follow_up_is_read_with_the_question_before_until_a_new_topic(browser, small_site):
    page = _ask(browser, small_site, "敦化的外贸进出口目标是多少？")
    page.locator("#qa-chat .qa-hit").first.wait_for(timeout=30_000)
    box = page.locator("#qa-question textarea")
    box.fill("那社会消费品零售总额呢？")
    page.locator("#qa-send").click()
    understood = page.locator("#qa-chat .qa-understood", has_text="理解为：敦化 目标 社会消费品零售总额")
    understood.wait_for(timeout=30_000)
    page.locator("#qa-new-topic").click()
    box.fill("那社会消费品零售总额呢？")
    page.locator("#qa-send").click()
    page.locator("#qa-chat .qa-topic", has_text="新话题").wait_for(timeout=30_000)
    page.locator("#qa-chat .qa-hit").nth(6).wait_for(timeout=30_000)  # the third reply's first card
    assert page.locator("#qa-chat .qa-understood").count() == 1  # read alone after "new topic"
    page.close()


UNSURE_QUESTION = "What is the plan for the pumped-storage power station?"
UNCERTAIN_LINE = "Not sure these answer it:"


@pytest.fixture(scope="module")
def tiered_site(tmp_path_factory, plan_index, small_model):
    """The real app over the plan, its small model given a fitted confidence that is sure of a Chinese
    question's first quote and unsure of an English one's (the right model weighs only ``english``)."""
    from fakes import logistic
    from qa import abstain
    from qa.abstain import FEATURES, Confidence
    from qa.embed import name_of
    from qa.service import ChatService
    from qa.web import build_app, launch

    fitted = Confidence(FEATURES, logistic(bias=10.0), logistic({"english": -20.0}, bias=10.0), answer=0.5, none=0.5)
    root = tmp_path_factory.mktemp("tiers")
    shutil.copytree(plan_index / "data", root / "data")
    shutil.copytree(plan_index / "index", root / "index")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(abstain, "calibration", lambda: {name_of(small_model): {"confidence": fitted.to_dict()}})
        service = ChatService(root / "data", root / "index", small_model)
        service.start()
        demo = launch(build_app(service), service, port=_free_port(), block=False)
        yield demo.local_url
        demo.close()


def test_an_uncertain_reply_is_quieter_than_an_answer_and_says_so(browser, tiered_site):
    """An uncertain reply and a confident one, side by side in the real page, look different at a glance.

    Which tier a question gets is the fitted models' decision; the small model has none, so the site gives
    it one that is sure of Chinese questions and not of English ones (:func:`tiered_site`). Everything else
    is the product's own: the decision, the chat handler, ``to_html``, Gradio's Markdown rendering and
    sanitising of the reply, and the page's CSS, which is what this test checks.
    """
    page = _ask(browser, tiered_site, QUESTION, k=1)  # a card a reply: both fit in the screenshot
    page.locator("#qa-chat .qa-hit .qa-quote mark").first.wait_for(timeout=30_000)
    page.locator("#qa-new-topic").click()  # read alone, so it has no 「理解为」 line
    page.locator("#qa-question textarea").fill(UNSURE_QUESTION)
    page.locator("#qa-send").click()
    unsure = page.locator("#qa-chat .qa-hit.qa-hit-uncertain")
    unsure.first.wait_for(timeout=30_000)

    line = page.locator("#qa-chat .qa-uncertain .qa-uncertain-line")
    assert line.count() == 1 and line.inner_text().strip() == UNCERTAIN_LINE
    # The line stands above its cards, inside the uncertain reply.
    assert line.bounding_box()["y"] < unsure.first.bounding_box()["y"]
    assert unsure.count() == 1 and unsure.locator(".qa-quote mark").count() >= 1  # still quoted and highlighted
    sure = page.locator("#qa-chat .qa-hit:not(.qa-hit-uncertain)")
    assert sure.count() == 1  # the first reply's card
    assert page.locator("#qa-chat .qa-uncertain .qa-hit:not(.qa-hit-uncertain)").count() == 0

    def style(locator, selector: str = "") -> dict:
        target = locator.locator(selector).first if selector else locator
        return target.evaluate(
            "e => { const s = getComputedStyle(e); return {border: s.borderTopStyle, width: s.borderTopWidth,"
            " background: s.backgroundColor, quoteBar: s.borderLeftColor, color: s.color}; }"
        )

    card, plain = style(unsure.first), style(sure.first)
    assert (card["border"], card["width"]) == ("dashed", "1px") and plain["width"] == "0px"  # a frame, and none
    assert card["background"] != plain["background"]
    assert card["background"] not in ("rgba(0, 0, 0, 0)", "transparent")
    quiet, loud = style(unsure.first, ".qa-quote"), style(sure.first, ".qa-quote")
    assert quiet["quoteBar"] != loud["quoteBar"] and quiet["color"] != loud["color"]
    assert style(unsure.first, ".qa-quote mark")["background"] != style(sure.first, ".qa-quote mark")["background"]

    # For the picture only (after the checks): the chat tall enough to show both replies whole.
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.locator("#qa-chat").evaluate("e => { e.style.height = '1250px'; }")
    page.wait_for_timeout(1000)  # let the chat's own scroll to the bottom finish
    page.screenshot(path="/tmp/uncertain.png")
    page.close()


@pytest.mark.corpus
def test_index_table_lists_the_documents_and_deletes_one(browser, tmp_path, small_model):
    root = tmp_path / "site"
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copy(ROOT.parent / "shared" / "corpus" / "documents" / "2025年浙江省政府工作报告.docx", root / "data")
    demo = _serve(root, small_model)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 960})
        page.goto(demo.local_url)
        page.get_by_role("tab", name="索引 Index").click()
        table = page.locator("#qa-docs")
        row = table.get_by_text("2025年浙江省政府工作报告.docx")
        row.wait_for(timeout=30_000)
        assert "000_35bfb118311f446a.txt" in table.inner_text() and "indexed" in table.inner_text()
        row.click()
        page.locator("#qa-chosen textarea, #qa-chosen input").first.wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('#qa-chosen textarea, #qa-chosen input')].some(e => e.value.includes('浙江'))",
            timeout=10_000,
        )
        page.locator("#qa-delete").click()
        page.locator("#qa-index-result", has_text="Removed 2025年浙江省政府工作报告.docx").wait_for(timeout=120_000)
        page.wait_for_function("() => !document.querySelector('#qa-docs').innerText.includes('浙江')", timeout=30_000)
        assert "000_35bfb118311f446a.txt" in table.inner_text()
        assert not (root / "data" / "2025年浙江省政府工作报告.docx").exists()
        page.close()
    finally:
        demo.close()
