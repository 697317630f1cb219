"""The chat service behind the web page: answers, uploads and background rebuilds.

It holds the index in memory and answers from it; a rebuild runs in a
background thread and swaps the new index in only once it has loaded and
verified, so questions are answered throughout and a failed build keeps the
last good index. Nothing here knows about Gradio.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from . import files
from .answer import Answer, Hit, Retriever
from .build import build_index, index_status
from .embed import name_of
from .errors import QAError, QueryError, ScanOnly, SourceError, UploadError
from .index import Manifest
from .library import DocumentInfo, list_documents, remove_document
from .progress import BuildState, Progress
from .read import SUFFIXES, check_size
from .read.worker import read_isolated
from .startup import ensure_index
from .store import Location, as_location
from .view import SourceView, source_view

if TYPE_CHECKING:
    from .compare import Comparison
    from .embed import Encoder

log = logging.getLogger(__name__)

#: Quotes per reply unless the user picks another number.
DEFAULT_K = 3
#: Seconds between two looks at the version published in Milvus (a look is one small read).
FOLLOW_SECONDS = 2.0

_UNSAFE = re.compile(r"[^\w\-.]+")  # \w is Unicode-aware: Chinese names stay readable


def safe_name(name: str) -> str:
    """A plain file name for ``name``: no folders, no hidden files, only indexable suffixes.

    Raises:
        UploadError: the extension is not allowed or nothing usable is left.
    """
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUFFIXES:
        raise UploadError(f"{name}: only {', '.join(SUFFIXES)} files can be indexed")
    stem = _UNSAFE.sub("_", stem).strip("._-")[:100]
    if not stem:
        raise UploadError(f"{name}: not a usable file name; rename it")
    return stem + suffix


class ChatService:
    """The index in memory, questions answered from it, and rebuilds.

    Args:
        data_dir: Folder of source texts; uploads are saved here.
        index_dir: Index folder, or a :class:`qa.store.Location` in Milvus (kept as :attr:`location`;
            :attr:`index_dir` is its folder).
        model: Model name, path or loaded model; None uses the index's model
            (or the default when there is no index yet).
        backend: ``"onnx"`` or ``"torch"``; None uses the index's (ONNX for a new one).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike = "data",
        index_dir: "str | os.PathLike | Location" = "index",
        model: "str | Encoder | None" = None,
        backend: str | None = None,
    ):
        self.data_dir = Path(data_dir)
        #: Where the index is (:class:`qa.store.Location`): its folder, and its Milvus if it has one.
        self.location = as_location(index_dir)
        self.index_dir = self.location.folder
        self._model = model
        self._backend = backend
        self.retriever: Retriever | None = None
        self.state = BuildState()
        self._lock = threading.Lock()  # guards the build thread
        self._thread: threading.Thread | None = None
        self._checked = 0.0  # when the published version in Milvus was last looked at
        self._reloading = threading.Lock()

    # -- startup

    def start(self, progress: Progress | None = None) -> str:
        """Build the index if it needs it, then load it, as :func:`qa.startup.ensure_index` decides.

        Returns:
            What was done, for the console.
        """
        retriever, summary = ensure_index(self.data_dir, self.location, self._model, self._backend, progress=progress)
        self._use(retriever)
        return summary

    def _use(self, retriever: Retriever) -> None:
        """Answer from ``retriever`` from now on; its English dictionary and what chance reaches in it
        (:meth:`Retriever.chance`) are measured meanwhile, in the background, so that the first
        questions do not wait for them (about 6 s in a library of 30 documents)."""
        self.retriever = retriever

        def warm() -> None:
            try:
                for group in ("zh", "other"):
                    retriever.chance(group)  # "other" embeds English probes with their Chinese words: the dictionary too
            except QAError as e:  # a Milvus gone meanwhile: the first question measures it again, and says why
                log.warning("could not measure chance in the background: %s", e)

        threading.Thread(target=warm, daemon=True).start()

    # -- questions

    def answer(
        self, question: str, k: int = DEFAULT_K, sources: list[str] | None = None, history: list[str] | None = None
    ) -> Answer:
        """Answer from the retriever in memory (the old one while a rebuild runs).

        Args:
            question: The question.
            k: Quotes, at most.
            sources: Only these documents (file names or titles); None or empty for all.
            history: The conversation's earlier questions, oldest first.

        Raises:
            QueryError: empty or over-long question, ``k`` out of range, a source
                that names no document, or no index to answer from.
        """
        return self._retriever().answer(question, k=k, sources=list(sources) if sources else None, history=history)

    def compare(
        self, question: str, sources: list[str] | None = None, history: list[str] | None = None, order: str = "library"
    ) -> "Comparison":
        """Ask every document (or those of ``sources``) the question, from the retriever in memory
        (:meth:`qa.answer.Retriever.compare`): one row per document.

        Args:
            question: The question.
            sources: Only these documents (file names or titles); None or empty for all.
            history: The earlier questions of the comparison, oldest first: a follow-up compares again.
            order: ``"library"`` or ``"score"``.

        Raises:
            QueryError: empty or over-long question, a source that names no document, or no index to answer from.
        """
        return self._retriever().compare(question, sources=list(sources) if sources else None, history=history, order=order)

    def _retriever(self) -> Retriever:
        """The retriever in memory, read once (a swap mid-question cannot mix indexes).

        Raises:
            QueryError: no index to answer from.
        """
        retriever = self.retriever
        if retriever is None:
            if self.state.running:
                raise QueryError("the index is being built; try again in a moment")
            raise QueryError("the library is empty; add documents in the Index tab")
        return self._follow(retriever)

    def _follow(self, retriever: Retriever) -> Retriever:
        """The retriever of the version published now: a server that shares its Milvus with others loads a
        build another one committed (checked at most every :data:`FOLLOW_SECONDS`, one reload at a time)."""
        store = retriever.index.store
        now = time.monotonic()
        if store.kind != "milvus" or self.state.running or now - self._checked < FOLLOW_SECONDS:
            return retriever
        self._checked = now
        if store.current() in (None, store.version) or not self._reloading.acquire(blocking=False):
            return retriever
        try:
            fresh = Retriever(self.location, retriever.model, backend=self._backend)
            self._use(fresh)
            return fresh
        finally:
            self._reloading.release()

    def sources_named(self, names: list[str]) -> list[str]:
        """The indexed files that ``names`` (file names, titles or parts of them) pick.

        Raises:
            QueryError: a name that picks no document, or no index.
        """
        return self._retriever().sources_named(names) or []

    def source_view(self, ref: str) -> SourceView:
        """What a card's "查看原文 View" shows (:func:`qa.view.source_view`) for ``ref`` (:func:`qa.view.view_ref`).

        Raises:
            SourceUnavailable: the reference names nothing in the index served, or its file is gone or changed.
        """
        return source_view(self._retriever(), self.data_dir, ref)

    def documents(self) -> list[DocumentInfo]:
        """The library's files, with what the index holds of each (:func:`qa.library.list_documents`)."""
        return list_documents(self.data_dir, self.location)

    def expand(self, hit: Hit) -> tuple[list[str], list[str]]:
        """The texts of the paragraphs around ``hit`` and of its whole section, for a card to open to."""
        retriever = self.retriever
        try:
            around, section = retriever.neighbours(hit), retriever.section(hit)
        except (KeyError, AttributeError):  # answered from an index that has since been replaced
            return [], []
        if len(section) == 1 and not any(hit.cut):  # the section is the quote itself
            section = []
        return [p.text for p in around], [p.text for p in section]

    # -- index

    def manifest(self) -> Manifest | None:
        """The manifest of the index being served."""
        return self.retriever.index.manifest if self.retriever else None

    def version(self) -> str:
        """The name of the index version being served."""
        return self.retriever.index.path.name if self.retriever else ""

    def save_upload(self, path: str | os.PathLike, name: str | None = None, *, replace: bool = False) -> str:
        """Check an uploaded file and save it into the data folder.

        A file of the same name in the library is never overwritten unless ``replace``; of two
        uploads of one name at once, one is saved and the other refused.

        Args:
            path: Where the upload is now (Gradio's cache).
            name: The name the user gave it; defaults to ``path``'s name.
            replace: Replace a file of the same name.

        Returns:
            The name it was saved under.

        Raises:
            UploadError: bad name or extension, too large, empty, binary,
                in no supported encoding, unreadable, or its name taken (without ``replace``).
        """
        path = Path(path)
        target = safe_name(name or path.name)
        try:
            check_size(path.stat().st_size, target)
            # The checks a build makes, in a worker, before the file is kept; OCR is left to the rebuild.
            read_isolated(path, target, ocr=False)
        except ScanOnly:
            pass  # OCR is installed (else it is "needs OCR") and the pages are within its bound
        except SourceError as e:
            raise UploadError(str(e)) from None
        data = path.read_bytes()
        dest = (self.data_dir / target).resolve()
        if dest.parent != self.data_dir.resolve():  # belt and braces against traversal
            raise UploadError(f"{name}: not a usable file name; rename it")
        # Written under a hidden name first: the build never reads half a file.
        if replace:
            files.replace_atomic(dest, data)
            return target
        try:
            files.create_atomic(dest, data)
        except FileExistsError:
            raise UploadError(
                f"{target} is already in the library; choose 「替换同名并重建 Upload, replacing same names」 to replace it, or rename the file"
            ) from None
        return target

    def rebuild(self, *, refresh: tuple[str, ...] = (), remove: str | None = None) -> threading.Thread:
        """Start a rebuild in a background thread, or return the one running.

        Args:
            refresh: Files to read and embed anew.
            remove: A file to delete from the data folder and the index
                (:func:`qa.library.remove_document`) instead.
        """
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self._thread
            self.state = BuildState(running=True, stage="start", message="Rebuilding…")
            self._thread = threading.Thread(
                target=self._rebuild, args=(self.state, tuple(refresh), remove), name="qa-rebuild", daemon=True
            )
            self._thread.start()
            return self._thread

    def set_title(self, file: str, title: str | None) -> threading.Thread:
        """Set the title of document ``file`` (file name, title or a unique part of one), or with None or ""
        go back to its own, in the data folder's ``titles.json`` (:func:`qa.titles.set_title`); then start a
        rebuild that applies it (:meth:`rebuild`; a rebuild running already builds again until current).

        Raises:
            SourceError: no such document (or a name that picks several), a title too long, or a
                malformed ``titles.json`` (left as it is); nothing is written then.
        """
        from .library import find_document
        from .titles import set_title

        rel, _ = find_document(file, self.data_dir, self.location)
        set_title(rel, title, self.data_dir)
        return self.rebuild()

    def _rebuild(self, state: BuildState, refresh: tuple[str, ...], remove: str | None) -> None:
        model = self.retriever.model if self.retriever else self._model  # already loaded: no second copy
        name = name_of(model)
        try:
            if remove is not None:
                report = remove_document(remove, self.data_dir, self.location, model, backend=self._backend, progress=state)
                if report is None:  # nothing left to index
                    self.retriever = None
                    state.message, state.error = f"Removed {remove}; the library is empty.", ""
                    return
                changed, prefix = True, f"Removed {remove}. "
            else:
                # A file saved while a build reads the folder would be missed: build again until current.
                changed, prefix = False, ""
                for _ in range(3):
                    report = build_index(self.data_dir, self.location, model, backend=self._backend, refresh=refresh, progress=state)
                    changed |= not report.up_to_date
                    refresh = ()
                    if index_status(self.data_dir, self.location, name) == "ok":
                        break
            if changed or self.retriever is None:
                self._use(Retriever(self.location, model, backend=self._backend))  # verified before it replaces the old one
            message = prefix + report.summary()
            if report.skipped:
                message += "\n\nSkipped:\n" + "\n".join(f"- {why}" for why in report.skipped.values())
            state.message, state.error = message, ""
        except Exception as e:  # any failure: keep answering from the last good index
            log.exception("rebuild failed")
            state.error = f"The rebuild failed, still serving the previous index: {e}"
            state.message = ""
        finally:
            state.running = False
