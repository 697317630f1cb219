"""Stage 8: the web chat (Gradio).

``qa serve`` and ``python app.py`` start it. Replies are the same quotes as
``qa ask``, rendered as HTML: per section its title, file and score, and the
paragraph with its answering sentences in ``<mark>``. An "Index" tab shows
what is indexed and takes new source files; the rebuild runs in a background
thread while questions are still answered from the index already in memory.

The app serves only its own assets: no share link, no flagging, no
analytics, the data and index folders blocked from ``/gradio_api/file=``.
"""
from __future__ import annotations

import html
import logging
import os
import re
import threading
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

# Gradio reads this when it is imported; set first so nothing is reported home.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402  (after the environment is set)

from .answer import MAX_K, NOT_FOUND_EN, NOT_FOUND_ZH, Answer, QueryError, Retriever, mark, question_group  # noqa: E402
from .embed import name_of  # noqa: E402
from .index import IndexCorrupt, build_index, index_status  # noqa: E402
from .text import MAX_FILE_BYTES, SUFFIXES, SourceError, check_size, converter, parse_source  # noqa: E402

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

#: Requests waiting in the queue, at most; more get a "queue is full" reply.
QUEUE_MAX_SIZE = 64
#: Questions answered at the same time (the model is CPU-bound).
CONCURRENCY = 4
#: Quotes per reply unless the user picks another number.
DEFAULT_K = 3

EXAMPLES = [
    "外贸进出口总额的目标是多少？",
    "敦化的医药产业集群是什么级别的？",
    "What is the plan for the pumped-storage power station?",
]

#: Display scripts for quotes: value -> (label, OpenCC config or None).
SCRIPTS = {"original": ("原文", None), "hans": ("简体", "t2s"), "hant": ("繁體", "s2t")}

# Private-use characters stand in for the <mark> tags while the script is
# converted, so that highlights stay on the same characters even where OpenCC
# changes a text's length. Any already in the source are shown as U+FFFD.
_OPEN, _CLOSE = "\ue000", "\ue001"
_NO_SENTINELS = str.maketrans({_OPEN: "\ufffd", _CLOSE: "\ufffd"})

CSS = """
.qa-hit { margin: 0 0 1em 0; }
.qa-head { font-size: 0.95em; margin-bottom: 0.3em; }
.qa-src { color: var(--body-text-color-subdued); font-family: var(--font-mono); font-size: 0.85em; }
.qa-score { color: var(--body-text-color-subdued); font-size: 0.85em; white-space: nowrap; }
.qa-quote { border-left: 3px solid var(--color-accent); margin: 0; padding: 0.2em 0 0.2em 0.8em; line-height: 1.7; }
.qa-quote mark { background: #ffe58a; color: inherit; padding: 0 0.1em; border-radius: 2px; }
.qa-none { font-weight: 600; }
.qa-error { color: var(--error-text-color); }
"""


# ------------------------------------------------------------------ rendering

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


def render_answer(answer: Answer, script: str = "original") -> str:
    """One reply as HTML: a quote per hit, or the plain "not found" and related reading.

    The result is one line with no blank lines, so the chat's Markdown
    renderer passes it through as a single HTML block.
    """
    esc = html.escape
    if answer.abstained or not answer.hits:
        zh = question_group(answer.question) == "zh"  # the same choice as `qa ask`
        parts = [f'<p class="qa-none">{esc(NOT_FOUND_ZH if zh else NOT_FOUND_EN)}</p>']
        if answer.related:
            head = "相关章节（仅供参考，并非答案）：" if zh else "Related sections (further reading, not an answer):"
            items = "".join(
                f'<li>{esc(convert_script(h.section, script))} <span class="qa-src">{esc(h.source)}</span></li>'
                for h in answer.related
            )
            parts.append(f"<p>{esc(head)}</p><ul>{items}</ul>")
        return "".join(parts)
    parts = []
    for i, h in enumerate(answer.hits, 1):
        parts.append(
            '<div class="qa-hit"><div class="qa-head">'
            f'<b>{i}. {esc(convert_script(h.section, script))}</b> · <span class="qa-src">{esc(h.source)}</span>'
            f' · <span class="qa-score" title="relevance score">相关度 {h.score:.2f}</span></div>'
            f'<blockquote class="qa-quote">{quote_html(h.text, h.highlights, script)}</blockquote></div>'
        )
    return "".join(parts)


