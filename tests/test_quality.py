"""Quality with the default model (multilingual-e5-small) on the real plan and the labelled dev questions."""
from __future__ import annotations

import pytest

from conftest import DEV
from qa import Retriever
from qa.render import WORDS, reply_language, to_markdown
from qa.evaluate import evaluate, load_questions
from qa.text import fold_for_match

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def retriever(default_index):
    return Retriever(default_index / "index")


@pytest.mark.corpus
def test_dev_set_meets_the_targets(retriever):
    report = evaluate(retriever, load_questions(DEV))
    zh, en = report["zh"], report["en"]
    assert zh["hit@1"] >= 0.95 and zh["sentence@1"] >= 0.90
    assert en["hit@3"] == 1.0
    assert report["out_of_scope"]["none"] >= 0.9 and report["out_of_scope"]["answer"] == 0.0
    assert report["all"]["none"] <= 0.03 and report["all"]["precision"] >= 0.97


@pytest.mark.parametrize(
    "question",
    ["外贸进出口总额的目标是多少？", "外貿進出口總額的目標是多少？", "What is the target for foreign trade?",
     "敦化的外贸进出口目标是多少？"],  # naming the place the plan is about
)
def test_export_target_is_found_in_either_script_and_in_english(retriever, question):
    ans = retriever.answer(question, k=3)
    assert ans.confidence != "none"
    texts = [fold_for_match(h) for hit in ans.hits for h in hit.highlights]
    assert any(fold_for_match("外貿進出口總額達到40億元") in t for t in texts)


@pytest.mark.parametrize("question", ["北京明天天气怎么样？", "红烧肉怎么做？", "What is the capital of France?"])
def test_out_of_scope_questions_abstain_with_related_reading(retriever, question):
    ans = retriever.answer(question)
    assert ans.confidence == "none" and ans.hits == [] and ans.related
    assert WORDS[reply_language(question)]["not_found"] in to_markdown(ans)
