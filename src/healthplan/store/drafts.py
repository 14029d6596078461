"""The next plan in the store: the evidence behind proposals, and draft indicator tables.

``proposals_for(session, region_text, period_text)`` gathers, for a region and the next
five-year period, the plain evidence ``healthplan.proposals`` works from (the region's
current plan, the parent region's plan for the next period, the region's observations
and its peers'), and returns the proposals. Bad input (an unknown region, a region with
no plans, a period that is not five years) raises ``ProposalError`` with a Chinese
message; nothing is written.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthplan import catalog
from healthplan.draftcheck import DraftLine, check_draft
from healthplan.proposals import (
    Evidence,
    Point,
    Proposal,
    ProposalError,
    check_period,
    parent_ref,
    propose,
)
from healthplan.store.models import Draft, DraftRow, Plan, Region, now
from healthplan.store.observations import current_series
from healthplan.store.plans import superseded_ids
from healthplan.store.regions import RegionError, ancestors, find_region
from healthplan.store.users import audit
from healthplan.succession import Observed, PlanRow, audit_succession
from healthplan.targets import Rule, _fmt


def _current_plans(session: Session) -> list[Plan]:
    gone = superseded_ids(session)
    return [p for p in session.scalars(select(Plan).where(Plan.origin == "document")
                                       .order_by(Plan.id)) if p.id not in gone]


def _label(plan: Plan) -> str:
    return f"{plan.title}（规划 {plan.id}）"


def _rule(data) -> Rule | None:
    try:
        return Rule.from_json(data) if data else None
    except (TypeError, ValueError):
        return None


def find_region_with_plans(session: Session, region_text: str) -> tuple[Region, list[Plan]]:
    try:
        region = find_region(session, region_text)
    except RegionError as exc:
        raise ProposalError(str(exc)) from None
    plans = [p for p in _current_plans(session) if p.region_id == region.id]
    if not plans:
        raise ProposalError(f"{region.name}（{region.code}）尚未载入任何规划，无法提出建议目标：请先载入其现行规划"
                            "（healthplan load 文件 --region …）")
    return region, plans


def proposals_for(session: Session, region_text: str, period_text: str) -> tuple[Region, list[Proposal]]:
    start, end = check_period(period_text)
    region, own_plans = find_region_with_plans(session, region_text)
    plans = _current_plans(session)
    current = next((p for p in reversed(own_plans) if p.period_end == start - 1), None)
    parent = None
    for up in ancestors(region):
        parent = next((p for p in plans if p.region_id == up.id and p.period_start == start
                       and p.period_end == end), None)
        if parent is not None:
            break
    order: dict[str, Evidence] = {}
    for plan in ([current] if current else []):
        for t in plan.targets:
            if t.indicator_id and t.indicator_id not in order:
                ind = catalog.get(t.indicator_id)
                order[t.indicator_id] = Evidence(t.indicator_id, ind.name, ind.unit,
                                                 current_target=t.target_text,
                                                 current_plan=_label(plan))
    if parent is not None:
        for t in parent.targets:
            rule = _rule(t.rule)
            if not t.indicator_id or rule is None:
                continue
            ind = catalog.get(t.indicator_id)
            item = order.setdefault(t.indicator_id, Evidence(t.indicator_id, ind.name, ind.unit))
            item.parent = parent_ref(t.target_text, rule, _label(parent))
    if not order:
        raise ProposalError(f"{region.name} 没有 {start - 1} 年结束的现行规划，上级也没有 {start}–{end} 年规划，"
                            "无可建议的指标")
    ids = list(order)
    series = current_series(session, [region.id], ids)
    for iid, item in order.items():
        item.series = [Point(y, o.value, o.source)
                       for y, o in sorted(series.get((region.id, iid), {}).items())]
    # Peers: the regions at the same level that have a plan (this one included).
    peer_regions = {p.region_id: p.region for p in plans if p.region.level == region.level}
    peer_series = current_series(session, list(peer_regions), ids)
    peer_plans = [p for p in plans if p.region_id in peer_regions and p.period_end == start - 1]
    for iid, item in order.items():
        for rid, reg in sorted(peer_regions.items()):
            years = {y: o for y, o in peer_series.get((rid, iid), {}).items() if y < start}
            if years:
                item.peers.append((reg.name, years[max(years)].value))
        for p in peer_plans:
            for t in p.targets:
                if t.indicator_id == iid:
                    item.peer_targets.append((p.region.name, t.target_text))
    return region, propose(region.name, list(order.values()), start, end)


def planned_regions(session: Session) -> list[Region]:
    """The regions with a current plan (those proposals can be made for), by code."""
    found = {p.region_id: p.region for p in _current_plans(session)}
    return sorted(found.values(), key=lambda r: r.code)


# --------------------------------------------------------------------------- drafts


def _line(row) -> DraftLine:
    return DraftLine(row.position, row.category, row.name, row.unit, row.indicator_id,
                     row.baseline_text, row.target_text, row.attribute)


def draft_lines(draft: Draft) -> list[DraftLine]:
    return [_line(r) for r in draft.rows]


def get_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise ProposalError(f"没有编号为 {draft_id} 的规划草案（healthplan draft list 列出）")
    return draft


def new_draft(session: Session, region_text: str, period_text: str, *, from_plan: int | None = None,
              user_id: int | None = None) -> Draft:
    """A draft for the region and period, from the proposals (default) or from a plan's
    indicator table (``from_plan``: its rows, targets as printed, baselines left empty
    for the planner: the old plan's baselines are of its own base year)."""
    start, end = check_period(period_text)
    region, own = find_region_with_plans(session, region_text)
    if from_plan is not None:
        plan = session.get(Plan, from_plan)
        if plan is None:
            raise ProposalError(f"没有编号为 {from_plan} 的规划（healthplan plans 列出）")
        lines = [DraftLine(k, t.category, t.name, t.unit, t.indicator_id, "", t.target_text, t.attribute)
                 for k, t in enumerate((t for t in plan.targets if t.indicator_id), start=1)]
        source = f"据规划 {plan.id}《{plan.title}》指标表"
    else:
        _, proposals = proposals_for(session, region_text, period_text)
        # grouped by the catalogue's 领域, in its order (the parent's new indicators join theirs)
        order = {c: k for k, c in enumerate(catalog.CATEGORIES)}
        proposals = sorted(proposals, key=lambda p: order.get(catalog.get(p.indicator_id).category, 99))
        lines = [DraftLine(k, catalog.get(p.indicator_id).category, p.name, p.unit, p.indicator_id,
                           # the 2025年 column holds a 2025 figure only (a 2020 one is not it)
                           _fmt(p.baseline) if p.baseline is not None and p.baseline_year == start - 1
                           else "",
                           p.suggested_target or "", "")
                 for k, p in enumerate(proposals, start=1)]
        source = "据建议目标（healthplan draft propose）"
    draft = Draft(region_id=region.id, title=f"{region.name}“十五五”卫生健康发展规划"
                  if (start, end) == (2026, 2030) else f"{region.name}{start}—{end}年卫生健康发展规划",
                  period_start=start, period_end=end, source=source, created_by=user_id)
    draft.rows = [_row(line) for line in lines]
    session.add(draft)
    session.flush()
    audit(session, user_id, "new_draft", "draft", draft.id,
          f"新建规划草案 {draft.id}（{region.name}，{start}–{end}，{len(lines)} 项指标，{source}）")
    return draft


def _row(line: DraftLine) -> DraftRow:
    return DraftRow(position=line.position, category=line.category, name=line.name, unit=line.unit,
                    indicator_id=line.indicator_id, baseline_text=line.baseline_text,
                    target_text=line.target_text, attribute=line.attribute)


def replace_rows(session: Session, draft: Draft, lines: list[DraftLine], *, user_id: int | None,
                 what: str) -> None:
    """The draft's rows replaced by ``lines`` (an upload, already validated)."""
    before = len(draft.rows)
    draft.rows = [_row(line) for line in lines]
    draft.updated_at = now()
    session.flush()
    audit(session, user_id, "update_draft", "draft", draft.id,
          f"更新规划草案 {draft.id}：{what}（{before} 项 → {len(lines)} 项）")


def check_stored_draft(session: Session, draft: Draft) -> list:
    _, proposals = proposals_for(session, draft.region.code, f"{draft.period_start}-{draft.period_end}")
    return check_draft(draft_lines(draft), {p.indicator_id: p for p in proposals})


def issued_plans(session: Session, draft: Draft) -> list[Plan]:
    """The current plans of the draft's region and period (the plan as issued, once loaded)."""
    return [p for p in _current_plans(session) if p.region_id == draft.region_id
            and (p.period_start, p.period_end) == (draft.period_start, draft.period_end)]


def compare_with_plan(session: Session, draft: Draft, plan_id: int):
    """``draftdiff.compare_rows`` of the draft against a stored plan of the same region and
    period: (plan, changes, number of rows unchanged). ProposalError for an unknown plan
    or one of another region or period."""
    from healthplan.draftdiff import compare_rows

    plan = session.get(Plan, plan_id)
    if plan is None:
        raise ProposalError(f"没有编号为 {plan_id} 的规划（healthplan plans 列出）")
    if plan.region_id != draft.region_id or (plan.period_start, plan.period_end) != (
            draft.period_start, draft.period_end):
        raise ProposalError(f"规划 {plan_id}《{plan.title}》（{plan.region.name}，{plan.period_start}–"
                            f"{plan.period_end}）与规划草案 {draft.id}（{draft.region.name}，{draft.period_start}–"
                            f"{draft.period_end}）不是同一{'地区' if plan.region_id != draft.region_id else '规划期'}，不能对照")
    issued = [DraftLine(k, t.category, t.name, t.unit, t.indicator_id, t.baseline_text or "",
                        t.target_text or "", t.attribute or "")
              for k, t in enumerate(plan.targets, start=1)]
    lines = draft_lines(draft)
    changes = compare_rows(lines, issued)
    touched = sum(1 for c in changes if c.kind != "added")
    return plan, changes, len(lines) - touched


# --------------------------------------------------------------------------- succession


def _plan_rows(plan: Plan) -> list[PlanRow]:
    return [PlanRow(t.indicator_id, t.name, t.baseline_text, t.baseline_value, t.baseline_year,
                    t.target_text, t.attribute, t.line_start, _rule(t.rule), t.line_end)
            for t in plan.targets]


def previous_plan(session: Session, plan: Plan) -> Plan | None:
    """The region's current plan for the period just before ``plan``'s (十四五 for 十五五)."""
    return next((p for p in reversed(_current_plans(session)) if p.region_id == plan.region_id
                 and p.period_end == plan.period_start - 1), None)


def succession_findings(session: Session, plan: Plan) -> list:
    """``succession.audit_succession`` for a stored plan and the plan before it ([] when
    there is none). Observations the plan itself recorded (its printed baselines) are
    not evidence against it."""
    before = previous_plan(session, plan)
    if before is None:
        return []
    rows, old = _plan_rows(plan), _plan_rows(before)
    ids = {r.indicator_id for r in rows + old if r.indicator_id}
    series = current_series(session, [plan.region_id], ids)
    own = f"《{plan.title}》"
    observed = {}
    for (_, iid), years in series.items():
        for year, obs in years.items():
            if not obs.source.startswith(own):
                observed[(iid, year)] = Observed(obs.value, obs.source)
    from healthplan.store.documents import document_lines

    lines = {d.line: d.text for d in document_lines(session, plan.source_sha256)}
    return audit_succession(rows, f"{plan.title}（规划 {plan.id}）", old,
                            f"{before.title}（规划 {before.id}）", observed, before.period_end, lines)
