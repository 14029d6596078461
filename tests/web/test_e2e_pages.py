"""End to end in headless Chromium against a real server (uvicorn on a loopback port, a
temporary demo database): a county clerk uploads a template with one bad row, sees the
row named, fixes it, sees the dashboard change and corrects a value; a clerk of another
region is refused. The run takes screenshots of the dashboard and an indicator page into
its temporary folder; ``scripts/docs_images.py`` runs it to make docs/web-*.png.

Needs the system Chromium (``apt-get install chromium``) and the Playwright Python
package; without them the tests skip with the reason. No browser is downloaded.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from pages_support import PASSWORD, app_for, build_demo_with_users


def images_dir(tmp_path: Path) -> Path:
    """Where a test puts its screenshots: its temporary folder, or the folder
    scripts/docs_images.py names when it makes the documentation images on purpose."""
    return Path(os.environ.get("HEALTHPLAN_DOCS_IMAGES") or tmp_path)

TEST_SOURCE = "端到端测试填报（测试数据，非真实统计）"

# Values a clerk of 江阴市 fills in for 2021–2023 (test data: the source says so).
VALUES = {
    "life_expectancy": (82.55, 82.71, 82.86),
    "infant_mortality": (2.3, 2.21, 2.05),
    "health_literacy": (31.2, 32.6, 33.1),
    "smoking_rate_15plus": (21.6, 21.4, 21.3),
    "beds_per_1000": (5.7, 5.8, 5.9),
    "physicians_per_1000": (3.05, 3.2, 3.35),
    "gps_per_10000": (3.9, 4.1, 4.3),
    "maternal_system_management": (93.1, 94.0, 94.6),
    "immunization_coverage": (99.5, 99.6, 99.6),
    "elderly_health_management": (72.5, 71.2, 69.8),
    "tertiary_hospital_avg_stay": (7.9, 7.8, 7.6),
    "out_of_pocket_share": (20.8, 20.5, 20.3),
}
BAD = ("health_literacy", 2023, 0.331)  # a share typed as a fraction: about ×100 off


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = chromium_path()


def no_browser(reason: str):
    """Skip with the reason, or fail where the browser must be there (.ci/run sets
    HEALTHPLAN_REQUIRE_BROWSER, so these tests cannot silently skip in CI)."""
    if os.environ.get("HEALTHPLAN_REQUIRE_BROWSER"):
        pytest.fail(reason + " (HEALTHPLAN_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    demo = build_demo_with_users(tmp_path_factory.mktemp("e2e") / "demo.sqlite3")
    yield demo
    demo.db.close()


@pytest.fixture(scope="module")
def server(demo):
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app_for(demo), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        no_browser("no system Chromium (apt-get install chromium); CI installs it")
    try:
        from playwright import sync_api
    except ImportError:
        no_browser("playwright is not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN",
                                      accept_downloads=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def fill_template(path: Path, values: dict, bad: tuple | None = None) -> dict[str, int]:
    """Fill a downloaded template; the sheet row of each indicator."""
    from openpyxl import load_workbook

    from healthplan.imports.template import HEADER_ROW, SHEET

    workbook = load_workbook(path)
    sheet = workbook[SHEET]
    headers = {sheet.cell(HEADER_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
    rows = {sheet.cell(r, 1).value: r for r in range(HEADER_ROW + 1, sheet.max_row + 1)}
    for indicator, series in values.items():
        for year, value in zip((2021, 2022, 2023), series, strict=True):
            if bad and (indicator, year) == bad[:2]:
                value = bad[2]
            sheet.cell(rows[indicator], headers[f"{year}年"], value)
        sheet.cell(rows[indicator], headers["数据来源"], TEST_SOURCE)
    workbook.save(path)
    return rows


def dashboard_row(page, indicator: str):
    return page.locator(f'#indicators tr[data-indicator="{indicator}"]')


def observation_count(demo) -> int:
    from sqlalchemy import func, select

    from healthplan.store.models import Observation

    with demo.db.session() as session:
        return session.scalar(select(func.count(Observation.id)))


def test_clerk_uploads_fixes_and_sees_the_dashboard_change(server, demo, new_page, tmp_path):
    plan = demo.plans["江阴市"]
    page = new_page()
    log_in(page, server, "jiangyin_clerk")
    page.goto(f"{server}/plans/{plan}")
    row = dashboard_row(page, "life_expectancy")
    assert "无数据" in row.inner_text()

    # The template, from the page's link.
    page.goto(f"{server}/plans/{plan}/upload")
    with page.expect_download() as download:
        page.click("text=下载填报模板")
    template = tmp_path / "江阴市填报.xlsx"
    download.value.save_as(template)
    rows = fill_template(template, VALUES, BAD)

    # One bad row: the whole file is refused and that row is named.
    before = observation_count(demo)
    page.set_input_files("#file", str(template))
    page.click("#upload-form button[type=submit]")
    report = page.locator("#upload-report")
    report.wait_for()
    assert "整个文件未导入" in report.inner_text()
    problems = page.locator("#problems tbody tr")
    assert problems.count() == 1
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[0] == str(rows["health_literacy"]) and cells[1] == "2023年"
    assert "100" in cells[3]  # about a hundred times off
    assert observation_count(demo) == before

    # Fixed and uploaded again: everything goes in.
    fill_template(template, VALUES)
    page.set_input_files("#file", str(template))
    page.click("#upload-form button[type=submit]")
    result = page.locator("#upload-result")
    result.wait_for()
    assert f"新增 {3 * len(VALUES)} 条" in result.inner_text()

    page.click("text=查看监测总览")
    row = dashboard_row(page, "life_expectancy")
    assert "82.86" in row.locator("td.latest").inner_text()
    assert "进度正常" in row.inner_text()
    elderly = dashboard_row(page, "elderly_health_management")  # binding, falling behind
    assert "shortfall" in elderly.get_attribute("class")
    assert "进度滞后" in elderly.inner_text() or "存在风险" in elderly.inner_text()
    assert page.locator("svg.spark circle").count() > 3 * len(VALUES) - 1

    # A correction through the form: source and reason required, the warning confirmed.
    page.goto(f"{server}/plans/{plan}/entry?indicator=beds_per_1000&year=2023")
    page.fill("#value", "6.0")
    page.fill("#source", "江阴市2023年卫生健康统计年报（修订版，测试数据）")
    page.fill("#reason", "年报修订：床位数口径调整")
    page.click("#entry-form button[type=submit]")
    page.locator("#entry-warnings").wait_for()
    page.check("input[name=confirm]")
    page.click("#entry-form button[type=submit]")
    assert "更正" in page.locator("#entry-done").inner_text()
    page.click("text=查看该指标的监测值和修改记录")
    history = page.locator("#history tbody tr")
    assert history.count() >= 4  # 2020 baseline, 2021, 2022, 2023 twice
    assert "年报修订" in page.locator("#history").inner_text()
    assert page.locator(".chart svg").count() == 1

    # Screenshots (the README's, when scripts/docs_images.py runs this test).
    shots = images_dir(tmp_path)
    page.goto(f"{server}/plans/{plan}/indicators/"
              f"{_target_id(demo, plan, 'health_literacy')}?year=2023")
    page.screenshot(path=str(shots / "web-indicator.png"), full_page=True)
    page.goto(f"{server}/plans/{plan}?year=2023")
    page.set_viewport_size({"width": 1360, "height": 1000})
    page.screenshot(path=str(shots / "web-dashboard.png"))
    assert (shots / "web-dashboard.png").stat().st_size > 20_000


def _target_id(demo, plan_id: int, indicator: str) -> int:
    from sqlalchemy import select

    from healthplan.store.models import Target

    with demo.db.session() as session:
        return session.scalar(select(Target.id).where(Target.plan_id == plan_id,
                                                      Target.indicator_id == indicator))


def test_clerk_of_another_region_is_refused(server, demo, new_page, tmp_path):
    from healthplan.imports.template import write_template

    jiangyin, lianyungang = demo.plans["江阴市"], demo.plans["连云港市"]
    template = tmp_path / "江阴市.xlsx"
    with demo.db.session() as session:
        write_template(session, jiangyin, template)
    fill_template(template, {"beds_per_1000": (9.1, 9.2, 9.3)})
    before = observation_count(demo)

    page = new_page()
    log_in(page, server, "lyg_clerk")
    # 江阴市's data through 连云港市's own upload page: refused, nothing written.
    page.goto(f"{server}/plans/{lianyungang}/upload")
    page.set_input_files("#file", str(template))
    page.click("#upload-form button[type=submit]")
    notice = page.locator(".notice.refused")
    notice.wait_for()
    assert "无权限" in notice.inner_text() and "江阴市" in notice.inner_text()
    assert observation_count(demo) == before
    # 江阴市's pages themselves are closed to this clerk.
    response = page.goto(f"{server}/plans/{jiangyin}/entry")
    assert response.status == 403
    assert "无权限" in page.locator(".notice.refused").inner_text()


def test_search_box_and_tracked_commitment(server, demo, new_page):
    """Issue 7: the header's search box finds 急救 反应时间 and links to the line of the
    plan text; a commitment's progress is recorded through its form and shown on the
    dashboard."""
    plan = demo.plans["江阴市"]
    page = new_page()
    log_in(page, server, "jiangyin_clerk")
    page.fill(".topsearch input[name=q]", "急救 反应时间")
    page.press(".topsearch input[name=q]", "Enter")
    hit = page.locator("#hits li.hit").first
    hit.wait_for()
    assert "江阴市" in hit.inner_text()
    assert hit.locator("mark").count() >= 2
    hit.locator("text=/原文第 \\d+ 行/").click()
    page.wait_for_url(f"**/plans/{plan}/text#L*")
    line = page.url.rsplit("#L", 1)[1]
    assert "反应时间" in page.locator(f"#L{line}").inner_text()

    page.goto(f"{server}/plans/{plan}#tracked")
    row = page.locator("#tracked-items tr[data-kind=commitment]", has_text="急救平均反应时间")
    row.locator("a").first.click()
    page.fill("#value", "9.6")
    page.fill("#source", "江阴市急救中心2023年工作报告（测试数据）")
    page.select_option("#year", "2023")
    page.click("#progress-form button[type=submit]")
    assert "已记录" in page.locator("#progress-done").inner_text()
    assert "已达到" in page.locator("#item-verdict").inner_text()
    page.click("text=返回监测总览的承诺与项目")
    row = page.locator("#tracked-items tr[data-kind=commitment]", has_text="急救平均反应时间")
    assert "9.6分钟" in row.inner_text()


def test_pages_work_under_the_content_security_policy(server, demo, new_page):
    """Issue 13: no page trips the Content-Security-Policy (every violation is collected
    in the page), and the script behind the year selector, moved to /static/app.js,
    still runs."""
    page = new_page()
    page.add_init_script("window.__csp = []; document.addEventListener("
                         "'securitypolicyviolation', e => window.__csp.push("
                         "e.violatedDirective + ' ' + e.blockedURI));")
    log_in(page, server, "admin")
    plan = demo.plans["江阴市"]
    addresses = ["/", f"/plans/{plan}", f"/plans/{plan}/text", f"/plans/{plan}/upload",
                 f"/plans/{plan}/entry", f"/plans/{plan}/review", f"/compare?plan={plan}",
                 "/search?q=急救", "/admin/audit", "/api/v1/docs"]
    page.goto(f"{server}/plans/{plan}")
    first = page.locator("#indicators a[href*='/indicators/']").first.get_attribute("href")
    addresses.append(first)
    for address in addresses:
        page.goto(f"{server}{address}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], address
    page.goto(f"{server}/plans/{plan}")
    page.select_option("#year", "2022")
    page.wait_for_url(f"{server}/plans/{plan}?year=2022")


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def test_api_documentation_renders_every_operation(server, new_page):
    """Issue 13.16: the documentation page reads the OpenAPI 3.1 schema FastAPI writes and
    shows every operation; its scripts come from this server."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{server}/api/v1/openapi.json", timeout=30) as response:
        schema = json.load(response)
    assert schema["openapi"].startswith("3.1")
    operations = {(method.upper(), path) for path, item in schema["paths"].items()
                  for method in item if method in HTTP_METHODS}
    page = new_page()
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(server) else None)
    page.goto(f"{server}/api/v1/docs")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    shown = page.eval_on_selector_all(
        ".opblock",
        "blocks => blocks.map(b => [b.querySelector('.opblock-summary-method').innerText,"
        " b.querySelector('.opblock-summary-path').getAttribute('data-path')])")
    assert {tuple(pair) for pair in shown} == operations
    assert page.locator(".information-container .title").inner_text().startswith("healthplan")
    assert "valid version" not in page.inner_text("body")
    assert outside == []


