"""Observations: versioned values for region × indicator × year, each with its source.

Nothing is overwritten. Recording a value where one exists adds a new version (a
correction) with who, when, why and source; recording the same value again changes
nothing. The current value is the newest version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, insert, select, tuple_
from sqlalchemy.orm import Session

from healthplan.store.models import ImportBatch, Observation, now


@dataclass(frozen=True)
class NewObservation:
    """A value to record (plain data, from an import, the demo or an entry form)."""

    region_id: int
    indicator_id: str
    year: int
    value: float
    source: str
    unit: str = ""
    note: str = ""
    reason: str = ""  # why it corrects the current value, if it does

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.region_id, self.indicator_id, self.year)


@dataclass
class Recorded:
    """What recording a batch did."""

    added: list[NewObservation] = field(default_factory=list)
    corrected: list[tuple[NewObservation, Observation | StoredValue]] = field(default_factory=list)  # new, old
    unchanged: list[NewObservation] = field(default_factory=list)

    @property
    def written(self) -> int:
        return len(self.added) + len(self.corrected)


def current_observations(session: Session, keys) -> dict[tuple[int, str, int], Observation]:
    """The current (newest) version for each (region_id, indicator_id, year) in ``keys``
    that has one."""
    keys = sorted(set(keys))
    out: dict[tuple[int, str, int], Observation] = {}
    for start in range(0, len(keys), 500):  # keep the IN list a sane size
        chunk = keys[start:start + 500]
        newest = (
            select(Observation.region_id, Observation.indicator_id, Observation.year,
                   func.max(Observation.version).label("version"))
            # The plain region condition lets SQLite search the index instead of scanning
            # it for the row values.
            .where(Observation.region_id.in_({key[0] for key in chunk}),
                   tuple_(Observation.region_id, Observation.indicator_id, Observation.year)
                   .in_(chunk))
            .group_by(Observation.region_id, Observation.indicator_id, Observation.year)
            .subquery()
        )
        rows = session.scalars(select(Observation).join(newest, and_(
            Observation.region_id == newest.c.region_id,
            Observation.indicator_id == newest.c.indicator_id,
            Observation.year == newest.c.year,
            Observation.version == newest.c.version,
        )))
        for obs in rows:
            out[(obs.region_id, obs.indicator_id, obs.year)] = obs
    return out


def record(session: Session, items: list[NewObservation], *, user_id: int | None,
           batch: ImportBatch | None = None) -> Recorded:
    """Record ``items`` in the session's transaction (the caller commits or rolls back).

    Two writers that both add the same version of one region × indicator × year collide
    on the unique constraint (IntegrityError, here or at commit); the caller tells the
    loser. Rows go in with one bulk INSERT: the new ids are not needed. A value of an
    approved reporting task raises ``store.rounds.ValueLocked`` (nothing is written).
    """
    done = Recorded()
    existing: dict[tuple[int, str, int], Observation | StoredValue] = dict(
        current_observations(session, [item.key for item in items]))
    at = now()
    rows = []
    for item in items:
        old = existing.get(item.key)
        if old is not None and old.value == item.value:
            done.unchanged.append(item)
            continue
        version = 1 if old is None else old.version + 1
        rows.append({
            "region_id": item.region_id, "indicator_id": item.indicator_id, "year": item.year,
            "version": version, "value": item.value, "unit": item.unit, "source": item.source,
            "note": item.note, "reason": item.reason if old is not None else "",
            "recorded_by": user_id, "recorded_at": at,
            "import_id": batch.id if batch is not None else None,
        })
        existing[item.key] = StoredValue(item.value, version, item.source)
        if old is None:
            done.added.append(item)
        else:
            done.corrected.append((item, old))
    if rows:
        # Approved values are locked until the approval is withdrawn (store/rounds.py).
        from healthplan.store.rounds import check_unlocked

        check_unlocked(session, [(r["region_id"], r["indicator_id"], r["year"]) for r in rows])
        session.execute(insert(Observation), rows)
    return done


@dataclass(frozen=True)
class StoredValue:
    """The current value of a series point, without the rest of its row."""

    value: float
    version: int
    source: str


def current_values(session: Session, region_ids, indicator_ids
                   ) -> dict[tuple[int, str], dict[int, StoredValue]]:
    """(region_id, indicator_id) → {year: StoredValue}: the newest versions, as plain
    values (a national import checks against hundreds of thousands of them)."""
    rows = session.execute(
        select(Observation.region_id, Observation.indicator_id, Observation.year,
               Observation.version, Observation.value, Observation.source)
        .where(Observation.region_id.in_(list(region_ids)),
               Observation.indicator_id.in_(list(indicator_ids)))
        .order_by(Observation.version))  # oldest first: the newest version wins below
    out: dict[tuple[int, str], dict[int, StoredValue]] = defaultdict(dict)
    for region_id, indicator_id, year, version, value, source in rows:
        out[(region_id, indicator_id)][year] = StoredValue(value, version, source)
    return dict(out)


def history(session: Session, region_id: int, indicator_id: str,
            year: int | None = None) -> list[Observation]:
    """Every version, oldest first, for one region × indicator (one year, or all)."""
    query = select(Observation).where(Observation.region_id == region_id,
                                      Observation.indicator_id == indicator_id)
    if year is not None:
        query = query.where(Observation.year == year)
    return list(session.scalars(query.order_by(Observation.year, Observation.version)))


def current_series(session: Session, region_ids, indicator_ids=None
                   ) -> dict[tuple[int, str], dict[int, Observation]]:
    """(region_id, indicator_id) → {year: current Observation} for many regions at once."""
    newest = (
        select(Observation.region_id, Observation.indicator_id, Observation.year,
               func.max(Observation.version).label("version"))
        .where(Observation.region_id.in_(list(region_ids)))
        .group_by(Observation.region_id, Observation.indicator_id, Observation.year)
    )
    if indicator_ids is not None:
        newest = newest.where(Observation.indicator_id.in_(list(indicator_ids)))
    newest = newest.subquery()
    rows = session.scalars(select(Observation).join(newest, and_(
        Observation.region_id == newest.c.region_id,
        Observation.indicator_id == newest.c.indicator_id,
        Observation.year == newest.c.year,
        Observation.version == newest.c.version,
    )))
    out: dict[tuple[int, str], dict[int, Observation]] = defaultdict(dict)
    for obs in rows:
        out[(obs.region_id, obs.indicator_id)][obs.year] = obs
    return dict(out)
