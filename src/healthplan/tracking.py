"""Body-text commitments and 专栏 projects as tracked items: a rule, progress, a verdict.

A plan promises more than its indicator table: "急救平均反应时间≤12分钟",
"二级以上医院电子病历应用水平4级以上", "监护型救护车每3万人口配备1辆", and key
projects in boxes (专栏). This module turns each of them into something the planning
office can track like an indicator. It is plain data in, plain data out: no database,
no web (``store/progress.py`` feeds it from the store).

Rules (:func:`commitment_rule`)
-------------------------------

A commitment (``extract.commitments.Commitment`` or the stored row: subject, value,
unit, comparator, year, text) becomes a :class:`TrackedRule` holding a
:class:`~healthplan.targets.Rule` parsed by :func:`~healthplan.targets.parse_target`
from the comparator, the value and the unit, and a direction:

==============  ===========================================================================
comparator      rule
==============  ===========================================================================
``>=`` ``>``    at_least / greater_than; higher is better
``<=`` ``<``    at_most / less_than; lower is better
``per``         每3万人口1辆 → at_least 1 辆/3万人口 (a ratio of resources to population is
                a floor); the value to record is in the same unit
``approx``      X左右 (±5 %, as for indicators), direction as for ``=``
``range``       X-Y: with a known direction, at_least X (higher is better: exceeding the
                upper end is not a failure) or at_most Y (lower is better); otherwise a
                two-sided range
``=``           the printed number read by a direction (a floor if higher is better, a
                ceiling if lower is better, ``describe`` says so); 控制在X is a ceiling
==============  ===========================================================================

The direction of ``=``, ``approx`` and ``range`` comes, in this order, from: a
decreasing verb in the text (降至, 降低到, 下降到, 减少到, 控制在 … → lower); the indicator
catalogue when the subject is an indicator's name or alias (孕产妇死亡率 → lower); a
subject that names a lower-is-better measure (死亡率, 发病率, 患病率, 近视率, 反应时间 …
→ lower); an increasing or achieving verb (提升至, 达到, 建成, 新增, 设置 …), a count unit
(个, 家, 名, 所, 张, 级 …), a 全部/均 promise, or a rate-like subject (…率, 比例, 占比,
水平, 覆盖面) → higher. With none of these the rule is ``needs_judgement``.

A commitment is ``needs_judgement`` — honestly, never guessed — when the machine cannot
check it: a change relative to an unprinted baseline (人均每日食盐摄入量降低15%,
近视率每年降低0.5个百分点), a value in 个百分点 without a base, a number with no
direction, or a value that is not a number.

``yearly`` is set when the promise is for every year (每年培训卫生监督骨干50人).

Verdicts (:func:`commitment_verdict`, :func:`status_verdict`)
------------------------------------------------------------

The vocabulary is that of indicators (``evaluate.VERDICT_CN``). ``T`` is the target
year (the commitment's deadline, else the end of the plan period; for a project the end
of the plan period); the midterm year is ``M = start + (T − start) // 2``, as for the
midterm report.

*Quantitative commitments* (a value per year): exactly the indicator rules of
``evaluate.evaluate_series`` with no baseline (commitments print none) — before T:
achieved when the latest value already meets the target, at_risk with a single value
(no path to judge by), at_risk / off_track by the least-squares projection with two or
more; in and after T: achieved / not_achieved on the target-year (else latest) value;
no_data with no value up to the year.

*Yearly commitments* (每年…): every recorded year is checked against the bar. Before T:
on_track when every recorded year meets it, off_track when the latest recorded year
misses it, at_risk when only an earlier year missed; in and after T: achieved when
every recorded year meets it, else not_achieved.

*Projects, and commitments that need judgement* (a status per year, a recorded human
judgement; ``STATUSES``): the latest status up to the year decides —

================  ========================================================================
status            verdict
================  ========================================================================
``completed``     achieved (any year)
``cancelled``     needs_judgement (cancelled or changed at a plan adjustment: the report
                  must say why)
any other, ≥ T    not_achieved
``stalled``       off_track
``in_progress``   on_track up to the midterm year, at_risk after it
``not_started``   at_risk before the midterm year, off_track from it on
================  ========================================================================

With nothing recorded up to the year: no_data for a project, needs_judgement for a
commitment whose rule needs judgement (a human must record a conclusion).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from healthplan.evaluate import VERDICT_CN, evaluate_series
from healthplan.targets import Rule, _fmt, _u, parse_target, read_value

__all__ = [
    "STATUSES",
    "STATUS_CN",
    "ItemVerdict",
    "ProgressPoint",
    "TrackedRule",
    "commitment_rule",
    "commitment_verdict",
    "midterm_year",
    "parse_status",
    "status_verdict",
]

STATUSES = ("not_started", "in_progress", "stalled", "completed", "cancelled")
STATUS_CN = {
    "not_started": "未启动",
    "in_progress": "推进中",
    "stalled": "停滞",
    "completed": "已完成",
    "cancelled": "已取消或调整",
}
_STATUS_ALIASES = {
    **{cn: code for code, cn in STATUS_CN.items()},
    "未开始": "not_started", "未开工": "not_started", "进行中": "in_progress", "实施中": "in_progress",
    "在建": "in_progress", "受阻": "stalled", "滞后": "stalled", "完成": "completed",
    "已建成": "completed", "建成": "completed", "取消": "cancelled", "已取消": "cancelled",
    "调整": "cancelled",
}


def parse_status(text: str) -> str:
    """A status code from its code or Chinese name; ValueError (Chinese) otherwise."""
    t = (text or "").strip()
    code = t.lower() if t.lower() in STATUSES else _STATUS_ALIASES.get(t)
    if code is None:
        allowed = "、".join(f"{c}（{STATUS_CN[c]}）" for c in STATUSES)
        raise ValueError(f"进展状态“{t}”无法识别，应为 {allowed} 之一")
    return code


# --------------------------------------------------------------------------- rules

_DECREASE_TO = ("降低到", "降低至", "下降到", "下降至", "减少到", "减少至", "降到", "降至", "减至",
                "缩短到", "缩短至", "控制在", "不超过", "不高于")
_INCREASE_TO = re.compile(
    r"提高到|提高至|提升到|提升至|增加到|增加至|增长到|增长至|增至|扩大到|扩大至|达到|达(?=\s*\d)|建成|建有"
    r"|新建|新增|配建|配备|设置|设立|创建|培训|培养|引进|推广|遴选|打造|建设|全部|均(?=达|已|建|设|通过)"
)
# The verb ends the subject: a change relative to a baseline the body text does not give.
_RELATIVE_END = re.compile(r"(?:提高|提升|增长|上升|降低|下降|减少|缩短|压缩)$")
_LOWER_SUBJECT = re.compile(
    r"死亡率|病死率|发病率|患病率|感染率|吸烟率|肥胖率|超重率|近视率|低体重|贫血率|发生率|流行率"
    r"|反应时间|等候时间|等待时间|平均住院日|自付|负担|事故|耗时|用时"
)
_RATE_SUBJECT = re.compile(r"(?:率|比例|比重|占比|水平|覆盖面|满意度|指数)$")
_COUNT_UNIT = re.compile(
    r"^(?:个|家|名|所|人|张|间|项|支|辆|床|座|条|处|种|批|次|例|户|篇|部|门|对|组|队|场|位|级|类|期|份"
    r"|万人次|人次|万人|万元|亿元|元|平方米|万平方米|台|套)(?:/.*)?$"
)
_YEARLY = re.compile(r"每年|年均|逐年")


@dataclass(frozen=True)
class TrackedRule:
    """A commitment's rule: ``rule`` (a targets.Rule), its ``direction`` (higher, lower,
    range or None), ``yearly`` (a bar for every year) and ``reading`` (how the printed
    promise was read, in Chinese, for the explanation)."""

    rule: Rule
    direction: str | None
    yearly: bool = False
    reading: str = ""

    @property
    def quantitative(self) -> bool:
        """Can a recorded value be checked by machine?"""
        return self.rule.kind not in ("needs_judgement", "no_target")

    @property
    def reason(self) -> str | None:
        return None if self.quantitative else (self.rule.reason or "无法自动判断")

    def describe(self) -> str:
        """The rule in words: "≤12分钟", "每年≥50人", "需人工研判（…）"."""
        if not self.quantitative:
            return f"需人工研判（{self.reason}）"
        text = self.rule.describe().replace("（指标越", "（承诺越").replace("（指标以", "（承诺以")
        return f"每年{text}" if self.yearly else text

    def to_json(self) -> dict:
        return {"rule": self.rule.to_json(), "direction": self.direction, "yearly": self.yearly,
                "quantitative": self.quantitative, "reading": self.reading,
                "describe": self.describe()}


def _catalogue_direction(subject: str) -> str | None:
    from healthplan.catalog import get
    from healthplan.catalog.matching import match

    found = match(subject)
    if found.indicator_id and found.method in ("exact", "alias", "normalised"):
        return get(found.indicator_id).direction
    return None


def _direction(subject: str, unit: str, text: str) -> tuple[str | None, str]:
    """(direction, why) for a commitment printed without a comparator sign."""
    before = text[:text.find(subject) + len(subject)] if subject in text else ""
    verbs = text[len(before):] if before else text
    for word in _DECREASE_TO:
        if word in verbs:
            return "lower", f"原文“{word}”"
    catalogued = _catalogue_direction(subject)
    if catalogued:
        return catalogued, "依指标目录的指标方向"
    if _LOWER_SUBJECT.search(subject):
        return "lower", "该指标越低越好"
    if found := _INCREASE_TO.search(text):
        return "higher", f"原文“{found.group(0)}”"
    if _COUNT_UNIT.match(unit or ""):
        return "higher", "数量类承诺"
    if _RATE_SUBJECT.search(subject):
        return "higher", "比率类承诺"
    return None, ""


def commitment_rule(c, *, target_year: int | None = None) -> TrackedRule:
    """The rule of a commitment (any object with subject, value, unit, comparator, year,
    text). ``target_year`` is used when the commitment names no deadline (the end of the
    plan period). Never raises: what cannot be checked becomes ``needs_judgement``."""
    subject, unit, cmp = (c.subject or "").strip(), (c.unit or "").strip(), c.comparator
    value = (c.value or "").strip()
    text = c.text or ""
    year = c.year or target_year
    yearly = bool(_YEARLY.search(subject) or _YEARLY.search(text))

    def judge(reason: str) -> TrackedRule:
        rule = Rule("needs_judgement", text=text, unit=unit, target_year=year, reason=reason)
        return TrackedRule(rule, None, yearly, "")

    def parsed(target: str, direction: str | None, reading: str) -> TrackedRule:
        try:
            rule = parse_target(target, direction=direction, unit=unit, target_year=year)
        except ValueError as exc:  # a bad keyword, never the text
            return judge(str(exc))
        rule = Rule.from_json({**rule.to_json(), "text": text})
        if not rule.kind.startswith("needs"):
            return TrackedRule(rule, direction, yearly, reading)
        return TrackedRule(rule, None, yearly, "")

    if _RELATIVE_END.search(subject) or (yearly and re.search(r"(?:提高|降低|增长|下降|减少)", subject)):
        return judge("承诺为相对基期的变化幅度，规划正文未给出基期值，无法自动计算")
    if unit in ("个百分点", "百分点"):
        return judge("承诺以“个百分点”表示，没有可比较的水平值")
    if cmp == "range":
        parts = re.split(r"[-—–~至到]+", value)
        lo, hi = (read_value(p).value for p in parts[:2]) if len(parts) >= 2 else (None, None)
        if lo is None or hi is None:
            return judge(f"区间“{value}”无法识别")
        lo, hi = min(lo, hi), max(lo, hi)
        direction, why = _direction(subject, unit, text)
        if direction == "higher":
            return parsed(f"≥{_fmt(lo)}", "higher",
                          f"原文为区间{_fmt(lo)}—{_fmt(hi)}{_u(unit)}，{why}，按不低于下限判断，超过上限也算达到")
        if direction == "lower":
            return parsed(f"≤{_fmt(hi)}", "lower",
                          f"原文为区间{_fmt(lo)}—{_fmt(hi)}{_u(unit)}，{why}，按不高于上限判断")
        return parsed(f"{_fmt(lo)}-{_fmt(hi)}", None, "按区间判断（两端均含）")
    number = read_value(value).value
    if number is None or not math.isfinite(number):
        return judge(f"承诺值“{value}”不是一个数")
    n = _fmt(number)
    if cmp in (">=", ">", "<=", "<"):
        symbol = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}[cmp]
        direction = "higher" if cmp.startswith(">") else "lower"
        return parsed(f"{symbol}{n}", direction, "")
    if cmp == "per":
        return parsed(f"≥{n}", "higher", f"按每{unit.split('/', 1)[-1]}不少于{n}{unit.split('/')[0]}判断")
    direction, why = _direction(subject, unit, text)
    if cmp == "approx":
        return parsed(f"{n}左右", direction, why)
    if cmp == "=":
        if "控制在" in text:
            return parsed(f"控制在{n}", "lower", "原文“控制在”，按不超过判断")
        if direction is None:
            return judge("只有数值、没有比较方向，无法判断越高越好还是越低越好")
        return parsed(n, direction, why)
    return judge(f"无法识别的比较方式“{cmp}”")


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class ProgressPoint:
    """The current (newest) version of one year's progress of one item."""

    year: int
    value: float | None = None
    status: str = ""
    source: str = ""
    evidence: str = ""
    version: int = 1

    def describe(self, unit: str = "") -> str:
        """"2024年：11.5分钟" / "2024年：推进中"."""
        what = _fmt(self.value) + _u(unit) if self.value is not None else STATUS_CN.get(
            self.status, self.status or "—")
        return f"{self.year}年：{what}"


