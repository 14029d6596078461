"""Reporting rounds through the API on the demo database: the whole cycle on SQLite and
PostgreSQL (open, submit refused while incomplete, an outlier confirmed, return one
value, resubmit, approve, a write to the approved value refused 409 until the approval
is withdrawn, changed-since-approval), two reviewers at once, the board against a direct
count, and who may take which step (a table of step × user)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from web_helpers import JIANGYIN, LIANYUNGANG, WUXI, auth, denied_entries, plan_id

from healthplan.reporting import china_today

SOURCE = "测试数据（填报任务测试，非真实数值）"
BEDS, DOCTORS = "beds_per_1000", "physicians_per_1000"
# Made-up 2025 values of five districts of 无锡市 (labelled test data): 江阴市's 9.9 beds
# is far from them, so it is flagged against its peers.
PEERS = {"320205": 5.1, "320206": 5.3, "320211": 5.0, "320213": 5.4, "320214": 5.2}


def record_values(db, values: dict[tuple[str, str], float], year: int = 2025) -> None:
    from healthplan.store.models import Region
    from healthplan.store.observations import NewObservation, record

    with db.session() as session:
        ids = dict(session.execute(select(Region.code, Region.id)).all())
        record(session, [NewObservation(ids[code], indicator, year, value, SOURCE)
                         for (code, indicator), value in values.items()], user_id=None)


def open_wuxi(client, users, deadline=None):
    deadline = deadline or (china_today() + timedelta(days=30)).isoformat()
    response = client.post("/api/v1/rounds", headers=auth(users["planner"]), json={
        "plan": plan_id(client.app.state.db, WUXI), "year": 2025, "deadline": deadline,
        "subregions": True, "note": "2025年度监测数据填报，12月31日前报送",
        "indicators": [BEDS, DOCTORS]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def step(client, user, round_id, region, action, **body):
    return client.post(f"/api/v1/rounds/{round_id}/tasks/{region}/{action}",
                       headers=auth(user), json=body)


def task(client, user, round_id, region):
    response = client.get(f"/api/v1/rounds/{round_id}/tasks/{region}", headers=auth(user))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_whole_cycle(client, web_db, users):
    clerk, planner = users["clerk"], users["planner"]
    round_id = open_wuxi(client, users, deadline=china_today().isoformat())
    board = client.get(f"/api/v1/rounds/{round_id}", headers=auth(planner)).json()
    assert len(board["tasks"]) == 8  # 无锡市 and its seven districts and county-level cities
    assert board["rates"]["tasks_reported"] == 0

    refused = step(client, clerk, round_id, JIANGYIN, "submit")
    assert refused.status_code == 422
    assert set(refused.json()["missing"]) == {BEDS, DOCTORS}

    record_values(web_db, {**{(code, BEDS): v for code, v in PEERS.items()},
                           (JIANGYIN, BEDS): 9.9})
    no_data = client.post(f"/api/v1/rounds/{round_id}/tasks/{JIANGYIN}/no-data",
                          headers=auth(clerk), json={"indicator": DOCTORS,
                                                     "comment": "卫健统计年报 2025 年尚未公布"})
    assert no_data.status_code == 201, no_data.text
    refused = step(client, clerk, round_id, JIANGYIN, "submit")
    assert refused.status_code == 422
    assert [o["kind"] for o in refused.json()["outliers"]] == ["peers"]
    tasks = client.get(f"/api/v1/rounds/{round_id}", headers=auth(planner)).json()["tasks"]
    assert next(t for t in tasks if t["region_code"] == JIANGYIN)["flags_open"] == 1
    confirmed = client.post(f"/api/v1/rounds/{round_id}/tasks/{JIANGYIN}/confirmations",
                            headers=auth(clerk), json={"indicator": BEDS,
                                                       "comment": "新院区 2025 年投入使用"})
    assert confirmed.status_code == 201, confirmed.text
    done = step(client, clerk, round_id, JIANGYIN, "submit")
    assert done.status_code == 200, done.text
    assert done.json()["task"]["status"] == "submitted"
    assert done.json()["task"]["on_time"] is True

    # Two days pass: the deadline (today) is over when 锡山区 submits (late).
    _days_pass(web_db, round_id, 2)
    no_data = client.post(f"/api/v1/rounds/{round_id}/tasks/320205/no-data",
                          headers=auth(users["admin"]), json={"indicator": DOCTORS,
                                                              "comment": "尚未统计"})
    assert no_data.status_code == 201, no_data.text
    late = step(client, users["admin"], round_id, "320205", "submit")
    assert late.status_code == 200, late.text
    assert late.json()["task"]["on_time"] is False

    sent_back = step(client, planner, round_id, JIANGYIN, "return",
                     value_comments={BEDS: "请核对新院区床位是否已计入"})
    assert sent_back.status_code == 200, sent_back.text
    seen = task(client, clerk, round_id, JIANGYIN)
    assert seen["status"] == "returned"
    beds = next(v for v in seen["values"] if v["indicator_id"] == BEDS)
    assert any(f["kind"] == "returned" and f["status"] == "open" for f in beds["flags"])

    corrected = client.post("/api/v1/observations/corrections", headers=auth(clerk), json={
        "region": JIANGYIN, "indicator": BEDS, "year": 2025, "value": 5.6, "source": SOURCE,
        "reason": "新院区床位重复计算，已更正", "accept_warnings": True})
    assert corrected.status_code == 201, corrected.text
    assert step(client, clerk, round_id, JIANGYIN, "submit").status_code == 200
    version = task(client, planner, round_id, JIANGYIN)["version"]
    approved = step(client, planner, round_id, JIANGYIN, "approve", version=version)
    assert approved.status_code == 200, approved.text

    locked = client.post("/api/v1/observations/corrections", headers=auth(clerk), json={
        "region": JIANGYIN, "indicator": BEDS, "year": 2025, "value": 5.7, "source": SOURCE,
        "reason": "再次更正", "accept_warnings": True})
    assert locked.status_code == 409
    assert locked.json()["approval"]["round_id"] == round_id
    assert "审核" in locked.json()["detail"]

    assert step(client, clerk, round_id, JIANGYIN, "withdraw",
                comment="x").status_code == 403  # a clerk cannot withdraw an approval
    assert step(client, planner, round_id, JIANGYIN, "withdraw").status_code == 422  # no reason
    withdrawn = step(client, planner, round_id, JIANGYIN, "withdraw", comment="发现床位口径有误")
    assert withdrawn.status_code == 200, withdrawn.text
    again = client.post("/api/v1/observations/corrections", headers=auth(clerk), json={
        "region": JIANGYIN, "indicator": BEDS, "year": 2025, "value": 5.7, "source": SOURCE,
        "reason": "按新口径更正", "accept_warnings": True})
    assert again.status_code == 201, again.text
    assert task(client, planner, round_id, JIANGYIN)["changed_since_approval"] == 1

    rates = client.get(f"/api/v1/rounds/{round_id}", headers=auth(planner)).json()["rates"]
    assert rates["tasks_expected"] == 8
    assert rates["tasks_reported"] == 2  # 江阴市 (submitted again: approval withdrawn), 锡山区
    assert rates["tasks_on_time"] == 1
    assert rates["reporting_rate"] == 2 / 8 and rates["timeliness"] == 1 / 8


def _days_pass(db, round_id, days):
    """As if the round had been opened and worked on ``days`` days earlier."""
    from healthplan.store.models import ReportRound, ReportTask

    with db.session() as session:
        found = session.get(ReportRound, round_id)
        found.deadline -= timedelta(days=days)
        for item in session.scalars(select(ReportTask).where(ReportTask.round_id == round_id)):
            for name in ("first_submitted_at", "submitted_at"):
                if getattr(item, name) is not None:
                    setattr(item, name, getattr(item, name) - timedelta(days=days))


def test_two_reviewers_at_once_one_wins(sqlite_client, sqlite_web_db, users):
    """Both saw version v of the submitted task: the first step lands, the second is 409
    and changes nothing."""
    client, web_db = sqlite_client, sqlite_web_db
    round_id = open_wuxi(client, users)
    record_values(web_db, {(JIANGYIN, BEDS): 5.6, (JIANGYIN, DOCTORS): 3.9})
    assert step(client, users["clerk"], round_id, JIANGYIN, "submit").status_code == 200
    seen = task(client, users["planner"], round_id, JIANGYIN)["version"]
    first = step(client, users["planner"], round_id, JIANGYIN, "approve", version=seen)
    second = step(client, users["admin"], round_id, JIANGYIN, "return", comment="请核对",
                  version=seen)
    assert first.status_code == 200, first.text
    assert second.status_code == 409, second.text
    assert "他人" in second.json()["detail"]
    assert task(client, users["planner"], round_id, JIANGYIN)["status"] == "approved"


def test_two_open_transactions_one_wins_on_postgresql(client, web_db, users):
    """Two reviewers' transactions both read the submitted task, then both step: the
    conditional UPDATE lets one through (SQLite serialises writers from the start of a
    transaction, so there the second could not even read meanwhile)."""
    from healthplan.permissions import Principal
    from healthplan.store import rounds as store

    if web_db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock when a transaction begins")
    round_id = open_wuxi(client, users)
    record_values(web_db, {(JIANGYIN, BEDS): 5.6, (JIANGYIN, DOCTORS): 3.9})
    assert step(client, users["clerk"], round_id, JIANGYIN, "submit").status_code == 200
    planner = users["planner"]
    me = Principal(planner.id, planner.name, "planner", _region_id(web_db, WUXI))
    jiangyin = _region_id(web_db, JIANGYIN)
    first, second = web_db.sessions(), web_db.sessions()
    try:
        task_a = store.task_of(first, round_id, jiangyin)
        task_b = store.task_of(second, round_id, jiangyin)
        store.transition(first, me, task_a, "approve")
        first.commit()
        with pytest.raises(store.TaskConflict):
            store.transition(second, me, task_b, "return", comment="请核对")
        second.rollback()
    finally:
        first.close()
        second.close()
    assert task(client, planner, round_id, JIANGYIN)["status"] == "approved"


def _region_id(db, code):
    from healthplan.store.models import Region

    with db.session() as session:
        return session.scalar(select(Region.id).where(Region.code == code))


def test_board_equals_a_direct_count(sqlite_client, sqlite_web_db, users):
    from healthplan.store.models import Observation, ReportTask

    client, web_db = sqlite_client, sqlite_web_db
    round_id = open_wuxi(client, users)
    record_values(web_db, {(JIANGYIN, BEDS): 5.6, ("320205", BEDS): 5.1,
                           ("320205", DOCTORS): 3.2, (WUXI, DOCTORS): 3.6})
    record_values(web_db, {(JIANGYIN, BEDS): 5.7})  # a second version counts once
    board = client.get(f"/api/v1/rounds/{round_id}", headers=auth(users["planner"])).json()
    with web_db.session() as session:
        tasks = session.scalars(select(ReportTask).where(ReportTask.round_id == round_id)).all()
        expected = sum(len(t.indicators) for t in tasks)
        pairs = select(Observation.region_id, Observation.indicator_id).where(
            Observation.region_id.in_([t.region_id for t in tasks]),
            Observation.indicator_id.in_([BEDS, DOCTORS]),
            Observation.year == 2025).distinct().subquery()
        present = session.scalar(select(func.count()).select_from(pairs))
    assert board["rates"]["values_expected"] == expected == 16
    assert board["rates"]["values_present"] == present == 4
    assert sum(t["values_present"] for t in board["tasks"]) == present


# --------------------------------------------------------------------------- who may do what


def _lyg_round(client, users):
    response = client.post("/api/v1/rounds", headers=auth(users["admin"]), json={
        "plan": plan_id(client.app.state.db, LIANYUNGANG), "year": 2025,
        "deadline": "2025-12-31", "indicators": [BEDS]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


# step → (who may, what the refused get)
STEPS = ["open", "submit", "approve", "return", "confirm", "no_data", "bulk"]
MAY = {
    "open": {"planner", "admin"},
    "submit": {"clerk", "admin"},
    "no_data": {"clerk", "admin"},
    "confirm": set(),  # nothing to confirm: allowed users get 422, the others 403
    "approve": {"planner", "admin"},
    "return": {"planner", "admin"},
    "bulk": {"planner", "admin"},
}
ROLE_CASES = [(s, u) for s in STEPS for u in ("admin", "planner", "clerk", "clerk_lyg", "viewer")]


@pytest.mark.parametrize(("action", "user"), ROLE_CASES, ids=[f"{s}-{u}" for s, u in ROLE_CASES])
def test_steps_by_role(sqlite_client, sqlite_web_db, users, action, user):
    """A clerk cannot approve; 连云港市's clerk cannot touch 江阴市's task; a viewer
    changes nothing; each refusal is 403 and in the audit log."""
    client, who = sqlite_client, users[user]
    round_id = open_wuxi(client, users)
    record_values(sqlite_web_db, {(JIANGYIN, BEDS): 5.6, (JIANGYIN, DOCTORS): 3.9})
    if action in ("approve", "return", "bulk"):
        assert step(client, users["clerk"], round_id, JIANGYIN, "submit").status_code == 200
    denied = len(denied_entries(sqlite_web_db))
    if action == "open":
        response = client.post("/api/v1/rounds", headers=auth(who), json={
            "plan": plan_id(client.app.state.db, JIANGYIN), "year": 2024,
            "deadline": "2024-12-31"})
    elif action in ("submit", "approve", "return"):
        response = step(client, who, round_id, JIANGYIN, action, comment="请核对")
    elif action in ("confirm", "no_data"):
        path = "confirmations" if action == "confirm" else "no-data"
        response = client.post(f"/api/v1/rounds/{round_id}/tasks/{JIANGYIN}/{path}",
                               headers=auth(who), json={"indicator": BEDS, "comment": "说明"})
    else:
        response = client.post(f"/api/v1/rounds/{round_id}/bulk-approve", headers=auth(who))
    if user in MAY[action]:
        assert response.status_code in (200, 201), response.text
        return
    if action == "confirm" and user in ("clerk", "admin"):
        assert response.status_code == 422, response.text  # allowed, but no outlier
        return
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    entries = denied_entries(sqlite_web_db)
    assert len(entries) == denied + 1 and entries[-1].user_id == who.id


def test_planner_cannot_approve_another_citys_task(sqlite_client, sqlite_web_db, users):
    round_id = _lyg_round(sqlite_client, users)
    record_values(sqlite_web_db, {(LIANYUNGANG, BEDS): 6.3})
    assert step(sqlite_client, users["clerk_lyg"], round_id, LIANYUNGANG,
                "submit").status_code == 200
    refused = step(sqlite_client, users["planner"], round_id, LIANYUNGANG, "approve")
    assert refused.status_code == 403
    assert step(sqlite_client, users["clerk"], round_id, LIANYUNGANG, "submit").status_code in (
        403, 422)
    assert step(sqlite_client, users["admin"], round_id, LIANYUNGANG,
                "approve").status_code == 200


def test_import_of_an_approved_value_is_refused(sqlite_client, sqlite_web_db, users, tmp_path):
    from healthplan.imports import ImportConflict, import_observations

    round_id = _lyg_round(sqlite_client, users)
    record_values(sqlite_web_db, {(LIANYUNGANG, BEDS): 6.3})
    assert step(sqlite_client, users["clerk_lyg"], round_id, LIANYUNGANG,
                "submit").status_code == 200
    assert step(sqlite_client, users["admin"], round_id, LIANYUNGANG,
                "approve").status_code == 200
    path = tmp_path / "填报.csv"
    path.write_text(f"region,indicator,year,value,source\n{LIANYUNGANG},{BEDS},2025,6.4,{SOURCE}\n",
                    encoding="utf-8")
    with pytest.raises(ImportConflict) as refused:
        import_observations(sqlite_web_db, path, user_id=users["clerk_lyg"].id,
                            accept_warnings=True)
    assert "第 2 行" in refused.value.problem and "审核" in refused.value.problem
