"""Reading observation files: CSV (UTF-8 and GBK), Excel long format, bad files."""

from __future__ import annotations

import pytest
from import_helpers import JIANGYIN, SOURCE, write_csv, write_xlsx

from healthplan.documents.model import DocumentError
from healthplan.imports import read_observation_file

ROWS = [(JIANGYIN, "life_expectancy", "2021", "81.9", SOURCE, ""),
        ("江阴市", "婴儿死亡率", "2022", "2.0", SOURCE, "快报数")]


def test_csv_rows_keep_their_file_row_numbers(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\n" + "\n".join(["region,indicator,year,value,source,note",
                                      f"{JIANGYIN},life_expectancy,2021,81.9,{SOURCE},",
                                      ",,,,,",
                                      f"江阴市,婴儿死亡率,2022,\"2.0\",{SOURCE},快报数"]),
                    encoding="utf-8")
    file = read_observation_file(path)
    assert file.format == "csv" and len(file.sha256) == 64
    assert [r.row for r in file.rows] == [3, 5]  # blank lines skipped, numbering kept
    assert file.rows[1].cells == {"region": "江阴市", "indicator": "婴儿死亡率", "year": "2022",
                                  "value": "2.0", "source": SOURCE, "note": "快报数"}
    assert file.rows[1].column("value") == "value"


def test_gbk_csv_with_chinese_headers(tmp_path):
    # Excel on Chinese Windows saves "CSV" in GBK.
    path = write_csv(tmp_path / "gbk.csv", ROWS, header=("地区", "指标", "年份", "监测值", "数据来源", "备注"),
                     encoding="gbk")
    file = read_observation_file(path)
    assert [r.cells["indicator"] for r in file.rows] == ["life_expectancy", "婴儿死亡率"]
    assert file.rows[1].cells["note"] == "快报数"
    assert file.rows[0].column("value") == "监测值"


def test_other_header_spellings_and_delimiters(tmp_path):
    path = tmp_path / "tab.csv"
    path.write_text("地区代码\t指标名称\t年度\t数值\t来源\t说明\t单位（可选）\n"
                    f"{JIANGYIN}\t人均预期寿命\t2021\t81.9\t{SOURCE}\t\t岁\n", encoding="utf-8-sig")
    row = read_observation_file(path).rows[0]
    assert row.cells["region"] == JIANGYIN and row.cells["unit"] == "岁"


def test_xlsx_long_format_reads_numbers_as_shown(tmp_path):
    path = write_xlsx(tmp_path / "long.xlsx", [(320281, "health_literacy", 2021, 0.37, SOURCE),
                                              (320281, "life_expectancy", 2022, 81.0, SOURCE)],
                      header=("地区", "指标", "年份", "数值", "来源"))
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    workbook.active["D2"].number_format = "0.0%"  # typed as "37%" in Excel
    workbook.save(path)
    file = read_observation_file(path)
    assert file.format == "xlsx"
    assert [r.cells["value"] for r in file.rows] == ["37%", "81"]
    assert file.rows[0].cells["region"] == "320281" and file.rows[0].cells["year"] == "2021"
    assert file.rows[0].row == 2


@pytest.mark.parametrize("name, content, problem", [
    ("missing.csv", None, "文件不存在"),
    ("empty.csv", b"", "文件为空"),
    ("values.txt", b"a,b", "不支持的文件类型 .txt"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "旧版 Excel"),
    ("fake.xlsx", "地区,指标".encode(), "不是有效的 .xlsx 文件"),
    ("cut.xlsx", b"PK\x03\x04truncated", "不是有效的 .xlsx 文件"),
    ("header.csv", "地区,指标,年份,数值,来源\n".encode(), "只有表头，没有数据行"),
    ("columns.csv", "地区,指标,数值\n320281,x,1\n".encode(), "缺少必需的列：年份（year）、数据来源（source）"),
    ("twice.csv", "地区,地区代码,指标,年份,数值,来源\n".encode(), "都表示地区"),
])
def test_bad_files_give_one_clear_error(tmp_path, name, content, problem):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        read_observation_file(path)
    assert caught.value.path == str(path)
    assert problem in caught.value.problem


def test_a_title_above_the_header_is_skipped(tmp_path):
    path = write_xlsx(tmp_path / "titled.xlsx", [("地区", "指标", "年份", "数值", "来源"),
                                                 (JIANGYIN, "life_expectancy", 2021, 81.9, SOURCE)],
                      header=("江阴市2021年卫生健康监测数据",))
    [row] = read_observation_file(path).rows
    assert row.row == 3 and row.cells["value"] == "81.9"
