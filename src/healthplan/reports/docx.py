"""The Word report: A4, in the manner of Chinese official documents.

Title in 方正小标宋 二号, first-level headings 黑体 三号, second-level 楷体 三号, body
仿宋 三号 with a two-character indent, tables in 仿宋 五号, page numbers “— 1 —” at the
foot. Fonts are named as Word on a Chinese system knows them; elsewhere the viewer
substitutes its own CJK fonts. Text the system cannot know is a marked placeholder.
"""

from __future__ import annotations

import io
import re
from copy import deepcopy
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from healthplan.reports.content import (
    KINDS,
    VERDICT_ORDER,
    VERDICT_TEXT,
    Placeholder,
    Report,
    cn_date,
    cn_number,
    data_sentence,
    explanation,
    final_rules,
    format_number,
    notice_text,
    plain,
)
from healthplan.reports.output import write_atomically

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体", "仿宋"
SIZE_TITLE, SIZE_BODY, SIZE_TABLE = Pt(22), Pt(16), Pt(10.5)  # 二号, 三号, 五号
PLACEHOLDER_COLOUR = RGBColor(0xC0, 0x00, 0x00)


def write_report_docx(report: Report, path: str | Path, *, charts: bool = True) -> Path:
    document = build_document(report, charts=charts)
    buffer = io.BytesIO()
    document.save(buffer)
    return write_atomically(path, buffer.getvalue())


def build_document(report: Report, *, charts: bool = True):
    # The charts are drawn (by other processes, where there are several cores) while the
    # text is laid out; each goes into the run kept for it once all of the text is there.
    job = None
    if charts and report.indicators:
        from healthplan.reports.charts import start_charts

        charted = [s for s in report.indicators if s.charted]
        job = start_charts(charted, year=report.year, fmt="png") if charted else None
    picture_runs: list = []
    try:
        document = Document()
        document._numbers = {"表": 0, "图": 0}  # captions: 表1…, 图1… in order
        _page_setup(document, report.notice)
        _styles(document)
        _properties(document, report)
        _title_page(document, report)
        chapters = [
            ("总体情况", _overview),
            ("主要指标监测结果", _indicator_table),
            ("逐项指标分析", lambda d, r: _indicator_sections(d, r, charts, picture_runs)),
            ("重点项目（专栏）实施情况", _projects),
            ("量化承诺落实情况", _commitments),
            ("存在的问题与下一步工作", _next_steps),
        ]
        for k, (title, write) in enumerate(chapters):
            heading = _heading(document, f"{cn_number(k + 1)}、{title}")
            if k == 0:  # after the title page: a break before, never an empty page
                heading.paragraph_format.page_break_before = True
            write(document, report)
        _annex(document, report)
        if job is not None:
            for run, image in zip(picture_runs, job.result(), strict=True):
                run.add_picture(io.BytesIO(image), width=Cm(15))
    finally:
        if job is not None:
            job.cancel()
    return document


# --------------------------------------------------------------------------- page and styles


def _page_setup(document, notice: str | None = None) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ", "宋体", Pt(14))
    _page_field(footer)
    _run(footer, " —", "宋体", Pt(14))
    if notice:  # the simulated database: on every page
        _run(footer.insert_paragraph_before(), notice, "黑体", Pt(10.5), colour=PLACEHOLDER_COLOUR)
        section.footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _properties(document, report: Report) -> None:
    """The document's language (zh-CN), title and author in its core properties."""
    properties = document.core_properties
    properties.language = "zh-CN"
    properties.title = report.report_title
    properties.author = report.issuer or "healthplan"
    properties.comments = ""


def _page_field(paragraph) -> None:
    run = paragraph.add_run()
    _font(run, "宋体", Pt(14))
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = SIZE_BODY
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
    # The language, for spelling, line breaking and fonts: Chinese (zh-CN) throughout.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    for rpr in [normal.element.rPr,
                *(defaults.iter(qn("w:rPr")) if defaults is not None else [])]:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")
    fmt = normal.paragraph_format
    fmt.line_spacing = Pt(28)  # about 22 lines a page, as official documents have
    fmt.space_before = fmt.space_after = Pt(0)


