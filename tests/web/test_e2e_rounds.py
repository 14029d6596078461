"""End to end in headless Chromium (the server, browser and demo of test_e2e_pages): one
reporting round's whole cycle on the demo database. 无锡市's planner opens the 2025 round
for 无锡市 and its counties from the form; 江阴市's clerk enters a value flagged as an
outlier, confirms it with a comment and submits; 锡山区 submits after the deadline; the
planner returns the value with a comment beside it; the clerk corrects it and resubmits;
the planner approves; a correction of the approved value is refused (409) until the
planner withdraws the approval. The board's rates are read from the page after each
stage."""

from __future__ import annotations

from test_e2e_pages import browser, demo, log_in, new_page, server  # noqa: F401  (fixtures)
from test_rounds_api import BEDS, PEERS, _days_pass, record_values
from web_helpers import JIANGYIN

from healthplan.reporting import china_today

LATE = "320205"  # 锡山区: no plan of its own, no clerk; the admin submits for it
SOURCE = "端到端测试填报（测试数据，非真实统计）"


def board_rates(page, base, round_id):
    """(reporting rate, timeliness, overdue count) as the board page shows them."""
    page.goto(f"{base}/rounds/{round_id}")
    return (page.inner_text("#rate-reporting"), page.inner_text("#rate-timeliness"),
            page.inner_text("#overdue-count"))


def status_on_board(page, code):
    return page.get_attribute(f"#task-{code} td.status", "data-status")


def mark_the_rest_no_data(page, base, round_id, code):
    """Marks 暂无数据 for every value still empty in the task. The task page offers one
    form per value (used once in the test); the ~30 others go through the API with the
    page's own session and CSRF token (page.request), to keep the test fast."""
    csrf = page.get_attribute('#step-form input[name="csrf"]', "value")
    task = page.request.get(f"{base}/api/v1/rounds/{round_id}/tasks/{code}").json()
    for value in task["values"]:
        if value["value"] is None and not any(f["kind"] == "no_data" for f in value["flags"]):
            done = page.request.post(
                f"{base}/api/v1/rounds/{round_id}/tasks/{code}/no-data",
                headers={"X-CSRF-Token": csrf},
                data={"indicator": value["indicator_id"], "comment": "2025 年统计年报尚未公布"})
            assert done.status == 201, done.text()


def enter_value(page, base, plan_id, indicator, value, reason):
    """The plan's entry form (录入或更正数值); ticks the confirmation if warned."""
    page.goto(f"{base}/plans/{plan_id}/entry")
    page.select_option("#indicator", indicator)
    page.select_option("#year", "2025")
    page.fill("#value", value)
    page.fill("#source", SOURCE)
    page.fill("#reason", reason)
    with page.expect_navigation():
        page.click("#entry-form button[type=submit]")
    if page.locator('#entry-form input[name="confirm"]').count():
        page.check('#entry-form input[name="confirm"]')
        with page.expect_navigation():
            page.click("#entry-form button[type=submit]")


