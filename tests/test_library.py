"""The library: listing its documents, asking some of them only, removing one, and abstaining on
what it is not about. Real files: the plan and two provincial Word reports, indexed with the small model."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import DATA, ROOT, minilm_path

DOCS = ROOT.parent / "shared" / "corpus" / "documents"
SICHUAN = "2025年四川省政府工作报告.docx"
ZHEJIANG = "2025年浙江省政府工作报告.docx"
PLAN = "000_35bfb118311f446a.txt"


@pytest.fixture(scope="module")
def library(tmp_path_factory, small_model, shared_dir):
    """The plan and two reports, built once; tests that change it work on a copy."""
    from qa import build_index

    root = tmp_path_factory.mktemp("library")
    (root / "data").mkdir()
    shutil.copy(DATA / PLAN, root / "data")
    for name in (SICHUAN, ZHEJIANG):
        shutil.copy(DOCS / name, root / "data")
    build_index(root / "data", root / "index", small_model)
    return root


@pytest.fixture
def copy(library, tmp_path):
    shutil.copytree(library / "data", tmp_path / "data")
    shutil.copytree(library / "index", tmp_path / "index")
    return tmp_path


def run(*args, input=None):
    from qa.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


# ------------------------------------------------------------------ choosing documents

@pytest.mark.parametrize("question", ["粮食产量目标是多少？", "城镇新增就业目标是多少？", "外贸进出口总额的目标是多少？",
                                      "What is the GDP growth target?"])
def test_sources_keep_every_hit_in_the_chosen_files(library, small_model, question):
    from qa import Retriever

    r = Retriever(library / "index", small_model)
    for sources, files in [([SICHUAN], {SICHUAN}), (["浙江"], {ZHEJIANG}), (["2025年浙江省政府工作報告", PLAN], {ZHEJIANG, PLAN})]:
        hits = r.search(question, k=10, sources=sources)
        assert hits and {h.source for h in hits} <= files, (sources, {h.source for h in hits})
        answer = r.answer(question, k=10, sources=sources)
        assert answer.sources == sorted(files)
        assert {h.source for h in answer.hits + answer.related} <= files
    assert {h.source for h in r.search(question, k=20)} - {SICHUAN}  # without sources, others come too


def test_a_source_that_names_no_document_is_a_clear_error(library, small_model):
    from qa import QueryError, Retriever

    r = Retriever(library / "index", small_model)
    with pytest.raises(QueryError, match=r"no document in the library is named '广东'.*2025年四川省政府工作报告"):
        r.answer("粮食产量目标是多少？", sources=["广东"])


def test_match_sources_by_file_stem_title_script_and_part():
    from qa.library import match_sources

    titles = {SICHUAN: "2025年四川省政府工作报告", ZHEJIANG: "2025年浙江省政府工作报告", PLAN: ""}
    assert match_sources([SICHUAN], titles) == [SICHUAN]
    assert match_sources(["2025年四川省政府工作報告"], titles) == [SICHUAN]  # traditional script
    assert match_sources(["000_35bfb118311f446a"], titles) == [PLAN]
    assert match_sources(["政府工作报告"], titles) == [SICHUAN, ZHEJIANG]  # every title holding it


# ------------------------------------------------------------------ qa ls, qa rm, qa ask

def test_qa_ls_lists_title_format_paragraphs_date_and_status(copy):
    (copy / "data" / "新文件.txt").write_text("敦化市新增规划条目。" * 5, encoding="utf-8")
    (copy / "data" / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    result = run("ls", "--json", "--data", copy / "data", "--index", copy / "index")
    docs = {d["file"]: d for d in json.loads(result.output)}
    assert docs[SICHUAN]["title"] == "2025年四川省政府工作报告" and docs[SICHUAN]["format"] == "docx"
    assert docs[SICHUAN]["status"] == "indexed" and docs[SICHUAN]["paragraphs"] > 50 and docs[SICHUAN]["indexed_at"]
    assert docs[SICHUAN]["about"] == ["四川", "成都"]
    assert docs[PLAN]["format"].startswith("text") and docs[PLAN]["status"] == "indexed"
    assert docs["新文件.txt"]["status"] == "new" and docs["broken.docx"]["status"] == "new"
    plain = run("ls", "--data", copy / "data", "--index", copy / "index").output.splitlines()
    assert plain[0].split("\t")[:3] == ["Title", "File", "Format"] and len(plain) == 1 + 5


def test_qa_rm_removes_a_file_from_the_folder_and_the_index_without_embedding_again(copy):
    from qa import Retriever

    args = ("--data", copy / "data", "--index", copy / "index", "--model", minilm_path())
    result = run("rm", "浙江", "--yes", *args, input="y\n")  # a part of a title: shown and asked about, --yes too
    assert result.exit_code == 0, result.output
    assert f"浙江 is {ZHEJIANG}" in result.output and f"Removed {ZHEJIANG}" in result.output and "2 files" in result.output and "0 embedded" in result.output
    assert not (copy / "data" / ZHEJIANG).exists() and not list((copy / "data").glob(".*"))
    r = Retriever(copy / "index")
    assert set(r.titles) == {PLAN, SICHUAN} and {p.source for p in r.index.paragraphs} == {PLAN, SICHUAN}
    docs = json.loads(run("ls", "--json", "--data", copy / "data", "--index", copy / "index").output)
    assert [d["file"] for d in docs] == [PLAN, SICHUAN]


def test_qa_rm_of_the_last_file_empties_the_library_and_asking_says_so(copy):
    args = ("--data", copy / "data", "--index", copy / "index", "--model", minilm_path())
    assert run("rm", SICHUAN, "--yes", *args).exit_code == 0
    assert run("rm", "浙江", *args, input="y\n").exit_code == 0
    result = run("rm", PLAN, *args, input="y\n")  # confirmed at the prompt
    assert result.exit_code == 0 and "No documents are left" in result.output
    assert not list((copy / "data").iterdir()) and not (copy / "index" / "CURRENT").exists()
    assert not list((copy / "index").glob("v-*"))
    assert "No documents in" in run("ls", "--data", copy / "data", "--index", copy / "index").output
    asked = run("ask", "外贸进出口总额的目标是多少？", *args)
    assert asked.exit_code == 1 and "nothing to index" in asked.output


def test_qa_rm_refused_or_failed_loses_nothing(copy):
    from filelock import FileLock

    args = ("--data", copy / "data", "--index", copy / "index", "--model", minilm_path())
    before = sorted(p.name for p in (copy / "data").iterdir())
    current = (copy / "index" / "CURRENT").read_text()
    assert run("rm", "广东", "--yes", *args).exit_code == 1  # no such document
    assert "names 2 files" in run("rm", "政府工作报告", "--yes", *args).output  # ambiguous
    assert run("rm", SICHUAN, *args, input="n\n").exit_code == 1  # not confirmed
    with FileLock(str(copy / "index" / ".lock")):  # another build holds the index: the file comes back
        result = run("rm", SICHUAN, "--yes", *args)
    assert result.exit_code == 1 and "another build" in result.output
    assert sorted(p.name for p in (copy / "data").iterdir()) == before
    assert (copy / "index" / "CURRENT").read_text() == current


def test_qa_ask_on_a_fresh_checkout_builds_the_index_first(tmp_path, fake_encoder):
    shutil.copytree(DATA, tmp_path / "data")
    result = run("ask", "外贸进出口总额的目标是多少？", "--json", "--data", tmp_path / "data",
                 "--index", tmp_path / "index", "--model", fake_encoder.qa_name)
    assert result.exit_code == 0, result.stderr
    assert "Built index: 1 files" in result.stderr
    assert json.loads(result.stdout)["hits"][0]["source"] == PLAN


def test_an_index_of_another_folder_is_used_as_it_is_never_rebuilt_from_this_one(copy, tmp_path_factory, small_model):
    """`qa ask --index X` with the default --data once replaced X's documents with those of data/."""
    from qa.build import index_status
    from qa.service import ChatService

    other = tmp_path_factory.mktemp("other")
    shutil.copy(DATA / PLAN, other)
    current = (copy / "index" / "CURRENT").read_text()
    # the index moved with its folder (the fixture copies both) still knows it
    assert index_status(copy / "data", copy / "index") == "ok"
    assert index_status(other, copy / "index") == "elsewhere"
    result = run("ask", "四川粮食产量目标是多少？", "--json", "--data", other, "--index", copy / "index", "--model", minilm_path())
    assert result.exit_code == 0, result.stderr
    assert "as it is" in result.stderr and str((copy / "data").resolve()) in result.stderr
    assert (copy / "index" / "CURRENT").read_text() == current
    assert json.loads(result.stdout)["hits"][0]["source"] == SICHUAN  # a document only the index has
    service = ChatService(other, copy / "index", small_model)
    assert "as it is" in service.start()  # the same start-up policy as the CLI (qa.startup)
    assert (copy / "index" / "CURRENT").read_text() == current and SICHUAN in service.retriever.titles
    # its own folder, changed, is indexed again as before
    (copy / "data" / ZHEJIANG).unlink()
    result = run("ask", "四川粮食产量目标是多少？", "--data", copy / "data", "--index", copy / "index", "--model", minilm_path())
    assert result.exit_code == 0 and "Built index: 2 files" in result.stderr


