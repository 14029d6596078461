"""The regional matrix and the watch list: store, API (contract, rights), pages and the
Excel export, on the demo database plus TEST DATA for 江阴市 (tests/web/matrix_support.py)."""

from __future__ import annotations

import io

import pytest
from matrix_support import TEST_SOURCE, record_test_series
from web_helpers import auth


@pytest.fixture
def data_db(sqlite_web_db):
    record_test_series(sqlite_web_db)
    return sqlite_web_db


@pytest.fixture
def data_client(data_db):
    from fastapi.testclient import TestClient
    from web_helpers import make_app

    with TestClient(make_app(data_db), raise_server_exceptions=False) as c:
        yield c


def _wuxi(db) -> int:
    from sqlalchemy import select

    from healthplan.store.models import Plan, Region

    with db.session() as session:
        return session.scalar(select(Plan.id).join(Region, Region.id == Plan.region_id).where(
            Region.code == "320200", Plan.period_start == 2021))


def test_matrix_matches_the_dashboard_and_keeps_absent_apart(data_db):
    from healthplan.store.evaluation import evaluate_stored_plan
    from healthplan.store.matrix import plan_matrix

    wuxi = _wuxi(data_db)
    with data_db.session() as session:
        m = plan_matrix(session, wuxi)
        assert m.year == 2023  # the counties' own newest year, not the national 2025
        [row] = m.rows
        assert row.region == "江阴市"
        ev = evaluate_stored_plan(session, row.plan_id, 2023)
        by_id = {t.indicator_id: t for t in ev.targets if t.indicator_id}
        assert set(row.cells) == set(by_id)
        for indicator_id, cell in row.cells.items():
            assert cell.verdict == by_id[indicator_id].verdict
            assert cell.value == by_id[indicator_id].latest_value
        # 江阴市's plan lacks 健康预期寿命 (无锡市 sets it): absent, not no data
        assert any(c.id == "healthy_life_expectancy" for c in m.columns)
        assert "healthy_life_expectancy" not in row.cells
        # binding columns first
        flags = [c.binding for c in m.columns]
        assert flags == sorted(flags, reverse=True)
        gps = row.cells["gps_per_10000"]
        assert (gps.verdict, gps.warning, gps.since, gps.value) == ("off_track", "red", 2021, 3.72)
        oop = row.cells["out_of_pocket_share"]  # missed in 2021, at risk since: still red
        assert (oop.verdict, oop.warning, oop.since) == ("at_risk", "red", 2021)
        assert row.cells["elderly_health_management"].warning == "green"  # caught up in 2022


def test_matrix_api_contract(data_client, data_db, users):
    wuxi = _wuxi(data_db)
    r = data_client.get(f"/api/v1/plans/{wuxi}/matrix?year=2022", headers=auth(users["planner"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"year", "indicators", "regions"} and body["year"] == 2022
    assert set(body["indicators"][0]) == {"id", "name", "unit", "attribute"}
    [region] = body["regions"]
    assert set(region) == {"region_code", "region", "plan_id", "cells"}
    assert region["region_code"] == "320281"
    cell = region["cells"]["gps_per_10000"]
    assert cell == {"verdict": "at_risk", "value": 3.75, "year": 2022, "warning": "red"}
    assert "healthy_life_expectancy" not in region["cells"]
    # rights as for the plan: 连云港市's clerk may not see 无锡市's plan
    r = data_client.get(f"/api/v1/plans/{wuxi}/matrix", headers=auth(users["clerk_lyg"]))
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem")
    r = data_client.get(f"/api/v1/plans/{wuxi}/matrix?year=2040", headers=auth(users["planner"]))
    assert r.status_code == 422
    assert data_client.get("/api/v1/plans/99999/matrix",
                           headers=auth(users["planner"])).status_code == 404


def test_watch_list_api_follows_read_rights(data_client, users):
    r = data_client.get("/api/v1/warnings?level=red&year=2023", headers=auth(users["planner"]))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["region"], i["indicator_id"], i["since"]) for i in items] == [
        ("江阴市", "gps_per_10000", 2021), ("江阴市", "out_of_pocket_share", 2021)]
    assert all(i["attribute"] == "约束性" and i["explanation"] for i in items)
    r = data_client.get("/api/v1/warnings?level=red&year=2023", headers=auth(users["clerk_lyg"]))
    assert r.json()["items"] == []
    assert data_client.get("/api/v1/warnings?level=pink",
                           headers=auth(users["planner"])).status_code == 422


