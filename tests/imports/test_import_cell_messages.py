"""An .xlsx whose cells read as empty for a reason the user can fix is refused with that
reason and the place (file:row:column, cell), not as "数值为空" / "地区为空"."""

from __future__ import annotations

import pytest
from import_helpers import HEADER, SOURCE, write_xlsx
from openpyxl import load_workbook

from cli_helpers import assert_bad_input, run_cli
from healthplan.documents.model import DocumentError
from healthplan.imports import read_observation_file, write_template

ROWS = [("320281", "life_expectancy", 2021, 82.0, SOURCE, ""),
        ("320281", "life_expectancy", 2022, 82.1, SOURCE, ""),
        ("320281", "infant_mortality", 2021, 2.1, SOURCE, "")]


def message(path) -> str:
    with pytest.raises(DocumentError) as caught:
        read_observation_file(path)
    return str(caught.value)


def test_formulas_never_computed_are_named(tmp_path):
    path = write_xlsx(tmp_path / "公式.xlsx", ROWS)
    book = load_workbook(path)
    book.active["D3"] = "=81+1.1"  # as a program writes it: no cached value
    book.active["D4"] = "=ROUND(2.14,1)"
    book.save(path)
    text = message(path)
    assert "公式.xlsx" in text and "第3行:value：单元格 D3 是公式“=81+1.1”" in text, text
    assert "没有它的计算结果（共 2 个这样的单元格）" in text
    assert "请在 Excel 或 WPS 中打开此文件、保存后再导入" in text
    assert "为空" not in text
    db = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    assert run_cli("--db", db, "plans").returncode == 0  # made first: its notice is no error
    assert_bad_input(run_cli("--db", db, "observe", "import", str(path)), "公式.xlsx",
                     "第3行:value", "D3")


def test_merged_cells_are_named(tmp_path):
    header = ("地区", "指标", "年份", "数值", "数据来源")
    path = write_xlsx(tmp_path / "合并.xlsx", [r[:5] for r in ROWS], header=header)
    book = load_workbook(path)
    book.active.merge_cells("A2:A4")  # one 地区 for three rows, as people lay tables out
    book.active.merge_cells("E2:E4")
    book.save(path)
    text = message(path)
    assert "第2行:地区：单元格 A2:A4 是合并单元格" in text, text
    assert "请取消合并" in text and "地区为空" not in text


def test_a_title_merged_above_the_header_is_fine(tmp_path):
    path = tmp_path / "标题.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["江阴市2023年监测值"])
    sheet.merge_cells("A1:F1")
    sheet.append(list(HEADER))
    for row in ROWS:
        sheet.append(list(row))
    book.save(path)
    assert [r.row for r in read_observation_file(path).rows] == [3, 4, 5]


def test_a_template_with_an_uncomputed_formula_names_the_year_column(sqlite_plan_db, tmp_path):
    with sqlite_plan_db.db.session() as session:
        path = write_template(session, sqlite_plan_db.plan_id, tmp_path / "模板.xlsx")
    book = load_workbook(path)
    sheet = book["填报表"]
    sheet["I7"] = "=H7+0.1"  # 2022年 of 人均预期寿命
    sheet["D4"] = SOURCE
    book.save(path)
    text = message(path)
    assert "第7行:2022年：单元格 I7 是公式“=H7+0.1”" in text, text
    # the template's own merged heading cells are not the user's doing
    sheet["I7"] = 82.1
    book.save(path)
    assert [r.cell("value") for r in read_observation_file(path).rows] == ["82.1"]
