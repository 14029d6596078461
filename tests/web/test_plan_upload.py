"""上传规划: the corrections core, the API (review, store with corrections, refusals) and
the pages (upload → review with doubtful rows marked → store; the correction in the audit
log). The plan is a small 宜兴市 plan written for the test (plan_upload_support)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from pages_support import csrf_of, log_in
from plan_upload_support import NO_REGION_PLAN, NO_TABLE, YIXING_PLAN
from sqlalchemy import select
from web_helpers import PASSWORD, auth, snapshot

from healthplan.documents.model import Document, lines_from_text
from healthplan.extract import extract_plan
from healthplan.extract.corrections import (
    Correction,
    CorrectionError,
    apply_corrections,
    corrections_from_cells,
    review_tables,
)
from healthplan.store.models import AuditEntry, Plan, Target

TXT = "text/plain"


def extracted(text: str = YIXING_PLAN):
    return extract_plan(Document(path="plan.txt", format="txt", lines=lines_from_text(text)))


# --------------------------------------------------------------------------- the core


def test_a_correction_sets_the_cell_and_maps_the_row_again():
    plan = extracted()
    row = plan.indicator_tables[0].rows[0]
    assert row.doubtful and row.target == "≥79"
    applied = apply_corrections(plan, [Correction(0, 0, "target", "≥79", "≥80")])
    assert row.target == "≥80"
    assert row.rule.to_json() != extracted().indicator_tables[0].rows[0].rule.to_json()
    [item] = applied
    assert (item.name, item.line_start, item.doubtful) == ("人均预期寿命", 6, row.doubtful)
    assert item.to_json()["read"] == "≥79" and item.to_json()["set"] == "≥80"
    assert "读取为“≥79”，更正为“≥80”" in item.describe()


def test_a_renamed_row_is_matched_to_the_catalogue_again():
    plan = extracted()
    apply_corrections(plan, [Correction(0, 2, "name", "婴儿死亡率", "孕产妇系统管理率"),
                             Correction(0, 2, "unit", "‰", "%")])
    assert plan.indicator_tables[0].rows[2].indicator_id == "maternal_system_management"


def test_a_correction_against_what_was_not_read_changes_nothing():
    plan = extracted()
    with pytest.raises(CorrectionError, match="读取的是“≥79”"):
        apply_corrections(plan, [Correction(0, 1, "target", "≤10", "≤9"),
                                 Correction(0, 0, "target", "≥78", "≥80")])
    rows = plan.indicator_tables[0].rows
    assert (rows[0].target, rows[1].target) == ("≥79", "≤10")  # all or nothing


@pytest.mark.parametrize(("correction", "message"), [
    (Correction(1, 0, "target", "", "1"), "没有第 2 个指标表"),
    (Correction(0, 9, "target", "", "1"), "没有第 10 行"),
    (Correction(0, 0, "rule", "", "1"), "不能更正"),
    (Correction(0, 0, "name", "人均预期寿命", "  "), "不能为空"),
    (Correction(0, 0, "target", "≥79", "x" * 201), "超过 200"),
    (Correction(0, 0, "target", "≥79", "1\n2"), "换行"),
])
def test_bad_corrections_are_refused_naming_the_cell(correction, message):
    with pytest.raises(CorrectionError, match=message):
        apply_corrections(extracted(), [correction])


def test_the_form_cells_that_differ_from_what_was_read_are_the_corrections():
    plan = extracted()
    read = {(t["index"], r["row"], f): v for t in review_tables(plan) for r in t["rows"]
            for f, v in r["cells"].items()}
    cells = dict(read)
    assert corrections_from_cells(cells, read) == []
    cells[(0, 0, "target")] = "≥80 "
    assert corrections_from_cells(cells, read) == [Correction(0, 0, "target", "≥79", "≥80 ")]
    assert apply_corrections(plan, corrections_from_cells(cells, read))[0].correction.value == "≥80"
    with pytest.raises(CorrectionError, match="缺少读取值"):
        corrections_from_cells(cells, {})


def test_the_review_shows_doubtful_rows_with_their_reason():
    [table] = review_tables(extracted())
    assert [bool(r["doubtful"]) for r in table["rows"]] == [True, False, False]
    assert table["rows"][0]["cells"]["name"] == "人均预期寿命"


def test_paged_documents_give_each_row_its_page():
    import dataclasses

    lines = [dataclasses.replace(line, page=1 if line.number < 5 else 2)
             for line in lines_from_text(YIXING_PLAN)]
    plan = extract_plan(Document(path="plan.pdf", format="pdf", lines=lines))
    [table] = review_tables(plan)
    assert table["page"] == 1 and [r["page"] for r in table["rows"]] == [2, 2, 2]  # caption on 1
    [item] = apply_corrections(plan, [Correction(0, 0, "target", "≥79", "≥80")])
    assert item.page == 2 and "第 6 行（第 2 页）" in item.describe()


# --------------------------------------------------------------------------- the API


def upload(client, user, text: str | bytes = YIXING_PLAN, name: str = "宜兴市规划.txt",
           path: str = "/api/v1/plan-documents/review", **data):
    body = text.encode() if isinstance(text, str) else text
    return client.post(path, headers=auth(user), files={"file": (name, body, TXT)}, data=data)


def test_api_review_then_store_with_a_correction(sqlite_client, sqlite_web_db, users):
    planner = users["planner"]
    review = upload(sqlite_client, planner)
    assert review.status_code == 200, review.text
    body = review.json()
    assert body["region"]["code"] == "320282" and body["supersedes"] is None
    assert body["doubtful_rows"] == 1
    row = body["tables"][0]["rows"][0]
    assert row["doubtful"] and row["cells"]["target"] == "≥79"
    corrections = [{"table": 0, "row": 0, "field": "target", "read": "≥79", "value": "≥80"}]
    stored = upload(sqlite_client, planner, path="/api/v1/plan-documents",
                    corrections=json.dumps(corrections))
    assert stored.status_code == 201, stored.text
    plan_id = stored.json()["plans"][-1]["id"]
    assert stored.json()["corrections"][0]["set"] == "≥80"
    with sqlite_web_db.session() as session:
        target = session.scalar(select(Target).where(Target.plan_id == plan_id,
                                                     Target.indicator_id == "life_expectancy"))
        assert target.target_text == "≥80"
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "correct_plan_cell"))
        assert (entry.user_id, entry.object_id) == (planner.id, plan_id)
        assert (entry.detail["read"], entry.detail["set"], entry.detail["line_start"]) == ("≥79", "≥80", 6)
        assert entry.detail["doubtful"]
    audit = sqlite_client.get("/api/v1/audit", params={"action": "correct_plan_cell"},
                              headers=auth(users["admin"]))
    assert audit.json()["total"] == 1


def test_api_on_both_databases(client, web_db, users):
    """The same on PostgreSQL: nothing is kept between review and store, so any worker
    or server over the database may take either call."""
    corrections = [{"table": 0, "row": 0, "field": "target", "read": "≥79", "value": "≥80"}]
    stored = upload(client, users["planner"], path="/api/v1/plan-documents",
                    corrections=json.dumps(corrections))
    assert stored.status_code == 201, stored.text
    again = upload(client, users["planner"], path="/api/v1/plan-documents")
    assert again.status_code == 200 and again.json()["plans"][-1]["created"] is False
    with web_db.session() as session:
        entries = list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "correct_plan_cell")))
        assert [(e.detail["read"], e.detail["set"]) for e in entries] == [("≥79", "≥80")]


def test_api_store_refuses_a_stale_correction_and_stores_nothing(sqlite_client, sqlite_web_db, users):
    before = snapshot(sqlite_web_db)
    corrections = [{"table": 0, "row": 0, "field": "target", "read": "≥78", "value": "≥80"}]
    response = upload(sqlite_client, users["planner"], path="/api/v1/plan-documents",
                      corrections=json.dumps(corrections))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "读取的是“≥79”" in response.json()["detail"]
    assert snapshot(sqlite_web_db) == before


@pytest.mark.parametrize(("corrections", "message"), [
    ("not json", "不是有效的 JSON"), ('{"a": 1}', "应为列表"),
    ('[{"table": "0", "row": 0, "field": "target", "read": "", "value": ""}]', "第 1 项无效"),
])
def test_api_refuses_malformed_corrections(sqlite_client, users, corrections, message):
    response = upload(sqlite_client, users["planner"], path="/api/v1/plan-documents",
                      corrections=corrections)
    assert response.status_code == 422 and message in response.json()["detail"]


@pytest.mark.parametrize(("text", "name", "status", "message"), [
    (b"", "plan.txt", 422, "空文件"),
    (YIXING_PLAN, "plan.xyz", 422, "类型不受支持"),
    (b"%PDF-1.4 garbage \x00\x01", "plan.pdf", 422, "无法读取"),
    (NO_TABLE, "plan.txt", 422, "未找到本期规划指标表"),
])
def test_api_bad_files_get_one_chinese_message(sqlite_client, sqlite_web_db, users, text, name,
                                                 status, message):
    before = snapshot(sqlite_web_db)
    for path in ("/api/v1/plan-documents/review", "/api/v1/plan-documents"):
        response = upload(sqlite_client, users["planner"], text, name, path=path)
        assert response.status_code == status, response.text
        assert message in response.json()["detail"]
    assert snapshot(sqlite_web_db) == before


def test_api_without_a_file(sqlite_client, users):
    response = sqlite_client.post("/api/v1/plan-documents/review", headers=auth(users["planner"]))
    assert response.status_code == 422 and "请选择要上传的规划文件" in response.json()["detail"]


def test_api_refuses_clerks_viewers_and_other_regions(sqlite_client, sqlite_web_db, users):
    before = snapshot(sqlite_web_db)
    for key in ("clerk", "viewer"):
        assert upload(sqlite_client, users[key]).status_code == 403
        assert upload(sqlite_client, users[key], path="/api/v1/plan-documents").status_code == 403
    # 无锡市's planner may not load a plan of 连云港市.
    response = upload(sqlite_client, users["planner"], path="/api/v1/plan-documents",
                      region="连云港市")
    assert response.status_code == 403
    assert snapshot(sqlite_web_db) == before


def test_api_asks_for_the_region_when_the_document_names_none(sqlite_client, users):
    review = upload(sqlite_client, users["planner"], NO_REGION_PLAN)
    assert review.status_code == 200 and review.json()["region"] is None
    assert "请填写地区" in review.json()["region_problem"]
    refused = upload(sqlite_client, users["planner"], NO_REGION_PLAN, path="/api/v1/plan-documents")
    assert refused.status_code == 422 and "请填写地区" in refused.json()["detail"]
    stored = upload(sqlite_client, users["planner"], NO_REGION_PLAN, path="/api/v1/plan-documents",
                    region="宜兴市")
    assert stored.status_code == 201, stored.text


def test_api_replacing_the_current_plan_needs_replace(sqlite_client, sqlite_web_db, users):
    text = YIXING_PLAN.replace("宜兴市", "江阴市")  # 江阴市 has a 2021–2025 plan in the demo
    review = upload(sqlite_client, users["planner"], text)
    assert "已有规划" in review.json()["supersedes"]
    before = snapshot(sqlite_web_db)
    refused = upload(sqlite_client, users["planner"], text, path="/api/v1/plan-documents")
    assert refused.status_code == 409 and "replace=true" in refused.json()["detail"]
    assert snapshot(sqlite_web_db) == before
    stored = upload(sqlite_client, users["planner"], text, path="/api/v1/plan-documents",
                    replace="true")
    assert stored.status_code == 201 and stored.json()["plans"][-1]["supersedes_id"]


# --------------------------------------------------------------------------- the pages


def page_login(client, user):
    log_in(client, user.name, PASSWORD)


def page_upload(client, text=YIXING_PLAN, name="宜兴市规划.txt", region=""):
    form = client.get("/plan-upload")
    assert form.status_code == 200
    files = {"file": (name, text.encode() if isinstance(text, str) else text, TXT)} if text is not None else None
    return client.post("/plan-upload", data={"csrf": csrf_of(form.text), "region": region},
                       files=files)


def review_form(html: str) -> dict:
    """The review form's fields as the browser would send them."""
    fields = dict(re.findall(r'<input type="(?:hidden|text)"[^>]*?name="([^"]+)" value="([^"]*)"', html))
    import html as html_lib

    return {k: html_lib.unescape(v) for k, v in fields.items()}


