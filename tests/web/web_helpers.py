"""Helpers and constants of the web tests (imported by conftest.py and the tests)."""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "correct horse 2026"  # test users only; never a real password
SECRET = "test-secret-key-not-for-production"


@dataclass(frozen=True)
class WebUser:
    key: str
    name: str
    role: str
    region: str | None  # region code
    password: str
    token: str
    id: int


# role key → (user name, role, region (code or name) or None)
USERS = {
    "admin": ("admin", "admin", None),
    "planner": ("planner_wuxi", "planner", "无锡市"),
    "clerk": ("clerk_jiangyin", "clerk", "320281"),
    "clerk_lyg": ("clerk_lianyungang", "clerk", "连云港市"),
    "viewer": ("viewer", "viewer", None),
}
JIANGYIN, WUXI, LIANYUNGANG = "320281", "320200", "320700"


def auth(user: WebUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}"}


def build_web_demo(db) -> dict[str, WebUser]:
    """The demo data and the users of every role in ``db``."""
    from healthplan.demo import build_demo
    from healthplan.store.regions import find_region
    from healthplan.store.users import add_user, ensure_user, issue_token

    build_demo(db, ensure_user(db.sessions, "demo"))
    users = {}
    with db.session() as session:
        for key, (name, role, region) in USERS.items():
            found = find_region(session, region) if region else None
            user = add_user(session, name, PASSWORD, role=role,
                            region_id=found.id if found else None)
            token = issue_token(session, user, "tests")
            users[key] = WebUser(key, name, role, found.code if found else None, PASSWORD,
                                 token, user.id)
    return users



def make_app(db, **settings):
    from healthplan.web.app import create_app
    from healthplan.web.settings import Settings

    return create_app(db, Settings(secret_key=SECRET, **settings))


# --------------------------------------------------------------------------- helpers

DATA_TABLES = ("observations", "imports", "plans", "targets", "progress_entries", "users",
               "api_tokens", "report_rounds", "report_tasks", "report_flags",
               "report_transitions", "approval_locks", "drafts", "draft_rows")


def snapshot(db) -> dict[str, int]:
    """Row counts of the data tables (the audit log left out: refusals add to it)."""
    from sqlalchemy import text

    with db.session() as session:
        return {t: session.scalar(text(f"select count(*) from {t}")) for t in DATA_TABLES}


def denied_entries(db) -> list:
    from sqlalchemy import select

    from healthplan.store.models import AuditEntry

    with db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "denied")
                                    .order_by(AuditEntry.id)))


def plan_id(db, region_code: str, start: int = 2021) -> int:
    from sqlalchemy import select

    from healthplan.store.models import Plan, Region

    with db.session() as session:
        return session.scalar(select(Plan.id).join(Region, Plan.region_id == Region.id)
                              .where(Region.code == region_code, Plan.period_start == start)
                              .order_by(Plan.id.desc()))
