"""Opening databases: URLs, migrations, the region list; on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from healthplan.store.database import describe_url, open_database, resolve_url
from healthplan.store.models import Base, Region
from healthplan.store.regions import RegionError, find_region, full_name
from healthplan.store.search_index import include_in_schema_comparison


def test_url_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("HEALTHPLAN_DATABASE_URL", raising=False)
    assert resolve_url(None).startswith("sqlite:///") and resolve_url(None).endswith("healthplan.sqlite3")
    assert resolve_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("HEALTHPLAN_DATABASE_URL", "sqlite:///x.db")
    assert resolve_url(None) == "sqlite:///x.db"
    assert resolve_url("sqlite:///y.db") == "sqlite:///y.db"  # --db wins over the environment
    assert describe_url("postgresql+psycopg://u:secret@h:5433/db") == "PostgreSQL h:5433/db"


def test_first_open_creates_the_schema_and_regions_once(db_url):
    db = open_database(db_url)
    assert db.created
    with db.session() as session:
        count = session.scalar(select(func.count()).select_from(Region))
        assert count > 3000  # GB/T 2260: the nation, 34 provinces, ~330 cities, ~2,850 counties
    db.close()
    again = open_database(db_url)
    assert not again.created
    with again.session() as session:
        assert session.scalar(select(func.count()).select_from(Region)) == count
    again.close()


def test_migrations_create_exactly_the_models(db):
    with db.engine.connect() as conn:
        # The search index (migration 0003) is dialect-specific and has no model.
        context = MigrationContext.configure(
            conn, opts={"include_name": include_in_schema_comparison})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_regions_by_code_name_and_parent_name(db):
    with db.session() as session:
        jiangyin = find_region(session, "320281")
        assert (jiangyin.name, jiangyin.level, jiangyin.parent.name) == ("江阴市", "county", "无锡市")
        assert full_name(jiangyin) == "江苏省无锡市江阴市"
        assert find_region(session, "苏州市吴中区").code == "320506"
        assert find_region(session, "江苏省 江阴市").code == "320281"
        assert find_region(session, "全国").level == "nation"
        for text, problem in (("鼓楼区", "对应多个地区"), ("999999", "不存在"), ("火星市", "未知地区")):
            try:
                find_region(session, text)
            except RegionError as exc:
                assert problem in str(exc)
            else:
                raise AssertionError(text)


def test_head_revision_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    from healthplan.store.database import HEAD_REVISION, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
