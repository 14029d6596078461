"""The pages of reporting rounds (填报任务): the list with the user's notices and the form
to open a round; a round's board (regions × status, sortable, Excel and overdue
exports, bulk approval); a task (its values with outliers and remarks, confirm / 暂无数据
forms, submit; approve / return with comments on values / withdraw for the reviewer).
The rules are the store's (``store/rounds.py``); a refusal is a 403 page and in the
audit log, a step another reviewer took first a 409 page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from healthplan import reporting
from healthplan.permissions import Action
from healthplan.store import rounds as store
from healthplan.store.models import Plan, Region, ReportRound, ReportTask, ReportTransition, User
from healthplan.store.plans import superseded_ids
from healthplan.store.users import audit
from healthplan.web.auth import readable_region_ids
from healthplan.web.pages.common import (
    PageError,
    check_csrf,
    login,
    may,
    page,
    reading,
    render,
    writing,
)

router = APIRouter(include_in_schema=False)
SORTS = {"region_code": lambda r: r.region_code, "status": lambda r: reporting.STATUSES.index(r.status),
         "submitted_at": lambda r: (r.submitted_at is None, r.submitted_at or 0),
         "on_time": lambda r: {True: 0, False: 1, None: 2}[r.on_time],
         "values": lambda r: r.values_present / (r.values_expected or 1),
         "flags_open": lambda r: -r.flags_open}


def _refused(request: Request, me, message: str, region_id: int | None, what: str):
    with writing(request) as session:
        audit(session, me.user_id, "denied", "permission", region_id,
              f"拒绝 {me.name}（{me.role}）{what}：{message}",
              {"action": what, "region_id": region_id, "role": me.role})
    return render(request, "message.html", 403, title="无权限",
                  message=f"{message}。本次操作未执行，数据没有任何改动；此次尝试已记入审计日志。",
                  kind="refused")


def _round(session, round_id: int) -> ReportRound:
    found = session.get(ReportRound, round_id)
    if found is None:
        raise PageError(f"填报轮次 {round_id} 不存在。")
    return found


def _visible(session, me, rows):
    ids = readable_region_ids(session, me)
    return rows if ids is None else [r for r in rows if r.region_id in ids]


# --------------------------------------------------------------------------- list and open


@router.get("/rounds", response_class=HTMLResponse)
@page
def rounds_page(request: Request):
    with reading(request) as session:
        me = login(request, session)
        return _rounds_page(request, session, me)


def _rounds_page(request, session, me, status_code=200, **context):
    ids = readable_region_ids(session, me)
    items = []
    for found in store.rounds_for(session, ids):
        rows = _visible(session, me, store.board(session, found.id))
        items.append((found, store.round_rates(rows)))
    plans = []
    if me.role in ("planner", "admin"):
        superseded = superseded_ids(session)
        plans = [p for p in session.scalars(select(Plan).where(Plan.origin == "document")
                                            .order_by(Plan.id))
                 if p.id not in superseded and (ids is None or p.region_id in ids)]
    return render(request, "rounds.html", status_code, nav="rounds", items=items, plans=plans,
                  notices=store.notices(session, me), pct=reporting.percent,
                  today=reporting.china_today(), **context)


@router.post("/rounds", response_class=HTMLResponse)
@page
def open_round(request: Request, plan: str = Form(""), year: str = Form(""),
               deadline: str = Form(""), subregions: str = Form(""), note: str = Form(""),
               csrf: str = Form("")):
    check_csrf(request, csrf)
    form = {"plan": plan, "year": year, "deadline": deadline, "subregions": subregions,
            "note": note}
    with reading(request) as session:
        me = login(request, session)
    problem = None
    try:
        when = date.fromisoformat(deadline.strip())
    except ValueError:
        problem = "截止日期应为 YYYY-MM-DD 格式的日期（如 2025-12-31）。"
    if not problem and not (plan.strip().isdigit() and year.strip().isdigit()):
        problem = "请选择规划并填写年度（四位数字）。"
    if problem:
        with reading(request) as session:
            return _rounds_page(request, session, me, 422, errors=[problem], form=form)
    try:
        with writing(request) as session:
            found = store.open_round(session, me, plan_id=int(plan), year=int(year),
                                     deadline=when, note=note, subregions=bool(subregions))
            round_id = found.id
    except store.NotAllowed as exc:
        return _refused(request, me, str(exc), None, "开启填报任务")
    except store.RoundError as exc:
        with reading(request) as session:
            return _rounds_page(request, session, me, 422, errors=[f"{exc}。"], form=form)
    return RedirectResponse(f"/rounds/{round_id}", status_code=303)


# --------------------------------------------------------------------------- the board


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
@page
def board_page(request: Request, round_id: int, sort: str = "region_code", desc: str = "",
               done: str = ""):
    with reading(request) as session:
        me = login(request, session)
        found = _round(session, round_id)
        rows = _visible(session, me, store.board(session, round_id))
        if not rows:
            raise PageError(f"您看不到填报轮次 {round_id} 中任何地区的任务。", 403, "无权限")
        key = SORTS.get(sort, SORTS["region_code"])
        rows.sort(key=key, reverse=bool(desc))
        today = reporting.china_today()
        overdue = [r for r in rows if today > found.deadline and r.status not in reporting.DONE]
        return render(request, "round_board.html", nav="rounds", round=found, rows=rows,
                      rates=store.round_rates(rows), pct=reporting.percent,
                      status_cn=reporting.STATUS_CN, sort=sort, desc=desc, overdue=overdue,
                      can_review=me.role in ("planner", "admin"), done=done,
                      completeness=store.indicator_completeness(session, round_id),
                      names=_indicator_names())


def _indicator_names() -> dict[str, str]:
    from healthplan import catalog

    return {i.id: i.name for i in catalog.load_catalog().indicators}


@router.post("/rounds/{round_id}/bulk-approve", response_class=HTMLResponse)
@page
def bulk_approve(request: Request, round_id: int, csrf: str = Form("")):
    check_csrf(request, csrf)
    with reading(request) as session:
        me = login(request, session)
        _round(session, round_id)
    if me.role not in ("planner", "admin"):
        return _refused(request, me, f"{me.name}（{me.role}）不能审核", None, "批量审核")
    try:
        with writing(request) as session:
            approved, skipped = store.bulk_approve(session, me, round_id)
    except store.TaskConflict as exc:
        raise PageError(f"{exc}。", 409, "未执行") from None
    message = f"已审核通过 {len(approved)} 项无数值标记的任务" + (
        f"，跳过 {len(skipped)} 项（有标记或无权审核，请逐项审核）" if skipped else "")
    return RedirectResponse(f"/rounds/{round_id}?done={message}", status_code=303)


# --------------------------------------------------------------------------- a task


def _task(session, round_id: int, code: str):
    _round(session, round_id)
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise PageError(f"地区代码 {code} 不存在。")
    try:
        return region, store.task_of(session, round_id, region.id)
    except store.RoundError as exc:
        raise PageError(f"{exc}。") from None


@router.get("/rounds/{round_id}/tasks/{code}", response_class=HTMLResponse)
@page
def task_page(request: Request, round_id: int, code: str, done: str = ""):
    with reading(request) as session:
        me = login(request, session)
        return _task_page(request, session, me, round_id, code, done=done)


def _task_page(request, session, me, round_id, code, status_code=200, **context):
    region, task = _task(session, round_id, code)
    if not may(session, me, Action.read, region.id):
        raise PageError(f"您不能查看{region.name}的任务。", 403, "无权限")
    found = session.get(ReportRound, round_id)
    row = next(r for r in store.board(session, round_id) if r.task_id == task.id)
    path = store.region_path(session, region.id)
    status = row.status

    def can(action):
        approver = ()
        if task.approved_by:
            user = session.get(User, task.approved_by)
            approver = store.region_path(session, user.region_id) if user and user.region_id else ()
        return reporting.refusal(me, action, "in_progress" if status == "not_started" else status,
                                 path, approver) is None

    steps = session.execute(select(ReportTransition, User).outerjoin(
        User, User.id == ReportTransition.user_id).where(
        ReportTransition.task_id == task.id).order_by(ReportTransition.id)).all()
    return render(request, "round_task.html", status_code, nav="rounds", round=found,
                  region=region, task=task, row=row, values=store.task_values(session, task),
                  status_cn=reporting.STATUS_CN, flag_cn=reporting.FLAG_CN,
                  flag_status_cn=reporting.FLAG_STATUS_CN, action_cn=reporting.ACTION_CN,
                  can={a: can(a) for a in reporting.ACTIONS}, steps=steps,
                  editable=status in ("not_started", "in_progress", "returned"), **context)


@router.post("/rounds/{round_id}/tasks/{code}/step", response_class=HTMLResponse)
@page
async def task_step(request: Request, round_id: int, code: str):
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    action = str(form.get("action", ""))
    comment = str(form.get("comment", ""))
    version = str(form.get("version", ""))
    comments = {k[2:]: str(v) for k, v in form.items() if k.startswith("c_") and str(v).strip()}
    return await run_in_threadpool(_step, request, round_id, code, action, comment, comments,
                                   int(version) if version.isdigit() else None)


def _step(request, round_id, code, action, comment, comments, version):
    with reading(request) as session:
        me = login(request, session)
        region, task = _task(session, round_id, code)
    if action not in reporting.ACTIONS:
        raise PageError(f"未知的操作“{action}”。", 422, "请求无效")
    if action == "submit":
        with writing(request) as session:
            _, task = _task(session, round_id, code)
            if store.may_submit(session, me, task):
                store.refresh_flags(session, task, user_id=me.user_id)
    try:
        with writing(request) as session:
            _, task = _task(session, round_id, code)
            done = store.transition(session, me, task, action, comment=comment,
                                    value_comments=comments, expected_version=version)
            message = (f"已{reporting.ACTION_CN[action]}：{region.name}（{reporting.STATUS_CN[done.from_status]}"
                       f" → {reporting.STATUS_CN[done.to_status]}）")
    except store.NotAllowed as exc:
        return _refused(request, me, str(exc), region.id, f"{reporting.ACTION_CN[action]}{region.name}的填报任务")
    except store.TaskConflict as exc:
        with reading(request) as session:
            return _task_page(request, session, me, round_id, code, 409, errors=[f"{exc}。"])
    except store.RoundError as exc:
        with reading(request) as session:
            return _task_page(request, session, me, round_id, code, 422, errors=[f"{exc}。"])
    return RedirectResponse(f"/rounds/{round_id}/tasks/{code}?done={message}", status_code=303)


@router.post("/rounds/{round_id}/tasks/{code}/remark", response_class=HTMLResponse)
@page
def task_remark(request: Request, round_id: int, code: str, kind: str = Form(""),
                indicator: str = Form(""), comment: str = Form(""), csrf: str = Form("")):
    check_csrf(request, csrf)
    with reading(request) as session:
        me = login(request, session)
        region, _ = _task(session, round_id, code)
    try:
        with writing(request) as session:
            _, task = _task(session, round_id, code)
            if kind == "confirm":
                store.confirm_value(session, me, task, indicator, comment)
                message = "已确认该数值并记录说明"
            else:
                store.mark_no_data(session, me, task, indicator, comment)
                message = "已标记暂无数据"
    except store.NotAllowed as exc:
        return _refused(request, me, str(exc), region.id, "标注填报数值")
    except store.RoundError as exc:
        with reading(request) as session:
            return _task_page(request, session, me, round_id, code, 422, errors=[f"{exc}。"])
    return RedirectResponse(f"/rounds/{round_id}/tasks/{code}?done={message}", status_code=303)


@router.get("/rounds/{round_id}/review.xlsx")
@page
def review_sheet(request: Request, round_id: int):
    """The review sheet: every value of every visible task with its flags."""
    import io

    from openpyxl import Workbook

    from healthplan.web.pages.common import attachment
    from healthplan.workbooks import neutralise

    with reading(request) as session:
        me = login(request, session)
        found = _round(session, round_id)
        rows = _visible(session, me, store.board(session, round_id))
        book = Workbook()
        sheet = book.active
        sheet.title = "审核表"
        sheet.append([f"{found.region.name} {found.year} 年度填报审核表（轮次 {found.id}）"])
        sheet.append(["地区代码", "地区", "状态", "指标", "数值", "单位", "来源", "疑似异常", "标记与意见"])
        tasks = {t.id: t for t in session.scalars(select(ReportTask).where(
            ReportTask.round_id == round_id))}
        for row in rows:
            for v in store.task_values(session, tasks[row.task_id]):
                sheet.append([row.region_code, row.region, reporting.STATUS_CN[row.status], v.name,
                              v.value, v.unit, v.source, "；".join(o.message for o in v.outliers),
                              "；".join(f"{reporting.FLAG_CN[f.kind]}（{reporting.FLAG_STATUS_CN[f.status]}）"
                                       f"{f.message}{' ' + f.comment if f.comment else ''}"
                                       for f in v.flags)])
        out = io.BytesIO()
        neutralise(book).save(out)
        name = f"{found.region.name}{found.year}年度填报审核表.xlsx"
    return attachment(out.getvalue(), name,
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
