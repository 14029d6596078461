"""Generated monitoring series for the simulated training database (``demo --simulated``).

Nothing here is a real figure. :func:`simulate_series` draws, for one target of a plan,
a year-by-year series from the plan's printed baseline towards (or away from) its
target, so that a training database shows every verdict, projection and warning in use.
Each series is made for a *scenario* (the verdict it should show in its last year); the
draw is seeded by the plan's region, the indicator and the seed, so the same seed gives
the same database; a draw that does not show its scenario's verdict (noise can hide a
small lead) is drawn again with the next sub-seed, checked by the same
:func:`~healthplan.evaluate.evaluate_series` the system uses.

Every value recorded from here carries the source :data:`SIMULATED_SOURCE`; the database
that holds them is marked (``store.marks``) and every page and report made from it says
so with the same words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from healthplan.evaluate import _bar, _goodness, evaluate_series
from healthplan.targets import Rule

SIMULATED_SOURCE = "模拟数据（非真实，仅供演示培训）"
SIMULATED_NOTE = "由 healthplan demo --simulated 按规划基期值和目标值随机生成，不是统计数据"
SEED = 2026

# scenario → (share of the way from the baseline to the target reached in the target
# year, curvature of the path: <1 early progress, >1 late), and the verdict it shows
SCENARIOS: dict[str, tuple[float, float, str]] = {
    "ahead": (1.5, 0.5, "achieved"),  # met early and held (提前完成)
    "achieved": (1.08, 1.0, "achieved"),
    "on_track": (1.25, 0.9, "on_track"),
    "at_risk": (0.95, 1.4, "at_risk"),
    "off_track": (0.3, 1.0, "off_track"),
    "not_achieved": (0.55, 1.0, "not_achieved"),
    "no_data": (0.0, 1.0, "no_data"),  # nothing recorded
}
# The order scenarios are dealt to a plan's targets in: a plan evaluated in its target
# year (final) and one whose data stop before it (a mid-term picture).
FINAL_SCENARIOS = ("ahead", "achieved", "not_achieved", "achieved", "no_data", "ahead",
                   "not_achieved", "achieved")
MIDTERM_SCENARIOS = ("on_track", "at_risk", "off_track", "ahead", "no_data", "on_track",
                     "at_risk", "off_track")
ATTEMPTS = 40
START_SHORT = 0.04  # without a baseline or actual, start this share of the target short
OVERSHOOT = 0.03  # the path goes at most this share of the target beyond it


@dataclass(frozen=True)
class SeriesSpec:
    """What the generator needs to know of one target (plain data from the plan)."""

    key: str  # what seeds the draw: region code and indicator id
    rule: Rule
    baseline: float | None  # as the evaluation reads it from the plan
    start: float | None  # where the series starts: the baseline, else a base-year actual;
    # None: a little short of the target (START_SHORT of it)
    base_year: int
    target_year: int
    direction: str  # higher / lower / range
    unit: str
    decimals: int = 1


def decimals_of(*texts: str) -> int:
    """How many decimals to round generated values to: as many as the plan prints
    (one at least, two at most)."""
    places = [len(t.split(".", 1)[1].rstrip("%‰ ")) for t in texts if t and "." in t]
    return min(max([1, *places]), 2)


def simulate_series(spec: SeriesSpec, scenario: str, last_year: int,
                    seed: int = SEED) -> dict[int, float]:
    """Generated values for ``spec.base_year + 1`` … ``last_year`` showing ``scenario``
    (a key of SCENARIOS) when evaluated in ``last_year``; {} for ``no_data``. When no
    draw shows the scenario's verdict (a target the scenario cannot fit), the last draw
    is kept: the values stay plausible, the verdict is whatever the evaluation says."""
    share, curve, verdict = SCENARIOS[scenario]
    if scenario == "no_data":
        return {}
    try:
        threshold = _bar(spec.rule, spec.baseline, spec.target_year)
    except ValueError:  # a rule that needs more than a baseline (同比例提高 …)
        return {}
    if threshold is None:
        return {}
    start = spec.start
    if start is None:
        sign = {"higher": 1, "lower": -1}.get(spec.direction) or 1
        start = threshold - sign * START_SHORT * abs(threshold)
    sign = {"higher": 1, "lower": -1}.get(spec.direction) or (1 if threshold >= start else -1)
    # however good the scenario, not beyond the target by more than OVERSHOOT of it
    ceiling = threshold + sign * max(OVERSHOOT * abs(threshold), 10 ** -spec.decimals)
    distance = threshold - start
    scale = max(abs(distance), abs(start) * 0.04, 10 ** -spec.decimals * 5)
    if _goodness(start, threshold, spec.direction) >= 0:
        # met at baseline: a scenario that should fall short heads past the target
        # on the unfavourable side; the others hold the level with small gains
        distance = threshold - start - sign * scale if verdict in (
            "not_achieved", "off_track", "at_risk") else sign * scale * 0.3
    values: dict[int, float] = {}
    for attempt in range(ATTEMPTS):
        rng = random.Random(f"{seed}:{spec.key}:{scenario}:{attempt}")
        reach = share * rng.uniform(0.9, 1.1)
        values = {}
        span = spec.target_year - spec.base_year
        for year in range(spec.base_year + 1, last_year + 1):
            t = min((year - spec.base_year) / span, 1.0) ** curve
            noise = rng.gauss(0.0, 0.03) * scale
            level = start + distance * reach * t
            if sign * (level - ceiling) > 0 and sign * (start - ceiling) <= 0:
                level = ceiling
            values[year] = _plausible(level + noise, spec)
        try:
            got = evaluate_series(spec.rule, baseline=spec.baseline, base_year=spec.base_year,
                                  target_year=spec.target_year, observations=values,
                                  year=last_year, direction=spec.direction).verdict
        except ValueError:  # e.g. a share the rule reads as off by ×100: no series
            return {}
        if got == verdict:
            break
    return values


def _plausible(value: float, spec: SeriesSpec) -> float:
    """Rounded as the plan prints, never negative, a share never above its whole."""
    top = {"%": 100.0, "‰": 1000.0}.get(spec.unit.strip())
    value = max(value, 0.0)
    if top is not None:
        value = min(value, top)
    return round(value, spec.decimals)
