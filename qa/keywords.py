"""Keyword side of search: jieba tokens over script-folded text, scored by BM25."""
from __future__ import annotations

import functools
import math
import re

import numpy as np

from .text import fold_script

# Question words and particles: they say what is asked, not what it is about,
# so they are dropped from keyword queries (and, for symmetry, from documents).
STOPWORDS = frozenset(
    """
    什么 什么样 甚么 哪些 哪个 哪里 哪儿 哪 多少 几 几个 怎么 怎么样 怎样 如何 为什么 为何 何时 什么时候
    是否 是不是 有没有 吗 呢 吧 啊 呀 么 嘛 请问 请 告诉 我 我们 你 你们 的 了 着 过 地 得 是 有 在 和 与 及
    要 会 能 可以 关于 对于 哪方面 方面 一下 都 也 还 就 这 那 这个 那个 这些 那些 其 之
    what which who whom whose where when why how is are was were be been do does did the a an of to in on for
    and or with about by as at from that this these those it its there their they any some much many
    """.split()
)
_TOKEN = re.compile(r"\w", re.UNICODE)


@functools.lru_cache(maxsize=1)
def segmenter():
    """jieba, initialised once and quiet."""
    import jieba

    jieba.setLogLevel(60)  # its start-up chatter is not ours to print
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """Keyword tokens: script-folded, jieba-segmented, stopwords and punctuation out."""
    folded = fold_script(text)
    return [t for t in segmenter().lcut(folded) if _TOKEN.search(t) and t.strip() not in STOPWORDS]


@functools.lru_cache(maxsize=8192)
def salience(token: str) -> float:
    """How much a token says: ``log(total / (count + 1))`` over jieba's dictionary counts.

    The counts are of general Chinese text, not of the library, so a token
    weighs the same in a library of one plan and of ten thousand sections.
    Words the dictionary lacks (names, English) weigh the most.
    """
    jieba = segmenter()
    return math.log(jieba.dt.total / (jieba.dt.FREQ.get(token, 0) + 1))


def coverage(tokens: list[str], text: str) -> float:
    """The share of the tokens' salience that ``text`` (script-folded) holds, from 0 to 1; 0 without tokens."""
    weights = [salience(t) for t in tokens]
    total = sum(weights)
    return sum(w for t, w in zip(tokens, weights) if t in text) / total if total else 0.0


def token_usage(bm25) -> dict[str, int]:
    """Each token of a ``bm25s.BM25`` index with the number of units that hold it."""
    counts = np.diff(bm25.scores["indptr"])
    return {token: int(counts[i]) if i < len(counts) else 0 for token, i in bm25.vocab_dict.items()}
