"""Stage 6: answer a question with quotes, highlights, or an honest "not found".

Nothing is generated: a hit's text is a section of the source, verbatim
after cleaning, and each highlight is a sentence of that text.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .bilingual import meanings_found
from .errors import IndexMismatch, QueryError
from .index import LoadedIndex, load_index
from .keywords import coverage, token_usage, tokenize
from .scope import Scope, document_places, head_lines, without_names
from .search import Fusion, UnitScores, fuse, rank_sections, score_units
from .split import Paragraph, lead_sentence
from .text import converter, fold_script, has_cjk

if TYPE_CHECKING:
    from .bilingual import Glossary
    from .embed import Encoder

#: Longest question accepted, in characters. Longer ones are refused, never cut.
MAX_QUESTION_CHARS = 500
#: Most hits one question may ask for.
MAX_K = 20
#: Earlier questions a follow-up is read with, at most (the latest).
MAX_HISTORY = 10
#: Highlights per hit, at most.
MAX_HIGHLIGHTS = 2
#: A further sentence is highlighted when it scores within this of the best.
HIGHLIGHT_MARGIN = 0.35
#: Taken off a lead sentence's score when choosing what to highlight (「提高养老托育服务品质。」
#: before the sentence with the figure). Measured on 30 documents, highlight@1: 0 → 0.903,
#: 0.25 to 1 → 0.920; follow-ups' answering sentence first: 0 → 0.688, 0.5 → 0.719, 1 → 0.750.
LEAD_HANDICAP = 1.0
#: Taken off the fused score of a piece of a long sentence (:func:`qa.split.sentence_pieces`), which
#: stands for its sentence. Measured on 30 documents (hit@1 / hit@3 / highlight@1 of the Word files;
#: held-out Chinese hit@1): no pieces 0.896 / 0.958 / 0.875; 0.933. Pieces with 0: 0.938 / 1.000 /
#: 0.917; 0.889, 0.25: 0.958 / 1.000 / 0.938; 0.911, 0.5: 0.958 / 0.979 / 0.938; 0.911.
PIECE_HANDICAP = 0.25
#: A paragraph up to this long is quoted whole; a longer one by a run of its sentences.
MAX_WHOLE_QUOTE = 800
#: The run of sentences quoted from a long paragraph grows around the answer up to this.
QUOTE_CHARS = 450
#: :meth:`Retriever.place_neutral` re-scores only when a unit naming the question's place is among this
#: many best of its documents (a second embedding). Counted among all documents' best 20, it stopped
#: re-scoring once the pieces of other reports' target lists filled them (the plan's 社会消费品零售总额
#: follow-up was lost); among its documents' best 20 a follow-up with history cost 1.42× as long as
#: alone (p50), best 5 1.10×, best 3 1.12×, with the same answers (``benchmarks/conversations.py``).
PLACE_NEUTRAL_TOP = 5
#: A question is answered only with evidence above what this share of the off-topic probe questions
#: (``qa/probes.txt``) reach in the index (:meth:`Retriever.chance`): its best cosine, and its cover.
#: In the plan among 10,000 synthetic sections a cooking question finds clause soup at cosine 0.89,
#: above the calibrated 0.8825, and an English one holds a third of its words there. Measured by
#: ``benchmarks/abstain.py`` (synthetic: out of scope abstained, English; library: wrongly abstained):
#: no probes 0.735, 0.600; 0.039. Cosine alone at 0.75: 0.816, 0.733; 0.039. Cosine and cover (with
#: the name and year rules of :meth:`evidence`) at 0.75: 0.878, 0.933; 0.022, at 0.8: 0.918, 0.933;
#: 0.028, the plan unchanged; 0.9 (cosine alone) lost 0.086 of the synthetic's answerable ones.
PROBE_QUANTILE = 0.8
#: Likewise for the cover, a lower share: on a small library most probes hold none of their words, so
#: a high quantile of the 15 English ones lands on a stray one (the plan's example "What is the plan for
#: the pumped-storage power station?", cover 0.260, was turned away at 0.8, floor 0.263; at 0.75 it is
#: 0.131). The three libraries of ``benchmarks/abstain.py`` give the same figures at 0.75 and 0.8.
COVER_QUANTILE = 0.75
#: The best units, and sections, that abstaining looks at: an answer is among the first few.
EVIDENCE_TOP = 3


class Evidence(NamedTuple):
    """What abstaining decides on, for one question.

    Attributes:
        dense: The best unit's cosine similarity to the question, of the sentences and runs
            (a piece of a long sentence is not counted: the thresholds were fitted without them).
        cover: The most of the question's salience one of the best units holds
            (:func:`qa.keywords.coverage`), from 0 to 1; for an English question, the
            share of its words whose Chinese meanings the unit holds
            (:func:`qa.bilingual.meanings_found`).
        unknown: What the question names that the library is not about
            (:meth:`qa.scope.Scope.unknown`): places, a year, other names.
    """

    dense: float
    cover: float
    unknown: list[str]


class Chance(NamedTuple):
    """What off-topic questions reach in an index by chance (:meth:`Retriever.chance`).

    Attributes:
        dense: The best cosine (:attr:`Evidence.dense`) that a share :data:`PROBE_QUANTILE` of them stay under.
        cover: The cover (:attr:`Evidence.cover`) that a share :data:`COVER_QUANTILE` of them stay under.
    """

    dense: float
    cover: float


@dataclass(frozen=True)
class Hit:
    """A quoted paragraph.

    Attributes:
        text: The quote, verbatim: the paragraph, or for a long one a run of
            its whole sentences around the answer (see ``cut``).
        section: The nearest heading above it (its title where the document has none).
        source: Its file, relative to the data folder.
        score: Relevance, the fused score with any document or year preference added; higher is better.
        highlights: Sentences of ``text`` that answer the question, best first.
        path: The headings above it, from the top.
        page: The page it starts on, for a PDF; else None.
        document: The document's title.
        paragraph: Its place among the document's paragraphs (from 0), to find its neighbours.
        span: Where ``text`` starts and ends in the paragraph.
        cut: Whether the paragraph goes on before and after ``text``.
    """

    text: str
    section: str
    source: str
    score: float
    highlights: list[str]
    path: list[str] = field(default_factory=list)
    page: int | None = None
    document: str = ""
    paragraph: int = 0
    span: tuple[int, int] = (0, 0)
    cut: tuple[bool, bool] = (False, False)

    def to_dict(self) -> dict:
        """The JSON shape of a hit, as ``qa ask --json`` prints it (pairs as lists)."""
        return dict(asdict(self), span=list(self.span), cut=list(self.cut))


@dataclass
class Answer:
    """The reply to a question.

    Attributes:
        question: The question as asked.
        hits: Quoted sections that answer it, best first; empty when abstained.
        abstained: True when nothing in the index answers the question.
        related: When abstained, the closest sections, as further reading only.
        sources: The files searched, when the question was asked of some only; None for all.
        understood_as: The question as it was read, when the conversation changed it
            (「敦化 目标 社会消费品零售总额？」); None when it was read as asked.

    :func:`qa.render.to_markdown` and :func:`qa.render.to_html` make the reply to show.
    """

    question: str
    hits: list[Hit]
    abstained: bool
    related: list[Hit] = field(default_factory=list)
    sources: list[str] | None = None
    understood_as: str | None = None

    def to_dict(self) -> dict:
        """The JSON shape of ``qa ask --json``."""
        return {
            "question": self.question,
            "understood_as": self.understood_as,
            "abstained": self.abstained,
            "hits": [h.to_dict() for h in self.hits],
            "related": [h.to_dict() for h in self.related],
            "sources": self.sources,
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


def thresholds(model_name: str, backends: set[str]) -> dict | None:
    """The abstention thresholds for questions embedded on one backend and the index on another.

    Each backend's vectors have their own calibration (the model's own when a
    backend has none). Across two backends the scores fall between the two,
    so the lower of each threshold applies: the assistant answers whatever
    either calibration would answer. None for an uncalibrated model.
    """
    from .embed import vector_space

    found = [t for b in sorted(backends) if (t := calibration().get(vector_space(model_name, b)) or calibration().get(model_name))]
    if len(found) < 2:
        return found[0] if found else None
    return {g: {k: min(t[g][k] for t in found) for k in found[0][g]} for g in ("zh", "other")}


class Retriever:
    """Searches a built index and answers questions from it.

    Args:
        index_dir: The index folder (``qa build`` writes it).
        model: Model name, path or loaded model. None uses the model the index
            was built with; a different one is refused.
        backend: ``"onnx"`` or ``"torch"``; None uses the index's. The other one
            is allowed: it runs the same model, and questions find the same
            passages (measured on the plan's dev set).
        verify: Check every index file's sha256 on load.
        fusion: How dense and keyword scores are combined.
    """

    def __init__(
        self,
        index_dir: str | os.PathLike = "index",
        model: "str | Encoder | None" = None,
        *,
        backend: str | None = None,
        verify: bool = True,
        fusion: Fusion = Fusion(),
    ):
        from .embed import backend_of, get_model, model_dim

        self.index: LoadedIndex = load_index(index_dir, verify=verify)
        self.fusion = fusion
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
        self.thresholds = thresholds(m.model, {m.backend, backend_of(self.model)})
        #: Document titles by file.
        self.titles = {name: m.title(name) for name in m.sources}
        self._where = {(p.source, p.number): i for i, p in enumerate(self.index.paragraphs)}
        #: The places and years of the units, to prefer those a question is about.
        self.scope = Scope(self._places(), self.titles, self.index.paragraphs, self.index.units, self.index.bm25.vocab_dict)
        self._chance: dict[str, Chance] = {}
        tokenize("敦化")  # loads jieba's dictionary now, not during the first question

    def _places(self) -> dict[str, list[str]]:
        """Each indexed document's places: from the build, or found now for an index built before they were kept."""
        places = {}
        for name, rec in self.index.manifest.sources.items():
            if rec.status != "indexed":
                continue
            if "places" not in rec.meta:
                text = "\n".join(p.text for p in self.index.paragraphs if p.source == name)
                rec.meta["places"] = document_places(head_lines(rec.title, rec.meta, name), text)
            places[name] = rec.meta["places"]
        return places

    # -------------------------------------------------------------- scoring

    def encode(self, questions: list[str]) -> np.ndarray:
        """The questions' vectors, embedded in batches with the model's query prompt.

        An English question is embedded with its Chinese words (:meth:`english_terms`) after it.
        """
        from .embed import encode_queries

        return encode_queries(self.model, [" ".join([q, *self.english_terms(q)]) for q in questions])

    @cached_property
    def _glossary(self) -> "Glossary":
        from .bilingual import Glossary

        return Glossary(token_usage(self.index.bm25))

    def english_terms(self, question: str) -> list[str]:
        """The library's Chinese words for an English question's words (:class:`qa.bilingual.Glossary`); none for a Chinese one."""
        if has_cjk(question):
            return []
        return self._glossary.chinese(question)

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

    def _allowed(self, sources: list[str] | None) -> np.ndarray | None:
        """The ids of the units of these files; None (all) for None."""
        if sources is None:
            return None
        wanted = np.isin(np.array([p.source for p in self.index.paragraphs]), self.sources_named(sources))
        return np.flatnonzero(wanted[self.index.units[:, 0]])

    def score(
        self, question: str, fusion: Fusion | None = None, *, vector: np.ndarray | None = None, sources: list[str] | None = None
    ) -> UnitScores:
        """Score the candidate units for a question.

        Args:
            question: The question (checked with :func:`check_question`).
            fusion: How to combine the two sides; the Retriever's own by default.
            vector: The question's vector, if already embedded (see :meth:`encode`).
            sources: Only these documents, by file name or title; None for all.

        Raises:
            QueryError: empty or over-long question, or a source that names no document.
        """
        question = check_question(question)
        fusion = fusion or self.fusion
        allowed = self._allowed(sources)
        z = fusion.method == "z"  # the baselines see the library as it is
        if vector is None:
            vector = self.encode([question])[0]
        tokens = self.keywords(question) if z else tokenize(question)
        also = self.scope.preferred_units(question) if z else None
        scored = score_units(self.index.dense, self.index.bm25, vector, tokens, fusion, allowed, also)
        if not z:
            return scored
        # A piece of a long sentence is short, so it matches more sharply than whole sentences do.
        pieces = PIECE_HANDICAP * (self.index.units[scored.ids, 3] > 0)
        dense = self.place_neutral(question, scored) if fusion.prefer else None
        fused = scored.fused if dense is None else fuse(dense, scored.keyword, fusion.method, fusion.dense_weight)
        lift = fusion.prefer * self.scope.lift(question, scored.ids) if fusion.prefer else 0.0
        return scored._replace(fused=fused - pieces + lift)

    def place_neutral(self, question: str, scored: UnitScores) -> np.ndarray | None:
        """Dense scores for ranking, without what a sentence gains by naming the question's place.

        Once 「敦化」 has picked the plan, 「敦化市堅持…」 should not outrank the sentence
        about 社会消费品零售总额 because it says 敦化: in the question's documents, a unit
        that names its place is scored by the question without the place, plus the mean
        gap the place makes to the units that do not name it. Abstaining keeps the
        plain cosine. Measured on 30 reports: follow-ups first 0.750 → 0.844, held-out ones
        0.900 unchanged, text hit@1 0.968 → 1.000, Word hit@3 0.979 → 0.958 (one answer in a
        long sentence that also says 「视察山东」). Only units that name the place: lowering
        every unit of the documents lost two held-out follow-ups.

        Args:
            question: The question as searched.
            scored: Its unit scores (:meth:`score`).

        Returns:
            The adjusted dense scores, or None when nothing changes.
        """
        places = self.scope.named_places(question)
        inside = self.scope.inside(question, scored.ids) if places else None
        if inside is None or not inside.any():
            return None
        rest = without_names(question, places)
        if not rest:
            return None
        units, paragraphs = self.index.units, self.index.paragraphs
        names = places | {converter("s2t").convert(p) for p in places}  # the text as written: 廣西 as well as 广西
        naming = inside & np.array([
            any(n in paragraphs[pi].sentence(s0, s1) for n in names) for pi, s0, s1, _ in units[scored.ids].tolist()
        ], dtype=bool)
        others = inside & ~naming
        # Only worth a second embedding when a unit naming the place is among the best of its documents.
        if not naming[np.argsort(-np.where(inside, scored.fused, -np.inf))[:PLACE_NEUTRAL_TOP]].any() or not others.any():
            return None
        without = self.encode([rest])[0]
        cosine = np.zeros(len(scored.ids))
        cosine[inside] = self.index.dense.reconstruct_batch(scored.ids[inside].astype(np.int64)) @ without
        gap = float((scored.dense[others] - cosine[others]).mean())
        dense = scored.dense.copy()
        dense[naming] = np.minimum(cosine[naming] + gap, scored.dense[naming])
        return dense

    def rank(self, scored: UnitScores, k: int) -> list[Hit]:
        """The ``k`` best sections for these unit scores, with their answering sentences."""
        units, paragraphs = self.index.units, self.index.paragraphs
        ranked = rank_sections(units, scored)[:k]
        # Best score per sentence: a sentence's own unit first, else the runs holding it.
        by_sentence: dict[tuple[int, int], tuple[int, float]] = {}
        for uid, s in zip(scored.ids.tolist(), scored.fused.tolist()):
            sec, s0, s1, _ = (int(x) for x in units[uid])
            for sent in range(s0, s1 + 1):
                prio = 1 if s0 == s1 else 0
                if (prio, s) > by_sentence.get((sec, sent), (-1, -np.inf)):
                    by_sentence[(sec, sent)] = (prio, s)
        hits = []
        for pi, score in ranked:
            para = paragraphs[pi]
            # A lead sentence names the paragraph's topic, so it shares the question's words
            # without answering it: it is highlighted only when it clearly scores best.
            lead = LEAD_HANDICAP if lead_sentence(para.text) else 0.0
            sents = sorted(
                ((v[1] - (lead if i == 0 else 0.0), i) for (si, i), v in by_sentence.items() if si == pi and v[0] == 1),
                reverse=True,
            ) or sorted(((v[1], i) for (si, i), v in by_sentence.items() if si == pi), reverse=True)
            top = sents[0][0]
            chosen = [i for s, i in sents if s >= top - HIGHLIGHT_MARGIN][:MAX_HIGHLIGHTS]
            s0, s1 = quote_sentences(para, chosen)
            chosen = [i for i in chosen if s0 <= i <= s1]
            start, end = para.sentences[s0][0], para.sentences[s1][1]
            hits.append(Hit(
                para.text[start:end], para.section, para.source, round(float(score), 4),
                [para.sentence(i) for i in chosen], para.path, para.page, self.titles.get(para.source, para.source),
                para.number, (start, end), (start > 0, end < len(para.text)),
            ))
        return hits

    def neighbours(self, hit: Hit, before: int = 1, after: int = 1) -> list[Paragraph]:
        """The paragraphs of ``hit``'s document from ``before`` above it to ``after`` below it, itself included."""
        i = self._where[(hit.source, hit.paragraph)]
        paras = self.index.paragraphs
        return [p for p in paras[max(0, i - before) : i + after + 1] if p.source == hit.source]

    def section(self, hit: Hit) -> list[Paragraph]:
        """Every paragraph under ``hit``'s nearest heading, in order (just its own where there is none)."""
        i = self._where[(hit.source, hit.paragraph)]
        para = self.index.paragraphs[i]
        if not para.path:
            return [para]
        return [p for p in self.index.paragraphs if p.source == para.source and p.path[: len(para.path)] == para.path]

    def search(self, question: str, k: int = 3, *, fusion: Fusion | None = None, sources: list[str] | None = None) -> list[Hit]:
        """The ``k`` sections that best match the question, best first.

        Args:
            question: The question, in Chinese (either script) or English.
            k: How many sections.
            fusion: How to combine the two sides; the Retriever's own by default.
            sources: Only these documents, by file name or title; None for all.

        Raises:
            QueryError: empty or over-long question, ``k`` out of range, or a source that names no document.
        """
        check_k(k)
        return self.rank(self.score(question, fusion, sources=sources), k)

    def keywords(self, question: str) -> list[str]:
        """The keyword tokens of a question, without the places that pick its documents.

        When a question's place picks the documents it prefers (:meth:`Scope.lift`),
        the other words pick the sentence; with the place left in, 「敦化的外贸目标是多少？」
        finds every sentence that says 「敦化市」. (The dense side keeps the place:
        measured on 30 reports, taking it out there lost more than it won.)
        """
        tokens = tokenize(question) + self.english_terms(question)
        if not self.scope.documents(question):
            return tokens
        return without_places(tokens, self.scope.named_places(question))

    def search_many(self, questions: list[str], k: int = 3, *, fusion: Fusion | None = None) -> list[list[Hit]]:
        """:meth:`search` for many questions, embedded in batches: faster than one by one.

        Raises:
            QueryError: a question is empty or over-long, or ``k`` is out of range.
        """
        check_k(k)
        questions = [check_question(q) for q in questions]
        vectors = self.encode(questions)
        return [self.rank(self.score(q, fusion, vector=v), k) for q, v in zip(questions, vectors)]

    def evidence(self, question: str, scored: UnitScores, cover: list[str] | None = None) -> Evidence:
        """What abstaining decides on: how close the best units are, how much of the question
        they hold, and what the question names that the library is not about.

        None of it grows with the library: a cosine, a share of the question's
        own words (weighed by general Chinese, not by the library), and names.

        Args:
            question: The question as searched.
            scored: Its unit scores (:meth:`score`).
            cover: The words whose share is measured; the question's by default.
        """
        if len(scored.ids) == 0:
            return Evidence(0.0, 0.0, [])
        units, paragraphs = self.index.units, self.index.paragraphs
        # A place the library is about (敦化 in the plan) is not looked for in the sentence.
        tokens = cover or without_places(tokenize(question), self.scope.named_places(question))
        # An English question's words are looked for by their Chinese meanings, each word alike.
        meanings = None if has_cjk(question) else self._glossary.meanings(" ".join(cover) if cover else question)
        share = 0.0
        for uid in scored.ids[np.argsort(-scored.fused)[:EVIDENCE_TOP]].tolist():
            pi, s0, s1, _ = (int(x) for x in units[uid])
            para = paragraphs[pi]
            text = fold_script(f"{self.titles.get(para.source, '')}\n{para.sentence(s0, s1)}")
            found = meanings_found(meanings, text) if meanings is not None else coverage(tokens, text)
            share = max(share, found)
        best = [pi for pi, _ in rank_sections(units, scored)[:EVIDENCE_TOP]]
        context = fold_script("\n".join(
            f"{self.titles.get(p.source, '')}\n{' '.join(p.path)}\n{p.text}" for p in (paragraphs[pi] for pi in best)
        ))
        # The thresholds were fitted on whole sentences: a short piece of one is closer to any short question.
        whole = self.index.units[scored.ids, 3] == 0
        dense = float(scored.dense[whole].max() if whole.any() else scored.dense.max())
        unknown = self.scope.unknown(question, context, best)
        if unknown and not has_cjk(question):  # "Canal" in "Pinglu Canal" is a word the library uses (运河), not a name
            unknown = [n for n in unknown if has_cjk(n) or n.isdigit() or not (
                in_longer_name(question, n) and self._glossary.uses_word(n))]
        return Evidence(dense, share, unknown)

    def abstains(self, question: str, scored: UnitScores, cover: list[str] | None = None) -> bool:
        """True when nothing found answers the question.

        It abstains when the question names a place, a year or a name that the
        library is not about (「广东」 in a library without Guangdong's report).
        Otherwise it answers when the best unit's dense score alone is high (above
        the calibrated threshold and above what most off-topic probes reach in this
        index, :data:`PROBE_QUANTILE`), or
        when its dense score is fairly high and the best units hold enough of
        the question's words (more than most probes hold, :data:`COVER_QUANTILE`). The thresholds are calibrated per model and per
        kind of question (Chinese, other) by ``benchmarks/calibrate.py``, on
        labelled questions over the plan alone and over a library of 30
        documents. With an uncalibrated model it abstains only on names.
        """
        ev = self.evidence(question, scored, cover)
        if ev.unknown:
            return True
        group = question_group(question)
        t = (self.thresholds or {}).get(group)
        if t:  # never below what chance reaches in this library
            chance = self.chance(group)
            t = dict(t, dense_alone=max(t["dense_alone"], chance.dense), cover=max(t["cover"], chance.cover))
        return bool(t) and not strong_enough(t, ev.dense, ev.cover)

    def chance(self, group: str) -> Chance:
        """What off-topic questions of a group (``zh``, ``other``) reach in this index by chance.

        The :data:`PROBE_QUANTILE` quantile of their best cosine and the :data:`COVER_QUANTILE` one of
        their cover, over the probe questions of ``qa/probes.txt`` (cooking, weather, trivia, other countries), measured as
        a question's are (:meth:`evidence`); both grow with the library. Measured at the first
        question of the group and kept: about 0.5 s for 25 Chinese questions in a library of 30 documents.
        """
        if group not in self._chance:
            probes = [q for q in _probes() if question_group(q) == group]
            found = [self.evidence(q, self.score(q, vector=v)) for q, v in zip(probes, self.encode(probes))]
            self._chance[group] = Chance(
                float(np.quantile([e.dense for e in found], PROBE_QUANTILE)),
                float(np.quantile([e.cover for e in found], COVER_QUANTILE)),
            )
        return self._chance[group]

    def answer(
        self, question: str, k: int = 3, *, sources: list[str] | None = None, history: list[str] | None = None
    ) -> Answer:
        """Answer with quotes, or abstain when nothing in the index answers.

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
        from .conversation import read_question

        question = check_question(question)
        check_k(k)
        files = self.sources_named(sources)
        reading = read_question(question, check_history(history), self.scope.about)
        scored = self.score(reading.text, sources=files)
        hits = self.rank(scored, k)
        # A quote must hold some of the follow-up's own words, not only those carried over.
        if self.abstains(reading.text, scored, cover=reading.own if reading.understood else None):
            return Answer(question, [], True, related=hits, sources=files, understood_as=reading.understood)
        return Answer(question, hits, False, sources=files, understood_as=reading.understood)


def in_longer_name(question: str, word: str) -> bool:
    """Whether ``word`` is capitalised in ``question`` as part of a longer name: "Pinglu Canal", "Port of Shanghai"; not "the Moon"."""
    w = re.escape(word)
    return bool(re.search(rf"(?i:\b{w}\b)\s+(?:of\s+(?:the\s+)?)?[A-Z]|[A-Z][\w’'-]*\s+(?i:\b{w}\b)", question))


def without_places(tokens: list[str], places: set[str]) -> list[str]:
    """``tokens`` without those holding one of ``places``; all of them when nothing else is left."""
    return [t for t in tokens if not any(p in t for p in places)] or tokens


def quote_sentences(para: Paragraph, answer: list[int]) -> tuple[int, int]:
    """The first and last sentence to quote of ``para``, around its answering sentences ``answer`` (best first).

    A paragraph up to ``MAX_WHOLE_QUOTE`` characters is quoted whole. From a
    longer one, the run from the best answering sentence (with the next best,
    if close enough) grows by whole sentences, after and before in turn, while
    it stays within ``QUOTE_CHARS``.
    """
    n = len(para.sentences)
    if len(para.text) <= MAX_WHOLE_QUOTE or not answer:
        return 0, n - 1

    def size(a: int, b: int) -> int:
        return para.sentences[b][1] - para.sentences[a][0]

    s0 = s1 = answer[0]
    for i in answer[1:]:
        a, b = min(s0, i), max(s1, i)
        if size(a, b) <= QUOTE_CHARS:
            s0, s1 = a, b
    grew = True
    while grew:
        grew = False
        if s1 + 1 < n and size(s0, s1 + 1) <= QUOTE_CHARS:
            s1, grew = s1 + 1, True
        if s0 > 0 and size(s0 - 1, s1) <= QUOTE_CHARS:
            s0, grew = s0 - 1, True
    return s0, s1


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


def check_k(k: object) -> None:
    """Raise :class:`QueryError` unless ``k`` is a whole number from 1 to ``MAX_K``."""
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise QueryError(f"k must be a whole number from 1 to {MAX_K}")


def strong_enough(thresholds: dict, dense, cover):
    """Whether the evidence is strong enough to answer: dense alone, or dense and cover together.

    Args:
        thresholds: ``dense_alone``, ``dense`` and ``cover``, as in ``calibration.json``.
        dense: Best dense score(s), a number or an array.
        cover: Cover of the question by the best units (:class:`Evidence`), aligned with ``dense``.

    Returns:
        A bool, or a bool array for arrays (``benchmarks/calibrate.py`` applies it to many questions).
    """
    return (dense >= thresholds["dense_alone"]) | ((dense >= thresholds["dense"]) & (cover >= thresholds["cover"]))


@lru_cache(maxsize=1)
def _probes() -> list[str]:
    """Questions no plan answers (``qa/probes.txt``), to measure what an index scores by chance."""
    text = resources.files("qa").joinpath("probes.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def question_group(question: str) -> str:
    """``"zh"`` for a question with Chinese characters, else ``"other"``: each has its own thresholds."""
    return "zh" if has_cjk(question) else "other"
