"""Stage 1: read source files of every type: text, Word, PDF and HTML.

:func:`read_source` is the entry: it checks the file's type and size, then
hands the bytes to the reader of its format, a module each (as docling has a
backend and Haystack a converter per format):

- :mod:`.plain`: text and Markdown, decoded and cleaned whole;
- :mod:`.word`: Word (.docx);
- :mod:`.webpage`: saved web pages (.html);
- :mod:`.pdf`: PDF text layers, and scanned pages by OCR where installed.

The readers of Word, PDF and HTML turn one file's bytes into :class:`Block`
objects (:mod:`.document`), one per paragraph (or table row), in reading
order. The text is the source's own characters: Word and HTML text is taken
as it is, only indentation at the start is trimmed; PDF text is repaired
(lines re-joined, running headers and page numbers dropped) because a PDF
stores lines, not paragraphs.

Formatting that hints at structure is kept beside the text (heading level,
bold, a bold lead phrase) so that the splitter can find sections without
guessing from the words alone.

A build and an upload call :func:`.worker.read_isolated`: the same
reading in a worker process bounded in memory and time, so that a reader that
runs away on a hostile file costs its worker, not the build or the server.

Heavy libraries (python-docx, pypdfium2, trafilatura, rapidocr) are imported
inside the functions, so that importing this package stays cheap and a missing
optional package only matters for the format that needs it.
"""
from __future__ import annotations

import logging
from pathlib import Path

from ..errors import SourceError
from ..text import strip_glosses
from .document import MAX_CHARS, MAX_PARAGRAPHS, MAX_TABLE_CELLS, MAX_TEXT_LINES, Block, Document
from .pdf import page_count, read_pdf
from .pdf.ocr import ocr_available, ocr_pages
from .plain import read_text
from .webpage import decode_html, read_html
from .word import read_docx

__all__ = [
    "FORMATS", "MAX_BYTES", "MAX_CHARS", "MAX_FILE_BYTES", "MAX_PARAGRAPHS", "MAX_TABLE_CELLS", "MAX_TEXT_LINES", "READERS", "SUFFIXES",
    "check_extent", "check_size", "decode_html", "ocr_available", "ocr_pages", "parse_source", "read_blocks",
    "read_docx", "read_html", "read_pdf", "read_source",
]

log = logging.getLogger(__name__)


