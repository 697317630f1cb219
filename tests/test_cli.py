"""``qa ask`` and ``qa chat`` show the answer's tier (``Answer.confidence``); ``qa ask --json`` carries it.

The index is the shipped plan with the fake encoder. To show a tier whatever the evidence of a question,
some tests give the fake model a fitted confidence that is sure of that tier (:func:`as_tier`).
"""
from __future__ import annotations

import json


import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.render import WORDS

QUESTION = "外贸进出口总额的目标是多少？"
ZH_LINE = "没有把握找到确切答案，以下段落可能相关："
KEYS = {"question", "understood_as", "confidence", "abstained", "hits", "related", "sources"}


@pytest.fixture
def where(fake_plan_index):
    return ["--data", str(fake_plan_index / "data"), "--index", str(fake_plan_index / "index")]


@pytest.fixture
def as_tier(monkeypatch):
    """``as_tier("uncertain")``: the fake model gets a fitted confidence whose two models are sure of that tier
    whatever the evidence (weights 0, a bias of ±10), so the real decision gives it."""

    def force(confidence: str) -> None:
        from qa import abstain
        from fakes import logistic
        from qa.abstain import FEATURES, Confidence

        relevant, right = {"answer": (10, 10), "uncertain": (10, -10), "none": (-10, -10)}[confidence]
        fitted = Confidence(FEATURES, logistic(bias=relevant), logistic(bias=right), answer=0.5, none=0.5)
        monkeypatch.setattr(abstain, "calibration", lambda: {"fake-hash-256": {"confidence": fitted.to_dict()}})

    return force


def test_ask_json_has_the_confidence(where):
    res = CliRunner().invoke(cli, ["ask", QUESTION, "--json", *where])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == KEYS
    assert out["confidence"] in ("answer", "uncertain", "none")
    assert out["abstained"] is (out["confidence"] != "answer")
    assert bool(out["hits"]) is (out["confidence"] != "none")


@pytest.mark.parametrize("confidence", ["answer", "uncertain", "none"])
def test_ask_json_carries_each_tier(where, as_tier, confidence):
    as_tier(confidence)
    out = json.loads(CliRunner().invoke(cli, ["ask", QUESTION, "--json", *where]).stdout)
    assert out["confidence"] == confidence and out["abstained"] is (confidence != "answer")
    assert bool(out["hits"]) is (confidence != "none") and bool(out["related"]) is (confidence == "none")


def test_ask_uncertain_prints_the_line_before_the_quotes(where, as_tier):
    as_tier("uncertain")
    res = CliRunner().invoke(cli, ["ask", QUESTION, *where])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(ZH_LINE + "\n\n**1. ")  # piped: Markdown
    assert res.stdout.count("\n> ") == 3 and "**" in res.stdout.split("\n> ", 1)[1]  # three quotes, highlighted
    assert WORDS["zh"]["not_found"] not in res.stdout


def test_ask_answer_and_none_have_no_uncertain_line(where, as_tier):
    as_tier("answer")
    assert ZH_LINE not in CliRunner().invoke(cli, ["ask", QUESTION, *where]).stdout
    as_tier("none")
    out = CliRunner().invoke(cli, ["ask", QUESTION, *where]).stdout
    assert out.startswith(WORDS["zh"]["not_found"]) and ZH_LINE not in out and "> " not in out


def test_ask_english_uncertain_line(where, as_tier):
    as_tier("uncertain")
    res = CliRunner().invoke(cli, ["ask", "What is the foreign trade target?", *where])
    assert res.stdout.startswith(WORDS["en"]["uncertain"] + "\n\n**1. ")


def test_chat_shows_the_uncertain_line_and_keeps_the_turn_for_a_follow_up(where, as_tier):
    as_tier("uncertain")
    res = CliRunner().invoke(cli, ["chat", "-k", "1", *where], input="敦化的外贸进出口目标是多少？\n那社会消费品零售总额呢？\n")
    assert res.exit_code == 0, res.output
    assert res.stdout.count(ZH_LINE) == 2
    # The uncertain first reply still counts as the topic: the follow-up is read with it.
    assert "理解为：敦化 目标 社会消费品零售总额？" in res.stdout
