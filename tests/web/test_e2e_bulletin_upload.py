"""End to end in headless Chromium (the server, browser and demo of test_e2e_pages): 江阴市's
clerk uploads the city's bulletin, sees each candidate beside its sentence with the figure
marked, edits one value, rejects one, imports the rest as one batch; the admin finds the
batch in the audit log."""

from __future__ import annotations

from sqlalchemy import select
from test_e2e_pages import browser, demo, log_in, new_page, server  # noqa: F401  (fixtures)

from healthplan.store.models import ImportBatch, Observation

BULLETIN = """江阴市2021年国民经济和社会发展统计公报
江阴市统计局　2022年3月15日

全市人均预期寿命达到82.49岁。
婴儿死亡率和5岁以下儿童死亡率分别为2.57‰和3.52‰。
年末全市共有开放床位9683张，卫生技术人员12415人，比上年增加420人。
"""


def test_clerk_reviews_edits_rejects_and_imports_a_bulletin(server, demo, new_page, tmp_path):  # noqa: F811
    page = new_page()
    log_in(page, server, "jiangyin_clerk")
    page.click("nav >> text=读取统计公报")
    page.wait_for_url(f"{server}/bulletin-upload")
    path = tmp_path / "江阴市2021年统计公报.txt"
    path.write_text(BULLETIN, encoding="utf-8")
    page.set_input_files("#file", str(path))
    page.click("#bulletin-form button[type=submit]")
    page.locator("#bulletin-review").wait_for()
    rows = page.locator("#candidates tbody tr")
    assert rows.count() == 3  # no count or difference
    assert page.locator("#candidate-0 mark").inner_text() == "82.49"
    assert "分别为" in page.locator("#candidate-1 .quote").inner_text()
    page.fill('input[name="value-1"]', "2.6")
    page.select_option('select[name="action-2"]', "reject")
    page.click("#bulletin-import")
    done = page.locator("#bulletin-done")
    done.wait_for()
    text = done.inner_text()
    assert "新增 2 条" in text and "未导入的候选监测值：1 条" in text
    with demo.db.session() as session:
        batch = session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
        assert (batch.format, batch.rows) == ("bulletin", 2)
        values = {o.indicator_id: o.value for o in session.scalars(
            select(Observation).where(Observation.import_id == batch.id))}
        assert values == {"life_expectancy": 82.49, "infant_mortality": 2.6}
        batch_id = batch.id
    admin = new_page()
    log_in(admin, server, "admin")
    admin.goto(f"{server}/admin/audit?action=import")
    audit = admin.locator("#audit tbody").inner_text()
    assert "江阴市2021年统计公报.txt" in audit and "新增 2 条" in audit
    admin.screenshot(path=str(tmp_path / "audit.png"))
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{server}/bulletin-upload")
        page.set_input_files("#file", str(path))
        page.click("#bulletin-form button[type=submit]")
        page.locator("#bulletin-review").wait_for()
        page.screenshot(path=str(tmp_path / f"bulletin_{width}.png"), full_page=True)
    assert batch_id