MOBILE = {"width": 390, "height": 844}


def _main_pages(demo) -> dict[str, str]:
    plan = demo.plans["江阴市"]
    target = _target_id(demo, plan, "life_expectancy")
    return {
        "plans": "/",
        "dashboard": f"/plans/{plan}",
        "indicator": f"/plans/{plan}/indicators/{target}",
        "upload": f"/plans/{plan}/upload",
        "entry": f"/plans/{plan}/entry",
        "search": "/search?q=%E5%81%A5%E5%BA%B7",
        "audit": "/admin/audit",
    }


def test_every_main_page_fits_a_phone(server, demo, browser, tmp_path):
    """Issue 13.19: at 390 px the header wraps, the page does not scroll sideways (wide
    tables scroll inside their own box) and two-column grids become one column."""
    context = browser.new_context(viewport=MOBILE, locale="zh-CN", device_scale_factor=1)
    try:
        page = context.new_page()
        log_in(page, server, "admin")
        shots = images_dir(tmp_path)
        too_wide = {}
        for name, path in _main_pages(demo).items():
            response = page.goto(server + path)
            assert response.status == 200, (name, response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > MOBILE["width"]:
                too_wide[name] = width
            title = page.locator(".brand").bounding_box()
            assert title and title["height"] < 80, (name, title)  # not a letter a line
            page.screenshot(path=str(shots / f"mobile-{name}.png"), full_page=True)
        assert not too_wide, too_wide
        # Two-column grids stack: the second column goes below the first.
        for name in ("upload", "entry"):
            page.goto(server + _main_pages(demo)[name])
            first, second = (page.locator(".split > *").nth(k).bounding_box() for k in (0, 1))
            assert second["x"] == first["x"] and second["y"] >= first["y"] + first["height"], name
    finally:
        context.close()


def test_wide_screenshots_of_the_main_pages(server, demo, browser, tmp_path):
    """The same pages at 1440 px, for a person to look at beside the phone ones."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, server, "admin")
        shots = images_dir(tmp_path)
        for name in ("plans", "dashboard", "upload"):
            page.goto(server + _main_pages(demo)[name])
            assert page.evaluate("document.documentElement.scrollWidth") <= 1440
            page.screenshot(path=str(shots / f"wide-{name}.png"), full_page=True)
    finally:
        context.close()