def _font(run, name: str, size, *, bold: bool = False, colour=None) -> None:
    if run._r.rPr is None:  # a new run: a copy of the properties made once (python-docx is slow)
        run._r.insert(0, deepcopy(_run_properties(name, size, bold, colour)))
        return
    _set_font(run, name, size, bold=bold, colour=colour)


def _set_font(run, name: str, size, *, bold: bool = False, colour=None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if colour is not None:
        run.font.color.rgb = colour


@lru_cache(maxsize=64)
def _run_properties(name: str, size, bold: bool, colour):
    """The <w:rPr> that _set_font gives a new run (copied, never inserted itself)."""
    run = Run(OxmlElement("w:r"), None)
    _set_font(run, name, size, bold=bold, colour=colour)
    return run._r.rPr


def _run(paragraph, text: str, font: str = BODY_FONT, size=SIZE_BODY, **kw):
    run = paragraph.add_run(text)
    _font(run, font, size, **kw)
    return run


def _para(document, text: str = "", *, indent: bool = True, font: str = BODY_FONT,
          size=SIZE_BODY, align=None):
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
    if align is not None:
        paragraph.alignment = align
    if text:
        _run(paragraph, text, font, size)
    return paragraph


def _placeholder(document, placeholder: Placeholder, *, indent: bool = True):
    paragraph = _para(document, indent=indent)
    _run(paragraph, str(placeholder), BODY_FONT, SIZE_BODY, colour=PLACEHOLDER_COLOUR)
    return paragraph


def _heading(document, text: str):
    paragraph = _para(document, indent=True)
    _run(paragraph, text, HEADING_FONT, SIZE_BODY)
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _next_caption(document, what: str) -> str:
    """The next number of a table ("表") or figure ("图"): 表1, 表2 …"""
    document._numbers[what] += 1
    return f"{what}{document._numbers[what]}"


def _caption(document, label: str, text: str, *, before: bool):
    """表1　… above its table, 图1　… below its figure, centred in 黑体 五号."""
    paragraph = _para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph.style = document.styles["Caption"]  # Word lists them (目录 → 图表目录)
    run = _run(paragraph, f"{label}　{text}", HEADING_FONT, Pt(12), colour=RGBColor(0, 0, 0))
    run.italic = False
    paragraph.paragraph_format.keep_with_next = before
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.line_spacing = Pt(22)
    return paragraph


def _subheading(document, text: str) -> None:
    paragraph = _para(document, indent=True)
    _run(paragraph, text, SUBHEADING_FONT, SIZE_BODY)
    paragraph.paragraph_format.keep_with_next = True


# --------------------------------------------------------------------------- parts


def _title_page(document, report: Report) -> None:
    if report.notice:  # the simulated database: said before anything else
        warning = _para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        _run(warning, notice_text(report.notice), HEADING_FONT, Pt(14), colour=PLACEHOLDER_COLOUR)
    for _ in range(2 if report.notice else 4):  # the notice takes two lines
        _para(document, indent=False)
    title = _para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(title, report.report_title, TITLE_FONT, SIZE_TITLE)
    title.paragraph_format.line_spacing = Pt(36)
    _para(document, indent=False)
    for line in report.title_lines():
        _para(document, line, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, font=SUBHEADING_FONT)
    for _ in range(6):
        _para(document, indent=False)
    paragraph = _para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(paragraph, str(Placeholder("编制单位")), colour=PLACEHOLDER_COLOUR)
    _para(document, cn_date(report.generated_on),
          indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, indent=False)
    note = _para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(12))
    _run(note, "本报告的指标数据、结论和说明由 healthplan 根据已录入并注明来源的监测数据自动生成；"
               "红色“【待填写】”处须由编写人补充后方可印发。", BODY_FONT, Pt(12))
    note.paragraph_format.line_spacing = Pt(20)


