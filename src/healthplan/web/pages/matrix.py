"""The regional 驾驶舱 pages: a plan's matrix of subordinate regions × indicators (filters,
sorting, click-through), the ranking chart of one indicator, their Excel and SVG exports,
and the watch list of red warnings (预警清单) with its Excel export."""

from __future__ import annotations

import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from healthplan.early_warning import LEVEL_WORD
from healthplan.evaluate import VERDICT_CN
from healthplan.matrix import filter_matrix, sort_rows
from healthplan.web.api.matrix import cached_matrix, cached_watch_list, readable_matrix
from healthplan.web.pages.common import PageError, attachment, login, page, reading, render
from healthplan.web.pages.ranking_svg import ranking_svg
from healthplan.web.pages.views import check_year, plan_links, readable_plan

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SORTS = {"behind": "落后指标数（多者在前）", "code": "行政区划代码", "name": "地区名称"}
ATTRIBUTES = ("约束性", "预期性")
WATCH_PAGE = 50


def _matrix(request, session, me, plan_id: int, year: int | None):
    from healthplan.store.evaluation import YearOutOfRange

    plan = readable_plan(request, session, me, plan_id)
    check_year(plan, year)
    try:
        matrix = cached_matrix(session, plan.id, year)
    except YearOutOfRange as exc:
        raise PageError(f"{exc}。", 400, "年份无效") from None
    return plan, readable_matrix(session, me, matrix)


def _filtered(matrix, verdict: str, category: str, attribute: str, warning: str, sort: str):
    if verdict and verdict not in VERDICT_CN:
        raise PageError(f"结论筛选应为 {'、'.join(VERDICT_CN)} 之一，而不是 {verdict}。", 400, "参数无效")
    if warning and warning not in LEVEL_WORD:
        raise PageError(f"预警筛选应为 red、yellow 或 green，而不是 {warning}。", 400, "参数无效")
    if attribute and attribute not in ATTRIBUTES:
        raise PageError(f"属性筛选应为约束性或预期性，而不是 {attribute}。", 400, "参数无效")
    if sort and sort not in SORTS:
        raise PageError(f"排序应为 {'、'.join(SORTS)} 之一，而不是 {sort}。", 400, "参数无效")
    shown = filter_matrix(matrix, verdict=verdict, category=category, attribute=attribute,
                          warning=warning)
    shown.rows = sort_rows(shown.rows, sort or "behind")
    return shown


@router.get("/plans/{plan_id}/matrix", response_class=HTMLResponse)
@page
def matrix_page(request: Request, plan_id: int, year: int | None = None, verdict: str = "",
                category: str = "", attribute: str = "", warning: str = "", sort: str = "behind"):
    with reading(request) as session:
        me = login(request, session)
        plan, matrix = _matrix(request, session, me, plan_id, year)
        shown = _filtered(matrix, verdict, category, attribute, warning, sort)
        categories = list(dict.fromkeys(c.category for c in matrix.columns))
        counts = {level: sum(1 for r in matrix.rows for c in r.cells.values()
                             if c.warning == level) for level in LEVEL_WORD}
        query = request.url.query
        return render(request, "matrix.html", plan=plan, m=shown, full=matrix,
                      categories=categories, years=list(range(plan.period_start - 1,
                                                              plan.period_end + 2)),
                      f={"verdict": verdict, "category": category, "attribute": attribute,
                         "warning": warning, "sort": sort or "behind"},
                      SORTS=SORTS, LEVEL_WORD=LEVEL_WORD, counts=counts, query=query,
                      links=plan_links(session, me, plan))


@router.get("/plans/{plan_id}/matrix/ranking", response_class=HTMLResponse)
@page
def ranking_page(request: Request, plan_id: int, indicator: str = "", year: int | None = None):
    with reading(request) as session:
        me = login(request, session)
        plan, matrix = _matrix(request, session, me, plan_id, year)
        column = _column(matrix, indicator)
        chart = ranking_svg(column, matrix.ranking(column.id), parent=plan.region.name)
        return render(request, "ranking.html", plan=plan, m=matrix, column=column, chart=chart,
                      ranking=matrix.ranking(column.id), links=plan_links(session, me, plan),
                      absent=[r for r in matrix.rows if column.id not in r.cells])


def _column(matrix, indicator: str):
    if not matrix.columns:
        raise PageError("该规划没有可对比的指标或下级规划。")
    indicator = indicator or matrix.columns[0].id
    for c in matrix.columns:
        if c.id == indicator:
            return c
    raise PageError(f"区域对比中没有指标 {indicator}。")


@router.get("/plans/{plan_id}/matrix/ranking.svg")
@page
def ranking_image(request: Request, plan_id: int, indicator: str = "", year: int | None = None):
    with reading(request) as session:
        me = login(request, session)
        plan, matrix = _matrix(request, session, me, plan_id, year)
        column = _column(matrix, indicator)
        svg = ranking_svg(column, matrix.ranking(column.id), parent=plan.region.name)
        name = f"{plan.region.name}{matrix.year}年{column.name}排名.svg"
    return attachment(str(svg).encode("utf-8"), name, "image/svg+xml")