def test_page_review_marks_doubtful_rows_and_stores_a_correction(sqlite_client, sqlite_web_db, users):
    page_login(sqlite_client, users["planner"])
    review = page_upload(sqlite_client)
    assert review.status_code == 200, review.text[:2000]
    html = review.text
    assert 'class="doubtful"' in html and "存疑" in html and "单元格按位置切分" in html
    assert "人均预期寿命（岁）          78.3 ≥79" in html  # the source line beside
    assert '<pre id="line-6" class="hl"' in html and '<pre id="line-7">' in html  # marked there too
    fields = review_form(html)
    assert base64.b64decode(fields["document"]).decode() == YIXING_PLAN
    fields["cell-0-0-target"] = "≥80"
    done = sqlite_client.post("/plan-upload/store", data=fields)
    assert done.status_code == 200, done.text[:2000]
    assert "已存入规划" in done.text and "更正为“≥80”" in done.text
    plan_id = int(re.search(r'href="/plans/(\d+)"', done.text).group(1))
    with sqlite_web_db.session() as session:
        assert session.get(Plan, plan_id).region.code == "320282"
    sqlite_client.post("/logout", data={"csrf": csrf_of(sqlite_client.get("/").text)})
    page_login(sqlite_client, users["admin"])
    audit = sqlite_client.get("/admin/audit", params={"action": "correct_plan_cell"})
    assert "更正规划指标表" in audit.text and "读取为“≥79”，更正为“≥80”" in audit.text


