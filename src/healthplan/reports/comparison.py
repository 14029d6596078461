"""The comparison report: several plans side by side (issue 5).

One row per catalogue indicator that at least one of the plans sets a target for; per
plan the target as printed, its attribute, the baseline, the target figure, the planned
improvement from baseline to target (the *ambition*), the latest value and the verdict.
A short summary states facts only: which indicators all plans share, whose planned
improvement per year is largest for each of them, and the verdicts of each plan.

:func:`build_comparison` gathers the content as plain data; :func:`write_comparison`
lays it out as HTML (one self-contained page), Excel (sheets 对比 / 未纳入对比 / 说明)
or Word (A4, with a landscape section for the wide table), written all at once or not
at all (:func:`~healthplan.reports.output.write_atomically`).

Ambition (规划改善幅度) = target figure − baseline, signed by the catalogue direction so
that a positive number means the plan asks for improvement: for a lower-is-better
indicator a ceiling above the baseline (婴儿死亡率 2.57‰ → <4‰) is a negative ambition
(−1.43‰): the target allows a rise and requires no improvement. Range indicators (出生人口
性别比) have no direction of improvement and no ambition. When the plan prints no baseline
the region's observation for the base year is used, and marked as such.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from healthplan import catalog
from healthplan.evaluate import VERDICT_CN
from healthplan.reports.content import (
    VERDICT_ORDER,
    VERDICT_TEXT,
    ReportError,
    format_number,
    notice_text,
)
from healthplan.reports.output import write_atomically
from healthplan.targets import Rule
from healthplan.workbooks import neutralise

FORMATS = ("html", "xlsx", "docx")
STATUS_CN = {"final": "正式稿", "draft": "征求意见稿"}
DIRECTION_CN = {"higher": "越高越好", "lower": "越低越好", "range": "区间指标"}
TITLE = "卫生健康发展规划主要指标对比"
UNSET = "—"

AMBITION_DEFINITION = (
    "规划改善幅度 = 目标数值 − 基期值，按指标方向取号：越高越好的指标取原值，越低越好的指标取相反数，"
    "正数表示规划要求改善，负数表示目标本身比基期值差（允许变差），0 表示维持基期水平。"
    "改善幅度% = 改善幅度 ÷ 基期值 × 100；年均改善 = 改善幅度 ÷（目标年份 − 基期年份）。"
)
AMBITION_EXAMPLE = (
    "例：婴儿死亡率越低越好，基期值 2.57‰、目标 <4‰ 时，改善幅度 = −(4 − 2.57) = −1.43‰：目标上限"
    "高于基期值，即允许比基期上升，并不要求改善。"
)
AMBITION_NOTES = (
    ("目标数值", "规划目标对应的数值：≥、≤、<、> 取界值，“左右”取中心值，“在基期基础上增长50%”等相对目标"
                "按基期值折算，“全部达到”取最低要求；区间目标、“同比例提高”等没有单一数值的目标为空。"),
    ("基期值", "规划所列的基期值；规划未列基期值时，取该地区基期年份的监测值（标注“监测值”并注明来源），"
              "两者都没有时为空，改善幅度也为空。"),
    ("最新值", "基期年份之后的最新监测值（截至评价年份）；基期之后尚无监测值时为“—”。"),
    ("区间指标", "出生人口性别比等以落在区间内为好的指标没有改善方向，不计算改善幅度。"),
    ("单位不一致", "规划印刷的单位与指标目录单位不一致（标注“※”）时，照录规划数值，"
                  "不参与各规划之间改善幅度的比较。"),
    ("最大年均改善", "对各规划共有的指标，比较可计算的年均改善幅度，列出数值最大的规划（均不为正时不列）；"
                    "这只是规划目标本身的比较，不评价规划的优劣，也不反映执行情况。"),
    ("结论", "与单个规划的评价报告相同：按评价年份及以前的最新监测值判断（见“结论的含义”）。"),
)


# --------------------------------------------------------------------------- content


@dataclass
class ComparedPlan:
    plan_id: int
    label: str  # the column heading: the region, with the period when two plans share it
    title: str
    region: str
    region_code: str
    period: tuple[int, int]
    status: str
    year: int  # the evaluation year of the latest values and verdicts
    targets: int  # rows of the plan's indicator table
    counts: dict[str, int]  # verdict → number of targets (all of the plan's targets)
    excluded: list[ExcludedTarget] = field(default_factory=list)

    @property
    def status_cn(self) -> str:
        return STATUS_CN.get(self.status, self.status)

    @property
    def matched(self) -> int:
        return self.targets - sum(1 for e in self.excluded if e.indicator_id is None)

    def counts_sentence(self) -> str:
        parts = "，".join(f"{VERDICT_CN[v]} {self.counts[v]} 项" for v in VERDICT_ORDER
                         if v in self.counts)
        return f"{self.label}：主要指标 {self.targets} 项，截至{self.year}年{parts}。"


@dataclass
class ExcludedTarget:
    """A target of a plan that has no row of its own in the comparison table."""

    indicator_id: str | None
    name: str
    unit: str
    attribute: str
    baseline_text: str
    target_text: str
    reason: str


@dataclass
class Cell:
    """One plan's target for one catalogue indicator."""

    target_id: int
    name: str  # as printed in the plan
    unit: str  # as printed
    unit_note: str | None  # the printed unit disagrees with the catalogue's
    attribute: str
    target_text: str
    rule: str  # the parsed rule, described
    baseline: float | None
    base_year: int
    baseline_from: str | None  # "plan" (printed), "observation" (the region's value), None
    baseline_source: str | None  # the observation's source when baseline_from == "observation"
    threshold: float | None  # the target figure
    target_year: int
    ambition: float | None  # signed: positive = improvement in the indicator's direction
    ambition_pct: float | None  # % of the baseline
    ambition_per_year: float | None
    ambition_note: str | None  # why there is no ambition
    latest_value: float | None  # the newest observation after the base year
    latest_year: int | None
    verdict: str
    most_ambitious: bool = False  # largest improvement per year among the plans (shared rows)

    @property
    def verdict_cn(self) -> str:
        return VERDICT_CN[self.verdict]

    @property
    def comparable(self) -> bool:
        return self.ambition_per_year is not None and self.unit_note is None


