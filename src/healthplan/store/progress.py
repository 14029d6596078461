"""Progress of tracked commitments and 专栏 projects: versioned entries, verdicts.

The functions the CLI, the web dashboard, the API and the reports call:

``tracked_items(session, plan_id, year=None) -> list[TrackedItem]``
    Every commitment and project of a plan (commitments first, in document order), each
    with its rule, its latest progress up to ``year``, its verdict for ``year`` and a
    Chinese explanation. ``year`` defaults to the plan's evaluation year
    (:func:`healthplan.store.evaluation.default_year`, the same for indicators).
``tracked_item(session, plan_id, kind, number, year=None) -> TrackedItem``
    One of them (``kind`` "commitment" | "project", ``number`` its 1-based position in the
    plan, as ``tracked_items`` and ``healthplan track list`` show it).
``record_progress(session, plan_id, kind, number, year, *, value=None, status=None,
source, evidence="", reason="", user_id=None) -> RecordedProgress``
    Record one year's progress: a ``value`` for a quantitative commitment, a ``status``
    (``tracking.STATUSES``) for a project or a commitment that needs judgement. A
    different entry where one exists is a correction: a new version, which needs a
    ``reason``; the same entry again changes nothing. ``source`` is always required.
    Every write goes to the audit log (who, what, before/after, source, reason). Bad input
    raises :class:`ProgressError` (a message for the user, in Chinese) before anything is
    written. The caller commits.
``progress_history(session, plan_id, kind, number, year=None) -> list[ProgressEntry]``
    Every version, oldest first.
``current_progress(session, plan_id) -> dict[(kind, item_id), dict[year, ProgressEntry]]``
    The newest version for each item and year.

Nothing is overwritten or deleted: as for observations, the current entry is the newest
version, and two writers that both add the same version collide on the unique
constraint (IntegrityError at flush or commit; the caller tells the loser).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthplan.evaluate import VERDICT_CN
from healthplan.store.evaluation import PlanNotFound, default_year, get_plan
from healthplan.store.models import Commitment, Plan, ProgressEntry, Project
from healthplan.store.users import audit
from healthplan.targets import _fmt, _u
from healthplan.tracking import (
    STATUS_CN,
    ItemVerdict,
    ProgressPoint,
    TrackedRule,
    commitment_rule,
    commitment_verdict,
    parse_status,
    status_verdict,
)

KINDS = ("commitment", "project")
KIND_CN = {"commitment": "承诺", "project": "专栏项目"}


class ProgressError(ValueError):
    """Progress cannot be recorded as asked; the message (Chinese) is for the user."""


@dataclass
class TrackedItem:
    """A commitment or project of a plan, with where it stands in ``year``."""

    kind: str  # commitment / project
    item_id: int  # Commitment.id / Project.id (ProgressEntry.item_id)
    number: int  # 1-based position in the plan (what the user types)
    label: str  # 专栏3 / 承诺12
    text: str  # the commitment as printed / the project's title
    detail: str  # the sentence / the box's text
    line: int  # the document line it starts on
    target_year: int
    quantitative: bool
    rule: str  # the rule in words, or 按项目状态判断
    unit: str
    year: int  # the evaluation year
    verdict: str
    explanation: str
    latest: ProgressPoint | None = None  # the newest entry up to ``year``
    entries: list[ProgressPoint] = field(default_factory=list)  # current version per year
    tracked_rule: TrackedRule | None = None  # commitments only

    @property
    def verdict_cn(self) -> str:
        return VERDICT_CN[self.verdict]

    @property
    def latest_text(self) -> str | None:
        """"2024年：11.5分钟" / "2024年：推进中", or None when nothing is recorded."""
        return self.latest.describe(self.unit) if self.latest else None

    @property
    def source(self) -> str | None:
        return self.latest.source if self.latest else None

    @property
    def evidence(self) -> str | None:
        return (self.latest.evidence or None) if self.latest else None

    def to_json(self) -> dict:
        latest = None
        if self.latest is not None:
            p = self.latest
            latest = {"year": p.year, "value": p.value, "status": p.status or None,
                      "status_cn": STATUS_CN.get(p.status) if p.status else None,
                      "source": p.source, "evidence": p.evidence, "version": p.version}
        return {
            "kind": self.kind, "id": self.item_id, "number": self.number, "label": self.label,
            "text": self.text, "line": self.line, "target_year": self.target_year,
            "quantitative": self.quantitative, "rule": self.rule, "unit": self.unit,
            "year": self.year, "verdict": self.verdict, "verdict_cn": self.verdict_cn,
            "explanation": self.explanation, "latest": latest,
            "rule_detail": self.tracked_rule.to_json() if self.tracked_rule else None,
        }


@dataclass
class RecordedProgress:
    """What :func:`record_progress` did: ``entry`` is the current entry (new or unchanged)."""

    entry: ProgressEntry
    previous: ProgressEntry | None
    changed: bool

    @property
    def correction(self) -> bool:
        return self.changed and self.previous is not None


# --------------------------------------------------------------------------- lookups


def _plan(session: Session, plan_id: int) -> Plan:
    try:
        return get_plan(session, plan_id)
    except PlanNotFound as exc:
        raise ProgressError(str(exc)) from None


def find_item(session: Session, plan: Plan, kind: str, number: int) -> Commitment | Project:
    """The plan's commitment or project at 1-based position ``number``."""
    if kind not in KINDS:
        raise ProgressError(f"条目类型应为 commitment 或 project，而不是 {kind!r}")
    items = plan.commitments if kind == "commitment" else plan.projects
    for item in items:
        if item.position == number:
            return item
    if not items:
        raise ProgressError(f"规划 {plan.id} 没有{KIND_CN[kind]}")
    raise ProgressError(f"规划 {plan.id} 没有第 {number} 项{KIND_CN[kind]}（共 {len(items)} 项，"
                        f"编号 1—{len(items)}，healthplan track list {plan.id} 列出）")


