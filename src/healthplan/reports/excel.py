"""The Excel workbook of a report: the evaluation table, every figure used, the sources.

Five sheets, each ready to print (A4 landscape, fitted to the page width, the header row
repeated on every page, page numbers in the footer):

* 指标评价 — one row per indicator: baseline, target, rule, latest value, verdict, gap,
  completion, the national figure, the explanation and the source. Verdict cells are
  coloured by verdict; binding (约束性) indicators behind their target are shaded.
* 监测数据 — every observation the report used (current versions, up to the report
  year), and the national figures marked 全国, each with its source.
* 承诺与专栏 — every tracked commitment and 专栏 project: rule, latest recorded progress
  and its source, verdict and explanation; a placeholder where nothing is recorded.
* 数据来源 — the annex: each source and the indicators (or tracked items) it gave figures for.
* 说明 — what the report is, what each verdict means, and how to read the workbook.

Nothing is written until the whole workbook is made; it then goes to a temporary file in
the target folder and is moved into place (:func:`~healthplan.reports.output.write_atomically`),
so a failure never leaves a half-written file.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from healthplan.reports.content import (
    VERDICT_ORDER,
    VERDICT_TEXT,
    IndicatorSection,
    Placeholder,
    Report,
    cn_date,
)
from healthplan.reports.output import write_atomically
from healthplan.targets import _fmt
from healthplan.workbooks import neutralise

EVALUATION, OBSERVATIONS, SOURCES, NOTES = "指标评价", "监测数据", "数据来源", "说明"
TRACKED = "承诺与专栏"

# (header, width in Excel character units)
EVALUATION_COLUMNS = (
    ("序号", 5), ("指标", 24), ("单位", 7), ("属性", 7), ("基期值（年）", 12), ("目标值", 11),
    ("规则", 20), ("最新值", 9), ("年份", 6), ("结论", 10), ("差距", 8), ("完成进度%", 9),
    ("全国（年）", 12), ("说明", 44), ("数据来源", 28),
)
OBSERVATION_COLUMNS = (
    ("序号", 5), ("指标", 30), ("地区", 10), ("年份", 6), ("数值", 10), ("单位", 8),
    ("版本", 5), ("来源", 70),
)
SOURCE_COLUMNS = (("序号", 5), ("数据来源", 60), ("涉及指标", 80))
TRACKED_COLUMNS = (
    ("序号", 5), ("类别", 8), ("编号", 8), ("内容", 36), ("时限", 8), ("规则", 24),
    ("最新进展", 14), ("结论", 10), ("说明", 50), ("来源", 30),
)

# Verdict colours (fill, font): the greens, yellow and red of Excel's "good / neutral /
# bad" cell styles, grey for no data, blue for a human judgement to record.
VERDICT_COLOURS = {
    "achieved": ("C6EFCE", "006100"),
    "on_track": ("E2EFDA", "375623"),
    "at_risk": ("FFEB9C", "9C5700"),
    "off_track": ("F8CBAD", "833C0B"),
    "not_achieved": ("FFC7CE", "9C0006"),
    "no_data": ("EDEDED", "404040"),
    "needs_judgement": ("DDEBF7", "1F4E79"),
}
SHORTFALL_FILL = "FCE4E4"  # a binding indicator behind its target: the whole row
HEADER_FILL = "D9E1F2"

NUMBER = "General"  # figures as recorded: 2.57 stays 2.57, 100 stays 100
GAP = "+0.00;-0.00;0"  # positive is better than the target
PERCENT = "0.0%"
YEAR = "0"
LINE_HEIGHT = 13.5  # points per line of 10-point text
FONT_SIZE = 10


def write_report_xlsx(report: Report, path: str | Path) -> Path:
    """Write the report's workbook to ``path`` (all at once, or nothing); returns the path."""
    buffer = io.BytesIO()
    build_workbook(report).save(buffer)
    return write_atomically(path, buffer.getvalue())


