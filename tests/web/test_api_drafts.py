"""The next plan over the API (issue 17): proposals, a draft's life, bad input — on SQLite
and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from web_helpers import WUXI, auth, snapshot


def test_proposals_and_a_draft_round_trip(client, users):
    planner = auth(users["planner"])
    got = client.get("/api/v1/proposals", params={"region": "无锡市", "period": "2026-2030"}, headers=planner)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["note"] == "建议目标，非规划数据"
    life = next(p for p in body["proposals"] if p["indicator_id"] == "life_expectancy")
    assert life["parent_target"]["target"] == "80" and life["baseline_year"] == 2020
    # bad input: a period that is not five years, a region with no plans; nothing stored
    bad = client.get("/api/v1/proposals", params={"region": WUXI, "period": "2026-2028"}, headers=planner)
    assert bad.status_code == 422 and "不是五年" in bad.json()["detail"]
    assert bad.headers["content-type"].startswith("application/problem+json")
    none = client.post("/api/v1/drafts", json={"region": "徐州市"}, headers=auth(users["admin"]))
    assert none.status_code == 422 and "尚未载入任何规划" in none.json()["detail"]

    made = client.post("/api/v1/drafts", json={"region": "无锡市", "period": "2026-2030"}, headers=planner)
    assert made.status_code == 201, made.text
    draft = made.json()
    assert client.get(f"/api/v1/drafts/{draft['id']}/check", headers=planner).json()["findings"] == []
    xlsx = client.get(f"/api/v1/drafts/{draft['id']}/file", params={"format": "xlsx"}, headers=planner)
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    life_row = next(r for r in range(4, 40) if book.active[f"H{r}"].value == "life_expectancy")
    book.active[f"F{life_row}"] = "≥80"  # weaker than its own 2020 level 83.19
    edited = io.BytesIO()
    book.save(edited)
    up = client.put(f"/api/v1/drafts/{draft['id']}/file", headers=planner,
                    files={"file": ("d.xlsx", edited.getvalue())})
    assert up.status_code == 200, up.text
    kinds = {f["kind"] for f in client.get(f"/api/v1/drafts/{draft['id']}/check", headers=planner).json()["findings"]}
    assert kinds == {"weaker_than_baseline"}
    book.active["A3"] = "类别"
    changed = io.BytesIO()
    book.save(changed)
    refused = client.put(f"/api/v1/drafts/{draft['id']}/file", headers=planner,
                         files={"file": ("h.xlsx", changed.getvalue())})
    assert refused.status_code == 422 and "表头" in refused.json()["detail"]
    after = client.get(f"/api/v1/drafts/{draft['id']}", headers=planner).json()
    assert next(r for r in after["rows"] if r["indicator_id"] == "life_expectancy")["target_text"] == "≥80"
    # a clerk of another region may not write a draft for 无锡市
    assert client.post("/api/v1/drafts", json={"region": "无锡市"},
                       headers=auth(users["clerk_lyg"])).status_code == 403


# Writing a draft is planning work (Action.load_plan): admins anywhere, a planner within
# their own region; clerks and viewers never. One row per user.
DRAFT_WRITERS = {"admin": 201, "planner": 201, "clerk": 403, "clerk_lyg": 403, "viewer": 403,
                 None: 401}


@pytest.mark.parametrize("user", list(DRAFT_WRITERS))
def test_who_may_write_a_draft_of_wuxi(sqlite_client, sqlite_web_db, users, user):
    headers = auth(users[user]) if user else {}
    before = snapshot(sqlite_web_db)
    made = sqlite_client.post("/api/v1/drafts", json={"region": "无锡市", "period": "2026-2030"},
                              headers=headers)
    assert made.status_code == DRAFT_WRITERS[user], made.text
    if made.status_code != 201:
        assert snapshot(sqlite_web_db) == before
        return
    # The same user may replace the draft's rows from its own workbook.
    draft = made.json()["id"]
    book = sqlite_client.get(f"/api/v1/drafts/{draft}/file", params={"format": "xlsx"},
                             headers=headers)
    up = sqlite_client.put(f"/api/v1/drafts/{draft}/file", headers=headers,
                           files={"file": ("d.xlsx", book.content)})
    assert up.status_code == 200, up.text
    # ... and nobody below may.
    viewer = sqlite_client.put(f"/api/v1/drafts/{draft}/file", headers=auth(users["viewer"]),
                               files={"file": ("d.xlsx", book.content)})
    assert viewer.status_code == 403