def _target_year(plan: Plan, kind: str, item) -> int:
    if kind == "commitment" and item.year and plan.period_start <= item.year <= plan.period_end:
        return item.year
    return plan.period_end


def item_rule(plan: Plan, commitment: Commitment) -> TrackedRule:
    return commitment_rule(commitment, target_year=_target_year(plan, "commitment", commitment))


def current_progress(session: Session, plan_id: int
                     ) -> dict[tuple[str, int], dict[int, ProgressEntry]]:
    """(kind, item_id) → {year: newest ProgressEntry} for every item of the plan."""
    rows = session.scalars(select(ProgressEntry).where(ProgressEntry.plan_id == plan_id)
                           .order_by(ProgressEntry.version))  # the newest version wins below
    out: dict[tuple[str, int], dict[int, ProgressEntry]] = {}
    for entry in rows:
        out.setdefault((entry.item_type, entry.item_id), {})[entry.year] = entry
    return out


def _point(entry: ProgressEntry) -> ProgressPoint:
    return ProgressPoint(entry.year, entry.value, entry.status or "", entry.source,
                         entry.evidence or "", entry.version)


def progress_history(session: Session, plan_id: int, kind: str, number: int,
                     year: int | None = None) -> list[ProgressEntry]:
    """Every version of an item's progress, oldest first (one year, or all)."""
    plan = _plan(session, plan_id)
    item = find_item(session, plan, kind, number)
    query = select(ProgressEntry).where(ProgressEntry.plan_id == plan.id,
                                        ProgressEntry.item_type == kind,
                                        ProgressEntry.item_id == item.id)
    if year is not None:
        query = query.where(ProgressEntry.year == year)
    return list(session.scalars(query.order_by(ProgressEntry.year, ProgressEntry.version)))


# --------------------------------------------------------------------------- tracked items