@pytest.mark.parametrize(("text", "name", "message"), [
    (None, "", "请选择要上传的规划文件"),
    (b"\x00\x01\x02garbage", "plan.docx", "无法读取"),
    (YIXING_PLAN, "plan.exe", "类型不受支持"),
    (NO_TABLE, "plan.txt", "未找到本期规划指标表"),
])
def test_page_bad_input_gets_one_message_and_stores_nothing(sqlite_client, sqlite_web_db, users,
                                                           text, name, message):
    page_login(sqlite_client, users["planner"])
    before = snapshot(sqlite_web_db)
    response = page_upload(sqlite_client, text, name)
    assert response.status_code in (400, 413, 422)
    assert response.text.count('id="plan-upload-error"') == 1 and message in response.text
    assert snapshot(sqlite_web_db) == before


def test_page_stale_form_is_refused_and_nothing_stored(sqlite_client, sqlite_web_db, users):
    page_login(sqlite_client, users["planner"])
    fields = review_form(page_upload(sqlite_client).text)
    fields["document"] = base64.b64encode(YIXING_PLAN.replace("≥79", "≥78").encode()).decode()
    fields["cell-0-0-target"] = "≥80"
    before = snapshot(sqlite_web_db)
    response = sqlite_client.post("/plan-upload/store", data=fields)
    assert response.status_code == 422 and "读取的是“≥78”" in response.text
    assert snapshot(sqlite_web_db) == before


