"""Follow-up questions, read in the light of the conversation, without generating anything.

「敦化的外贸进出口目标是多少？」 then 「那社会消费品零售总额呢？」: the second
question leans on the first for its place and for what it asks (a target).
A question leans on the earlier ones when it has

- an ellipsis: 「那…呢？」, 「…呢？」, 「还有…」, "And …?", "What about …?"; an opening 「…方面」
  naming no place (「碳汇方面要启动什么试点？」);
- a pronoun: 它, 其, 其中, 这些, 该, 为此, "it", "its", "this", "these";
- too little to stand alone: no topic of its own (「浙江呢？」, "And Henan's?").

Such a question is read with what the conversation was about carried over:
the place and the year when it names none (the place the conversation last
named, when the question before names none either); when it names only a
place or a year, the earlier question with that place or year put in; after a
pronoun, the earlier question's topic (after 「其中」, "among them", only its
words for things); after an ellipsis with a topic of its own, the earlier
question's general words (目标, 增长, 安排) that end a phrase, which say what is
asked, and "what does it mean" when that was asked; after an ellipsis whose
own words are all general (「今年的目标呢？」), the earlier question's topic. A
pronoun after the question's own place points at that place, not back. 「那里」 and "there"
point at the conversation's place, and what was asked of it stays behind, unless the
earlier question names a spot (「科创园」) or asks where; 「该省」 and "the province" point at
the province. An ellipsis naming a place within (「福建…？」「厦门呢？」) asks the earlier
question of it.
A report term's short form (社零) is read with its full form beside it.
A question that stands alone (a complete question, an off-topic one) is read
as it is, so it gets exactly the answer it gets when asked first.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace

from .keywords import pos_tags, salience, segmenter, tokenize
from .places import NATIONAL_REPORT, PROVINCES, english_place
from .question import Lexicon, Question
from .text import has_cjk
from .words import CLOSER, DOING_ASKED, ENGLISH_FRAME, FILLERS, HOW_MANY, OPENERS, POINTING_AT_THINGS, PRONOUNS, SHORT_FORMS

#: "this year" points at the report's year, not back at the conversation.
_NOT_POINTING = re.compile(r"\b(this|that)\s+(year|month|week|time)\b", re.IGNORECASE)
#: An earlier question's words this general say what is asked (目标 8.6, 增长 8.0, 安排 8.9), not
#: what about (赤字 12.1, 机械制造 16.5); in jieba's dictionary's salience (:func:`qa.keywords.salience`).
FRAME_SALIENCE = 9.0
_YEAR_WORDS = re.compile(r"20\d\d\s*年?|今年|去年|明年|上年|本年|this year|last year|next year", re.IGNORECASE)
#: "there" points back at a place ("How many staff work there now?"), unless it is the existential one
#: ("How many of them are there in total?", "Is there a plan?").
_THERE = re.compile(r"\bthere\b(?!\s*(?:is|are|was|were|will|would|has|have|had|'s|’s)\b)", re.IGNORECASE)
_EXISTENTIAL_BEFORE = re.compile(r"\b(?:is|are|was|were|be)\s+$", re.IGNORECASE)
#: "the province" and the like point back at the place the conversation is about, as "there" does.
_THE_PLACE = re.compile(r"\b(?:the|that|this) (?:province|region|city|municipality|county)\b", re.IGNORECASE)
#: 「又」 asks the same of another thing: 「优良天数又是多少？」, 「“小巨人”企业又新增了多少？」 lean like 「…呢？」.
_AGAIN = "又"
#: Chinese pointing words of two characters or more, found as written: jieba cuts 「那里面」 as 那 + 里面.
_PRONOUNS_WRITTEN = tuple(p for p in PRONOUNS if len(p) > 1 and has_cjk(p))
#: 「这」, 「那」, 「该」 or 「此」 with a measure word points back: 「这项改革」, 「这笔钱」, 「该类企业」.
_THIS_ONE = re.compile(r"[这那该此]一?[项笔类种件条批位家座套款]")
#: Words of manner and degree: never what a question is about.
_SO = ("这样", "这么", "那样", "如此")
#: One of them before a word of doing points back at what was done: 「这样做，最终要赢得什么？」; not as a word of degree,
#: inside a question of its own (「为何如此重视低空经济？」).
_DOING_SO = re.compile(f"(?:{'|'.join(_SO)})(?:做|办|干|搞|一来|的话)")
#: Chinese words pointing at the conversation's province: 「该省」, 「同一个省」 (jieba: 同一个 + 省), as "the province" does.
_AT_PROVINCE = re.compile(r"该省|该市|这个省|同一个?省|本省")
#: Chinese words pointing at a place: the conversation's, unless the earlier question names a spot (:func:`_spot`); after a
#: place, the place itself (「那贵州这边呢？」 asks the earlier question of 贵州).
_THERE_ZH = re.compile(r"[那这]里(?!面)|[那这]边|[那这]儿|当地")
#: An earlier question asking where (「贵州的大数据科创城在哪个城市？」) makes its answer the place 「那里」 points at.
_WHERE = re.compile(r"哪里|哪儿|在哪|哪个(?:城市|地方|市|县|区)|哪座城|\bwhere\b", re.IGNORECASE)
#: An earlier question's word naming a spot that 「那里」, "there" may point at: 「科创园」, 「冷湖」, 「发射场」 (not 「市场」),
#: "the new land-sea corridor", "the city sub-centre".
_SPOT = re.compile(r"^(?:.+[园城港区站岛湖]|.{2,}场|基地|口岸|走廊)$|^(?:park|zone|port|corridor|base|site|centre|center|area|"
                   r"airport|station|island|lake|district|town|county|village|city|sub)$")
#: A question opening with what it turns to (「碳汇方面要启动什么试点？」) and naming no place goes on with the conversation's.
_ASPECT = re.compile(r"(?:今年|去年|明年)?[^，,？?。\s]{1,10}?方面(?!呢)")
#: 「它」 is only ever "it", but jieba glues it to the word beside it (「它运的货」 → 它运, 「建它」): a word holding it
#: points back, unless the dictionary knows the word (其它 "other", 吉它).
_IT = "它"
#: Characters that make 「那」 a word of its own (那里, 那边, 那些, 那个, 那时), not an opener.
_NOT_AN_OPENER = frozenset("里边儿些个时样么")
#: A question opening with the whole country (then a time or 的) asks of the national report, as one naming it does:
#: 「那全国今年的赤字规模…」; not a national thing (「全国重点实验室呢？」).
_WHOLE_COUNTRY = re.compile(r"全国(?=今年|去年|明年|的|20\d\d)")
_PUNCT = re.compile(r"[\s?？!！。，,、:：;；“”\"'‘’「」()（）]+")


@dataclass(frozen=True)
class Reading:
    """How a question was read.

    Attributes:
        text: What is searched: the question, or with the conversation's place, year and topic put in.
        understood: ``text`` when the conversation changed it, for the reader to check; else None.
        own: The question's own topic words, which a quote must hold some of; empty when it has none.
    """

    text: str
    understood: str | None
    own: list[str]

    def question(self, lexicon: Lexicon) -> Question:
        """The question searched, read against ``lexicon``, knowing its own words when the conversation added others."""
        q = lexicon.read(self.text)
        return replace(q, own=tuple(self.own)) if self.understood and self.own else q


@dataclass(frozen=True)
class _Parts:
    places: set[str]
    years: list[str]
    topic: list[str]
    pointing: bool
    elliptic: bool
    at_things: bool
    national: str  # how it names the national report, which stands for a place; "" for not
    at_place: str  # "province" (「该省」), "there" (「那里」) when it points back at a place alone; "" for not


def _parts(q: Question) -> _Parts:
    """The places (provinces and the library's), years and topic words of a question, and whether it points back or leaves words out."""
    known = q.lexicon.about
    folded = q.folded
    bare = _PUNCT.sub(" ", folded).strip()
    places = {p for p in q.named_places if p in PROVINCES or p in known}  # not 城镇, which jieba tags a place
    if not q.chinese:  # the library's places by their pinyin: "Dunhua"
        places |= q.mentioned
    years = [m.group().strip() for m in _YEAR_WORDS.finditer(folded)]
    place_words = places | {english_place(p).lower() for p in places}
    # Pronouns are stopwords to the keyword side, so they are looked for among all the words; only
    # before the question's own place: in "Which roads will Dunhua build as it grows?" "it" is Dunhua.
    named_at = [i for i in (folded.find(w) for w in place_words if w) if i >= 0]
    before = folded[: min(named_at)] if named_at else folded
    words = {w.strip() for w in segmenter().lcut(_NOT_POINTING.sub(" ", before))}
    # "the province", 「该省」 point at the conversation's place, and 「那里」, "there" at a place, not at what was asked of it
    rest = _AT_PROVINCE.sub(" ", _THE_PLACE.sub(" ", before))
    there = _THERE_ZH.sub(" ", _THERE.sub(lambda m: m.group() if _EXISTENTIAL_BEFORE.search(m.string[: m.start()]) else " ", rest))
    at_thing = _points_back(there)
    pointing = at_thing or there != before
    at_place = "" if at_thing else "province" if rest != before else "there" if there != rest else ""
    # 「呢」 ends a clause anywhere: 「四川呢，有多少个？」 as 「四川呢？」
    elliptic = (any(c.endswith(CLOSER) for c in bare.split()) or any(bare == o or _opens(bare, o) for o in OPENERS)
                or (_AGAIN in folded and _AGAIN in segmenter().lcut(folded))
                or bool(not places and _ASPECT.match(folded)))
    # names the national report, or opens with the whole country (「那全国今年的赤字规模…」), as a place: what it is about is the rest
    national = NATIONAL_REPORT.search(folded) or _WHOLE_COUNTRY.match(_bare(folded))
    skip = PRONOUNS | set(OPENERS) | FILLERS | DOING_ASKED | {CLOSER, _AGAIN, *_SO} | (set(segmenter().lcut(national.group())) if national else set())
    # the words after an opener: 「换到安徽呢？」 has no topic, though jieba cuts 换到 into 换 + 到
    topic = [
        t for t in (tokenize(_bare(q.text)) if elliptic else q.tokens)
        if t not in skip and not any(t in w or w in t for w in place_words if w) and not _YEAR_WORDS.fullmatch(t)
        and not (t.isascii() and len(t) < 2) and t not in ("年", "year", "years")  # when, not what about
        and not (years and t in ("last", "next"))
    ]
    return _Parts(places, years, topic, pointing, elliptic, bool(words & POINTING_AT_THINGS), national.group() if national else "",
                  at_place)


def _points_back(text: str) -> bool:
    """Whether ``text``, without the words pointing at a place (:func:`_parts` takes them out), holds a pronoun or
    pointing word (:data:`qa.words.PRONOUNS`, 「这项」, 「这样做」)."""
    words = {w.strip() for w in segmenter().lcut(_NOT_POINTING.sub(" ", text))}
    return bool(words & PRONOUNS) or any(_IT in w and (w.startswith(_IT) or not segmenter().dt.FREQ.get(w)) for w in words) or any(
        p in text for p in _PRONOUNS_WRITTEN) or bool(_THIS_ONE.search(text) or _DOING_SO.search(text))


def leans(question: str | Question, known: Collection[str] = ()) -> bool:
    """Whether a question leans on the earlier ones: an ellipsis, a pointing word, or no topic of its own.

    Args:
        question: The question.
        known: Place names besides the provinces (those the library is about), for a question given as text.
    """
    return _leans(_parts(_read(question, Lexicon(about=known))))


def _leans(p: _Parts) -> bool:
    # 「山东定的是多少？」: a place and only words that say what is asked ask the earlier question of it
    return p.elliptic or p.pointing or not p.topic or bool((p.places or p.national) and all(map(_frame, p.topic)))


def _put_in(earlier: Question, p: _Parts, e: _Parts) -> str:
    """The earlier question with this one's places and years in place of its own."""
    text = earlier.folded if earlier.chinese else earlier.text
    # one place for another (福建 → 四川), or the national report in the province's place (「宁夏…？」「国务院报告呢？」)
    new = min(p.places) if p.places else p.national
    if new and e.places:
        english = english_place(new) if p.places else new
        for old in sorted(e.places):
            text = text.replace(old, new)
            text = re.sub(re.escape(english_place(old)), english, text, flags=re.IGNORECASE)
    if p.places and not any(x in text or english_place(x).lower() in text.lower() for x in p.places):
        # the earlier question's place was the conversation's, not its own words (「养老方面…？」「换到安徽呢？」)
        text = " ".join(sorted(p.places)) + " " + text
    if p.years and e.years:
        text = text.replace(e.years[0], p.years[0])
    elif p.years:
        text = p.years[0] + " " + text
    return text


def _resolve(q: Question, p: _Parts, earlier: Question | None, places: frozenset[str] = frozenset()) -> str:
    """Question ``q`` (whose parts are ``p``) read after ``earlier`` (itself already read); ``places``: the
    conversation's last named places, which stand for ``earlier``'s when it names none."""
    question = q.text
    if earlier is None or not _leans(p):
        return question
    e = _parts(earlier)
    if not e.places and places:  # 「宁夏…？」「城镇新增就业多少？」「农村劳动力转移就业呢？」: still 宁夏
        e = replace(e, places=set(places))
    if not p.topic:  # 「那四川呢？」: the earlier question, about Sichuan
        return _put_in(earlier, p, e)
    if p.elliptic and set(p.topic) <= q.named_places:  # 「福建…？」「厦门呢？」: a place within, asked the earlier question
        return " ".join(p.topic) + " " + _put_in(earlier, p, e)
    carried = []
    if not p.places and not p.national:  # in the question's language: 「四川」, "Sichuan"; 「国务院报告里呢？」 is about no province
        carried += sorted(e.places) if q.chinese else [english_place(x) for x in sorted(e.places)]
        carried += [e.national] if e.national else []
    if not p.years:
        carried += e.years[:1]
    if p.at_place == "province" or (p.at_place == "there" and not _spot(earlier, e)):
        pass  # 「内蒙古…？」「那里今年铁路方面有啥安排？」: the place (and year) alone
    elif p.pointing:  # 「其中多少用于以旧换新？」: what 其 points at is the earlier topic
        carried += _things(earlier, e.topic) if p.at_things else e.topic
    elif all(_frame(t) for t in p.topic):  # 「今年的目标呢？」 asks another thing of the same topic
        carried += [t for t in e.topic if not _frame(t)]
    else:  # 「赤字规模呢？」: the earlier question's general words say what is asked
        carried += [t for t in _heads(earlier, e.topic) if _frame(t) and t not in p.topic]
        if earlier.asks_meaning and not q.asks_meaning:  # 「“编外院长”呢？」 asks what it means too
            tail = "是什么意思" if q.chinese else " meaning"
            question = re.sub(r"([?？]*)$", lambda m: tail + m.group(1), _bare(question).rstrip(), count=1)
    if not carried:
        return question
    carried = list(dict.fromkeys(carried))  # a word the earlier question says twice is carried once
    # an English question stays a sentence after the words carried: its first word is no name ("After it, …")
    return " ".join(carried) + (" " if q.chinese else ". ") + _bare(question)


def _spot(earlier: Question, e: _Parts) -> bool:
    """Whether the earlier question names a spot or asks where, which 「那里」, "there" then point at, not at its province."""
    return bool(_WHERE.search(earlier.folded) or earlier.named_places - e.places
                or any(_SPOT.match(t.lower()) for t in e.topic))


def _heads(question: Question, topic: list[str]) -> list[str]:
    """The words of ``topic`` that end a run of topic words in ``question``: 目标 in 「外贸进出口目标是多少」
    says what is asked, while 地方 and 一般 in 「地方一般公共预算收入」 only narrow the next word."""
    words = [w for w in segmenter().lcut(question.folded) if w.strip()]
    # A one-character word (定, 做) neither carries nor continues a phrase: 「…增长目标定的多少」 ends at 目标.
    inside = {t for t in topic if len(t) > 1}
    ends = {w for w, after in zip(words, words[1:] + [""]) if w in inside and after not in inside}
    return [t for t in topic if t in ends]


def _things(question: Question, topic: list[str]) -> list[str]:
    """The words of ``topic`` that name things, not actions or manner: those jieba's tagger calls neither verbs nor adverbs."""
    tags = {}
    for word, flag in pos_tags(question.folded):
        tags.setdefault(word, flag)
    return [t for t in topic if not tags.get(t, "n").startswith(("v", "d"))]


def _bare(question: str) -> str:
    """The question without the words that only mark an ellipsis: 「那社会消费品零售总额呢？」 →
    「社会消费品零售总额？」, "And for new urban jobs?" → "for new urban jobs?"."""
    q = question.strip()
    for opener in OPENERS:  # longest first
        if _opens(q.lower(), opener) and len(q) > len(opener) + 1:
            q = q[len(opener):].lstrip("，, ")
            break
    return re.sub(r"呢(?=[，,？?！!。；;]|$)", "", q)


def _opens(text: str, opener: str) -> bool:
    """Whether ``text`` (lower case) begins with the ellipsis opener ``opener``: an English one as a word of its
    own, a Chinese one not as the start of another word (「那里」, 「那些」 are no 「那」 before the question)."""
    if has_cjk(opener):
        return text.startswith(opener) and text[len(opener) : len(opener) + 1] not in _NOT_AN_OPENER
    return text.startswith(opener + " ")


def _frame(token: str) -> bool:
    """Whether an earlier question's word says what is asked (目标, "target"; 几家 and 多少个 ask a count, though jieba's
    几家 weighs as much as a name), not what about."""
    return token in ENGLISH_FRAME if token.isascii() else salience(token) < FRAME_SALIENCE or bool(HOW_MANY.fullmatch(token))


def read_question(
    question: str | Question, history: list[str | Question] | None = None, places: Collection[str] = ()
) -> Reading:
    """Read a question in the light of the earlier ones.

    Args:
        question: The question as asked.
        history: The conversation's earlier questions, oldest first.
        places: Place names besides the provinces: those the library is about (敦化); for
            questions given as text (a :class:`qa.question.Question` knows its library).

    Returns:
        How it was read; ``understood`` is None when the history changed nothing.
    """
    lexicon = question.lexicon if isinstance(question, Question) else Lexicon(about=places)
    earlier, named = None, frozenset()  # named: the places the conversation named last
    for h in history or []:  # each earlier question as it was itself read
        if isinstance(h, str) and not h.strip():
            continue
        h = _spelled_out(_read(h.strip() if isinstance(h, str) else h, lexicon))
        text = _resolve(h, _parts(h), earlier, named)
        earlier = h if text == h.text else lexicon.read(text)
        named = frozenset(_parts(earlier).places) or named
    asked = _read(question, lexicon)
    q = _spelled_out(asked)
    parts = _parts(q)
    text = _resolve(q, parts, earlier, named)
    return Reading(text, text if text != asked.text else None, parts.topic)


def spelled_out(text: str) -> str:
    """A Chinese question with the full form of each report term it shortens put beside it (:data:`qa.words.SHORT_FORMS`):
    「海南社零增速目标是多少？」 → 「海南社零（社会消费品零售总额）增速目标是多少？」. A term whose full form the question
    holds already, and an English question, are left as they are."""
    if not has_cjk(text):
        return text
    for short, full in SHORT_FORMS.items():
        at = text.lower().find(short)
        if at >= 0 and full not in text:
            end = at + len(short)
            text = f"{text[:end]}（{full}）{text[end:]}"
    return text


def _spelled_out(q: Question) -> Question:
    full = spelled_out(q.text)
    return q if full == q.text else q.lexicon.read(full)


def _read(question: str | Question, lexicon: Lexicon) -> Question:
    """A question as read against ``lexicon``: text is taken as it is (the caller checked it, or it was made here)."""
    return question if isinstance(question, Question) else lexicon.read(question)
