"""How sure the assistant is: an answer, quotes that may answer, or nothing found.

It decides on :class:`Evidence`: how close the best units are (a cosine), how
much of the question they hold (its cover), how the keyword side agrees, and
what the question names that the library is not about. A name, year or place
the library is not about gives ``"none"`` outright. Otherwise two logistic models
(:class:`Confidence`), fitted by ``benchmarks/fit_confidence.py`` per model and
backend into ``qa/calibration.json``, read the evidence, each part also against
what off-topic probe questions (``qa/probes.txt``) reach in this index by chance
(:class:`Chance`): the probability that the library answers the question at all,
and that the first quote does. An operating point on each makes the three
replies (:func:`tier`). A third model (:class:`Domain`, ``benchmarks/fit_domain.py``) reads the question's
vector alone: a question not of the kind asked of plans and reports at all (chit-chat, everyday advice,
general knowledge) is told "none" rather than given quotes that "may answer".
"""
from __future__ import annotations

import json
import warnings
from functools import lru_cache, partial
from importlib import resources
from typing import TYPE_CHECKING, Callable, NamedTuple, TypeVar

import numpy as np

from .bilingual import meanings_found
from .index import UNIT_PARAGRAPH, UNIT_PIECE, LoadedIndex
from .keywords import coverage_of, salience
from .question import question_group
from .search import UnitScores, rank_sections
from .text import fold_script, has_cjk

T = TypeVar("T")

if TYPE_CHECKING:
    from .question import Question
    from .scope import Scope

#: What chance reaches in an index (:class:`Chance`): the best cosine this share of the off-topic probe
#: questions (``qa/probes.txt``) stay under. In the plan among 10,000 synthetic sections a cooking question
#: finds clause soup at cosine 0.89, while in the plan alone the probes stay near 0.84: the models read a
#: question's cosine against it. Chosen as a hard floor before the models (synthetic off-topic abstained /
#: English / library answerable abstained: no floors 0.735 / 0.600 / 0.039, at 0.75 0.878 / 0.933 / 0.022,
#: at 0.8 0.918 / 0.933 / 0.028), kept as the models' reference.
PROBE_QUANTILE = 0.8
#: Likewise for the cover, a lower share: on a small library most probes hold none of their words, so a
#: high quantile of the 15 English ones lands on a stray one.
COVER_QUANTILE = 0.75
#: The best units, and sections, that the evidence looks at: an answer is among the first few.
EVIDENCE_TOP = 3
#: :attr:`Evidence.gap` is measured down to this section: a question the library answers has one clear best.
GAP_RANK = 5
#: A question asking where a thing is mentioned is of the kind plans are asked (:meth:`Domain.of_the_kind`) from this
#: probability that the library answers it, measured on the thing's words. Chosen on the tune sets' Chinese questions
#: of that frame (tenth session of 2026-12-06): off-topic ones reach at most 0.36 (「冲浪这项运动，哪些报告里有写到？」),
#: answerable ones at least 0.58 (「日本遗留化学武器的销毁…有没有提到？」: the plan writes 「日遗化武」).
THING_POINT = 0.5
#: The three replies (:attr:`qa.answer.Answer.confidence`).
TIERS = ("answer", "uncertain", "none")


class Evidence(NamedTuple):
    """What the confidence models read, for one question.

    Attributes:
        dense: The best unit's cosine similarity to the question, of the sentences and runs
            (a piece of a long sentence is not counted: short, it is closer to any short question).
        cover: The most of the question's salience one of the best units holds
            (:func:`qa.keywords.coverage_of`), from 0 to 1; for an English question, the
            share of its words whose Chinese meanings the unit holds
            (:func:`qa.bilingual.meanings_found`).
        unknown: What the question names that the library is not about
            (:meth:`qa.scope.Scope.unknown`): places, a year, other names.
        keyword: The best unit's BM25 score (0 when no word of the question is in the library).
        gap: How far the best section's fused score stands above the :data:`GAP_RANK`-th's.
        agree: Whether the dense and the keyword side put the same section first.
        margin: How far the best section's fused score stands above the second's.
        first_dense, first_cover: The cosine and the cover of the unit ranked first (whose
            section is quoted first), where ``dense`` and ``cover`` are the best of several.
        said: How much the question says: the salience of the words the cover is of
            (of their meanings for an English question). 「你是谁？」 says 「谁」 alone, and a
            quote holding it covers the whole question.
        unwritten: The common nouns of the question as searched (a follow-up's with the words it carries) that a large
            library never writes (:meth:`qa.scope.Scope.unwritten`).
    """

    dense: float
    cover: float
    unknown: list[str]
    keyword: float = 0.0
    gap: float = 0.0
    agree: bool = False
    margin: float = 0.0
    first_dense: float = 0.0
    first_cover: float = 0.0
    said: float = 0.0
    unwritten: tuple[str, ...] = ()


