"""Stage 7: the reply's wording, as Markdown (terminal, ``qa ask``) or HTML (web chat).

Both are made from an :class:`~qa.answer.Answer`; every word of a quote is
the source's, and the reply's own words (the "not found" line, headings) are
in the language picked by :func:`reply_language`, here alone.

A comparison (:class:`~qa.compare.Comparison`, ``qa compare`` and the web's Compare tab) is a table,
one row per document: its answering sentences marked, where they stand, and the row's tier, a
document that does not address the question shown as "not mentioned" (未提及), never with a quote;
also as CSV and Markdown for download.

A reply shows one of the answer's three tiers (``Answer.confidence``):

- ``"answer"``: the quotes, the first answering;
- ``"uncertain"``: a line saying the assistant is not sure (「没有把握找到确切答案，以下段落可能相关：」),
  then the quotes, their answering sentences still marked, as quieter cards (``qa-hit-uncertain``);
- ``"none"``: the "not found" line and the closest sections as further reading, no quote.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .answer import Answer, Hit
from .compare import Comparison, Row
from .index import Manifest
from .progress import BuildState
from .quote import PATH_SEP
from .text import converter, has_cjk
from .view import view_ref

if TYPE_CHECKING:
    from rich.text import Text

    from .view import SourceView

    from .library import DocumentInfo

#: The reply's own words, per language.
WORDS = {
    "zh": {
        "not_found": "规划中没有找到相关内容。",
        "uncertain": "没有把握找到确切答案，以下段落可能相关：",
        "related": "相关章节（仅供参考，并非答案）：",
        "score": "相关度",
        "page": "第{}页",
        "context": "上下文",
        "section": "整节",
        "understood": "理解为：{}",
        "new_topic": "新话题",
        "compare_columns": ["文件", "回答句", "位置", "把握", "相关度"],
        "tiers": {"answer": "回答", "uncertain": "可能相关", "none": "未提及"},
        "not_mentioned": "未提及",
        "cited": "引用：",
        "conversation": "规划问答 · 对话记录",
    },
    "en": {
        "not_found": "The plan has no passage that answers this question.",
        "uncertain": "Not sure these answer it:",
        "related": "Related sections (further reading, not an answer):",
        "score": "score",
        "page": "p. {}",
        "context": "Context",
        "section": "Whole section",
        "understood": "Understood as: {}",
        "new_topic": "New topic",
        "compare_columns": ["Document", "Answering sentence", "Where", "Confidence", "Score"],
        "tiers": {"answer": "answers", "uncertain": "may answer", "none": "not mentioned"},
        "not_mentioned": "not mentioned",
        "cited": "Cite: ",
        "conversation": "Plan QA · conversation",
    },
}

#: Display scripts for quotes: value -> (label, OpenCC config or None).
SCRIPTS = {"original": ("原文", None), "hans": ("简体", "t2s"), "hant": ("繁體", "s2t")}

# Private-use characters stand in for the <mark> tags while the script is
# converted, so that highlights stay on the same characters even where OpenCC
# changes a text's length. Any already in the source are shown as U+FFFD.
_OPEN, _CLOSE = "\ue000", "\ue001"
_NO_SENTINELS = str.maketrans({_OPEN: "\ufffd", _CLOSE: "\ufffd"})
#: Longest question shown back in the chat.
MAX_SHOWN_QUESTION = 200
#: Marks a quote cut out of a longer paragraph.
CUT = "…"

#: What a card can expand to: ``(neighbouring paragraphs, whole section)`` of a hit, as texts.
Expand = Callable[[Hit], tuple[list[str], list[str]]]


def shown_tier(answer: Answer) -> str:
    """What the reply shows: ``"answer"``, ``"uncertain"`` (quotes that may answer) or ``"none"`` (not found).

    An answer with no quote is shown as ``"none"``, whatever its confidence.
    """
    if not answer.hits or answer.confidence == "none":
        return "none"
    return "uncertain" if answer.confidence == "uncertain" else "answer"


def reply_language(question: str) -> str:
    """``"zh"`` for a question with Chinese characters, else ``"en"``: the language of the reply's own words."""
    return "zh" if has_cjk(question) else "en"


