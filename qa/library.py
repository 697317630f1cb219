"""The library: which documents it holds, choosing some of them, and removing one.

A document is a file in the data folder; the index records what a build did
with each (indexed, or skipped and why). The list joins the two, so it also
shows files added or changed since the last build.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import files, published
from .build import BuildReport, build_index, list_sources, lock_index, source_hashes
from .errors import NoSources, QueryError, SourceError
from .store import Location, as_location
from .text import fold_script
from .titles import drop_title, set_title

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
        title_source: Where its title came from (:func:`qa.titles.decide_title`): ``set`` (``titles.json``),
            ``metadata``, ``title line``, ``file name``, or "" (none: shown by its file name, or not yet indexed).
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
    title_source: str = ""

    def to_dict(self) -> dict:
        """The JSON shape of ``qa ls --json`` and the web API."""
        return asdict(self)


def _format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".txt": "text", ".md": "text", ".htm": "html"}.get(suffix, suffix.lstrip("."))


def list_documents(data_dir: str | os.PathLike = "data", index_dir: "str | os.PathLike | Location" = "index") -> list[DocumentInfo]:
    """Every file of the data folder and of the index, with what the index holds of it, by file name.

    A removal that was killed half-way is finished or undone first (:func:`recover_removals`).
    """
    data_dir = Path(data_dir)
    recover_removals(data_dir, index_dir)
    manifest = published.manifest(index_dir)
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
            rec.meta.get("title_source", "") if rec.status == "indexed" else "",
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


def find_document(name: str, data_dir: str | os.PathLike = "data", index_dir: "str | os.PathLike | Location" = "index") -> tuple[str, bool]:
    """The one file of the library that ``name`` names, and whether ``name`` is that file's path.

    A path relative to the data folder names that file and no other (``报告A.txt``, not
    ``sub/报告A.txt``); anything else (a file name elsewhere, a title, a part of one) is a
    fragment, read as :func:`match_sources` reads it, and must pick exactly one file.

    Raises:
        SourceError: it names no file, or more than one.
    """
    data_dir = Path(data_dir)
    present = {p.relative_to(data_dir).as_posix() for p in list_sources(data_dir)} if data_dir.is_dir() else set()
    if name in present:
        return name, True
    manifest = published.manifest(index_dir)
    titles = {n: (manifest.title(n) if manifest and n in manifest.sources else "") for n in present}
    try:
        found = match_sources([name], titles)
    except QueryError:
        found = []
    if len(found) != 1:
        which = f"names {len(found)} files ({', '.join(found)}); give one file name" if found else \
            f"is not a file of the library in {data_dir}/"
        raise SourceError(f"{name} {which}; `qa ls` lists them")
    return found[0], False


#: A file being removed is moved aside under this name (hidden: builds do not read it), with the
#: process that removes it, so that one left by a killed removal can be told from one in progress.
_ASIDE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}\.removing$")


def remove_document(
    name: str,
    data_dir: str | os.PathLike = "data",
    index_dir: "str | os.PathLike | Location" = "index",
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
    A title set for it (``titles.json``, :mod:`qa.titles`) is forgotten with it.
    A removal that was killed half-way is finished or undone first
    (:func:`recover_removals`).

    Args:
        name: The file (relative to the data folder) or the document's title (:func:`find_document`).
        data_dir: The data folder.
        index_dir: The index folder.
        model: As for :func:`qa.build_index`; None keeps the index's own.
        backend: As for :func:`qa.build_index`.
        progress: As for :func:`qa.build_index`.

    Returns:
        The rebuild's report; None when nothing indexable is left (the index is removed too).

    Raises:
        SourceError: no such file in the library, or a name that picks several.
        IndexFailure: the index cannot be rebuilt (the file is back in place).
    """
    data_dir = Path(data_dir)
    recover_removals(data_dir, index_dir)
    rel, _ = find_document(name, data_dir, index_dir)
    if model is None and (manifest := published.manifest(index_dir)) is not None:
        model = manifest.model  # the rebuild keeps the index's own model, as every start-up does (qa.startup)
    left = len(list_sources(data_dir)) - 1
    path = data_dir / rel
    aside = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.removing")
    os.replace(path, aside)
    files.fsync_dir(path.parent)
    title = drop_title(rel, data_dir)  # before the rebuild, which would warn of a title set for no file
    try:
        try:
            report = build_index(data_dir, index_dir, model, backend=backend, progress=progress) if left else None
        except NoSources:  # nothing indexable is left
            report = None
        if report is None:
            _drop_index(as_location(index_dir))
    except BaseException:
        os.replace(aside, path)  # the index still has it: put it back
        files.fsync_dir(path.parent)
        if title is not None:
            set_title(rel, title, data_dir)  # and its title
        raise
    aside.unlink()
    return report


def recover_removals(data_dir: str | os.PathLike = "data", index_dir: "str | os.PathLike | Location" = "index") -> list[str]:
    """Finish or undo the removals a killed ``qa rm`` left behind; returns the files it acted on.

    A file moved aside by a process that is gone is deleted when the published index no
    longer holds it (the rebuild finished), and put back when it still does (it did not),
    unless a file of that name has come since. Removals still in progress are left alone.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    manifest = published.manifest(index_dir)
    acted = []
    for aside in sorted(data_dir.rglob(".*.removing")):
        m = _ASIDE.match(aside.name)
        if m is None or _alive(int(m["pid"])):
            continue
        path = aside.with_name(m["name"])
        rel = path.relative_to(data_dir).as_posix()
        if manifest is not None and rel in manifest.sources and not path.exists():
            os.replace(aside, path)  # the index still has it: the removal never happened
            log.warning("put back %s: its removal was interrupted", rel)
        else:
            aside.unlink()
            log.warning("finished removing %s: its removal was interrupted", rel)
        files.fsync_dir(path.parent)
        acted.append(rel)
    return acted


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a removal in progress)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _drop_index(loc: Location) -> None:
    """Unpublish the index (its pointer first, so no reader sees a half-removed one), then delete its versions;
    in Milvus, its collections."""
    index_dir = loc.folder
    if loc.uri:
        from .milvus import drop

        lock = lock_index(index_dir)
        try:
            drop(loc)
        finally:
            lock.release()
        return
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
