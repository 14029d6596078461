"""The pages through the ASGI app (no browser): login and CSRF, what each role sees and may
do, the upload report, the one-value form, downloads, the audit log."""

from __future__ import annotations

import re
import shutil
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from pages_support import PASSWORD, Demo, app_for, build_demo_with_users, csrf_of, log_in
from sqlalchemy import func, select

from healthplan.store.models import AuditEntry, Observation, Target


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pages") / "demo.sqlite3"
    demo = build_demo_with_users(path)
    demo.db.close()
    return demo


@pytest.fixture
def demo(demo_file, tmp_path):
    """A fresh copy of the demo database for each test."""
    from healthplan.store.database import open_database

    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_file.path, path)
    db = open_database(f"sqlite:///{path}")
    yield Demo(db, path, demo_file.plans, demo_file.users)
    db.close()


@pytest.fixture
def client(demo):
    with TestClient(app_for(demo, max_upload_bytes=4000)) as client:
        yield client


def as_user(client, name):
    log_in(client, name)
    return client


def count(demo, model=Observation, **where) -> int:
    with demo.db.session() as session:
        query = select(func.count(model.id))
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def target_id(demo, plan: str, indicator: str) -> int:
    with demo.db.session() as session:
        return session.scalar(select(Target.id).where(Target.plan_id == demo.plans[plan],
                                                      Target.indicator_id == indicator))


def csv_bytes(*rows: str) -> bytes:
    return ("地区,指标,年份,数值,来源,备注\n" + "\n".join(rows) + "\n").encode("utf-8")


def upload(client, plan_id: int, name: str, data: bytes, **extra):
    page = client.get("/")  # the session's token (the upload page may be closed to the user)
    return client.post(f"/plans/{plan_id}/upload", data={"csrf": csrf_of(page.text), **extra},
                       files={"file": (name, data, "application/octet-stream")})


def entry(client, plan_id: int, **fields):
    page = client.get(f"/plans/{plan_id}/entry")
    data = {"csrf": csrf_of(page.text), "year": "2023", "source": "2023年卫生健康统计年报",
            "reason": "年报数据录入", **fields}
    return client.post(f"/plans/{plan_id}/entry", data=data)


# --------------------------------------------------------------------------- login, CSRF


def test_pages_need_a_login_and_go_back_after_it(client):
    response = client.get("/plans/3?year=2023", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/plans/3%3Fyear%3D2023"
    page = client.get("/login?next=/plans/3")
    wrong = client.post("/login", data={"username": "admin", "password": "nope",
                                        "csrf": csrf_of(page.text), "next": "/plans/3"})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    right = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                        "csrf": csrf_of(page.text), "next": "/plans/3"},
                        follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/plans/3"


def test_login_refuses_an_outside_next_address(client):
    page = client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                           "csrf": csrf_of(page.text), "next": "//evil.example/"},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_without_the_session_token_is_refused(client, demo, token):
    as_user(client, "jiangyin_clerk")
    before = count(demo)
    data = {"indicator": "life_expectancy", "year": "2023", "value": "82.9",
            "source": "年报", "reason": "录入"}
    if token is not None:
        data["csrf"] = token
    response = client.post(f"/plans/{demo.plans['江阴市']}/entry", data=data)
    assert response.status_code == 403 and "CSRF" in response.text
    assert count(demo) == before
    login_page = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                             **({"csrf": token} if token is not None else {})})
    assert login_page.status_code == 403


def test_logout_ends_the_session(client):
    as_user(client, "viewer")
    page = client.get("/")
    assert "研究人员" in page.text
    client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert client.get("/", follow_redirects=False).status_code == 303


# --------------------------------------------------------------------------- reading


def test_the_plan_list_follows_the_region_hierarchy_and_the_reader(client, demo):
    as_user(client, "admin")
    text = client.get("/").text
    order = [text.index(name) for name in ("江苏省", "无锡市", "江阴市", "苏州市", "吴中区",
                                           "连云港市", "安徽省", "埇桥区")]
    assert order == sorted(order)
    # every plan (the national ones too: 十四五 excerpt, 十五五 targets) can be ticked
    assert text.count('name="plan"') == 8
    client.post("/logout", data={"csrf": csrf_of(text)})
    as_user(client, "jiangyin_clerk")
    text = client.get("/").text
    assert f'href="/plans/{demo.plans["江阴市"]}"' in text
    assert f'href="/plans/{demo.plans["无锡市"]}"' not in text
    assert "连云港市" not in text


