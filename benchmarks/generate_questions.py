"""Generate TRAINING questions for fitting the abstain model: answerable ones and off-topic ones.

Why: the logistic model that decides whether a retrieved quote answers a
question ("answer"), may answer ("uncertain") or whether nothing in the
library does ("none") needs a few thousand labelled questions, far more than
the hand-written sets hold. Those hand-written sets stay for testing; these
generated ones are for fitting only.

What: from the library index (the Dunhua plan, the national report and the
provincial reports) this picks sentences that state something checkable --
figures and targets, named things (「“两重”」, projects), dates of completion,
lists (「A、B、C等重点领域」), glossary definitions, actions (「推动城市更新」) --
and writes for each a question a user would type, from templates, with
paraphrase (synonyms, the place kept or dropped, the year kept or dropped,
traditional script, English from glossary translations). Each answerable
question's ``answers`` holds the verbatim clause of the paragraph with the fact.

Off-topic questions come from CMRC 2018 (questions about Wikipedia
articles), everyday templates, report-style questions about things the
reports do not cover, the answerable templates for places and years the
library does not have, and English everyday questions.

Everything is drawn from one seeded ``random.Random``, so a run with the same
index and seed writes the same files.

    .venv/bin/python benchmarks/generate_questions.py \
        [--index benchmarks/.work/documents/index] [--out benchmarks/questions/generated] [--seed 20261204]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.bilingual import Glossary  # noqa: E402
from qa.index import load_index  # noqa: E402
from qa.keywords import salience, segmenter, tokenize  # noqa: E402
from qa.places import PROVINCES  # noqa: E402
from qa.text import fold_for_match, fold_script  # noqa: E402

S2T = opencc.OpenCC("s2t")
T2S = opencc.OpenCC("t2s")

#: Questions per document; the plan is short but is what the assistant ships with, so it gets more.
PER_DOC, PER_PLAN = 100, 160
#: Share of questions in traditional script and in English.
P_TRADITIONAL, P_ENGLISH = 0.30, 0.10
#: Off-topic counts by where they come from.
OFFTOPIC_TARGETS = {"cmrc2018": 1200, "everyday": 600, "report-style": 400, "missing-place": 500,
                    "missing-year": 200, "everyday-en": 100, "chit-chat": 200, "chit-chat-en": 60}

# ---------------------------------------------------------------- word lists

#: Mild paraphrase: a question word swapped for one a user might type instead.
SYNONYMS = {
    "提高": ["提升"], "提升": ["提高"], "推进": ["推动"], "推动": ["推进", "促进"], "加快": ["加速"],
    "建设": ["打造"], "打造": ["建设"], "目标": ["预期"], "增长": ["增加", "提高"], "支持": ["扶持"],
    "加强": ["强化"], "强化": ["加强"], "完善": ["健全"], "健全": ["完善"], "实施": ["开展"], "开展": ["实施"],
    "促进": ["推动"], "保障": ["保证"], "扩大": ["增加"], "优化": ["改善"], "企业": ["公司"],
    "农村": ["乡村"], "乡村": ["农村"], "居民": ["老百姓"], "群众": ["老百姓"], "新增": ["增加"],
    "培育": ["培养"], "深化": ["深入推进"], "稳定": ["稳住"], "发展": ["壮大"], "落实": ["执行"],
    "地区生产总值": ["GDP"], "生产总值": ["GDP"], "城镇": ["城市"], "开工": ["动工"], "建成": ["完工"],
}
#: Verbs that open an action clause (「推动城市更新」): the clause says what will be done.
ACTION_VERBS = ("推进 推动 加快 实施 建设 打造 提升 提高 深化 发展 培育 完善 强化 扩大 支持 促进 优化 落实 开展 "
                "加强 健全 构建 保障 巩固 推行 推广 建立 创建 引进 实现 深入实施 大力发展 持续推进 全面推进 "
                "稳定 做好 抓好 办好 健全完善 统筹 发挥 壮大 改善 保护 治理 整治 规范 鼓励 引导").split()
#: Words before an action verb that say how hard, not what: skipped to find the verb.
ADVERBS = ("加快 大力 持续 积极 全力 着力 深入 全面 进一步 扎实 稳步 有序 切实 不断 继续 更好 坚决 统筹 "
           "力争 确保 努力 加速 有效 重点 主动 高标准 高质量 全方位 高水平 常态化 坚持 同时 此外 今年 全年 "
           "一是 二是 三是 四是 五是 六是 七是 八是 九是 十是 我们 要 将 著力 争取 预计").split()
#: Verbs right before a figure, with how a user asks about them.
FIGURE_VERBS = {
    "增长": "增长多少", "增速": "增速是多少", "达到": "要达到多少", "达": "达到多少", "提高到": "提高到多少",
    "提高": "提高多少", "下降": "下降多少", "降低": "降低多少", "控制在": "控制在多少", "保持在": "保持在多少",
    "稳定在": "稳定在多少", "新增": "新增多少", "完成": "完成多少", "安排": "安排多少", "拟安排": "拟安排多少",
    "超过": "超过多少", "突破": "突破多少", "实现": "实现多少", "增加": "增加多少", "减少": "减少多少",
    "建成": "建成多少", "新建": "新建多少", "改造": "改造多少", "培育": "培育多少", "引进": "引进多少",
    "发行": "发行多少", "投资": "投资多少", "实施": "实施多少", "开工": "开工多少",
}
_NUMBER = r"\d+(?:\.\d+)?(?:\s*[至到~-]\s*\d+(?:\.\d+)?)?"
_UNIT = (r"(?:%|％|个百分点|万亿元|亿元|万元|元|亿美元|万人次|亿人次|万人|人|万辆|辆|万吨|吨|亿斤|万亩|亩|"
         r"公里|千米|万千瓦|千瓦|个|项|家|所|座|条|套|户|万户|张|次|倍|万套|万平方米|平方米|年)")
FIGURE = re.compile(rf"({_NUMBER})\s*{_UNIT}")
#: Things with a name that a user would ask about by name.
PROJECT_ENDS = ("项目", "工程", "产业园", "园区", "示范区", "试验区", "中心", "基地", "电站", "铁路", "高速公路", "机场",
                "通道", "枢纽", "行动", "计划", "走廊", "新区")
#: 「年内开工」: when a named thing is to be done.
WHEN = re.compile(r"(年内|年底前|年底|上半年|下半年|今年|\d{4}年(?:底|前|内)?)\s*(?:全面|基本|如期|顺利)?"
                  r"(开工|建成|竣工|投产|投用|投入使用|完工|开通|通车|运营|开放|完成|落地)")
#: A glossary entry: 「18．农业龙头企业“三个全覆盖”：国家级…」.
DEFINITION = re.compile(r"^\s*\d+\s*[．.、]\s*([^：:]{2,24})[：:]\s*(.+)$", re.S)
#: 「A、B、C等重点领域」: the noun after 等 names what the list is of.
LISTING = re.compile(r"(?:[^，、；。]{1,12}、){2,}[^，、；。]{1,12}等([\u4e00-\u9fff]{2,6})")
#: Words too general to make a question about (「坚持」「工作」).
GENERIC = set("""坚持 工作 方面 全面 进一步 持续 重点 加快 推动 推进 大力 积极 着力 深入 更加 不断 全力 有效 扎实 水平
    能力 体系 机制 作用 一批 一体 力争 确保 实现 开展 加强 提升 提高 建设 发展 高质量 新 大 好 年 今年 全年 去年 全省 全市
    全区 全国 我们 同时 继续 以上 左右 累计 其中 分别 达到 增长 突破 超过 完成 新增 一是 二是 三是 四是 五是 六是 七是 八是
    主要 相关 各类 各项 不少 重要 深化 总 统筹 积极稳妥 扎实推进 稳步 加速 这 过去 一年 大力发展 下功夫""".split())
#: English for common policy words; the glossary (CC-CEDICT read backwards) is the fallback.
EN = {
    "粮食": "grain", "产量": "output", "地区生产总值": "GDP", "生产总值": "GDP", "增长": "growth", "城镇": "urban",
    "就业": "jobs", "新增": "new", "居民": "residents", "收入": "income", "消费": "consumption", "投资": "investment",
    "项目": "projects", "制造业": "manufacturing", "旅游": "tourism", "文旅": "culture and tourism", "养老": "elderly care",
    "养老金": "pension", "医疗": "medical care", "教育": "education", "住房": "housing", "农村": "rural", "乡村": "rural",
    "振兴": "revitalization", "乡村振兴": "rural revitalization", "改革": "reform", "开放": "opening up", "外贸": "foreign trade",
    "进出口": "imports and exports", "出口": "exports", "科技": "science and technology", "创新": "innovation",
    "企业": "enterprises", "民营": "private", "民营经济": "private economy", "数字": "digital", "经济": "economy",
    "城市": "urban", "更新": "renewal", "城市更新": "urban renewal", "生态": "ecological", "环境": "environment",
    "保护": "protection", "碳": "carbon", "排放": "emissions", "能源": "energy", "新能源": "new energy",
    "汽车": "vehicles", "新能源汽车": "new energy vehicles", "交通": "transport", "铁路": "railway", "高速公路": "expressway",
    "公路": "roads", "机场": "airport", "港口": "port", "物流": "logistics", "人才": "talent", "高校": "universities",
    "毕业生": "graduates", "社会": "social", "保险": "insurance", "社会保险": "social insurance", "财政": "fiscal",
    "赤字": "deficit", "赤字率": "deficit ratio", "专项债": "special-purpose bonds", "债券": "bonds", "国债": "treasury bonds",
    "零售": "retail", "总额": "total", "社会消费品": "consumer goods", "固定资产": "fixed-asset", "工业": "industrial",
    "增加值": "value added", "规上": "large", "服务业": "services", "农业": "agriculture", "农民": "farmers",
    "耕地": "farmland", "高标准农田": "high-standard farmland", "农田": "farmland", "水利": "water conservancy",
    "安全": "safety", "生产": "production", "食品": "food", "药品": "drugs", "健康": "health", "医院": "hospitals",
    "医药": "pharmaceutical", "产业": "industry", "集群": "clusters", "园区": "industrial parks", "招商": "investment promotion",
    "营商环境": "business environment", "政务": "government", "服务": "services", "文化": "culture", "体育": "sports",
    "冰雪": "ice and snow", "电站": "power station", "抽水蓄能": "pumped storage", "储能": "energy storage",
    "光伏": "solar power", "风电": "wind power", "电力": "power", "装机": "installed capacity", "人口": "population",
    "育儿": "childcare", "托育": "childcare", "生育": "childbirth", "补贴": "subsidies", "社区": "community",
    "老年人": "the elderly", "残疾人": "people with disabilities", "学校": "schools", "义务教育": "compulsory education",
    "职业教育": "vocational education", "人工智能": "artificial intelligence", "数据": "data", "算力": "computing power",
    "平台": "platforms", "金融": "finance", "风险": "risks", "防范": "preventing", "债务": "debt", "房地产": "real estate",
    "市场": "market", "对外开放": "opening up", "自贸": "free trade", "自由贸易": "free trade", "跨境": "cross-border",
    "电商": "e-commerce", "外资": "foreign investment", "研发": "R&D", "投入": "spending", "专利": "patents",
    "森林": "forest", "覆盖率": "coverage", "空气": "air", "质量": "quality", "污染": "pollution", "治理": "governance",
    "水": "water", "河湖": "rivers and lakes", "黑土地": "black soil", "大豆": "soybeans", "肉牛": "beef cattle",
    "中药材": "medicinal herbs", "人参": "ginseng", "夜间经济": "night-time economy", "扶持": "support", "政策": "policies",
    "民生": "people's livelihoods", "低收入": "low-income", "救助": "assistance", "困难群众": "people in need",
    "退役军人": "veterans", "农民工": "migrant workers", "工资": "wages", "最低": "minimum", "标准": "standard",
    "基础": "basic", "设施": "infrastructure", "基础设施": "infrastructure", "新型": "new", "城镇化": "urbanization",
    "县域": "county", "海洋": "marine", "航运": "shipping", "航空": "aviation", "低空经济": "low-altitude economy",
    "消费品": "consumer goods", "以旧换新": "trade-in", "设备": "equipment", "技术": "technology", "改造": "upgrading",
    "数字化": "digital", "转型": "transformation", "绿色": "green", "低碳": "low-carbon", "节能": "energy saving",
    "调查失业率": "surveyed unemployment rate", "失业率": "unemployment rate", "游客": "tourists",
    "接待": "receive", "游客数量": "tourist numbers", "旅游收入": "tourism revenue", "一般公共预算": "general public budget",
    "预算": "budget", "财政收入": "fiscal revenue", "税收": "tax revenue", "进出口总额": "total imports and exports",
    "外贸进出口": "foreign trade", "社会消费品零售总额": "retail sales of consumer goods", "固定资产投资": "fixed-asset investment",
    "工业增加值": "industrial value added", "规模以上工业增加值": "industrial value added", "规上工业增加值": "industrial value added", "农作物": "crops",
    "粮食产量": "grain output", "播种面积": "sown area", "畜牧业": "animal husbandry", "奶业": "dairy", "种业": "seed industry",
    "渔业": "fisheries", "林业": "forestry", "造林": "afforestation", "草原": "grasslands", "湿地": "wetlands",
    "保障性住房": "affordable housing", "城中村": "urban villages", "老旧小区": "old residential areas",
    "电梯": "elevators", "停车": "parking", "地铁": "subway", "轨道交通": "rail transit", "高铁": "high-speed rail",
    "航线": "air routes", "中欧班列": "China-Europe freight trains", "口岸": "ports of entry", "自贸试验区": "pilot free trade zone",
    "开发区": "development zones", "高新区": "high-tech zones", "孵化器": "incubators", "实验室": "laboratories",
    "重点实验室": "key laboratories", "高新技术企业": "high-tech enterprises", "科技型中小企业": "tech-based SMEs",
    "中小企业": "small and medium-sized enterprises", "专精特新": "specialized and innovative", "机器人": "robots",
    "生物医药": "biomedicine", "新材料": "new materials", "半导体": "semiconductors", "集成电路": "integrated circuits",
    "软件": "software", "大数据": "big data", "云计算": "cloud computing", "互联网": "internet", "5G": "5G",
    "基站": "base stations", "充电桩": "charging piles", "氢能": "hydrogen energy", "核电": "nuclear power",
    "水电": "hydropower", "煤炭": "coal", "天然气": "natural gas", "石油": "oil", "电网": "power grid",
    "幼儿园": "kindergartens", "托育服务": "childcare services", "养老服务": "elderly care services", "医保": "medical insurance",
    "基本养老金": "basic pension", "医疗机构": "medical institutions", "公立医院": "public hospitals", "疾控": "disease control",
    "文物": "cultural relics", "博物馆": "museums", "演出": "performances", "赛事": "sports events", "景区": "scenic spots",
    "乡村旅游": "rural tourism", "民宿": "homestays", "酒店": "hotels", "餐饮": "catering", "消费券": "consumption vouchers",
    "普惠": "inclusive", "信贷": "credit", "贷款": "loans", "上市公司": "listed companies", "国企": "state-owned enterprises",
    "国有企业": "state-owned enterprises", "民营企业": "private enterprises", "外资企业": "foreign-funded enterprises",
    "营商": "business", "审批": "approvals", "政务服务": "government services", "安全生产": "work safety",
    "应急": "emergency response", "防汛": "flood control", "森林防火": "forest fire prevention", "生态修复": "ecological restoration",
    "污水": "sewage", "垃圾": "garbage", "秸秆": "straw", "黑土地保护": "black soil protection", "退耕还林": "returning farmland to forest",
    "人均": "per capita", "可支配收入": "disposable income", "物价": "prices", "居民消费价格": "consumer prices",
    "失业率": "unemployment rate", "调查失业率": "surveyed unemployment rate", "单位": "per unit", "能耗": "energy consumption",
}
#: The verb of an action clause in English.
VERB_EN = {"推进": "advance", "推动": "promote", "加快": "speed up", "实施": "implement", "建设": "build", "打造": "build",
           "提升": "improve", "提高": "raise", "深化": "deepen", "发展": "develop", "培育": "foster", "完善": "improve",
           "强化": "strengthen", "扩大": "expand", "支持": "support", "促进": "promote", "优化": "optimize",
           "落实": "implement", "开展": "carry out", "加强": "strengthen", "健全": "improve", "构建": "build",
           "保障": "safeguard", "巩固": "consolidate", "推广": "promote", "建立": "set up", "引进": "attract",
           "壮大": "grow", "改善": "improve", "保护": "protect", "治理": "tackle", "鼓励": "encourage", "做好": "handle"}

# ---------------------------------------------------------------- documents


@dataclass
class Doc:
    """One document of the library, with how a user names its place."""

    source: str
    title: str
    places: list[str]  # as typed in a question, short form first; "" for the national report
    place_en: str
    national: bool = False
    plan: bool = False


def describe(source: str, title: str) -> Doc:
    """The place a document is about, from its file name: 「2025年山东省政府工作报告.docx」 → 山东."""
    stem = Path(source).stem
    if "国务院" in stem:
        return Doc(source, title, ["全国", "国家", "我国"], "China", national=True)
    if not re.search("政府工作报告", stem):  # the shipped plan: an article about Dunhua
        return Doc(source, title, ["敦化", "敦化市"], "Dunhua", plan=True)
    full = re.sub(r"^\d{4}年|政府工作报告$", "", stem)
    short = next(p for p in PROVINCES if full.startswith(p))
    return Doc(source, title, list(dict.fromkeys([short, full])), PROVINCES[short].title())


def is_review(path: list[str]) -> bool:
    """Whether a paragraph looks back at last year (its figures are results, not targets)."""
    return any(re.search(r"回顾|过去|2024\s*年工作|牢记殷殷嘱托", h) for h in path[:1])


def simplified(text: str) -> str:
    """Simplified script and half-width, case kept (fold_script lowers, which would turn GDP into gdp)."""
    return T2S.convert(unicodedata.normalize("NFKC", text))


# ---------------------------------------------------------------- candidate facts


@dataclass
class Fact:
    """Something checkable a sentence says, with the slots its question templates need."""

    kind: str  # figure, action, topic, named, project, when, listing, definition
    doc: Doc
    sentence: str  # original script
    answer: str  # verbatim from the paragraph
    review: bool
    slots: dict = field(default_factory=dict)


_CLAUSE = re.compile(r"[^，,：:；;。！？]+[，,：:；;。！？]?")
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")


def clauses(sentence: str) -> list[tuple[int, int]]:
    """Spans of a sentence's clauses (split at commas and colons), punctuation kept with the clause."""
    return [m.span() for m in _CLAUSE.finditer(sentence) if m.group().strip()]


