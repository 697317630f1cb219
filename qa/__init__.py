"""Question answering over development plans, by quoting them.

Heavy dependencies (torch, sentence-transformers, faiss, gradio) are imported
where they are used, so ``import qa`` stays fast.
"""
from __future__ import annotations

from .errors import (
    IndexBusy,
    IndexCorrupt,
    IndexFailure,
    IndexMismatch,
    IndexMissing,
    ModelError,
    NoSources,
    QAError,
    QueryError,
    ScanOnly,
    SourceError,
    SourceUnavailable,
    StoreUnavailable,
    UploadError,
)

__version__ = "0.1.0"

# name -> module; resolved on first attribute access (PEP 562) so that
# `import qa` pulls in neither torch nor faiss.
_EXPORTS = {
    "load_model": "qa.model",
    "DEFAULT_MODEL": "qa.model",
    "build_index": "qa.build",
    "index_status": "qa.build",
    "BuildReport": "qa.build",
    "Retriever": "qa.answer",
    "Hit": "qa.answer",
    "Answer": "qa.answer",
    "Comparison": "qa.compare",
    "MAX_QUESTION_CHARS": "qa.question",
    "Question": "qa.question",
    "ensure_index": "qa.startup",
    "Fusion": "qa.search",
    "to_markdown": "qa.render",
    "to_html": "qa.render",
    "ChatService": "qa.service",
    "list_documents": "qa.library",
    "remove_document": "qa.library",
    "DocumentInfo": "qa.library",
    "read_question": "qa.conversation",
    "location": "qa.store",
    "Location": "qa.store",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


__all__ = sorted(_EXPORTS) + [
    "IndexBusy", "IndexCorrupt", "IndexFailure", "IndexMismatch", "IndexMissing", "ModelError",
    "NoSources", "QAError", "QueryError", "ScanOnly", "SourceError", "SourceUnavailable", "StoreUnavailable", "UploadError",
]
