"""Citations and the kept conversation: ``Hit.citation()``, ``qa ask --cite``, ``--json``'s ``citation`` and
``qa chat``'s ``/save FILE`` (:func:`qa.render.conversation_markdown`).

The CLI tests use the shipped plan with the fake encoder.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa import Hit
from qa.cli import cli
from qa.render import Turn, conversation_markdown

QUESTION = "外贸进出口总额的目标是多少？"


def hit(**kw) -> Hit:
    base = dict(
        text="全省生产总值增长5.5%左右。城镇新增就业70万人以上。", section="（一）目标", source="2025年浙江省政府工作报告.pdf",
        score=3.2, highlights=["城镇新增就业70万人以上。"], path=["二、2025年工作安排", "（一）目标"], page=3,
        document="2025年浙江省政府工作报告",
    )
    return Hit(**(base | kw))


def test_a_chinese_citation_names_title_path_page_and_sentence_in_one_line():
    assert hit().citation() == "《2025年浙江省政府工作报告》，二、2025年工作安排 › （一）目标，第3页：“城镇新增就业70万人以上。”"


def test_a_citation_leaves_out_what_the_quote_has_not():
    assert hit(path=[], page=None).citation() == "《2025年浙江省政府工作报告》：“城镇新增就业70万人以上。”"
    # No highlight: the quote itself, its line breaks folded so the citation stays one line.
    assert hit(highlights=[], text="第一句。\n第二句。", path=[]).citation() == "《2025年浙江省政府工作报告》，第3页：“第一句。 第二句。”"


def test_an_english_document_is_cited_the_english_way():
    h = hit(text="Output grew by 5%. Jobs rose.", highlights=["Jobs rose."], path=["Review", "Economy"], page=12,
            document="Annual Report 2024")
    assert h.citation() == 'Annual Report 2024, Review › Economy, p. 12: "Jobs rose."'
    assert "\n" not in h.citation()


@pytest.fixture
def where(fake_plan_index):
    return ["--data", str(fake_plan_index / "data"), "--index", str(fake_plan_index / "index")]


def test_ask_cite_prints_each_quotes_citation_after_it(where):
    res = CliRunner().invoke(cli, ["ask", QUESTION, "--cite", "-k", "2", *where])
    assert res.exit_code == 0, res.output
    cites = [ln for ln in res.stdout.splitlines() if ln.startswith("引用：《")]
    assert len(cites) == 2, res.stdout
    out = json.loads(CliRunner().invoke(cli, ["ask", QUESTION, "--json", "-k", "2", *where]).stdout)
    assert [c.removeprefix("引用：") for c in cites] == [h["citation"] for h in out["hits"]]
    for h in out["hits"]:  # the citation's sentence is the quote's first answering sentence
        assert h["citation"].startswith(f"《{h['document']}》") and h["citation"].endswith(f"“{h['highlights'][0]}”")


def test_chat_save_writes_the_conversation_as_markdown(where, tmp_path):
    out = tmp_path / "对话.md"
    script = f"/save {out}\n{QUESTION}\n那社会消费品零售总额呢？\n/save\n/save {out}\n/save {tmp_path}/missing/x.md\n"
    res = CliRunner().invoke(cli, ["chat", "-k", "1", *where], input=script)
    assert res.exit_code == 0, res.output
    assert "Nothing to save yet" in res.stderr and "Say where" in res.stderr and "cannot write" in res.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 规划问答 · 对话记录\n")
    assert f"## 1. {QUESTION}" in text and "## 2. 那社会消费品零售总额呢？" in text
    assert "*理解为：" in text  # the follow-up, as it was understood
    assert text.count("\n引用：《") == 2 and text.count("\n> ") >= 2


def test_conversation_markdown_keeps_refusals_and_new_topics():
    text = conversation_markdown([Turn("a" * 5, error="the question is too long"), Turn("新问题？", error="x", new_topic=True)])
    assert "## 1. aaaaa\n\n⚠ the question is too long" in text and "— 新话题 —" in text
