"""`healthplan track list|record|history`, run as a user runs it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from tracking_helpers import TEST_SOURCE, WUXI

from cli_helpers import assert_bad_input, run_cli


def test_track_commands(db_url):
    assert run_cli("--db", db_url, "load", str(WUXI)).returncode == 0
    listed = run_cli("--db", db_url, "track", "list", "2", "--year", "2024", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["year"] == 2024 and len(data["items"]) == 123 + 14
    response = next(i for i in data["items"] if i["text"] == "急救平均反应时间≤12分钟")
    n = response["number"]
    assert (response["rule"], response["verdict"], response["latest"]) == ("≤12分钟", "no_data", None)

    def track(*args):
        return run_cli("--db", db_url, "--user", "测试员", "track", *args)

    # bad input: one line, exit 2, nothing written
    assert_bad_input(track("record", "2", "--commitment", str(n), "--year", "2024", "--value", "11.5"),
                     "缺少来源")
    assert_bad_input(track("record", "9", "--commitment", "1", "--year", "2024", "--value", "1",
                           "--source", TEST_SOURCE), "规划 9 不存在")
    assert_bad_input(track("record", "2", "--commitment", "500", "--year", "2024", "--value", "1",
                           "--source", TEST_SOURCE), "没有第 500 项承诺")
    assert_bad_input(track("record", "2", "--commitment", str(n), "--year", "2019", "--value", "1",
                           "--source", TEST_SOURCE), "不在规划期")
    assert_bad_input(track("record", "2", "--project", "1", "--year", "2024", "--value", "1",
                           "--source", TEST_SOURCE), "不记录数值")
    assert_bad_input(track("record", "2", "--commitment", str(n), "--project", "1", "--year", "2024",
                           "--value", "1", "--source", TEST_SOURCE), "只指定一项")
    assert_bad_input(track("record", "2", "--commitment", str(n), "--year", "2024",
                           "--status", "completed", "--source", TEST_SOURCE), "--value")

    done = track("record", "2", "--commitment", str(n), "--year", "2024", "--value", "11.5",
                 "--source", TEST_SOURCE, "--evidence", "120调度系统统计")
    assert done.returncode == 0, done.stderr
    assert "已记录" in done.stdout and "已达到" in done.stdout
    assert_bad_input(track("record", "2", "--commitment", str(n), "--year", "2024", "--value", "11.8",
                           "--source", TEST_SOURCE), "更正须说明原因")
    fixed = track("record", "2", "--commitment", str(n), "--year", "2024", "--value", "11.8",
                  "--source", TEST_SOURCE, "--reason", "统计口径修正")
    assert fixed.returncode == 0 and "第2版" in fixed.stdout, fixed.stderr
    assert track("record", "2", "--project", "3", "--year", "2023", "--status", "推进中",
                 "--source", TEST_SOURCE).returncode == 0

    history = track("history", "2", "--commitment", str(n))
    assert history.returncode == 0, history.stderr
    rows = [line.split("\t") for line in history.stdout.splitlines()[2:]]
    assert [(r[0], r[1], r[2], r[3], r[5], r[7]) for r in rows] == [
        ("2024", "第1版", "11.5", TEST_SOURCE, "测试员", "—"),
        ("2024", "第2版", "11.8", TEST_SOURCE, "测试员", "统计口径修正")]

    table = track("list", "2", "--year", "2024")
    assert table.returncode == 0, table.stderr
    line = next(x for x in table.stdout.splitlines() if x.startswith(f"C{n} "))
    assert "11.8分钟" in line and "已达到" in line
    assert "存在风险" in next(x for x in table.stdout.splitlines() if x.startswith("P3 "))
    assert_bad_input(track("list", "9"), "规划 9 不存在")
    assert_bad_input(track("history", "2", "--project", "40"), "没有第 40 项专栏项目")