def answer_around(sentence: str, spans: list[tuple[int, int]], i: int, j: int | None = None) -> str:
    """Clauses i..j of a sentence, widened to the next clause while shorter than 6 characters, without end punctuation."""
    j = i if j is None else j
    while j + 1 < len(spans) and len(sentence[spans[i][0] : spans[j][1]].strip("，,：:；;。！？ ")) < 10:
        j += 1
    return sentence[spans[i][0] : spans[j][1]].strip().rstrip("，,：:；;。！？")


def words_of(text: str) -> list[str]:
    """Content words of a piece of text, in order: jieba tokens, less numbers, one-character words and generic words."""
    return [t for t in tokenize(text) if len(t) >= 2 and not re.search(r"\d", t) and t not in GENERIC]


def span_of(text: str, tokens: list[str]) -> str:
    """The stretch of ``text`` (simplified) from the first token to the last, so particles (的) between stay."""
    low = text.lower()
    start = low.find(tokens[0])
    end = low.find(tokens[-1], max(start, 0))
    if start < 0 or end < 0:
        return "".join(tokens)
    return text[start : end + len(tokens[-1])]


def strip_lead(tokens: list[str]) -> list[str]:
    """Drop the adverbs and sequence words a clause opens with (「加快推动」 → 推动…)."""
    while tokens and (tokens[0] in ADVERBS or re.fullmatch(r"[一二三四五六七八九十]+是", tokens[0])):
        tokens = tokens[1:]
    return tokens


