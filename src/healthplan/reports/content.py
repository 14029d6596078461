"""What an evaluation report says, as plain data gathered from the database.

The writers (Word, HTML, Excel) only lay this out; nothing here knows about a file
format. Text the system cannot know — causes, measures, the assessment of projects —
is a :class:`Placeholder` for the author, never invented prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from healthplan.evaluate import VERDICT_CN, VERDICT_DEFINITIONS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from healthplan.store.models import Plan

# The database layer (SQLAlchemy, the models) is imported when build_report runs: the
# report's data classes stay cheap to import for the chart workers that receive them
# (charts.py), which start while the command is still importing the database layer.

KINDS = {"annual": "年度监测报告", "midterm": "中期评估报告", "final": "终期评估报告"}
VERDICT_ORDER = ("achieved", "on_track", "at_risk", "off_track", "not_achieved", "no_data",
                 "needs_judgement")


class ReportError(ValueError):
    """The report cannot be made as asked (unknown plan, a year outside the plan …)."""


@dataclass(frozen=True)
class Placeholder:
    """Text for the report's author to write: shown marked, never filled by the system."""

    prompt: str

    def __str__(self) -> str:
        return f"【待填写：{self.prompt}】"


@dataclass
class Point:
    year: int
    value: float
    source: str
    version: int = 1


@dataclass
class IndicatorSection:
    position: int  # in the report: binding shortfalls first, as in the evaluation
    target_id: int
    indicator_id: str | None
    name: str  # as printed in the plan
    unit: str
    category: str
    attribute: str
    baseline_text: str
    baseline_value: float | None
    base_year: int
    target_text: str
    target_year: int
    rule: str
    threshold: float | None
    verdict: str
    explanation: str
    latest_year: int | None
    latest_value: float | None
    latest_source: str | None
    gap: float | None
    completion: float | None
    expected: float | None
    projection_value: float | None
    projection_margin: float | None
    binding_shortfall: bool
    observations: list[Point] = field(default_factory=list)  # current values, oldest first
    benchmark: Point | None = None  # the national figure
    final_label: str | None = None  # 提前完成/完成/基本完成/未完成… (healthplan.final)
    final_explanation: str = ""
    final_year_used: int | None = None
    final_pending: bool = False  # judged on an earlier year's value: the final figure is due

    @property
    def verdict_cn(self) -> str:
        return VERDICT_CN[self.verdict]

    def expected_path(self) -> list[tuple[int, float]]:
        """The straight line from the baseline to the target figure, for charts. A floor
        (or ceiling) the baseline already meets is held, not planned to worsen: ≥95 from a
        baseline of 99.7 is a flat line at 99.7 (保持)."""
        if self.baseline_value is None or self.threshold is None:
            return []
        end = self.threshold
        if "越高越好" in self.rule and self.baseline_value >= self.threshold:
            end = self.baseline_value
        elif "越低越好" in self.rule and self.baseline_value <= self.threshold:
            end = self.baseline_value
        return [(self.base_year, self.baseline_value), (self.target_year, end)]

    @property
    def charted(self) -> bool:
        """A chart only where it shows a change: at least two observed years."""
        return len(self.observations) >= 2

    @property
    def final_missing(self) -> bool:
        """No value for the target year (the final figure still to be supplied)."""
        return self.latest_year != self.target_year and self.verdict != "needs_judgement"


@dataclass
class Progress:
    """A tracked item's latest recorded progress up to the report year and its verdict
    (store.progress.tracked_items); ``latest`` None when nothing is recorded."""

    rule: str
    verdict: str
    explanation: str
    latest: str | None = None  # "2024年：11.5分钟" / "2024年：推进中"
    source: str | None = None
    evidence: str | None = None

    @property
    def verdict_cn(self) -> str:
        return VERDICT_CN[self.verdict]

    def summary(self) -> str:
        """The progress in one line for a table cell, or a placeholder's text."""
        if self.latest is None:
            return str(Placeholder("落实情况（尚无进展记录）"))
        evidence = f"；佐证：{self.evidence}" if self.evidence else ""
        return f"{self.latest}（来源：{self.source}{evidence}）"


@dataclass
class ProjectSection:
    number: int | None
    title: str | None
    text: str
    assessment: Placeholder
    progress: Progress | None = None
    position: int = 0  # in the plan: `healthplan track record --project N`


