"""The bulletin review over the API: candidates beside the stored values, decisions
(accept, edit, reject), one import batch in the audit log; conflicts never silent."""

from __future__ import annotations

import json

from web_helpers import auth, snapshot

COUNTY = """江阴市2021年国民经济和社会发展统计公报
江阴市统计局　2022年3月15日

全市人均预期寿命达到82.49岁。
婴儿死亡率和5岁以下儿童死亡率分别为2.57‰和3.52‰。
年末全市共有开放床位9683张，卫生技术人员12415人。
""".encode()

NATIONAL = ("2024年我国卫生健康事业发展统计公报\n国家卫生健康委员会\n\n"
            "居民人均预期寿命达到79.1岁。").encode()


def upload(client, user, path, data, **form):
    return client.post(f"/api/v1/bulletins/{path}", headers=auth(user),
                       files={"file": ("江阴市2021年公报.txt", data, "text/plain")}, data=form)


def test_review_edit_reject_import(sqlite_client, users, sqlite_web_db):
    clerk = users["clerk"]
    r = upload(sqlite_client, clerk, "extract", COUNTY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["publication"]["region"] == "江阴市" and body["publication"]["year"] == 2021
    assert [(c["indicator_id"], c["value"], c["line"]) for c in body["candidates"]] == [
        ("life_expectancy", 82.49, 4), ("infant_mortality", 2.57, 5),
        ("under5_mortality", 3.52, 5)]
    before = snapshot(sqlite_web_db)
    decisions = [{"index": 0, "action": "accept"}, {"index": 1, "action": "accept", "value": 2.6},
                 {"index": 2, "action": "reject"}]
    bad = upload(sqlite_client, clerk, "import", COUNTY, decisions="[{\"index\": 9}]")
    assert bad.status_code == 422 and snapshot(sqlite_web_db) == before
    r = upload(sqlite_client, clerk, "import", COUNTY, decisions=json.dumps(decisions))
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["added"], done["rejected"]) == (2, 1)
    log = sqlite_client.get("/api/v1/audit", params={"object_type": "import"},
                            headers=auth(users["admin"])).json()["items"]
    assert log[0]["object_id"] == done["batch_id"] and "新增 2 条" in log[0]["summary"]
    history = sqlite_client.get("/api/v1/observations/history", headers=auth(clerk), params={
        "region": "320281", "indicator": "infant_mortality", "year": 2021}).json()["versions"]
    assert history[0]["value"] == 2.6 and "印刷值 2.57 改为 2.6" in history[0]["note"]
    assert history[0]["source"] == "江阴市统计局《江阴市2021年国民经济和社会发展统计公报》（2022-03-15）第5行"


def test_a_conflict_is_shown_and_not_overwritten_silently(sqlite_client, users, sqlite_web_db):
    admin = users["admin"]
    body = upload(sqlite_client, admin, "extract", NATIONAL).json()
    (candidate,) = body["candidates"]
    assert candidate["conflict"] is True
    assert candidate["stored"]["value"] == 79.0 and "2024" in candidate["stored"]["source"]
    before = snapshot(sqlite_web_db)
    r = upload(sqlite_client, admin, "import", NATIONAL,
               decisions=json.dumps([{"index": 0, "action": "accept"}]))
    assert r.status_code == 422 and r.json()["needs_acceptance"] is True
    assert snapshot(sqlite_web_db) == before
    clerk = upload(sqlite_client, users["clerk"], "import", NATIONAL,
                   decisions=json.dumps([{"index": 0, "action": "accept"}]), accept_warnings="true")
    assert clerk.status_code == 403 and snapshot(sqlite_web_db) == before
