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
from collections.abc import Collection
from functools import cached_property, lru_cache

import numpy as np

from .keywords import segmenter, tokenize
from .split import Paragraph, glossary_terms, is_glossary
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
#: Administrative suffixes dropped from a place name (longest first).
_SUFFIX = re.compile(r"(自治[区州县旗]|特别行政区|新区|省|市|县|区|州|盟|旗)$")
#: A document is also about the places its text names this often (times, and times per
#: 1,000 characters): the plan names 敦化 13 times in 2,748 characters, Sichuan's report
#: 成都 29 times in 27,822, the national report 香港 3 times in 18,379.
MIN_MENTIONS, MIN_PER_1000 = 3, 1.0


def place_name(name: str) -> str:
    """A place name in its short, simplified form: 四川省 → 四川, 敦化市 → 敦化, 延边朝鲜族自治州 → 延边.

    The suffix stays when the stem alone is not a place name to jieba (高新区, not 高新).
    """
    jieba = segmenter()
    name = fold_script(name)
    for province in PROVINCES:
        if name.startswith(province):
            return province
    stem = _SUFFIX.sub("", name)
    words = jieba.lcut(stem)
    if stem != name and len(words) > 1 and words[-1].endswith("族"):  # 延边朝鲜族(自治州)
        stem = "".join(words[:-1])
    return stem if len(stem) >= 2 and is_place(stem) else name


def is_place(word: str) -> bool:
    """Whether jieba reads ``word`` as one place name."""
    segmenter()
    import jieba.posseg

    tagged = list(jieba.posseg.cut(word))
    return len(tagged) == 1 and tagged[0].flag == "ns"


def _find(names: set[str], text: str) -> Counter:
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
    return _find(set(PROVINCES) | found, text)


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


#: Words for the whole country: every document is in it, so they point to none in particular.
NATIONAL = frozenset("中国 我国 全国 国家 中华人民共和国 china chinese prc".split())
#: jieba's tags of proper names other than places: people, organisations, other names.
_NAME_TAGS = ("nr", "nt", "nz")
#: A capitalised word or an acronym of an English question, and where a sentence starts.
_EN_NAME = re.compile(r"(?<![\w&'’])(?:[A-Z][\w&]*|[a-z]+[A-Z]\w*)")
_SENTENCE_START = re.compile(r"(^|[.?!:;]\s*|[\"“(]\s*)$")


