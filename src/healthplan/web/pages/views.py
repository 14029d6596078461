"""The reading pages: plans by region, a plan's dashboard, an indicator, the plan text,
the comparison of plans, report downloads and the audit log."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthplan.permissions import Action, Principal
from healthplan.store.models import (
    AuditEntry,
    ImportBatch,
    Observation,
    Plan,
    ProgressEntry,
    Region,
    Target,
    User,
)
from healthplan.store.plans import superseded_ids
from healthplan.store.regions import ancestors, full_name
from healthplan.web.auth import readable
from healthplan.web.cache import Cache
from healthplan.web.pages.common import (
    ENVIRONMENT,
    PageError,
    attachment,
    login,
    may,
    page,
    permit,
    reading,
    render,
)
from healthplan.web.pages.svg import sparkline
from healthplan.web.review import clamp_year, plan_tracked, verdict_counts
from healthplan.web.security import NONCE_KEY

router = APIRouter(include_in_schema=False)
PlanIds = Annotated[list[int] | None, Query()]  # ?plan=2&plan=3

MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_CN = {"docx": "Word", "html": "网页", "xlsx": "Excel"}
KIND_CN = {"annual": "年度监测报告", "midterm": "中期评估报告", "final": "终期评估报告"}
LIST_COUNTS_LIMIT = 60  # plans on the list page evaluated for their verdict counts
AUDIT_PAGE = 100
ACTION_CN = {"import": "导入监测值", "entry": "录入监测值", "correct": "更正监测值",
             "record": "录入监测值", "load_plan": "载入规划", "add_user": "新增用户",
             "denied": "拒绝访问", "login": "登录", "token": "令牌",
             "record_progress": "记录承诺/项目进展", "correct_progress": "更正承诺/项目进展",
             "issue_token": "签发令牌", "revoke_token": "吊销令牌", "disable_user": "停用用户",
             "change_password": "修改密码", "lock_user": "锁定账号", "unlock_user": "解除锁定",
             "correct_plan_cell": "更正规划指标表"}


def plan_for(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise PageError(f"没有编号为 {plan_id} 的规划。请从规划列表中选择。")
    return plan


def readable_plan(request: Request, session: Session, me: Principal, plan_id: int) -> Plan:
    plan = plan_for(session, plan_id)
    permit(request, session, me, Action.read, plan.region_id, what=f"查看规划 {plan_id}")
    return plan


def plan_links(session: Session, me: Principal, plan: Plan) -> dict:
    """What the plan's navigation offers this user."""
    return {
        "write": may(session, me, Action.write_data, plan.region_id),
        "report": may(session, me, Action.report, plan.region_id),
    }


# --------------------------------------------------------------------------- plans by region


@dataclass
class RegionNode:
    region: Region
    plans: list = field(default_factory=list)
    children: dict[int, RegionNode] = field(default_factory=dict)


@router.get("/", response_class=HTMLResponse)
@page
def plans_page(request: Request):
    from healthplan.store.evaluation import evaluate_stored_plan
    from healthplan.store.rounds import notices as round_notices

    with reading(request) as session:
        me = login(request, session)
        superseded = superseded_ids(session)
        plans = readable(session, me, list(
            session.scalars(select(Plan).order_by(Plan.period_start.desc(), Plan.id))))
        counts = {}
        if len(plans) <= LIST_COUNTS_LIMIT:
            for p in plans:
                ev = evaluate_stored_plan(session, p.id, with_children=False)
                counts[p.id] = (ev.year, ev.counts())
        roots: dict[int, RegionNode] = {}
        for p in plans:
            chain = [r for r in reversed(ancestors(p.region)) if r.level != "nation"] + [p.region]
            level = roots
            node = None
            for region in chain:
                node = level.setdefault(region.id, RegionNode(region))
                level = node.children
            node.plans.append(p)
        rows = []

        def walk(nodes: dict[int, RegionNode], depth: int) -> None:
            for node in sorted(nodes.values(), key=lambda n: n.region.code):
                rows.append((depth, node.region, node.plans))
                walk(node.children, depth + 1)

        walk(roots, 0)
        # what the user's reporting rounds ask of them, seen on login (issue 16)
        notices = round_notices(session, me) if me is not None else None
        return render(request, "plans.html", rows=rows, counts=counts, superseded=superseded,
                      plan_count=len(plans), notices=notices)