def test_refresh_embeds_only_that_file_again(copy, small_model):
    from qa import build_index
    from qa.index import read_manifest, current_version

    units = {}
    report = build_index(copy / "data", copy / "index", small_model, refresh=[SICHUAN])
    assert not report.up_to_date
    from qa import Retriever
    from qa.index import UNIT_PARAGRAPH

    r = Retriever(copy / "index", small_model)
    for pi in r.index.units[:, UNIT_PARAGRAPH]:
        units[r.index.paragraphs[pi].source] = units.get(r.index.paragraphs[pi].source, 0) + 1
    assert 0 < report.embedded <= units[SICHUAN]
    assert read_manifest(current_version(copy / "index")).sources[ZHEJIANG].indexed_at


# ------------------------------------------------------------------ what a question names

@pytest.mark.parametrize("question, places, names", [
    ("广东省2025年地区生产总值增长目标是多少？", {"广东"}, set()),
    ("李白和杜甫谁的年纪大？", set(), {"李白", "杜甫"}),
    ("What is the US federal minimum wage?", set(), {"us"}),
    ("How will Dunhua support its pharmaceutical industry?", set(), {"dunhua"}),
    ("What R&D intensity is Anhui aiming for in 2025?", {"安徽"}, set()),  # an abbreviation spelled out is no name
    ("How many TEUs did Shanghai's port handle?", {"上海"}, set()),
    ("What is Inner Mongolia's target? Tell me.", {"内蒙古"}, set()),
    ("How do I reset my iPhone password?", set(), {"iphone"}),
    ("中国今年的经济增长目标是多少？", set(), set()),  # the whole country names no document
    # a term in quotation marks is a name, in either script (tenth session of 2026-12-06)
    ("“萤火计划”今年扶持多少家小店？", set(), {"萤火计划"}),
    ("「晨光驛站」一共要建多少個？", set(), {"晨光驿站"}),
    ("“星河千村”计划今年要覆盖多少个村？", set(), {"星河千村"}),  # named a programme just after
    ("城市管理要变得更“聪明”一点吗？", set(), set()),  # the asker's own word in quotes, no programme's name
    # jieba's "other name" (nz) of two characters CC-CEDICT reads only as ordinary words is none (untouched-19, eleventh session)
    ("吉林今年要给中小学教室换灯吗？", {"吉林"}, set()),
    ("亨曼的网球打得怎么样？", set(), {"亨曼"}),  # a person (jieba's nr) of two ordinary characters stays a name
    # 「比如县中…」 is 比如 + 县中, not the county 比如县 jieba reads (compare-22, tune since the fourteenth session)
    ("哪些地方提到了县中的振兴，比如县中振兴计划？", set(), set()),
    # a clause opening with a programme's name of nouns, unquoted (untouched-26, tune since the fourteenth session)
    ("海螺计划什么时候启动？", set(), {"海螺计划"}),
    ("雪鸮工程投入了多少资金？", set(), {"雪鸮工程"}),
    ("今年计划新建多少家跆拳道馆？", set(), set()),  # 今年 is no noun: 计划 is "plans to"
    # a county or district CC-CEDICT also reads as an ordinary word is none (untouched-26's 「重庆那边呢？」 was "none")
    ("重庆今年要新建提升多少个口袋公园？", {"重庆"}, set()),
    ("县中振兴计划覆盖了多少学校？", set(), set()),  # 振兴 is a verb: no name read, and none needed
])
def test_names_in_questions(question, places, names):
    from qa.question import names_in

    assert names_in(question) == (places, names)