@dataclass(frozen=True)
class ItemVerdict:
    year: int
    verdict: str
    explanation: str
    latest: ProgressPoint | None = None
    missed_years: tuple[int, ...] = field(default=())

    @property
    def verdict_cn(self) -> str:
        return VERDICT_CN[self.verdict]


def midterm_year(start: int, target_year: int) -> int:
    return start + max(target_year - start, 0) // 2


def _latest(points: list[ProgressPoint], year: int) -> ProgressPoint | None:
    seen = sorted((p for p in points if p.year <= year), key=lambda p: p.year)
    return seen[-1] if seen else None


def commitment_verdict(tracked: TrackedRule, points: list[ProgressPoint], year: int, *,
                       period_start: int, target_year: int) -> ItemVerdict:
    """The verdict of a commitment in ``year`` from its current progress (one point per
    year). A commitment whose rule needs judgement is judged by its recorded status."""
    if not tracked.quantitative:
        latest = _latest(points, year)
        if latest is None or not latest.status:
            return ItemVerdict(year, "needs_judgement",
                               f"{year}年评价：承诺无法自动判断（{tracked.reason}），"
                               "尚未记录人工研判结论，需记录落实状态。", latest)
        return status_verdict(points, year, period_start=period_start, target_year=target_year,
                              what="该承诺")
    rule = tracked.rule
    values = {p.year: p.value for p in points if p.value is not None}
    by_year = {p.year: p for p in points}
    if tracked.yearly:
        return _yearly_verdict(tracked, values, by_year, year, target_year)
    ev = evaluate_series(rule, baseline=None, base_year=period_start - 1, target_year=target_year,
                         observations=values, year=year, direction=tracked.direction or "range")
    latest = by_year.get(ev.latest_year) if ev.latest_year is not None else None
    explanation = ev.explanation
    if tracked.reading and ev.verdict != "no_data":
        explanation = explanation.rstrip("。") + f"（{tracked.reading}）。"
    return ItemVerdict(year, ev.verdict, explanation, latest)


