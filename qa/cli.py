"""Stage 8: the ``qa`` command line: build, ask, compare, chat, ls, rm, title, eval, serve. It parses arguments and calls the API."""
from __future__ import annotations

import json
import logging
import sys

import click

from .errors import QAError, QueryError
from .progress import console_bar
from .embed import BACKENDS
from .search import METHODS
from .store import STORES

#: Exit status for a bad question or bad arguments (click uses 2 for usage errors too).
EXIT_BAD_INPUT = 2


def _fail(message: str, status: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


def _guard(func):
    """Turn the package's own errors into a clear message and an exit status."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except QueryError as e:
            _fail(str(e), EXIT_BAD_INPUT)
        except QAError as e:
            _fail(str(e))

    return wrapper


@click.group()
@click.version_option(package_name="qa-plan")
@click.option("-v", "--verbose", is_flag=True, help="Show library log messages.")
def cli(verbose: bool) -> None:
    """Ask questions about development plans and work reports; answers are quotes from them."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


_data = click.option("--data", "data_dir", default="data", show_default=True, help="Folder of source texts.")
_STORE_OPTIONS = (
    click.option("--index", "index_dir", default="index", show_default=True, help="Index folder."),
    click.option("--store", type=click.Choice(STORES), default=None,
                 help="Where the index lives [default: milvus when a URI is given, else faiss in --index]."),
    click.option("--uri", default=None, metavar="PATH_OR_URL",
                 help="Milvus: a Milvus Lite .db file or http://host:19530 [default: $QA_MILVUS_URI]; the token comes from $QA_MILVUS_TOKEN."),
    click.option("--collection", default=None, help="Milvus collection prefix [default: $QA_MILVUS_COLLECTION or qa]."),
)


def _index(func):
    """The index options (folder, store, Milvus URI and collection), given to the command as one ``index_dir``
    (:class:`qa.store.Location`)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, store: str | None, uri: str | None, collection: str | None, **kwargs):
        from .store import location

        try:
            kwargs["index_dir"] = location(kwargs["index_dir"], store, uri, collection)
        except ValueError as e:
            _fail(str(e), EXIT_BAD_INPUT)
        return func(*args, **kwargs)

    for option in reversed(_STORE_OPTIONS):
        wrapper = option(wrapper)
    return wrapper
_model = click.option("--model", default=None, help="sentence-transformers model name or path [default: bundled multilingual-e5-small].")
_backend = click.option(
    "--backend", default=None, type=click.Choice(BACKENDS),
    help="Run the model as int8 ONNX or fp32 torch [default: the index's; onnx for the bundled model].",
)


@cli.command()
@_data
@_index
@_model
@_backend
@click.option("--force", is_flag=True, help="Rebuild even if nothing changed.")
@_guard
def build(data_dir: str, index_dir: str, model: str | None, backend: str | None, force: bool) -> None:
    """Build or update the index of the data folder."""
    from .build import build_index
    from .library import recover_removals

    for rel in recover_removals(data_dir, index_dir):  # a `qa rm` that was killed half-way
        click.echo(f"Recovered the interrupted removal of {rel}", err=True)

    with console_bar() as progress:
        report = build_index(data_dir, index_dir, model, backend=backend, force=force, progress=progress)
    for name, why in report.skipped.items():
        click.echo(f"Skipped {why}", err=True)
    click.echo(report.summary())


def _open(data_dir: str, index_dir: str, model: str | None, backend: str | None):
    """The Retriever, after building the index first when it needs it (:func:`qa.startup.ensure_index`)."""
    from .search import single_query_threads
    from .startup import ensure_index

    with console_bar() as progress:
        retriever, _ = ensure_index(data_dir, index_dir, model, backend, progress=progress, say=lambda m: click.echo(m, err=True))
    single_query_threads()
    return retriever


@cli.command()
@click.argument("question")
@click.option("-k", default=3, show_default=True, type=click.IntRange(1, 20), help="How many quotes.")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Ask only this document (file name or title; repeat for more).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (each quote with its citation).")
@click.option("--cite", is_flag=True, help="After each quote, its citation: title, headings, page, the sentence.")
@_data
@_index
@_model
@_backend
@_guard
def ask(
    question: str, k: int, sources: tuple[str, ...], as_json: bool, cite: bool, data_dir: str, index_dir: str,
    model: str | None, backend: str | None,
) -> None:
    """Answer QUESTION with quotes from the documents (builds the index first if needed)."""
    from .question import check_question

    check_question(question)  # refuse a bad question before loading anything
    answer = _open(data_dir, index_dir, model, backend).answer(question, k=k, sources=list(sources) or None)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        _show(answer, cite)


def _show(answer, cite: bool = False) -> None:
    """An answer in colour on a terminal; as Markdown when piped; with ``cite``, each quote's citation after it."""
    from .render import to_markdown, to_terminal

    if sys.stdout.isatty() and not cite:
        from rich.console import Console

        Console(highlight=False).print(to_terminal(answer))
    else:
        click.echo(to_markdown(answer, cite=cite))


@cli.command()
@click.argument("question")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Compare only this document (file name or title; repeat for more).")
@click.option("--sort", "order", default="library", show_default=True, type=click.Choice(["library", "score"]),
              help="Rows in the library's order, or answers first, best first.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True), default=None, metavar="FILE",
              help="Also write the rows to FILE as CSV (UTF-8).")
@_data
@_index
@_model
@_backend
@_guard
def compare(
    question: str, sources: tuple[str, ...], order: str, as_json: bool, csv_file: str | None, data_dir: str,
    index_dir: str, model: str | None, backend: str | None,
) -> None:
    """Ask every document QUESTION: one row each, its answering sentence or "not mentioned"."""
    from pathlib import Path

    from .question import check_question
    from .render import compare_csv, compare_markdown, compare_terminal

    check_question(question)  # refuse a bad question before loading anything
    comparison = _open(data_dir, index_dir, model, backend).compare(question, sources=list(sources) or None, order=order)
    if csv_file:
        try:
            Path(csv_file).write_text(compare_csv(comparison), encoding="utf-8")
        except OSError as e:
            _fail(f"cannot write {csv_file}: {e.strerror or e}")
        click.echo(f"Wrote {len(comparison.rows)} rows to {csv_file}", err=True)
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2))
    elif sys.stdout.isatty():
        from rich.console import Console

        Console(highlight=False).print(compare_terminal(comparison))
    else:
        click.echo(compare_markdown(comparison))


