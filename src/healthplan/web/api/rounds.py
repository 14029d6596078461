"""Reporting rounds (填报任务): open a round, its board, one task with its values, and
the steps of a task — the same rules as ``healthplan round …`` (``store/rounds.py``,
``healthplan.reporting``). A refused step is 403 and in the audit log; a step another
reviewer took first is 409; a task that cannot be submitted is 422 naming what is
missing or unconfirmed."""

from __future__ import annotations

import functools
import io
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, model_validator

from healthplan import reporting
from healthplan.permissions import Action, Principal
from healthplan.store import rounds as store
from healthplan.store.models import ReportRound, ReportTransition, User
from healthplan.store.users import audit
from healthplan.web.api.common import (
    MAX_ID,
    no_nul,
    reader,
    reading,
    region_by_text,
    region_json,
    writer,
    writing,
)
from healthplan.web.auth import may, readable_region_ids
from healthplan.web.errors import Problem

router = APIRouter(tags=["填报任务"])
RoundId = Annotated[int, Path(ge=1, le=MAX_ID, description="填报轮次 ID")]
RegionText = Annotated[str, Path(min_length=1, max_length=50, description="地区代码或名称")]
STEP_RESPONSES = {401: {"description": "未登录"}, 403: {"description": "角色或地区不允许此操作"},
                  404: {"description": "轮次或任务不存在"},
                  409: {"description": "任务已被他人处理（状态或版本已变）"},
                  422: {"description": "输入有误，或任务不完整、有未确认的疑似异常值"}}


class RoundIn(BaseModel):
    _no_nul = model_validator(mode="before")(no_nul)

    plan: int = Field(ge=1, le=MAX_ID, description="规划 ID")
    year: int = Field(ge=1949, le=2100, description="填报年度")
    deadline: date = Field(description="报送截止日期（含当日，北京时间）")
    subregions: bool = Field(False, description="同时为全部直属下级地区开启任务")
    note: str = Field("", max_length=2000, description="说明")
    indicators: list[Annotated[str, Field(max_length=100)]] | None = Field(
        None, max_length=500, description="只要求填报这些指标（默认规划的全部指标）")


class StepIn(BaseModel):
    _no_nul = model_validator(mode="before")(no_nul)

    comment: str = Field("", max_length=2000, description="意见或原因（退回、撤回审核时必填）")
    value_comments: dict[Annotated[str, Field(max_length=100)],
                         Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, max_length=500, description="退回时对具体数值的意见：指标代码 → 意见")
    version: int | None = Field(None, ge=1, le=MAX_ID,
                                description="看到的任务版本；已被他人处理时答 409")


class RemarkIn(BaseModel):
    _no_nul = model_validator(mode="before")(no_nul)

    indicator: str = Field(min_length=1, max_length=100, description="指标代码")
    comment: str = Field(min_length=1, max_length=2000, description="说明（确认）或原因（暂无数据）")


# --------------------------------------------------------------------------- helpers


class Refusal(Exception):
    """A step the user may not take, raised inside the route's transaction; ``refused``
    logs it once that transaction is over (rolled back) and answers 403."""

    def __init__(self, message: str, region_id: int | None, what: str):
        super().__init__(message)
        self.message, self.region_id, self.what = message, region_id, what


def refused(route):
    """Route decorator: a ``Refusal`` becomes an audit entry and a 403."""

    @functools.wraps(route)
    def wrapper(request: Request, *args, principal: Principal, **kwargs):
        try:
            return route(request, *args, principal=principal, **kwargs)
        except Refusal as exc:
            raise refuse(request, principal, exc.message, exc.region_id, exc.what) from None

    return wrapper


def refuse(request: Request, principal: Principal, message: str, region_id: int | None,
           what: str) -> Problem:
    """Log the refusal (a transaction of its own, so it stays) and return the 403."""
    with writing(request) as session:
        audit(session, principal.user_id, "denied", "permission", region_id,
              f"拒绝 {principal.name}（{principal.role}）{what}：{message}",
              {"action": what, "region_id": region_id, "role": principal.role})
    return Problem(403, f"无权限：{message}")


