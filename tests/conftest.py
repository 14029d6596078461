"""Shared fixtures. The real sample plans and their gold transcriptions live in
../shared beside the repository; tests that need them skip when it is absent
(a user's fresh clone), and CI always has it."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from plan_builder import build_docx, build_html, build_pdfs, soffice
from run_once import shared_folder
from shared_paths import NO_SHARED, REPO, SHARED


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


# --------------------------------------------------------------------------- renderings
# The five samples as .docx, .html and .pdf (tests/plan_builder.py), made once per run.

@dataclass
class Rendered:
    seeds: list[Path]
    docx: dict[str, Path]
    html: dict[str, Path]
    pdf: dict[str, Path]  # empty without LibreOffice


def _render(seeds: list[Path], gold_rows: list[dict], folder: Path) -> dict:
    docx = {s.name: str(build_docx(s, gold_rows, folder / f"{s.stem}.docx")) for s in seeds}
    html = {s.name: str(build_html(s, gold_rows, folder / f"{s.stem}.html")) for s in seeds}
    pdf: dict[str, str] = {}
    if soffice() is not None:
        # One LibreOffice run for the five (its start-up is most of the cost).
        pdfs = build_pdfs([Path(docx[s.name]) for s in seeds], folder)
        pdf = {s.name: str(p) for s, p in zip(seeds, pdfs, strict=True)}
    return {"docx": docx, "html": html, "pdf": pdf}


@pytest.fixture(scope="session")
def rendered(seeds_dir, gold_rows, tmp_path_factory) -> Rendered:
    """The five samples as .docx, .html and .pdf, rendered once per test run (shared by
    the xdist workers: the LibreOffice render is the costly part)."""
    seeds = sorted(seeds_dir.glob("*.txt"))
    made = shared_folder(tmp_path_factory, "rendered",
                         lambda folder: _render(seeds, gold_rows, folder))
    paths = {kind: {name: Path(p) for name, p in files.items()} for kind, files in made.items()}
    return Rendered(seeds, paths["docx"], paths["html"], paths["pdf"])


# --------------------------------------------------------------------------- the checkout
# Tests write only to temporary folders: a test that changes, adds or removes a tracked
# file of the checkout fails (its teardown names the files), and the session fails if it
# left untracked files behind. The documentation images are made on purpose by
# scripts/docs_images.py, which says so through HEALTHPLAN_DOCS_IMAGES.

def _tracked_files() -> list[str]:
    import subprocess

    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []  # not a git checkout (an unpacked sdist): nothing to compare with
    return [name for name in out.decode("utf-8", "replace").split("\0") if name]


def _untracked_files() -> set[str]:
    import subprocess

    try:
        out = subprocess.run(["git", "ls-files", "-z", "--others", "--exclude-standard"],
                             cwd=REPO, capture_output=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {name for name in out.decode("utf-8", "replace").split("\0") if name}


def checkout_state(names: list[str]) -> dict[str, tuple[int, int] | None]:
    """(modification time, size) of each file, None for one that is missing."""
    state = {}
    for name in names:
        try:
            info = os.stat(REPO / name)
            state[name] = (info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            state[name] = None
    return state


def changed_files(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


_TRACKED = _tracked_files()
_UNTRACKED_AT_START = _untracked_files() if _TRACKED else set()


@pytest.fixture(autouse=True)
def _checkout_untouched():
    if not _TRACKED or os.environ.get("HEALTHPLAN_DOCS_IMAGES"):
        yield
        return
    before = checkout_state(_TRACKED)
    yield
    changed = changed_files(before, checkout_state(_TRACKED))
    assert not changed, f"the test changed files of the checkout (write to tmp_path): {changed}"


def pytest_sessionfinish(session, exitstatus):
    # Under pytest-xdist the controller checks once, after every worker has finished.
    if not _TRACKED or os.environ.get("HEALTHPLAN_DOCS_IMAGES") or os.environ.get(
            "PYTEST_XDIST_WORKER"):
        return
    left = sorted(_untracked_files() - _UNTRACKED_AT_START)
    if left:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"the tests left new files in the checkout (write to tmp_path): {left}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
