"""Places: which places a document is about, and which a question names.

A library holds the national report and one report per province, and nearly
every one of them has a sentence like 「粮食产量稳定在…」. 「四川今年粮食产量目标？」
is about Sichuan's report, and 「今年粮食产量目标？」, naming no place, about the
national one. Each document's places are found when it is built (its title,
occasion and speaker lines, its file name, and the places its text keeps
naming); at question time the places a question names (in Chinese, by their
English names, or in pinyin: "Dunhua" is 敦化) pick the documents it prefers.

Every rule about what counts as a place lives here.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from functools import lru_cache

from .keywords import pos_tags, segmenter
from .text import fold_script, has_cjk

#: Provincial-level names, short forms, with the English names questions use.
PROVINCES = {
    "北京": "beijing", "天津": "tianjin", "河北": "hebei", "山西": "shanxi", "内蒙古": "inner mongolia",
    "辽宁": "liaoning", "吉林": "jilin", "黑龙江": "heilongjiang", "上海": "shanghai", "江苏": "jiangsu",
    "浙江": "zhejiang", "安徽": "anhui", "福建": "fujian", "江西": "jiangxi", "山东": "shandong", "河南": "henan",
    "湖北": "hubei", "湖南": "hunan", "广东": "guangdong", "广西": "guangxi", "海南": "hainan", "重庆": "chongqing",
    "四川": "sichuan", "贵州": "guizhou", "云南": "yunnan", "西藏": "tibet", "陕西": "shaanxi", "甘肃": "gansu",
    "青海": "qinghai", "宁夏": "ningxia", "新疆": "xinjiang", "台湾": "taiwan", "香港": "hong kong", "澳门": "macao",
}
#: Other English spellings of provincial-level names that questions use.
SPELLINGS = {"macau": "澳门"}
#: Every English name of a provincial-level place that questions use, with its Chinese short form.
ENGLISH_NAMES = {**{en: zh for zh, en in PROVINCES.items()}, **SPELLINGS}
#: The provinces' official one-character abbreviations (简称) that a question may name them by: 「沪2025年研发投入强度…」,
#: 「皖」, 「赣」. Only when jieba reads the character as a word of its own (「津贴」, 「复苏」 and 「京津冀」 are other words),
#: and only those that are no everyday word alone: 吉, 黑, 新, 宁, 青, 云, 贵, 甘, 藏, 蒙, 台, 港 and 澳 are left out
#: (「新的增长点」 is not Xinjiang, 「贵不贵」 not Guizhou).
ABBREVIATIONS = {
    "京": "北京", "津": "天津", "冀": "河北", "晋": "山西", "辽": "辽宁", "沪": "上海", "苏": "江苏", "浙": "浙江",
    "皖": "安徽", "闽": "福建", "赣": "江西", "鲁": "山东", "豫": "河南", "鄂": "湖北", "湘": "湖南", "粤": "广东",
    "桂": "广西", "琼": "海南", "渝": "重庆", "川": "四川", "黔": "贵州", "滇": "云南", "陕": "陕西", "陇": "甘肃",
}
#: The provinces' customary literary names (别称) that a question may name them by: 「陇原人均博物馆拥有量」, 「八闽」,
#: 「齐鲁」; only those no other place shares (巴蜀, 江淮, 岭南 and 中原 span two or more provinces; 龙江 is a town too).
ALIASES = {
    "八闽": "福建", "三秦": "陕西", "齐鲁": "山东", "燕赵": "河北", "荆楚": "湖北", "三晋": "山西", "陇原": "甘肃",
    "八桂": "广西", "三湘": "湖南", "潇湘": "湖南", "琼州": "海南", "赣鄱": "江西", "雪域": "西藏", "塞上": "宁夏",
}
#: Administrative suffixes dropped from a place name (longest first).
_SUFFIX = re.compile(r"(自治[区州县旗]|特别行政区|新区|地区|省|市|县|区|州|盟|旗)$")
#: A document is also about the places its text names this often (times, and times per
#: 1,000 characters): the plan names 敦化 13 times in 2,748 characters, Sichuan's report
#: 成都 29 times in 27,822, the national report 香港 3 times in 18,379.
MIN_MENTIONS, MIN_PER_1000 = 3, 1.0


#: Words that ask for every place (「各地」, 「哪些省份」, "each region's", "which provinces"), or across the reports
#: (「哪些报告」, 「有没有报告」, "any of the reports"). Such a question prefers no document (:func:`preferred`): not
#: the national report, which is about none. A comparison asks every document already, so it does not look for them
#: in any (「鼓励各地合理分工」 is no answer about ice-and-snow;
#: on the tune comparisons, with the fitted tiers alone, cell accuracy Chinese 0.733 → 0.729, English 0.575 → 0.600).
EVERY_PLACE = re.compile(
    r"(?:各(?:个)?(?:省份|省区市|省市区|省市|省|地区|地方|地|市|区|县)"
    r"|哪(?:些|几个|个)(?:省份|省区市|省市|省|地区|地方|城市|市)"
    r"|每个(?:省份|省|地区|地方|城市)"
    r"|(?:哪(?:些|几份|份|个)|有没有|是否有|各|所有|这些)(?:政府工作)?(?:报告|文件))(?:都|分别|各自)?"
    r"|\b(?:each|every|which|all(?: the)?|any(?: of the)?|these)\s+(?:provinces?|regions?|places?|cities|city|reports?|documents?)(?:'s|’s)?(?=\W|$)",
    re.IGNORECASE,
)

#: Words that name the national report (「国务院政府工作报告」, 「国家政府工作报告」, "the national government work report",
#: "the State Council's report"): such a question prefers the national documents even when it names a province it
#: asks about ("what does the national report say about the earthquake in Tibet": a tune miss of the twelfth session).
NATIONAL_REPORT = re.compile(
    r"(?:国家|全国|国务院|中央政府)的?(?:政府)?工作报告|国务院.{0,4}报告"
    r"|\b(?:national|state council(?:'s|’s)?|central government(?:'s|’s)?)\s+(?:government\s+)?(?:work\s+)?report",
    re.IGNORECASE,
)


def without_every_place(text: str) -> str:
    """``text`` without the words that ask for every place (:data:`EVERY_PLACE`), found in its folded script and cut
    from it as written: 「各地區今年的目標」 → 「今年的目標」 (on the text as written, 「各地」 alone would match)."""
    folded = fold_script(text)
    if len(folded) != len(text):  # a folding that moved characters: the folded text, which reads the same
        return " ".join(EVERY_PLACE.sub(" ", folded).split())
    kept, last = [], 0
    for m in EVERY_PLACE.finditer(folded):
        kept += [text[last:m.start()], " "]
        last = m.end()
    return " ".join("".join(kept + [text[last:]]).split())


def place_name(name: str) -> str:
    """A place name in its short, simplified form: 四川省 → 四川, 敦化市 → 敦化, 延边朝鲜族自治州 → 延边; a province's
    literary name or abbreviation with 省 as the province: 陇原 → 甘肃, 闽省 → 福建 (:data:`ALIASES`, :data:`ABBREVIATIONS`).

    The suffix stays when the stem alone is not a place name to jieba (高新区, not 高新).
    """
    jieba = segmenter()
    name = fold_script(name)
    for province in PROVINCES:
        if name.startswith(province):
            return province
    if name in ALIASES or _abbreviated(name):  # 陇原, 闽省
        return ALIASES.get(name) or ABBREVIATIONS[name[0]]
    stem = _SUFFIX.sub("", name)
    words = jieba.lcut(stem)
    if stem != name and len(words) > 1 and words[-1].endswith("族"):  # 延边朝鲜族(自治州)
        stem = "".join(words[:-1])
    return stem if len(stem) >= 2 and is_place(stem) else name


def _abbreviated(word: str) -> bool:
    """Whether a word is a province's abbreviation with 省: 闽省, 皖省."""
    return len(word) == 2 and word[0] in ABBREVIATIONS and word[1] == "省"


