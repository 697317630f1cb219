"""Comparing across the library (``Retriever.compare``, ``qa compare``, the web's Compare tab and ``/compare``).

The unit tier builds a small library with the fake encoder: the shipped plan, the national report's
summary and three provincial reports written here, two of which have a paragraph on the ice-and-snow
economy and one not. The web tests serve the same library with the small model; the browser test
drives the Compare tab in Chromium.
"""
from __future__ import annotations

import csv
import io
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DATA
from test_browser import browser  # noqa: F401  the browser tests' Chromium, a fixture

JILIN = """2025年吉林省政府工作报告

各位代表：

一、2024年工作回顾

过去一年，全省地区生产总值增长4.3%。粮食产量达到852亿斤，创历史新高。冰雪旅游人数增长20%。

二、2025年工作安排

今年全省经济社会发展的主要预期目标是：地区生产总值增长5.5%左右，城镇新增就业22万人以上。

实施粮食单产提升行动，确保粮食产量稳定在880亿斤以上。

突出发展冰雪经济，建设长白山冰雪运动基地，打造世界级冰雪旅游度假地。
"""
HEILONGJIANG = """2025年黑龙江省政府工作报告

各位代表：

一、2024年工作回顾

过去一年，全省地区生产总值增长3.2%。粮食产量达到1600亿斤。

二、2025年工作安排

今年发展主要预期目标是：地区生产总值增长5%左右，城镇新增就业30万人以上。

落实粮食安全责任，确保粮食产量稳定在1600亿斤以上。

推动冰雪运动、冰雪文化、冰雪装备、冰雪旅游全产业链发展，打造冰雪经济高地。
"""
HAINAN = """2025年海南省政府工作报告

各位代表：

一、2024年工作回顾

过去一年，全省地区生产总值增长3.5%。海洋生产总值增长8%。

二、2025年工作安排

今年经济社会发展主要预期目标是：地区生产总值增长6%以上，城镇新增就业12万人以上。

稳定粮食播种面积，确保粮食产量稳定在140万吨以上。

加快发展海洋经济，建设现代化海洋牧场，培育邮轮游艇旅游。
"""
NATIONAL = """2025年政府工作报告

各位代表：

一、2024年工作回顾

过去一年，国内生产总值增长5%，粮食产量首次跃上1.4万亿斤新台阶。

二、2025年政府工作任务

今年发展主要预期目标是：国内生产总值增长5%左右；城镇新增就业1200万人以上；粮食产量1.4万亿斤左右。

积极发展冰雪运动和冰雪经济。
"""
REPORTS = {
    "2025年吉林省政府工作报告.txt": JILIN,
    "2025年黑龙江省政府工作报告.txt": HEILONGJIANG,
    "2025年海南省政府工作报告.txt": HAINAN,
    "2025年政府工作报告.txt": NATIONAL,
}
ICE = "各地对发展冰雪经济有哪些举措？"
GRAIN = "各省今年的粮食产量目标是多少？"


