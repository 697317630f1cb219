"""Stage 4: the index on disk: its layout, writing a version, loading it.

Layout of an index folder::

    index/
      CURRENT            name of the published version folder
      .lock              held while a build runs
      v-<id>/            one complete version, never modified once published
        manifest.json    written last: format, model, settings, sources, sha256 of every file
        paragraphs.json  the quotable paragraphs: source, title, path, text, sentence offsets, page
        units.npy        int32 (n, 4): paragraph, first and last sentence of each matched unit,
                         and 0 or the number of its piece of a long sentence (UNIT_COLUMNS)
        keys.npy         content hash of each unit's text, to skip unchanged text on rebuild
        dense.faiss      the unit vectors
        bm25/            bm25s arrays (.npy) and vocabulary (.json), no pickle

A build writes a new version folder, fsyncs it, writes its manifest last and
then replaces ``CURRENT`` atomically, so a reader never sees a half-built
index and a crash at any point leaves the previous one as it was. The build
itself, in steps, is in :mod:`qa.build`; reading older formats, in :mod:`qa.migrations`.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import files
from .errors import IndexCorrupt, IndexFailure, IndexMismatch, IndexMissing
from .keywords import tokenize
from .migrations import FORMAT_VERSION, READABLE_FORMATS, backfill_places, upgrade_units
from .split import Paragraph
from .store import FaissStore, Store

log = logging.getLogger(__name__)

#: The columns of ``units.npy``: a unit's paragraph (its place in ``paragraphs.json``), its first and
#: last sentence, and 0 or the number of its piece of a long sentence (:class:`qa.split.Unit`).
UNIT_COLUMNS = ("paragraph", "first", "last", "piece")
UNIT_PARAGRAPH, UNIT_FIRST, UNIT_LAST, UNIT_PIECE = range(len(UNIT_COLUMNS))
#: From this many units on, the dense index is approximate (HNSW) instead of exact.
HNSW_MIN_UNITS = 200_000
#: HNSW settings measured by benchmarks/bench_recall.py on e5 vectors at 300k units:
#: M=32 gave recall@10 0.87-0.93 (efSearch 128-1024); M=64 with efConstruction 128
#: gives 0.995 at efSearch 256, in 0.7 ms a query.
HNSW_M = 64
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 256


@dataclass
class SourceRecord:
    """What a build did with one source file.

    Attributes:
        sha256: The file's hash when it was read.
        status: ``"indexed"`` or ``"skipped"``.
        reason: Why it was skipped.
        title: The document's title (:func:`qa.titles.decide_title`), "" when it has none.
        paragraphs: Paragraphs it gave.
        meta: Format, pages, encoding, date, speaker, byline and the like; ``title_source``, where
            the title came from: ``set``, ``metadata``, ``title line``, ``file name`` or "".
        glosses_removed: Pinyin glosses removed while cleaning.
        indexed_at: When it was read, as ISO 8601.
    """

    sha256: str
    status: str = "indexed"
    reason: str = ""
    title: str = ""
    paragraphs: int = 0
    meta: dict = field(default_factory=dict)
    glosses_removed: int = 0
    indexed_at: str = ""


@dataclass
class Manifest:
    """The record of one index version, written last.

    Attributes:
        model: The embedding model's name.
        dim: Its dimension.
        chunking: How units were made (:data:`qa.split.CHUNKING`).
        sources: One record per source file, indexed or skipped.
        counts: ``files``, ``paragraphs``, ``sentences``, ``units``.
        built_at: When, as ISO 8601.
        files: sha256 of every file of the version.
        format_version: The layout's version.
        backend: What ran the model: ``"onnx"`` (int8) or ``"torch"``.
        data: The folder of source files it indexes, relative to the index folder, so that the
            two can move together (absolute for an index in Milvus); empty for an index from before it was kept.
        store: Where the index is (:meth:`qa.store.Location.describe`): ``{"kind": "faiss"}``, or Milvus's
            URI (never a password), collection, and the machine that built it.
    """

    model: str
    dim: int
    chunking: dict
    sources: dict[str, SourceRecord]
    counts: dict[str, int]
    built_at: str = ""
    files: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    backend: str = "torch"  # indexes from before the ONNX backend were all torch
    data: str = ""
    store: dict = field(default_factory=lambda: {"kind": "faiss"})

    def source_hashes(self) -> dict[str, str]:
        """sha256 of every source file the build saw, indexed or skipped."""
        return {name: rec.sha256 for name, rec in self.sources.items()}

    def title(self, name: str) -> str:
        """The title of source file ``name`` (:func:`qa.titles.decide_title`), else its file name without suffix."""
        return self.sources[name].title or Path(name).stem

    def skipped(self) -> dict[str, str]:
        """Files not indexed, with the reason."""
        return {name: rec.reason for name, rec in self.sources.items() if rec.status != "indexed"}

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, data: dict) -> "Manifest":
        return cls(**dict(data, sources={k: SourceRecord(**v) for k, v in data["sources"].items()}))


@dataclass
class LoadedIndex:
    """An index version in memory."""

    path: Path
    manifest: Manifest
    paragraphs: list[Paragraph]
    units: np.ndarray
    store: "Store"


# ------------------------------------------------------------------ paths

def current_version(index_dir: str | os.PathLike) -> Path:
    """The published version folder of ``index_dir`` (or ``index_dir`` itself if it is one).

    Raises:
        IndexMissing: nothing has been published there.
        IndexCorrupt: ``CURRENT`` is damaged or points nowhere.
    """
    index_dir = Path(index_dir)
    if (index_dir / "manifest.json").is_file():  # a version folder given directly
        return index_dir
    pointer = index_dir / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(f"no index in {index_dir}/; build one with `qa build --index {index_dir}`") from None
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise IndexCorrupt(f"{pointer} is damaged; rebuild with `qa build --force --index {index_dir}`")
    version = index_dir / name
    if not (version / "manifest.json").is_file():
        raise IndexCorrupt(
            f"{pointer} points to {name}/, which has no manifest.json; rebuild with `qa build --force --index {index_dir}`"
        )
    return version


def read_manifest(version: str | os.PathLike) -> Manifest:
    """The manifest of a version folder (its files are not checked).

    Args:
        version: A version folder, as :func:`current_version` gives.

    Raises:
        IndexCorrupt: the manifest cannot be read.
        IndexMismatch: it has another format version.
    """
    path = Path(version) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{path} cannot be read ({e}); rebuild with `qa build --force`") from None
    found = data.get("format_version") if isinstance(data, dict) else None
    if found not in READABLE_FORMATS:
        raise IndexMismatch(
            f"{path} has index format {found!r}, this version of qa reads {FORMAT_VERSION}; rebuild with `qa build --force`"
        )
    try:
        return Manifest.from_json(data)
    except (TypeError, KeyError, AttributeError) as e:
        raise IndexCorrupt(f"{path} is damaged ({e}); rebuild with `qa build --force`") from None


def current_manifest(index_dir: str | os.PathLike) -> Manifest | None:
    """The manifest of the published version of ``index_dir``; None when there is none or it cannot be read."""
    try:
        return read_manifest(current_version(index_dir))
    except IndexFailure:
        return None


# ------------------------------------------------------------------ write

def dense_index(vectors: np.ndarray):
    """The FAISS index a build writes for these vectors: exact, or HNSW from ``HNSW_MIN_UNITS`` on."""
    import faiss

    dim = vectors.shape[1]
    if len(vectors) >= HNSW_MIN_UNITS:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    return index


def _bm25s():
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself at import
    return bm25s


def write_version(
    index_dir: Path,
    paragraphs: list[Paragraph],
    units: np.ndarray,
    keys: list[str],
    vectors: np.ndarray,
    texts: list[str],
    manifest: Manifest,
) -> Path:
    """Write a new version folder and make it current, atomically.

    Raises:
        IndexFailure: the folder cannot be written (disk full, read-only);
            the previous version is left as it was.
    """
    import faiss

    bm25s = _bm25s()
    version = index_dir / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    staging = index_dir / f".staging-{version.name}"
    try:
        staging.mkdir()
        files.write_durable(staging / "paragraphs.json", json.dumps([p.to_dict() for p in paragraphs], ensure_ascii=False).encode("utf-8"))
        np.save(staging / "units.npy", np.asarray(units, dtype=np.int32).reshape(-1, len(UNIT_COLUMNS)))
        np.save(staging / "keys.npy", np.asarray(keys, dtype="S32"))
        try:
            faiss.write_index(dense_index(vectors), str(staging / "dense.faiss"))
        except RuntimeError as e:  # faiss reports a failed write (e.g. disk full) this way
            raise OSError(f"writing dense.faiss failed: {str(e).strip().splitlines()[-1]}") from e
        bm25 = bm25s.BM25()
        bm25.index([tokenize(t) for t in texts], show_progress=False)
        bm25.save(str(staging / "bm25"), allow_pickle=False)
        manifest.files = files.seal(staging)
        # The manifest is written last: a folder without one is incomplete.
        files.write_durable(staging / "manifest.json", manifest.to_json())
        files.fsync_dir(staging)
        os.rename(staging, version)
        files.fsync_dir(index_dir)
        files.replace_atomic(index_dir / "CURRENT", version.name.encode())
    except BaseException as e:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(e, OSError):
            raise write_error(index_dir, e) from e
        raise
    _prune(index_dir, keep={version.name})
    return version


def write_error(index_dir: Path, e: OSError) -> IndexFailure:
    """The error for an index folder that cannot be written."""
    return IndexFailure(
        f"could not write the index in {index_dir}/ ({e.strerror or e}); the previous index was left as it was"
    )


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Remove old versions and leftovers of crashed builds.

    The version published just before is kept too, so that a reader that
    resolved ``CURRENT`` a moment ago can still finish loading it.
    """
    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    keep = set(keep) | {p.name for p in versions[-2:]}
    for p in index_dir.iterdir():
        if p.is_dir() and (p.name.startswith(".staging-") or p.name.startswith("v-")) and p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(".CURRENT."):
            p.unlink(missing_ok=True)


