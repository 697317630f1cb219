"""Stage 4: build, save and load the index.

Layout of an index folder::

    index/
      CURRENT            name of the published version folder
      .lock              held while a build runs
      v-<id>/            one complete version, never modified once published
        manifest.json    written last: version, model, settings, sources, sha256 of every file
        sections.json    the quotable sections: source, title, text, sentence offsets
        units.npy        int32 (n, 3): section, first and last sentence of each matched unit
        keys.npy         content hash of each unit's text, to skip unchanged text on rebuild
        dense.faiss      the unit vectors
        bm25/            bm25s arrays (.npy) and vocabulary (.json), no pickle

A build writes a new version folder, fsyncs it, writes its manifest last and
then replaces ``CURRENT`` atomically, so a reader never sees a half-built
index and a crash at any point leaves the previous one as it was.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .embed import encode_documents, get_model, model_dim, name_of, text_key
from .keywords import tokenize
from .split import MIN_SENTENCE_CHARS, Section, split_document
from .text import SUFFIXES, SourceError, read_source

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
#: How the matched units are made; part of the manifest, a change rebuilds all.
CHUNKING = {"unit_sentences": [1, 2], "min_sentence_chars": MIN_SENTENCE_CHARS}
#: From this many units on, the dense index is approximate (HNSW) instead of exact.
HNSW_MIN_UNITS = 200_000
#: HNSW settings measured by benchmarks/bench_recall.py on e5 vectors at 300k units:
#: M=32 gave recall@10 0.87-0.93 (efSearch 128-1024); M=64 with efConstruction 128
#: gives 0.995 at efSearch 256, in 0.7 ms a query.
HNSW_M = 64
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 256

Progress = Callable[[str, int, int], None]


class IndexError_(Exception):
    """Base of index errors; the message says what to do."""


class IndexMissing(IndexError_):
    """No index has been built in the folder."""


class IndexCorrupt(IndexError_):
    """A file of the index is missing, truncated or altered."""


class IndexMismatch(IndexError_):
    """The index was built with another format or model."""


class IndexBusy(IndexError_):
    """Another build holds the index's lock."""


class NoSources(IndexError_):
    """The data folder holds nothing to index."""


@dataclass
class BuildReport:
    """What a build did.

    Attributes:
        files: Source files indexed.
        sections: Sections in the index.
        sentences: Sentences in the index.
        units: Matched units (sentences and short runs of them).
        embedded: Units embedded by this build (the rest were reused).
        model: The model's name.
        seconds: Wall time of the build.
        up_to_date: True when nothing had changed and nothing was written.
        skipped: Files not indexed, with the reason.
        version: The published version folder.
    """

    files: int
    sections: int
    sentences: int
    units: int
    embedded: int
    model: str
    seconds: float
    up_to_date: bool = False
    skipped: dict[str, str] = field(default_factory=dict)
    version: str = ""

    def summary(self) -> str:
        head = "Index is up to date" if self.up_to_date else "Built index"
        return (
            f"{head}: {self.files} files, {self.sections} sections, {self.sentences} sentences "
            f"({self.units} units, {self.embedded} embedded), model {self.model}, {self.seconds:.1f}s"
        )


@dataclass
class LoadedIndex:
    """An index in memory."""

    path: Path
    manifest: dict
    sections: list[dict]
    units: np.ndarray
    dense: Any
    bm25: Any


# ------------------------------------------------------------------ sources

def list_sources(data_dir: Path) -> list[Path]:
    """The ``.txt`` and ``.md`` files under ``data_dir``, sorted."""
    return sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("."))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_hashes(data_dir: Path) -> dict[str, str]:
    """sha256 of every source file, by path relative to ``data_dir``."""
    return {p.relative_to(data_dir).as_posix(): sha256_file(p) for p in list_sources(data_dir)}


# ------------------------------------------------------------------ units

