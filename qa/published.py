"""Stage 4: what is published at a :class:`qa.store.Location`, wherever the index lives: its manifest, its
version, the index loaded. The index folder's layout is :mod:`qa.index`; Milvus's is :mod:`qa.milvus`.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from . import index
from .errors import IndexFailure, StoreUnavailable
from .store import Location, as_location

if TYPE_CHECKING:
    from .index import LoadedIndex, Manifest


def manifest(where: "str | os.PathLike | Location") -> "Manifest | None":
    """The manifest of the published version (an index folder, or a Location); None when there is none or it
    cannot be read.

    Raises:
        StoreUnavailable: the index is in a Milvus that cannot be reached.
    """
    loc = as_location(where)
    if not loc.uri:
        return index.current_manifest(loc.folder)
    from . import milvus

    try:
        return milvus.read_manifest(loc)
    except StoreUnavailable:
        raise
    except IndexFailure:
        return None


def version(where: "str | os.PathLike | Location") -> str:
    """The name of the published version."""
    loc = as_location(where)
    if not loc.uri:
        return index.current_version(loc.folder).name
    from . import milvus

    return milvus.published(loc)


def load(where: "str | os.PathLike | Location" = "index", *, verify: bool = True) -> "LoadedIndex":
    """The published index, loaded: from the folder (every file's sha256 checked unless ``verify`` is False),
    or from Milvus (:func:`qa.milvus.load`).

    Raises:
        IndexMissing, IndexCorrupt, IndexMismatch: as :func:`qa.index.load_index` says.
        StoreUnavailable: the index is in a Milvus that cannot be reached.
    """
    loc = as_location(where)
    if not loc.uri:
        return index.load_index(loc.folder, verify=verify)
    from . import milvus

    return milvus.load(loc)
