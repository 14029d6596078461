"""TEST DATA for the regional matrix tests: made-up figures for 江阴市 2021–2023,
recorded with the source "测试数据（非真实数据）" — never shown as real figures."""

from __future__ import annotations

TEST_SOURCE = "测试数据（非真实数据）"
JIANGYIN = "320281"
# indicator → {year: value}, made up to give each kind of verdict and a carried warning
SERIES = {
    "gps_per_10000": {2021: 3.80, 2022: 3.75, 2023: 3.72},  # binding, behind: red
    "elderly_health_management": {2021: 71.0, 2022: 73.5, 2023: 74.0},  # caught up: green
    "maternal_system_management": {2021: 95.0, 2022: 96.0, 2023: 96.0},  # achieved
    "out_of_pocket_share": {2021: 21.5, 2022: 20.9},  # binding, missed in 2021, not caught up
    "life_expectancy": {2021: 82.5, 2022: 82.6, 2023: 82.7},  # expected indicator
}


def record_test_series(db) -> None:
    from healthplan.store.observations import NewObservation, record
    from healthplan.store.regions import find_region

    with db.session() as session:
        region = find_region(session, JIANGYIN)
        items = [NewObservation(region.id, indicator, year, value, TEST_SOURCE)
                 for indicator, by_year in SERIES.items() for year, value in by_year.items()]
        record(session, items, user_id=None)
