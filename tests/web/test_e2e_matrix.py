"""End to end in headless Chromium: a 无锡市 planner filters the regional matrix to red
binding indicators, clicks through to 江阴市's indicator page, exports the matrix, and the
Excel file holds the numbers the page showed. On the demo database plus TEST DATA for
江阴市 (tests/web/matrix_support.py). Screenshots of the matrix, the ranking chart and
the watch list at 1440 and 390 px go to the test's folder (or HEALTHPLAN_DOCS_IMAGES).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from matrix_support import record_test_series
from pages_support import PASSWORD, app_for, build_demo_with_users

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


def _skip(reason: str):
    if os.environ.get("HEALTHPLAN_REQUIRE_BROWSER"):
        pytest.fail(reason + " (HEALTHPLAN_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import uvicorn

    demo = build_demo_with_users(tmp_path_factory.mktemp("e2e-matrix") / "demo.sqlite3")
    record_test_series(demo.db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app_for(demo), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", demo
    server.should_exit = True
    thread.join(10)
    demo.db.close()


def test_red_binding_click_through_and_export(served, tmp_path):
    from openpyxl import load_workbook

    if CHROMIUM is None:
        _skip("no system Chromium (apt-get install chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        _skip("playwright is not installed")
    base, demo = served
    wuxi = demo.plans["无锡市"]
    shots = Path(os.environ.get("HEALTHPLAN_DOCS_IMAGES") or tmp_path)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                      accept_downloads=True)
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", "wuxi_planner")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/plans/{wuxi}/matrix")
        page.screenshot(path=str(shots / "matrix-1440.png"), full_page=True)
        page.select_option("select[name=warning]", "red")
        page.select_option("select[name=attribute]", "约束性")
        page.click("#apply")
        page.wait_for_url("**warning=red**")
        cells = page.locator("td.mcell.w-red")
        assert cells.count() == 2
        shown = {c.get_attribute("data-indicator"): float(c.get_attribute("data-value"))
                 for c in cells.all()}
        assert shown == {"gps_per_10000": 3.72, "out_of_pocket_share": 20.9}
        assert page.locator("th.mcol").count() == 2  # only the columns with a red cell
        with page.expect_download() as download:
            page.click("#export-xlsx")
        path = tmp_path / "matrix.xlsx"
        download.value.save_as(path)
        ws = load_workbook(path)["区域对比"]
        header = [c.value for c in ws[2]]
        values = next(r for r in ws.iter_rows(min_row=4, values_only=True)
                      if r[0] == "江阴市" and r[2] == "最新值")
        got = {}
        for column in page.locator("th.mcol").all():
            name = column.locator("a").inner_text()
            k = next(i for i, h in enumerate(header) if h and h.startswith(name))
            got[column.get_attribute("data-indicator")] = values[k]
        assert got == shown
        page.locator('td.mcell[data-indicator="gps_per_10000"] a').click()
        page.wait_for_url("**/plans/*/indicators/*")
        assert "毎万人口全科医生数" in page.content() and "江阴市" in page.content()
        page.goto(f"{base}/plans/{wuxi}/matrix/ranking?indicator=gps_per_10000")
        page.screenshot(path=str(shots / "ranking-1440.png"), full_page=True)
        page.goto(f"{base}/warnings")
        page.screenshot(path=str(shots / "warnings-1440.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        for name, url in (("matrix", f"/plans/{wuxi}/matrix"),
                          ("ranking", f"/plans/{wuxi}/matrix/ranking?indicator=gps_per_10000"),
                          ("warnings", "/warnings")):
            page.goto(base + url)
            page.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
        context.close()
        browser.close()
