"""The pdfium reader of PDFs with a text layer (documents/pdf_pdfium.py), on small PDFs
drawn here with pdfium itself (no LibreOffice): a ruled table with a merged cell, text
around it, and a page of rotated text that is left to pdfplumber."""

from __future__ import annotations

import ctypes
import io

import pytest

from healthplan.documents import pdf as pdf_reader
from healthplan.documents import read_document

HEIGHT = 842.0
# a ruled table: x positions of the vertical lines, y (from the top) of the horizontal ones
XS = [72.0, 160.0, 220.0, 400.0]
YS = [200.0, 230.0, 260.0, 290.0, 320.0]
CELLS = [  # (row, column, text); row 2 and 3 share the merged cell of column 0 ("Beta")
    (0, 0, "Area"), (0, 1, "No"), (0, 2, "Indicator"),
    (1, 0, "Alpha"), (1, 1, "1"), (1, 2, "First rate"),
    (2, 0, "Beta"), (2, 1, "2"), (2, 2, "Second rate"),
    (3, 1, "3"), (3, 2, "Third rate"),
]
EXPECTED_ROWS = [
    ("Area", "No", "Indicator"),
    ("Alpha", "1", "First rate"),
    ("Beta", "2", "Second rate"),
    ("Beta", "3", "Third rate"),
]


def _text(pdf, page, text: str, x: float, top: float, size: float = 10.0, angle=False):
    import pypdfium2.raw as raw

    obj = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", size)
    encoded = (text + "\0").encode("utf-16-le")
    buffer = ctypes.create_string_buffer(encoded)
    raw.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    if angle:  # turned a quarter to the left
        raw.FPDFPageObj_Transform(obj, 0, 1, -1, 0, x, HEIGHT - top)
    else:
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, HEIGHT - top - size)
    raw.FPDFPage_InsertObject(page.raw, obj)


def _line(page, x0: float, top0: float, x1: float, top1: float):
    import pypdfium2.raw as raw

    path = raw.FPDFPageObj_CreateNewPath(x0, HEIGHT - top0)
    raw.FPDFPath_LineTo(path, x1, HEIGHT - top1)
    raw.FPDFPath_SetDrawMode(path, 0, True)
    raw.FPDFPageObj_SetStrokeWidth(path, 0.75)
    raw.FPDFPage_InsertObject(page.raw, path)


def _table_page(pdf):
    import pypdfium2.raw as raw

    page = pdf.new_page(595, HEIGHT)
    _text(pdf, page, "Health plan title", 72, 120, 14)
    _text(pdf, page, "Table 1 main indicators", 72, 170)
    for top in YS:  # the line between rows 2 and 3 is not drawn in the merged column 0
        start = XS[1] if top == YS[3] else XS[0]
        _line(page, start, top, XS[-1], top)
    for x in XS:
        _line(page, x, YS[0], x, YS[-1])
    for row, column, text in CELLS:
        _text(pdf, page, text, XS[column] + 4, YS[row] + 8)
    _text(pdf, page, "Text after the table", 72, 360)
    raw.FPDFPage_GenerateContent(page.raw)
    return page


def _save(pdf, path):
    buffer = io.BytesIO()
    pdf.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="module")
def table_pdf(tmp_path_factory):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    _table_page(pdf)
    return _save(pdf, tmp_path_factory.mktemp("pdfium") / "table.pdf")


def test_ruled_table_with_a_merged_cell(table_pdf, monkeypatch):
    def no_pdfplumber(*args, **kwargs):
        raise AssertionError("pdfplumber was used")

    monkeypatch.setattr(pdf_reader, "_read_pages", no_pdfplumber)
    monkeypatch.setattr(pdf_reader, "_read_page", no_pdfplumber)
    document = read_document(table_pdf)
    lines = document.lines
    assert [line.text for line in lines if line.cells is None and line.text] == [
        "Health plan title", "Table 1 main indicators", "Text after the table",
    ]
    assert [line.cells for line in lines if line.cells is not None] == EXPECTED_ROWS
    assert {line.page for line in lines} == {1}
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))
    # the table sits between the caption and the text after it
    texts = [line.text for line in lines]
    assert texts.index("Table 1 main indicators") < texts.index("Area\tNo\tIndicator")
    assert texts.index("Beta\t3\tThird rate") < texts.index("Text after the table")


def test_same_lines_as_the_pdfplumber_reader(table_pdf):
    """Side by side with the pages read by pdfplumber (the reader before pdfium)."""
    data = table_pdf.read_bytes()
    by_pdfium = pdf_reader.assemble_pages(pdf_reader._read_pages_pdfium(str(table_pdf), data))
    by_pdfplumber = pdf_reader.assemble_pages(pdf_reader._read_pages(str(table_pdf), data))
    assert [(line.text, line.cells, line.page) for line in by_pdfium] == [
        (line.text, line.cells, line.page) for line in by_pdfplumber
    ]


def test_page_of_rotated_text_is_read_by_pdfplumber(tmp_path, monkeypatch):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument.new()
    _table_page(pdf)
    page = pdf.new_page(595, HEIGHT)
    _text(pdf, page, "Turned text", 300, 500, angle=True)
    raw.FPDFPage_GenerateContent(page.raw)
    page = pdf.new_page(595, HEIGHT)  # a page turned by /Rotate
    _text(pdf, page, "Page turned", 72, 100)
    raw.FPDFPage_GenerateContent(page.raw)
    page.set_rotation(90)
    path = _save(pdf, tmp_path / "rotated.pdf")
    read = []
    real = pdf_reader._read_page

    def spy(page):
        read.append(page.page_number)
        return real(page)

    monkeypatch.setattr(pdf_reader, "_read_page", spy)
    document = read_document(path)
    assert read == [2, 3]  # only the pages with rotated text
    assert [line.cells for line in document.lines if line.cells] == EXPECTED_ROWS
    assert {line.page for line in document.lines if line.text} == {1, 2, 3}


def test_table_drawn_inside_a_form_xobject(table_pdf):
    """A page whose content is one form XObject (as some PDF printers make them), moved
    down the page by the form's matrix: the ruling lines are found through it."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    source = pdfium.PdfDocument(table_pdf)
    pdf = pdfium.PdfDocument.new()
    xobject = raw.FPDF_NewXObjectFromPage(pdf.raw, source.raw, 0)
    page = pdf.new_page(595, HEIGHT)
    form = raw.FPDF_NewFormObjectFromXObject(xobject)
    raw.FPDFPageObj_Transform(form, 1, 0, 0, 1, 0, -100)  # 100 points lower
    raw.FPDFPage_InsertObject(page.raw, form)
    raw.FPDFPage_GenerateContent(page.raw)
    data = io.BytesIO()
    pdf.save(data)
    pages = pdf_reader._read_pages_pdfium("form.pdf", data.getvalue())
    lines = pdf_reader.assemble_pages(pages)
    assert [line.cells for line in lines if line.cells] == EXPECTED_ROWS
    (table,) = [item for item in pages[0].items if isinstance(item, pdf_reader._Table)]
    assert table.top == pytest.approx(YS[0] + 100, abs=1)


def test_pdfium_failing_on_a_page_leaves_the_file_to_pdfplumber(table_pdf, monkeypatch):
    def broken(*args):
        raise RuntimeError("pdfium could not load the page")

    monkeypatch.setattr(pdf_reader, "_read_page_pdfium", broken)
    document = read_document(table_pdf)  # read by pdfplumber, as before pdfium
    assert [line.cells for line in document.lines if line.cells] == EXPECTED_ROWS
