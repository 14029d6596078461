"""The demo's loads are the system's own: not attributed to whoever ran `healthplan demo`,
in the database, the audit log or the dashboards' 最近更新."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import select

from cli_helpers import run_cli
from healthplan.store.database import open_database
from healthplan.store.models import AuditEntry, Observation, Plan, User
from healthplan.store.users import add_user

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from pages_support import PASSWORD, log_in  # noqa: E402


def test_demo_loads_are_attributed_to_the_system(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHPLAN_USER", "root")
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = run_cli("--db", url, "demo")
    assert result.returncode == 0, result.stderr
    db = open_database(url)
    with db.session() as session:
        assert session.scalar(select(User).where(User.name == "root")) is None
        plans = list(session.scalars(select(Plan)))
        assert plans and {p.loaded_by for p in plans} == {None}
        assert {o.recorded_by for o in session.scalars(select(Observation))} == {None}
        loads = list(session.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(("load_plan", "record")))))
        assert len(loads) >= 6 and {e.user_id for e in loads} == {None}
        region = session.scalar(select(Plan).where(Plan.period_start == 2021)).region_id
        add_user(session, "planner_x", PASSWORD, role="admin", region_id=None)
        plan_id = session.scalar(select(Plan.id).where(Plan.period_start == 2021,
                                                       Plan.region_id == region))

    from fastapi.testclient import TestClient

    from healthplan.web.app import create_app
    from healthplan.web.settings import Settings

    app = create_app(db, Settings(secret_key="test-secret-" + "x" * 32))
    with TestClient(app) as client:
        log_in(client, "planner_x")
        page = client.get(f"/plans/{plan_id}")
        assert page.status_code == 200
        assert "最近更新" in page.text and "（系统）" in page.text
        assert "root" not in page.text
    db.close()
