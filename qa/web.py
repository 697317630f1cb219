"""Stage 8: the web chat, wired in Gradio.

``qa serve`` and ``python app.py`` start it. The answers, uploads and
rebuilds are :class:`qa.service.ChatService`'s; the reply's HTML is
:mod:`qa.render`'s. This module only lays out the page and connects them.

The app serves only its own assets: no share link, no flagging, no
analytics, the data and index folders blocked from ``/gradio_api/file=``.
"""
from __future__ import annotations

import atexit
import hashlib
import html
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from .answer import MAX_K
from .errors import QAError, QueryError, SourceError, StoreUnavailable, UploadError
from .progress import console_bar
from .render import (
    COMPARE_COLUMNS, DOCUMENT_COLUMNS, SCRIPTS, Turn, chat_messages, compare_csv, compare_heading, compare_markdown,
    compare_rows, conversation_markdown, documents_table, index_markdown, source_view_html, topic_history,
)
from .service import DEFAULT_K, ChatService
from .read import MAX_BYTES, MAX_FILE_BYTES, SUFFIXES

#: Errors a question's reply shows as they are: a bad question, and a Milvus the index lives in that cannot be reached.
SHOWN = (QueryError, StoreUnavailable)

if TYPE_CHECKING:
    from .compare import Comparison
    from .store import Location
    from .embed import Encoder

#: Requests waiting in the queue, at most; more get a "queue is full" reply.
QUEUE_MAX_SIZE = 64
#: Questions answered at the same time (the model is CPU-bound).
CONCURRENCY = 4

#: Gradio's cache is swept every 10 minutes of files older than an hour, as ``(frequency, age)`` in seconds:
#: a file posted to its upload route without the Upload button would otherwise stay until a restart. The
#: button reads its files within minutes and deletes them; a comparison's download expires after the hour.
DELETE_CACHE = (600, 3600)
#: Environment variables of the optional password: when ``QA_WEB_PASSWORD`` is set, the page and the whole
#: API (uploads and deletions too) ask for it, with the user name in ``QA_WEB_USER`` (default ``qa``).
PASSWORD_ENV, USER_ENV = "QA_WEB_PASSWORD", "QA_WEB_USER"
DEFAULT_USER = "qa"

#: Downloads of comparisons kept on disk for Gradio to serve, at most (the oldest are deleted).
MAX_EXPORTS = 200

EXAMPLES = [
    "外贸进出口总额的目标是多少？",
    "敦化的医药产业集群是什么级别的？",
    "What is the plan for the pumped-storage power station?",
]

