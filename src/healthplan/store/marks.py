"""Facts about the whole database, kept in ``database_settings``: whether it is the
simulated training database built by ``healthplan demo --simulated``.

The mark is written once, when the simulated demo database is built, and read by every
web page and every report (one primary-key lookup), so that whatever shows data from
that database says the data are simulated. It is state in the database, not in a
process: every server over the database sees it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthplan.simulated import SIMULATED_SOURCE
from healthplan.store.models import DatabaseSetting

SIMULATED_KEY = "simulated"


def mark_simulated(session: Session) -> None:
    """Record that this database holds generated data (kept for good: never unset)."""
    if session.get(DatabaseSetting, SIMULATED_KEY) is None:
        session.add(DatabaseSetting(key=SIMULATED_KEY, value=SIMULATED_SOURCE))
        session.flush()


def simulated_notice(session_or_connection) -> str | None:
    """The words every page and report of a simulated database carries, else None."""
    marked = session_or_connection.execute(
        select(DatabaseSetting.key).where(DatabaseSetting.key == SIMULATED_KEY)).scalar()
    return SIMULATED_SOURCE if marked else None
