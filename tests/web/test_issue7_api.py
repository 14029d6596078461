"""The API of plan audit, tracked commitments and projects, and search (issue 7):
``/api/v1/plans/{id}/audit``, ``/tracked``, ``/tracked/{kind}/{number}/history``,
``POST /plans/{id}/progress`` and ``/api/v1/search``."""

from __future__ import annotations

from web_helpers import JIANGYIN, LIANYUNGANG, WUXI, auth, denied_entries, plan_id, snapshot

SOURCE = "江阴市急救中心2023年工作报告（测试数据）"


def item_number(client, user, plan: int, text: str, kind: str = "commitment") -> int:
    body = client.get(f"/api/v1/plans/{plan}/tracked", headers=auth(user)).json()
    return next(i["number"] for i in body["items"] if i["kind"] == kind and text in i["text"])


def progress(client, user, plan: int, **fields):
    return client.post(f"/api/v1/plans/{plan}/progress", headers=auth(user) if user else {},
                       json={"year": 2023, "source": SOURCE, **fields})


# --------------------------------------------------------------------------- audit


def test_audit_lists_findings_as_the_cli_does(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    response = sqlite_client.get(f"/api/v1/plans/{plan}/audit", headers=auth(users["viewer"]))
    assert response.status_code == 200, response.text
    findings = response.json()
    assert findings and all({"kind", "severity", "message", "evidence"} <= set(f) for f in findings)
    assert all(e["line"] >= 1 and e["quote"] for f in findings for e in f["evidence"])
    assert {f["severity"] for f in findings} <= {"high", "medium", "low"}


def test_audit_needs_read_permission(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, WUXI)
    assert sqlite_client.get(f"/api/v1/plans/{plan}/audit").status_code == 401
    refused = sqlite_client.get(f"/api/v1/plans/{plan}/audit", headers=auth(users["clerk_lyg"]))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    missing = sqlite_client.get("/api/v1/plans/999999/audit", headers=auth(users["admin"]))
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]


# --------------------------------------------------------------------------- tracked items


