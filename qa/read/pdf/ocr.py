"""Scanned PDF pages: OCR into lines, by RapidOCR where it is installed.

rapidocr-onnxruntime is optional (the ``qa-plan[ocr]`` extra); without it
scanned pages are reported, not read.
"""
from __future__ import annotations

import functools
import statistics

from .chars import open_pdfium
from .layout import Line, blocks_from_lines, drop_furniture

# Resolution pages are rendered at for OCR: 150 dpi reads 14 pt Chinese
# reliably (measured when the reader was chosen) at a quarter of the pixels of 300 dpi.
_OCR_DPI = 150


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
    """OCR the given 1-based pages into lines with positions in points."""
    import numpy as np

    engine = _ocr_engine()
    scale = _OCR_DPI / 72
    pdf = open_pdfium(data, name)
    out: dict[int, list[Line]] = {}
    try:
        for number in pages:
            if not 1 <= number <= len(pdf):
                continue
            page = pdf[number - 1]
            try:
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
