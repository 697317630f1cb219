"""A document's title: which one it gets, and the titles users set.

A citation names a document by its title, so the title must be the one a
reader would cite. :func:`decide_title` is the one place that chooses it,
from what the readers found (``Document.meta["title"]``: the format's own
metadata; ``meta["title_line"]``: a line the format marks as the title), the
first line the splitter took as a title (:func:`qa.split.front_matter`), the
file's name, and the title a user set.

Titles users set are kept in a small sidecar file in the data folder,
``titles.json`` (``{"file relative to the data folder": "title"}``, UTF-8),
which a rebuild never writes over: :func:`set_title` changes it, atomically.
"""
from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath

from . import files
from .errors import SourceError
from .split import is_salutation

log = logging.getLogger(__name__)

#: The sidecar file of titles users set, in the data folder.
TITLES_FILE = "titles.json"
#: Where a title came from (``SourceRecord.meta["title_source"]``); "" when the document has none
#: (it is shown by its file name then, :meth:`qa.index.Manifest.title`).
TITLE_SOURCES = ("set", "metadata", "title line", "file name")
#: Longest title a user may set.
MAX_SET_TITLE_CHARS = 200
#: Longest title taken from metadata or a title line: a longer one is a paragraph, not a title.
MAX_STATED_TITLE_CHARS = 100

#: Titles that authoring tools write by themselves, and names of no document (case folded).
_JUNK = re.compile(
    r"^(?:untitled(?:\s*document)?|no\s*title|title|document\s*\d*|doc\d*|presentation\d*|powerpoint\s*presentation"
    r"|slide\s*\d*|word\s*document|microsoft\s*word\s*document|new\s*(?:microsoft\s*)?word\s*document|scan\w*|image\d*"
    r"|unknown|<unknown>|none|null|n/?a|default|temp|tmp|test|draft|copy|report|file"
    r"|无标题|無標題|未命名|标题|標題|文档\s*\d*|文檔\s*\d*|新建.*文档|新建.*文檔|新建文本文档|wps\s*文字|wps文档"
    r"|正文|封面|目录|目錄)$",
    re.IGNORECASE,
)
#: "Microsoft Word - 报告.docx" and the like: a tool's name before the file's.
_TOOL_PREFIX = re.compile(r"^(?:microsoft\s+(?:word|powerpoint|excel)|wps\s*文字|word|pdf)\s*[-–—:：]\s*", re.IGNORECASE)
#: A bare file name or path: ends with a document suffix, or has folders in it.
_FILE_NAME = re.compile(r"(?:\.(?:docx?|wps|pdf|txt|md|html?|rtf|odt|xlsx?|pptx?|tmp)$)|[\\/]", re.IGNORECASE)
#: Pieces of a file name that say nothing: digits, hashes, hex and ids (``000``, ``35bfb118311f446a``, ``v2``).
_NO_WORD = re.compile(
    r"^(?:\d+|(?=[0-9a-f]*\d)[0-9a-f]{6,}|(?=[0-9a-z]*\d)[0-9a-z]{12,}|v\d+|final|copy|draft|new|scan|img|doc|tmp)$", re.IGNORECASE
)


# ------------------------------------------------------------------ deciding

