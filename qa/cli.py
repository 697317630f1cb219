"""Stage 7: the ``qa`` command line: build, ask, eval, serve."""
from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from typing import Callable, Iterator

import click

from .answer import QueryError

#: Exit status for a bad question or bad arguments (click uses 2 for usage errors too).
EXIT_BAD_INPUT = 2


@contextmanager
def embedding_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A console progress bar over a build's embedding stage; yields the build's progress callback."""
    from tqdm import tqdm

    bar = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if stage == "embed":
            if bar is None:
                bar = tqdm(total=total, desc="Embedding", unit="text", file=sys.stderr, disable=total == 0)
            bar.n = done
            bar.refresh()

    try:
        yield progress
    finally:
        if bar is not None:
            bar.close()


def _fail(message: str, status: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


def _guard(func):
    """Turn the package's own errors into a clear message and an exit status."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .index import IndexError_
        from .model import ModelError

        try:
            return func(*args, **kwargs)
        except QueryError as e:
            _fail(str(e), EXIT_BAD_INPUT)
        except (IndexError_, ModelError) as e:
            _fail(str(e))

    return wrapper


@click.group()
@click.version_option(package_name="qa-plan")
@click.option("-v", "--verbose", is_flag=True, help="Show library log messages.")
def cli(verbose: bool) -> None:
    """Ask questions about a city development plan; answers are quotes from it."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


_data = click.option("--data", "data_dir", default="data", show_default=True, help="Folder of source texts.")
_index = click.option("--index", "index_dir", default="index", show_default=True, help="Index folder.")
_model = click.option("--model", default=None, help="sentence-transformers model name or path [default: bundled multilingual-e5-small].")


@cli.command()
@_data
@_index
@_model
@click.option("--force", is_flag=True, help="Rebuild even if nothing changed.")
@_guard
def build(data_dir: str, index_dir: str, model: str | None, force: bool) -> None:
    """Build or update the index of the data folder."""
    from .index import build_index

    with embedding_bar() as progress:
        report = build_index(data_dir, index_dir, model, force=force, progress=progress)
    for name, why in report.skipped.items():
        click.echo(f"Skipped {why}", err=True)
    click.echo(report.summary())


@cli.command()
@click.argument("question")
@click.option("-k", default=3, show_default=True, type=click.IntRange(1, 20), help="How many quotes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_index
@_model
@_guard
def ask(question: str, k: int, as_json: bool, index_dir: str, model: str | None) -> None:
    """Answer QUESTION with quotes from the plan."""
    from .answer import Retriever, check_question

    check_question(question)  # refuse a bad question before loading anything
    answer = Retriever(index_dir, model).answer(question, k=k)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(answer.markdown)


@cli.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_index
@_model
@click.option("--method", default="z", type=click.Choice(["z", "rrf", "dense", "keyword"]), show_default=True,
              help="Fusion; the others are baselines (no abstaining).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--details", is_flag=True, help="With --json: include each question's outcome.")
@_guard
def eval_(file: str, index_dir: str, model: str | None, method: str, as_json: bool, details: bool) -> None:
    """Run the labelled questions in FILE (JSONL) and print the figures."""
    from .answer import Retriever
    from .evaluate import evaluate, format_table, load_questions

    try:
        questions = load_questions(file)
    except ValueError as e:
        _fail(str(e), EXIT_BAD_INPUT)
    result = evaluate(Retriever(index_dir, model), questions, method=method)
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
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; 0.0.0.0 exposes it to the network.")
@click.option("--port", default=7860, show_default=True, type=int)
@_guard
def serve(data_dir: str, index_dir: str, model: str | None, host: str, port: int) -> None:
    """Start the web chat (builds the index first if needed)."""
    from .web import serve as run

    run(data_dir=data_dir, index_dir=index_dir, model=model, host=host, port=port)


def main() -> None:
    cli(prog_name="qa")


if __name__ == "__main__":
    main()