@lru_cache(maxsize=4096)  # a question is read several times: for its documents, its follow-ups, abstaining
def names_in(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The places and the other proper names a question uses.

    Chinese: the places jieba tags (``ns``) and the provinces, in short form
    (广东省 → 广东), and people, organisations and other names (``nr``, ``nt``,
    ``nz``). English: the provinces by their English names, as places, and the
    other capitalised words and acronyms, but not a sentence's first word, in
    lower case. Words for the whole country are left out.

    Returns:
        ``(places, names)``.
    """
    segmenter()
    import jieba.posseg

    places = {p for p in question_places(question, set()) if p not in NATIONAL}
    names: set[str] = set()
    if has_cjk(question):
        for w in jieba.posseg.cut(fold_script(question)):
            if w.word in NATIONAL or len(w.word) < 2 or not has_cjk(w.word):
                continue
            if w.flag == "ns":
                places.add(place_name(w.word))
            elif w.flag.startswith(_NAME_TAGS):
                names.add(w.word)
        return frozenset(places), frozenset(names)
    english = {part for en in PROVINCES.values() for part in en.split()}
    for m in _EN_NAME.finditer(question):
        word = m.group().lower()
        if word not in english and word not in NATIONAL and word != "i" and not _SENTENCE_START.search(question[: m.start()]):
            names.add(word)
    return frozenset(places), frozenset(names)


def question_places(question: str, known: set[str]) -> set[str]:
    """The places among ``known`` (and the provinces) that a question names, in Chinese or English."""
    folded = fold_script(question)  # also lower case and NFKC width
    named = set(_find(known | set(PROVINCES), folded))
    named |= {p for p, en in PROVINCES.items() if re.search(rf"(?<![a-z]){en}(?![a-z])", folded)}
    if not has_cjk(folded):  # the other places by their pinyin: "Dunhua" is 敦化
        named |= {p for p in known if has_cjk(p) and re.search(rf"(?<![a-z]){_pinyin_of(p)}(?![a-z])", folded)}
    return named


def preferred(question: str, places: dict[str, list[str]]) -> set[str]:
    """The documents a question is about.

    Args:
        question: The question.
        places: Each document's places, as :func:`document_places` gives.

    Returns:
        The documents about a place the question names; when it names none,
        the documents about no one place (national ones). Empty when nothing
        is preferred: a single document, a library mostly of documents about
        no place, or a place no document is about.
    """
    national = {doc for doc, ps in places.items() if not ps}
    # Only a library mostly of documents about places (reports of provinces beside the national
    # one) is read this way; in a general one (CMRC 2018: 662 of 848 articles about no one
    # place) the places its articles name say little about which one answers.
    if len(places) < 2 or len(national) > len(places) - len(national):
        return set()
    named = question_places(question, {p for ps in places.values() for p in ps})
    if named:
        return {doc for doc, ps in places.items() if named & set(ps)}
    return national


#: A year: 「2025年」, or 2025 alone in a question without Chinese (「2000个」 and 「2050亿元」 are not years).
_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*年")
_LATIN_YEAR = re.compile(r"(?<![\d.,])(20\d\d)(?![\d%]|[.,]\d)")
#: Words for the document's own year, and the year before, in questions.
_THIS_YEAR = ("今年", "本年", "this year")
#: 现在 and 目前 ask where things stand, which a report says in its review of the year before.
_LAST_YEAR = ("去年", "上年", "last year", "现在", "目前")
#: Headings of a report's review and of its plan that name no year (广西: 「一、过去一年工作回顾」).
_REVIEW, _PLAN = re.compile(r"过去一年|去年|回顾"), re.compile(r"今年|本年")


#: A question asking what a term means, which a glossary's entry answers where a document has one.
_MEANING = re.compile(r"什么意思|指什么|指的是什么|是指|什么叫|何谓|含义|意思是|\bmean(s|ing)?\b|\bmeant\b|stands? for|refers? to")


def asks_meaning(question: str) -> bool:
    """Whether a question asks what a term means: 「“编外校长”是什么意思？」, "What does EFlops mean?"."""
    return bool(_MEANING.search(fold_script(question)))


def first_year(text: str) -> int:
    """The first year (2000-2099) a text names, 0 when none."""
    m = _YEAR.search(text)
    return int(m.group(1)) if m else 0


def path_year(path: list[str], doc_year: int) -> int:
    """The year a paragraph is about, from its headings: the first they name, else the year
    before ``doc_year`` under a review (「过去一年工作回顾」) or ``doc_year`` under 「今年…」; 0 when unknown."""
    heads = " ".join(path)
    if year := first_year(heads):
        return year
    if doc_year and _REVIEW.search(heads):
        return doc_year - 1
    if doc_year and _PLAN.search(heads):
        return doc_year
    return 0


def question_year(question: str) -> tuple[int, int] | None:
    """The year a question asks about: ``(year, 0)`` when it names one, ``(0, 0)`` for 今年, ``(0, -1)`` for 去年, else None."""
    folded = fold_script(question)
    year = first_year(folded)
    if not year and not has_cjk(folded) and (m := _LATIN_YEAR.search(folded)):
        year = int(m.group(1))
    if year:
        return year, 0
    if any(w in folded for w in _LAST_YEAR):
        return 0, -1
    if any(w in folded for w in _THIS_YEAR):
        return 0, 0
    return None


def romanized(places: set[str]) -> set[str]:
    """The pinyin of place names, without tones or spaces, as English questions write them: 敦化 → dunhua."""
    return {_pinyin_of(p) for p in places}


def without_names(question: str, places: Collection[str]) -> str:
    """The question, script-folded, without the names of ``places`` in Chinese or English: 「敦化的外贸目标是多少？」 → 「的外贸目标是多少？」."""
    text = fold_script(question)
    for place in sorted(places, key=len, reverse=True):
        text = text.replace(place, " ")
        for name in {PROVINCES.get(place), _pinyin_of(place)} - {None}:
            text = re.sub(rf"(?<![a-z]){re.escape(name)}(?![a-z])", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def _pinyin_of(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


class Scope:
    """What each unit of an index is about, to prefer the units a question is about.

    Args:
        places: Each indexed document's places (:func:`document_places`), in a fixed order.
        titles: Each document's shown title; its year is the report's "this year".
        paragraphs: The index's paragraphs.
        units: The index's units (paragraph, first and last sentence, piece).
        vocabulary: The library's keyword tokens.

    Attributes:
        documents: ``documents(question)``, the documents it is about (:func:`preferred`), cached.
        named_places: ``named_places(question)``, the places it names that some document is about, cached.
    """

    def __init__(
        self,
        places: dict[str, list[str]],
        titles: dict[str, str],
        paragraphs: list[Paragraph],
        units: np.ndarray,
        vocabulary: Collection[str] = frozenset(),
    ):
        self.places = places
        #: Every place some document is about.
        self.about = {p for ps in places.values() for p in ps}
        self._vocabulary = vocabulary
        doc_id = {name: i for i, name in enumerate(places)}
        para_doc = np.array([doc_id[p.source] for p in paragraphs], dtype=np.int64)
        self._doc_id = doc_id
        self._doc_year = np.array([first_year(titles.get(name, name)) for name in places], dtype=np.int64)
        para_year = np.array([path_year(p.path, self._doc_year[doc_id[p.source]]) for p in paragraphs], dtype=np.int64)
        self._para_doc, self._para_year = para_doc, para_year
        self._unit_doc = para_doc[units[:, 0]]
        self._unit_year = para_year[units[:, 0]]
        self._unit_paragraph = units[:, 0]
        #: What each glossary entry defines, by paragraph: 「12.“编外院长”：…」 → 编外院长.
        self._glossary = {i: glossary_terms(p.text) for i, p in enumerate(paragraphs) if is_glossary(p.path)}
        # Searching reads a question's documents and places several times.
        self.documents = lru_cache(maxsize=1024)(lambda question: frozenset(preferred(question, places)))
        self.named_places = lru_cache(maxsize=1024)(lambda question: frozenset(question_places(question, self.about) & self.about))

    def preferred_units(self, question: str) -> np.ndarray | None:
        """The ids of the units of the documents a question is about (:func:`preferred`); None when none are."""
        docs = self.documents(question)
        if not docs:
            return None
        return np.flatnonzero(np.isin(self._unit_doc, [self._doc_id[d] for d in docs]))

    def inside(self, question: str, ids: np.ndarray) -> np.ndarray | None:
        """For units ``ids``: whether each is in a document the question is about (:func:`preferred`); None when none are."""
        docs = self.documents(question)
        return np.isin(self._unit_doc[ids], [self._doc_id[d] for d in docs]) if docs else None

    def lift(self, question: str, ids: np.ndarray) -> np.ndarray:
        """For units ``ids``: 1 for each of "in a document the question is about", "under the year it asks
        about" and, for a question asking what a term means (:func:`asks_meaning`), "the glossary's entry for
        a term it names"."""
        lift = np.zeros(len(ids))
        inside = self.inside(question, ids)
        if inside is not None:
            lift += inside
        else:
            inside = np.ones(len(ids), dtype=bool)
        asked = question_year(question)
        if asked:
            year, offset = asked
            wanted = np.full(len(self._doc_year), year) if year else np.where(self._doc_year > 0, self._doc_year + offset, -1)
            unit_year = self._unit_year[ids]
            # Only where the question's documents are: 「敦化今年…」 is not about Jilin's 2025.
            on_year = (unit_year > 0) & (unit_year == wanted[self._unit_doc[ids]])
            lift += on_year & inside
        if asks_meaning(question):  # the glossary's entry for the term, not a sentence that only uses it
            asked = fold_script(question)
            entries = [i for i, terms in self._glossary.items() if any(t in asked for t in terms)]
            lift += np.isin(self._unit_paragraph[ids], entries) & inside
        return lift

    def _about_year(self, year: int, paragraphs: Collection[int]) -> bool:
        """Whether one of ``paragraphs`` is under ``year``, or in a report of the year after (「过去一年」 is its ``year``)."""
        ids = np.asarray(list(paragraphs), dtype=np.int64)
        return bool(np.isin(year, self._para_year[ids]) or np.isin(year + 1, self._doc_year[self._para_doc[ids]]))

    @cached_property
    def _pinyin(self) -> set[str]:
        """The library's Chinese words of two to four characters in pinyin, for names in English questions.

        Made at the first English question that needs it: 0.75 s for the 18,000 tokens of 30 reports.
        """
        return romanized(self.about | {w for w in self._vocabulary if 2 <= len(w) <= 4 and has_cjk(w)})

    def unknown(self, question: str, context: str, paragraphs: Collection[int] = ()) -> list[str]:
        """What the question names that neither the library nor its best matches are about.

        A quote can only answer 「广东…」 if it is about Guangdong, and 「2023年…」 if
        it is about 2023; a name the library never uses (特斯拉, FIFA) is not in it.

        Args:
            question: The question.
            context: The titles, headings and text of the best matches, script-folded.
            paragraphs: The best matches (places in the index): the year a paragraph is under,
                and the year before its report's own, which the report looks back on, are theirs too.

        Returns:
            The places (neither a document's nor in ``context``), the year (not in
            ``context``) and the other names (in no document) of the question; empty
            when it names nothing the library lacks.
        """
        places, names = names_in(question)
        missing = [p for p in sorted(places) if p not in self.about and p not in context]
        asked = question_year(question)
        if asked and asked[0] and str(asked[0]) not in context and not self._about_year(asked[0], paragraphs):
            missing.append(str(asked[0]))
        for name in sorted(names):
            words = tokenize(name)
            if name in context or all(w in self._vocabulary or w.rstrip("s") in self._vocabulary for w in words):
                continue
            alone = re.compile(rf"(?<![a-z]){re.escape(name)}(?![a-z])")  # in a longer token: 「15EFlops」, not 「bus」 for US
            if any(name in w and alone.search(w) for w in self._vocabulary) or (not has_cjk(name) and name in self._pinyin):
                continue
            missing.append(name)
        return missing