def where(hit: Hit, lang: str, document: bool = True) -> list[str]:
    """What locates a hit, for its heading: the document's title (where it states one, and ``document`` asks
    for it), the path (or section) and the page."""
    parts = [hit.document] if document and hit.document and hit.document != Path(hit.source).stem else []
    path = PATH_SEP.join(hit.path) if hit.path else hit.section
    if path:
        parts.append(path)
    if hit.page is not None:
        parts.append(WORDS[lang]["page"].format(hit.page))
    return parts


def quoted(hit: Hit, text: str) -> str:
    """``text`` with the cut marks of ``hit``'s quote."""
    return (CUT if hit.cut[0] else "") + text + (CUT if hit.cut[1] else "")


def mark(text: str, highlights: list[str], before: str = "**", after: str = "**") -> str:
    """``text`` with each highlight wrapped in ``before``/``after``."""
    spans = []
    for h in highlights:
        i = text.find(h)
        if i >= 0 and not any(i < e and s < i + len(h) for s, e in spans):
            spans.append((i, i + len(h)))
    # Touching spans become one, so Markdown gets "**a b**", not "**a****b**".
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1] + 1 and not text[merged[-1][1] : s].strip():
            merged[-1][1] = e
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out += [text[pos:s], before, text[s:e], after]
        pos = e
    out.append(text[pos:])
    return "".join(out)


# ------------------------------------------------------------------ Markdown

def to_markdown(answer: Answer, cite: bool = False) -> str:
    """The reply as Markdown: how the question was understood (after a follow-up), a quote per hit, its answering sentences in bold.

    An uncertain answer's quotes come after the line that says so; a "none" answer has the "not found" line and related reading.
    With ``cite``, each quote is followed by its citation (:meth:`qa.quote.Hit.citation`).
    """
    words = WORDS[reply_language(answer.question)]
    top = [f"*{words['understood'].format(answer.understood_as)}*", ""] if answer.understood_as else []
    shown = shown_tier(answer)
    if shown == "none":
        lines = top + [words["not_found"]]
        if answer.related:
            lines += ["", words["related"]] + [f"- {h.section} ({h.source})" for h in answer.related]
        return "\n".join(lines)
    lang = reply_language(answer.question)
    lines = top + ([words["uncertain"], ""] if shown == "uncertain" else [])
    for i, h in enumerate(answer.hits, 1):
        head = " · ".join(where(h, lang))
        lines += [f"**{i}. {head}** · {h.source} · {words['score']} {h.score:.2f}", ""]
        lines += ["> " + ln for ln in quoted(h, mark(h.text, h.highlights)).split("\n")]
        lines += ["", f"{words['cited']}{h.citation()}"] if cite else []
        lines.append("")
    return "\n".join(lines).rstrip()


def conversation_markdown(turns: list["Turn"]) -> str:
    """A conversation as Markdown to keep: each question, how it was understood, its quotes with their citations.

    What the web chat's "导出 Export" downloads and ``qa chat``'s ``/save`` writes. A refused question
    is kept with the reason; a new topic is marked. Every quote is the source's, as in the chat.
    """
    lang = reply_language(" ".join(t.question for t in turns))
    words = WORDS[lang]
    lines = [f"# {words['conversation']}", ""]
    for n, t in enumerate(turns, 1):
        if t.new_topic and n > 1:
            lines += [f"— {WORDS[reply_language(t.question)]['new_topic']} —", ""]
        lines += [f"## {n}. {' '.join(t.question.split())}", ""]
        lines += [to_markdown(t.answer, cite=True) if t.answer is not None else f"⚠ {t.error}", ""]
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------ HTML

def convert_script(text: str, script: str) -> str:
    """``text`` in the display script (``original``, ``hans`` or ``hant``)."""
    config = SCRIPTS.get(script, SCRIPTS["original"])[1]
    return converter(config).convert(text) if config else text


def quote_html(text: str, highlights: list[str], script: str = "original") -> str:
    """The paragraph as safe HTML with its highlights in ``<mark>``.

    Highlights are found in the stored text first, then the script is
    converted, then HTML is escaped, so no source character can become markup.
    """
    text, highlights = text.translate(_NO_SENTINELS), [h.translate(_NO_SENTINELS) for h in highlights]
    marked = convert_script(mark(text, highlights, _OPEN, _CLOSE), script)
    body = html.escape(marked).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
    return body.replace("\n", "<br>")


