"""The REST API: what each route answers, on the demo database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re

from web_helpers import JIANGYIN, auth, plan_id, snapshot


def test_plans_list_and_one(client, users):
    r = client.get("/api/v1/plans", headers=auth(users["admin"]))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert {p["region"]["name"] for p in items} >= {"无锡市", "江阴市", "连云港市"}
    jiangyin = next(p for p in items if p["region"]["code"] == JIANGYIN)
    one = client.get(f"/api/v1/plans/{jiangyin['id']}", headers=auth(users["viewer"])).json()
    assert one["targets"] and one["projects"] and one["commitments"]
    assert one["region"]["name"] == "江阴市"


def test_create_observation_needs_credentials(client, web_db):
    before = snapshot(web_db)
    r = client.post("/api/v1/observations", json={"region": "江阴市", "indicator": "life_expectancy",
                                                  "year": 2023, "value": 83.1, "source": "测试"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 401 and body["title"] and body["detail"]
    assert snapshot(web_db) == before


def test_clerk_creates_and_corrects_an_observation(client, users, web_db):
    clerk = users["clerk"]
    payload = {"region": "江阴市", "indicator": "life_expectancy", "year": 2023, "value": 83.1,
               "source": "2023年江阴市卫生健康统计年报（测试）"}
    r = client.post("/api/v1/observations", json=payload, headers=auth(clerk))
    assert r.status_code == 201, r.text
    assert r.json()["observation"]["version"] == 1
    again = client.post("/api/v1/observations", json=payload, headers=auth(clerk))
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    other = client.post("/api/v1/observations", json={**payload, "value": 83.3}, headers=auth(clerk))
    assert other.status_code == 409
    fix = client.post("/api/v1/observations/corrections",
                      json={**payload, "value": 83.3, "reason": "统计口径更正"}, headers=auth(clerk))
    assert fix.status_code == 201, fix.text
    assert fix.json()["observation"]["version"] == 2
    history = client.get("/api/v1/observations/history",
                         params={"region": JIANGYIN, "indicator": "life_expectancy", "year": 2023},
                         headers=auth(clerk)).json()
    assert [v["value"] for v in history["versions"]] == [83.1, 83.3]
    assert history["versions"][1]["reason"] == "统计口径更正"
    assert history["versions"][1]["recorded_by"] == clerk.name
    log = client.get("/api/v1/audit", params={"object_type": "observation"},
                     headers=auth(users["admin"])).json()["items"]
    assert log[0]["action"] == "correct" and log[0]["user"] == clerk.name
    assert log[0]["detail"]["before"]["value"] == 83.1 and log[0]["detail"]["after"]["value"] == 83.3
    assert log[0]["detail"]["source"] == payload["source"]
    evaluation = client.get(f"/api/v1/plans/{plan_id(web_db, JIANGYIN)}/evaluation",
                            headers=auth(clerk)).json()
    row = next(t for t in evaluation["targets"] if t["indicator_id"] == "life_expectancy")
    assert row["latest_value"] == 83.3 and row["latest_year"] == 2023
    json.dumps(evaluation)


def test_dashboard_summary_and_evaluation_fields(client, users, web_db):
    """The evaluation has exactly the fields of `healthplan evaluate --format json`."""
    from healthplan.store.evaluation import evaluate_stored_plan

    pid = plan_id(web_db, JIANGYIN)
    h = auth(users["viewer"])
    evaluation = client.get(f"/api/v1/plans/{pid}/evaluation", headers=h).json()
    with web_db.session() as session:
        expected = json.loads(json.dumps(evaluate_stored_plan(session, pid).to_json(),
                                         ensure_ascii=False))
    assert evaluation == expected
    summary = client.get(f"/api/v1/plans/{pid}/summary", headers=h).json()
    assert summary["plan_id"] == pid and summary["targets"] == len(evaluation["targets"])
    assert sum(summary["counts"].values()) == summary["targets"]
    wuxi = client.get(f"/api/v1/plans/{plan_id(web_db, '320200')}/summary", headers=h).json()
    assert [c["region"] for c in wuxi["children"]] == ["江阴市"]
    year = client.get(f"/api/v1/plans/{pid}/evaluation?year=2022", headers=h).json()
    assert year["year"] == 2022


def test_tokens_from_password_and_revoked(client, users, web_db):
    clerk = users["clerk"]
    wrong = client.post("/api/v1/tokens", json={"name": clerk.name, "password": "wrong pass"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "用户名或密码错误，或账号已停用"
    nobody = client.post("/api/v1/tokens", json={"name": "nobody", "password": "wrong pass"})
    assert nobody.status_code == 401
    r = client.post("/api/v1/tokens", json={"name": clerk.name, "password": clerk.password,
                                           "token_name": "脚本"})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=h).json()
    assert me["name"] == clerk.name and me["role"] == "clerk" and me["region"]["code"] == JIANGYIN
    assert client.delete("/api/v1/tokens/current", headers=h).status_code == 204
    assert client.get("/api/v1/me", headers=h).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    log = client.get("/api/v1/audit", params={"object_type": "login"},
                     headers=auth(users["admin"])).json()["items"]
    assert len(log) == 2 and all(e["action"] == "denied" for e in log)


def test_audit_log_is_for_admins_only(client, users, web_db):
    for key in ("planner", "clerk", "viewer"):
        r = client.get("/api/v1/audit", headers=auth(users[key]))
        assert r.status_code == 403
    log = client.get("/api/v1/audit", params={"action": "denied"},
                     headers=auth(users["admin"])).json()
    assert log["total"] == 3
    assert {e["user"] for e in log["items"]} == {users[k].name for k in ("planner", "clerk", "viewer")}
    assert client.get("/api/v1/audit").status_code == 401


def test_reads_are_limited_to_the_users_region(client, users, web_db):
    """A planner of 无锡市 sees 无锡市's and 江阴市's plans, not 连云港市's; the refusal is logged."""
    h = auth(users["planner"])
    regions = {p["region"]["name"] for p in client.get("/api/v1/plans", headers=h).json()["items"]}
    assert regions == {"无锡市", "江阴市"}
    lyg = plan_id(web_db, "320700")
    assert client.get(f"/api/v1/plans/{lyg}", headers=h).status_code == 403
    assert client.get(f"/api/v1/plans/{lyg}/evaluation", headers=h).status_code == 403
    assert client.get(f"/api/v1/plans/{lyg}/evaluation", headers=auth(users["viewer"])).status_code == 200
    log = client.get("/api/v1/audit", params={"action": "denied"},
                     headers=auth(users["admin"])).json()["items"]
    assert len(log) == 2 and all(e["user"] == users["planner"].name for e in log)


