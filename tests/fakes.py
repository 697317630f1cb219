"""A stand-in embedding model for the unit tier: no torch, no onnxruntime, no weights.

:class:`HashEncoder` offers the part of a sentence-transformers model that
``qa.embed`` calls (``encode_query``, ``encode_document``,
``get_sentence_embedding_dimension``, ``qa_name``, ``qa_backend``). Its vectors
are the character unigrams and bigrams of a text (script, width and case folded
as the keyword search folds them, punctuation dropped) hashed into 256 signed
dimensions and L2-normalised, so texts that share words are close and others
near orthogonal: enough for tests of contracts, errors, index files and the CLI,
not for tests of what a real model understands (those load the small model).
"""
from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np

#: The name a fake-built index records; :func:`serve_by_name` makes ``get_model`` return the fake for it.
NAME = "fake-hash-256"


@lru_cache(maxsize=None)
def _slot(gram: str, dim: int) -> tuple[int, float]:
    """The dimension a character n-gram lands in, and its sign (stable across processes, unlike ``hash``)."""
    h = zlib.crc32(gram.encode("utf-8", "surrogatepass"))
    return h % dim, (1.0 if (h >> 31) & 1 else -1.0)


class HashEncoder:
    """Deterministic vectors from hashed character n-grams; no prompts, queries and documents alike."""

    qa_name = NAME
    qa_backend = "torch"  # what a model not run as ONNX records; the onnx backend is the default model's only

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.prompts = {"query": "", "document": ""}

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    def encode_query(self, texts, **kwargs) -> np.ndarray:
        return self.encode(texts, **kwargs)

    def encode_document(self, texts, **kwargs) -> np.ndarray:
        return self.encode(texts, **kwargs)

    def encode(self, texts, batch_size: int = 64, normalize_embeddings: bool = True, convert_to_numpy: bool = True,
               **_: object) -> np.ndarray:
        """A ``(len(texts), dim)`` float32 array, or ``(dim,)`` for one string, as sentence-transformers gives."""
        from qa.text import fold_script

        one = isinstance(texts, str)
        out = np.zeros((1 if one else len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate([texts] if one else texts):
            chars = [c for c in fold_script(text) if c.isalnum()]
            for gram in chars + [a + b for a, b in zip(chars, chars[1:])]:
                i, sign = _slot(gram, self.dim)
                out[row, i] += sign
        if normalize_embeddings:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, norms, out=out, where=norms > 0)  # a text of punctuation alone stays all zeros
        return out[0] if one else out


def serve_by_name(monkeypatch, encoder: HashEncoder) -> None:
    """Make ``qa.embed.get_model`` (and each ``qa`` module's copy of it) return ``encoder`` for its name.

    An index built with the fake records ``NAME``; ``Retriever(index)``, ``qa ask --model NAME`` and the
    like then find the fake, as they find a real model by its name. Other names load as before.
    """
    import sys

    import qa.build  # noqa: F401 - binds its own copy of get_model, patched below
    import qa.embed

    real = qa.embed.get_model

    def get_model(name=None, backend=None):
        if name == encoder.qa_name:
            qa.embed.check_backend(name, backend)  # the same refusal as for any model but the default (onnx)
            return encoder
        return real(name, backend)

    for module in [m for n, m in sys.modules.items() if n == "qa" or n.startswith("qa.")]:
        if getattr(module, "get_model", None) is real:
            monkeypatch.setattr(module, "get_model", get_model)


def logistic(weights: dict[str, float] | None = None, bias: float = 0.0, at: dict[str, float] | None = None):
    """A hand-set :class:`qa.abstain.Logistic` on the raw features: ``weights`` by feature name (0 for
    the others), each centred at ``at`` (0 by default). Tests give a model one with a known decision."""
    from qa.abstain import FEATURES, Logistic

    weights, at = weights or {}, at or {}
    return Logistic(np.array([at.get(f, 0.0) for f in FEATURES]), np.ones(len(FEATURES)),
                    np.array([weights.get(f, 0.0) for f in FEATURES]), bias)
