"""PDF plans: text lines and ruled tables per page, in reading order.

The PDFs are made by converting generated .docx files with LibreOffice; those tests skip
when `soffice` is not installed. The bad-input PDFs need no LibreOffice.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from cli_helpers import assert_bad_input, run_cli
from healthplan.documents import DocumentError, read_document
from plan_builder import (
    SAMPLE_BEFORE,
    SAMPLE_HEADER,
    SAMPLE_ROWS,
    assert_sample_layout,
    build_pdfs,
    build_sample_docx,
    sample_rows,
    soffice,
)

needs_soffice = pytest.mark.skipif(
    soffice() is None, reason="LibreOffice (soffice) is not installed: cannot make test PDFs"
)

EXTRA_ROWS = 45  # enough to push the table over a page break
HEADER = "某市“十四五”卫生健康发展规划（征求意见稿）"

# Indicator tables whose category column is merged over runs of rows, built so that body
# row 7 is the last row on page 1: the header and rows 1-6 are tall, row 7 is short, and
# row 8 (tall, not allowed to break) goes to page 2. Row 7 may break across pages, so
# LibreOffice prints there as much of a merged cell's text as fits and the rest on page 2
# (when the row may not break, it moves the whole text to page 2).
# name: (width of the category column in cm, [(category, first row, last row), …])
CATEGORY_TABLES = {
    # "健康生活" wraps in the narrow column (3 characters a line): "健康生" is printed in
    # row 7 on page 1, "活" at the top of page 2; all of rows 7-10 are 健康生活
    "cut": (1.9, [("健康水平", 1, 6), ("健康生活", 7, 10)]),
    # a short category in a wide column ends page 1, and a new one starts page 2
    "short": (3.0, [("健康水平", 1, 6), ("健康保障", 7, 7), ("医疗服务", 8, 10)]),
    # "健康保障" just fills a line of its column, but its cell has room below the line:
    # it ends on page 1 too
    "full": (2.2, [("健康水平", 1, 4), ("健康保障", 5, 7), ("医疗服务", 8, 10)]),
}
CATEGORY_HEADER = ("领域", "序号", "主要指标", "性质")


def category_rows(runs: list[tuple[str, int, int]]) -> list[tuple[str, ...]]:
    return [
        (category, str(r), f"第{r}项指标", "预期性")
        for category, first, last in runs
        for r in range(first, last + 1)
    ]


def build_category_docx(path: Path, width_cm: float, runs: list[tuple[str, int, int]]) -> Path:
    import docx
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    style = document.styles["Normal"]
    style.font.size = Pt(11)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")
    rows = category_rows(runs)
    table = document.add_table(rows=1 + len(rows), cols=len(CATEGORY_HEADER))
    table.style = "Table Grid"
    for c, text in enumerate(CATEGORY_HEADER):
        table.cell(0, c).text = text
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row[1:], start=1):
            table.cell(r, c).text = text
    for category, first, last in runs:
        table.cell(first, 0).merge(table.cell(last, 0)).text = category
    widths = [width_cm, 1.5, 7.0, 2.5]
    table.autofit = False
    for c, column in enumerate(table.columns):
        column.width = Cm(widths[c])
    for r, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        if r != 7:
            tr_pr.append(OxmlElement("w:cantSplit"))  # before w:trHeight, as the schema wants
        row.height = Cm(1.5 if r == 0 else 0.8 if r == 7 else 3.5)  # 1.5 + 6 × 3.5 + 0.8 cm
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST  # of the 24.7 cm between the margins
        if r == 0:  # repeated on page 2
            flag = OxmlElement("w:tblHeader")
            flag.set(qn("w:val"), "true")
            tr_pr.append(flag)
        for c, cell in enumerate(row.cells):
            cell.width = Cm(widths[c])
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot make test PDFs")
    folder = tmp_path_factory.mktemp("pdf")
    sample = build_sample_docx(folder / "sample.docx", page_break=True, page_numbers=True)
    long = build_sample_docx(
        folder / "long.docx", extra_rows=EXTRA_ROWS, page_numbers=True, running_header=HEADER
    )
    categories = [
        build_category_docx(folder / f"category_{name}.docx", width, runs)
        for name, (width, runs) in CATEGORY_TABLES.items()
    ]
    sample_pdf, long_pdf, *category_pdfs = build_pdfs([sample, long, *categories], folder)
    options = {
        "EncryptFile": {"type": "boolean", "value": "true"},
        "DocumentOpenPassword": {"type": "string", "value": "secret"},
    }
    (locked,) = build_pdfs(
        [sample], folder / "locked", convert_to="pdf:writer_pdf_Export:" + json.dumps(options)
    )
    return {
        "sample": sample_pdf,
        "long": long_pdf,
        "locked": locked,
        **dict(zip(CATEGORY_TABLES, category_pdfs, strict=True)),
    }


@needs_soffice
def test_paragraphs_table_and_pages(pdfs):
    document = read_document(pdfs["sample"])
    assert document.format == "pdf"
    assert_sample_layout(document)
    n = len(SAMPLE_BEFORE)
    # everything before the page break is on page 1, the second chapter on page 2
    assert {line.page for line in document.lines[: n + 2 + len(SAMPLE_ROWS)]} == {1}
    assert {line.page for line in document.lines[n + 3 + len(SAMPLE_ROWS) :]} == {2}


PAGE_NUMBER = re.compile(r"^[\s\-]*\d+[\s\-]*$")


@needs_soffice
def test_numbering_and_page_numbers_dropped(pdfs):
    import pdfplumber

    with pdfplumber.open(pdfs["sample"]) as pdf:  # the footer is there in the PDF …
        last_lines = [page.extract_text_lines()[-1]["text"] for page in pdf.pages]
    assert all(PAGE_NUMBER.match(text) for text in last_lines)
    document = read_document(pdfs["sample"])  # … and not in the document's lines
    assert [line.number for line in document.lines] == list(range(1, len(document.lines) + 1))
    assert not any(PAGE_NUMBER.match(line.text) for line in document.lines)


@needs_soffice
def test_merged_category_and_wrapped_cells(pdfs):
    rows = [line.cells for line in read_document(pdfs["sample"]).lines if line.cells][1:]
    assert [row[0] for row in rows] == ["健康水平"] * 3 + ["健康服务"] * 3
    # long names wrap inside their cells in the PDF and are folded back together
    assert rows[4][2] == "其中：每千常住人口中医类别执业（助理）医师数"
    assert rows[5][5] == "同比例提高"


@needs_soffice
def test_table_continued_on_next_page_is_one_table(pdfs):
    document = read_document(pdfs["long"])
    rows = [line for line in document.lines if line.cells is not None]
    assert {line.table for line in rows} == {0}
    assert [line.cells for line in rows] == [SAMPLE_HEADER, *sample_rows(EXTRA_ROWS)]
    # each row keeps the page it is printed on
    pages = [line.page for line in rows]
    assert pages[0] == 1 and pages[-1] >= 3 and pages == sorted(pages)
    # page numbers and the running header (printed on every page) are dropped
    assert not any(PAGE_NUMBER.match(line.text) for line in document.lines)
    assert HEADER not in [line.text for line in document.lines]


def _printed_category_cells(path: Path) -> tuple[str, str]:
    """The category cell of the last row on page 1 and of the first body row on page 2, as
    printed; checks that the table breaks after row 7."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 2
        page_1, page_2 = (page.find_tables()[0].extract() for page in pdf.pages)
    assert (page_1[-1][1], page_2[0], page_2[1][1]) == ("7", list(CATEGORY_HEADER), "8")
    return page_1[-1][0] or "", page_2[1][0] or ""


