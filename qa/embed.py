"""Stage 3: embed texts with the model's query and document prompts."""
from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

#: Texts embedded per call; memory stays bounded on large corpora.
BATCH_SIZE = 64

_models: dict[str, "SentenceTransformer"] = {}
_lock = threading.Lock()


def get_model(name: str | None = None) -> "SentenceTransformer":
    """The model called ``name`` (None: the default), loaded once per process."""
    from .model import DEFAULT_MODEL, load_model

    key = name or DEFAULT_MODEL
    with _lock:
        if key not in _models:
            model = load_model(None if key == DEFAULT_MODEL else key)
            model.qa_name = key  # the name recorded in, and checked against, the index
            _models[key] = model
        return _models[key]


def name_of(model: "str | SentenceTransformer | None") -> str | None:
    """The name a model is recorded under in an index.

    The name or path given, or a loaded model's ``qa_name`` (set by
    :func:`get_model`; ``"custom"`` without one). None stays None: the caller
    decides what an unnamed choice means.
    """
    if model is None or isinstance(model, str):
        return model
    return getattr(model, "qa_name", None) or "custom"


def model_dim(model: "SentenceTransformer") -> int:
    """The model's embedding dimension."""
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get_dim())


def encode_queries(model: "SentenceTransformer", texts: list[str]) -> np.ndarray:
    """Embed questions with the model's ``query`` prompt, L2-normalised."""
    vecs = model.encode_query(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)
    return np.ascontiguousarray(vecs, dtype=np.float32)


def encode_documents(
    model: "SentenceTransformer",
    texts: list[str],
    progress: Callable[[int], None] | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Embed indexed texts with the model's ``document`` prompt, L2-normalised.

    Args:
        model: The embedding model.
        texts: Texts to embed.
        progress: Called with the number of texts done after each batch.
        out: A ``(len(texts), dim)`` float32 array to fill; a new one if None.

    Returns:
        The ``(len(texts), dim)`` float32 array, filled batch by batch so that
        no second copy of all vectors is held.
    """
    if out is None:
        out = np.empty((len(texts), model_dim(model)), dtype=np.float32)
    # Sorting by length keeps padding, and so time, low within a batch.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    for start in range(0, len(order), BATCH_SIZE):
        idx = order[start : start + BATCH_SIZE]
        out[idx] = model.encode_document(
            [texts[i] for i in idx], batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True
        )
        if progress:
            progress(len(idx))
    return out


def text_key(model_name: str, text: str) -> str:
    """Content hash of a text under a model: equal keys can share a vector."""
    return hashlib.sha256(f"{model_name}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
