"""The fill-in template (填报模板) for a plan, and reading it back once filled.

One sheet, 填报表, laid out as a county statistics clerk expects::

    江苏省无锡市江阴市 《…卫生健康发展规划》 主要指标监测值填报表           (title)
    地区：江苏省无锡市江阴市（320281）　规划：《…》（2021–2025）　规划编号：7
    填写说明：……
    整表数据来源（各行未填时使用）：[ input ]
    (blank)
    指标代码 | 序号 | 指标 | 单位 | 基期值（年份） | 目标值 | 属性 | 2021年 … 2025年 | 数据来源 | 备注
    one row per target of the plan (a 两项合列 row as one row per part)

The 指标代码 column (the catalogue id) is hidden, so the import does not depend on the
names; a hidden sheet ``_meta`` holds the plan id, the region code and the template
version, which is how an import recognises a template. Value cells carry Excel data
validation (a decimal within the catalogue's plausible bounds, with a Chinese message).
Values are in the catalogue's unit; where the plan printed another unit the 单位 cell
says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from healthplan import catalog
from healthplan.catalog import normalise_unit
from healthplan.catalog.units import units_compatible
from healthplan.documents.model import DocumentError
from healthplan.imports.rows import (
    ObservationFile,
    Problem,
    RawRow,
    TemplateInfo,
    cell_text,
    check_cells,
    number_text,
)
from healthplan.store.models import Plan
from healthplan.store.regions import full_name
from healthplan.workbooks import neutralise

KIND = "healthplan-observation-template"
VERSION = 1
SHEET = "填报表"
META = "_meta"
HEADER_ROW = 6
SOURCE_CELL = "D4"
FIXED_HEADERS = ("指标代码", "序号", "指标", "单位", "基期值（年份）", "目标值", "属性")
FIXED_WIDTHS = (14, 6, 34, 11, 16, 16, 8)
YEAR_WIDTH = 11
SOURCE_HEADER, NOTE_HEADER = "数据来源", "备注"
INSTRUCTIONS = (
    "填写说明：在各年份列填写该年的监测值，只填数字（按“单位”列的单位，不带单位和文字）；"
    "每个数值都须注明数据来源——填在本行“数据来源”列，或在上方“整表数据来源”填写一次；"
    "更正已报送的数值时请在“备注”中写明原因；灰色各列和表头请勿修改，不要删除或插入行列。"
)


class TemplateError(ValueError):
    """A template that cannot be made (no such plan); the message is for the user."""


@dataclass(frozen=True)
class TemplateRow:
    """One row of the template (plain data)."""

    seq: str
    name: str
    unit: str  # as shown: the plan's unit, with the unit to fill in if that differs
    baseline: str
    target: str
    attribute: str
    indicator_id: str | None  # None: not in the catalogue, cannot be imported
    bounds: tuple[float, float] | None = None
    note: str = ""


def template_rows(plan: Plan) -> list[TemplateRow]:
    """The rows for a plan's targets, in table order; an indicator shown once."""
    known = catalog.load_catalog()
    rows: list[TemplateRow] = []
    seen: set[str] = set()
    for target in plan.targets:
        baseline = target.baseline_text or ""
        if target.baseline_year and re.search(r"\d", baseline):
            baseline += f"（{target.baseline_year}年）"
        common = dict(seq=target.seq, baseline=baseline, target=target.target_text,
                      attribute=target.attribute)
        if target.indicator_id not in known:
            rows.append(TemplateRow(name=target.name, unit=target.unit, indicator_id=None,
                                    note="未对应指标目录，暂不能导入", **common))
            continue
        indicator = known.get(target.indicator_id)
        parts = [known.get(c) for c in indicator.components] or [indicator]
        for part in parts:
            if part.id in seen:
                continue
            seen.add(part.id)
            name = f"{target.name}——{part.name}" if indicator.fused else target.name
            unit = part.unit if indicator.fused else _shown_unit(target.unit, target.name, part)
            rows.append(TemplateRow(name=name, unit=unit, indicator_id=part.id,
                                    bounds=part.bounds, **common))
    return rows


def _shown_unit(printed: str, name: str, indicator: catalog.Indicator) -> str:
    unit = normalise_unit(printed or "", name)
    if not (printed or "").strip():
        return indicator.unit
    if unit is not None and units_compatible(unit, indicator.unit):
        return printed
    return f"{printed}（按{indicator.unit or '无单位'}填报）"


