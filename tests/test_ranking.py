"""The learned ranking of the best units (qa/rescore.py: Learned, Ranking, rank_features) and its fit in qa/calibration.json."""
from __future__ import annotations

import re

import numpy as np
import pytest

from qa import Retriever, abstain
from qa.abstain import Logistic
from qa.rescore import RANK_FEATURES, RANK_TOP, Ranking, rank_features, ranking_model
from qa.text import fold_script

QUESTION = "敦化的工业发展有什么安排？"


def ranking(weights: dict[str, float], top: int = RANK_TOP) -> Ranking:
    """A hand-set ranking on the raw inputs: ``weights`` by input name, 0 for the others."""
    n = len(RANK_FEATURES)
    return Ranking(RANK_FEATURES, Logistic(np.zeros(n), np.ones(n), np.array([weights.get(f, 0.0) for f in RANK_FEATURES]), 0.0), top)


def first_sentence(r: Retriever) -> str:
    return r.search(QUESTION, k=1)[0].highlights[0]


def test_the_shipped_fit_is_for_the_default_model_on_both_backends():
    from qa.model import DEFAULT_MODEL

    for backend in ("onnx", "torch"):
        model = ranking_model(DEFAULT_MODEL, {backend})
        assert model is not None and model.features == RANK_FEATURES and model.top == RANK_TOP
        assert np.all(model.model.scale > 0)
        # the fused score it starts from counts for more, not less
        assert model.model.weights[RANK_FEATURES.index("fused")] > 0


def test_a_fitted_ranking_reorders_the_best_units(fake_plan_index):
    r = Retriever(fake_plan_index / "index")
    assert r.ranking_model is None  # the fake model was never fitted: the fused score ranks
    plain = first_sentence(r)
    r.ranking_model = ranking({"fused": 1.0, "digit": 1000.0})
    assert re.search(r"\d", first_sentence(r))
    r.ranking_model = ranking({"fused": 1.0, "digit": -1000.0})
    assert not re.search(r"\d", first_sentence(r))
    r.ranking_model = ranking({"fused": 1.0})  # the fused score alone: the order it had
    assert first_sentence(r) == plain


def test_the_units_it_does_not_see_stay_below_those_it_reorders(fake_plan_index):
    r = Retriever(fake_plan_index / "index")
    r.ranking_model = ranking({"fused": 1.0, "digit": -1000.0}, top=5)
    scored = r.score(QUESTION)
    best = np.argsort(-scored.fused)[:5]
    rest = np.setdiff1d(np.arange(len(scored.ids)), best)
    assert len(rest) and scored.fused[rest].max() < scored.fused[best].min()


def test_its_inputs_are_read_for_the_best_units_only(fake_plan_index):
    r = Retriever(fake_plan_index / "index")
    q = r.parse(QUESTION)
    scored = r.score(q)
    order, x = rank_features(scored, q, r.context(), top=7)
    assert x.shape == (min(7, len(scored.ids)), len(RANK_FEATURES))
    assert list(order) == list(np.argsort(-scored.fused, kind="stable")[:7])
    named = dict(zip(RANK_FEATURES, x[0]))
    assert named["fused"] == 0.0 and named["dense"] <= 0.0 and 0.0 <= named["cover"] <= 1.0
    assert named["english_dense"] == named["english_cover"] == 0.0  # a Chinese question


def test_a_follow_up_s_own_words_are_an_input_of_their_own(fake_plan_index):
    """How much of a follow-up's own words a unit holds, apart from the words the conversation put in; for a
    question read as asked, its cover again."""
    r = Retriever(fake_plan_index / "index")
    alone = r.parse("敦化社会消费品零售总额目标是多少？")
    scored = r.score(alone)
    _, x = rank_features(scored, alone, r.context())
    assert np.array_equal(x[:, RANK_FEATURES.index("own_cover")], x[:, RANK_FEATURES.index("cover")])
    q, reading = r.understand("那社会消费品零售总额呢？", ["敦化的外贸进出口目标是多少？"])
    assert reading.understood and q.own == tuple(reading.own) and "目标" not in q.own
    scored = r.score(q)
    order, x = rank_features(scored, q, r.context())
    own, cover = x[:, RANK_FEATURES.index("own_cover")], x[:, RANK_FEATURES.index("cover")]
    assert not np.array_equal(own, cover) and ((0 <= own) & (own <= 1)).all()
    units = r.index.units[scored.ids[order]]
    best = units[int(np.argmax(own))]
    assert "零售總額" in r.index.paragraphs[best[0]].sentence(best[1], best[2])  # the words asked now, not 外贸 or 目标


def test_a_fit_of_other_inputs_is_not_used(monkeypatch):
    from qa.model import DEFAULT_MODEL

    stale = {DEFAULT_MODEL: {"ranking": {"features": ["fused", "dense"], "model": {}, "top": 30}}}
    monkeypatch.setattr(abstain, "calibration", lambda: stale)
    with pytest.warns(UserWarning, match="fit_ranking.py"):
        assert ranking_model(DEFAULT_MODEL, {"onnx"}) is None


def test_a_fit_round_trips_through_its_dictionary():
    model = ranking({"fused": 2.0, "cover": 1.5}, top=12)
    again = Ranking.from_dict(model.to_dict())
    x = np.random.default_rng(0).normal(size=(4, len(RANK_FEATURES)))
    assert again.top == 12 and np.allclose(again.model.logit(x), model.model.logit(x))


def test_a_phrase_of_the_question_written_as_one_is_an_input(fake_plan_index):
    """How many of the question's two-word phrases a unit writes as the question does (「消费品零售总额」, not only
    消费品 and 零售总额 apart); none for an English question."""
    r = Retriever(fake_plan_index / "index")
    q = r.parse("敦化社会消费品零售总额目标是多少？")
    assert "消费品零售总额" in q.phrases
    scored = r.score(q)
    order, x = rank_features(scored, q, r.context())
    phrase = x[:, RANK_FEATURES.index("phrase_cover")]
    assert ((0 <= phrase) & (phrase <= 1)).all() and phrase.max() > 0
    units = r.index.units[scored.ids[order]]
    for (pi, s0, s1, _), value in zip(units.tolist(), phrase):
        text = fold_script(r.index.paragraphs[pi].sentence(s0, s1))
        assert value == sum(p in text for p in q.phrases) / len(q.phrases)
    assert r.parse("What is Dunhua's retail sales target?").phrases == []
    # a bracketed word is another name for the one before it: both are written with the word after the brackets
    assert {"服务业增加值", "第三产业增加值"} <= set(r.parse("去年服务业（第三产业）增加值增长了多少？").phrases)
