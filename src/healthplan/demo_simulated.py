"""The simulated training database: ``healthplan demo --simulated``.

The real demo (``demo.build_demo``) plus generated 2021–2025 series for the regional
“十四五” plans, so that a new office can see every verdict, projection and warning in use
and train its clerks. The database is marked simulated first (``store.marks``), so
every page and report made from it says so, and every generated value has the source
``simulated.SIMULATED_SOURCE``. The real demo never goes into a marked database and the
simulated one never into a database holding other data.

Half of the regional plans (every second one, by region code) get figures to the end of
their period and are evaluated as a final evaluation (达到 / 未达到, 提前完成, a final
figure still pending); the others get figures to the middle of the period only — the
picture of a mid-term evaluation, with 进度正常 / 存在风险 / 进度滞后 and projections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthplan import catalog
from healthplan.demo import DemoResult, build_demo
from healthplan.simulated import (
    FINAL_SCENARIOS,
    MIDTERM_SCENARIOS,
    SEED,
    SIMULATED_NOTE,
    SIMULATED_SOURCE,
    SeriesSpec,
    decimals_of,
    simulate_series,
)
from healthplan.store.database import Database
from healthplan.store.marks import mark_simulated, simulated_notice
from healthplan.store.models import Plan
from healthplan.store.observations import NewObservation, current_series, record
from healthplan.store.plans import StoredPlan
from healthplan.store.users import audit
from healthplan.targets import Rule, parse_value

MIDTERM_YEARS = 3  # a mid-term plan's figures stop this many years into the period


class MixedDatabase(ValueError):
    """Simulated and real data would end up in one database."""


@dataclass
class SimulatedResult:
    demo: DemoResult
    added: int = 0
    final_plans: list[Plan] = field(default_factory=list)  # figures to the period's end
    midterm_plans: list[Plan] = field(default_factory=list)  # figures to mid-period

    @property
    def final_year(self) -> int:
        return max(plan.period_end for plan in self.final_plans)

    @property
    def midterm_year(self) -> int:
        return max(plan.period_start - 1 + MIDTERM_YEARS for plan in self.midterm_plans)


def refuse_mixing(db: Database, *, simulated: bool) -> None:
    """MixedDatabase when building the ``simulated`` (or the real) demo in ``db`` would
    mix simulated with real data: the real demo in a marked database, the simulated one
    in an unmarked database that already holds plans."""
    with db.session() as session:
        marked = simulated_notice(session) is not None
        plans = session.scalar(select(func.count(Plan.id)))
    if not simulated and marked:
        raise MixedDatabase("该数据库是模拟数据库（healthplan demo --simulated 建立），"
                            "真实示例数据不能载入其中；请换一个数据库，或不加 --db")
    if simulated and not marked and plans:
        raise MixedDatabase(f"该数据库已有 {plans} 个规划且不是模拟数据库，模拟数据不能与之混在一起；"
                            "请换一个空数据库，或不加 --db（模拟库另有自己的文件）")


def build_simulated_demo(db: Database, step: Callable[[str], None] = lambda _: None,
                         seed: int = SEED) -> SimulatedResult:
    """Mark ``db`` simulated, load the demo into it and add the generated series."""
    refuse_mixing(db, simulated=True)
    with db.session() as session:
        mark_simulated(session)
    result = SimulatedResult(build_demo(db, step=step))
    step("生成模拟数据")
    plans = regional_plans(result.demo.plans)
    with db.session() as session:
        items = []
        for k, stored in enumerate(plans):
            plan = session.get(Plan, stored.plan.id)
            final = k % 2 == 0
            (result.final_plans if final else result.midterm_plans).append(stored.plan)
            items.extend(plan_series(session, plan, final=final, seed=seed))
        done = record(session, items, user_id=None)
        result.added = done.written
        audit(session, None, "record", "observation", None,
              f"生成模拟数据 {done.written} 条（{SIMULATED_SOURCE}）")
    return result


def regional_plans(plans: list[StoredPlan]) -> list[StoredPlan]:
    """The regional plans of the 十四五 period, by region code (one per region)."""
    chosen = {}
    for stored in plans:
        plan = stored.plan
        if (plan.period_start, plan.period_end) == (2021, 2025) and plan.region.level != "nation":
            chosen.setdefault(plan.region.code, stored)
    return [chosen[code] for code in sorted(chosen)]


def plan_series(session: Session, plan: Plan, *, final: bool, seed: int = SEED) -> list[NewObservation]:
    """Generated observations for ``plan``'s targets: scenarios dealt in turn to the
    targets a machine can check from a printed baseline (one series an indicator)."""
    scenarios = FINAL_SCENARIOS if final else MIDTERM_SCENARIOS
    last = plan.period_end if final else plan.period_start - 1 + MIDTERM_YEARS
    base_year = plan.period_start - 1
    ids = {t.indicator_id for t in plan.targets if t.indicator_id}
    known = current_series(session, [plan.region_id], ids)
    items, seen, dealt = [], set(), 0
    for target in sorted(plan.targets, key=lambda t: t.position):
        if not target.indicator_id or target.indicator_id in seen or target.unit_note:
            continue
        baseline = parse_value(target.baseline_text) if target.baseline_text else None
        # Without a printed baseline the series starts from the region's base-year
        # figure (an actual of the previous plan), else a little short of the target.
        actual = known.get((plan.region_id, target.indicator_id), {}).get(base_year)
        start = baseline if baseline is not None else actual.value if actual else None
        seen.add(target.indicator_id)
        indicator = catalog.get(target.indicator_id)
        spec = SeriesSpec(
            key=f"{plan.region.code}:{target.indicator_id}", rule=Rule.from_json(target.rule),
            baseline=baseline, start=start, base_year=target.baseline_year or base_year,
            target_year=target.target_year or plan.period_end, direction=indicator.direction,
            unit=indicator.unit, decimals=decimals_of(target.baseline_text, target.target_text))
        scenario = scenarios[dealt % len(scenarios)]
        dealt += 1
        # A final plan's fourth scenario has its figures stop a year early: the final
        # figure "pending", judged on the year before (and said so by the evaluation).
        stop = last - 1 if final and dealt % len(scenarios) == 4 else last
        for year, value in simulate_series(spec, scenario, stop, seed).items():
            items.append(NewObservation(plan.region_id, target.indicator_id, year, value,
                                        SIMULATED_SOURCE, unit=indicator.unit,
                                        note=SIMULATED_NOTE))
    return items
