"""Writing files so that a crash never leaves half of one, and checking them later.

The index and the model cache follow the same rules: files are written and
fsynced, a folder's files are listed with their sha256 in a record written
last, and a folder whose files do not match its record is never used.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path


def sha256_file(path: str | os.PathLike) -> str:
    """The hex sha256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def fsync_file(path: str | os.PathLike) -> None:
    """Flush a file's bytes to the disk."""
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path: str | os.PathLike) -> None:
    """Flush a folder's entries (new names, renames) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durable(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` and fsync it before returning."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def replace_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once: readers see the old bytes or the new, never a mix.

    The bytes go to a hidden sibling first, which is renamed over ``path``.
    """
    _publish(Path(path), data, os.replace)


def create_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Create ``path`` with ``data`` at once, only if nothing is there: of two writers of one name, one wins.

    The bytes go to a hidden sibling first, which is hard-linked to ``path`` (a link, unlike a
    rename, never replaces what is there).

    Raises:
        FileExistsError: ``path`` exists (the other writer won).
    """
    _publish(Path(path), data, os.link)


def _publish(path: Path, data: bytes, put) -> None:
    """Write ``data`` durably to a hidden sibling of ``path``, ``put`` it at ``path``, and drop the sibling."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write_durable(tmp, data)
        put(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # gone already after a rename
    fsync_dir(path.parent)


def seal(folder: str | os.PathLike) -> dict[str, str]:
    """fsync every file under ``folder`` and its subfolders; return each file's sha256.

    Returns:
        ``{relative path: sha256}``, to be written into the folder's record last.
    """
    folder = Path(folder)
    digests = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fsync_file(path)
            digests[path.relative_to(folder).as_posix()] = sha256_file(path)
        elif path.is_dir():
            fsync_dir(path)
    return digests


def check_digests(folder: str | os.PathLike, digests: dict[str, str]) -> str | None:
    """The first file under ``folder`` that does not match ``digests``, described; None when all match."""
    folder = Path(folder)
    for rel, digest in digests.items():
        path = folder / rel
        if not path.is_file():
            return f"{path} is missing"
        if sha256_file(path) != digest:
            return f"{path} is truncated or altered (sha256 mismatch)"
    return None
