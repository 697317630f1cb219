"""The library: which documents it holds, choosing some of them, and removing one.

A document is a file in the data folder; the index records what a build did
with each (indexed, or skipped and why). The list joins the two, so it also
shows files added or changed since the last build.
"""
from __future__ import annotations

import logging
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import files
from .build import BuildReport, build_index, list_sources, lock_index, source_hashes
from .errors import NoSources, QueryError, SourceError
from .index import current_manifest
from .text import fold_script

if TYPE_CHECKING:
    from .embed import Encoder
    from .progress import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentInfo:
    """One file of the library.

    Attributes:
        file: Its path relative to the data folder.
        title: The document's title ("" until it is indexed).
        format: ``text`` (with the encoding it was read in), ``docx``, ``pdf`` or ``html``.
        pages: Its pages, for a PDF; else None.
        paragraphs: Paragraphs in the index.
        indexed_at: When the index read it, as ISO 8601 ("" if not yet).
        status: ``indexed``; ``skipped`` (``reason`` says why); ``new`` or
            ``changed`` (in the data folder, not yet built); ``removed`` (in the
            index, no longer in the data folder).
        reason: Why it was skipped.
        about: The places it is about, which questions naming them prefer.
    """

    file: str
    title: str
    format: str
    pages: int | None
    paragraphs: int
    indexed_at: str
    status: str
    reason: str = ""
    about: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON shape of ``qa ls --json`` and the web API."""
        return asdict(self)


def _format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".txt": "text", ".md": "text", ".htm": "html"}.get(suffix, suffix.lstrip("."))


def list_documents(data_dir: str | os.PathLike = "data", index_dir: str | os.PathLike = "index") -> list[DocumentInfo]:
    """Every file of the data folder and of the index, with what the index holds of it, by file name."""
    data_dir = Path(data_dir)
    manifest = current_manifest(index_dir)
    recorded = manifest.sources if manifest else {}
    hashes = source_hashes(data_dir) if data_dir.is_dir() else {}
    docs = []
    for name in sorted(set(hashes) | set(recorded)):
        rec = recorded.get(name)
        if rec is None:
            docs.append(DocumentInfo(name, "", _format(name), None, 0, "", "new"))
            continue
        if name not in hashes:
            status = "removed"
        elif hashes[name] != rec.sha256:
            status = "changed"
        else:
            status = rec.status
        title = manifest.title(name) if rec.status == "indexed" else ""
        fmt = rec.meta.get("format") or _format(name)
        if rec.meta.get("encoding"):  # how a text file was read: UTF-8, GB18030, Big5, UTF-16
            fmt += f" ({rec.meta['encoding']})"
        docs.append(DocumentInfo(
            name, title, fmt, rec.meta.get("pages"), rec.paragraphs,
            rec.indexed_at, status, rec.reason, list(rec.meta.get("places", [])),
        ))
    return docs


def match_sources(wanted: list[str], titles: dict[str, str]) -> list[str]:
    """The files that ``wanted`` names, by file name, file stem or title.

    A name that matches one document exactly (script, width and case folded)
    picks it; otherwise it picks every document whose file name or title
    contains it (「上海」 picks 「2025年上海市政府工作报告」).

    Args:
        wanted: File names or titles.
        titles: Each indexed file's title.

    Returns:
        The files, sorted.

    Raises:
        QueryError: a name matches no document (the message lists them).
    """
    keys = {name: {fold_script(k) for k in (name, Path(name).name, Path(name).stem, title) if k} for name, title in titles.items()}
    chosen: set[str] = set()
    for want in wanted:
        w = fold_script(str(want).strip())
        exact = [name for name, ks in keys.items() if w in ks]
        found = exact or [name for name, ks in keys.items() if w and any(w in k for k in ks)]
        if not found:
            listing = "; ".join(f"{titles[n] or n} ({n})" for n in sorted(titles)) or "none"
            raise QueryError(f"no document in the library is named {want!r}; the documents are: {listing}")
        chosen.update(found)
    return sorted(chosen)


def remove_document(
    name: str,
    data_dir: str | os.PathLike = "data",
    index_dir: str | os.PathLike = "index",
    model: "str | Encoder | None" = None,
    *,
    backend: str | None = None,
    progress: "Progress | None" = None,
) -> BuildReport | None:
    """Remove a file from the data folder and from the index.

    The file is first moved aside under a hidden name, then the index is
    rebuilt without it (incrementally: nothing else is embedded again), and
    only then is the file deleted. If the rebuild fails, the file is put back
    and the index is as it was. Removing the last file removes the index too.

    Args:
        name: The file (relative to the data folder) or the document's title.
        data_dir: The data folder.
        index_dir: The index folder.
        model: As for :func:`qa.build_index`.
        backend: As for :func:`qa.build_index`.
        progress: As for :func:`qa.build_index`.

    Returns:
        The rebuild's report; None when nothing indexable is left (the index is removed too).

    Raises:
        SourceError: no such file in the library.
        IndexFailure: the index cannot be rebuilt (the file is back in place).
    """
    data_dir = Path(data_dir)
    present = {p.relative_to(data_dir).as_posix() for p in list_sources(data_dir)} if data_dir.is_dir() else set()
    manifest = current_manifest(index_dir)
    titles = {n: (manifest.title(n) if manifest and n in manifest.sources else "") for n in present}
    try:
        found = match_sources([name], titles)
    except QueryError:
        found = []
    if len(found) != 1:
        which = f"names {len(found)} files ({', '.join(found)}); give one file name" if found else \
            f"is not a file of the library in {data_dir}/"
        raise SourceError(f"{name} {which}; `qa ls` lists them")
    path = data_dir / found[0]
    aside = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.removing")  # hidden: builds do not read it
    os.replace(path, aside)
    files.fsync_dir(path.parent)
    try:
        try:
            report = build_index(data_dir, index_dir, model, backend=backend, progress=progress) if len(present) > 1 else None
        except NoSources:  # nothing indexable is left
            report = None
        if report is None:
            _drop_index(Path(index_dir))
    except BaseException:
        os.replace(aside, path)  # the index still has it: put it back
        files.fsync_dir(path.parent)
        raise
    aside.unlink()
    return report


def _drop_index(index_dir: Path) -> None:
    """Unpublish the index (its pointer first, so no reader sees a half-removed one), then delete its versions."""
    if not (index_dir / "CURRENT").exists():
        return
    lock = lock_index(index_dir)
    try:
        (index_dir / "CURRENT").unlink()
        files.fsync_dir(index_dir)
        for version in index_dir.glob("v-*"):
            shutil.rmtree(version, ignore_errors=True)
    finally:
        lock.release()
