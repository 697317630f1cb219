"""Building the index, in named steps.

1. :func:`read_sources`: read, clean and split every source file; one
   :class:`~qa.index.SourceRecord` per file says whether it was indexed or
   skipped, and why.
2. :func:`reuse_vectors`: take the vectors of unchanged text from the
   previous version.
3. :func:`embed_missing`: embed the rest.
4. :func:`qa.index.write_version`: write and publish the new version.

:func:`build_index` runs them under the index's lock, and does nothing at all
when no source, model or setting has changed.
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from . import files, published
from .embed import backend_of, check_backend, encode_documents, get_model, model_dim, name_of, text_key
from .errors import IndexBusy, IndexFailure, NoSources, SourceError
from .index import (
    FORMAT_VERSION,
    Manifest,
    SourceRecord,
    current_manifest,
    load_index,
    stored_keys,
    write_error,
    write_version,
)
from .places import document_places, head_lines
from .progress import Progress
from .store import Location, as_location
from .split import CHUNKING, Paragraph, make_units, split_document
from .read import SUFFIXES
from .read.worker import read_isolated
from .terms import index_terms
from .titles import decide_title, read_titles, titles_for

if TYPE_CHECKING:
    from .embed import Encoder

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did.

    Attributes:
        files: Source files indexed.
        paragraphs: Paragraphs in the index.
        sentences: Sentences in the index.
        units: Matched units (sentences and short runs of them).
        embedded: Units embedded by this build (the rest were reused).
        model: The model's name.
        seconds: Wall time of the build.
        up_to_date: True when nothing had changed and nothing was written.
        sources: One record per source file: indexed or skipped, and why.
        version: The published version folder.
        backend: What ran the model: ``"onnx"`` or ``"torch"``.
    """

    files: int
    paragraphs: int
    sentences: int
    units: int
    embedded: int
    model: str
    seconds: float
    up_to_date: bool = False
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    version: str = ""
    backend: str = ""

    @property
    def skipped(self) -> dict[str, str]:
        """Files not indexed, with the reason."""
        return {name: rec.reason for name, rec in self.sources.items() if rec.status != "indexed"}

    def summary(self) -> str:
        head = "Index is up to date" if self.up_to_date else "Built index"
        return (
            f"{head}: {self.files} files, {self.paragraphs} paragraphs, {self.sentences} sentences "
            f"({self.units} units, {self.embedded} embedded), model {self.model} ({self.backend}), {self.seconds:.1f}s"
        )


# ------------------------------------------------------------------ sources

def list_sources(data_dir: Path) -> list[Path]:
    """The indexable files under ``data_dir`` (by suffix, hidden ones left out), sorted."""
    return sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("."))


def source_hashes(data_dir: Path) -> dict[str, str]:
    """sha256 of every source file, by path relative to ``data_dir``."""
    return {p.relative_to(data_dir).as_posix(): files.sha256_file(p) for p in list_sources(data_dir)}


def unchanged(
    manifest: Manifest, hashes: dict[str, str], model_name: str, backend: str | None = None, titles: dict[str, str] | None = None
) -> bool:
    """True when a version was built from these sources, model, backend (unless None), settings and,
    unless None, the titles users set (``titles.json``, :func:`titles_unchanged`)."""
    return (
        manifest.model == model_name
        and manifest.format_version == FORMAT_VERSION
        and backend in (None, manifest.backend)
        and manifest.chunking == CHUNKING
        and manifest.source_hashes() == hashes
        and (titles is None or titles_unchanged(manifest, titles))
    )


def titles_unchanged(manifest: Manifest, titles: dict[str, str]) -> bool:
    """Whether every indexed document has the title set for it in ``titles`` (and none where none is set),
    and was titled by :func:`qa.titles.decide_title` (an index from before has no ``title_source``).

    A title set for a file the index does not hold (skipped, or no such file) changes nothing.
    """
    for name, rec in manifest.sources.items():
        if rec.status != "indexed":
            continue
        if "title_source" not in rec.meta:
            return False
        have = rec.title if rec.meta["title_source"] == "set" else None
        if titles.get(name) != have:
            return False
    return True


def _relative(data_dir: Path, index_dir: Path) -> str:
    """``data_dir`` as seen from ``index_dir``, so that the two can move together (absolute across Windows drives)."""
    try:
        return os.path.relpath(data_dir.resolve(), index_dir.resolve())
    except ValueError:
        return str(data_dir.resolve())