def facts_in(doc: Doc, para, places: list[str]) -> list[Fact]:
    """Every checkable thing in a paragraph, as facts with slots for templates."""
    out: list[Fact] = []
    review = is_review(para.path)
    m = DEFINITION.match(para.text) if para.path and re.search("名词|附件", para.path[0]) else None
    if m:
        term = m.group(1).strip()
        body = m.group(2)
        first = _SENTENCE.match(body).group().rstrip("。；;")
        ans = first[:60] if len(first) >= 6 else body[:60]
        if len(words_of(term)) >= 1 and len(ans) >= 6:
            out.append(Fact("definition", doc, para.text, ans, review, {"term": simplified(term)}))
        return out
    for sm in _SENTENCE.finditer(para.text):
        sentence = sm.group().strip()
        if len(sentence) < 12:
            continue
        out += facts_in_sentence(doc, sentence, review, places)
    return out


def tagged(text: str) -> list[tuple[str, str]]:
    """jieba words with their part of speech, for telling the thing counted from the verb."""
    segmenter()  # initialised quietly
    import jieba.posseg

    return [(w, f) for w, f in jieba.posseg.lcut(text)]


#: Words jieba tags as verbs or adverbs that name what is counted (「增速」「占比」).
NOUN_WORDS = set("增速 增幅 比重 占比 总量 规模 国内 覆盖率 贡献率 产量 总额 收入 面积 可 排放 碳排放 储能 蓄能".split())


def nounish(word: str, flag: str) -> bool:
    """Whether a word can be part of a noun phrase: nouns, verbal nouns, abbreviations, attributives."""
    if word in ADVERBS or word in PERSONS:
        return False
    return word in NOUN_WORDS or flag.startswith("n") or flag in ("vn", "j", "an", "b", "s", "eng")


def noun_run(words: list[tuple[str, str]], start: int, step: int, limit: int = 4) -> list[str]:
    """The nouns from ``start`` on, forwards (step 1) or backwards (step -1), in text order."""
    run = []
    i = start
    while 0 <= i < len(words) and len(run) < limit and nounish(*words[i]):
        run.append(words[i][0])
        i += step
    return run if step == 1 else run[::-1]


def skip_adverbs(words: list[tuple[str, str]]) -> int:
    """Index of the first word after a clause's adverbs and sequence words (「一是加快推动」 → 推动)."""
    i = 0
    while i < len(words) and (words[i][0] in ADVERBS or words[i][1] in ("d", "ad", "c", "x", "m")
                              or re.fullmatch(r"[一二三四五六七八九十]+是", words[i][0])):
        i += 1
    if i + 1 < len(words) and words[i][0] in ("加快", "大力", "持续", "全力", "着力") and words[i + 1][1].startswith("v"):
        i += 1  # 「加快推动」: the second verb says what
    return i


def good_phrase(words: list[str], places: list[str], min_chars: int = 3) -> bool:
    """A noun phrase worth asking about: long enough, not only general words or places."""
    text = "".join(words)
    return len(text) >= min_chars and any(w not in GENERIC and w not in places and len(w) >= 2 for w in words)


#: Names a question would not be about (they open many sentences).
PERSONS = set("习近平 总书记 党中央 习近平总书记 同志 我们 各位 代表".split())


