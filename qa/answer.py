"""Answering: :class:`Retriever`, the facade over the stages, and the :class:`Answer` it gives.

A question is read once (:mod:`qa.question`), scored both ways and fused
(:mod:`qa.search`), re-scored by the product's list (:mod:`qa.rescore`), quoted
with its answering sentences highlighted (:mod:`qa.quote`), and answered or
not (:mod:`qa.abstain`); a follow-up is first read with the conversation
(:mod:`qa.conversation`). Nothing is generated.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import abstain
from .compare import mention_model
from .errors import IndexMismatch, QueryError
from . import published
from .index import UNIT_PARAGRAPH, LoadedIndex
from .keywords import tokenize
from .question import MAX_HISTORY, MAX_QUESTION_CHARS, Lexicon, Question, check_history, check_question
from .quote import Hit, Quoter
from .rescore import DEFAULT, Context, Rescorer, prefers_documents, ranking_model, rescore
from .scope import Scope
from .search import Fusion, UnitScores, score_units
from .split import Paragraph

if TYPE_CHECKING:
    from .compare import Comparison
    from .conversation import Reading
    from .embed import Encoder
    from .terms import Terms

#: Most hits one question may ask for.
MAX_K = 20

__all__ = ["MAX_HISTORY", "MAX_K", "MAX_QUESTION_CHARS", "Answer", "Hit", "Retriever", "check_k", "check_question"]


@dataclass
class Answer:
    """The reply to a question.

    Attributes:
        question: The question as asked.
        hits: Quoted sections, best first, their answering sentences marked: for ``"answer"`` and
            ``"uncertain"``; empty for ``"none"``.
        confidence: How sure the assistant is (:func:`qa.abstain.tier`): ``"answer"`` (the first quote
            answers), ``"uncertain"`` (the quotes may answer; shown under a line that says so) or
            ``"none"`` (nothing in the library answers).
        related: For ``"none"``, the closest sections, as further reading only.
        sources: The files searched, when the question was asked of some only; None for all.
        understood_as: The question as it was read, when the conversation changed it
            (「敦化 目标 社会消费品零售总额？」); None when it was read as asked.

    :func:`qa.render.to_markdown` and :func:`qa.render.to_html` make the reply to show.
    """

    question: str
    hits: list[Hit]
    confidence: str
    related: list[Hit] = field(default_factory=list)
    sources: list[str] | None = None
    understood_as: str | None = None

    @property
    def abstained(self) -> bool:
        """True unless the assistant is sure the first quote answers (``confidence != "answer"``)."""
        return self.confidence != "answer"

    def to_dict(self) -> dict:
        """The JSON shape of ``qa ask --json``."""
        return {
            "question": self.question,
            "understood_as": self.understood_as,
            "confidence": self.confidence,
            "abstained": self.abstained,
            "hits": [h.to_dict() for h in self.hits],
            "related": [h.to_dict() for h in self.related],
            "sources": self.sources,
        }


def check_k(k: object) -> None:
    """Raise :class:`QueryError` unless ``k`` is a whole number from 1 to ``MAX_K``."""
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise QueryError(f"k must be a whole number from 1 to {MAX_K}")


class Retriever:
    """Searches a built index and answers questions from it.

    Args:
        index_dir: The index folder (``qa build`` writes it), or a :class:`qa.store.Location` in Milvus.
        model: Model name, path or loaded model. None uses the model the index
            was built with; a different one is refused.
        backend: ``"onnx"`` or ``"torch"``; None uses the index's. The other one
            is allowed: it runs the same model, and questions find the same
            passages (measured on the plan's dev set).
        verify: Check every index file's sha256 on load.
        fusion: How dense and keyword scores are combined.
        rescorers: What the product adds to the fused scores (:data:`qa.rescore.DEFAULT`);
            ``()`` for a baseline that sees the library as it is.
    """

    def __init__(
        self,
        index_dir: str | os.PathLike = "index",
        model: "str | Encoder | None" = None,
        *,
        backend: str | None = None,
        verify: bool = True,
        fusion: Fusion = Fusion(),
        rescorers: tuple[Rescorer, ...] = DEFAULT,
    ):
        from .embed import backend_of, get_model, model_dim

        self.index: LoadedIndex = published.load(index_dir, verify=verify)
        self.fusion = fusion
        self.rescorers = tuple(rescorers)
        m = self.index.manifest
        if model is None or isinstance(model, str):
            if model is not None and model != m.model:
                raise IndexMismatch(
                    f"the index in {index_dir} was built with model {m.model} (dim {m.dim}), "
                    f"not {model}; rebuild it with `qa build --model {model}` or drop --model"
                )
            self.model = get_model(m.model, backend or m.backend)
        else:
            self.model = model
        name = getattr(self.model, "qa_name", m.model)
        dim = model_dim(self.model)
        if name != m.model or dim != m.dim:
            raise IndexMismatch(
                f"the index in {index_dir} was built with model {m.model} (dim {m.dim}), "
                f"but model {name} (dim {dim}) was given; rebuild it with `qa build --model {name}`"
            )
        self.model_name = m.model
        backends = {m.backend, backend_of(self.model)}  # the index's vectors and the questions': each fit is per backend
        #: The fitted model of how sure to be (:func:`qa.abstain.confidence_model`); None for a model never fitted.
        self.confidence_model = abstain.confidence_model(m.model, backends)
        #: The fitted model of the questions plans are asked (:func:`qa.abstain.domain_model`); None for a model never fitted.
        self.domain_model = abstain.domain_model(m.model, backends)
        #: The fitted ranking of the best units (:func:`qa.rescore.ranking_model`), read by :class:`qa.rescore.Learned`;
        #: None for a model never fitted.
        self.ranking_model = ranking_model(m.model, backends)
        #: The fitted decision of "not mentioned" in a comparison (:func:`qa.compare.mention_model`); None for a
        #: model never fitted.
        self.mention_model = mention_model(m.model, backends)
        #: Document titles by file.
        self.titles = {name: m.title(name) for name in m.sources}
        places = {name: rec.meta["places"] for name, rec in m.sources.items() if rec.status == "indexed"}
        #: What questions are read against: the documents' places, the library's words.
        self.lexicon = Lexicon(places, self.index.store.vocabulary, usage=self.index.store.usage)
        #: The places and years of the units, to prefer those a question is about.
        self.scope = Scope(self.lexicon, self.titles, self.index.paragraphs, self.index.units)
        self.quoter = Quoter(self.index, self.titles)
        self._chance: dict[str, abstain.Chance] = {}
        self._comparer = None  # made at the first comparison (qa.compare.Comparer)
        tokenize("敦化")  # loads jieba's dictionary now, not during the first question

    def terms(self) -> "Terms | None":
        """The library's terms, embedded by this model (:func:`qa.terms.index_terms`), which the English phrases of a
        comparison are read by (:func:`qa.compare.without_preference`); None when they cannot be had, and the
        comparison reads the dictionary alone."""
        from .terms import index_terms

        try:
            return index_terms(self.index, self.model_name, self.model)
        except Exception as e:  # derived data: a comparison goes on without them
            logging.getLogger(__name__).warning("the library's terms are not available (%s); English read by the dictionary alone", e)
            return None

    # -------------------------------------------------------------- reading

    def parse(self, question: str | Question) -> Question:
        """The question read against this library (:class:`qa.question.Question`), once.

        Raises:
            QueryError: empty or over-long question.
        """
        return Question.parse(question, self.lexicon)

    def encode(self, questions: list[str | Question]) -> np.ndarray:
        """The questions' vectors, embedded in batches with the model's query prompt.

        What is embedded is :attr:`Question.embedded`: an English question with its Chinese words after it, a
        question without the clause naming the part it asks of.
        """
        from .embed import encode_queries

        read = [q if isinstance(q, Question) else self.lexicon.read(q) for q in questions]
        return encode_queries(self.model, [q.embedded for q in read])

    def sources_named(self, names: list[str] | None) -> list[str] | None:
        """The indexed files that ``names`` (file names or titles) pick, as :func:`qa.library.match_sources` reads them; None for None.

        Raises:
            QueryError: a name picks no document.
        """
        from .library import match_sources

        if names is None:
            return None
        if isinstance(names, str):
            names = [names]
        return match_sources(list(names), self.titles)

    # -------------------------------------------------------------- scoring

    def context(self, fusion: Fusion | None = None) -> Context:
        """What the re-scorers read (:class:`qa.rescore.Context`)."""
        return Context(self.index, self.scope, fusion or self.fusion, self.encode, self.ranking_model)

    def score(
        self, question: str | Question, fusion: Fusion | None = None, *, vector: np.ndarray | None = None,
        sources: list[str] | None = None, rescorers: tuple[Rescorer, ...] | None = None,
    ) -> UnitScores:
        """Score the candidate units for a question.

        Args:
            question: The question (checked with :func:`check_question`).
            fusion: How to combine the two sides; the Retriever's own by default.
            vector: The question's vector, if already embedded (see :meth:`encode`).
            sources: Only these documents, by file name or title; None for all.
            rescorers: The re-scorers; the Retriever's own by default, ``()`` for none.

        Raises:
            QueryError: empty or over-long question, or a source that names no document.
        """
        q = self.parse(question)
        fusion = fusion or self.fusion
        rescorers = self.rescorers if rescorers is None else tuple(rescorers)
        allowed = self._allowed(sources)
        if vector is None:
            vector = self.encode([q])[0]
        # The document preference also draws its documents' own best units in, and leaves the place out of the keywords.
        prefer = prefers_documents(rescorers)
        tokens = q.keywords if prefer else q.tokens
        also = self.scope.preferred_units(q) if prefer else None  # documents and the end of one it names
        scored = score_units(self.index.store, vector, tokens, fusion, allowed, also)
        return rescore(scored, q, self.context(fusion), rescorers)

    def _allowed(self, sources: list[str] | None) -> np.ndarray | None:
        """The ids of the units of these files; None (all) for None."""
        if sources is None:
            return None
        wanted = np.isin(np.array([p.source for p in self.index.paragraphs]), self.sources_named(sources))
        return np.flatnonzero(wanted[self.index.units[:, UNIT_PARAGRAPH]])

    # -------------------------------------------------------------- quoting

    def rank(self, scored: UnitScores, k: int) -> list[Hit]:
        """The ``k`` best sections for these unit scores, with their answering sentences (:class:`qa.quote.Quoter`)."""
        return self.quoter.hits(scored, k)

    def neighbours(self, hit: Hit, before: int = 1, after: int = 1) -> list[Paragraph]:
        """The paragraphs of ``hit``'s document from ``before`` above it to ``after`` below it, itself included."""
        return self.quoter.neighbours(hit, before, after)

    def section(self, hit: Hit) -> list[Paragraph]:
        """Every paragraph under ``hit``'s nearest heading, in order (just its own where there is none)."""
        return self.quoter.section(hit)

    def search(
        self, question: str | Question, k: int = 3, *, fusion: Fusion | None = None, sources: list[str] | None = None,
        rescorers: tuple[Rescorer, ...] | None = None,
    ) -> list[Hit]:
        """The ``k`` sections that best match the question, best first.

        Args:
            question: The question, in Chinese (either script) or English.
            k: How many sections.
            fusion: How to combine the two sides; the Retriever's own by default.
            sources: Only these documents, by file name or title; None for all.
            rescorers: The re-scorers; the Retriever's own by default, ``()`` for a baseline.

        Raises:
            QueryError: empty or over-long question, ``k`` out of range, or a source that names no document.
        """
        check_k(k)
        return self.rank(self.score(question, fusion, sources=sources, rescorers=rescorers), k)

    def search_many(
        self, questions: list[str], k: int = 3, *, fusion: Fusion | None = None, rescorers: tuple[Rescorer, ...] | None = None,
    ) -> list[list[Hit]]:
        """:meth:`search` for many questions, embedded in batches: faster than one by one.

        Raises:
            QueryError: a question is empty or over-long, or ``k`` is out of range.
        """
        check_k(k)
        read = [self.parse(q) for q in questions]
        vectors = self.encode(read)
        return [self.rank(self.score(q, fusion, vector=v, rescorers=rescorers), k) for q, v in zip(read, vectors)]

    # -------------------------------------------------------------- how sure

    def evidence(self, question: str | Question, scored: UnitScores, cover: list[str] | None = None) -> abstain.Evidence:
        """What the confidence models read (:func:`qa.abstain.gather`).

        Args:
            question: The question as searched.
            scored: Its unit scores (:meth:`score`).
            cover: The words whose share is measured; the question's by default.
        """
        return abstain.gather(self.parse(question), scored, self.index, self.titles, self.scope, cover)

    def confidence(
        self, question: str | Question, scored: UnitScores, cover: list[str] | None = None, *, vector: np.ndarray | None = None,
        kind: bool = True,
    ) -> abstain.Sureness:
        """How sure to be of these scores' quotes: ``"answer"``, ``"uncertain"`` or ``"none"``, the
        probability it was decided on, and the probability that the library answers at all (:func:`qa.abstain.tier`).

        Args:
            question: The question as searched.
            scored: Its unit scores (:meth:`score`).
            cover: The words whose share is measured; the question's by default (a follow-up's own words).
            vector: The question's vector, if already embedded; else embedded when the domain model needs it.
            kind: Whether an "uncertain" reply to a question not of the kind plans are asked is "none"
                (:class:`qa.abstain.Domain`); a comparison judges that once, for all its rows.
        """
        q = self.parse(question)
        return abstain.tier(
            self.evidence(q, scored, cover), self.confidence_model, lambda: self.chance(q.language), q.language,
            self.domain_model if kind else None, (lambda: vector) if vector is not None else (lambda: self.encode([q])[0]),
            bool(q.thing),
        )

    def chance(self, group: str) -> abstain.Chance:
        """What off-topic questions of a group (``zh``, ``other``) reach in this index by chance.

        Over the probe questions of ``qa/probes.txt`` (cooking, weather, trivia, other countries),
        measured as a question's are (:meth:`evidence`, :func:`qa.abstain.chance_of`); both grow with
        the library. Measured at the first question of the group and kept: about 0.5 s for 25 Chinese
        questions in a library of 30 documents.
        """
        if group not in self._chance:
            probes = [self.parse(q) for q in abstain.probes() if abstain.question_group(q) == group]
            found = [self.evidence(q, self.score(q, vector=v)) for q, v in zip(probes, self.encode(probes))]
            self._chance[group] = abstain.chance_of(found)
        return self._chance[group]

    # -------------------------------------------------------------- answering

    def understand(self, question: str | Question, history: list[str] | None = None) -> "tuple[Question, Reading]":
        """The question as it is searched: a follow-up that leans on the earlier questions (「那四川呢？」) read
        with what they were about, one that stands alone as asked (:func:`qa.conversation.read_question`).

        Raises:
            QueryError: empty or over-long question, or a history that is not a list of questions.
        """
        from .conversation import read_question

        asked = self.parse(question)
        reading = read_question(asked, [self.parse(h) for h in check_history(history)])
        return (asked if reading.understood is None else reading.question(self.lexicon)), reading

    def answer(
        self, question: str, k: int = 3, *, sources: list[str] | None = None, history: list[str] | None = None
    ) -> Answer:
        """Answer with quotes, sure or not, or say that nothing in the index answers (:attr:`Answer.confidence`).

        Args:
            question: The question, in Chinese (either script) or English.
            k: Quotes, at most.
            sources: Only these documents, by file name or title; None for all.
            history: The conversation's earlier questions, oldest first. A
                follow-up that leans on them (「那四川呢？」) is read with what they
                were about (:func:`qa.conversation.read_question`); one that stands
                alone is answered as if asked first.

        Raises:
            QueryError: empty or over-long question, ``k`` out of range, or a source that names no document.
        """
        asked = self.parse(question)
        check_k(k)
        files = self.sources_named(sources)
        q, reading = self.understand(asked, history)
        vector = self.encode([q])[0]
        scored = self.score(q, sources=files, vector=vector)
        hits = self.rank(scored, k)
        # A quote must hold some of the follow-up's own words, not only those carried over; asked where a thing is
        # mentioned, the thing's words, not those asking where (「报告」 「提到」).
        sure = self.confidence(q, scored, cover=list(q.own or q.thing) or None, vector=vector).tier
        if sure == "none":
            return Answer(asked.text, [], sure, related=hits, sources=files, understood_as=reading.understood)
        return Answer(asked.text, hits, sure, sources=files, understood_as=reading.understood)

    def compare(
        self, question: str, *, sources: list[str] | None = None, history: list[str] | None = None, order: str = "library",
    ) -> "Comparison":
        """Ask every document the question: one row per document, its best quote and how sure, or
        "not mentioned" (:mod:`qa.compare`). The question is embedded once and every document scored
        in one pass; no document is preferred over another.

        Args:
            question: The question, in Chinese (either script) or English.
            sources: Only these documents, by file name or title; None for all.
            history: The conversation's earlier questions, oldest first (as for :meth:`answer`).
            order: ``"library"`` (the library's order of documents) or ``"score"`` (answers first, best first).

        Returns:
            A :class:`qa.compare.Comparison`.

        Raises:
            QueryError: empty or over-long question, bad history, or a source that names no document.
        """
        from .compare import Comparer

        if self._comparer is None:
            self._comparer = Comparer(self)
        return self._comparer.compare(question, sources=sources, history=history, order=order)
