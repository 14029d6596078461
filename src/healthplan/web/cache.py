"""Evaluations kept between requests, keyed on the state of the data they were made from.

Evaluating a plan reads its targets and every current observation of its region and of
the nation (tens of milliseconds; a city plan with its counties' plans several hundred),
while the data change only when a value is recorded or a plan is loaded. Observations
and plans are never deleted or rewritten — a change is a new row — so the largest
observation id and the largest plan id together say whether anything an evaluation
depends on has changed: one indexed query per request instead of the evaluation. Each
server process keeps its own cache (a few hundred plans, least recently used dropped).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthplan.store.models import Observation, Plan

MAX_ENTRIES = 512


def plan_state(connection, plan_id: int) -> tuple[int | None, tuple]:
    """A plan's region id (None: no such plan) and the data version, in one query."""
    row = connection.execute(select(
        select(Plan.region_id).where(Plan.id == plan_id).scalar_subquery(),
        select(func.max(Observation.id)).scalar_subquery(),
        select(func.max(Plan.id)).scalar_subquery(),
    )).one()
    return row[0], (row[1], row[2])


def data_version(session: Session) -> tuple:
    """(largest observation id, largest plan id): changes whenever a value is recorded
    or corrected, or a plan is loaded or revised."""
    row = session.execute(select(
        select(func.max(Observation.id)).scalar_subquery(),
        select(func.max(Plan.id)).scalar_subquery(),
    )).one()
    return tuple(row)


class Cache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, session: Session, key: tuple, compute: Callable[[], object]):
        """The value for ``key`` at the current data version, computed when missing."""
        full = (*key, data_version(session))
        with self._lock:
            if full in self._entries:
                self._entries.move_to_end(full)
                self.hits += 1
                return self._entries[full]
        value = compute()
        with self._lock:
            self.misses += 1
            self._entries[full] = value
            self._entries.move_to_end(full)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def lookup(self, key: tuple, version: tuple):
        """The value for ``key`` at ``version``, or None."""
        full = (*key, version)
        with self._lock:
            value = self._entries.get(full)
            if value is not None:
                self._entries.move_to_end(full)
                self.hits += 1
            return value

    def store(self, key: tuple, version: tuple, value) -> None:
        full = (*key, version)
        with self._lock:
            self.misses += 1
            self._entries[full] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
