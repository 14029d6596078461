"""The pages of reporting rounds on the demo database (SQLite): a planner opens a round
from the form, the clerk sees the notice, marks 暂无数据, submits from the task page; the
planner sees the task waiting, returns one value with a comment beside it, the clerk
sees it; the board shows the rates and exports the overdue list; a viewer's step is a
403 page and changes nothing."""

from __future__ import annotations

from pages_support import csrf_of, log_in
from test_rounds_api import BEDS, record_values
from web_helpers import JIANGYIN, WUXI, plan_id

from healthplan.reporting import china_today


def test_round_pages(sqlite_client, sqlite_web_db, users):
    client = sqlite_client
    log_in(client, users["planner"].name, users["planner"].password)
    page = client.get("/rounds")
    assert page.status_code == 200 and "开启填报任务" in page.text
    opened = client.post("/rounds", data={
        "plan": str(plan_id(sqlite_web_db, JIANGYIN)), "year": "2025",
        "deadline": china_today().isoformat(), "note": "2025年度监测数据填报",
        "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert opened.status_code == 303, opened.text[:300]
    board_url = opened.headers["location"]
    board = client.get(board_url)
    assert "江阴市" in board.text and 'id="rate-reporting">0.0%' in board.text
    bad = client.post("/rounds", data={"plan": str(plan_id(sqlite_web_db, WUXI)), "year": "2025",
                                       "deadline": "12/31", "csrf": csrf_of(page.text)})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text

    client.cookies.clear()
    log_in(client, users["clerk"].name, users["clerk"].password)
    assert "待填报的任务" in client.get("/rounds").text
    assert 'id="notice-open"' in client.get("/").text  # the first page after login says so too
    task_url = f"{board_url}/tasks/{JIANGYIN}"
    task = client.get(task_url)
    assert task.status_code == 200 and 'id="step-submit"' in task.text
    record_values(sqlite_web_db, {(JIANGYIN, BEDS): 5.6})
    from sqlalchemy import select

    from healthplan.store.models import ReportTask
    with sqlite_web_db.session() as session:
        required = session.scalars(select(ReportTask.indicators)).first()
    for indicator in required:
        if indicator != BEDS:
            marked = client.post(f"{task_url}/remark", data={
                "kind": "no_data", "indicator": indicator, "comment": "年报未公布",
                "csrf": csrf_of(task.text)}, follow_redirects=False)
            assert marked.status_code == 303, marked.text[:300]
    task = client.get(task_url)
    done = client.post(f"{task_url}/step", data={"action": "submit", "comment": "",
                                                 "csrf": csrf_of(task.text)},
                       follow_redirects=True)
    assert "已报送" in done.text, done.text[:2000]

    client.cookies.clear()
    log_in(client, users["viewer"].name, users["viewer"].password)
    task = client.get(task_url)
    refused = client.post(f"{task_url}/step", data={"action": "approve",
                                                    "csrf": csrf_of(task.text)})
    assert refused.status_code == 403

    client.cookies.clear()
    log_in(client, users["planner"].name, users["planner"].password)
    assert "待审核的任务" in client.get("/rounds").text
    assert 'id="notice-waiting"' in client.get("/").text
    task = client.get(task_url)
    returned = client.post(f"{task_url}/step", data={
        "action": "return", f"c_{BEDS}": "请核对床位口径", "csrf": csrf_of(task.text)},
        follow_redirects=True)
    assert "已退回" in returned.text and "请核对床位口径" in returned.text
    board = client.get(board_url + "?sort=status&desc=1")
    assert board.status_code == 200
    overdue = client.get(board_url.replace("/rounds/", "/api/v1/rounds/") + "/board.xlsx?overdue=true")
    assert overdue.status_code == 200 and overdue.content[:2] == b"PK"
    review = client.get(board_url + "/review.xlsx")
    assert review.status_code == 200 and review.content[:2] == b"PK"

