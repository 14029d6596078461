"""Gathering a stored plan's regional matrix and the watch list of red warnings.

The verdicts are those of the dashboard (:func:`healthplan.store.evaluation.evaluate_stored_plan`:
the same rows, baselines, years and directions through :func:`healthplan.evaluate.evaluate_plan`),
for every year of the plan period up to the matrix year, so that a missed year's warning
can be carried (:mod:`healthplan.early_warning`). One read of the targets and one of the
observations for all the subordinate plans.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from healthplan.evaluate import evaluate_plan
from healthplan.matrix import Matrix, ParentTarget, RegionPlan, TargetYears, build_matrix
from healthplan.store.evaluation import _row, check_year, default_year, get_plan
from healthplan.store.models import Plan
from healthplan.store.observations import current_values
from healthplan.store.plans import child_plans, superseded_ids
from healthplan.store.regions import nation


def _evaluated(plan: Plan, values: dict, year: int, *, binding_only: bool = False
               ) -> list[TargetYears]:
    """Every target of ``plan`` (or only its binding ones) with its verdict in each year
    of the period up to ``year`` (the base year alone when ``year`` is the base year)."""
    targets = [t for t in plan.targets if not binding_only or t.attribute == "约束性"]
    rows = [_row(t) for t in targets]
    observations = {indicator_id: {y: v.value for y, v in by_year.items()}
                    for (region_id, indicator_id), by_year in values.items()
                    if region_id == plan.region_id}
    first = min(plan.period_start, year)
    verdicts: list[dict[int, str]] = [{} for _ in rows]
    last = None
    for y in range(first, year + 1):
        results = evaluate_plan(rows, observations, year=y, base_year=plan.period_start - 1,
                                target_year=plan.period_end)
        for r in results:
            verdicts[r.position][y] = r.evaluation.verdict
        last = results
    out = []
    for r in sorted(last or [], key=lambda r: r.position):
        t = targets[r.position]
        e = r.evaluation
        stored = values.get((plan.region_id, t.indicator_id), {}).get(e.latest_year)
        out.append(TargetYears(
            t.id, t.indicator_id, t.attribute, t.category, t.target_year or plan.period_end,
            verdicts[r.position], e.latest_year, e.latest_value, e.explanation, t.target_text,
            e.threshold, stored.source if stored else None))
    return out


def plan_matrix(session: Session, plan_id: int, year: int | None = None) -> Matrix:
    """The matrix of ``plan_id``'s subordinate plans (current revisions) for ``year``
    (default: the plan's default year). Raises PlanNotFound / YearOutOfRange."""
    plan = get_plan(session, plan_id)
    check_year(plan, year)
    children = child_plans(session, plan)
    year = matrix_year(session, plan, children) if year is None else year
    plans = list(session.scalars(select(Plan).where(Plan.id.in_([c.id for c in children]))
                                 .options(selectinload(Plan.targets), selectinload(Plan.region))))
    ids = {t.indicator_id for p in [plan, *plans] for t in p.targets if t.indicator_id}
    national = nation(session)
    values = current_values(session, {p.region_id for p in [plan, *plans]} | {national.id}, ids)
    mine = {t.target_id: t for t in _evaluated(plan, values, year)}
    parent = [ParentTarget(t.indicator_id, t.attribute, t.category, t.target_text,
                           mine[t.id].threshold if t.id in mine else None)
              for t in sorted(plan.targets, key=lambda t: t.position) if t.indicator_id]
    benchmarks = {}
    for (region_id, indicator_id), by_year in values.items():
        if region_id == national.id:
            years = [y for y in by_year if y <= year]
            if years:
                benchmarks[indicator_id] = (max(years), by_year[max(years)].value)
    regions = []
    for child in plans:
        # a child of another period is evaluated in its own range
        y = min(max(year, child.period_start - 1), child.period_end + 1)
        regions.append(RegionPlan(child.region.code, child.region.name, child.id,
                                  _evaluated(child, values, y)))
    return build_matrix(year, parent, regions, benchmarks)


def matrix_year(session: Session, plan: Plan, children: list[Plan]) -> int:
    """The default year of a matrix: the newest year in the plan period with an
    observation of the plan's or a subordinate plan's region (their own data: national
    figures published to the period's end must not turn the counties' mid-period values
    into final verdicts); without any, the plan's default year."""
    from sqlalchemy import func

    from healthplan.store.models import Observation

    newest = session.scalar(select(func.max(Observation.year)).where(
        Observation.region_id.in_([plan.region_id, *(c.region_id for c in children)]),
        Observation.year >= plan.period_start, Observation.year <= plan.period_end))
    return default_year(session, plan) if newest is None else newest


@dataclass(frozen=True)
class WatchItem:
    plan_id: int
    plan_title: str
    region_code: str
    region: str
    target_id: int
    indicator_id: str | None
    name: str
    attribute: str
    year: int
    since: int | None
    verdict: str
    warning: str
    value: float | None
    value_year: int | None
    explanation: str

    def to_json(self) -> dict:
        from healthplan.evaluate import VERDICT_CN

        return {**{k: getattr(self, k) for k in self.__dataclass_fields__},
                "verdict_cn": VERDICT_CN[self.verdict]}


def watch_list(session: Session, region_ids: set[int] | None, *, level: str = "red",
               binding_only: bool = True, year: int | None = None) -> list[WatchItem]:
    """The targets at ``level`` (carried) across the current plans of ``region_ids``
    (None: all), each plan in ``year`` (default: its default year), binding ones only
    unless ``binding_only`` is False; newest first (the year, then the year the warning
    started), then by region code."""
    from healthplan.early_warning import carried_levels

    query = select(Plan).options(selectinload(Plan.targets), selectinload(Plan.region))
    if region_ids is not None:
        query = query.where(Plan.region_id.in_(region_ids))
    superseded = superseded_ids(session)
    plans = [p for p in session.scalars(query) if p.id not in superseded]
    ids = {t.indicator_id for p in plans for t in p.targets if t.indicator_id}
    values = current_values(session, {p.region_id for p in plans}, ids) if plans else {}
    items = []
    for plan in plans:
        if year is None:
            y = default_year(session, plan)
        elif plan.period_start - 1 <= year <= plan.period_end + 1:
            y = year
        else:
            continue
        names = {t.id: t.name for t in plan.targets}
        for t in _evaluated(plan, values, y, binding_only=binding_only):
            w = carried_levels(t.verdicts, binding=t.attribute == "约束性",
                               target_year=t.target_year).get(y)
            if w is None or w.level != level:
                continue
            items.append(WatchItem(plan.id, plan.title, plan.region.code, plan.region.name,
                                   t.target_id, t.indicator_id, names[t.target_id], t.attribute,
                                   y, w.since, t.verdicts[y], w.level, t.latest_value,
                                   t.latest_year, t.explanation))
    items.sort(key=lambda i: (-i.year, -(i.since or 0), i.region_code, i.target_id))
    return items
