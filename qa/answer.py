"""Stage 6: answer a question with quotes, highlights, or an honest "not found".

Nothing is generated: a hit's text is a section of the source, verbatim
after cleaning, and each highlight is a sentence of that text.
"""
from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from .index import IndexMismatch, LoadedIndex, load_index, unit_text
from .keywords import tokenize
from .search import UnitScores, rank_sections, score_units

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

#: Longest question accepted, in characters. Longer ones are refused, never cut.
MAX_QUESTION_CHARS = 500
#: Most hits one question may ask for.
MAX_K = 20
#: Highlights per hit, at most.
MAX_HIGHLIGHTS = 2
#: A further sentence is highlighted when it scores within this of the best.
HIGHLIGHT_MARGIN = 0.35

NOT_FOUND_ZH = "规划中没有找到相关内容。"
NOT_FOUND_EN = "The plan has no passage that answers this question."


class QueryError(ValueError):
    """A question that cannot be asked (empty, too long); the message says why."""


@dataclass(frozen=True)
class Hit:
    """A quoted section.

    Attributes:
        text: The whole section, verbatim after cleaning.
        section: Its title.
        source: Its file, relative to the data folder.
        score: Relevance; higher is better.
        highlights: Sentences of ``text`` that answer the question, best first.
    """

    text: str
    section: str
    source: str
    score: float
    highlights: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    """The reply to a question.

    Attributes:
        question: The question as asked.
        hits: Quoted sections that answer it, best first; empty when abstained.
        abstained: True when nothing in the index answers the question.
        markdown: The reply, ready to show.
        related: When abstained, the closest sections, as further reading only.
    """

    question: str
    hits: list[Hit]
    abstained: bool
    markdown: str = ""
    related: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON shape of ``qa ask --json``."""
        return {
            "question": self.question,
            "abstained": self.abstained,
            "hits": [h.to_dict() for h in self.hits],
            "related": [h.to_dict() for h in self.related],
        }


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


@lru_cache(maxsize=1)
def calibration() -> dict:
    """Abstention thresholds per model, measured by ``benchmarks/calibrate.py``."""
    return json.loads(resources.files("qa").joinpath("calibration.json").read_text(encoding="utf-8"))


class Retriever:
    """Searches a built index and answers questions from it.

    Args:
        index_dir: The index folder (``qa build`` writes it).
        model: Model name, path or loaded model. None uses the model the index
            was built with; a different one is refused.
        verify: Check every index file's sha256 on load.
    """

    def __init__(
        self,
        index_dir: str | os.PathLike = "index",
        model: "str | SentenceTransformer | None" = None,
        *,
        verify: bool = True,
    ):
        from .embed import get_model, model_dim

        self.index: LoadedIndex = load_index(index_dir, verify=verify)
        built = self.index.manifest["model"]
        if model is None or isinstance(model, str):
            if model is not None and model != built["name"]:
                raise IndexMismatch(
                    f"the index in {index_dir} was built with model {built['name']} (dim {built['dim']}), "
                    f"not {model}; rebuild it with `qa build --model {model}` or drop --model"
                )
            self.model = get_model(built["name"])
        else:
            self.model = model
        name = getattr(self.model, "qa_name", built["name"])
        dim = model_dim(self.model)
        if name != built["name"] or dim != built["dim"]:
            raise IndexMismatch(
                f"the index in {index_dir} was built with model {built['name']} (dim {built['dim']}), "
                f"but model {name} (dim {dim}) was given; rebuild it with `qa build --model {name}`"
            )
        self.model_name = built["name"]
        self.thresholds = calibration().get(self.model_name)
        tokenize("敦化")  # loads jieba's dictionary now, not during the first question

    # -------------------------------------------------------------- search

    def _score(self, question: str, method: str = "z") -> UnitScores:
        from .embed import encode_queries

        qvec = encode_queries(self.model, [question])[0]
        return score_units(self.index.dense, self.index.bm25, qvec, tokenize(question), method)

    def _hits(self, scored: UnitScores, k: int) -> list[Hit]:
        units, sections = self.index.units, self.index.sections
        ranked = rank_sections(units, scored)[:k]
        # Best score per sentence: a sentence's own unit first, else the runs holding it.
        by_sentence: dict[tuple[int, int], tuple[int, float]] = {}
        for uid, s in zip(scored.ids.tolist(), scored.fused.tolist()):
            sec, s0, s1 = (int(x) for x in units[uid])
            for sent in range(s0, s1 + 1):
                prio = 1 if s0 == s1 else 0
                if (prio, s) > by_sentence.get((sec, sent), (-1, -np.inf)):
                    by_sentence[(sec, sent)] = (prio, s)
        hits = []
        for sec, score in ranked:
            section = sections[sec]
            sents = sorted(
                ((v[1], i) for (si, i), v in by_sentence.items() if si == sec and v[0] == 1), reverse=True
            ) or sorted(((v[1], i) for (si, i), v in by_sentence.items() if si == sec), reverse=True)
            top = sents[0][0]
            chosen = [i for s, i in sents if s >= top - HIGHLIGHT_MARGIN][:MAX_HIGHLIGHTS]
            highlights = [unit_text(section, i, i) for i in chosen]
            hits.append(Hit(section["text"], section["title"], section["source"], round(float(score), 4), highlights))
        return hits

    def search(self, question: str, k: int = 3, *, method: str = "z") -> list[Hit]:
        """The ``k`` sections that best match the question, best first.

        Args:
            question: The question, in Chinese (either script) or English.
            k: How many sections.
            method: Fusion method (``"z"``, ``"rrf"``, ``"dense"``, ``"keyword"``).

        Raises:
            QueryError: empty or over-long question, or ``k`` out of range.
        """
        question = check_question(question)
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QueryError(f"k must be a whole number from 1 to {MAX_K}")
        return self._hits(self._score(question, method), k)

    def abstains(self, question: str, scored: UnitScores) -> bool:
        """True when the best match is too weak to be an answer.

        It answers when the best unit's dense score alone is high, or when its
        dense and keyword scores are both fairly high. The thresholds are
        calibrated per model and per kind of question (Chinese, other) on
        labelled questions by ``benchmarks/calibrate.py``. With an
        uncalibrated model the assistant never abstains.
        """
        t = (self.thresholds or {}).get(question_group(question))
        if not t or len(scored.ids) == 0:
            return False
        return not strong_enough(t, float(scored.dense.max()), float(scored.keyword.max()))

    def answer(self, question: str, k: int = 3) -> Answer:
        """Answer with quotes, or abstain when nothing in the index answers.

        Raises:
            QueryError: empty or over-long question, or ``k`` out of range.
        """
        question = check_question(question)
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QueryError(f"k must be a whole number from 1 to {MAX_K}")
        scored = self._score(question)
        hits = self._hits(scored, k)
        if self.abstains(question, scored):
            answer = Answer(question, [], True, related=hits)
        else:
            answer = Answer(question, hits, False)
        answer.markdown = to_markdown(answer)
        return answer


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def strong_enough(thresholds: dict, dense, keyword):
    """Whether best scores are strong enough to answer: dense alone, or dense and keyword together.

    Args:
        thresholds: ``dense_alone``, ``dense`` and ``keyword``, as in ``calibration.json``.
        dense: Best dense score(s), a number or an array.
        keyword: Best keyword score(s), aligned with ``dense``.

    Returns:
        A bool, or a bool array for arrays (``benchmarks/calibrate.py`` applies it to many questions).
    """
    return (dense >= thresholds["dense_alone"]) | ((dense >= thresholds["dense"]) & (keyword >= thresholds["keyword"]))


def question_group(question: str) -> str:
    """``"zh"`` for a question with Chinese characters, else ``"other"``: each has its own thresholds."""
    return "zh" if _is_cjk(question) else "other"


def mark(text: str, highlights: list[str], before: str = "**", after: str = "**") -> str:
    """``text`` with each highlight wrapped in ``before``/``after``."""
    spans = []
    for h in highlights:
        i = text.find(h)
        if i >= 0 and not any(i < e and s < i + len(h) for s, e in spans):
            spans.append((i, i + len(h)))
    # Touching spans become one, so Markdown gets "**a b**", not "**a****b**".
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1] + 1 and not text[merged[-1][1] : s].strip():
            merged[-1][1] = e
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out += [text[pos:s], before, text[s:e], after]
        pos = e
    out.append(text[pos:])
    return "".join(out)


def to_markdown(answer: Answer) -> str:
    """The reply as Markdown: a quote per hit, its answering sentences in bold."""
    lines = []
    if answer.abstained:
        lines.append(NOT_FOUND_ZH if _is_cjk(answer.question) else NOT_FOUND_EN)
        if answer.related:
            lines.append("")
            lines.append("相关章节（仅供参考，并非答案）：" if _is_cjk(answer.question) else "Related sections (further reading, not an answer):")
            lines += [f"- {h.section} ({h.source})" for h in answer.related]
        return "\n".join(lines)
    for i, h in enumerate(answer.hits, 1):
        lines.append(f"**{i}. {h.section}** · {h.source} · score {h.score:.2f}")
        lines.append("")
        lines += ["> " + ln for ln in mark(h.text, h.highlights).split("\n")]
        lines.append("")
    return "\n".join(lines).rstrip()