@dataclass
class Turn:
    """A question and what answered it: an Answer, or the reason it was refused."""

    question: str
    answer: Answer | None = None
    error: str = ""


def render_history(turns: list[Turn], script: str = "original") -> list[dict]:
    """The chat as Gradio messages; rendered afresh so the script toggle applies to all."""
    messages = []
    for t in turns:
        shown = t.question if len(t.question) <= 200 else t.question[:200] + "…"
        messages.append({"role": "user", "content": html.escape(shown)})
        if t.answer is not None:
            content = render_answer(t.answer, script)
        else:
            content = f'<p class="qa-error">⚠ {html.escape(t.error)}</p>'
        messages.append({"role": "assistant", "content": content})
    return messages


# ------------------------------------------------------------------ uploads

class UploadError(ValueError):
    """An uploaded file that cannot be added; the message says why."""


_UNSAFE = re.compile(r"[^\w\-.]+")  # \w is Unicode-aware: Chinese names stay readable


def safe_name(name: str) -> str:
    """A plain file name for ``name``: no folders, no hidden files, only .txt/.md.

    Raises:
        UploadError: the extension is not allowed or nothing usable is left.
    """
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUFFIXES:
        raise UploadError(f"{name}: only {' and '.join(SUFFIXES)} files can be indexed")
    stem = _UNSAFE.sub("_", stem).strip("._-")[:100]
    if not stem:
        raise UploadError(f"{name}: not a usable file name; rename it")
    return stem + suffix


# ------------------------------------------------------------------ service

@dataclass
class BuildState:
    """What the background build is doing, for the Index tab."""

    running: bool = False
    stage: str = ""
    done: int = 0
    total: int = 0
    message: str = ""
    error: str = ""


