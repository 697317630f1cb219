"""Scanned PDF pages: OCR into lines, by RapidOCR where it is installed.

rapidocr-onnxruntime is optional (the ``qa-plan[ocr]`` extra); without it
scanned pages are reported, not read.
"""
from __future__ import annotations

import functools
import math
import statistics
import time

from ...errors import SourceError
from .chars import open_pdfium
from .layout import Line, blocks_from_lines, drop_furniture

# Resolution pages are rendered at for OCR: 150 dpi reads 14 pt Chinese
# reliably (measured when the reader was chosen) at a quarter of the pixels of 300 dpi.
_OCR_DPI = 150
#: Scanned pages read by OCR per file. At 1-2 s a page on two cores, 100 pages are a
#: few minutes of a rebuild; 3,000 blank pages (under 1 MB) took 30-70 minutes unbounded.
MAX_OCR_PAGES = 100
#: Pixels one page is rendered to for OCR: an A4 page at 150 dpi is 2.2 million. A larger
#: page is rendered at a lower resolution instead (a 14,400 pt page at 150 dpi is 10 GB of
#: pixels). RapidOCR's memory follows the pixels: a 2,000 px square took 880 MB, this bound
#: 570 MB; and an A4 scan read at half these pixels gave the same text (measured on tests/fixtures/mixed.pdf).
MAX_OCR_PIXELS = 2_500_000
#: Seconds of OCR per file, checked between pages; the reading worker's own time limit
#: (:data:`qa.read.worker.READ_SECONDS`) stops a single page that runs away.
OCR_SECONDS = 300


def check_ocr_pages(pages: list[int], name: str) -> None:
    """Raise :class:`SourceError` if a file has more scanned pages than OCR reads (:data:`MAX_OCR_PAGES`)."""
    if len(pages) > MAX_OCR_PAGES:
        raise SourceError(
            f"{name}: {len(pages):,} pages are scans without text, over the {MAX_OCR_PAGES} read by OCR per file; "
            "split it, or index a PDF with a text layer"
        )


def ocr_scale(width: float, height: float) -> float:
    """Pixels per point to render a page of ``width`` × ``height`` points at: 150 dpi, or less
    so that the image holds at most :data:`MAX_OCR_PIXELS`."""
    scale = _OCR_DPI / 72
    area = max(width, 1.0) * max(height, 1.0)
    return min(scale, math.sqrt(MAX_OCR_PIXELS / area))


def ocr_available() -> bool:
    """Whether the optional OCR package (rapidocr-onnxruntime) is installed."""
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@functools.lru_cache(maxsize=1)
def _ocr_engine():
    """The RapidOCR engine, built once (loading its models takes seconds)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def ocr_lines(data: bytes, name: str, pages: list[int]) -> dict[int, list[Line]]:
    """OCR the given 1-based pages into lines with positions in points.

    Raises:
        SourceError: more pages than :data:`MAX_OCR_PAGES`, or OCR past :data:`OCR_SECONDS`.
    """
    import numpy as np

    check_ocr_pages(pages, name)
    engine = _ocr_engine()
    started = time.monotonic()
    pdf = open_pdfium(data, name)
    out: dict[int, list[Line]] = {}
    try:
        for done, number in enumerate(pages):
            if not 1 <= number <= len(pdf):
                continue
            if time.monotonic() - started > OCR_SECONDS:
                raise SourceError(
                    f"{name}: OCR of its {len(pages)} scanned pages took over {OCR_SECONDS} s ({done} read); "
                    "split it, or index a PDF with a text layer"
                )
            page = pdf[number - 1]
            try:
                scale = ocr_scale(page.get_width(), page.get_height())
                image = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))[:, :, ::-1]  # BGR
            finally:
                page.close()
            # Text is upright in scans of official documents; the angle
            # classifier only costs time.
            result, _ = engine(image, use_cls=False)
            lines = []
            for box, text, _score in result or []:
                text = text.strip()
                if not text:
                    continue
                xs = [p[0] / scale for p in box]
                ys = [p[1] / scale for p in box]
                height = max(ys) - min(ys)
                lines.append(
                    Line(
                        text=text,
                        page=number,
                        bold=[False] * len(text),
                        x0=min(xs),
                        x1=max(xs),
                        top=min(ys),
                        bottom=max(ys),
                        base=max(ys),
                        size=height * 0.8,  # box height ≈ 1.2 em for CJK lines
                        spaced=False,
                    )
                )
            # Box heights wobble from line to line (a bold line is taller);
            # one size per page keeps the "change of size" rule quiet.
            if lines:
                size = statistics.median(ln.size for ln in lines)
                for ln in lines:
                    ln.size = size
            # Reading order: top to bottom; boxes on one line left to right.
            lines.sort(key=lambda ln: ln.top or 0.0)
            ordered: list[Line] = []
            for ln in lines:
                if ordered and abs((ln.top or 0) - (ordered[-1].top or 0)) < 0.5 * ln.size:
                    # same line as the previous box: keep left-to-right order
                    k = len(ordered)
                    while k > 0 and abs((ordered[k - 1].top or 0) - (ln.top or 0)) < 0.5 * ln.size and (
                        ordered[k - 1].x0 or 0
                    ) > (ln.x0 or 0):
                        k -= 1
                    ordered.insert(k, ln)
                else:
                    ordered.append(ln)
            out[number] = ordered
    finally:
        pdf.close()
    return out


def ocr_pages(data: bytes, pages: list[int], name: str = "<pdf>") -> dict[int, str]:
    """OCR pages that have no text layer, with RapidOCR (optional package).

    Each page is rendered at 150 dpi and read by PP-OCRv4 models shipped in
    the rapidocr-onnxruntime wheel (no download). The lines are joined into
    paragraphs by the same layout rules as text-layer pages.

    Args:
        data: The PDF's bytes.
        pages: 1-based page numbers, e.g. the second value of
            :func:`read_pdf`.
        name: Shown in error messages.

    Returns:
        Page number → the page's text, paragraphs separated by newlines;
        {} when rapidocr-onnxruntime is not installed.
    """
    if not pages or not ocr_available():
        return {}
    lines = ocr_lines(data, name, pages)
    numbers = sorted(lines)
    # Headers and page numbers are found across all the scanned pages at
    # once; paragraphs page by page, since the result is per page.
    pages = drop_furniture([lines[n] for n in numbers])
    out = {}
    for n, page_lines in zip(numbers, pages):
        blocks = blocks_from_lines([page_lines], furniture=False)
        out[n] = "\n".join(b.text for b in blocks)
    return out
