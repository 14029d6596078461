"""The pages of issue 7 through the ASGI app: the dashboard's section of tracked
commitments and projects, a tracked item's page and its progress form (CSRF, the write
rule, refusals logged), the plan review tab, and the search box and results page."""

from __future__ import annotations

import re

from pages_support import csrf_of, log_in
from web_helpers import JIANGYIN, PASSWORD, WUXI, denied_entries, plan_id, snapshot

SOURCE = "江阴市急救中心2023年工作报告（测试数据）"


def as_user(client, users, key):
    log_in(client, users[key].name, PASSWORD)
    return client


def item_href(html: str, plan: int, text: str) -> str:
    """The link of the tracked item whose row shows ``text`` on the dashboard."""
    for row in re.findall(r"<tr data-kind=.*?</tr>", html, re.S):
        if text in row:
            return re.search(rf'href="(/plans/{plan}/tracked/[a-z]+/\d+)"', row).group(1)
    raise AssertionError(f"no tracked item with {text}")


def test_dashboard_shows_tracked_items(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    page = as_user(sqlite_client, users, "planner").get(f"/plans/{plan}")
    assert page.status_code == 200
    html = page.text
    assert "量化承诺与专栏项目" in html and 'id="tracked-items"' in html
    assert "急救平均反应时间小于10分钟" in html
    assert re.search(r'class="v v-(no_data|needs_judgement)"', html)
    assert f'href="/plans/{plan}/text#L336"' in html  # the commitment's line
    assert f'href="/plans/{plan}/review"' in html  # the review tab
    assert 'action="/search"' in html  # the header's search box


def test_record_progress_through_the_form(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    client = as_user(sqlite_client, users, "clerk")
    href = item_href(client.get(f"/plans/{plan}").text, plan, "急救平均反应时间")
    page = client.get(href)
    assert page.status_code == 200
    assert 'id="progress-form"' in page.text and "规则" in page.text
    assert f'/plans/{plan}/text#L336' in page.text
    token = csrf_of(page.text)

    missing = client.post(href, data={"csrf": token, "year": "2023", "value": "9.2", "source": ""})
    assert missing.status_code == 422 and "来源为必填项" in missing.text

    saved = client.post(href, data={"csrf": token, "year": "2023", "value": "9.2",
                                    "source": SOURCE, "evidence": "年度报告第3页"})
    assert saved.status_code == 200, saved.text[:2000]
    assert "已记录 2023 年的进展" in saved.text
    assert SOURCE in saved.text and "年度报告第3页" in saved.text
    assert re.search(r'id="item-verdict">(已达到|进度正常)', saved.text)

    correction = client.post(href, data={"csrf": token, "year": "2023", "value": "10.5",
                                         "source": SOURCE})
    assert correction.status_code == 422 and "原因" in correction.text
    corrected = client.post(href, data={"csrf": token, "year": "2023", "value": "10.5",
                                        "source": SOURCE, "reason": "报告修订"})
    assert corrected.status_code == 200 and "已更正 2023 年的进展（第2版）" in corrected.text
    assert "第 1 版" in corrected.text and "第 2 版" in corrected.text and "报告修订" in corrected.text

    dashboard = client.get(f"/plans/{plan}")
    assert "2023年：10.5分钟" in dashboard.text


def test_project_status_and_csrf(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    client = as_user(sqlite_client, users, "clerk")
    href = f"/plans/{plan}/tracked/project/1"
    page = client.get(href)
    assert 'name="status"' in page.text and 'name="value"' not in page.text
    before = snapshot(sqlite_web_db)
    forged = client.post(href, data={"csrf": "forged", "year": "2023", "status": "completed",
                                     "source": SOURCE})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert snapshot(sqlite_web_db) == before
    done = client.post(href, data={"csrf": csrf_of(page.text), "year": "2023",
                                   "status": "completed", "source": SOURCE})
    assert done.status_code == 200 and "已完成" in done.text


def test_other_region_clerk_is_refused_and_logged(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, WUXI)
    client = as_user(sqlite_client, users, "clerk")  # 江阴市's clerk on 无锡市's plan
    page = client.get(f"/plans/{plan}/tracked/project/1")
    assert page.status_code == 403  # 江阴市 is below 无锡市: the clerk may not read it
    client = as_user(sqlite_client, users, "planner")  # reads 无锡市, writes nothing
    page = client.get(f"/plans/{plan}/tracked/project/1")
    assert page.status_code == 200 and 'id="progress-form"' not in page.text
    assert "没有填报" in page.text
    before, denied = snapshot(sqlite_web_db), len(denied_entries(sqlite_web_db))
    refused = client.post(f"/plans/{plan}/tracked/project/1",
                          data={"csrf": csrf_of(page.text), "year": "2023",
                                "status": "completed", "source": SOURCE})
    assert refused.status_code == 403 and "无权限" in refused.text
    assert snapshot(sqlite_web_db) == before
    assert denied_entries(sqlite_web_db)[-1].user_id == users["planner"].id
    assert len(denied_entries(sqlite_web_db)) == denied + 1


def test_unknown_item_is_a_page_not_an_error(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    client = as_user(sqlite_client, users, "viewer")
    assert client.get(f"/plans/{plan}/tracked/project/999").status_code == 404
    assert client.get(f"/plans/{plan}/tracked/thing/1").status_code == 404


def test_review_tab_lists_findings_with_line_links(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    page = as_user(sqlite_client, users, "viewer").get(f"/plans/{plan}/review")
    assert page.status_code == 200
    assert "规划审查" in page.text and 'id="findings"' in page.text
    assert re.search(rf'href="/plans/{plan}/text#L\d+">第 \d+ 行</a>', page.text)
    assert "严重" in page.text or "警告" in page.text
    assert "对照" in page.text  # 江阴市's plan is compared with 无锡市's
    refused = as_user(sqlite_client, users, "clerk_lyg").get(f"/plans/{plan}/review")
    assert refused.status_code == 403


def test_search_page(sqlite_client, users):
    client = as_user(sqlite_client, users, "viewer")
    page = client.get("/search", params={"q": "急救 反应时间"})
    assert page.status_code == 200
    assert 'id="hits"' in page.text and "<mark>急救</mark>" in page.text
    assert re.search(r'href="/plans/\d+/text#L\d+">原文第 \d+ 行', page.text)
    assert "›" in page.text  # an outline path
    assert 'value="急救 反应时间"' in page.text  # kept in the boxes
    county = client.get("/search", params={"q": "急救 反应时间", "level": "county"})
    assert "江阴市" in county.text and "无锡市“十四五”" not in county.text
    empty_form = client.get("/search")
    assert empty_form.status_code == 200 and "检索" in empty_form.text
    for q, words in (("", "为空"), ("！？。，", "标点"), ("急救" * 500, "过长")):
        response = client.get("/search", params={"q": q})
        assert response.status_code == 400 and words in response.text, q
        assert 'id="search-error"' in response.text
    nothing = client.get("/search", params={"q": "xyzzyq"})
    assert nothing.status_code == 200 and "未找到" in nothing.text


def test_search_page_only_shows_readable_plans(sqlite_client, users):
    client = as_user(sqlite_client, users, "clerk")
    page = client.get("/search", params={"q": "急救"})
    plans = set(re.findall(r'<a href="/plans/(\d+)">', page.text))
    assert page.status_code == 200 and plans
    assert "无锡市“十四五”" not in page.text and "连云港" not in page.text


def test_search_needs_login(sqlite_client):
    response = sqlite_client.get("/search", params={"q": "急救"}, follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]
