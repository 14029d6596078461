"""`healthplan observe import|history` and `healthplan template` as a user runs them."""

from __future__ import annotations

import pytest
from import_helpers import JIANGYIN, SOURCE, counts, write_csv
from openpyxl import load_workbook

from cli_helpers import assert_bad_input, run_cli


def run(url, *args, cwd=None):
    return run_cli("--db", url, "--user", "张三", *args, cwd=cwd)



def test_import_then_history(plan_db, tmp_path):
    path = write_csv(tmp_path / "2022.csv", [(JIANGYIN, "人均预期寿命", 2021, "81.9", "快报", ""),
                                             ("江阴市", "婴儿死亡率", 2022, "2.0", SOURCE, "")])
    first = run(plan_db.url, "observe", "import", str(path))
    assert first.returncode == 0, first.stderr
    assert f"已导入 {path}：新增 2 条，更正 0 条，未变 0 条（导入批次 1）" in first.stdout

    again = run(plan_db.url, "observe", "import", str(path))
    assert again.returncode == 0 and "未写入任何新数据" in again.stdout

    fix = write_csv(tmp_path / "fix.csv", [(JIANGYIN, "人均预期寿命", 2021, "82.0", SOURCE, "年报修订")])
    refused = run(plan_db.url, "observe", "import", str(fix))
    assert refused.returncode == 2
    assert f"{fix}:第2行:value:警告：江阴市 人均预期寿命 2021 年已有数值 81.9" in refused.stderr
    assert "--accept-warnings" in refused.stderr.splitlines()[-1]
    accepted = run(plan_db.url, "observe", "import", str(fix), "--accept-warnings")
    assert accepted.returncode == 0, accepted.stderr
    assert "更正 1 条" in accepted.stdout and "已确认的警告（1 条）" in accepted.stdout

    history = run(plan_db.url, "observe", "history", "江阴市", "life_expectancy")
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0] == "江苏省无锡市江阴市（320281） 人均预期寿命（岁）"
    assert lines[2].startswith("2021\t第1版\t81.9\t快报\t张三\t")
    assert lines[3].startswith(f"2021\t第2版\t82\t{SOURCE}\t张三\t")
    assert lines[3].endswith("\t年报修订（导入批次 2）")
    assert lines[2].endswith("\t（导入批次 1）")


def test_rejected_file_lists_problems_and_writes_nothing(sqlite_plan_db, tmp_path):
    rows = [(JIANGYIN, "人均预期寿命", 2021, "81.9", SOURCE, "")] * 3
    rows += [(JIANGYIN, "x", 2099, "abc", "", "")] * 20
    path = write_csv(tmp_path / "bad.csv", rows)
    result = run(sqlite_plan_db.url, "observe", "import", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"{path}:第3行:year:与第2行重复（江阴市 人均预期寿命 2021 年）：同一地区、指标、年份在一个文件中只能出现一次"
    assert lines[2] == f"{path}:第5行:indicator:未知指标“x”：指标目录中没有此指标"
    assert len(lines) == 52  # 50 problems, the count of the rest, the verdict
    assert lines[50] == f"{path}:……另有 32 个问题未列出"
    assert lines[51] == f"healthplan: 未导入：{path}：有 82 个错误，整个文件未导入，数据库没有任何改动"
    assert counts(sqlite_plan_db.db) == (0, 0, 0)


def test_template_command(sqlite_plan_db, tmp_path):
    result = run(sqlite_plan_db.url, "template", "--plan", str(sqlite_plan_db.plan_id),
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    made = tmp_path / result.stdout.strip()
    assert made.name == "江阴市_2021-2025_监测值填报模板.xlsx"
    assert load_workbook(made)["填报表"]["H6"].value == "2021年"
    out = tmp_path / "mine.xlsx"
    assert run(sqlite_plan_db.url, "template", "--plan", "1", "-o", str(out)).stdout.strip() == str(out)


@pytest.mark.parametrize("args, words", [
    (["observe", "import", "missing.csv"], ["missing.csv：文件不存在"]),
    (["observe", "import", "plan.docx"], ["不支持的文件类型 .docx"]),
    (["observe", "history", "火星市", "life_expectancy"], ["未知地区“火星市”"]),
    (["observe", "history", "江阴市", "人均寿命"], ["未知指标“人均寿命”"]),
    (["template", "--plan", "99"], ["规划编号 99 不存在"]),
    (["template", "--plan", "1", "-o", "t.csv"], ["须保存为 .xlsx"]),
])
def test_bad_input_is_one_line(sqlite_plan_db, tmp_path, args, words):
    assert_bad_input(run(sqlite_plan_db.url, *args, cwd=tmp_path), *words)
