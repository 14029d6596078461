"""The rules of reporting rounds without a database: who may take which step at which
level, completeness, outliers (modified z-score, peers, bounds), timeliness and rates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from healthplan import reporting
from healthplan.permissions import Principal

# Region ids: 1 nation › 2 province › 3 city › 4 county; 5 another city, 6 its county.
COUNTY, OTHER_COUNTY, CITY = (1, 2, 3, 4), (1, 2, 5, 6), (1, 2, 3)
PEOPLE = {
    "county_clerk": Principal(1, "c", "clerk", 4),
    "city_clerk": Principal(2, "cc", "clerk", 3),
    "city_planner": Principal(3, "p", "planner", 3),
    "other_city_planner": Principal(4, "q", "planner", 5),
    "province_planner": Principal(5, "r", "planner", 2),
    "county_planner": Principal(6, "s", "planner", 4),
    "viewer": Principal(7, "v", "viewer", None),
    "admin": Principal(8, "a", "admin", None),
}
# (who, action, status, task path, approver path) → allowed
CASES = [
    ("county_clerk", "submit", "in_progress", COUNTY, (), True),
    ("county_clerk", "submit", "returned", COUNTY, (), True),
    ("city_clerk", "submit", "in_progress", COUNTY, (), False),
    ("county_clerk", "submit", "in_progress", OTHER_COUNTY, (), False),
    ("county_clerk", "approve", "submitted", COUNTY, (), False),
    ("county_planner", "approve", "submitted", COUNTY, (), False),  # not one's own
    ("city_planner", "approve", "submitted", COUNTY, (), True),
    ("province_planner", "approve", "submitted", COUNTY, (), True),
    ("other_city_planner", "approve", "submitted", COUNTY, (), False),
    ("city_planner", "return", "submitted", COUNTY, (), True),
    ("city_planner", "accept", "approved", COUNTY, CITY, False),
    ("province_planner", "accept", "approved", COUNTY, CITY, True),
    ("city_planner", "withdraw", "approved", COUNTY, CITY, True),
    ("province_planner", "withdraw", "approved", COUNTY, CITY, True),
    ("city_planner", "withdraw", "approved", COUNTY, (1, 2), False),  # approved above
    ("county_clerk", "withdraw", "approved", COUNTY, CITY, False),
    ("county_clerk", "withdraw", "submitted", COUNTY, (), True),
    ("viewer", "submit", "in_progress", COUNTY, (), False),
    ("viewer", "approve", "submitted", COUNTY, (), False),
    ("admin", "approve", "submitted", COUNTY, (), True),
    ("city_planner", "approve", "in_progress", COUNTY, (), False),  # nothing to approve
]


@pytest.mark.parametrize(("who", "action", "status", "path", "approver", "ok"), CASES)
def test_who_may_take_which_step(who, action, status, path, approver, ok):
    why = reporting.refusal(PEOPLE[who], action, status, path, approver)
    assert (why is None) == ok, why
    if not ok:
        assert why and not why.isascii()


def test_statuses_move_as_the_process_says():
    assert reporting.next_status("submit", "returned") == "submitted"
    assert reporting.next_status("approve", "submitted") == "approved"
    assert reporting.next_status("withdraw", "approved") == "submitted"
    assert reporting.next_status("approve", "approved") is None
    assert reporting.next_status("submit", "approved") is None


def test_completeness_counts_no_data_only_with_a_reason():
    done = reporting.completeness(["a", "b", "c"], {"a"}, {"b": "年报未公布", "c": "  "})
    assert (done.present, done.expected, done.missing) == (2, 3, ("c",))


def test_modified_z_score():
    assert reporting.modified_z(10, [1, 2, 3, 4, 5]) == pytest.approx(0.6745 * 7 / 1)
    assert reporting.modified_z(5, [5, 5, 5]) is None
    assert reporting.modified_z(6, [5, 5, 5]) == float("inf")


def test_outliers_against_series_peers_and_bounds():
    series = {2020: 5.0, 2021: 5.1, 2022: 5.2, 2023: 5.3, 2024: 5.4}
    kinds = [o.kind for o in reporting.outliers("beds", "床位", 9.9, series=series, year=2025,
                                                peers=[5.1, 5.3, 5.0, 5.4, 5.2],
                                                bounds=(0, 9))]
    assert kinds == ["bounds", "series", "peers"]
    assert reporting.outliers("beds", "床位", 5.5, series=series, year=2025,
                              peers=[5.1, 5.3, 5.0, 5.4, 5.2], bounds=(0, 30)) == []
    # too few earlier years or peers: no judgement
    assert reporting.outliers("beds", "床位", 50, series={2024: 5}, year=2025, peers=[5, 5],
                              bounds=None) == []


def test_deadline_is_a_china_date():
    deadline = date(2025, 12, 31)
    assert reporting.on_time(datetime(2025, 12, 31, 15, 59, tzinfo=UTC), deadline)
    assert not reporting.on_time(datetime(2025, 12, 31, 16, 1, tzinfo=UTC), deadline)
    assert reporting.on_time(None, deadline) is None


def test_rates():
    figures = [reporting.TaskFigures("approved", True, 3, 3),
               reporting.TaskFigures("submitted", False, 2, 3),
               reporting.TaskFigures("returned", True, 3, 3),
               reporting.TaskFigures("not_started", None, 0, 3)]
    rates = reporting.rates(figures)
    assert (rates.reporting_rate, rates.timeliness) == (2 / 4, 2 / 4)
    assert rates.value_completeness == 8 / 12