def test_a_round_from_opening_to_approval(server, demo, new_page):  # noqa: F811
    # Test data (labelled in its source): 2025 beds of five 无锡市 districts, so that
    # 江阴市's value below is far from its peers.
    record_values(demo.db, {(code, BEDS): v for code, v in PEERS.items()})

    planner = new_page()
    log_in(planner, server, "wuxi_planner")
    planner.goto(f"{server}/rounds")
    planner.select_option("#round-plan", str(demo.plans["无锡市"]))
    planner.fill("#round-year", "2025")
    planner.fill("#round-deadline", china_today().isoformat())  # the deadline is today
    assert planner.is_checked("#round-subregions")  # the form's --subregions
    planner.fill("#round-note", "2025年度监测数据填报，12月31日前报送")
    with planner.expect_navigation():
        planner.click("#round-open")
    round_id = int(planner.url.rstrip("/").rsplit("/", 1)[-1])
    assert planner.locator("#board tbody tr").count() == 8  # 无锡市 and its 7 counties
    assert board_rates(planner, server, round_id) == ("0.0%", "0.0%", "0")

    # 江阴市's clerk: the notice, a value far from its peers, the outlier confirmed.
    clerk = new_page()
    log_in(clerk, server, "jiangyin_clerk")
    clerk.goto(f"{server}/rounds")
    with clerk.expect_navigation():
        clerk.click(f'#notice-open a[href="/rounds/{round_id}/tasks/{JIANGYIN}"]')
    task_url = clerk.url
    enter_value(clerk, server, demo.plans["江阴市"], BEDS, "9.9", "2025 年统计年报录入")
    clerk.goto(task_url)
    assert "9.9" in clerk.inner_text(f"#value-{BEDS}")
    assert clerk.locator(f"#value-{BEDS} .outlier").count() >= 1
    one = clerk.locator('#remarks form:has(input[name="kind"][value="no_data"])').first
    one.locator('input[name="comment"]').fill("2025 年统计年报尚未公布")
    with clerk.expect_navigation():
        one.locator("button").click()
    assert "已标记暂无数据" in clerk.inner_text("#task-done")
    mark_the_rest_no_data(clerk, server, round_id, JIANGYIN)
    clerk.goto(task_url)
    with clerk.expect_navigation():
        clerk.click("#step-submit")  # refused: the outlier is not confirmed
    assert "已报送" not in clerk.inner_text("#task-status")
    assert clerk.locator("#task-errors").count() == 1
    clerk.fill(f"#confirm-{BEDS}", "新院区 2025 年投入使用")
    with clerk.expect_navigation():
        clerk.click(f'#remarks form:has(#confirm-{BEDS}) button')
    assert "已确认" in clerk.inner_text("#task-done")
    with clerk.expect_navigation():
        clerk.click("#step-submit")
    assert clerk.inner_text("#task-status") == "已报送"
    assert "按时报送" in clerk.inner_text("main")
    assert board_rates(planner, server, round_id) == ("12.5%", "12.5%", "0")

    # Two days pass (the round's dates are shifted back): 锡山区 submits late, and the
    # six others are overdue.
    _days_pass(demo.db, round_id, 2)
    admin = new_page()
    log_in(admin, server, "admin")
    admin.goto(f"{server}/rounds/{round_id}/tasks/{LATE}")
    mark_the_rest_no_data(admin, server, round_id, LATE)
    admin.goto(f"{server}/rounds/{round_id}/tasks/{LATE}")
    with admin.expect_navigation():
        admin.click("#step-submit")
    assert admin.inner_text("#task-status") == "已报送"
    assert "逾期报送" in admin.inner_text("main")
    assert board_rates(planner, server, round_id) == ("25.0%", "12.5%", "6")

    # The planner returns 江阴市's beds with a comment beside the value.
    planner.goto(f"{server}/rounds")
    assert planner.locator("#notice-waiting li").count() == 2
    planner.goto(task_url)
    planner.fill(f'input[name="c_{BEDS}"]', "请核对新院区床位是否已计入")
    with planner.expect_navigation():
        planner.click("#step-return")
    assert planner.inner_text("#task-status") == "已退回"
    # Returned after the deadline: 江阴市 is outstanding again (its first submission
    # still counts as on time).
    assert board_rates(planner, server, round_id) == ("12.5%", "12.5%", "7")
    assert status_on_board(planner, JIANGYIN) == "returned"

    # The clerk sees the comment beside the value, corrects it and resubmits.
    clerk.goto(f"{server}/rounds")
    assert "已退回修改" in clerk.inner_text("#notice-open")
    clerk.goto(task_url)
    assert "请核对新院区床位是否已计入" in clerk.inner_text(f"#value-{BEDS}")
    enter_value(clerk, server, demo.plans["江阴市"], BEDS, "5.6", "新院区床位重复计算，已更正")
    clerk.goto(task_url)
    assert "5.6" in clerk.inner_text(f"#value-{BEDS}")
    with clerk.expect_navigation():
        clerk.click("#step-submit")
    assert clerk.inner_text("#task-status") == "已报送"
    assert board_rates(planner, server, round_id) == ("25.0%", "12.5%", "6")

    # The planner approves; the value is locked.
    planner.goto(task_url)
    with planner.expect_navigation():
        planner.click("#step-approve")
    assert planner.inner_text("#task-status") == "已审核"
    assert board_rates(planner, server, round_id) == ("25.0%", "12.5%", "6")
    assert status_on_board(planner, JIANGYIN) == "approved"

    # A correction of the approved value: refused by the entry form (409) and the API.
    clerk.goto(task_url)
    assert "已锁定" in clerk.inner_text(f"#value-{BEDS}")
    correction = {"region": JIANGYIN, "indicator": BEDS, "year": 2025, "value": 5.7,
                  "source": SOURCE, "reason": "再次更正", "accept_warnings": True}
    csrf = clerk.get_attribute('#step-form input[name="csrf"]', "value")
    locked = clerk.request.post(f"{server}/api/v1/observations/corrections",
                                headers={"X-CSRF-Token": csrf}, data=correction)
    assert locked.status == 409, locked.text()
    assert locked.json()["approval"]["round_id"] == round_id
    clerk.goto(f"{server}/plans/{demo.plans['江阴市']}/entry")
    clerk.select_option("#indicator", BEDS)
    clerk.select_option("#year", "2025")
    clerk.fill("#value", "5.7")
    clerk.fill("#source", SOURCE)
    clerk.fill("#reason", "再次更正")
    with clerk.expect_navigation() as refused:
        clerk.click("#entry-form button[type=submit]")
    if clerk.locator('#entry-form input[name="confirm"]').count():
        clerk.check('#entry-form input[name="confirm"]')
        with clerk.expect_navigation() as refused:
            clerk.click("#entry-form button[type=submit]")
    assert refused.value.status == 409
    assert "未保存" in clerk.inner_text("#entry-errors")

    # The planner withdraws the approval with a reason; the correction then goes through.
    planner.goto(task_url)
    planner.fill("#step-comment", "发现床位口径有误")
    with planner.expect_navigation():
        planner.click("#step-withdraw")
    assert planner.inner_text("#task-status") == "已报送"
    again = clerk.request.post(f"{server}/api/v1/observations/corrections",
                               headers={"X-CSRF-Token": csrf},
                               data={**correction, "reason": "按新口径更正"})
    assert again.status == 201, again.text()
    planner.goto(task_url)
    assert "已改动 1 个数值" in planner.inner_text("#changed-since")
    assert board_rates(planner, server, round_id) == ("25.0%", "12.5%", "6")
