"""Corrections a planner made to a plan's indicator table before it was stored, kept in
the audit log: one entry per corrected cell (who and when are the entry's own; what was
read and what was set, the row's line span and page, and the reader's doubt in its
detail), written in the transaction that stores the plan."""

from __future__ import annotations

from sqlalchemy.orm import Session

from healthplan.extract.corrections import AppliedCorrection
from healthplan.store.models import AuditEntry, Plan
from healthplan.store.users import audit

ACTION = "correct_plan_cell"


def record_corrections(session: Session, plan: Plan, applied: list[AppliedCorrection],
                       user_id: int | None) -> list[AuditEntry]:
    """One audit entry per applied correction of ``plan``'s table."""
    entries = []
    for item in applied:
        detail = {**item.to_json(), "plan_id": plan.id, "region_id": plan.region_id,
                  "source": plan.source_name, "sha256": plan.source_sha256}
        entries.append(audit(session, user_id, ACTION, "plan", plan.id,
                             f"规划《{plan.title}》{item.describe()}", detail))
    return entries