def build_workbook(report: Report):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.title = report.report_title
    workbook.properties.creator = "healthplan"
    workbook.properties.subject = f"{report.region} {report.kind_cn}"
    _evaluation_sheet(workbook.active, report)
    _observations_sheet(workbook.create_sheet(OBSERVATIONS), report)
    _tracked_sheet(workbook.create_sheet(TRACKED), report)
    _sources_sheet(workbook.create_sheet(SOURCES), report)
    _notes_sheet(workbook.create_sheet(NOTES), report)
    if report.notice:  # the simulated database: in the footer of every printed page
        mark_simulated(workbook, report.notice)
    return neutralise(workbook)


def mark_simulated(workbook, notice: str) -> None:
    """The simulated database's words in the workbook's description and in the left
    footer of every sheet (the title rows carry them too)."""
    workbook.properties.description = notice
    for sheet in workbook.worksheets:
        sheet.oddFooter.left.text = notice
        sheet.oddFooter.left.size = 9
        sheet.oddFooter.left.color = "C00000"


# --------------------------------------------------------------------------- sheets


def _evaluation_sheet(sheet, report: Report) -> None:
    sheet.title = EVALUATION
    width = len(EVALUATION_COLUMNS)
    title = f"【{report.notice}】{report.report_title}" if report.notice else report.report_title
    _banner(sheet, 1, title, width, size=14, bold=True)
    _banner(sheet, 2, f"{report.region}　规划期 {report.period[0]}—{report.period[1]} 年　"
                      f"评价年份：{report.year}年　{report.summary_sentence()}", width)
    header = 3
    rows = [_evaluation_row(s) for s in report.indicators]
    _table(sheet, header, EVALUATION_COLUMNS, rows,
           formats={8: NUMBER, 9: YEAR, 11: GAP, 12: PERCENT}, centred={1, 3, 4, 9, 10})
    from openpyxl.styles import Font, PatternFill

    for k, section in enumerate(report.indicators):
        r = header + 1 + k
        if section.binding_shortfall:
            for col in range(1, width + 1):
                sheet.cell(r, col).fill = PatternFill("solid", fgColor=SHORTFALL_FILL)
            sheet.cell(r, 4).font = Font(size=FONT_SIZE, bold=True, color="C00000")
        fill, font = VERDICT_COLOURS[section.verdict]
        verdict = sheet.cell(r, 10)
        verdict.fill = PatternFill("solid", fgColor=fill)
        verdict.font = Font(size=FONT_SIZE, bold=True, color=font)
    sheet.freeze_panes = sheet.cell(header + 1, 3)  # header rows, 序号 and 指标 stay in view
    _print_setup(sheet, header)


def _evaluation_row(s: IndicatorSection) -> list:
    baseline = (f"{_fmt(s.baseline_value)}（{s.base_year}）" if s.baseline_value is not None
                else s.baseline_text.strip() or "—")
    national = (f"{_fmt(s.benchmark.value)}（{s.benchmark.year}）" if s.benchmark is not None
                else "—")
    return [
        s.position, s.name, s.unit or "—", s.attribute or "—", baseline, s.target_text or "—",
        s.rule, _number(s.latest_value), s.latest_year, s.verdict_cn, _number(s.gap),
        None if s.completion is None else _number(s.completion / 100), national,
        s.explanation, s.latest_source or "",
    ]


def _observations_sheet(sheet, report: Report) -> None:
    rows = []
    for s in report.indicators:
        for p in s.observations:
            rows.append([s.name, report.region, p.year, _number(p.value), s.unit, p.version,
                         p.source])
        if s.benchmark is not None:
            b = s.benchmark
            rows.append([s.name, "全国", b.year, _number(b.value), s.unit, None, b.source])
    rows = [[k, *row] for k, row in enumerate(rows, start=1)]
    _table(sheet, 1, OBSERVATION_COLUMNS, rows, formats={4: YEAR, 5: NUMBER, 7: YEAR},
           centred={1, 3, 4, 6, 7})
    sheet.freeze_panes = "C2"
    _print_setup(sheet, 1)