def indexed_folder(manifest: Manifest, index_dir: "str | os.PathLike | Location") -> Path | None:
    """The folder of source files an index was built from; None for an index from before it was kept.

    An index in Milvus built on another machine was built from no folder of this one's.
    """
    if manifest.store.get("host", socket.gethostname()) != socket.gethostname():
        return Path("//" + manifest.store["host"]) / manifest.data.lstrip("/")
    return (as_location(index_dir).folder.resolve() / manifest.data).resolve() if manifest.data else None


def index_status(
    data_dir: str | os.PathLike, index_dir: "str | os.PathLike | Location", model_name: str | None = None, backend: str | None = None
) -> str:
    """``"missing"``, ``"elsewhere"`` (it indexes another folder), ``"stale"`` (sources, model,
    backend, settings or the titles set in ``titles.json`` changed) or ``"ok"``.

    A None model or backend accepts the index's.

    Raises:
        SourceError: ``titles.json`` is malformed; the message names it.
    """
    manifest = published.manifest(index_dir)
    if manifest is None:
        return "missing"
    if indexed_folder(manifest, index_dir) not in (None, Path(data_dir).resolve()):
        return "elsewhere"
    ok = unchanged(manifest, source_hashes(Path(data_dir)), model_name or manifest.model, backend, read_titles(data_dir))
    return "ok" if ok else "stale"


# ------------------------------------------------------------------ steps

