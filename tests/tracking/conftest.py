"""A database with one sample plan loaded (无锡市: its 十四五 plan holds 急救平均反应时间≤12分钟)."""

from __future__ import annotations

import pytest
from tracking_helpers import WUXI, response_time_number

from healthplan.documents import read_document
from healthplan.extract import extract_plan


@pytest.fixture
def wuxi(db):
    """(the database, the id of 无锡市's 2021–2025 plan, the 急救 commitment's number)."""
    from healthplan.store.models import Plan
    from healthplan.store.plans import load_plan

    with db.session() as session:
        stored = load_plan(session, extract_plan(read_document(str(WUXI))), user_id=None)
        plan_id = next(s.plan.id for s in stored if s.plan.origin == "document")
    with db.session() as session:
        number = response_time_number(session.get(Plan, plan_id))
    return db, plan_id, number