def write_template(session: Session, plan_id: int, path: str | Path,
                   years: list[int] | None = None) -> Path:
    """Write the fill-in template of plan ``plan_id`` to ``path`` (.xlsx)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise TemplateError(f"规划编号 {plan_id} 不存在（可用 healthplan plans 查看已入库的规划）")
    years = list(years or range(plan.period_start, plan.period_end + 1))
    workbook = _workbook(plan, template_rows(plan), years)
    path = Path(path)
    workbook.save(path)
    return path


# --------------------------------------------------------------------------- writing


def _workbook(plan: Plan, rows: list[TemplateRow], years: list[int]):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    headers = [*FIXED_HEADERS, *(f"{y}年" for y in years), SOURCE_HEADER, NOTE_HEADER]
    _heading(sheet, plan, len(headers))
    _table(sheet, headers, rows, years)
    _layout(sheet, headers, years)
    _meta_sheet(workbook, plan, years)
    return neutralise(workbook)


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="A0A0A0")
    return {
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "header_fill": PatternFill("solid", fgColor="D9E1F2"),
        "fixed_fill": PatternFill("solid", fgColor="F2F2F2"),
        "input_fill": PatternFill("solid", fgColor="FFF2CC"),
        "bold": Font(bold=True),
        "title": Font(bold=True, size=14),
        "wrap": Alignment(wrap_text=True, vertical="center"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
    }


def _heading(sheet, plan: Plan, width: int) -> None:
    from openpyxl.utils import get_column_letter

    style = _styles()
    last = get_column_letter(width)
    region = f"{full_name(plan.region)}（{plan.region.code}）"
    lines = [
        (1, f"{full_name(plan.region)} 《{plan.title}》 主要指标监测值填报表", style["title"]),
        (2, f"地区：{region}　规划：《{plan.title}》（{plan.period}）　规划编号：{plan.id}　"
            f"模板版本：{VERSION}", None),
        (3, INSTRUCTIONS, None),
    ]
    for row, text, font in lines:
        sheet.merge_cells(f"B{row}:{last}{row}")
        cell = sheet[f"B{row}"]
        cell.value = text
        cell.alignment = style["wrap"]
        if font is not None:
            cell.font = font
    sheet.row_dimensions[1].height = 24
    sheet.row_dimensions[3].height = 48
    sheet["C4"] = "整表数据来源（各行未填时使用）："
    sheet["C4"].font = style["bold"]
    sheet["C4"].alignment = style["wrap"]
    sheet.merge_cells(f"{SOURCE_CELL}:G4")
    sheet[SOURCE_CELL].fill = style["input_fill"]
    sheet[SOURCE_CELL].border = style["border"]


def _table(sheet, headers: list[str], rows: list[TemplateRow], years: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    style = _styles()
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(HEADER_ROW, col, text)
        cell.font, cell.fill = style["bold"], style["header_fill"]
        cell.alignment, cell.border = style["center"], style["border"]
    first_year = len(FIXED_HEADERS) + 1
    for k, row in enumerate(rows):
        r = HEADER_ROW + 1 + k
        fixed = (row.indicator_id or "", row.seq, row.name, row.unit, row.baseline, row.target,
                 row.attribute)
        for col, value in enumerate(fixed, start=1):
            cell = sheet.cell(r, col, value)
            cell.fill, cell.border = style["fixed_fill"], style["border"]
            cell.alignment = style["wrap"]
        for col in range(first_year, len(headers) + 1):
            cell = sheet.cell(r, col)
            cell.border = style["border"]
            if row.indicator_id is None and col < first_year + len(years):
                cell.fill = style["fixed_fill"]  # nothing to fill in: not importable
        if row.note:
            sheet.cell(r, len(headers), row.note)
        # Excel does not grow a row for wrapped text on its own. A Chinese character is
        # two width units wide, a Latin one one; 15 points a line.
        lines = max(math.ceil(sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text)) / (width - 1))
                    for text, width in zip(fixed[1:], FIXED_WIDTHS[1:], strict=True))
        if lines > 1:
            sheet.row_dimensions[r].height = 15 * lines
        if row.indicator_id is not None:
            span = (f"{get_column_letter(first_year)}{r}:"
                    f"{get_column_letter(first_year + len(years) - 1)}{r}")
            sheet.add_data_validation(_validation(row, span))


def _validation(row: TemplateRow, cells: str):
    from openpyxl.worksheet.datavalidation import DataValidation

    low, high = (number_text(b) for b in row.bounds)
    unit = row.unit or "无单位"
    check = DataValidation(
        type="decimal", operator="between", formula1=low, formula2=high, allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle="数值不合理",
        error=(f"“{row.name[:60]}”应填 {low}～{high} 之间的数字（单位：{unit}），"
               "只填数字，不带单位和文字。"),
        showInputMessage=True, promptTitle="填写监测值",
        prompt=f"单位：{unit}；合理范围 {low}～{high}",
    )
    check.add(cells)
    return check


def _layout(sheet, headers: list[str], years: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    widths = [*FIXED_WIDTHS, *([YEAR_WIDTH] * len(years)), 28, 28]
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.column_dimensions["A"].hidden = True  # 指标代码: for the import, not the clerk
    sheet.row_dimensions[HEADER_ROW].height = 30
    sheet.freeze_panes = f"D{HEADER_ROW + 1}"  # header rows and 序号/指标 stay in view
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _meta_sheet(workbook, plan: Plan, years: list[int]) -> None:
    meta = workbook.create_sheet(META)
    entries = {
        "kind": KIND, "version": VERSION, "plan_id": plan.id, "plan_title": plan.title,
        "region_code": plan.region.code, "region_name": full_name(plan.region),
        "period": plan.period, "years": ",".join(str(y) for y in years), "sheet": SHEET,
        "header_row": HEADER_ROW, "source_cell": SOURCE_CELL,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for key, value in entries.items():
        meta.append([key, value])
    meta.sheet_state = "hidden"


# --------------------------------------------------------------------------- reading

_YEAR_HEADER = re.compile(r"^(\d{4})年$")


def read_template(path: str, digest: str, workbook, formulas) -> ObservationFile:
    """The filled cells of a template as rows (one per value), with the template's plan.
    ``formulas`` is the same workbook read with its formulas (see ``check_cells``)."""
    meta = _read_meta(path, workbook[META])
    if meta["sheet"] not in workbook.sheetnames:
        raise DocumentError(path, f"模板中找不到工作表“{meta['sheet']}”（工作表被改名或删除）")
    sheet = workbook[meta["sheet"]]
    columns = _columns(path, sheet, meta["header_row"])
    headers = {col: cell_text(sheet.cell(meta["header_row"], col).value)
               for col in range(1, sheet.max_column + 1)}
    check_cells(path, sheet, formulas[meta["sheet"]], first_row=meta["header_row"] + 1,
                headers=headers, also=(meta["source_cell"],))
    sheet_source = cell_text(sheet[meta["source_cell"]].value)
    rows: list[RawRow] = []
    problems: list[Problem] = []
    for r in range(meta["header_row"] + 1, sheet.max_row + 1):
        row_rows, problem = _template_row(sheet, r, columns, meta["region_code"], sheet_source)
        rows.extend(row_rows)
        if problem is not None:
            problems.append(problem)
    if not rows and not problems:
        raise DocumentError(path, "模板中没有填写任何监测值")
    info = TemplateInfo(meta["plan_id"], meta["region_code"], meta["version"])
    return ObservationFile(path, "template", digest, rows, info, problems)


def _read_meta(path: str, sheet) -> dict:
    meta = {cell_text(k): cell_text(v) for k, v, *_ in sheet.iter_rows(values_only=True)
            if k is not None}
    broken = DocumentError(path, "模板的隐藏工作表 _meta 已损坏，请重新生成模板")
    if meta.get("kind") != KIND:
        raise broken
    try:
        out = {"plan_id": int(meta["plan_id"]), "version": int(meta["version"]),
               "header_row": int(meta["header_row"]), "region_code": meta["region_code"],
               "sheet": meta["sheet"], "source_cell": meta["source_cell"]}
    except (KeyError, ValueError):
        raise broken from None
    if out["version"] > VERSION:
        raise DocumentError(path, f"模板版本 {out['version']} 比本程序新，请升级 healthplan "
                                  "或用本程序重新生成模板")
    return out


@dataclass(frozen=True)
class _Columns:
    code: int
    name: int
    years: dict[int, int]  # column → year
    source: int
    note: int | None


def _columns(path: str, sheet, header_row: int) -> _Columns:
    headers = {col: cell_text(sheet.cell(header_row, col).value)
               for col in range(1, sheet.max_column + 1)}
    by_text = {text: col for col, text in headers.items() if text}
    years = {col: int(m.group(1)) for col, text in headers.items()
             if (m := _YEAR_HEADER.match(text))}
    missing = [h for h in ("指标代码", "指标", SOURCE_HEADER) if h not in by_text]
    if missing or not years:
        missing += [] if years else ["年份列（如“2023年”）"]
        raise DocumentError(path, f"模板第{header_row}行表头缺少“{'”“'.join(missing)}”"
                                  "（表头被改动），请重新生成模板")
    return _Columns(by_text["指标代码"], by_text["指标"], years, by_text[SOURCE_HEADER],
                    by_text.get(NOTE_HEADER))


def _template_row(sheet, r: int, columns: _Columns, region_code: str, sheet_source: str
                  ) -> tuple[list[RawRow], Problem | None]:
    def text(col: int | None) -> str:
        if col is None:
            return ""
        cell = sheet.cell(r, col)
        return cell_text(cell.value, cell.number_format)

    filled = {year: value for col, year in columns.years.items() if (value := text(col))}
    if not filled:
        return [], None
    code, name = text(columns.code), text(columns.name)
    if not code:
        return [], Problem(r, "指标", f"“{name}”没有指标代码（未对应指标目录，或隐藏的指标代码列"
                                     "被改动），本行数值不能导入", field="indicator")
    source = text(columns.source) or sheet_source
    labels = {"region": "地区", "indicator": "指标", "source": SOURCE_HEADER,
              "note": NOTE_HEADER}
    return [RawRow(r, {"region": region_code, "indicator": code, "year": str(year),
                       "value": value, "source": source, "note": text(columns.note)},
                   {**labels, "year": f"{year}年", "value": f"{year}年"})
            for year, value in filled.items()], None
