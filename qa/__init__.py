"""Question answering over a city development plan, by quoting it.

Heavy dependencies (torch, sentence-transformers, faiss, gradio) are imported
where they are used, so ``import qa`` stays fast.
"""
from __future__ import annotations

__version__ = "0.1.0"

# name -> module; resolved on first attribute access (PEP 562) so that
# `import qa` pulls in neither torch nor faiss.
_EXPORTS = {
    "load_model": "qa.model",
    "ModelError": "qa.model",
    "DEFAULT_MODEL": "qa.model",
    "build_index": "qa.index",
    "index_status": "qa.index",
    "BuildReport": "qa.index",
    "IndexError_": "qa.index",
    "IndexMissing": "qa.index",
    "IndexCorrupt": "qa.index",
    "IndexMismatch": "qa.index",
    "IndexBusy": "qa.index",
    "NoSources": "qa.index",
    "Retriever": "qa.answer",
    "Hit": "qa.answer",
    "Answer": "qa.answer",
    "QueryError": "qa.answer",
    "MAX_QUESTION_CHARS": "qa.answer",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