def _tracked_sheet(sheet, report: Report) -> None:
    from openpyxl.styles import Font, PatternFill

    items = [("承诺", f"承诺{c.position}", c.text, str(c.year or "规划期末"), c.progress)
             for c in report.commitments]
    items += [("专栏项目", f"专栏{p.number}" if p.number else f"第{p.position}个",
               p.title or "（无标题）", str(report.period[1]), p.progress) for p in report.projects]
    rows = []
    for k, (kind, label, text, due, progress) in enumerate(items, start=1):
        recorded = progress is not None and progress.latest is not None
        rows.append([
            k, kind, label, text, due, progress.rule if progress else "—",
            progress.latest if recorded else str(Placeholder("落实情况（尚无进展记录）")),
            progress.verdict_cn if progress else "—", progress.explanation if progress else "",
            (progress.source or "") if recorded else "",
        ])
    _table(sheet, 1, TRACKED_COLUMNS, rows, formats={}, centred={1, 2, 3, 5, 8})
    for k, (*_, progress) in enumerate(items):
        r = 2 + k
        if progress is None or progress.latest is None:
            sheet.cell(r, 7).font = Font(size=FONT_SIZE, bold=True, color="C00000")
        if progress is not None:
            fill, font = VERDICT_COLOURS[progress.verdict]
            sheet.cell(r, 8).fill = PatternFill("solid", fgColor=fill)
            sheet.cell(r, 8).font = Font(size=FONT_SIZE, bold=True, color=font)
    sheet.freeze_panes = "E2"
    _print_setup(sheet, 1)


def _sources_sheet(sheet, report: Report) -> None:
    sources = report.sources() + [(source, [f"{name}的进展" for name in names])
                                  for source, names in report.tracked_sources()]
    rows = [[k, source, "、".join(names)] for k, (source, names) in enumerate(sources, start=1)]
    _table(sheet, 1, SOURCE_COLUMNS, rows, formats={}, centred={1})
    sheet.freeze_panes = "A2"
    _print_setup(sheet, 1)


def _notes_sheet(sheet, report: Report) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    plain = Font(size=FONT_SIZE)
    issued = "，".join(x for x in (report.issuer, cn_date(report.issued_on), report.document_number)
                      if x)
    info = [
        ("报告", report.report_title),
        ("规划", f"《{report.title}》（{'征求意见稿' if report.status == 'draft' else '正式稿'}）"),
        ("地区", f"{report.region}（{report.region_code}）"),
        ("规划期", f"{report.period[0]}—{report.period[1]} 年"),
        ("报告类型", report.kind_cn),
        ("评价年份", f"{report.year}年"),
        ("印发", issued or "—"),
        ("生成日期", cn_date(report.generated_on)),
        ("结论汇总", report.summary_sentence()),
    ]
    rows: list[tuple[str, str, str | None]] = [("说明", "", None)]
    rows += [(k, v, None) for k, v in info]
    rows += [("", "", None), ("结论的含义", "", None)]
    rows += [(VERDICT_TEXT[v].split("：")[0], VERDICT_TEXT[v].split("：", 1)[-1], v)
             for v in VERDICT_ORDER]
    rows += [("", "", None), ("阅读提示", "", None)]
    notes = [
        ("差距", "最新值与目标值之差，按指标方向取号：正数表示优于目标，负数表示尚差多少。"),
        ("完成进度%", "（最新值 − 基期值）÷（目标值 − 基期值），即从基期到目标已完成的比例；"
                     "缺少基期值或基期已达标时为空。"),
        ("浅红色行", "约束性指标未达到或落后于预期进度（须在报告中说明原因和措施）。"),
        ("全国（年）", "国家卫生健康委员会统计公报等公布的全国数值，仅作参照，不参与结论判断。"),
        ("数据来源", "每个数值都注明来源；“监测数据”表列出报告使用的全部数值，"
                    "“数据来源”表列出各来源涉及的指标。"),
        ("待填写内容", "本工作簿和报告由系统根据规划文本和监测数据生成。原因分析、工作措施、"
                     "项目进展等系统无法知道的内容，在报告中以“【待填写：…】”标出，"
                     "须由报告撰写人填写，系统不代为撰写：" +
                     "；".join(p.prompt for p in report.placeholders) + "。"),
    ]
    rows += [(k, v, None) for k, v in notes]
    for r, (label, text, verdict) in enumerate(rows, start=1):
        a, b = sheet.cell(r, 1, label), sheet.cell(r, 2, text)
        heading = label in ("说明", "结论的含义", "阅读提示") and not text
        a.font = Font(size=12 if heading else FONT_SIZE, bold=True)
        b.font = plain
        a.alignment = b.alignment = wrap
        if verdict is not None:
            fill, colour = VERDICT_COLOURS[verdict]
            a.fill = PatternFill("solid", fgColor=fill)
            a.font = Font(size=FONT_SIZE, bold=True, color=colour)
        if label == "浅红色行":
            a.fill = PatternFill("solid", fgColor=SHORTFALL_FILL)
        lines = _lines(text, 100)
        if lines > 1:
            sheet.row_dimensions[r].height = LINE_HEIGHT * lines + 2
    _print_setup(sheet, None)