@dataclass
class ComparisonRow:
    indicator_id: str
    name: str  # the catalogue's name
    unit: str  # the catalogue's unit
    direction: str
    category: str
    cells: list[Cell | None]  # one per plan, in the order of Comparison.plans

    @property
    def direction_cn(self) -> str:
        return DIRECTION_CN[self.direction]

    @property
    def plan_count(self) -> int:
        return sum(1 for c in self.cells if c is not None)

    @property
    def shared(self) -> bool:
        return all(c is not None for c in self.cells)


@dataclass
class Comparison:
    plans: list[ComparedPlan]
    rows: list[ComparisonRow]
    year: int | None  # as asked; None: each plan at its newest data year
    generated_on: date
    notice: str | None = None  # the simulated database's words (Report.notice)

    @property
    def title(self) -> str:
        return TITLE

    @property
    def subtitle(self) -> str:
        return "、".join(p.label for p in self.plans)

    def excluded(self) -> list[tuple[ComparedPlan, ExcludedTarget]]:
        """Every plan's targets without a row of their own, plan by plan."""
        return [(p, e) for p in self.plans for e in p.excluded]

    def observed_baselines(self) -> list[tuple[ComparedPlan, ComparisonRow, Cell]]:
        """The cells whose baseline is the region's observation (the plan prints none)."""
        return [(p, row, c) for row in self.rows
                for p, c in zip(self.plans, row.cells, strict=True)
                if c is not None and c.baseline_from == "observation"]

    def shared_rows(self) -> list[ComparisonRow]:
        return [r for r in self.rows if r.shared]

    def summary(self) -> list[str]:
        """Factual sentences: coverage, the largest planned improvement per shared
        indicator, the verdicts of each plan. No judgement is added."""
        shared = self.shared_rows()
        n = len(self.plans)
        lines = [f"对比的 {n} 个规划共涉及指标目录中的指标 {len(self.rows)} 项，其中各规划共有 "
                 f"{len(shared)} 项" + (f"（{'、'.join(r.name for r in shared)}）。" if shared else "。")]
        if n > 2:
            some = sum(1 for r in self.rows if 1 < r.plan_count < n)
            lines[0] += f"另有 {some} 项为部分规划共有，{sum(1 for r in self.rows if r.plan_count == 1)} 项仅一个规划设置。"
        for row in shared:
            lines.append(ambition_sentence(row, self.plans))
        lines.extend(p.counts_sentence() for p in self.plans)
        return lines


