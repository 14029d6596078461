"""Reporting rounds (填报任务) as plain rules: statuses and who may move a task where,
completeness of a task, outliers among its values, and a round's rates.

No database here: the store (``store/rounds.py``) reads the figures and calls these.

Statuses: ``not_started`` 未开始 → ``in_progress`` 填报中 (shown once a value is in) →
``submitted`` 已报送 → ``approved`` 已审核 (by the level above) → ``accepted`` 已上报 (by
the level above that); ``returned`` 已退回 sends a submitted task back to the clerk.

Who may do what (regions as their path from the nation down, the task's region last):

- submit: the clerk of the task's region (or an administrator);
- withdraw a submission (submitted → in_progress): the same;
- approve / return: a planner of a region strictly above the task's region;
- accept (approved → accepted): a planner of a region strictly above the approver's;
- withdraw an approval (approved → submitted): the approver's region's planner or a
  planner above it, with a reason; the values unlock;
- viewers change nothing.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from healthplan.permissions import Principal

STATUSES = ("not_started", "in_progress", "submitted", "returned", "approved", "accepted")
STATUS_CN = {"not_started": "未开始", "in_progress": "填报中", "submitted": "已报送",
             "returned": "已退回", "approved": "已审核", "accepted": "已上报"}
DONE = ("submitted", "approved", "accepted")  # counted as reported
ACTIONS = ("submit", "approve", "return", "withdraw", "accept")
ACTION_CN = {"submit": "报送", "approve": "审核通过", "return": "退回修改",
             "withdraw": "撤回", "accept": "上报（上级接收）"}
FLAG_CN = {"outlier": "疑似异常", "returned": "退回意见", "no_data": "暂无数据"}
FLAG_STATUS_CN = {"open": "待处理", "confirmed": "已确认", "resolved": "已处理"}

# China keeps one time zone without daylight saving: a deadline is a date there.
CHINA = timezone(timedelta(hours=8))
Z_LIMIT = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
MIN_SERIES = 4  # earlier years needed before a value is judged against its own series
MIN_PEERS = 5  # peers needed before a value is judged against them


# --------------------------------------------------------------------------- transitions


def next_status(action: str, status: str) -> str | None:
    """The status ``action`` moves a task in ``status`` to, or None when it cannot."""
    if action == "submit" and status in ("not_started", "in_progress", "returned"):
        return "submitted"
    if action in ("approve", "return") and status == "submitted":
        return "approved" if action == "approve" else "returned"
    if action == "accept" and status == "approved":
        return "accepted"
    if action == "withdraw":
        return {"submitted": "in_progress", "approved": "submitted",
                "accepted": "approved"}.get(status)
    return None


def refusal(principal: Principal, action: str, status: str, task_path: tuple[int, ...],
            approver_path: tuple[int, ...] = ()) -> str | None:
    """Why ``principal`` may not do ``action`` on a task in ``status`` of the region whose
    path is ``task_path`` (None: they may). ``approver_path`` is the region path of whoever
    approved the task (for withdrawing an approval)."""
    target = next_status(action, status)
    if target is None:
        return f"任务当前为“{STATUS_CN.get(status, status)}”，不能{ACTION_CN.get(action, action)}"
    if principal.role == "admin":
        return None
    region = principal.region_id
    if principal.role == "viewer" or region is None:
        return f"{principal.name}（{principal.role}）只能查看，不能{ACTION_CN[action]}"
    own = bool(task_path) and task_path[-1] == region
    above = region in task_path[:-1]
    if action == "submit" or (action == "withdraw" and status == "submitted"):
        if principal.role == "clerk" and own:
            return None
        return f"只有本地区的填报人员能{ACTION_CN[action]}此任务"
    if principal.role != "planner":
        return f"{principal.name}（{principal.role}）不能{ACTION_CN[action]}：须由上级地区的规划人员操作"
    if action in ("approve", "return"):
        return None if above else "只有上级地区的规划人员能审核或退回此任务"
    if action == "accept":
        return None if region in task_path[:-2] else "只有审核地区的上级规划人员能接收此任务"
    # withdraw an approval (or an acceptance): the approver's level or above
    if status == "accepted":
        return None if region in task_path[:-2] else "只有接收地区的规划人员或其上级能撤回"
    if above and (not approver_path or region in approver_path):
        return None
    return "只有审核人所在地区的规划人员或其上级能撤回审核"


def may_open(principal: Principal, plan_path: tuple[int, ...]) -> bool:
    """Opening a round for a plan: a planner of the plan's region or above, or an admin."""
    if principal.role == "admin":
        return True
    return principal.role == "planner" and principal.region_id in plan_path


# --------------------------------------------------------------------------- completeness


@dataclass(frozen=True)
class Completeness:
    expected: int
    present: int  # values in, plus those marked 暂无数据 with a reason
    missing: tuple[str, ...]  # indicator ids with neither

    @property
    def complete(self) -> bool:
        return not self.missing