CSS = """
.qa-hit { margin: 0 0 1em 0; }
.qa-head { font-size: 0.95em; margin-bottom: 0.3em; }
.qa-src { color: var(--body-text-color-subdued); font-family: var(--font-mono); font-size: 0.85em; }
.qa-score { color: var(--body-text-color-subdued); font-size: 0.85em; white-space: nowrap; }
.qa-quote { border-left: 3px solid var(--color-accent); margin: 0; padding: 0.2em 0 0.2em 0.8em; line-height: 1.7; }
.qa-quote mark { background: #ffe58a; color: inherit; padding: 0 0.1em; border-radius: 2px; }
.qa-path { color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-more { margin: 0.3em 0 0 0.8em; font-size: 0.9em; }
.qa-more summary { cursor: pointer; color: var(--body-text-color-subdued); }
.qa-more p { margin: 0.4em 0; line-height: 1.6; }
.qa-none { font-weight: 600; }
/* An uncertain answer: its line, then quieter cards (dashed muted frame, grey ground, paler quote and marks). */
.qa-uncertain-line { color: var(--body-text-color); font-weight: 600; margin: 0 0 0.6em 0; }
.qa-hit-uncertain { border: 1px dashed var(--border-color-primary); background: var(--background-fill-secondary);
  border-radius: 6px; padding: 0.5em 0.8em; }
.qa-hit-uncertain .qa-head b { font-weight: 500; }
.qa-hit-uncertain .qa-quote { border-left-color: var(--body-text-color-subdued); color: var(--body-text-color-subdued); }
.qa-hit-uncertain .qa-quote mark { background: rgba(255, 229, 138, 0.45); }
.qa-understood { color: var(--body-text-color-subdued); font-style: italic; margin: 0 0 0.5em 0; }
.qa-topic { color: var(--body-text-color-subdued); text-align: center; font-size: 0.85em; margin: 0; }
.qa-error { color: var(--error-text-color); }
/* The comparison table: answering sentences marked, "not mentioned" rows greyed. */
#qa-compare-table mark { background: #ffe58a; color: inherit; padding: 0 0.1em; border-radius: 2px; }
.qa-cmp-none { color: var(--body-text-color-subdued); font-style: italic; }
/* A card's buttons: copy its citation, view it in the source. */
.qa-tools { margin: 0.3em 0 0 0.8em; display: flex; gap: 0.5em; }
.qa-tools button { font-size: 0.8em; padding: 0.1em 0.6em; border: 1px solid var(--border-color-primary);
  border-radius: 4px; background: var(--background-fill-primary); color: var(--body-text-color-subdued); cursor: pointer; }
.qa-tools button:hover { color: var(--body-text-color); border-color: var(--color-accent); }
/* The source viewer: over the page, the PDF's pages with the sentence's characters marked, or the section. */
.qa-viewer-overlay { position: fixed; inset: 0; z-index: 10000; background: rgba(0, 0, 0, 0.45); display: flex;
  justify-content: center; align-items: flex-start; overflow-y: auto; padding: 2em 1em; }
.qa-source { background: var(--background-fill-primary); color: var(--body-text-color); max-width: 900px; width: 100%;
  border-radius: 8px; padding: 1em 1.2em; box-shadow: 0 8px 30px rgba(0, 0, 0, 0.3); }
.qa-source-head { display: flex; gap: 0.6em; align-items: baseline; margin-bottom: 0.6em; }
.qa-viewer-close { margin-left: auto; cursor: pointer; font-size: 1.2em; background: none; border: none; }
.qa-source-note { color: var(--body-text-color-subdued); font-style: italic; }
.qa-page { margin: 0 0 1.2em 0; }
.qa-page figcaption { color: var(--body-text-color-subdued); font-size: 0.85em; }
.qa-page-frame { position: relative; border: 1px solid var(--border-color-primary); }
.qa-page-frame img { display: block; width: 100%; height: auto; }
.qa-page-mark { position: absolute; background: rgba(255, 213, 0, 0.38); outline: 2px solid rgba(230, 120, 0, 0.85);
  border-radius: 2px; pointer-events: none; }
.qa-source p { line-height: 1.7; margin: 0.5em 0; }
.qa-source p.qa-target { border-left: 3px solid var(--color-accent); padding-left: 0.7em; }
.qa-source mark { background: #ffe58a; color: inherit; padding: 0 0.1em; border-radius: 2px; }
"""

#: The page's script, run once by the viewer component: a click on a card's "复制引用" copies its citation (the
#: button's title), one on "查看原文" asks the server for the source view (:func:`qa.render.source_view_html`,
#: made from the index's own files) and shows it over the page; Escape or ✕ closes it. The handlers sit on the
#: document, since the cards are re-rendered by the chat.
VIEWER_JS = """
window.qaViewerServer = server;
if (!window.qaViewerReady) {
  window.qaViewerReady = true;
  const close = () => document.querySelectorAll('.qa-viewer-overlay').forEach((o) => o.remove());
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {
      const area = document.createElement('textarea');
      area.value = text; document.body.appendChild(area); area.select();
      const ok = document.execCommand('copy'); area.remove(); return ok;
    }
  };
  document.addEventListener('click', async (e) => {
    const cite = e.target.closest('button.qa-cite');
    if (cite) {
      const label = cite.dataset.label || cite.textContent;
      cite.dataset.label = label;
      cite.textContent = (await copy(cite.title)) ? '已复制 Copied' : '复制失败 Copy failed';
      setTimeout(() => { cite.textContent = label; }, 1500);
      return;
    }
    const view = e.target.closest('button.qa-view');
    if (view) {
      close();
      const overlay = document.createElement('div');
      overlay.className = 'qa-viewer-overlay';
      overlay.innerHTML = '<div class="qa-source"><p>正在打开原文 Opening the source…</p></div>';
      document.body.appendChild(overlay);
      let reply;
      try { reply = await window.qaViewerServer.view_source(view.value); } catch (err) { reply = {error: String(err)}; }
      if (!overlay.isConnected) return;
      if (reply && reply.html) {
        overlay.innerHTML = reply.html;
      } else {
        overlay.innerHTML = '<div class="qa-source"><p class="qa-error"></p></div>';
        overlay.querySelector('.qa-error').textContent = '⚠ ' + ((reply && reply.error) || 'the source cannot be shown');
      }
      const target = overlay.querySelector('#qa-target, .qa-page-mark');
      if (target) target.scrollIntoView({block: 'center'});
      return;
    }
    if (e.target.closest('.qa-viewer-close') || e.target.classList.contains('qa-viewer-overlay')) close();
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
}
"""