@pytest.mark.parametrize("question, unknown", [
    ("广东省2025年地区生产总值增长目标是多少？", ["广东"]),  # no report of Guangdong here
    ("2022年浙江省政府工作报告提出的研发投入强度目标是多少？", ["2022"]),  # nor of 2022
    ("特斯拉的股价是多少？", ["特斯拉"]),
    ("What is the legal retirement age in France?", ["france"]),
    ("四川2025年粮食产量目标是多少？", []),
    ("How will Dunhua support its pharmaceutical industry?", []),  # 敦化 in pinyin
    ("What container throughput target has Zhejiang set for the Ningbo-Zhoushan port?", []),  # named in the report
    ("How much cargo did the Port of Ningbo handle last year?", []),  # 港口 is a word the library uses, in a name
    ("Who was the first person to walk on the Moon?", ["moon"]),  # a name on its own, though 月球 is a word
    ("What is the capital of France?", ["france"]),  # 法国: a name in the dictionary
    # a quoted term no document uses is not in the library (untouched-17's made-up programmes, tune since the tenth
    # session of 2026-12-06); one the reports use is (「两重」: 重大战略, 重点领域)
    ("“星河千村”计划今年要覆盖多少个村？", ["星河千村"]),
    ("「两重」项目今年安排了多少资金？", []),
])
def test_what_a_question_names_that_the_library_is_not_about(library, small_model, question, unknown):
    from qa import Retriever

    r = Retriever(library / "index", small_model)
    assert r.evidence(question, r.score(question)).unknown == unknown


