"""A question, read once: its words, places, year, names and language, for every stage after.

Scoring, the document preference, the re-scorers, abstaining and the
conversation all ask the same things of a question: which words it has, which
places and year it names, what it asks. :meth:`Question.parse` checks the
text, and each of these is worked out the first time a stage asks for it and
kept on the question, so nothing reads the string twice; and the library keeps the
questions it has read (:meth:`Lexicon.read`), since a conversation reads its earlier
questions again at every turn.

A question is read against a :class:`Lexicon`: what the library knows that
reading needs (its documents' places, its words, its English glossary).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from .errors import QueryError
from .keywords import pos_tags, segmenter, tokenize, word_parts
from .places import PROVINCES, is_place, place_name, preferred, question_places, romanized, without_names
from .scope import question_year
from .text import fold_script, has_cjk
from .words import (
    ALTERNATIVE_MARKERS, AMOUNT_ASKED, COUNT_WORDS, ENGLISH_MENTION, ENGLISH_MENTION_FRAME, ENGLISH_PROGRAMME_HEADS,
    ENGLISH_PROGRAMME_NOUNS, EXAMPLE_MARKERS, FIGURE_ASKED,
    CLOSING, HOW_MANY, MEANING, MEASURE_WORDS, MENTION, MENTION_FRAME, NATIONAL, OPENING, OPENS, PART, PART_LEAD,
    PROGRAMME_HEADS, RATE_ASKED,
)

if TYPE_CHECKING:
    from .bilingual import Glossary, Meaning
    from .terms import Terms

#: Longest question accepted, in characters. Longer ones are refused, never cut.
MAX_QUESTION_CHARS = 500
#: Earlier questions a follow-up is read with, at most (the latest).
MAX_HISTORY = 10
#: jieba's tags of proper names other than places: people, organisations, other names.
_NAME_TAGS = ("nr", "nt", "nz")
#: jieba's tags of people (nr, and nrt for transliterated names), places and organisations, which :attr:`Question.nouns`
#: leaves to the names; its "other proper nouns" (nz) stay, as jieba gives that tag to common compounds too (换灯).
_PROPER_TAGS = ("nr", "nrt", "ns", "nt")
#: A term in quotation marks (script-folded), two to sixteen characters, and the four after: 「“萤火计划”今年扶持…」.
_QUOTED = re.compile(r"[“「『\"‘]([^“”「」『』\"‘’]{2,16})[”」』\"’](.{0,4})")
#: Two Chinese characters or more opening a clause and a programme word after them: 「海螺计划什么时候启动？」 names 海螺计划
#: as 「“海螺计划”…」 would (:func:`names_in`).
_OPENING_PROGRAMME = re.compile(r"(?:^|[，,。；;：:？?！!\s])([\u4e00-\u9fff]{2,8}?)(%s)" % "|".join(PROGRAMME_HEADS))
#: jieba's tags of the words a programme's name is made of: nouns, names, idioms (知更鸟), bound morphemes (鸮).
_NOUN_TAGS = ("n", "i", "j", "zg")
#: An English term in quotation marks and the programme word at most two words after it, if any: "the 'Golden Acorn'
#: scheme" (:attr:`Question.english_programmes`).
_ENGLISH_QUOTED = re.compile(r"[\"“‘']([A-Za-z][^\"“”‘’]{1,40}?)[\"”’'](?=\W|$)(?:\s+(?:[\w-]+\s+){0,2}?(%s)\b)?"
                             % "|".join(ENGLISH_PROGRAMME_HEADS), re.IGNORECASE)
#: Capitalised words inside an English sentence just before a programme noun: "the Granite Swallow scheme".
_ENGLISH_CAPITALISED = re.compile(r"(?<=[a-z,] )((?:[A-Z][a-z]+(?:['’-][a-z]+)* ){1,3})(?:%s)\b" % "|".join(ENGLISH_PROGRAMME_NOUNS))
#: How many characters may follow the words naming a part at the end of a clause that names only it: 「…那段说，」, 「…这部分里提到，」.
PART_TAIL = 3
#: Any term in quotation marks, without what follows (:attr:`Question.part` blanks them: 「“一核心四板块”」 is a name).
_QUOTED_TERM = re.compile(r"[“「『\"‘][^“”「」『』\"‘’]*[”」』\"’]")


def check_question(question: object) -> str:
    """Validate a question; returns it stripped.

    Raises:
        QueryError: not a string, empty, or longer than ``MAX_QUESTION_CHARS``.
    """
    if not isinstance(question, str):
        raise QueryError("the question must be text")
    # Lone surrogates (from broken clients) cannot be encoded; replace them.
    q = question.encode("utf-8", "replace").decode("utf-8")
    q = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in q).strip()
    if not q:
        raise QueryError("the question is empty; type a question about the plan")
    if len(q) > MAX_QUESTION_CHARS:
        raise QueryError(
            f"the question is {len(q)} characters long; the limit is {MAX_QUESTION_CHARS}. Ask a shorter question."
        )
    return q


def check_history(history: object) -> list[str]:
    """The earlier questions to read a follow-up with: the last ``MAX_HISTORY``, each checked.

    Raises:
        QueryError: not a list of questions, or one of them empty or over-long.
    """
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, (list, tuple)):
        raise QueryError("history must be a list of the earlier questions, oldest first")
    return [check_question(h) for h in list(history)[-MAX_HISTORY:]]


def asks_meaning(question: str) -> bool:
    """Whether a question asks what a term means: 「“编外校长”是什么意思？」, "What does EFlops mean?"."""
    return bool(MEANING.search(fold_script(question)))


def question_group(question: str) -> str:
    """``"zh"`` for a question with Chinese characters, else ``"other"``: the confidence models read it (a cross-lingual cosine runs lower)."""
    return "zh" if has_cjk(question) else "other"


def names_in(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The places and the other proper names a question uses.

    Chinese: the places jieba tags (``ns``) and the provinces, in short form
    (广东省 → 广东), and people, organisations and other names (``nr``, ``nt``,
    ``nz``), unless CC-CEDICT reads the word as an ordinary one
    (:func:`qa.bilingual.ordinary_word`), and the terms it puts in quotation marks that name a programme, with one of
    :data:`qa.words.PROGRAMME_HEADS` in them or just after (「“萤火计划”」, 「“星河千村”计划」), whatever jieba tags
    their words. English: the provinces by their English names, as places, and the other names
    :func:`qa.bilingual.english_names` finds. Words for the whole country are left out.

    Returns:
        ``(places, names)``.
    """
    places = {p for p in question_places(question, set()) if p not in NATIONAL}
    if not has_cjk(question):
        from .bilingual import english_names

        return frozenset(places), frozenset(english_names(question))
    from .bilingual import can_be_name, foreign_capital, joined_words, minor_place, ordinary_word

    folded = fold_script(question)
    names = {t for t, after in _QUOTED.findall(folded) if has_cjk(t) and any(h in t + after for h in PROGRAMME_HEADS)}
    # a clause that opens with a programme's name, unquoted, of nouns: 「海螺计划什么时候启动？」 (not 「今年计划…」)
    names |= {m.group(1) + m.group(2) for m in _OPENING_PROGRAMME.finditer(folded)
              if all(flag.startswith(_NOUN_TAGS) for _, flag in pos_tags(m.group(1)))}
    for word, flag in pos_tags(folded):
        if word in NATIONAL or len(word) < 2 or not has_cjk(word):
            continue
        tagged = flag.startswith(_NAME_TAGS)
        place = flag == "ns" or (not tagged and foreign_capital(word))  # 「基多」, which jieba reads as an adverb
        named = tagged or place
        if named and word.startswith(EXAMPLE_MARKERS):
            continue  # 「比如县中振兴计划」 is 比如 + 县中…, not the county 比如县
        if named and ordinary_word(word):
            continue  # jieba's tag on a common word (满意度) or on a piece it cut (和平 of 和平贝母)
        if flag == "ns" and minor_place(word):
            continue  # 「要新建提升多少个口袋公园」: 新建 builds, though a county of Nanchang is called so
        if flag == "ns" and joined_words(word):
            continue  # two words joined by 和: 「山和湖」
        if flag == "nr" and len(word) == 2 and not can_be_name(word[0]):
            continue  # a person's name starts with a surname: not 「迎客」 of 「开门迎客」
        if flag == "nz" and len(word) == 2 and all(map(ordinary_word, word)):
            continue  # jieba's "other name" of two characters CC-CEDICT reads only as ordinary words: 「换灯」
        if named and len(word) > 2 and word[-1] == "人" and (word[:-1] in PROVINCES or is_place(word[:-1])):
            places.add(place_name(word[:-1]))  # a name for its people: 「四川人」 is about Sichuan (「外国人」 is no name)
            continue
        if place:
            places.add(place_name(word))
        elif tagged:
            names.add(word)
    return frozenset(places), frozenset(names)


