"""The page view (``qa.view``): is the mark on the right characters, and how fast is a page.

Mark accuracy: the six Word reports that ``benchmarks/documents.py`` typesets
as PDF are read as the index reads them (``parse_source`` + ``split_document``),
and every sentence of every paragraph is located with ``qa.view.locate``; a
mark is right when its characters' text is the sentence's (spaces removed,
width folded, on both). Also checked: a paragraph's sentences are marked in
reading order (a right text in a wrong place would break it). Then the same
for the answering sentences of the labelled questions about those six reports
(``../shared/eval/documents-dev.jsonl`` and ``benchmarks/questions/*.jsonl``):
the shortest run of one or two sentences holding an answer.

Rendering: ``qa.view.render_page`` at 150 dpi over every page of the six PDFs
and, repeated, over the scanned page of ``tests/fixtures/scan.pdf``: ms per page
(open, render, encode) and the image's size.

    python benchmarks/bench_view.py [--docs N]
"""
from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, SHARED  # noqa: E402
from documents import DOCS, PDF_FIRST, typeset  # noqa: E402

QUESTION_FILES = [SHARED / "eval" / "documents-dev.jsonl", *sorted((ROOT / "benchmarks" / "questions").glob("*.jsonl"))]
SCAN = ROOT / "tests" / "fixtures" / "scan.pdf"
#: A fixture typeset under a running header and 「— N —」 page numbers (tests/fixtures/make_fixtures.py).
FURNITURE = ROOT / "tests" / "fixtures" / "furniture.pdf"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def norm(text: str) -> str:
    """As compared: spaces removed, each character folded as the aligner folds it."""
    from qa.view import compared

    return compared(text)


def in_order(marks_list: list[list]) -> bool:
    """Whether consecutive sentences' marks follow each other on the page (same line: left to right)."""
    last = None
    for marks in marks_list:
        if not marks:
            continue
        first_box = marks[0].boxes[0]
        if last is not None:
            (lp, lbox) = last
            p, box = marks[0].page, first_box
            if p < lp:
                return False
            if p == lp:
                same_line = abs(box[1] - lbox[1]) < 3 and abs(box[3] - lbox[3]) < 3
                if (same_line and box[0] < lbox[2] - 1) or (not same_line and box[1] < lbox[1]):
                    return False
        last = (marks[-1].page, marks[-1].boxes[-1])
    return True