#: Runs in the browser before a question is sent: the address bar becomes the question's link (``?q=…`` and
#: ``&sources=…``), which opens the page asking it again; the inputs go on unchanged.
LINK_JS = """
(question, turns, k, script, sources, fresh) => {
  const url = new URL(window.location.href);
  if (question && question.trim()) url.searchParams.set('q', question.trim());
  if (sources && sources.length) url.searchParams.set('sources', sources.join(',')); else url.searchParams.delete('sources');
  window.history.replaceState(null, '', url);
  return [question, turns, k, script, sources, fresh];
}
"""
#: Grey for the cells of a "not mentioned" row of the comparison table (a pandas Styler colour: no CSS variables there).
NOT_MENTIONED_COLOUR = "#9ca3af"


def index_info(service: ChatService) -> str:
    """The Index tab's Markdown for the index being served."""
    return index_markdown(service.manifest(), service.version(), service.state)


def search_choices(service: ChatService) -> list[tuple[str, str]]:
    """The "search in" choices: each document of the index being served, as (title, file).

    Read from its manifest: listing the data folder would hash every file again.
    """
    m = service.manifest()
    return [(f"{m.title(n)} ({n})", n) for n, rec in sorted(m.sources.items()) if rec.status == "indexed"] if m else []


def library_views(service: ChatService) -> tuple[str, list[list]]:
    """The Index tab's summary and its table of documents."""
    return index_info(service), documents_table(service.documents())


def search_update(service: ChatService, keep: list[str] | None) -> gr.Dropdown:
    """The "search in" choices after the library changed, keeping the chosen documents still in it."""
    choices = search_choices(service)
    files = {f for _, f in choices}
    return gr.Dropdown(choices=choices, value=[f for f in keep or [] if f in files])


def compare_view(comparison: "Comparison"):
    """The comparison table's value: its rows (:func:`qa.render.compare_rows`) with each "not mentioned" row greyed."""
    import pandas as pd

    frame = pd.DataFrame(compare_rows(comparison), columns=COMPARE_COLUMNS)
    none = [row.confidence == "none" for row in comparison.rows]
    styled = frame.style.apply(lambda r: [f"color: {NOT_MENTIONED_COLOUR}" if none[r.name] else ""] * len(r), axis=1)
    return styled.format({COMPARE_COLUMNS[-1]: "{:.2f}"}, na_rep="")  # the score sorts as a number, shows as 3.30


def export(comparison: "Comparison", folder: Path) -> tuple[str, str]:
    """The comparison written to ``folder`` as CSV and as Markdown, for download; returns the two paths."""
    return keep_download(folder, "compare", ".csv", compare_csv(comparison)), keep_download(folder, "compare", ".md", compare_markdown(comparison) + "\n")


def keep_download(folder: Path, prefix: str, suffix: str, text: str) -> str:
    """``text`` written to ``folder`` for download (a comparison, a conversation); returns its path.

    Each file is named by its content, so two people's downloads never overwrite each other; the oldest
    beyond :data:`MAX_EXPORTS` are deleted. Only text the server made goes there: nothing of a request names a path.
    """
    data = text.encode("utf-8")
    path = folder / f"{prefix}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    path.write_bytes(data)
    for old in sorted(folder.glob("*-*.*"), key=lambda p: p.stat().st_mtime)[:-MAX_EXPORTS]:
        old.unlink(missing_ok=True)
    return str(path)