def test_page_is_for_planners_and_admins_only(sqlite_client, users):
    page_login(sqlite_client, users["clerk"])
    assert "上传规划" not in sqlite_client.get("/").text
    assert sqlite_client.get("/plan-upload").status_code == 403


def test_page_supersedes_needs_the_checkbox(sqlite_client, sqlite_web_db, users):
    page_login(sqlite_client, users["planner"])
    review = page_upload(sqlite_client, YIXING_PLAN.replace("宜兴市", "江阴市"))
    assert 'id="supersedes"' in review.text and "取代现行规划" in review.text
    fields = review_form(review.text)
    before = snapshot(sqlite_web_db)
    refused = sqlite_client.post("/plan-upload/store", data=fields)
    assert refused.status_code == 409 and "已有规划" in refused.text
    assert "勾选“取代现行规划”" in refused.text and "--replace" not in refused.text
    assert snapshot(sqlite_web_db) == before
    done = sqlite_client.post("/plan-upload/store", data={**fields, "replace": "yes"})
    assert done.status_code == 200 and "已存入规划" in done.text


# Who may load a plan of which region (Action.load_plan): admins everywhere, 无锡市's
# planner 无锡市 and the counties below it, nobody else.
MAY_LOAD = {"admin": {"320281", "320200", "320700"}, "planner": {"320281", "320200"},
            "clerk": set(), "viewer": set(), None: set()}