def ambition_sentence(row: ComparisonRow, plans: list[ComparedPlan]) -> str:
    """The planned improvement per year of each plan for a shared indicator, and whose is
    largest; only figures, no judgement."""
    if row.direction == "range":
        return f"{row.name}：区间指标，不比较改善幅度。"
    pairs = [(p, c) for p, c in zip(plans, row.cells, strict=True) if c is not None]
    known = [(p, c) for p, c in pairs if c.comparable]
    values = "，".join(f"{p.label} {amount(c.ambition_per_year, row.unit, 3)}" for p, c in known)
    missing = "，".join(f"{p.label}{'单位与目录不一致' if c.unit_note else c.ambition_note}"
                       for p, c in pairs if not c.comparable)
    text = f"{row.name}年均改善：{values}" if values else f"{row.name}：年均改善均无法计算"
    if missing:
        text += f"（{missing}）"
    if len(known) < 2:
        return text + ("，无法比较。" if values else "。")
    if not any(c.most_ambitious for _, c in known):
        return text + "；各规划的目标均不要求改善（改善幅度不为正）。"
    return text + f"；{'、'.join(p.label for p, c in known if c.most_ambitious)}最大。"


def build_comparison(session: Session, plan_ids, year: int | None = None, *,
                     today: date | None = None) -> Comparison:
    """The comparison of the stored plans ``plan_ids`` (in that order) for ``year``
    (default: each plan at its newest year with data). ReportError: fewer than two
    plans, a plan asked for twice, an unknown plan, a year outside a plan's period."""
    from healthplan.store.evaluation import evaluate_stored_plan, get_plan
    from healthplan.store.observations import current_series

    plan_ids = list(plan_ids)
    if len(plan_ids) < 2:
        raise ReportError(f"对比至少需要两个规划（用 --plan 指定，现有 {len(plan_ids)} 个）")
    twice = sorted({p for p in plan_ids if plan_ids.count(p) > 1})
    if twice:
        raise ReportError(f"规划 {'、'.join(map(str, twice))} 重复指定")
    plans = []
    for plan_id in plan_ids:
        try:
            plans.append(get_plan(session, plan_id))
        except LookupError as exc:
            raise ReportError(str(exc)) from None
    if year is not None:
        for plan in plans:
            if not plan.period_start - 1 <= year <= plan.period_end + 1:
                raise ReportError(f"年份 {year} 不在规划 {plan.id}（{plan.region.name}）的规划期 "
                                  f"{plan.period} 内（可用 {plan.period_start - 1}—{plan.period_end + 1} 年）")

    labels = _labels(plans)
    compared: list[ComparedPlan] = []
    cells: dict[str, list[Cell | None]] = {}
    for k, plan in enumerate(plans):
        evaluation = evaluate_stored_plan(session, plan.id, year, with_children=False)
        stored = {t.id: t for t in plan.targets}
        ids = {t.indicator_id for t in plan.targets if t.indicator_id}
        series = current_series(session, [plan.region_id], ids)
        entry = ComparedPlan(
            plan_id=plan.id, label=labels[k], title=plan.title, region=plan.region.name,
            region_code=plan.region.code, period=(plan.period_start, plan.period_end),
            status=plan.status, year=evaluation.year, targets=len(plan.targets),
            counts=evaluation.counts())
        # in the plan's own order (the evaluation puts binding shortfalls first)
        for t in sorted(evaluation.targets, key=lambda t: stored[t.target_id].position):
            target = stored[t.target_id]
            if t.indicator_id is None:
                entry.excluded.append(_excluded(target, "未匹配到指标目录中的指标"))
                continue
            row = cells.setdefault(t.indicator_id, [None] * len(plans))
            if row[k] is not None:
                entry.excluded.append(_excluded(target, f"与“{row[k].name}”同为目录指标"
                                                        f"“{catalog.get(t.indicator_id).name}”，表中只列前者"))
                continue
            observed = series.get((plan.region_id, t.indicator_id), {})
            row[k] = _cell(plan, target, t, observed)
        compared.append(entry)

    order = {ind.id: i for i, ind in enumerate(catalog.all_indicators())}
    rows = []
    for indicator_id, row_cells in cells.items():
        indicator = catalog.get(indicator_id)
        rows.append(ComparisonRow(indicator_id, indicator.name, indicator.unit, indicator.direction,
                                  indicator.category, row_cells))
    rows.sort(key=lambda r: (-r.plan_count, catalog.CATEGORIES.index(r.category)
                             if r.category in catalog.CATEGORIES else len(catalog.CATEGORIES),
                             order.get(r.indicator_id, len(order))))
    for row in rows:
        if row.shared and row.direction != "range":
            _mark_most_ambitious(row)
    from healthplan.reports.content import database_notice

    return Comparison(compared, rows, year, today or date.today(), database_notice(session))