def to_html(answer: Answer, script: str = "original", expand: Expand | None = None) -> str:
    """One reply as HTML: a card per hit, or the plain "not found" and related reading.

    An uncertain answer (:func:`shown_tier`) is wrapped in ``<div class="qa-uncertain">``: the line
    that says so (``qa-uncertain-line``), then its cards, each also of class ``qa-hit-uncertain``,
    which the page's CSS (:data:`qa.web.CSS`) shows quieter than a confident answer's.

    A card names the document, the headings above the quote and the page,
    and shows the quote with its answering sentences marked. With ``expand``,
    it also opens to the paragraphs around the quote and to the whole section.
    The result is one line with no blank lines, so the chat's Markdown
    renderer passes it through as a single HTML block.
    """
    esc = html.escape
    lang = reply_language(answer.question)
    words = WORDS[lang]
    top = [f'<p class="qa-understood">{esc(words["understood"].format(answer.understood_as))}</p>'] if answer.understood_as else []
    shown = shown_tier(answer)
    if shown == "none":
        parts = top + [f'<p class="qa-none">{esc(words["not_found"])}</p>']
        if answer.related:
            items = "".join(
                f'<li>{esc(convert_script(h.section, script))} <span class="qa-src">{esc(h.source)}</span></li>'
                for h in answer.related
            )
            parts.append(f"<p>{esc(words['related'])}</p><ul>{items}</ul>")
        return "".join(parts)
    unsure = shown == "uncertain"
    parts = []
    for i, h in enumerate(answer.hits, 1):
        doc, *rest = where(h, lang)
        place = "".join(f' · <span class="qa-path">{esc(convert_script(x, script))}</span>' for x in rest)
        body = quote_html(h.text, h.highlights, script)
        more = ""
        if expand is not None:
            around, section = expand(h)
            more = "".join(
                f'<details class="qa-more"><summary>{esc(label)}</summary>'
                + "".join(f"<p>{quote_html(t, h.highlights, script)}</p>" for t in texts) + "</details>"
                for label, texts in ((words["context"], around), (words["section"], section)) if texts
            )
        parts.append(
            f'<div class="qa-hit{" qa-hit-uncertain" if unsure else ""}"><div class="qa-head">'
            f'<b>{i}. {esc(convert_script(doc, script))}</b>{place}'
            f' · <span class="qa-src">{esc(h.source)}</span>'
            f' · <span class="qa-score" title="relevance score">{words["score"]} {h.score:.2f}</span></div>'
            f'<blockquote class="qa-quote">{CUT if h.cut[0] else ""}{body}{CUT if h.cut[1] else ""}</blockquote>'
            f"{card_tools(h)}{more}</div>"
        )
    if unsure:
        line = f'<p class="qa-uncertain-line">{esc(words["uncertain"])}</p>'
        return "".join(top) + '<div class="qa-uncertain">' + line + "".join(parts) + "</div>"
    return "".join(top + parts)


def card_tools(hit: Hit) -> str:
    """A card's two buttons: copy its citation (carried in ``title``, which also shows it on hover) and view it
    in the source (the page of a PDF, else the section), carried in ``value`` as :func:`qa.view.view_ref`.

    The chat's sanitizer keeps ``title`` and ``value`` but drops ``data-*`` attributes and scripts; the
    page's script (:data:`qa.web.VIEWER_JS`) acts on clicks of these two classes.
    """
    esc = html.escape
    view = "查看原文 View page" if hit.page is not None else "查看原文 View section"
    return (
        '<div class="qa-tools">'
        f'<button type="button" class="qa-cite" title="{esc(hit.citation())}">复制引用 Copy citation</button>'
        f'<button type="button" class="qa-view" value="{esc(view_ref(hit))}">{view}</button></div>'
    )


