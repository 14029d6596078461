"""Fixtures for the observation import tests: databases holding the 江阴市 plan."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from import_helpers import add_plan

from healthplan.store.database import Database, open_database
from healthplan.store.users import ensure_user


@dataclass
class PlanDb:
    db: Database
    url: str
    plan_id: int
    user_id: int


def _plan_db(url: str) -> PlanDb:
    db = open_database(url)
    with db.session() as session:
        plan_id = add_plan(session)
    return PlanDb(db, url, plan_id, ensure_user(db.sessions, "县统计员"))


@pytest.fixture
def plan_db(db_url):
    """SQLite and PostgreSQL, each with the 江阴市 2021–2025 plan and a user."""
    store = _plan_db(db_url)
    yield store
    store.db.close()


@pytest.fixture
def sqlite_plan_db(tmp_path):
    """The same on SQLite only, for tests where the database kind does not matter."""
    url = f"sqlite:///{tmp_path / 'imports.sqlite3'}"
    store = _plan_db(url)
    yield store
    store.db.close()


@pytest.fixture(scope="module")
def shared_plan_db(tmp_path_factory):
    """One SQLite database for a module of read-only checks (validate writes nothing)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('validation') / 'v.sqlite3'}"
    store = _plan_db(url)
    yield store
    store.db.close()
