"""How sure the assistant is: the fitted models in qa/calibration.json, their tiers, and what happens
without them (qa/abstain.py)."""
from __future__ import annotations

import numpy as np
import pytest

from fakes import logistic
from qa import abstain
from qa.abstain import FEATURES, Chance, Confidence, Domain, Evidence, Logistic, confidence_model, domain_model, features, tier


def one_feature(name: str, at: float = 0.0) -> Logistic:
    """A model that weighs one feature alone: 0.5 at ``at``, near 0 below and near 1 above."""
    return logistic({name: 1000.0}, at={name: at})


def test_the_shipped_fit_is_for_the_default_model_on_both_backends():
    from qa.model import DEFAULT_MODEL

    for backend in ("onnx", "torch"):
        model = confidence_model(DEFAULT_MODEL, {backend})
        assert model is not None and model.features == FEATURES
        assert 0.0 < model.none < 1.0 and 0.0 < model.answer < 1.0
        assert len(model.relevant.weights) == len(model.right.weights) == len(FEATURES)
        assert np.all(model.relevant.scale > 0) and np.all(model.right.scale > 0)


def test_the_three_tiers_come_from_the_two_models():
    """「none」 under the relevant model's point; else 「answer」 from the right model's point; else 「uncertain」."""
    model = Confidence(FEATURES, one_feature("dense", 0.8), one_feature("cover", 0.5), answer=0.5, none=0.5)
    chance = Chance(0.0, 0.0)
    ev = lambda dense, cover: Evidence(dense, cover, [])  # noqa: E731
    assert tier(ev(0.7, 0.9), model, lambda: chance, "zh")[0] == "none"  # off topic, however much it covers
    assert tier(ev(0.9, 0.9), model, lambda: chance, "zh")[0] == "answer"
    assert tier(ev(0.9, 0.2), model, lambda: chance, "zh")[0] == "uncertain"
    # a name the library is not about decides before any model
    assert tier(Evidence(0.99, 1.0, ["广东"]), model, lambda: chance, "zh") == ("none", 0.0, 0.0)


def test_a_thing_the_library_never_writes_raises_the_bar_for_quotes_that_may_answer():
    """Between the ``none`` point and the ``unwritten`` one, quotes are given as "may answer" unless the question names a
    thing the library never writes (:meth:`qa.scope.Scope.unwritten`); a sure answer is not touched."""
    model = Confidence(FEATURES, one_feature("dense", 0.8), one_feature("cover", 0.5), answer=0.9, none=0.01,
                       unwritten=0.5)
    chance = Chance(0.0, 0.0)
    weak = Evidence(0.8, 0.2, [])  # relevant 0.5 at dense 0.8: between the points
    assert tier(weak, model, lambda: chance, "zh").tier == "uncertain"
    assert tier(weak._replace(dense=0.7999), model, lambda: chance, "zh").tier == "uncertain"
    unwritten = weak._replace(dense=0.7999, unwritten=("钟表",))  # relevant just under 0.5
    assert tier(unwritten, model, lambda: chance, "zh").tier == "none"
    assert tier(unwritten, model._replace(unwritten=0.0), lambda: chance, "zh").tier == "uncertain"  # a fit without it
    assert tier(unwritten._replace(cover=0.9), model, lambda: chance, "zh").tier == "answer"  # a sure answer stands
    assert Confidence.from_dict(model.to_dict()).unwritten == 0.5
    # a fit made before the point never raises the bar
    old = {k: v for k, v in model.to_dict().items() if k != "unwritten"}
    assert Confidence.from_dict(old).unwritten == 0.0


def test_the_shipped_fit_raises_the_bar_for_a_thing_the_library_never_writes():
    from qa.model import DEFAULT_MODEL

    for backend in ("onnx", "torch"):
        model = confidence_model(DEFAULT_MODEL, {backend})
        assert model.none < model.unwritten < 1.0


def test_evidence_is_read_against_what_chance_reaches_in_the_index():
    ev = Evidence(0.85, 0.4, [], keyword=3.0, said=20.0)
    x = features(ev, Chance(0.8, 0.3), "zh")
    named = dict(zip(FEATURES, x))
    assert named["dense_over_chance"] == pytest.approx(0.05) and named["cover_over_chance"] == pytest.approx(0.1)
    assert named["english"] == 0.0 and named["said"] == pytest.approx(np.log1p(20.0))
    assert dict(zip(FEATURES, features(ev, Chance(0.8, 0.3), "other")))["english_dense"] == pytest.approx(0.85)


def test_without_a_fit_it_answers_unless_a_name_rules_the_question_out():
    never = lambda: pytest.fail("chance is not needed without a model")  # noqa: E731
    assert tier(Evidence(0.1, 0.0, []), None, never, "zh")[:2] == ("answer", 1.0)
    assert tier(Evidence(0.99, 1.0, ["特斯拉"]), None, never, "zh")[:2] == ("none", 0.0)


def test_a_fit_of_other_features_is_not_used(monkeypatch):
    """A calibration file fitted on evidence the code no longer computes says so and is left aside."""
    from qa.model import DEFAULT_MODEL

    stale = {DEFAULT_MODEL: {"confidence": {"features": ["dense", "cover"], "answer": 0.5, "none": 0.5}}}
    monkeypatch.setattr(abstain, "calibration", lambda: stale)
    with pytest.warns(UserWarning, match="fit_confidence.py --refeature"):
        assert confidence_model(DEFAULT_MODEL, {"onnx"}) is None
    with pytest.raises(ValueError, match="refit"):
        Confidence.from_dict(stale[DEFAULT_MODEL]["confidence"])


