"""The pages of plan audit, tracked commitments and projects, and search: a tracked item
(its text, rule, verdict, every progress version, and the form to record progress), a
plan's review (规划审查: the audit findings with their evidence lines) and the search
results page behind the header's search box."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthplan.permissions import Action, Principal
from healthplan.store.models import Plan, Region, User
from healthplan.store.regions import full_name
from healthplan.web.pages.common import (
    PageError,
    check_csrf,
    db,
    login,
    may,
    page,
    permit,
    reading,
    render,
    writing,
)
from healthplan.web.pages.views import plan_links, readable_plan
from healthplan.web.review import (
    SEVERITY_CLASS,
    AuditUnavailable,
    parent_label,
    plan_findings,
    plan_tracked,
    prepare_index,
    readable_search,
)

router = APIRouter(include_in_schema=False)
SEARCH_PAGE_LIMIT = 50


# --------------------------------------------------------------------------- tracked item


def _tracked_item(session: Session, plan: Plan, kind: str, number: int):
    from healthplan.store.progress import KINDS, ProgressError, find_item

    if kind not in KINDS:
        raise PageError(f"条目类型应为 commitment（量化承诺）或 project（专栏项目），而不是“{kind}”。")
    try:
        find_item(session, plan, kind, number)
    except ProgressError as exc:
        raise PageError(f"{exc}。") from None
    for item in plan_tracked(session, plan.id):
        if item.kind == kind and item.number == number:
            return item
    raise PageError(f"规划 {plan.id} 中没有该条目。")  # pragma: no cover


def _item_page(request: Request, session: Session, me: Principal, plan: Plan, kind: str,
               number: int, status_code: int = 200, **context) -> HTMLResponse:
    from healthplan.store.progress import progress_history
    from healthplan.tracking import STATUS_CN

    item = _tracked_item(session, plan, kind, number)
    versions = progress_history(session, plan.id, kind, number)
    current = {}
    for v in versions:  # oldest first: the newest version of each year is current
        current[v.year] = v.id
    users = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_({v.recorded_by for v in versions if v.recorded_by})))}
    this_year = date.today().year
    years = list(range(plan.period_start, min(plan.period_end, this_year) + 1))
    form = {"year": str(years[-1]) if years else "", "value": "", "status": "", "source": "",
            "evidence": "", "reason": "", **context.pop("form", {})}
    ordered = plan_tracked(session, plan.id)
    k = next(n for n, i in enumerate(ordered) if i.kind == kind and i.number == number)
    neighbours = (ordered[k - 1] if k > 0 else None, ordered[k + 1] if k + 1 < len(ordered) else None)
    return render(request, "tracked.html", status_code, plan=plan, item=item,
                  versions=list(reversed(versions)), current=set(current.values()),
                  users=users, years=years, form=form, statuses=STATUS_CN,
                  entered_years=sorted({v.year for v in versions}),
                  links=plan_links(session, me, plan), neighbours=neighbours,
                  region_full=full_name(plan.region), **context)


@router.get("/plans/{plan_id}/tracked/{kind}/{number}", response_class=HTMLResponse)
@page
def tracked_page(request: Request, plan_id: int, kind: str, number: int):
    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        return _item_page(request, session, me, plan, kind, number)


@router.post("/plans/{plan_id}/tracked/{kind}/{number}", response_class=HTMLResponse)
@page
def tracked_submit(request: Request, plan_id: int, kind: str, number: int,
                   year: str = Form(""), value: str = Form(""), status: str = Form(""),
                   source: str = Form(""), evidence: str = Form(""), reason: str = Form(""),
                   csrf: str = Form("")):
    from healthplan.store.progress import ProgressError, record_progress

    check_csrf(request, csrf)
    form = {"year": year, "value": value, "status": status, "source": source,
            "evidence": evidence, "reason": reason}
    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        permit(request, session, me, Action.write_data, plan.region_id,
               what=f"记录规划 {plan_id} 承诺或专栏项目的进展")
        item = _tracked_item(session, plan, kind, number)
        quantitative = item.quantitative
    errors = []
    if not source.strip():
        errors.append("来源为必填项：请注明进展出自哪份统计年报、工作报告、验收文件或文号。")
    if quantitative and not value.strip():
        errors.append("请填写实际数值（量化承诺按数值判断）。")
    if not quantitative and not status.strip():
        errors.append("请选择实施状态。")
    done = None
    if not errors:
        try:
            with writing(request) as session:
                done = record_progress(
                    session, plan_id, kind, number, year,
                    value=value.strip() if quantitative else None,
                    status=None if quantitative else status.strip(),
                    source=source, evidence=evidence, reason=reason, user_id=me.user_id)
                version = done.entry.version
        except ProgressError as exc:
            errors.append(f"{exc}。")
        except IntegrityError:
            errors.append("同一年份的进展刚被他人修改，本次未保存。请查看下方修改记录后重新提交。")
    with reading(request) as session:
        plan = session.get(Plan, plan_id)
        if errors:
            return _item_page(request, session, me, plan, kind, number, 422, form=form,
                              errors=errors)
        if not done.changed:
            message = f"{year} 年已有相同的记录（第{version}版），未作改动。"
        elif done.correction:
            message = f"已更正 {year} 年的进展（第{version}版），原记录保留在修改记录中。"
        else:
            message = f"已记录 {year} 年的进展。"
        return _item_page(request, session, me, plan, kind, number, 200, done=message)


# --------------------------------------------------------------------------- review


@router.get("/plans/{plan_id}/review", response_class=HTMLResponse)
@page
def review_page(request: Request, plan_id: int):
    from healthplan.audit import KIND_CN, SEVERITIES, SEVERITY_CN

    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        try:
            findings, unavailable = plan_findings(session, plan), None
        except AuditUnavailable as exc:
            findings, unavailable = [], str(exc)
        counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
        ordered = sorted(findings, key=lambda f: SEVERITIES.index(f.severity)
                         if f.severity in SEVERITIES else len(SEVERITIES))
        return render(request, "review.html", plan=plan, findings=ordered, counts=counts,
                      unavailable=unavailable, severities=SEVERITIES, severity_cn=SEVERITY_CN,
                      severity_class=SEVERITY_CLASS, kind_cn=KIND_CN, parent=parent_label(plan),
                      parent_readable=plan.parent is not None
                      and may(session, me, Action.read, plan.parent.region_id),
                      links=plan_links(session, me, plan))


# --------------------------------------------------------------------------- search


def _region_choices(session: Session, me: Principal) -> list[Region]:
    """Regions with a plan the user may read (for the filter)."""
    regions = {p.region for p in session.scalars(select(Plan).where(Plan.origin == "document"))
               if may(session, me, Action.read, p.region_id)}
    return sorted(regions, key=lambda r: r.code)


@router.get("/search", response_class=HTMLResponse)
@page
def search_page(request: Request, q: str | None = None, region: str = "", level: str = "",
                section: str = ""):
    from healthplan.search import SECTION_CN, SearchError

    if q is not None:
        prepare_index(db(request), request.app.state.readers)
    with reading(request) as session:
        me = login(request, session)
        hits, error, status = [], None, 200
        if q is not None:
            try:
                hits = readable_search(session, me, q, region=region or None,
                                       level=level or None, section=section or None,
                                       limit=SEARCH_PAGE_LIMIT)
            except SearchError as exc:
                error, status = f"{exc}。", 400
        level_cn = {"nation": "全国", "province": "省级", "city": "市级", "county": "县级"}
        return render(request, "search.html", status, search_q=q or "", searched=q is not None,
                      hits=hits, error=error, region=region, level=level, section=section,
                      regions=_region_choices(session, me), level_cn=level_cn,
                      section_cn=SECTION_CN, limit=SEARCH_PAGE_LIMIT)
