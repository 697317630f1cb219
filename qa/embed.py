"""Stage 3: embed texts with the model's query and document prompts."""
from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING, Callable

import numpy as np

from .errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from .onnx_model import OnnxEncoder

    #: What embeds: a sentence-transformers model, or the int8 ONNX one with the same methods.
    Encoder = SentenceTransformer | OnnxEncoder

#: Texts embedded per call; memory stays bounded on large corpora.
BATCH_SIZE = 64

#: Ways to run a model: int8 ONNX (the default model only) or torch fp32.
BACKENDS = ("onnx", "torch")

_models: dict[tuple[str, str], "Encoder"] = {}
_lock = threading.Lock()


def default_backend(name: str | None) -> str:
    """The backend a model runs on unless told otherwise: ONNX for the default model, torch for others."""
    from .model import DEFAULT_MODEL

    return "onnx" if name in (None, DEFAULT_MODEL) else "torch"


def check_backend(name: str | None, backend: str | None) -> str:
    """The backend to run model ``name`` on: ``backend``, or :func:`default_backend` for None.

    Raises:
        ModelError: an unknown backend, or ONNX for a model other than the default.
    """
    from .model import DEFAULT_MODEL

    name = name or DEFAULT_MODEL
    backend = backend or default_backend(name)
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "onnx" and name != DEFAULT_MODEL:
        raise ModelError(f"the onnx backend runs the bundled {DEFAULT_MODEL} only; use --backend torch for {name}")
    return backend


def get_model(name: str | None = None, backend: str | None = None) -> "Encoder":
    """The model called ``name`` (None: the default) on ``backend``, loaded once per process.

    Args:
        name: None or the default's name, or a sentence-transformers model name or path.
        backend: ``"onnx"`` (the default model only) or ``"torch"``; None picks
            :func:`default_backend`.

    Raises:
        ModelError: the model cannot be loaded, or the backend does not fit it.
    """
    from .model import DEFAULT_MODEL, load_model

    key = name or DEFAULT_MODEL
    backend = check_backend(key, backend)
    with _lock:
        if (key, backend) not in _models:
            if backend == "onnx":
                from .onnx_model import OnnxEncoder, ensure_onnx_model

                model = OnnxEncoder(ensure_onnx_model())
            else:
                model = load_model(None if key == DEFAULT_MODEL else key)
            model.qa_name = key  # the name recorded in, and checked against, the index
            model.qa_backend = backend
            _models[key, backend] = model
        return _models[key, backend]


def name_of(model: "str | Encoder | None") -> str | None:
    """The name a model is recorded under in an index.

    The name or path given, or a loaded model's ``qa_name`` (set by
    :func:`get_model`; ``"custom"`` without one). None stays None: the caller
    decides what an unnamed choice means.
    """
    if model is None or isinstance(model, str):
        return model
    return getattr(model, "qa_name", None) or "custom"


def backend_of(model: "Encoder") -> str:
    """The backend a loaded model runs on (a model not loaded by :func:`get_model` is torch)."""
    return getattr(model, "qa_backend", "torch")


def model_dim(model: "Encoder") -> int:
    """The model's embedding dimension."""
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get_dim())


def encode_queries(model: "Encoder", texts: list[str]) -> np.ndarray:
    """Embed questions with the model's ``query`` prompt, L2-normalised."""
    vecs = model.encode_query(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)
    return np.ascontiguousarray(vecs, dtype=np.float32)


def encode_documents(
    model: "Encoder",
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


def vector_space(model_name: str, backend: str = "torch") -> str:
    """The name of the vectors a model gives on a backend: ``multilingual-e5-small@onnx``, or the bare name on torch.

    Int8 vectors are close to torch's (cosine >= 0.99) but not equal, so vectors
    are reused, and the confidence models fitted, per space.
    """
    return model_name if backend == "torch" else f"{model_name}@{backend}"


def text_key(model_name: str, text: str, backend: str = "torch") -> str:
    """Content hash of a text under a model and backend: equal keys can share a vector."""
    space = vector_space(model_name, backend)
    return hashlib.sha256(f"{space}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