def decide_title(name: str, meta: dict, stated: str = "", chosen: str | None = None) -> tuple[str, str]:
    """The title of document ``name`` and where it came from (one of :data:`TITLE_SOURCES`, or "").

    In order of preference:

    1. ``chosen``, the title a user set (``titles.json``): it wins over everything, since
       someone looked at the document and said so ("set").
    2. The format's own metadata (``meta["title"]``: PDF Title, Word's core properties,
       a web page's ``<title>``), unless it is junk an authoring tool wrote by itself
       ("untitled", 「Microsoft Word - x.docx」, a file name; :func:`is_junk_title`) ("metadata").
    3. A line the format marks as the title (``meta["title_line"]``: Word's "Title" style,
       a web page's first ``h1``, a PDF's first line in clearly larger type than the body);
       in text and Markdown, which have no other way to say it, the first line
       (``stated``, :func:`qa.split.front_matter`) ("title line").
    4. The file name, when it reads as a title (「2024年××市政府工作报告.pdf」, not
       「000_35bfb118311f446a.txt」; :func:`file_title`) ("file name"): governments publish
       reports as PDFs that open with 「各位代表：」 and state no title, under a name that is one.
    5. In Word, PDF and web pages, the first short line (``stated``) ("title line"): only
       now, since there the first paragraph is as often a date or a salutation as a title.
    6. None: "" (the document is then shown by its file name).

    A title from 2 to 5 that the file name holds as a fuller form (the document says
    「政府工作报告」 or 「2025年政府工作报告」, the file is 「2025年浙江省政府工作报告.docx」:
    its characters appear in the file name in order, with more around them) gives way to
    the file name's: in a library of reports a generic title names none of them.

    Args:
        name: The file, relative to the data folder.
        meta: What its reader found: ``format``, ``title``, ``title_line``.
        stated: The first line the splitter took as the title ("" if none).
        chosen: The title a user set, if any.
    """
    if chosen and chosen.strip():
        return _clean(chosen), "set"
    plain = meta.get("format", "text") in ("text", "markdown")
    from_file = file_title(name)
    candidates = [
        (meta.get("title") or "", "metadata"),
        (meta.get("title_line") or "", "title line"),
        (stated if plain else "", "title line"),
        (from_file, "file name"),
        ("" if plain else stated, "title line"),
    ]
    for text, source in candidates:
        text = _clean(str(text))
        if source == "metadata" and is_junk_title(text, name):
            continue
        if source != "file name" and (not text or len(text) > MAX_STATED_TITLE_CHARS or is_salutation(text)):
            continue
        if not text:
            continue
        if source != "file name" and from_file and _fuller(from_file, text):
            return from_file, "file name"
        if source == "file name" and stated and _key(stated) == _key(text) and not is_salutation(stated):
            return _clean(stated), "title line"  # the document says it too (the first line of a Word file)
        return text, source
    return "", ""


def _clean(text: str) -> str:
    """A title on one line: runs of spaces and line breaks as one space, no NULs, trimmed."""
    return " ".join(text.replace("\x00", " ").split()).strip(" \u3000\ufeff#")


def _fuller(longer: str, title: str) -> bool:
    """Whether ``longer`` holds all of ``title``'s characters, in order, and more: a fuller form of it."""
    a, b = _key(longer), _key(title)
    if len(a) <= len(b) or len(b) < 2:
        return False
    it = iter(a)
    return all(ch in it for ch in b)