def facts_in_sentence(doc: Doc, sentence: str, review: bool, places: list[str]) -> list[Fact]:
    """The facts one sentence states: figures, actions, named things, dates, lists, and its topic."""
    out: list[Fact] = []
    spans = clauses(sentence)
    simple = simplified(sentence)

    def fact(kind, i, j=None, **slots):
        ans = answer_around(sentence, spans, i, j)
        if len(ans) >= 6:
            out.append(Fact(kind, doc, sentence, ans, review, slots))

    for i, (a, b) in enumerate(spans):
        clause = simple[a:b]
        words = tagged(clause)
        # A figure: the nouns right before the number say what is counted, a verb how it moves.
        fm = FIGURE.search(clause)
        if fm:
            before = tagged(clause[: fm.start()])
            k = len(before)
            tail = []
            while k > 0 and (not nounish(*before[k - 1]) or before[k - 1][0] in FIGURE_VERBS):
                tail.insert(0, before[k - 1][0])
                k -= 1
            ind = noun_run(before, k - 1, -1)
            while ind and (ind[0] in places or ind[0] in GENERIC or len(ind[0]) == 1):
                ind = ind[1:]  # 「全省」「山东」 are the place, asked separately
            verb = next((t for t in tail if t in FIGURE_VERBS), "")
            first = k - len(ind) - 1  # the word before the noun phrase: 「开工建设」 in 「开工建设保障性住房7725套」
            pre = before[first][0] if 0 <= first < len(before) and before[first][1].startswith("v") else ""
            after = noun_run(tagged(clause[fm.end():]), 0, 1)
            if after and good_phrase(after, places, 4):  # 「挂牌…2个国家区域医疗中心」: what is counted follows
                k0 = skip_adverbs(words)
                ind, verb = after, ""
                pre = words[k0][0] if k0 < len(words) and words[k0][1].startswith("v") else ""
            if ind and good_phrase(ind, places, 4) and (verb or pre or tail == []):
                fact("figure", i, ind="".join(ind), verb=verb, pre=pre if not verb else "", words=ind)
        # An action: 「推动城市更新再提速」 → verb 推动, object 城市更新.
        k = skip_adverbs(words)
        if k < len(words) and words[k][0] in ACTION_VERBS and not fm:
            obj = noun_run(words, k + 1, 1, 3)
            cut = next((n for n, w in enumerate(obj[:-1]) if w in ACTION_VERBS), None)
            obj = obj[:cut] if cut else obj  # 「在沈阳建设国家…」: 建设 opens another action
            last = dict(words).get(obj[-1], "") if obj else ""
            if obj and len(obj[-1]) >= 2 and last not in ("b", "s") and good_phrase(obj, places, 3):
                fact("action", i, verb=words[k][0], obj="".join(obj), words=[words[k][0], *obj])
        # Named in quotes: 「“两重”」「“制造指数”」, or a book title 《…》.
        for q in re.findall(r"[“\"「《]([^”\"」》]{2,16})[”\"」》]", clause):
            if words_of(q) and not re.fullmatch(r"[\d\W]+", q) and q not in places:
                fact("named", i, name=q, book=f"《{q}》" in clause, words=words_of(q))
        # A named project or plan: the nouns before 项目/工程/…, not in a list.
        for k, (w, _) in enumerate(words):
            if w in PROJECT_ENDS and "、" not in clause:
                name = noun_run(words, k - 1, -1, 3) + [w]
                if len(name) >= 2 and good_phrase(name[:-1], places, 2) and not re.search(r"\d", "".join(name)):
                    fact("project", i, name="".join(name), words=name)
                break
        # When something is to be done: 「大沟河抽蓄项目年内开工」.
        wm = WHEN.search(clause)
        if wm:
            before = tagged(clause[: wm.start()])
            obj = []
            for w, f in reversed(before):  # back to the verb or the comma: 「确保大沟河、塔拉河抽蓄项目」 → 塔拉河抽蓄项目
                if f in ("x", "v", "d", "ad", "p", "c") or w in ADVERBS or len(obj) == 5:
                    break
                obj.insert(0, w)
            if obj and good_phrase(obj, places, 4):
                fact("when", i, obj="".join(obj), verb=wm.group(2), words=[*obj, wm.group(2)])
        # A list: 「围绕集成电路、工业母机、新能源等重点领域」: the nouns after 等 say what it lists.
        at = next((k for k, (w, _) in enumerate(words) if w == "等"), None)
        if at is not None and clause.count("、") >= 2:
            head = noun_run(words, at + 1, 1, 3)
            k = skip_adverbs(words)
            verb = words[k][0] if k < at and words[k][0] in ACTION_VERBS + ["围绕", "聚焦", "布局"] else ""
            if head and good_phrase(head, places, 3):
                fact("listing", i, head="".join(head), verb=verb, words=[*head, verb] if verb else head)
    # The sentence's topic: its 2-3 weightiest nouns, for 「关于…报告怎么说」.
    nouns = [w for w, f in tagged(simple) if f in ("n", "nz", "vn", "j", "nt", "nl", "nr", "eng") and len(w) >= 2
             and w not in GENERIC and w not in places and w not in PERSONS and w not in ADVERBS and not re.search(r"\d", w)
             and w in segmenter().dt.FREQ]  # dictionary words: jieba's guesses (「渔治碱」「淖尔」) make odd topics
    nouns = list(dict.fromkeys(nouns))
    if len(nouns) >= 2:
        top = sorted(nouns, key=lambda w: -salience(w))[:3]
        kws = [w for w in nouns if w in top]
        best = max(range(len(spans)), key=lambda k: sum(w in simple[spans[k][0] : spans[k][1]] for w in kws))
        fact("topic", best, kws=kws, words=kws)
    return out


# ---------------------------------------------------------------- templates

#: Chinese templates by kind: (name, pattern). Slots: {p} place, {y} year, {ind} {verb} {obj} {kw1} {kw2} {name} {head} {term}.
TEMPLATES = {
    "figure": [
        ("figure-target", "{p}{y}{ind}目标是多少？"),
        ("figure-verb", "{p}{y}{ind}{ask}？"),
        ("figure-plain", "{ind}{ask}？"),
        ("figure-howmuch", "{p}{y}{ind}有多少？"),
        ("figure-plan", "{p}{y}{ind}计划{ask}？"),
    ],
    "figure-review": [
        ("figure-done", "{p}{y}{ind}{ask}？"),
        ("figure-done-le", "{y}{p}{ind}是多少？"),
        ("figure-done-plain", "{ind}{ask}？"),
    ],
    "action": [
        ("action-how", "{p}怎样{verb}{obj}？"),
        ("action-how2", "{p}如何{verb}{obj}？"),
        ("action-measures", "{verb}{obj}有哪些措施？"),
        ("action-plan", "{p}{y}在{obj}方面有什么安排？"),
        ("action-what", "{p}打算怎么{verb}{obj}？"),
    ],
    "topic": [
        ("topic-about", "关于{kw1}和{kw2}，报告怎么说？"),
        ("topic-measures", "{p}在{kw1}和{kw2}方面有什么举措？"),
        ("topic-keywords", "{p} {kw1} {kw2}"),
        ("topic-what", "{p}对{kw1}、{kw2}有什么要求？"),
    ],
    "named": [
        ("named-what", "“{name}”是什么？"),
        ("named-meaning", "{p}提出的“{name}”指什么？"),
        ("named-plan", "{name}有什么安排？"),
        ("named-about", "报告里怎么说{name}的？"),
    ],
    "project": [
        ("project-plan", "{p}{name}有什么安排？"),
        ("project-progress", "{name}进展怎么样？"),
        ("project-what", "{p}{y}{name}要做什么？"),
    ],
    "when": [
        ("when-time", "{obj}什么时候{verb}？"),
        ("when-plan", "{p}{obj}计划何时{verb}？"),
    ],
    "listing": [
        ("listing-which", "{p}{verb}哪些{head}？"),
        ("listing-include", "{p}{head}包括哪些？"),
    ],
    "definition": [
        ("definition-what", "{term}是什么意思？"),
        ("definition-whatis", "什么是{term}？"),
        ("definition-refers", "{p}报告里的{term}指的是什么？"),
    ],
}
#: English templates by kind; {P} is the place's English name.
TEMPLATES_EN = {
    "figure": [("en-figure-target", "What is the target for {ind} in {P} in 2025?"),
               ("en-figure-howmuch", "How much {ind} is planned in {P} this year?")],
    "figure-review": [("en-figure-done", "What was {P}'s {ind} in 2024?"),
                      ("en-figure-done2", "How much {ind} did {P} achieve last year?")],
    "action": [("en-action-how", "How will {P} {verb} {obj}?"),
               ("en-action-plan", "What are {P}'s plans to {verb} {obj}?")],
    "topic": [("en-topic-about", "What does the {P} report say about {kw1} and {kw2}?"),
              ("en-topic-measures", "What measures are there for {kw1} and {kw2} in {P}?")],
}


def synonymise(text: str, rng: random.Random) -> str:
    """Swap one word for a synonym: 「推动城市更新」 → 「推进城市更新」."""
    found = [w for w in SYNONYMS if w in text]
    if not found:
        return text
    w = rng.choice(found)
    return text.replace(w, rng.choice(SYNONYMS[w]), 1)


def year_words(doc: Doc, review: bool) -> list[str]:
    """How a user names the year a fact is about; the plan is undated."""
    if doc.plan:
        return [""]
    return ["2024年", "去年"] if review else ["2025年", "今年"]