def is_place(word: str) -> bool:
    """Whether jieba reads ``word`` as one place name."""
    tagged = pos_tags(word)
    return len(tagged) == 1 and tagged[0][1] == "ns"


def find_names(names: set[str], text: str) -> Counter:
    """Occurrences of ``names`` in ``text``, longest first and without overlaps (「浙江西部」 is 浙江, not 江西)."""
    if not names:
        return Counter()
    pattern = re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))
    return Counter(m.group() for m in pattern.finditer(text))


def places_in(text: str) -> Counter:
    """Places a text names, with how often: provinces, and cities and counties jieba tags as places."""
    jieba = segmenter()
    text = fold_script(text)
    # Words with an administrative suffix that jieba reads as places (示范区 is not one);
    # tagging only these is six times faster than tagging the whole text.
    words = {w for w in jieba.lcut(text) if len(w) >= 3 and _SUFFIX.search(w)}
    found = {p for w in words if is_place(p := place_name(w)) or is_place(w)}
    return find_names(set(PROVINCES) | found, text)


def head_lines(title: str, meta: dict, name: str) -> list[str]:
    """The lines that say where a document is from: title, occasion, speaker and file name."""
    from pathlib import PurePosixPath

    return [title, meta.get("occasion", ""), meta.get("speaker", ""), PurePosixPath(name).stem]