class Lexicon:
    """What a library knows that reading a question needs.

    Args:
        places: Each indexed document's places (:func:`qa.places.document_places`), in a fixed order.
        vocabulary: The library's keyword tokens.
        usage: Gives each keyword token with the number of units that use it, for the
            English glossary (read at the first English question); None for no glossary.
        about: The places the library is about; those of ``places`` by default.
        terms: Gives the library's terms, embedded (:mod:`qa.terms`), which English phrases are read by too (a
            comparison's questions: :func:`qa.compare.without_preference`); None for the dictionary alone.
    """

    def __init__(
        self,
        places: Mapping[str, list[str]] | None = None,
        vocabulary: Collection[str] = frozenset(),
        usage: Callable[[], Mapping[str, int]] | None = None,
        about: Collection[str] | None = None,
        terms: "Callable[[], Terms | None] | None" = None,
    ):
        self.places = dict(places or {})
        #: Every place some document is about.
        self.about = frozenset(about if about is not None else {p for ps in self.places.values() for p in ps})
        self.vocabulary = vocabulary
        self._usage = usage
        #: Gives the library's terms (:mod:`qa.terms`), read once, at the first English question that needs them; or None.
        self.terms = lru_cache(maxsize=1)(terms) if terms else None
        # A conversation reads its earlier questions again at every turn: each text is read once.
        self._read = lru_cache(maxsize=4096)(lambda text: Question(text, self))

    def read(self, text: str) -> "Question":
        """The question ``text``, taken as it is (checked already, or made by a stage), read against this library; kept."""
        return self._read(text)

    @cached_property
    def glossary(self) -> "Glossary | None":
        """English to the library's Chinese words (:class:`qa.bilingual.Glossary`); None without usage."""
        from .bilingual import Glossary

        return Glossary(self._usage()) if self._usage else None

    def meanings(self, text: str) -> "list[Meaning]":
        """An English text's words by their Chinese meanings (:meth:`qa.bilingual.Glossary.meanings`), read by this
        library's terms too when it has them (:attr:`terms`); empty without a glossary."""
        glossary = self.glossary
        return glossary.meanings(text, self.terms) if glossary else []

    @cached_property
    def pinyin(self) -> frozenset[str]:
        """The library's places and Chinese words of two to four characters in pinyin, for names in English questions.

        Made at the first English question that needs it: 0.75 s for the 18,000 tokens of 30 reports.
        """
        return frozenset(romanized(self.about | {w for w in self.vocabulary if 2 <= len(w) <= 4 and has_cjk(w)}))


