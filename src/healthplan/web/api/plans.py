"""Plans: the list, one plan with its targets, projects and commitments, its summary and
evaluation (the plan dashboard), and its evaluation report as a file."""

from __future__ import annotations

import json
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import func, select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from healthplan.permissions import Action, Principal, allowed
from healthplan.reports.kinds import ReportFormat, ReportKind
from healthplan.store.evaluation import evaluate_stored_plan
from healthplan.store.models import Plan, Region, Target
from healthplan.store.plans import superseded_ids
from healthplan.web.api.common import (
    Offset,
    PlanId,
    allow,
    plan_by_id,
    reader,
    reading,
    region_by_text,
    region_json,
)
from healthplan.web.auth import readable, readable_region_ids, region_paths, subtree
from healthplan.web.cache import Cache, plan_state
from healthplan.web.errors import Problem

router = APIRouter(tags=["规划"])

FIRST_YEAR, LAST_YEAR = 1949, 2100
Year = Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR,
                                   description="评价年份；默认取有监测值的最近年份")]
evaluations = Cache(max_entries=8192)  # JSON bytes: two per plan (evaluation, summary)
evaluation_dicts = Cache(max_entries=64)  # for callers that want the dict (pages)


class Status(StrEnum):
    final = "final"
    draft = "draft"


def plan_brief(plan: Plan, superseded_by: dict[int, int], counts: dict[int, int]) -> dict:
    return {
        "id": plan.id, "title": plan.title, "region": region_json(plan.region),
        "period": [plan.period_start, plan.period_end], "status": plan.status,
        "origin": plan.origin, "issuer": plan.issuer, "issued_on": plan.issued_on,
        "document_number": plan.document_number, "parent_id": plan.parent_id,
        "supersedes_id": plan.supersedes_id, "superseded_by": superseded_by.get(plan.id),
        "targets": counts.get(plan.id, 0),
    }


@router.get("/plans", summary="规划列表（可按地区、规划期、状态筛选）")
def list_plans(
    request: Request, principal: Annotated[Principal, Depends(reader)],
    region: Annotated[str | None, Query(max_length=50, description="地区代码或名称")] = None,
    within: Annotated[bool, Query(description="与 region 同用：包括其下级地区的规划")] = False,
    period_start: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="规划期起始年")] = None,
    status: Annotated[Status | None, Query(description="final 正式稿 / draft 征求意见稿")] = None,
    current: Annotated[bool, Query(description="只列现行版本（不含已被修订稿取代的）")] = True,
    q: Annotated[str | None, Query(max_length=100, description="标题包含")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Offset = 0,
) -> dict:
    with reading(request) as session:
        query = select(Plan).join(Region, Plan.region_id == Region.id)
        if region is not None:
            found = region_by_text(session, region)
            if within:
                ids = subtree(session, found.id)
                query = query.where(Plan.region_id.in_(ids))
            else:
                query = query.where(Plan.region_id == found.id)
        visible = readable_region_ids(session, principal)
        if visible is not None:
            query = query.where(Plan.region_id.in_(visible))
        if period_start is not None:
            query = query.where(Plan.period_start == period_start)
        if status is not None:
            query = query.where(Plan.status == status.value)
        superseded = {p: s for s, p in session.execute(
            select(Plan.id, Plan.supersedes_id).where(Plan.supersedes_id.is_not(None)))}
        if current and superseded:
            query = query.where(Plan.id.not_in(list(superseded)))
        if q:
            query = query.where(Plan.title.contains(q))
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        plans = list(session.scalars(query.order_by(Region.code, Plan.period_start, Plan.id)
                                     .limit(limit).offset(offset)))
        counts = dict(session.execute(
            select(Target.plan_id, func.count()).where(Target.plan_id.in_([p.id for p in plans]))
            .group_by(Target.plan_id)).all())
        return {"total": total, "items": [plan_brief(p, superseded, counts) for p in plans]}


def _readable_plan(request: Request, session, principal: Principal, plan_id: int) -> Plan:
    plan = plan_by_id(session, plan_id)
    allow(request, session, principal, Action.read, plan.region_id, what=f"查看规划 {plan_id}")
    return plan


