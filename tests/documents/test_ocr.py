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
from healthplan.documents.ocr import fix_cell, fix_text_line
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


def recogniser_vocabulary() -> set[str]:
    """The characters the recognition model can output (from its ONNX metadata)."""
    from pathlib import Path

    import onnxruntime
    import rapidocr_onnxruntime

    model = Path(rapidocr_onnxruntime.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    return set(session.get_modelmeta().custom_metadata_map["character"].split("\n"))


def unreadable_difference(read: tuple, gold: tuple, vocabulary: set[str]) -> bool:
    """The read row differs from the gold row only where no reading could tell: spaces the
    print leaves (the recogniser reads none between a number and a word) and characters
    outside the recogniser's vocabulary (read as the nearest one it knows)."""
    def fold(key: tuple) -> tuple:
        return tuple("".join(ch for ch in field if ch != " ") for field in key)

    read, gold = fold(read), fold(gold)
    return len(read) == len(gold) and all(
        len(r) == len(g) and all(a == b or b not in vocabulary for a, b in zip(r, g, strict=True))
        for r, g in zip(read, gold, strict=True))


def test_every_table_layout_read_from_a_scan(read_scans, gold_rows):
    """All 143 gold rows (the short documents hold every table): at least 130 exact by
    OCR, no extra rows, every row not exact flagged doubtful — but those whose difference
    no reading can see: the gold's “毎” (U+6BCE, a variant one sample prints four times,
    not in the recogniser's vocabulary) read as “每”, and spaces (“85 左右” read as
    “85左右”). Few false alarms."""
    vocabulary = recogniser_vocabulary()
    exact = false_alarms = 0
    for name, document in read_scans.items():
        assert document.format == "ocr"
        plan = extract_plan(document)
        result = compare(plan, gold_rows, name)
        assert result.extra == 0, (name, result.wrong)
        exact += result.exact
        wrong = {id(row) for _, row in result.wrong}
        for key, row in result.wrong:
            if not row.doubtful:
                assert any(unreadable_difference(key, gold, vocabulary)
                           for gold in result.missing), (name, key, result.missing)
        false_alarms += sum(1 for t in plan.indicator_tables for row in t.rows
                            if row.doubtful and id(row) not in wrong)
    assert exact >= 133
    assert false_alarms <= 4


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


def test_percent_and_per_mille_told_apart_by_their_circles():
    """(width, height) of a sign's components: a slash and two circles is %, three ‰ —
    also when two of ‰'s circles touch and make one component twice as wide."""
    from healthplan.documents.ocr import _sign_of

    assert _sign_of([(11, 13), (15, 24), (10, 12)], None) == "%"
    assert _sign_of([(9, 15), (11, 23), (9, 14), (9, 14)], None) == "‰"
    assert _sign_of([(9, 15), (11, 23), (18, 14)], None) == "‰"
    assert _sign_of([(11, 23)], "x") == "x" and _sign_of([(9, 24), (9, 24)], None) is None


def test_a_box_is_as_doubtful_as_its_least_certain_character():
    from healthplan.documents.ocr import LOW_CHARACTER, OcrBox

    long = OcrBox("0-6岁几童健康管理率", 0.96, 0, 0, 10, 2,
                  (0.99,) * 4 + (0.54,) + (0.99,) * 6)
    assert long.confidence == 0.54 < LOW_CHARACTER
    brackets = OcrBox("婴儿死亡率 (‰)", 0.95, 0, 0, 10, 2, (0.99,) * 5 + (0.5, 0.5, 0.99, 0.5))
    assert brackets.confidence == 0.95  # brackets and spaces do not count
    assert OcrBox("%", 0.76, 0, 0, 1, 1).confidence == 0.76  # no characters known: the score


def test_columns_of_a_table_without_ruling_lines_from_box_positions():
    """No OCR: boxes as the recogniser gives them. The header words give the columns; a
    name wrapped onto a second line continues its cell; a box that crosses a column
    boundary is a guess (below the threshold); text under a gap is not the table's."""
    from healthplan.documents.ocr import OcrBox, group_lines
    from healthplan.documents.ocr_columns import POSITION_GUESS, aligned_tables

    def box(text, x0, top, x1, score=0.99):
        return OcrBox(text, score, x0, top, x1, top + 12)

    boxes = [box("指标", 100, 100, 124), box("单位", 220, 100, 244), box("2020年", 280, 100, 316),
             box("2025年", 340, 100, 376), box("属性", 400, 100, 424),
             box("每千人口执业（助理）", 60, 120, 200), box("人", 226, 120, 238),
             box("2.94", 286, 120, 310), box("≥3.9", 344, 120, 370), box("预期性", 400, 120, 436),
             box("医师数", 60, 136, 96),
             box("孕产妇死亡率", 60, 152, 132), box("1/10万", 220, 152, 256),
             box("8.5 ≤10", 286, 152, 368), box("约束性", 400, 152, 436),
             box("第二章 主要任务", 60, 230, 160)]
    lines = group_lines(boxes)
    (table,), used = aligned_tables(lines, id_base=0)
    assert table.rows == [["指标", "单位", "2020年", "2025年", "属性"],
                          ["每千人口执业（助理）医师数", "人", "2.94", "≥3.9", "预期性"],
                          ["孕产妇死亡率", "1/10万", "8.5 ≤10", "", "约束性"]]
    scores = table.row_confidences()
    assert scores[1] == (0.99,) * 5
    assert scores[2][2] == POSITION_GUESS < 0.9  # "8.5 ≤10" straddles two columns
    assert len(used) == 4 and lines[4][0].text == "第二章 主要任务"


@needs_tools
def test_a_scanned_table_without_ruling_lines(tmp_path):
    """One generated page (a small plan, labelled as generated in tests/scans.py) whose
    table has no ruling lines: every row read into its columns."""
    from scans import SCAN_ROWS, scanned_plan

    document = read_document(scanned_plan(tmp_path / "plain.pdf", ruled=False))
    (table,) = extract_plan(document).indicator_tables
    assert [(r.seq, r.name, r.baseline) for r in table.rows] == [
        (seq, name, baseline) for seq, name, _, baseline, _, _ in SCAN_ROWS]
    assert table.rows[1].unit == "1/10万" and table.rows[1].attribute == "约束性"
    assert all(r.page == 1 and r.confidence is not None for r in table.rows)


def test_page_images_of_a_scan_for_the_review(tmp_path):
    """The review's page images: grey PNGs at most WIDTH wide, only the pages asked for."""
    from healthplan.documents.page_images import WIDTH, page_images
    from scans import scanned_plan

    pdf = scanned_plan(tmp_path / "scan.pdf")
    (image,) = page_images("scan.pdf", pdf.read_bytes(), {1, 7})
    assert image.page == 1 and image.width == WIDTH and image.png.startswith(b"\x89PNG")
    assert page_images("scan.pdf", pdf.read_bytes(), {2}) == []
    png = tmp_path / "page.png"
    import cv2
    import numpy as np

    cv2.imwrite(str(png), np.full((300, 200), 255, np.uint8))
    (small,) = page_images("page.png", png.read_bytes(), {1})
    assert (small.width, small.height) == (200, 300)  # never scaled up
    with pytest.raises(DocumentError):
        page_images("bad.pdf", b"%PDF-1.4 garbage", {1})