class ChatService:
    """The index in memory, questions answered from it, and rebuilds.

    Args:
        data_dir: Folder of source texts; uploads are saved here.
        index_dir: Index folder.
        model: Model name, path or loaded model; None uses the index's model
            (or the default when there is no index yet).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike = "data",
        index_dir: str | os.PathLike = "index",
        model: "str | SentenceTransformer | None" = None,
    ):
        self.data_dir = Path(data_dir)
        self.index_dir = Path(index_dir)
        self._model = model
        self.retriever: Retriever | None = None
        self.state = BuildState()
        self._lock = threading.Lock()  # guards state and the build thread
        self._thread: threading.Thread | None = None

    # -- startup

    def start(self, progress: Callable[[str, int, int], None] | None = None) -> str:
        """Build the index if it is missing or stale, then load it.

        Returns:
            What was done, for the console.
        """
        status = index_status(self.data_dir, self.index_dir, name_of(self._model))
        summary = f"Index is {status}"
        if status != "ok":
            summary = build_index(self.data_dir, self.index_dir, self._model, progress=progress).summary()
        try:
            self.retriever = Retriever(self.index_dir, self._model)
        except IndexCorrupt as e:  # a damaged file: rebuild from the sources once
            log.warning("%s; rebuilding", e)
            summary = build_index(self.data_dir, self.index_dir, self._model, force=True, progress=progress).summary()
            self.retriever = Retriever(self.index_dir, self._model)
        return summary

    # -- questions

    def answer(self, question: str, k: int = DEFAULT_K) -> Answer:
        """Answer from the retriever in memory (the old one while a rebuild runs).

        Raises:
            QueryError: empty or over-long question, or ``k`` out of range.
        """
        retriever = self.retriever  # one read: a swap mid-question cannot mix indexes
        if retriever is None:
            raise QueryError("the index is not loaded yet; try again in a moment")
        return retriever.answer(question, k=k)

    # -- index

    def manifest(self) -> dict | None:
        """The manifest of the index being served."""
        return self.retriever.index.manifest if self.retriever else None

    def save_upload(self, path: str | os.PathLike, name: str | None = None) -> str:
        """Check an uploaded file and save it into the data folder.

        Args:
            path: Where the upload is now (Gradio's cache).
            name: The name the user gave it; defaults to ``path``'s name.

        Returns:
            The name it was saved under.

        Raises:
            UploadError: bad name or extension, too large, empty, binary or
                in no supported encoding.
        """
        path = Path(path)
        target = safe_name(name or path.name)
        try:
            check_size(path.stat().st_size, target)
            data = path.read_bytes()
            parse_source(data, target)  # the checks a build makes, before the file is kept
        except SourceError as e:
            raise UploadError(str(e)) from None
        dest = (self.data_dir / target).resolve()
        if dest.parent != self.data_dir.resolve():  # belt and braces against traversal
            raise UploadError(f"{name}: not a usable file name; rename it")
        # Write under a hidden name, then rename: the build never reads half a file.
        tmp = self.data_dir / f".upload-{uuid.uuid4().hex}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, dest)
        return target

    def rebuild(self) -> threading.Thread:
        """Start a rebuild in a background thread, or return the one running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self._thread
            self.state = BuildState(running=True, stage="start", message="Rebuilding…")
            self._thread = threading.Thread(target=self._rebuild, name="qa-rebuild", daemon=True)
            self._thread.start()
            return self._thread

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.state.stage, self.state.done, self.state.total = stage, done, total

    def _rebuild(self) -> None:
        model = self.retriever.model if self.retriever else self._model  # already loaded: no second copy
        name = name_of(model)
        try:
            # A file saved while a build reads the folder would be missed: build again until current.
            changed = False
            for _ in range(3):
                report = build_index(self.data_dir, self.index_dir, model, progress=self._progress)
                changed |= not report.up_to_date
                if index_status(self.data_dir, self.index_dir, name) == "ok":
                    break
            if changed or self.retriever is None:
                self.retriever = Retriever(self.index_dir, model)  # verified before it replaces the old one
            message = report.summary()
            if report.skipped:
                message += "\n\nSkipped:\n" + "\n".join(f"- {why}" for why in report.skipped.values())
            self.state.message, self.state.error = message, ""
        except Exception as e:  # any failure: keep answering from the last good index
            log.exception("rebuild failed")
            self.state.error = f"The rebuild failed, still serving the previous index: {e}"
            self.state.message = ""
        finally:
            self.state.running = False


def index_info(service: ChatService) -> str:
    """What is indexed, as Markdown, from the manifest of the index in memory."""
    m = service.manifest()
    if m is None:
        return "No index loaded."
    c = m["counts"]
    lines = [
        f"**Model** `{m['model']['name']}` (dim {m['model']['dim']}) · **built** {m.get('built_at', '?')} · "
        f"**version** `{service.retriever.index.path.name}`",
        "",
        f"{c['files']} files · {c['sections']} sections · {c['sentences']} sentences · {c['units']} matched units",
        "",
        "| File | Sections | Encoding |",
        "|---|---:|---|",
    ]
    for name, src in sorted(m["sources"].items()):
        lines.append(f"| `{name}` | {src['sections']} | {src.get('meta', {}).get('encoding', '')} |")
    if m.get("skipped"):
        lines += ["", "**Not indexed:**"] + [f"- `{n}`: {html.escape(why)}" for n, why in sorted(m["skipped"].items())]
    st = service.state
    if st.running:
        lines += ["", f"⏳ Rebuilding ({st.stage} {st.done}/{st.total}); questions are answered from this index meanwhile."]
    elif st.error:
        lines += ["", f"❌ {html.escape(st.error)}"]
    return "\n".join(lines)


# ------------------------------------------------------------------ app

def build_app(service: ChatService) -> gr.Blocks:
    """The Gradio app over ``service``: an Ask tab, an Index tab and the ``/ask`` API."""

    def respond(question: str, turns: list[Turn], k: float, script: str):
        turns = list(turns or [])
        try:
            turns.append(Turn(question, answer=service.answer(question, int(k))))
            question = ""  # answered: clear the box
        except QueryError as e:
            if not (question or "").strip():
                gr.Warning(str(e))  # nothing typed: no bubble, just the hint
                return question, turns, render_history(turns, script)
            turns.append(Turn(question, error=str(e)))  # keep the text so it can be shortened
        return question, turns, render_history(turns, script)

    def ask_example(turns: list[Turn], k: float, script: str, evt: gr.SelectData):
        return respond(evt.value["text"], turns, k, script)

    def ask(question: str) -> dict:
        """Answer a question with quotes from the plan; the JSON of `qa ask --json`."""
        try:
            return service.answer(question, DEFAULT_K).to_dict()
        except QueryError as e:
            raise gr.Error(str(e)) from None

    def rebuild_and_wait(progress: gr.Progress) -> str:
        thread = service.rebuild()
        while thread.is_alive():
            st = service.state
            if st.stage == "embed" and st.total:
                progress((st.done, st.total), desc="Embedding", unit="texts")
            else:
                progress(None if st.stage != "write" else 0.99, desc=st.stage or "Rebuilding")
            thread.join(0.25)
        st = service.state
        return f"❌ {st.error}" if st.error else f"✅ {st.message}"

    def upload(files: list[str] | None, progress=gr.Progress()):
        lines, saved = [], 0
        for f in files or []:
            try:
                lines.append(f"✅ saved `{service.save_upload(f)}`")
                saved += 1
            except (UploadError, OSError) as e:
                lines.append(f"❌ {html.escape(str(e))}")
            finally:
                Path(f).unlink(missing_ok=True)  # no copy left in Gradio's cache to be fetched later
        if not files:
            lines.append("Choose .txt or .md files first.")
        if saved:
            lines.append(rebuild_and_wait(progress))
        return "\n\n".join(lines), index_info(service), None

    def rebuild(progress=gr.Progress()):
        return rebuild_and_wait(progress), index_info(service)

    with gr.Blocks(title="规划问答 · Plan QA", analytics_enabled=False) as demo:
        gr.Markdown(
            "## 规划问答 · Ask the development plan\n"
            "Answers are quoted verbatim from the plan; the answering sentence is highlighted. "
            "回答均为规划原文引用，高亮句为答案所在。"
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
                clear = gr.Button("清空 Clear", scale=0)
            ask_args = dict(concurrency_id="answer", api_visibility="private")
            for trigger in (box.submit, send.click):
                trigger(respond, [box, turns, k, script], [box, turns, chatbot], **ask_args)
            chatbot.example_select(ask_example, [turns, k, script], [box, turns, chatbot], **ask_args)
            script.change(render_history, [turns, script], chatbot, api_visibility="private", queue=False)
            clear.click(lambda: ([], []), None, [turns, chatbot], api_visibility="private", queue=False)
        with gr.Tab("索引 Index"):
            info = gr.Markdown(index_info(service), elem_id="qa-index-info")
            files = gr.File(
                label=f"Add sources: .txt or .md, up to {MAX_FILE_BYTES // 2**20} MB each (UTF-8, GB18030, Big5, UTF-16)",
                file_count="multiple", file_types=list(SUFFIXES), type="filepath",
            )
            with gr.Row():
                up = gr.Button("上传并重建 Upload and rebuild", variant="primary")
                rb = gr.Button("重建 Rebuild")
                refresh = gr.Button("刷新 Refresh")
            result = gr.Markdown(elem_id="qa-index-result")
            index_args = dict(concurrency_id="index", concurrency_limit=1)
            up.click(upload, files, [result, info, files], api_name="upload", api_visibility="undocumented", **index_args)
            rb.click(rebuild, None, [result, info], api_name="rebuild", api_visibility="undocumented", **index_args)
            refresh.click(lambda: index_info(service), None, info, api_visibility="private", queue=False)
        gr.api(ask, api_name="ask", concurrency_id="answer")
        demo.load(lambda: index_info(service), None, info, api_visibility="private", queue=False)
    return demo


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
    """
    demo.queue(max_size=max_size, default_concurrency_limit=concurrency)
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=not block,
        show_error=False,  # unexpected errors stay in the log; our own messages use gr.Error
        allowed_paths=[],
        # The sources and the index are never served as files, whatever path is asked for.
        blocked_paths=[str(service.data_dir.resolve()), str(service.index_dir.resolve())],
        max_file_size=MAX_FILE_BYTES,
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
    index_dir: str | os.PathLike = "index",
    model: "str | SentenceTransformer | None" = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    block: bool = True,
) -> gr.Blocks:
    """Build the index if needed, then serve the chat at ``http://host:port``.

    Raises:
        IndexError_: the index cannot be built or loaded (the message says why).
        ModelError: the model cannot be loaded.
    """
    import sys

    from .cli import embedding_bar

    service = ChatService(data_dir, index_dir, model)
    with embedding_bar() as progress:
        summary = service.start(progress=progress)
    print(summary, file=sys.stderr)  # after the bar is closed, so it is not drawn again below
    return launch(build_app(service), service, host, port, block=block)