def _round(session, round_id: int) -> ReportRound:
    found = session.get(ReportRound, round_id)
    if found is None:
        raise Problem(404, f"填报轮次 {round_id} 不存在（GET /api/v1/rounds 列出）")
    return found


def _visible(session, principal: Principal, rows: list[store.TaskRow]) -> list[store.TaskRow]:
    ids = readable_region_ids(session, principal)
    return rows if ids is None else [r for r in rows if r.region_id in ids]


def round_json(found: ReportRound, rows: list[store.TaskRow]) -> dict:
    return {"id": found.id, "plan_id": found.plan_id, "region": region_json(found.region),
            "year": found.year, "deadline": found.deadline.isoformat(), "note": found.note,
            "opened_at": found.opened_at.isoformat(),
            "rates": store.round_rates(rows).to_json(),
            "tasks": [r.to_json() for r in rows]}


def _task(session, principal: Principal, round_id: int, region: str):
    _round(session, round_id)
    place = region_by_text(session, region)
    try:
        task = store.task_of(session, round_id, place.id)
    except store.RoundError as exc:
        raise Problem(404, str(exc)) from None
    return place, task


# --------------------------------------------------------------------------- reading


@router.get("/rounds", summary="填报轮次列表（有可见任务的轮次），附报送率")
def list_rounds(request: Request, principal: Annotated[Principal, Depends(reader)]) -> dict:
    with reading(request) as session:
        ids = readable_region_ids(session, principal)
        items = []
        for found in store.rounds_for(session, ids):
            rows = _visible(session, principal, store.board(session, found.id))
            items.append({k: v for k, v in round_json(found, rows).items() if k != "tasks"})
        return {"items": items}


@router.get("/rounds/{round_id}", summary="一个轮次的进度：各地区状态、按时、已填/应填、待处理标记、各项比率",
            responses={404: {"description": "轮次不存在"}})
def get_round(request: Request, round_id: RoundId,
              principal: Annotated[Principal, Depends(reader)]) -> dict:
    with reading(request) as session:
        found = _round(session, round_id)
        rows = _visible(session, principal, store.board(session, round_id))
        if not rows:
            raise Problem(403, f"无权限：{principal.name} 看不到轮次 {round_id} 中任何地区的任务")
        out = round_json(found, rows)
        out["overdue"] = [r.region_code for r in rows
                          if reporting.china_today() > found.deadline and r.status not in reporting.DONE]
        return out


@router.get("/rounds/{round_id}/tasks/{region}", summary="一项任务：应填数值、疑似异常、标记与意见、流转记录",
            responses={404: {"description": "轮次、地区或任务不存在"}})
def get_task(request: Request, round_id: RoundId, region: RegionText,
             principal: Annotated[Principal, Depends(reader)]) -> dict:
    with reading(request) as session:
        place, task = _task(session, principal, round_id, region)
        if not may(session, principal, Action.read, place.id):
            raise Problem(403, f"无权限：{principal.name} 不能查看{place.name}的任务")
        row = next(r for r in store.board(session, round_id) if r.task_id == task.id)
        steps = session.query(ReportTransition, User.name).outerjoin(
            User, User.id == ReportTransition.user_id).filter(
            ReportTransition.task_id == task.id).order_by(ReportTransition.id).all()
        return {**row.to_json(), "region": region_json(place), "values": [{
            "indicator_id": v.indicator_id, "name": v.name, "unit": v.unit, "value": v.value,
            "version": v.version, "source": v.source, "locked": v.locked,
            "outliers": [{"kind": o.kind, "message": o.message} for o in v.outliers],
            "flags": [{"id": f.id, "kind": f.kind, "status": f.status, "message": f.message,
                       "comment": f.comment, "value": f.value} for f in v.flags]}
            for v in store.task_values(session, task)],
            "transitions": [{"action": s.action, "from": s.from_status, "to": s.to_status,
                             "by": name, "at": s.at.isoformat(), "comment": s.comment}
                            for s, name in steps]}