def test_never_answers_below_what_off_topic_probes_reach_in_the_index(plan_index, small_model):
    """The dense-alone threshold and the cover threshold are the calibrated ones or what chance reaches in this index, the higher."""
    from importlib import resources

    import numpy as np

    from qa import Retriever
    from qa.abstain import COVER_QUANTILE, PROBE_QUANTILE, question_group

    r = Retriever(plan_index / "index", small_model)
    probes = [q.strip() for q in resources.files("qa").joinpath("probes.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    assert len(probes) >= 40 and {question_group(q) for q in probes} == {"zh", "other"}
    for group in ("zh", "other"):
        found = [r.evidence(q, r.score(q)) for q in probes if question_group(q) == group]
        chance = r.chance(group)
        assert chance.dense == pytest.approx(float(np.quantile([e.dense for e in found], PROBE_QUANTILE)), abs=1e-6)
        assert chance.cover == pytest.approx(float(np.quantile([e.cover for e in found], COVER_QUANTILE)), abs=1e-6)
    questions = ("What is the target for foreign trade?", "How do I bake sourdough bread?", "Who painted the Sistine Chapel?",
                 "How many tourists visit the plan's city?", "What does the plan say about bread and cakes?")
    # a fitted model that reads only how far the evidence stands above this index's chance: chance decides
    for name, part in (("cover_over_chance", "cover"), ("dense_over_chance", "dense")):
        r.confidence_model = only_one_feature(name)
        outcomes = set()
        for q in questions[: 5 if part == "cover" else 3]:
            above = getattr(r.evidence(q, r.score(q)), part) >= getattr(r.chance("other"), part)
            assert r.confidence(q, r.score(q))[0] == ("answer" if above else "none"), (name, q)
            outcomes.add(above)
        assert outcomes == {True, False}, name  # the small model puts the trade question above chance, the others below


def only_one_feature(name: str):
    """A :class:`qa.abstain.Confidence` whose two models weigh one feature alone, at 0.5 from 0 up."""
    from fakes import logistic
    from qa.abstain import FEATURES, Confidence

    model = logistic({name: 1000.0})
    return Confidence(FEATURES, model, model, answer=0.5, none=0.5)
