"""One rule for the evaluation year: the default (the newest year in the period with data
for the plan) and the years that may be asked for (base year to the year after the
period), the same in `evaluate`, `report`, the API, the dashboard, its tracked section,
the mid-term report and the entry form."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cli_helpers import assert_bad_input, run_cli
from healthplan.demo import build_demo
from healthplan.imports import import_observations
from healthplan.reports.content import ReportError, build_report
from healthplan.store.database import open_database
from healthplan.store.evaluation import YearOutOfRange, default_year, evaluate_stored_plan
from healthplan.store.models import Plan
from healthplan.store.progress import tracked_items
from healthplan.store.regions import find_region
from healthplan.store.users import add_user, ensure_user

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from pages_support import PASSWORD, log_in  # noqa: E402

CLERK_SOURCE = "江阴市2024年卫生健康统计年报"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo (national figures to 2024) and a clerk's 2024 value for 江阴市."""
    folder = tmp_path_factory.mktemp("years")
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    db = open_database(url)
    build_demo(db)
    csv = folder / "jiangyin.csv"
    csv.write_text("region,indicator,year,value,source\n"
                   f"320281,life_expectancy,2024,82.4,{CLERK_SOURCE}\n", encoding="utf-8")
    import_observations(db, csv, user_id=ensure_user(db.sessions, "clerk"), accept_warnings=True)
    with db.session() as session:
        region = find_region(session, "江阴市").id
        plan_id = session.scalar(select(Plan.id).where(Plan.region_id == region,
                                                       Plan.period_start == 2021))
        add_user(session, "planner_y", PASSWORD, role="admin")
    yield db, url, plan_id
    db.close()


def test_the_default_year_is_the_newest_with_data_everywhere(demo):
    db, _, plan_id = demo
    with db.session() as session:
        plan = session.get(Plan, plan_id)
        assert default_year(session, plan) == 2024
        assert evaluate_stored_plan(session, plan_id).year == 2024
        items = tracked_items(session, plan_id)
        assert items and {i.year for i in items} == {2024}  # not today's year
        assert build_report(session, plan_id, "annual").year == 2024
        assert build_report(session, plan_id, "final").year == 2025


def test_the_midterm_report_has_the_clerks_latest_values(demo):
    db, _, plan_id = demo
    with db.session() as session:
        report = build_report(session, plan_id, "midterm")
    assert report.year == 2024
    life = next(s for s in report.indicators if s.indicator_id == "life_expectancy")
    assert (life.latest_year, life.latest_value, life.latest_source) == (2024, 82.4, CLERK_SOURCE)


def test_years_outside_the_plan_are_refused_the_same_way(demo):
    db, url, plan_id = demo
    with db.session() as session:
        for year in (1999, 2019, 2027, 2030):
            with pytest.raises(YearOutOfRange, match=f"年份 {year} 不在规划期 2021–2025 内"):
                evaluate_stored_plan(session, plan_id, year)
            with pytest.raises(ReportError, match=f"年份 {year} 不在规划期"):
                build_report(session, plan_id, "annual", year)
        assert evaluate_stored_plan(session, plan_id, 2020).year == 2020  # the base year
        assert evaluate_stored_plan(session, plan_id, 2026).year == 2026  # final figures
    for year in ("1999", "2030"):
        assert_bad_input(run_cli("--db", url, "evaluate", "--plan", str(plan_id),
                                 "--year", year), "--year", f"年份 {year} 不在规划期", "2020—2026")
    assert run_cli("--db", url, "evaluate", "--plan", str(plan_id), "--year", "2026"
                   ).returncode == 0


@pytest.fixture(scope="module")
def client(demo):
    from fastapi.testclient import TestClient

    from healthplan.web.app import create_app
    from healthplan.web.settings import Settings

    app = create_app(demo[0], Settings(secret_key="test-secret-" + "x" * 32))
    with TestClient(app) as client:
        log_in(client, "planner_y")
        yield client


def test_dashboard_and_its_tracked_section_agree(demo, client):
    page = client.get(f"/plans/{demo[2]}").text
    assert re.search(r'<option value="2024" selected>', page)
    assert "2024 年评价" in page and "2025 年评价" not in page


def test_the_entry_form_preselects_the_evaluation_year(demo, client):
    page = client.get(f"/plans/{demo[2]}/entry").text
    assert re.search(r'<option value="2024" selected>', page), page[:2000]
    assert not re.search(r'<option value="2020" selected>', page)


def test_the_api_refuses_a_year_outside_the_plan(demo, client):
    answer = client.get(f"/api/v1/plans/{demo[2]}/evaluation", params={"year": 1999})
    assert answer.status_code == 422
    assert "不在规划期" in answer.json()["detail"]
    assert client.get(f"/api/v1/plans/{demo[2]}/evaluation").json()["year"] == 2024