def test_report_download_for_planners(sqlite_client, users, sqlite_web_db):
    wuxi = plan_id(sqlite_web_db, "320200", start=2016)
    r = sqlite_client.get(f"/api/v1/plans/{wuxi}/report", params={"kind": "final", "format": "xlsx"},
                          headers=auth(users["planner"]))
    assert r.status_code == 200, r.text
    assert r.content[:2] == b"PK" and "spreadsheetml" in r.headers["content-type"]
    assert "filename*=utf-8''" in r.headers["content-disposition"].lower()
    assert sqlite_client.get(f"/api/v1/plans/{wuxi}/report", params={"format": "html"},
                             headers=auth(users["clerk"])).status_code == 403
    lyg = plan_id(sqlite_web_db, "320700")
    assert sqlite_client.get(f"/api/v1/plans/{lyg}/report", headers=auth(users["planner"])
                             ).status_code == 403
    bad = sqlite_client.get(f"/api/v1/plans/{wuxi}/report", params={"year": 2030},
                            headers=auth(users["admin"]))
    assert bad.status_code == 422 and "规划期" in bad.json()["detail"]


def test_regions_indicators_observations(sqlite_client, users):
    h = auth(users["viewer"])
    tree = sqlite_client.get("/api/v1/regions/tree", headers=h).json()
    [nation] = tree["roots"]
    assert nation["code"] == "000000"
    jiangsu = next(c for c in nation["children"] if c["name"] == "江苏省")
    wuxi = next(c for c in jiangsu["children"] if c["name"] == "无锡市")
    assert [c["name"] for c in wuxi["children"]] == ["江阴市"]
    one = sqlite_client.get("/api/v1/regions/江阴市", headers=h).json()
    assert one["code"] == JIANGYIN and [a["name"] for a in one["ancestors"]][-1] == "无锡市"
    assert sqlite_client.get("/api/v1/regions", params={"parent": "无锡市"}, headers=h
                             ).json()["total"] >= 7
    indicators = sqlite_client.get("/api/v1/indicators", params={"q": "预期寿命"}, headers=h).json()
    assert "life_expectancy" in {i["id"] for i in indicators["items"]}
    values = sqlite_client.get("/api/v1/observations", params={"region": JIANGYIN, "year": 2020},
                               headers=h).json()
    assert values["total"] > 10
    assert all(v["region"]["code"] == JIANGYIN and v["year"] == 2020 for v in values["items"])
    clerk_view = sqlite_client.get("/api/v1/observations", params={"year": 2020},
                                   headers=auth(users["clerk"])).json()
    assert {v["region"]["code"] for v in clerk_view["items"]} == {JIANGYIN}


def test_openapi_and_docs(sqlite_client):
    schema = sqlite_client.get("/api/v1/openapi.json").json()
    assert "/api/v1/plans" in schema["paths"] and "/api/v1/observations/import" in schema["paths"]
    docs = sqlite_client.get("/api/v1/docs")
    assert docs.status_code == 200
    # The docs page loads its scripts from this server, never from a CDN.
    scripts = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert scripts and all(url.startswith("/") and not url.startswith("//")
                           for url in scripts), scripts
    for url in scripts:
        assert sqlite_client.get(url).status_code == 200, url
