"""Issue 13's security points: the audit page with every kind of entry, login throttling
and lockout, revocable sessions, refusals without a login, security headers, one rule
for what a user may see, one user-input policy. Where several workers or servers must
act as one, two applications (each with its own engine) share one database, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from web_helpers import JIANGYIN, LIANYUNGANG, PASSWORD, auth, make_app, plan_id

from healthplan.store.models import AuditEntry, LoginThrottle, User, WebSession

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
# Small limits, so that a test reaches them in a few attempts.
LIMITS = {"account_delay_after": 100, "account_lock_after": 4, "address_failures": 50}


def client_for(app, **kwargs) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, **kwargs)


def page_login(client, name: str, password: str = PASSWORD):
    page = client.get("/login")
    csrf = CSRF_RE.search(page.text).group(1)
    return client.post("/login", data={"username": name, "password": password, "csrf": csrf,
                                       "next": "/"}, follow_redirects=False)


def token_login(client, name: str, password: str = PASSWORD):
    return client.post("/api/v1/tokens", json={"name": name, "password": password})


def audit_count(db, **where) -> int:
    query = select(func.count(AuditEntry.id))
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    with db.session() as session:
        return session.scalar(query)


def second_database(db):
    """The same database through an engine of its own: another worker or server."""
    from healthplan.store.database import open_database

    return open_database(db.url)


# --------------------------------------------------------------------------- 1. the audit page


def test_audit_page_shows_every_kind_of_entry(sqlite_client, users, sqlite_web_db):
    client, db = sqlite_client, sqlite_web_db
    clerk, admin = auth(users["clerk"]), auth(users["admin"])
    source = "2023年江阴市卫生健康统计年报（测试）"
    value = {"region": "江阴市", "indicator": "beds_per_1000", "year": 2023, "value": 5.6,
             "source": source, "accept_warnings": True}
    assert client.post("/api/v1/observations", json=value, headers=clerk).status_code == 201
    assert client.post("/api/v1/observations/corrections", headers=clerk, json={
        **value, "value": 5.7, "reason": "核对年报后更正"}).status_code == 201
    csv = f"region,indicator,year,value,source,note\n江阴市,beds_per_1000,2023,5.8,{source},再次核对\n"
    imported = client.post("/api/v1/observations/import", headers=clerk, data={"accept_warnings": "true"},
                           files={"file": ("填报.csv", io.BytesIO(csv.encode()), "text/csv")})
    assert imported.status_code == 200, imported.text
    plan = plan_id(db, JIANGYIN)
    progress = {"kind": "project", "number": 1, "year": 2023, "status": "in_progress", "source": source}
    assert client.post(f"/api/v1/plans/{plan}/progress", json=progress, headers=clerk).status_code == 201
    assert client.post(f"/api/v1/plans/{plan}/progress", headers=clerk, json={
        **progress, "status": "completed", "reason": "项目已竣工"}).status_code == 201
    # A refusal of a logged-in user, a wrong password, a refusal without a login.
    assert client.post("/api/v1/observations", json={**value, "region": "连云港市"},
                       headers=clerk).status_code == 403
    assert token_login(client, users["viewer"].name, "wrong password 1").status_code == 401
    assert client.post("/api/v1/observations", json=value).status_code == 401
    browser = client_for(client.app)
    assert page_login(browser, users["admin"].name).status_code == 303
    assert browser.get("/admin/audit").status_code == 200  # was a 500 on the API's dicts
    assert client.post("/api/v1/users/viewer/unlock", headers=admin).status_code == 200

    with db.session() as session:
        actions = set(session.scalars(select(AuditEntry.action).distinct()))
    assert {"load_plan", "record", "correct", "import", "record_progress", "correct_progress",
            "denied", "add_user", "unlock_user"} <= actions
    total = audit_count(db)
    pages = -(-total // 100)
    for number in range(1, pages + 1):
        r = browser.get("/admin/audit", params={"page": number})
        assert r.status_code == 200, r.text[-2000:]
    text = re.sub(r"<[^>]+>", "", browser.get("/admin/audit").text)
    assert "5.6（第1版） → 5.7（第2版）" in text  # the API's dicts, as text
    assert "5.7 → 5.8" in text  # an import's corrected row
    assert "推进中（第1版） → 已完成（第2版）" in text  # tracked progress by its status
    for action in actions:  # every action is named in Chinese on the page
        assert browser.get("/admin/audit", params={"action": action}).status_code == 200
    from healthplan.web.pages.views import ACTION_CN

    assert actions <= set(ACTION_CN)


# --------------------------------------------------------------------------- 3. throttling and lockout


def test_wrong_passwords_lock_the_account_on_every_server_until_unlocked(web_db, users, tmp_path):
    """Wrong passwords through two servers over one database (the API on one, the login
    form on the other) add up; the account locks; the right password is refused while
    it is locked; `healthplan user unlock` lifts it."""
    other = second_database(web_db)
    try:
        a = client_for(make_app(web_db, **LIMITS))
        b = client_for(make_app(other, **LIMITS))
        clerk = users["clerk"].name
        for client in (a, b, a):
            r = token_login(client, clerk, "wrong password 1")
            assert r.status_code == 401
        locking = page_login(b, clerk, "wrong password 2")
        assert locking.status_code == 401 and "账号已锁定" in locking.text
        for client in (a, b):
            refused = token_login(client, clerk)  # the right password
            assert refused.status_code == 429
            assert "锁定" in refused.json()["detail"]
            assert 1700 < int(refused.headers["retry-after"]) <= 1800
        form = page_login(a, clerk)
        assert form.status_code == 429 and "锁定" in form.text and form.headers["retry-after"]
        assert audit_count(web_db, action="lock_user") == 1
        assert audit_count(web_db, action="denied", object_type="login") == 4

        from cli_helpers import run_cli

        unlocked = run_cli("--db", web_db.url, "user", "unlock", clerk)
        assert unlocked.returncode == 0, unlocked.stderr
        assert token_login(b, clerk).status_code == 201
        assert audit_count(web_db, action="unlock_user") == 1
    finally:
        other.close()


def test_throttle_per_account_and_per_address(sqlite_web_db, users):
    db = sqlite_web_db
    app = make_app(db, account_delay_after=2, account_delay_seconds=60, address_failures=5,
                   account_lock_after=100)
    client = client_for(app)
    viewer = users["viewer"].name
    assert [token_login(client, viewer, "wrong password 1").status_code for _ in range(2)] == [401, 401]
    waiting = token_login(client, viewer, "wrong password 1")
    assert waiting.status_code == 429 and "秒后再试" in waiting.json()["detail"]
    assert 50 < int(waiting.headers["retry-after"]) <= 60
    # Names nobody has, from the same address: the address's limit (5 failures).
    codes = [token_login(client, f"nobody{i}", "wrong password 1").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    refused = token_login(client, users["admin"].name)
    assert refused.status_code == 429 and "本机登录失败次数过多" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) > 0
    # X-Forwarded-For is not believed without a trusted proxy …
    spoofed = client.post("/api/v1/tokens", json={"name": users["admin"].name, "password": PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.status_code == 429
    # … and is, from one: the client behind the proxy has a count of its own.
    proxied = client_for(make_app(db, trusted_proxies=("testclient",), address_failures=5))
    behind = proxied.post("/api/v1/tokens", json={"name": users["admin"].name, "password": PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.9"})
    assert behind.status_code == 201
    with db.session() as session:
        assert set(session.scalars(select(LoginThrottle.address))) == {"testclient", "203.0.113.9"}


def test_admin_unlocks_through_the_api(sqlite_web_db, users):
    client = client_for(make_app(sqlite_web_db, **LIMITS))
    planner = users["planner"].name
    for _ in range(4):
        token_login(client, planner, "wrong password 1")
    assert token_login(client, planner).status_code == 429
    listed = client.get("/api/v1/users", headers=auth(users["admin"])).json()["items"]
    assert next(u for u in listed if u["name"] == planner)["locked_until"]
    assert client.post(f"/api/v1/users/{planner}/unlock", headers=auth(users["clerk"])).status_code == 403
    done = client.post(f"/api/v1/users/{planner}/unlock", headers=auth(users["admin"]))
    assert done.status_code == 200 and done.json()["user"]["locked_until"] is None
    assert token_login(client, planner).status_code == 201


# --------------------------------------------------------------------------- 4. revocable sessions


def test_sessions_end_on_logout_on_every_server(web_db, users):
    other = second_database(web_db)
    try:
        a, b = client_for(make_app(web_db)), client_for(make_app(other))
        assert page_login(a, users["clerk"].name).status_code == 303
        cookie = a.cookies.get("healthplan_session")
        b.cookies.set("healthplan_session", cookie)
        assert b.get("/").status_code == 200 and b.get("/api/v1/me").status_code == 200
        csrf = CSRF_RE.search(b.get("/").text).group(1)
        assert b.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        copied = client_for(a.app)
        copied.cookies.set("healthplan_session", cookie)  # copied before logging out
        assert copied.get("/", follow_redirects=False).status_code == 303
        assert copied.get("/api/v1/me").status_code == 401
    finally:
        other.close()


def test_password_change_and_disabling_end_sessions(sqlite_web_db, users):
    app = make_app(sqlite_web_db)
    first, second = client_for(app), client_for(app)
    viewer = users["viewer"]
    for browser in (first, second):
        assert page_login(browser, viewer.name).status_code == 303
    weak = first.put("/api/v1/me/password", headers=auth(viewer),
                     json={"current_password": PASSWORD, "new_password": "password123"})
    assert weak.status_code == 422 and first.get("/api/v1/me").status_code == 200
    new = "a new and long passphrase 7"
    changed = first.put("/api/v1/me/password", headers=auth(viewer),
                        json={"current_password": PASSWORD, "new_password": new})
    assert changed.status_code == 200, changed.text
    for browser in (first, second):
        assert browser.get("/api/v1/me").status_code == 401
    assert page_login(first, viewer.name, new).status_code == 303
    from cli_helpers import run_cli

    assert run_cli("--db", sqlite_web_db.url, "user", "disable", viewer.name).returncode == 0
    assert first.get("/", follow_redirects=False).status_code == 303
    with sqlite_web_db.session() as session:
        assert session.scalar(select(func.count(WebSession.id)).where(
            WebSession.user_id == viewer.id, WebSession.revoked_at.is_(None))) == 0


# --------------------------------------------------------------------------- 5. refusals without a login


def test_anonymous_refusals_cost_no_write_each(sqlite_web_db):
    db = sqlite_web_db
    before = audit_count(db)
    begins = []

    def count(conn):
        begins.append(1)

    event.listen(db.engine, "begin", count)
    try:
        with client_for(make_app(db, anonymous_per_minute=1000)) as client:
            body = {"region": "江阴市", "indicator": "life_expectancy", "year": 2023,
                    "value": 83.1, "source": "测试"}
            codes = {client.post("/api/v1/observations", json=body,
                                 headers={"Authorization": "Bearer wrong"} if i % 2 else {}).status_code
                     for i in range(300)}
            assert codes == {401}
            assert len(begins) <= 1 and audit_count(db) - before <= 1  # the first, at once
    finally:
        event.remove(db.engine, "begin", count)
    # On shutdown the rest is written as one entry: nothing is lost, nothing grows.
    with db.session() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)))
    assert audit_count(db) - before == 2
    assert sum(e.detail["count"] for e in entries) == 300
    assert entries[0].detail["requests"] == {"POST /api/v1/observations": 299}
    assert "未登录的请求 299 次" in entries[0].summary


def test_anonymous_flood_is_blocked_on_every_server(web_db):
    """Past its limit an address's writes without a login get 429 with Retry-After, on
    this server and on another over the same database, for one block row written."""
    body = {"region": "江阴市", "indicator": "life_expectancy", "year": 2023, "value": 83.1,
            "source": "测试"}
    other_db = second_database(web_db)
    try:
        with client_for(make_app(web_db, anonymous_per_minute=5)) as first, \
                client_for(make_app(other_db, anonymous_per_minute=5)) as second:
            codes = [first.post("/api/v1/observations", json=body).status_code
                     for _ in range(8)]
            assert codes == [401] * 5 + [429] * 3
            refused = second.post("/api/v1/observations", json=body)
            assert refused.status_code == 429
            assert 0 < int(refused.headers["Retry-After"]) <= 61
            assert "未登录的请求过多" in refused.json()["detail"]
            with web_db.session() as session:
                rows = session.scalars(select(LoginThrottle).where(
                    LoginThrottle.address.like("anonymous:%"))).all()
            assert len(rows) == 1
    finally:
        other_db.close()


def test_refusal_log_writes_once_per_interval():
    from healthplan.web.auth import RefusalLog

    written = []
    clock = [0.0]
    log = RefusalLog(60, clock=lambda: clock[0])
    log._write = lambda bind, taken: written.append(taken)
    for i in range(1000):
        clock[0] = i * 0.1  # 100 s in all
        log.note(None, f"POST /api/v1/plans/{i}/progress", f"10.0.{i // 256}.{i % 256}")
    assert [t["count"] for t in written] == [1, 600]  # at 0 s and at 60 s
    assert len(written[1]["requests"]) == RefusalLog.KINDS + 1  # capped, the rest as 其他
    log.flush(None)
    assert sum(t["count"] for t in written) == 1000


# --------------------------------------------------------------------------- 7. security headers


def page_addresses(db) -> list[str]:
    plan = plan_id(db, JIANGYIN)
    with db.session() as session:
        from healthplan.store.models import Target

        target = session.scalar(select(Target.id).where(Target.plan_id == plan).limit(1))
    return ["/", f"/plans/{plan}", f"/plans/{plan}/indicators/{target}", f"/plans/{plan}/text",
            f"/plans/{plan}/upload", f"/plans/{plan}/entry", f"/plans/{plan}/review",
            f"/compare?plan={plan}", "/search?q=急救", "/admin/audit", "/api/v1/docs"]


def test_security_headers_and_no_inline_script_without_the_nonce(sqlite_web_db, users):
    client = client_for(make_app(sqlite_web_db))
    login = client.get("/login")
    assert "Secure" not in (login.headers.get("set-cookie") or "")
    assert page_login(client, users["admin"].name).status_code == 303
    nonces = set()
    for address in page_addresses(sqlite_web_db) + ["/login", "/api/v1/plans", "/no-such-page"]:
        r = client.get(address)
        assert r.status_code in (200, 404), (address, r.status_code)
        csp = r.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        nonces.add(nonce)
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert f"script-src 'self' 'nonce-{nonce}'" in csp and "unsafe-inline" not in csp.split(
            "script-src")[1].split(";")[0]
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        if r.headers["content-type"].startswith("text/html"):
            for tag in re.findall(r"<script\b[^>]*>", r.text):
                assert "src=" in tag or f'nonce="{nonce}"' in tag, (address, tag)
            for tag in re.findall(r"<style\b[^>]*>", r.text):
                assert f'nonce="{nonce}"' in tag, (address, tag)
            assert not re.search(r"<[a-z][^>]*\son[a-z]+=", r.text), address
    assert len(nonces) > 5  # a fresh nonce per answer


def test_secure_cookies_by_the_trusted_proxy_rule(sqlite_web_db, users):
    direct = client_for(make_app(sqlite_web_db))
    said = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in said.headers["set-cookie"].lower()  # nobody we trust said so
    assert "strict-transport-security" not in said.headers
    proxied = client_for(make_app(sqlite_web_db, trusted_proxies=("testclient",)))
    r = proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "; secure" in r.headers["set-cookie"].lower()
    assert r.headers["strict-transport-security"]
    tls = client_for(make_app(sqlite_web_db), base_url="https://testserver")
    assert "; secure" in tls.get("/login").headers["set-cookie"].lower()


# --------------------------------------------------------------------------- 8. one rule for what a user may see


def test_every_list_shows_the_same_plans(sqlite_client, users, sqlite_web_db):
    client = sqlite_client
    lyg = plan_id(sqlite_web_db, LIANYUNGANG)
    for key, user in users.items():
        headers = auth(user)
        listed = {p["id"] for p in client.get("/api/v1/plans", params={"current": "false"},
                                              headers=headers).json()["items"]}

        def walk(nodes):
            for node in nodes:
                yield from (p["id"] for p in node["plans"])
                yield from walk(node["children"])

        tree = set(walk(client.get("/api/v1/regions/tree", headers=headers).json()["roots"]))
        assert tree == listed, key
        region = client.get("/api/v1/regions/连云港市", headers=headers).json()
        shown = {p["id"] for p in region["plans"]}
        assert (lyg in shown) == (lyg in listed), key
        browser = client_for(client.app)
        page_login(browser, user.name)
        on_page = {int(i) for i in re.findall(r'href="/plans/(\d+)"', browser.get("/").text)}
        assert on_page == listed, key
    clerk = auth(users["clerk"])
    assert client.get("/api/v1/regions/连云港市", headers=clerk).json()["plans"] == []
    with_plans = client.get("/api/v1/regions", params={"with_plans": "true"}, headers=clerk).json()
    assert {r["code"] for r in with_plans["items"]} == {JIANGYIN}


# --------------------------------------------------------------------------- 9. one user-input policy


@pytest.mark.parametrize("args, stdin, words", [
    (["12345678", "--role", "viewer"], "", ["用户名"]),
    (["", "--role", "viewer"], "", ["用户名为空"]),
    (["a b", "--role", "viewer"], "", ["用户名"]),
    (["<script>", "--role", "viewer"], "", ["用户名"]),
    (["x" * 5000, "--role", "viewer"], "", ["用户名过长"]),
    (["boss", "--role", "admin", "--region", "江阴市"], "", ["admin", "--region"]),
    (["bob", "--role", "viewer", "--password-stdin"], "12345678\n", ["密码过短"]),
    (["bob", "--role", "viewer", "--password-stdin"], "password123\n", ["过于简单"]),
    (["bob", "--role", "viewer", "--password-stdin"], " " * 12 + "\n", ["全是空格"]),
    (["bob", "--role", "viewer", "--password-stdin"], "x" * 100_000 + "\n", ["密码过长"]),
    (["bob", "--role", "viewer", "--password-stdin"], "bob-bob-bob-1\n", ["过于简单"]),
])
def test_user_add_refuses_weak_input(cli_db, args, stdin, words):
    from typer.testing import CliRunner

    from healthplan.cli import app

    # Without --password-stdin the command would prompt: bad names, roles and regions
    # are refused before it (standard input is empty, so a prompt would abort).
    result = CliRunner().invoke(app, ["--db", cli_db, "user", "add", *args], input=stdin)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), result.stderr
    assert "密码（" not in result.output  # no prompt was shown


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    from healthplan.store.database import open_database

    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'users.sqlite3'}"
    open_database(url).close()
    return url


def test_policy_caps_fit_the_login_routes():
    from healthplan.store.users import NAME_MAX, PASSWORD_MAX, UserError, check_password
    from healthplan.web.api.tokens import TokenRequest

    fields = TokenRequest.model_fields
    caps = {f: next(m.max_length for m in fields[f].metadata if hasattr(m, "max_length"))
            for f in ("name", "password")}
    assert caps == {"name": NAME_MAX, "password": PASSWORD_MAX}
    long = ("a long and unusual phrase " * 10)[:PASSWORD_MAX]
    assert check_password(long) == long
    for bad in (long + "x", "Qwertyuiop", "abcdefghijk", "zzzzzzzzzzzz"):
        with pytest.raises(UserError):
            check_password(bad)


def test_locked_user_is_shown_by_user_list(sqlite_web_db, users):
    from cli_helpers import run_cli

    client = client_for(make_app(sqlite_web_db, **LIMITS))
    for _ in range(4):
        token_login(client, users["clerk_lyg"].name, "wrong password 1")
    listed = run_cli("--db", sqlite_web_db.url, "user", "list")
    line = next(li for li in listed.stdout.splitlines() if li.startswith(users["clerk_lyg"].name))
    assert "已锁定" in line
    with sqlite_web_db.session() as session:
        user = session.scalar(select(User).where(User.name == users["clerk_lyg"].name))
        assert user.failed_logins == 4 and user.locked_until is not None