@dataclass
class CommitmentItem:
    subject: str
    text: str
    sentence: str
    year: int | None
    progress: Progress | None = None
    position: int = 0  # in the plan: `healthplan track record --commitment N`


@dataclass
class Report:
    kind: str
    year: int
    plan_id: int
    title: str  # the plan's title
    region: str
    region_code: str
    period: tuple[int, int]
    status: str
    issuer: str | None
    issued_on: str | None
    document_number: str | None
    source_name: str
    generated_on: date
    indicators: list[IndicatorSection]
    projects: list[ProjectSection]
    commitments: list[CommitmentItem]
    children: list[dict] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)  # the narrative to write
    # The simulated database's words (store.marks), on the title page and in the footer
    # of every format; None for a database of real data.
    notice: str | None = None

    @property
    def kind_cn(self) -> str:
        return KINDS[self.kind]

    @property
    def plan_title(self) -> str:
        """The plan as its title reads, without a reconstruction note."""
        return self.title.split("（据《")[0]

    def plan_reference(self) -> str:
        """The plan named by title and issuer: 国务院办公厅《…》（2022年5月印发）."""
        issued = f"（{cn_date(self.issued_on)}印发）" if self.issued_on else ""
        return f"{self.issuer or ''}《{self.plan_title}》{issued}"

    def file_name(self, format: str) -> str:
        """无锡市_2021-2025_2024年度监测报告.docx — the same in the CLI and the browser."""
        what = f"{self.year}年度监测报告" if self.kind == "annual" else self.kind_cn
        return f"{self.region}_{self.period[0]}-{self.period[1]}_{what}.{format}"

    def title_lines(self) -> list[str]:
        """The title page's lines under the title — the one place the Word and HTML title
        pages are built from; the simulated database's words (``notice``) are set above them
        and in every page's footer by each renderer."""
        start, end = self.period
        lines = [f"规划期：{start}—{end}年　　评价年份：{self.year}年",
                 f"地区：{self.region}（行政区划代码 {self.region_code}）"]
        if self.document_number or self.issuer:
            lines.append("规划印发：" + "　".join(x for x in (
                self.issuer, self.document_number, cn_date(self.issued_on)) if x))
        return lines

    def missing_final(self) -> list[IndicatorSection]:
        """In a final report: indicators without a target-year value, to be supplied."""
        if self.kind != "final":
            return []
        return [s for s in self.indicators if s.final_missing]

    @property
    def report_title(self) -> str:
        """《无锡市“十四五”卫生健康发展规划》2023年度监测报告."""
        what = f"{self.year}年度监测报告" if self.kind == "annual" else self.kind_cn
        # A plan rebuilt from a completion table: "X规划（据《Y》表1重建）" → 《X规划》
        return f"《{self.plan_title}》{what}"

    def counts(self) -> dict[str, int]:
        counts = {v: 0 for v in VERDICT_ORDER}
        for section in self.indicators:
            counts[section.verdict] += 1
        return {v: n for v, n in counts.items() if n}

    def binding(self) -> list[IndicatorSection]:
        return [s for s in self.indicators if s.attribute == "约束性"]

    def sources(self) -> list[tuple[str, list[str]]]:
        """Every data source used, with the indicators it gave figures for (the annex)."""
        used: dict[str, list[str]] = {}
        for section in self.indicators:
            for point in [*section.observations, *([section.benchmark] if section.benchmark else [])]:
                names = used.setdefault(source_title(point.source), [])
                label = section.name if point is not section.benchmark else f"{section.name}（全国）"
                if label not in names:
                    names.append(label)
        return sorted(used.items())

    def tracked_sources(self) -> list[tuple[str, list[str]]]:
        """The sources of recorded progress of commitments and projects, with the items."""
        used: dict[str, list[str]] = {}
        items = [(f"承诺{c.position}", c.progress) for c in self.commitments]
        items += [(f"专栏{p.number}" if p.number else f"专栏（第{p.position}个）", p.progress)
                  for p in self.projects]
        for label, progress in items:
            if progress is not None and progress.source:
                used.setdefault(progress.source, []).append(label)
        return sorted(used.items())

    def summary_sentence(self) -> str:
        """One factual sentence on the verdicts, for the summary (no judgement added)."""
        counts = self.counts()
        parts = "，".join(f"{VERDICT_CN[v]} {n} 项" for v, n in counts.items())
        binding = self.binding()
        binding_met = sum(1 for s in binding if s.verdict in ("achieved", "on_track"))
        sentence = (f"规划确定的 {len(self.indicators)} 项主要指标中，截至{self.year}年：{parts}。")
        if binding:
            sentence += f"约束性指标 {len(binding)} 项，其中已达到或进度正常 {binding_met} 项。"
        return sentence


