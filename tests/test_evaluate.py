"""Evaluation of an indicator's series against its target (healthplan.evaluate)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthplan.documents import read_document
from healthplan.evaluate import (
    VERDICT_CODES,
    VERDICT_DEFINITIONS,
    evaluate_many,
    evaluate_series,
    project,
    t_factor,
)
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths
from healthplan.targets import Rule, parse_target, parse_value

FLOOR = parse_target("≥90", direction="higher", target_year=2025)


def ev(observations, year, rule=FLOOR, baseline=70.0, direction="higher", base_year=2020,
       target_year=2025):
    return evaluate_series(rule, baseline=baseline, base_year=base_year, target_year=target_year,
                           observations=observations, year=year, direction=direction)


# --------------------------------------------------------------------------- each verdict


def test_achieved_early():
    e = ev({2021: 80, 2022: 91}, 2023)
    assert e.verdict == "achieved"
    assert (e.latest_year, e.latest_value, e.threshold) == (2022, 91, 90)
    assert e.gap == pytest.approx(1)
    assert e.completion == pytest.approx(105)
    assert "提前达到2025年目标" in e.explanation


def test_on_track():
    e = ev({2022: 80}, 2023)  # expected path in 2022: 70 + 20 × 2/5 = 78
    assert e.verdict == "on_track"
    assert e.expected == pytest.approx(82)  # for the evaluation year 2023
    assert e.completion == pytest.approx(50)
    assert e.gap == pytest.approx(-10)
    assert "进度正常" in e.explanation


def test_at_risk_projection_reaches_within_margin():
    e = ev({2021: 72, 2022: 76, 2023: 81}, 2023)  # expected 82 in 2023: behind
    assert e.verdict == "at_risk"
    p = e.projection
    assert p is not None and p.n_points == 4 and p.margin is not None
    assert p.value + p.margin >= 90
    assert "存在风险" in e.explanation


def test_at_risk_single_observation_without_baseline():
    e = ev({2022: 80}, 2023, baseline=None)
    assert e.verdict == "at_risk"
    assert e.expected is None and e.completion is None and e.projection is None


def test_off_track():
    e = ev({2021: 70.5, 2022: 71, 2023: 71.5}, 2023)
    assert e.verdict == "off_track"
    assert e.projection.value == pytest.approx(72.5)
    assert e.projection.margin == pytest.approx(0, abs=1e-9)
    assert "进度滞后" in e.explanation


def test_lower_is_better_signs():
    rule = parse_target("≤10", direction="lower", target_year=2025)
    e = ev({2022: 14}, 2023, rule=rule, baseline=20, direction="lower")
    # path: 20 → 10; in 2022 expected 16; 14 is better
    assert e.verdict == "on_track"
    assert e.gap == pytest.approx(-4)  # 4 above the ceiling: worse
    assert e.completion == pytest.approx(60)


def test_final_year_achieved_and_not_achieved():
    assert ev({2024: 85, 2025: 90}, 2025).verdict == "achieved"
    e = ev({2024: 91, 2025: 89}, 2026)  # the target-year value decides, not a later or earlier one
    assert e.verdict == "not_achieved"
    assert "未达到目标" in e.explanation
    # no target-year value: the latest counts
    assert ev({2023: 95}, 2026).verdict == "achieved"


def test_final_year_never_reports_progress_verdicts():
    for obs in ({2025: 50}, {2025: 95}, {2021: 89.9}):
        assert ev(obs, 2025).verdict in ("achieved", "not_achieved")


def test_approximate_target_better_counts_as_achieved():
    rule = parse_target("28左右", direction="lower", target_year=2020)
    e = ev({2020: 23}, 2020, rule=rule, baseline=30, base_year=2015, target_year=2020,
           direction="lower")
    assert e.verdict == "achieved"
    assert e.gap == pytest.approx(5)


def test_no_data():
    assert ev({}, 2023).verdict == "no_data"
    e = ev({2024: 95}, 2023)  # only after the evaluation year
    assert e.verdict == "no_data" and e.latest_value is None
    assert "没有监测值" in e.explanation


def test_needs_judgement():
    rule = parse_target("持续提高", direction="higher")
    e = ev({2022: 80}, 2023, rule=rule)
    assert e.verdict == "needs_judgement" and "人工研判" in e.explanation
    assert ev({}, 2023, rule=rule).verdict == "needs_judgement"  # precedes no_data
    assert ev({2022: 80}, 2023, rule=parse_target("—")).verdict == "needs_judgement"
    relative = parse_target("提高1岁左右", direction="higher")  # no baseline anywhere
    assert ev({2022: 80}, 2023, rule=relative, baseline=None).verdict == "needs_judgement"


def test_relative_and_yearly_rules_use_their_own_bars():
    relative = parse_target("在2020年基础上增长50%", direction="higher", target_year=2025)
    e = ev({2025: 151}, 2025, rule=relative, baseline=100)
    assert e.threshold == pytest.approx(150) and e.verdict == "achieved"
    yearly = parse_target("每年降低1个百分点以上", direction="lower", baseline_year=2020,
                          target_year=2025, unit="%")
    e = ev({2022: 27.5}, 2023, rule=yearly, baseline=30, direction="lower")
    assert e.threshold == pytest.approx(25)
    assert e.verdict == "on_track"  # the yearly bar for 2022 is 28


def test_bad_input():
    with pytest.raises(ValueError):
        ev({2022: "abc"}, 2023)
    with pytest.raises(ValueError):
        ev({2022: float("nan")}, 2023)
    with pytest.raises(ValueError):
        ev({2022: 80}, 2023, direction="up")
    with pytest.raises(ValueError):
        ev({2022: 80}, 2023, baseline="n/a")
    with pytest.raises(ValueError):
        ev({"2022": 80}, 2023)


def test_verdict_definitions_cover_every_verdict():
    assert set(VERDICT_DEFINITIONS) == set(VERDICT_CODES)
    for text in VERDICT_DEFINITIONS.values():
        assert text["zh"] and text["en"]


def test_projection_and_t_factor():
    p = project([(2020, 1.0), (2021, 2.0), (2022, 3.0)], 2025)
    assert p.value == pytest.approx(6) and p.slope == pytest.approx(1)
    assert p.margin == pytest.approx(0, abs=1e-9)
    assert project([(2020, 1.0)], 2025) is None
    assert project([(2020, 1.0), (2022, 2.0)], 2024).margin is None
    assert t_factor(1) == pytest.approx(12.706) and t_factor(30) == pytest.approx(2.04)


# --------------------------------------------------------------------------- 无锡市 十三五


def test_wuxi_13th_plan_completion_all_achieved():
    path = next(p for p in sample_paths() if p.name.startswith("000_"))
    plan = extract_plan(read_document(path))
    table = plan.indicator_tables[0]
    assert table.kind == "completion"
    results = []
    for row in table.rows:
        rule = row.rule
        assert isinstance(rule, Rule)
        actual = parse_value(row.baseline)
        assert actual is not None
        e = evaluate_series(rule, baseline=None, base_year=2015, target_year=2020,
                            observations={2020: actual}, year=2020, direction=rule.direction)
        results.append(e)
        assert e.explanation.startswith("2020年评价：")
    assert len(results) == 19
    assert [e.verdict for e in results] == ["achieved"] * 19
    assert all("已达到目标" in e.explanation for e in results)


# --------------------------------------------------------------------------- vectorised


def _random_case(rng, n):
    years = np.arange(2015, 2027)
    kinds = rng.choice(["at_least", "at_most", "greater_than", "less_than", "approximately"], n)
    t = np.round(rng.uniform(50, 100, n), 2)
    d = np.where(np.isin(kinds, ["at_least", "greater_than"]), 1.0,
                 np.where(np.isin(kinds, ["at_most", "less_than"]), -1.0,
                          rng.choice([1.0, -1.0], n)))
    tol = np.where(kinds == "approximately", np.round(t * 0.05, 3), 0.0)
    b = np.round(t - d * rng.uniform(-5, 25, n), 2)
    b[rng.random(n) < 0.2] = np.nan
    slope = rng.normal(2, 2, n)
    start = np.where(np.isnan(b), t - d * 15, b)
    v = start[:, None] + d[:, None] * slope[:, None] * (years - 2015)[None, :] \
        + rng.normal(0, 1.5, (n, years.size))
    v = np.round(v, 2)
    v[rng.random(v.shape) < 0.5] = np.nan
    t[rng.random(n) < 0.03] = np.nan
    return years, kinds, t, d, tol, b, v


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_evaluate_many_agrees_with_evaluate_series(seed):
    rng = np.random.default_rng(seed)
    n = 200
    years, kinds, t, d, tol, b, v = _random_case(rng, n)
    for year in (2016, 2019, 2023, 2025, 2026):
        codes = evaluate_many(t, b, 2015, 2025, years, v, d, year, tolerances=tol,
                              strict=np.isin(kinds, ["greater_than", "less_than"]))
        for i in range(n):
            direction = "higher" if d[i] > 0 else "lower"
            if math.isnan(t[i]):
                rule = parse_target("持续改善", direction=direction)
            else:
                rule = Rule(str(kinds[i]), "generated", value=float(t[i]), direction=direction,
                            target_year=2025, tolerance=float(tol[i]))
            obs = {int(y): float(x) for y, x in zip(years, v[i], strict=True) if not math.isnan(x)}
            e = evaluate_series(rule, baseline=None if math.isnan(b[i]) else float(b[i]),
                                base_year=2015, target_year=2025, observations=obs, year=year,
                                direction=direction)
            assert VERDICT_CODES[codes[i]] == e.verdict, (seed, year, i, e)


def test_evaluate_many_reaches_every_verdict():
    rng = np.random.default_rng(7)
    years, kinds, t, d, tol, b, v = _random_case(rng, 2000)
    seen = set()
    for year in (2019, 2025):
        codes = evaluate_many(t, b, 2015, 2025, years, v, d, year, tolerances=tol)
        seen |= {VERDICT_CODES[c] for c in codes}
    assert seen == set(VERDICT_CODES)


def test_evaluate_many_bad_input():
    with pytest.raises(ValueError):
        evaluate_many([90], [70], 2020, 2025, [2021], [[80]], [2], 2023)
    with pytest.raises(ValueError):
        evaluate_many([90], [70], 2020, 2025, [2021, 2022], [[80]], [1], 2023)
    with pytest.raises(ValueError):
        evaluate_many([90], [70], 2020, 2025, [2021], [["abc"]], [1], 2023)


def test_range_indicator():
    rule = parse_target("103-107", direction="range", target_year=2025)

    def run(obs, year):
        return evaluate_series(rule, baseline=115, base_year=2020, target_year=2025,
                               observations=obs, year=year, direction="range")

    e = run({2022: 110}, 2023)  # path 115 → 107 is at 111.8 in 2022; 110 is nearer the band
    assert e.verdict == "on_track" and e.threshold == 107
    assert e.completion == pytest.approx(62.5) and e.gap == pytest.approx(-3)
    inside = run({2022: 106}, 2023)
    assert inside.verdict == "achieved" and inside.gap == 0
    assert run({2021: 114.9, 2022: 114.8, 2023: 114.7}, 2023).verdict == "off_track"
    assert run({2025: 108}, 2025).verdict == "not_achieved"


def test_plan_evaluation_puts_binding_shortfalls_first():
    from healthplan.documents import read_document
    from healthplan.evaluate import evaluate_plan
    from healthplan.extract import extract_plan
    from healthplan.samples import sample_paths

    plan = extract_plan(read_document(sample_paths()[1]))  # 江阴市: 31 rows, 9 binding
    # Test figures only (not real data): 全科医生 (binding) falling, life expectancy rising fast.
    observations = {"gps_per_10000": {2021: 3.6, 2022: 3.55},
                    "life_expectancy": {2021: 82.7, 2022: 83.1}}
    results = evaluate_plan(list(plan.rows()), observations, year=2022, base_year=2020,
                            target_year=2025)
    assert len(results) == 31
    first = results[0]
    assert first.indicator_id == "gps_per_10000" and first.binding_shortfall
    assert first.evaluation.verdict in ("at_risk", "off_track")
    assert all(r.binding for r in results[:9]) and not any(r.binding for r in results[9:])
    life = next(r for r in results if r.indicator_id == "life_expectancy")
    assert life.evaluation.verdict == "achieved"  # 83.1 ≥ target 83
    verdicts = [r.evaluation.verdict for r in results]
    # 艾滋病全人群感染率 has no target ("-"): needs judgement, whatever the data.
    assert (verdicts.count("no_data"), verdicts.count("needs_judgement")) == (28, 1)


def test_a_baseline_alone_is_no_data_once_the_period_has_begun():
    e = ev({2020: 95}, 2023)  # only the base-year value: already above the bar, but in 2020
    assert e.verdict == "no_data"
    assert "基期之后（2021—2023年）尚无监测值" in e.explanation and "已达到" in e.explanation
    assert ev({2020: 80}, 2026).verdict == "no_data"  # nor can a final evaluation rest on it
    assert ev({2020: 80}, 2020).verdict != "no_data"  # in the base year it is the data
    codes = evaluate_many([90.0, 90.0], [70.0, 70.0], 2020, 2025, [2020, 2021], [[95, np.nan], [95, 96]],
                          [1, 1], 2023)
    assert [VERDICT_CODES[c] for c in codes] == ["no_data", "achieved"]
