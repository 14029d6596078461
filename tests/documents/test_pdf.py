"""PDF plans: text lines and ruled tables per page, in reading order.

The PDFs are made by converting generated .docx files with LibreOffice; those tests skip
when `soffice` is not installed. The bad-input PDFs need no LibreOffice.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from healthplan.documents import DocumentError, read_document
from plan_builder import (
    SAMPLE_AFTER,
    SAMPLE_BEFORE,
    SAMPLE_HEADER,
    SAMPLE_ROWS,
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


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot make test PDFs")
    folder = tmp_path_factory.mktemp("pdf")
    sample = build_sample_docx(folder / "sample.docx", page_break=True, page_numbers=True)
    long = build_sample_docx(
        folder / "long.docx", extra_rows=EXTRA_ROWS, page_numbers=True, running_header=HEADER
    )
    sample_pdf, long_pdf = build_pdfs([sample, long], folder)
    options = {
        "EncryptFile": {"type": "boolean", "value": "true"},
        "DocumentOpenPassword": {"type": "string", "value": "secret"},
    }
    (locked,) = build_pdfs(
        [sample], folder / "locked", convert_to="pdf:writer_pdf_Export:" + json.dumps(options)
    )
    return {"sample": sample_pdf, "long": long_pdf, "locked": locked}


@needs_soffice
def test_paragraphs_table_and_pages(pdfs):
    document = read_document(pdfs["sample"])
    assert document.format == "pdf"
    texts = [line.text for line in document.lines]
    n = len(SAMPLE_BEFORE)
    assert texts[:n] == SAMPLE_BEFORE
    assert texts[n] == ""
    rows = document.lines[n + 1 : n + 2 + len(SAMPLE_ROWS)]
    assert [line.cells for line in rows] == [SAMPLE_HEADER, *SAMPLE_ROWS]
    assert all(line.table == 0 and line.text == "\t".join(line.cells) for line in rows)
    assert texts[n + 2 + len(SAMPLE_ROWS)] == ""
    assert texts[n + 3 + len(SAMPLE_ROWS) :] == SAMPLE_AFTER
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


def test_pdf_without_text_layer(tmp_path):
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
    assert caught.value.problem == "PDF 没有文字层（可能是扫描件），请先进行文字识别（OCR）"


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
