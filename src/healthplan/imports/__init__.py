"""Observation imports: a CSV, an Excel sheet or a filled template → checked, then
recorded all at once or not at all.

    result = import_observations(db, "江阴市2023.xlsx", user_id=uid)

Reading (``reading``) and checking (``validation``) are plain functions over plain data;
this module adds the one transaction that writes an accepted file: an ``ImportBatch``,
the observations (``store.observations.record``) and one audit entry. Any error, or a
warning not accepted, rejects the whole file and nothing is written. Validation and
writing share that transaction, so on SQLite (whose writers take turns) a second import
of the same values sees the first's and reports corrections; on PostgreSQL two imports
that race for one region × indicator × year collide on the unique constraint and the
loser gets ``ImportConflict`` naming the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from healthplan.documents.model import DocumentError
from healthplan.imports.reading import read_observation_file
from healthplan.imports.rows import ObservationFile, Problem, RawRow
from healthplan.imports.template import TemplateError, write_template
from healthplan.imports.validation import Checked, validate
from healthplan.store.models import ImportBatch
from healthplan.store.observations import Recorded, current_observations, record
from healthplan.store.rounds import ValueLocked
from healthplan.store.users import audit

__all__ = [
    "Checked", "DocumentError", "ImportConflict", "ImportRejected", "ImportResult",
    "ObservationFile", "Problem", "RawRow", "TemplateError", "import_file", "import_observations",
    "read_observation_file", "validate", "write_template",
]

CONFLICT_ROWS_SHOWN = 5


class ImportRejected(Exception):
    """The file has errors, or warnings that were not accepted; nothing was written."""

    def __init__(self, file: ObservationFile, problems: list[Problem]):
        self.path = file.path
        self.file_name = file.name
        self.problems = problems
        super().__init__(f"{file.path}: {self.summary()}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def needs_acceptance(self) -> bool:
        """Only warnings: the same file goes in when they are accepted."""
        return not self.errors

    def summary(self) -> str:
        if self.needs_acceptance:
            return (f"有 {len(self.warnings)} 个警告，未导入任何数据；"
                    "核对无误后请加 --accept-warnings 重新导入")
        text = f"有 {len(self.errors)} 个错误"
        if self.warnings:
            text += f"、{len(self.warnings)} 个警告"
        return text + "，整个文件未导入，数据库没有任何改动"


class ImportConflict(Exception):
    """Another import wrote the same region × indicator × year meanwhile; nothing was
    written. ``path`` and ``problem`` as in ``DocumentError``."""

    def __init__(self, path: str, rows: list[int], problem: str):
        self.path = path
        self.rows = rows
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass
class ImportResult:
    path: str
    format: str
    batch_id: int | None  # None when nothing was new
    added: int = 0
    corrected: int = 0
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)  # accepted
    same_file_batch: int | None = None  # an earlier batch of the same file (by SHA-256)

    @property
    def written(self) -> int:
        return self.added + self.corrected

    def summary(self) -> str:
        counts = f"新增 {self.added} 条，更正 {self.corrected} 条，未变 {self.unchanged} 条"
        if self.batch_id is not None:
            return f"已导入 {self.path}：{counts}（导入批次 {self.batch_id}）"
        earlier = (f"（与导入批次 {self.same_file_batch} 为同一文件）"
                   if self.same_file_batch is not None else "")
        return f"{self.path} 中的数值均已在库中{earlier}，未写入任何新数据：{counts}"


class _Raced(Exception):
    """The values changed between validation and writing (read committed)."""


def import_observations(db, path: str | Path, *, user_id: int | None,
                        accept_warnings: bool = False, today: date | None = None
                        ) -> ImportResult:
    """Read, check and record one file in one transaction (see the module docstring).

    Raises ``DocumentError`` (unreadable file), ``ImportRejected`` (errors, or warnings
    not accepted) or ``ImportConflict`` (a concurrent import won); in each case nothing
    was written.
    """
    return import_file(db, read_observation_file(path), user_id=user_id,
                       accept_warnings=accept_warnings, today=today)


def import_file(db, file: ObservationFile, *, user_id: int | None,
                accept_warnings: bool = False, today: date | None = None) -> ImportResult:
    """``import_observations`` for rows already read (e.g. the reviewed candidates of a
    bulletin, ``imports.bulletin``): the same checks, versioning and audit."""
    checked: Checked | None = None
    try:
        with db.session() as session:
            checked = validate(session, file, today=today)
            if checked.errors or (checked.warnings and not accept_warnings):
                raise ImportRejected(file, checked.problems)
            if checked.changes == 0:
                return _nothing_new(session, file, checked)
            return _write(session, file, checked, user_id)
    except (IntegrityError, _Raced) as exc:
        raise _conflict(db, file, checked, exc) from None
    except ValueLocked as exc:  # approved values of a reporting round (store/rounds.py)
        rows = sorted(checked.rows[(lk.region_id, lk.indicator_id, lk.year)] for lk in exc.locks
                      if (lk.region_id, lk.indicator_id, lk.year) in checked.rows)
        where = f"第 {'、'.join(map(str, rows[:10]))} 行：" if rows else ""
        raise ImportConflict(file.path, rows, f"{where}{exc}；本次导入未写入任何数据") from None
    except OperationalError as exc:
        if checked is not None and _is_collision(exc):
            raise _conflict(db, file, checked, exc) from None
        raise


def _nothing_new(session, file: ObservationFile, checked: Checked) -> ImportResult:
    earlier = session.scalar(select(ImportBatch.id).where(ImportBatch.file_sha256 == file.sha256)
                             .order_by(ImportBatch.id.desc()).limit(1))
    return ImportResult(file.path, file.format, None, unchanged=len(checked.items),
                        warnings=checked.warnings, same_file_batch=earlier)


def _write(session, file: ObservationFile, checked: Checked, user_id: int | None) -> ImportResult:
    batch = ImportBatch(file_name=file.name, file_sha256=file.sha256, format=file.format,
                        rows=len(checked.items), accepted_warnings=len(checked.warnings),
                        user_id=user_id)
    session.add(batch)
    session.flush()
    # One order for every writer, so two imports that share keys wait for each other on
    # the first shared key instead of deadlocking.
    items = sorted(checked.items, key=lambda item: item.key)
    done = record(session, items, user_id=user_id, batch=batch)
    if _raced(checked, done):
        raise _Raced()
    result = ImportResult(file.path, file.format, batch.id, len(done.added), len(done.corrected),
                          len(done.unchanged), checked.warnings)
    audit(session, user_id, "import", "import", batch.id,
          f"导入 {file.name}：新增 {result.added} 条，更正 {result.corrected} 条，"
          f"未变 {result.unchanged} 条", _audit_detail(file, checked, done))
    return result


def _raced(checked: Checked, done: Recorded) -> bool:
    """Whether what ``record`` found differs from what validation saw (another import
    committed in between; its values were not checked against ours)."""
    return (any(checked.seen[item.key] != 0 for item in done.added)
            or any(checked.seen[new.key] != old.version for new, old in done.corrected))


def _audit_detail(file: ObservationFile, checked: Checked, done: Recorded) -> dict:
    return {
        "file": file.name, "sha256": file.sha256, "format": file.format,
        "added": len(done.added), "unchanged": len(done.unchanged),
        "corrected": [{"row": checked.rows[new.key], "region_id": new.region_id,
                       "indicator_id": new.indicator_id, "year": new.year,
                       "old": old.value, "new": new.value, "version": old.version + 1}
                      for new, old in done.corrected],
        "accepted_warnings": [p.line(file.name) for p in checked.warnings],
    }


def _is_collision(exc: OperationalError) -> bool:
    # PostgreSQL: deadlock_detected, serialization_failure.
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in ("40P01", "40001")


def _conflict(db, file: ObservationFile, checked: Checked | None, exc: Exception
              ) -> ImportConflict:
    """Name the rows whose region × indicator × year another import wrote meanwhile."""
    tail = "；本次导入未写入任何数据，请核对后重新导入"
    moved: list[tuple[int, tuple]] = []
    if checked is not None:
        with db.session() as session:
            now = current_observations(session, list(checked.seen))
        moved = sorted((checked.rows[key], key) for key, version in checked.seen.items()
                       if (now[key].version if key in now else 0) != version)
    if not moved:
        first = str(getattr(exc, "orig", exc) or type(exc).__name__).strip().splitlines()
        return ImportConflict(file.path, [], "写入时与同时进行的另一次导入冲突"
                                             f"（{first[0] if first else ''}）{tail}")
    shown = "；".join(f"第 {row} 行：{checked.labels[key]}的数值已由同时进行的另一次导入写入"
                     for row, key in moved[:CONFLICT_ROWS_SHOWN])
    if len(moved) > CONFLICT_ROWS_SHOWN:
        shown += f"；另有 {len(moved) - CONFLICT_ROWS_SHOWN} 行同样冲突"
    return ImportConflict(file.path, [row for row, _ in moved], shown + tail)
