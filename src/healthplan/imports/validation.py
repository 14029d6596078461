"""Checking the rows of an observation file before anything is written.

Every row is checked and every problem reported (row, column, what is wrong, in
Chinese), so the clerk fixes the file once.

Errors — the file is refused:

* a region that is not a GB/T 2260 code or a known name; an indicator that is not a
  catalogue id or a name the catalogue matches confidently (exact, alias or normalised;
  a fuzzy match is refused with the candidate it suggests); a combined catalogue row
  (两项合列) — its parts are reported separately;
* a year that is not a four-digit year, lies in the future, or lies outside the
  region's plans: from the earliest baseline year (or period start − 1) to the latest
  period end of all its plans; a region without plans (全国) accepts 1949 … this year;
* a value that is not one number (full-width digits, thousands separators and a
  trailing %/‰ matching the indicator's unit are accepted; bounds such as ≥90 are not);
  a unit column that contradicts the catalogue's unit;
* an empty source;
* a percentage about 100 times off (0.37 for 37%, 3700 for 37%) compared with the
  nearest known value of the region's series (stored values and the plan's baseline);
* a value outside the catalogue's plausible bounds;
* the same region × indicator × year twice in the file.

Warnings — the file is refused unless the warnings are accepted:

* a jump: the change per year against the nearest earlier value of the series (an
  earlier row of the same file, else the current stored value, else the plan's
  baseline), ``|v − v0| / (y − y0)``, is larger than ``jump_limit``: 30 % of the
  earlier value per year (``JUMP_RELATIVE``) but at least 2 % of the catalogue's
  plausible range per year (``JUMP_FLOOR_SHARE``, so that small rates near zero may
  move by a few units); indicators whose level sits far from zero have an absolute limit
  instead (``JUMP_ABSOLUTE``: 1 岁 a year for life expectancies);
* a value that differs from the current stored one: it becomes a correction (version
  n + 1) whose reason is the row's note;
* a percentage below 1 for a share indicator when there is nothing to compare it with
  (probably a fraction).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthplan import catalog
from healthplan.catalog import Indicator, normalise_unit, unit_factor
from healthplan.catalog.units import units_compatible
from healthplan.imports.rows import ObservationFile, Problem, RawRow, number_text
from healthplan.store.models import Plan, Target
from healthplan.store.observations import NewObservation, current_values
from healthplan.store.regions import RegionError, find_region
from healthplan.targets import read_value, scale_slip

FIRST_YEAR = 1949
JUMP_RELATIVE = 0.30  # of the earlier value, per year
JUMP_FLOOR_SHARE = 0.02  # of the catalogue's plausible range, per year
JUMP_ABSOLUTE = {"岁": 1.0}  # per year, for levels far from zero

Key = tuple[int, str, int]  # region_id, indicator_id, year

__all__ = ["Checked", "Problem", "jump_limit", "parse_number", "parse_year",
           "resolve_indicator", "validate"]


@dataclass(frozen=True)
class Value:
    """A row that passed the checks of its own cells."""

    raw: RawRow
    region_id: int
    region_name: str
    indicator: Indicator
    year: int
    value: float
    source: str
    note: str

    @property
    def key(self) -> Key:
        return (self.region_id, self.indicator.id, self.year)

    @property
    def label(self) -> str:
        return f"{self.region_name} {self.indicator.name} {self.year} 年"

    def problem(self, name: str, message: str, severity: str = "error") -> Problem:
        return Problem(self.raw.row, self.raw.column(name), message, severity, name)


@dataclass
class Checked:
    """What validation found: the observations to record and the problems."""

    file: ObservationFile
    items: list[NewObservation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: dict[Key, int] = field(default_factory=dict)  # key → row in the file
    labels: dict[Key, str] = field(default_factory=dict)  # key → 江阴市 人均预期寿命 2023 年
    seen: dict[Key, int] = field(default_factory=dict)  # key → current version (0: none)
    changes: int = 0  # items that add a value or correct one

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def validate(session: Session, file: ObservationFile, *, today: date | None = None) -> Checked:
    """Check every row of ``file``; nothing is written."""
    this_year = (today or date.today()).year
    checked = Checked(file, problems=[*file.problems, *_template_problems(session, file)])
    values, incomplete = _parse_rows(session, file.rows, checked.problems, this_year)
    context = _Context.load(session, values)
    good = []
    first_row: dict[Key, int] = {}
    for value in values:
        errors = _row_errors(value, context, first_row)
        checked.problems.extend(errors)
        if not errors and value.raw.row not in incomplete:
            good.append(value)
    context.add_file_values(good)
    for value in good:
        checked.problems.extend(_row_warnings(value, context))
        _collect(checked, value, context)
    # A template row shares its source cell among its years: one problem, said once.
    checked.problems = sorted(dict.fromkeys(checked.problems), key=lambda p: p.order)
    return checked


# --------------------------------------------------------------------------- cells


def _parse_rows(session: Session, rows: list[RawRow], problems: list[Problem],
                this_year: int) -> tuple[list[Value], set[int]]:
    """The rows whose region, indicator, year and value could be read (for the checks
    that need them), and the numbers of rows with any problem (never recorded)."""
    regions: dict[str, tuple] = {}
    values = []
    incomplete = set()
    for raw in rows:
        value, row_problems = _parse_row(session, raw, regions, this_year)
        problems.extend(row_problems)
        if value is not None:
            values.append(value)
        if row_problems:
            incomplete.add(raw.row)
    return values, incomplete


def _parse_row(session: Session, raw: RawRow, regions: dict,
               this_year: int) -> tuple[Value | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(name: str, message: str | None) -> None:
        if message:
            problems.append(Problem(raw.row, raw.column(name), message, field=name))

    text = raw.cell("region")
    if text not in regions:
        regions[text] = _find_region(session, text)
    region, message = regions[text]
    bad("region", message)
    indicator, message = resolve_indicator(raw.cell("indicator"))
    bad("indicator", message)
    year, message = parse_year(raw.cell("year"))
    if year is not None and year > this_year:
        year, message = None, f"{year} 年是未来年份（今年是 {this_year} 年），不能填报"
    bad("year", message)
    number, message = parse_number(raw.cell("value"), indicator.unit if indicator else None)
    bad("value", message)
    if indicator is not None and raw.cell("unit"):
        bad("unit", _unit_problem(raw.cell("unit"), indicator))
    if any(x is None for x in (region, indicator, year, number)):
        value = None
    else:
        value = Value(raw, region.id, region.name, indicator, year, number,
                      raw.cell("source").strip(), raw.cell("note").strip())
    if not raw.cell("source").strip():
        bad("source", "数据来源为空：每个数值都须注明来源（如“2023年卫生健康统计年报”）")
    return value, problems


def _find_region(session: Session, text: str):
    try:
        return find_region(session, text), None
    except RegionError as exc:
        return None, str(exc)


def resolve_indicator(text: str) -> tuple[Indicator | None, str | None]:
    """A catalogue id or a printed name the catalogue matches confidently → Indicator,
    else (None, the problem in Chinese)."""
    text = (text or "").strip()
    if not text:
        return None, "指标为空"
    known = catalog.load_catalog()
    if text in known:
        indicator = known.get(text)
    else:
        match = catalog.match(text)
        if match.method == "fuzzy":
            guess = catalog.get(match.indicator_id)
            return None, (f"指标“{text}”无法确定，最接近的是“{guess.name}”（{guess.id}）；"
                          "请填写指标目录中的名称或指标代码")
        if not match.matched:
            return None, _unknown_indicator(text, match)
        indicator = catalog.get(match.indicator_id)
    if indicator.fused:
        parts = "、".join(f"“{catalog.get(c).name}”" for c in indicator.components)
        return None, f"“{indicator.name}”是两项合列的指标，请分别填报{parts}"
    return indicator, None


def _unknown_indicator(text: str, match: catalog.Match) -> str:
    message = f"未知指标“{text}”：指标目录中没有此指标"
    if re.fullmatch(r"[a-z0-9_]+", text):
        try:
            catalog.get(text)
        except catalog.UnknownIndicatorError as exc:
            if exc.suggestions:
                return message + "（是否指：" + "、".join(exc.suggestions) + "）"
    if match.candidates:
        names = "、".join(f"“{catalog.get(i).name}”" for i, _ in match.candidates)
        message += f"（相近的有：{names}）"
    return message


_YEAR = re.compile(r"^(\d{4})(?:\.0+)?年?$")


def parse_year(text: str) -> tuple[int | None, str | None]:
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    if not t:
        return None, "年份为空"
    m = _YEAR.match(t)
    if m is None:
        return None, f"年份“{text}”不是四位数的年份"
    return int(m.group(1)), None


def parse_number(text: str, unit: str | None) -> tuple[float | None, str | None]:
    """One number from a value cell; ``unit`` (the indicator's) checks a trailing %/‰."""
    if not (text or "").strip():
        return None, "数值为空"
    parsed = read_value(text)
    if len(parsed.values) > 1:
        return None, f"数值“{text}”含多个数字，一个单元格只能填一个监测值"
    if parsed.value is None:
        return None, f"数值“{text}”不是数字"
    if parsed.is_bound:
        return None, f"数值“{text}”是界限或约数，请填写确切的监测值"
    if parsed.unit and unit is not None and not _same_unit(parsed.unit, unit):
        return None, f"数值“{text}”所带单位“{parsed.unit}”与指标单位“{unit or '无'}”不符"
    return parsed.value, None


def _same_unit(printed: str, canonical: str) -> bool:
    unit = normalise_unit(printed)
    return unit is not None and units_compatible(unit, canonical)


def _unit_problem(text: str, indicator: Indicator) -> str | None:
    unit = normalise_unit(text, indicator.name)
    if unit is not None and units_compatible(unit, indicator.unit):
        return None
    message = f"单位“{text}”与指标目录中“{indicator.name}”的单位“{indicator.unit or '无'}”不同"
    factor = unit_factor(unit, indicator.unit) if unit else None
    if factor is not None:
        return message + f"，请乘以 {factor:g} 换算为“{indicator.unit}”后填写"
    return message + f"，请按“{indicator.unit or '无单位'}”填写"


# --------------------------------------------------------------------------- context


@dataclass
class _Point:
    value: float
    what: str  # where the value comes from, for messages


@dataclass
class _Context:
    """What the database knows about the regions and indicators of the file."""

    years: dict[int, tuple[int, int]]  # region_id → allowed years, for regions with plans
    stored: dict[tuple[int, str], dict]  # (region, indicator) → {year: StoredValue}
    known: dict[tuple[int, str], dict[int, _Point]]  # stored values and plan baselines
    series: dict[tuple[int, str], dict[int, _Point]] = field(default_factory=dict)  # + file

    @classmethod
    def load(cls, session: Session, values: list[Value]) -> _Context:
        if not values:
            return cls({}, {}, {})
        region_ids = {v.region_id for v in values}
        indicator_ids = {v.indicator.id for v in values}
        stored = current_values(session, region_ids, indicator_ids)
        known: dict = {}
        for pair, by_year in _baselines(session, region_ids, indicator_ids).items():
            known[pair] = {year: _Point(value, f"规划基期值（{year}年）")
                           for year, value in by_year.items()}
        for pair, by_year in stored.items():
            known.setdefault(pair, {}).update(
                {year: _Point(obs.value, f"已有的{year}年数值") for year, obs in by_year.items()})
        return cls(_plan_years(session, region_ids), stored, known)

    def reference(self, value: Value) -> _Point | None:
        """The known value (stored or baseline) nearest in time, for the scale check;
        the file's own values are no reference, since they may all share one slip."""
        points = self.known.get((value.region_id, value.indicator.id), {})
        others = [y for y in points if y != value.year]
        if not others:
            return None
        return points[min(others, key=lambda y: (abs(y - value.year), -y))]

    def add_file_values(self, values: list[Value]) -> None:
        self.series = {pair: dict(points) for pair, points in self.known.items()}
        for v in values:
            self.series.setdefault((v.region_id, v.indicator.id), {})[v.year] = _Point(
                v.value, f"本文件第{v.raw.row}行的{v.year}年数值")

    def earlier(self, value: Value) -> tuple[int, _Point] | None:
        """The nearest earlier value of the series, the file's rows included."""
        points = self.series.get((value.region_id, value.indicator.id), {})
        years = [y for y in points if y < value.year]
        return (max(years), points[max(years)]) if years else None


def _plan_years(session: Session, region_ids) -> dict[int, tuple[int, int]]:
    rows = session.execute(
        select(Plan.region_id, func.min(Plan.period_start), func.max(Plan.period_end),
               func.min(Target.baseline_year))
        .outerjoin(Target, Target.plan_id == Plan.id)
        .where(Plan.region_id.in_(list(region_ids)))
        .group_by(Plan.region_id))
    out = {}
    for region_id, start, end, baseline in rows:
        first = start - 1 if baseline is None else min(start - 1, baseline)
        out[region_id] = (first, end)
    return out


def _baselines(session: Session, region_ids, indicator_ids) -> dict:
    """(region, indicator) → {baseline year: value} from the region's plans, newest plan
    winning; only where the plan's unit is the catalogue's (a misprinted unit is no
    reference)."""
    rows = session.execute(
        select(Plan.region_id, Target.indicator_id, Target.baseline_year, Target.baseline_value,
               Target.unit, Target.name)
        .join(Plan, Target.plan_id == Plan.id)
        .where(Plan.region_id.in_(list(region_ids)), Target.indicator_id.in_(list(indicator_ids)),
               Target.baseline_value.is_not(None), Target.baseline_year.is_not(None))
        .order_by(Plan.period_start))
    out: dict = {}
    for region_id, indicator_id, year, value, unit, name in rows:
        unit = normalise_unit(unit or "", name)
        if unit is None or not units_compatible(unit, catalog.get(indicator_id).unit):
            continue
        out.setdefault((region_id, indicator_id), {})[year] = value
    return out


# --------------------------------------------------------------------------- rows


def _row_errors(value: Value, context: _Context, first_row: dict[Key, int]) -> list[Problem]:
    if value.key in first_row:
        return [value.problem("year", f"与第{first_row[value.key]}行重复（{value.label}）："
                                      "同一地区、指标、年份在一个文件中只能出现一次")]
    first_row[value.key] = value.raw.row
    errors = []
    year_problem = _year_problem(value, context.years.get(value.region_id))
    if year_problem:
        errors.append(value.problem("year", year_problem))
    value_problem = _value_problem(value, context.reference(value))
    if value_problem:
        errors.append(value.problem("value", value_problem))
    return errors


def _year_problem(value: Value, allowed: tuple[int, int] | None) -> str | None:
    year = value.year
    if allowed is None:
        if year < FIRST_YEAR:
            return f"年份 {year} 早于 {FIRST_YEAR} 年"
        return None
    first, last = allowed
    if not first <= year <= last:
        return (f"年份 {year} 不在{value.region_name}规划的监测年份 {first}–{last} 内"
                "（基期年至规划期末）")
    return None


def _value_problem(value: Value, reference: _Point | None) -> str | None:
    indicator, x = value.indicator, value.value
    unit = indicator.unit
    slip = scale_slip(x, unit, reference.value if reference else None)
    if slip is not None:
        scaled, hint = slip
        return (f"数值 {number_text(x)} 与{reference.what} {number_text(reference.value)}% "
                f"相差约 100 倍，疑似单位错误（{hint}，应为 {number_text(scaled)}%？）")
    if indicator.in_bounds(x):
        return None
    low, high = indicator.bounds
    message = (f"数值 {number_text(x)} 超出“{indicator.name}”的合理范围 "
               f"{number_text(low)}–{number_text(high)}{unit}")
    if unit == "%" and x > high and indicator.in_bounds(x / 100):
        message += f"（百分比疑似放大了100倍，应为 {number_text(x / 100)}？）"
    elif unit == "%" and 0 < x < 1 and indicator.in_bounds(x * 100):
        message += f"（百分比疑似写成了小数，应为 {number_text(x * 100)}？）"
    return message


def _row_warnings(value: Value, context: _Context) -> list[Problem]:
    old = context.stored.get((value.region_id, value.indicator.id), {}).get(value.year)
    if old is not None and old.value == value.value:
        return []  # unchanged: nothing to warn about, so a re-import stays a no-op
    warnings = []
    if old is not None:
        reason = value.note or "（备注为空）"
        warnings.append(value.problem("value", (
            f"{value.label}已有数值 {number_text(old.value)}（第{old.version}版，来源：{old.source}），"
            f"导入后将更正为 {number_text(value.value)}（第{old.version + 1}版），更正原因：{reason}"),
            "warning"))
    earlier = context.earlier(value)
    jump = _jump_message(value, *earlier) if earlier is not None else None
    if jump:
        warnings.append(value.problem("value", jump, "warning"))
    if (value.indicator.unit == "%" and 0 < value.value < 1
          and value.indicator.bounds[1] >= 50 and context.reference(value) is None):
        warnings.append(value.problem("value", (
            f"数值 {number_text(value.value)} 小于 1，疑似把百分比写成了小数"
            f"（{number_text(value.value * 100)}% 应填 {number_text(value.value * 100)}）"),
            "warning"))
    return warnings


def jump_limit(indicator: Indicator, earlier: float) -> float:
    """The largest change per year that is not reported as a jump (see the module doc)."""
    if indicator.unit in JUMP_ABSOLUTE:
        return JUMP_ABSOLUTE[indicator.unit]
    low, high = indicator.bounds
    return max(JUMP_RELATIVE * abs(earlier), JUMP_FLOOR_SHARE * (high - low))


def _jump_message(value: Value, year: int, point: _Point) -> str | None:
    per_year = (value.value - point.value) / (value.year - year)
    limit = jump_limit(value.indicator, point.value)
    if abs(per_year) <= limit:
        return None
    unit = value.indicator.unit
    return (f"{value.label}为 {number_text(value.value)}，较{point.what} "
            f"{number_text(point.value)} 每年变化 {per_year:+.3g}{unit}，超过跳变提示阈值"
            f"（每年 ±{limit:.3g}{unit}），请核对")


def _collect(checked: Checked, value: Value, context: _Context) -> None:
    old = context.stored.get((value.region_id, value.indicator.id), {}).get(value.year)
    reason = value.note or f"导入 {checked.file.name} 第{value.raw.row}行更正"
    checked.items.append(NewObservation(
        region_id=value.region_id, indicator_id=value.indicator.id, year=value.year,
        value=value.value, source=value.source, unit=value.indicator.unit, note=value.note,
        reason=reason))
    checked.rows[value.key] = value.raw.row
    checked.labels[value.key] = value.label
    checked.seen[value.key] = old.version if old is not None else 0
    if old is None or old.value != value.value:
        checked.changes += 1


def _template_problems(session: Session, file: ObservationFile) -> list[Problem]:
    info = file.template
    if info is None:
        return []
    plan = session.get(Plan, info.plan_id)
    if plan is not None and plan.region.code == info.region_code:
        return []
    return [Problem(None, "", f"模板对应的规划（编号 {info.plan_id}，地区 {info.region_code}）"
                              "在本数据库中不存在，请用本数据库重新生成模板"
                              "（healthplan template --plan 规划编号）")]
