"""The errors the product raises on purpose, in one place.

Every one derives from :class:`QAError`, so a caller (the CLI, the web app, a
script) catches that alone; each message says what went wrong and what to do.
"""
from __future__ import annotations


class QAError(Exception):
    """Base of every error the product raises on purpose; the message says what to do."""


class QueryError(QAError, ValueError):
    """A question that cannot be asked (empty, too long, bad ``k``); the message says why."""


class SourceError(QAError, ValueError):
    """A source file cannot be used (binary, empty, undecodable, too large, broken)."""


class ScanOnly(SourceError):
    """A PDF whose pages are all scans, read without OCR: OCR reads it in a rebuild (never in an upload)."""


class UploadError(SourceError):
    """An uploaded file that cannot be added; the message says why."""


class ModelError(QAError, RuntimeError):
    """The model cannot be rebuilt or loaded; the message says what to do."""


class IndexFailure(QAError):
    """The index cannot be built, loaded or used; the message says what to do."""


class IndexMissing(IndexFailure):
    """No index has been built in the folder."""


class IndexCorrupt(IndexFailure):
    """A file of the index is missing, truncated or altered."""


class IndexMismatch(IndexFailure):
    """The index was built with another format or model."""


class IndexBusy(IndexFailure):
    """Another build holds the index's lock."""


class StoreUnavailable(IndexFailure):
    """The Milvus an index lives in cannot be reached or refuses; the message names its URI."""


class NoSources(IndexFailure):
    """The data folder holds nothing to index."""


class SourceUnavailable(QAError):
    """An indexed source file cannot be shown: no longer in the data folder, changed since it was indexed, or not the index's."""
