"""Documents preferred by the places a question names: the place's own report, else the national one."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from qa import Question, Retriever, build_index
from qa.index import UNIT_FIRST, UNIT_PARAGRAPH
from qa.keywords import word_parts
from qa.places import document_places, place_name, preferred, question_places, without_names
from qa.question import asks_meaning
from qa.rescore import PieceHandicap, PlaceNeutral, Prefer
from qa.scope import first_year, path_year, question_year
from qa.search import fuse
from qa.text import fold_script
from qa.read import read_source
from qa.split import LONG_SENTENCE_CHARS, PIECE_CHARS, glossary_terms, is_appendix, is_glossary, make_units, sentence_pieces, split_document

from conftest import PLAN, ROOT

DOCS = ROOT.parent / "shared" / "corpus" / "documents"
NATIONAL = DOCS / "2025年国务院政府工作报告.txt"
SICHUAN = DOCS / "2025年四川省政府工作报告.docx"
GUANGXI = DOCS / "2025年广西政府工作报告.docx"

LIBRARY = {"plan.txt": ["敦化"], "national.txt": [], "sichuan.docx": ["四川", "成都"], "guangxi.docx": ["广西"]}


@pytest.mark.parametrize("name, short", [
    ("四川省", "四川"), ("敦化市", "敦化"), ("廣西壯族自治區", "广西"), ("内蒙古自治区", "内蒙古"),
    ("广州", "广州"), ("黑龍江", "黑龙江"), ("延边朝鲜族自治州", "延边"), ("浦东新区", "浦东"),
    ("高新区", "高新区"),  # 高新 alone is no place name
    ("东北地区", "东北"), ("华北地区", "华北"), ("西部地区", "西部地区"),  # 西部 alone is no place name
])
def test_place_names_are_shortened_and_simplified(name, short):
    assert place_name(name) == short


def test_question_places_in_either_script_and_in_english():
    known = {"敦化", "成都"}
    assert question_places("四川今年粮食产量目标是多少？", known) == {"四川"}
    assert question_places("廣西今年的目標？", known) == {"广西"}
    assert question_places("敦化的外贸目标？", known) == {"敦化"}
    assert question_places("成都要建设什么？", known) == {"成都"}
    assert question_places("What R&D target has Shanghai set?", known) == {"上海"}
    assert question_places("Inner Mongolia grain output?", known) == {"内蒙古"}
    assert question_places("Cooperation with Hong Kong and Macau?", known) == {"香港", "澳门"}  # either spelling
    assert question_places("今年粮食产量目标是多少？", known) == set()
    # longest first, no overlaps: 「浙江西部」 is not 江西, 「上海南站」 not 海南
    assert question_places("浙江西部的目标？", known) == {"浙江"}
    assert question_places("上海南站改造？", known) == {"上海"}
    assert question_places("在sichuan的目标", known) == {"四川"}
    # the other places a library is about, by their pinyin, in English questions only
    assert question_places("How will Dunhua support its pharmaceutical industry?", known) == {"敦化"}
    assert question_places("Chengdu's metro lines?", known) == {"成都"}
    # a library about 陕西 (pinyin shanxi): "Shanxi" is 山西's English name, "Shaanxi" 陕西's
    assert question_places("What is Shanxi's GDP growth target?", known | {"陕西", "山西"}) == {"山西"}
    assert question_places("What is Shaanxi's GDP growth target?", known | {"陕西", "山西"}) == {"陕西"}
    assert question_places("dunhua的目标", known) == set()


def test_a_province_named_by_its_abbreviation():
    """「沪」, 「皖」, 「滬」 name their provinces when they stand as words; inside other words (津贴, 复苏, 京津冀) and as
    everyday words (新, 贵) they do not."""
    assert question_places("沪2025年全社会研发投入强度的目标是多少？", set()) == {"上海"}
    assert question_places("皖今年粮食产量目标？", set()) == {"安徽"}
    assert question_places("滬2025年的目標？", set()) == {"上海"}
    assert question_places("川渝地区要共建什么？", set()) == {"四川", "重庆"}
    for q in ("津贴提高多少？", "经济复苏的势头如何？", "京津冀协同发展怎么推进？", "新的增长点在哪里？", "贵不贵？"):
        assert question_places(q, set()) == set(), q


def test_a_province_named_by_its_abbreviation_with_sheng_or_its_literary_name():
    """「闽省」 is Fujian and 「陇原」 Gansu, which a library names in full: no place it lacks (untouched-11's misses)."""
    from qa.question import names_in

    assert question_places("闽省向金门累计供了多少水？", set()) == {"福建"}
    assert question_places("陇原人均拥有的博物馆数量在全国排第几？", set()) == {"甘肃"}
    assert question_places("八闽大地今年怎么发展？", set()) == {"福建"}
    assert question_places("自然界中原子序最大的元素是哪个？", set()) == set()  # 中原子: no 中原 (words, not characters)
    assert place_name("闽省") == "福建" and place_name("陇原") == "甘肃"
    assert names_in("陇原人均拥有的博物馆数量")[0] == {"甘肃"}


@pytest.mark.parametrize("question, places, names", [
    ("全域旅游主要靠哪几个山和湖撑起来？", set(), set()),  # 山和湖 (jieba: ns) is two words joined by 和
    ("太和县的发展", {"太和县"}, set()),  # a place CC-CEDICT has stays one
    ("林和靖是谁？", set(), {"林和靖"}),  # a person's name with 和 stays a name
    ("四川人现在平均能活到多少岁？", {"四川"}, set()),  # a name for its people: about Sichuan
    ("外国人过境免签现在最长可以停留多久？", set(), set()),  # 外国人 is no name
])
def test_a_name_for_a_places_people_is_the_place_and_two_joined_words_are_none(question, places, names):
    from qa.question import names_in

    assert names_in(question) == (places, names)


@pytest.mark.parametrize("question, places", [
    ("基多打算怎样治理空气污染？", {"基多"}),  # jieba reads 基多 as an adverb; CC-CEDICT: "Quito, capital of Ecuador"
    ("比紹今年的城市建設重點是什麼？", {"比绍"}),  # a verb to jieba; "Bissau, capital of Guinea-Bissau"
    ("从银川到北京要多长时间？", {"北京"}),  # a province's capital is no foreign one: what jieba reads stays
])
def test_a_foreign_capital_jieba_reads_as_another_word_is_a_place(question, places):
    from qa.question import names_in

    assert names_in(question)[0] == places


@pytest.mark.parametrize("question, docs", [
    ("四川今年粮食产量目标是多少？", {"sichuan.docx"}),
    ("成都要建设什么？", {"sichuan.docx"}),
    ("敦化外贸进出口总额的目标是多少？", {"plan.txt"}),
    ("How much grain will Guangxi produce?", {"guangxi.docx"}),
    ("今年粮食产量目标是多少？", {"national.txt"}),  # no place named: the national report
    ("上海今年的目标？", set()),  # a place no document is about: nothing preferred
    # asked of every place: not the national report, which is about none
    ("哪些省份提出发展海洋牧场？", set()),
    ("各地養老床位發展得怎麼樣？", set()),
    ("各個地區的糧食產量目標是多少？", set()),
    ("Which provinces mention marine ranching?", set()),
    # asked across the reports (tenth session of 2026-12-06): not the national report either
    ("有沒有報告提到犛牛？", set()),
    ("哪几份报告讲到了数独？", set()),
    ("Do any of the reports talk about esports?", set()),
    ("Which reports mention salmon?", set()),
    ("报告里有没有提到披萨？", {"national.txt"}),  # "the report": the national one, as before
    ("国务院的报告里提到万圣节了吗？", {"national.txt"}),
    ("四川和各地相比呢？", {"sichuan.docx"}),  # a place named still decides
    # the national report named, with the province it asks about (a tune miss of the twelfth session)
    ("What does the national government work report say about the earthquake in Sichuan?", {"national.txt"}),
    ("國家政府工作報告對四川的地震怎麼說？", {"national.txt"}),
    ("What does the State Council's report say about Guangxi?", {"national.txt"}),
    ("四川政府工作报告说了什么？", {"sichuan.docx"}),  # a province's own report
])
def test_preferred_documents(question, docs):
    assert preferred(question, LIBRARY) == docs


def test_nothing_is_preferred_in_a_single_document_or_without_a_national_one():
    assert preferred("今年粮食产量目标是多少？", {"plan.txt": ["敦化"]}) == set()
    assert preferred("今年粮食产量目标是多少？", {"a.txt": ["四川"], "b.txt": ["广西"]}) == set()


def test_a_library_mostly_about_no_place_is_not_read_by_place():
    # CMRC 2018's articles: most are about no one place, and those that are say little about the answer
    general = {"plant.txt": [], "person.txt": [], "film.txt": [], "town.txt": ["浙江"]}
    assert preferred("浙江有哪些植物？", general) == set()
    assert preferred("这部电影是哪年上映的？", general) == set()


@pytest.mark.corpus
def test_real_documents_places():
    def places(path):
        doc = read_source(path, path.parent)
        outline = split_document(doc)
        heads = [outline.title, outline.meta.get("occasion", ""), outline.meta.get("speaker", ""), path.stem]
        return document_places(heads, doc.text)

    assert places(PLAN) == ["敦化"]  # no title: the place its text keeps naming
    assert places(NATIONAL) == []  # names 香港 and 澳门 a few times, about no one place
    assert places(GUANGXI) == ["广西"]
    assert "四川" in places(SICHUAN)


def test_year_asked():
    assert question_year("四川2025年粮食产量目标是多少？") == (2025, 0)
    assert question_year("How large is the deficit planned for 2025?") == (2025, 0)
    assert question_year("今年新增多少養老床位？") == (0, 0)
    assert question_year("去年GDP增长多少？") == (0, -1)
    assert question_year("山西现在有多少座智能化煤矿？") == (0, -1)  # where things stand: the review of last year
    assert question_year("目前有多少座智能化煤矿？") == (0, -1)
    assert question_year("第20250号文件") is None
    assert question_year("今年新增2000个养老床位？") == (0, 0)  # an amount is not a year
    assert question_year("2050亿元用在哪里？") is None
    assert question_year("1997年的城镇新增就业目标是多少？") == (1997, 0)  # the last century's years are asked too
    assert question_year("What was the GDP growth target for 1999?") == (1999, 0)
    assert question_year("新增1900个养老床位？") is None
    assert question_year("What did Fujian do in 2024.") == (2024, 0)
    assert first_year("二、2025年工作安排") == 2025 and first_year("（一）大力推进") == 0


def test_year_of_headings():
    assert path_year(["二、2025年目标任务和重点工作", "（一）扩大内需"], 2025) == 2025
    assert path_year(["一、过去一年工作回顾"], 2025) == 2024  # 广西 names no year
    assert path_year(["二、今年工作安排"], 2025) == 2025
    assert path_year(["一、牢记殷殷嘱托，在接续奋斗中新福建建设取得新成效"], 2025) == 0
    assert path_year(["一、过去一年工作回顾"], 0) == 0  # a document without a year in its title


@pytest.fixture(scope="module")
def library(tmp_path_factory, small_model, shared_dir) -> Retriever:
    """The plan, the national report and Sichuan's, indexed with the small model."""
    root = tmp_path_factory.mktemp("scope")
    (root / "data").mkdir()
    for path in (PLAN, NATIONAL, SICHUAN):
        shutil.copy(path, root / "data")
    build_index(root / "data", root / "index", small_model)
    return Retriever(root / "index", small_model)


def _names(r: Retriever, uid: int, place: str) -> bool:
    pi, s0, s1, _ = r.index.units[uid].tolist()
    return place in fold_script(r.index.paragraphs[pi].sentence(s0, s1))


def test_units_are_raised_by_the_preference_for_each_of_document_and_year(library):
    r = library
    assert r.scope.places[PLAN.name] == ["敦化"] and r.scope.places[NATIONAL.name] == []
    assert "四川" in r.scope.places[SICHUAN.name]

    def lift(question: str) -> dict[tuple[str, int], set[float]]:
        """The change in fused score, by document and by the year its headings name."""
        plain = r.score(question, rescorers=(PieceHandicap(), Prefer(0)))
        preferring = r.score(question, rescorers=(PlaceNeutral(), PieceHandicap(), Prefer(1.5)))
        assert np.array_equal(plain.ids, preferring.ids)
        neutral = PlaceNeutral().dense(plain, r.parse(question), r.context())  # what the place adds to a sentence naming it is taken back: the next test
        base = plain.fused if neutral is None else plain.fused + fuse(neutral, plain.keyword) - fuse(plain.dense, plain.keyword)
        found: dict[tuple[str, int], set[float]] = {}
        for uid, a, b in zip(plain.ids.tolist(), base, preferring.fused):
            para = r.index.paragraphs[r.index.units[uid, UNIT_PARAGRAPH]]
            year = path_year(para.path, first_year(r.titles[para.source]))
            found.setdefault((para.source, year), set()).add(round(float(b - a), 6))
        return found

    assert set().union(*lift("四川粮食产量目标是多少？").values()) == {0.0, 1.5}
    for (source, year), lifts in lift("四川粮食产量目标是多少？").items():
        assert lifts == ({1.5} if source == SICHUAN.name else {0.0}), (source, year)
    for (source, year), lifts in lift("粮食产量目标是多少？").items():
        assert lifts == ({1.5} if source == NATIONAL.name else {0.0}), (source, year)
    # 今年 is the year in each report's title (2025), raised only in the documents the question is
    # about: 「四川今年…」 is not about the national report's 2025; the plan's paragraphs name no year
    for (source, year), lifts in lift("四川今年粮食产量目标是多少？").items():
        expected = (1.5 + (1.5 if year == 2025 else 0.0)) if source == SICHUAN.name else 0.0
        assert lifts == {expected}, (source, year)
    assert any(year == 2025 and source == NATIONAL.name for source, year in lift("四川今年粮食产量目标是多少？"))
    assert any(year == 2025 and source == SICHUAN.name for source, year in lift("四川今年粮食产量目标是多少？"))


def test_a_sentence_gains_nothing_by_naming_the_place_that_picked_its_document(library):
    r = library
    question = "四川粮食产量目标是多少？"
    scored = r.score(question)
    inside = r.scope.inside(r.parse(question), scored.ids)

    def place_neutral(q: str, scored, top: int = PlaceNeutral().top):
        return PlaceNeutral(top).dense(scored, r.parse(q), r.context())

    naming = np.array([_names(r, uid, "四川") for uid in scored.ids.tolist()]) & inside
    assert naming.any() and (inside & ~naming).any()
    # re-scored only when a unit naming the place is among the best of its documents (a second embedding)
    best = np.argsort(-np.where(inside, scored.fused, -np.inf))[: PlaceNeutral().top]
    assert (place_neutral(question, scored) is None) == (not naming[best].any())
    dense = place_neutral(question, scored, top=len(scored.ids))  # the re-scoring itself
    # only the units of Sichuan's report that say 四川 change, and only down
    assert np.array_equal(dense[~naming], scored.dense[~naming])
    assert np.all(dense[naming] <= scored.dense[naming]) and np.any(dense[naming] < scored.dense[naming])
    # each by the place's share of its cosine: what the question without 四川 scores, plus the mean gap
    without = r.index.store.vectors(scored.ids[inside]) @ r.encode([without_names(question, {"四川"})])[0]
    gap = np.mean((scored.dense[inside] - without)[~naming[inside]])
    assert np.allclose(dense[naming], np.minimum(without[naming[inside]] + gap, scored.dense[naming]))
    # abstaining keeps the plain cosine; a question naming no place, or naming one with nothing else, is left alone
    assert np.array_equal(r.score(question).dense, scored.dense)
    assert place_neutral("粮食产量目标是多少？", r.score("粮食产量目标是多少？")) is None
    assert place_neutral("四川", r.score("四川")) is None


def test_a_question_without_its_places():
    assert without_names("敦化的外贸目标是多少？", {"敦化"}) == "的外贸目标是多少?"
    assert without_names("四川省和內蒙古的糧食", {"四川", "内蒙古"}) == "省和 的粮食"
    assert without_names("What is Sichuan's grain target? And Dunhua?", {"四川", "敦化"}) == "what is 's grain target? and ?"
    assert without_names("Inner Mongolia's dairy", {"内蒙古"}) == "'s dairy"


@pytest.mark.parametrize("question, meaning", [
    ("云南提到的“编外校长”是什么意思？", True), ("四川报告里的“九小场所”指什么？", True), ("什么叫“两重”？", True),
    ("“三个十大”的含义", True), ("What does EFlops mean in Sichuan's report?", True),
    ("What is meant by 'two priorities'?", True), ("粮食产量目标是多少？", False), ("敦化發展的主線是什麼？", False),
    ("What is the grain output target?", False),
])
def test_questions_asking_what_a_term_means(question, meaning):
    assert asks_meaning(question) is meaning


def test_a_glossary_entry_is_preferred_when_a_question_asks_what_its_term_means(library):
    r = library
    paragraphs = [r.index.paragraphs[pi] for pi in r.index.units[:, UNIT_PARAGRAPH]]
    glossary = np.array([is_glossary(p.path) for p in paragraphs])
    assert (glossary & np.array([p.source == SICHUAN.name for p in paragraphs])).sum() >= 50 and glossary.sum() >= 50
    entry = np.array([is_glossary(p.path) and p.text.startswith("22.“九小场所”") for p in paragraphs])
    assert entry.any()
    ids = np.arange(len(paragraphs))

    def extra(asked: str, plain: str) -> np.ndarray:
        return r.scope.lift(r.parse(asked), ids) - r.scope.lift(r.parse(plain), ids)

    # its own entry only: 「22.“九小场所”：是指小型学校幼儿园…」, not the other 49, not the sentences using the term
    assert np.array_equal(extra("四川报告里的“九小场所”是什么意思？", "四川报告里的“九小场所”怎么整治？"), entry.astype(float))
    assert np.array_equal(extra("四川的九小场所指什么？", "四川的九小场所怎么整治？"), entry.astype(float))
    # a term no entry defines, and a document the question is not about (no place: the national report)
    assert not extra("四川报告里的“五张清单”是什么意思？", "四川报告里的“五张清单”怎么办？").any()
    assert not extra("“九小场所”是什么意思？", "“九小场所”怎么整治？").any()


def test_what_a_glossary_entry_defines():
    assert glossary_terms("12.“编外院长”：各级领导干部挂钩联系…") == ["编外院长"]
    assert glossary_terms("1.六大优势产业：省委十二届三次全会提出…") == ["六大优势产业"]
    assert glossary_terms("18．农业龙头企业“三个全覆盖”：国家级…") == ["三个全覆盖"]
    assert glossary_terms("13.EFlops：是衡量计算速度的单位") == ["eflops"]
    assert glossary_terms("没有冒号的一句话。") == []


# ------------------------------------------------------------------ pieces of long sentences

@pytest.mark.corpus
def test_a_long_list_sentence_is_also_matched_by_its_pieces():
    outline = split_document(read_source(GUANGXI, GUANGXI.parent))
    targets = next(p for p in outline.paragraphs if "糖料蔗种植面积稳定在1100万亩以上" in p.text)
    s = next(i for i in range(len(targets.sentences)) if "糖料蔗种植面积" in targets.sentence(i))
    sentence = targets.sentence(s)
    pieces = sentence_pieces(sentence)
    assert len(sentence) > LONG_SENTENCE_CHARS and "".join(pieces) == sentence  # whole clauses, in order
    assert all(len(p) <= PIECE_CHARS or p.count("；") + p.count("，") <= 1 for p in pieces)
    assert any(p.startswith("糖料蔗种植面积稳定在1100万亩以上") for p in pieces)
    assert sentence_pieces(sentence[:LONG_SENTENCE_CHARS]) == []
    assert sentence_pieces("，".join(["很长的一句话没有句号"] * 3) + "。") == []  # short

    units = make_units(outline.paragraphs)
    where = outline.paragraphs.index(targets)
    mine = [u for u in units if u.paragraph == where and u.piece]
    assert [u.text for u in mine if u.first == s] == pieces
    assert all(u.first == u.last for u in mine) and [u.piece for u in mine if u.first == s] == list(range(1, len(pieces) + 1))


def test_a_piece_that_matches_highlights_its_whole_sentence(library):
    r = library
    # the piece is asked word for word, so it is the best unit; the reader sees the whole sentence
    uid = next(i for i, (pi, s0, s1, piece) in enumerate(r.index.units.tolist())
               if piece == 2 and r.index.paragraphs[pi].source == SICHUAN.name)
    pi, s, _, _ = r.index.units[uid].tolist()
    para = r.index.paragraphs[pi]
    question = sentence_pieces(para.sentence(s))[1]
    scored = r.score(question)
    assert scored.ids[np.argmax(scored.fused)] == uid
    hit = r.rank(scored, 1)[0]
    assert hit.source == SICHUAN.name and hit.highlights[0] == para.sentence(s)


def test_a_report_is_about_the_year_it_looks_back_on(library):
    r = library
    sichuan = [i for i, p in enumerate(r.index.paragraphs) if p.source == SICHUAN.name]
    review = [i for i in sichuan if not any("2024" in h for h in r.index.paragraphs[i].path)]
    assert r.scope.unknown(r.parse("2024年四川接待游客多少？"), "", review[:1]) == []  # the 2025 report looks back on 2024
    assert r.scope.unknown(r.parse("2023年四川接待游客多少？"), "", review[:1]) == ["2023"]
    assert r.scope.unknown(r.parse("2024年四川接待游客多少？"), "", []) == ["2024"]
    assert r.scope.unknown(r.parse("2023年四川接待游客多少？"), "2023年", []) == []
    # a year of the last century is asked as any other (a tune miss of the twelfth session: 1997 was not read as a year)
    assert r.scope.unknown(r.parse("1997年四川接待游客多少？"), "", review[:1]) == ["1997"]
    assert r.scope.unknown(r.parse("1961年以来最强的暴雨在哪里？"), "1961年以来最强暴雨", review[:1]) == []


@pytest.mark.parametrize("name, words, context, written", [
    ("日本", ["日本", "遗留", "化学武器"], "森林防火、日遗化武销毁等工作", True),  # the plan's 日遺化武
    ("laos", ["铁路", "累计"], "围绕中老铁路培育物流", True),  # "the China–Laos railway"
    ("老挝", ["老挝", "铁路"], "中老泰马班列", False),  # 老 leads into no word of the question
    ("老挝", ["老挝", "养老", "服务"], "发展养老服务", False),  # the 老 of 养老 starts no word
    ("老挝", ["老挝", "年"], "关爱中老年人", False),
    ("日本", ["日本", "合作"], "推进中日韩合作", True),  # through another country's short form
    ("德国", ["德国", "合作"], "推进中日韩合作", False),
    ("敦化", ["敦化", "合作"], "敦合作", False),  # not a country
    ("香港", ["香港", "合作"], "推动吉港澳中医药合作", True),  # 港 and 澳 together: Hong Kong and Macao
    ("澳门", ["澳门", "合作"], "推动吉港澳中医药合作", True),
    ("macao", ["合作"], "深化港澳台交流", True),
    ("香港", ["香港", "航运"], "打造国际航运港口", False),  # 港 alone is a port
    ("american", ["城市", "旅游", "伙伴"], "西安与洛杉矶缔结“中美旅游伙伴城市”", True),  # a country's adjective, as its name
    ("american", ["城市", "旅游"], "美丽城市", False),  # 美 of 美丽 starts no word of the question
])
def test_a_country_may_be_written_by_its_short_form(name, words, context, written):
    """A question naming a country the library writes only short (日遺化武 for 日本遗留化学武器) is not turned away
    for that name, while the short form's character elsewhere (养老, 中老年) does not count."""
    from qa.places import written_short

    assert written_short(name, words, context) is written


def test_china_europe_in_an_english_question_is_the_contexts_zhong_ou():
    """"the China-Europe freight train" is 中欧班列 (untouched-12's misses); Europe alone is not 中欧."""
    from qa.places import written_short

    question = "How many trips did Zhejiang's China-Europe freight train make in 2024?"
    assert written_short("europe", [], "中欧班列开行2619列", question)
    assert not written_short("europe", [], "推进长三角一体化", question)
    assert not written_short("europe", [], "中欧班列开行2619列", "Is Europe's economy growing?")
    # "US", the abbreviation, as the country's name (a tune miss of the twelfth session)
    assert written_short("us", [], "缔结“中美旅游伙伴城市”", "Which city is Xi'an's China-US tourism partner city?")


def test_a_name_jieba_reads_with_its_place_is_the_library_s_without_it(library):
    """jieba reads 「重庆江北国际机场」 as one name; the report writes 「江北国际机场」 (a tune miss of the twelfth
    session). The rest must be the library's: a name it lacks stays unknown with its place in front."""
    r = library
    question = r.parse("重庆江北国际机场的第四跑道建好了吗？")
    assert r.scope.unknown(question, "重庆推进交通建设，江北国际机场第四跑道建成投用", []) == []
    assert r.scope.unknown(question, "重庆推进交通建设，第四跑道建成投用", []) == ["重庆江北国际机场"]
    assert r.scope.unknown(r.parse("四川电视台今年有什么新节目？"), "", []) == ["四川电视台"]


@pytest.mark.parametrize("name, question, context, known", [
    ("红旗车", "红旗车去年产量涨了多少", "红旗汽车产销量分别增长22.9％", True),  # a character inside: 红旗(汽)车
    ("特斯拉车", "特斯拉车卖了多少", "红旗汽车产销量分别增长", False),
])
def test_a_name_written_with_a_character_inside_is_the_contexts(name, question, context, known):
    from qa.scope import known_in

    assert known_in(name, question, context) is known


@pytest.mark.parametrize("name, text, written", [
    ("北交所", "北京证券交易所上市公司达262家", True),  # 北[京证券]交[易]所, as Chinese abbreviations are made
    ("北交所", "北京、交通、所有", False),  # not across clauses
    ("马塞卢", "马来西亚、塞内加尔的卢布", False),  # across clauses
    ("马塞卢", "马来西亚和塞内加尔的卢布", False),  # too far apart
    ("北交", "北京证券交易所", False),  # two characters say too little
])
def test_a_name_the_library_writes_in_full_is_the_library_s(name, text, written):
    from qa.scope import abbreviated

    assert abbreviated(name, text) is written


def test_a_name_the_library_writes_only_in_full_is_not_unknown(library):
    """「北交所」 for the Beijing report's 「北京证券交易所」 was a tune miss of the thirteenth session; the national
    report writes 「世界贸易组织」, never 「世贸组织」."""
    assert library.scope.unknown(library.parse("世贸组织的事报告怎么说？"), "", []) == []


def test_a_name_the_library_says_only_in_a_heading_is_not_unknown(tmp_path, small_model):
    """Beijing's report says 高精尖 only in a heading (「（五）着力发展壮大高精尖产业…」): 「北京说要把高精尖产业打造成…」
    was told "none" on that name (untouched-33, tune since 2026-12-07). A name in no heading and no text stays unknown."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "beijing.md").write_text(
        "# 北京市政府工作报告\n\n## （五）着力发展壮大高精尖产业，努力打造新质生产力的重要发动机\n\n"
        "推动科技创新和产业创新融合发展，加快数字化转型，建设更具国际竞争力的现代化产业体系。\n\n"
        "## （六）持续扩大内需\n\n大力提振消费，扩大有效投资，推动消费和投资相互促进。\n", encoding="utf-8")
    build_index(tmp_path / "data", tmp_path / "index", small_model)
    r = Retriever(tmp_path / "index", small_model)
    assert "高精尖" not in r.scope.unknown(r.parse("北京说要把高精尖产业打造成新质生产力的什么？"), "", [])
    assert r.scope.writes("高精尖") and not r.scope.writes("特斯拉")
    assert r.scope.unknown(r.parse("特斯拉今年要建什么工厂？"), "", []) == ["特斯拉"]


def test_pinyin_an_apostrophe_joins_is_one_name():
    """"Chang'e" is 嫦娥 (change), "Yixin'ou" 义新欧; a possessive is no part of a name."""
    from qa.bilingual import english_names

    assert english_names("What did the Chang'e-6 mission achieve?") == {"change"}
    assert english_names("How many trains did Zhejiang's Yixin'ou line run?") == {"yixinou"}


@pytest.fixture(scope="module")
def plan_alone(tmp_path_factory, small_model) -> Retriever:
    root = tmp_path_factory.mktemp("plan-alone")
    (root / "data").mkdir()
    shutil.copy(PLAN, root / "data")
    build_index(root / "data", root / "index", small_model)
    return Retriever(root / "index", small_model)


def test_ordinary_words_in_an_english_name_are_no_unknown_names_but_an_acronym_is(plan_alone):
    """"the Mini Three Links" (小三通) is ordinary words the library writes in Chinese (untouched-11's misses); "US" stays a
    name though "us" is a word."""
    r = plan_alone
    for question, unknown in [("How many trips did the 'Mini Three Links' routes carry?", []),
                              ("What will the US Federal Reserve do with interest rates?", ["us"])]:
        q = r.parse(question)
        assert r.evidence(q, r.score(q)).unknown == unknown, question


def test_names_the_plan_writes_in_chinese_are_its_own(plan_alone):
    """Tune misses of 2026-12-06, told "none" though the plan answers them: 「东北地区」 is the plan's 東北, "the
    Northeast" too, and "Hong Kong and Macau" its 港澳; a foreign place stays a name it is not about."""
    r = plan_alone
    for question, unknown in [("党的二十大对东北地区提出了什么要求？", []),
                              ("What was asked of the Northeast?", []),
                              ("In what field should cooperation with Hong Kong and Macau make progress?", []),
                              ("How does the Northeast of Brazil grow soybeans?", ["brazil"])]:
        q = r.parse(question)
        assert r.evidence(q, r.score(q)).unknown == unknown, question


def test_the_plan_answers_about_japan_by_its_short_form(plan_alone):
    """「日本遗留化学武器」 is the plan's 「日遺化武」: not a country it is not about; 日本's elderly care is."""
    r = plan_alone
    for question, unknown in [("日本遗留化学武器销毁工作怎么安排？", []), ("日本的养老服务怎么样？", ["日本"])]:
        q = r.parse(question)
        assert r.evidence(q, r.score(q)).unknown == unknown, question


@pytest.mark.parametrize("question, missing", [
    ("Do any of the reports mention waffles?", True), ("Is poker mentioned in any of the reports?", True),
    ("Does the plan mention soybeans?", False),  # 大豆: the library writes it
    ("Does the plan mention water?", False),  # 水, inside 绿水青山 and 污水: written, though as no word of its own
    ("Which reports mention biomanufacturing?", False),  # not in the dictionary: nothing to say the library lacks it
    ("How will the city support veterans looking for work?", False),  # asks no mention
])
def test_an_english_thing_the_library_never_writes_is_unknown(plan_alone, question, missing):
    """Asked where the documents mention a thing the dictionary knows ("waffles" 华夫饼), whose Chinese words the
    library never writes, the thing is unknown, as a name is: misses of untouched-19 (eleventh session of 2026-12-06)."""
    r = plan_alone
    q = r.parse(question)
    assert bool(r.evidence(q, r.score(q)).unknown) is missing, question


@pytest.mark.parametrize("word, ordinary", [
    ("满意度", True), ("美丽", True), ("安全感", True),  # common words jieba's dictionary tags as places or names
    ("普通高中", True), ("哪些项目", True),  # not in CC-CEDICT, but two ordinary words
    ("新开工", True),  # 新 (also a surname) + 开工: jieba tags it nz
    ("比亚迪", False), ("马斯克", False), ("阿里巴巴", False), ("华为", False),  # a character and a name's rest
    ("广东", False), ("香港", False), ("东京", False), ("特斯拉", False), ("新建", False),  # names (新建 is also a district)
    ("天角潭", False),  # in no dictionary: a name
])
def test_a_word_cc_cedict_reads_only_as_ordinary_is_no_name(word, ordinary):
    from qa.bilingual import ordinary_word

    assert ordinary_word(word) is ordinary


@pytest.mark.parametrize("name, question, context, known", [
    ("和平", "在小粒和平贝母方面有什么举措", "精准培育…中药材(人参、平贝母)", True),  # 和 + 平贝母
    ("和高青", "关于改扩建和高青报告怎么说", "推进高青县城更新", True),  # a particle on the edge
    ("和平", "和平的发展", "精准培育…中药材(人参、平贝母)", False),
    ("东京", "东京的地铁规划", "推进地铁规划建设", False),
    ("贝母", "贝母的种植", "平贝母", True),
    # a quoted name's bounds are the user's: 「工程”」 of the context's 「“百千万工程”」 is no run of 「“水杉工程”的」 (an
    # untouched-25 off-topic question, tune since the fourteenth session)
    ("水杉工程", "“水杉工程”的主要目标是什么", "实施“百千万工程”的主要任务", False),
])
def test_a_name_jieba_cut_across_two_words_is_the_contexts(name, question, context, known):
    from qa.scope import known_in

    assert known_in(name, question, context) is known


@pytest.mark.parametrize("question, names", [
    ("哪个朝鲜族村子要建好开门迎客？", {"朝鲜族"}),  # 迎客 (jieba: nr) starts with no surname: no person
    ("要新开工哪些大型商场综合体？", set()),  # 新开工 (jieba: nz) is 新 + 开工
    ("王伟是谁？", {"王伟"}), ("马斯克怎么看新能源？", {"马斯克"}), ("梅西来过吗？", {"梅西"}),
])
def test_a_name_rule_does_not_fire_on_words_jieba_tags_as_names(question, names):
    from qa.question import names_in

    assert names_in(question)[1] == names


def test_a_place_an_english_question_spells_in_pinyin_is_the_contexts_when_it_writes_it():
    """"Dashihe" is the plan's 大石河, which jieba cuts as no word of its own; "Tesla" is written nowhere."""
    from qa.places import romanized_in

    context = "能源礦產方面,推進大石河鉬礦前期工作"
    assert romanized_in("Dashihe", context) and romanized_in("dashihe", "大石河")
    assert not romanized_in("Tesla", context) and not romanized_in("Dashi", "大,石")  # across a comma: no run


def test_the_plan_answers_a_question_jieba_cuts_a_name_out_of(plan_alone):
    """「和平」 of 「小粒和平贝母」 is 和 + 平贝母 (the plan's 平貝母), no name the plan lacks."""
    r = plan_alone
    # 满意度, which jieba tags a name, is none («满意度是多少？» is unknown since the fourteenth session, as a figure of a
    # thing the plan never names: test_a_figure_of_a_thing_the_library_never_names_is_in_no_quote)
    for question, unknown in [("在小粒黄豆和平贝母方面有什么举措？", []), ("满意度怎么样？", []), ("东京的平贝母产量是多少？", ["东京"]),
                              ("What stage is the Dashihe molybdenum project at?", []),
                              ("What stage is the Tesla molybdenum project at?", ["tesla"])]:
        q = r.parse(question)
        assert r.evidence(q, r.score(q)).unknown == unknown, question


def test_names_given_as_examples_are_asked_of_none_in_particular(plan_alone):
    """A question that gives names as examples (「比如长城、黄河」, "such as") asks about any of them, and a quote about
    another answers it: a miss of compare-11 (tune since 2026-12-06, ninth session), where every report that did not
    name all five national cultural parks was told "not mentioned". Asked for one, a name the plan lacks stays unknown,
    and so do examples the library knows none of: they say what the question is about."""
    r = plan_alone
    for question, unknown in [("旅游要借助哪些名山，比如长白山、黄山？", []),
                              ("Which mountains does tourism lean on, such as Changbai Mountain or Mount Tai?", []),
                              ("黄山的旅游有什么安排？", ["黄山"]),
                              ("旅游要借助哪些名山，比如黄山、泰山？", ["泰山", "黄山"])]:
        q = r.parse(question)
        assert sorted(r.evidence(q, r.score(q)).unknown) == unknown, question


def test_a_question_asking_where_a_thing_is_mentioned_is_read_for_the_thing(plan_alone):
    """「哪些报告提到了…」, 「有没有讲到…」, 「关于…报告里怎么说」 ask where a thing is mentioned: the thing's words are
    those left when the words of asking where (the documents, the verbs of mentioning, the library's places) are
    taken out. Other questions, and English ones (their words reach the library through the glossary), have none;
    「不出现大面积返贫」 asks how, not where."""
    r = plan_alone
    for question, thing in [("哪些省份的政府工作报告提到了魔方比赛？", ("魔方", "比赛")),
                            ("有沒有報告講到犛牛？", ("牦牛",)),
                            ("敦化的规划有没有提到冰雪旅游？", ("冰雪", "旅游")),
                            ("关于彩票中奖，报告是怎么说的？", ("彩票", "中奖")),
                            ("哈雷彗星在哪份报告里出现过？", ("哈雷彗星",)),
                            ("怎么保证不出现大面积返贫？", ()),
                            ("规划里有哪些目标？", ()),
                            ("报告提到了什么？", ()),
                            ("Does the plan mention ice and snow tourism?", ())]:
        assert r.parse(question).thing == thing, question


def lifted(r, q):
    """Every unit's lift for a question read by ``r`` (:meth:`qa.scope.Scope.lift`), and each unit's paragraph."""
    return r.scope.lift(q, np.arange(len(r.index.units))), r.index.units[:, UNIT_PARAGRAPH]


@pytest.mark.parametrize("question, opening", [
    ("文章开头说要积极争创一个什么新区？", True),
    ("According to the opening paragraph, what did the 20th Party Congress lay out?", True),
    ("What did the plan say at the very beginning?", True),
    ("What happened at the start of 2024?", False),  # a time, not the document's opening
    ("文章说要积极争创一个什么新区？", False),
])
def test_a_question_about_the_opening_lifts_the_first_paragraph_alone(plan_alone, question, opening):
    """The plan's tune misses of the thirteenth session (「文章一开头说…」, "the opening paragraph") quoted a later section."""
    r = plan_alone
    q = r.parse(question)
    lift, paragraph = lifted(r, q)
    first = next(i for i, p in enumerate(r.index.paragraphs) if len(p.text) >= 50)
    assert q.asks_opening is opening
    assert bool((lift[paragraph == first] > lift[paragraph != first].max()).all()) is opening


@pytest.mark.parametrize("question, closing", [
    ("文章结尾说要打造一个什么样的城市形象？", True),
    ("結尾那段，文章最後說要全力打造什麼？", True),  # 「结尾那段」 is the document's end, no part about 结尾
    ("报告最后引用了哪句话？", True),
    ("最后一部分说要用什么来优化生态？", True),
    ("Which anniversary does the report look forward to at its close?", True),
    ("What does the closing paragraph call for?", True),
    ("最后要巩固一个什么样的局面？", False),  # 最后 is "in the end"
    ("农村那一部分的结尾，提出要加快实现什么目标？", False),  # the end of a part, which the part lifts
    ("开篇那一段最后落在开创一个什么局面上？", False),  # the opening's last words
    ("How large were the reserves at the end of last year?", False),  # a time
])
def test_a_question_about_the_closing_lifts_the_last_paragraph_alone(plan_alone, question, closing):
    """untouched-31's library misses (tune since the nineteenth session) asked what a report says at its close."""
    r = plan_alone
    q = r.parse(question)
    lift, paragraph = lifted(r, q)
    last = max(i for i, p in enumerate(r.index.paragraphs) if len(p.text) >= 50)
    assert q.asks_closing is closing
    assert bool((lift[paragraph == last] > 0).all()) is closing


def test_a_report_closes_before_its_glossary_and_its_closing_opens_after_the_salutation(library):
    """Sichuan's report ends with a glossary (名词解释); its closing paragraph is 「各位代表！迎接风险挑战…」, whose first
    sentence after the salutation is what 「最后一段是用哪句话开头的」 asks."""
    r = library
    paragraphs = r.index.paragraphs
    lift, _ = lifted(r, r.parse("四川的报告最后一段是用哪句话开头的？"))
    best = r.index.units[lift == lift.max()]  # the sentence, and the run of sentences it opens
    assert len({*best[:, UNIT_PARAGRAPH].tolist()}) == 1 and len({*best[:, UNIT_FIRST].tolist()}) == 1
    pi, first = int(best[0, UNIT_PARAGRAPH]), int(best[0, UNIT_FIRST])
    assert paragraphs[pi].text.startswith("各位代表！迎接风险挑战") and not is_appendix(paragraphs[pi].path)
    assert paragraphs[pi].sentence(first).startswith("迎接风险挑战")
    assert is_appendix(["附件", "主办单位：省生态环境厅"]) and is_appendix(["名词解释"]) and not is_appendix(["三、2025年工作安排"])


@pytest.mark.parametrize("question, part", [
    ("民生部分引用了总书记关于江山和人民的哪句话？", ("民生",)),
    ("黨建部分對「五賽五比爭五星」活動怎麼說？", ("党建",)),
    ("讲工业项目建设的那一段，着力提升的是哪个指数？", ("工业", "项目", "建设")),
    ("“幸福指数”这一部分的宗旨是什么？", ("幸福", "指数")),
    ("最后讲党建的那一节，以什么为统领？", ("党建",)),  # 最后 only says where the part is
    ("In the manufacturing section, what does the quoted remark say?", ("制造", "生产")),
    ("文章有没有提到“一核心四板块”？", ()),  # a name in quotation marks, no part
    ("现阶段的重点是什么？", ()),  # 段 of 阶段
    ("其中一部分用于以旧换新？", ()),  # a share, no part
    ("大部分资金投向哪里？", ()),
])
def test_the_part_of_a_document_a_question_names(plan_alone, question, part):
    assert plan_alone.parse(question).part == part


def test_a_question_naming_a_part_lifts_the_paragraphs_that_part_is(plan_alone):
    """「党建那一部分」: the plan's paragraph led by 「堅持以黨的建設為統領」 (党建 shortens 党的建设), a tune miss of the
    thirteenth session that quoted another section's 「五賽五比爭五星」."""
    r = plan_alone
    party = next(i for i, p in enumerate(r.index.paragraphs) if p.sentence(0).startswith("堅持以黨的建設"))
    lift, paragraph = lifted(r, r.parse("黨建部分對「五賽五比爭五星」活動怎麼說？"))
    assert (lift[paragraph == party] > lift[paragraph != party].max()).all()


def test_a_question_about_how_a_part_opens_lifts_its_first_sentence(plan_alone):
    """「讲党建的那部分，开头说要坚持以什么为统领？」 and 「讲工业的那部分一开头…」 (untouched-32's plan misses, tune since the
    twentieth session) quoted the plan's opening paragraph: the opening asked is the part's, its first sentence."""
    r = plan_alone
    party = next(i for i, p in enumerate(r.index.paragraphs) if p.sentence(0).startswith("堅持以黨的建設"))
    q = r.parse("讲党建的那部分，开头说要坚持以什么为统领？")
    assert q.part and q.asks_part_opening and not q.asks_opening
    lift, _ = lifted(r, q)
    best = r.index.units[lift == lift.max()]
    assert set(best[:, UNIT_PARAGRAPH].tolist()) == {party} and set(best[:, UNIT_FIRST].tolist()) == {0}
    assert not r.parse("党建那一部分对政治生态怎么说？").asks_part_opening  # no opening asked
    assert not r.parse("文章开头说要坚持以什么为统领？").asks_part_opening  # the document's opening, no part


def test_the_words_naming_a_part_pick_no_sentence(plan_alone):
    """「讲民生的那一部分，对学校的教学提了什么要求？」 (an untouched-25 miss, tune since the fourteenth session) quoted the
    part's lead sentence, 「堅持以改善民生為宗旨…」, which holds 民生 and nothing asked: the part's words lift its paragraphs
    and leave the keywords, as a place that picks the documents does."""
    q = plan_alone.parse("讲民生的那一部分，对学校的教学提了什么要求？")
    assert "民生" not in q.keywords and "教学" in q.keywords
    assert "民生" in plan_alone.parse("民生方面对学校的教学提了什么要求？").keywords  # no part named: a word like any


@pytest.mark.parametrize("question, embedded", [
    ("讲服务业的那部分，这座城市要紧扣哪两点？", "这座城市要紧扣哪两点？"),
    ("农村那部分，粮食方面要扛起什么？", "粮食方面要扛起什么？"),
    ("开篇那段说，二十大为这座城市的发展做了什么？", "二十大为这座城市的发展做了什么？"),
    ("西藏報告開頭提到的地震發生在哪裡，幾級？", "西藏報告開頭提到的地震發生在哪裡，幾級？"),  # the clause asks more
    ("民生部分引用了什么？", "民生部分引用了什么？"),  # nothing else to embed
])
def test_a_clause_naming_only_the_part_is_not_embedded(plan_alone, question, embedded):
    """untouched-30's plan misses (tune since the eighteenth session): 「讲服务业的那部分，…紧扣哪两点？」 quoted a sentence
    saying 服务业, not the part's 「緊扣發展提速、質態提升」; the part lifts its paragraphs, the rest picks the sentence."""
    assert plan_alone.parse(question).embedded == embedded


def test_the_rest_of_a_question_naming_a_part_picks_the_sentence(plan_alone):
    hit = plan_alone.search("讲服务业的那部分，这座城市要紧扣哪两点？", k=1)[0]
    assert "緊扣發展提速" in hit.highlights[0]


@pytest.mark.parametrize("question, counted", [
    ("今年要新增多少个修鞋摊？", "修鞋摊"),
    ("全省一共有多少家保龄球馆？", "保龄球馆"),
    ("城裡的花店數量今年要增加多少？", "花店"),  # before 「数量」
    ("山西今年要免费送多少场戏下乡？", ""),  # the nouns go on: no head (and 场 is a measure word jieba glued on)
    ("上海去年给小学生开了多少个寒暑假托管班？", ""),
    ("今年GDP增长目标是多少？", "目标"),
    ("How many shoe-repair stalls?", ""),  # English: the glossary reads it
    # fifteenth session, on untouched-27 (tune): jieba's 几家 holds its measure word; a last noun of one character ends
    # a word of two (舞蹈 + 室); a number goes on past the nouns; two things joined by 和 are no one thing
    ("今年要新開幾家貓咖？", "猫咖"),
    ("今年要扶持多少家舞蹈室？", "舞蹈室"),
    ("敦化要推动多少个投资5000万元以上的项目取得突破性进展？", ""),
    ("全域旅游主要依托哪几座山和湖？", ""),
])
def test_what_a_figure_is_asked_of(plan_alone, question, counted):
    assert plan_alone.parse(question).counted == counted


def test_a_figure_of_a_thing_the_library_never_names_is_in_no_quote(plan_alone):
    """Off-topic questions of untouched-19 to -25 (tune since the fourteenth session) asked a figure of a thing no
    document names: 「今年要新增多少个修鞋摊？」 was "uncertain". A thing the library names is the library's (and so is
    one it names in part: 就业 and 人数 of 就业人数, in the thirty documents)."""
    r = plan_alone
    for question, unknown in [("今年要新增多少个修鞋摊？", ["修鞋摊"]),
                              ("今年要新建多少个口袋公园？", []),
                              # fifteenth session (untouched-27, tune): a word jieba does not divide, when things are
                              # counted; not an amount (产量), nor a thing the plan writes another word for (企业 for 公司)
                              ("城裡的花店數量今年要增加多少？", ["花店"]),
                              ("敦化有多少块骨头？", ["骨头"]),
                              ("敦化的平贝母产量是多少？", []),
                              ("敦化今年要引进多少家公司？", [])]:
        q = r.parse(question)
        assert r.evidence(q, r.score(q)).unknown == unknown, question


@pytest.mark.parametrize("question, nouns", [
    ("全省的钟表维修店有多少家？", ("全省", "钟表")),  # jieba cuts 店有
    ("宁夏冬天家里的暖气温度要达到多少度？", ("暖气", "温度")),  # 冬天 a time word, 家里 a place word
    ("特斯拉在上海建了什么工厂？", ("工厂",)),  # names and places are the name rule's
    ("How many clock repair shops are there?", ()),
])
def test_the_common_nouns_of_a_question(plan_alone, question, nouns):
    assert plan_alone.parse(question).nouns == nouns


def test_a_noun_a_large_library_never_writes(plan_alone, monkeypatch):
    """Off-topic questions of the tune sets asked of things no document writes (「全省的钟表维修店有多少家？」) got quotes
    that "may answer". In a library large enough to write the words plans are asked in, such a noun raises the bar
    (:attr:`qa.abstain.Confidence.unwritten`). A noun the library writes in parts or by another word CC-CEDICT gives (公路
    for 马路) is the library's; in a library as small as the plan alone the rule says nothing."""
    from qa import scope

    r = plan_alone
    q = r.parse("全省的钟表维修店有多少家？")
    assert r.scope.unwritten(q) == []  # the plan alone: too small to say
    monkeypatch.setattr(scope, "UNWRITTEN_LIBRARY", 0)
    assert "钟表" in r.scope.unwritten(q)
    assert r.evidence(q, r.score(q)).unwritten == tuple(r.scope.unwritten(q))
    assert r.scope.unwritten(r.parse("敦化的大豆有什么品牌？")) == []  # the plan writes 大豆 and 品牌
    assert not r.scope.writes("马路") and "马路" not in r.scope.unwritten(r.parse("哪条马路要通车？"))  # 公路, CC-CEDICT's other word
    assert r.scope.unwritten(r.parse("How many clock repair shops are there?")) == []  # English: read by the glossary


@pytest.mark.parametrize("question, programmes", [
    ('How much money is set aside for the "Morning Tide" programme?', ("morning tide",)),
    ("When does the 'Golden Crane' start-up fund open?", ("golden crane",)),  # two words before its head
    ("What is the 'Discover Jiangxi' plan?", ("discover jiangxi",)),
    ("What does the report mean by the 'two wings'?", ()),  # no programme word: the asker's quote
    ("What is the goal of the Granite Swallow scheme?", ("granite swallow",)),  # capitalised, unquoted
    ("“萤火计划”今年扶持多少家小店？", ()),  # Chinese: names_in reads it
])
def test_an_english_programme_in_quotation_marks(plan_alone, question, programmes):
    assert plan_alone.parse(question).english_programmes == programmes


def test_an_english_programme_with_a_word_the_library_has_none_for_is_not_the_library_s(plan_alone):
    """Off-topic "plan-like" questions of untouched-19 to -25 (tune since the fourteenth session) named made-up schemes
    ("the 'Golden Acorn' scheme") and got "uncertain": 8 of the 25 library ones. A word of the name the dictionary
    knows and the library never writes (acorn 橡子, 橡实) makes it unknown; a name of the library's words does not."""
    r = plan_alone
    for question, unknown in [("How much funding does the 'Golden Acorn' scheme get?", ["golden acorn"]),
                              ("What is the 'Ecological Demonstration' programme?", [])]:  # 示范, in 示范区
        q = r.parse(question)
        assert r.evidence(q, r.score(q)).unknown == unknown, question


def test_a_part_is_the_paragraph_saying_most_of_its_words(plan_alone):
    """「讲城市建设和环境的那一段…」 (untouched-25 and -26, tune since the fourteenth session) lifted the party-building
    section, whose first sentence says 黨的建設: the section on the city says 城市建設 in its second sentence. The
    paragraphs saying most of the part's words, in their first two sentences, are lifted."""
    r = plan_alone
    city, party = (next(i for i, p in enumerate(r.index.paragraphs) if p.sentence(0).startswith(lead))
                   for lead in ("堅持以生態宜居", "堅持以黨的建設"))
    lift, paragraph = lifted(r, r.parse("讲城市建设和环境的那一段，目标是什么？"))
    assert (lift[paragraph == city] > 0).all() and (lift[paragraph == party] == 0).all()



def test_an_english_name_of_several_words_is_the_library_s_by_their_joined_pinyin(plan_alone):
    """"Jinping" of "Xi Jinping" is 习近平 (xijinping), which the plan writes: a synthetic tune question of the fourteenth
    session was told "none" when the best matches held no 习近平 to read "jinping" in."""
    r = plan_alone
    # with no best matches to read a name in (Scope.unknown's context): only the library's words decide
    assert "jinping" not in r.scope.unknown(r.parse("What did Xi Jinping say about cities?"), "")
    assert "mingze" in r.scope.unknown(r.parse("What did Xi Mingze say about cities?"), "")


@pytest.mark.parametrize("question, alternatives", [
    # an alternative opening a clause: the rest of the clause, without what the question says elsewhere (首发)
    ("哪些地方提到了首发经济，或者引进首店？", [{"引进", "首店"}]),
    ("有没有报告讲到首发经济，或者首发经济的首店？", [{"首店"}]),
    # examples, to the end of the clause
    ("哪些地方提到了移风易俗，比如治理高额彩礼、大操大办？", [{"治理", "高额", "彩礼", "大操大办"}]),
    # not the clause before, which says what is asked, nor alternatives inside a clause (jieba's pieces)
    ("哪些地方提到了工业投资或制造业投资？", []),
    # only where a thing is asked for: these examples say which target, this alternative asks another figure
    ("各地2025年数字经济定了什么目标，比如数字经济规模？", []),
    ("各地新增了多少个托位，或者每千人口托位数达到了多少？", []),
    ("Which regions mention the debut economy, or first stores?", []),  # English: its words are read by their meanings
])
def test_alternatives_a_quote_may_lack(question, alternatives):
    """A question asking where a thing is mentioned, with an alternative (「，或者」) or examples (「比如」): the sets of its
    words a quote may lack (:attr:`qa.question.Question.alternatives`)."""
    from qa.question import Question

    assert [set(s) for s in Question.parse(question).alternatives] == alternatives


def test_cover_is_the_best_reading_without_an_alternative():
    """「首发经济，或者引进首店」 is covered by 首发经济 alone: compare-28's 「…首发经济，或者引进首店？」 told 21 of the 25
    reports that name 首发经济 "not mentioned" (tune since 2026-12-07)."""
    from qa.keywords import coverage_of, salience

    tokens = ["首发", "经济", "引进", "首店"]
    whole = coverage_of(tokens)
    either = coverage_of(tokens, (frozenset({"首发", "经济"}), frozenset({"引进", "首店"})))
    both = sum(map(salience, ["首发", "经济"])) / sum(map(salience, tokens))
    assert whole("积极发展首发经济") == pytest.approx(both) and either("积极发展首发经济") == pytest.approx(1.0)
    assert either("引进首店100家") == pytest.approx(1.0) and either("发展银发经济") < 1.0
    assert either("引进首店，发展首发经济") == whole("引进首店，发展首发经济") == pytest.approx(1.0)
    assert coverage_of(tokens, (frozenset(tokens),))("无关") == 0.0  # a set of every word leaves no reading


def test_a_word_the_library_never_uses_is_searched_by_its_words_it_does(plan_alone):
    """「旅游业」 is no token of the plan, which says 「全域旅游」: searched whole it matched nothing, and 「准备新建哪些大型
    购物中心？」 ranked the shopping centres second (a tune miss of the twenty-third session). A word the library uses,
    a two-character word and a word none of whose parts it uses are searched as asked."""
    vocabulary = plan_alone.lexicon.vocabulary
    assert "旅游业" not in vocabulary and "旅游" in vocabulary
    q = plan_alone.parse("敦化的旅游业有什么发展目标？")
    assert "旅游" in q.keywords and "旅游业" not in q.keywords
    assert "旅游业" in q.tokens and "旅游业" in q.cover_words  # only the keyword search reads it by its parts
    assert "购物中心" not in vocabulary and "中心" in plan_alone.parse("准备新建哪些大型购物中心？").keywords
    assert "服务业" in vocabulary and "服务业" in plan_alone.parse("服务业有什么打算？").keywords
    assert "腐竹" in plan_alone.parse("干腐竹要泡多久？").keywords  # two characters: no shorter word, kept as asked
    assert "炸酱" in word_parts("炸酱面") and "炸酱" not in vocabulary
    assert "炸酱面" in plan_alone.parse("炸酱面怎么做？").keywords  # no part of it in the plan: kept, and matches nothing
    assert "旅游业" in Question.parse("敦化的旅游业有什么发展目标？").keywords  # read against no library
