"""Index format upgrades, in one place: what each format changed, and how an older index is read.

A format this version still reads loads as if it were the current one: what it lacks
is filled in here, in memory. It counts as stale (:func:`qa.build.unchanged`), so
the next build rewrites it in the current format, reusing every vector it has.

Formats:
    3: units.npy is (n, 3): paragraph, first and last sentence.
    4: units.npy gains a fourth column, the piece of a long sentence (0 for a whole one).
Places (``SourceRecord.meta["places"]``) are kept since format 3 was current; an index
built before that has them found at load.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .index import Manifest
    from .split import Paragraph

FORMAT_VERSION = 4
#: Formats this version reads: 3 had no piece column in ``units.npy`` (its units are all whole
#: sentences), so an index built before pieces loads, and its vectors are reused by the rebuild.
READABLE_FORMATS = (3, FORMAT_VERSION)


def upgrade_units(units: np.ndarray) -> np.ndarray:
    """Units of format 3, (n, 3), with the piece column added: all are whole sentences or runs."""
    if units.ndim == 2 and units.shape[1] == 3:
        return np.hstack([units, np.zeros((len(units), 1), dtype=units.dtype)])
    return units


def backfill_places(manifest: "Manifest", paragraphs: "list[Paragraph]") -> None:
    """Find the places of each indexed document of an index built before they were kept."""
    from .places import document_places, head_lines

    for name, rec in manifest.sources.items():
        if rec.status == "indexed" and "places" not in rec.meta:
            text = "\n".join(p.text for p in paragraphs if p.source == name)
            rec.meta["places"] = document_places(head_lines(rec.title, rec.meta, name), text)