def _login(client, user) -> None:
    from pages_support import log_in

    log_in(client, user.name, user.password)


def test_matrix_page_filters_and_exports_the_same_numbers(data_client, data_db, users):
    from openpyxl import load_workbook

    wuxi = _wuxi(data_db)
    _login(data_client, users["planner"])
    r = data_client.get(f"/plans/{wuxi}/matrix?year=2023&warning=red&attribute=约束性")
    assert r.status_code == 200, r.text
    html = r.text
    assert "江阴市" in html and "进度滞后" in html and "红色" in html
    assert 'data-indicator="gps_per_10000"' in html
    assert 'data-indicator="maternal_system_management"' not in html  # green: filtered out
    wb = load_workbook(io.BytesIO(data_client.get(
        f"/plans/{wuxi}/matrix.xlsx?year=2023&warning=red&attribute=约束性").content))
    ws = wb["区域对比"]
    header = [c.value for c in ws[2]]
    rows = {(r[0], r[2]): r for r in ws.iter_rows(min_row=4, values_only=True)}
    k = header.index("每万人口全科医生数（人/万人）")
    assert rows[("江阴市", "最新值")][k] == 3.72  # a number, not text
    assert rows[("江阴市", "结论")][k] == "进度滞后"
    assert rows[("江阴市", "预警")][k].startswith("红色")
    sources = [r for r in wb["数据来源"].iter_rows(values_only=True) if r[1]]
    assert any(r[4] == TEST_SOURCE for r in sources)
    assert wb["排名"].max_row > 1
    # the ranking chart, with the verdict written, and its SVG download
    r = data_client.get(f"/plans/{wuxi}/matrix/ranking?indicator=gps_per_10000&year=2023")
    assert r.status_code == 200 and "<svg" in r.text and "进度滞后" in r.text
    assert "无锡市目标" in r.text
    r = data_client.get(f"/plans/{wuxi}/matrix/ranking.svg?indicator=gps_per_10000&year=2023")
    assert r.headers["content-type"].startswith("image/svg+xml") and b"3.72" in r.content
    assert data_client.get(f"/plans/{wuxi}/matrix?verdict=bad").status_code == 400


def test_watch_list_page_and_export(data_client, users):
    from openpyxl import load_workbook

    _login(data_client, users["planner"])
    r = data_client.get("/warnings?year=2023")
    assert r.status_code == 200 and "毎万人口全科医生数" in r.text and "自2021年起预警" in r.text
    wb = load_workbook(io.BytesIO(data_client.get("/warnings.xlsx?year=2023").content))
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[4], r[7]) for r in rows] == [
        ("江阴市", "毎万人口全科医生数", 2021), ("江阴市", "个人卫生支出占卫生总费用比重", 2021)]


def test_tracked_items_collapsed_on_the_dashboard_and_paged_on_their_own_page(
        data_client, data_db, users):
    wuxi = _wuxi(data_db)
    _login(data_client, users["planner"])
    html = data_client.get(f"/plans/{wuxi}").text
    assert '<details id="tracked-all">' in html  # closed by default
    assert f'href="/plans/{wuxi}/tracked?year=' in html
    r = data_client.get(f"/plans/{wuxi}/tracked?kind=project")
    assert r.status_code == 200
    rows = r.text.count('<tr data-kind="project"')
    assert rows and 'data-kind="commitment"' not in r.text
    r = data_client.get(f"/plans/{wuxi}/tracked?page_no=2")
    assert r.status_code == 200 and "第 2 / " in r.text
    assert data_client.get(f"/plans/{wuxi}/tracked?verdict=bad").status_code == 400
