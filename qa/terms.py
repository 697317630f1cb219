"""The library's own words, embedded: an English phrase of a comparison the dictionary cannot give is read by the
nearest of them.

CC-CEDICT translates words, not the terms of policy writing: "commercial space industry" gives 商业, 空间, 产业,
and the reports write 商业航天; "biomanufacturing" and "black and odorous water bodies" give nothing the library
uses. The model that embeds the units embeds short terms across the two languages well: the library's keyword
tokens used by :data:`MIN_UNITS` units or more, and two tokens standing together in :data:`MIN_PAIRS` paragraphs or
more (商业航天, 生物制造, 黑臭水体), are embedded once per library, and an English phrase of up to
:data:`MAX_PHRASE` words is read by the nearest of them when their cosine reaches :data:`TERM_COSINE`
(:meth:`qa.bilingual.Glossary.meanings`). Comparisons read them (:func:`qa.compare.without_preference`, where the
figures are); answers read the dictionary alone.

The vectors are derived data, kept beside the index (``terms/``, one file pair per model and backend, written
whole and then renamed into place, never pickled): the build embeds them after it publishes, taking the vectors of
words the pair before it holds, and an index built before embeds them at its first English comparison. 30 reports: 27,700 terms, 30 s on two cores; the plan
alone: 640 terms, about 1 s.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .text import fold_script, has_cjk

if TYPE_CHECKING:
    from .embed import Encoder
    from .index import LoadedIndex

#: A keyword token is a term when this many units use it.
MIN_UNITS = 2
#: Two tokens side by side are a term when this many paragraphs write them so.
MIN_PAIRS = 3
#: Longest English phrase read by a term.
MAX_PHRASE = 3
#: Least cosine (the model's query prompt on both sides) for a term to stand for a phrase. Chosen in the
#: twenty-seventh session on tune sets only: English comparison cells right on 15 tune sets (3,540 cells) 2,428 without
#: terms, 0.875 → 2,493, 0.88 → 2,487, 0.89 → 2,462 (a first version, terms read by answers too; docs/rules.md).
TERM_COSINE = 0.875


def library_terms(texts: Iterable[str], usage: Mapping[str, int]) -> list[str]:
    """The library's terms: its Chinese keyword tokens of two characters or more used by :data:`MIN_UNITS` units, and
    pairs of Chinese tokens written together in :data:`MIN_PAIRS` of ``texts`` (its paragraphs), in a fixed order."""
    from .keywords import tokenize

    pairs: Counter[str] = Counter()
    for text in texts:
        tokens = tokenize(fold_script(text))
        pairs.update({a + b for a, b in zip(tokens, tokens[1:]) if has_cjk(a) and has_cjk(b)})
    words = sorted(w for w, n in usage.items() if n >= MIN_UNITS and len(w) > 1 and has_cjk(w))
    return words + sorted(w for w, n in pairs.items() if n >= MIN_PAIRS and w not in usage)


class Terms:
    """The library's terms and their unit vectors, and the embedding of English phrases to match them.

    Args:
        words: The terms (:func:`library_terms`).
        vectors: Their vectors, one row each, unit length.
        embed: Embeds texts with the model's query prompt (:func:`qa.embed.encode_queries`).
    """

    def __init__(self, words: list[str], vectors: np.ndarray, embed: Callable[[list[str]], np.ndarray]):
        if len(words) != len(vectors):
            raise ValueError(f"{len(words)} terms but {len(vectors)} vectors")
        self.words = words
        self.vectors = vectors
        self.embed = embed

    def nearest(self, phrases: list[str]) -> list[tuple[str, float]]:
        """Each phrase's nearest term and its cosine; ("", 0.0) for every phrase when there are no terms."""
        if not phrases or not self.words:
            return [("", 0.0)] * len(phrases)
        scores = self.embed(phrases) @ self.vectors.T
        best = scores.argmax(axis=1)
        return [(self.words[i], float(scores[row, i])) for row, i in enumerate(best.tolist())]


def index_terms(index: "LoadedIndex", model_name: str, encoder: "Encoder") -> Terms:
    """The terms of a loaded index, embedded by ``encoder`` (the model ``model_name`` on its backend): kept in ``terms/``
    beside its version folders, never inside one (sealed by its record of files)."""
    from .embed import backend_of, encode_queries, vector_space

    folder = index.path.parent / "terms" if index.path.name.startswith("v-") else None
    words = library_terms((p.text for p in index.paragraphs), index.store.usage())
    return load_terms(folder, vector_space(model_name, backend_of(encoder)), words, lambda texts: encode_queries(encoder, texts))


def load_terms(folder: Path | None, key: str, words: list[str], embed: Callable[[list[str]], np.ndarray]) -> Terms:
    """The terms' vectors from ``folder`` (the file pair named by ``key``, the vector space, and the words), else
    embedded now and kept there; the vectors of words an earlier pair of the same key holds are taken from it, so a
    library that gained a document embeds only its new words. In memory only when ``folder`` is None or cannot be
    written."""
    prefix = hashlib.sha256(key.encode()).hexdigest()[:12]
    name = f"{prefix}-{hashlib.sha256(chr(10).join(words).encode()).hexdigest()[:24]}"
    if folder is not None and (kept := _read(folder, name)) is not None and kept[0] == words:
        return Terms(words, kept[1], embed)
    vectors = _reused(folder, prefix, words, embed)
    if folder is not None:
        try:
            _keep(folder, name, prefix, words, vectors)
        except OSError:
            pass  # a read-only index: the terms live in memory for this process
    return Terms(words, vectors, embed)


def _read(folder: Path, name: str) -> tuple[list[str], np.ndarray] | None:
    """A kept pair's words and vectors; None when it is missing, damaged or does not match itself."""
    try:
        words = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / f"{name}.npy", allow_pickle=False)
    except Exception:  # missing, cut short, not an array: embedded again
        return None
    ok = isinstance(words, list) and vectors.ndim == 2 and vectors.dtype == np.float32 and len(vectors) == len(words)
    return (words, vectors) if ok else None


def _reused(folder: Path | None, prefix: str, words: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """The words' vectors: those an earlier pair of the same key holds, the others embedded."""
    if not words:
        return np.zeros((0, 0), dtype=np.float32)
    known: dict[str, np.ndarray] = {}
    for old in sorted(folder.glob(f"{prefix}-*.json")) if folder is not None and folder.is_dir() else []:
        if (kept := _read(folder, old.stem)) is not None:
            known.update(zip(kept[0], kept[1]))
    todo = [w for w in words if w not in known]
    fresh = dict(zip(todo, embed(todo))) if todo else {}
    return np.stack([known[w] if w in known else fresh[w] for w in words]).astype(np.float32)


def _keep(folder: Path, name: str, prefix: str, words: list[str], vectors: np.ndarray) -> None:
    """Write the pair, each file whole (:func:`qa.files.replace_atomic`; the vectors last, which a reader checks
    against the words), and remove the older pairs of the same key (those of another model or backend stay)."""
    import io

    from .files import replace_atomic

    folder.mkdir(parents=True, exist_ok=True)
    replace_atomic(folder / f"{name}.json", json.dumps(words, ensure_ascii=False).encode())
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(vectors, dtype=np.float32), allow_pickle=False)
    replace_atomic(folder / f"{name}.npy", buffer.getvalue())
    for old in folder.glob(f"{prefix}-*"):
        if old.stem != name and old.suffix in (".npy", ".json"):
            old.unlink(missing_ok=True)
