"""End to end in headless Chromium (the server, browser and demo of test_e2e_pages): 无锡市's
planner uploads a small 宜兴市 plan whose first row the reader flags doubtful, sees it
marked beside the source lines, corrects the flagged cell, stores the plan and opens its
dashboard; the admin finds the correction in the audit log. A file with no indicator table
gets one message and stores nothing. A scanned plan (one page, generated) shows its page
image beside the table, its doubtful cells marked in colour and words; one is corrected and
the correction is in the audit log."""

from __future__ import annotations

from plan_upload_support import NO_TABLE, YIXING_PLAN, scanned_plan
from sqlalchemy import func, select
from test_e2e_pages import browser, demo, log_in, new_page, server  # noqa: F401  (fixtures)

from healthplan.store.models import AuditEntry, Plan, Target


def plan_count(demo) -> int:  # noqa: F811
    with demo.db.session() as session:
        return session.scalar(select(func.count(Plan.id)))


def test_planner_reviews_corrects_and_stores_a_plan(server, demo, new_page, tmp_path):  # noqa: F811
    page = new_page()
    log_in(page, server, "wuxi_planner")
    page.click("nav >> text=上传规划")
    page.wait_for_url(f"{server}/plan-upload")

    # A file without an indicator table: one message, nothing stored.
    empty = tmp_path / "无指标表.txt"
    empty.write_text(NO_TABLE, encoding="utf-8")
    before = plan_count(demo)
    page.set_input_files("#file", str(empty))
    page.click("#plan-upload-form button[type=submit]")
    error = page.locator("#plan-upload-error")
    error.wait_for()
    assert "未找到本期规划指标表" in error.inner_text()
    assert plan_count(demo) == before

    plan_file = tmp_path / "宜兴市卫生健康发展规划.txt"
    plan_file.write_text(YIXING_PLAN, encoding="utf-8")
    page.set_input_files("#file", str(plan_file))
    page.click("#plan-upload-form button[type=submit]")
    page.locator("#plan-review-form").wait_for()

    # The doubtful row is marked in colour and in words; the others are not.
    rows = page.locator("#review-table-0 tbody tr")
    assert rows.count() == 3
    flagged = page.locator("#review-table-0 tbody tr.doubtful")
    assert flagged.count() == 1
    assert "存疑" in flagged.inner_text() and "切分" in flagged.inner_text()
    colour = flagged.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    plain = rows.nth(1).locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert colour != plain
    assert "78.3 ≥79" in page.locator("#line-6").inner_text()  # the source line beside
    assert page.locator("#source-lines").is_visible()

    target = flagged.locator('input[name="cell-0-0-target"]')
    assert target.input_value() == "≥79"
    target.fill("≥80")
    page.click("#store")
    result = page.locator("#plan-upload-result")
    result.wait_for()
    assert "更正为“≥80”" in result.inner_text()
    assert plan_count(demo) == before + 1
    page.click("#plan-upload-result >> text=查看监测总览")
    page.wait_for_url(f"{server}/plans/*")
    plan_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    assert "宜兴市" in page.inner_text("body")
    with demo.db.session() as session:
        stored = session.scalar(select(Target).where(Target.plan_id == plan_id,
                                                     Target.indicator_id == "life_expectancy"))
        assert stored.target_text == "≥80"
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "correct_plan_cell",
                                                        AuditEntry.object_id == plan_id))
        assert entry.user_id == demo.users["wuxi_planner"]

    admin = new_page()
    log_in(admin, server, "admin")
    admin.goto(f"{server}/admin/audit?action=correct_plan_cell")
    audit = admin.locator("#audit tbody").inner_text()
    assert "无锡市规划科" in audit and "读取为“≥79”，更正为“≥80”" in audit


def test_planner_corrects_a_flagged_cell_of_a_scanned_plan(server, demo, new_page, tmp_path):  # noqa: F811
    """One page of OCR: the page image is shown (rendered by the server, inline), the cells
    OCR doubts are marked by colour and by the words "⚠ 存疑"; the planner corrects the
    unit read as "0%" to "‰" and stores; the audit log has it."""
    page = new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, server, "wuxi_planner")
    page.goto(f"{server}/plan-upload")
    scan = scanned_plan(tmp_path / "宜兴市规划扫描件.pdf")
    page.set_input_files("#file", str(scan))
    # OCR of the page takes seconds (more on a loaded machine): wait for the answer, not
    # for the click's navigation (30 s by default).
    page.click("#plan-upload-form button[type=submit]", no_wait_after=True)
    page.locator("#plan-review-form").wait_for(timeout=120_000)

    image = page.locator("#scan-page-1 img")
    assert image.get_attribute("src").startswith("data:image/png;base64,")
    assert image.evaluate("img => img.complete && img.naturalWidth") > 500  # really drawn
    assert "第 1 页" in page.locator("#scan-page-1 figcaption").inner_text()
    flagged = page.locator("#review-table-0 td.flag")
    assert flagged.count() >= 1
    unit = page.locator('#review-table-0 input[name="cell-0-2-unit"]')
    assert unit.input_value() == "0%"
    cell = page.locator("#review-table-0 td.flag", has=page.locator('input[name="cell-0-2-unit"]'))
    assert "⚠ 存疑" in cell.inner_text()  # the word, not only the colour
    plain = page.locator('#review-table-0 td:has(input[name="cell-0-1-unit"])')
    assert "存疑" not in plain.inner_text()
    style = "td => getComputedStyle(td).backgroundColor"
    assert cell.evaluate(style) != plain.evaluate(style)
    page.screenshot(path=str(tmp_path / "review-1440.png"))
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the image under the table
    assert image.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page
    page.screenshot(path=str(tmp_path / "review-390.png"), full_page=True)

    unit.fill("‰")
    if page.locator("#replace").count():  # 宜兴市's plan stored by the test above
        page.check("#replace")
    page.click("#store", no_wait_after=True)  # the file is read (OCR) again
    result = page.locator("#plan-upload-result")
    result.wait_for(timeout=120_000)
    assert "更正为“‰”" in result.inner_text()
    with demo.db.session() as session:
        plan_id = session.scalar(select(func.max(Plan.id)))
        stored = session.scalar(select(Target).where(Target.plan_id == plan_id,
                                                     Target.indicator_id == "infant_mortality"))
        assert stored is not None and stored.unit == "‰"
    admin = new_page()
    log_in(admin, server, "admin")
    admin.goto(f"{server}/admin/audit?action=correct_plan_cell")
    audit = admin.locator("#audit tbody").inner_text()
    assert "读取为“0%”，更正为“‰”" in audit
