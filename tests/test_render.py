"""The reply's three tiers (``Answer.confidence``) as Markdown, HTML and terminal text, and a follow-up's history.

Answers are made by hand: what is shown for each tier is tested here, apart from how the tier is decided
(:mod:`qa.abstain`).
"""
from __future__ import annotations

import re

import pytest

from qa.answer import Answer, Hit
from qa.render import WORDS, Turn, chat_messages, shown_tier, to_html, to_markdown, to_terminal, topic_history

ZH = "外贸进出口总额的目标是多少？"
EN = "What is the target for foreign trade?"
SENTENCE = "外貿進出口總額達到40億元。"
ZH_LINE = "没有把握找到确切答案，以下段落可能相关："
EN_LINE = "Not sure these answer it:"


def hits() -> list[Hit]:
    return [
        Hit(f"到2025年，{SENTENCE}其他目标另行制定。", "主要目标", "plan.txt", 0.61, [SENTENCE], path=["第二章", "主要目标"]),
        Hit("推进口岸建设，扩大对外开放。", "对外开放", "plan.txt", 0.42, ["推进口岸建设，扩大对外开放。"]),
    ]


def related() -> list[Hit]:
    return [Hit("发展冰雪旅游。", "文旅融合", "plan.txt", 0.2, [])]


def test_the_tier_shown_follows_the_confidence_and_no_quote_is_none():
    assert shown_tier(Answer(ZH, hits(), "answer")) == "answer"
    assert shown_tier(Answer(ZH, hits(), "uncertain")) == "uncertain"
    assert shown_tier(Answer(ZH, [], "none", related=related())) == "none"
    assert shown_tier(Answer(ZH, [], "uncertain")) == "none"  # nothing to show as "may answer"


def test_the_uncertain_line_is_in_the_reply_language():
    assert WORDS["zh"]["uncertain"] == ZH_LINE and WORDS["en"]["uncertain"] == EN_LINE


# ------------------------------------------------------------------ Markdown

def test_markdown_answer_quotes_without_the_uncertain_or_not_found_line():
    out = to_markdown(Answer(ZH, hits(), "answer"))
    assert out.startswith("**1. ") and f"**{SENTENCE}**" in out
    assert ZH_LINE not in out and WORDS["zh"]["not_found"] not in out


@pytest.mark.parametrize(("question", "line", "other"), [(ZH, ZH_LINE, EN_LINE), (EN, EN_LINE, ZH_LINE)])
def test_markdown_uncertain_puts_the_line_before_the_highlighted_quotes(question, line, other):
    out = to_markdown(Answer(question, hits(), "uncertain"))
    assert out.startswith(line + "\n\n**1. ")
    assert other not in out and WORDS["zh"]["not_found"] not in out and WORDS["en"]["not_found"] not in out
    assert f"> 到2025年，**{SENTENCE}**" in out and out.count("\n> ") == 2  # both quotes, answering sentences in bold


def test_markdown_uncertain_after_a_follow_up_says_how_it_was_read_first():
    out = to_markdown(Answer(ZH, hits(), "uncertain", understood_as="敦化 外贸 目标？"))
    assert out.index("理解为：敦化 外贸 目标？") < out.index(ZH_LINE) < out.index("**1. ")


def test_markdown_none_says_not_found_and_lists_related_reading_without_quotes():
    out = to_markdown(Answer(ZH, [], "none", related=related()))
    assert out.splitlines()[0] == WORDS["zh"]["not_found"]
    assert WORDS["zh"]["related"] in out and "- 文旅融合 (plan.txt)" in out
    assert ZH_LINE not in out and "> " not in out and "**" not in out


# ------------------------------------------------------------------ HTML

def cards(out: str) -> list[str]:
    """The class attribute of each card."""
    return re.findall(r'<div class="(qa-hit[^"]*)">', out)


def test_html_answer_cards_are_plain():
    out = to_html(Answer(ZH, hits(), "answer"))
    assert cards(out) == ["qa-hit", "qa-hit"]
    assert "qa-uncertain" not in out and ZH_LINE not in out and "qa-none" not in out
    assert f"<mark>{SENTENCE}</mark>" in out