#: Largest source file accepted, in bytes, by suffix: a PDF or Word file
#: carries layout and images, so it may be larger than the text it holds.
MAX_BYTES = {
    ".txt": 5 * 2**20,
    ".md": 5 * 2**20,
    ".html": 10 * 2**20,
    ".htm": 10 * 2**20,
    ".docx": 30 * 2**20,
    ".pdf": 50 * 2**20,
}
#: Suffixes read from the data folder.
SUFFIXES = tuple(MAX_BYTES)
#: The largest of them (an upload's first bound).
MAX_FILE_BYTES = max(MAX_BYTES.values())
#: Formats by suffix, as shown to users.
FORMATS = {".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}


# Each reader puts what the file says its title is in ``meta`` (``title``: the format's
# metadata; ``title_line``: a line it marks as the title); qa.titles.decide_title chooses.

def _read_docx(data: bytes, name: str, ocr: bool) -> tuple[list[Block], dict]:
    meta: dict = {}
    return read_docx(data, name, meta), meta


def _read_html(data: bytes, name: str, ocr: bool) -> tuple[list[Block], dict]:
    meta: dict = {}
    return read_html(data, name, meta), meta


def _read_pdf(data: bytes, name: str, ocr: bool) -> tuple[list[Block], dict]:
    # Here, not in .pdf: the meta and the warning are read_blocks' (logger
    # "qa.read"), and tests switch OCR off by patching qa.read.ocr_available.
    meta: dict = {}
    installed = ocr_available()
    blocks, empty = read_pdf(data, name, ocr=ocr and installed, later=installed and not ocr, meta=meta)
    meta["pages"] = page_count(data)
    if empty:
        meta["pages_without_text"] = empty
        if ocr and installed:
            meta["ocr_pages"] = empty
        elif not installed:
            log.warning(
                "%s: pages %s have no text layer and were left out; install qa-plan[ocr] to read them by OCR",
                name, ", ".join(map(str, empty)),
            )
    return blocks, meta


#: The reader of each suffix read into blocks: ``(data, name, ocr) -> (blocks, meta)``.
#: Text and Markdown are not among them: they are read whole (:func:`read_text`).
READERS = {".docx": _read_docx, ".html": _read_html, ".htm": _read_html, ".pdf": _read_pdf}


def read_source(path: Path, root: Path) -> Document:
    """Read, decode and clean one source file.

    Args:
        path: The file.
        root: The data folder; ``Document.source`` is relative to it.

    Raises:
        SourceError: the file cannot be indexed; the message names it.
    """
    name = path.relative_to(root).as_posix()
    check_size(path.stat().st_size, name)  # before reading it all
    return parse_source(path.read_bytes(), name)


def check_size(size: int, name: str) -> None:
    """Raise :class:`SourceError` if a file of ``size`` bytes is over its type's limit (or of no known type)."""
    suffix = Path(name).suffix.lower()
    if suffix not in MAX_BYTES:
        raise SourceError(f"{name}: only {', '.join(SUFFIXES)} files can be indexed")
    limit = MAX_BYTES[suffix]
    if size > limit:
        raise SourceError(f"{name}: {size / 1e6:.1f} MB is over the {limit // 2**20} MB limit for {suffix} files; split it")


def parse_source(data: bytes, name: str, *, ocr: bool = True) -> Document:
    """Read and clean the bytes of a source file called ``name``, by its suffix.

    Every file is read in isolation: whatever a reader raises on a file it cannot
    read (python-docx on a table merged from above, pdfium on a lying page count,
    memory) is that file's :class:`SourceError`,
    so one bad document is skipped and never stops a build or an upload.

    Args:
        data: The file's bytes.
        name: Its name in the data folder; its suffix picks the reader.
        ocr: Read a PDF's scanned pages by OCR (a build). Off, their number is
            only checked, and a PDF of scans only raises :class:`~qa.errors.ScanOnly`
            (an upload's check: OCR runs in the rebuild).

    Raises:
        SourceError: binary, undecodable, broken, encrypted, of an unknown
            type, unreadable, or nothing left after cleaning; the message names the file.
    """
    try:
        return _parse(data, name, ocr)
    except SourceError:
        raise
    except MemoryError:
        raise SourceError(f"{name}: reading it takes more memory than one file may; split it or save it again") from None
    except Exception as e:  # noqa: BLE001 - a reader's own error on a bad file, whatever its kind
        log.debug("%s could not be read", name, exc_info=True)  # the reason is shown; the traceback only with -v
        raise SourceError(
            f"{name}: cannot be read ({type(e).__name__}: {str(e)[:200]}); "
            "open it and save it again (or as another format), then rebuild"
        ) from None


def _parse(data: bytes, name: str, ocr: bool) -> Document:
    suffix = Path(name).suffix.lower()
    check_size(len(data), name)
    if FORMATS[suffix] in ("text", "markdown"):
        doc = read_text(data, name)
    else:
        blocks, meta = read_blocks(data, name, ocr=ocr)
        removed = 0
        for b in blocks:
            b.text, n = strip_glosses(b.text)
            b.lead, _ = strip_glosses(b.lead)
            removed += n
        doc = Document(name, [b for b in blocks if b.text.strip()], meta, removed)
    check_extent(doc, blocks_are_paragraphs=FORMATS[suffix] not in ("text", "markdown"))
    if not doc.text.strip():
        raise SourceError(f"{name}: no text left after cleaning")
    doc.meta["format"] = FORMATS[suffix]
    return doc


def check_extent(doc: Document, blocks_are_paragraphs: bool = True) -> None:
    """Raise :class:`SourceError` if a document holds more characters or paragraphs than one file may.

    A text file's blocks are its lines, joined into paragraphs only by :mod:`qa.split`: its reader holds them to
    :data:`~qa.read.document.MAX_TEXT_LINES` instead (:func:`qa.read.plain.read_text`).
    """
    chars = sum(len(b.text) for b in doc.blocks)
    if chars > MAX_CHARS:
        raise SourceError(
            f"{doc.source}: {chars:,} characters of text, over the {MAX_CHARS:,} limit per file; split it into smaller files"
        )
    if not blocks_are_paragraphs:
        return
    paragraphs = sum(1 for b in doc.blocks if b.text.strip())
    if paragraphs > MAX_PARAGRAPHS:
        raise SourceError(
            f"{doc.source}: {paragraphs:,} paragraphs, over the {MAX_PARAGRAPHS:,} limit per file; "
            "split it into smaller files"
        )


def read_blocks(data: bytes, name: str, *, ocr: bool = True) -> tuple[list[Block], dict]:
    """Read a Word, PDF or HTML file, by its suffix, into blocks and what is known of it.

    A PDF's pages without a text layer are read by OCR where the optional
    ``qa-plan[ocr]`` extra is installed; otherwise a warning names the file
    and the pages, and they are left out.

    Returns:
        ``(blocks, meta)``; ``meta`` has ``pages`` for a PDF, with
        ``pages_without_text`` and ``ocr_pages`` where some had none, and
        ``title`` (the format's metadata) and ``title_line`` (a line marked as
        the title) where the file says so.

    Raises:
        SourceError: broken, encrypted or empty; the message names the file.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in READERS:
        raise SourceError(f"{name}: no reader for {suffix} files")
    return READERS[suffix](data, name, ocr)
