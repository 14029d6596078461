"""The demo database (the sample plans and national figures) that the reports read."""

from __future__ import annotations

import pytest

from healthplan.demo import build_demo
from healthplan.store.database import open_database


@pytest.fixture
def demo(db_url):
    db = open_database(db_url)
    build_demo(db, None)
    yield db
    db.close()
