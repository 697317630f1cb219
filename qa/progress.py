"""Progress of a build, reported the same way to the console and to the web page.

A build calls ``progress(stage, done, total)``; stages are ``"read"``, ``"embed"``, ``"write"`` and
``"terms"`` (the library's words embedded, :mod:`qa.terms`). The console draws a bar for the embedding
stage; the web app keeps a :class:`BuildState` that its Index tab reads.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

Progress = Callable[[str, int, int], None]


@dataclass
class BuildState:
    """What a background build is doing, for a page to show.

    Attributes:
        running: A build is under way.
        stage: Its current stage.
        done: Items of the stage done.
        total: Items of the stage in all.
        message: The last build's summary.
        error: Why the last build failed, if it did.
    """

    running: bool = False
    stage: str = ""
    done: int = 0
    total: int = 0
    message: str = ""
    error: str = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        """A :data:`Progress` callback that records where the build is."""
        self.stage, self.done, self.total = stage, done, total

    def describe(self) -> str:
        """One line on the build under way, e.g. ``embed 120/522``."""
        return f"{self.stage} {self.done}/{self.total}" if self.total else self.stage or "starting"


@contextmanager
def console_bar() -> Iterator[Progress]:
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
