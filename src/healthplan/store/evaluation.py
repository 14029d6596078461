"""Evaluating a stored plan: its targets against its region's current observations, with
the national figure beside each (the benchmark), for one year.

The verdicts come from :mod:`healthplan.evaluate`; this module only gathers the data.

The evaluation year follows one rule everywhere (``evaluate``, ``report``, the API, the
dashboard and its tracked section, the indicator page, the entry form):

* the default is the newest year within the plan period that has data for the plan — an
  observation of one of its indicators for its region or the nation (the benchmark), or
  recorded progress of one of its commitments or projects; with none, the period's
  first year (:func:`default_year`). A mid-term report takes the same year but no later
  than the year before the period ends; a final report takes the period's last year;
* a year given explicitly must lie between the base year (the year before the period)
  and the year after the period (when the last year's figures are published); any other
  year is refused with one message (:func:`check_year`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthplan import catalog
from healthplan.evaluate import VERDICT_CN, Evaluation, evaluate_plan
from healthplan.extract.model import IndicatorRow
from healthplan.final import FinalClass, classify
from healthplan.store.models import Observation, Plan, ProgressEntry, Region
from healthplan.store.observations import current_series
from healthplan.store.plans import child_plans, superseded_ids
from healthplan.store.regions import nation
from healthplan.targets import Rule, parse_value


class PlanNotFound(LookupError):
    pass


class YearOutOfRange(ValueError):
    """A year the plan cannot be evaluated for; the message is for the user."""


@dataclass
class Benchmark:
    """The national figure for an indicator: the newest up to the evaluation year."""

    year: int
    value: float
    source: str


@dataclass
class EvaluatedTarget:
    target_id: int
    indicator_id: str | None
    name: str  # as printed in the plan
    unit: str
    attribute: str
    target: str  # as printed
    rule: str  # the parsed rule, described
    baseline: str
    baseline_year: int | None
    latest_year: int | None
    latest_value: float | None
    latest_source: str | None
    verdict: str
    explanation: str
    binding_shortfall: bool
    benchmark: Benchmark | None = None
    evaluation: Evaluation | None = None  # the numbers behind the verdict (gap, path, projection)
    final: FinalClass | None = None  # the final-evaluation class (healthplan.final)
    latest_note: str = ""  # what the observation keeps besides its source (date, quote)

    @property
    def verdict_cn(self) -> str:
        return VERDICT_CN[self.verdict]

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__
               if k not in ("benchmark", "evaluation", "final")}
        if self.evaluation is not None:
            for key in ("threshold", "expected", "gap", "completion"):
                out[key] = getattr(self.evaluation, key)
        out["verdict_cn"] = self.verdict_cn
        out["final"] = None if self.final is None else self.final.to_json()
        out["benchmark"] = (None if self.benchmark is None else
                            {"region": "全国", "year": self.benchmark.year,
                             "value": self.benchmark.value, "source": self.benchmark.source})
        return out


@dataclass
class PlanEvaluation:
    plan: Plan
    region: Region
    year: int
    targets: list[EvaluatedTarget]
    children: list[dict] = field(default_factory=list)  # subordinate plans: verdict counts

    def counts(self) -> dict[str, int]:
        return verdict_counts(self.targets)

    def to_json(self) -> dict:
        return {
            "plan_id": self.plan.id, "title": self.plan.title, "region": self.region.name,
            "region_code": self.region.code, "period": [self.plan.period_start, self.plan.period_end],
            "status": self.plan.status, "year": self.year, "counts": self.counts(),
            "targets": [t.to_json() for t in self.targets], "children": self.children,
        }


def verdict_counts(targets: list[EvaluatedTarget]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in targets:
        counts[t.verdict] = counts.get(t.verdict, 0) + 1
    return counts


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise PlanNotFound(f"规划 {plan_id} 不存在（healthplan plans 列出已载入的规划）")
    return plan


def year_range(plan: Plan) -> tuple[int, int]:
    """The years a plan can be evaluated for: its base year to the year after its end."""
    return plan.period_start - 1, plan.period_end + 1


def check_year(plan: Plan, year: int | None) -> None:
    """Refuse a year outside :func:`year_range` (None, the default year, passes)."""
    first, last = year_range(plan)
    if year is not None and not first <= year <= last:
        raise YearOutOfRange(f"年份 {year} 不在规划期 {plan.period} 内（可选 {first}—{last} 年："
                             "基期年至规划期末的次年）")


def default_year(session: Session, plan: Plan) -> int:
    """The newest year in the plan period with data of the plan's own: an observation of
    its region for one of its indicators, or recorded progress of its commitments and
    projects; when it has none yet, the newest year of the region or the nation (the
    benchmark) up to the period's end; else the period's first year.

    The plan's own data come first: national figures published to 2025 must not turn a
    region's 2023 progress into a 2025 final verdict on 2023 values."""
    ids = {t.indicator_id for t in plan.targets if t.indicator_id}

    def newest(regions: list[int]) -> int | None:
        return session.scalar(select(func.max(Observation.year)).where(
            Observation.region_id.in_(regions), Observation.indicator_id.in_(ids),
            Observation.year >= plan.period_start, Observation.year <= plan.period_end))

    progressed = session.scalar(select(func.max(ProgressEntry.year)).where(
        ProgressEntry.plan_id == plan.id, ProgressEntry.year >= plan.period_start,
        ProgressEntry.year <= plan.period_end))
    own = max((y for y in (newest([plan.region_id]), progressed) if y is not None), default=None)
    if own is not None:
        return own
    either = newest([plan.region_id, nation(session).id])
    return plan.period_start if either is None else either