def default_year(plan: Plan, kind: str, data_year: int) -> int:
    """The report year when none is given (the rule in ``store.evaluation``): the plan's
    evaluation year (``data_year``, the newest year with data in the period); for a
    mid-term report no later than the year before the period ends, so the latest figures
    a clerk entered are in it; for a final report the period's last year."""
    start, end = plan.period_start, plan.period_end
    if kind == "final":
        return end
    if kind == "midterm":
        return min(max(data_year, start), max(end - 1, start))
    return min(max(data_year, start), end)


def build_report(session: Session, plan_id: int, kind: str, year: int | None = None,
                 *, today: date | None = None) -> Report:
    from healthplan.store.evaluation import evaluate_stored_plan, get_plan

    if kind not in KINDS:
        raise ReportError(f"报告类型应为 annual、midterm 或 final，而不是 {kind!r}")
    try:
        plan = get_plan(session, plan_id)
    except LookupError as exc:
        raise ReportError(str(exc)) from None
    from healthplan.store.evaluation import YearOutOfRange, check_year
    from healthplan.store.evaluation import default_year as data_year

    try:
        check_year(plan, year)
    except YearOutOfRange as exc:
        raise ReportError(str(exc)) from None
    if year is None:
        year = default_year(plan, kind, data_year(session, plan))
    evaluation = evaluate_stored_plan(session, plan_id, year)
    targets = {t.id: t for t in plan.targets}
    sections = []
    for k, t in enumerate(evaluation.targets, start=1):
        stored = targets[t.target_id]
        ev = t.evaluation
        points = _points(session, plan.region_id, t.indicator_id, year)
        sections.append(IndicatorSection(
            position=k, target_id=t.target_id, indicator_id=t.indicator_id, name=t.name,
            unit=t.unit, category=stored.category, attribute=t.attribute,
            baseline_text=stored.baseline_text, baseline_value=stored.baseline_value,
            base_year=stored.baseline_year or plan.period_start - 1, target_text=t.target,
            target_year=stored.target_year or plan.period_end, rule=t.rule,
            threshold=ev.threshold, verdict=t.verdict, explanation=t.explanation,
            latest_year=t.latest_year, latest_value=t.latest_value, latest_source=t.latest_source,
            gap=ev.gap, completion=ev.completion, expected=ev.expected,
            projection_value=ev.projection.value if ev.projection else None,
            projection_margin=ev.projection.margin if ev.projection else None,
            binding_shortfall=t.binding_shortfall, observations=points,
            benchmark=(Point(t.benchmark.year, t.benchmark.value, t.benchmark.source)
                       if t.benchmark else None),
            final_label=t.final.label if t.final and kind == "final" else None,
            final_explanation=t.final.explanation if t.final and kind == "final" else "",
            final_year_used=t.final.year_used if t.final else None,
            final_pending=bool(t.final and t.final.pending),
        ))
    from healthplan.store.progress import tracked_items

    tracked = {(t.kind, t.number): Progress(t.rule, t.verdict, t.explanation, t.latest_text,
                                            t.source, t.evidence)
               for t in tracked_items(session, plan.id, year)}
    projects = [ProjectSection(p.number or p.inferred_number, p.title, p.text,
                               Placeholder(f"专栏{p.number or p.inferred_number or ''}实施进展"),
                               tracked.get(("project", p.position)), p.position)
                for p in plan.projects]
    commitments = [CommitmentItem(c.subject, c.text, c.sentence, c.year,
                                  tracked.get(("commitment", c.position)), c.position)
                   for c in plan.commitments]
    return Report(
        kind=kind, year=year, plan_id=plan.id, title=plan.title, region=plan.region.name,
        region_code=plan.region.code, period=(plan.period_start, plan.period_end),
        status=plan.status, issuer=plan.issuer, issued_on=plan.issued_on,
        document_number=plan.document_number, source_name=plan.source_name,
        generated_on=today or date.today(), indicators=sections, projects=projects,
        commitments=commitments, children=evaluation.children,
        placeholders=[Placeholder("总体进展评价与主要成效"),
                      Placeholder("未达预期指标的原因分析"),
                      Placeholder("下一步工作措施与建议")],
        notice=database_notice(session),
    )


