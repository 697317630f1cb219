"""Which documents, and which part of them, a question is about: the place and the year it names.

A library holds the national report and one report per province, and nearly
every one of them has a sentence like 「粮食产量稳定在…」. 「四川今年粮食产量目标？」
is about Sichuan's report, and 「今年粮食产量目标？」, naming no place, about the
national one. Each document's places are found when it is built (its title,
occasion and speaker lines, its file name, and the places its text keeps
naming); at question time the places named in the question pick the
documents whose units are preferred.

A report also reviews last year and plans this one, in sentences alike
(「新增养老床位4385张」 under 「2024年工作回顾」, 「新增3000张养老床位」 under
「2025年主要任务」). A question that names a year, or says 今年 or 去年
(counted from the year in the document's title), prefers the part whose
headings name that year.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np

from .split import Paragraph
from .text import fold_script

#: Provincial-level names, short forms, with the English names questions use.
PROVINCES = {
    "北京": "beijing", "天津": "tianjin", "河北": "hebei", "山西": "shanxi", "内蒙古": "inner mongolia",
    "辽宁": "liaoning", "吉林": "jilin", "黑龙江": "heilongjiang", "上海": "shanghai", "江苏": "jiangsu",
    "浙江": "zhejiang", "安徽": "anhui", "福建": "fujian", "江西": "jiangxi", "山东": "shandong", "河南": "henan",
    "湖北": "hubei", "湖南": "hunan", "广东": "guangdong", "广西": "guangxi", "海南": "hainan", "重庆": "chongqing",
    "四川": "sichuan", "贵州": "guizhou", "云南": "yunnan", "西藏": "tibet", "陕西": "shaanxi", "甘肃": "gansu",
    "青海": "qinghai", "宁夏": "ningxia", "新疆": "xinjiang", "台湾": "taiwan", "香港": "hong kong", "澳门": "macao",
}
#: Administrative suffixes dropped from a place name (longest first); the stem keeps two characters at least.
_SUFFIX = re.compile(r"(自治区|自治州|自治县|特别行政区|省|市|县|区|州|盟|旗)$")
#: A document is also about the places its text names this often (times, and times per
#: 1,000 characters): the plan names 敦化 13 times in 2,748 characters, Sichuan's report
#: 成都 29 times in 27,822, the national report 香港 3 times in 18,379.
MIN_MENTIONS, MIN_PER_1000 = 3, 1.0


def place_name(name: str) -> str:
    """A place name in its short, simplified form: 四川省 → 四川, 敦化市 → 敦化, 广西壮族自治区 → 广西."""
    name = fold_script(name)
    for province in PROVINCES:
        if name.startswith(province):
            return province
    stem = _SUFFIX.sub("", name)
    return stem if len(stem) >= 2 else name


def places_in(text: str) -> Counter:
    """Places a text names, with how often: provinces, and cities and counties jieba tags as places."""
    import jieba.posseg

    text = fold_script(text)
    found = Counter({p: n for p in PROVINCES if (n := text.count(p))})
    # Only tagged names with an administrative suffix: jieba also tags words such as 城市 as places.
    stems = {place_name(w) for w, flag in jieba.posseg.cut(text) if flag == "ns" and _SUFFIX.search(w) and len(w) >= 3}
    found.update({s: text.count(s) for s in stems if s not in found})
    return found


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
    """The places among ``known`` (and the provinces) that a question names, in Chinese or English."""
    folded = fold_script(question)
    lower = question.lower()
    named = {p for p in known | set(PROVINCES) if p in folded}
    named |= {p for p, en in PROVINCES.items() if re.search(rf"\b{en}\b", lower)}
    return named


def preferred(question: str, places: dict[str, list[str]]) -> set[str]:
    """The documents a question is about.

    Args:
        question: The question.
        places: Each document's places, as :func:`document_places` gives.

    Returns:
        The documents about a place the question names; when it names none,
        the documents about no one place (national ones). Empty when nothing
        is preferred: a single document, or a place no document is about.
    """
    if len(places) < 2:
        return set()
    named = question_places(question, {p for ps in places.values() for p in ps})
    if named:
        return {doc for doc, ps in places.items() if named & set(ps)}
    national = {doc for doc, ps in places.items() if not ps}
    return national if len(national) < len(places) else set()


_YEAR = re.compile(r"(?<!\d)(20\d\d)(?:\s*年|(?!\d))")
#: Words for the document's own year, and the year before, in questions.
_THIS_YEAR = ("今年", "本年", "this year")
_LAST_YEAR = ("去年", "上年", "last year")


def first_year(text: str) -> int:
    """The first year (2000-2099) a text names, 0 when none."""
    m = _YEAR.search(text)
    return int(m.group(1)) if m else 0


def question_year(question: str) -> tuple[int, int] | None:
    """The year a question asks about: ``(year, 0)`` when it names one, ``(0, 0)`` for 今年, ``(0, -1)`` for 去年, else None."""
    folded = fold_script(question).lower()
    year = first_year(folded)
    if year:
        return year, 0
    if any(w in folded for w in _LAST_YEAR):
        return 0, -1
    if any(w in folded for w in _THIS_YEAR):
        return 0, 0
    return None


class Scope:
    """What each unit of an index is about, to prefer the units a question is about.

    Args:
        places: Each indexed document's places (:func:`document_places`), in a fixed order.
        titles: Each document's shown title; its year is the report's "this year".
        paragraphs: The index's paragraphs.
        units: The index's units (paragraph, first and last sentence).
    """

    def __init__(self, places: dict[str, list[str]], titles: dict[str, str], paragraphs: list[Paragraph], units: np.ndarray):
        self.places = places
        doc_id = {name: i for i, name in enumerate(places)}
        para_doc = np.array([doc_id[p.source] for p in paragraphs], dtype=np.int64)
        para_year = np.array([first_year(" ".join(p.path)) for p in paragraphs], dtype=np.int64)
        self._doc_id = doc_id
        self._doc_year = np.array([first_year(titles.get(name, name)) for name in places], dtype=np.int64)
        self._unit_doc = para_doc[units[:, 0]]
        self._unit_year = para_year[units[:, 0]]

    def lift(self, question: str, ids: np.ndarray) -> np.ndarray:
        """For units ``ids``: 1 for each of "in a document the question is about" and "under the year it asks about"."""
        lift = np.zeros(len(ids))
        docs = preferred(question, self.places)
        if docs:
            lift += np.isin(self._unit_doc[ids], [self._doc_id[d] for d in docs])
        asked = question_year(question)
        if asked:
            year, offset = asked
            wanted = np.full(len(self._doc_year), year) if year else np.where(self._doc_year > 0, self._doc_year + offset, -1)
            unit_year = self._unit_year[ids]
            lift += (unit_year > 0) & (unit_year == wanted[self._unit_doc[ids]])
        return lift
