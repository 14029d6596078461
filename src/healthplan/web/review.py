"""What the pages and the API share for plan audit, tracked items and search.

* :func:`plan_findings` — ``audit.audit_plan`` of a stored plan against its stored parent
  plan (as ``healthplan audit PLAN_ID`` does), kept per process: a stored plan and its
  document never change (a revision is a new plan).
* :func:`plan_tracked` — ``store.progress.tracked_items``, kept until progress is
  recorded for the plan (entries are never deleted, so the largest entry id tells).
* :func:`readable_search` — ``store.search_index.search`` limited to the plans the user may read:
  a user with a region (not an admin) searches that region and the regions below it.

No web framework here: plain functions over a session and a principal.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthplan.permissions import Action, Principal
from healthplan.store.models import Plan, ProgressEntry, Region
from healthplan.web.auth import may, region_path

SEVERITY_CLASS = {"high": "off_track", "medium": "at_risk", "low": "no_data"}  # verdict colours


class _Lru:
    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, compute):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = compute()
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value


_FINDINGS = _Lru(64)
_TRACKED = _Lru(128)


class AuditUnavailable(LookupError):
    """The plan's text is not stored (loaded before texts were kept): nothing to audit."""


def plan_findings(session: Session, plan: Plan) -> list:
    """The audit findings (``audit.Finding``) of a stored plan, parent plan included.
    Raises AuditUnavailable when the plan's text is not stored."""
    parent = plan.parent
    key = (plan.id, plan.source_sha256, parent.id if parent is not None else None)
    return _FINDINGS.get(key, lambda: _audit(session, plan))


def _audit(session: Session, plan: Plan) -> list:
    from healthplan.audit import audit_plan
    from healthplan.extract import extract_plan
    from healthplan.store.documents import plan_document
    from healthplan.store.plans import stored_parent

    try:
        document = plan_document(session, plan.id)
    except LookupError as exc:
        raise AuditUnavailable(str(exc)) from None
    return audit_plan(document, extract_plan(document), stored_parent(plan))


def parent_label(plan: Plan) -> str | None:
    return f"{plan.parent.title}（规划 {plan.parent.id}）" if plan.parent is not None else None


def clamp_year(plan: Plan, year: int | None) -> int | None:
    """A dashboard year (which may be the year before or after the period) as a year of
    progress: within the plan period; None stays None (the newest year with progress)."""
    if year is None:
        return None
    return min(max(year, plan.period_start), plan.period_end)


def plan_tracked(session: Session, plan_id: int, year: int | None = None) -> list:
    """``tracked_items(session, plan_id, year)``, computed again only when progress has
    been recorded for the plan since. The default year (None) is resolved first: it
    follows the observations too, which the cache key does not see."""
    from healthplan.store.evaluation import default_year
    from healthplan.store.progress import tracked_items

    if year is None and (plan := session.get(Plan, plan_id)) is not None:
        year = default_year(session, plan)
    newest = session.scalar(select(func.max(ProgressEntry.id))
                            .where(ProgressEntry.plan_id == plan_id))
    bind = session.get_bind()
    key = (str(getattr(bind, "engine", bind).url), plan_id, year, newest)
    return _TRACKED.get(key, lambda: tracked_items(session, plan_id, year))


def verdict_counts(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.verdict] = counts.get(item.verdict, 0) + 1
    return counts


def readable_search(session: Session, principal: Principal, query: str, *,
                    region: str | None = None, level: str | None = None,
                    section: str | None = None, limit: int = 20) -> list:
    """``store.search_index.search`` over the plans ``principal`` may read. Raises
    ``search.SearchError`` (a Chinese message) for a query or filter that cannot be used."""
    from healthplan.search import SearchError, parse_query
    from healthplan.store.regions import RegionError, find_region
    from healthplan.store.search_index import search

    parse_query(query)  # a bad query is named before anything else
    scope = region.strip() if region and region.strip() else None
    if principal.role != "admin" and principal.region_id is not None:
        mine = session.get(Region, principal.region_id)
        if scope is None:
            scope = mine.code
        else:
            try:
                wanted = find_region(session, scope)
            except RegionError as exc:
                raise SearchError(str(exc)) from None
            if principal.region_id in region_path(session, wanted.id):
                scope = wanted.code  # within the user's region
            elif wanted.id in region_path(session, principal.region_id):
                scope = mine.code  # above it: only the user's part
            else:
                search(session, query, level=level, section=section, limit=1)  # check filters
                return []
    hits = search(session, query, region=scope, level=level, section=section, limit=limit)
    regions = dict(session.execute(select(Plan.id, Plan.region_id)
                                   .where(Plan.id.in_({h.plan_id for h in hits}))).all())
    return [h for h in hits if may(session, principal, Action.read, regions.get(h.plan_id))]


def prepare_index(db, readers) -> None:
    """Build the search index (in a writing session: readers cannot write) when stored
    lines are missing from it, as in a database from before the index. ``readers``: the
    application's read-only sessionmaker. Call before the reading session of the search,
    so that its snapshot sees the index."""
    from healthplan.store.search_index import ensure_index, index_is_stale

    with readers.begin() as session:
        stale = index_is_stale(session)
    if stale:
        with db.session() as session:
            ensure_index(session)
