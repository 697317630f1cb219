"""Each file read in a worker process, with a memory and a time limit.

The readers stand on libraries (python-docx, lxml, pdfium, RapidOCR) that a
hostile or broken file can drive into unbounded memory or time, or into a crash
in native code. Read in a worker process that the operating system bounds, such
a file costs its worker, never the build or the web server, and becomes that
file's :class:`~qa.errors.SourceError`, named like any other.

The worker is ``python -m qa.read.worker``, one per file: a fresh process
imports only the readers (0.1 s), not the caller's threads or model, and never
re-runs the caller's main script as multiprocessing's spawn and forkserver do.
It answers in JSON on its standard output.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from ..errors import ScanOnly, SourceError
from .document import Block, Document

log = logging.getLogger("qa.read")

#: Address space a reading worker may take for one file, above what it holds once its
#: readers' libraries are loaded. OCR of a page peaks near 1.4 GB of address space
#: (580 MB resident, measured); reading a Word, web or text file, under 100 MB.
READ_MEMORY = 2 * 2**30
#: Seconds to read one file, OCR aside: a real report reads in under a second,
#: and the bounds on a file's size and extent refuse the slow hostile ones in seconds.
READ_SECONDS = 60
#: The error kinds a worker may report, by name.
_ERRORS = {"SourceError": SourceError, "ScanOnly": ScanOnly}


def read_isolated(path: str | os.PathLike, name: str, *, ocr: bool = True) -> Document:
    """Read, decode and clean the file at ``path``, called ``name`` in the library, in a worker process.

    Gives what :func:`qa.read.parse_source` gives for the file's bytes; the warnings
    the reader logs are logged here.

    Args:
        path: The file.
        name: Its name in the data folder (its suffix picks the reader).
        ocr: As in :func:`qa.read.parse_source`.

    Raises:
        SourceError: what :func:`~qa.read.parse_source` raises, or the worker ran
            out of time or died; the message names the file.
    """
    from .pdf.ocr import OCR_SECONDS

    seconds = READ_SECONDS + (OCR_SECONDS if ocr and Path(name).suffix.lower() == ".pdf" else 0)
    package_root = str(Path(__file__).resolve().parents[2])  # qa importable as here, installed or not
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "qa.read.worker", os.fspath(path), name, "ocr" if ocr else "no-ocr", str(READ_MEMORY)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=seconds, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:  # run() has killed it
        raise SourceError(f"{name}: reading it took over {seconds} s and was stopped; split it or save it again") from None
    try:
        reply = json.loads(done.stdout)
    except ValueError:
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        log.debug("reading %s: %s", name, done.stderr.decode("utf-8", "replace"))
        raise SourceError(
            f"{name}: the reader stopped on it ({how}{': ' + last[0][:200] if last[0] else ''}); "
            "open it and save it again (or as another format)"
        ) from None
    for message in reply["warnings"]:
        log.warning("%s", message)
    if "error" in reply:
        raise _ERRORS.get(reply["kind"], SourceError)(reply["error"])
    d = reply["document"]
    return Document(d["source"], [Block(**b) for b in d["blocks"]], d["meta"], d["glosses_removed"])


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it holds now plus ``extra`` (Linux; elsewhere the time limit holds)."""
    try:
        import re
        import resource

        held = int(re.search(r"VmSize:\s*(\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (held + extra, held + extra))
    except (ImportError, AttributeError, ValueError, OSError):
        pass


def main(argv: list[str]) -> int:
    """The worker: read one file, print its Document (or its error) and the warnings as JSON."""
    path, name, ocr, memory = argv
    # The readers' libraries are loaded before the limit: it bounds what the file costs, not their code.
    import docx  # noqa: F401
    import lxml.html  # noqa: F401
    import pypdfium2  # noqa: F401

    from . import check_size, parse_source

    _limit_memory(int(memory))
    warnings: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    logging.getLogger("qa.read").addHandler(Keep(logging.WARNING))
    logging.getLogger("qa.read").setLevel(logging.WARNING)
    try:
        check_size(Path(path).stat().st_size, name)  # before reading it all
        doc = parse_source(Path(path).read_bytes(), name, ocr=ocr == "ocr")
        reply = {"document": dataclasses.asdict(doc), "warnings": warnings}
    except SourceError as e:
        reply = {"error": str(e), "kind": type(e).__name__, "warnings": warnings}
    except OSError as e:
        reply = {"error": f"{name}: cannot be read ({e.strerror or e})", "kind": "SourceError", "warnings": warnings}
    sys.stdout.write(json.dumps(reply, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