# --------------------------------------------------------------------------- dashboard


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
@page
def dashboard(request: Request, plan_id: int, year: int | None = None):
    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        check_year(plan, year)
        links = plan_links(session, me, plan)
        newest_progress = session.scalar(select(func.max(ProgressEntry.id))
                                         .where(ProgressEntry.plan_id == plan.id))
        key = ("dashboard-html", plan.id, year, newest_progress, links["write"], links["report"])
        main = dashboard_html.get(session, key, lambda: Markup(ENVIRONMENT.get_template(
            "_dashboard_main.html").render(**dashboard_context(session, plan, year, links))))
        return render(request, "dashboard.html", plan=plan, main=main)


dashboard_html = Cache(max_entries=256)  # the dashboard's main part, per plan, year and rights


def dashboard_context(session: Session, plan: Plan, year: int | None, links: dict) -> dict:
    """What ``_dashboard_main.html`` shows."""
    ev, rows = dashboard_rows(session, plan, year)
    counts = ev.counts()
    latest = session.execute(
        select(Observation.recorded_at, User.display_name, User.name)
        .outerjoin(User, User.id == Observation.recorded_by)
        .where(Observation.region_id == plan.region_id)
        .order_by(Observation.recorded_at.desc()).limit(1)).first()
    years = list(range(plan.period_start, plan.period_end + 2))
    # the same year as the indicators (a year after the period: its last year)
    tracked = plan_tracked(session, plan.id, clamp_year(plan, ev.year))
    return dict(plan=plan, ev=ev, rows=rows, counts=counts, total=len(ev.targets), years=years, latest=latest, tracked=tracked,
                  tracked_counts=verdict_counts(tracked),
                  tracked_commitments=sum(1 for i in tracked if i.kind == "commitment"),
                  tracked_year=tracked[0].year if tracked else ev.year,
                  binding=sum(1 for r in rows if r["binding"]),
                  links=links, region_full=full_name(plan.region))


dashboards = Cache(max_entries=256)  # (evaluation, table rows) of a plan's dashboard


def dashboard_rows(session: Session, plan: Plan, year: int | None):
    """The dashboard's evaluation and table rows (sparklines drawn), computed once per
    change of the data (observations, plans, the plan's recorded progress — which can move
    the default year) and reused by every view in this process."""
    newest_progress = session.scalar(select(func.max(ProgressEntry.id))
                                     .where(ProgressEntry.plan_id == plan.id))
    return dashboards.get(session, ("dashboard", plan.id, year, newest_progress),
                          lambda: _dashboard_rows(session, plan, year))


def _dashboard_rows(session: Session, plan: Plan, year: int | None):
    from healthplan.store.evaluation import evaluate_stored_plan
    from healthplan.store.observations import current_series

    ev = evaluate_stored_plan(session, plan.id, year)
    ids = {t.indicator_id for t in plan.targets if t.indicator_id}
    series = current_series(session, [plan.region_id], ids)
    stored = {t.id: t for t in plan.targets}
    rows = []
    for t in ev.targets:
        target = stored[t.target_id]
        observed = {y: o.value for y, o in
                    series.get((plan.region_id, t.indicator_id), {}).items() if y <= ev.year}
        base_year = target.baseline_year or plan.period_start - 1
        threshold = t.evaluation.threshold if t.evaluation else None
        rows.append({
            "t": t, "target": target, "binding": t.attribute == "约束性",
            "spark": sparkline(
                observed, first_year=min([base_year, *observed]) if observed else base_year,
                last_year=target.target_year or plan.period_end, target=threshold,
                baseline=((base_year, target.baseline_value)
                          if target.baseline_value is not None else None),
                verdict=t.verdict,
                label=f"{t.name}：" + "，".join(f"{y}年 {v:g}" for y, v in sorted(observed.items()))),
        })
    # Binding indicators first (their shortfalls first of all), then the plan's order.
    rows.sort(key=lambda r: (not r["binding"], not r["t"].binding_shortfall,
                             r["target"].position))
    for r in rows:  # the ORM row stays with its session
        r["position"] = r.pop("target").position
    return ev, rows


