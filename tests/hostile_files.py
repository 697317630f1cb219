"""Hostile and broken files, made on the fly: each reader's odd inputs, bombs and files that hold too much.

Shared by tests/test_hostile.py and benchmarks/hostile_library.py (the 29 reports beside 10 of these).
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

from qa.read import MAX_CHARS, MAX_PARAGRAPHS
from qa.read.pdf.ocr import MAX_OCR_PAGES

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def word_file(edit) -> bytes:
    """A small real Word file whose document.xml is passed through ``edit``."""
    import docx

    d = docx.Document()
    d.add_heading("一、总体要求", level=1)
    d.add_paragraph("全市生产总值增长5%左右。").runs[0].bold = True
    table = d.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "指标", (0, 1): "目标", (1, 0): "粮食", (1, 1): "百亿斤"}.items():
        table.cell(r, c).text = text
    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data.decode("utf-8")).encode("utf-8") if item.filename == "word/document.xml" else data)
    return out.getvalue()


def _lying_count(path) -> bytes:
    """A one-page PDF whose page tree says it has three."""
    data = path.read_bytes()
    assert data.count(b"/Count 1") == 1
    return data.replace(b"/Count 1", b"/Count 3")


#: Files each reader's library raises on (python-docx, pdfium, a codec), as users meet them.
HOSTILE = {
    # a table whose first row continues a vertical merge from a row above it
    "vmerge.docx": lambda: word_file(lambda xml: xml.replace("<w:tcPr>", "<w:tcPr><w:vMerge/>", 1)),
    # a bold flag no schema allows
    "bold-maybe.docx": lambda: word_file(lambda xml: re.sub(r"<w:b/>", '<w:b w:val="maybe"/>', xml, count=1)),
    # a page count of 3 where the file has one page: a one-byte change
    "lying-count.pdf": lambda: _lying_count(FIXTURES / "scan.pdf"),
}

def zip_bomb(inflated: int = 600 * 2**20, declared: int = 3000) -> bytes:
    """A real .docx whose document.xml inflates to ``inflated`` bytes while the zip declares ``declared``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(word_file(lambda xml: xml))) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != "word/document.xml":
                zout.writestr(item, zin.read(item.filename))
        with zout.open("word/document.xml", "w") as f:
            for _ in range(inflated // 2**20):
                f.write(b" " * 2**20)
    data = bytearray(out.getvalue())
    local = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml").header_offset
    struct.pack_into("<I", data, local + 22, declared)  # the local header's uncompressed size
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 63] != b"word/document.xml":
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared)  # the central directory's
    return bytes(data)


def _run(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


#: Files within the size limit that would cost far more than their size, and the reason each is refused.
def _body(head: str) -> bytes:
    """A small Word file with ``head`` put first in its body."""
    return word_file(lambda xml: xml.replace("<w:body>", "<w:body>" + head, 1))


TOO_MUCH = {
    # 5.2 million characters of text in 55 kB
    "too-long.docx": (lambda: _body(_run("甲" * 5_000) * (MAX_CHARS // 5_000 + 1)), "characters of text, over the"),
    "too-many-paragraphs.docx": (lambda: _body("<w:p/>" * (MAX_PARAGRAPHS + 1)), "paragraphs, over the"),
    # one cell spanning 50 million columns: 492 MB in python-docx from a 37 kB file
    "wide-cell.docx": (lambda: word_file(lambda xml: xml.replace("<w:tcPr>", '<w:tcPr><w:gridSpan w:val="50000000"/>', 1)),
                       "tables of over"),
}


def scanned_pdf(pages: int, width: float = 595, height: float = 842) -> bytes:
    """A PDF of pages with a drawing and no text layer, as scans are: each is a page for OCR."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    pdf = pypdfium2.PdfDocument.new()
    for _ in range(pages):
        page = pdf.new_page(width, height)
        rect = pdfium_c.FPDFPageObj_CreateNewRect(width * 0.1, height * 0.1, width * 0.2, height * 0.05)
        pdfium_c.FPDFPath_SetDrawMode(rect, pdfium_c.FPDF_FILLMODE_ALTERNATE, 0)
        pdfium_c.FPDFPage_InsertObject(page.raw, rect)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
        page.close()
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


#: Ten hostile files for a library beside real documents, and what each one's skip reason says.
LIBRARY = {
    "zip-bomb.docx": (zip_bomb, "unzips to over"),
    "wide-cell.docx": (TOO_MUCH["wide-cell.docx"][0], "tables of over"),
    "too-many-paragraphs.docx": (TOO_MUCH["too-many-paragraphs.docx"][0], "paragraphs, over the"),
    "vmerge.docx": (HOSTILE["vmerge.docx"], "cannot be read"),
    "bold-maybe.docx": (HOSTILE["bold-maybe.docx"], "cannot be read"),
    "lying-count.pdf": (HOSTILE["lying-count.pdf"], "cannot be read"),
    "encrypted.pdf": (lambda: (FIXTURES / "encrypted.pdf").read_bytes(), "password-protected"),
    # a scanned page of 200,000 pt a side: 10 GB of pixels at 150 dpi; rendered within MAX_OCR_PIXELS, no text
    "poster.pdf": (lambda: scanned_pdf(1, 200_000, 200_000), "no text"),
    "many-scans.pdf": (lambda: scanned_pdf(MAX_OCR_PAGES + 1), "read by OCR per file"),
    "binary.txt": (lambda: bytes(range(256)) * 400, "binary"),
}


def write_library(folder: Path) -> dict[str, str]:
    """Write the ten files of :data:`LIBRARY` into ``folder``; returns name → what its reason says."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (make, _) in LIBRARY.items():
        (folder / name).write_bytes(make())
    return {name: reason for name, (_, reason) in LIBRARY.items()}


def peak_tree_memory(command: list[str], **popen) -> tuple[str, int]:
    """Run ``command``; its standard output, and the peak of its memory summed with its children's (bytes).

    Resident memory of the process and every descendant is read from /proc every 20 ms:
    ``ru_maxrss`` would give the largest single process, not the sum of a build and its reading workers.
    """
    import subprocess
    import time

    def tree_rss(root: int) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            pid = int(stat.parent.name)
            children.setdefault(int(fields[1]), []).append(pid)  # field 4, the parent
            rss[pid] = int(fields[21]) * 4096  # field 24, resident pages
        total, todo = 0, [root]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total

    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, **popen) as proc:
        import threading

        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))
        reader.start()
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)
        reader.join()
    if proc.returncode:
        raise RuntimeError(f"{command[:3]} exited {proc.returncode}")
    return out[0], peak