def make_units(sections: list[Section]) -> list[tuple[int, int, int]]:
    """The matched units: each sentence and each run of two, per section.

    Sentences shorter than ``MIN_SENTENCE_CHARS`` are not units on their own;
    they are matched inside the runs that contain them.
    """
    units = []
    sizes = CHUNKING["unit_sentences"]
    for si, sec in enumerate(sections):
        n = len(sec.sentences)
        for size in sizes:
            for s0 in range(0, max(n - size + 1, 0)):
                s1 = s0 + size - 1
                start, end = sec.sentences[s0][0], sec.sentences[s1][1]
                if size == 1 and end - start < MIN_SENTENCE_CHARS and n > 1:
                    continue
                units.append((si, s0, s1))
        if n == 1 and 1 not in sizes:
            units.append((si, 0, 0))
    return units


def unit_text(section: dict | Section, s0: int, s1: int) -> str:
    sents = section["sentences"] if isinstance(section, dict) else section.sentences
    text = section["text"] if isinstance(section, dict) else section.text
    return text[sents[s0][0] : sents[s1][1]]


# ------------------------------------------------------------------ paths

def current_version(index_dir: Path) -> Path:
    """The published version folder of ``index_dir``.

    Raises:
        IndexMissing: nothing has been published there.
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


def read_manifest(index_dir: Path) -> dict:
    """The manifest of the published index (no checksum verification)."""
    path = current_version(index_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{path} cannot be read ({e}); rebuild with `qa build --force`") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise IndexMismatch(
            f"{path} has index format {found!r}, this version of qa reads {FORMAT_VERSION}; rebuild with `qa build --force`"
        )
    return manifest


def _unchanged(manifest: dict, hashes: dict[str, str], model_name: str) -> bool:
    """True when an index was built from these sources, model and settings."""
    indexed = {k: v["sha256"] for k, v in manifest["sources"].items()}
    return (
        manifest["model"]["name"] == model_name
        and manifest["chunking"] == CHUNKING
        and indexed | manifest.get("skipped_hashes", {}) == hashes
    )


def index_status(data_dir: str | os.PathLike, index_dir: str | os.PathLike, model_name: str | None = None) -> str:
    """``"missing"``, ``"stale"`` (sources, model or settings changed) or ``"ok"``."""
    try:
        manifest = read_manifest(Path(index_dir))
    except IndexError_:
        return "missing"
    name = model_name or manifest["model"]["name"]
    return "ok" if _unchanged(manifest, source_hashes(Path(data_dir)), name) else "stale"


# ------------------------------------------------------------------ build

def build_index(
    data_dir: str | os.PathLike = "data",
    index_dir: str | os.PathLike = "index",
    model: "str | SentenceTransformer | None" = None,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build (or incrementally rebuild) the index of a data folder.

    Reads every ``.txt`` and ``.md`` file under ``data_dir``, cleans and splits
    it, embeds what is new and publishes a new index version atomically.
    Unchanged text is not embedded again; removed files drop out.

    Args:
        data_dir: Folder of source texts.
        index_dir: Folder of the index.
        model: Model name, path or loaded model; None is the bundled default.
        force: Rebuild even when nothing has changed.
        progress: Called as ``progress(stage, done, total)``.

    Returns:
        What was built.

    Raises:
        NoSources: ``data_dir`` holds no indexable file.
        IndexBusy: another build is running on ``index_dir``.
    """
    from filelock import FileLock, Timeout

    from .model import DEFAULT_MODEL

    t0 = time.perf_counter()
    data_dir, index_dir = Path(data_dir), Path(index_dir)
    if not data_dir.is_dir():
        raise NoSources(f"data folder {data_dir}/ does not exist; create it and put .txt or .md files in it")
    name = name_of(model) or DEFAULT_MODEL  # None builds with the default, as get_model loads it

    lock = FileLock(str(index_dir / ".lock"))
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:
        raise IndexBusy(f"another build of {index_dir}/ is running; wait for it to finish and try again") from None
    except OSError as e:
        raise _write_error(index_dir, e) from e
    try:
        return _build_locked(data_dir, index_dir, model, name, force, progress, t0)
    finally:
        lock.release()