def _overview(document, report: Report) -> None:
    what = {"annual": "年度监测", "midterm": "中期评估", "final": "终期评估"}[report.kind]
    counts = report.counts()
    label = _next_caption(document, "表")
    _para(document, f"根据{report.plan_reference()}，对规划确定的主要指标开展{what}。"
                    f"{report.summary_sentence()}各结论的指标数及含义见{label}。")
    _caption(document, label, "各评价结论的指标数", before=True)
    table = _table(document, ["结论", "指标数", "含义"], [
        [VERDICT_TEXT[v].split("：")[0], str(counts[v]), VERDICT_TEXT[v].split("：", 1)[-1]]
        for v in VERDICT_ORDER if v in counts
    ], widths=[2.6, 1.8, 11.2])
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    shortfalls = [s for s in report.indicators if s.binding_shortfall]
    if shortfalls:
        _para(document, "约束性指标中未达到或进度滞后的有：" + "、".join(s.name for s in shortfalls) + "。")
    if report.kind == "final":
        _final_classes(document, report)
    no_data = [s for s in report.indicators if s.verdict == "no_data"]
    if no_data and not report.missing_final():
        _para(document, f"另有 {len(no_data)} 项指标在评价年份缺少规划期内的监测值，需补充数据后再作判断。")
    if report.missing_final():
        _missing_final(document, report)
    for child in report.children:
        counts = "，".join(f"{VERDICT_TEXT[v].split('：')[0]} {n} 项"
                          for v, n in child["counts"].items())
        _para(document, f"下级规划：{child['region']}《{child['title']}》，{counts}。")
    _placeholder(document, report.placeholders[0])


def _final_classes(document, report: Report) -> None:
    """The final-evaluation classes: counts in the text, the rules in the annex's notes."""
    counts: dict[str, int] = {}
    for s in report.indicators:
        if s.final_label:
            counts[s.final_label] = counts.get(s.final_label, 0) + 1
    if counts:
        _para(document, "按终期评估分类：" + "，".join(f"{k} {n} 项" for k, n in counts.items())
                        + "（分类规则见附件说明）。")


def _missing_final(document, report: Report) -> None:
    missing = report.missing_final()
    label = _next_caption(document, "表")
    _para(document, f"{len(missing)} 项指标尚无{report.period[1]}年（目标年）监测值，终期结论待数据补齐后"
                    f"确定，见{label}；其中有往年数据的，暂按最近年份判断并注明年份。")
    _caption(document, label, f"缺少{report.period[1]}年监测值的指标及数据提供单位", before=True)
    rows = []
    for s in missing:
        latest = (f"{format_number(s.latest_value)}{s.unit if s.unit not in ('', '—') else ''}"
                  f"（{s.latest_year}年）" if s.latest_value is not None else "无")
        rows.append([str(s.position), s.name, latest,
                     f"{report.region}；" + str(Placeholder("数据来源（统计公报或业务处室）"))])
    _table(document, ["序号", "指标", "已有最近值", "数据提供单位"], rows,
           widths=[1.3, 5.2, 3.6, 5.5], nowrap=(0,))


def _indicator_table(document, report: Report) -> None:
    label = _next_caption(document, "表")
    final = report.kind == "final"
    _para(document, f"主要指标的基期值、目标值、最新监测值和评价结论见{label}（约束性指标在前）"
                    + ("；“终期分类”一栏按附件说明的规则判断。" if final else "。"))
    _caption(document, label, "主要指标监测结果", before=True)
    rows = []
    for s in report.indicators:
        latest = "—" if s.latest_value is None else format_number(s.latest_value)
        verdict = s.verdict_cn + (f"／{s.final_label}" if final and s.final_label
                                  and s.final_label != s.verdict_cn else "")
        rows.append([str(s.position), s.name, s.unit or "—", s.attribute or "—",
                     s.baseline_text or "—", s.target_text or "—", latest,
                     str(s.latest_year or "—"), verdict])
    _table(document, ["序号", "指标", "单位", "属性", "基期值", "目标值", "最新值", "年份",
                      "结论／终期分类" if final else "结论"],
           rows, widths=[1.3, 3.0, 1.5, 1.5, 1.6, 1.8, 1.6, 1.3, 2.0], nowrap=(0, 2, 3, 7))