def source_view_html(view: "SourceView") -> str:
    """What "查看原文 View" shows, as HTML: the PDF's pages with the answering sentences' characters marked, or the
    section of a document without pages, the quoted paragraph's sentences marked (``qa-target``, scrolled to).

    Each page is an image under boxes placed in percent of its size (``qa-page-mark``), so they stay over
    the same characters at any width. Every text is escaped; the images are data URLs made on request.
    """
    import base64

    esc = html.escape
    lang = "zh" if has_cjk(view.document + "".join(view.path)) else "en"
    head = " · ".join(x for x in (view.document, PATH_SEP.join(view.path)) if x)
    parts = [f'<div class="qa-source-head"><b>{esc(head)}</b> <span class="qa-src">{esc(view.source)}</span>'
             '<button type="button" class="qa-viewer-close" title="关闭 Close">✕</button></div>']
    if view.note:
        parts.append(f'<p class="qa-source-note">{esc(view.note)}</p>')
    for shot in view.pages:
        marks = "".join(
            f'<div class="qa-page-mark" style="left:{100 * x0 / shot.width:.3f}%;top:{100 * y0 / shot.height:.3f}%;'
            f'width:{100 * (x1 - x0) / shot.width:.3f}%;height:{100 * (y1 - y0) / shot.height:.3f}%"></div>'
            for x0, y0, x1, y1 in shot.marks
        )
        src = f"data:{shot.mime};base64,{base64.b64encode(shot.image).decode('ascii')}"
        parts.append(
            f'<figure class="qa-page" id="qa-page-{shot.page}"><figcaption>{esc(WORDS[lang]["page"].format(shot.page))}</figcaption>'
            f'<div class="qa-page-frame"><img src="{src}" width="{shot.width}" height="{shot.height}" alt="{esc(WORDS[lang]["page"].format(shot.page))}">'
            f"{marks}</div></figure>"
        )
    for i, (text, highlights) in enumerate(view.paragraphs):
        target = ' class="qa-target" id="qa-target"' if i == view.target else ""
        parts.append(f"<p{target}>{quote_html(text, highlights)}</p>")
    return '<div class="qa-source">' + "".join(parts) + "</div>"


@dataclass
class Turn:
    """A question and what answered it: an Answer, or the reason it was refused.

    ``new_topic`` marks the first question after the reader started a new topic.
    """

    question: str
    answer: Answer | None = None
    error: str = ""
    new_topic: bool = False


def topic_history(turns: list[Turn]) -> list[str]:
    """The questions of the current topic that were answered, oldest first: a follow-up's history.

    Every tier counts (answered, uncertain or not found): the reader saw a reply to each, and an
    uncertain one showed quotes. Only refused questions (no answer) and those before a new topic do not.
    """
    history: list[str] = []
    for t in turns:
        if t.new_topic:
            history = []
        if t.answer is not None:
            history.append(t.question)
    return history


def chat_messages(turns: list[Turn], script: str = "original", expand: Expand | None = None) -> list[dict]:
    """The chat as ``{"role", "content"}`` messages, rendered afresh so the script toggle applies to all."""
    messages = []
    for t in turns:
        if t.new_topic and messages:
            label = WORDS[reply_language(t.question)]["new_topic"]
            messages.append({"role": "assistant", "content": f'<p class="qa-topic">— {html.escape(label)} —</p>'})
        shown = t.question if len(t.question) <= MAX_SHOWN_QUESTION else t.question[:MAX_SHOWN_QUESTION] + "…"
        messages.append({"role": "user", "content": html.escape(shown)})
        if t.answer is not None:
            content = to_html(t.answer, script, expand)
        else:
            content = f'<p class="qa-error">⚠ {html.escape(t.error)}</p>'
        messages.append({"role": "assistant", "content": content})
    return messages


def index_markdown(manifest: Manifest | None, version: str, state: BuildState) -> str:
    """What is indexed, as Markdown, and what a running build is doing."""
    if manifest is None:
        if state.running:
            return f"⏳ Building the index ({state.describe()})."
        return "No index: the library is empty. Add documents below." + (f"\n\n❌ {html.escape(state.error)}" if state.error else "")
    c = manifest.counts
    lines = [
        f"**Model** `{manifest.model}` on {manifest.backend} (dim {manifest.dim}) · **built** {manifest.built_at or '?'} · **version** `{version}`",
        "",
        f"{c['files']} files · {c['paragraphs']} paragraphs · {c['sentences']} sentences · {c['units']} matched units",
    ]
    if state.running:
        lines += ["", f"⏳ Rebuilding ({state.describe()}); questions are answered from this index meanwhile."]
    elif state.error:
        lines += ["", f"❌ {html.escape(state.error)}"]
    return "\n".join(lines)