def _build_locked(data_dir, index_dir, model, model_name, force, progress, t0) -> BuildReport:
    hashes = source_hashes(data_dir)
    try:
        previous = read_manifest(index_dir)
    except IndexError_:
        previous = None
    if previous and not force and _unchanged(previous, hashes, model_name):
        c = previous["counts"]
        return BuildReport(
            c["files"], c["sections"], c["sentences"], c["units"], 0, model_name,
            time.perf_counter() - t0, up_to_date=True, skipped=previous.get("skipped", {}),
            version=current_version(index_dir).name,
        )

    # Read and split every source; skip what cannot be indexed, with the reason.
    sections: list[Section] = []
    sources: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    skipped_hashes: dict[str, str] = {}
    seen_text: dict[str, str] = {}
    for path in list_sources(data_dir):
        rel = path.relative_to(data_dir).as_posix()
        try:
            doc = read_source(path, data_dir)
        except (SourceError, OSError) as e:
            log.warning("skipped %s", e)
            skipped[rel], skipped_hashes[rel] = str(e), hashes.get(rel, "")
            continue
        digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if digest in seen_text:
            msg = f"{rel}: same text as {seen_text[digest]}, indexed once"
            log.warning("skipped %s", msg)
            skipped[rel], skipped_hashes[rel] = msg, hashes[rel]
            continue
        seen_text[digest] = rel
        secs = split_document(doc)
        sections.extend(secs)
        sources[rel] = {"sha256": hashes[rel], "sections": len(secs), "meta": doc.meta, "glosses_removed": doc.glosses_removed}
    if not sections:
        why = "; ".join(skipped.values()) or "no .txt or .md files"
        raise NoSources(f"nothing to index in {data_dir}/ ({why}); the existing index was left as it was")

    # Loaded only now: a build with nothing changed needs no model.
    st_model = get_model(model) if model is None or isinstance(model, str) else model
    units = make_units(sections)
    texts = [unit_text(sections[si], s0, s1) for si, s0, s1 in units]
    keys = [text_key(model_name, t) for t in texts]

    # Each distinct text is embedded once, and not at all when the previous
    # version already holds its vector (same model, same text).
    row_of: dict[str, int] = {}
    inverse = np.fromiter((row_of.setdefault(k, len(row_of)) for k in keys), dtype=np.int64, count=len(keys))
    dim = model_dim(st_model)
    unique = np.empty((len(row_of), dim), dtype=np.float32)
    todo = set(range(len(row_of)))
    if previous and previous["model"]["name"] == model_name and previous["model"]["dim"] == dim:
        try:
            old = load_index(index_dir, verify=True)
            old_keys = np.load(old.path / "keys.npy", allow_pickle=False)
            reuse = [(row_of[k], i) for i, k in enumerate(x.decode() for x in old_keys) if k in row_of]
            if reuse:
                new_rows, old_rows = map(list, zip(*dict(reuse).items()))
                unique[new_rows] = _reconstruct(old.dense, old_rows)
                todo -= set(new_rows)
            del old
        except IndexError_ as e:
            log.warning("previous index not reused: %s", e)
    todo_rows = sorted(todo)
    first_unit = {row: i for i, row in reversed(list(enumerate(inverse.tolist())))}

    if progress:
        progress("embed", 0, len(todo_rows))
    done_n = 0

    def tick(n: int) -> None:
        nonlocal done_n
        done_n += n
        if progress:
            progress("embed", done_n, len(todo_rows))

    if todo_rows:
        new = encode_documents(st_model, [texts[first_unit[r]] for r in todo_rows], progress=tick)
        if len(todo_rows) == len(unique):
            unique = new  # nothing reused: no second copy of all vectors
        else:
            unique[todo_rows] = new
        del new
    # Without repeated text the unique rows are the vectors: no second copy.
    vectors = unique if len(unique) == len(keys) else unique[inverse]
    del unique

    manifest = {
        "format_version": FORMAT_VERSION,
        "model": {"name": model_name, "dim": dim},
        "chunking": CHUNKING,
        "sources": sources,
        "skipped": skipped,
        "skipped_hashes": skipped_hashes,
        "counts": {
            "files": len(sources),
            "sections": len(sections),
            "sentences": sum(len(s.sentences) for s in sections),
            "units": len(units),
        },
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if progress:
        progress("write", 0, 1)
    version = _publish(index_dir, sections, units, keys, vectors, texts, manifest)
    if progress:
        progress("write", 1, 1)
    c = manifest["counts"]
    return BuildReport(
        c["files"], c["sections"], c["sentences"], c["units"], len(todo_rows), model_name,
        time.perf_counter() - t0, skipped=skipped, version=version.name,
    )


def _dense_index(vectors: np.ndarray):
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


def _reconstruct(index, ids: list[int]) -> np.ndarray:
    return index.reconstruct_batch(np.asarray(ids, dtype=np.int64))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _bm25s():
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself at import
    return bm25s


def _publish(index_dir, sections, units, keys, vectors, texts, manifest) -> Path:
    """Write a new version folder and make it current, atomically."""
    import faiss

    bm25s = _bm25s()

    version = index_dir / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    staging = index_dir / f".staging-{version.name}"
    try:
        staging.mkdir()
        _write_bytes(
            staging / "sections.json",
            json.dumps(
                [{"source": s.source, "title": s.title, "text": s.text, "sentences": s.sentences} for s in sections],
                ensure_ascii=False,
            ).encode("utf-8"),
        )
        np.save(staging / "units.npy", np.asarray(units, dtype=np.int32).reshape(-1, 3))
        np.save(staging / "keys.npy", np.asarray(keys, dtype="S32"))
        try:
            faiss.write_index(_dense_index(vectors), str(staging / "dense.faiss"))
        except RuntimeError as e:  # faiss reports a failed write (e.g. disk full) this way
            raise OSError(f"writing dense.faiss failed: {str(e).strip().splitlines()[-1]}") from e
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) for t in texts], show_progress=False)
        retriever.save(str(staging / "bm25"), allow_pickle=False)

        files = {}
        for p in sorted(staging.rglob("*")):
            if p.is_file():
                with open(p, "rb+") as f:
                    os.fsync(f.fileno())
                files[p.relative_to(staging).as_posix()] = sha256_file(p)
        manifest = dict(manifest, files=files)
        _fsync_dir(staging / "bm25")
        # The manifest is written last: a folder without one is incomplete.
        _write_bytes(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        _fsync_dir(staging)
        os.rename(staging, version)
        _fsync_dir(index_dir)

        pointer_tmp = index_dir / f".CURRENT.{uuid.uuid4().hex[:8]}"
        _write_bytes(pointer_tmp, version.name.encode())
        os.replace(pointer_tmp, index_dir / "CURRENT")
        _fsync_dir(index_dir)
    except BaseException as e:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(e, OSError):
            raise _write_error(index_dir, e) from e
        raise
    _prune(index_dir, keep={version.name})
    return version


def _write_error(index_dir: Path, e: OSError) -> IndexError_:
    return IndexError_(
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
    """Load the published index, checking its format and every file's sha256.

    Raises:
        IndexMissing: no index was built there.
        IndexCorrupt: a file is missing, truncated or altered (named in the message).
        IndexMismatch: the index has another format version.
    """
    import faiss

    bm25s = _bm25s()

    index_dir = Path(index_dir)
    version = current_version(index_dir)
    manifest = read_manifest(index_dir)
    fix = f"rebuild with `qa build --force --index {index_dir}`"
    files = manifest.get("files") or {}
    for rel in ("sections.json", "units.npy", "dense.faiss"):
        if rel not in files:
            raise IndexCorrupt(f"{version / 'manifest.json'} does not list {rel}; {fix}")
    if verify:
        for rel, digest in files.items():
            path = version / rel
            if not path.is_file():
                raise IndexCorrupt(f"index file {path} is missing; {fix}")
            if sha256_file(path) != digest:
                raise IndexCorrupt(f"index file {path} is truncated or altered (sha256 mismatch); {fix}")
    try:
        sections = json.loads((version / "sections.json").read_text(encoding="utf-8"))
        units = np.load(version / "units.npy", allow_pickle=False)
        dense = faiss.read_index(str(version / "dense.faiss"))
        bm25 = bm25s.BM25.load(str(version / "bm25"), load_corpus=False)
    except Exception as e:  # a file that passed no checksum (verify=False) may still be bad
        raise IndexCorrupt(f"index in {version} cannot be read ({type(e).__name__}: {e}); {fix}") from None
    if dense.ntotal != len(units) or dense.d != manifest["model"]["dim"]:
        raise IndexCorrupt(f"index in {version}: dense vectors do not match the units; {fix}")
    if isinstance(dense, faiss.IndexHNSWFlat):
        dense.hnsw.efSearch = HNSW_EF_SEARCH
    return LoadedIndex(version, manifest, sections, units, dense, bm25)