def _yearly_verdict(tracked: TrackedRule, values: dict[int, float],
                    by_year: dict[int, ProgressPoint], year: int, target_year: int) -> ItemVerdict:
    rule = tracked.rule
    seen = sorted(y for y in values if y <= year)
    head = f"{year}年评价："
    bar = f"每年{rule.describe()}"
    if not seen:
        return ItemVerdict(year, "no_data", f"{head}截至{year}年没有进展记录，无法判断（目标为{bar}）。")
    latest = by_year[seen[-1]]
    missed = tuple(y for y in seen if not rule.check(values[y], year=y).met)
    shown = "；".join(f"{y}年{_fmt(values[y])}{_u(rule.unit)}" for y in seen)
    done = f"目标为{bar}，已记录{shown}"
    if year >= target_year:
        if missed:
            return ItemVerdict(year, "not_achieved",
                               f"{head}{done}，{'、'.join(map(str, missed))}年未达到，未达到目标。",
                               latest, missed)
        return ItemVerdict(year, "achieved", f"{head}{done}，已记录的年份均达到，已达到目标。", latest)
    if not missed:
        return ItemVerdict(year, "on_track", f"{head}{done}，均达到当年要求，进度正常。", latest)
    verdict = "off_track" if missed[-1] == seen[-1] else "at_risk"
    word = "最近一年未达到，进度滞后" if verdict == "off_track" else "此前有年份未达到，存在风险"
    return ItemVerdict(year, verdict,
                       f"{head}{done}，{'、'.join(map(str, missed))}年未达到当年要求，{word}。",
                       latest, missed)


