"""A planner's corrections to an extracted plan's indicator table, before it is stored.

The review step shows every row of the plan's indicator tables (the rows the reader
flagged ``doubtful`` marked); the planner may change a cell. A correction names the cell
(table, row, field), what the reader read there and what the planner set. Applying it
checks that the cell still holds what was read (the document is read again on every
request, so a different file or a changed reader is caught, never silently overwritten),
sets the value and maps the row again (catalogue match and target rule), so what is
stored is what the planner saw.

Plain functions over ``ExtractedPlan``; no web framework, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthplan.extract import ExtractedPlan
from healthplan.extract.model import IndicatorRow

# The cells a planner may correct, with their Chinese column names.
FIELDS = {"category": "领域", "seq": "序号", "name": "指标", "unit": "单位",
          "baseline": "基期值", "target": "目标值", "attribute": "属性"}
MAX_CELL = 200  # characters: far above any printed cell, far below a pasted page
REQUIRED = ("name",)  # a row without a name is not an indicator


class CorrectionError(ValueError):
    """A correction that cannot be applied; the message (Chinese) names the cell."""


@dataclass(frozen=True)
class Correction:
    table: int  # index of the indicator table in the extracted plan (0-based)
    row: int  # index of the row in that table (0-based)
    field: str  # one of FIELDS
    read: str  # what the reader read in the cell
    value: str  # what the planner set


@dataclass(frozen=True)
class AppliedCorrection:
    """A correction as applied, with where it was made (for the audit log)."""

    correction: Correction
    name: str  # the row's indicator name as read
    line_start: int
    line_end: int
    page: int | None
    doubtful: str | None  # the reader's reason for doubting the row, if it did
    indicator_id: str | None  # after the correction

    def describe(self) -> str:
        c = self.correction
        where = f"第 {self.line_start} 行" + (f"（第 {self.page} 页）" if self.page else "")
        return (f"指标表{where}“{self.name}”的{FIELDS[c.field]}：读取为“{c.read or '（空）'}”，"
                f"更正为“{c.value or '（空）'}”")

    def to_json(self) -> dict:
        c = self.correction
        return {"table": c.table, "row": c.row, "field": c.field, "field_cn": FIELDS[c.field],
                "read": c.read, "set": c.value, "name": self.name,
                "line_start": self.line_start, "line_end": self.line_end, "page": self.page,
                "doubtful": self.doubtful, "indicator_id": self.indicator_id}


def cell(row: IndicatorRow, field: str) -> str:
    return getattr(row, field) or ""


def find_row(extracted: ExtractedPlan, table: int, row: int) -> IndicatorRow:
    tables = extracted.indicator_tables
    if not 0 <= table < len(tables):
        raise CorrectionError(f"更正的单元格不存在：没有第 {table + 1} 个指标表")
    rows = tables[table].rows
    if not 0 <= row < len(rows):
        raise CorrectionError(f"更正的单元格不存在：第 {table + 1} 个指标表没有第 {row + 1} 行")
    return rows[row]


def check_value(field: str, value: str, where: str) -> str:
    """The value as it will be stored (stripped), or CorrectionError saying why not."""
    if field not in FIELDS:
        raise CorrectionError(f"{where}：列“{field}”不能更正（可更正：{'、'.join(FIELDS.values())}）")
    text = value.strip()
    if "\x00" in text or "\n" in text or "\r" in text:
        raise CorrectionError(f"{where}{FIELDS[field]}：更正值不能含换行或空字符")
    if len(text) > MAX_CELL:
        raise CorrectionError(f"{where}{FIELDS[field]}：更正值超过 {MAX_CELL} 个字符")
    if field in REQUIRED and not text:
        raise CorrectionError(f"{where}{FIELDS[field]}：指标名称不能为空")
    return text


def apply_corrections(extracted: ExtractedPlan,
                      corrections: list[Correction]) -> list[AppliedCorrection]:
    """Apply every correction to ``extracted`` (in place), all or none: each is checked
    first (the cell exists, still holds what was read, the value is acceptable), then
    the rows are changed and mapped again. A correction that sets what is already there
    changes nothing and is left out of the result."""
    from healthplan.mapping import map_row

    seen: set[tuple[int, int, str]] = set()
    checked = []
    for c in corrections:
        row = find_row(extracted, c.table, c.row)
        where = f"指标表第 {row.line_start} 行“{row.name}”"
        value = check_value(c.field, c.value, where)
        key = (c.table, c.row, c.field)
        if key in seen:
            raise CorrectionError(f"{where}{FIELDS[c.field]}：同一单元格有两处更正")
        seen.add(key)
        if cell(row, c.field) != c.read:
            raise CorrectionError(
                f"{where}{FIELDS[c.field]}：文件中读取的是“{cell(row, c.field)}”，"
                f"而更正所依据的是“{c.read}”；文件与审核时不一致，请重新上传后再更正")
        if value != c.read:
            checked.append((row, Correction(c.table, c.row, c.field, c.read, value)))
    before = {id(row): (row.name, row.doubtful) for row, _ in checked}
    for row, c in checked:
        setattr(row, c.field, c.value)
    for row in {id(row): row for row, _ in checked}.values():
        map_row(row, extracted.indicator_tables[_table_of(extracted, row)].kind)
    return [AppliedCorrection(c, before[id(row)][0], row.line_start, row.line_end, row.page,
                              before[id(row)][1], row.indicator_id)
            for row, c in checked]


def _table_of(extracted: ExtractedPlan, row: IndicatorRow) -> int:
    return next(k for k, t in enumerate(extracted.indicator_tables)
                if any(r is row for r in t.rows))


def corrections_from_cells(cells: dict[tuple[int, int, str], str],
                           read: dict[tuple[int, int, str], str]) -> list[Correction]:
    """The corrections a review form makes: every submitted cell whose text differs from
    what the form says was read there (the form sends every cell and what was read in
    each; untouched cells are not corrections). ``apply_corrections`` then checks the
    document still reads so."""
    out = []
    for key, value in sorted(cells.items()):
        if key not in read:
            raise CorrectionError(f"第 {key[0] + 1} 个指标表第 {key[1] + 1} 行：缺少读取值，"
                                  "表单不完整，请重新上传")
        if value.strip() != read[key]:
            out.append(Correction(*key, read=read[key], value=value))
    return out


def cell_key(table: int, row: int, field: str) -> str:
    """A cell's name in a review form (``cell_of`` reads it back)."""
    return f"{table}-{row}-{field}"


