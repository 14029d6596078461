"""Shared fixtures. The real sample plans and their gold transcriptions live in
../shared beside the repository; tests that need them skip when it is absent
(a user's fresh clone), and CI always has it."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEALTHPLAN_SHARED", REPO.parent / "shared"))
NO_SHARED = "../shared (sample plans and gold transcriptions) not found beside the repository"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    if not path.is_dir():
        pytest.skip(NO_SHARED)
    return path


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    path = SHARED / "gold"
    if not path.is_dir():
        pytest.skip(NO_SHARED)
    return path


@pytest.fixture(scope="session")
def gold_rows(gold_dir) -> list[dict]:
    with open(gold_dir / "indicator_rows.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def gold_projects(gold_dir) -> list[dict]:
    with open(gold_dir / "projects.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_text(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- databases
# Storage tests run against SQLite and PostgreSQL. PostgreSQL is taken from
# HEALTHPLAN_TEST_POSTGRES (default: the local server, trust auth, database `test`);
# each test gets a schema of its own, dropped afterwards. Without a server those tests
# skip with the reason, unless HEALTHPLAN_REQUIRE_POSTGRES is set (as .ci/run does).

POSTGRES_URL = os.environ.get(
    "HEALTHPLAN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: no server to test against
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {str(exc).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = postgres_problem()
    if problem:
        if os.environ.get("HEALTHPLAN_REQUIRE_POSTGRES"):
            pytest.fail(problem + " (HEALTHPLAN_REQUIRE_POSTGRES is set)")
        pytest.skip(problem)
    return POSTGRES_URL



@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A URL for an empty database of each kind (the schema is made on first open)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'healthplan.sqlite3'}"
        return
    from pg_helpers import postgres_schema

    with postgres_schema(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def db(db_url):
    """An opened database (migrated, regions seeded) of each kind."""
    from healthplan.store.database import open_database

    database = open_database(db_url)
    yield database
    database.close()