def test_the_dashboard_puts_binding_indicators_first_with_counts(client, demo):
    as_user(client, "wuxi_planner")
    text = client.get(f"/plans/{demo.plans['江阴市']}?year=2023").text
    assert "主要指标" in text and "约束性指标（9 项）" in text
    binding = text.index("约束性指标（9 项）")
    expected = text.index("预期性及其他指标")
    assert binding < text.index("适龄儿童免疫规划疫苗接种率") < expected
    assert expected < text.index("人均预期寿命")
    assert text.count('class="spark"') == 31
    assert f"/plans/{demo.plans['江阴市']}/indicators/" in text
    assert "/report?kind=annual&amp;year=2023&amp;format=docx" in text  # a planner runs reports
    # 无锡市's dashboard lists its county plan.
    assert "下级规划" in client.get(f"/plans/{demo.plans['无锡市']}").text


def test_the_indicator_page_has_the_chart_the_rule_and_every_version(client, demo):
    as_user(client, "jiangyin_clerk")
    plan = demo.plans["江阴市"]
    response = entry(client, plan, indicator="life_expectancy", value="82.7")
    assert "已保存" in response.text
    response = entry(client, plan, indicator="life_expectancy", value="82.8",
                     source="年报（修订）", reason="年报修订", confirm="yes")
    assert "更正" in response.text
    text = client.get(f"/plans/{plan}/indicators/{target_id(demo, '江阴市', 'life_expectancy')}"
                      "?year=2023").text
    assert "<svg" in text and "目标（83）" in text  # the chart's legend, as text comments
    assert "解析后的规则" in text and "83" in text
    history = text[text.index('id="history"'):]
    assert history.count("<tr class=") == 3  # 2023 twice, 2020 baseline
    assert "第 2 版" in history and "年报修订" in history and "江阴市统计员" in history
    assert "#L66" in text  # the row's line in the plan text


def test_the_plan_text_links_every_extracted_item_to_its_line(client, demo):
    as_user(client, "admin")
    plan = demo.plans["无锡市"]
    text = client.get(f"/plans/{plan}/text").text
    anchors = set(re.findall(r'id="L(\d+)"', text))
    links = re.findall(r'href="#L(\d+)"', text)
    assert links and set(links) <= anchors
    with demo.db.session() as session:
        from healthplan.store.models import Plan

        stored = session.get(Plan, plan)
        lines = ({t.line_start for t in stored.targets} | {p.line_start for p in stored.projects}
                 | {c.line for c in stored.commitments})
        assert stored.projects and stored.commitments
    assert {str(n) for n in lines} <= set(links)
    assert "专栏" in text and "量化承诺" in text


def test_comparison_of_plans(client, demo):
    as_user(client, "wuxi_planner")
    ids = f"plan={demo.plans['无锡市']}&plan={demo.plans['江阴市']}"
    text = client.get(f"/compare?{ids}").text
    assert "概要" in text and "人均预期寿命" in text and "年均改善" in text
    download = client.get(f"/compare/download?{ids}&format=xlsx")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert "attachment" in download.headers["content-disposition"]
    one = client.get(f"/compare?plan={demo.plans['无锡市']}").text
    assert "至少需要两个规划" in one