@router.get("/plans/{plan_id}", summary="一个规划：指标（目标与规则）、专栏项目、量化承诺",
            responses={404: {"description": "规划不存在"}, 403: {"description": "无权查看"}})
def get_plan(request: Request, plan_id: PlanId,
             principal: Annotated[Principal, Depends(reader)]) -> dict:
    from healthplan.targets import Rule

    with reading(request) as session:
        plan = _readable_plan(request, session, principal, plan_id)
        superseded = superseded_ids(session)
        children = session.scalars(select(Plan).where(Plan.parent_id == plan.id).order_by(Plan.id))
        superseded_by = session.scalar(select(Plan.id).where(Plan.supersedes_id == plan.id))
        out = plan_brief(plan, {plan.id: superseded_by} if superseded_by else {},
                         {plan.id: len(plan.targets)})
        out.update({
            "source": {"name": plan.source_name, "format": plan.source_format,
                       "sha256": plan.source_sha256},
            "loaded_at": plan.loaded_at.isoformat() if plan.loaded_at else None,
            "children": [{"id": c.id, "title": c.title, "region": region_json(c.region)}
                         for c in readable(session, principal, list(children))
                         if c.id not in superseded],
            "targets": [{
                "id": t.id, "position": t.position, "table": t.table_caption,
                "category": t.category, "seq": t.seq, "name": t.name, "unit": t.unit,
                "indicator_id": t.indicator_id, "match_method": t.match_method,
                "unit_note": t.unit_note, "baseline": t.baseline_text,
                "baseline_value": t.baseline_value, "baseline_year": t.baseline_year,
                "target": t.target_text, "target_year": t.target_year,
                "attribute": t.attribute, "rule": Rule.from_json(t.rule).describe(),
                "rule_kind": t.rule.get("kind"), "line_start": t.line_start,
                "line_end": t.line_end, "page": t.page,
            } for t in plan.targets],
            "projects": [{
                "id": p.id, "number": p.number, "inferred_number": p.inferred_number,
                "title": p.title, "text": p.text, "line_start": p.line_start,
                "line_end": p.line_end, "page": p.page,
            } for p in plan.projects],
            "commitments": [{
                "id": c.id, "line": c.line, "sentence": c.sentence, "subject": c.subject,
                "value": c.value, "unit": c.unit, "comparator": c.comparator, "year": c.year,
                "text": c.text,
            } for c in plan.commitments],
        })
        return out


def plan_evaluation(session, plan_id: PlanId, year: int | None) -> dict:
    """``evaluate_stored_plan(…).to_json()`` — the fields of ``healthplan evaluate
    --format json`` — from the cache while the data are unchanged."""
    return evaluation_dicts.get(session, ("evaluation", plan_id, year),
                                lambda: evaluate_stored_plan(session, plan_id, year).to_json())


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode()


@router.get("/plans/{plan_id}/evaluation",
            summary="规划的评价：逐项指标的结论（与 healthplan evaluate --format json 字段相同）",
            response_class=Response,
            responses={200: {"content": {"application/json": {}}},
                       404: {"description": "规划不存在"}, 403: {"description": "无权查看"},
                       422: {"description": "年份不在可评价的年份内（基期年至规划期末次年）"}})
async def get_evaluation(request: Request, plan_id: PlanId,
                         principal: Annotated[Principal, Depends(reader)], year: Year = None):
    return await _dashboard(request, principal, plan_id, year, "evaluation.json")


async def _dashboard(request: Request, principal: Principal, plan_id: int, year: int | None,
                     kind: str) -> Response:
    """The dashboard's hot path, on the event loop: one short query (the plan's region
    and the data version), the permission rule on the cached region paths, and the cached
    JSON when the data are unchanged. The evaluation itself (a miss), and a refusal
    (which writes the audit log), run in the thread pool."""
    with request.app.state.read_engine.connect() as connection:
        region_id, version = plan_state(connection, plan_id)
        if region_id is None:
            raise Problem(404, f"规划 {plan_id} 不存在（GET /api/v1/plans 列出已载入的规划）")
        path = region_paths(connection).get(region_id, ())
    if not allowed(principal, Action.read, path):
        await run_in_threadpool(_refuse, request, principal, region_id, plan_id)
    body = evaluations.lookup((kind, plan_id, year), version)
    if body is None:
        bodies = await run_in_threadpool(_compute, request, plan_id, year)
        for name, value in bodies.items():
            evaluations.store((name, plan_id, year), version, value)
        body = bodies[kind]
    return Response(body, media_type="application/json")