def status_verdict(points: list[ProgressPoint], year: int, *, period_start: int,
                   target_year: int, what: str = "该项目") -> ItemVerdict:
    """The verdict of a project (or a judgement commitment) in ``year`` from its latest
    recorded status up to that year (see the module docstring for the table)."""
    head = f"{year}年评价："
    latest = _latest([p for p in points if p.status], year)
    if latest is None:
        return ItemVerdict(year, "no_data", f"{head}截至{year}年没有进展记录，无法判断。")
    state = STATUS_CN.get(latest.status, latest.status)
    when = f"{latest.year}年记录的状态为“{state}”"
    if latest.year < year:
        gap = f"{year}年" if latest.year + 1 == year else f"{latest.year + 1}—{year}年"
        when += f"（{gap}无新记录）"
    mid = midterm_year(period_start, target_year)
    if latest.status == "completed":
        return ItemVerdict(year, "achieved", f"{head}{when}，{what}已完成。", latest)
    if latest.status == "cancelled":
        return ItemVerdict(year, "needs_judgement",
                           f"{head}{when}，需说明取消或调整的依据并记录结论。", latest)
    if year >= target_year:
        return ItemVerdict(year, "not_achieved",
                           f"{head}{when}，截至目标年{target_year}年仍未完成，未达到。", latest)
    if latest.status == "stalled":
        return ItemVerdict(year, "off_track", f"{head}{when}，进度滞后。", latest)
    if latest.status == "in_progress":
        if year <= mid:
            return ItemVerdict(year, "on_track",
                               f"{head}{when}，尚在中期（{mid}年）之前或当年，进度正常。", latest)
        return ItemVerdict(year, "at_risk",
                           f"{head}{when}，已过中期（{mid}年），距目标年{target_year}年"
                           f"还剩{target_year - year}年仍未完成，存在风险。", latest)
    # not_started
    if year < mid:
        return ItemVerdict(year, "at_risk", f"{head}{when}，中期（{mid}年）之前尚未启动，存在风险。",
                           latest)
    return ItemVerdict(year, "off_track",
                       f"{head}{when}，已到中期（{mid}年）仍未启动，进度滞后。", latest)
