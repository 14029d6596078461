"""The fill-in template: how it looks, and a filled template imported back."""

from __future__ import annotations

import pytest
from import_helpers import JIANGYIN, add_plan, counts
from openpyxl import load_workbook

from healthplan.documents.model import DocumentError
from healthplan.imports import ImportRejected, import_observations, write_template
from healthplan.imports.template import TemplateError
from healthplan.store.observations import current_series
from healthplan.store.regions import find_region

YEARS = ["2021年", "2022年", "2023年", "2024年", "2025年"]


def make_template(store, path):
    with store.db.session() as session:
        return write_template(session, store.plan_id, path)


def rows_by_id(sheet) -> dict[str, int]:
    return {sheet.cell(r, 1).value: r for r in range(7, sheet.max_row + 1)
            if sheet.cell(r, 1).value}


def test_template_layout(sqlite_plan_db, tmp_path):
    path = make_template(sqlite_plan_db, tmp_path / "t.xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["填报表", "_meta"]
    assert workbook["_meta"].sheet_state == "hidden"
    meta = dict(workbook["_meta"].iter_rows(values_only=True))
    assert (meta["plan_id"], meta["region_code"], meta["version"]) == (
        sqlite_plan_db.plan_id, JIANGYIN, 1)
    sheet = workbook["填报表"]
    assert sheet["B1"].value.startswith("江苏省无锡市江阴市 《江阴市“十四五”卫生健康发展规划》")
    assert "地区：江苏省无锡市江阴市（320281）" in sheet["B2"].value
    assert sheet["B3"].value.startswith("填写说明：")
    header = [c.value for c in sheet[6]]
    assert header == ["指标代码", "序号", "指标", "单位", "基期值（年份）", "目标值", "属性", *YEARS,
                      "数据来源", "备注"]
    assert sheet.column_dimensions["A"].hidden and sheet.freeze_panes == "D7"
    assert sheet.column_dimensions["C"].width >= 30
    body = [[c.value for c in row][:7] for row in sheet.iter_rows(min_row=7)]
    assert body[0] == ["life_expectancy", "1", "人均预期寿命", "岁", "81.5（2020年）", "≥82", "预期性"]
    # a 两项合列 row becomes one row per part; an unmatched row cannot be filled in
    assert [b[0] for b in body[4:6]] == ["maternal_system_management",
                                         "child_under3_system_management"]
    assert body[6][0] is None and sheet.cell(13, 14).value == "未对应指标目录，暂不能导入"

    checks = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert set(checks) == {f"H{r}:L{r}" for r in range(7, 13)}
    life = checks["H7:L7"]
    assert (life.type, life.operator, life.formula1, life.formula2) == ("decimal", "between",
                                                                       "40", "95")
    assert life.showErrorMessage and "应填 40～95 之间的数字（单位：岁）" in life.error


def test_filled_template_round_trip(plan_db, tmp_path):
    path = make_template(plan_db, tmp_path / "t.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["填报表"]
    rows = rows_by_id(sheet)
    sheet["D4"] = "江阴市卫生健康统计年报"  # sheet-level source
    sheet.cell(rows["life_expectancy"], 8, 81.8)
    sheet.cell(rows["life_expectancy"], 9, "８２．０")  # typed as text, full-width
    sheet.cell(rows["infant_mortality"], 10, 1.9)
    sheet.cell(rows["infant_mortality"], 13, "妇幼卫生年报")  # the row's own source
    sheet.cell(rows["health_literacy"], 8, 0.325).number_format = "0.0%"  # typed "32.5%"
    sheet.cell(rows["health_literacy"], 14, "省级监测")
    workbook.save(path)

    result = import_observations(plan_db.db, path, user_id=plan_db.user_id)
    assert (result.format, result.added) == ("template", 4)
    with plan_db.db.session() as session:
        region = find_region(session, JIANGYIN)
        series = current_series(session, [region.id])
    got = {(ind, year): (obs.value, obs.source, obs.note)
           for (_, ind), by_year in series.items() for year, obs in by_year.items()}
    assert got == {
        ("life_expectancy", 2021): (81.8, "江阴市卫生健康统计年报", ""),
        ("life_expectancy", 2022): (82.0, "江阴市卫生健康统计年报", ""),
        ("infant_mortality", 2023): (1.9, "妇幼卫生年报", ""),
        ("health_literacy", 2021): (32.5, "江阴市卫生健康统计年报", "省级监测"),
    }
    again = import_observations(plan_db.db, path, user_id=plan_db.user_id)
    assert again.written == 0 and again.unchanged == 4


def test_template_problems_name_the_cell(sqlite_plan_db, tmp_path):
    path = make_template(sqlite_plan_db, tmp_path / "t.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["填报表"]
    rows = rows_by_id(sheet)
    sheet.cell(rows["life_expectancy"], 10, 820)  # no source anywhere, and ×10
    sheet.cell(13, 8, 5)  # the unmatched row
    workbook.save(path)
    with pytest.raises(ImportRejected) as caught:
        import_observations(sqlite_plan_db.db, path, user_id=None)
    lines = [p.line("t.xlsx") for p in caught.value.problems]
    assert lines == [
        "t.xlsx:第7行:2023年:数值 820 超出“人均预期寿命”的合理范围 40–95岁",
        "t.xlsx:第7行:数据来源:数据来源为空：每个数值都须注明来源（如“2023年卫生健康统计年报”）",
        "t.xlsx:第13行:指标:“智慧医院建设”没有指标代码（未对应指标目录，或隐藏的指标代码列被改动），本行数值不能导入",
    ]
    assert counts(sqlite_plan_db.db) == (0, 0, 0)


def test_template_of_another_database_or_plan(sqlite_plan_db, tmp_path):
    path = make_template(sqlite_plan_db, tmp_path / "t.xlsx")
    with sqlite_plan_db.db.session() as session:
        with pytest.raises(TemplateError, match="规划编号 99 不存在"):
            write_template(session, 99, tmp_path / "x.xlsx")
        other = add_plan(session, "320200")  # 无锡市
    workbook = load_workbook(path)
    workbook["_meta"]["B3"] = other  # plan_id row: a plan of another region
    workbook["填报表"]["H7"] = 81.7
    workbook["填报表"]["D4"] = "年报"
    workbook.save(path)
    with pytest.raises(ImportRejected) as caught:
        import_observations(sqlite_plan_db.db, path, user_id=None)
    assert "模板对应的规划" in caught.value.problems[0].message


def test_empty_or_damaged_template(sqlite_plan_db, tmp_path):
    path = make_template(sqlite_plan_db, tmp_path / "t.xlsx")
    with pytest.raises(DocumentError, match="模板中没有填写任何监测值"):
        import_observations(sqlite_plan_db.db, path, user_id=None)
    workbook = load_workbook(path)
    workbook["填报表"]["A6"] = "代码"
    workbook.save(path)
    with pytest.raises(DocumentError, match="表头缺少“指标代码”"):
        import_observations(sqlite_plan_db.db, path, user_id=None)
