"""Reporting rounds in the database: open a round, read its board, move its tasks
(submit / approve / return / withdraw / accept), remarks on values, approval locks.

The rules are ``healthplan.reporting``'s; this module reads the figures they need and
writes what they decide. Every function works in the caller's transaction (the caller
commits); every transition is one conditional UPDATE on the task's (status, version), so
of two reviewers acting on one task at once one wins and the other gets ``TaskConflict``.
Each transition is also written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, exists, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from healthplan import catalog, reporting
from healthplan.permissions import Principal
from healthplan.reporting import STATUS_CN, TaskFigures
from healthplan.store.models import (
    ApprovalLock,
    Observation,
    Plan,
    Region,
    ReportFlag,
    ReportRound,
    ReportTask,
    ReportTransition,
    Target,
    User,
    now,
)
from healthplan.store.plans import superseded_ids
from healthplan.store.regions import ancestors
from healthplan.store.users import audit


class RoundError(ValueError):
    """Bad input (unknown round, region, date, a task that cannot be submitted…)."""


class NotAllowed(PermissionError):
    """The user's role or region does not allow the step (the message says why)."""


class TaskConflict(RuntimeError):
    """Someone else moved the task first; nothing was changed."""


class SubmitRefused(RoundError):
    def __init__(self, message: str, missing: list[str], outliers: list[reporting.Outlier]):
        super().__init__(message)
        self.missing = missing
        self.outliers = outliers


@dataclass(frozen=True)
class LockInfo:
    region_id: int
    indicator_id: str
    year: int
    task_id: int
    round_id: int
    approved_by: str
    approved_at: datetime

    def describe(self, region_name: str = "") -> str:
        name = catalog.load_catalog().by_id.get(self.indicator_id)
        return (f"{region_name}{name.name if name else self.indicator_id} {self.year} 年的数值"
                f"已由 {self.approved_by} 审核通过（填报轮次 {self.round_id}，任务 {self.task_id}），"
                "已锁定；如需更正，请审核人或其上级先撤回审核并写明原因")

    def to_json(self) -> dict:
        return {"round_id": self.round_id, "task_id": self.task_id,
                "indicator_id": self.indicator_id, "year": self.year,
                "approved_by": self.approved_by, "approved_at": self.approved_at.isoformat()}


class ValueLocked(Exception):
    """A write touched approved values; nothing was written."""

    def __init__(self, locks: list[LockInfo]):
        self.locks = locks
        super().__init__(locks[0].describe() if locks else "数值已锁定")


# --------------------------------------------------------------------------- regions


def region_path(session: Session, region_id: int) -> tuple[int, ...]:
    region = session.get(Region, region_id)
    if region is None:
        return ()
    return tuple(r.id for r in reversed(ancestors(region))) + (region.id,)