#: A lexicon of no library: questions read on their own.
NO_LIBRARY = Lexicon()


#: A bracketed aside (「（第三产业）」), and a closing bracket, in a script-folded question.
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")
_CLOSING = re.compile(r"[）)]")


def two_word_phrases(words: list[str], folded: str) -> list[str]:
    """The joins of two neighbouring Chinese ``words`` that the text ``folded`` writes as one (:attr:`Question.phrases`);
    a bracketed word is another name for the one before it: 「服务业（第三产业）增加值」 writes 服务业增加值 and 第三产业增加值."""
    words = [w for w in words if has_cjk(w)]
    # without its closing brackets the text still holds every join it held (Chinese words hold no bracket)
    joined, aside = _CLOSING.sub("", folded), _BRACKETED.sub("", folded)
    pairs = [a + b for a, b in zip(words, words[1:]) if a + b in joined]
    pairs += [a + b for a, b in zip(words, words[2:]) if a + b in aside]  # the word between was in brackets
    return list(dict.fromkeys(pairs))


def _names_part_only(clause: str) -> bool:
    """Whether a clause (script-folded) ends naming a part of a document and says nothing after it (「讲服务业的那部分，」,
    「开篇那段说，」, "According to the opening paragraph,"); not 「西藏报告开头提到的地震发生在哪里，」."""
    clause = clause.rstrip("，,：: ")
    ends = [m.end() for pattern in (PART, OPENING, CLOSING) for m in pattern.finditer(clause)]
    return bool(ends) and len(clause) - max(ends) <= PART_TAIL