def evaluate_stored_plan(session: Session, plan_id: int, year: int | None = None, *,
                         with_children: bool = True) -> PlanEvaluation:
    plan = get_plan(session, plan_id)
    check_year(plan, year)
    year = default_year(session, plan) if year is None else year
    region = plan.region
    ids = {t.indicator_id for t in plan.targets if t.indicator_id}
    series = current_series(session, [region.id], ids)
    national = nation(session)
    benchmarks = current_series(session, [national.id], ids) if national.id != region.id else {}

    rows = [_row(t) for t in plan.targets]
    observations = {
        indicator_id: {y: obs.value for y, obs in by_year.items()}
        for (_, indicator_id), by_year in series.items()
    }
    results = evaluate_plan(rows, observations, year=year, base_year=plan.period_start - 1,
                            target_year=plan.period_end)
    out = []
    for result in results:
        target, row = plan.targets[result.position], rows[result.position]
        evaluation = result.evaluation
        obs = series.get((region.id, target.indicator_id), {}).get(evaluation.latest_year)
        base_year = row.baseline_year or plan.period_start - 1
        final = classify(
            row.rule, verdict=evaluation.verdict, threshold=evaluation.threshold,
            baseline=parse_value(row.baseline) if row.baseline else None, base_year=base_year,
            target_year=row.target_year or plan.period_end,
            observations=observations.get(target.indicator_id or "", {}), year=year,
            direction=catalog.get(target.indicator_id).direction if target.indicator_id
            else "higher", binding=result.binding)
        out.append(EvaluatedTarget(
            target_id=target.id, indicator_id=target.indicator_id, name=target.name, unit=target.unit,
            attribute=target.attribute, target=target.target_text,
            rule=row.rule.describe(), baseline=target.baseline_text,
            baseline_year=target.baseline_year, latest_year=evaluation.latest_year,
            latest_value=evaluation.latest_value, latest_source=obs.source if obs else None,
            verdict=evaluation.verdict, explanation=evaluation.explanation,
            binding_shortfall=result.binding_shortfall,
            benchmark=_benchmark(benchmarks.get((national.id, target.indicator_id)), year),
            evaluation=evaluation, final=final, latest_note=obs.note if obs else "",
        ))
    evaluation = PlanEvaluation(plan, region, year, out)
    if with_children:
        for child in child_plans(session, plan):
            sub = evaluate_stored_plan(session, child.id, year, with_children=False)
            evaluation.children.append({
                "plan_id": child.id, "region": child.region.name, "title": child.title,
                "status": child.status, "counts": sub.counts(),
            })
    return evaluation


def _row(target) -> IndicatorRow:
    """A stored target as the evaluation core's IndicatorRow."""
    return IndicatorRow(
        category=target.category, seq=target.seq, name=target.name, unit=target.unit,
        baseline_year=target.baseline_year, baseline=target.baseline_text,
        target_year=target.target_year, target=target.target_text, attribute=target.attribute,
        line_start=target.line_start, line_end=target.line_end,
        indicator_id=target.indicator_id, rule=Rule.from_json(target.rule),
    )


