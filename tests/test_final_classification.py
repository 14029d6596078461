"""The final-evaluation classes (提前完成, 完成, 基本完成, 未完成, 进展滞后) from a verdict
and the observed series, by the rules in healthplan.final."""

from __future__ import annotations

import pytest

from healthplan.evaluate import evaluate_series
from healthplan.final import BASICALLY_DONE, FINAL_RULES, classify
from healthplan.targets import parse_target


def final_class(target: str, direction: str, baseline: float, observations: dict[int, float],
                year: int = 2025, *, binding: bool = False):
    rule = parse_target(target, direction=direction, baseline=baseline, baseline_year=2020,
                        target_year=2025)
    evaluation = evaluate_series(rule, baseline=baseline, base_year=2020, target_year=2025,
                                 observations=observations, year=year, direction=direction)
    return classify(rule, verdict=evaluation.verdict, threshold=evaluation.threshold,
                    baseline=baseline, base_year=2020, target_year=2025,
                    observations=observations, year=year, direction=direction,
                    binding=binding)


def test_met_before_the_target_year_and_held_is_ahead_with_the_year_it_was_first_met():
    c = final_class("≥90", "higher", 85, {2021: 86, 2022: 90, 2023: 91, 2024: 92, 2025: 93})
    assert (c.code, c.label, c.first_met, c.pending) == ("ahead", "提前完成", 2022, False)
    assert "2022年起达到目标并保持" in c.explanation


def test_met_early_but_lost_again_is_only_completed():
    c = final_class("≥90", "higher", 85, {2022: 90, 2023: 89, 2025: 90})
    assert (c.code, c.first_met) == ("completed", 2025)


def test_a_missing_target_year_figure_is_pending_and_says_which_year_was_used():
    c = final_class("≤14.5", "lower", 16.9, {2022: 15.7, 2023: 15.1, 2024: 14.3})
    assert (c.code, c.year_used, c.pending) == ("completed", 2024, True)
    assert "按2024年数据判断，2025年终期数据待发布" in c.explanation


def test_close_to_the_target_is_basically_done_unless_binding():
    # 10 → 20 planned; 19 is 90 % of the change
    series = {2023: 17, 2025: 19}
    expected = final_class("≥20", "higher", 10, series)
    assert (expected.code, expected.label) == ("basically", "基本完成")
    assert expected.completion == pytest.approx(BASICALLY_DONE)
    binding = final_class("≥20", "higher", 10, series, binding=True)
    assert binding.code == "not_completed" and binding.binding_shortfall
    assert "约束性指标未完成" in binding.explanation
    short = final_class("≥20", "higher", 10, {2025: 18.9})
    assert short.code == "not_completed" and not short.binding_shortfall


def test_before_the_target_year_behind_the_path_is_lagging():
    c = final_class("≥90", "higher", 80, {2021: 80.5, 2022: 80.6, 2023: 80.4}, year=2023,
                    binding=True)
    assert (c.code, c.label, c.pending) == ("lagging", "进展滞后", False)
    assert c.binding_shortfall


def test_no_figure_in_the_plan_period_is_no_data_and_pending_in_the_final_year():
    c = final_class("≥90", "higher", 80, {2020: 80})
    assert (c.code, c.pending, c.year_used) == ("no_data", True, None)


def test_every_class_has_its_rule_in_the_json():
    c = final_class("≥90", "higher", 85, {2025: 91})
    data = c.to_json()
    assert data["label"] == "完成" and data["rule"] == FINAL_RULES["completed"]
    assert set(FINAL_RULES) == {"ahead", "completed", "basically", "not_completed", "on_track",
                                "lagging", "no_data", "needs_judgement"}


def test_completion_is_free_of_float_noise_at_the_boundary():
    """A change of exactly 90 % of the planned one is 基本完成, whatever the float arithmetic
    makes of 0.9 (here (2.9 - 2.0) / (3.0 - 2.0) * 100 = 89.99999999999999 unrounded)."""
    from healthplan.final import _completion

    assert (2.9 - 2.0) / (3.0 - 2.0) * 100 < 90
    assert _completion(2.9, 2.0, 3.0, "higher") == 90.0