class Chance(NamedTuple):
    """What off-topic questions reach in an index by chance (:func:`chance_of`).

    Attributes:
        dense: The best cosine (:attr:`Evidence.dense`) that a share :data:`PROBE_QUANTILE` of them stay under.
        cover: The cover (:attr:`Evidence.cover`) that a share :data:`COVER_QUANTILE` of them stay under.
    """

    dense: float
    cover: float


@lru_cache(maxsize=1)
def calibration() -> dict:
    """The fitted models per model and backend: how sure to be (``benchmarks/fit_confidence.py``) and the learned
    ranking (``benchmarks/fit_ranking.py``)."""
    return json.loads(resources.files("qa").joinpath("calibration.json").read_text(encoding="utf-8"))


#: A document's title, script-folded; there are few, and every question's evidence reads them.
folded_title = lru_cache(maxsize=4096)(fold_script)


def gather(
    question: "Question", scored: UnitScores, index: LoadedIndex, titles: dict[str, str], scope: "Scope",
    cover: list[str] | None = None,
) -> Evidence:
    """What the confidence models read: how close the best units are, how much of the question
    they hold, and what the question names that the library is not about.

    None of it grows with the library: a cosine, a share of the question's
    own words (weighed by general Chinese, not by the library), and names.

    Args:
        question: The question as searched.
        scored: Its unit scores.
        index: The index they are of.
        titles: Each document's title, by file: a quote holds its title's words too.
        scope: What the library is about (:meth:`qa.scope.Scope.unknown`), and its folded texts
            (:meth:`qa.scope.Scope.folded`: folding is most of the cost here).
        cover: The words whose share is measured; the question's by default.
    """
    if len(scored.ids) == 0:
        return Evidence(0.0, 0.0, [])
    units, paragraphs = index.units, index.paragraphs
    # A place the library is about (敦化 in the plan) is not looked for in the sentence.
    tokens = cover or question.cover_words
    # An English question's words are looked for by their Chinese meanings, each word alike.
    meanings = question.meanings
    if cover and meanings is not None:
        meanings = question.lexicon.meanings(" ".join(cover))
    said = sum(m.weight for m in meanings) if meanings is not None else sum(salience(t) for t in tokens)
    found_in = partial(meanings_found, meanings) if meanings is not None else coverage_of(tokens, question.alternatives)
    share, first = 0.0, None
    for uid in scored.ids[np.argsort(-scored.fused)[:EVIDENCE_TOP]].tolist():
        pi, s0, s1, _ = (int(x) for x in units[uid])
        para = paragraphs[pi]
        text = f"{folded_title(titles.get(para.source, ''))}\n{scope.folded(pi, (s0, s1))}"
        found = found_in(text)
        share = max(share, found)
        first = found if first is None else first
    sections = rank_sections(units, scored)
    best = [pi for pi, _ in sections[:EVIDENCE_TOP]]
    context = "\n".join(
        f"{folded_title(titles.get(paragraphs[pi].source, ''))}\n{scope.folded(pi, headings=True)}\n{scope.folded(pi)}"
        for pi in best
    )
    # Whole sentences only: a short piece of one is closer to any short question.
    whole = units[scored.ids, UNIT_PIECE] == 0
    dense = float(scored.dense[whole].max() if whole.any() else scored.dense.max())
    gap = sections[0][1] - sections[min(GAP_RANK, len(sections)) - 1][1]
    margin = sections[0][1] - sections[1][1] if len(sections) > 1 else gap
    para = units[scored.ids, UNIT_PARAGRAPH]
    keyword = float(scored.keyword.max())
    agree = bool(para[np.argmax(scored.dense)] == para[np.argmax(scored.keyword)]) and keyword > 0
    unknown = scope.unknown(question, context, best)
    if unknown and not question.chinese:
        glossary = question.lexicon.glossary
        # "Canal" of "Pinglu Canal" (运河) is an ordinary word; "the Northeast" is the best matches' 东北, as a Chinese
        # name is the context's (Scope.unknown): the United States is no name of the library's because some report says 美国
        unknown = [n for n in unknown if has_cjk(n) or n.isdigit() or glossary is None or n not in question.names or not (
            glossary.ordinary_in_name(n, question.text) or any(w in context for w in glossary.name_words(n, question.text)))]
    return Evidence(dense, share, unknown, keyword, float(gap), agree, float(margin),
                    float(scored.dense[np.argmax(scored.fused)]), float(first or 0.0), float(said),
                    tuple(scope.unwritten(question)))