def render_zh(fact: Fact, rng: random.Random, place: str | None = None, year: str | None = None) -> tuple[str, str] | None:
    """A Chinese question for a fact, with a random template, place and year (both may be given, for off-topic variants)."""
    kind = "figure-review" if fact.kind == "figure" and fact.review else fact.kind
    name, pattern = rng.choice(TEMPLATES[kind])
    s = {k: v for k, v in fact.slots.items() if isinstance(v, str)}
    if place is None:  # keep the place six times in ten, as users often leave it out
        place = rng.choice(fact.doc.places) if rng.random() < 0.6 else ""
    if year is None:
        year = rng.choice(year_words(fact.doc, fact.review)) if rng.random() < 0.5 else ""
    if kind.startswith("figure"):
        s["ask"] = FIGURE_VERBS.get(s["verb"], "是多少") if s["verb"] else "是多少"
        if s["pre"] and (rng.random() < 0.5 or name in ("figure-plain", "figure-howmuch", "figure-done-plain", "figure-verb")):  # 「开工建设保障性住房7725套」 → 开工建设了多少保障性住房
            name, pattern = ("figure-count", "{p}{y}{pre}了多少{ind}？" if fact.review else "{p}{y}要{pre}多少{ind}？")
        if s["ind"].endswith(("目标", "预期")):
            pattern = pattern.replace("目标是多少", "是多少").replace("计划{ask}", "是多少")
        if s["ind"] in ("地区生产总值", "生产总值", "国内生产总值") and rng.random() < 0.4:
            s["ind"] = rng.choice(["GDP", "经济总量"])
    if kind == "topic":
        kws = s.get("kws") or fact.slots["kws"]
        kws = list(kws) + [""]
        s.update(kw1=kws[0], kw2=kws[1], kw3=kws[2] if len(kws) > 2 else "")
    if kind == "listing" and not s["verb"]:
        name, pattern = TEMPLATES["listing"][1]
    if kind == "named" and fact.slots.get("book"):
        pattern = pattern.replace("“{name}”", "《{name}》")
    if not place:  # 「提出的…」 with no one who proposed it reads badly
        pattern = pattern.replace("{p}提出的", "").replace("{p}报告里的", "")
    elif "{p}" not in pattern and not pattern.startswith(("什么", "关于", "报告", "如何", "怎样", "在")) and rng.random() < 0.5:
        pattern = "{p}" + pattern
    if rng.random() < 0.35:  # paraphrase the template's own words or the verb, never inside a name
        if "verb" in s and s["verb"] in SYNONYMS and rng.random() < 0.6:
            s["verb"] = rng.choice(SYNONYMS[s["verb"]])
        else:
            pattern = synonymise(pattern, rng)  # slot names are ASCII, so only the template's words change
    q = pattern.format(p=place, y=year, **s)
    q = re.sub(r"\s+", " ", q).strip()
    return name, q


def english(words: list[str]) -> str | None:
    """English for Chinese words from the hand list, longest phrase first (「城镇」「调查失业率」); None if one is missing.

    Read backwards, the glossary gives 「调查」 → "poll" and 「推进」 → "impel", so it only
    checks the finished question (:func:`render_en`)."""
    parts, i = [], 0
    while i < len(words):
        for j in range(len(words), i, -1):
            if "".join(words[i:j]) in EN:
                parts.append(EN["".join(words[i:j])])
                i = j
                break
        else:
            return None
    return " ".join(dict.fromkeys(parts))


def render_en(fact: Fact, rng: random.Random, glossary: Glossary) -> tuple[str, str] | None:
    """An English question for a fact, or None when a key word has no translation."""
    kind = "figure-review" if fact.kind == "figure" and fact.review else fact.kind
    if kind not in TEMPLATES_EN:
        return None
    s = fact.slots
    if kind.startswith("figure"):
        ind = english(s["words"])
        if ind is None:
            return None
        slots = {"ind": ind + (" growth" if s["verb"] in ("增长", "增速") and "growth" not in ind else "")}
    elif kind == "action":
        obj = english(s["words"][1:])
        verb = VERB_EN.get(s["verb"])
        if verb is None or obj is None:
            return None
        slots = {"verb": verb, "obj": obj}
    else:
        kws = [english([w]) for w in s["kws"][:2]]
        if None in kws or kws[0] == kws[1]:
            return None
        slots = {"kw1": kws[0], "kw2": kws[1]}
    name, pattern = rng.choice(TEMPLATES_EN[kind])
    place = fact.doc.place_en
    if fact.doc.national and "report" in pattern:
        place = "national government work"
    q = pattern.format(P=place, **slots)
    # The question must map back onto the sentence's words, or it asks about something else.
    back = glossary.chinese(q)
    if not any(any(b in w or w in b for b in back) for w in s["words"]):
        return None
    return name, q[0].upper() + q[1:]


# ---------------------------------------------------------------- quality checks


def too_close(question: str, sentence: str) -> bool:
    """Whether a question copies its sentence: a long shared run, or most of the question."""
    q = fold_for_match(question)
    s = fold_for_match(sentence)
    m = SequenceMatcher(None, q, s, autojunk=False).find_longest_match(0, len(q), 0, len(s))
    return m.size >= 14 or (len(q) >= 8 and m.size >= 0.85 * len(q))


def degenerate(question: str) -> bool:
    """Fewer than two content words (「有多少？」)."""
    return len(words_of(fold_script(question))) < 2 if re.search(r"[\u4e00-\u9fff]", question) else len(re.findall(r"[A-Za-z]{3,}", question)) < 5


# ---------------------------------------------------------------- answerable


def answerable(index, rng: random.Random, glossary: Glossary, seen: set[str]) -> tuple[list[dict], list[Fact]]:
    """About PER_DOC questions per document (PER_PLAN for the plan), spread over kinds of fact."""
    docs: dict[str, Doc] = {}
    by_doc: dict[str, list[Fact]] = defaultdict(list)
    all_places = sorted({pl for s in {p.source for p in index.paragraphs}
                         for pl in describe(s, index.manifest.title(s)).places} | set(PROVINCES), key=len, reverse=True)
    for p in index.paragraphs:
        doc = docs.setdefault(p.source, describe(p.source, index.manifest.title(p.source)))
        by_doc[p.source] += facts_in(doc, p, all_places)
    # Balance kinds: figures and actions are what users ask most, topics fill the rest.
    weights = {"figure": 0.15, "figure-review": 0.11, "action": 0.2, "topic": 0.16, "named": 0.1, "project": 0.08, "when": 0.06,
               "listing": 0.06, "definition": 0.08}
    rows: list[dict] = []
    facts_all: list[Fact] = []
    for source in sorted(by_doc):
        doc, facts = docs[source], by_doc[source]
        facts_all += facts
        target = PER_PLAN if doc.plan else PER_DOC
        per_sentence = 8 if doc.plan else 2
        kinds = defaultdict(list)
        for f in facts:  # targets and results drawn apart, so results (more numerous) do not crowd out targets
            kinds["figure-review" if f.kind == "figure" and f.review else f.kind].append(f)
        for k in kinds:
            rng.shuffle(kinds[k])
        used: Counter = Counter()
        made = english_made = 0
        tries = 0
        while made < target and tries < target * 60 and any(kinds.values()):
            tries += 1
            kind = rng.choices(list(weights), weights=list(weights.values()))[0]
            if not kinds.get(kind):
                continue
            f = kinds[kind].pop() if not doc.plan or rng.random() < 0.5 else rng.choice(kinds[kind])
            if used[f.sentence] >= per_sentence:
                continue
            row = question_for(f, rng, glossary, want_en=english_made < target * P_ENGLISH)
            if row is None or fold_for_match(row["q"]) in seen:
                continue
            seen.add(fold_for_match(row["q"]))
            used[f.sentence] += 1
            rows.append(row)
            made += 1
            english_made += row["lang"] == "en"
    return rows, facts_all


def question_for(f: Fact, rng: random.Random, glossary: Glossary, want_en: bool) -> dict | None:
    """One answerable question for a fact: English while the document has too few (where it translates), else Chinese."""
    made = None
    lang = "zh-Hans"
    if want_en:  # only some facts translate, so try each until the share is reached
        made = render_en(f, rng, glossary)
        lang = "en"
    if made is None:
        made = render_zh(f, rng)
        lang = "zh-Hans"
        if made and rng.random() < P_TRADITIONAL:
            made = (made[0], S2T.convert(made[1]))
            lang = "zh-Hant"
    if made is None:
        return None
    template, q = made
    if too_close(q, f.sentence) or degenerate(q):
        return None
    assert f.answer in f.sentence
    return {"q": q, "answers": [f.answer], "source": f.doc.source, "lang": lang, "kind": "generated", "template": template}


