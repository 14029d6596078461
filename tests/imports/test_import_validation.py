"""Validation of observation rows: every problem kind, reported by row and column.

Validation writes nothing, so these checks share one SQLite database; values "already
stored" are recorded in the same session and rolled back afterwards.
"""

from __future__ import annotations

from datetime import date

import pytest
from import_helpers import JIANGYIN, SOURCE, write_csv

from healthplan import catalog
from healthplan.imports import read_observation_file, validate
from healthplan.imports.validation import jump_limit
from healthplan.store.observations import NewObservation, record
from healthplan.store.regions import find_region

TODAY = date(2026, 11, 23)


def check(store, tmp_path, rows, stored=()):
    """Validate ``rows`` (CSV) with ``stored`` (region, indicator, year, value) recorded."""
    file = read_observation_file(write_csv(tmp_path / "v.csv", rows))
    with store.db.sessions() as session:
        region_ids = {}
        items = []
        for region, indicator, year, value in stored:
            if region not in region_ids:
                region_ids[region] = find_region(session, region).id
            items.append(NewObservation(region_ids[region], indicator, year, value, "旧年报"))
        record(session, items, user_id=store.user_id)
        checked = validate(session, file, today=TODAY)
        session.rollback()
    return checked


def only_problem(checked, severity="error"):
    problems = [p for p in checked.problems if p.severity == severity]
    assert len(problems) == 1, checked.problems
    return problems[0]


def row(indicator="life_expectancy", year="2021", value="81.9", source=SOURCE, note="",
        region=JIANGYIN):
    return (region, indicator, year, value, source, note)


def test_good_rows_become_observations(shared_plan_db, tmp_path):
    checked = check(shared_plan_db, tmp_path, [
        row(),
        row("婴儿死亡率", "2022年", "２．０"),  # full-width digits
        row("每千人口执业(助理)医师", "2022", "3.1"),  # a normalised match
        row("居民健康素养水平", "2021", "31.5%"),  # a trailing % matching the unit
        row("health_service_industry_scale", "2021", "1,234.5", region="全国"),
    ])
    assert checked.problems == []
    assert [(i.indicator_id, i.year, i.value, i.unit) for i in checked.items] == [
        ("life_expectancy", 2021, 81.9, "岁"), ("infant_mortality", 2022, 2.0, "‰"),
        ("physicians_per_1000", 2022, 3.1, "人/千人"), ("health_literacy", 2021, 31.5, "%"),
        ("health_service_industry_scale", 2021, 1234.5, "亿元")]
    assert checked.changes == 5 and set(checked.seen.values()) == {0}
    assert checked.rows[checked.items[1].key] == 3


@pytest.mark.parametrize("bad, column, words", [
    (row(region="火星市"), "region", ["未知地区“火星市”"]),
    (row(region="999999"), "region", ["行政区划代码 999999 不存在"]),
    (row("人均寿命"), "indicator", ["未知指标“人均寿命”", "人均预期寿命"]),
    (row("life_expectency"), "indicator", ["未知指标", "life_expectancy"]),
    (row("每千常住人口注册护士人数"), "indicator", ["无法确定", "每千人口注册护士数", "nurses_per_1000"]),
    (row("孕产妇系统管理率和3岁以下儿童系统管理率"), "indicator", ["两项合列", "请分别填报"]),
    (row(year="二〇二一"), "year", ["不是四位数的年份"]),
    (row(year="2099"), "year", ["未来年份"]),
    (row(year="2018"), "year", ["不在江阴市规划的监测年份 2020–2025 内"]),
    (row(year="1948", region="全国"), "year", ["早于 1949 年"]),
    (row(value="八十"), "value", ["不是数字"]),
    (row(value=""), "value", ["数值为空"]),
    (row(value="≥81"), "value", ["界限或约数"]),
    (row(value="81、82"), "value", ["多个数字"]),
    (row("health_literacy", value="31‰"), "value", ["单位“‰”与指标单位“%”不符"]),
    (row(source="  "), "source", ["数据来源为空"]),
    (row(value="120"), "value", ["超出“人均预期寿命”的合理范围 40–95岁"]),
    (row("health_literacy", value="0.31"), "value",
     ["规划基期值（2020年） 30.5%", "相差约 100 倍", "应为 31%"]),
    (row("health_literacy", value="3150"), "value", ["百分比疑似放大了100倍", "应为 31.5"]),
    (row("maternal_system_management", value="9600", region="全国"), "value",
     ["合理范围", "百分比疑似放大了100倍"]),
])
def test_each_error_names_row_and_column(shared_plan_db, tmp_path, bad, column, words):
    checked = check(shared_plan_db, tmp_path, [row(year="2020"), bad])
    problem = only_problem(checked)
    assert (problem.row, problem.column) == (3, column)
    for word in words:
        assert word in problem.message, problem.message
    assert len(checked.items) == 1  # the good row is still checked, not recorded