def cell_of(key: str) -> tuple[int, int, str] | None:
    parts = key.split("-")
    if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit() and parts[2] in FIELDS:
        return int(parts[0]), int(parts[1]), parts[2]
    return None


def review_tables(extracted: ExtractedPlan) -> list[dict]:
    """The indicator tables as the review step shows them (plain data for a page or JSON):
    each row's cells, line span, page, doubt and catalogue match."""
    tables = []
    for t, table in enumerate(extracted.indicator_tables):
        rows = []
        for r, row in enumerate(table.rows):
            rows.append({
                "table": t, "row": r, "cells": {f: cell(row, f) for f in FIELDS},
                "baseline_year": row.baseline_year, "target_year": row.target_year,
                "line_start": row.line_start, "line_end": row.line_end, "page": row.page,
                "doubtful": row.doubtful, "confidence": row.confidence,
                "doubtful_cells": [f for f in row.doubtful_cells if f in FIELDS],
                "indicator_id": row.indicator_id,
            })
        tables.append({"index": t, "caption": table.caption, "kind": table.kind,
                       "period": [table.period.start, table.period.end] if table.period else None,
                       "line_start": table.line_start, "line_end": table.line_end,
                       "page": table.page, "rows": rows})
    return tables


__all__ = [
    "FIELDS",
    "AppliedCorrection",
    "Correction",
    "CorrectionError",
    "apply_corrections",
    "cell_key",
    "cell_of",
    "corrections_from_cells",
    "review_tables",
]