def _labels(plans) -> list[str]:
    """The region's name; with the period where two plans share a region; with the plan
    id where they share the period as well."""
    names = [p.region.name for p in plans]
    labels = [f"{p.region.name}（{p.period_start}—{p.period_end}）" if names.count(p.region.name) > 1
              else p.region.name for p in plans]
    return [f"{label}#{p.id}" if labels.count(label) > 1 else label
            for label, p in zip(labels, plans, strict=True)]


def _excluded(target, reason: str) -> ExcludedTarget:
    return ExcludedTarget(target.indicator_id, target.name, target.unit, target.attribute,
                          target.baseline_text, target.target_text, reason)


def _cell(plan, target, evaluated, observed: dict) -> Cell:
    indicator = catalog.get(evaluated.indicator_id)
    rule = Rule.from_json(target.rule)
    base_year = target.baseline_year or plan.period_start - 1
    target_year = target.target_year or plan.period_end
    baseline, baseline_from, source = target.baseline_value, None, None
    if baseline is not None:
        baseline_from = "plan"
    elif target.unit_note is None and base_year in observed:
        obs = observed[base_year]
        baseline, baseline_from, source = obs.value, "observation", obs.source
    threshold = _target_figure(rule, baseline, target_year)
    ambition = pct = per_year = None
    note = None
    if indicator.direction == "range":
        note = "区间指标"
    elif threshold is None:
        note = "目标无单一数值"
    elif baseline is None:
        note = "缺基期值"
    else:
        sign = 1.0 if indicator.direction == "higher" else -1.0
        ambition = _clean(sign * (threshold - baseline))
        pct = None if baseline == 0 else _clean(ambition / abs(baseline) * 100)
        per_year = (_clean(ambition / (target_year - base_year)) if target_year > base_year
                    else None)
    ev = evaluated
    # the newest value after the base year: the base-year value is the baseline itself
    progress = ev.latest_year is not None and ev.latest_year > base_year
    return Cell(
        target_id=target.id, name=target.name, unit=target.unit, unit_note=target.unit_note,
        attribute=target.attribute, target_text=target.target_text, rule=ev.rule,
        baseline=baseline, base_year=base_year, baseline_from=baseline_from,
        baseline_source=source, threshold=threshold, target_year=target_year, ambition=ambition,
        ambition_pct=pct, ambition_per_year=per_year, ambition_note=note,
        latest_value=ev.latest_value if progress else None,
        latest_year=ev.latest_year if progress else None, verdict=ev.verdict)


def _target_figure(rule: Rule, baseline: float | None, target_year: int) -> float | None:
    """The figure the target asks for at the target year (as the evaluation's bar, but
    None for a range: a band has no single figure to measure an improvement to)."""
    if rule.kind == "all_at_least" and rule.value is None:
        return min(rule.values) if rule.values else None
    try:
        return rule.threshold(baseline=baseline, year=target_year)
    except ValueError:  # a relative rule without its baseline (MissingInput)
        return None


def _mark_most_ambitious(row: ComparisonRow) -> None:
    """Mark the largest planned improvement per year, when at least two plans can be
    compared and some plan asks for an improvement at all."""
    known = [c for c in row.cells if c is not None and c.comparable]
    if len(known) < 2:
        return
    best = max(c.ambition_per_year for c in known)
    if best <= 0:
        return
    for c in known:
        c.most_ambitious = abs(c.ambition_per_year - best) < 1e-9


def _clean(x: float) -> float:
    """Without binary noise: 4 − 2.57 → 1.43, not 1.4300000000000002."""
    return float(f"{x:.10g}")


# --------------------------------------------------------------------------- wording shared by writers


def _unit(unit: str) -> str:
    return "" if unit in ("", "—") else unit


def signed(x: float | None, digits: int = 6) -> str:
    """+0.31, −1.43, 0 (a real minus sign, rounded to ``digits`` decimals)."""
    if x is None:
        return UNSET
    x = round(x, digits)
    if x == 0:
        return "0"
    return ("+" if x > 0 else "−") + format_number(abs(x))


def amount(x: float | None, unit: str, digits: int = 6) -> str:
    """A signed change in the indicator's unit: "+0.31岁", "−1.43‰", "+5.16个百分点"."""
    if x is None:
        return UNSET
    return signed(x, digits) + ("个百分点" if unit == "%" else _unit(unit))


def percent(x: float | None) -> str:
    return UNSET if x is None else f"{signed(x, 1)}%"


def baseline_text(c: Cell) -> str:
    if c.baseline is None:
        return UNSET
    how = "，监测值" if c.baseline_from == "observation" else ""
    return f"{format_number(c.baseline)}（{c.base_year}{how}）"


