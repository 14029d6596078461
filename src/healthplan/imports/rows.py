"""The plain data an observation file is read into, shared by the readers.

``reading.py`` (CSV and long-format Excel) and ``template.py`` (the generated fill-in
template) both produce these rows; keeping them here lets each reader depend on the
data without depending on the other reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from healthplan.documents.model import DocumentError

FIELDS = ("region", "indicator", "year", "value", "source", "note", "unit")
FIELD_CN = {"region": "地区", "indicator": "指标", "year": "年份", "value": "数值",
            "source": "数据来源", "note": "备注", "unit": "单位"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, a row or a cell; ``row`` None for the whole file."""

    row: int | None
    column: str
    message: str
    severity: str = "error"  # error / warning
    field: str = field(default="", compare=False)  # region / indicator / … ("" for none)

    @property
    def order(self) -> tuple:
        """Row by row; in a row, errors first, then in the order of FIELDS."""
        rank = FIELDS.index(self.field) if self.field in FIELDS else len(FIELDS)
        return (self.row or 0, not self.is_error, rank)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def line(self, file_name: str) -> str:
        """``文件:第N行:列:问题`` — the form the CLI prints, one problem a line."""
        text = self.message if self.is_error else f"警告：{self.message}"
        if self.row is None:
            return f"{file_name}:{self.column + ':' if self.column else ''}{text}"
        return f"{file_name}:第{self.row}行:{self.column}:{text}"


@dataclass(frozen=True)
class RawRow:
    """One value as read: the cells by field name, as text, and where they are."""

    row: int  # the row number a spreadsheet shows (1-based, header included)
    cells: dict[str, str]  # field → text ("" when empty)
    columns: dict[str, str]  # field → the column as the user sees it (its header)

    def cell(self, name: str) -> str:
        return self.cells.get(name, "")

    def column(self, name: str) -> str:
        return self.columns.get(name, FIELD_CN[name])


@dataclass(frozen=True)
class TemplateInfo:
    """What the hidden ``_meta`` sheet of a generated template says."""

    plan_id: int
    region_code: str
    version: int


@dataclass
class ObservationFile:
    path: str
    format: str  # csv / xlsx / template
    sha256: str
    rows: list[RawRow]
    template: TemplateInfo | None = None
    problems: list[Problem] = field(default_factory=list)  # found while reading rows

    @property
    def name(self) -> str:
        return Path(self.path).name


def cell_text(value, number_format: str | None = "General") -> str:
    """An Excel cell as the text a person sees: 37 not 37.0, 0.37 shown as 37% → "37%"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            # Typing "37%" into Excel stores 0.37 with a percent format.
            return number_text(value * 100) + "%"
        return number_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def number_text(x: float) -> str:
    x = float(f"{x:.12g}")  # drop binary noise (0.123 * 100)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def check_cells(path: str, sheet, formulas, *, first_row: int, headers: dict[int, str],
                also: tuple[str, ...] = ()) -> None:
    """Refuse, with what is really wrong and where, the two sheet layouts that would
    otherwise read as empty cells ("地区为空", "数值为空"): merged cells from
    ``first_row`` down (only the top-left cell of a merge holds a value), and formulas
    without a computed value (a file written by a program and never opened in Excel or
    WPS). ``sheet`` holds the values, ``formulas`` the same sheet with its formulas;
    ``headers`` names the columns (column number → header); ``also`` are further cells
    to check (a template's 整表数据来源)."""
    from openpyxl.utils import get_column_letter

    def where(row: int, col: int) -> str:
        header = headers.get(col) or f"{get_column_letter(col)}列"
        return f"第{row}行:{header}"

    for merged in sorted(sheet.merged_cells.ranges, key=lambda m: (m.min_row, m.min_col)):
        if merged.max_row < first_row:
            continue  # a title above the header
        raise DocumentError(path, f"{where(merged.min_row, merged.min_col)}：单元格 {merged.coord} "
                                  "是合并单元格，合并后只有左上角的单元格有值，其余单元格读出为空；"
                                  "请取消合并，在每一行填写完整后再导入")
    cells = [c for row in formulas.iter_rows(min_row=first_row) for c in row]
    cells += [formulas[ref] for ref in also]
    uncomputed = [c for c in cells if c.data_type == "f"
                  and sheet[c.coordinate].value is None]
    if uncomputed:
        first = uncomputed[0]
        formula = str(first.value)
        shown = formula if len(formula) <= 40 else formula[:40] + "…"
        more = f"（共 {len(uncomputed)} 个这样的单元格）" if len(uncomputed) > 1 else ""
        raise DocumentError(path, f"{where(first.row, first.column)}：单元格 {first.coordinate} "
                                  f"是公式“{shown}”，但文件中没有它的计算结果{more}——文件未经 "
                                  "Excel 或 WPS 计算保存（常见于由程序生成的文件）；"
                                  "请在 Excel 或 WPS 中打开此文件、保存后再导入")