def test_tracked_items_and_counts(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    body = sqlite_client.get(f"/api/v1/plans/{plan}/tracked", headers=auth(users["planner"])).json()
    assert body["plan_id"] == plan and body["items"]
    kinds = {i["kind"] for i in body["items"]}
    assert kinds == {"commitment", "project"}
    assert sum(body["counts"].values()) == len(body["items"])
    first = body["items"][0]
    assert {"number", "label", "text", "rule", "verdict", "verdict_cn", "explanation", "line",
            "latest"} <= set(first)
    bad_year = sqlite_client.get(f"/api/v1/plans/{plan}/tracked?year=2030",
                                 headers=auth(users["planner"]))
    assert bad_year.status_code == 422 and "规划期" in bad_year.json()["detail"]


def test_record_progress_correct_it_and_read_the_history(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    clerk = users["clerk"]
    number = item_number(sqlite_client, clerk, plan, "急救平均反应时间")
    created = progress(sqlite_client, clerk, plan, kind="commitment", number=number, value=9.5)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "created" and body["entry"]["version"] == 1
    assert body["item"]["verdict"] in ("achieved", "on_track")
    assert body["entry"]["recorded_by"]

    again = progress(sqlite_client, clerk, plan, kind="commitment", number=number, value=9.5)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"

    no_reason = progress(sqlite_client, clerk, plan, kind="commitment", number=number, value=10.8)
    assert no_reason.status_code == 422 and "原因" in no_reason.json()["detail"]

    corrected = progress(sqlite_client, clerk, plan, kind="commitment", number=number,
                         value=10.8, reason="工作报告修订后更正")
    assert corrected.status_code == 201 and corrected.json()["status"] == "corrected"
    assert corrected.json()["item"]["verdict"] in ("not_achieved", "off_track", "at_risk")

    history = sqlite_client.get(f"/api/v1/plans/{plan}/tracked/commitment/{number}/history",
                                headers=auth(users["viewer"]))
    assert history.status_code == 200
    versions = history.json()["versions"]
    assert [(v["version"], v["value"]) for v in versions] == [(1, 9.5), (2, 10.8)]
    assert versions[1]["reason"] == "工作报告修订后更正" and versions[0]["source"] == SOURCE


def test_project_takes_a_status_not_a_value(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, JIANGYIN)
    clerk = users["clerk"]
    wrong = progress(sqlite_client, clerk, plan, kind="project", number=1, value=3)
    assert wrong.status_code == 422 and "状态" in wrong.json()["detail"]
    done = progress(sqlite_client, clerk, plan, kind="project", number=1, status="in_progress")
    assert done.status_code == 201, done.text
    assert done.json()["item"]["latest"]["status"] == "in_progress"
    unknown = progress(sqlite_client, clerk, plan, kind="project", number=999, status="completed")
    assert unknown.status_code == 404
    bad_status = progress(sqlite_client, clerk, plan, kind="project", number=2, status="差不多")
    assert bad_status.status_code == 422 and "无法识别" in bad_status.json()["detail"]
    no_source = progress(sqlite_client, clerk, plan, kind="project", number=2, status="completed",
                         source="")
    assert no_source.status_code == 422


def test_progress_write_rules(sqlite_client, sqlite_web_db, users):
    """401 without credentials, 403 for a clerk of another region or a planner; each
    refusal is logged and changes nothing."""
    plan = plan_id(sqlite_web_db, JIANGYIN)
    before = snapshot(sqlite_web_db)
    denied = len(denied_entries(sqlite_web_db))
    anonymous = progress(sqlite_client, None, plan, kind="project", number=1, status="completed")
    assert anonymous.status_code == 401
    for key in ("clerk_lyg", "planner", "viewer"):
        refused = progress(sqlite_client, users[key], plan, kind="project", number=1,
                           status="completed")
        assert refused.status_code == 403, (key, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert snapshot(sqlite_web_db) == before
    entries = denied_entries(sqlite_web_db)
    assert len(entries) == denied + 4
    assert entries[-3].user_id == users["clerk_lyg"].id
    admin = progress(sqlite_client, users["admin"], plan, kind="project", number=1,
                     status="completed")
    assert admin.status_code == 201
    assert snapshot(sqlite_web_db)["progress_entries"] == before["progress_entries"] + 1


def test_progress_bad_input(sqlite_client, sqlite_web_db, users):
    plan = plan_id(sqlite_web_db, LIANYUNGANG)
    clerk = users["clerk_lyg"]
    before = snapshot(sqlite_web_db)
    for fields in ({"kind": "thing", "number": 1, "status": "completed"},
                   {"kind": "project", "number": 0, "status": "completed"},
                   {"kind": "project", "number": 1, "status": "completed", "year": 2019},
                   {"kind": "project", "number": 1, "status": "completed", "year": 2099},
                   {"kind": "project", "number": 1, "status": "completed", "extra": 1}):
        response = progress(sqlite_client, clerk, plan, **fields)
        assert response.status_code == 422, (fields, response.text)
        assert response.json()["detail"]
    assert snapshot(sqlite_web_db) == before


# --------------------------------------------------------------------------- search


def test_search_returns_hits_with_the_cli_fields(sqlite_client, users):
    response = sqlite_client.get("/api/v1/search", params={"q": "急救 反应时间"},
                                 headers=auth(users["viewer"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] >= 3
    hit = body["items"][0]
    assert {"plan_id", "region", "document", "line", "outline_path", "snippet"} <= set(hit)
    assert "«" in hit["snippet"] and "<mark>" in hit["snippet_html"]
    assert hit["url"] == f"/plans/{hit['plan_id']}/text#L{hit['line']}"
    regions = {h["region"] for h in body["items"]}
    assert {"无锡市", "江阴市"} <= regions


def test_search_filters_and_permissions(sqlite_client, users):
    viewer = auth(users["viewer"])
    county = sqlite_client.get("/api/v1/search", headers=viewer,
                               params={"q": "急救 反应时间", "level": "county"}).json()
    assert county["items"] and {h["level"] for h in county["items"]} == {"county"}
    projects = sqlite_client.get("/api/v1/search", headers=viewer,
                                 params={"q": "急救", "section": "专栏"}).json()
    assert projects["items"] and {h["section"] for h in projects["items"]} == {"project"}
    # A clerk of 江阴市 reads only 江阴市's plan, whatever region they ask for.
    clerk = auth(users["clerk"])
    mine = sqlite_client.get("/api/v1/search", headers=clerk, params={"q": "急救"}).json()
    assert mine["items"] and {h["region_code"] for h in mine["items"]} == {JIANGYIN}
    above = sqlite_client.get("/api/v1/search", headers=clerk,
                              params={"q": "急救", "region": "无锡市"}).json()
    assert {h["region_code"] for h in above["items"]} == {JIANGYIN}
    other = sqlite_client.get("/api/v1/search", headers=clerk,
                              params={"q": "急救", "region": "连云港市"}).json()
    assert other["items"] == []


def test_search_bad_queries_are_422_in_chinese(sqlite_client, users):
    viewer = auth(users["viewer"])
    for q, words in (("", "为空"), ("   ", "为空"), ("，。！？……", "标点"),
                     ("急救" * 150, "过长")):
        response = sqlite_client.get("/api/v1/search", params={"q": q}, headers=viewer)
        assert response.status_code == 422, (q, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert words in response.json()["detail"]
    huge = sqlite_client.get("/api/v1/search", params={"q": "急" * 5000}, headers=viewer)
    assert huge.status_code == 422
    bad_level = sqlite_client.get("/api/v1/search", params={"q": "急救", "level": "planet"},
                                  headers=viewer)
    assert bad_level.status_code == 422 and "层级" in bad_level.json()["detail"]
    assert sqlite_client.get("/api/v1/search", params={"q": "急救"}).status_code == 401


def test_search_tracking_and_audit_on_both_databases(client, web_db, users):
    """The same answers on SQLite (FTS5) and PostgreSQL (tsvector)."""
    viewer = auth(users["viewer"])
    hits = client.get("/api/v1/search", params={"q": "急救 反应时间"}, headers=viewer).json()
    assert hits["count"] >= 3 and "«急救»" in hits["items"][0]["snippet"]
    plan = plan_id(web_db, JIANGYIN)
    assert client.get(f"/api/v1/plans/{plan}/audit", headers=viewer).json()
    done = progress(client, users["clerk"], plan, kind="project", number=1, status="completed")
    assert done.status_code == 201, done.text
    assert done.json()["item"]["verdict"] == "achieved"