def check_year(plan: Plan, year: int | None) -> None:
    """The rule of ``store.evaluation.check_year``, as a page's 400."""
    from healthplan.store.evaluation import YearOutOfRange
    from healthplan.store.evaluation import check_year as check

    try:
        check(plan, year)
    except YearOutOfRange as exc:
        raise PageError(f"{exc}。", 400, "年份无效") from None


# --------------------------------------------------------------------------- indicator


@router.get("/plans/{plan_id}/indicators/{target_id}", response_class=HTMLResponse)
@page
def indicator_page(request: Request, plan_id: int, target_id: int, year: int | None = None):
    from healthplan.reports.charts import indicator_chart
    from healthplan.reports.content import build_report
    from healthplan.store.observations import history

    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        check_year(plan, year)
        target = session.get(Target, target_id)
        if target is None or target.plan_id != plan.id:
            raise PageError(f"规划 {plan_id} 中没有编号为 {target_id} 的指标。")
        report = build_report(session, plan.id, "annual", year)
        section = next(s for s in report.indicators if s.target_id == target_id)
        svg = indicator_chart(section, year=report.year, fmt="svg").decode("utf-8")
        svg = svg[svg.index("<svg"):]
        # The chart's own <style> runs under the Content-Security-Policy by its nonce.
        svg = svg.replace("<style", f'<style nonce="{getattr(request.state, NONCE_KEY, "")}"')
        versions = history(session, plan.region_id, target.indicator_id) if target.indicator_id else []
        users = {u.id: u for u in session.scalars(select(User).where(
            User.id.in_({v.recorded_by for v in versions if v.recorded_by})))}
        batches = {b.id: b for b in session.scalars(select(ImportBatch).where(
            ImportBatch.id.in_({v.import_id for v in versions if v.import_id})))}
        current = {}
        for v in versions:  # oldest first: the newest version of each year is current
            current[v.year] = v.id
        ordered = sorted(targets_of(plan), key=lambda t: t.position)
        k = next(i for i, t in enumerate(ordered) if t.id == target.id)
        neighbours = (ordered[k - 1] if k > 0 else None,
                      ordered[k + 1] if k + 1 < len(ordered) else None)
        return render(request, "indicator.html", plan=plan, target=target, s=section,
                      year=report.year, chart=svg, versions=list(reversed(versions)),
                      users=users, batches=batches, current=set(current.values()),
                      links=plan_links(session, me, plan), neighbours=neighbours,
                      years=list(range(plan.period_start, plan.period_end + 2)))


def targets_of(plan: Plan) -> list[Target]:
    return list(plan.targets)


# --------------------------------------------------------------------------- plan text


@router.get("/plans/{plan_id}/text", response_class=HTMLResponse)
@page
def plan_text(request: Request, plan_id: int):
    from healthplan.store.documents import document_lines

    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        lines = document_lines(session, plan.source_sha256)
        headings = [(line, line.outline_path.count("›")) for line in lines
                    if line.section == "heading"]
        marks: dict[int, list[str]] = {}
        for t in plan.targets:
            marks.setdefault(t.line_start, []).append("指标")
        for p in plan.projects:
            marks.setdefault(p.line_start, []).append("专栏")
        for c in plan.commitments:
            marks.setdefault(c.line, []).append("承诺")
        extracted = {n for t in plan.targets for n in range(t.line_start, t.line_end + 1)}
        extracted |= {c.line for c in plan.commitments}
        return render(request, "text.html", plan=plan, lines=lines, headings=headings,
                      marks=marks, extracted=extracted, links=plan_links(session, me, plan))


