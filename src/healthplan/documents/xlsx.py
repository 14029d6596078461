"""Excel workbooks (.xlsx) holding a plan's indicator table, read with openpyxl.

Each visible sheet is read in order. A merged cell's value fills every position it covers
(as the .docx and .html readers do), so a category merged down its rows gives every row
its category, and a two-row header (指标值 merged over 2020年 and 2025年) gives a full grid.
Rows with two or more distinct values form a table (a row with one value between two such
rows stays in the table: a category row spanning the width); the rows before and after a
table (a merged title such as “表1 主要发展指标”, a unit line, a note) are text lines, so
the table's caption precedes it as in any other format.

Values are shown as Excel shows them: numbers without a float's noise (0.57, not
0.5699999999999999; 7, not 7.0, unless the cell's format asks for decimals), percentages
formatted with a percent sign as %-formatted cells display them, dates as dates. Formulas
are read by their cached result; a workbook saved by a program that stores no results
(some generators) is refused with a message saying so, rather than read as empty cells.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from healthplan.documents.limits import MAX_SHEET_CELLS, check_count, check_package
from healthplan.documents.lines import LineCollector
from healthplan.documents.model import Document, DocumentError, fold_cell_text

_CORRUPT = "不是有效的 .xlsx 文件（文件已损坏或被截断）"
_DECIMALS = re.compile(r"^0(?:\.(0+))?(%?)$")


def read_xlsx(path: str, data: bytes) -> Document:
    workbook = _open(path, data)
    collector = LineCollector()
    formulas_without_value = 0
    for sheet in workbook.worksheets:
        if sheet.sheet_state != "visible":
            continue
        check_count(path, (sheet.max_row or 0) * (sheet.max_column or 0), MAX_SHEET_CELLS,
                    f"工作表“{sheet.title}”的单元格")
        grid, missing = _sheet_grid(sheet)
        formulas_without_value += missing
        _emit_sheet(grid, collector)
        collector.blank()
    if formulas_without_value and not any(not line.is_blank for line in collector.lines):
        raise DocumentError(
            path, f"工作簿中有 {formulas_without_value} 个公式没有保存计算结果，请在 Excel/WPS 中打开后重新保存"
        )
    return Document(path=path, format="xlsx", lines=collector.finish())


def _open(path: str, data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise DocumentError(path, _CORRUPT) from None
    check_package(path, archive)
    if "xl/workbook.xml" not in archive.namelist():
        if "word/document.xml" in archive.namelist():
            raise DocumentError(path, "是 Word 文档（.docx）而不是 Excel 表格，请把扩展名改为 .docx")
        raise DocumentError(path, "不是有效的 .xlsx 文件（压缩包中没有 Excel 工作簿内容）")
    import openpyxl

    try:
        # Two loads: values as last computed, and formulas (to tell an empty cell from a
        # formula whose result was never saved). Both are bounded by check_package.
        values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception as exc:
        raise DocumentError(path, f"{_CORRUPT}：{type(exc).__name__}") from None
    for sheet in values.worksheets:
        sheet._formulas = formulas[sheet.title]  # noqa: SLF001 - kept beside its sheet
    return values


def _sheet_grid(sheet) -> tuple[list[list[str]], int]:
    """The sheet's cells as text, merged ranges filled; and how many formulas lack a value."""
    rows = sheet.max_row or 0
    cols = sheet.max_column or 0
    grid = [["" for _ in range(cols)] for _ in range(rows)]
    missing = 0
    formulas = sheet._formulas  # noqa: SLF001
    for r, row in enumerate(sheet.iter_rows(min_row=1, max_row=rows, max_col=cols)):
        for c, cell in enumerate(row):
            text = cell_text(cell.value, cell.number_format)
            if not text:
                source = formulas.cell(row=r + 1, column=c + 1).value
                if isinstance(source, str) and source.startswith("="):
                    missing += 1
            grid[r][c] = text
    for merged in sheet.merged_cells.ranges:
        top = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, min(merged.max_row, rows)):
            for c in range(merged.min_col - 1, min(merged.max_col, cols)):
                grid[r][c] = top
    return grid, missing


def cell_text(value, number_format: str = "General") -> str:
    """A cell value as Excel displays it (numbers without float noise)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        match = _DECIMALS.match((number_format or "").strip())
        if match:
            decimals = len(match.group(1) or "")
            percent = match.group(2)
            shown = value * 100 if percent else value
            return f"{shown:.{decimals}f}{percent}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return f"{value:.12g}" if isinstance(value, float) else str(value)
    return fold_cell_text(str(value))


def _emit_sheet(grid: list[list[str]], collector: LineCollector) -> None:
    """Text lines and tables of one sheet (see the module docstring)."""
    distinct = [len({cell for cell in row if cell}) for row in grid]
    multi = [i for i, n in enumerate(distinct) if n >= 2]
    if not multi:
        for row in grid:
            text = next((cell for cell in row if cell), "")
            if text:
                collector.text(text)
        return
    # Runs of table rows: multi-value rows, bridged over single-value rows between them.
    runs: list[tuple[int, int]] = []
    for i in multi:
        if runs and all(distinct[j] <= 1 for j in range(runs[-1][1] + 1, i)) and not any(
            distinct[j] == 0 for j in range(runs[-1][1] + 1, i)
        ):
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    at = 0
    for first, last in runs:
        for row in grid[at:first]:
            text = next((cell for cell in row if cell), "")
            if text:
                collector.text(text)
        width = max(max((c for c, cell in enumerate(row) if cell), default=-1)
                    for row in grid[first : last + 1]) + 1
        start = min(min((c for c, cell in enumerate(row) if cell), default=width)
                    for row in grid[first : last + 1])
        collector.table([row[start:width] for row in grid[first : last + 1]])
        at = last + 1
    for row in grid[at:]:
        text = next((cell for cell in row if cell), "")
        if text:
            collector.text(text)
