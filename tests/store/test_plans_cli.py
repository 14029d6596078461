"""The plan commands as a user runs them: load, plans, evaluate, regions, demo."""

from __future__ import annotations

import json

import pytest

from cli_helpers import assert_bad_input, run_cli
from healthplan.samples import sample_paths

WUXI, JIANGYIN = sample_paths()[0], sample_paths()[1]


def run(db_url, *args):
    return run_cli("--db", db_url, *args)



def test_load_then_evaluate(db_url):
    first = run(db_url, "load", str(WUXI))
    assert first.returncode == 0, first.stderr
    assert "已载入上期规划（据完成情况表重建） 1：" in first.stdout
    assert "已载入规划 2：无锡市“十四五”卫生健康发展规划（无锡市，2021–2025，正式稿）" in first.stdout
    assert "完成值 19 条记为监测值" in first.stdout
    again = run(db_url, "load", str(WUXI), "-q")
    assert again.returncode == 0 and again.stdout.strip() == "2"

    result = run(db_url, "evaluate", "--plan", "1", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["year"] == 2020 and data["counts"] == {"achieved": 19}
    assert data["targets"][0]["explanation"].startswith("2020年评价：")

    table = run(db_url, "evaluate", "--plan", "1")
    assert "人均期望寿命" in table.stdout and "已达到" in table.stdout
    assert "说明：" in table.stdout and "数据来源：《无锡市“十四五”卫生健康发展规划》表1" in table.stdout


def test_plans_lists_the_hierarchy(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    assert run(url, "load", str(JIANGYIN)).returncode == 0
    assert run(url, "load", str(WUXI)).returncode == 0
    listing = run(url, "plans").stdout
    lines = [line for line in listing.splitlines() if "2021–2025" in line]
    assert lines[0].split()[0] == "3" and lines[1].split()[0] == "1"  # city first, county under it
    assert "\t  江苏省无锡市江阴市" in lines[1]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    assert run(url, "plans").returncode == 0  # create it first: its notice is not an error
    assert_bad_input(run(url, "evaluate", "--plan", "7"), "规划 7 不存在")
    assert_bad_input(run(url, "load", str(tmp_path / "无此文件.txt")), "无此文件.txt", "不存在")
    notice = tmp_path / "通知.txt"
    notice.write_text("关于做好卫生健康工作的通知\n请认真贯彻执行。\n", encoding="utf-8")
    assert_bad_input(run(url, "load", str(notice)), "通知.txt", "未找到本期规划指标表")
    assert_bad_input(run(url, "load", str(JIANGYIN), "--region", "鼓楼区"), "对应多个地区")
    assert_bad_input(run(url, "regions", "火星市"), "未知地区")
    assert_bad_input(run("postgresql://nobody@127.0.0.1:1/none", "plans"), "无法连接数据库")
    # a year is judged against the plan's period (tests/store/test_years.py): no plan, no year
    assert_bad_input(run(url, "evaluate", "--plan", "1", "--year", "20"), "规划 1 不存在")


def test_a_new_database_says_where_it_is(tmp_path):
    path = tmp_path / "new.sqlite3"
    result = run(str(path), "regions", "江阴市")
    assert result.returncode == 0
    assert f"已新建数据库：SQLite 文件 {path}" in result.stderr
    assert result.stdout.startswith("320281　江苏省无锡市江阴市（县级）")
    assert "已新建" not in run(str(path), "regions", "320200").stderr


def test_demo_builds_and_evaluates_the_sample(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = run(url, "demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "已载入规划 8 个" in out and "全国数据 32 条" in out
    for title in ("无锡市“十四五”卫生健康发展规划", "江阴市“十四五”卫生健康事业发展规划",
                  "吴中区“十四五”卫生健康规划", "埇桥区卫生健康事业发展“十四五”规划",
                  "连云港市“十四五”卫生健康发展规划", "无锡市“十三五”规划（据《无锡市“十四五”卫生健康发展规划》表1重建）"):
        assert title in out
    assert "合计 19 项：已达到 19" in out  # 无锡市's 十三五 table, judged on its 2020 actuals
    assert "《2024年我国卫生健康事业发展统计公报》" in out
    assert "下级规划 3 江阴市" in out
    # Run twice: idempotent
    again = run(url, "demo")
    assert again.returncode == 0 and "已载入规划 8 个" in again.stdout


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_demo_on_postgresql(db_url):
    result = run(db_url, "demo")
    assert result.returncode == 0, result.stderr
    assert "PostgreSQL 127.0.0.1:5432/test" in result.stdout and "合计 19 项：已达到 19" in result.stdout
