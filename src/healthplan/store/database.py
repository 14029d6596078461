"""Where the data lives: SQLite by default (one file), PostgreSQL for a shared server.

The URL comes from ``--db``, else ``HEALTHPLAN_DATABASE_URL``, else a SQLite file in
the user's data folder. Opening a database brings its schema to the newest migration
and, on first use, fills the region table from the GB/T 2260 list.
"""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, insert, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from healthplan.store.models import Region

ENV_URL = "HEALTHPLAN_DATABASE_URL"


class DatabaseError(Exception):
    """The database cannot be opened or used; the message is for the user."""


def default_sqlite_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("healthplan", appauthor=False)) / "healthplan.sqlite3"


def resolve_url(url: str | None = None) -> str:
    """``--db`` value (or the environment, or the default) → a SQLAlchemy URL.

    A bare path means a SQLite file; ``postgresql://`` uses the psycopg 3 driver.
    """
    url = url or os.environ.get(ENV_URL) or ""
    if not url:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def describe_url(url: str) -> str:
    """Where the data is, for the user (no password)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite 文件 {parsed.database}"
    return f"PostgreSQL {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    created: bool  # this open created the database (SQLite file or empty schema)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self):
        """A session in one transaction: committed at the end, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def describe(self) -> str:
        return describe_url(self.url)

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, engine_options: dict | None = None) -> Database:
    url = resolve_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"数据库地址无法识别：{url}（{exc}）") from None
    created = False
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        created = not path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **(engine_options or {}))
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    try:
        with engine.connect() as conn:
            created = created or not inspect(conn).has_table("regions")
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseError(f"无法连接数据库 {describe_url(url)}：{_first_line(exc)}") from None
    migrate(engine)
    db = Database(url, engine, sessionmaker(engine, expire_on_commit=False), created)
    with db.session() as session:
        if session.scalar(select(func.count()).select_from(Region)) == 0:
            seed_regions(session)
    return db


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on; writers wait for each other (BEGIN IMMEDIATE, 30 s) instead of
    failing on a lock upgrade; WAL so that readers do not block the writer."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("healthplan.store") / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _head_revision() -> str:
    """The newest migration, from the file names (``0002_….py``) rather than Alembic: a
    database already at the head is opened without loading Alembic, which costs a command
    about a quarter of a second. A test checks this against Alembic's own answer."""
    versions = resources.files("healthplan.store") / "migrations" / "versions"
    return max(entry.name.split("_", 1)[0] for entry in versions.iterdir()
               if entry.name[:4].isdigit() and entry.name.endswith(".py"))


HEAD_REVISION = _head_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic); a no-op when it is there already."""
    if revision == "head" and _current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def _current_revision(engine: Engine) -> str | None:
    from sqlalchemy import text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("select version_num from alembic_version")).scalar()


def seed_regions(session: Session) -> int:
    """Fill the region table from the shipped GB/T 2260 list (store/regions.csv)."""
    with resources.files("healthplan.store").joinpath("regions.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = {row["code"]: k for k, row in enumerate(rows, start=1)}
    # Parents come before their children in the file, so one ordered insert keeps the
    # foreign keys satisfied.
    session.execute(insert(Region), [
        {"id": ids[row["code"]], "code": row["code"], "name": row["name"], "level": row["level"],
         "parent_id": ids.get(row["parent_code"])}
        for row in rows
    ])
    if session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequence behind; move it on.
        session.execute(select(func.setval("regions_id_seq", len(rows))))
    return len(rows)
