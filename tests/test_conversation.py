"""Follow-up questions: how they are read, the chat in the terminal, and conversations in `qa eval`."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import DATA, ROOT, minilm_path

CONVERSATIONS = ROOT.parent / "shared" / "eval" / "conversations-dev.jsonl"
NATIONAL = ROOT.parent / "shared" / "corpus" / "documents" / "2025年国务院政府工作报告.txt"


@pytest.mark.parametrize("history, question, understood", [
    # an ellipsis with a topic of its own keeps the place and what is asked
    (["敦化的外贸进出口目标是多少？"], "那社会消费品零售总额呢？", "敦化 目标 社会消费品零售总额？"),
    # only a place: the earlier question, about that place
    (["上海2025年GDP增长目标是多少？"], "那北京呢？", "北京2025年gdp(生产总值)增长目标是多少?"),
    (["What is Sichuan's grain output target for 2025?"], "And Henan's?", "What is Henan's grain output target for 2025?"),
    (["Which rail lines will Chongqing complete in 2025?"], "What about Shanghai?", "Which rail lines will Shanghai complete in 2025?"),
    # in English: the library's places by their pinyin, the words that say what is asked
    (["Which pumped-storage projects will Dunhua start building this year?"],
     "What about the Jiaze zero-carbon energy storage industrial park?",
     "Dunhua this year. the Jiaze zero-carbon energy storage industrial park?"),
    (["What is Dunhua's trade target?"], "What about Chengdu?", "What is Chengdu's trade target?"),
    (["What is China's 2025 target for the surveyed urban unemployment rate?"], "And for new urban jobs?",
     "2025 target rate. for new urban jobs?"),
    # what is asked of another term: what it means
    (["云南报告里的“编外校长”是什么意思？"], "“编外院长”呢？", "云南 报告 “编外院长”是什么意思？"),
    (["What does EFlops mean in Sichuan's report?"], "And 7nm?", "Sichuan. 7nm meaning?"),
    # a chain: each turn read with the one before as it was read
    (["福建2025年地区生产总值增长目标是多少？", "粮食产量呢？"], "那四川呢？", "四川 2025年 目标 粮食产量?"),
    # general words are carried where they end a phrase (收入), not where they narrow the next word (地方, 一般)
    (["上海2024年地方一般公共预算收入多少？"], "那实际使用外资呢？", "上海 2024年 收入 实际使用外资？"),
    # an ellipsis whose own words are all general asks another thing of the same topic
    (["辽宁2024年粮食产量是多少？"], "今年的目标呢？", "辽宁 粮食产量 今年的目标？"),
    # the place the conversation last named, when the question before names none either
    (["宁夏去年地区生产总值是多少？", "城镇新增就业多少？"], "农村劳动力转移就业呢？", "宁夏 农村劳动力转移就业？"),
    (["敦化的工业发展是怎么规划的？", "医药产业今年要推进哪些项目？"], "能源方面呢？", "敦化 今年 能源方面？"),
    # 「又是」 asks the same of another thing, as 「…呢」 does
    (["北京2024年GDP增长多少？", "PM2.5呢？"], "优良天数又是多少", "北京 2024年 优良天数又是多少"),
    # 「又」 before any verb does too, as 「呢」 ending a clause anywhere, and 「换成…」 as the opener 「那…」
    (["河北钢铁环保绩效A级企业有多少家？", "去年新增的国家级制造业单项冠军呢？"], "专精特新“小巨人”企业又新增了多少？",
     "河北 去年 专精特新“小巨人”企业又新增了多少？"),
    (["辽宁有哪些县上榜全国百强县？"], "四川呢，有多少个？", "上榜 百强县 四川，有多少个？"),
    (["甘肃去年人均地区生产总值达到多少？"], "换成重庆呢？", "重庆去年人均地区生产总值达到多少?"),
    # 「这边」 after a place is the place, and words that only ask what is done (打算, 做) are no topic: both ask the
    # earlier question of the place (untouched-31 follow-ups, tune since the nineteenth session)
    (["寧夏今年中心鎮方面要啟動什麼？"], "換成江西，又打算怎麼做？", "江西今年中心镇方面要启动什么?"),
    (["福建今年依托新能源汽车、电动船舶等优势，要全面推进什么建设？"], "那贵州这边呢？",
     "贵州今年依托新能源汽车、电动船舶等优势,要全面推进什么建设?"),
    # untouched-26's follow-ups (tune since the fourteenth session): 「这」 with a measure word points back; an
    # opener jieba cuts (换到 as 换 + 到) is no topic, and the conversation's place is replaced even where the earlier
    # question did not say it; a place and only words saying what is asked (定, 多少) ask the earlier question of it
    (["宁夏今年的人才资金要提高到多少？"], "这笔钱主要用来培育引进哪些人才？", "宁夏 今年 人才 资金 提高 到 这笔钱主要用来培育引进哪些人才？"),
    (["青海今年要新增多少个普惠托位？", "养老方面，农村互助幸福院要改造多少个？"], "换到安徽呢？", "安徽 今年 养老方面,农村互助幸福院要改造多少个?"),
    (["河南今年公办园在园幼儿的比例要超过多少？"], "山东定的是多少？", "今年 公办 园在园 幼儿 比例 山东定的是多少？"),
    # the national report stands for a place: not the province asked before; carried on as a place is
    (["海南去年省控断面地表水优良率是多少？"], "国务院报告里全国的这个比例呢？", "去年 省控 断面 地表水 优良率 国务院报告里全国的这个比例？"),
    # the national report alone takes the province's place in the earlier question
    (["宁夏今年要健全什么样的消费激励机制？"], "国务院报告呢？", "国务院报告今年要健全什么样的消费激励机制?"),
    (["According to the national report, how fast did equipment purchase investment grow last year?"],
     "And retail sales of household appliances?", "national report last year. retail sales of household appliances?"),
    # a one-character word (定) is not carried, and does not hide the word before it (目标) from ending the phrase
    (["2025年国内生产总值增长目标定的多少？"], "CPI呢", "2025年 目标 CPI（居民消费价格）"),
    # 「那里」 is a pointing word, not the opener 「那」 before 「里…」; it points at the place, and what was asked of it
    # stays behind, unless the earlier question names a spot or asks where; "the province", 「同一个省」 point at the place
    (["湖北去年粮食总产是多少？"], "那里今年的经济增长目标定了多少？", "湖北 那里今年的经济增长目标定了多少？"),
    (["青海去年在冷湖落地了什么望远镜？"], "那里现在一共有几台望远镜在观测？", "青海 去年 冷湖 落地 望远镜 那里现在一共有几台望远镜在观测？"),
    (["贵州的大数据科创城在哪个城市？"], "那里聚集了多少家企业？", "贵州 大 数据 科创城 城市 那里聚集了多少家企业？"),
    (["What was Sichuan's GDP in 2024?"], "How many advanced manufacturing clusters does the province have?",
     "Sichuan 2024. How many advanced manufacturing clusters does the province have?"),
    (["浙江去年有哪些高铁建成投用？"], "同一个省今年机场方面要建成哪一个？", "浙江 同一个省今年机场方面要建成哪一个？"),
    # a place within the province: the earlier question asked of it; "then" only paces an ellipsis; 「还要…」 opens one
    (["福建今年要推动哪个机场综保区项目封关验收？"], "厦门呢？", "厦门 福建今年要推动哪个机场综保区项目封关验收?"),
    (["Which major forums and fairs will Shaanxi host this year?"], "How about Sichuan, then?",
     "Which major forums and fairs will Sichuan host this year?"),
    (["山东今年海洋科技要依托哪个实验室实施重大科技任务？"], "还要承办什么会议？", "山东 今年 科技 任务 承办什么会议？"),
    # opening with what it turns to (「…方面」) and naming no place, a question goes on with the conversation's place
    (["西藏今年在绿电和光伏方面要开展哪些试点？"], "碳汇方面要启动什么试点？", "西藏 今年 碳汇方面要启动什么试点？"),
    (["敦化医药产业方面要推动哪些项目开复工？"], "敦化在维护稳定方面还要统筹抓好哪些工作？", None),
    # "there" points at the place, unless it is the existential one
    (["What is Chongqing's new land-sea corridor?"], "How many trains ran there last year?",
     "Chongqing new land sea corridor. How many trains ran there last year?"),
    # a pronoun: the earlier topic is what it points at
    (["河南今年汽车产量目标是多少？"], "其中新能源汽车要达到多少？", "河南 今年 汽车产量 目标 其中新能源汽车要达到多少？"),
    # 「那里面」 points back though jieba cuts it 那 + 里面; "this year" says when, not what about
    (["天津的天开高教科创园去年发展得怎么样？"], "那里面现在注册了多少家科技型企业？",
     "天津 去年 天开 高教 科创园 发展 那里面现在注册了多少家科技型企业？"),
    (["How many tourists did Xinjiang receive in 2024?"], "And what's the target for this year?",
     "Xinjiang tourists receive. what's the target for this year?"),
    # 「它」 points back though jieba glues it to the next word (「它运」)
    (["中老铁路累计运了多少旅客？"], "它运的货有多少？", "中老 铁路 累计 运了 旅客 它运的货有多少？"),
    # ... or to the word before it (「修它」), unless the dictionary knows the word (「其它」 is "other")
    (["海南自贸港什么时候封关？"], "修它，今年要做哪些准备？", "海南 自贸港 时候 封关 修它，今年要做哪些准备？"),
    (["浙江今年怎么扩大有效投资？"], "其它省份有什么安排？", None),
    # 「这样」, 「这么」 before a word of doing point back at what was done (「这样做」); as words of degree they do not
    (["河南今年粮食产量目标是多少？"], "为何如此重视低空经济？", None),
    (["河南今年粮食产量目标是多少？"], "这么多省份都提低空经济，国务院报告怎么说？", None),
    (["浙江今年怎么扩大有效投资？"], "这样做要带动多少社会投资？", "浙江 今年 扩大 有效 投资 这样做要带动多少社会投资？"),
    (["浙江今年怎么扩大有效投资？"], "这么做要带动多少社会投资？", "浙江 今年 扩大 有效 投资 这么做要带动多少社会投资？"),
    # 「其中」 points at things: the earlier question's verbs and adverbs stay behind; 「为此」 at what was done
    (["2025年拟发行多少超长期特别国债？"], "其中多少用于以旧换新？", "2025年 年拟 国债 其中多少用于以旧换新？"),
    (["内蒙古哪些产业已入选国家级先进制造业集群？"], "其中乳业的产业链产值力争突破多少？",
     "内蒙古 产业 国家级 先进 制造业 集群 其中乳业的产业链产值力争突破多少？"),
    (["海南自贸港计划什么时候封关运作？"], "为此今年要做哪些压力测试？", "海南 自贸港 计划 时候 封关 运作 为此今年要做哪些压力测试？"),
    (["敦化有哪些国家级农业产业化龙头企业？"], "除了这些，还有哪些重点涉农企业？",
     "敦化 国家级 农业 产业化 龙头企业 除了这些，还有哪些重点涉农企业？"),
    # 「这」 alone points back (「这说明了什么？」); a place with a word asking a count (几家) asks the earlier question of it;
    # "Same question for …" opens an ellipsis; an English question stays a sentence after the words carried ("After it")
    (["山西哪家企业获评“灯塔工厂”？"], "这说明了什么？", "山西 哪家 企业 获评 灯塔 工厂 这说明了什么？"),
    (["浙江的全国重点实验室累计有多少家？"], "天津现在有几家？", "实验室 累计 天津现在有几家？"),
    (["How many gold medals did Hubei's athletes win?"], "Same question for Hebei.", "How many gold medals did Hebei's athletes win?"),
    (["Which Beijing site was inscribed on the World Heritage List?"], "After it, how many sites does the city have?",
     "Beijing site inscribed world heritage list. After it, how many sites does the city have?"),
    # opening with the whole country (then a time or 的) names the national report as a place; 全国重点实验室 is a thing
    (["敦化今年外贸进出口总额目标是多少？"], "那全国今年的城镇调查失业率目标是多少？", None),
    (["山东去年新增了多少国家级领军人才？"], "全国重点实验室呢？", "山东 去年 人才 全国重点实验室？"),
    # standing alone: read as asked
    (["2025年赤字率拟按多少安排？"], "敦化的外贸目标是多少？", None),
    (["What is the 2025 deficit ratio?"], "Which railway section will Tibet start building this year?", None),
    (["福建今年粮食产量目标是多少？"], "怎么做糖醋排骨？", None),
    # a pronoun after the question's own place points at that place, not back
    (["What is Jilin Province's grain output target for 2025?"],
     "Which road projects will Dunhua start preliminary work on as it builds its outer ring road?", None),
    (["四川的粮食产量目标是多少？"], "敦化在其城市建设中要建哪些公园？", None),
    ([], "那社会消费品零售总额呢？", None),  # nothing to lean on
    (["What is the 2025 deficit ratio?"], "Is there a target for grain output in 2025?", None),
    (["What is the 2025 deficit ratio?"], "What grain output target is there for 2025?", None),
])
def test_how_a_follow_up_is_read(history, question, understood):
    from qa.conversation import read_question

    reading = read_question(question, history, {"敦化", "成都"})
    assert reading.understood == understood
    assert reading.text == (understood or question)


def test_the_own_words_of_a_follow_up_are_kept_apart():
    from qa.conversation import leans, read_question

    assert read_question("赤字规模呢？", ["2025年赤字率拟按多少安排？"]).own == ["赤字", "规模"]
    assert read_question("浙江呢？", ["四川今年城镇新增就业目标是多少？"]).own == []  # 城镇 is no place of its own
    assert leans("它已经保持了多少年？") and leans("浙江呢？") and not leans("浙江今年研发投入强度目标是多少？")


def test_history_must_be_a_list_of_questions(fake_plan_index, fake_encoder):
    from qa import QueryError, Retriever

    r = Retriever(fake_plan_index / "index", fake_encoder)
    with pytest.raises(QueryError, match="list of the earlier questions"):
        r.answer("那社会消费品零售总额呢？", history="敦化的外贸进出口目标是多少？")
    with pytest.raises(QueryError, match="the question is empty"):
        r.answer("那社会消费品零售总额呢？", history=["  "])
    long = ["无关的问题？"] * 30 + ["敦化的外贸进出口目标是多少？"]  # only the latest ones are read
    assert r.answer("那社会消费品零售总额呢？", history=long).understood_as == "敦化 目标 社会消费品零售总额？"


def test_qa_chat_reads_follow_ups_and_starts_over_on_new(fake_plan_index, fake_encoder):
    from qa.cli import cli

    args = ["--data", str(fake_plan_index / "data"), "--index", str(fake_plan_index / "index"), "--model", fake_encoder.qa_name, "-k", "1"]
    lines = "敦化的外贸进出口目标是多少？\n那社会消费品零售总额呢？\n\n" + "问" * 600 + "\n/new\n那社会消费品零售总额呢？\n/quit\n"
    result = CliRunner().invoke(cli, ["chat", *args], input=lines)
    assert result.exit_code == 0, result.output
    replies = result.stdout.split("? ")
    assert result.stdout.count("理解为：敦化 目标 社会消费品零售总额？") == 1  # the second question only
    assert "理解为" not in replies[-2]  # read alone after /new
    assert "the limit is 500" in result.stderr and "(new topic)" in result.stderr
    assert "**" in result.stdout  # piped: plain Markdown, no colour codes
    assert "\x1b[" not in result.stdout


def test_terminal_reply_colours_the_answer_and_dims_where_it_stands(fake_plan_index, fake_encoder):
    from rich.console import Console

    from qa import Retriever
    from qa.render import to_terminal

    answer = Retriever(fake_plan_index / "index", fake_encoder).answer(
        "那社会消费品零售总额呢？", k=1, history=["敦化的外贸进出口目标是多少？"])
    console = Console(force_terminal=True, color_system="standard", width=200)
    with console.capture() as cap:
        console.print(to_terminal(answer))
    out = cap.get()
    assert "\x1b[1;33m" in out  # the answering sentence, bold yellow
    assert "\x1b[2m" in out  # document and path, dim
    assert "理解为：敦化 目标 社会消费品零售总额？" in out and "**" not in out


def test_qa_eval_reads_conversations_and_reports_them_by_kind(fake_plan_index, tmp_path):
    from qa.cli import cli

    lines = [
        {"turns": ["敦化的机械制造有哪些企业？", "医药方面呢？"], "answers": ["鼓勵凱萊英擴大訂單、滿負荷運轉"], "kind": "ellipsis"},
        {"turns": ["敦化的医药产业集群是什么级别的？", "外贸进出口总额的目标是多少？"], "answers": ["外貿進出口總額達到40億元"], "kind": "switch"},
        {"turns": ["敦化的外贸目标是多少？", "Who won the 2022 FIFA World Cup?"], "answers": [], "kind": "switch-oos"},
    ]
    path = tmp_path / "conversations.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", str(path), "--index", str(fake_plan_index / "index"), "--json", "--details"])
    out = json.loads(result.stdout)
    assert out["kind:ellipsis"]["n"] == 1 and out["kind:switch"]["n"] == 1
    assert out["out_of_scope"]["kind:switch-oos"] == {"n": 1, "answer": 0.0, "uncertain": 0.0, "none": 1.0}  # FIFA is in no document
    assert out["same_as_alone"]["switch"] == {"n": 1, "share": 1.0}
    assert out["details"][0]["understood_as"] == "敦化 企业 医药方面？"
    table = CliRunner().invoke(cli, ["eval", str(path), "--index", str(fake_plan_index / "index")]).stdout
    assert "kind:ellipsis" in table and "switch turns answered as when asked alone: 1.000 of 1" in table


@pytest.mark.corpus
@pytest.mark.slow
def test_conversations_with_the_default_model(tmp_path_factory):
    """The shared conversations over the plan and the national report, as shipped."""
    from qa import Retriever, build_index
    from qa.evaluate import evaluate, load_questions

    root = tmp_path_factory.mktemp("conversations")
    shutil.copytree(DATA, root / "data")
    shutil.copy(NATIONAL, root / "data")
    build_index(root / "data", root / "index")
    result = evaluate(Retriever(root / "index"), load_questions(CONVERSATIONS))
    assert result["same_as_alone"]["switch"]["share"] == 1.0
    assert result["out_of_scope"]["answer"] == 0.0  # an off-topic last turn is never given as the answer
    follow_ups = [d for d in result["details"] if d["kind"] in ("ellipsis", "pronoun")]
    assert all(d["understood_as"] for d in follow_ups)
    assert sum(d["rank"] is not None and d["rank"] <= 3 for d in follow_ups) >= 5  # measured: 6 of 6


@pytest.mark.parametrize("question, searched", [
    ("海南2025年社零增速目标是多少？", "海南2025年社零（社会消费品零售总额）增速目标是多少？"),
    ("浙江GDP增长目标是多少？", "浙江GDP（生产总值）增长目标是多少？"),
    ("今年CPI涨幅目标是多少？", "今年CPI（居民消费价格）涨幅目标是多少？"),
    ("规上工业增加值增长多少？", "规上（规模以上）工业增加值增长多少？"),
    ("社会消费品零售总额（社零）增长多少？", None),  # the full form is there already
    ("What is Zhejiang's GDP growth target?", None),  # English is read by the glossary
    ("社会保障体系有哪些安排？", None),  # no short form: 社 and 零 apart are no term
])
def test_a_report_term_s_short_form_is_read_with_its_full_form(question, searched):
    from qa.conversation import read_question

    reading = read_question(question)
    assert reading.understood == searched
    # in a follow-up too: 「那固投呢？」 asks for 固定资产投资
    assert "固定资产投资" in read_question("那固投呢？", [question]).text