def _indicator_sections(document, report: Report, charts: bool, picture_runs: list) -> None:
    """Each indicator with at least two observed years: its text and chart (图N); the
    rest in one table at the end of the chapter."""
    from healthplan.reports.charts import chart_title

    charted = [s for s in report.indicators if s.charted]
    rest = [s for s in report.indicators if not s.charted]
    if charted:
        _para(document, f"有两年及以上监测值的 {len(charted)} 项指标逐项说明如下（附趋势图）；"
                        + (f"其余 {len(rest)} 项监测值不足两年，其结论和说明见本章末的表格。" if rest else ""))
    for k, s in enumerate(charted):
        attribute = f"（{s.attribute}）" if s.attribute else ""
        _subheading(document, f"（{cn_number(k + 1)}）{s.name}{attribute}")
        figure = _next_caption(document, "图") if charts else None
        _para(document, explanation(s) + data_sentence(s, figure))
        if charts:
            picture = document.add_paragraph()
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.line_spacing = 1.0  # an exact spacing would clip it
            picture.paragraph_format.first_line_indent = Pt(0)
            picture.paragraph_format.keep_with_next = True
            picture_runs.append(picture.add_run())  # its chart goes in at the end
            _caption(document, figure, chart_title(s).replace("\n", ""), before=False)
        if s.verdict in ("off_track", "at_risk", "not_achieved"):
            _placeholder(document, Placeholder(f"{s.name}未达预期的原因分析及措施"))
    if rest:
        label = _next_caption(document, "表")
        _subheading(document, f"（{cn_number(len(charted) + 1)}）监测值不足两年的指标")
        _para(document, f"以下 {len(rest)} 项指标规划期内的监测值不足两年，不作趋势图，结论及说明见{label}。")
        _caption(document, label, "监测值不足两年的指标", before=True)
        _table(document, ["序号", "指标", "结论", "说明"],
               [[str(s.position), s.name, s.final_label or s.verdict_cn, explanation(s)]
                for s in rest], widths=[1.3, 3.6, 2.0, 8.7], nowrap=(0, 2))
        shortfalls = [s for s in rest if s.verdict in ("off_track", "at_risk", "not_achieved")]
        for s in shortfalls:
            _placeholder(document, Placeholder(f"{s.name}未达预期的原因分析及措施"))


def _projects(document, report: Report) -> None:
    if not report.projects:
        _para(document, "规划未设重点项目专栏。")
        return
    recorded = sum(1 for p in report.projects if p.progress and p.progress.latest)
    _para(document, f"规划共设重点项目专栏 {len(report.projects)} 个，其中已记录实施进展 {recorded} 个"
                    "（结论依据记录的项目状态判断）；未记录进展的专栏须由编写人根据项目台账填写。")
    for project in report.projects:
        name = f"专栏{project.number or ''}　{project.title or '（无标题）'}"
        _subheading(document, name)
        progress = project.progress
        if progress is None or progress.latest is None:
            _placeholder(document, project.assessment)
            continue
        _para(document, f"实施进展：{progress.summary()}。结论：{progress.verdict_cn}。"
                        f"{progress.explanation}")


