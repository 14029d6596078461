"""A plan's audit findings, its tracked commitments and 专栏 projects, and their progress."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from healthplan.permissions import Action, Principal
from healthplan.web.api.common import (
    MAX_ID,
    PlanId,
    allow,
    no_nul,
    plan_by_id,
    reader,
    reading,
    writer,
    writing,
)
from healthplan.web.auth import authorise
from healthplan.web.errors import Problem
from healthplan.web.review import AuditUnavailable, plan_findings, plan_tracked, verdict_counts

router = APIRouter(tags=["规划审查与承诺跟踪"])

FIRST_YEAR, LAST_YEAR = 1949, 2100
ItemNumber = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR,
                                   description="评价年份；默认取有进展记录的最近年份")]


class Kind(StrEnum):
    commitment = "commitment"
    project = "project"


READ_RESPONSES = {404: {"description": "规划或条目不存在"}, 403: {"description": "无权查看"}}


def _readable(request: Request, session, principal: Principal, plan_id: int):
    plan = plan_by_id(session, plan_id)
    allow(request, session, principal, Action.read, plan.region_id, what=f"查看规划 {plan_id}")
    return plan


def _item(session, plan, kind: str, number: int):
    from healthplan.store.progress import ProgressError, find_item

    try:
        return find_item(session, plan, kind, number)
    except ProgressError as exc:
        raise Problem(404, str(exc)) from None


def _check_year(plan, year: int | None) -> None:
    if year is not None and not plan.period_start <= year <= plan.period_end:
        raise Problem(422, f"年份 {year} 不在规划期 {plan.period_start}—{plan.period_end} 年内",
                      errors=[{"field": "year", "message": "年份不在规划期内"}])


@router.get("/plans/{plan_id}/audit",
            summary="规划审查：前后矛盾、目标力度、单位与定义、完整性（与 healthplan audit --format json 相同）",
            responses={**READ_RESPONSES, 422: {"description": "规划原文未保存，无法审查"}})
def get_audit(request: Request, plan_id: PlanId,
              principal: Annotated[Principal, Depends(reader)]) -> list[dict]:
    from healthplan.audit import findings_to_json

    with reading(request) as session:
        plan = _readable(request, session, principal, plan_id)
        try:
            findings = plan_findings(session, plan)
        except AuditUnavailable as exc:
            raise Problem(422, str(exc)) from None
        return findings_to_json(findings)


@router.get("/plans/{plan_id}/tracked",
            summary="规划的量化承诺和专栏项目：规则、最新进展、结论（与 healthplan track list --format json 相同）",
            responses=READ_RESPONSES)
def get_tracked(request: Request, plan_id: PlanId,
                principal: Annotated[Principal, Depends(reader)], year: Year = None) -> dict:
    with reading(request) as session:
        plan = _readable(request, session, principal, plan_id)
        _check_year(plan, year)
        items = plan_tracked(session, plan.id, year)
        return {"plan_id": plan.id, "year": items[0].year if items else year,
                "counts": verdict_counts(items), "items": [i.to_json() for i in items]}


def entry_json(entry, names: dict[int, str]) -> dict:
    from healthplan.tracking import STATUS_CN

    return {"id": entry.id, "year": entry.year, "version": entry.version,
            "value": entry.value, "status": entry.status or None,
            "status_cn": STATUS_CN.get(entry.status) if entry.status else None,
            "source": entry.source, "evidence": entry.evidence or "",
            "reason": entry.reason or "", "recorded_by": names.get(entry.recorded_by),
            "recorded_at": entry.recorded_at.isoformat() if entry.recorded_at else None}


def user_names(session, ids) -> dict[int, str]:
    from healthplan.store.models import User

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.display_name or u.name
            for u in session.scalars(select(User).where(User.id.in_(wanted)))}


@router.get("/plans/{plan_id}/tracked/{kind}/{number}/history",
            summary="一项承诺或专栏项目的全部进展版本：数值或状态、来源、佐证、录入人、时间、更正原因",
            responses=READ_RESPONSES)
def get_history(request: Request, plan_id: PlanId, kind: Kind,
                number: Annotated[int, Path(ge=1, le=MAX_ID, description="条目编号（1 起）")],
                principal: Annotated[Principal, Depends(reader)],
                year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR,
                                                  description="只看这一年")] = None) -> dict:
    from healthplan.store.progress import progress_history

    with reading(request) as session:
        plan = _readable(request, session, principal, plan_id)
        _item(session, plan, kind.value, number)
        item = plan_tracked_item(session, plan.id, kind.value, number)
        versions = progress_history(session, plan.id, kind.value, number, year)
        names = user_names(session, [v.recorded_by for v in versions])
        return {"item": item.to_json(), "versions": [entry_json(v, names) for v in versions]}


def plan_tracked_item(session, plan_id: int, kind: str, number: int, year: int | None = None):
    for item in plan_tracked(session, plan_id, year):
        if item.kind == kind and item.number == number:
            return item
    from healthplan.store.progress import tracked_item

    return tracked_item(session, plan_id, kind, number, year)


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {
        "kind": "commitment", "number": 1, "year": 2023, "value": 11.5,
        "source": "无锡市急救中心2023年工作报告", "evidence": "", "reason": ""}})

    kind: Kind = Field(description="commitment（量化承诺）或 project（专栏项目）")
    number: ItemNumber = Field(description="条目编号（GET /plans/{id}/tracked 中的 number）")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="进展所属年份（规划期内，不晚于今年）")
    value: float | None = Field(None, allow_inf_nan=False,
                                description="量化承诺的实际数值（与规则同一单位）")
    status: str | None = Field(None, max_length=20,
                               description="专栏项目或需人工研判承诺的状态：not_started、in_progress、"
                                           "stalled、completed、cancelled（或中文名称）")
    source: str = Field(min_length=1, max_length=500, description="来源（必填）")
    evidence: str = Field("", max_length=2000, description="佐证材料或说明")
    reason: str = Field("", max_length=500, description="更正已有记录时必填：更正原因")

    _no_nul = model_validator(mode="before")(no_nul)


@router.post("/plans/{plan_id}/progress", status_code=201,
             summary="记录一项承诺或专栏项目某一年的进展（更正须写明原因，历史版本保留）",
             responses={401: {"description": "未登录"}, 403: {"description": "无权写入该地区的数据"},
                        404: {"description": "规划或条目不存在"},
                        409: {"description": "同一进展刚被他人修改"},
                        422: {"description": "进展未通过校验"},
                        200: {"description": "与现有记录相同，未写入"}})
def post_progress(request: Request, plan_id: PlanId, body: ProgressIn,
                  principal: Annotated[Principal, Depends(writer)]):
    from healthplan.store.progress import ProgressError, record_progress

    try:
        with writing(request) as session:
            plan = plan_by_id(session, plan_id)
            authorise(session, principal, Action.write_data, plan.region_id,
                      what=f"记录规划 {plan_id} {body.kind.value} {body.number} {body.year} 年进展")
            _item(session, plan, body.kind.value, body.number)
            try:
                done = record_progress(session, plan.id, body.kind.value, body.number, body.year,
                                       value=body.value, status=body.status, source=body.source,
                                       evidence=body.evidence, reason=body.reason,
                                       user_id=principal.user_id)
            except ProgressError as exc:
                raise Problem(422, str(exc)) from None
            entry = entry_json(done.entry, user_names(session, [done.entry.recorded_by]))
    except IntegrityError:
        raise Problem(409, "同一进展刚被他人修改，本次未写入；请刷新后重试") from None
    with reading(request) as session:
        item = plan_tracked_item(session, plan_id, body.kind.value, body.number, body.year)
    status = ("unchanged" if not done.changed else "corrected" if done.correction
              else "created")
    detail = {"unchanged": f"{item.label} {body.year} 年已有相同的记录（第{entry['version']}版），未写入",
              "corrected": f"已更正：{item.label} {body.year} 年进展为第{entry['version']}版",
              "created": f"已记录：{item.label} {body.year} 年进展"}[status]
    out = {"status": status, "detail": detail, "entry": entry, "item": item.to_json()}
    return JSONResponse(out, status_code=200 if status == "unchanged" else 201)
