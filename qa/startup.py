"""Start-up: when an index is built, used as it is, or repaired, before questions are answered.

``qa ask``, ``qa chat`` and the web service (``qa serve``) all start through
:func:`ensure_index`, so they make the same choices:

- **Missing or stale** (its documents, model or settings changed): built from the
  data folder first, incrementally, keeping the index's own model.
- **Another backend** (``--backend torch`` on an ONNX index): answered from as it is.
  Both backends run the same model and find the same passages; only a change of
  documents, model or settings rebuilds.
- **Built from another folder** (``qa ask --index other``): used as it is, never
  replaced by this folder's documents; ``qa build`` re-indexes it.
- **No data folder** beside an index: the index is answered from as it is.
- **Damaged** (a file fails its checksum): rebuilt once from the data folder when
  it indexes that folder; otherwise the error says what to do.

A ``qa rm`` killed half-way is finished or undone first (:func:`qa.library.recover_removals`).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .build import build_index, index_status, indexed_folder
from .embed import name_of
from .errors import IndexCorrupt
from . import published
from .store import Location, as_location

if TYPE_CHECKING:
    from .answer import Retriever
    from .embed import Encoder
    from .progress import Progress

log = logging.getLogger(__name__)


def ensure_index(
    data_dir: str | os.PathLike,
    index_dir: "str | os.PathLike | Location",
    model: "str | Encoder | None" = None,
    backend: str | None = None,
    *,
    progress: "Progress | None" = None,
    say: Callable[[str], None] = log.info,
) -> tuple["Retriever", str]:
    """Build the index when it needs it (see the module's rules), then load it.

    Args:
        data_dir: The folder of source documents.
        index_dir: The index folder, or a :class:`qa.store.Location` in Milvus.
        model: Model name, path or loaded model; None keeps the index's (the default for a new one).
        backend: ``"onnx"`` or ``"torch"``; None keeps the index's.
        progress: Told how a build goes.
        say: Told what is about to happen before a long step ("Building the index…"), and what was
            done unless the index was used as it stood.

    Returns:
        The loaded :class:`qa.Retriever`, and a one-line summary of what was done.

    Raises:
        IndexFailure: the index cannot be built or loaded.
    """
    from .answer import Retriever
    from .library import recover_removals

    data_dir, index_dir = Path(data_dir), as_location(index_dir)
    recover_removals(data_dir, index_dir)
    manifest = published.manifest(index_dir)
    # A rebuild keeps the index's own model; another one is refused when it loads.
    build_model = model if model is not None else (manifest.model if manifest else None)
    if manifest is not None and not data_dir.is_dir():
        status = "no data"
        summary = f"No folder {data_dir}: answering from the index in {index_dir} as it is"
    else:
        status = index_status(data_dir, index_dir, name_of(build_model))
        summary = f"Index is {status}"
    if status == "elsewhere":
        summary = (f"Answering from {index_dir} as it is: it indexes {indexed_folder(manifest, index_dir)}, not "
                   f"{data_dir} (`qa build --data {data_dir} --index {index_dir}` indexes that folder instead)")
    elif status in ("missing", "stale"):
        say(f"Building the index of {data_dir}/ first…")
        summary = build_index(data_dir, index_dir, build_model, backend=backend, progress=progress).summary()
    try:
        retriever = Retriever(index_dir, model, backend=backend)
    except IndexCorrupt as e:
        if status in ("elsewhere", "no data"):  # this folder's documents are not the index's: never replace them
            raise
        say(f"{e}; rebuilding it from {data_dir}/")
        summary = build_index(data_dir, index_dir, build_model, backend=backend, force=True, progress=progress).summary()
        retriever = Retriever(index_dir, model, backend=backend)
    if summary != "Index is ok":
        say(summary)
    return retriever, summary