#: The columns of the library table.
DOCUMENT_COLUMNS = ["标题 Title", "文件 File", "格式 Format", "页 Pages", "段落 Paragraphs", "索引 Indexed", "状态 Status", "关于 About"]


def documents_table(docs: list["DocumentInfo"]) -> list[list]:
    """Rows of the library table, one per file (:func:`qa.library.list_documents`)."""
    return [
        [d.title or "—", d.file, d.format, d.pages or "", d.paragraphs or "", d.indexed_at[:16].replace("T", " "),
         d.status + (f": {d.reason}" if d.reason else ""), "、".join(d.about) or "—"]
        for d in docs
    ]


def to_terminal(answer: Answer) -> "Text":
    """The reply for a terminal, as rich ``Text``: answering sentences in colour, where each quote stands dimmed.

    An uncertain answer's quotes come after the line that says so, in yellow; "not found" is in red, the related reading dimmed.
    """
    from rich.text import Text

    lang = reply_language(answer.question)
    words = WORDS[lang]
    out = Text()
    if answer.understood_as:
        out.append(words["understood"].format(answer.understood_as) + "\n\n", style="italic cyan")
    shown = shown_tier(answer)
    if shown == "none":
        out.append(words["not_found"] + "\n", style="bold red")
        if answer.related:
            out.append("\n" + words["related"] + "\n", style="dim")
            for h in answer.related:
                out.append(f"- {h.section} ({h.source})\n", style="dim")
        return out
    if shown == "uncertain":
        out.append(words["uncertain"] + "\n\n", style="yellow")
    for i, h in enumerate(answer.hits, 1):
        out.append(f"{i}. ", style="bold")
        out.append(" · ".join(where(h, lang)) + f" · {h.source} · {words['score']} {h.score:.2f}\n", style="dim")
        text = quoted(h, mark(h.text.translate(_NO_SENTINELS), [x.translate(_NO_SENTINELS) for x in h.highlights], _OPEN, _CLOSE))
        for k, piece in enumerate(re.split(f"[{_OPEN}{_CLOSE}]", text)):
            out.append(piece, style="bold yellow" if k % 2 else "")
        out.append("\n\n")
    out.rstrip()
    return out


# ------------------------------------------------------------------ comparisons

def compare_language(comparison: Comparison) -> str:
    """The language of a comparison's own words (:func:`reply_language` of its question)."""
    return reply_language(comparison.question)


def where_row(row: Row, lang: str) -> str:
    """A row's heading path (or section) and page: 「二、2025年工作 › （五）… · 第12页」."""
    return "" if row.hit is None else " · ".join(where(row.hit, lang, document=False))  # the document has its own column


def sentences_of(row: Row) -> str:
    """A row's answering sentences, verbatim, in the quote's order, "…" between two that do not touch; "" when not mentioned."""
    if row.hit is None:
        return ""
    text = row.hit.text
    spans = sorted((i, i + len(h)) for h in row.hit.highlights if (i := text.find(h)) >= 0)
    out: list[str] = []
    end = None
    for s, e in spans:
        if end is not None and s < end:  # the highlights are whole sentences: none overlap another
            continue
        if out:
            out.append("" if not text[end:s].strip() else CUT)
        out.append(text[s:e])
        end = e
    return "".join(out)


def compare_records(comparison: Comparison) -> list[dict]:
    """One flat record per row, for CSV: the document, its file, the row's tier, the answering sentences,
    the whole quote, its headings, page, score and citation (empty for a document that does not mention it)."""
    lang = compare_language(comparison)
    records = []
    for row in comparison.rows:
        h = row.hit
        records.append({
            "document": row.document, "source": row.source, "confidence": row.confidence,
            "confidence_label": WORDS[lang]["tiers"][row.confidence], "sentence": sentences_of(row),
            "quote": quoted(h, h.text) if h else "", "path": PATH_SEP.join(h.path) if h else "",
            "page": "" if h is None or h.page is None else h.page, "score": "" if h is None else f"{h.score:.4f}",
            "citation": h.citation() if h else "",
        })
    return records