@needs_soffice
def test_merged_category_text_cut_by_the_page_break_is_joined(pdfs):
    width, runs = CATEGORY_TABLES["cut"]
    before, after = _printed_category_cells(pdfs["cut"])
    assert before and after and (before + after).replace("\n", "") == "健康生活"  # as printed
    rows = [line.cells for line in read_document(pdfs["cut"]).lines if line.cells]
    assert rows == [CATEGORY_HEADER, *category_rows(runs)]  # one table, 健康生活 in rows 7-10


@needs_soffice
@pytest.mark.parametrize("name", ["short", "full"])
def test_new_category_at_the_top_of_a_page_is_not_joined(pdfs, name):
    import pdfplumber

    width, runs = CATEGORY_TABLES[name]
    before, after = _printed_category_cells(pdfs[name])
    assert (before, after) == ("健康保障" if name == "short" else "", "医疗服务")
    if name == "full":  # 健康保障 (rows 5-7) fills its line: less than a character is left
        with pdfplumber.open(pdfs[name]) as pdf:
            page = pdf.pages[0]
            x0, top, x1, bottom = page.find_tables()[0].rows[5].cells[0]
            line = [
                ch for ch in page.within_bbox((x0, top, x1, bottom)).chars if ch["text"].strip()
            ]
        assert "".join(ch["text"] for ch in line) == "健康保障"
        padding = min(ch["x0"] for ch in line) - x0
        assert x1 - padding - max(ch["x1"] for ch in line) < line[0]["size"]
    rows = [line.cells for line in read_document(pdfs[name]).lines if line.cells]
    assert rows == [CATEGORY_HEADER, *category_rows(runs)]  # 健康保障 and 医疗服务 stay apart


@needs_soffice
def test_encrypted_pdf(pdfs):
    with pytest.raises(DocumentError) as caught:
        read_document(pdfs["locked"])
    assert "已加密" in caught.value.problem


@needs_soffice
def test_truncated_pdf(pdfs, tmp_path):
    data = pdfs["sample"].read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "已损坏或被截断" in caught.value.problem


def test_pdf_without_text_layer_is_read_by_ocr(tmp_path):
    """A scan goes to OCR (tests/documents/test_ocr.py); bars that only look like text
    give nothing to recognise, which is said in one line."""
    from PIL import Image, ImageDraw  # pillow comes with pdfplumber

    image = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(image)
    for y in range(100, 700, 40):  # lines that look like text on a scanned page
        draw.rectangle([60, y, 540, y + 14], fill="black")
    path = tmp_path / "scan.pdf"
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=72)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert caught.value.problem.startswith("文字识别（OCR）没有识别出任何文字")


@needs_soffice
def test_text_layer_of_cid_glyphs_refused(pdfs, tmp_path):
    """Fonts without a Unicode map (/ToUnicode) give "(cid:123)" instead of text: say so
    in one line rather than read garbage. The map is disabled by renaming its key, which
    keeps every byte offset of the file valid."""
    data = pdfs["sample"].read_bytes()
    assert b"/ToUnicode" in data
    path = tmp_path / "garbled.pdf"
    path.write_bytes(data.replace(b"/ToUnicode", b"/ToUnicodX"))
    result = run_cli("ingest", str(path))
    assert_bad_input(result, "garbled.pdf", "(cid:…) 乱码")


def test_not_a_pdf(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes("某市卫生健康发展规划".encode())
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "%PDF" in caught.value.problem


def test_pdf_header_with_garbage(tmp_path):
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "不是有效的 PDF 文件" in caught.value.problem
