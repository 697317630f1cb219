"""The word lists the rules use, in one place: question words, pronouns, openers of an ellipsis,
words for this year and the whole country. Each list is read by one rule, named beside it.
"""
from __future__ import annotations

import re

# ---- Keyword search (:func:`qa.keywords.tokenize`).
#: Question words and particles: they say what is asked, not what it is about,
#: so they are dropped from keyword queries (and, for symmetry, from documents).
STOPWORDS = frozenset(
    """
    什么 什么样 甚么 哪些 哪个 哪里 哪儿 哪 多少 几 几个 怎么 怎么样 怎样 如何 为什么 为何 何时 什么时候
    是否 是不是 有没有 吗 呢 吧 啊 呀 么 嘛 请问 请 告诉 我 我们 你 你们 的 了 着 过 地 得 是 有 在 和 与 及
    要 会 能 可以 关于 对于 哪方面 方面 一下 都 也 还 就 这 那 这个 那个 这些 那些 其 之
    what which who whom whose where when why how is are was were be been do does did the a an of to in on for
    and or with about by as at from that this these those it its there their they any some much many
    """.split()
)

# ---- English questions (:meth:`qa.bilingual.Glossary.meanings`).
#: English words that say what is asked, not what it is about.
ENGLISH_STOPWORDS = frozenset(
    """
    a an the of to in on for and or is are was were be been being do does did what which who whom whose how when
    where why many much has have had with by from at as that this these those it its their there than then into
    about over under per any some all will would shall should can could may might must i you he she we they me my
    our your his her them us s according say says said tell please
    """.split()
)

# ---- Follow-ups (:mod:`qa.conversation`).
#: Words that open or close an ellipsis, in folded script.
OPENERS = ("同样的问题", "如果是", "换成", "换作", "换到", "轮到", "要是", "那么", "那", "还有", "还要", "还将", "还会", "另外", "此外",
           "and what about", "and how about", "the same question for", "same question for", "the same for", "same for",
           "what about", "how about", "and")
CLOSER = "呢"
#: English words that only pace an ellipsis ("How about Sichuan, then?"), not what it is about.
FILLERS = frozenset("then instead too also".split())
#: Chinese words that only ask what is done, of the thing the conversation is about: 「换成江西，又打算怎么做？」,
#: 「那福建准备怎么办？」 ask the earlier question of another place.
DOING_ASKED = frozenset("打算 准备 做 办 干 搞 怎么办 干什么 做什么".split())
#: Pronouns and words that point back.
PRONOUNS = frozenset("它 它们 其 其中 这 这些 那些 该 此 为此 上述 这个 那个 它的 他们 那里 那边 那儿 这里 这边 这儿 当地 该省 "
                     "its it this that these those they their them".split())
#: Pointing words that stand for things, not for what was done: after 「其中」 the earlier question's
#: verbs and adverbs (发行, 已, 入选) are not carried, only what they were about (国债, 制造业 集群).
POINTING_AT_THINGS = frozenset("其中".split())
#: English words that say what is asked, which jieba's dictionary cannot weigh.
ENGLISH_FRAME = frozenset("target targets goal goals aim growth increase rate share number total amount plan".split())

# ---- Comparisons (:meth:`qa.compare.Comparer.row`).
#: A question asking for a figure: 「多少」, 「几」 (not 「几乎」), "how much", "how many" (script-folded).
FIGURE_ASKED = re.compile(r"多少|几(?!乎)|\bhow (?:much|many)\b")
#: What a figure is asked of stands after 「多少」 or 「几」 and a measure word (「多少个修鞋摊」), or before 「有多少」 or
#: 「数量」 (「花店数量」) (:attr:`qa.question.Question.counted`).
MEASURE_WORDS = frozenset("个家座条项台辆所处名张套间部块只头艘架批面件本种类棵株户位场次")
COUNT_WORDS = frozenset(("数量", "数目", "总数"))
_MEASURE = "".join(sorted(MEASURE_WORDS))
#: A word asking a count, with its measure word or without: 「多少」, 「几家」, 「多少个」 (jieba keeps some as one word).
HOW_MANY = re.compile(f"(?:几|多少)[{_MEASURE}]?")
#: A question counting things, not measuring an amount: a measure word after 「多少」 or 「几」 (「多少家花店」, 「花店有几家」),
#: or 「数量」 (not 「产量是多少」).
COUNTS_THINGS = re.compile(f"(?:几|多少)[{_MEASURE}]|{'|'.join(sorted(COUNT_WORDS))}")
#: A question asking a rate or share (「覆盖率达到多少」, 「占比」, "what share"), which a percentage answers (:data:`PERCENT`).
RATE_ASKED = re.compile(r"(?<![效频])率|占比|比例|比重|百分之|\b(?:rate|share|percentage|proportion)s?\b")
#: Where a question asks a figure or a share, for :data:`RATE_ASKED` to be read around: 「多少」, 「多大」, "what".
AMOUNT_ASKED = re.compile(FIGURE_ASKED.pattern + r"|多大|多高|\bwhat\b")
#: A percentage in a quote: 「95%」, 「提高1.3个百分点」, 「百分之八十」, 「八成」.
PERCENT = re.compile(r"[%％]|百分点|百分之|[一二三四五六七八九]成(?![本员果立为功])")
#: A figure in a quote: a digit, or a Chinese numeral with its measure (「十项」, 「三万亩」).
FIGURE = re.compile(r"\d|[零一二两三四五六七八九十百千万亿]+(?:个|项|家|条|所|座|成|倍|万|亿|千|百|亩|人|户|张|公里|吨)")

