"""Fixtures for the page tests until tests/web/conftest.py provides shared ones: a demo
database (the five sample plans and the national figures) with one user of each role."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "correct-horse-42"
# name → (role, region name or None, display name)
USERS = {
    "admin": ("admin", None, "系统管理员"),
    "wuxi_planner": ("planner", "无锡市", "无锡市规划科"),
    "jiangyin_clerk": ("clerk", "江阴市", "江阴市统计员"),
    "lyg_clerk": ("clerk", "连云港市", "连云港市统计员"),
    "viewer": ("viewer", None, "研究人员"),
}


@dataclass
class Demo:
    db: object
    path: Path
    plans: dict[str, int]  # region name → id of its 2021–2025 plan
    users: dict[str, int]


def build_demo_with_users(path: Path) -> Demo:
    from sqlalchemy import select

    from healthplan.demo import build_demo
    from healthplan.store.database import open_database
    from healthplan.store.models import Plan
    from healthplan.store.regions import find_region
    from healthplan.store.users import add_user

    db = open_database(f"sqlite:///{path}")
    build_demo(db, None)
    users = {}
    with db.session() as session:
        for name, (role, region, display) in USERS.items():
            region_id = find_region(session, region).id if region else None
            users[name] = add_user(session, name, PASSWORD, role=role, region_id=region_id,
                                   display_name=display).id
        plans = {p.region.name: p.id for p in session.scalars(select(Plan))
                 if p.period_start == 2021}
    return Demo(db, path, plans, users)


def app_for(demo: Demo, **settings):
    from healthplan.web.app import create_app
    from healthplan.web.settings import Settings

    return create_app(demo.db, Settings(secret_key="test-secret-" + "x" * 32, **settings))


CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client, name: str, password: str = PASSWORD):
    page = client.get("/login")
    response = client.post("/login", data={"username": name, "password": password,
                                           "csrf": csrf_of(page.text), "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return response