def build_app(service: ChatService) -> gr.Blocks:
    """The Gradio app over ``service``: an Ask tab, a Compare tab, an Index tab and the ``/ask``, ``/compare``
    and ``/documents`` API."""
    exports = Path(tempfile.mkdtemp(prefix="qa-compare-"))  # downloads, for Gradio to copy into its cache
    atexit.register(shutil.rmtree, exports, ignore_errors=True)

    def respond(question: str, turns: list[Turn], k: float, script: str, sources: list[str] | None = None, fresh: bool = False):
        turns = list(turns or [])
        history = [] if fresh else topic_history(turns)
        try:
            turns.append(Turn(question, answer=service.answer(question, int(k), sources, history), new_topic=fresh))
            question, fresh = "", False  # answered: clear the box
        except SHOWN as e:
            if not (question or "").strip():
                gr.Warning(str(e))  # nothing typed: no bubble, just the hint
                return question, turns, chat_messages(turns, script, service.expand), fresh, gr.skip()
            turns.append(Turn(question, error=str(e)))  # keep the text so it can be shortened
        saved = keep_download(exports, "conversation", ".md", conversation_markdown(turns))
        return question, turns, chat_messages(turns, script, service.expand), fresh, gr.DownloadButton(value=saved, interactive=True)

    def ask_example(turns: list[Turn], k: float, script: str, sources: list[str], fresh: bool, evt: gr.SelectData):
        return respond(evt.value["text"], turns, k, script, sources, fresh)

    def open_link(turns: list[Turn], k: float, script: str, request: gr.Request):
        """A link to a question (``?q=…``, optionally ``&sources=a.pdf,b.docx``, files or titles): asked on opening."""
        params = request.query_params if request else {}
        question = (params.get("q") or "").strip()
        if not question:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        names = [n.strip() for n in (params.get("sources") or "").split(",") if n.strip()]
        try:
            files = service.sources_named(names) if names else []
        except SHOWN as e:
            turns = list(turns or []) + [Turn(question, error=str(e))]
            return question, turns, chat_messages(turns, script, service.expand), False, gr.skip(), gr.skip()
        return *respond(question, turns, k, script, files, False), files

    def view_source(ref: str) -> dict:
        """The viewer's call (:data:`VIEWER_JS`): ``{"html": …}`` for a card's "查看原文", or ``{"error": …}``.

        ``ref`` names a paragraph of the index being served; only files its manifest lists are read.
        """
        try:
            return {"html": source_view_html(service.source_view(str(ref or "")))}
        except QAError as e:
            return {"error": str(e)}

    def ask(question: str, sources: list[str] | None = None, history: list[str] | None = None) -> dict:
        """Answer a question with quotes from the documents; the JSON of `qa ask --json`.

        Args:
            question: The question.
            sources: Only these documents, by file name or title; all when empty.
            history: The conversation's earlier questions, oldest first; a follow-up is read with them.
        """
        try:
            return service.answer(question, DEFAULT_K, sources, history).to_dict()
        except SHOWN as e:
            raise gr.Error(str(e)) from None

    def compare_respond(question: str, history: list[str], sources: list[str] | None, order: str, fresh: bool):
        """The Compare tab: the table, the heading, both downloads; a follow-up is read with the topic's earlier questions."""
        history = [] if fresh else list(history or [])
        try:
            comparison = service.compare(question, sources, history, order)
        except SHOWN as e:
            if (question or "").strip():
                return question, history, f'<p class="qa-error">⚠ {html.escape(str(e))}</p>', gr.skip(), gr.skip(), gr.skip(), fresh
            gr.Warning(str(e))
            return question, history, gr.skip(), gr.skip(), gr.skip(), gr.skip(), fresh
        csv_path, md_path = export(comparison, exports)
        return ("", history + [question], compare_heading(comparison), compare_view(comparison),
                gr.DownloadButton(value=csv_path, interactive=True), gr.DownloadButton(value=md_path, interactive=True), False)

    def compare(question: str, sources: list[str] | None = None, history: list[str] | None = None) -> dict:
        """Ask every document the question: one row per document, its answering sentence or "not mentioned";
        the JSON of `qa compare --json`.

        Args:
            question: The question.
            sources: Only these documents, by file name or title; all when empty.
            history: The earlier questions of the comparison, oldest first; a follow-up is read with them.
        """
        try:
            return service.compare(question, sources, history).to_dict()
        except SHOWN as e:
            raise gr.Error(str(e)) from None

    def documents() -> list[dict]:
        """The documents of the library: file, title, format, pages, paragraphs, when indexed, status."""
        return [d.to_dict() for d in service.documents()]

    def rebuild_and_wait(progress: gr.Progress, **job) -> str:
        thread = service.rebuild(**job)
        while thread.is_alive():
            st = service.state
            if st.stage == "embed" and st.total:
                progress((st.done, st.total), desc="Embedding", unit="texts")
            else:
                progress(None if st.stage != "write" else 0.99, desc=st.stage or "Rebuilding")
            thread.join(0.25)
        st = service.state
        return f"❌ {st.error}" if st.error else f"✅ {st.message}"

    def upload(files: list[str] | None, progress=gr.Progress(), replace: bool = False):
        lines, saved = [], 0
        for f in files or []:
            try:
                lines.append(f"✅ saved `{service.save_upload(f, replace=bool(replace))}`")
                saved += 1
            except (UploadError, OSError) as e:
                lines.append(f"❌ {html.escape(str(e))}")
            finally:
                Path(f).unlink(missing_ok=True)  # no copy left in Gradio's cache to be fetched later
        if not files:
            lines.append(f"Choose {', '.join(SUFFIXES)} files first.")
        if saved:
            lines.append(rebuild_and_wait(progress))
        return "\n\n".join(lines), *library_views(service), None

    def upload_replacing(files: list[str] | None, progress=gr.Progress()):
        return upload(files, progress, replace=True)

    def rebuild(progress=gr.Progress()):
        return rebuild_and_wait(progress), *library_views(service)

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return (row[1], row[0] if row[0] != "—" else "") if len(row) > 1 else ("", "")

    def retitle(file: str, title: str, progress=gr.Progress()):
        """The Index tab's "改标题 Set title": kept in the data folder's titles.json, applied by a rebuild."""
        if not file:
            return "Choose a document in the table first.", *library_views(service)
        try:
            service.set_title(file, title)  # starts the rebuild, which rebuild_and_wait then follows
        except (SourceError, QueryError) as e:
            return f"❌ {html.escape(str(e))}", *library_views(service)
        return rebuild_and_wait(progress), *library_views(service)

    def delete(file: str, progress=gr.Progress()):
        if not file:
            return "Choose a document in the table first.", *library_views(service), ""
        return rebuild_and_wait(progress, remove=file), *library_views(service), ""

    def reindex(file: str, progress=gr.Progress()):
        if not file:
            return "Choose a document in the table first.", *library_views(service), file
        return rebuild_and_wait(progress, refresh=(file,)), *library_views(service), file

    with gr.Blocks(title="规划问答 · Plan QA", analytics_enabled=False, delete_cache=DELETE_CACHE) as demo:
        gr.Markdown(
            "## 规划问答 · Ask the plans and reports\n"
            "Answers are quoted verbatim from the documents; the answering sentence is highlighted. "
            "回答均为文件原文引用，高亮句为答案所在。"
        )
        turns = gr.State([])
        with gr.Tab("问答 Ask"):
            chatbot = gr.Chatbot(
                show_label=False,
                height=560,
                examples=[{"text": q} for q in EXAMPLES],
                placeholder="问一个关于规划的问题 · Ask a question about the plan",
                latex_delimiters=[],  # "$" in the source text is text, not math
                feedback_options=None,
                buttons=["copy", "copy_all"],  # no "share" to an outside service
                elem_id="qa-chat",
            )
            with gr.Row():
                box = gr.Textbox(
                    placeholder="例如：外贸进出口总额的目标是多少？", show_label=False, scale=8, submit_btn=False,
                    elem_id="qa-question",
                )
                send = gr.Button("提问 Ask", variant="primary", scale=1, elem_id="qa-send")
            with gr.Row():
                script = gr.Radio(
                    [(label, value) for value, (label, _) in SCRIPTS.items()], value="original",
                    label="引文字体 Script of quotes", elem_id="qa-script",
                )
                k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="引文数 Quotes (k)", elem_id="qa-k")
                new_topic = gr.Button("新话题 New topic", scale=0, elem_id="qa-new-topic")
                clear = gr.Button("清空 Clear", scale=0)
                saved = gr.DownloadButton("导出 Export", interactive=False, scale=0, elem_id="qa-export")
            search_in = gr.Dropdown(
                choices=search_choices(service), value=[], multiselect=True,
                label="搜索范围 Search in (all documents when empty)", elem_id="qa-search-in",
            )
            # Empty: it carries the viewer's script and the server function "查看原文" calls.
            gr.HTML("", js_on_load=VIEWER_JS, server_functions=[view_source], elem_id="qa-viewer")
            fresh = gr.State(False)  # the next question starts a new topic
            ask_args = dict(concurrency_id="answer", api_visibility="private")
            asked = [box, turns, chatbot, fresh, saved]
            for trigger in (box.submit, send.click):
                trigger(respond, [box, turns, k, script, search_in, fresh], asked, js=LINK_JS, **ask_args)
            chatbot.example_select(ask_example, [turns, k, script, search_in, fresh], asked, **ask_args)
            script.change(lambda t, s: chat_messages(t, s, service.expand), [turns, script], chatbot, api_visibility="private", queue=False)
            new_topic.click(lambda: True, None, fresh, api_visibility="private", queue=False)
            clear.click(lambda: ([], [], False, gr.DownloadButton(value=None, interactive=False)), None, [turns, chatbot, fresh, saved],
                        api_visibility="private", queue=False)
        with gr.Tab("逐篇对比 Compare", elem_id="qa-compare-tab"):
            gr.Markdown("每篇文件一行：回答句、所在标题与页码；未涉及的文件标为「未提及」。"
                        "One row per document: its answering sentence, where it stands, or \"not mentioned\".")
            with gr.Row():
                cbox = gr.Textbox(
                    placeholder="例如：各省今年的地区生产总值增长目标是多少？", show_label=False, scale=8, submit_btn=False,
                    elem_id="qa-compare-question",
                )
                csend = gr.Button("对比 Compare", variant="primary", scale=1, elem_id="qa-compare-send")
            with gr.Row():
                corder = gr.Radio([("文库顺序 Library order", "library"), ("按相关度 By score", "score")], value="library",
                                  label="排序 Order", elem_id="qa-compare-order")
                cnew = gr.Button("新话题 New topic", scale=0, elem_id="qa-compare-new")
            compare_in = gr.Dropdown(
                choices=search_choices(service), value=[], multiselect=True,
                label="对比范围 Compare (all documents when empty)", elem_id="qa-compare-in",
            )
            chead = gr.Markdown(elem_id="qa-compare-head")
            ctable = gr.Dataframe(
                headers=COMPARE_COLUMNS, datatype=["str", "html", "str", "str", "number"], interactive=False, wrap=True,
                column_widths=["15%", "46%", "22%", "10%", "7%"], max_height=800,
                label="逐篇对比 Comparison (⋮ on a column sorts it)", elem_id="qa-compare-table",
            )
            with gr.Row():
                csv_out = gr.DownloadButton("下载 CSV Download CSV", interactive=False, elem_id="qa-compare-csv")
                md_out = gr.DownloadButton("下载 Markdown Download Markdown", interactive=False, elem_id="qa-compare-md")
            chistory = gr.State([])  # the questions of this comparison topic, for follow-ups
            cfresh = gr.State(False)
            compare_args = dict(concurrency_id="answer", api_visibility="private")
            for trigger in (cbox.submit, csend.click):
                trigger(compare_respond, [cbox, chistory, compare_in, corder, cfresh],
                        [cbox, chistory, chead, ctable, csv_out, md_out, cfresh], **compare_args)
            cnew.click(lambda: True, None, cfresh, api_visibility="private", queue=False)
        with gr.Tab("索引 Index"):
            info = gr.Markdown(index_info(service), elem_id="qa-index-info")
            table = gr.Dataframe(
                documents_table(service.documents()), headers=DOCUMENT_COLUMNS, interactive=False, wrap=True,
                label="文档 Documents (click a row to choose it)", elem_id="qa-docs",
            )
            with gr.Row():
                chosen = gr.Textbox(label="已选 Chosen", interactive=False, scale=4, elem_id="qa-chosen")
                reindex_btn = gr.Button("重新索引 Re-index", scale=1, elem_id="qa-reindex")
                delete_btn = gr.Button("删除 Delete", variant="stop", scale=1, elem_id="qa-delete")
            with gr.Row():
                title_box = gr.Textbox(label="标题 Title (as citations name it; empty: the document's own)", scale=4,
                                       elem_id="qa-title")
                title_btn = gr.Button("改标题 Set title", scale=1, elem_id="qa-set-title")
            files = gr.File(
                label="Add documents: " + ", ".join(f"{s} up to {n // 2**20} MB" for s, n in MAX_BYTES.items())
                + " (text in UTF-8, GB18030, Big5 or UTF-16)",
                file_count="multiple", file_types=list(SUFFIXES), type="filepath", elem_id="qa-upload",
            )
            with gr.Row():
                up = gr.Button("上传并重建 Upload and rebuild", variant="primary")
                up_replace = gr.Button("替换同名并重建 Upload, replacing same names", elem_id="qa-upload-replace")
                rb = gr.Button("重建 Rebuild")
                refresh = gr.Button("刷新 Refresh")
            result = gr.Markdown(elem_id="qa-index-result")
            index_args = dict(concurrency_id="index", concurrency_limit=1)
            views = [info, table]
            # After any change to the library, "search in" offers what is in it now.
            update = dict(fn=lambda keep, keep_compared: (search_update(service, keep), search_update(service, keep_compared)),
                          inputs=[search_in, compare_in], outputs=[search_in, compare_in], api_visibility="private", queue=False)
            up.click(upload, files, [result, *views, files], api_name="upload", api_visibility="undocumented",
                     **index_args).then(**update)
            up_replace.click(upload_replacing, files, [result, *views, files], api_name="upload_replace",
                             api_visibility="undocumented", **index_args).then(**update)
            rb.click(rebuild, None, [result, *views], api_name="rebuild", api_visibility="undocumented",
                     **index_args).then(**update)
            table.select(pick, None, [chosen, title_box], api_visibility="private", queue=False)
            title_btn.click(retitle, [chosen, title_box], [result, *views], api_visibility="private", **index_args).then(**update)
            delete_btn.click(delete, chosen, [result, *views, chosen], api_visibility="private", **index_args).then(**update)
            reindex_btn.click(reindex, chosen, [result, *views, chosen], api_visibility="private", **index_args).then(**update)
            refresh.click(lambda: library_views(service), None, views, api_visibility="private", queue=False).then(**update)
        gr.api(ask, api_name="ask", concurrency_id="answer")
        gr.api(compare, api_name="compare", concurrency_id="answer")
        gr.api(documents, api_name="documents")
        demo.load(lambda: library_views(service), None, views, api_visibility="private", queue=False).then(**update)
        demo.load(open_link, [turns, k, script], [*asked, search_in], api_visibility="private", concurrency_id="answer")
    return demo


