"""The simulated training database (``healthplan demo --simulated``): in a browser every
page linked from the navigation shows the banner; every report made from it (docx,
html, xlsx; plan reports and comparisons; from the library as the CLI calls it and as
the web downloads it) carries the words on its title page and in its footer; every
verdict appears; the real demo shows none of it and the two never mix.

One database built per module (the demo plus the generated series, a few seconds).
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections import Counter

import pytest
from pages_support import PASSWORD, log_in
from sqlalchemy import func, select
from test_e2e_pages import CHROMIUM, free_port, images_dir, no_browser

from healthplan.simulated import SIMULATED_SOURCE

WORDS = SIMULATED_SOURCE  # 模拟数据（非真实，仅供演示培训）
VIEWPORTS = {"wide": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from healthplan.demo_simulated import build_simulated_demo
    from healthplan.store.database import open_database
    from healthplan.store.users import add_user

    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('simulated') / 'sim.sqlite3'}")
    made = build_simulated_demo(db)
    with db.session() as session:
        add_user(session, "admin", PASSWORD, role="admin", display_name="系统管理员")
    yield db, made
    db.close()


@pytest.fixture(scope="module")
def server(simulated):
    import uvicorn

    from healthplan.web.app import create_app
    from healthplan.web.settings import Settings

    app = create_app(simulated[0], Settings(secret_key="test-secret-" + "x" * 32))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
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


def test_every_page_linked_from_the_navigation_shows_the_banner(server, simulated, tmp_path):
    made = simulated[1]
    if CHROMIUM is None:
        no_browser("no system Chromium (apt-get install chromium); CI installs it")
    try:
        from playwright import sync_api
    except ImportError:
        no_browser("playwright is not installed (pip install -e '.[test]')")
    shots = images_dir(tmp_path)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            for size, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, locale="zh-CN")
                page = context.new_page()

                def check(path: str, name: str, page=page, size=size) -> None:
                    _check_banner(page, server + path, shots / f"simulated-{size}-{name}.png")

                check("/login", "login")  # before logging in too
                page.fill("#username", "admin")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{server}/")
                nav = page.locator("nav.mainnav a").evaluate_all(
                    "links => links.map(a => a.getAttribute('href'))")
                assert {"/", "/compare", "/plan-upload", "/admin/audit"} <= set(nav)
                # the navigation, the header's search, plans the list links to and one
                # indicator page
                plans = page.locator("a[href^='/plans/']").evaluate_all(
                    "links => links.map(a => a.getAttribute('href'))")
                plans = sorted({h for h in plans if h.count("/") == 2})
                # (a plan evaluated as final and one as mid-term; at phone width one plan)
                chosen = [f"/plans/{p.id}" for p in (made.final_plans[0], made.midterm_plans[0])]
                # 全国 十四五 and 十五五, the five regional plans, 无锡市 十三五
                assert len(plans) == 8 and set(chosen) <= set(plans), plans
                walk = [*nav, "/search?q=急救", *(chosen if size == "wide" else chosen[:1])]
                for k, path in enumerate(walk):
                    check(path, f"{k:02d}")
                indicator = page.locator("a[href*='/indicators/']").first.get_attribute("href")
                check(indicator, "indicator")
                if size == "wide":  # the web's own downloads carry the words as well
                    plan = made.final_plans[0].id
                    got = page.request.get(f"{server}/plans/{plan}/report?kind=final&format=xlsx")
                    assert got.status == 200
                    assert _xlsx_text(got.body()).count(WORDS) >= 2  # the title and the footers
                context.close()
        finally:
            browser.close()


def _check_banner(page, url: str, shot) -> None:
    """The page answers, the banner is at its top, full width, with the words, and the
    page does not scroll sideways."""
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    viewport = page.viewport_size["width"]
    banner = page.locator("#simulated-banner")
    assert banner.is_visible(), url
    assert WORDS in banner.inner_text(), url
    box = banner.bounding_box()
    assert box["y"] == 0 and box["width"] >= viewport - 1, (url, box)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport, (url, width)
    page.screenshot(path=str(shot))


def _xlsx_text(data: bytes) -> str:
    """The first sheet's title and every sheet's footer."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    return "\n".join([workbook.worksheets[0]["A1"].value,
                      *(sheet.oddFooter.left.text for sheet in workbook.worksheets)])