# --------------------------------------------------------------------------- comparison


@router.get("/compare", response_class=HTMLResponse)
@page
def compare_page(request: Request, plan: PlanIds = None, year: int | None = None):
    from healthplan.reports import ReportError
    from healthplan.reports.comparison import build_comparison

    plan = plan or []
    with reading(request) as session:
        me = login(request, session)
        choices = readable(session, me, list(session.scalars(select(Plan).order_by(Plan.id))))
        comparison, error = None, None
        chosen = list(dict.fromkeys(plan))
        for plan_id in chosen:
            readable_plan(request, session, me, plan_id)
        if chosen:
            try:
                comparison = build_comparison(session, chosen, year)
            except ReportError as exc:
                error = str(exc)
        from healthplan.reports import comparison as cmp

        return render(request, "compare.html", choices=choices, chosen=chosen, year=year,
                      comparison=comparison, error=error, cmp=cmp,
                      may_report=all(may(session, me, Action.report, plan_for(session, i).region_id)
                                     for i in chosen) if chosen else False)


@router.get("/compare/download")
@page
def compare_download(request: Request, plan: PlanIds = None, year: int | None = None,
                     format: str = "xlsx"):
    from healthplan.reports import ReportError
    from healthplan.reports.comparison import build_comparison, write_comparison

    plan = plan or []
    if format not in MEDIA:
        raise PageError(f"对比报告格式应为 docx、html 或 xlsx，而不是 {format}。", 400, "格式无效")
    with reading(request) as session:
        me = login(request, session)
        for plan_id in plan:
            p = plan_for(session, plan_id)
            permit(request, session, me, Action.report, p.region_id, what="下载规划对比报告")
        try:
            comparison = build_comparison(session, plan, year)
        except ReportError as exc:
            raise PageError(str(exc), 400, "无法生成对比报告") from None
        data = _written(lambda path: write_comparison(comparison, path, format), format)
    return attachment(data, f"规划对比（{comparison.subtitle}）.{format}", MEDIA[format])


# --------------------------------------------------------------------------- reports


@router.get("/plans/{plan_id}/report")
@page
def report_download(request: Request, plan_id: int, kind: str = "annual", format: str = "docx",
                    year: int | None = None):
    from healthplan.reports import ReportError, build_report, write_report

    if format not in MEDIA or kind not in KIND_CN:
        raise PageError("报告类型应为年度监测、中期评估或终期评估，格式应为 Word、网页或 Excel。",
                        400, "参数无效")
    with reading(request) as session:
        me = login(request, session)
        plan = plan_for(session, plan_id)
        permit(request, session, me, Action.report, plan.region_id, what=f"下载规划 {plan_id} 的报告")
        try:
            report = build_report(session, plan.id, kind, year)
        except ReportError as exc:
            raise PageError(str(exc), 400, "无法生成报告") from None
        data = _written(lambda path: write_report(report, path, format), format)
        name = report.file_name(format)
    return attachment(data, name, MEDIA[format])


def _written(write, format: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="healthplan-") as folder:
        path = Path(folder) / f"out.{format}"
        write(path)
        return path.read_bytes()


# --------------------------------------------------------------------------- audit log