@pytest.mark.parametrize(("question", "line"), [(ZH, ZH_LINE), (EN, EN_LINE)])
def test_html_uncertain_is_the_line_then_quieter_cards_still_highlighted(question, line):
    out = to_html(Answer(question, hits(), "uncertain"))
    assert out.startswith(f'<div class="qa-uncertain"><p class="qa-uncertain-line">{line}</p><div class="qa-hit qa-hit-uncertain">')
    assert out.endswith("</div>") and out.count("<div") == out.count("</div>")
    assert cards(out) == ["qa-hit qa-hit-uncertain"] * 2
    assert f"<mark>{SENTENCE}</mark>" in out and out.count("<mark>") == 2
    assert "qa-none" not in out and "\n" not in out  # one HTML block for the chat's Markdown renderer


def test_html_uncertain_line_is_escaped_and_understood_as_comes_first():
    out = to_html(Answer(ZH, hits(), "uncertain", understood_as="<b>敦化</b> 外贸？"))
    assert out.startswith('<p class="qa-understood">理解为：&lt;b&gt;敦化&lt;/b&gt; 外贸？</p><div class="qa-uncertain">')


def test_html_uncertain_cards_keep_script_and_expansion():
    out = to_html(Answer(ZH, hits(), "uncertain"), "hans", expand=lambda h: (["前一段。"], []))
    assert "<mark>外贸进出口总额达到40亿元。</mark>" in out
    assert out.count('<details class="qa-more">') == 2


def test_html_none_shows_not_found_and_related_but_no_cards():
    out = to_html(Answer(ZH, [], "none", related=related()))
    assert f'<p class="qa-none">{WORDS["zh"]["not_found"]}</p>' in out
    assert WORDS["zh"]["related"] in out and "文旅融合" in out
    assert cards(out) == [] and "<mark>" not in out and "<blockquote" not in out and "qa-uncertain" not in out
    english = to_html(Answer(EN, [], "none"))
    assert WORDS["en"]["not_found"] in english and "<ul>" not in english


def test_chat_messages_show_each_tier_in_its_own_style():
    turns = [Turn(ZH, Answer(ZH, hits(), "answer")), Turn(ZH, Answer(ZH, hits(), "uncertain")),
             Turn("北京天气？", Answer("北京天气？", [], "none"))]
    replies = [m["content"] for m in chat_messages(turns) if m["role"] == "assistant"]
    assert [("qa-hit-uncertain" in r, ZH_LINE in r, "qa-none" in r) for r in replies] == [
        (False, False, False), (True, True, False), (False, False, True)]


# ------------------------------------------------------------------ terminal

def terminal(answer: Answer) -> str:
    from rich.console import Console

    console = Console(force_terminal=True, color_system="standard", width=200)
    with console.capture() as cap:
        console.print(to_terminal(answer))
    return cap.get()


def test_terminal_uncertain_line_is_yellow_before_the_quotes():
    out = terminal(Answer(ZH, hits(), "uncertain"))
    assert f"\x1b[33m{ZH_LINE}\x1b[0m" in out
    assert out.index(ZH_LINE) < out.index("1. ") and "\x1b[1;33m" in out  # answering sentences still marked
    assert ZH_LINE not in terminal(Answer(ZH, hits(), "answer"))


def test_terminal_none_is_red_and_related_dimmed():
    out = terminal(Answer(ZH, [], "none", related=related()))
    assert f"\x1b[1;31m{WORDS['zh']['not_found']}\x1b[0m" in out
    assert "\x1b[2m" in out and "文旅融合" in out and ZH_LINE not in out


# ------------------------------------------------------------------ a follow-up's history

def test_history_counts_answered_uncertain_and_none_turns_but_not_refused_ones():
    turns = [
        Turn("q1", Answer("q1", hits(), "answer")),
        Turn("q2", Answer("q2", hits(), "uncertain")),
        Turn("q3", Answer("q3", [], "none")),
        Turn("q4", error="too long"),
    ]
    assert topic_history(turns) == ["q1", "q2", "q3"]
    assert topic_history(turns + [Turn("q5", Answer("q5", hits(), "uncertain"), new_topic=True)]) == ["q5"]