# ---------------------------------------------------------------- off-topic

#: Names that would tie a question to the library (skipped in borrowed off-topic questions).
LIBRARY_WORDS = ["政府工作报告", "政府工作", "敦化", "国务院", "总理", *PROVINCES]

EVERYDAY = {
    "cooking": (["怎么做{x}？", "{x}的家常做法是什么？", "做{x}需要哪些材料？", "{x}要煮多久？", "{x}怎么做才好吃？"],
                "红烧肉 糖醋排骨 宫保鸡丁 麻婆豆腐 西红柿炒鸡蛋 可乐鸡翅 酸菜鱼 水煮鱼 回锅肉 鱼香肉丝 饺子 包子 "
                "葱油饼 蛋炒饭 炸酱面 牛肉面 红烧茄子 清蒸鲈鱼 小龙虾 地三鲜 京酱肉丝 酸辣土豆丝 东坡肉 白切鸡 "
                "蛋挞 戚风蛋糕 披萨 寿司 咖喱饭 提拉米苏 绿豆汤 银耳羹 月饼 粽子 汤圆 奶茶 凉皮 螺蛳粉"),
    "weather": (["明天{x}会下雨吗？", "{x}这周末天气怎么样？", "{x}冬天冷不冷？", "{x}几月份去最舒服？", "{x}现在气温多少度？"],
                "东京 伦敦 纽约 巴黎 首尔 曼谷 新加坡 悉尼 莫斯科 柏林 罗马 迪拜 温哥华 大阪 三亚 厦门 大连 "
                "桂林 丽江 西安 杭州 苏州 哈尔滨 青岛 拉萨 昆明 成都 武汉"),
    "sports": (["{x}最近一场比赛谁赢了？", "{x}的比赛规则是什么？", "{x}的世界纪录是多少？", "怎样练好{x}？",
                "{x}历史上最伟大的运动员是谁？"],
               "足球 篮球 网球 乒乓球 羽毛球 排球 游泳 马拉松 跳水 举重 围棋 象棋 滑雪 花样滑冰 高尔夫 棒球 "
               "拳击 击剑 赛艇 攀岩 F1赛车 斯诺克 NBA 英超 欧冠 世界杯 奥运会 环法自行车赛"),
    "health": (["{x}吃什么药好得快？", "{x}需要去医院吗？", "怎么预防{x}？", "{x}有哪些症状？", "{x}能吃辣吗？"],
               "感冒 发烧 咳嗽 失眠 头痛 胃痛 过敏 湿疹 痛风 高血压 糖尿病 近视 颈椎病 腰疼 牙疼 口腔溃疡 "
               "便秘 贫血 偏头痛 鼻炎 落枕 中暑 晕车 脱发 肩周炎"),
    "travel": (["去{x}旅游要办签证吗？", "{x}有什么好玩的地方？", "从国内飞{x}要多久？", "{x}有什么特色美食？",
                "去{x}玩几天合适？"],
               "日本 泰国 法国 意大利 冰岛 埃及 土耳其 新西兰 马尔代夫 希腊 西班牙 越南 巴厘岛 瑞士 挪威 "
               "摩洛哥 秘鲁 加拿大 澳大利亚 布拉格 维也纳 葡萄牙 智利"),
    "shopping": (["{x}哪个牌子好？", "买{x}要注意什么？", "{x}多少钱一个？", "双十一{x}会便宜吗？", "{x}怎么挑？"],
                 "洗衣机 空调 扫地机器人 电动牙刷 跑步鞋 行李箱 羽绒服 投影仪 空气炸锅 咖啡机 耳机 机械键盘 "
                 "婴儿车 床垫 吸尘器 电饭煲 显示器 自行车 登山包 太阳镜 保温杯 护肤品 口红 手表"),
    "tech": (["{x}怎么办？", "{x}怎么解决？", "为什么{x}？", "{x}是什么原因？"],
             "电脑开机很慢 手机充不进电 WiFi连不上 打印机卡纸 微信聊天记录怎么恢复 iPhone内存不足 "
             "蓝牙耳机只有一边响 Excel公式不计算 Word文档打不开 电脑蓝屏 路由器总掉线 U盘读不出来 "
             "笔记本电脑风扇很响 手机屏幕失灵 Python报错找不到模块 浏览器总是弹广告 硬盘空间不够 "
             "键盘打不出字 电视没有信号 显卡驱动装不上 邮箱收不到验证码 电脑没有声音"),
    "entertainment": (["{x}讲的是什么故事？", "{x}的主演是谁？", "{x}好看吗？", "{x}有第二部吗？", "{x}结局是什么意思？"],
                      "流浪地球 哪吒之魔童降世 肖申克的救赎 泰坦尼克号 盗梦空间 星际穿越 甄嬛传 琅琊榜 狂飙 "
                      "繁花 三体 哈利波特 指环王 千与千寻 你好李焕英 长安三万里 庆余年 西游记 红楼梦 权力的游戏 "
                      "阿凡达 复仇者联盟 霸王别姬 让子弹飞 大话西游"),
    "history": (["{x}是哪一年发生的？", "{x}的起因是什么？", "{x}有什么历史意义？", "{x}是谁领导的？"],
                "赤壁之战 安史之乱 玄武门之变 郑和下西洋 鸦片战争 甲午战争 辛亥革命 五四运动 文艺复兴 法国大革命 "
                "美国独立战争 工业革命 第一次世界大战 滑铁卢战役 罗马帝国灭亡 秦始皇统一六国 张骞出使西域 "
                "戊戌变法 丝绸之路开通 哥伦布发现新大陆 诺曼底登陆 柏林墙倒塌 阿波罗登月"),
    "math": (["{x}等于多少？", "{x}怎么算？", "帮我算一下{x}"],
             "37乘以48 1到100的和 2的20次方 根号2 圆周率前十位 100的阶乘有几位 15%的折扣打完是多少 "
             "三角形内角和 球的体积公式 一元二次方程求根公式 1加到1000 123456除以7 斐波那契数列第20项 "
             "12和18的最小公倍数 log2的1024 0.1加0.2 圆的面积公式 勾股定理 质数有多少个"),
    "daily-trouble": (["{x}怎么办？", "{x}有什么好办法？"],
                      "孩子不爱吃饭 猫咪掉毛严重 狗狗乱叫 衣服上的油渍洗不掉 家里有蟑螂 绿萝叶子发黄 早上起不来 "
                      "备考没有动力 和同事相处不好 面试紧张 晚上总是做梦 冰箱有异味 邻居装修太吵 宝宝夜里哭闹"),
    "daily-howto": (["如何{x}？", "怎样才能{x}？", "{x}有什么技巧？"],
                    "减肥 戒烟 学会游泳 提高英语口语 坚持跑步 练好书法 整理衣柜 除甲醛 去除水垢 养多肉植物 "
                    "背单词 存钱 早睡早起 学做饭 拍好证件照 写好简历"),
}
EVERYDAY_EN = ["How do I make {x} at home?", "What's the weather like in {x} in spring?", "Who won the last {x}?",
               "What are the symptoms of {x}?", "Is {x} worth watching?", "How do I fix {x}?",
               "What is the best way to learn {x}?", "When did {x} happen?", "Where can I buy {x}?",
               "How many calories are in {x}?", "What time does {x} open?"]