def chance_of(found: list[Evidence]) -> Chance:
    """What the probe questions' evidence reaches: the :data:`PROBE_QUANTILE` quantile of their cosines
    and the :data:`COVER_QUANTILE` one of their covers."""
    return Chance(
        float(np.quantile([e.dense for e in found], PROBE_QUANTILE)),
        float(np.quantile([e.cover for e in found], COVER_QUANTILE)),
    )


#: The models' inputs, by name: the evidence (:class:`Evidence`; ``keyword`` and ``said`` as logarithms),
#: the cosine and cover above what chance reaches in this index, and the question's language (a
#: cross-lingual cosine runs lower), alone and with the cosine and cover it shifts.
FEATURES = (
    "dense", "dense_over_chance", "cover", "cover_over_chance", "keyword", "gap", "agree",
    "margin", "first_dense", "first_cover", "said", "english", "english_dense", "english_cover",
)


def features(evidence: Evidence, chance: Chance, language: str) -> np.ndarray:
    """The evidence as the model's inputs, in the order of :data:`FEATURES`."""
    english = float(language != "zh")
    return np.array([
        evidence.dense, evidence.dense - chance.dense, evidence.cover, evidence.cover - chance.cover,
        np.log1p(max(evidence.keyword, 0.0)), evidence.gap, float(evidence.agree),
        evidence.margin, evidence.first_dense, evidence.first_cover, np.log1p(evidence.said),
        english, english * evidence.dense, english * evidence.cover,
    ])