# ---- Questions asking where a thing is mentioned (:attr:`qa.question.Question.thing`).
#: A question asking whether, or where, the documents mention a thing: 「哪些报告提到了X？」, 「有没有讲到X？」,
#: 「关于X，报告里怎么说？」 (script-folded).
MENTION = re.compile(r"提到|提及|提过|讲到|讲过|说到|谈到|谈及|写到|写进|涉及|出现过|能找到|有没有.{0,12}(内容|的吗)|"
                     r"关于.{1,20}(怎么说|说了什么|讲了什么)")
#: The words of such a question that ask where (the documents, the places, the verbs of mentioning), not what: the
#: rest is the thing, whose words a quote must hold. (Question words, 「怎么」, 「哪些」, are no tokens: :data:`STOPWORDS`.)
MENTION_FRAME = frozenset(
    """
    报告 规划 文章 文件 文中 全文 政府 工作 政府工作 国务院 省份 省 省市 地方 哪些地方 各地 哪份 哪几份 几份 份 篇
    提 提到 提及 提过 讲 讲到 讲过 说 说到 说过 谈到 谈及 写 写到 写进 涉及 出现 找到 内容 里 中 到 没有
    """.split()
)

#: The same of an English question: "Which reports mention X?", "Does the plan say anything about X?", "Is X
#: mentioned in any of the reports?" (script-folded: lower case).
ENGLISH_MENTION = re.compile(r"\bmention(?:s|ed)?\b|\b(?:say|says|said|talk|talks|write|writes|wrote)\s+(?:anything\s+)?about\b|"
                             r"\brefers?\s+to\b")
#: Its words that ask where, beside :data:`ENGLISH_STOPWORDS`: the rest is the thing.
ENGLISH_MENTION_FRAME = frozenset(
    """
    report reports document documents plan plans article articles text province provinces provincial region regions
    government work mention mentions mentioned anything anywhere talk talks write writes wrote written refer refers
    """.split()
)
#: Words that are never part of a library term an English phrase is read by (:meth:`qa.bilingual.Glossary._by_terms`):
#: the stopwords, the words asking where and words of time and doing: "Is poker mentioned" is no term 提出, "get a
#: coffee stain out" none 出去.
NOT_TERM_WORDS = ENGLISH_STOPWORDS | ENGLISH_MENTION_FRAME | frozenset("each year years last next get got keep make made".split())

# ---- Names (:func:`qa.question.names_in`).
#: What a programme, project or brand is called by: a term in quotation marks with one of these in it or just after it
#: (「“萤火计划”」, 「“星河千村”计划」) is a name; one without (「“两只翅膀”」, 「更“聪明”」) may be the asker's own words.
PROGRAMME_HEADS = ("计划", "工程", "行动", "项目", "品牌", "平台", "基金", "驿站", "中心", "园区", "基地", "专项", "战略",
                   "模式", "体系", "机制", "政策", "活动", "服务", "系统")
#: The same in English (:attr:`qa.question.Question.english_programmes`). After capitalised words without quotation
#: marks only these nouns count ("the Granite Swallow scheme"): "does Heilongjiang plan to…" plans.
ENGLISH_PROGRAMME_NOUNS = ("scheme", "schemes", "programme", "programmes", "program", "programs", "project", "projects",
                           "initiative", "initiatives", "campaign", "campaigns")
#: After a name in quotation marks, any of these: "the 'Golden Acorn' scheme", "the "Blue Lantern" night-school programme".
ENGLISH_PROGRAMME_HEADS = (*ENGLISH_PROGRAMME_NOUNS, "plan", "plans", "fund", "funds", "action", "actions")

#: Words that give what follows as examples (:func:`qa.scope.for_example`): 「比如长城、大运河」.
EXAMPLE_MARKERS = ("比如", "例如", "诸如", "譬如")
#: Words that join alternatives: after a clause's end, the clause they open is another way to say what is asked
#: (「首发经济，或者引进首店」; :func:`qa.question.alternatives_in`). Not 还是, which is as often "still" (「今年还是要…」).
ALTERNATIVE_MARKERS = ("或者", "或是", "抑或", "或")