@router.get("/plans/{plan_id}/matrix.xlsx")
@page
def matrix_workbook(request: Request, plan_id: int, year: int | None = None, verdict: str = "",
                    category: str = "", attribute: str = "", warning: str = "",
                    sort: str = "behind"):
    with reading(request) as session:
        me = login(request, session)
        plan, matrix = _matrix(request, session, me, plan_id, year)
        shown = _filtered(matrix, verdict, category, attribute, warning, sort)
        data = write_matrix_workbook(plan, shown)
        name = f"{plan.region.name}{shown.year}年区域对比.xlsx"
    return attachment(data, name, XLSX)


def write_matrix_workbook(plan, m) -> bytes:
    """Three sheets: 区域对比 (a value row and a verdict row per region: values as numbers,
    verdicts and warnings as words), 排名 (each indicator's ranking with the parent's target
    and the national figure), 数据来源 (each cell's source)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from healthplan.workbooks import neutralise

    fills = {"red": "FFC1BC", "yellow": "F5D393", "green": "ACEEBB"}
    wb = Workbook()
    ws = wb.active
    ws.title = "区域对比"
    ws.append([f"{plan.title} 下级地区 × 指标（{m.year}年）"])
    ws.append(["地区", "行政区划代码", "项目", *[f"{c.name}（{c.unit}）" if c.unit else c.name
                                          for c in m.columns]])
    ws.append(["", "", "属性", *[c.attribute for c in m.columns]])
    for r in m.rows:
        ws.append([r.region, r.region_code, "最新值",
                   *[(r.cells[c.id].value if c.id in r.cells else None) for c in m.columns]])
        ws.append([r.region, r.region_code, "数据年份",
                   *[(r.cells[c.id].year if c.id in r.cells else None) for c in m.columns]])
        ws.append([r.region, r.region_code, "结论",
                   *[(VERDICT_CN[r.cells[c.id].verdict] if c.id in r.cells else "缺项（规划未设该指标）")
                     for c in m.columns]])
        row = [r.region, r.region_code, "预警",
               *[(LEVEL_WORD.get(r.cells[c.id].warning, "—") if c.id in r.cells else "缺项")
                 for c in m.columns]]
        ws.append(row)
        for k, c in enumerate(m.columns):
            level = r.cells[c.id].warning if c.id in r.cells else None
            if level:
                ws.cell(ws.max_row, 4 + k).fill = PatternFill("solid", fgColor=fills[level])
    ws["A1"].font = Font(bold=True, size=13)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    ws.freeze_panes = "D4"
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 12

    rk = wb.create_sheet("排名")
    rk.append(["指标", "名次", "地区", "最新值", "数据年份", "结论", "预警",
               f"{plan.region.name}目标", "全国", "全国数据年份"])
    for c in m.columns:
        for k, (r, cell) in enumerate(m.ranking(c.id), start=1):
            rk.append([c.name, k, r.region, cell.value, cell.year, VERDICT_CN[cell.verdict],
                       LEVEL_WORD.get(cell.warning, "—"), c.parent_target or None,
                       c.national[1] if c.national else None,
                       c.national[0] if c.national else None])
    src = wb.create_sheet("数据来源")
    src.append(["地区", "指标", "数据年份", "最新值", "来源", "结论说明"])
    for r in m.rows:
        for c in m.columns:
            cell = r.cells.get(c.id)
            if cell is not None and cell.value is not None:
                src.append([r.region, c.name, cell.year, cell.value, cell.source or "",
                            cell.explanation])
    src.append([])
    src.append(["说明：最新值为截至评价年份的最新监测值；结论与预警规则见系统说明（README“预警规则”）；"
                "“缺项”指该地区规划未设该指标，与“无数据”（设有指标但尚无监测值）不同。"])
    neutralise(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- watch list


@router.get("/warnings", response_class=HTMLResponse)
@page
def watch_page(request: Request, year: int | None = None, binding: bool = True,
               page_no: int = 1, region: str = ""):
    with reading(request) as session:
        me = login(request, session)
        items = cached_watch_list(session, me, "red", binding, year)
        if region:
            items = [i for i in items if region in i.region]
        pages = max(1, -(-len(items) // WATCH_PAGE))
        page_no = min(max(1, page_no), pages)
        return render(request, "warnings.html", items=items[(page_no - 1) * WATCH_PAGE:
                                                             page_no * WATCH_PAGE],
                      total=len(items), page=page_no, pages=pages, year=year, binding=binding,
                      region=region, query=request.url.query)


@router.get("/warnings.xlsx")
@page
def watch_workbook(request: Request, year: int | None = None, binding: bool = True,
                   region: str = ""):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from healthplan.workbooks import neutralise

    with reading(request) as session:
        me = login(request, session)
        items = cached_watch_list(session, me, "red", binding, year)
    if region:
        items = [i for i in items if region in i.region]
    wb = Workbook()
    ws = wb.active
    ws.title = "预警清单"
    ws.append(["序号", "地区", "行政区划代码", "规划", "指标", "属性", "评价年份", "预警起始年份",
               "结论", "最新值", "数据年份", "原因（结论说明）", "整改时限", "责任单位"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for k, i in enumerate(items, start=1):
        ws.append([k, i.region, i.region_code, i.plan_title, i.name, i.attribute, i.year,
                   i.since, VERDICT_CN[i.verdict], i.value, i.value_year, i.explanation, "", ""])
    neutralise(wb)
    out = io.BytesIO()
    wb.save(out)
    return attachment(out.getvalue(), "预警清单（督办）.xlsx", XLSX)