class Logistic(NamedTuple):
    """A logistic model on standardised inputs: ``P = 1 / (1 + exp(-(bias + weights · (x - mean) / scale)))``."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    @classmethod
    def from_dict(cls, d: dict) -> "Logistic":
        arr = lambda k: np.asarray(d[k], dtype=np.float64)  # noqa: E731
        return cls(arr("mean"), arr("scale"), arr("weights"), float(d["bias"]))

    def to_dict(self) -> dict:
        return {"mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
                "weights": self.weights.round(6).tolist(), "bias": round(float(self.bias), 6)}

    def logit(self, x: np.ndarray) -> np.ndarray:
        """For one input row, or many: the log-odds."""
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.scale @ self.weights + self.bias

    def probability(self, x: np.ndarray) -> np.ndarray:
        """For one input row, or many."""
        return 1.0 / (1.0 + np.exp(-self.logit(x)))


class Sureness(NamedTuple):
    """How sure the assistant is of a reply (:func:`tier`)."""

    #: ``"answer"``, ``"uncertain"`` or ``"none"``.
    tier: str
    #: The probability it was decided on (1.0 without a model, 0.0 on a name).
    probability: float
    #: The probability that the library answers the question at all (:attr:`Confidence.relevant`; 1.0 without a
    #: model, 0.0 on a name), which a comparison reads to judge its question's kind once (:meth:`Domain.of_the_kind`).
    relevant: float


class Confidence(NamedTuple):
    """Two fitted models of the evidence, and their operating points.

    Attributes:
        features: The inputs' names (:data:`FEATURES`); a fit of other features is refused.
        relevant: The probability that the library answers the question at all (on topic).
        right: The probability that the first quote answers it.
        answer: From this ``right`` probability up, the first quote is given as the answer.
        none: Under this ``relevant`` probability, nothing is given; otherwise the quotes
            are given as "may answer".
        unwritten: Under this ``relevant`` probability, a question naming a thing the library never writes
            (:attr:`Evidence.unwritten`) is given nothing rather than quotes that "may answer"; 0 for a fit without it
            (``benchmarks/fit_domain.py --unwritten-only`` chooses it).
    """

    features: tuple[str, ...]
    relevant: Logistic
    right: Logistic
    answer: float
    none: float
    unwritten: float = 0.0

    @classmethod
    def from_dict(cls, d: dict) -> "Confidence":
        features = fitted_features(d, FEATURES, "model", "benchmarks/fit_confidence.py --refeature")
        return cls(features, Logistic.from_dict(d["relevant"]), Logistic.from_dict(d["right"]),
                   float(d["answer"]), float(d["none"]), float(d.get("unwritten", 0.0)))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "relevant": self.relevant.to_dict(), "right": self.right.to_dict(),
                "answer": self.answer, "none": self.none, "unwritten": self.unwritten}

    def tier(self, x: np.ndarray, unwritten: bool = False) -> Sureness:
        """The reply for one question's inputs, the probability it was decided on, and P(relevant); ``unwritten``: the
        question names a thing the library never writes (:attr:`Evidence.unwritten`), and quotes that "may answer"
        need P(relevant) from :attr:`unwritten` up (a sure answer stands)."""
        relevant = float(self.relevant.probability(x))
        if relevant < self.none:
            return Sureness("none", relevant, relevant)
        right = float(self.right.probability(x))
        if right >= self.answer:
            return Sureness("answer", right, relevant)
        if unwritten and relevant < self.unwritten:
            return Sureness("none", relevant, relevant)
        return Sureness("uncertain", right, relevant)


class Domain(NamedTuple):
    """Whether a question is of the kind asked of development plans, work reports and policies at all, read from
    its vector alone: a logistic model of the embedding, fitted on questions asked of such documents against
    chit-chat, everyday advice and general knowledge (``benchmarks/fit_domain.py``).

    Attributes:
        model: P(of the documents' kind) of the question's vector.
        point: Under this probability a reply that would give quotes as "may answer" is "none": the evidence
            was not enough to answer, and the question is not one a plan answers. A sure answer stands.
        yields: From this probability that the library answers the question at all (:attr:`Confidence.relevant`)
            up, the evidence outweighs the vector: the model puts 「哪些地方提到了人形机器人？」 at P 0.001 (few questions
            it was fitted on ask where a thing is mentioned), yet six reports name humanoid robots (relevant 0.91).
            Chosen so that few off-topic questions reach it (``fit_domain.py``); a fit without it never yields.
    """

    model: Logistic
    point: float
    yields: float = float("inf")

    @classmethod
    def from_dict(cls, d: dict) -> "Domain":
        return cls(Logistic.from_dict(d["model"]), float(d["point"]), float(d.get("yields", float("inf"))))

    def to_dict(self) -> dict:
        return {"model": self.model.to_dict(), "point": self.point, "yields": self.yields}

    def probability(self, vector: np.ndarray) -> float:
        return float(self.model.probability(vector))

    def of_the_kind(self, kind: float, relevant: float, thing: bool = False) -> bool:
        """Whether a question is of the kind plans are asked: its vector's probability (``kind``, :meth:`probability`)
        says so, or the evidence that the library answers it (``relevant``) is strong enough to outweigh the vector.

        For a question asking where a thing is mentioned (``thing``, :attr:`qa.question.Question.thing`) the evidence
        alone decides (:data:`THING_POINT`): its words of asking (「哪些报告提到了…」) make any thing look like a
        report's, so the vector gives 「哪些省份的政府工作报告提到了魔方比赛？」 P 0.999.
        """
        if thing:
            return relevant >= THING_POINT
        return relevant >= self.yields or kind >= self.point


def fitted_features(d: dict, expected: tuple[str, ...], what: str, refit: str) -> tuple[str, ...]:
    """The inputs a fitted part (its dictionary ``d``) was fitted on, which must be those the code reads.

    Raises:
        ValueError: fitted on other inputs; the message says to run ``refit``.
    """
    if tuple(d["features"]) != expected:
        raise ValueError(f"the fitted {what}'s features {d['features']} are not {expected}: refit it with {refit}")
    return tuple(d["features"])


def fitted(model_name: str, backends: set[str], key: str, read: Callable[[dict], T]) -> T | None:
    """One fitted part (``"confidence"``, ``"ranking"``) of ``qa/calibration.json`` for questions embedded on one
    backend and the index on another, as ``read`` makes it from its dictionary.

    Each backend's vectors have their own fit (the model's own entry when a backend
    has none). Across two backends the scores fall between the two, and the fit of
    the index's backend is as good as any: the first found, in sorted order. None
    for a model never fitted, or a fit of other inputs than the code reads (``read``
    raises ValueError), which is said in a warning.
    """
    from .embed import vector_space

    for b in sorted(backends):
        entry = calibration().get(vector_space(model_name, b)) or calibration().get(model_name)
        if entry and key in entry:
            try:
                return read(entry[key])
            except ValueError as e:  # fitted on other inputs: of no use
                warnings.warn(f"qa/calibration.json's {key} for {model_name}: {e}", stacklevel=3)
                return None
    return None


def confidence_model(model_name: str, backends: set[str]) -> Confidence | None:
    """The fitted confidence model (:func:`fitted`); None for a model never fitted: it then answers unless a
    name rules the question out."""
    return fitted(model_name, backends, "confidence", Confidence.from_dict)


def domain_model(model_name: str, backends: set[str]) -> Domain | None:
    """The fitted model of the questions plans are asked (:func:`fitted`); None for a model never fitted."""
    return fitted(model_name, backends, "domain", Domain.from_dict)


def tier(
    evidence: Evidence, model: Confidence | None, chance: Callable[[], Chance], language: str,
    domain: Domain | None = None, vector: Callable[[], np.ndarray] | None = None, thing: bool = False,
) -> Sureness:
    """How sure the assistant is (:class:`Sureness`): the tier, the probability it decided on and P(relevant).

    ``"none"`` when the question names a place, a year or a name that the library is
    not about (「广东」 in a library without Guangdong's report); otherwise the
    fitted models' tier (:meth:`Confidence.tier`), where an ``"uncertain"`` one is
    ``"none"`` for a question not of the kind plans are asked (:meth:`Domain.of_the_kind`). With no model it answers.

    Args:
        evidence: The question's evidence (:func:`gather`).
        model: The fitted model (:func:`confidence_model`), or None.
        chance: Gives what probes reach in this index; called only when needed.
        language: The question's group (``zh``, ``other``).
        domain: The fitted model of the questions plans are asked (:func:`domain_model`), or None.
        vector: Gives the question's vector; called only when ``domain`` is needed (required with it).
        thing: Whether the question asks where a thing is mentioned (:meth:`Domain.of_the_kind`).
    """
    if evidence.unknown:
        return Sureness("none", 0.0, 0.0)
    if model is None:
        return Sureness("answer", 1.0, 1.0)
    sure = model.tier(features(evidence, chance(), language), bool(evidence.unwritten))
    if sure.tier == "uncertain" and domain is not None:
        kind = sure.relevant if thing else domain.probability(vector())  # not read for a thing: the evidence decides
        if not domain.of_the_kind(kind, sure.relevant, thing):
            return Sureness("none", kind, sure.relevant)
    return sure


@lru_cache(maxsize=1)
def probes() -> list[str]:
    """Questions no plan answers (``qa/probes.txt``), to measure what an index scores by chance."""
    text = resources.files("qa").joinpath("probes.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


__all__ = [
    "COVER_QUANTILE", "EVIDENCE_TOP", "FEATURES", "GAP_RANK", "PROBE_QUANTILE", "THING_POINT", "TIERS", "Chance", "Confidence",
    "Domain", "Evidence", "Logistic", "Sureness", "calibration", "chance_of", "confidence_model", "domain_model", "features", "fitted", "fitted_features", "gather", "probes", "question_group", "tier",
]