# --------------------------------------------------------------------------- writing


@router.post("/rounds", status_code=201, summary="开启填报轮次（规划、年度、截止日期，可含全部直属下级地区）",
             responses={401: {"description": "未登录"}, 403: {"description": "无权为该地区开启"},
                        404: {"description": "规划不存在"}, 422: {"description": "输入有误"}})
@refused
def open_round(request: Request, body: RoundIn,
               principal: Annotated[Principal, Depends(writer)]) -> dict:
    with writing(request) as session:
        try:
            found = store.open_round(session, principal, plan_id=body.plan, year=body.year,
                                     deadline=body.deadline, note=body.note,
                                     subregions=body.subregions, indicators=body.indicators)
        except store.NotAllowed as exc:
            raise Refusal(str(exc), None, "开启填报任务") from None
        except store.RoundError as exc:
            raise Problem(404 if "不存在" in str(exc) else 422, str(exc)) from None
        return round_json(found, store.board(session, found.id))


def _remark(request: Request, round_id: int, region: str, body: RemarkIn,
            principal: Principal, kind: str) -> dict:
    from healthplan.imports.validation import resolve_indicator

    found, message = resolve_indicator(body.indicator)
    if found is None:
        raise Problem(404, message)
    with writing(request) as session:
        place, task = _task(session, principal, round_id, region)
        try:
            if kind == "confirm":
                flag = store.confirm_value(session, principal, task, found.id, body.comment)
            else:
                flag = store.mark_no_data(session, principal, task, found.id, body.comment)
        except store.NotAllowed as exc:
            raise Refusal(str(exc), place.id, "标注填报数值") from None
        except store.RoundError as exc:
            raise Problem(422, str(exc)) from None
        return {"detail": f"已{'确认' if kind == 'confirm' else '标记暂无数据'}：{place.name} {found.name}",
                "flag": {"id": flag.id, "kind": flag.kind, "status": flag.status,
                         "comment": flag.comment}}


@router.post("/rounds/{round_id}/tasks/{region}/confirmations", status_code=201,
             summary="确认一个疑似异常的数值属实（附说明）", responses=STEP_RESPONSES)
@refused
def confirm(request: Request, round_id: RoundId, region: RegionText, body: RemarkIn,
            principal: Annotated[Principal, Depends(writer)]) -> dict:
    return _remark(request, round_id, region, body, principal, "confirm")


@router.post("/rounds/{round_id}/tasks/{region}/no-data", status_code=201,
             summary="把一项应填数值标记为“暂无数据”并写明原因", responses=STEP_RESPONSES)
@refused
def no_data(request: Request, round_id: RoundId, region: RegionText, body: RemarkIn,
            principal: Annotated[Principal, Depends(writer)]) -> dict:
    return _remark(request, round_id, region, body, principal, "no_data")


@router.post("/rounds/{round_id}/bulk-approve", summary="批量审核：审核通过全部无数值标记的已报送任务",
             responses=STEP_RESPONSES)
@refused
def bulk_approve(request: Request, round_id: RoundId,
                 principal: Annotated[Principal, Depends(writer)]) -> dict:
    with writing(request) as session:
        _round(session, round_id)
        if principal.role not in ("planner", "admin"):
            raise Refusal(f"{principal.name}（{principal.role}）不能审核", None, "批量审核")
        try:
            approved, skipped = store.bulk_approve(session, principal, round_id)
        except store.TaskConflict as exc:
            raise Problem(409, str(exc)) from None
        return {"detail": f"已审核通过 {len(approved)} 项任务，跳过 {len(skipped)} 项",
                "approved": [r.region_code for r in approved],
                "skipped": [{"region_code": r.region_code, "reason": why} for r, why in skipped]}


# Registered after the fixed paths under a task (confirmations, no-data).
Step = Literal["submit", "approve", "return", "withdraw", "accept"]