def latest_text(c: Cell) -> str:
    return UNSET if c.latest_value is None else f"{format_number(c.latest_value)}（{c.latest_year}）"


def ambition_text(c: Cell, unit: str) -> str:
    """"+0.31岁（+0.4%）" or "—（缺基期值）"."""
    if c.ambition is None:
        return f"{UNSET}（{c.ambition_note}）"
    pct = f"（{percent(c.ambition_pct)}）" if c.ambition_pct is not None else ""
    return f"{amount(c.ambition, unit)}{pct}"


def target_text(c: Cell) -> str:
    mark = "※" if c.unit_note else ""
    return f"{c.target_text or UNSET}{mark}"


def plan_heading(p: ComparedPlan) -> str:
    return f"{p.period[0]}—{p.period[1]}年 {p.status_cn}，评价年份 {p.year}"


# --------------------------------------------------------------------------- writing


def write_comparison(comparison: Comparison, path: str | Path, format: str) -> Path:
    """Write ``comparison`` as ``format`` (html, xlsx, docx) to ``path``, all at once."""
    if format == "html":
        data = render_comparison_html(comparison).encode("utf-8")
    elif format == "xlsx":
        buffer = io.BytesIO()
        build_comparison_workbook(comparison).save(buffer)
        data = buffer.getvalue()
    elif format == "docx":
        buffer = io.BytesIO()
        build_comparison_document(comparison).save(buffer)
        data = buffer.getvalue()
    else:
        raise ReportError(f"对比报告格式应为 {'、'.join(FORMATS)}，而不是 {format!r}")
    return write_atomically(path, data)


# --------------------------------------------------------------------------- HTML


def render_comparison_html(comparison: Comparison) -> str:
    from healthplan.reports.html import _ENVIRONMENT

    return _ENVIRONMENT.get_template("comparison.html").render(
        c=comparison, num=format_number, notice_text=notice_text, signed=signed, amount=amount, percent=percent,
        baseline_text=baseline_text, latest_text=latest_text, target_text=target_text,
        plan_heading=plan_heading, unit=_unit, definition=AMBITION_DEFINITION,
        example=AMBITION_EXAMPLE, notes=AMBITION_NOTES,
        verdict_name=lambda v: VERDICT_TEXT[v].split("：")[0],
        verdict_meaning=lambda v: VERDICT_TEXT[v].split("：", 1)[-1], verdicts=VERDICT_ORDER,
    )


# --------------------------------------------------------------------------- Excel

COMPARE, EXCLUDED, NOTES = "对比", "未纳入对比", "说明"
FIXED_COLUMNS = (("序号", 5), ("指标", 22), ("单位", 8), ("方向", 8), ("涉及规划数", 6))
PLAN_COLUMNS = (("目标值", 10), ("属性", 7), ("基期值", 8), ("基期年份", 6), ("目标数值", 8),
                ("改善幅度", 8), ("改善幅度%", 8), ("年均改善", 8), ("最新值", 8), ("最新年份", 6),
                ("结论", 9))
EXCLUDED_COLUMNS = (("序号", 5), ("规划", 14), ("指标（原文）", 36), ("单位", 8), ("属性", 7),
                    ("基期值", 10), ("目标值", 14), ("原因", 40))
SIGNED = "+General;-General;0"
SIGNED_PERCENT = "+0.0%;-0.0%;0.0%"
GROUP_FILLS = ("D9E1F2", "E2EFDA")
MOST_FILL = "FFF2CC"


def build_comparison_workbook(comparison: Comparison):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.title = f"{comparison.title}（{comparison.subtitle}）"
    workbook.properties.creator = "healthplan"
    _compare_sheet(workbook.active, comparison)
    _excluded_sheet(workbook.create_sheet(EXCLUDED), comparison)
    _notes_sheet(workbook.create_sheet(NOTES), comparison)
    if comparison.notice:
        from healthplan.reports.excel import mark_simulated

        mark_simulated(workbook, comparison.notice)
    return neutralise(workbook)


