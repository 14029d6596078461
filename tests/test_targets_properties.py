"""Property-based tests (hypothesis) for the target parser and Rule.check."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from healthplan.targets import KINDS, VERDICTS, Rule, parse_target, parse_value

finite = st.floats(allow_nan=False, allow_infinity=False)
# Figures the size of real indicators (rates, ratios, years of life, counts).
figures = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
years = st.integers(min_value=2020, max_value=2035)

# Pieces of real targets, so random texts come close to the grammar often.
TOKENS = [
    "≥", "≤", "<", ">", "＞", "＜", "=", "-", "——", "—", "~", "至", "、", ",", "，", ".", "%",
    "‰", "岁", "/10万", "个百分点", "左右", "以上", "以下", "以内", "控制在", "不低于", "不超过",
    "在", "2020", "年", "基础上", "增长", "提高", "降低", "每年", "年均", "力争", "全部达到",
    "同比例提高", "翻一番", "倍", "约", "0", "1", "3", "7.6", "50", "85", "100", "1e5", " ",
    "\u3000", "（", "）", "x", "达到",
]
target_like = st.lists(st.sampled_from(TOKENS), max_size=8).map("".join)
directions = st.sampled_from([None, "higher", "lower", "range"])


# --------------------------------------------------------------------------- round trips


@given(finite)
def test_parse_value_round_trips_numbers(x):
    assert parse_value(str(x)) == x
    assert parse_value(repr(x)) == x


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_parse_value_round_trips_integers(n):
    assert parse_value(str(n)) == n


@given(finite)
def test_bare_numbers_become_floors_or_ceilings(x):
    up = parse_target(str(x), direction="higher")
    down = parse_target(str(x), direction="lower")
    assert (up.kind, up.value) == ("at_least", x)
    assert (down.kind, down.value) == ("at_most", x)
    assert parse_target(f"≥{x}").value == x
    assert parse_target(f"＜{x}").kind == "less_than"


@given(figures, figures)
def test_ranges_parse_in_order(a, b):
    rule = parse_target(f"{a}-{b}" if a >= 0 else f"{a}~{b}")
    assert rule.kind == "range"
    assert (rule.low, rule.high) == (min(a, b), max(a, b))


# --------------------------------------------------------------------------- never raises


@given(st.text())
def test_parse_target_never_raises_on_arbitrary_text(text):
    rule = parse_target(text)
    assert rule.kind in KINDS
    if rule.kind == "needs_judgement":
        assert rule.reason and "内部错误" not in rule.reason


@given(target_like, directions, st.none() | figures, st.none() | years)
def test_parse_target_never_raises_on_target_like_text(text, direction, baseline, year):
    rule = parse_target(text, direction=direction, baseline=baseline, baseline_year=2020,
                        target_year=year)
    assert rule.kind in KINDS
    if rule.kind == "needs_judgement":
        assert rule.reason and "内部错误" not in rule.reason
    assert Rule.from_json(json.loads(json.dumps(rule.to_json(), ensure_ascii=False))) == rule


@given(target_like, directions, figures, st.none() | figures, st.none() | years)
def test_check_gives_a_verdict_or_a_clear_value_error(text, direction, value, baseline, year):
    rule = parse_target(text, direction=direction, baseline_year=2020, target_year=2025)
    try:
        v = rule.check(value, baseline=baseline, year=year)
    except ValueError as exc:
        assert str(exc)  # e.g. a year before the base year, a percentage off by ×100
        return
    assert v.verdict in VERDICTS
    assert (v.met is None) == (v.verdict in ("needs_judgement", "no_target"))
    assert v.explanation.endswith("。")
    if v.gap is not None:
        assert math.isfinite(v.gap)


# --------------------------------------------------------------------------- monotonic


@given(figures, figures, figures,
       st.sampled_from(["≥{}", ">{}", "{}以上", "不低于{}", "{}", "{}左右"]))
def test_floor_rules_are_monotonic(bar, a, b, form):
    rule = parse_target(form.format(bar), direction="higher")
    lo, hi = sorted((a, b))
    if rule.check(lo).met:
        assert rule.check(hi).met


@given(figures, figures, figures,
       st.sampled_from(["≤{}", "<{}", "{}以内", "控制在{}以内", "不超过{}", "{}", "{}左右"]))
def test_ceiling_rules_are_monotonic(bar, a, b, form):
    rule = parse_target(form.format(bar), direction="lower")
    lo, hi = sorted((a, b))
    if rule.check(hi).met:
        assert rule.check(lo).met


@given(figures, figures)
def test_the_bar_itself_is_met_by_inclusive_and_not_by_strict_rules(bar, other):
    assert parse_target(f"≥{bar}").check(bar).met is True
    assert parse_target(f"≤{bar}").check(bar).met is True
    assert parse_target(f">{bar}").check(bar).met is False
    assert parse_target(f"<{bar}").check(bar).met is False
    at_least = parse_target(f"≥{bar}").check(other)
    assert at_least.met == (other >= bar)
    assert at_least.gap == pytest.approx(other - bar)


# --------------------------------------------------------------------------- approximately


@given(positive, st.floats(min_value=0, max_value=0.98))
def test_approximately_is_symmetric_within_tolerance(center, k):
    rule = parse_target(f"{center}左右")
    d = k * rule.tolerance
    assert rule.check(center + d).met is True
    assert rule.check(center - d).met is True


@given(positive, st.floats(min_value=1.02, max_value=100))
def test_approximately_is_symmetric_outside_tolerance(center, k):
    rule = parse_target(f"{center}左右")
    assume(rule.tolerance > 0)
    d = k * rule.tolerance
    above, below = rule.check(center + d), rule.check(center - d)
    assert above.met is False and below.met is False
    assert above.gap == pytest.approx(-below.gap, rel=1e-6, abs=1e-9)


@given(positive, st.floats(min_value=0, max_value=1e6))
def test_better_than_an_approximate_target_counts_as_achieved(center, better):
    assert parse_target(f"{center}左右", direction="higher").check(center + better).met
    assert parse_target(f"{center}左右", direction="lower").check(center - better).met


@given(positive, st.floats(min_value=1.02, max_value=100))
def test_worse_than_the_tolerance_is_not_achieved(center, k):
    up = parse_target(f"{center}左右", direction="higher")
    assume(up.tolerance > 0)
    assert up.check(center - k * up.tolerance).met is False
    down = parse_target(f"{center}左右", direction="lower")
    assert down.check(center + k * down.tolerance).met is False


# --------------------------------------------------------------------------- relative


@given(positive, st.floats(min_value=0.01, max_value=100),
       st.sampled_from(["在2020年基础上增长{}%", "增长{}%", "降低{}%", "提高{}%左右"]))
def test_percentage_targets_scale_with_their_baseline(base, factor, form):
    pct = 37.5
    rule = parse_target(form.format(pct))
    assert rule.kind == "relative_change"
    t1, t2 = rule.threshold(baseline=base), rule.threshold(baseline=base * factor)
    assert t2 == pytest.approx(t1 * factor, rel=1e-9)


@given(figures, st.floats(min_value=-1e3, max_value=1e3),
       st.sampled_from(["提高1岁左右", "降低1.5个百分点", "增加2"]))
def test_absolute_change_targets_shift_with_their_baseline(base, shift, text):
    rule = parse_target(text)
    t1, t2 = rule.threshold(baseline=base), rule.threshold(baseline=base + shift)
    assert t2 == pytest.approx(t1 + shift, rel=1e-9, abs=1e-6)


@given(positive, positive, st.sampled_from(["增长50%", "降低15%", "增长10%以内"]))
def test_relative_check_agrees_with_its_threshold(base, value, text):
    rule = parse_target(text)
    bar = rule.threshold(baseline=base)
    v = rule.check(value, baseline=base)
    assert v.threshold == pytest.approx(bar)
    if rule.comparator == "at_least":
        assert v.met == (value >= bar - 1e-9 * max(1, abs(bar)))
    else:
        assert v.met == (value <= bar + 1e-9 * max(1, abs(bar)))


@given(positive, st.floats(min_value=0.01, max_value=100), years)
def test_yearly_targets_scale_with_baseline_and_move_every_year(base, factor, year):
    pct = parse_target("年均增长3%", baseline_year=2020, target_year=2030)
    assert pct.threshold(baseline=base * factor, year=year) == pytest.approx(
        pct.threshold(baseline=base, year=year) * factor, rel=1e-9)
    pp = parse_target("每年降低1个百分点", baseline_year=2020, target_year=2030)
    expected = base - (min(year, 2030) - 2020)
    assert pp.threshold(baseline=base, year=year) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    if year > 2020:  # each year asks for a lower level than the year before
        assert pp.threshold(baseline=base, year=year) <= pp.threshold(baseline=base, year=year - 1)


@given(positive, positive, positive)
def test_proportional_threshold_follows_the_reference(base, ref_base, ref_value):
    rule = parse_target("同比例提高")
    bar = rule.threshold(baseline=base, reference=(ref_base, ref_value))
    assert bar == pytest.approx(base * ref_value / ref_base, rel=1e-9)