@cli.command()
@click.option("-k", default=3, show_default=True, type=click.IntRange(1, 20), help="How many quotes.")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Ask only this document (file name or title; repeat for more).")
@_data
@_index
@_model
@_backend
@_guard
def chat(k: int, sources: tuple[str, ...], data_dir: str, index_dir: str, model: str | None, backend: str | None) -> None:
    """Ask questions in a conversation: follow-ups are read with the earlier questions.

    Type /new to start a new topic, /save FILE to write the conversation as Markdown (questions, how they
    were understood, quotes with citations) and /quit (or Ctrl-D) to leave; arrow keys edit the line and
    recall earlier questions.
    """
    from .errors import QueryError
    from .render import Turn, topic_history

    try:
        import readline  # noqa: F401  line editing and history for input(), where the platform has it
    except ImportError:
        pass
    retriever = _open(data_dir, index_dir, model, backend)
    click.echo("Ask about the documents. /new starts a new topic, /save FILE keeps the conversation, /quit leaves.", err=True)
    turns: list[Turn] = []
    fresh = False
    while True:
        try:
            question = input("? ").strip()
        except EOFError:
            break
        if question in ("/quit", "/exit", "/q"):
            break
        if question == "/new":
            fresh = True
            click.echo("(new topic)", err=True)
            continue
        if question == "/save" or question.startswith("/save "):
            _save(question[len("/save"):].strip(), turns)
            continue
        if not question:
            continue
        try:
            history = [] if fresh else topic_history(turns)
            answer = retriever.answer(question, k=k, sources=list(sources) or None, history=history)
        except QueryError as e:
            click.echo(f"Error: {e}", err=True)
            continue
        turns.append(Turn(question, answer=answer, new_topic=fresh))
        fresh = False
        _show(answer)
        click.echo()


def _save(file: str, turns) -> None:
    """``qa chat``'s /save FILE: the conversation as Markdown, written whole or not at all."""
    from pathlib import Path

    from .files import replace_atomic
    from .render import conversation_markdown

    if not file:
        click.echo("Say where: /save FILE (for example /save 对话.md)", err=True)
    elif not turns:
        click.echo("Nothing to save yet: ask a question first.", err=True)
    else:
        try:
            replace_atomic(Path(file).expanduser(), conversation_markdown(turns).encode("utf-8"))
            click.echo(f"Saved {len(turns)} question(s) to {file}", err=True)
        except OSError as e:
            click.echo(f"Error: cannot write {file}: {e.strerror or e}", err=True)


@cli.command(name="ls")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_data
@_index
@_guard
def ls(as_json: bool, data_dir: str, index_dir: str) -> None:
    """List the documents: title, format, pages, paragraphs, when indexed, status."""
    from .library import list_documents

    docs = list_documents(data_dir, index_dir)
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in docs], ensure_ascii=False, indent=2))
        return
    if not docs:
        click.echo(f"No documents in {data_dir}/; add PDF, Word, web pages or text files there.")
        return
    rows = [(d.title or "—", d.file, d.format, str(d.pages or ""), str(d.paragraphs or ""), d.indexed_at[:16].replace("T", " "),
             d.status + (f": {d.reason}" if d.reason else "")) for d in docs]
    head = ("Title", "File", "Format", "Pages", "Paragraphs", "Indexed", "Status")
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table()
        for name in head:  # wrapped, never cut: `qa rm` needs the whole file name
            table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    else:  # piped: one tab-separated line a document
        for row in [head, *rows]:
            click.echo("\t".join(row))