def _compare_sheet(sheet, comparison: Comparison) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from healthplan.reports import excel

    sheet.title = COMPARE
    n_fixed, n_plan = len(FIXED_COLUMNS), len(PLAN_COLUMNS)
    columns = list(FIXED_COLUMNS)
    for _ in comparison.plans:
        columns += PLAN_COLUMNS
    width = len(columns)
    notice = f"【{comparison.notice}】" if comparison.notice else ""
    excel._banner(sheet, 1, f"{notice}{comparison.title}：{comparison.subtitle}", width, size=14,
                  bold=True)
    excel._banner(sheet, 2, comparison.summary()[0] + "改善幅度按指标方向取号，正数表示规划要求改善"
                            "（定义见“说明”表）。", width)
    groups, header = 3, 4
    rows, formats, centred = [], {}, {1, 3, 4, 5}
    for k in range(len(comparison.plans)):
        first = n_fixed + k * n_plan + 1
        formats.update({first + 2: excel.NUMBER, first + 3: excel.YEAR, first + 4: excel.NUMBER,
                        first + 5: SIGNED, first + 6: SIGNED_PERCENT, first + 7: SIGNED,
                        first + 8: excel.NUMBER, first + 9: excel.YEAR})
        centred |= {first + 1, first + 3, first + 9, first + 10}
    for k, row in enumerate(comparison.rows, start=1):
        values = [k, row.name, _unit(row.unit) or UNSET, row.direction_cn, row.plan_count]
        for c in row.cells:
            if c is None:
                values += [UNSET] + [None] * (n_plan - 1)
                continue
            values += [target_text(c), c.attribute or UNSET, excel._number(c.baseline),
                       c.base_year if c.baseline is not None else None,
                       excel._number(c.threshold), c.ambition,
                       None if c.ambition_pct is None else _clean(c.ambition_pct / 100),
                       c.ambition_per_year, excel._number(c.latest_value), c.latest_year,
                       c.verdict_cn]
        rows.append(values)
    excel._table(sheet, header, columns, rows, formats=formats, centred=centred)

    # the plans as column groups above the header row
    thin = Side(style="thin", color="A0A0A0")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col in range(1, n_fixed + 1):
        top = sheet.cell(groups, col, columns[col - 1][0])
        top.font = Font(size=excel.FONT_SIZE, bold=True)
        top.fill = PatternFill("solid", fgColor=excel.HEADER_FILL)
        top.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        top.border = border
        sheet.merge_cells(start_row=groups, start_column=col, end_row=header, end_column=col)
    for k, plan in enumerate(comparison.plans):
        first = n_fixed + k * n_plan + 1
        sheet.merge_cells(start_row=groups, start_column=first, end_row=groups,
                          end_column=first + n_plan - 1)
        cell = sheet.cell(groups, first, f"{plan.label}（{plan_heading(plan)}）")
        fill = PatternFill("solid", fgColor=GROUP_FILLS[k % 2])
        for col in range(first, first + n_plan):
            sheet.cell(groups, col).fill = sheet.cell(header, col).fill = fill
            sheet.cell(groups, col).border = border
        cell.font = Font(size=excel.FONT_SIZE, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[groups].height = 30

    # verdict colours, marks for the observed baselines, unit notes and the largest ambition
    for r, row in enumerate(comparison.rows, start=header + 1):
        for k, c in enumerate(row.cells):
            first = n_fixed + k * n_plan + 1
            if c is None:
                sheet.cell(r, first).alignment = Alignment(horizontal="center", vertical="center")
                sheet.cell(r, first).font = Font(size=excel.FONT_SIZE, color="808080")
                continue
            fill, colour = excel.VERDICT_COLOURS[c.verdict]
            verdict = sheet.cell(r, first + n_plan - 1)
            verdict.fill = PatternFill("solid", fgColor=fill)
            verdict.font = Font(size=excel.FONT_SIZE, bold=True, color=colour)
            if c.unit_note:
                sheet.cell(r, first).comment = Comment(c.unit_note, "healthplan")
            if c.baseline_from == "observation":
                base = sheet.cell(r, first + 2)
                base.font = Font(size=excel.FONT_SIZE, italic=True)
                base.comment = Comment(f"规划未列基期值，取监测值：{c.baseline_source}", "healthplan")
            if c.ambition is None:
                sheet.cell(r, first + 5).value = c.ambition_note
                sheet.cell(r, first + 5).font = Font(size=9, color="808080")
            if c.most_ambitious:
                sheet.cell(r, first + 7).fill = PatternFill("solid", fgColor=MOST_FILL)
                sheet.cell(r, first + 7).font = Font(size=excel.FONT_SIZE, bold=True)
    last = get_column_letter(width)
    sheet.auto_filter.ref = f"A{header}:{last}{header + max(len(rows), 1)}"
    sheet.freeze_panes = sheet.cell(header + 1, 3)  # the headings, 序号 and 指标 stay in view
    excel._print_setup(sheet, header)
    sheet.print_title_rows = f"{groups}:{header}"
    sheet.print_title_cols = "A:B"


def _excluded_sheet(sheet, comparison: Comparison) -> None:
    from healthplan.reports import excel

    rows = [[p.label, e.name, e.unit or UNSET, e.attribute or UNSET, e.baseline_text or UNSET,
             e.target_text or UNSET, e.reason] for p, e in comparison.excluded()]
    rows = [[k, *row] for k, row in enumerate(rows, start=1)]
    excel._table(sheet, 1, EXCLUDED_COLUMNS, rows, formats={}, centred={1, 4, 5})
    sheet.freeze_panes = "A2"
    excel._print_setup(sheet, 1)


def _notes_sheet(sheet, comparison: Comparison) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    from healthplan.reports import excel

    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    rows: list[tuple[str, str, str | None]] = [("说明", "", None)]
    rows.append(("报告", f"{comparison.title}：{comparison.subtitle}", None))
    rows += [(p.label, f"《{p.title}》（{p.status_cn}），{p.period[0]}—{p.period[1]} 年，"
                       f"主要指标 {p.targets} 项，评价年份 {p.year} 年", None)
             for p in comparison.plans]
    rows.append(("生成日期", comparison.generated_on.isoformat(), None))
    rows += [("", "", None), ("对比概况", "", None)]
    rows += [("", line, None) for line in comparison.summary()]
    rows += [("", "", None), ("改善幅度", "", None)]
    rows += [("定义", AMBITION_DEFINITION, None), ("示例", AMBITION_EXAMPLE, None)]
    rows += [(k, v, None) for k, v in AMBITION_NOTES]
    rows += [("", "", None), ("结论的含义", "", None)]
    rows += [(VERDICT_TEXT[v].split("：")[0], VERDICT_TEXT[v].split("：", 1)[-1], v)
             for v in VERDICT_ORDER]
    rows += [("", "", None), ("阅读提示", "", None)]
    rows += [
        ("—", "该规划未设此指标。", None),
        ("※", "规划印刷的单位与指标目录单位不一致，批注中说明。", None),
        ("斜体基期值", "规划未列基期值，取该地区基期年份的监测值，批注中注明来源。", None),
        ("黄色年均改善", "各规划共有指标中年均改善幅度最大的规划。", None),
        ("未纳入对比", "未匹配到指标目录的指标，以及同一规划中对应同一目录指标的其他行，"
                      "列于“未纳入对比”表。", None),
    ]
    headings = ("说明", "对比概况", "改善幅度", "结论的含义", "阅读提示")
    for r, (label, text, verdict) in enumerate(rows, start=1):
        a, b = sheet.cell(r, 1, label), sheet.cell(r, 2, text)
        heading = label in headings and not text
        a.font = Font(size=12 if heading else excel.FONT_SIZE, bold=True)
        b.font = Font(size=excel.FONT_SIZE)
        a.alignment = b.alignment = wrap
        if verdict is not None:
            fill, colour = excel.VERDICT_COLOURS[verdict]
            a.fill = PatternFill("solid", fgColor=fill)
            a.font = Font(size=excel.FONT_SIZE, bold=True, color=colour)
        lines = excel._lines(text, 100)
        if lines > 1:
            sheet.row_dimensions[r].height = excel.LINE_HEIGHT * lines + 2
    excel._print_setup(sheet, None)


# --------------------------------------------------------------------------- Word


def build_comparison_document(comparison: Comparison):
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from healthplan.reports import docx as w

    document = Document()
    w._page_setup(document, comparison.notice)
    w._styles(document)
    if comparison.notice:
        warning = w._para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        w._run(warning, notice_text(comparison.notice), w.HEADING_FONT, Pt(14),
               colour=w.PLACEHOLDER_COLOUR)

    title = w._para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    w._run(title, comparison.title, w.TITLE_FONT, w.SIZE_TITLE)
    title.paragraph_format.line_spacing = Pt(36)
    w._para(document, f"——{comparison.subtitle}", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
            font=w.SUBHEADING_FONT)
    note = w._para(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(12))
    w._run(note, f"{comparison.generated_on.year}年{comparison.generated_on.month}月　"
                 "由 healthplan 根据已载入的规划和注明来源的监测数据生成", w.BODY_FONT, Pt(12))

    w._heading(document, "一、对比范围")
    w._table(document, ["规划", "地区", "规划期", "状态", "评价年份", "主要指标"], [
        [f"《{p.title}》", p.label, f"{p.period[0]}—{p.period[1]}", p.status_cn, str(p.year),
         f"{p.targets} 项（匹配目录 {p.matched} 项）"] for p in comparison.plans
    ], widths=[6.2, 2.4, 2.0, 1.8, 1.6, 2.6])

    w._heading(document, "二、对比概况")
    for line in comparison.summary():
        w._para(document, line)

    # the wide table in a landscape section
    wide = document.add_section(WD_SECTION.NEW_PAGE)
    wide.orientation = WD_ORIENT.LANDSCAPE
    wide.page_width, wide.page_height = Cm(29.7), Cm(21)
    wide.top_margin, wide.bottom_margin = Cm(2.4), Cm(2.2)
    wide.left_margin, wide.right_margin = Cm(2.0), Cm(2.0)
    w._heading(document, "三、主要指标对比")
    w._para(document, "各规划的目标值、基期值、规划改善幅度（正数表示要求改善）、最新监测值和评价结论如下；"
                      "“—”表示该规划未设此指标，年均改善幅度最大者加“▲”。", size=Pt(12))
    usable = 29.7 - 4.0
    first, name = 0.9, 3.6
    per_plan = (usable - first - name) / len(comparison.plans)
    header = ["序号", "指标（单位，方向）", *(f"{p.label}\n{plan_heading(p)}" for p in comparison.plans)]
    rows = []
    for k, row in enumerate(comparison.rows, start=1):
        unit = _unit(row.unit)
        rows.append([str(k), f"{row.name}\n（{unit + '，' if unit else ''}{row.direction_cn}）",
                     *(_word_cell(c, row.unit) for c in row.cells)])
    table = w._table(document, header, rows, widths=[first, name, *[per_plan] * len(comparison.plans)])
    size = Pt(9) if len(comparison.plans) > 3 else Pt(10)
    for table_row in table.rows:
        _cant_split(table_row)
        for cell in table_row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = size
    w._para(document, "注：" + AMBITION_DEFINITION + AMBITION_EXAMPLE, indent=False, size=Pt(10.5))

    back = document.add_section(WD_SECTION.NEW_PAGE)
    back.orientation = WD_ORIENT.PORTRAIT
    back.page_width, back.page_height = Cm(21), Cm(29.7)
    back.top_margin, back.bottom_margin = Cm(3.7), Cm(3.5)
    back.left_margin, back.right_margin = Cm(2.8), Cm(2.6)
    w._heading(document, "四、未纳入对比的指标")
    excluded = comparison.excluded()
    if not excluded:
        w._para(document, "各规划的主要指标均已纳入对比。")
    else:
        w._para(document, f"以下 {len(excluded)} 项指标未匹配到指标目录，或与同一规划中另一行对应同一目录指标，"
                          "未列入对比表：")
        w._table(document, ["规划", "指标（原文）", "目标值", "原因"], [
            [p.label, f"{e.name}（{e.unit}）" if e.unit else e.name, e.target_text or UNSET, e.reason]
            for p, e in excluded], widths=[2.4, 6.0, 2.4, 4.8])

    observed = comparison.observed_baselines()
    if observed:
        w._heading(document, "五、取自监测值的基期值")
        w._para(document, f"以下 {len(observed)} 项指标规划未列基期值，对比表中的基期值取自该地区基期年份的监测值：")
        w._table(document, ["规划", "指标", "基期值", "来源"], [
            [p.label, row.name, baseline_text(c), c.baseline_source or UNSET]
            for p, row, c in observed], widths=[2.0, 4.2, 2.8, 6.6])

    w._heading(document, "附：说明")
    w._para(document, AMBITION_DEFINITION)
    w._para(document, AMBITION_EXAMPLE)
    for label, text in AMBITION_NOTES:
        w._para(document, f"{label}：{text}")
    w._para(document, "结论的含义：" + "；".join(VERDICT_TEXT[v] for v in VERDICT_ORDER) + "。")
    return document


def _word_cell(c: Cell | None, unit: str) -> str:
    if c is None:
        return UNSET
    attribute = f"（{c.attribute}）" if c.attribute else ""
    most = "▲" if c.most_ambitious else ""
    lines = [f"目标 {target_text(c)}{attribute}", f"基期 {baseline_text(c)}",
             f"改善 {ambition_text(c, unit)}"]
    if c.ambition_per_year is not None:
        lines.append(f"年均 {amount(c.ambition_per_year, unit, 3)}{most}")
    lines.append(f"最新 {latest_text(c)}；{c.verdict_cn}")
    return "\n".join(lines)


def _cant_split(row) -> None:
    """Keep a table row on one page (a plan's cell is read as a whole)."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
