"""Helpers for the observation import tests: a plan stored directly as model objects
(江阴市 2021–2025), and small CSV / Excel writers."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from sqlalchemy import func, select

from healthplan.store.models import AuditEntry, ImportBatch, Observation, Plan, Target
from healthplan.store.regions import find_region

JIANGYIN = "320281"
HEADER = ("region", "indicator", "year", "value", "source", "note")
SOURCE = "江阴市卫生健康统计年报"

# seq, name as printed, unit, indicator id, baseline, target, attribute
TARGETS = (
    ("1", "人均预期寿命", "岁", "life_expectancy", "81.5", "≥82", "预期性"),
    ("2", "婴儿死亡率", "‰", "infant_mortality", "2.1", "<3", "约束性"),
    ("3", "每千人口执业（助理）医师数", "人", "physicians_per_1000", "2.9", "3.3", "预期性"),
    ("4", "居民健康素养水平", "%", "health_literacy", "30.5", "≥35", "预期性"),
    ("5", "孕产妇系统管理率和3岁以下儿童系统管理率", "%", "maternal_child_system_management",
     "95、94", ">90", "约束性"),
    ("6", "智慧医院建设", "", None, "—", "持续推进", "预期性"),
)


def add_plan(session, region: str = JIANGYIN, start: int = 2021, end: int = 2025,
             targets=TARGETS) -> int:
    """Store a plan with its targets directly (no document); returns its id."""
    place = find_region(session, region)
    digest = hashlib.sha256(f"{region}{start}{end}".encode()).hexdigest()
    plan = Plan(region_id=place.id, title=f"{place.name}“十四五”卫生健康发展规划",
                period_start=start, period_end=end, status="final", source_name="test.txt",
                source_format="txt", source_sha256=digest)
    for k, (seq, name, unit, ident, baseline, target, attribute) in enumerate(targets):
        number = None if baseline == "—" or "、" in baseline else float(baseline)
        plan.targets.append(Target(
            position=k, seq=seq, name=name, unit=unit, indicator_id=ident,
            baseline_text=baseline, baseline_value=number, baseline_year=start - 1,
            target_text=target, target_year=end, attribute=attribute, rule={},
            line_start=k + 1, line_end=k + 1))
    session.add(plan)
    session.flush()
    return plan.id


def csv_text(rows, header=HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, rows, header=HEADER, encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path


def write_xlsx(path: Path, rows, header=HEADER) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def counts(db) -> tuple[int, int, int]:
    """(import batches, observations, audit entries) in the database."""
    with db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (ImportBatch, Observation, AuditEntry))