def end_named(folded: str) -> str:
    """Which end of a document a question (script-folded) asks of: "opening", "closing" or "". The first named is the
    paragraph: 「结尾那段开头说了什么」 asks how the closing paragraph opens, 「开篇那一段最后一句」 the opening's last sentence."""
    found = [(m.start(), end) for end, pattern in (("opening", OPENING), ("closing", CLOSING)) if (m := pattern.search(folded))]
    return min(found)[1] if found else ""


#: What ends a clause (「、」 does not: it lists).
_CLAUSE_END = frozenset("，,；;：:？?。！!")


def alternatives_in(words: list[str], cover: frozenset[str]) -> tuple[frozenset[str], ...]:
    """The sets of ``cover`` words a question (its jieba ``words``, punctuation kept) asks of only as another way to
    say what it asks: the rest of a clause after examples (:data:`qa.words.EXAMPLE_MARKERS`, 「比如高额彩礼」) or after an
    alternative that opens a clause (:data:`qa.words.ALTERNATIVE_MARKERS`, 「，或者引进首店」), without the words the
    question has elsewhere.

    The clause before the alternative is not a set: it holds what the question is about, which the alternative often
    leaves out (「低保标准提高了多少，或者提高到每月多少元」). Nor are alternatives inside a clause (「原油或天然气」):
    their words are jieba's pieces (工业 of 「工业投资或制造业投资」), and over the tune comparisons (2026-12-07) reading
    either alone told more reports that say neither "mentioned" than it found."""
    out = []
    for i, word in enumerate(words):
        if word in EXAMPLE_MARKERS or (word in ALTERNATIVE_MARKERS and i and words[i - 1] in _CLAUSE_END):
            end = i + 1
            while end < len(words) and words[end] not in _CLAUSE_END:
                end += 1
            out.append(frozenset(set(words[i + 1 : end]) & cover - set(words[:i]) - set(words[end:])))
    return tuple(dict.fromkeys(s for s in out if s and s != cover))