def read_sources(
    data_dir: Path, hashes: dict[str, str], titles: dict[str, str] | None = None
) -> tuple[list[Paragraph], dict[str, SourceRecord]]:
    """Step 1: read, clean and outline every source; skip what cannot be indexed.

    A file whose cleaned text repeats an earlier file's is skipped, so the
    same paragraph is never quoted twice. Each document's title is
    :func:`qa.titles.decide_title`'s (``titles``: those users set win), and
    ``meta["title_source"]`` says where it came from.

    Returns:
        The paragraphs of all indexed files, in order, and a record per file.
    """
    paragraphs: list[Paragraph] = []
    records: dict[str, SourceRecord] = {}
    seen_text: dict[str, str] = {}
    for path in list_sources(data_dir):
        rel = path.relative_to(data_dir).as_posix()
        sha = hashes.get(rel, "")
        try:
            doc = read_isolated(path, rel)  # a reader that runs away costs its worker, not the build
        except (SourceError, OSError) as e:
            records[rel] = SourceRecord(sha, "skipped", str(e))
            log.warning("skipped %s", e)
            continue
        digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if digest in seen_text:
            records[rel] = SourceRecord(sha, "skipped", f"{rel}: same text as {seen_text[digest]}, indexed once")
            log.warning("skipped %s", records[rel].reason)
            continue
        seen_text[digest] = rel
        try:
            outline = split_document(doc)
        except Exception as e:  # noqa: BLE001 - one document that cannot be outlined never stops the build
            log.debug("%s could not be outlined", rel, exc_info=True)
            records[rel] = SourceRecord(sha, "skipped", f"{rel}: cannot be outlined ({type(e).__name__}: {str(e)[:200]})")
            log.warning("skipped %s", records[rel].reason)
            continue
        if not outline.paragraphs:
            records[rel] = SourceRecord(sha, "skipped", f"{rel}: no paragraphs of text in it")
            log.warning("skipped %s", records[rel].reason)
            continue
        paragraphs.extend(outline.paragraphs)
        title, title_source = decide_title(rel, doc.meta, outline.title, (titles or {}).get(rel))
        places = document_places(head_lines(title, outline.meta, rel), doc.text)
        read_meta = {k: v for k, v in doc.meta.items() if k not in ("title", "title_line")}  # what decided the title
        records[rel] = SourceRecord(
            sha, title=title, paragraphs=len(outline.paragraphs),
            meta=read_meta | outline.meta | {"places": places, "title_source": title_source},
            glosses_removed=doc.glosses_removed, indexed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
    return paragraphs, records


def reuse_vectors(
    index_dir: Path, previous: Manifest | None, model_name: str, dim: int, backend: str, row_of: dict[str, int], out: np.ndarray
) -> set[int]:
    """Step 2: copy the previous version's vectors of texts it already embedded into ``out``.

    Args:
        index_dir: The index folder.
        previous: The published version's manifest, if any.
        model_name: The model of this build; vectors of another are not reused.
        dim: Its dimension.
        backend: The backend of this build; vectors of another are not reused.
        row_of: Row of ``out`` for each content key.
        out: The vectors being built.

    Returns:
        The rows filled.
    """
    if previous is None or previous.model != model_name or previous.dim != dim or previous.backend != backend:
        return set()  # no key can match: vectors are kept per model and backend
    try:
        old = load_index(index_dir, verify=True)
    except IndexFailure as e:
        log.warning("previous index not reused: %s", e)
        return set()
    pairs = {row_of[k]: i for i, k in enumerate(stored_keys(old)) if k in row_of}
    if pairs:
        out[list(pairs)] = old.store.vectors(np.asarray(list(pairs.values()), dtype=np.int64))
    return set(pairs)


def embed_missing(model: "Encoder", texts: list[str], rows: list[int], out: np.ndarray, progress: Progress | None = None) -> None:
    """Step 3: embed ``texts`` into ``out[rows]``, reporting progress as ``("embed", done, total)``."""
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("embed", done, len(rows))

    if progress:
        progress("embed", 0, len(rows))
    if len(rows) == len(out):  # a full build: written in place, no second copy of all vectors
        encode_documents(model, texts, progress=tick, out=out)
    elif rows:
        out[rows] = encode_documents(model, texts, progress=tick)


def unit_text(title: str, text: str) -> str:
    """What is embedded and keyword-indexed for a unit's text: the document's title (if it has one) before it."""
    return f"{title}\n{text}" if title else text


def kept_sources(previous: Manifest | None, records: dict[str, SourceRecord], model_name: str, backend: str, refresh: set[str]) -> set[str]:
    """The sources whose rows the previous version in Milvus holds as this build would write them: same
    file, model, backend, settings and format, and not asked to be read anew."""
    if previous is None or (previous.model, previous.backend, previous.chunking, previous.format_version) != (
        model_name, backend, CHUNKING, FORMAT_VERSION
    ):
        return set()
    return {
        name for name, rec in records.items()
        if rec.status == "indexed" and name not in refresh
        and (old := previous.sources.get(name)) is not None and old.status == "indexed" and old.sha256 == rec.sha256
        and old.title == rec.title  # its units are embedded with its title
    }


# ------------------------------------------------------------------ build

def lock_index(index_dir: Path):
    """Take the index's build lock (a ``filelock.FileLock``; the caller releases it), creating the folder if need be.

    Raises:
        IndexBusy: another build holds it.
        IndexFailure: the folder cannot be written.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(index_dir / ".lock"))
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:
        raise IndexBusy(f"another build of {index_dir}/ is running; wait for it to finish and try again") from None
    except OSError as e:
        raise write_error(index_dir, e) from e
    return lock


def build_index(
    data_dir: str | os.PathLike = "data",
    index_dir: "str | os.PathLike | Location" = "index",
    model: "str | Encoder | None" = None,
    *,
    backend: str | None = None,
    force: bool = False,
    refresh: Iterable[str] = (),
    progress: Progress | None = None,
) -> BuildReport:
    """Build (or incrementally rebuild) the index of a data folder.

    Reads every source file under ``data_dir``, cleans and splits it, embeds
    what is new and publishes a new index version atomically. Unchanged text
    is not embedded again; removed files drop out.

    Args:
        data_dir: Folder of source texts.
        index_dir: Folder of the index, or a :class:`qa.store.Location` in Milvus (there only the
            changed sources' rows are written: :func:`qa.milvus.write`).
        model: Model name, path or loaded model; None is the bundled default.
        backend: ``"onnx"`` or ``"torch"`` for a model given by name; None keeps
            the index's, or picks ONNX for the default model in a new index
            (a loaded model brings its own).
        force: Rebuild even when nothing has changed.
        refresh: Files (relative to ``data_dir``) to read and embed anew, as if new;
            a build is made even when nothing has changed.
        progress: Called as ``progress(stage, done, total)``.

    Returns:
        What was built.

    Raises:
        NoSources: ``data_dir`` holds no indexable file.
        SourceError: the data folder's ``titles.json`` is malformed (:func:`qa.titles.read_titles`).
        IndexBusy: another build is running on ``index_dir``.
        IndexFailure: the index cannot be written.
    """
    from .model import DEFAULT_MODEL

    t0 = time.perf_counter()
    data_dir, loc = Path(data_dir), as_location(index_dir)
    index_dir = loc.folder
    if not data_dir.is_dir():
        raise NoSources(f"data folder {data_dir}/ does not exist; create it and put source files in it")
    model_name = name_of(model) or DEFAULT_MODEL  # None builds with the default, as get_model loads it
    if model is not None and not isinstance(model, str):
        backend = backend_of(model)
    elif backend is not None:
        check_backend(model_name, backend)  # before the lock and the reading: a bad pair fails at once
    lock = lock_index(index_dir)
    try:
        hashes = source_hashes(data_dir)
        chosen = titles_for(data_dir, hashes)  # the titles users set; a malformed titles.json stops the build here
        previous = published.manifest(loc)
        if backend is None:  # keep the backend the index was built with, else the model's default
            backend = check_backend(model_name, previous.backend if previous and previous.model == model_name else None)
        refresh = set(refresh)
        if previous and not force and not refresh and unchanged(previous, hashes, model_name, backend, chosen):
            return BuildReport(
                **previous.counts, embedded=0, model=model_name, seconds=time.perf_counter() - t0,
                up_to_date=True, sources=previous.sources, version=published.version(loc), backend=backend,
            )

        paragraphs, records = read_sources(data_dir, hashes, chosen)
        if not paragraphs:
            why = "; ".join(r.reason for r in records.values()) or f"no {', '.join(SUFFIXES)} files"
            raise NoSources(f"nothing to index in {data_dir}/ ({why}); the existing index was left as it was")
        units = make_units(paragraphs)
        # A unit is matched with its document's title before it: in a library of
        # reports, 「上海…目标」 must find Shanghai's 「全市生产总值增长5%左右」.
        titles = {name: rec.title for name, rec in records.items()}
        texts = [unit_text(titles.get(paragraphs[u.paragraph].source, ""), u.text) for u in units]
        keys = [text_key(model_name, t, backend) for t in texts]
        # In Milvus the rows of sources unchanged since the last build stay as they are: only the others are embedded.
        kept = kept_sources(previous, records, model_name, backend, refresh) if loc.uri and not force else set()
        todo_units = [i for i, u in enumerate(units) if paragraphs[u.paragraph].source not in kept]

        # Each distinct text is embedded once, and not at all when the
        # previous version holds its vector (same model, backend and text).
        row_of: dict[str, int] = {}
        inverse = np.fromiter((row_of.setdefault(keys[i], len(row_of)) for i in todo_units), dtype=np.int64, count=len(todo_units))
        encoder = get_model(model, backend) if model is None or isinstance(model, str) else model  # loaded only now
        dim = model_dim(encoder)
        vectors = np.empty((len(row_of), dim), dtype=np.float32)
        fresh = {keys[i] for i, u in enumerate(units) if paragraphs[u.paragraph].source in refresh}
        reusable = {k: row for k, row in row_of.items() if k not in fresh}
        # A library moving to Milvus takes the vectors of the index in its folder, if there is one.
        local = current_manifest(index_dir) if loc.uri else previous
        reused = reuse_vectors(index_dir, local, model_name, dim, backend, reusable, vectors)
        todo = [r for r in range(len(row_of)) if r not in reused]
        first_text = {row: texts[todo_units[i]] for i, row in reversed(list(enumerate(inverse.tolist())))}
        embed_missing(encoder, [first_text[r] for r in todo], todo, vectors, progress)
        if len(row_of) != len(todo_units):  # without repeated text the rows are the vectors: no second copy
            vectors = vectors[inverse]

        manifest = Manifest(
            model=model_name, dim=dim, chunking=CHUNKING, sources=records, backend=backend,
            counts={
                "files": sum(r.status == "indexed" for r in records.values()),
                "paragraphs": len(paragraphs),
                "sentences": sum(len(p.sentences) for p in paragraphs),
                "units": len(units),
            },
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            data=str(data_dir.resolve()) if loc.uri else _relative(data_dir, index_dir),
            store=loc.describe() | ({"host": socket.gethostname()} if loc.uri else {}),
        )
        if progress:
            progress("write", 0, 1)
        rows = [u[:4] for u in units]
        if loc.uri:
            from .keywords import tokenize
            from .milvus import write

            version = write(loc, paragraphs, np.asarray(rows, dtype=np.int64), keys, [tokenize(t) for t in texts], vectors, manifest, kept)
        else:
            version = write_version(index_dir, paragraphs, rows, keys, vectors, texts, manifest).name
        if progress:
            progress("write", 1, 1)
            progress("terms", 0, 1)
        # The library's terms, embedded now, so that the first English comparison does not wait for them (qa.terms).
        try:
            index_terms(published.load(loc, verify=False), model_name, encoder)
        except Exception as e:  # derived data: the index is published; the first English comparison tries again
            log.warning("the library's terms were not embedded (%s); an English comparison embeds them", e)
        if progress:
            progress("terms", 1, 1)
        return BuildReport(
            **manifest.counts, embedded=len(todo), model=model_name, seconds=time.perf_counter() - t0,
            sources=records, version=version, backend=backend,
        )
    finally:
        lock.release()