def _commitments(document, report: Report) -> None:
    if not report.commitments:
        _para(document, "规划正文中未识别到量化承诺。")
        return
    recorded = [c for c in report.commitments if c.progress and c.progress.latest]
    label = _next_caption(document, "表")
    _para(document, f"规划正文中识别到量化承诺 {len(report.commitments)} 条，其中已记录落实进展 "
                    f"{len(recorded)} 条，见{label}；未记录的落实情况须由编写人核实填写。")
    _caption(document, label, "量化承诺落实情况", before=True)
    rows = [[str(c.position or k), c.text, str(c.year or "规划期末"),
             c.progress.rule if c.progress else "—",
             c.progress.summary() if c.progress else str(Placeholder("落实情况")),
             c.progress.verdict_cn if c.progress else "—"]
            for k, c in enumerate(report.commitments, start=1)]
    _table(document, ["序号", "承诺", "时限", "规则", "最新进展及来源", "结论"], rows,
           widths=[1.3, 4.1, 1.6, 3.0, 3.8, 1.8], nowrap=(0, 2))
    for c in recorded:
        assert c.progress is not None
        _para(document, f"承诺{c.position}（{c.text}）：{c.progress.explanation}")


def _next_steps(document, report: Report) -> None:
    for placeholder in report.placeholders[1:]:
        _placeholder(document, placeholder)


def _annex(document, report: Report) -> None:
    annex = _para(document, "附件", indent=False, font=HEADING_FONT)
    annex.paragraph_format.page_break_before = True
    title = _para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(title, "数据来源", TITLE_FONT, Pt(18))
    sources = report.sources()
    tracked = report.tracked_sources()
    if not sources and not tracked:
        _para(document, "本报告未使用监测数据。")
    for k, (source, names) in enumerate(sources, start=1):
        _para(document, f"{k}. {source}（{'、'.join(names)}）", size=Pt(12))
    for k, (source, names) in enumerate(tracked, start=len(sources) + 1):
        _para(document, f"{k}. {source}（{'、'.join(names)}的进展）", size=Pt(12))
    notes = _para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(notes, "说明", TITLE_FONT, Pt(18))
    items = [f"报告类型：{KINDS[report.kind]}；评价依据：{report.plan_reference()}；"
             f"生成日期：{cn_date(report.generated_on)}。"]
    items += [plain(VERDICT_TEXT[v]) for v in VERDICT_ORDER if v in report.counts()]
    if report.kind == "final":
        items.append("终期评估分类规则：")
        items += final_rules()
    for k, item in enumerate(items, start=1):
        _para(document, f"{k}. {item}", size=Pt(12))


# --------------------------------------------------------------------------- helpers


def _table(document, header: list[str], rows: list[list[str]], *, widths: list[float],
           nowrap: tuple[int, ...] = ()):
    """A table with fixed column widths (cm, summing to the text width at most); the
    ``nowrap`` columns keep each cell on one line (序号, 单位, 属性 — short values only:
    LibreOffice clips a longer one); the widths are wide enough for a 基期值 such as 77.93."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(cell, text, bold=True)
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            _cell(cell, text)
    # Word reads the cells' widths, LibreOffice the grid's: set both.
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for k, (cell, width) in enumerate(zip(row.cells, widths, strict=True)):
            cell.width = Cm(width)
            if k in nowrap:
                cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))
    properties = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    return table


def _cell(cell, text: str, *, bold: bool = False, colour=None) -> None:
    paragraph = cell.paragraphs[0]
    if paragraph._p.pPr is None:  # as below, copied from a paragraph formatted once
        paragraph._p.insert(0, deepcopy(_cell_paragraph_properties()))
    else:
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
    font = HEADING_FONT if bold else BODY_FONT
    # A 【待填写…】 placeholder is red wherever it stands in the cell ("全国；【待填写：…】").
    for k, part in enumerate(_PLACEHOLDER.split(text)):
        if part:
            _run(paragraph, part, font, SIZE_TABLE,
                 colour=PLACEHOLDER_COLOUR if k % 2 else colour)


_PLACEHOLDER = re.compile(r"(【待填写[^】]*】)")


@lru_cache(maxsize=1)
def _cell_paragraph_properties():
    paragraph = Paragraph(OxmlElement("w:p"), None)
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    return paragraph._p.pPr


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)
