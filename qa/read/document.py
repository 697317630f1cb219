"""The readers' contract: the blocks every reader gives, and the document.

A reader turns a file into :class:`Block` objects, one per paragraph, with
the formatting that hints at structure; :func:`qa.read.parse_source` wraps
them, cleaned, in a :class:`Document`, which the splitter (:mod:`qa.split`)
takes from there.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Indentation typed at a paragraph's start: ideographic spaces (U+3000),
# ASCII and no-break spaces, tabs. Readers trim it; nothing inside is touched.
INDENT = " \t\u3000\u00a0\u2002\u2003\ufeff"

# What one file may become, in every format (a 62 kB .docx can hold 6.7 MB of text).
#: Characters of text per file: what the 5 MB cap on a .txt file lets in at most (ASCII).
#: The longest real document, Sichuan's report, has 27,822.
MAX_CHARS = 5 * 2**20
#: Paragraphs per file: 5 MB of text in paragraphs of 100 characters, half the real mean (205
#: in Sichuan's report). The most in a real document is 162.
MAX_PARAGRAPHS = 50_000
#: Non-empty lines per text or Markdown file, whose lines only become paragraphs in :mod:`qa.split`:
#: 5 MB of one-letter lines (2.6 million) took 189 s and 514 MB to outline, 1.3 million of one Chinese
#: character 11 s and 609 MB. A real text hard-wrapped at 40 characters holds 43,000 lines in 5 MB.
MAX_TEXT_LINES = 100_000
#: Table cells per file, counted on the layout grid (``<w:gridSpan w:val="50000000"/>`` is one cell
#: 50 million times to python-docx: a 37 kB file took 492 MB; refused, 33 MB). No real Word file has a table.
MAX_TABLE_CELLS = 50_000


@dataclass
class Block:
    """A paragraph (or, in plain text, a line) as a reader found it.

    Attributes:
        text: Its text, verbatim after cleaning.
        page: The page it starts on (PDF), else None.
        heading: Its heading level, where the format says so (Word heading
            styles and outline levels, HTML ``h1``-``h6``), else None.
        bold: The whole paragraph is bold (a heading, in many Word files).
        lead: Bold text opening the paragraph that runs on in normal weight
            (a lead phrase naming the paragraph), else "".
    """

    text: str
    page: int | None = None
    heading: int | None = None
    bold: bool = False
    lead: str = ""


@dataclass
class Document:
    """A cleaned source document.

    Attributes:
        source: Path relative to the data folder, with ``/`` separators.
        blocks: Its paragraphs (or lines) in order; blank lines are empty blocks.
        meta: Format, encoding, byline, author note, editor, pages.
        glosses_removed: Number of pinyin glosses removed while cleaning.
    """

    source: str
    blocks: list[Block]
    meta: dict = field(default_factory=dict)
    glosses_removed: int = 0

    @property
    def text(self) -> str:
        """The cleaned content, a block a line."""
        return "\n".join(b.text for b in self.blocks)

    @classmethod
    def from_text(cls, source: str, text: str, **kw) -> "Document":
        """A document of plain text, a block per line."""
        return cls(source, [Block(line) for line in text.split("\n")], **kw)