def _refuse(request: Request, principal: Principal, region_id: int, plan_id: int) -> None:
    with reading(request) as session:
        allow(request, session, principal, Action.read, region_id, what=f"查看规划 {plan_id}")


def _compute(request: Request, plan_id: int, year: int | None) -> dict[str, bytes]:
    """Evaluate the plan once; its evaluation and its summary, as JSON."""
    from healthplan.store.evaluation import YearOutOfRange

    with reading(request) as session:
        try:
            evaluation = evaluate_stored_plan(session, plan_id, year).to_json()
        except YearOutOfRange as exc:
            raise Problem(422, str(exc), errors=[{"field": "year", "message": str(exc)}]
                          ) from None
    return {"evaluation.json": _json(evaluation),
            "summary.json": _json(summary_of(evaluation))}


@router.get("/plans/{plan_id}/summary",
            summary="规划概览（仪表板）：结论计数、约束性指标未达预期项、下级规划计数",
            response_class=Response,
            responses={200: {"content": {"application/json": {}}},
                       404: {"description": "规划不存在"}, 403: {"description": "无权查看"},
                       422: {"description": "年份不在可评价的年份内（基期年至规划期末次年）"}})
async def get_summary(request: Request, plan_id: PlanId,
                      principal: Annotated[Principal, Depends(reader)], year: Year = None):
    return await _dashboard(request, principal, plan_id, year, "summary.json")


def plan_summary(session, plan_id: int, year: int | None) -> dict:
    """The dashboard's head: verdict counts (all and binding), binding shortfalls, the
    subordinate plans' counts."""
    return summary_of(plan_evaluation(session, plan_id, year))


def summary_of(evaluation: dict) -> dict:
    targets = evaluation["targets"]
    binding = [t for t in targets if t["attribute"] == "约束性"]
    return {
        **{k: evaluation[k] for k in ("plan_id", "title", "region", "region_code",
                                      "period", "status", "year", "counts", "children")},
        "targets": len(targets),
        "binding": len(binding),
        "binding_counts": _counts(binding),
        "binding_shortfalls": [{"indicator_id": t["indicator_id"], "name": t["name"],
                                "verdict": t["verdict"], "verdict_cn": t["verdict_cn"]}
                               for t in targets if t["binding_shortfall"]],
        "with_data": sum(1 for t in targets if t["latest_value"] is not None),
    }


def _counts(targets: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in targets:
        out[t["verdict"]] = out.get(t["verdict"], 0) + 1
    return out


MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/plans/{plan_id}/report", summary="生成并下载评价报告（Word、HTML 或 Excel；规划人员和管理员）",
            response_class=FileResponse,
            responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA.values()},
                             "description": "报告文件"},
                       404: {"description": "规划不存在"}, 403: {"description": "无权生成报告"},
                       422: {"description": "年份等参数有误"}})
def get_report(request: Request, plan_id: PlanId, principal: Annotated[Principal, Depends(reader)],
               kind: ReportKind = ReportKind.annual, format: ReportFormat = ReportFormat.docx,
               year: Year = None):
    from healthplan.reports import write_report
    from healthplan.reports.content import ReportError, build_report

    with reading(request) as session:
        plan = plan_by_id(session, plan_id)
        allow(request, session, principal, Action.report, plan.region_id,
              what=f"生成规划 {plan_id} 的报告")
        try:
            content = build_report(session, plan_id, kind.value, year)
        except ReportError as exc:
            raise Problem(422, str(exc)) from None
    folder = tempfile.mkdtemp(prefix="healthplan-report-")
    name = content.file_name(format.value)
    path = Path(folder) / f"report.{format.value}"
    try:
        write_report(content, path, format.value)
    except ReportError as exc:
        _remove(folder)
        raise Problem(422, str(exc)) from None
    return FileResponse(path, media_type=MEDIA[format.value], filename=name,
                        background=BackgroundTask(_remove, folder))


def _remove(folder: str) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