def database_notice(session: Session) -> str | None:
    """The words a report from the simulated training database carries (else None)."""
    from healthplan.store.marks import simulated_notice

    return simulated_notice(session)


def notice_text(notice: str) -> str:
    """The title-page line of a report from the simulated database."""
    return f"{notice}：本报告所用各地区监测值由程序生成，不是统计数据，不得引用、印发或上报。"


def _points(session: Session, region_id: int, indicator_id: str | None, year: int) -> list[Point]:
    from healthplan.store.observations import history

    if not indicator_id:
        return []
    current: dict[int, Point] = {}
    for obs in history(session, region_id, indicator_id):  # oldest version first
        if obs.year <= year:
            current[obs.year] = Point(obs.year, obs.value, obs.source, obs.version)
    return [current[y] for y in sorted(current)]


VERDICT_TEXT = {v: d["zh"] for v, d in VERDICT_DEFINITIONS.items()}


# --------------------------------------------------------------------------- wording shared by writers

CN_NUMBERS = "一二三四五六七八九十"


def format_number(x: float) -> str:
    """83.19, 0.2, 4 — as a person writes it."""
    from healthplan.targets import _fmt

    return _fmt(x)


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (for （一） headings)."""
    if n <= 10:
        return CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMBERS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMBERS[ones - 1] if ones else "")


def _unit(unit: str) -> str:
    """The unit after a figure: "1/10万" → "/10万" ("0/10万", not "01/10万")."""
    from healthplan.targets import _display_unit

    return "" if unit in ("", "—") else _display_unit(unit)


_DIRECTION = re.compile(r"([^（）：，。；\s]+)（指标越(高|低)越好，按[≥≤]\1判断）")


def plain(text: str) -> str:
    """Wording a person writes: "4.5人（指标越高越好，按≥4.5人判断）" → "4.5人及以上"."""
    return _DIRECTION.sub(lambda m: f"{m.group(1)}{'及以上' if m.group(2) == '高' else '及以下'}",
                          text)


def explanation(s: IndicatorSection) -> str:
    """The verdict's explanation, then (in a final report) the class, said once."""
    text = plain(s.explanation)
    if s.final_label and s.final_explanation:
        text += f"终期评估分类：{s.final_explanation}"
    return text


def data_sentence(s: IndicatorSection, figure: str | None = None) -> str:
    """What the explanation does not already say: where the series is (the figure) and
    the national figure; "" when there is nothing more."""
    text = ""
    if figure and s.charted:
        values = "、".join(f"{p.year}年{format_number(p.value)}{_unit(s.unit)}" for p in s.observations)
        text = f"规划期内各年监测值（{values}）见{figure}。"
    if s.benchmark is not None and "全国" not in s.explanation:
        text += f"全国{s.benchmark.year}年为{format_number(s.benchmark.value)}{_unit(s.unit)}。"
    return text


def cn_date(value: str | date | None) -> str:
    """2022-03-05 → 2022年3月5日; 2022-05 → 2022年5月; anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    m = re.fullmatch(r"(\d{4})[-./](\d{1,2})(?:[-./](\d{1,2}))?", value.strip())
    if not m:
        return value
    y, mo, d = m.groups()
    return f"{y}年{int(mo)}月" + (f"{int(d)}日" if d else "")


def source_title(source: str) -> str:
    """A source as a reader cites it: 《…》表2，第104行 (no stray spaces)."""
    text = re.sub(r"表 (?=[“\d])", "表", source)
    text = re.sub(r"第 (\d+) 行", r"，第\1行", text)
    return text.replace("，，", "，")


def final_rules() -> list[str]:
    """The classification rules of a final evaluation, for the report's notes."""
    from healthplan.final import FINAL_RULES

    return list(FINAL_RULES.values())