@router.post("/rounds/{round_id}/tasks/{region}/{action}",
             summary="任务流转：submit 报送、approve 审核通过、return 退回、withdraw 撤回、accept 上级接收",
             responses=STEP_RESPONSES)
@refused
def step(request: Request, round_id: RoundId, region: RegionText,
         action: Annotated[Step, Path(description="操作")], body: StepIn,
         principal: Annotated[Principal, Depends(writer)]) -> dict:
    if action == "submit":
        with writing(request) as session:
            _, task = _task(session, principal, round_id, region)
            if store.may_submit(session, principal, task):
                store.refresh_flags(session, task, user_id=principal.user_id)
    with writing(request) as session:
        place, task = _task(session, principal, round_id, region)
        try:
            done = store.transition(session, principal, task, action, comment=body.comment,
                                    value_comments=body.value_comments,
                                    expected_version=body.version)
        except store.NotAllowed as exc:
            raise Refusal(str(exc), place.id,
                          f"{reporting.ACTION_CN[action]}{place.name}的填报任务") from None
        except store.TaskConflict as exc:
            raise Problem(409, str(exc)) from None
        except store.SubmitRefused as exc:
            raise Problem(422, str(exc), missing=exc.missing,
                          outliers=[{"indicator_id": o.indicator_id, "kind": o.kind,
                                     "message": o.message} for o in exc.outliers]) from None
        except store.RoundError as exc:
            raise Problem(422, str(exc)) from None
        row = next(r for r in store.board(session, round_id) if r.task_id == task.id)
        return {"detail": f"已{reporting.ACTION_CN[action]}：{place.name}"
                          f"（{reporting.STATUS_CN[done.from_status]} → "
                          f"{reporting.STATUS_CN[done.to_status]}）", "task": row.to_json()}


@router.get("/rounds/{round_id}/board.xlsx", summary="进度表（Excel）：各地区状态、按时、已填/应填、标记",
            responses={404: {"description": "轮次不存在"}},
            response_class=Response)
def board_workbook(request: Request, round_id: RoundId,
                   principal: Annotated[Principal, Depends(reader)],
                   overdue: bool = False) -> Response:
    from urllib.parse import quote

    with reading(request) as session:
        found = _round(session, round_id)
        rows = _visible(session, principal, store.board(session, round_id))
        if overdue:
            rows = [r for r in rows if reporting.china_today() > found.deadline
                    and r.status not in reporting.DONE]
        data = board_xlsx(found, rows, overdue=overdue)
        name = f"{found.region.name}{found.year}年度填报{'逾期名单' if overdue else '进度'}.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def board_xlsx(found: ReportRound, rows: list[store.TaskRow], *, overdue: bool = False) -> bytes:
    """The board as a workbook (every text cell neutralised, see ``healthplan.workbooks``)."""
    from openpyxl import Workbook

    from healthplan.workbooks import neutralise

    rates = store.round_rates(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "逾期名单" if overdue else "填报进度"
    sheet.append([f"{found.region.name} {found.year} 年度填报任务（轮次 {found.id}），"
                  f"截止 {found.deadline.isoformat()}"])
    sheet.append([f"报送率 {reporting.percent(rates.reporting_rate)}，"
                  f"及时率 {reporting.percent(rates.timeliness)}，"
                  f"数值完整率 {reporting.percent(rates.value_completeness)}"])
    sheet.append(["地区代码", "地区", "状态", "报送时间", "按时", "已填", "应填", "待处理标记",
                  "审核后改动"])
    for r in rows:
        sheet.append([r.region_code, r.region, reporting.STATUS_CN[r.status],
                      r.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted_at else "",
                      {True: "按时", False: "逾期", None: ""}[r.on_time], r.values_present,
                      r.values_expected, r.flags_open, r.changed_since_approval])
    for column, width in zip("ABCDEFGHI", (10, 16, 8, 18, 6, 6, 6, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    neutralise(book).save(out)
    return out.getvalue()