def _key(text: str) -> str:
    """Text compared without width, case, spaces and punctuation (《》, quotes)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def is_junk_title(title: str, name: str = "") -> bool:
    """Whether a metadata title says nothing of the document: empty, what a tool writes by itself
    ("untitled", 「新建 Microsoft Word 文档」, 「Microsoft Word - 报告.docx」), a bare file name or path,
    a salutation, or no letters at all."""
    title = _clean(title)
    if not title or _TOOL_PREFIX.match(title) or _FILE_NAME.search(title) or _JUNK.match(title) or is_salutation(title):
        return True
    if name and _key(title) in (_key(PurePosixPath(name).name), ""):
        return True
    letters = [ch for ch in title if ch.isalpha()]
    if not letters:
        return True
    words = [w for w in re.split(r"[\s_\-.]+", title) if w]
    return all(_NO_WORD.match(w) for w in words)  # 「35bfb118311f446a」, 「000_123」


def file_title(name: str) -> str:
    """The title a file's name reads as (「2024年××市政府工作报告.pdf」 → 2024年××市政府工作报告), or "".

    Underscores read as spaces (an upload's spaces become underscores). A name of digits,
    hashes and ids (「000_35bfb118311f446a」), or of a tool's default (「新建 Microsoft Word 文档」,
    「Document1」), reads as no title; nor does one without a Chinese character or two Latin words.
    """
    stem = _clean(PurePosixPath(name).stem.replace("_", " "))
    if not stem or _JUNK.match(stem) or is_salutation(stem):
        return ""
    words = [w for w in re.split(r"[\s.\-–—]+", stem) if w and not _NO_WORD.match(w)]
    if not words:
        return ""
    han = sum(1 for ch in stem if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    latin_words = sum(1 for w in words if re.fullmatch(r"[A-Za-z][A-Za-z'’]+", w))
    return stem if han >= 2 or latin_words >= 2 else ""


# ------------------------------------------------------------------ the titles users set

def titles_path(data_dir: str | os.PathLike) -> Path:
    """The sidecar file of a data folder."""
    return Path(data_dir) / TITLES_FILE


def read_titles(data_dir: str | os.PathLike) -> dict[str, str]:
    """The titles users set, by file relative to the data folder; empty when there is no ``titles.json``.

    Raises:
        SourceError: the file cannot be read, is not JSON, or is not an object of file names
            to titles (texts); the message names it. It is left as it is.
    """
    path = titles_path(data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise SourceError(f"{path}: cannot be read ({e.strerror or e}); fix its permissions or remove it") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text; save it as UTF-8 (it maps file names to titles)") from None
    except ValueError as e:
        raise SourceError(
            f"{path}: not valid JSON ({e}); fix it, e.g. {{\"report.pdf\": \"2024年某市政府工作报告\"}}, or remove it"
        ) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise SourceError(
            f"{path}: must be one JSON object of file names to titles, both text, "
            "e.g. {\"report.pdf\": \"2024年某市政府工作报告\"}; fix it or remove it"
        )
    return {k: _clean(v) for k, v in data.items() if _clean(v)}


def titles_for(data_dir: str | os.PathLike, present: set[str] | list[str]) -> dict[str, str]:
    """The titles users set for the files in ``present``; an entry naming no such file is ignored, with a warning.

    Raises:
        SourceError: ``titles.json`` is malformed (:func:`read_titles`).
    """
    titles = read_titles(data_dir)
    present = set(present)
    for name in sorted(set(titles) - present):
        log.warning("%s: %s is not a file of the data folder; its title is ignored", titles_path(data_dir), name)
    return {k: v for k, v in titles.items() if k in present}


def _write(data_dir: str | os.PathLike, titles: dict[str, str]) -> None:
    """Write (or, when empty, remove) ``titles.json`` at once: readers see the old file or the new one."""
    path = titles_path(data_dir)
    if not titles:
        path.unlink(missing_ok=True)
        return
    body = json.dumps(dict(sorted(titles.items())), ensure_ascii=False, indent=1) + "\n"
    files.replace_atomic(path, body.encode("utf-8"))


def set_title(file: str, title: str | None, data_dir: str | os.PathLike = "data") -> None:
    """Set the title of ``file`` (relative to the data folder), or with None or "" go back to its own.

    Only ``titles.json`` is written; a rebuild applies it (:func:`qa.build.build_index`).

    Raises:
        SourceError: no such file in the data folder, a title over :data:`MAX_SET_TITLE_CHARS`,
            or a malformed ``titles.json`` (left as it is).
    """
    data_dir = Path(data_dir)
    titles = read_titles(data_dir)  # a malformed file is refused here, never written over
    title = _clean(title or "")
    if title:
        if not (data_dir / file).is_file() or PurePosixPath(file).name.startswith(".") or ".." in PurePosixPath(file).parts:
            raise SourceError(f"{file} is not a file of the library in {data_dir}/; `qa ls` lists them")
        if len(title) > MAX_SET_TITLE_CHARS:
            raise SourceError(f"a title has at most {MAX_SET_TITLE_CHARS} characters; this one has {len(title)}")
        titles[file] = title
    elif titles.pop(file, None) is None:
        return
    _write(data_dir, titles)


def drop_title(file: str, data_dir: str | os.PathLike = "data") -> str | None:
    """Forget the title set for ``file`` (a removed document); returns it, or None if there was none.

    A malformed ``titles.json`` is left as it is (a warning says so).
    """
    try:
        titles = read_titles(data_dir)
    except SourceError as e:
        log.warning("%s", e)
        return None
    old = titles.pop(file, None)
    if old is not None:
        _write(data_dir, titles)
    return old


def current_title(file: str, data_dir: str | os.PathLike = "data", index_dir=None) -> tuple[str, str]:
    """The title document ``file`` has, and where it came from (``qa title FILE``).

    The index's (``title_source``: "set", "metadata", "title line", "file name"; for a document
    titled by none of them, its file name, "none stated"), unless ``titles.json`` sets another
    that no build has applied yet ("set, not yet built").

    Args:
        file: The file, relative to the data folder.
        data_dir: The data folder.
        index_dir: The index folder or :class:`qa.store.Location`; None for ``index``.

    Raises:
        SourceError: ``titles.json`` is malformed.
    """
    from . import published

    chosen = read_titles(data_dir).get(file)
    manifest = published.manifest("index" if index_dir is None else index_dir)
    rec = manifest.sources.get(file) if manifest else None
    if rec is None or rec.status != "indexed":
        return (chosen, "set, not yet built") if chosen else ("", "not indexed yet")
    source = rec.meta.get("title_source")
    if chosen is not None and (source != "set" or chosen != rec.title):
        return chosen, "set, not yet built"
    if chosen is None and source == "set":
        return manifest.title(file), "set before; its own once rebuilt"
    return manifest.title(file), source or ("file name (none stated)" if source == "" else "as indexed before titles were decided")