#: Chit-chat: what people say to a chat window that is not a question about anything (greetings, the assistant
#: itself, requests for jokes or poems, feelings, games). Added 2026-12-06: the library answered such turns
#: "uncertain" far more often than everyday questions, and no generated question was like them.
CHITCHAT = {
    "greeting": (["{x}", "{x}！", "{x}，在吗？", "{x}呀，最近怎么样？"],
                 "你好 您好 早上好 中午好 晚上好 嗨 哈喽 早安 晚安 好久不见 大家好 新年好 周末愉快"),
    "assistant": (["你{x}？", "请问你{x}？", "说说看，你{x}？"],
                  "叫什么名字 是机器人吗 几岁了 会说英语吗 是谁做出来的 喜欢吃什么 有朋友吗 会做梦吗 住在哪里 会不会累 "
                  "有感情吗 是男的还是女的 能记住我吗 会唱歌吗 每天都在干什么 喜欢什么颜色 睡觉吗 聪明吗"),
    "request": (["给我讲个{x}的笑话吧", "帮我写一首关于{x}的小诗", "讲一个关于{x}的故事", "帮我想几句关于{x}的祝福语",
                 "推荐一首跟{x}有关的歌", "用{x}造个句子"],
                "猫 狗 月亮 大海 友情 秋天 下雨 咖啡 星空 老师 程序员 兔子 火锅 春节 毕业 考试 生日 妈妈 雪人 西瓜"),
    "feeling": (["我今天有点{x}", "我好{x}啊，怎么办？", "觉得{x}的时候你会做什么？", "我{x}，能陪我说说话吗？"],
                "难过 焦虑 孤单 无聊 紧张 累 开心 烦 委屈 想家 困 生气 失落 兴奋"),
    "game": (["我们来玩{x}吧", "会玩{x}吗？", "陪我玩一会儿{x}好不好？", "{x}，你先来"],
             "猜谜语 成语接龙 石头剪刀布 词语接龙 脑筋急转弯 真心话大冒险 猜数字 飞花令 二十个问题 你画我猜"),
}
CHITCHAT_EN = {
    "{x}": "Hi there!|Hello!|Good morning!|Hey, how's it going?|Good night!|Thanks a lot!|Nice to meet you.|Happy Friday!",
    "Tell me a joke about {x}.": "cats|pizza|Mondays|programmers|penguins|coffee|teachers|the weather",
    "Write a short poem about {x}.": "the sea|autumn leaves|my dog|friendship|the moon|rainy days|a cup of tea|snow",
    "What's your favourite {x}?": "colour|movie|food|animal|song|season|book|holiday",
    "I'm feeling {x} today.": "sad|bored|lonely|tired|happy|nervous|stressed|sleepy",
    "Are you {x}?": "a robot|a real person|happy|awake|smart|my friend|busy|real",
    "Can we play {x}?": "a word game|twenty questions|rock paper scissors|a riddle game|tic-tac-toe|a guessing game|trivia|hangman",
}

EVERYDAY_EN_SEEDS = {
    "How do I make {x} at home?": "sourdough bread|pad thai|lasagna|guacamole|pancakes|ramen|banana bread|fried rice|chicken curry|apple pie",
    "What's the weather like in {x} in spring?": "Tokyo|Paris|New York|London|Sydney|Vancouver|Rome|Cape Town|Buenos Aires|Istanbul",
    "Who won the last {x}?": "World Cup|Super Bowl|Wimbledon final|Tour de France|Champions League final|NBA Finals|Oscars for best picture|Eurovision|Masters golf tournament|Ballon d'Or",
    "What are the symptoms of {x}?": "the flu|migraine|food poisoning|dehydration|hay fever|anemia|a concussion|sleep apnea|strep throat|vitamin D deficiency",
    "Is {x} worth watching?": "Breaking Bad|Inception|The Godfather|Stranger Things|Dune|Parasite|The Office|Oppenheimer|Spirited Away|Game of Thrones",
    "How do I fix {x}?": "a slow laptop|a leaking tap|a flat bike tyre|a printer that won't connect|a frozen iPhone|a squeaky door|Wi-Fi that keeps dropping|a cracked phone screen|a noisy fridge|a blue screen error",
    "What is the best way to learn {x}?": "Spanish|the guitar|Python|chess|touch typing|calculus|swimming|photography|piano|Japanese",
    "Where can I buy {x}?": "cheap concert tickets|a second-hand bike|vinyl records|running shoes|a used car|fresh flowers|a gaming laptop|organic vegetables|board games|a winter coat",
    "How many calories are in {x}?": "a banana|a slice of pizza|a bowl of rice|a glass of wine|an avocado|a croissant|a boiled egg|a cup of latte|a chocolate bar|a bagel",
    "What time does {x} open?": "the Louvre|the British Museum|the nearest pharmacy|the Apple Store|Disneyland|the public library|the gym|the post office|the zoo|the farmers market",
    "When did {x} happen?": "the fall of the Berlin Wall|the first moon landing|the French Revolution|the Battle of Hastings|the Renaissance|the sinking of the Titanic|the Great Fire of London|the invention of the printing press|the Cuban Missile Crisis|the signing of the Magna Carta",
}
#: Report-style questions about things the reports do not cover.
REPORT_STYLE = {
    "company": (["{x}{y}营收增长多少？", "{x}{y}净利润是多少？", "{x}今年有什么发展目标？", "{x}的研发投入有多少？",
                 "{x}计划在哪些领域扩大投资？"],
                "苹果公司 微软 谷歌 特斯拉 丰田汽车 三星电子 亚马逊 英伟达 索尼 大众汽车 雀巢 可口可乐 耐克 "
                "麦当劳 星巴克 宜家 西门子 英特尔 Meta 奈飞 阿斯麦 台积电"),
    "league": (["{x}{y}赛季冠军是谁？", "{x}目前积分榜第一是哪支球队？", "{x}的转会费纪录是多少？",
                "{x}新赛季有哪些改革举措？"],
               "英超 西甲 意甲 德甲 法甲 NBA 中超 欧冠 日职联 美职联 韩K联赛 CBA"),
    "film": (["电影《{x}》的结局是什么？", "《{x}》的票房有多少？", "《{x}》讲了什么故事？", "《{x}》的导演是谁？"],
             "流浪地球2 奥本海默 沙丘 星际穿越 泰坦尼克号 阿凡达 满江红 热辣滚烫 盗梦空间 寄生虫 芭比 "
             "壮志凌云 小丑 教父 楚门的世界"),
    "election": (["{x}{y}大选谁赢了？", "{x}大选的投票率是多少？", "{x}新政府的施政纲领有哪些？", "{x}领导人任期几年？"],
                 "美国 法国 德国 英国 日本 韩国 印度 巴西 墨西哥 印度尼西亚 阿根廷 南非 澳大利亚 加拿大 意大利"),
    "novel": (["小说《{x}》的主人公是谁？", "《{x}》的作者是谁？", "《{x}》一共有多少章？", "《{x}》表达了什么主题？"],
              "红楼梦 百年孤独 活着 围城 平凡的世界 三体 战争与和平 了不起的盖茨比 老人与海 骆驼祥子 "
              "悲惨世界 傲慢与偏见 追风筝的人 挪威的森林 白鹿原"),
    "space": (["{x}是哪一年实现的？", "{x}花了多少经费？", "{x}有哪些宇航员参与？", "{x}的主要成果是什么？"],
              "阿波罗11号登月 人类首次登月 国际空间站建成 哈勃望远镜发射 旅行者1号飞出太阳系 韦布望远镜发射 "
              "SpaceX星舰试飞 好奇号登陆火星 加加林首次太空飞行"),
    "world": (["{x}的人口有多少？", "{x}的首都在哪里？", "{x}的GDP是多少？", "{x}的通货膨胀率是多少？", "{x}今年经济增长预期是多少？"],
              "冰岛 葡萄牙 新西兰 智利 肯尼亚 挪威 芬兰 瑞典 荷兰 比利时 波兰 越南 泰国 菲律宾 埃及 尼日利亚 "
              "秘鲁 哥伦比亚 土耳其 沙特阿拉伯"),
    "misc": (["{x}的门票多少钱？", "{x}的开放时间是几点？", "{x}的历史有多久？"],
             "卢浮宫 大英博物馆 自由女神像 埃菲尔铁塔 金字塔 斗兽场 悉尼歌剧院 富士山 泰姬陵 吴哥窟"),
}
#: Places the library does not have (checked again against the text before use).
FOREIGN = ("东京 大阪 首尔 曼谷 新加坡 悉尼 纽约 洛杉矶 伦敦 巴黎 柏林 罗马 马德里 莫斯科 迪拜 多伦多 温哥华 "
           "德国 法国 日本 韩国 英国 美国 加拿大 澳大利亚 印度 巴西 墨西哥 意大利 西班牙 荷兰 瑞典 越南 泰国").split()