REGION_NAMES = {"320281": "江阴市", "320200": "无锡市", "320700": "连云港市"}
LOAD_CASES = [(u, r) for u in MAY_LOAD for r in REGION_NAMES]


@pytest.mark.parametrize(("user", "region"), LOAD_CASES,
                         ids=[f"{u or 'anonymous'}-{REGION_NAMES[r]}" for u, r in LOAD_CASES])
def test_who_may_load_a_plan_of_which_region(sqlite_client, sqlite_web_db, users, user, region):
    from web_helpers import denied_entries

    text = YIXING_PLAN.replace("宜兴市", REGION_NAMES[region])
    headers = auth(users[user]) if user else {}
    before, denied = snapshot(sqlite_web_db), len(denied_entries(sqlite_web_db))
    response = sqlite_client.post("/api/v1/plan-documents", headers=headers, data={"replace": "true"},
                                  files={"file": ("plan.txt", text.encode(), TXT)})
    if region in MAY_LOAD[user]:
        assert response.status_code == 201, response.text
        assert snapshot(sqlite_web_db)["plans"] == before["plans"] + 1
        return
    assert response.status_code == (401 if user is None else 403), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert snapshot(sqlite_web_db) == before
    entries = denied_entries(sqlite_web_db)
    assert len(entries) == denied + 1
    assert entries[-1].user_id == (users[user].id if user else None)


def test_page_refuses_a_plan_of_a_region_outside_the_planners(sqlite_client, sqlite_web_db, users):
    from web_helpers import denied_entries

    page_login(sqlite_client, users["planner"])
    before, denied = snapshot(sqlite_web_db), len(denied_entries(sqlite_web_db))
    response = page_upload(sqlite_client, YIXING_PLAN.replace("宜兴市", "连云港市"))
    assert response.status_code == 403 and "无权限" in response.text
    assert "plan-review-form" not in response.text
    assert snapshot(sqlite_web_db) == before
    assert len(denied_entries(sqlite_web_db)) == denied + 1


def test_page_asks_for_the_region_and_stores_under_the_one_given(sqlite_client, sqlite_web_db, users):
    page_login(sqlite_client, users["planner"])
    review = page_upload(sqlite_client, NO_REGION_PLAN)
    assert review.status_code == 200 and "请填写地区" in review.text
    fields = review_form(review.text)
    refused = sqlite_client.post("/plan-upload/store", data=fields)
    assert refused.status_code == 422 and "请填写地区" in refused.text
    done = sqlite_client.post("/plan-upload/store", data={**fields, "region": "320282"})
    assert done.status_code == 200 and "已存入规划" in done.text
    plan_id = int(re.search(r'href="/plans/(\d+)"', done.text).group(1))
    with sqlite_web_db.session() as session:
        assert session.get(Plan, plan_id).region.name == "宜兴市"


def test_an_upload_over_the_limit_is_413_and_stores_nothing(sqlite_web_db, users):
    from fastapi.testclient import TestClient
    from web_helpers import make_app

    before = snapshot(sqlite_web_db)
    with TestClient(make_app(sqlite_web_db, max_upload_bytes=200)) as client:
        response = upload(client, users["planner"], path="/api/v1/plan-documents")
        assert response.status_code == 413 and "超过" in response.json()["detail"]
        page_login(client, users["planner"])
        assert "超过" in page_upload(client).text
    assert snapshot(sqlite_web_db) == before


def test_the_store_form_needs_the_session_token(sqlite_client, sqlite_web_db, users):
    page_login(sqlite_client, users["planner"])
    fields = review_form(page_upload(sqlite_client).text)
    before = snapshot(sqlite_web_db)
    response = sqlite_client.post("/plan-upload/store", data={**fields, "csrf": "forged"})
    assert response.status_code == 403 and "CSRF" in response.text
    assert snapshot(sqlite_web_db) == before
