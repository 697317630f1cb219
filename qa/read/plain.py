"""Plain text and Markdown: decoded and cleaned whole, a block per line.

Text sources are mostly scraped pages saved as text: they come in several
encodings and with debris around the content (a byline, an editor's credit,
pinyin glosses). :func:`read_text` decodes them and :func:`clean` moves the
byline and footer into metadata. Markdown is read the same way.

Decoding and gloss removal stay in :mod:`qa.text`, since web pages are
decoded the same way and glosses are stripped from every format's blocks;
what builds a :class:`Document` from text lives here, with the readers.
"""
from __future__ import annotations

import re

from ..errors import SourceError
from ..text import decode, strip_glosses
from .document import MAX_TEXT_LINES, Document

# Footer and byline patterns (metadata, not content).
_EDITOR = re.compile(r"^\s*[(（]?\s*(責任編輯|责任编辑|編輯|编辑|來源|来源)\s*[/／:：]\s*(.*?)\s*[)）]?\s*$")
_AUTHOR_NOTE = re.compile(r"[(（]\s*(作者系[^()（）]*?|作者為[^()（）]*?|作者为[^()（）]*?)\s*[)）]\s*[■□]?\s*$")
_END_MARK = re.compile(r"\s*[■□]\s*$")
_BYLINE = re.compile(r"[\u4e00-\u9fff]{2,4}")
_LINE = re.compile(r"^[^\S\n]*\S", re.MULTILINE)  # a line with text on it
_NOT_NAMES = frozenset("前言 引言 序言 總則 总则 概述 目錄 目录 摘要 附則 附则 說明 说明 正文 全文".split())


def read_text(data: bytes, name: str) -> Document:
    """Decode and clean a text or Markdown file; ``meta`` names its encoding.

    Raises:
        SourceError: empty, binary, in no supported encoding, or of more lines than
            :data:`~qa.read.document.MAX_TEXT_LINES`.
    """
    text, encoding = decode(data, name)
    # Counted before the lines become blocks: making them is what many short lines cost (MAX_TEXT_LINES).
    lines = sum(1 for _ in _LINE.finditer(text.replace("\r", "\n")))
    if lines > MAX_TEXT_LINES:
        raise SourceError(f"{name}: {lines:,} lines of text, over the {MAX_TEXT_LINES:,} limit per file; split it into smaller files")
    doc = clean(text, name)
    doc.meta["encoding"] = encoding
    return doc


def clean(raw: str, source: str = "") -> Document:
    """Clean scraped text: glosses out, byline and footer into metadata (an author note closing the text
    into both: it is the source's own sentence on who wrote it).

    Args:
        raw: Decoded text.
        source: The document's name.

    Returns:
        The cleaned document. Content characters are kept as they are.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    # Lone surrogates and other unencodable debris would break JSON output.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text, removed = strip_glosses(text)

    meta: dict = {}
    lines = [ln.strip() for ln in text.split("\n")]
    # Byline: a first line that is just a name (2-4 Han characters) above a
    # real paragraph; a short title such as 前言 stays.
    first = next((i for i, ln in enumerate(lines) if ln), None)
    if first is not None and _BYLINE.fullmatch(lines[first]) and lines[first] not in _NOT_NAMES:
        if any(len(ln) >= 50 for ln in lines[first + 1 :]):
            meta["byline"] = lines[first]
            lines[first] = ""
    # Footer: editor credits at the end, an author note closing the last paragraph.
    while lines and not lines[-1]:
        lines.pop()
    while lines and (m := _EDITOR.match(lines[-1])):
        meta["editor"] = m.group(2)
        lines.pop()
        while lines and not lines[-1]:
            lines.pop()
    if lines:
        # The author note stays quotable too: readers ask who wrote a plan (「作者担任什么职务？」).
        if m := _AUTHOR_NOTE.search(lines[-1]):
            meta["author_note"] = m.group(1).strip()
        lines[-1] = _END_MARK.sub("", lines[-1])
    return Document.from_text(source, "\n".join(lines).strip("\n"), meta=meta, glosses_removed=removed)