@cli.command()
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@_data
@_index
@_model
@_backend
@_guard
def rm(name: str, yes: bool, data_dir: str, index_dir: str, model: str | None, backend: str | None) -> None:
    """Delete document NAME (file name or title) from the data folder and the index."""
    from .library import find_document, recover_removals, remove_document

    recover_removals(data_dir, index_dir)  # a `qa rm` that was killed half-way, before looking the name up
    rel, exact = find_document(name, data_dir, index_dir)
    if not exact:
        click.echo(f"{name} is {rel}", err=True)
    if not (exact and yes):  # a title or a part of a name is always shown and asked about, -y too
        click.confirm(f"Delete {rel} from {data_dir}/ and from the index?", abort=True)
    with console_bar() as progress:
        report = remove_document(rel, data_dir, index_dir, model, backend=backend, progress=progress)
    click.echo(f"Removed {rel}. " + (report.summary() if report else "No documents are left; the index is empty."))


@cli.command(name="title")
@click.argument("name")
@click.argument("new_title", metavar="[TITLE]", required=False)
@click.option("--clear", is_flag=True, help="Forget the title set, back to the document's own.")
@_data
@_index
@_model
@_backend
@_guard
def title_(name: str, new_title: str | None, clear: bool, data_dir: str, index_dir: str, model: str | None, backend: str | None) -> None:
    """Show, set or clear the title of document NAME (file name, title or a unique part of one).

    Alone, it prints the title and where it came from. With TITLE it sets it, with --clear it goes back
    to the document's own; either is kept in DATA/titles.json (never lost on rebuild, wins over every
    other title) and the index is rebuilt.
    """
    from . import published
    from .build import build_index
    from .library import find_document, recover_removals
    from .titles import current_title, set_title

    if clear and new_title is not None:
        _fail("give a TITLE or --clear, not both", EXIT_BAD_INPUT)
    recover_removals(data_dir, index_dir)
    rel, exact = find_document(name, data_dir, index_dir)
    if not exact:
        click.echo(f"{name} is {rel}", err=True)
    if new_title is None and not clear:
        shown, source = current_title(rel, data_dir, index_dir)
        click.echo(f"{shown or '—'}\t({source})")
        return
    if new_title is not None and not new_title.strip():
        _fail("the title is empty; give one, or --clear to go back to the document's own", EXIT_BAD_INPUT)
    set_title(rel, None if clear else new_title, data_dir)
    if model is None and (manifest := published.manifest(index_dir)) is not None:
        model = manifest.model  # the rebuild keeps the index's own model, as `qa rm` does
    with console_bar() as progress:
        report = build_index(data_dir, index_dir, model, backend=backend, progress=progress)
    shown, source = current_title(rel, data_dir, index_dir)
    click.echo(f"{rel}: {shown or '—'} ({source}). {report.summary()}")


@cli.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_index
@_model
@_backend
@click.option("--method", default="z", type=click.Choice(METHODS), show_default=True,
              help="Fusion; the others are baselines (no abstaining).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--details", is_flag=True, help="With --json: include each question's outcome.")
@_guard
def eval_(
    file: str, index_dir: str, model: str | None, backend: str | None, method: str, as_json: bool, details: bool
) -> None:
    """Run the labelled questions in FILE (JSONL) and print the figures."""
    from .answer import Retriever
    from .evaluate import evaluate, format_table, load_questions
    from .search import Fusion, single_query_threads

    try:
        questions = load_questions(file)
    except ValueError as e:
        _fail(str(e), EXIT_BAD_INPUT)
    single_query_threads()
    result = evaluate(Retriever(index_dir, model, backend=backend), questions, fusion=None if method == "z" else Fusion(method=method))
    if not details:
        result.pop("details")
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        result.pop("details", None)
        click.echo(format_table(result))


@cli.command()
@_data
@_index
@_model
@_backend
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; 0.0.0.0 exposes it to the network.")
@click.option("--port", default=7860, show_default=True, type=int)
@_guard
def serve(data_dir: str, index_dir: str, model: str | None, backend: str | None, host: str, port: int) -> None:
    """Start the web chat (builds the index first if needed)."""
    from .web import serve as run

    run(data_dir=data_dir, index_dir=index_dir, model=model, host=host, port=port, backend=backend)


def main() -> None:
    cli(prog_name="qa")


if __name__ == "__main__":
    main()
