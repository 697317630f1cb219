"""Stage 4: where the unit vectors and the keyword index live, behind one interface.

Search (:func:`qa.search.score_units`), re-scoring and comparing ask a :class:`Store` for the units
nearest a question, the units its keywords score, the keyword scores and the stored vectors of given
units; they never see what holds them. Two stores answer:

- :class:`FaissStore`, the embedded default: a FAISS index and a bm25s index, loaded whole from the
  index folder (:mod:`qa.index`);
- :class:`qa.milvus.MilvusStore`: a Milvus collection reached by ``pymilvus.MilvusClient(uri)``, a
  Milvus Lite ``.db`` file or a Milvus server, for a library past one machine or shared by several
  servers (``docs/milvus.md``).

A unit is named by its row: its place in :attr:`qa.index.LoadedIndex.units`, the same in either store.

:class:`Location` says which store an index folder's commands use.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Protocol

import numpy as np

#: The environment variables that choose Milvus without a flag, and carry its secret.
URI_VARIABLE, TOKEN_VARIABLE, COLLECTION_VARIABLE = "QA_MILVUS_URI", "QA_MILVUS_TOKEN", "QA_MILVUS_COLLECTION"
#: The collection name when none is given.
DEFAULT_COLLECTION = "qa"
STORES = ("faiss", "milvus")


class Store(Protocol):
    """What the search asks of the units' vectors and keyword index."""

    kind: str
    #: Number of units.
    size: int
    #: The library's keyword tokens.
    vocabulary: "Collection[str]"

    def known(self, tokens: list[str]) -> list[str]:
        """The ``tokens`` the library holds, in order (the others score nothing)."""

    def usage(self) -> dict[str, int]:
        """Each token of the library with the number of units that hold it."""

    def dense_top(self, vector: np.ndarray, k: int, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` units (rows) most like ``vector``, with their cosines, best first; only rows ``within`` unless None."""

    def keyword_top(self, tokens: list[str], k: int, within: np.ndarray | None = None) -> np.ndarray:
        """Up to ``k`` units (rows) with the best BM25 scores for ``tokens`` (known ones), scoring above 0."""

    def keyword_scores(self, tokens: list[str], rows: np.ndarray) -> np.ndarray:
        """The BM25 scores of units ``rows`` for ``tokens``, 0 for a unit that holds none of them."""

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of units ``rows``, ``(len(rows), dim)`` float32."""

    def all_vectors(self) -> np.ndarray:
        """Every unit's vector, in row order, for a comparison across the library."""

    def all_keyword_scores(self, tokens: list[str]) -> np.ndarray:
        """Every unit's BM25 score for ``tokens``, in row order, for a comparison across the library."""


class FaissStore:
    """The embedded store: a FAISS index of the unit vectors and a bm25s index of their tokens.

    Args:
        dense: The FAISS index (exact, or HNSW for a large library).
        bm25: The ``bm25s.BM25`` index.
    """

    kind = "faiss"

    def __init__(self, dense, bm25):
        self.dense, self.bm25 = dense, bm25
        self.size = int(dense.ntotal)
        self._last: tuple[tuple[str, ...], np.ndarray] | None = None

    @property
    def vocabulary(self) -> dict[str, int]:
        return self.bm25.vocab_dict

    def known(self, tokens: list[str]) -> list[str]:
        return [t for t in tokens if t in self.bm25.vocab_dict]

    def usage(self) -> dict[str, int]:
        from .keywords import token_usage

        return token_usage(self.bm25)

    def all_keyword_scores(self, tokens: list[str]) -> np.ndarray:
        # One question asks for its keyword scores two or three times: the last ones are kept (one tuple, so threads are safe).
        key = tuple(tokens)
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        scores = self.bm25.get_scores(list(key)) if key else np.zeros(self.size, dtype=np.float32)
        self._last = (key, scores)
        return scores

    def dense_top(self, vector, k, within=None):
        params = None if within is None else _within(self.dense, within)
        scores, ids = self.dense.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def keyword_top(self, tokens, k, within=None):
        scores = self.all_keyword_scores(tokens)
        if within is not None:  # the others score nothing, so they are never candidates
            scores = np.where(_mask(self.size, within), scores, 0)
        if k < self.size:
            top = np.argpartition(-scores, k - 1)[:k]
            return top[scores[top] > 0]
        return np.flatnonzero(scores > 0)

    def keyword_scores(self, tokens, rows):
        return self.all_keyword_scores(tokens)[rows]

    def vectors(self, rows):
        return self.dense.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def all_vectors(self) -> np.ndarray:
        """The index's own memory for a flat index (and an HNSW one's flat storage), without a copy."""
        import faiss

        dense = self.dense
        flat = dense if hasattr(dense, "get_xb") else None
        if flat is None and hasattr(dense, "storage"):
            storage = faiss.downcast_index(dense.storage)
            flat = storage if hasattr(storage, "get_xb") else None
        n, d = dense.ntotal, dense.d
        if flat is None or n == 0:
            return dense.reconstruct_n(0, n).astype(np.float32)
        return faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)


def _within(dense, allowed: np.ndarray):
    """FAISS search parameters that keep to the units ``allowed`` (exact on a flat index, approximate on HNSW)."""
    import faiss

    if hasattr(dense, "hnsw"):
        params = faiss.SearchParametersHNSW()
        params.efSearch = dense.hnsw.efSearch
    else:
        params = faiss.SearchParameters()
    params.sel = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
    return params


def _mask(n: int, ids: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[ids] = True
    return mask


# ------------------------------------------------------------------ choosing one

@dataclass(frozen=True)
class Location:
    """Where an index is: its folder, and the Milvus it lives in, if any.

    The folder is always there: it holds the build's lock, and for the default store the index itself.

    Attributes:
        folder: The index folder.
        uri: Milvus's URI (a Milvus Lite ``.db`` path, or ``http://host:19530``); "" for the FAISS store.
        collection: The prefix of the Milvus collections.
    """

    folder: Path
    uri: str = ""
    collection: str = DEFAULT_COLLECTION

    @property
    def kind(self) -> str:
        return "milvus" if self.uri else "faiss"

    def describe(self) -> dict:
        """What a manifest records of it: never a password (a ``user:password@`` in the URI is left out)."""
        if not self.uri:
            return {"kind": "faiss"}
        return {"kind": "milvus", "uri": public_uri(self.uri), "collection": self.collection}

    def files(self) -> list[str]:
        """The local files of its Milvus: a Milvus Lite ``.db`` path; none for a server."""
        return [str(Path(self.uri).expanduser().resolve())] if self.uri and "://" not in self.uri else []

    def __str__(self) -> str:
        return f"{self.folder}" if not self.uri else f"Milvus {public_uri(self.uri)} (collection {self.collection})"


def public_uri(uri: str) -> str:
    """``uri`` without the ``user:password@`` it may hold."""
    return re.sub(r"(?<=://)[^/@]*@", "", uri)


def as_location(index: "str | os.PathLike | Location") -> Location:
    """``index`` as a Location: a folder is the FAISS store's (the environment is not read: the API takes
    Milvus only when asked, by a Location from :func:`location`)."""
    return index if isinstance(index, Location) else Location(Path(index))


def location(index: "str | os.PathLike | Location" = "index", store: str | None = None, uri: str | None = None,
             collection: str | None = None) -> Location:
    """The :class:`Location` of an index folder and the store options (``qa --store --uri --collection``).

    Args:
        index: The index folder, or a Location (returned as it is when no option is given).
        store: ``"faiss"`` or ``"milvus"``; None is Milvus when a URI is given or in ``QA_MILVUS_URI``.
        uri: Milvus's URI; None reads ``QA_MILVUS_URI``.
        collection: The Milvus collection prefix; None reads ``QA_MILVUS_COLLECTION``, else ``"qa"``.

    Raises:
        ValueError: an unknown store, or Milvus without a URI.
    """
    if isinstance(index, Location):
        if store is None and uri is None and collection is None:
            return index
        index = index.folder
    if store is not None and store not in STORES:
        raise ValueError(f"unknown store {store!r}; one of {', '.join(STORES)}")
    uri = uri if uri is not None else os.environ.get(URI_VARIABLE, "")
    if store == "faiss":
        uri = ""
    elif store == "milvus" and not uri:
        raise ValueError(f"the Milvus store needs a URI: --uri PATH_OR_URL or {URI_VARIABLE}")
    collection = collection or os.environ.get(COLLECTION_VARIABLE) or DEFAULT_COLLECTION
    if uri and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,200}", collection):
        raise ValueError(f"collection name {collection!r}: letters, digits and _ only, not starting with a digit")
    return Location(Path(index), uri, collection)