def web_auth() -> tuple[str, str] | None:
    """The (user, password) Gradio asks for, from :data:`USER_ENV` and :data:`PASSWORD_ENV`; None when no
    password is set (no login)."""
    password = os.environ.get(PASSWORD_ENV, "")
    return (os.environ.get(USER_ENV, "").strip() or DEFAULT_USER, password) if password else None


def launch(
    demo: gr.Blocks,
    service: ChatService,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    block: bool = True,
    max_size: int = QUEUE_MAX_SIZE,
    concurrency: int = CONCURRENCY,
) -> gr.Blocks:
    """Start the server with the hardening settings.

    Args:
        demo: From :func:`build_app`.
        service: The same service, whose folders are blocked from file serving.
        host: Address to bind; the default is loopback only.
        port: Port.
        block: Serve until interrupted; False returns once the server is up (tests).
        max_size: Queue bound; further requests get "Queue is full".
        concurrency: Questions answered at once.

    The password is read from the environment (:data:`PASSWORD_ENV`, :func:`web_auth`).
    """
    demo.queue(max_size=max_size, default_concurrency_limit=concurrency)
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=web_auth(),
        prevent_thread_lock=not block,
        show_error=False,  # unexpected errors stay in the log; our own messages use gr.Error
        allowed_paths=[],
        # The sources and the index are never served as files, whatever path is asked for.
        blocked_paths=[str(service.data_dir.resolve()), str(service.index_dir.resolve())] + service.location.files(),
        max_file_size=MAX_FILE_BYTES,  # Gradio's upload route refuses larger posts (413) before any reader runs
        ssr_mode=False,  # no Node.js server process
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        theme=gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]),  # no web fonts fetched
        css=CSS,
        footer_links=["api"],
    )
    return demo


def serve(
    data_dir: str | os.PathLike = "data",
    index_dir: "str | os.PathLike | Location" = "index",
    model: "str | Encoder | None" = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    backend: str | None = None,
    block: bool = True,
) -> gr.Blocks:
    """Build the index if needed, then serve the chat at ``http://host:port``.

    Raises:
        QAError: the index cannot be built or loaded, or the model cannot be loaded (the message says why).
    """
    import sys

    from .search import single_query_threads

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read at launch: nothing is reported home
    single_query_threads()
    service = ChatService(data_dir, index_dir, model, backend)
    with console_bar() as progress:
        summary = service.start(progress=progress)
    print(summary, file=sys.stderr)  # after the bar is closed, so it is not drawn again below
    return launch(build_app(service), service, host, port, block=block)