def _benchmark(by_year: dict[int, Observation] | None, year: int) -> Benchmark | None:
    if not by_year:
        return None
    years = [y for y in by_year if y <= year]
    if not years:
        return None
    obs = by_year[max(years)]
    return Benchmark(obs.year, obs.value, obs.source)


# --------------------------------------------------------------------------- many plans at once


_SIMPLE_SIGN = {"at_least": 1.0, "greater_than": 1.0, "at_most": -1.0, "less_than": -1.0}
_DIRECTION_SIGN = {"higher": 1.0, "lower": -1.0}


def evaluate_all_plans(session: Session, year: int, plan_ids=None) -> dict[int, dict[int, str]]:
    """Verdicts for every target of many plans at once: plan id → {target id: verdict}.

    The current revision of every plan (or of ``plan_ids``) is evaluated for ``year``
    against its region's current observations, with the same definitions as
    :func:`evaluate_stored_plan`: simple comparisons and 左右 targets through
    :func:`healthplan.evaluate.evaluate_many` (numpy), every other rule one by one.
    A bulk analysis over all periods: unlike :func:`evaluate_stored_plan` it does not
    refuse a year outside a plan's :func:`year_range` (such a plan is judged as after
    its target year).
    """
    import numpy as np

    from healthplan.evaluate import VERDICT_CODES, evaluate_many, evaluate_series
    from healthplan.store.models import Target

    plans = {p.id: p for p in session.scalars(select(Plan))}
    wanted = set(plans) - superseded_ids(session) if plan_ids is None else set(plan_ids)
    targets = list(session.execute(
        select(Target.id, Target.plan_id, Target.indicator_id, Target.rule, Target.baseline_value,
               Target.baseline_year, Target.target_year)
        .where(Target.plan_id.in_(wanted)).order_by(Target.plan_id, Target.position)))
    regions = {plans[t.plan_id].region_id for t in targets}

    # Current values: the newest version wins (rows come oldest version first).
    series: dict[tuple[int, str], dict[int, float]] = {}
    rows = session.execute(
        select(Observation.region_id, Observation.indicator_id, Observation.year, Observation.value)
        .where(Observation.year <= year, Observation.region_id.in_(regions))
        .order_by(Observation.version))
    for region_id, indicator_id, y, value in rows:
        series.setdefault((region_id, indicator_id), {})[y] = value

    out: dict[int, dict[int, str]] = {pid: {} for pid in wanted}
    groups: dict[tuple[int, int], list] = {}  # (base year, target year) → vectorisable targets
    for t in targets:
        plan = plans[t.plan_id]
        rule = Rule.from_json(t.rule)
        direction = catalog.get(t.indicator_id).direction if t.indicator_id else "higher"
        base_year = t.baseline_year or plan.period_start - 1
        target_year = t.target_year or plan.period_end
        observed = series.get((plan.region_id, t.indicator_id), {}) if t.indicator_id else {}
        sign = _DIRECTION_SIGN.get(direction)
        simple = sign is not None and (_SIMPLE_SIGN.get(rule.kind) == sign
                                       or rule.kind == "approximately")
        if simple and rule.value is not None:
            groups.setdefault((base_year, target_year), []).append((t, rule, sign, observed))
            continue
        evaluation = evaluate_series(rule, baseline=t.baseline_value, base_year=base_year,
                                     target_year=target_year, observations=observed, year=year,
                                     direction=direction)
        out[t.plan_id][t.id] = evaluation.verdict

    for (base_year, target_year), items in groups.items():
        years = sorted({y for *_, observed in items for y in observed})
        column = {y: k for k, y in enumerate(years)}
        values = np.full((len(items), len(years)), np.nan)
        for i, (*_, observed) in enumerate(items):
            for y, v in observed.items():
                values[i, column[y]] = v
        codes = evaluate_many(
            [rule.value for _, rule, _, _ in items],
            [np.nan if t.baseline_value is None else t.baseline_value for t, *_ in items],
            base_year, target_year, years, values, [sign for _, _, sign, _ in items], year,
            tolerances=[rule.tolerance or 0.0 for _, rule, _, _ in items],
            strict=[rule.kind in ("greater_than", "less_than") for _, rule, _, _ in items],
        )
        for (t, *_), code in zip(items, codes, strict=True):
            out[t.plan_id][t.id] = VERDICT_CODES[code]
    return out