def document_places(heads: list[str], text: str) -> list[str]:
    """The places a document is about.

    Args:
        heads: Its title, occasion and speaker lines and file name: any place named there counts.
        text: Its text: the places it keeps naming count too.

    Returns:
        Short place names, sorted; empty for a document about no one place (a national report).
    """
    least = max(MIN_MENTIONS, MIN_PER_1000 * len(text) / 1000)
    return sorted(set(places_in(" ".join(heads))) | {p for p, n in places_in(text).items() if n >= least})


def question_places(question: str, known: set[str]) -> set[str]:
    """The places among ``known`` (and the provinces) that a question names, in Chinese (a province also by its
    abbreviation, alone or with 省, :data:`ABBREVIATIONS`, or its literary name, :data:`ALIASES`) or English."""
    folded = fold_script(question)  # also lower case and NFKC width
    named = set(find_names(known | set(PROVINCES), folded))
    words = segmenter().lcut(folded)
    named |= {ABBREVIATIONS[w[0]] for w in words if w in ABBREVIATIONS or _abbreviated(w)}
    named |= {ALIASES[w] for w in words if w in ALIASES}  # words: 「中原子」 is not 中原
    named |= {p for en, p in ENGLISH_NAMES.items() if re.search(rf"(?<![a-z]){en}(?![a-z])", folded)}
    if not has_cjk(folded):  # the other places by their pinyin: "Dunhua" is 敦化; "Shanxi" is 山西's English name, not 陕西
        named |= {p for p in known if has_cjk(p) and ENGLISH_NAMES.get(pinyin_of(p), p) == p
                  and re.search(rf"(?<![a-z]){pinyin_of(p)}(?![a-z])", folded)}
    return named


def preferred(question: str, places: dict[str, list[str]], named: set[str] | None = None) -> set[str]:
    """The documents a question is about.

    Args:
        question: The question.
        places: Each document's places, as :func:`document_places` gives.
        named: The places it names among them (:func:`question_places`), when already read.

    Returns:
        The national documents when it names the national report (:data:`NATIONAL_REPORT`), else the documents
        about a place the question names; when it names none,
        the documents about no one place (national ones), unless it asks for
        every place (:data:`EVERY_PLACE`: 「哪些省份提出了…」). Empty when nothing
        is preferred: a single document, a library mostly of documents about
        no place, a place no document is about, or every place.
    """
    national = {doc for doc, ps in places.items() if not ps}
    # Only a library mostly of documents about places (reports of provinces beside the national
    # one) is read this way; in a general one (CMRC 2018: 662 of 848 articles about no one
    # place) the places its articles name say little about which one answers.
    if len(places) < 2 or len(national) > len(places) - len(national):
        return set()
    folded = fold_script(question)
    if national and NATIONAL_REPORT.search(folded):
        return national
    if named is None:
        named = question_places(question, {p for ps in places.values() for p in ps})
    if named:
        return {doc for doc, ps in places.items() if named & set(ps)}
    return set() if EVERY_PLACE.search(folded) else national


def romanized(places: set[str]) -> set[str]:
    """The pinyin of place names, without tones or spaces, as English questions write them: 敦化 → dunhua."""
    return {pinyin_of(p) for p in places}


