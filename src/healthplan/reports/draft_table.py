"""A draft indicator table as files: .docx in the official layout, .xlsx for the round trip.

The .docx is the plan's 主要发展指标 table as it is pasted into the plan document:
领域 / 序号 / 指标 / 单位 / {start−1}年 / {end}年 / 属性, one 领域 cell spanning its rows.

The .xlsx has the same columns and a last one, 指标编号 (the catalogue id), so that a
downloaded draft, edited and uploaded, comes back exactly (``read_draft_xlsx``). An
upload whose header was changed, or with an indicator the catalogue does not know, is
refused with one message naming the sheet, row and column (``DraftFileError``).
"""

from __future__ import annotations

import io
from pathlib import Path

from healthplan import catalog
from healthplan.draftcheck import DraftLine
from healthplan.reports.output import write_atomically

SHEET = "规划草案指标表"


class DraftFileError(ValueError):
    """The uploaded file is not a draft table this system wrote; the message says why."""


def header(start: int, end: int) -> list[str]:
    return ["领域", "序号", "指标", "单位", f"{start - 1}年", f"{end}年", "属性", "指标编号"]


def write_draft_xlsx(title: str, start: int, end: int, rows: list[DraftLine], path: str | Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([title])
    sheet.append(["说明：规划草案（未印发），供编制研究使用；可修改第3行以下各行后上传，勿改表头和“指标编号”列。"])
    sheet.append(header(start, end))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for k, row in enumerate(rows, start=1):
        sheet.append([row.category, k, row.name, row.unit, row.baseline_text, row.target_text,
                      row.attribute, row.indicator_id or ""])
    for col, width in zip("ABCDEFGH", (12, 6, 40, 10, 12, 16, 8, 30), strict=True):
        sheet.column_dimensions[col].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return write_atomically(path, buffer.getvalue())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_draft_xlsx(data: bytes, name: str, start: int, end: int) -> list[DraftLine]:
    """The rows of an uploaded draft table; DraftFileError for a file not in the layout."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not .xlsx
        raise DraftFileError(f"{name}：不是有效的 .xlsx 文件") from None
    if SHEET not in book.sheetnames:
        raise DraftFileError(f"{name}：找不到工作表“{SHEET}”（请使用本系统导出的草案表）")
    rows = list(book[SHEET].iter_rows(values_only=True))
    expected = header(start, end)
    got = [_text(v) for v in (rows[2] if len(rows) > 2 else [])][:len(expected)]
    if got != expected:
        for k, (want, have) in enumerate(zip(expected, got + [""] * len(expected), strict=False), start=1):
            if want != have:
                raise DraftFileError(f"{name}：工作表“{SHEET}”第 3 行（表头）第 {k} 列应为“{want}”，"
                                     f"实为“{have}”；请勿修改表头，未导入")
    out = []
    for number, values in enumerate(rows[3:], start=4):
        cells = [_text(v) for v in values[:len(expected)]] + [""] * len(expected)
        if not any(cells):
            continue
        category, _seq, name_, unit, baseline, target, attribute, iid = cells[:8]
        if not name_:
            raise DraftFileError(f"{name}：第 {number} 行“指标”为空，未导入")
        if not iid:
            found = catalog.match(name_, unit)
            iid = found.indicator_id if found.method in ("exact", "alias", "normalised") else ""
        if not iid or iid not in catalog.load_catalog():
            raise DraftFileError(f"{name}：第 {number} 行指标“{name_}”（指标编号“{cells[7]}”）不在指标目录中，"
                                 "请使用目录中的指标编号，未导入")
        if attribute not in ("", "约束性", "预期性"):
            raise DraftFileError(f"{name}：第 {number} 行“属性”应为 约束性 或 预期性，实为“{attribute}”，未导入")
        out.append(DraftLine(len(out) + 1, category, name_, unit, iid, baseline, target, attribute))
    return out


def write_draft_docx(title: str, start: int, end: int, rows: list[DraftLine], path: str | Path) -> Path:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from healthplan.reports.docx import _font, _page_setup, _styles

    document = Document()
    _page_setup(document)
    _styles(document)
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(caption.add_run(f"{title}主要发展指标（草案）"), "黑体", Pt(16))
    note = document.add_paragraph()
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(note.add_run("（规划草案，未印发）"), "楷体", Pt(12))
    cols = header(start, end)[:7]
    table = document.add_table(rows=1 + len(rows), cols=len(cols))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for k, text in enumerate(cols):
        cell = table.rows[0].cells[k]
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), "黑体", Pt(10.5))
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for r, row in enumerate(rows, start=1):
        values = [row.category, str(r), row.name, row.unit, row.baseline_text or "—",
                  row.target_text or "—", row.attribute or "—"]
        for k, text in enumerate(values):
            cell = table.rows[r].cells[k]
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), "仿宋", Pt(10.5))
            if k != 2:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    # One 领域 cell for each run of rows of the same category.
    r = 1
    while r <= len(rows):
        last = r
        while last + 1 <= len(rows) and rows[last].category == rows[r - 1].category:
            last += 1
        if last > r:
            text = rows[r - 1].category
            merged = table.cell(r, 0).merge(table.cell(last, 0))
            for p in merged.paragraphs[1:]:
                p._element.getparent().remove(p._element)
            merged.paragraphs[0].text = ""
            _font(merged.paragraphs[0].add_run(text), "仿宋", Pt(10.5))
            merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = last + 1
    widths = (2.2, 1.4, 6.2, 1.8, 1.9, 2.2, 1.5)
    from docx.shared import Cm

    table.autofit = False
    for k, w in enumerate(widths):  # LibreOffice and Word read the grid, Word also the cells
        table.columns[k].width = Cm(w)
    for row_ in table.rows:
        for k, w in enumerate(widths):
            row_.cells[k].width = Cm(w)
    for paragraph in (p for row_ in table.rows for c in row_.cells for p in c.paragraphs):
        paragraph.paragraph_format.line_spacing = Pt(16)
    buffer = io.BytesIO()
    document.save(buffer)
    return write_atomically(path, buffer.getvalue())
