"""Fixtures for the web application and API tests (and the page tests beside them).

* ``web_db`` — a demo database (the five sample plans, the national figures) with one
  user of each role, on SQLite and on PostgreSQL (parametrised; PostgreSQL skips without
  a server). ``sqlite_web_db`` — the same on SQLite only (cheap: a copy of a file built
  once per test session).
* ``users`` — ``WebUser`` by role key: ``admin``, ``planner`` (无锡市), ``clerk``
  (江阴市, 320281), ``clerk_lyg`` (连云港市), ``viewer``; each with its password and an
  API token.
* ``app`` / ``client`` (on ``web_db``), ``sqlite_app`` / ``sqlite_client`` (SQLite
  only): the FastAPI app and a ``TestClient`` (no credentials; ``client.headers`` are
  not changed). ``auth(users["clerk"])`` gives the bearer header of a user.
* ``snapshot(db)`` — counts of every data table, to assert that a refused request
  changed nothing; ``denied_entries(db)`` — the audit log's refusals.
"""

from __future__ import annotations

import shutil

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from web_helpers import WebUser, build_web_demo, make_app

from healthplan.store import users as _users

# Argon2's cheapest parameters for the test users: every test logs in, and the default
# parameters cost ~50 ms of CPU a check. Production hashes keep the defaults.
_users.PASSWORD_HASHER = PasswordHasher.from_parameters(CHEAPEST)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    from healthplan.store.database import open_database

    path = tmp_path_factory.mktemp("web") / "template.sqlite3"
    db = open_database(f"sqlite:///{path}")
    users = build_web_demo(db)
    db.close()
    return path, users


def _sqlite_copy(template, tmp_path):
    from healthplan.store.database import open_database

    path, users = template
    target = tmp_path / "web.sqlite3"
    shutil.copy(path, target)
    return open_database(f"sqlite:///{target}"), users


@pytest.fixture(params=["sqlite", "postgresql"])
def _web(request, tmp_path, _sqlite_template):
    if request.param == "sqlite":
        db, users = _sqlite_copy(_sqlite_template, tmp_path)
        yield db, users
        db.close()
        return
    from healthplan.store.database import open_database
    from pg_helpers import postgres_schema

    with postgres_schema(request.getfixturevalue("postgres_server"), "hp_web") as url:
        db = open_database(url)
        try:
            yield db, build_web_demo(db)
        finally:
            db.close()


@pytest.fixture
def _sqlite_web(tmp_path, _sqlite_template):
    db, users = _sqlite_copy(_sqlite_template, tmp_path)
    yield db, users
    db.close()


@pytest.fixture
def web_db(_web):
    return _web[0]


@pytest.fixture
def users(request) -> dict[str, WebUser]:
    """The users of whichever demo database the test uses."""
    name = "_web" if "_web" in request.fixturenames else "_sqlite_web"
    return request.getfixturevalue(name)[1]


@pytest.fixture
def sqlite_web_db(_sqlite_web):
    return _sqlite_web[0]


@pytest.fixture
def app(web_db):
    return make_app(web_db)


@pytest.fixture
def sqlite_app(sqlite_web_db):
    return make_app(sqlite_web_db)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def sqlite_client(sqlite_app):
    from fastapi.testclient import TestClient

    with TestClient(sqlite_app, raise_server_exceptions=False) as c:
        yield c