def without_names(question: str, places: Collection[str]) -> str:
    """The question, script-folded, without the names of ``places`` in Chinese or English: 「敦化的外贸目标是多少？」 → 「的外贸目标是多少？」."""
    text = fold_script(question)
    for place in sorted(places, key=len, reverse=True):
        text = text.replace(place, " ")
        for name in {PROVINCES.get(place), pinyin_of(place)} - {None}:
            text = re.sub(rf"(?<![a-z]){re.escape(name)}(?![a-z])", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def pinyin_of(word: str) -> str:
    """A word's pinyin without tones or spaces: 敦化 → dunhua."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


def romanized_in(name: str, text: str) -> bool:
    """Whether ``text`` writes ``name`` (pinyin, as an English question spells a Chinese name: "Dashihe") as two to
    four Chinese characters in a row (大石河): a place the library names but jieba does not cut as one word."""
    name = name.lower()
    if not name.isalpha():
        return False
    # each character's syllable (kept by pinyin_of), None between runs of Chinese
    syllables = [pinyin_of(c) if has_cjk(c) else None for c in text]
    for n in range(2, 5):
        for i in range(len(syllables) - n + 1):
            run = syllables[i : i + n]
            if None not in run and "".join(run) == name:
                return True
    return False


def english_place(place: str) -> str:
    """A place as an English question names it: 四川 → Sichuan, 敦化 → Dunhua."""
    return (PROVINCES.get(place) or pinyin_of(place)).title()


#: Countries as Chinese texts shorten them in compounds (中俄合作, 中老铁路, 日遗化武), with the English words an English
#: question names them by: the country, its adjective and its abbreviation ("the China-US partner cities", "American").
COUNTRIES = {
    "俄罗斯": ("俄", ("russia", "russian")), "日本": ("日", ("japan", "japanese")),
    "韩国": ("韩", ("korea", "korean", "south korea")), "朝鲜": ("朝", ("north korea",)),
    "老挝": ("老", ("laos", "lao", "laotian")), "越南": ("越", ("vietnam", "vietnamese")),
    "蒙古": ("蒙", ("mongolia", "mongolian")),
    "美国": ("美", ("america", "american", "us", "usa", "united states")),
    "英国": ("英", ("britain", "british", "uk")), "法国": ("法", ("france", "french")),
    "德国": ("德", ("germany", "german")), "印度": ("印", ("india", "indian")),
    "巴基斯坦": ("巴", ("pakistan", "pakistani")), "哈萨克斯坦": ("哈", ("kazakhstan", "kazakh")),
    "新加坡": ("新", ("singapore", "singaporean")), "泰国": ("泰", ("thailand", "thai")),
    "缅甸": ("缅", ("myanmar", "burma", "burmese")), "柬埔寨": ("柬", ("cambodia", "cambodian")),
    "马来西亚": ("马", ("malaysia", "malaysian")), "澳大利亚": ("澳", ("australia", "australian")),
    "欧洲": ("欧", ("europe", "european")), "欧盟": ("欧", ("eu",)), "非洲": ("非", ("africa", "african")),
}
#: Hong Kong, Macao and Taiwan, which Chinese texts write together by their short forms: 「港澳」, 「吉港澳合作」, 「港澳台」.
REGIONS = {"香港": "港", "澳门": "澳", "台湾": "台"}
_REGION_BY_NAME = {**REGIONS, **{en: REGIONS[zh] for en, zh in ENGLISH_NAMES.items() if zh in REGIONS}}
_REGIONS_TOGETHER = re.compile("港澳台?|台港澳|港台|澳台")  # not 台港 of 「烟台港」, 「平台港区」
_COUNTRY_BY_NAME = {**{zh: short for zh, (short, _) in COUNTRIES.items()},
                    **{en: short for short, names in COUNTRIES.values() for en in names}}
_SHORTS = "".join(sorted({short for short, _ in COUNTRIES.values()}))


def written_short(name: str, words: Collection[str], context: str, question: str = "") -> bool:
    """Whether ``context`` writes the country ``name`` (日本, "Laos") by its one-character short form,
    as in 「日遗化武」 for 「日本遗留化学武器」 or 「中老铁路」 for "the China–Laos railway".

    A short form is one common character (日, 老, 美), so it counts only where it
    starts a word (after 中, another country's short form or no Chinese character)
    and leads into one of the question's other ``words``: 「中老铁路」 for a question
    with 铁路, never 「中老年」 or the 老 of 「养老服务」; for "China-Europe" in the ``question``, 中欧 anywhere.
    Hong Kong, Macao and Taiwan count where two of their short forms stand together (「港澳」, :data:`REGIONS`).
    """
    region = _REGION_BY_NAME.get(fold_script(name))
    if region and any(region in run for run in _REGIONS_TOGETHER.findall(context)):  # 「吉港澳」: 港 and 澳 together
        return True
    short = _COUNTRY_BY_NAME.get(fold_script(name))
    if not short:
        return False
    if re.search(rf"china\s*[-–]\s*{re.escape(name)}|{re.escape(name)}\s*[-–]\s*china", question, re.IGNORECASE):
        return "中" + short in context  # "the China-Europe freight train" is 中欧班列
    starts = {w[0] for w in words if len(w) > 1 and has_cjk(w[0]) and w != name and short not in w}
    if not starts:
        return False
    lead = rf"(?:(?<![\u3400-\u9fff])|(?<=[中{_SHORTS}]))"
    return re.search(rf"{lead}{short}[{_SHORTS}]*[{''.join(sorted(starts))}]", context) is not None
