"""Who may write what, through every write route of the API: a table of route × user ×
region. An allowed write lands; a refused one answers 403 (401 without credentials),
changes nothing, and leaves a ``denied`` entry in the audit log naming the user."""

from __future__ import annotations

import io

import pytest
from web_helpers import JIANGYIN, LIANYUNGANG, WUXI, auth, denied_entries, plan_id, snapshot

# The 2020 baselines of beds_per_1000 in the demo database (printed in the plans).
BASELINE = {JIANGYIN: 5.5, WUXI: 6.91, LIANYUNGANG: 6.18}
NAMES = {JIANGYIN: "江阴市", WUXI: "无锡市", LIANYUNGANG: "连云港市"}
SOURCE = "测试数据（授权测试）"


def create(client, region, headers):
    return client.post("/api/v1/observations", headers=headers, json={
        "region": region, "indicator": "beds_per_1000", "year": 2023,
        "value": round(BASELINE[region] + 0.3, 2), "source": SOURCE, "accept_warnings": True})


def create_by_name(client, region, headers):
    return client.post("/api/v1/observations", headers=headers, json={
        "region": NAMES[region], "indicator": "每千人口医疗卫生机构床位数", "year": 2022,
        "value": round(BASELINE[region] + 0.2, 2), "source": SOURCE, "accept_warnings": True})


def correct(client, region, headers):
    return client.post("/api/v1/observations/corrections", headers=headers, json={
        "region": region, "indicator": "beds_per_1000", "year": 2020,
        "value": round(BASELINE[region] + 0.05, 2), "source": SOURCE,
        "reason": "核对统计年报后更正", "accept_warnings": True})


def csv_file(rows) -> bytes:
    lines = ["region,indicator,year,value,source,note"]
    lines += [f"{r},beds_per_1000,{y},{v},{SOURCE}," for r, y, v in rows]
    return ("\n".join(lines) + "\n").encode()


def import_csv(client, region, headers):
    data = csv_file([(region, 2022, round(BASELINE[region] + 0.2, 2))])
    return client.post("/api/v1/observations/import", headers=headers,
                       files={"file": ("填报.csv", io.BytesIO(data), "text/csv")},
                       data={"accept_warnings": "true"})


def import_mixed(client, region, headers):
    """A file with a row of 江阴市 and a row of ``region``: refused whole unless the user
    may write both."""
    rows = [(JIANGYIN, 2021, round(BASELINE[JIANGYIN] + 0.1, 2)),
            (region, 2022, round(BASELINE[region] + 0.2, 2))]
    return client.post("/api/v1/observations/import", headers=headers,
                       files={"file": ("混合.csv", io.BytesIO(csv_file(rows)), "text/csv")},
                       data={"accept_warnings": "true"})


def record_progress(client, region, headers):
    """Progress of the region's plan's first 专栏 project (issue 7)."""
    plan = plan_id(client.app.state.db, region)
    return client.post(f"/api/v1/plans/{plan}/progress", headers=headers, json={
        "kind": "project", "number": 1, "year": 2023, "status": "in_progress",
        "source": SOURCE})


def import_bulletin(client, region, headers):
    """One figure read from a bulletin of the region and imported (issue 15)."""
    text = (f"{NAMES[region]}2023年国民经济和社会发展统计公报\n{NAMES[region]}统计局\n\n"
            f"全市每千人口医疗卫生机构床位{round(BASELINE[region] + 0.3, 2)}张。\n")
    return client.post("/api/v1/bulletins/import", headers=headers,
                       files={"file": ("公报.txt", text.encode(), "text/plain")},
                       data={"decisions": '[{"index": 0, "action": "accept"}]',
                             "accept_warnings": "true"})


ROUTES = {
    "create": (create, "POST /api/v1/observations", 201),
    "create_by_name": (create_by_name, "POST /api/v1/observations", 201),
    "correct": (correct, "POST /api/v1/observations/corrections", 201),
    "import": (import_csv, "POST /api/v1/observations/import", 200),
    "import_mixed": (import_mixed, "POST /api/v1/observations/import", 200),
    "progress": (record_progress, "POST /api/v1/plans/{plan_id}/progress", 201),
    "bulletin": (import_bulletin, "POST /api/v1/bulletins/import", 200),
}
# The table an allowed write adds to (observations unless named here).
WRITES_TO = {"progress": "progress_entries"}
NOT_DATA_WRITES = {"POST /api/v1/tokens", "DELETE /api/v1/tokens/current",
                   "PUT /api/v1/me/password", "POST /api/v1/users/{name}/unlock",
                   # Reads a document and answers with candidates; writes nothing.
                   "POST /api/v1/bulletins/extract"}