@dataclass(frozen=True, eq=False)
class Question:
    """A question, checked, with everything the stages read of it.

    Each attribute is worked out the first time it is read and kept.

    Attributes:
        text: The question as searched (stripped, checked).
        lexicon: What it is read against.
        own: A follow-up's own words, when the conversation put others in ``text``
            (:attr:`qa.conversation.Reading.own`); empty for a question read as asked.
    """

    text: str
    lexicon: Lexicon = field(default=NO_LIBRARY, repr=False)
    own: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: "str | Question", lexicon: Lexicon | None = None) -> "Question":
        """Check ``text`` and read it against ``lexicon`` (a question already read is returned as it is).

        Raises:
            QueryError: not a string, empty, or over-long.
        """
        if isinstance(text, Question):
            return text
        return (lexicon or NO_LIBRARY).read(check_question(text))

    @cached_property
    def folded(self) -> str:
        """Script-folded: simplified, lower case, half-width (:func:`qa.text.fold_script`)."""
        return fold_script(self.text)

    @cached_property
    def chinese(self) -> bool:
        """Whether it has Chinese characters (else it is read as English)."""
        return has_cjk(self.text)

    @property
    def language(self) -> str:
        """``"zh"`` or ``"other"`` (:func:`question_group`): the confidence models read it."""
        return "zh" if self.chinese else "other"

    @cached_property
    def tokens(self) -> list[str]:
        """Its keyword tokens (:func:`qa.keywords.tokenize`)."""
        return tokenize(self.text)

    @cached_property
    def mentioned(self) -> frozenset[str]:
        """The provinces and the library's places it names, in Chinese, English or pinyin."""
        return frozenset(question_places(self.text, set(self.lexicon.about)))

    @cached_property
    def places(self) -> frozenset[str]:
        """The places it names that some document is about."""
        return self.mentioned & self.lexicon.about

    @cached_property
    def documents(self) -> frozenset[str]:
        """The documents it is about (:func:`qa.places.preferred`); empty when none are preferred."""
        return frozenset(preferred(self.text, self.lexicon.places, named=set(self.mentioned)))

    @cached_property
    def year(self) -> tuple[int, int] | None:
        """The year it asks about (:func:`qa.scope.question_year`)."""
        return question_year(self.text)

    @cached_property
    def _names(self) -> tuple[frozenset[str], frozenset[str]]:
        return names_in(self.text)

    @property
    def named_places(self) -> frozenset[str]:
        """Every place it names, the library's or not (:func:`names_in`), in short form."""
        return self._names[0]

    @property
    def names(self) -> frozenset[str]:
        """The other proper names it uses: people, organisations, English capitalised words."""
        return self._names[1]

    @cached_property
    def asks_meaning(self) -> bool:
        """Whether it asks what a term means (:func:`asks_meaning`)."""
        return asks_meaning(self.text)

    @cached_property
    def part(self) -> tuple[str, ...]:
        """What the part of a document it names is about (:data:`qa.words.PART`): 民生 of 「民生部分引用了…」, 党建 of
        「党建那一部分…」, the Chinese words for "livelihood" of "the livelihood section". Empty when it names none."""
        text = _QUOTED_TERM.sub(lambda q: "_" * len(q.group()), self.folded)  # 「“一核心四板块”」 is a name, no part
        m = PART.search(text)
        if not m:
            return ()
        about = re.split(r"[，,。？?！!；;：:、]", self.folded[: m.start()])[-1].strip(" “”\"「」")
        # 「结尾那段」, "the closing section": an end of the document, not a theme
        if end_named(about + ("" if self.chinese else " ") + m.group()):
            return ()
        if not self.chinese:  # "the livelihood section": a word or two after its last "the"
            named = re.search(r"(?:^|\b(?:the|its|this|that)\s+)([a-z][a-z-]*(?:\s+[a-z][a-z-]*)?)\s*$", about)
            return tuple(dict.fromkeys(w for m in self.lexicon.meanings(named.group(1)) for w in m.words)) if named else ()
        while (shorter := PART_LEAD.sub("", about)) != about:
            about = shorter
        return tuple(t for t in tokenize(about) if len(t) > 1)

    @cached_property
    def end(self) -> str:
        """Which end of a document it asks of (:func:`end_named`): "opening", "closing" or ""."""
        return end_named(self.folded)

    @cached_property
    def asks_opening(self) -> bool:
        """Whether it asks what a document says first (:data:`qa.words.OPENING`): 「文章开头说…」; not the start of a part
        it names (「讲工业的那部分一开头」), which the part lifts."""
        return self.end == "opening" and not self.part

    @cached_property
    def asks_part_opening(self) -> bool:
        """Whether it asks how a part it names opens: 「讲党建的那部分，开头说…」 (:attr:`part`, :data:`qa.words.OPENING`)."""
        return bool(self.part) and self.end == "opening"

    @cached_property
    def asks_closing(self) -> bool:
        """Whether it asks what a document says last (:data:`qa.words.CLOSING`): 「报告结尾说…」, "the closing paragraph";
        not the end of a part it names (「农村那一部分的结尾」), which the part lifts."""
        return self.end == "closing" and not self.part

    @cached_property
    def asks_how_closing_opens(self) -> bool:
        """Whether it asks how a document's closing paragraph opens (:data:`qa.words.OPENS`):
        「最后一段是用哪句话开头的」, "Which slogan opens the closing paragraph"; that sentence is the answer."""
        return self.asks_closing and bool(OPENS.search(self.folded))

    @cached_property
    def embedded(self) -> str:
        """The text its vector is made of: without a clause that only names the part of a document it asks of
        (「讲服务业的那部分，」, 「开篇那段说，」), since the part lifts its paragraphs (:meth:`qa.scope.Scope.lift`) and its
        words would pull the answer towards any sentence that says them; then an English question's Chinese words."""
        text = self.text
        if self.part or self.asks_opening or self.asks_closing:
            clauses = re.split(r"(?<=[，,：:])", text)
            rest = [c for c in clauses if not _names_part_only(fold_script(c))]
            if rest and len(rest) < len(clauses):
                text = "".join(rest).strip()
        return " ".join([text, *self.english_terms])

    @cached_property
    def english_terms(self) -> list[str]:
        """The library's Chinese words for an English question's words: its :attr:`meanings`' words, in order, once each; none for Chinese."""
        return list(dict.fromkeys(w for m in self.meanings or [] for w in m.words))

    @cached_property
    def meanings(self) -> "list[Meaning] | None":
        """An English question's words by their Chinese meanings (:meth:`qa.bilingual.Glossary.meanings`); None for Chinese."""
        if self.chinese:
            return None
        return self.lexicon.meanings(self.text)

    @cached_property
    def keywords(self) -> list[str]:
        """The keyword tokens searched: its tokens (:attr:`searched_tokens`) and English terms, without the places that
        pick its documents.

        When a question's place picks the documents it prefers, the other words
        pick the sentence; with the place left in, 「敦化的外贸目标是多少？」 finds
        every sentence that says 「敦化市」. (The dense side keeps the place:
        measured on 30 reports, taking it out there lost more than it won.) So do
        the words of a part it names (「讲民生的那一部分，对教学…」): the part's lead sentence says them.
        """
        tokens = self.searched_tokens + self.english_terms
        for word in self.part:  # the part lifts its paragraphs (Scope.lift): the words naming it pick no sentence,
            if word in tokens:  # but the same word asked again does (「制造板块…还讲到了哪一类制造？」)
                tokens.remove(word)
        return without_places(tokens, self.places) if self.documents else tokens

    @cached_property
    def searched_tokens(self) -> list[str]:
        """Its tokens as the keyword side can find them: a Chinese word the library never uses is searched by its
        shorter words that it does use (:func:`qa.keywords.word_parts`): 旅游业 by 旅游, which 「全域旅游」 holds, where
        旅游业 would match nothing. A question read against no library keeps its tokens."""
        vocabulary = self.lexicon.vocabulary
        if not vocabulary:
            return self.tokens
        out = []
        for t in self.tokens:
            if t in vocabulary or len(t) < 3 or not has_cjk(t):
                out.append(t)
            else:
                out += [p for p in word_parts(t) if p in vocabulary] or [t]
        return out

    @cached_property
    def cover_words(self) -> list[str]:
        """The words abstaining looks for in a quote: its tokens without the places the library is about (敦化 in the plan),
        and, in a question with Chinese words, without its Latin ones: a Chinese quote holds 「天府森林四库」, not the
        English beside it ("the 'Tianfu Forest Four Reserves' (天府森林四库)"), nor 「GDP」 (地区生产总值)."""
        words = without_places(self.tokens, self.places)
        return [w for w in words if has_cjk(w)] or words

    @cached_property
    def nouns(self) -> tuple[str, ...]:
        """A Chinese question's common nouns (卡丁车, 钟表, 暖气): its :attr:`cover_words` of two characters or more that
        jieba's dictionary holds and tags as nouns, not as people, places or organisations (:data:`_PROPER_TAGS`;
        :func:`names_in` reads those). What :meth:`qa.scope.Scope.unwritten` looks for in the library. Empty for an
        English question."""
        if not self.chinese:
            return ()
        known, tags = segmenter().dt.FREQ, dict(pos_tags(self.folded))
        return tuple(w for w in dict.fromkeys(self.cover_words) if len(w) > 1 and known.get(w, 0) > 0
                     and tags.get(w, "x").startswith(("n", "vn")) and tags[w] not in _PROPER_TAGS)

    @cached_property
    def alternatives(self) -> tuple[frozenset[str], ...]:
        """For a question asking whether or where the documents mention a thing (:attr:`thing`), the sets of its words a
        quote may lack and still answer (:func:`alternatives_in`): the alternative of 「首发经济，或者引进首店」, the examples
        after 「比如」. Abstaining's cover and a comparison's share are the best of the question read whole and read
        without one set. None for other questions: the examples of 「数字经济定了什么目标，比如数字经济规模…」 say which
        target, and the alternative of 「新增了多少个托位，或者每千人口托位数…」 another figure (tune comparisons,
        2026-12-07: more cells right only where the question asks for a thing)."""
        if not self.thing:
            return ()
        return alternatives_in(segmenter().lcut(self.folded), frozenset(self.cover_words))

    @cached_property
    def phrases(self) -> list[str]:
        """A Chinese question's two-word phrases as it writes them: two neighbouring :attr:`cover_words` whose join it
        holds (「东西部协作」 of 东西部 + 协作, 「县域商业」); a quote holding the phrase says more than one holding the
        words apart. Empty for an English question, whose words are looked for by their meanings."""
        return two_word_phrases(self.cover_words, self.folded) if self.chinese else []

    @cached_property
    def counted(self) -> str:
        """For a Chinese question asking a figure, what it is a figure of: the last noun of the nouns after 「多少」 or 「几」
        and a measure word that end the clause (修鞋摊 of 「今年要新增多少个修鞋摊？」), or before 「有多少」 or 「数量」 (花店
        of 「花店数量」; 舞蹈室 of 「多少家舞蹈室」, whose last noun is one character). Empty when it asks none, the words
        there are no nouns, or they name two things (「哪几座山和湖」)."""
        if not self.chinese or not self.asks_figure:
            return ""
        from .bilingual import joined_words

        words = pos_tags(self.folded)

        def noun(i: int) -> bool:
            return 0 <= i < len(words) and words[i][1].startswith(("n", "vn")) and has_cjk(words[i][0])

        for i, (word, _) in enumerate(words):
            if HOW_MANY.fullmatch(word):  # 「多少」, 「几」, or jieba's 几家 with its measure word
                bare = word in ("多少", "几")
                j = i + 1 + (bare and i + 1 < len(words) and words[i + 1][0] in MEASURE_WORDS)
                j += j < len(words) and words[j][0] == "的"  # 「多少平方米的屋顶花园」
                if noun(j):
                    first = j
                    while noun(j + 1):
                        j += 1
                    if j + 1 < len(words) and re.match(r"\w", words[j + 1][0]) and words[j + 1][0] not in "呢吗了啊":
                        return ""  # the nouns go on (「多少个寒暑假托管班」, 「多少个投资5000万元以上的项目」): their last is no head
                    start = j - 1 if len(words[j][0]) == 1 and j > first else j  # 舞蹈 + 室: one character ends a word
                    word = "".join(w for w, _ in words[start : j + 1])
                    if joined_words(word):
                        return ""  # two things: 「哪几座山和湖」
                    # a measure word jieba glued on (「多少场戏」 as 场戏) is none of the thing
                    return word[1:] if bare and start == i + 1 and word[0] in MEASURE_WORDS else word
                ends = i + 1
                while ends < len(words) and (words[ends][0] in MEASURE_WORDS or words[ends][1] in ("q", "m")):
                    ends += 1  # its measure or unit: 「有多少家」, 「有多少公里」, 「有多少万亩」
                if ends < len(words) and has_cjk(words[ends][0]):
                    continue  # more follows: 「要新建多少个蹦床公园」 is no 「新建有多少」
            elif word not in COUNT_WORDS:
                continue
            k = i - 1  # before it: 「保龄球馆有多少家？」, 「总长度有多少公里？」, 「花店数量」
            while k >= 0 and words[k][0] in {"有", "是", "的", "一共", "共", "要"} | COUNT_WORDS:
                k -= 1
            if noun(k):
                return words[k][0]
        return ""

    @cached_property
    def asks_rate(self) -> bool:
        """Whether it asks a rate or a share (:data:`qa.words.RATE_ASKED`): 「普惠性幼儿园覆盖率达到了多少」, "What share …"."""
        asks = list(AMOUNT_ASKED.finditer(self.folded))
        # every figure it asks is a rate: 「改了多少户厕，普及率到了多少」 asks a count too
        clause = r"[，,；;。？?]"
        return bool(asks) and all(RATE_ASKED.search(re.split(clause, self.folded[: m.start()])[-1][-12:] + m.group()
                                                    + re.split(clause, self.folded[m.end():])[0][:8]) for m in asks)

    @cached_property
    def asks_figure(self) -> bool:
        """Whether it asks for a figure (:data:`qa.words.FIGURE_ASKED`: 「多少」, 「几」, "how many")."""
        return bool(FIGURE_ASKED.search(self.folded))

    @cached_property
    def thing(self) -> tuple[str, ...]:
        """For a Chinese question asking whether or where the documents mention a thing (:data:`qa.words.MENTION`:
        「哪些报告提到了魔方比赛？」), the thing's words (魔方 比赛): its tokens without those that ask where
        (:data:`qa.words.MENTION_FRAME`) and the places of the library it names, as :attr:`cover_words`. Empty for
        other questions, and for English ones, whose words reach the library's only through the glossary.
        """
        if not self.chinese or not MENTION.search(self.folded):
            return ()
        return tuple(t for t in without_places(self.tokens, self.places) if t not in MENTION_FRAME)

    @cached_property
    def english_thing(self) -> str:
        """For an English question asking whether or where the documents mention a thing (:data:`qa.words.ENGLISH_MENTION`:
        "Do any of the reports mention waffles?"), its words without those that ask where (:data:`ENGLISH_MENTION_FRAME`);
        empty for other questions. :meth:`qa.scope.Scope.unknown` reads it through the glossary."""
        if self.chinese or not ENGLISH_MENTION.search(self.folded):
            return ""
        return " ".join(w for w in re.findall(r"[A-Za-z][\w'’-]*", self.text) if w.lower() not in ENGLISH_MENTION_FRAME)

    @cached_property
    def english_programmes(self) -> tuple[str, ...]:
        """For an English question, the names it calls a programme (:data:`qa.words.ENGLISH_PROGRAMME_HEADS`), in lower
        case: in quotation marks, with the programme word in them or at most two words after them ("the 'Golden Acorn'
        scheme", "the "Blue Lantern" night-school programme"), or capitalised words inside the sentence just before it
        ("the Granite Swallow scheme"). Empty for Chinese questions, whose names :func:`names_in` reads."""
        if self.chinese:
            return ()
        quoted = [name for name, head in _ENGLISH_QUOTED.findall(self.text)
                  if head or any(w.lower() in ENGLISH_PROGRAMME_HEADS for w in name.split())]
        return tuple(dict.fromkeys(n.lower().strip() for n in quoted + _ENGLISH_CAPITALISED.findall(self.text)))

    @cached_property
    def english_thing_meanings(self) -> "list[Meaning]":
        """:attr:`english_thing`'s words by their meanings (:meth:`qa.bilingual.Glossary.meanings`), read once: a
        comparison asks :meth:`qa.scope.Scope.unknown` of every document. Empty without a thing or a glossary."""
        return self.lexicon.meanings(self.english_thing) if self.english_thing else []

    @cached_property
    def text_without_places(self) -> str:
        """The question, script-folded, without the places it names that the library is about (:func:`qa.places.without_names`)."""
        return without_names(self.text, self.places)


def without_places(tokens: list[str], places: Collection[str]) -> list[str]:
    """``tokens`` without those holding one of ``places``; all of them when nothing else is left."""
    return [t for t in tokens if not any(p in t for p in places)] or tokens