# ------------------------------------------------------------------ load

def load_index(index_dir: str | os.PathLike = "index", *, verify: bool = True) -> LoadedIndex:
    """Load the published index, checking its format and every file's sha256 (:func:`qa.published.load`
    loads one wherever it lives).

    ``CURRENT`` is read once: a build that publishes meanwhile does not mix
    two versions.

    Raises:
        IndexMissing: no index was built there.
        IndexCorrupt: a file is missing, truncated or altered (named in the message).
        IndexMismatch: the index has another format version.
    """
    import faiss

    bm25s = _bm25s()
    version = current_version(index_dir)
    manifest = read_manifest(version)
    fix = f"rebuild with `qa build --force --index {index_dir}`"
    for rel in ("paragraphs.json", "units.npy", "dense.faiss"):
        if rel not in manifest.files:
            raise IndexCorrupt(f"{version / 'manifest.json'} does not list {rel}; {fix}")
    if verify and (problem := files.check_digests(version, manifest.files)):
        raise IndexCorrupt(f"index file {problem}; {fix}")
    try:
        paragraphs = [Paragraph.from_dict(d) for d in json.loads((version / "paragraphs.json").read_text(encoding="utf-8"))]
        units = np.load(version / "units.npy", allow_pickle=False)
        dense = faiss.read_index(str(version / "dense.faiss"))
        bm25 = bm25s.BM25.load(str(version / "bm25"), load_corpus=False)
    except Exception as e:  # a file that passed no checksum (verify=False) may still be bad
        raise IndexCorrupt(f"index in {version} cannot be read ({type(e).__name__}: {e}); {fix}") from None
    units = upgrade_units(units)
    if units.ndim != 2 or units.shape[1] != len(UNIT_COLUMNS):
        raise IndexCorrupt(f"index in {version}: units.npy has shape {units.shape}, not (n, {len(UNIT_COLUMNS)}); {fix}")
    if dense.ntotal != len(units) or dense.d != manifest.dim:
        raise IndexCorrupt(f"index in {version}: dense vectors do not match the units; {fix}")
    if isinstance(dense, faiss.IndexHNSWFlat):
        dense.hnsw.efSearch = HNSW_EF_SEARCH
    backfill_places(manifest, paragraphs)
    return LoadedIndex(version, manifest, paragraphs, units, FaissStore(dense, bm25))


def stored_keys(index: LoadedIndex) -> list[str]:
    """The content key of every unit, in unit order."""
    return [k.decode() for k in np.load(index.path / "keys.npy", allow_pickle=False)]