def compare_csv(comparison: Comparison) -> str:
    """The comparison as CSV (UTF-8 text, a header line, one line per document): what ``qa compare --csv`` writes."""
    import csv
    import io

    out = io.StringIO()
    records = compare_records(comparison)
    writer = csv.DictWriter(out, fieldnames=list(records[0]) if records else ["document"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def _cell(text: str) -> str:
    """Text for a Markdown table cell: no line breaks, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def compare_markdown(comparison: Comparison) -> str:
    """The comparison as a Markdown table: document | answering sentence (bold) | where | confidence.

    A document that does not mention it has 「未提及」 ("not mentioned") in place of a sentence.
    """
    lang = compare_language(comparison)
    words = WORDS[lang]
    head = words["compare_columns"][:4]
    lines = [f"*{words['understood'].format(comparison.understood_as)}*", ""] if comparison.understood_as else []
    lines += [f"**{_cell(comparison.question)}**", "", "| " + " | ".join(head) + " |", "|---|---|---|---|"]
    for row in comparison.rows:
        sentence = f"**{_cell(sentences_of(row))}**" if row.hit else f"*{words['not_mentioned']}*"
        lines.append(f"| {_cell(row.document)} | {sentence} | {_cell(where_row(row, lang))} | {words['tiers'][row.confidence]} |")
    return "\n".join(lines)


#: The columns of the web's comparison table (:func:`compare_rows`).
COMPARE_COLUMNS = ["文件 Document", "回答句 Answering sentence", "位置 Where", "把握 Confidence", "相关度 Score"]


def compare_rows(comparison: Comparison, script: str = "original") -> list[list]:
    """The web table's rows: document, answering sentences as safe HTML in ``<mark>`` (or 「未提及」) with the
    card's two buttons (:func:`card_tools`), where, confidence and score (None when not mentioned), in the display script."""
    lang = compare_language(comparison)
    words = WORDS[lang]
    rows = []
    for row in comparison.rows:
        if row.hit is None:
            sentence = f'<span class="qa-cmp-none">{html.escape(words["not_mentioned"])}</span>'
        else:  # with the card's buttons: copy the citation, view it in the source
            sentence = quote_html(sentences_of(row), row.hit.highlights, script) + card_tools(row.hit)
        rows.append([convert_script(row.document, script), sentence, convert_script(where_row(row, lang), script),
                     words["tiers"][row.confidence], round(row.hit.score, 2) if row.hit else None])
    return rows


def compare_heading(comparison: Comparison) -> str:
    """The line above the web table: the question, how it was read after a follow-up, and how many documents answer."""
    lang = compare_language(comparison)
    words = WORDS[lang]
    tiers = [row.confidence for row in comparison.rows]
    counts = " · ".join(f"{words['tiers'][t]} {tiers.count(t)}" for t in ("answer", "uncertain", "none"))
    line = f"**{html.escape(comparison.question)}** ({counts})"
    if comparison.understood_as:
        line += "  \n*" + html.escape(words["understood"].format(comparison.understood_as)) + "*"
    return line


def compare_terminal(comparison: Comparison):
    """The comparison for a terminal, as a rich ``Table``: answering sentences in colour, "not mentioned" rows dimmed."""
    from rich.table import Table
    from rich.text import Text

    lang = compare_language(comparison)
    words = WORDS[lang]
    title = comparison.question + (f"\n{words['understood'].format(comparison.understood_as)}" if comparison.understood_as else "")
    table = Table(title=title, show_lines=True)
    for name in words["compare_columns"][:4]:
        table.add_column(name, overflow="fold")
    style = {"answer": "green", "uncertain": "yellow", "none": "dim"}
    for row in comparison.rows:
        dim = "dim" if row.hit is None else ""
        sentence = Text(sentences_of(row), style="bold yellow") if row.hit else Text(words["not_mentioned"], style="dim italic")
        table.add_row(Text(row.document, style=dim), sentence, Text(where_row(row, lang), style="dim"),
                      Text(words["tiers"][row.confidence], style=style[row.confidence]))
    return table