def tracked_items(session: Session, plan_id: int, year: int | None = None) -> list[TrackedItem]:
    """Every commitment and project of the plan with its latest progress and verdict."""
    plan = _plan(session, plan_id)
    year = default_year(session, plan) if year is None else int(year)
    progress = current_progress(session, plan.id)
    items = [_tracked(plan, "commitment", c, progress, year) for c in plan.commitments]
    items += [_tracked(plan, "project", p, progress, year) for p in plan.projects]
    return items


def tracked_item(session: Session, plan_id: int, kind: str, number: int,
                 year: int | None = None) -> TrackedItem:
    plan = _plan(session, plan_id)
    item = find_item(session, plan, kind, number)
    year = default_year(session, plan) if year is None else int(year)
    return _tracked(plan, kind, item, current_progress(session, plan.id), year)


def _tracked(plan: Plan, kind: str, item, progress, year: int) -> TrackedItem:
    entries = progress.get((kind, item.id), {})
    points = [_point(entries[y]) for y in sorted(entries)]
    target_year = _target_year(plan, kind, item)
    if kind == "commitment":
        tracked = item_rule(plan, item)
        verdict: ItemVerdict = commitment_verdict(tracked, points, year,
                                                  period_start=plan.period_start,
                                                  target_year=target_year)
        rule, unit = tracked.describe(), tracked.rule.unit or item.unit
        label, text, detail, line = f"承诺{item.position}", item.text, item.sentence, item.line
        quantitative = tracked.quantitative
    else:
        tracked = None
        verdict = status_verdict(points, year, period_start=plan.period_start,
                                 target_year=target_year)
        rule, unit = f"按项目实施状态判断（{target_year}年底前完成）", ""
        number = item.number or item.inferred_number
        label = f"专栏{number}" if number else f"专栏（第{item.position}个）"
        text, detail, line = item.title or "（无标题）", item.text, item.line_start
        quantitative = False
    latest = max((p for p in points if p.year <= year), key=lambda p: p.year, default=None)
    return TrackedItem(kind, item.id, item.position, label, text, detail, line, target_year,
                       quantitative, rule, unit, year, verdict.verdict, verdict.explanation,
                       latest, points, tracked)


# --------------------------------------------------------------------------- recording


def _snapshot(entry: ProgressEntry | None) -> dict | None:
    if entry is None:
        return None
    return {"version": entry.version, "value": entry.value, "status": entry.status or None,
            "source": entry.source, "evidence": entry.evidence or ""}