SPECIAL = ["香港", "澳门", "台湾", "香港特区", "澳门特区"]
PREFECTURES = ("邯郸 保定 唐山 沧州 大同 运城 包头 赤峰 鞍山 锦州 四平 通化 齐齐哈尔 牡丹江 徐州 无锡 南通 扬州 "
               "温州 绍兴 金华 台州 芜湖 蚌埠 阜阳 泉州 漳州 莆田 赣州 九江 上饶 潍坊 临沂 济宁 烟台 洛阳 南阳 "
               "开封 商丘 宜昌 襄阳 十堰 荆州 岳阳 常德 衡阳 株洲 湘潭 佛山 东莞 珠海 汕头 湛江 惠州 柳州 桂林 "
               "北海 遵义 六盘水 曲靖 大理 绵阳 宜宾 南充 泸州 宝鸡 咸阳 汉中 天水 酒泉 西宁 吴忠 喀什 伊犁 "
               "日喀则 三亚 儋州 万州 涪陵 遂宁 德阳 乐山").split()
MISSING_YEARS = [f"{y}年" for y in (2005, 2006, 2008, 2010, 2011, 2012, 2013, 2015, 2016, 2017, 2018, 2019, 2022, 2026)]


def from_templates(groups: dict, rng: random.Random, n: int, tag: str, years: list[str] = ("",)) -> list[dict]:
    """``n`` questions from (templates, seeds) groups, drawn evenly across groups."""
    out, names = [], sorted(groups)
    for k in range(n * 3):
        templates, seeds = groups[names[k % len(names)]]
        seeds = seeds.split("|") if "|" in seeds else seeds.split()
        q = rng.choice(templates).format(x=rng.choice(seeds), y=rng.choice(years))
        out.append({"q": q, "answers": [], "lang": "zh-Hans", "kind": "generated-offtopic", "from": tag})
    return out


def mentions(word: str, folded_texts: list[str]) -> bool:
    """Whether any paragraph of the library names ``word``."""
    w = fold_script(word)
    return any(w in t for t in folded_texts)


def offtopic(index, facts: list[Fact], rng: random.Random, cmrc: Path, seen: set[str]) -> list[dict]:
    """About 3000 off-topic questions from the sources in OFFTOPIC_TARGETS, none answerable by the library."""
    folded = [fold_script(p.text) for p in index.paragraphs]
    pools: dict[str, list[dict]] = {}

    def row(q, tag, lang="zh-Hans"):
        return {"q": q, "answers": [], "lang": lang, "kind": "generated-offtopic", "from": tag}

    # CMRC 2018: questions about Wikipedia articles; a third in traditional script.
    data = json.loads(cmrc.read_text(encoding="utf-8"))["data"]
    questions = [qa["question"].strip() for a in data for p in a["paragraphs"] for qa in p["qas"]]
    pools["cmrc2018"] = []
    for q in questions:
        if len(q) < 6 or any(w in q for w in LIBRARY_WORDS):
            continue
        if rng.random() < 0.3:
            pools["cmrc2018"].append(row(S2T.convert(q), "cmrc2018", "zh-Hant"))
        else:
            pools["cmrc2018"].append(row(q, "cmrc2018"))
    pools["everyday"] = from_templates(EVERYDAY, rng, OFFTOPIC_TARGETS["everyday"], "everyday")
    for r in pools["everyday"]:  # some in traditional, like users in Taiwan or Hong Kong
        if rng.random() < 0.2:
            r.update(q=S2T.convert(r["q"]), lang="zh-Hant")
    pools["report-style"] = from_templates(REPORT_STYLE, rng, OFFTOPIC_TARGETS["report-style"], "report-style",
                                           years=["2023年", "2024年", "2025年", "今年", "去年", ""])
    # The answerable templates, for places the library does not have: the hard negatives.
    places = [p for p in FOREIGN + PREFECTURES if not mentions(p, folded)] + SPECIAL
    policy = [f for f in facts if f.kind in ("figure", "action", "topic", "project", "listing")]
    pools["missing-place"] = []
    for _ in range(OFFTOPIC_TARGETS["missing-place"] * 3):
        f, place = rng.choice(policy), rng.choice(places)
        if any(flag == "ns" for _, flag in tagged("".join(f.slots["words"]))):
            continue  # 「湘桂铁路柳州枢纽」 names a place the library covers
        made = render_zh(f, rng, place=place, year=rng.choice(["2025年", "今年", ""]))
        # only questions that name the place: without it the question is an answerable one
        if made and made[1].startswith(place) and not degenerate(made[1]):
            pools["missing-place"].append(row(made[1], "missing-place"))
    # And for years the library does not cover, with the library's own places.
    years = [y for y in MISSING_YEARS if not mentions(y, folded)]
    pools["missing-year"] = []
    for _ in range(OFFTOPIC_TARGETS["missing-year"] * 3):
        f = rng.choice([f for f in policy if f.kind == "figure"] or policy)
        made = render_zh(f, rng, place=rng.choice(f.doc.places), year=rng.choice(years))
        if made and re.search(r"\d{4}年", made[1]) and not degenerate(made[1]):
            pools["missing-year"].append(row(made[1], "missing-year"))
    pools["everyday-en"] = []
    for _ in range(OFFTOPIC_TARGETS["everyday-en"] * 3):
        t = rng.choice(EVERYDAY_EN)
        pools["everyday-en"].append(row(t.format(x=rng.choice(EVERYDAY_EN_SEEDS[t].split("|"))), "everyday-en", "en"))

    # Chit-chat from a random generator of its own, so that the pools above stay as they were before it was added.
    chat = random.Random("chit-chat")
    pools["chit-chat"] = from_templates(CHITCHAT, chat, OFFTOPIC_TARGETS["chit-chat"], "chit-chat")
    for r in pools["chit-chat"]:
        if chat.random() < 0.2:
            r.update(q=S2T.convert(r["q"]), lang="zh-Hant")
    pools["chit-chat-en"] = [row(t.format(x=chat.choice(CHITCHAT_EN[t].split("|"))), "chit-chat-en", "en")
                             for t in (chat.choice(sorted(CHITCHAT_EN)) for _ in range(OFFTOPIC_TARGETS["chit-chat-en"] * 3))]

    out = []
    for tag, target in OFFTOPIC_TARGETS.items():
        pool = pools[tag]
        if tag == "cmrc2018":
            rng.shuffle(pool)
        taken = 0
        for r in pool:
            key = fold_for_match(r["q"])
            if taken >= target or key in seen:
                continue
            seen.add(key)
            out.append(r)
            taken += 1
    # A missing-place question mixed into traditional now and then.
    for r in out:
        if r["from"] in ("missing-place", "missing-year", "report-style") and r["lang"] == "zh-Hans" and rng.random() < 0.25:
            r.update(q=S2T.convert(r["q"]), lang="zh-Hant")
    return out


# ---------------------------------------------------------------- main


def hand_written(questions_dir: Path) -> set[str]:
    """The hand-written test questions, folded, so none is copied into the training set."""
    seen = set()
    for path in sorted(questions_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            for q in [d.get("q"), *d.get("turns", [])]:
                if q:
                    seen.add(fold_for_match(q))
    return seen


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", default="benchmarks/.work/documents/index")
    ap.add_argument("--out", default="benchmarks/questions/generated")
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--cmrc", default=str(ROOT.parent / "shared/benchmarks/cmrc2018_dev.json"))
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    index = load_index(args.index, verify=False)
    glossary = Glossary(index.store.usage())
    seen = hand_written(ROOT / "benchmarks/questions")

    rows, facts = answerable(index, rng, glossary, seen)
    for r in rows:  # every answer is verbatim in its document
        assert any(r["answers"][0] in p.text for p in index.paragraphs if p.source == r["source"]), r
    off = offtopic(index, facts, rng, Path(args.cmrc), seen)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "answerable.jsonl", rows)
    write_jsonl(out / "offtopic.jsonl", off)

    print(f"answerable: {len(rows)}  offtopic: {len(off)}")
    for title, counter in [("answerable by template", Counter(r["template"] for r in rows)),
                           ("answerable by lang", Counter(r["lang"] for r in rows)),
                           ("answerable by source", Counter(r["source"] for r in rows)),
                           ("offtopic by from", Counter(r["from"] for r in off)),
                           ("offtopic by lang", Counter(r["lang"] for r in off))]:
        print(f"\n{title}:")
        for k, v in sorted(counter.items()):
            print(f"  {v:5d}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
