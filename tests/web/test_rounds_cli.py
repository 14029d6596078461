"""`healthplan round …` as the demo planner and clerk: open prints the round id, status
prints the Contract's fields, steps are taken as the --user with the roles of the web,
refusals are one line and exit status 2. The commands run in this process (the command
line's own behaviour in a process of its own is tested in tests/test_cli.py); one runs as
a user runs it."""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

from test_rounds_api import BEDS, DOCTORS, record_values
from web_helpers import JIANGYIN, WUXI, plan_id

from cli_helpers import assert_bad_input, run_cli
from healthplan.reporting import china_today


def test_round_commands(sqlite_web_db, users, capsys):
    from healthplan.cli import app
    from healthplan.cli.framework import run

    url = str(sqlite_web_db.engine.url)

    def cli(user, *args) -> subprocess.CompletedProcess:
        capsys.readouterr()
        code = run(app, ["--db", url, "--user", users[user].name, "round", *args])
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    plan = plan_id(sqlite_web_db, WUXI)
    opened = cli("planner", "open", "--plan", str(plan), "--year", "2025", "--deadline",
                 china_today().isoformat(), "--subregions", "--note", "2025年度监测数据填报",
                 "--indicator", BEDS, "--indicator", DOCTORS)
    assert opened.returncode == 0, opened.stderr
    round_id = opened.stdout.strip()
    assert round_id.isdigit()
    assert_bad_input(cli("clerk", "open", "--plan", str(plan), "--year", "2024",
                         "--deadline", "2024-12-31"), "不能", "开启")
    assert_bad_input(cli("planner", "open", "--plan", str(plan), "--year", "2025",
                         "--deadline", "2025-13-01"), "--deadline")

    assert_bad_input(cli("clerk", "submit", round_id, "--region", "江阴市"), "缺少 2 项")
    record_values(sqlite_web_db, {(JIANGYIN, BEDS): 5.6, (JIANGYIN, DOCTORS): 3.9})
    submitted = cli("clerk", "submit", round_id, "--region", "江阴市")
    assert submitted.returncode == 0, submitted.stderr
    assert "已报送" in submitted.stdout
    assert_bad_input(cli("clerk", "approve", round_id, "--region", "江阴市"), "上级")
    assert_bad_input(cli("viewer", "return", round_id, "--region", "江阴市",
                         "--comment", "x"), "只能查看")
    returned = cli("planner", "return", round_id, "--region", "江阴市",
                   "--value", f"{BEDS}=请核对床位口径")
    assert returned.returncode == 0, returned.stderr
    assert cli("clerk", "submit", round_id, "--region", "江阴市").returncode == 0
    approved = cli("planner", "approve", round_id, "--region", "江阴市")
    assert approved.returncode == 0, approved.stderr
    assert_bad_input(cli("planner", "withdraw", round_id, "--region", "江阴市"), "原因")
    assert cli("planner", "withdraw", round_id, "--region", "江阴市",
               "--comment", "口径有误").returncode == 0

    status = cli("planner", "status", round_id, "--format", "json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    jiangyin = next(t for t in data["tasks"] if t["region_code"] == JIANGYIN)
    assert set(jiangyin) == {"region_code", "region", "status", "submitted_at", "on_time",
                             "values_present", "values_expected", "flags_open"}
    assert (jiangyin["status"], jiangyin["on_time"], jiangyin["values_present"],
            jiangyin["values_expected"]) == ("submitted", True, 2, 2)
    assert data["rates"]["tasks_expected"] == len(data["tasks"]) == 8
    table = cli("planner", "status", round_id)
    assert "江阴市\t已报送" in table.stdout and "报送率 12.5%（1/8）" in table.stdout
    assert_bad_input(cli("planner", "status", "999"), "999")
    # as a user runs it, in a process of its own
    assert_bad_input(run_cli("--db", url, "--user", "nobody", "round", "submit", round_id,
                             "--region", "江阴市"), "nobody")