def record_progress(session: Session, plan_id: int, kind: str, number: int, year: int, *,
                    value: float | str | None = None, status: str | None = None,
                    source: str | None, evidence: str = "", reason: str = "",
                    user_id: int | None = None, today: date | None = None) -> RecordedProgress:
    """Record one year's progress of one item (see the module docstring)."""
    plan = _plan(session, plan_id)
    item = find_item(session, plan, kind, number)
    label = f"{'承诺' if kind == 'commitment' else '专栏项目'} {number}"
    year = _check_year(plan, year, today)
    source = (source or "").strip()
    evidence = (evidence or "").strip()
    reason = (reason or "").strip()
    if not source:
        raise ProgressError("缺少来源：每条进展都必须注明来源（--source，如统计年报、"
                            "项目验收文件、文号）")
    if value is not None and status is not None:
        raise ProgressError("数值和状态只能给一个：量化承诺记数值（--value），"
                            "专栏项目和需人工研判的承诺记状态（--status）")
    tracked = item_rule(plan, item) if kind == "commitment" else None
    number_value: float | None = None
    status_code = ""
    if tracked is not None and tracked.quantitative:
        if status is not None:
            raise ProgressError(f"{label} 是量化承诺（{tracked.describe()}），应记录数值（--value），"
                                "不是状态")
        if value is None:
            raise ProgressError(f"{label} 是量化承诺（{tracked.describe()}），缺少数值（--value）")
        number_value = _number(value, tracked)
    else:
        what = ("按实施状态跟踪" if kind == "project"
                else f"无法自动判断（{tracked.reason if tracked else ''}），按人工研判的落实状态跟踪")
        if value is not None:
            raise ProgressError(f"{label} {what}，不记录数值，应记录状态（--status），"
                                f"可选：{_statuses()}")
        if status is None:
            raise ProgressError(f"{label} {what}，缺少状态（--status），可选：{_statuses()}")
        try:
            status_code = parse_status(status)
        except ValueError as exc:
            raise ProgressError(str(exc)) from None

    previous = session.scalar(
        select(ProgressEntry).where(ProgressEntry.item_type == kind,
                                    ProgressEntry.item_id == item.id, ProgressEntry.year == year)
        .order_by(ProgressEntry.version.desc()).limit(1))
    if previous is not None and (previous.value, previous.status or "", previous.source,
                                 previous.evidence or "") == (number_value, status_code, source,
                                                              evidence):
        return RecordedProgress(previous, previous, changed=False)
    if previous is not None and not reason:
        raise ProgressError(f"{label} {year} 年已有进展记录（第{previous.version}版："
                            f"{_shown(previous, tracked)}，来源：{previous.source}），"
                            "更正须说明原因（--reason）")
    entry = ProgressEntry(
        plan_id=plan.id, item_type=kind, item_id=item.id, year=year,
        version=1 if previous is None else previous.version + 1, value=number_value,
        status=status_code, evidence=evidence, source=source,
        reason=reason if previous is not None else "", recorded_by=user_id)
    session.add(entry)
    session.flush()
    text = item.text if kind == "commitment" else (item.title or "（无标题）")
    what = _shown(entry, tracked)
    if previous is None:
        summary = f"记录规划 {plan.id} {label}（{text}）{year} 年进展：{what}（来源：{source}）"
        action = "record_progress"
    else:
        summary = (f"更正规划 {plan.id} {label}（{text}）{year} 年进展为第{entry.version}版："
                   f"{_shown(previous, tracked)} → {what}（来源：{source}；原因：{reason}）")
        action = "correct_progress"
    audit(session, user_id, action, "progress", entry.id, summary, {
        "plan_id": plan.id, "item_type": kind, "item_id": item.id, "item_number": number,
        "item_text": text, "year": year, "version": entry.version,
        "before": _snapshot(previous), "after": _snapshot(entry), "source": source,
        "reason": entry.reason,
    })
    return RecordedProgress(entry, previous, changed=True)


def _statuses() -> str:
    return "、".join(f"{code}（{cn}）" for code, cn in STATUS_CN.items())


def _shown(entry: ProgressEntry, tracked: TrackedRule | None) -> str:
    if entry.value is not None:
        return _fmt(entry.value) + (_u(tracked.rule.unit) if tracked else "")
    return STATUS_CN.get(entry.status, entry.status or "—")


def _check_year(plan: Plan, year, today: date | None) -> int:
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise ProgressError(f"年份“{year}”不是整数") from None
    if not plan.period_start <= y <= plan.period_end:
        raise ProgressError(f"年份 {y} 不在规划期 {plan.period_start}—{plan.period_end} 年内")
    this_year = (today or date.today()).year
    if y > this_year:
        raise ProgressError(f"年份 {y} 尚未到来（今年是 {this_year} 年），不能记录进展")
    return y


def _number(value, tracked: TrackedRule) -> float:
    if isinstance(value, str):
        text = value.strip()
        try:
            x = float(text.rstrip("%％"))
        except ValueError:
            raise ProgressError(f"数值“{value}”不是一个数") from None
    else:
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise ProgressError(f"数值“{value}”不是一个数") from None
    if not math.isfinite(x):
        raise ProgressError(f"数值“{value}”不是一个有限的数")
    if x < 0:
        raise ProgressError(f"数值 {_fmt(x)} 为负数，承诺的水平或数量不能为负")
    try:
        tracked.rule.check(x)  # refuses a percentage off by about ×100
    except ValueError as exc:
        raise ProgressError(str(exc)) from None
    return x