def completeness(required: list[str], with_value: set[str],
                 no_data: dict[str, str]) -> Completeness:
    """Every required indicator has a value, or is marked 暂无数据 with a non-empty reason."""
    missing = tuple(i for i in required
                    if i not in with_value and not (no_data.get(i) or "").strip())
    return Completeness(len(required), len(required) - len(missing), missing)


# --------------------------------------------------------------------------- outliers


def modified_z(value: float, others: list[float]) -> float | None:
    """Iglewicz–Hoaglin modified z-score of ``value`` among ``others`` (None when there
    is no spread to measure against). With a zero median absolute deviation the mean
    absolute deviation stands in (scaled by 1.253314, as is usual)."""
    if not others:
        return None
    median = statistics.median(others)
    mad = statistics.median(abs(x - median) for x in others)
    if mad > 0:
        return 0.6745 * (value - median) / mad
    mean_ad = statistics.fmean(abs(x - median) for x in others)
    if mean_ad > 0:
        return (value - median) / (1.253314 * mean_ad)
    return None if value == median else float("inf") * (1 if value > median else -1)


@dataclass(frozen=True)
class Outlier:
    indicator_id: str
    value: float
    kind: str  # series / peers / bounds
    message: str


def outliers(indicator_id: str, name: str, value: float, *, series: dict[int, float],
             year: int, peers: list[float], bounds: tuple[float, float] | None) -> list[Outlier]:
    """Why ``value`` (of ``year``) looks wrong: outside the catalogue's plausible bounds,
    far from the region's own earlier years, or far from its peers at the same level."""
    found = []
    if bounds is not None and not (bounds[0] <= value <= bounds[1]):
        found.append(Outlier(indicator_id, value, "bounds",
                             f"{name} {value:g} 超出指标目录的合理范围（{bounds[0]:g}～{bounds[1]:g}）"))
    earlier = [v for y, v in sorted(series.items()) if y < year]
    if len(earlier) >= MIN_SERIES:
        z = modified_z(value, earlier)
        if z is not None and abs(z) > Z_LIMIT:
            found.append(Outlier(indicator_id, value, "series",
                                 f"{name} {value:g} 与本地区历年数值（中位数 "
                                 f"{statistics.median(earlier):g}）相差过大（修正 z 值 {_z(z)}）"))
    if len(peers) >= MIN_PEERS:
        z = modified_z(value, peers)
        if z is not None and abs(z) > Z_LIMIT:
            found.append(Outlier(indicator_id, value, "peers",
                                 f"{name} {value:g} 与同级地区（{len(peers)} 个，中位数 "
                                 f"{statistics.median(peers):g}）相差过大（修正 z 值 {_z(z)}）"))
    return found


def _z(z: float) -> str:
    return "∞" if abs(z) == float("inf") else f"{z:.1f}"


# --------------------------------------------------------------------------- timeliness and rates


def china_today() -> date:
    """Today's date in China (deadlines are China dates)."""
    return datetime.now(CHINA).date()


def on_time(submitted_at: datetime | None, deadline: date) -> bool | None:
    """Whether a (first) submission came by the end of the deadline day, China time;
    None when nothing was submitted."""
    if submitted_at is None:
        return None
    if submitted_at.tzinfo is None:  # SQLite keeps no zone; the store writes UTC
        submitted_at = submitted_at.replace(tzinfo=UTC)
    return submitted_at.astimezone(CHINA).date() <= deadline


@dataclass(frozen=True)
class TaskFigures:
    status: str
    on_time: bool | None
    present: int
    expected: int


@dataclass(frozen=True)
class Rates:
    expected: int  # tasks
    reported: int  # tasks submitted, approved or accepted
    on_time: int  # tasks first submitted by the deadline
    values_present: int
    values_expected: int
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def reporting_rate(self) -> float | None:
        return self.reported / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def value_completeness(self) -> float | None:
        return self.values_present / self.values_expected if self.values_expected else None

    def to_json(self) -> dict:
        return {"tasks_expected": self.expected, "tasks_reported": self.reported,
                "tasks_on_time": self.on_time, "reporting_rate": self.reporting_rate,
                "timeliness": self.timeliness, "values_present": self.values_present,
                "values_expected": self.values_expected,
                "value_completeness": self.value_completeness, "by_status": self.by_status}


def rates(tasks: list[TaskFigures]) -> Rates:
    """Reporting rate = tasks reported / expected; timeliness = tasks first submitted by
    the deadline / expected; value completeness = values present / expected."""
    by_status = {s: sum(1 for t in tasks if t.status == s) for s in STATUSES}
    return Rates(len(tasks), sum(1 for t in tasks if t.status in DONE),
                 sum(1 for t in tasks if t.on_time), sum(t.present for t in tasks),
                 sum(t.expected for t in tasks), by_status)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
