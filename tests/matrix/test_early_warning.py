"""The warning rule (README "预警规则"): every verdict × attribute × year position, and
the carrying of a missed year until a later year catches up."""

from __future__ import annotations

import pytest

from healthplan.early_warning import POSITIONS, VERDICTS, carried_levels, position, warning_level

# verdict → (binding level, expected level) per position; "x" = the evaluation never
# gives that verdict there (refused).
RULE = {
    #                  before              target              after
    "achieved":        (("green", "green"), ("green", "green"), ("green", "green")),
    "on_track":        (("green", "green"), "x", "x"),
    "at_risk":         (("yellow", "yellow"), "x", "x"),
    "off_track":       (("red", "yellow"), "x", "x"),
    "not_achieved":    ("x", ("red", "red"), ("red", "red")),
    "no_data":         ((None, None), (None, None), (None, None)),
    "needs_judgement": ((None, None), (None, None), (None, None)),
}
CASES = [(verdict, binding, where, RULE[verdict][k])
         for verdict in VERDICTS for k, where in enumerate(POSITIONS) for binding in (True, False)]


def test_the_table_covers_every_verdict():
    assert set(RULE) == set(VERDICTS) and len(CASES) == 7 * 3 * 2


@pytest.mark.parametrize(("verdict", "binding", "where", "expected"), CASES)
def test_rule(verdict, binding, where, expected):
    if expected == "x":
        with pytest.raises(ValueError):
            warning_level(verdict, binding, where)
        return
    assert warning_level(verdict, binding, where) == expected[0 if binding else 1]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="未知的结论"):
        warning_level("late", True, "before")
    with pytest.raises(ValueError, match="年份位置"):
        warning_level("achieved", True, "soon")


def test_position():
    assert [position(y, 2025) for y in (2021, 2025, 2026)] == ["before", "target", "after"]


def levels(verdicts: dict[int, str], binding: bool = True) -> list:
    out = carried_levels(verdicts, binding=binding, target_year=2025)
    return [(y, w.level, w.since, w.carried) for y, w in out.items()]


def test_a_missed_year_stays_red_until_a_later_year_catches_up():
    got = levels({2021: "on_track", 2022: "off_track", 2023: "at_risk", 2024: "no_data",
                  2025: "achieved"})
    assert got == [(2021, "green", 2021, False), (2022, "red", 2022, False),
                   (2023, "red", 2022, True),  # improved, not caught up
                   (2024, "red", 2022, True),  # a missing figure clears nothing
                   (2025, "green", 2025, False)]


def test_caught_up_then_missed_again_starts_a_new_warning():
    got = levels({2021: "off_track", 2022: "on_track", 2023: "at_risk"})
    assert got == [(2021, "red", 2021, False), (2022, "green", 2022, False),
                   (2023, "yellow", 2023, False)]


def test_expected_indicator_off_track_is_yellow_and_not_achieved_red():
    got = levels({2024: "off_track", 2025: "not_achieved", 2026: "not_achieved"}, binding=False)
    assert got == [(2024, "yellow", 2024, False), (2025, "red", 2025, False),
                   (2026, "red", 2025, False)]


def test_no_level_without_data():
    assert levels({2021: "no_data", 2022: "needs_judgement"}) == [
        (2021, None, None, False), (2022, None, None, False)]