def write_library(root):
    """``root/data``: the shipped plan and the four reports above."""
    shutil.copytree(DATA, root / "data")
    for name, text in REPORTS.items():
        (root / "data" / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def fake_library(tmp_path_factory, fake_encoder):
    from qa import build_index

    root = write_library(tmp_path_factory.mktemp("compare-fake"))
    build_index(root / "data", root / "index", fake_encoder)
    return root


@pytest.fixture(scope="session")
def retriever(fake_library):
    from qa import Retriever

    return Retriever(fake_library / "index")


def file_of(retriever, fragment: str) -> str:
    return next(name for name in retriever.titles if fragment in name)


# ------------------------------------------------------------------ the rows

def test_a_comparison_has_one_row_per_document_in_the_librarys_order(retriever):
    c = retriever.compare(ICE)
    assert [row.source for row in c.rows] == list(retriever.lexicon.places)  # the manifest's order
    assert len(c.rows) == 5 and c.question == ICE and c.understood_as is None and c.sources is None
    for row in c.rows:
        assert row.document == retriever.titles[row.source]
        assert row.mentioned is (row.confidence != "none") and (row.hit is None) is (row.confidence == "none")
        if row.hit:  # verbatim: the highlights are sentences of the quote
            assert row.hit.source == row.source and all(h in row.hit.text for h in row.hit.highlights)


def made_up_ranking():
    """A fitted ranking for the fake encoder, which has none: the fused score up and the unit's length down, an order
    of its own over the best 30."""
    from qa.abstain import Logistic
    from qa.rescore import RANK_FEATURES, Ranking

    n = len(RANK_FEATURES)
    weights = np.zeros(n)
    weights[0], weights[RANK_FEATURES.index("length")] = 1.0, -2.0
    return Ranking(RANK_FEATURES, Logistic(np.zeros(n), np.ones(n), weights, 0.0), 30)


@pytest.mark.parametrize("ranked", [False, True])
def test_each_document_is_scored_as_if_it_were_asked_alone(retriever, monkeypatch, ranked):
    """One embedding and one pass over the units give each document what ``score(sources=[document])`` gives, with
    the learned ranking re-ordering each document's best ``COMPARE_RANK_TOP`` units (a made-up ranking for the fake
    encoder, which has none)."""
    from qa.compare import COMPARE_RANK_TOP, Comparer
    from qa.rescore import Learned

    if ranked:
        monkeypatch.setattr(retriever, "ranking_model", made_up_ranking())
    comparer = Comparer(retriever)
    assert Learned(COMPARE_RANK_TOP) in comparer.rescorers
    reordered = 0
    for question in (ICE, GRAIN, "What is the grain output target?"):
        q = comparer.read(question)
        scores = comparer.score(q, comparer.documents, retriever.encode([q])[0])
        for name in comparer.documents:
            alone = retriever.score(q, sources=[name], rescorers=comparer.rescorers)
            reordered += not np.array_equal(np.argsort(-alone.fused), np.argsort(-retriever.score(q, sources=[name], rescorers=()).fused))
            ours = scores[name]
            assert ours.ids.tolist() == alone.ids.tolist(), (question, name)
            for field in ("dense", "keyword", "fused"):
                assert np.allclose(getattr(ours, field), getattr(alone, field), atol=1e-5), (question, name, field)
            # The few candidates the evidence reads give the evidence of all of them.
            assert retriever.evidence(q, comparer.evidence_candidates(ours)) == retriever.evidence(q, ours)
            # And the quote is that of the document's best paragraph.
            assert retriever.rank(comparer.best_paragraph(ours), 1) == retriever.rank(ours, 1)
    assert reordered  # the re-scorers did change orders: the test compares something


def test_the_learned_ranking_reorders_only_the_best_top_units(retriever, monkeypatch):
    """``Learned(top)`` re-orders the best ``top`` units by the fitted ranking and keeps the rest under them, in their
    fused order; ``Learned()`` re-orders the ranking's own number (a made-up ranking: the fake encoder has none)."""
    from qa.rescore import Learned

    monkeypatch.setattr(retriever, "ranking_model", made_up_ranking())
    q = retriever.parse(GRAIN)
    plain = np.argsort(-retriever.score(q, rescorers=()).fused, kind="stable")
    few = np.argsort(-retriever.score(q, rescorers=(Learned(3),)).fused, kind="stable")
    many = np.argsort(-retriever.score(q, rescorers=(Learned(),)).fused, kind="stable")
    assert len(plain) > 3 and set(few[:3]) == set(plain[:3])
    assert few[3:].tolist() == [i for i in plain.tolist() if i not in set(plain[:3].tolist())]
    assert few.tolist() != plain.tolist() and many.tolist() != few.tolist()


def test_lists_fused_at_once_are_fused_as_each_alone():
    """A comparison fuses every document's candidates in one pass: each list by its own z-scores (or ranks)."""
    from qa.search import fuse, fuse_each

    rng = np.random.default_rng(7)
    sizes = [5, 0, 1, 12, 3]
    dense, keyword = rng.random(sum(sizes)), rng.random(sum(sizes)) * (rng.random(sum(sizes)) > 0.5)
    cuts = np.cumsum(sizes)[:-1]
    for method in ("z", "rrf", "dense"):
        alone = [fuse(d, k, method, 0.6) for d, k in zip(np.split(dense, cuts), np.split(keyword, cuts)) if len(d)]
        assert np.allclose(fuse_each(dense, keyword, sizes, method, 0.6), np.concatenate(alone)), method
    assert fuse_each(np.zeros(0), np.zeros(0), [0, 0]).shape == (0,)


def test_the_year_asked_is_preferred_in_every_document(retriever):
    """「今年」 is each report's 2025 and 「去年」 its 2024, in every document; answered, a question that names no place
    prefers the national report, unless it asks for every place."""
    assert retriever.parse("今年的粮食产量是多少？").documents == {file_of(retriever, "2025年政府工作报告")}
    assert retriever.parse("各省今年的粮食产量是多少？").documents == frozenset()
    for year, figures in (("今年", ("880亿斤", "1600亿斤以上")), ("去年", ("852亿斤", "达到1600亿斤"))):
        rows = {row.source: row for row in retriever.compare(f"各省{year}的粮食产量是多少？").rows}
        for fragment, figure in zip(("吉林", "黑龙江"), figures):
            row = rows[file_of(retriever, fragment)]
            assert row.hit is not None and figure in row.hit.highlights[0], (year, fragment, row)


def test_a_document_that_does_not_mention_it_gets_no_quote(retriever):
    rows = {row.source: row for row in retriever.compare(ICE).rows}
    hainan = rows[file_of(retriever, "海南")]
    assert hainan.confidence == "none" and hainan.hit is None and not hainan.mentioned
    for fragment in ("吉林", "黑龙江"):
        row = rows[file_of(retriever, fragment)]
        assert row.mentioned and "冰雪" in row.hit.highlights[0]


def test_a_quote_about_another_year_than_asked_is_not_an_answer(retriever):
    """A report whose best quote on 2024 is its 2025 target says nothing of 2024 (its title gives 今年 and 去年)."""
    from qa.answer import Hit
    from qa.compare import Comparer

    comparer = Comparer(retriever)
    jilin = file_of(retriever, "吉林")
    plan = Hit("今年…", "二、2025年工作安排", jilin, 1.0, ["今年…"], path=["二、2025年工作安排"])
    review = Hit("过去一年…", "一、2024年工作回顾", jilin, 1.0, ["过去一年…"], path=["一、2024年工作回顾"])
    no_year = Hit("各位代表：", "各位代表", jilin, 1.0, ["各位代表："], path=[])
    for question, other in (("各省去年的粮食产量是多少？", plan), ("各省2024年的粮食产量是多少？", plan),
                            ("各省今年的粮食产量目标是多少？", review), ("What is the grain target for 2025?", review)):
        q = comparer.read(question)
        assert comparer.other_year(q, other), question
        assert not comparer.other_year(q, review if other is plan else plan), question
        assert not comparer.other_year(q, no_year), question
    assert not comparer.other_year(comparer.read("各省的粮食产量是多少？"), plan)


def test_a_quote_without_a_figure_does_not_answer_a_question_asking_for_one(retriever):
    """Asked 「多少」, 「几」 or "how many", a row whose answering sentences give no figure is "not mentioned": a plan to
    「持续扩大有效投资」 says nothing of how much (tenth session of 2026-12-06: on the tune comparisons 59 rows shown
    for such questions had no figure and did not answer, 6 did)."""
    from qa.answer import Hit
    from qa.compare import Comparer

    comparer = Comparer(retriever)
    jilin = file_of(retriever, "吉林")
    plain = Hit("持续扩大有效投资。", "二、2025年工作安排", jilin, 1.0, ["持续扩大有效投资。"], path=[])
    digits = Hit("固定资产投资增长6%。", "二、2025年工作安排", jilin, 1.0, ["固定资产投资增长6%。"], path=[])
    words = Hit("办好十项重点民生实事。", "二、2025年工作安排", jilin, 1.0, ["办好十项重点民生实事。"], path=[])
    for question in ("各省今年的投资增长目标是多少？", "各地要办几件民生实事？", "How much will investment grow?"):
        q = comparer.read(question)
        assert comparer.no_figure(q, plain) and not comparer.no_figure(q, digits), question
        assert not comparer.no_figure(q, words), question
    for question in ("各省在扩大投资方面有什么举措？", "各地几乎都提到的投资举措有哪些？"):
        assert not comparer.no_figure(comparer.read(question), plain), question


def test_a_quote_without_a_percentage_does_not_answer_a_question_asking_a_rate(retriever):
    """Asked only a rate or a share (「覆盖率…达到了多少」, 「有多大比例」, "what share"), a row whose answering sentences
    give no percentage is "not mentioned": 「提供优质公办幼儿园学位11870个」 is no share of children in public
    kindergartens (compare-23, tune for the fourteenth session's second round: 11 of its 30 preschool rows were
    counts). A question that asks a count as well (「改了多少户厕，普及率到了多少」) is answered by either."""
    from qa.answer import Hit
    from qa.compare import Comparer

    comparer = Comparer(retriever)
    jilin = file_of(retriever, "吉林")
    count = Hit("提供优质公办幼儿园学位11870个。", "一、2024年工作回顾", jilin, 1.0, ["提供优质公办幼儿园学位11870个。"], path=[])
    share = Hit("普惠性幼儿园覆盖率达94.9%。", "一、2024年工作回顾", jilin, 1.0, ["普惠性幼儿园覆盖率达94.9%。"], path=[])
    for question in ("2024年各地普惠性幼儿园覆盖率达到了多少？", "去年各地财政支出中有多大比例用于民生？",
                     "What share of spending went to livelihoods?"):
        q = comparer.read(question)
        assert comparer.no_figure(q, count) and not comparer.no_figure(q, share), question
    for question in ("各地改了多少户厕，卫生厕所普及率到了多少？", "各省今年的投资增长目标是多少？", "今年效率提高多少？"):
        assert not comparer.no_figure(comparer.read(question), count), question


def test_agreement_counts_what_the_answers_hold():
    from qa.compare import agreement

    asked = [(["冰雪"], 10.0), (["经济"], 5.0), (["举措"], 8.0)]
    share = agreement(asked, ["发展冰雪经济", "冰雪经济高地"])  # no answer says 举措: it weighs nothing
    assert share("突出发展冰雪经济") == pytest.approx(1.0)
    assert share("发展冰雪运动") == pytest.approx(10 / 15)
    assert share("加快发展海洋经济") == pytest.approx(5 / 15)
    assert agreement(asked, ["无关"])("任何文字") == 1.0  # nothing held by any answer: nothing to tell rows apart by


def test_with_no_sure_row_the_likeliest_rows_stand_for_the_answers(retriever, monkeypatch):
    """Most English comparisons have no row told "answer": the rows likeliest right are what the others must agree with."""
    import qa.compare
    from qa.answer import Hit
    from qa.compare import Comparer, Row

    comparer = Comparer(retriever)
    q = comparer.read(ICE)

    def rows():
        said = {"吉林": ("大力发展冰雪经济。", 0.8), "黑龙江": ("打造冰雪经济高地。", 0.7), "海南": ("加快发展海洋经济。", 0.2)}
        return [Row(file_of(retriever, f), f, "uncertain", Hit(text, f, file_of(retriever, f), 1.0, [text]), probability=p)
                for f, (text, p) in said.items()]

    checked = rows()
    comparer.decide(checked, q)
    assert [row.confidence for row in checked] == ["uncertain", "uncertain", "none"]
    assert checked[2].hit is None
    monkeypatch.setattr(qa.compare, "REFERENCE_ROWS", 0)  # as before: with no sure row, no row was checked
    unchecked = rows()
    comparer.decide(unchecked, q)
    assert [row.confidence for row in unchecked] == ["uncertain"] * 3


def test_whether_a_question_is_of_the_kind_plans_are_asked_is_judged_once_per_comparison(retriever, monkeypatch):
    """「哪些地方提到了生物制造？」 reads to the domain model as not a plan's question; asked of one document at a time its
    uncertain rows were all "not mentioned", though two reports answer it surely. A comparison judges the question's
    kind once: some sure row shows it is of the kind; with none, its uncertain rows fall as an answer's would."""
    from qa.abstain import Domain, Logistic
    from qa.answer import Hit
    from qa.compare import Comparer, Row

    comparer = Comparer(retriever)
    asked = []
    real = retriever.confidence

    def confidence(*args, **kwargs):
        asked.append(kwargs.get("kind", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(retriever, "confidence", confidence)
    retriever.compare(ICE)
    assert asked and not any(asked)  # no row decides the question's kind alone

    def rows(first: str):
        tiers = {"吉林": first, "黑龙江": "uncertain", "海南": "uncertain"}
        return [Row(file_of(retriever, f), f, sure, Hit("发展冰雪经济。", f, file_of(retriever, f), 1.0, ["发展冰雪经济。"]))
                for f, sure in tiers.items()]

    vector = np.zeros(4)
    not_of_the_kind = Domain(Logistic(np.zeros(4), np.ones(4), np.zeros(4), -5.0), 0.5)  # P ≈ 0.007 for any question
    monkeypatch.setattr(retriever, "domain_model", not_of_the_kind)
    sure = rows("answer")
    comparer.of_the_kind(sure, vector)
    assert [row.confidence for row in sure] == ["answer", "uncertain", "uncertain"]
    unsure = rows("uncertain")
    comparer.of_the_kind(unsure, vector)
    assert [row.confidence for row in unsure] == ["none"] * 3 and all(row.hit is None for row in unsure)
    monkeypatch.setattr(retriever, "domain_model", Domain(not_of_the_kind.model, 0.001))  # of the kind
    kept = rows("uncertain")
    comparer.of_the_kind(kept, vector)
    assert [row.confidence for row in kept] == ["uncertain"] * 3


def test_the_fitted_decision_of_not_mentioned_loads_and_decides(retriever, monkeypatch):
    """The default model's fit (benchmarks/fit_compare.py) loads; a row is "not mentioned" when its probability is under the operating point."""
    from qa.abstain import Logistic
    from qa.compare import MENTION_FEATURES, Mention, mention_model

    fitted = mention_model("multilingual-e5-small", {"onnx"})
    assert fitted is not None and fitted.features == MENTION_FEATURES and 0 < fitted.threshold < 1
    assert mention_model("multilingual-e5-small", {"torch"}) is not None
    assert retriever.mention_model is None  # the fake encoder was never fitted: the share rule decides
    n = len(MENTION_FEATURES)
    share = MENTION_FEATURES.index("share")
    weights = np.zeros(n)
    weights[share] = 10.0  # mentioned as its answering sentences hold what the answers hold
    model = Logistic(np.full(n, 0.5), np.ones(n), weights, 0.0)
    monkeypatch.setattr(retriever, "mention_model", Mention(MENTION_FEATURES, model, 0.5))
    c = retriever.compare(ICE)
    decided = [row for row in c.rows if row.inputs is not None]
    assert decided and all(row.mentioned == (row.inputs[share] >= 0.5) for row in decided)
    assert all(row.set_aside is not None for row in decided if not row.mentioned)
    monkeypatch.setattr(retriever, "mention_model", Mention(MENTION_FEATURES, model, 1.0))  # nothing is sure enough
    assert all(not row.mentioned for row in retriever.compare(ICE).rows)


def test_codes_and_two_word_phrases_are_what_a_comparison_looks_for(retriever):
    """「6G」 is written so in Chinese text, unlike GDP; 「县域商业」 says more than 县域 and 商业, which every report uses."""
    from qa.compare import Comparer, phrases, terms

    comparer = Comparer(retriever)
    asked = [w for words, _ in terms(comparer.read("哪些省份在布局6G和GDP统计？")) for w in words]
    assert "6g" in asked and "gdp" not in asked
    assert [p for (p,), _ in phrases(comparer.read("各地县域商业体系建设有什么进展？"))] == ["县域商业", "商业体系", "体系建设"]
    assert phrases(comparer.read("What is each region's grain output target?")) == []



@pytest.mark.parametrize("word, pieces", [
    ("慈善事业", ["慈善", "事业"]),  # not 善事, which jieba also finds, across the two
    ("就业人数", ["就业", "人数"]),
    ("中华人民共和国", ["中华", "人民", "共和国"]),
    ("校园餐", ["校园"]),  # none make it up end to end: every piece jieba finds
    ("粮食", []),  # not divided
])
def test_a_words_parts_make_it_up_end_to_end(word, pieces):
    from qa.keywords import word_parts

    assert word_parts(word) == pieces


def test_a_word_is_held_by_all_its_parts_as_well():
    """「居民收入」 is in 「城乡居民人均可支配收入增长5%」 by its parts 居民 and 收入 (compare-5's misses)."""
    from qa.compare import agreement, held_in, parts

    asked = parts([(["居民收入"], 10.0)])
    assert asked == [(["居民收入", ("居民", "收入")], 10.0)]
    assert held_in(("居民", "收入"), "城乡居民人均可支配收入增长5%") and not held_in(("居民", "收入"), "居民消费")
    share = agreement(asked, ["居民收入增长与经济增长同步"])
    assert share("城乡居民人均可支配收入增长5%") == 1.0 and share("居民消费价格涨幅") == 0.0


def test_a_word_every_compared_document_uses_tells_none_apart(retriever):
    from qa.compare import Comparer

    comparer = Comparer(retriever)
    everything = comparer.documents
    assert comparer.share_holding(["冰雪"], everything) == 4 / 5  # the plan writes 冰雪經濟: folded, it holds it too
    assert comparer.share_holding(["发展"], everything) == 1.0
    assert comparer.share_holding(["海洋", "冰雪"], everything) == 1.0  # either word
    assert comparer.share_holding(["冰雪"], [file_of(retriever, "海南")]) == 0.0


def test_words_asking_for_every_place_are_not_searched(retriever):
    from qa.compare import Comparer

    comparer = Comparer(retriever)
    assert comparer.read("各省今年的粮食产量目标是多少？").text == "今年的粮食产量目标是多少？"
    assert comparer.read("哪些省份提出了冰雪经济？").text == "提出了冰雪经济？"
    assert comparer.read("What is each region's grain output target?").text == "What is grain output target?"
    assert comparer.read("Which provinces set a grain target?").text == "set a grain target?"
    assert comparer.read("各地区").text == "各地区"  # nothing else left: the question as asked
    # found in the folded script, cut as written: on the text as written 「各地」 alone matched, leaving 「區」
    assert comparer.read("各地區今年的地區生產總值增長目標是多少？").text == "今年的地區生產總值增長目標是多少？"
    assert comparer.read(GRAIN).documents == frozenset()  # no document preferred


def test_a_follow_up_compares_again(retriever):
    c = retriever.compare("那冰雪经济呢？", history=[GRAIN])
    assert c.understood_as is not None and "冰雪经济" in c.understood_as and "今年" in c.understood_as
    assert "各省" not in c.understood_as  # read without the words asking for every place
    alone = retriever.compare("那冰雪经济呢？")
    assert alone.understood_as is None


def test_sources_and_order(retriever):
    jilin, hainan = file_of(retriever, "吉林"), file_of(retriever, "海南")
    c = retriever.compare(ICE, sources=["海南", "吉林"])
    assert [row.source for row in c.rows] == [name for name in retriever.lexicon.places if name in (jilin, hainan)]
    assert c.sources == sorted([jilin, hainan])
    ranked = retriever.compare(ICE, order="score").rows
    tiers = [row.confidence for row in ranked]
    assert tiers == sorted(tiers, key=["answer", "uncertain", "none"].index)
    with pytest.raises(ValueError, match="unknown order"):
        retriever.compare(ICE, order="alphabetical")


def test_bad_questions_and_sources_are_refused(retriever):
    from qa import QueryError

    for bad in ("", "问" * 501):
        with pytest.raises(QueryError):
            retriever.compare(bad)
    with pytest.raises(QueryError, match="no document"):
        retriever.compare(ICE, sources=["广东"])
    with pytest.raises(QueryError):
        retriever.compare(ICE, history="not a list")


# ------------------------------------------------------------------ rendering

def test_json_markdown_csv_and_terminal_show_every_row(retriever):
    from rich.console import Console

    from qa.render import compare_csv, compare_markdown, compare_records, compare_terminal, sentences_of

    c = retriever.compare(ICE)
    d = c.to_dict()
    assert set(d) == {"question", "understood_as", "sources", "rows"} and len(d["rows"]) == 5
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert all(set(row) == {"source", "document", "confidence", "mentioned", "hit"} for row in d["rows"])
    assert all((row["hit"] is None) is (row["confidence"] == "none") for row in d["rows"])

    md = compare_markdown(c)
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + 5 and table[0] == "| 文件 | 回答句 | 位置 | 把握 |"
    hainan = next(line for line in table if "海南" in line)
    assert "*未提及*" in hainan and hainan.endswith("| 未提及 |")
    jilin = next(row for row in c.rows if "吉林" in row.source)
    assert f"**{sentences_of(jilin)}**" in md

    records = list(csv.DictReader(io.StringIO(compare_csv(c))))
    assert records == [{k: str(v) for k, v in r.items()} for r in compare_records(c)]
    assert [r["source"] for r in records] == [row.source for row in c.rows]
    assert all(r["sentence"] in r["quote"] for r in records)

    console = Console(record=True, width=200)
    console.print(compare_terminal(c))
    shown = console.export_text()
    assert "海南" in shown and "未提及" in shown and sentences_of(jilin)[:10] in shown


def test_the_answering_sentences_are_shown_in_the_quotes_order():
    from qa.answer import Hit
    from qa.compare import Comparison, Row
    from qa.render import compare_rows, sentences_of

    text = "第一句。第二句。第三句。"
    hit = Hit(text, "节", "a.txt", 1.0, ["第三句。", "第一句。"])
    assert sentences_of(Row("a.txt", "A", "answer", hit)) == "第一句。…第三句。"
    near = Hit(text, "节", "a.txt", 1.0, ["第二句。", "第一句。"])
    assert sentences_of(Row("a.txt", "A", "answer", near)) == "第一句。第二句。"
    rows = compare_rows(Comparison("问题？", [Row("a.txt", "A", "answer", hit), Row("b.txt", "B", "none")]))
    assert rows[0][1].startswith("<mark>第一句。</mark>…<mark>第三句。</mark><div class=\"qa-tools\">") and rows[0][3] == "回答"
    assert "未提及" in rows[1][1] and "qa-tools" not in rows[1][1] and rows[1][3] == "未提及" and rows[1][4] is None


# ------------------------------------------------------------------ qa compare

@pytest.fixture
def where(fake_library):
    return ["--data", str(fake_library / "data"), "--index", str(fake_library / "index")]


def test_qa_compare_json_is_the_comparisons(where, retriever):
    from qa.cli import cli

    res = CliRunner().invoke(cli, ["compare", ICE, "--json", *where])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == retriever.compare(ICE).to_dict()


def test_qa_compare_writes_csv_and_prints_markdown_when_piped(where, tmp_path, retriever):
    from qa.cli import cli
    from qa.render import compare_csv, compare_markdown

    out = tmp_path / "rows.csv"
    res = CliRunner().invoke(cli, ["compare", ICE, "--csv", str(out), "--source", "吉林", "--source", "海南", *where])
    assert res.exit_code == 0, res.output
    c = retriever.compare(ICE, sources=["吉林", "海南"])
    assert out.read_text(encoding="utf-8") == compare_csv(c)
    assert res.stdout.strip() == compare_markdown(c) and "Wrote 2 rows" in res.stderr


@pytest.mark.parametrize(("args", "message"), [(["问" * 501], "the limit is 500"), ([ICE, "--source", "广东"], "no document")])
def test_qa_compare_refuses_bad_input_with_status_2(where, args, message):
    from qa.cli import cli

    res = CliRunner().invoke(cli, ["compare", *args, *where])
    assert res.exit_code == 2 and message in res.stderr


# ------------------------------------------------------------------ the web: /compare and the Compare tab

@pytest.fixture(scope="module")
def compare_site(tmp_path_factory, small_model):
    """The real app over the library above, indexed with the small model."""
    from test_web import free_port

    from qa import build_index
    from qa.service import ChatService
    from qa.web import build_app, launch

    root = write_library(tmp_path_factory.mktemp("compare-web"))
    build_index(root / "data", root / "index", small_model)
    service = ChatService(root / "data", root / "index", small_model)
    service.start()
    demo = launch(build_app(service), service, port=free_port(), block=False)
    yield demo.local_url, service
    demo.close()


@pytest.mark.integration
def test_api_compare_returns_the_json_of_qa_compare(compare_site):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, service = compare_site
    client = Client(url, verbose=False)
    result = client.predict(ICE, api_name="/compare")
    assert result == service.compare(ICE).to_dict()
    assert [row["source"] for row in result["rows"]] == [row.source for row in service.compare(ICE).rows]
    assert len(result["rows"]) == 5 and all(set(r) == {"source", "document", "confidence", "mentioned", "hit"} for r in result["rows"])
    only = client.predict(ICE, ["吉林"], None, api_name="/compare")
    assert [row["document"] for row in only["rows"]] == ["2025年吉林省政府工作报告"] and only["sources"] == [
        "2025年吉林省政府工作报告.txt"]
    again = client.predict("那冰雪经济呢？", None, [GRAIN], api_name="/compare")
    assert again == service.compare("那冰雪经济呢？", None, [GRAIN]).to_dict() and "冰雪经济" in again["understood_as"]
    with pytest.raises(AppError, match="the limit is 500"):
        client.predict("问" * 501, api_name="/compare")


@pytest.mark.browser
def test_compare_tab_shows_the_table_sorts_it_and_downloads_it(browser, compare_site, tmp_path):
    """The Compare tab: a row per document with its answering sentence marked, "not mentioned" greyed, a
    column sorts when clicked, a follow-up compares again, and both downloads hold the table."""
    from qa.render import compare_csv, compare_markdown

    url, service = compare_site
    expected = service.compare(ICE)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_role("tab", name="逐篇对比 Compare").click()
    page.locator("#qa-compare-question textarea").fill(ICE)
    page.locator("#qa-compare-send").click()
    table = page.locator("#qa-compare-table")
    table.locator(".virtual-row mark").first.wait_for(timeout=60_000)
    rows = table.locator(".virtual-row")  # Gradio's table: the rows shown, in the order shown

    def cell(row, column):
        return row.locator("[role=gridcell]").nth(column)

    def colour(row):
        return cell(row, 0).evaluate("e => getComputedStyle(e.querySelector('span') || e).color")

    assert rows.count() == len(expected.rows)
    for row, shown in zip(expected.rows, rows.all()):
        assert row.document in cell(shown, 0).inner_text()
        if row.hit is None:
            assert "未提及" in cell(shown, 1).inner_text() and cell(shown, 1).locator("mark").count() == 0
            assert colour(shown) == "rgb(156, 163, 175)"  # NOT_MENTIONED_COLOUR
        else:
            assert row.hit.highlights[0] in cell(shown, 1).locator("mark").first.inner_text()
            assert colour(shown) != "rgb(156, 163, 175)"
    assert any(row.hit is None for row in expected.rows) and "未提及" in page.locator("#qa-compare-head").inner_text()

    # An answered row has the card's buttons: its citation to copy, and its source to view.
    answered, shown = next((row, shown) for row, shown in zip(expected.rows, rows.all()) if row.hit is not None)
    assert cell(shown, 1).locator("button.qa-cite").get_attribute("title") == answered.hit.citation()
    cell(shown, 1).locator("button.qa-view").click()
    page.locator(".qa-source p.qa-target mark").first.wait_for(timeout=30_000)
    assert answered.hit.highlights[0] in page.locator(".qa-source p.qa-target").inner_text()
    page.keyboard.press("Escape")
    assert page.locator(".qa-viewer-overlay").count() == 0

    # Sorting by the confidence column (its ⋮ menu) puts equal tiers together; the grey stays with its row.
    header = table.locator('[data-testid="header-3"]')
    header.hover()
    header.locator('button[aria-label="Open cell menu"]').click(force=True)
    page.get_by_role("menuitem", name="Sort descending").click()
    page.wait_for_timeout(500)
    tiers = [cell(r, 3).inner_text().strip() for r in rows.all()]
    assert tiers == sorted(tiers, reverse=True) and tiers[0] == "未提及"
    assert colour(rows.first) == "rgb(156, 163, 175)"

    for button, text in (("#qa-compare-csv", compare_csv(expected)), ("#qa-compare-md", compare_markdown(expected) + "\n")):
        with page.expect_download(timeout=30_000) as download:
            page.locator(button).click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.read_text(encoding="utf-8") == text

    # A follow-up compares again, read with the question before.
    page.locator("#qa-compare-question textarea").fill("那粮食产量呢？")
    page.locator("#qa-compare-send").click()
    page.locator("#qa-compare-head", has_text="理解为").wait_for(timeout=60_000)
    assert "粮食产量" in page.locator("#qa-compare-head").inner_text()
    page.screenshot(path=str(tmp_path / "compare.png"))
    page.close()


def test_agreement_with_alternatives_is_the_best_reading():
    """A report that says 首发经济 answers 「首发经济，或者引进首店」, though the sure rows hold 首店 (compare-28, tune
    since 2026-12-07: 7 → 26 of 30 cells right); a phrase holding a word left out is left out with it."""
    from qa.compare import agreement

    asked = [(["首发"], 5.0), (["经济"], 2.0), (["首店"], 10.0), (["首发经济"], 1.0)]
    answers = ["首发经济首店", "引进首店"]
    whole = agreement(asked, answers)
    either = agreement(asked, answers, (frozenset({"首发", "经济"}), frozenset({"首店"})))
    assert whole("积极发展首发经济") == pytest.approx((2.5 + 1 + 0.5) / 14)
    assert either("积极发展首发经济") == pytest.approx(1.0) and either("引进首店") == pytest.approx(1.0)
    assert either("发展银发经济") == pytest.approx(1 / 4)


def test_examples_leave_out_their_words_not_a_longer_word_holding_one():
    """「慈善事业，比如公益慈善、慈善组织或者慈善帮扶」 (compare-30's charity topic, tune since 2026-12-07: 18 → 24 of 30
    cells): read without the examples, 慈善事业 stays, though 慈善 is among them, and is held by its parts end to end
    (「着力发展老龄、慈善、残疾人…等事业」); the phrase 「公益慈善」 of two example words goes with them."""
    from qa.compare import agreement, parts

    examples = frozenset({"公益", "慈善", "组织", "帮扶"})
    asked = parts([(["慈善事业"], 16.0), (["公益"], 4.0), (["慈善"], 3.0), (["公益慈善"], 1.0)])
    share = agreement(asked, ["促进公益慈善事业发展", "支持发展公益慈善事业"], (examples,))
    assert share("着力发展老龄、慈善、残疾人、红十字等事业") == pytest.approx(1.0)
    assert share("推动社会组织参与基层治理") == 0.0
    assert agreement(asked, ["促进公益慈善事业发展"])("着力发展老龄、慈善、残疾人、红十字等事业") == pytest.approx(19 / 24)
