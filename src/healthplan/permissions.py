"""Who may do what, as plain rules over a user's role and region.

Regions are given as their chain of ids from the nation down (``path``), so a rule can
tell "in or below my region" without a database:

- admin: everything, including users and the audit log;
- planner: reads everything in and below their region, runs reports;
- clerk: submits and corrects observations and progress for their own region only, and
  reads in and below it;
- viewer: reads in and below their region (everything when they have none).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    read = "read"
    report = "report"
    write_data = "write_data"  # observations, corrections, progress entries
    load_plan = "load_plan"
    manage_users = "manage_users"
    read_audit = "read_audit"


@dataclass(frozen=True)
class Principal:
    user_id: int
    name: str
    role: str
    region_id: int | None


def allowed(principal: Principal, action: Action, region_path: tuple[int, ...] = ()) -> bool:
    """May ``principal`` do ``action`` on data of the region whose ancestry (nation first,
    the region itself last) is ``region_path``? Actions without a region pass ``()``."""
    role = principal.role
    if role == "admin":
        return True
    within = principal.region_id is None or principal.region_id in region_path
    if action is Action.read:
        return within
    if action is Action.report:
        return role == "planner" and within
    if action is Action.write_data:
        return (role == "clerk" and principal.region_id is not None
                and bool(region_path) and region_path[-1] == principal.region_id)
    if action is Action.load_plan:
        return role == "planner" and principal.region_id is not None and within
    return False  # manage_users, read_audit: admin only