def _docx_parts(data: bytes) -> tuple[str, str]:
    """(the body's XML up to the first page break, every footer's XML)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode()
        footers = "".join(z.read(n).decode() for n in z.namelist()
                          if n.startswith("word/footer"))
    return body.split('w:type="page"', 1)[0], footers


def test_every_report_format_carries_the_words_on_its_title_page_and_footer(simulated,
                                                                             tmp_path):
    from openpyxl import load_workbook

    from healthplan.reports import build_report, write_report
    from healthplan.reports.comparison import build_comparison, write_comparison
    from healthplan.reports.docx import write_report_docx

    db, made = simulated
    with db.session() as session:
        report = build_report(session, made.midterm_plans[0].id, "annual")
        comparison = build_comparison(session, [p.id for p in made.final_plans[:2]])
    write_report_docx(report, tmp_path / "r.docx", charts=False)  # the charts are beside it
    write_comparison(comparison, tmp_path / "c.docx", "docx")
    for name in ("r.docx", "c.docx"):
        title_page, footers = _docx_parts((tmp_path / name).read_bytes())
        assert WORDS in title_page and WORDS in footers, name
    write_report(report, tmp_path / "r.xlsx", "xlsx")
    write_comparison(comparison, tmp_path / "c.xlsx", "xlsx")
    for name in ("r.xlsx", "c.xlsx"):
        workbook = load_workbook(tmp_path / name)
        assert WORDS in workbook.worksheets[0]["A1"].value, name
        assert all(sheet.oddFooter.left.text == WORDS for sheet in workbook.worksheets), name
    write_comparison(comparison, tmp_path / "c.html", "html")
    (tmp_path / "r.html").write_text(_report_html(report), "utf-8")
    for name in ("r.html", "c.html"):
        html = (tmp_path / name).read_text("utf-8")
        top, bottom = html.split("<h1>", 1)[0], html.rsplit("</table>", 1)[-1]
        assert WORDS in top and f'<footer class="simulated">{WORDS}</footer>' in bottom, name


def _report_html(report) -> str:
    from healthplan.reports.html import render_report_html

    return render_report_html(report, charts=False)


def test_every_verdict_appears_and_every_generated_value_says_it_is_simulated(simulated):
    from healthplan.store.evaluation import evaluate_stored_plan
    from healthplan.store.models import Observation, Region

    db, made = simulated
    verdicts, projections, pending = Counter(), 0, 0
    with db.session() as session:
        for plan in made.final_plans + made.midterm_plans:
            evaluation = evaluate_stored_plan(session, plan.id)  # each at its default year
            assert evaluation.year == (made.final_year if plan in made.final_plans
                                       else made.midterm_year)
            verdicts.update(t.verdict for t in evaluation.targets)
            projections += sum(t.evaluation.projection is not None for t in evaluation.targets)
            pending += sum(bool(t.final and t.final.pending and t.final.year_used)
                           for t in evaluation.targets)
        after = select(Observation.source, Region.code).join(Region).where(Observation.year > 2020)
        sources = Counter(source if code != "000000" else "全国" for source, code
                          in session.execute(after))
    assert {"achieved", "on_track", "at_risk", "off_track", "not_achieved", "no_data"} <= set(verdicts)
    assert projections > 10 and pending > 0  # trends drawn, a final figure still pending
    # every regional value after 2020 is generated and says so; the nation's are real
    assert set(sources) == {WORDS, "全国"} and sources[WORDS] == made.added > 100


def test_the_real_demo_shows_no_banner_and_holds_no_simulated_value(sqlite_client, sqlite_web_db,
                                                                     users):
    from healthplan.store.models import Observation

    assert "simulated-banner" not in sqlite_client.get("/login").text
    log_in(sqlite_client, users["viewer"].name, users["viewer"].password)
    page = sqlite_client.get("/")
    assert page.status_code == 200 and "simulated-banner" not in page.text
    assert "模拟数据" not in page.text
    with sqlite_web_db.session() as session:
        assert session.scalar(select(func.count()).where(
            Observation.source.contains("模拟数据"))) == 0


def test_the_two_demos_never_mix(simulated, sqlite_web_db):
    from healthplan.demo_simulated import MixedDatabase, refuse_mixing

    with pytest.raises(MixedDatabase, match="模拟数据库"):
        refuse_mixing(simulated[0], simulated=False)
    with pytest.raises(MixedDatabase, match="不是模拟数据库"):
        refuse_mixing(sqlite_web_db, simulated=True)


def test_the_real_demo_command_refuses_the_simulated_database(simulated):
    from cli_helpers import assert_bad_input, run_cli

    result = run_cli("--db", simulated[0].url, "demo")
    assert_bad_input(result, "模拟数据库", "真实示例数据不能载入")