def test_unit_column_must_agree_with_the_catalogue(shared_plan_db, tmp_path):
    file = tmp_path / "u.csv"
    write_csv(file, [(JIANGYIN, "infant_mortality", 2021, "2.0", SOURCE, "‰"),
                     (JIANGYIN, "maternal_mortality", 2021, "0.1", SOURCE, "‰")],
              header=("地区", "指标", "年份", "数值", "来源", "单位"))
    with shared_plan_db.db.sessions() as session:
        checked = validate(session, read_observation_file(file), today=TODAY)
    problem = only_problem(checked)
    assert problem.row == 3 and problem.column == "单位"
    assert "乘以 100 换算为“/10万”" in problem.message


def test_same_key_twice_in_one_file(shared_plan_db, tmp_path):
    checked = check(shared_plan_db, tmp_path, [row(), row("婴儿死亡率"), row("人均预期寿命", "2021.0")])
    problem = only_problem(checked)
    assert problem.row == 4 and "与第2行重复（江阴市 人均预期寿命 2021 年）" in problem.message


def test_all_problems_of_a_row_are_reported(shared_plan_db, tmp_path):
    checked = check(shared_plan_db, tmp_path, [("火星", "x", "2099", "abc", "", "")])
    assert [p.column for p in checked.problems] == ["region", "indicator", "year", "value",
                                                    "source"]
    assert checked.items == []


def test_a_change_stored_value_is_a_correction_warning(shared_plan_db, tmp_path):
    stored = [(JIANGYIN, "life_expectancy", 2021, 81.9), (JIANGYIN, "life_expectancy", 2022, 82.0)]
    checked = check(shared_plan_db, tmp_path, [row(), row(year="2022", value="82.1",
                                                          note="年报修订")], stored)
    warning = only_problem(checked, "warning")
    assert warning.row == 3 and warning.column == "value"
    assert "已有数值 82（第1版，来源：旧年报），导入后将更正为 82.1（第2版），更正原因：年报修订" in \
        warning.message
    assert checked.errors == [] and checked.changes == 1  # 2021: the same value, unchanged
    assert checked.items[1].reason == "年报修订"


def test_jumps_against_the_nearest_earlier_value(shared_plan_db, tmp_path):
    checked = check(shared_plan_db, tmp_path, [
        row(year="2021", value="81.9"),  # baseline 81.5 (2020): +0.4 a year
        row(year="2023", value="84.4"),  # +1.25 a year since this file's 2021
        row("physicians_per_1000", "2021", "3.9"),  # baseline 2.9: +34 % in a year
        row("infant_mortality", "2021", "3.0"),  # baseline 2.1: +43 %, but only 0.9‰
    ], stored=[(JIANGYIN, "life_expectancy", 2022, 82.5)])
    warnings = {p.row: p.message for p in checked.warnings}
    assert set(warnings) == {3, 4}, checked.problems
    assert "较已有的2022年数值 82.5 每年变化 +1.9岁，超过跳变提示阈值（每年 ±1岁）" in warnings[3]
    assert "较规划基期值（2020年） 2.9 每年变化 +1人/千人" in warnings[4]


def test_jump_limit_definition():
    life, physicians, mmr = (catalog.get(i) for i in
                             ("life_expectancy", "physicians_per_1000", "maternal_mortality"))
    assert jump_limit(life, 80) == 1.0
    assert jump_limit(physicians, 3.0) == pytest.approx(0.9)  # 30 % of the earlier value
    assert jump_limit(mmr, 5.0) == pytest.approx(10.0)  # 2 % of the 0–500 range


def test_a_fraction_without_a_reference_is_a_warning(shared_plan_db, tmp_path):
    checked = check(shared_plan_db, tmp_path, [
        row("maternal_system_management", "2021", "0.96", region="全国"),
        row("hiv_prevalence", "2021", "0.09", region="全国"),  # small by nature
    ])
    warning = only_problem(checked, "warning")
    assert warning.row == 2 and "疑似把百分比写成了小数（96% 应填 96）" in warning.message


def test_year_range_follows_all_plans_of_the_region(shared_plan_db, tmp_path):
    checked = check(shared_plan_db, tmp_path, [row(year="2020"), row(year="2025", value="82.9"),
                                               row(year="2026", value="83.5")])
    problem = only_problem(checked)
    assert problem.row == 4 and "2020–2025" in problem.message