@router.get("/admin/audit", response_class=HTMLResponse)
@page
def audit_page(request: Request, action: str = "", user: str = "", page_no: int = Query(1, alias="page")):
    with reading(request) as session:
        me = login(request, session)
        permit(request, session, me, Action.read_audit, what="查看审计日志")
        query = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.user_id)
        count = select(func.count(AuditEntry.id)).outerjoin(User, User.id == AuditEntry.user_id)
        if action:
            query = query.where(AuditEntry.action == action)
            count = count.where(AuditEntry.action == action)
        if user:
            query = query.where(User.name == user)
            count = count.where(User.name == user)
        total = session.scalar(count) or 0
        page_no = max(1, page_no)
        entries = session.execute(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                  .offset((page_no - 1) * AUDIT_PAGE).limit(AUDIT_PAGE)).all()
        actions = list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
        names = list(session.scalars(select(User.name).order_by(User.name)))
        regions = {r.id: r.name for r in session.scalars(select(Region).where(Region.id.in_(
            {_region_of(e) for e, _ in entries if _region_of(e)})))}
        rows = [(e, u, audit_changes(e, regions)) for e, u in entries]
        return render(request, "audit.html", rows=rows, total=total, page=page_no,
                      pages=max(1, -(-total // AUDIT_PAGE)), action=action, user=user,
                      actions=actions, names=names, ACTION_CN=ACTION_CN)


def _region_of(entry: AuditEntry) -> int | None:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    region = detail.get("region_id")
    return region if isinstance(region, int) else None


def audit_changes(entry: AuditEntry, regions: dict[int, str]) -> dict:
    """What an audit entry changed, for the table: before → after rows (as text), the
    source, the reason, and the rest of the detail as JSON.

    The writers of the log keep their own shapes: a number (the entry form), a dict of
    value/version/source (the API, tracked progress), a list of corrected rows (imports);
    whatever the shape, the page shows text and never fails on it."""
    from healthplan import catalog

    detail = entry.detail if isinstance(entry.detail, dict) else {}
    changes = []

    def name(indicator_id) -> str:
        try:
            return catalog.get(indicator_id).name
        except Exception:  # an id the catalogue no longer has: show it as stored
            return str(indicator_id or "")

    def where(item: dict) -> str:
        region = regions.get(item.get("region_id")) or item.get("region") or ""
        if item.get("indicator_id"):
            thing = name(item.get("indicator_id"))
        elif item.get("item_text"):
            thing = f"规划 {item.get('plan_id')} {item.get('item_text')}"
        else:
            thing = ""
        year = f"{item.get('year')}年" if item.get("year") is not None else ""
        return " ".join(part for part in (region, thing, year) if part)

    corrected = detail.get("corrected")
    for c in corrected if isinstance(corrected, list) else []:
        if isinstance(c, dict):
            changes.append({"what": f"{where(c)}（第 {c.get('row')} 行）",
                            "before": shown_value(c.get("old")), "after": shown_value(c.get("new"))})
    if "after" in detail:
        changes.append({"what": where(detail), "before": shown_value(detail.get("before")),
                        "after": shown_value(detail.get("after"))})
    source = detail.get("source") or detail.get("file") or ""
    reason = detail.get("reason") or ""
    return {
        "changes": changes,
        "source": source if isinstance(source, str) else json.dumps(source, ensure_ascii=False),
        "reason": reason if isinstance(reason, str) else json.dumps(reason, ensure_ascii=False),
        "json": json.dumps(entry.detail, ensure_ascii=False, indent=1, default=str)
        if entry.detail else "",
    }


def shown_value(value) -> str:
    """One side of a change as the audit table shows it: a number formatted, a recorded
    version (``{"value": …, "version": …}``) as its value or status and version, nothing
    as "—"."""
    from healthplan.reports.content import format_number
    from healthplan.store.progress import STATUS_CN

    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, dict):
        shown = (shown_value(value["value"]) if value.get("value") is not None
                 else STATUS_CN.get(value.get("status"), value.get("status") or "—"))
        return shown + (f"（第{value['version']}版）" if value.get("version") else "")
    return str(value)


@router.get("/plans", include_in_schema=False)
def plans_redirect():
    return RedirectResponse("/", status_code=307)