@pytest.mark.parametrize("fmt,magic", [("docx", b"PK"), ("xlsx", b"PK"), ("html", b"<!DOCTYPE")])
def test_report_downloads(client, demo, fmt, magic):
    as_user(client, "wuxi_planner")
    response = client.get(f"/plans/{demo.plans['江阴市']}/report?kind=midterm&format={fmt}")
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    name = unquote(response.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert name == f"江阴市_2021-2025_中期评估报告.{fmt}"


def test_the_template_download(client, demo):
    as_user(client, "jiangyin_clerk")
    response = client.get(f"/plans/{demo.plans['江阴市']}/template.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_unknown_plan_and_address_are_pages(client):
    as_user(client, "admin")
    response = client.get("/plans/999")
    assert response.status_code == 404 and "没有编号为 999 的规划" in response.text
    assert "text/html" in client.get("/no/such/page").headers["content-type"]
    response = client.get("/plans/3?year=1990")
    assert response.status_code == 400 and "不在规划期" in response.text


# --------------------------------------------------------------------------- who may do what

READ_ROUTES = ["/plans/{plan}", "/plans/{plan}/text", "/plans/{plan}/upload",
               "/plans/{plan}/entry", "/plans/{plan}/template.xlsx"]


@pytest.mark.parametrize("user,region,allowed", [
    ("jiangyin_clerk", "江阴市", True), ("jiangyin_clerk", "无锡市", False),
    ("jiangyin_clerk", "连云港市", False), ("lyg_clerk", "江阴市", False),
    ("wuxi_planner", "江阴市", True), ("wuxi_planner", "连云港市", False),
    ("viewer", "连云港市", True), ("admin", "埇桥区", True),
])
def test_reading_follows_the_region(client, demo, user, region, allowed):
    as_user(client, user)
    for route in READ_ROUTES:
        response = client.get(route.format(plan=demo.plans[region]))
        assert response.status_code == (200 if allowed else 403), route
        if not allowed:
            assert "无权限" in response.text and "审计日志" in response.text


def _write_upload(client, demo, region):
    data = csv_bytes(f"{region},life_expectancy,2023,82.9,测试数据,")
    return upload(client, demo.plans[region], "values.csv", data)


def _write_entry(client, demo, region):
    page = client.get("/")  # a token of this session, whatever page the user may see
    return client.post(f"/plans/{demo.plans[region]}/entry", data={
        "csrf": csrf_of(page.text), "indicator": "life_expectancy", "year": "2023",
        "value": "82.9", "source": "测试数据", "reason": "录入"})


@pytest.mark.parametrize("write", [_write_upload, _write_entry], ids=["upload", "entry"])
@pytest.mark.parametrize("user,region", [
    ("jiangyin_clerk", "无锡市"), ("jiangyin_clerk", "连云港市"), ("lyg_clerk", "江阴市"),
    ("wuxi_planner", "无锡市"), ("wuxi_planner", "江阴市"), ("viewer", "江阴市"),
])
def test_writes_outside_ones_own_region_are_refused_and_logged(client, demo, write, user, region):
    as_user(client, user)
    before, denied = count(demo), count(demo, AuditEntry, action="denied")
    response = write(client, demo, region)
    assert response.status_code == 403
    assert "无权限" in response.text and "数据没有任何改动" in response.text
    assert count(demo) == before
    assert count(demo, AuditEntry, action="denied") == denied + 1


@pytest.mark.parametrize("write", [_write_upload, _write_entry], ids=["upload", "entry"])
@pytest.mark.parametrize("user", ["jiangyin_clerk", "admin"])
def test_writes_in_ones_own_region_go_in(client, demo, write, user):
    as_user(client, user)
    before = count(demo)
    response = write(client, demo, "江阴市")
    assert response.status_code == 200, response.text[:800]
    assert count(demo) == before + 1


def test_a_file_for_another_region_is_refused_through_ones_own_page(client, demo):
    as_user(client, "lyg_clerk")
    before = count(demo)
    data = csv_bytes("连云港市,life_expectancy,2023,80.1,测试数据,",
                     "江阴市,life_expectancy,2023,82.9,测试数据,")
    response = upload(client, demo.plans["连云港市"], "mixed.csv", data)
    assert response.status_code == 403 and "江阴市" in response.text
    assert count(demo) == before


def test_the_audit_log_is_for_admins_and_shows_before_and_after(client, demo):
    as_user(client, "jiangyin_clerk")
    plan = demo.plans["江阴市"]
    entry(client, plan, indicator="beds_per_1000", value="5.8")
    entry(client, plan, indicator="beds_per_1000", value="5.9", source="年报修订版",
          reason="口径调整", confirm="yes")
    assert client.get("/admin/audit").status_code == 403
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    as_user(client, "admin")
    text = client.get("/admin/audit").text
    assert "更正 江阴市 每千人口医疗卫生机构床位数 2023 年：5.8 → 5.9" in text or "5.8 → 5.9" in text
    assert '<span class="old">5.8</span>' in text and '<span class="new">5.9</span>' in text
    assert "年报修订版" in text and "口径调整" in text
    assert "拒绝访问" in text  # the clerk's refused look at the audit log
    only = client.get("/admin/audit?action=correct").text
    assert only.count('class="change"') == 1


# --------------------------------------------------------------------------- uploads


def test_an_upload_with_a_bad_row_names_it_and_changes_nothing(client, demo):
    as_user(client, "jiangyin_clerk")
    before = count(demo)
    data = csv_bytes("江阴市,life_expectancy,2022,82.6,测试数据,",
                     "江阴市,health_literacy,2022,abc,测试数据,",
                     "江阴市,beds_per_1000,2022,5.8,,")
    response = upload(client, demo.plans["江阴市"], "江阴市.csv", data)
    assert response.status_code == 422
    rows = re.findall(r'<td class="row">(\d+)</td><td class="nowrap">([^<]*)</td>', response.text)
    assert rows == [("3", "数值"), ("4", "来源")]
    assert "整个文件未导入" in response.text and "不是数字" in response.text
    assert count(demo) == before


def test_warnings_need_an_explicit_confirmation(client, demo):
    as_user(client, "jiangyin_clerk")
    plan = demo.plans["江阴市"]
    before = count(demo)
    data = csv_bytes("江阴市,life_expectancy,2021,85.9,测试数据,")  # 3.5 岁 above 2020
    response = upload(client, plan, "jump.csv", data)
    assert response.status_code == 200 and "个警告，尚未导入" in response.text
    assert count(demo) == before
    pending = re.search(r'name="pending" value="([^"]+)"', response.text).group(1)
    forged = client.post(f"/plans/{plan}/upload", data={"csrf": csrf_of(response.text),
                                                        "pending": "x" * 22, "confirmed": "yes"})
    assert forged.status_code == 400 and "已失效" in forged.text
    done = client.post(f"/plans/{plan}/upload", data={"csrf": csrf_of(response.text),
                                                      "pending": pending, "confirmed": "yes"})
    assert done.status_code == 200 and "导入成功（已确认警告）" in done.text
    assert count(demo) == before + 1
    again = client.post(f"/plans/{plan}/upload", data={"csrf": csrf_of(response.text),
                                                       "pending": pending, "confirmed": "yes"})
    assert again.status_code == 400  # a held file goes in once


@pytest.mark.parametrize("name,data,status,message", [
    ("big.csv", b"x" * 5000, 413, "超过 3.90625 KB 的上限"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100, 400, "不是有效的 .xlsx 文件"),
    ("renamed.xlsx", b"just text", 400, "不是有效的 .xlsx 文件"),
    ("values.txt", b"a,b", 400, "类型不受支持"),
    ("empty.csv", b"", 400, "空文件"),
    ("nonsense.csv", "完全不是表格\n".encode(), 400, "无法读取"),
])
def test_bad_files_get_a_message_in_the_page(client, demo, name, data, status, message):
    as_user(client, "jiangyin_clerk")
    before = count(demo)
    response = upload(client, demo.plans["江阴市"], name, data)
    assert response.status_code == status, response.text[:600]
    assert message in response.text and "text/html" in response.headers["content-type"]
    assert count(demo) == before


def test_the_upload_page_checks_the_size_before_sending(client, demo):
    as_user(client, "jiangyin_clerk")
    text = client.get(f"/plans/{demo.plans['江阴市']}/upload").text
    assert 'data-limit="4000"' in text and '<script src="/static/app.js"' in text
    assert "f.size > limit" in client.get("/static/app.js").text


# --------------------------------------------------------------------------- one value


def test_the_form_requires_source_and_reason(client, demo):
    as_user(client, "jiangyin_clerk")
    before = count(demo)
    response = entry(client, demo.plans["江阴市"], indicator="life_expectancy", value="82.9",
                     source=" ", reason="")
    assert response.status_code == 422
    assert "数据来源为必填项" in response.text and "原因为必填项" in response.text
    response = entry(client, demo.plans["江阴市"], indicator="life_expectancy", value="很多")
    assert response.status_code == 422 and "不是数字" in response.text
    assert count(demo) == before


def test_a_correction_is_a_new_version_with_its_reason(client, demo):
    as_user(client, "jiangyin_clerk")
    plan = demo.plans["江阴市"]
    entry(client, plan, indicator="gps_per_10000", value="4.1")
    asked = entry(client, plan, indicator="gps_per_10000", value="4.2", reason="核对后更正")
    assert "请核对以下警告" in asked.text and 'name="confirm"' in asked.text
    clerk = demo.users["jiangyin_clerk"]
    assert count(demo, indicator_id="gps_per_10000", year=2023, recorded_by=clerk) == 1
    done = entry(client, plan, indicator="gps_per_10000", value="4.2", reason="核对后更正",
                 confirm="yes")
    assert "更正" in done.text and "4.1 → 4.2" in done.text
    with demo.db.session() as session:
        versions = session.scalars(select(Observation).where(
            Observation.indicator_id == "gps_per_10000", Observation.year == 2023,
            Observation.recorded_by == clerk).order_by(Observation.version)).all()
        assert [(v.value, v.version) for v in versions] == [(4.1, 1), (4.2, 2)]
        assert versions[1].reason == "核对后更正"
    same = entry(client, plan, indicator="gps_per_10000", value="4.2", confirm="yes")
    assert "未作改动" in same.text