def answering_runs(paragraphs, questions: list[dict]) -> list[tuple]:
    """For each question, the shortest run of one or two sentences holding an answer: (paragraph, start, end)."""
    from qa.evaluate import contains_answer

    out = []
    for q in questions:
        found = None
        for size in (1, 2):
            for p in paragraphs:
                for i in range(len(p.sentences) - size + 1):
                    a, b = p.sentences[i][0], p.sentences[i + size - 1][1]
                    if contains_answer(p.text[a:b], q["answers"]):
                        found = (p, a, b)
                        break
                if found:
                    break
            if found:
                break
        out.append((q, found))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=6, help="how many of the typeset reports")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work" / "documents" / "pdf")
    ap.add_argument("--misses", type=int, default=5, help="misses to print per document")
    args = ap.parse_args()

    from PIL import Image

    from qa.read import parse_source
    from qa.split import split_document
    from qa.view import locate, render_page

    docx = sorted(DOCS.glob("*.docx"))
    as_pdf = [d for d in docx if any(k in d.name for k in PDF_FIRST)][: args.docs]
    pdfs = [typeset(d, args.work) for d in as_pdf]
    renamed = {d.name: p.name for d, p in zip(as_pdf, pdfs)}
    questions = []
    for path in QUESTION_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                if q.get("answers") and q.get("source") in renamed:
                    questions.append(dict(q, source=renamed[q["source"]], file=path.name))

    rows, t_locate = [], []
    total = {"sentences": 0, "right": 0, "cross": 0, "cross_right": 0, "unfound": 0, "paragraphs": 0, "out_of_order": 0}
    answers = {"questions": 0, "found": 0, "right": 0, "cross": 0, "cross_right": 0}
    documents: list[tuple[Path, bool]] = [(p, True) for p in pdfs] + [(FURNITURE, False)]
    for pdf, counted in documents:
        data = pdf.read_bytes()
        paragraphs = split_document(parse_source(data, pdf.name, ocr=False)).paragraphs
        row = {"document": pdf.name, "pages": None, "sentences": 0, "right": 0, "cross": 0, "cross_right": 0, "unfound": 0,
               "out_of_order": 0}
        shown = 0
        for p in paragraphs:
            marks_list = []
            for a, b in p.sentences:
                t = time.perf_counter()
                marks = locate(data, pdf.name, p.text, p.page, a, b)
                t_locate.append(time.perf_counter() - t)
                marks_list.append(marks)
                right = norm("".join(m.text for m in marks)) == norm(p.text[a:b])
                row["sentences"] += 1
                row["right"] += right
                row["unfound"] += not marks
                if len(marks) > 1:
                    row["cross"] += 1
                    row["cross_right"] += right
                if not right and shown < args.misses:
                    shown += 1
                    print(f"MISS {pdf.name} p.{p.page} ¶{p.number}\n  want {norm(p.text[a:b])[:160]}\n  got  "
                          f"{norm(''.join(m.text for m in marks))[:160]}", flush=True)
            row["out_of_order"] += not in_order(marks_list)
        row["paragraphs"] = len(paragraphs)
        print(f"{pdf.name}: {row['right']}/{row['sentences']} right, {row['cross_right']}/{row['cross']} across a page break", flush=True)
        rows.append(row)
        if counted:
            for k in total:
                total[k] += row[k]
            for q, found in answering_runs(paragraphs, [q for q in questions if q["source"] == pdf.name]):
                answers["questions"] += 1
                if found is None:
                    print(f"NO ANSWERING SENTENCE in {pdf.name} for {q.get('q') or q['turns'][-1]} ({q['file']})")
                    continue
                p, a, b = found
                marks = locate(data, pdf.name, p.text, p.page, a, b)
                right = norm("".join(m.text for m in marks)) == norm(p.text[a:b])
                answers["found"] += 1
                answers["right"] += right
                answers["cross"] += len(marks) > 1
                answers["cross_right"] += right and len(marks) > 1
                if not right:
                    print(f"ANSWER MISS {pdf.name} {q.get('q') or q['turns'][-1]}: {p.text[a:b][:80]}")

    # Rendering: every page of the six, then the scanned page twenty times.
    import pypdfium2

    t_render, sizes, kbytes = [], set(), []
    for pdf in pdfs:
        data = pdf.read_bytes()
        n = len(pypdfium2.PdfDocument(data))
        for page in range(1, n + 1):
            t = time.perf_counter()
            image, scale = render_page(data, pdf.name, page)
            t_render.append(time.perf_counter() - t)
            kbytes.append(len(image) / 1024)
            sizes.add(Image.open(io.BytesIO(image)).size)
        next(r for r in rows if r["document"] == pdf.name)["pages"] = n
    scan = SCAN.read_bytes()
    t_scan, scan_kb = [], 0.0
    render_page(scan, SCAN.name, 1)  # warm: the first render loads fonts and caches
    for _ in range(20):
        t = time.perf_counter()
        image, _ = render_page(scan, SCAN.name, 1)
        t_scan.append(time.perf_counter() - t)
        scan_kb = len(image) / 1024
    scan_size = Image.open(io.BytesIO(image)).size

    # Why JPEG: the encoders on the first five pages of each report and the scanned page.
    import pypdfium2 as pdfium_mod

    formats = {"JPEG quality 85": ("JPEG", {"quality": 85}), "PNG (level 6)": ("PNG", {}),
               "PNG (level 1)": ("PNG", {"compress_level": 1}), "WebP quality 80": ("WEBP", {"quality": 80})}
    encode = {f: ([], []) for f in formats}
    samples = [(pdf.read_bytes(), k) for pdf in pdfs for k in range(5)] + [(scan, 0)]
    for data, k in samples:
        doc = pdfium_mod.PdfDocument(data)
        img = doc[k].render(scale=150 / 72).to_pil().convert("RGB")
        doc.close()
        for f, (fmt, kw) in formats.items():
            buf = io.BytesIO()
            t = time.perf_counter()
            img.save(buf, format=fmt, **kw)
            encode[f][0].append(time.perf_counter() - t)
            encode[f][1].append(len(buf.getvalue()) / 1024)

    def share(a: int, b: int) -> str:
        return f"{a / b:.4f}" if b else "–"

    ms = lambda v: f"{v * 1e3:.0f}"  # noqa: E731
    lines = [
        f"Page view (`qa.view`, `benchmarks/bench_view.py`), {platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}",
        "",
        "## Mark accuracy",
        "",
        "A mark is right when the marked characters' text equals the sentence (spaces removed, width folded); "
        "\"in order\" counts paragraphs whose sentences are marked one after another on the page.",
        "",
        "| | sentences | right | across a page break | right there | not found | paragraphs out of order |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| all six typeset reports | {total['sentences']} | {share(total['right'], total['sentences'])} | {total['cross']} | "
        f"{share(total['cross_right'], total['cross'])} | {total['unfound']} | {total['out_of_order']} of {total['paragraphs']} |",
    ]
    for r in rows:
        lines.append(f"| {r['document']} | {r['sentences']} | {share(r['right'], r['sentences'])} | {r['cross']} | "
                     f"{share(r['cross_right'], r['cross'])} | {r['unfound']} | {r['out_of_order']} of {r['paragraphs']} |")
    lines += [
        "",
        f"The last row is the test fixture typeset under a running header and 「— N —」 page numbers; it is not in the total.",
        "",
        f"Answering sentences of the labelled questions on these six reports ({', '.join(sorted({q['file'] for q in questions})) or 'none'}; "
        f"`documents-dev.jsonl` has none on them): {answers['questions']} questions, answering sentence found in the PDF's "
        f"paragraphs for {answers['found']}, mark right for {share(answers['right'], answers['found'])} "
        f"({answers['cross']} across a page break, {answers['cross_right']} of them right).",
        "",
        f"`locate()` per sentence (reads the paragraph's page and the next from the PDF each time): "
        f"p50 {ms(pct(t_locate, 0.5))} ms, p95 {ms(pct(t_locate, 0.95))} ms, max {ms(max(t_locate))} ms.",
        "",
        "## Rendering at 150 dpi",
        "",
        "`render_page()`: open the PDF, render the page, encode JPEG (quality 85).",
        "",
        "| pages | p50 ms | p95 ms | max ms | image | KB p50 |",
        "|---|---:|---:|---:|---|---:|",
        f"| all {len(t_render)} pages of the six typeset reports | {ms(pct(t_render, 0.5))} | {ms(pct(t_render, 0.95))} | "
        f"{ms(max(t_render))} | {' / '.join(f'{w}×{h}' for w, h in sorted(sizes))} | {statistics.median(kbytes):.0f} |",
        f"| scanned page (tests/fixtures/scan.pdf), 20 times | {ms(pct(t_scan, 0.5))} | {ms(pct(t_scan, 0.95))} | "
        f"{ms(max(t_scan))} | {scan_size[0]}×{scan_size[1]} | {scan_kb:.0f} |",
        "",
        f"Encoding a rendered page ({len(samples)} pages: five of each report and the scanned one):",
        "",
        "| format | encode p50 ms | p95 ms | KB p50 |",
        "|---|---:|---:|---:|",
        *(f"| {f} | {ms(pct(t, 0.5))} | {ms(pct(t, 0.95))} | {statistics.median(kb):.0f} |" for f, (t, kb) in encode.items()),
    ]
    table = "\n".join(lines)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_view.md").write_text(table + "\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