def descendants(session: Session, region: Region) -> list[Region]:
    """Every region below ``region``, by code (one query for the whole tree)."""
    parents = dict(session.execute(select(Region.id, Region.parent_id)).all())
    below: set[int] = set()
    frontier = {region.id}
    while frontier:
        frontier = {rid for rid, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return list(session.scalars(select(Region).where(Region.id.in_(below)).order_by(Region.code)))


def plan_indicators(session: Session, plan_id: int) -> list[str]:
    """The catalogue indicators of a plan's targets, in the plan's order, once each; a
    两项合列 target as its parts (reported separately, as in the template)."""
    ids = session.scalars(select(Target.indicator_id).where(
        Target.plan_id == plan_id, Target.indicator_id.is_not(None)).order_by(Target.position))
    known = catalog.load_catalog()
    parts = (known.get(i).components or (i,) if i in known else (i,) for i in ids)
    return list(dict.fromkeys(p for group in parts for p in group))


# --------------------------------------------------------------------------- opening


def open_round(session: Session, principal: Principal, *, plan_id: int, year: int,
               deadline: date, note: str = "", subregions: bool = False,
               indicators: list[str] | None = None) -> ReportRound:
    """Open a round for ``plan_id``'s region (and, with ``subregions``, every region
    below it — a city's counties, a province's cities and counties: each with its own
    plan's indicators where that plan is loaded under this one, else with this plan's).
    ``indicators`` narrows what every task must report."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise RoundError(f"规划 {plan_id} 不存在（healthplan plans 列出已载入的规划）")
    if not reporting.may_open(principal, region_path(session, plan.region_id)):
        raise NotAllowed(f"{principal.name}（{principal.role}）不能为{plan.region.name}开启填报任务："
                         "须由该地区或其上级地区的规划人员开启")
    if not plan.period_start <= year <= plan.period_end:
        raise RoundError(f"年份 {year} 不在规划 {plan_id} 的规划期 {plan.period} 内")
    existing = session.scalar(select(ReportRound.id).where(
        ReportRound.plan_id == plan_id, ReportRound.year == year))
    if existing is not None:
        raise RoundError(f"规划 {plan_id} 已有 {year} 年度的填报任务（轮次 {existing}）")
    own = plan_indicators(session, plan_id)
    if indicators is not None:
        unknown = [i for i in indicators if i not in own]
        if unknown:
            raise RoundError(f"指标 {'、'.join(unknown)} 不在规划 {plan_id} 的指标中")
        own = [i for i in own if i in set(indicators)]
    if not own:
        raise RoundError(f"规划 {plan_id} 没有对应指标目录的指标，无法开启填报任务")
    round_ = ReportRound(plan_id=plan_id, region_id=plan.region_id, year=year,
                         deadline=deadline, note=note.strip(), opened_by=principal.user_id)
    session.add(round_)
    session.flush()
    tasks = [ReportTask(round_id=round_.id, region_id=plan.region_id, plan_id=plan.id,
                        indicators=own)]
    if subregions:
        superseded = superseded_ids(session)
        plans_below = {p.region_id: p for p in session.scalars(select(Plan).where(
            Plan.parent_id.is_not(None), Plan.origin == "document",
            Plan.period_start == plan.period_start)) if p.id not in superseded}
        for child in descendants(session, plan.region):
            child_plan = plans_below.get(child.id)
            wanted = own
            if child_plan is not None and indicators is None:
                wanted = plan_indicators(session, child_plan.id) or own
            tasks.append(ReportTask(round_id=round_.id, region_id=child.id,
                                    plan_id=child_plan.id if child_plan else None,
                                    indicators=wanted))
    session.add_all(tasks)
    session.flush()
    audit(session, principal.user_id, "round_open", "report_round", round_.id,
          f"开启填报任务：{plan.region.name} {year} 年度，{len(tasks)} 个地区，截止 {deadline.isoformat()}",
          {"plan_id": plan_id, "year": year, "deadline": deadline.isoformat(),
           "tasks": len(tasks), "note": round_.note})
    return round_


def get_round(session: Session, round_id: int) -> ReportRound:
    found = session.get(ReportRound, round_id)
    if found is None:
        raise RoundError(f"填报轮次 {round_id} 不存在（healthplan round list 列出）")
    return found


def task_of(session: Session, round_id: int, region_id: int) -> ReportTask:
    task = session.scalar(select(ReportTask).where(ReportTask.round_id == round_id,
                                                   ReportTask.region_id == region_id))
    if task is None:
        region = session.get(Region, region_id)
        raise RoundError(f"填报轮次 {round_id} 中没有{region.name if region else '该地区'}的任务")
    return task


# --------------------------------------------------------------------------- the board


@dataclass
class TaskRow:
    task_id: int
    region_id: int
    region_code: str
    region: str
    level: str
    status: str  # as shown: not_started becomes in_progress once a value is in
    version: int
    submitted_at: datetime | None
    first_submitted_at: datetime | None
    on_time: bool | None
    values_present: int
    values_expected: int
    flags_open: int
    flags: int  # every flag on the task (outliers confirmed included)
    changed_since_approval: int
    missing: list[str] = field(default_factory=list)

    @property
    def figures(self) -> TaskFigures:
        return TaskFigures(self.status, self.on_time, self.values_present, self.values_expected)

    def to_json(self) -> dict:
        return {"task_id": self.task_id, "region_code": self.region_code, "region": self.region,
                "level": self.level, "status": self.status,
                "status_name": STATUS_CN[self.status], "version": self.version,
                "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
                "on_time": self.on_time, "values_present": self.values_present,
                "values_expected": self.values_expected, "flags_open": self.flags_open,
                "changed_since_approval": self.changed_since_approval,
                "missing": self.missing}


def values_in(session: Session, region_ids, indicator_ids, year: int) -> set[tuple[int, str]]:
    """(region_id, indicator_id) pairs with a value for ``year``."""
    region_ids, indicator_ids = list(set(region_ids)), list(set(indicator_ids))
    if not region_ids or not indicator_ids:
        return set()
    rows = session.execute(select(Observation.region_id, Observation.indicator_id).where(
        Observation.region_id.in_(region_ids), Observation.indicator_id.in_(indicator_ids),
        Observation.year == year).distinct())
    return {(r, i) for r, i in rows}


def board(session: Session, round_id: int) -> list[TaskRow]:
    """Every task of the round with its figures, by region code."""
    round_ = get_round(session, round_id)
    tasks = list(session.scalars(select(ReportTask).where(ReportTask.round_id == round_id)))
    regions = {r.id: r for r in session.scalars(select(Region).where(
        Region.id.in_([t.region_id for t in tasks])))}
    present = values_in(session, [t.region_id for t in tasks],
                        {i for t in tasks for i in t.indicators}, round_.year)
    flag_rows = session.execute(select(ReportFlag.task_id, ReportFlag.kind, ReportFlag.status,
                                       ReportFlag.indicator_id, ReportFlag.comment)
                                .join(ReportTask, ReportTask.id == ReportFlag.task_id)
                                .where(ReportTask.round_id == round_id)).all()
    open_flags: dict[int, int] = {}
    all_flags: dict[int, int] = {}
    no_data: dict[int, dict[str, str]] = {}
    for task_id, kind, status, indicator_id, comment in flag_rows:
        if kind == "no_data":
            if status == "confirmed":
                no_data.setdefault(task_id, {})[indicator_id] = comment
            continue
        all_flags[task_id] = all_flags.get(task_id, 0) + 1
        if status == "open":
            open_flags[task_id] = open_flags.get(task_id, 0) + 1
    changed = changed_since_approval(session, [t.id for t in tasks])
    rows = []
    for task in tasks:
        region = regions[task.region_id]
        with_value = {i for i in task.indicators if (task.region_id, i) in present}
        done = reporting.completeness(task.indicators, with_value, no_data.get(task.id, {}))
        status = task.status
        if status == "not_started" and done.present:
            status = "in_progress"
        rows.append(TaskRow(
            task.id, region.id, region.code, region.name, region.level, status, task.version,
            task.submitted_at, task.first_submitted_at,
            reporting.on_time(task.first_submitted_at, round_.deadline),
            done.present, done.expected, open_flags.get(task.id, 0), all_flags.get(task.id, 0),
            changed.get(task.id, 0), list(done.missing)))
    rows.sort(key=lambda r: r.region_code)
    return rows


def round_rates(rows: list[TaskRow]) -> reporting.Rates:
    return reporting.rates([r.figures for r in rows])


def overdue(session: Session, round_id: int, today: date) -> list[TaskRow]:
    """Tasks not yet reported although the deadline has passed (for a 督办 notice)."""
    round_ = get_round(session, round_id)
    if today <= round_.deadline:
        return []
    return [r for r in board(session, round_id) if r.status not in reporting.DONE]


def indicator_completeness(session: Session, round_id: int) -> dict[str, tuple[int, int]]:
    """indicator id → (regions with a value or 暂无数据, regions asked)."""
    round_ = get_round(session, round_id)
    tasks = list(session.scalars(select(ReportTask).where(ReportTask.round_id == round_id)))
    present = values_in(session, [t.region_id for t in tasks],
                        {i for t in tasks for i in t.indicators}, round_.year)
    no_data = set(session.execute(select(ReportFlag.task_id, ReportFlag.indicator_id).join(
        ReportTask, ReportTask.id == ReportFlag.task_id).where(
        ReportTask.round_id == round_id, ReportFlag.kind == "no_data",
        ReportFlag.status == "confirmed")).all())
    out: dict[str, list[int]] = {}
    for task in tasks:
        for i in task.indicators:
            counts = out.setdefault(i, [0, 0])
            counts[1] += 1
            if (task.region_id, i) in present or (task.id, i) in no_data:
                counts[0] += 1
    return {i: (a, b) for i, (a, b) in out.items()}


# --------------------------------------------------------------------------- values of a task


@dataclass
class TaskValue:
    indicator_id: str
    name: str
    unit: str
    value: float | None
    version: int | None
    source: str
    outliers: list[reporting.Outlier]
    flags: list[ReportFlag]
    locked: bool


def task_values(session: Session, task: ReportTask) -> list[TaskValue]:
    """The task's required values with their outliers (computed now) and remarks."""
    round_ = session.get(ReportRound, task.round_id)
    series = _series(session, task.region_id, task.indicators, round_.year)
    peers = _peers(session, task, round_)
    flags = list(session.scalars(select(ReportFlag).where(ReportFlag.task_id == task.id)
                                 .order_by(ReportFlag.id)))
    locked = {lock.indicator_id for lock in session.scalars(select(ApprovalLock).where(
        ApprovalLock.task_id == task.id, ApprovalLock.released_at.is_(None)))}
    cat = catalog.load_catalog()
    out = []
    for indicator_id in task.indicators:
        indicator = cat.by_id.get(indicator_id)
        name = indicator.name if indicator else indicator_id
        current = series.get(indicator_id, {}).get(round_.year)
        found: list[reporting.Outlier] = []
        if current is not None:
            found = reporting.outliers(
                indicator_id, name, current[0],
                series={y: v for y, (v, _, _) in series.get(indicator_id, {}).items()},
                year=round_.year, peers=peers.get(indicator_id, []),
                bounds=indicator.bounds if indicator else None)
        out.append(TaskValue(indicator_id, name, indicator.unit if indicator else "",
                             current[0] if current else None, current[1] if current else None,
                             current[2] if current else "", found,
                             [f for f in flags if f.indicator_id == indicator_id],
                             indicator_id in locked))
    return out


def _series(session: Session, region_id: int, indicator_ids, year: int
            ) -> dict[str, dict[int, tuple[float, int, str]]]:
    """indicator → {year: (value, version, source)} of the current versions up to ``year``."""
    rows = session.execute(
        select(Observation.indicator_id, Observation.year, Observation.value,
               Observation.version, Observation.source)
        .where(Observation.region_id == region_id,
               Observation.indicator_id.in_(list(indicator_ids)), Observation.year <= year)
        .order_by(Observation.version))
    out: dict[str, dict[int, tuple[float, int, str]]] = {}
    for indicator_id, y, value, version, source in rows:
        out.setdefault(indicator_id, {})[y] = (value, version, source)
    return out


def _peers(session: Session, task: ReportTask, round_: ReportRound) -> dict[str, list[float]]:
    """indicator → the current values of the year of the other tasks' regions at the same
    level in the round."""
    region = session.get(Region, task.region_id)
    others = session.execute(select(ReportTask.region_id).join(
        Region, Region.id == ReportTask.region_id).where(
        ReportTask.round_id == round_.id, ReportTask.id != task.id,
        Region.level == region.level)).scalars().all()
    if not others:
        return {}
    rows = session.execute(
        select(Observation.region_id, Observation.indicator_id, Observation.value)
        .where(Observation.region_id.in_(others),
               Observation.indicator_id.in_(list(task.indicators)),
               Observation.year == round_.year).order_by(Observation.version))
    newest: dict[tuple[int, str], float] = {}
    for region_id, indicator_id, value in rows:
        newest[(region_id, indicator_id)] = value
    out: dict[str, list[float]] = {}
    for (_, indicator_id), value in newest.items():
        out.setdefault(indicator_id, []).append(value)
    return out


def refresh_flags(session: Session, task: ReportTask, *, user_id: int | None) -> int:
    """Record an open ``outlier`` flag for each outlier not flagged yet at its value, and
    resolve open ones whose value changed or is no longer an outlier. The open count."""
    at = now()
    for item in task_values(session, task):
        flagged = [f for f in item.flags if f.kind == "outlier" and f.status != "resolved"]
        for flag in flagged:
            if flag.value != item.value or not item.outliers:
                if flag.status == "open":
                    flag.status, flag.resolved_at, flag.resolved_by = "resolved", at, user_id
        if item.outliers and not any(f.value == item.value for f in flagged):
            session.add(ReportFlag(task_id=task.id, indicator_id=item.indicator_id,
                                   kind="outlier", status="open", value=item.value,
                                   message="；".join(o.message for o in item.outliers),
                                   created_by=user_id, created_at=at))
    session.flush()
    return session.scalar(select(func.count()).select_from(ReportFlag).where(
        ReportFlag.task_id == task.id, ReportFlag.status == "open")) or 0


def confirm_value(session: Session, principal: Principal, task: ReportTask, indicator_id: str,
                  comment: str) -> ReportFlag:
    """The clerk confirms a flagged value with a comment (DHIS2's follow-up)."""
    _clerk_check(session, principal, task, "确认数值")
    if not comment.strip():
        raise RoundError("确认疑似异常的数值须写明说明（如“新建医院投入使用，床位增加”）")
    refresh_flags(session, task, user_id=principal.user_id)
    value = _current_value(session, task, indicator_id)
    flag = session.scalar(select(ReportFlag).where(
        ReportFlag.task_id == task.id, ReportFlag.indicator_id == indicator_id,
        ReportFlag.kind == "outlier", ReportFlag.status == "open",
        ReportFlag.value == value))
    if flag is None:
        outlier = [o for v in task_values(session, task) if v.indicator_id == indicator_id
                   for o in v.outliers]
        if not outlier:
            raise RoundError(f"{_name(indicator_id)} 的数值未被标记为疑似异常，无需确认")
        flag = ReportFlag(task_id=task.id, indicator_id=indicator_id, kind="outlier",
                          value=value, message="；".join(o.message for o in outlier),
                          created_by=principal.user_id)
        session.add(flag)
    flag.status, flag.comment = "confirmed", comment.strip()
    flag.resolved_by, flag.resolved_at = principal.user_id, now()
    session.flush()
    audit(session, principal.user_id, "round_confirm", "report_task", task.id,
          f"确认疑似异常数值：{_name(indicator_id)} {value:g}（{comment.strip()}）",
          {"indicator_id": indicator_id, "value": value, "comment": comment.strip()})
    return flag


def mark_no_data(session: Session, principal: Principal, task: ReportTask, indicator_id: str,
                 reason: str) -> ReportFlag:
    """Mark a required value 暂无数据 with a reason (it then counts as complete)."""
    _clerk_check(session, principal, task, "标记暂无数据")
    if indicator_id not in task.indicators:
        raise RoundError(f"{_name(indicator_id)} 不是此任务要求填报的指标")
    if not reason.strip():
        raise RoundError("标记“暂无数据”须写明原因（如“该指标 2025 年统计口径调整，年报未公布”）")
    flag = ReportFlag(task_id=task.id, indicator_id=indicator_id, kind="no_data",
                      status="confirmed", comment=reason.strip(), created_by=principal.user_id)
    session.add(flag)
    session.flush()
    audit(session, principal.user_id, "round_no_data", "report_task", task.id,
          f"标记暂无数据：{_name(indicator_id)}（{reason.strip()}）",
          {"indicator_id": indicator_id, "reason": reason.strip()})
    return flag


def may_submit(session: Session, principal: Principal, task: ReportTask) -> bool:
    """Whether ``principal`` may submit ``task`` now (before checking its values)."""
    status = "in_progress" if task.status == "not_started" else task.status
    return reporting.refusal(principal, "submit", status,
                             region_path(session, task.region_id)) is None


def _clerk_check(session: Session, principal: Principal, task: ReportTask, what: str) -> None:
    why = reporting.refusal(principal, "submit", "in_progress", region_path(session, task.region_id))
    if why:
        raise NotAllowed(f"不能{what}：{why}")
    if task.status not in ("not_started", "in_progress", "returned"):
        raise RoundError(f"任务当前为“{STATUS_CN[task.status]}”，不能{what}")


def _current_value(session: Session, task: ReportTask, indicator_id: str) -> float:
    round_ = session.get(ReportRound, task.round_id)
    value = session.scalar(select(Observation.value).where(
        Observation.region_id == task.region_id, Observation.indicator_id == indicator_id,
        Observation.year == round_.year).order_by(Observation.version.desc()).limit(1))
    if value is None:
        raise RoundError(f"{_name(indicator_id)} {round_.year} 年尚无数值")
    return value


def _name(indicator_id: str) -> str:
    indicator = catalog.load_catalog().by_id.get(indicator_id)
    return indicator.name if indicator else indicator_id


# --------------------------------------------------------------------------- transitions


def transition(session: Session, principal: Principal, task: ReportTask, action: str, *,
               comment: str = "", value_comments: dict[str, str] | None = None,
               expected_version: int | None = None) -> ReportTransition:
    """Move ``task`` by ``action`` as ``principal``. ``value_comments`` (return): the
    reviewer's comment on each value sent back. ``expected_version``: the version the
    user saw (a page or API client); without it, the version read now."""
    if action not in reporting.ACTIONS:
        raise RoundError(f"未知的操作 {action}（可选：{'、'.join(reporting.ACTIONS)}）")
    if expected_version is not None and expected_version != task.version:
        raise TaskConflict(f"任务刚刚已被他人处理（{_region_name(session, task)}，当前为"
                           f"“{STATUS_CN[task.status]}”），本次操作未执行；请刷新后查看")
    status = task.status
    if status == "not_started":
        status = "in_progress"  # the same for every rule
    approver_path = ()
    if task.approved_by is not None:
        approver = session.get(User, task.approved_by)
        if approver is not None and approver.region_id is not None:
            approver_path = region_path(session, approver.region_id)
    why = reporting.refusal(principal, action, status, region_path(session, task.region_id),
                            approver_path)
    if why:
        if reporting.next_status(action, status) is None:
            raise RoundError(why)
        raise NotAllowed(why)
    target = reporting.next_status(action, status)
    comment = comment.strip()
    if action == "return" and not (comment or any((value_comments or {}).values())):
        raise RoundError("退回须写明意见（整体意见或对具体数值的意见）")
    if action == "withdraw" and status in ("approved", "accepted") and not comment:
        raise RoundError("撤回审核须写明原因")
    round_ = session.get(ReportRound, task.round_id)
    if action == "submit":
        _check_submission(session, task)
    version = expected_version if expected_version is not None else task.version
    at = now()
    values: dict = {"status": target, "version": version + 1, "updated_at": at}
    if action == "submit":
        values["submitted_at"] = at
        if task.first_submitted_at is None:
            values["first_submitted_at"] = at
    if action == "approve":
        values.update(approved_at=at, approved_by=principal.user_id)
    if action == "withdraw" and status == "approved":
        values.update(approved_at=None, approved_by=None)
    done = session.execute(update(ReportTask).where(
        ReportTask.id == task.id, ReportTask.status == task.status,
        ReportTask.version == version).values(**values).execution_options(
        synchronize_session=False))
    if done.rowcount != 1:
        raise TaskConflict(f"任务刚刚已被他人处理（{_region_name(session, task)}），本次操作未执行；"
                           "请刷新后查看当前状态")
    session.expire(task)
    step = ReportTransition(task_id=task.id, action=action, from_status=status, to_status=target,
                            user_id=principal.user_id, at=at, comment=comment)
    session.add(step)
    session.flush()
    if action == "submit":
        for flag in session.scalars(select(ReportFlag).where(
                ReportFlag.task_id == task.id, ReportFlag.kind == "returned",
                ReportFlag.status == "open")):
            flag.status, flag.resolved_by, flag.resolved_at = "resolved", principal.user_id, at
    if action == "return":
        for indicator_id, text in (value_comments or {}).items():
            if not text.strip():
                continue
            if indicator_id not in task.indicators:
                raise RoundError(f"{_name(indicator_id)} 不是此任务要求填报的指标")
            session.add(ReportFlag(task_id=task.id, indicator_id=indicator_id, kind="returned",
                                   status="open", message=text.strip(),
                                   value=_value_or_none(session, task, indicator_id, round_.year),
                                   created_by=principal.user_id, created_at=at))
    if action == "approve":
        _lock(session, task, round_.year, step, principal.user_id, at)
    if action == "withdraw" and status == "approved":
        session.execute(update(ApprovalLock).where(
            ApprovalLock.task_id == task.id, ApprovalLock.released_at.is_(None)).values(
            released_at=at, released_by=principal.user_id, release_reason=comment))
    region = session.get(Region, task.region_id)
    audit(session, principal.user_id, f"round_{action}", "report_task", task.id,
          f"{reporting.ACTION_CN[action]}：{region.name} {round_.year} 年度填报任务"
          f"（{STATUS_CN[status]} → {STATUS_CN[target]}）" + (f"：{comment}" if comment else ""),
          {"round_id": round_.id, "region_code": region.code, "from": status, "to": target,
           "comment": comment, "value_comments": value_comments or {}})
    session.flush()
    return step


def _value_or_none(session, task, indicator_id, year) -> float | None:
    return session.scalar(select(Observation.value).where(
        Observation.region_id == task.region_id, Observation.indicator_id == indicator_id,
        Observation.year == year).order_by(Observation.version.desc()).limit(1))


def _region_name(session: Session, task: ReportTask) -> str:
    region = session.get(Region, task.region_id)
    return region.name if region else ""


def _check_submission(session: Session, task: ReportTask) -> None:
    values = task_values(session, task)
    no_data = {f.indicator_id: f.comment for v in values for f in v.flags
               if f.kind == "no_data" and f.status == "confirmed"}
    done = reporting.completeness(task.indicators,
                                  {v.indicator_id for v in values if v.value is not None}, no_data)
    unconfirmed = [o for v in values for o in v.outliers
                   if not any(f.kind == "outlier" and f.status == "confirmed"
                              and f.value == v.value for f in v.flags)]
    if not done.missing and not unconfirmed:
        return
    parts = []
    if done.missing:
        parts.append(f"缺少 {len(done.missing)} 项数值（{'、'.join(_name(i) for i in done.missing)}）："
                     "请填报，或标记“暂无数据”并写明原因")
    if unconfirmed:
        parts.append(f"{len(unconfirmed)} 项数值疑似异常（{'；'.join(o.message for o in unconfirmed)}）："
                     "请更正，或逐项确认并写明说明")
    raise SubmitRefused("不能报送：" + "；".join(parts), list(done.missing), unconfirmed)


def _lock(session: Session, task: ReportTask, year: int, step: ReportTransition,
          user_id: int | None, at: datetime) -> None:
    current = {i: (v, ver) for i, (v, ver) in _current_versions(session, task, year).items()}
    session.add_all(ApprovalLock(
        task_id=task.id, transition_id=step.id, region_id=task.region_id, indicator_id=i,
        year=year, version=current.get(i, (None, None))[1], value=current.get(i, (None, None))[0],
        approved_by=user_id, approved_at=at, release_reason="") for i in task.indicators)


def _current_versions(session: Session, task: ReportTask, year: int
                      ) -> dict[str, tuple[float, int]]:
    rows = session.execute(select(Observation.indicator_id, Observation.value,
                                  Observation.version).where(
        Observation.region_id == task.region_id,
        Observation.indicator_id.in_(list(task.indicators)),
        Observation.year == year).order_by(Observation.version))
    return {i: (v, ver) for i, v, ver in rows}


def changed_since_approval(session: Session, task_ids: list[int]) -> dict[int, int]:
    """task id → how many of its values differ from those of its last withdrawn approval
    (only tasks whose last approval was withdrawn)."""
    if not task_ids:
        return {}
    last = (select(ApprovalLock.task_id, func.max(ApprovalLock.transition_id).label("step"))
            .where(ApprovalLock.task_id.in_(task_ids)).group_by(ApprovalLock.task_id).subquery())
    locks = session.execute(select(ApprovalLock).join(last, and_(
        ApprovalLock.task_id == last.c.task_id, ApprovalLock.transition_id == last.c.step))
        .where(ApprovalLock.released_at.is_not(None))).scalars().all()
    if not locks:
        return {}
    keys = {(lk.region_id, lk.indicator_id, lk.year) for lk in locks}
    newest = dict(((r, i, y), v) for r, i, y, v in session.execute(
        select(Observation.region_id, Observation.indicator_id, Observation.year,
               func.max(Observation.version)).where(
            Observation.region_id.in_({k[0] for k in keys}),
            tuple_(Observation.region_id, Observation.indicator_id, Observation.year).in_(keys))
        .group_by(Observation.region_id, Observation.indicator_id, Observation.year)))
    out: dict[int, int] = {}
    for lock in locks:
        if newest.get((lock.region_id, lock.indicator_id, lock.year)) != lock.version:
            out[lock.task_id] = out.get(lock.task_id, 0) + 1
    return out


def bulk_approve(session: Session, principal: Principal, round_id: int
                 ) -> tuple[list[TaskRow], list[tuple[TaskRow, str]]]:
    """Approve every submitted task of the round that ``principal`` may approve and that
    has no flag at all; (approved, skipped with why). Set-based: one conditional UPDATE
    for all of them (a task someone else moved meanwhile is skipped, not approved), the
    transitions, locks and audit entries inserted together."""
    round_ = get_round(session, round_id)
    parents = dict(session.execute(select(Region.id, Region.parent_id)).all())

    def path(region_id: int) -> tuple[int, ...]:
        out = []
        while region_id is not None:
            out.append(region_id)
            region_id = parents.get(region_id)
        return tuple(reversed(out))

    eligible, skipped = [], []
    for row in board(session, round_id):
        if row.status != "submitted":
            continue
        if row.flags:
            skipped.append((row, f"有 {row.flags} 条数值标记，请逐项审核"))
            continue
        why = reporting.refusal(principal, "approve", "submitted", path(row.region_id))
        if why:
            skipped.append((row, why))
            continue
        eligible.append(row)
    if not eligible:
        return [], skipped
    at = now()
    seen = {row.task_id: row.version for row in eligible}
    result = session.execute(update(ReportTask).where(
        ReportTask.id.in_(list(seen)), ReportTask.status == "submitted").values(
        status="approved", version=ReportTask.version + 1, updated_at=at, approved_at=at,
        approved_by=principal.user_id).returning(ReportTask.id, ReportTask.version)
        .execution_options(synchronize_session=False)).all()
    moved = {task_id for task_id, version in result if version == seen[task_id] + 1}
    approved = [row for row in eligible if row.task_id in moved]
    skipped += [(row, "任务刚刚已被他人处理") for row in eligible if row.task_id not in moved]
    steps = {row.task_id: ReportTransition(task_id=row.task_id, action="approve",
                                           from_status="submitted", to_status="approved",
                                           user_id=principal.user_id, at=at,
                                           comment="批量审核（无数值标记）") for row in approved}
    session.add_all(steps.values())
    session.flush()
    tasks = {t.id: t for t in session.scalars(select(ReportTask).where(
        ReportTask.id.in_(list(moved))))}
    current = session.execute(
        select(Observation.region_id, Observation.indicator_id, Observation.value,
               Observation.version)
        .where(Observation.region_id.in_([t.region_id for t in tasks.values()]),
               Observation.year == round_.year).order_by(Observation.version))
    values = {(r, i): (v, ver) for r, i, v, ver in current}
    locks = [{"task_id": t.id, "transition_id": steps[t.id].id, "region_id": t.region_id,
              "indicator_id": i, "year": round_.year,
              "version": values.get((t.region_id, i), (None, None))[1],
              "value": values.get((t.region_id, i), (None, None))[0],
              "approved_by": principal.user_id, "approved_at": at, "release_reason": ""}
             for t in tasks.values() for i in t.indicators]
    if locks:
        session.execute(insert(ApprovalLock), locks)
    for row in approved:
        audit(session, principal.user_id, "round_approve", "report_task", row.task_id,
              f"审核通过：{row.region} {round_.year} 年度填报任务（已报送 → 已审核）：批量审核（无数值标记）",
              {"round_id": round_id, "region_code": row.region_code, "from": "submitted",
               "to": "approved", "comment": "批量审核（无数值标记）", "bulk": True})
    session.flush()
    return approved, skipped


# --------------------------------------------------------------------------- locks


def active_locks(session: Session, keys) -> list[LockInfo]:
    """The approvals that lock any of ``keys`` ((region_id, indicator_id, year))."""
    keys = sorted(set(keys))
    if not keys or not session.scalar(select(exists().where(ApprovalLock.released_at.is_(None)))):
        return []
    out = []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows = session.execute(
            select(ApprovalLock, ReportTask.round_id, User.name)
            .join(ReportTask, ReportTask.id == ApprovalLock.task_id)
            .outerjoin(User, User.id == ApprovalLock.approved_by)
            .where(ApprovalLock.released_at.is_(None),
                   ApprovalLock.region_id.in_({k[0] for k in chunk}),
                   tuple_(ApprovalLock.region_id, ApprovalLock.indicator_id, ApprovalLock.year)
                   .in_(chunk)))
        for lock, round_id, name in rows:
            out.append(LockInfo(lock.region_id, lock.indicator_id, lock.year, lock.task_id,
                                round_id, name or "—", lock.approved_at))
    return out


def check_unlocked(session: Session, keys) -> None:
    """Raise ``ValueLocked`` when any of ``keys`` is an approved value."""
    locks = active_locks(session, keys)
    if locks:
        raise ValueLocked(locks)


# --------------------------------------------------------------------------- lists and notices


def rounds_for(session: Session, region_ids: set[int] | None) -> list[ReportRound]:
    """Rounds with a task in ``region_ids`` (None: every round), newest first."""
    query = select(ReportRound).order_by(ReportRound.id.desc())
    if region_ids is not None:
        query = query.where(ReportRound.id.in_(select(ReportTask.round_id).where(
            ReportTask.region_id.in_(region_ids))))
    return list(session.scalars(query))


@dataclass
class Notices:
    open_tasks: list[tuple[ReportRound, ReportTask]] = field(default_factory=list)
    returned_values: int = 0
    waiting: list[tuple[ReportRound, ReportTask]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.open_tasks or self.waiting)


def notices(session: Session, principal: Principal) -> Notices:
    """A clerk's open tasks and returned values; a planner's tasks waiting for review."""
    out = Notices()
    if principal.region_id is None or principal.role not in ("clerk", "planner"):
        return out
    rows = session.execute(select(ReportRound, ReportTask).join(
        ReportTask, ReportTask.round_id == ReportRound.id)).all()
    if principal.role == "clerk":
        out.open_tasks = [(r, t) for r, t in rows if t.region_id == principal.region_id
                          and t.status in ("not_started", "in_progress", "returned")]
        ids = [t.id for _, t in out.open_tasks]
        if ids:
            out.returned_values = session.scalar(select(func.count()).select_from(ReportFlag).where(
                ReportFlag.task_id.in_(ids), ReportFlag.kind == "returned",
                ReportFlag.status == "open")) or 0
        return out
    for r, t in rows:
        if t.status == "submitted" and principal.region_id in region_path(session, t.region_id)[:-1]:
            out.waiting.append((r, t))
    return out