def test_a_fit_round_trips_through_its_dictionary():
    model = Confidence(FEATURES, one_feature("dense", 0.8), one_feature("cover", 0.5), answer=0.9, none=0.1)
    again = Confidence.from_dict(model.to_dict())
    x = features(Evidence(0.82, 0.6, []), Chance(0.8, 0.3), "zh")
    assert again.tier(x) == model.tier(x)
    assert again.relevant.probability(x) == pytest.approx(model.relevant.probability(x))


def test_the_shipped_domain_model_is_for_the_default_model_on_both_backends():
    """The model of the questions plans are asked reads the default model's question vectors."""
    from qa.model import DEFAULT_MODEL

    for backend in ("onnx", "torch"):
        domain = domain_model(DEFAULT_MODEL, {backend})
        assert domain is not None and 0.0 < domain.point < 0.5
        assert len(domain.model.weights) == len(domain.model.mean) == 384 and np.all(domain.model.scale > 0)


def test_a_question_no_plan_is_asked_turns_may_answer_into_none():
    """Only an "uncertain" reply changes, and the vector is embedded only then; a sure answer stands."""
    model = Confidence(FEATURES, one_feature("dense", 0.8), one_feature("cover", 0.5), answer=0.5, none=0.5)
    # P(of the kind) from a two-number "vector": its first number
    domain = Domain(Logistic(np.zeros(2), np.ones(2), np.array([50.0, 0.0]), 0.0), point=0.3)
    chance = lambda: Chance(0.0, 0.0)  # noqa: E731
    ev = lambda dense, cover: Evidence(dense, cover, [])  # noqa: E731
    chat, plan = (lambda: np.array([-1.0, 0.0])), (lambda: np.array([1.0, 0.0]))  # noqa: E731
    never = lambda: pytest.fail("the vector is read only for an uncertain reply")  # noqa: E731
    assert tier(ev(0.9, 0.2), model, chance, "zh", domain, plan)[0] == "uncertain"
    assert tier(ev(0.9, 0.2), model, chance, "zh", domain, chat)[:2] == ("none", pytest.approx(0.0))
    assert tier(ev(0.9, 0.9), model, chance, "zh", domain, never)[0] == "answer"
    assert tier(ev(0.7, 0.9), model, chance, "zh", domain, never)[0] == "none"
    assert tier(ev(0.9, 0.2), model, chance, "zh", None, never)[0] == "uncertain"  # no fit: as before
    again = Domain.from_dict(domain.to_dict())
    assert again.point == domain.point and again.probability(np.array([-1.0, 0.0])) == domain.probability(np.array([-1.0, 0.0]))


def test_strong_evidence_that_the_library_answers_outweighs_the_vector():
    """The model puts 「哪些地方提到了人形机器人？」 under its point, but six reports name humanoid robots: from
    ``yields`` up, the probability that the library answers keeps an "uncertain" reply; under it the vector decides."""
    model = Confidence(FEATURES, one_feature("dense", 0.8), one_feature("cover", 0.5), answer=0.5, none=0.5)
    domain = Domain(Logistic(np.zeros(2), np.ones(2), np.array([50.0, 0.0]), 0.0), point=0.3, yields=0.9)
    chance = lambda: Chance(0.0, 0.0)  # noqa: E731
    chat = lambda: np.array([-1.0, 0.0])  # noqa: E731
    strong = tier(Evidence(0.803, 0.2, []), model, chance, "zh", domain, chat)  # relevant: 1 / (1 + e^-3) = 0.95
    assert strong.tier == "uncertain" and strong.relevant == pytest.approx(0.953, abs=1e-3)
    weak = tier(Evidence(0.8005, 0.2, []), model, chance, "zh", domain, chat)  # relevant 0.62
    assert weak.tier == "none" and weak.relevant == pytest.approx(0.622, abs=1e-3)
    assert Domain.from_dict(domain.to_dict()).yields == 0.9
    # a fit made before the rule never yields
    assert Domain.from_dict({k: v for k, v in domain.to_dict().items() if k != "yields"}).yields == float("inf")


def test_a_model_never_fitted_has_no_domain_model(fake_plan_index):
    """The fake encoder's vectors were never fitted on: no model of the questions plans are asked, replies as before."""
    from qa import Retriever

    r = Retriever(fake_plan_index / "index")
    assert r.domain_model is None and r.confidence_model is None


def test_where_a_thing_is_mentioned_the_evidence_alone_says_whether_the_question_is_of_the_kind():
    """「哪些报告提到了魔方比赛？」: the words of asking make any thing look like a report's to the vector (P 0.999), so for
    such a question the vector is not read, and an "uncertain" reply is "none" under ``THING_POINT``."""
    model = Confidence(FEATURES, one_feature("dense", 0.8), one_feature("cover", 0.5), answer=0.5, none=0.01)
    domain = Domain(Logistic(np.zeros(2), np.ones(2), np.array([50.0, 0.0]), 0.0), point=0.3, yields=0.9)
    chance = lambda: Chance(0.0, 0.0)  # noqa: E731

    def unread():
        raise AssertionError("the vector is read")

    weak = tier(Evidence(0.7995, 0.2, []), model, chance, "zh", domain, unread, thing=True)  # relevant 0.38
    assert weak.tier == "none" and weak.relevant < abstain.THING_POINT
    fair = tier(Evidence(0.8005, 0.2, []), model, chance, "zh", domain, unread, thing=True)  # relevant 0.62
    assert fair.tier == "uncertain" and abstain.THING_POINT <= fair.relevant < domain.yields
    plan = lambda: np.array([1.0, 0.0])  # noqa: E731
    assert tier(Evidence(0.7995, 0.2, []), model, chance, "zh", domain, plan)[0] == "uncertain"  # not a thing: the vector
