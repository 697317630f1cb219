"""Saved web pages (.html): the article's text, by trafilatura.

Pages are decoded by the charset they declare where it fits the bytes, the
article is taken out of the page by trafilatura, and headings it drops are
put back; when it finds nothing, every block element of the body is read.
Before that, ``<noscript>`` text goes and nesting too deep to parse is
flattened; a page of nothing but links is refused.
"""
from __future__ import annotations

import re

from ..errors import SourceError
from .document import INDENT, Block

# A charset named in the first bytes: <meta charset="gbk">, the http-equiv
# Content-Type form, or an XML declaration.
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-:.]+)""",
    re.IGNORECASE,
)
# Labels pages use, mapped to the codec that reads what such pages really
# hold: GB2312/GBK pages carry GBK and GB18030 characters, Big5 pages the
# Microsoft (cp950) and HKSCS extensions.
_CHARSET_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "hz-gb-2312": "hz", "big5": "big5hkscs", "x-big5": "big5hkscs", "cn-big5": "big5hkscs",
    "unicode": "utf-16", "utf8": "utf-8",
}
#: The text encodings a page's label is taken at (the WHATWG Encoding Standard's, by Python's codec
#: names, and the Chinese ones above). Python also knows codecs that are no charset: a page labelled
#: "undefined" failed to read at all, one labelled "unicode_escape" read as mojibake; such a label is
#: ignored and the bytes decoded as any source text is.
_TEXT_ENCODINGS = frozenset(
    """utf-8 utf-16 utf-16-be utf-16-le ascii iso8859-1 iso8859-2 iso8859-3 iso8859-4 iso8859-5 iso8859-6
    iso8859-7 iso8859-8 iso8859-10 iso8859-13 iso8859-14 iso8859-15 iso8859-16 cp866 cp874 cp1250 cp1251
    cp1252 cp1253 cp1254 cp1255 cp1256 cp1257 cp1258 koi8-r koi8-u mac-roman mac-cyrillic gb18030 gbk hz
    big5 big5hkscs cp950 euc_jp iso2022_jp shift_jis euc_kr""".split()
)

#: Tags kept nested at most this deep; deeper ones are dropped (a block's becomes a line break). libxml2,
#: which lxml and trafilatura parse with, silently drops everything nested beyond 256 levels, so such a
#: page read as "no text found"; 128 leaves room for the levels trafilatura adds.
MAX_NESTING = 128
#: A page whose read text is this share or more of link text (menus, link lists) has no main text and is
#: refused, not indexed as a paragraph of links; a menu under a title line is well over it, an article
#: with links in its sentences far under.
NAV_ONLY_SHARE = 0.9
# <noscript> holds "please enable JavaScript" notices, not the article. Browsers with scripts on read its
# content as raw text up to the first </noscript>, so it cannot nest and a pattern finds it.
_NOSCRIPT = re.compile(r"<noscript\b.*?(?:</noscript\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)[^>]*>")
# Elements that never take a closing tag, so never nest.
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def clean_html(text: str) -> str:
    """The page without ``<noscript>`` and with tags nested deeper than :data:`MAX_NESTING` dropped."""
    text = _NOSCRIPT.sub("", text)
    tags = list(_TAG.finditer(text))
    depth = deepest = 0
    for m in tags:
        name = m.group(2).lower()
        if name in _VOID or m.group(0).endswith("/>"):
            continue
        depth = max(depth - 1, 0) if m.group(1) else depth + 1
        deepest = max(deepest, depth)
    if deepest <= MAX_NESTING:
        return text
    out, at, depth = [], 0, 0
    for m in tags:
        name = m.group(2).lower()
        if name in _VOID or m.group(0).endswith("/>"):
            continue
        closing = bool(m.group(1))
        if not closing:
            depth += 1
        if depth > MAX_NESTING:
            out.append(text[at:m.start()])
            out.append("<br>" if name in _HTML_BLOCK else "")
            at = m.end()
        if closing:
            depth = max(depth - 1, 0)
    out.append(text[at:])
    return "".join(out)


def decode_html(data: bytes, name: str) -> tuple[str, str]:
    """Decode a saved web page: by the charset its ``<meta>`` tag or XML declaration
    names, when that is a text encoding (:data:`_TEXT_ENCODINGS`) and decodes the bytes
    (pages are often mislabelled); else as any source text is decoded (:func:`qa.text.decode`).

    Returns:
        ``(text, codec)``.

    Raises:
        SourceError: empty, binary or undecodable.
    """
    import codecs

    from ..text import decode

    m = _META_CHARSET.search(data[:4096])
    if m and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        label = (m.group(1) or m.group(2)).decode("ascii", "ignore").lower()
        try:
            declared = codecs.lookup(_CHARSET_ALIASES.get(label, label)).name
            if declared in _TEXT_ENCODINGS:
                return data.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, name)


def read_html(data: bytes, name: str, meta: dict | None = None) -> list[Block]:
    """Read the main text of a saved web page into blocks.

    trafilatura takes the article out of the page (menus, scripts, footers
    and link lists go); its XML output keeps paragraphs, headings (h1-h6 →
    ``heading``), list items, table rows and bold (``<hi rend="#b">``).
    Lines broken with <br> inside one element become separate blocks: older
    government CMS pages put a whole report in one <div>, a paragraph per
    line. If trafilatura finds nothing, every block element of the <body>
    is read instead (navigation elements left out). ``<noscript>`` text is
    dropped and deep nesting flattened first (:func:`clean_html`).

    Args:
        data: The page's bytes (any charset; see :func:`decode_html`).
        name: Shown in error messages.
        meta: If given, what the page says its title is goes in it (the title is
            :func:`qa.titles.decide_title`'s to choose): ``title``, the page's title
            as trafilatura reads it (``<title>``, og:title); ``title_line``, its first ``h1``.

    Raises:
        SourceError: empty, no text found, or no main text (only links, :data:`NAV_ONLY_SHARE`).
    """
    import trafilatura
    from lxml import etree

    text, _ = decode_html(data, name)
    if "<" not in text:
        raise SourceError(f"{name}: not an HTML page")
    text = clean_html(text)
    xml = trafilatura.extract(
        text,
        output_format="xml",
        include_formatting=True,  # keeps <hi rend="#b"> for bold/lead
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        favor_recall=True,  # short official paragraphs are easily dropped otherwise
        deduplicate=False,
        with_metadata=True,
    )
    blocks: list[Block] = []
    title = ""
    if xml:
        root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True, huge_tree=True))
        title = (root.get("title") or "").strip()
        main = root.find("main")
        if main is None:
            main = root
        for el in main.iter("head", "p", "item", "row", "quote", "code"):
            if el.tag in ("p", "quote") and _has_ancestor(el, ("item", "row", "cell")):
                continue  # read with its list item or table row
            if el.tag == "row":
                cells = list(el.iter("cell"))
                if len(cells) == 1 or any(c.find(".//p") is not None or c.find(".//lb") is not None for c in cells):
                    # A layout table (old CMS pages put the whole article in
                    # one cell): its content is paragraphs, not a data row.
                    for c in cells:
                        blocks.extend(_html_blocks(c, None))
                    continue
                row = " | ".join(" ".join(_xml_text(c).split()) for c in cells)
                if row.strip(" |"):
                    blocks.append(Block(text=row))
                continue
            level = None
            if el.tag == "head":
                m = re.fullmatch(r"h([1-6])", el.get("rend") or "")
                level = int(m.group(1)) if m else 2
            blocks.extend(_html_blocks(el, level))
    page = _parse(text)  # once, for the headings, the link share and the first h1
    if not blocks:
        blocks = _html_fallback(text)
    else:
        blocks = _restore_headings(page, blocks)
    # trafilatura moves the page's <h1>/<title> into metadata; put it back
    # when the body does not repeat it, as the document's top heading.
    if title and not any(title in b.text for b in blocks[:3]):
        blocks.insert(0, Block(text=title, heading=1))
    if not blocks:
        raise SourceError(f"{name}: no text found in the web page")
    if _link_share(page, blocks) >= NAV_ONLY_SHARE:
        raise SourceError(f"{name}: no main text in the web page, only navigation links")
    if meta is not None:
        if title:
            meta["title"] = title
        if h1 := _first_h1(page):
            meta["title_line"] = h1
    return blocks


def _parse(html: str):
    """The page as an lxml.html tree, or None when lxml cannot parse it (its ParserError on odd input)."""
    import lxml.html

    try:
        return lxml.html.document_fromstring(html)
    except Exception:  # noqa: BLE001
        return None


def _first_h1(doc) -> str:
    """The text of the page's first ``h1`` outside navigation, or "" (or when it could not be parsed)."""
    if doc is None:
        return ""
    for h in doc.iter("h1"):
        text = " ".join(h.text_content().split()).strip(INDENT)
        if text and not _has_html_ancestor(h, _HTML_SKIP):
            return text
    return ""


def _link_share(doc, blocks: list[Block]) -> float:
    """The share of the blocks' letters in words that are whole link texts of the page (0 when it could not be parsed).

    Words are the blocks' whitespace-separated runs (trafilatura spaces links
    out), so a link in a sentence counts as link text and the sentence as not.
    """
    if doc is None:
        return 0.0
    links = {w for a in doc.iter("a") for w in a.text_content().split()}
    letters = linked = 0
    for b in blocks:
        for w in b.text.split():
            n = len(re.findall(r"\w", w))
            letters += n
            linked += n if w in links else 0
    return linked / letters if letters else 0.0


def _restore_headings(doc, blocks: list[Block]) -> list[Block]:
    """Put back h1-h6 headings that trafilatura dropped.

    trafilatura keeps headings when the article sits in an <article>
    element but drops them from a plain <div class="article"> (measured on
    a saved government page). A heading is put back before the block that
    opens with the text following it in the page; a page that could not be parsed keeps what it has.
    """
    if doc is None:
        return blocks
    have = {b.text for b in blocks}
    out = list(blocks)
    for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        title = " ".join(h.text_content().split()).strip(INDENT)
        if not title or title in have or _has_html_ancestor(h, _HTML_SKIP):
            continue
        # The text that follows the heading in document order.
        following = ""
        for node in h.itersiblings():
            following = " ".join(node.text_content().split()).strip(INDENT) if isinstance(node.tag, str) else ""
            if following:
                break
        if not following:
            continue
        probe = following[:20]
        for k, b in enumerate(out):
            if b.text.startswith(probe) and b.heading is None:
                out.insert(k, Block(text=title, heading=int(h.tag[1])))
                have.add(title)
                break
    return out


def _has_html_ancestor(el, tags) -> bool:
    parent = el.getparent()
    while parent is not None:
        if isinstance(parent.tag, str) and parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _has_ancestor(el, tags: tuple[str, ...]) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _xml_text(el) -> str:
    """Text of an element with <lb/> as newlines."""
    parts = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "lb" else _xml_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _html_blocks(el, level: int | None) -> list[Block]:
    """Blocks of one trafilatura element: one per line (<lb/> splits)."""
    # Walk the element collecting (text, bold) pieces.
    pieces: list[tuple[str, bool]] = []

    def walk(node, bold: bool) -> None:
        if node.text:
            pieces.append((node.text, bold))
        for child in node:
            if child.tag == "lb":
                pieces.append(("\n", bold))
            elif child.tag in ("p", "head", "item", "quote", "list", "row", "table"):
                # block inside a (layout) cell: its own line(s)
                pieces.append(("\n", bold))
                walk(child, bold)
                pieces.append(("\n", bold))
            else:
                walk(child, bold or (child.tag == "hi" and "#b" in (child.get("rend") or "")))
            if child.tail:
                pieces.append((child.tail, bold))

    walk(el, False)
    lines: list[list[tuple[str, bool]]] = [[]]
    for t, b in pieces:
        for k, part in enumerate(t.split("\n")):
            if k:
                lines.append([])
            if part:
                lines[-1].append((part, b))
    blocks = []
    for line in lines:
        raw = "".join(t for t, _ in line)
        text = raw.strip(INDENT + "\r\n")
        if not text:
            continue
        inked = [(t, b) for t, b in line if t.strip(INDENT)]
        whole = all(b for _, b in inked)
        lead = ""
        if not whole and inked[0][1]:
            prefix = []
            for t, b in line:
                if not b and t.strip(INDENT):
                    break
                prefix.append(t)
            lead = "".join(prefix).strip(INDENT)
        blocks.append(Block(text=text, heading=level, bold=whole, lead=lead))
    return blocks


# Elements that are page furniture, not content.
_HTML_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "select",
              "iframe", "svg", "template", "head"}
_HTML_BLOCK = {"p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt",
               "section", "article", "tr", "br", "table", "ul", "ol", "body"}


def _html_fallback(text: str) -> list[Block]:
    """Every block-level text run of <body>, when trafilatura finds nothing."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(text)
    except Exception:  # lxml raises ParserError on empty or odd input
        return []
    blocks: list[Block] = []
    buf: list[str] = []
    level: list[int | None] = [None]

    def flush() -> None:
        t = re.sub(r"[ \t\r\n]+", " ", "".join(buf)).strip(INDENT)
        if t:
            blocks.append(Block(text=t, heading=level[0]))
        buf.clear()
        level[0] = None

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _HTML_SKIP:
            if node.tail:
                buf.append(node.tail)
            return
        block = tag in _HTML_BLOCK
        if block:
            flush()
            if re.fullmatch(r"h[1-6]", tag):
                level[0] = int(tag[1])
        if node.text and tag:
            buf.append(node.text)
        for child in node:
            walk(child)
        if block:
            flush()
        if node.tail:
            buf.append(node.tail)

    body = doc.find("body")
    walk(body if body is not None else doc)
    flush()
    return blocks
