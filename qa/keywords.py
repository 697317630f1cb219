"""Keyword side of search: jieba tokens over script-folded text, scored by BM25."""
from __future__ import annotations

import functools
import math
import re

import numpy as np

from .text import fold_script
from .words import STOPWORDS

_TOKEN = re.compile(r"\w", re.UNICODE)


@functools.lru_cache(maxsize=1)
def segmenter():
    """jieba, initialised once and quiet."""
    import jieba

    jieba.setLogLevel(60)  # its start-up chatter is not ours to print
    jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=8192)
def pos_tags(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's words of ``text`` with their part-of-speech tags (n, v, ns, nr…), cut once per text: a question's are read
    for its names, for what it counts, and again when a follow-up leans on it."""
    segmenter()
    import jieba.posseg

    return tuple((w.word, w.flag) for w in jieba.posseg.cut(text))


def tokenize(text: str) -> list[str]:
    """Keyword tokens: script-folded, jieba-segmented, stopwords and punctuation out."""
    folded = fold_script(text)
    return [t for t in segmenter().lcut(folded) if _TOKEN.search(t) and t.strip() not in STOPWORDS]


def word_parts(word: str) -> list[str]:
    """The shorter words jieba finds in a word, two characters or more (就业 and 人数 of 就业人数); none for a word it
    does not divide. Those that make it up end to end when some do: 慈善 and 事业 of 慈善事业, not 善事 across them,
    which 「慈善、…等事业」 does not say."""
    found = [p for p in segmenter().lcut_for_search(word) if 1 < len(p) < len(word)]
    return _end_to_end(word, sorted(set(found), key=len, reverse=True)) or found


def _end_to_end(word: str, pieces: list[str]) -> list[str]:
    """Pieces (longest first) that make up ``word`` end to end, or [] when none do."""
    for p in pieces:
        if word == p:
            return [p]
        if word.startswith(p) and (rest := _end_to_end(word[len(p):], pieces)):
            return [p, *rest]
    return []


@functools.lru_cache(maxsize=8192)
def salience(token: str) -> float:
    """How much a token says: ``log(total / (count + 1))`` over jieba's dictionary counts.

    The counts are of general Chinese text, not of the library, so a token
    weighs the same in a library of one plan and of ten thousand sections.
    Words the dictionary lacks (names, English) weigh the most.
    """
    jieba = segmenter()
    return math.log(jieba.dt.total / (jieba.dt.FREQ.get(token, 0) + 1))


def coverage_of(tokens: list[str], alternatives: tuple[frozenset[str], ...] = ()):
    """A function of a text (script-folded): the share of the tokens' salience it holds, from 0 to 1;
    0 without tokens. The saliences are looked up once (a comparison measures thousands of texts).

    ``alternatives`` are sets of tokens a text may lack (:attr:`qa.question.Question.alternatives`): the share is the
    best of the question read whole and read without each set (「首发经济，或者引进首店」 is covered by 首发经济 alone)."""
    weighed = [(t, salience(t)) for t in tokens]
    total = sum(w for _, w in weighed)
    readings = []  # each reading without a set: the weight it keeps, and the tokens it leaves out
    for drop in alternatives:
        left_out = [(t, w) for t, w in weighed if t in drop]
        kept = total - sum(w for _, w in left_out)
        if left_out and kept > 0:
            readings.append((kept, left_out))

    def share(text: str) -> float:
        found = 0  # a loop, not sum() of a generator: a third of the time, the same sum
        for t, w in weighed:
            if t in text:
                found += w
        best = found / total if total else 0.0
        for kept, left_out in readings:
            best = max(best, (found - sum(w for t, w in left_out if t in text)) / kept)
        return best

    return share


def token_usage(bm25) -> dict[str, int]:
    """Each token of a ``bm25s.BM25`` index with the number of units that hold it."""
    counts = np.diff(bm25.scores["indptr"])
    return {token: int(counts[i]) if i < len(counts) else 0 for token, i in bm25.vocab_dict.items()}
