"""Scanned plans and page images, read by OCR (RapidOCR, models inside its wheel).

The scans are made from the sample plans: each rebuilt as a short .docx (its indicator
tables with a few paragraphs around them), rendered to PDF by LibreOffice, every page
rasterised by pdftoppm at 200 dpi and put back into a PDF with no text layer. That keeps
OCR to a page or two per table layout (seconds per page); the whole plans are measured
in bench/bench_ocr.py.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

from cli_helpers import assert_bad_input, run_cli
from gold_compare import compare
from healthplan.documents import DocumentError, read_document
from healthplan.documents.ocr import LOW_CONFIDENCE, fix_cell, fix_text_line
from healthplan.extract import extract_plan
from plan_builder import build_docx, build_pdfs, soffice
from scans import page_images, pdftoppm, scan_pdf

needs_tools = pytest.mark.skipif(soffice() is None or pdftoppm() is None,
                                 reason="LibreOffice and pdftoppm are needed to make scans")


@pytest.fixture(scope="module")
def scans(seeds_dir, gold_rows, tmp_path_factory):
    if soffice() is None or pdftoppm() is None:
        pytest.skip("LibreOffice and pdftoppm are needed to make scans")
    folder = tmp_path_factory.mktemp("scans")
    seeds = sorted(seeds_dir.glob("*.txt"))
    docx = [build_docx(s, gold_rows, folder / f"{s.stem}.docx", context=1) for s in seeds]
    pdfs = build_pdfs(docx, folder)
    return {s.name: (pdf, scan_pdf(pdf, folder / f"{s.stem}.scan.pdf"))
            for s, pdf in zip(seeds, pdfs, strict=True)}


@pytest.fixture(scope="module")
def read_scans(scans):
    return {name: read_document(scan) for name, (_, scan) in scans.items()}


def test_every_table_layout_read_from_a_scan(read_scans, gold_rows):
    """All 143 gold rows (the short documents hold every table): at least 130 exact by
    OCR, no extra rows, and the rows not exact flagged by a low confidence — but for a
    few the recogniser reads confidently as the usual form of what is printed: the gold's
    “毎” (U+6BCE, a variant one sample prints four times) as “每”, and spaces it does not
    see (“85 左右” as “85左右”, “DDDs 100” as “DDDs100”, twice)."""
    exact = unflagged = 0
    for name, document in read_scans.items():
        assert document.format == "ocr"
        result = compare(extract_plan(document), gold_rows, name)
        assert result.extra == 0, (name, result.wrong)
        exact += result.exact
        for _, row in result.wrong:
            scores = [document.line(n).confidence for n in range(row.line_start, row.line_end + 1)]
            unflagged += min(scores) >= LOW_CONFIDENCE
    assert exact >= 130
    assert unflagged <= 7


def test_cells_carry_confidence_and_page(read_scans):
    document = next(iter(read_scans.values()))
    rows = [line for line in document.lines if line.cells]
    assert rows
    for line in rows:
        assert len(line.confidences) == len(line.cells)
        assert all(0 <= score <= 1 for score in line.confidences)
        assert line.page >= 1
    text = [line for line in document.lines if not line.cells and not line.is_blank]
    assert text and all(line.confidence is not None for line in text)


def test_page_image_png(scans, gold_rows, tmp_path):
    pdf, _ = scans["003_453a8c610e2cbe8a.txt"]
    images = page_images(pdf, tmp_path, first=1, last=1)
    document = read_document(images[0])
    assert document.format == "ocr"
    assert any(line.cells and "人均预期寿命" in line.text for line in document.lines)


def test_progress_per_page_and_interrupt(scans, tmp_path):
    pdf, _ = scans["000_e3462df274e44b0d.txt"]  # three pages (bench/README.md)
    scan = scan_pdf(pdf, tmp_path / "two_pages.pdf", dpi=72, first=1, last=2)  # quick to read
    calls = []
    read_document(scan, progress=lambda done, total, what: calls.append((done, total)))
    total = calls[-1][1]
    assert total == 2 and calls == [(0, 2), (1, 2), (2, 2)]

    def stop(done, total, what):
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        read_document(scan, progress=stop)


def test_ctrl_c_during_ocr_stores_nothing(scans, tmp_path):
    """`load` of a scan on a terminal shows a progress bar; Ctrl-C stops it with one line
    and nothing stored. stderr is a pseudo-terminal, so the bar is drawn as for a user."""
    import os
    import pty

    import pypdfium2 as pdfium

    _, page = scans["004_7a07bb993ed4c55d.txt"]
    # A scan of several pages, so that the interrupt lands while pages are still being
    # read (a one-page scan may be done before the signal arrives).
    source, scan = pdfium.PdfDocument(str(page)), tmp_path / "long.scan.pdf"
    long = pdfium.PdfDocument.new()
    for _ in range(6):
        long.import_pages(source)
    long.save(str(scan))
    long.close()
    source.close()
    db = tmp_path / "plans.sqlite"
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "healthplan", "--db", str(db), "load", str(scan)],
                               stderr=slave, stdout=subprocess.PIPE, text=True)
    os.close(slave)
    seen = b""
    while "文字识别".encode() not in seen or b"/" not in seen.split("文字识别".encode())[-1]:
        chunk = os.read(master, 4096)  # blocks until the bar is drawn
        assert chunk, seen
        seen += chunk
    process.send_signal(signal.SIGINT)
    process.wait(timeout=120)
    rest = b""
    try:
        while chunk := os.read(master, 4096):
            rest += chunk
    except OSError:  # the terminal closes with the process
        pass
    os.close(master)
    text = rest.decode(errors="replace")
    assert process.returncode == 130, text + (process.stdout.read() if process.stdout else "")
    assert "已中断" in text and "未保存任何内容" in text and "Traceback" not in text
    assert not db.exists()  # the database is opened only after the plan is read


def test_nothing_downloaded(scans, monkeypatch):
    """The models are in the package: reading works with the network cut off."""
    import healthplan.documents.ocr as ocr

    def no_network(*args, **kwargs):
        raise AssertionError("OCR tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(ocr, "_ENGINE", None)  # load the models again, offline
    pdf, _ = scans["000_e3462df274e44b0d.txt"]
    folder = pdf.parent / "offline"
    folder.mkdir(exist_ok=True)
    image = page_images(pdf, folder, dpi=100, first=1, last=1)[0]
    assert read_document(image).lines


@needs_tools
def test_image_without_table_exit_2(scans, tmp_path):
    pdf, _ = scans["002_fad4bc87ee6c820a.txt"]
    from PIL import Image

    page = page_images(pdf, tmp_path, first=1, last=1)[0]
    image = Image.open(page)
    title = image.crop((0, 0, image.width, image.height // 6))  # the title, no table
    path = tmp_path / "title.jpg"
    title.save(path)
    assert_bad_input(run_cli("ingest", str(path)), "title.jpg", "未找到指标表")


def test_blank_image_says_nothing_was_recognised(tmp_path):
    from PIL import Image

    path = tmp_path / "blank.png"
    Image.new("L", (800, 1000), 255).save(path)
    assert_bad_input(run_cli("ingest", str(path)), "blank.png", "没有识别出任何文字")


def test_not_really_an_image(tmp_path):
    path = tmp_path / "plan.png"
    path.write_text("某市规划", encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "不是有效的 .png 图片" in caught.value.problem


def test_truncated_image(tmp_path):
    path = tmp_path / "cut.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "图片无法解码" in caught.value.problem


@pytest.mark.parametrize(("read", "fixed"), [
    ("%0", "‰"), ("% o", "‰"), ("婴儿死亡率（%0）", "婴儿死亡率（‰）"), ("%", "%"), ("10%0", "10%0"),
    ("执业(助理）医师", "执业（助理）医师"), ("（乡镇)", "（乡镇）"), ("(a)", "(a)"), ("（岁）", "（岁）"),
])
def test_per_mille_misreading(read, fixed):
    assert fix_cell(read) == fixed


@pytest.mark.parametrize(("read", "fixed"), [
    ("表2无锡市“十四五”卫生健康主要发展指标", "表2 无锡市“十四五”卫生健康主要发展指标"),
    ("表 1 主要指标", "表 1 主要指标"), ("表格说明", "表格说明"),
])
def test_caption_number_spacing(read, fixed):
    assert fix_text_line(read) == fixed