# Loading a plan is Action.load_plan (planners, admins), not a data write: its table of
# role × region is in tests/web/test_plan_upload.py.
PLAN_LOADING = {"POST /api/v1/plan-documents", "POST /api/v1/plan-documents/review"}
# Reporting rounds' steps have their own table of role × region: tests/web/test_rounds_api.py.
ROUND_STEPS = {"POST /api/v1/rounds", "POST /api/v1/rounds/{round_id}/tasks/{region}/{action}",
               "POST /api/v1/rounds/{round_id}/tasks/{region}/confirmations",
               "POST /api/v1/rounds/{round_id}/tasks/{region}/no-data",
               "POST /api/v1/rounds/{round_id}/bulk-approve"}
# Drafts of the next plan are planning work (Action.load_plan): tests/web/test_api_drafts.py.
DRAFT_WRITES = {"POST /api/v1/drafts", "PUT /api/v1/drafts/{draft_id}/file"}

# Who may write the data of which region: admins everywhere, a clerk only their own.
MAY_WRITE = {
    "admin": {JIANGYIN, WUXI, LIANYUNGANG},
    "clerk": {JIANGYIN},
    "clerk_lyg": {LIANYUNGANG},
    "planner": set(),
    "viewer": set(),
    None: set(),
}


def allowed(route: str, user: str | None, region: str) -> bool:
    regions = {region, JIANGYIN} if route == "import_mixed" else {region}
    return regions <= MAY_WRITE[user]


def test_every_write_route_is_in_the_table(sqlite_app):
    """A new write route of the API must be added to ROUTES (and so to this test)."""
    paths = sqlite_app.openapi()["paths"]
    writes = {f"{method.upper()} /api/v1{path}" if not path.startswith("/api/") else
              f"{method.upper()} {path}"
              for path, operations in paths.items() for method in operations
              if method in ("post", "put", "patch", "delete")}
    covered = {name for _, name, _ in ROUTES.values()}
    assert writes - NOT_DATA_WRITES - PLAN_LOADING - ROUND_STEPS - DRAFT_WRITES == covered


CASES = [(route, user, region) for route in ROUTES for user in MAY_WRITE
         for region in (JIANGYIN, WUXI, LIANYUNGANG)]


@pytest.mark.parametrize(("route", "user", "region"), CASES,
                         ids=[f"{r}-{u or 'anonymous'}-{NAMES[g]}" for r, u, g in CASES])
def test_write_route_by_role_and_region(sqlite_client, sqlite_web_db, users, route, user,
                                        region):
    call, _, ok_status = ROUTES[route]
    headers = auth(users[user]) if user else {}
    before = snapshot(sqlite_web_db)
    denied_before = len(denied_entries(sqlite_web_db))
    response = call(sqlite_client, region, headers)
    if allowed(route, user, region):
        assert response.status_code == ok_status, response.text
        table = WRITES_TO.get(route, "observations")
        assert snapshot(sqlite_web_db)[table] > before[table]
        assert len(denied_entries(sqlite_web_db)) == denied_before
        return
    assert response.status_code == (401 if user is None else 403), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
    assert snapshot(sqlite_web_db) == before, "a refused write changed data"
    denied = denied_entries(sqlite_web_db)
    assert len(denied) == denied_before + 1
    entry = denied[-1]
    if user is None:
        assert entry.user_id is None
    else:
        assert entry.user_id == users[user].id
        assert users[user].name in entry.summary


@pytest.mark.parametrize("route", list(ROUTES))
def test_clerk_of_jiangyin_on_both_databases(client, web_db, users, route):
    """The same rules on PostgreSQL: 江阴市's clerk writes 江阴市 and not 无锡市."""
    call, _, ok_status = ROUTES[route]
    before = snapshot(web_db)
    refused = call(client, WUXI, auth(users["clerk"]))
    assert refused.status_code == 403
    assert snapshot(web_db) == before
    assert denied_entries(web_db)[-1].user_id == users["clerk"].id
    if route != "import_mixed":
        assert call(client, JIANGYIN, auth(users["clerk"])).status_code == ok_status


def test_session_write_without_csrf_token_is_refused(sqlite_client, sqlite_web_db, users):
    """A write authenticated by the page session cookie alone (no token) must carry the
    session's CSRF token; otherwise it counts as not logged in."""
    from itsdangerous import TimestampSigner  # noqa: F401  (the session cookie's signer)

    from healthplan.store.models import User
    from healthplan.store.users import start_session

    with sqlite_web_db.session() as session:
        sid = start_session(session, session.get(User, users["clerk"].id), 1)
    before = snapshot(sqlite_web_db)
    cookie = _session_cookie(sqlite_client.app, {"sid": sid, "csrf": "abc"})
    sqlite_client.cookies.set("healthplan_session", cookie)
    refused = create(sqlite_client, JIANGYIN, {})
    assert refused.status_code == 401
    assert snapshot(sqlite_web_db) == before
    accepted = create(sqlite_client, JIANGYIN, {"X-CSRF-Token": "abc"})
    assert accepted.status_code == 201, accepted.text


def _session_cookie(app, data: dict) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it."""
    import base64
    import json

    from itsdangerous import TimestampSigner
    from web_helpers import SECRET

    del app
    payload = base64.b64encode(json.dumps(data).encode())
    return TimestampSigner(SECRET).sign(payload).decode()