# --------------------------------------------------------------------------- layout


def _banner(sheet, row: int, text: str, width: int, *, size: int = FONT_SIZE,
            bold: bool = False) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.merge_cells(f"A{row}:{get_column_letter(width)}{row}")
    cell = sheet.cell(row, 1, text)
    cell.font = Font(size=size, bold=bold)
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.row_dimensions[row].height = max(size * 1.8, LINE_HEIGHT * _lines(text, 180) + 4)


def _table(sheet, header: int, columns, rows: list[list], *, formats: dict[int, str],
           centred: set[int]) -> None:
    """A bordered table with a header row at ``header``, an autofilter over it, and row
    heights for the wrapped text (Excel does not grow rows for wrapped text on its own)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="A0A0A0")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_font = Font(size=FONT_SIZE, bold=True)
    font = Font(size=FONT_SIZE)
    head_fill = PatternFill("solid", fgColor=HEADER_FILL)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")
    widths = [w for _, w in columns]
    for col, (title, width) in enumerate(columns, start=1):
        cell = sheet.cell(header, col, title)
        cell.font, cell.fill, cell.border, cell.alignment = head_font, head_fill, border, centre
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.row_dimensions[header].height = 28
    for k, values in enumerate(rows):
        r = header + 1 + k
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(r, col, value)
            cell.font, cell.border = font, border
            if col in formats:
                cell.number_format = formats[col]
            if col in centred:
                cell.alignment = centre
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.alignment = right
            else:
                cell.alignment = left
        lines = max((_lines(v, w) for v, w in zip(values, widths, strict=True)
                     if isinstance(v, str)), default=1)
        if lines > 1:
            sheet.row_dimensions[r].height = LINE_HEIGHT * lines + 3
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{header}:{last}{header + max(len(rows), 1)}"


def _print_setup(sheet, header_row: int | None) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0  # as many pages as needed
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.horizontalCentered = True
    if header_row is not None:
        sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.center.size = 9
    sheet.oddHeader.right.text = "&A"  # the sheet's name
    sheet.oddHeader.right.size = 9


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a column ``width`` wide (a CJK character is two
    units wide, others one; explicit line breaks count)."""
    units = [sum(2 if ord(ch) > 0x2E7F else 1 for ch in part) for part in str(text).split("\n")]
    return sum(max(1, math.ceil(u / max(width - 1, 1))) for u in units)


def _number(x: float | None) -> float | None:
    """A figure without binary noise (0.4899999999999949 → 0.49)."""
    return None if x is None else float(f"{x:.10g}")