# ---- Places (:mod:`qa.places`, :func:`qa.question.names_in`).
#: Words for the whole country: every document is in it, so they point to none in particular.
NATIONAL = frozenset("中国 我国 全国 国家 中华人民共和国 china chinese prc".split())

# ---- Years (:func:`qa.scope.question_year`).
#: Words for the document's own year, and the year before, in questions.
THIS_YEAR = ("今年", "本年", "this year")
#: 现在 and 目前 ask where things stand, which a report says in its review of the year before.
LAST_YEAR = ("去年", "上年", "last year", "现在", "目前")

# ---- Definitions (:func:`qa.question.asks_meaning`).
#: A question asking what a term means, which a glossary's entry answers where a document has one.
MEANING = re.compile(r"什么意思|指什么|指的是什么|是指|什么叫|何谓|含义|意思是|\bmean(s|ing)?\b|\bmeant\b|stands? for|refers? to")

#: A question naming a part of a document by what it is about: 「民生部分…」, 「讲党建的那一段…」, 「制造板块…」, "the
#: livelihood section" (script-folded). What stands before the marker, in its clause, is what the part is about.
PART = re.compile(r"的?(?:那|这)一?(?:部分|段|节|章)|(?<![大小一])部分|板块|\bsection\b")
#: Words before what a part is about that only lead into it: 「讲民生的那一段」, 「在农村这部分」, 「最后讲党建的那一节」.
PART_LEAD = re.compile(r"^(?:讲到?|谈到?|说到?|关于|在|有关|最后|后面|前面|末尾|结尾)")

#: A question about what a document says first: 「文章开头说…」, "According to the opening paragraph, …" (script-folded).
OPENING = re.compile(r"开头|开篇|一开始|\bopening (?:paragraph|section|part|lines?|words)\b|\b(?:at|in) the (?:very )?(?:beginning|start)\b(?!\s+of\b)"
                     r"|\bfirst paragraph\b")
#: A question about what a document says last: 「报告结尾说…」, 「最后一段是怎么开头的」, 「最后一部分」, "the closing
#: paragraph" (script-folded); not 「最后要实现什么目标」, whose 最后 is "in the end", nor "at the end of last year".
CLOSING = re.compile(r"结尾|收尾|末尾|最后(?:一|那)(?:段|部分|节|章)|(?:文章|报告|全文)的?最后(?!一年|一次)"
                     r"|\b(?:closing|final|last|concluding) (?:paragraph|section|part|lines|words)\b"
                     r"|\b(?:at|in) (?:its|the) (?:very )?(?:close|end|conclusion)\b(?!\s+of\b)|\b(?:ends|closes|concludes) with\b")
#: Asking how a paragraph opens: 「结尾那段开头说了什么」, "Which line opens the closing paragraph".
OPENS = re.compile(r"开头|起头|\b(?:opens|begins|starts)\b|\b(?:open|begin|start)s? with\b")

#: Short forms of report terms that questions use and reports mostly spell out (社零: 0 times in the 30
#: documents, 社会消费品零售总额 39), each with the full form put beside it when a Chinese question uses
#: it (:func:`qa.conversation.spelled_out`). A table of the domain's abbreviations, like the provinces'
#: (:data:`qa.places.ABBREVIATIONS`); none is a word inside another word of the reports.
SHORT_FORMS = {
    "社零": "社会消费品零售总额", "社消零": "社会消费品零售总额", "固投": "固定资产投资", "规上": "规模以上",
    "抽蓄": "抽水蓄能", "研发强度": "研发投入强度", "新基建": "新型基础设施", "高企": "高新技术企业",
    "个税": "个人所得税", "民企": "民营企业", "外企": "外资企业", "新能源车": "新能源汽车", "自贸区": "自贸试验区",
    "保障房": "保障性住房", "城投": "融资平台", "双创": "创新创业", "一般预算": "一般公共预算", "gdp": "生产总值",
    "cpi": "居民消费价格", "ppi": "工业生产者出厂价格",
}

# ---- Learned ranking (:func:`qa.rescore.rank_features`).
#: A question asking for a figure: a sentence with digits is likelier to answer it. One of the ranking's
#: inputs, whose weight is fitted (``benchmarks/fit_ranking.py``), not a rule of its own.
QUANTITY = re.compile(
    r"多少|几|多大|多高|多长|目标|增长|增速|比重|占比|"
    r"\bhow (much|many|large|big|high|fast)\b|\bwhat (share|percentage|rate|target)\b", re.IGNORECASE)
