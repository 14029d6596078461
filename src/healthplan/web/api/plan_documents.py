"""Plan documents: upload a plan for review (the indicator table as read, doubtful rows
flagged), then store it with the planner's corrections. Stateless between the two calls:
the store call sends the file again with its corrections (see ``web.plan_upload``)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from healthplan.documents.reader import SUPPORTED
from healthplan.extract.corrections import Correction, CorrectionError, review_tables
from healthplan.permissions import Action, Principal
from healthplan.web.api.common import allow, reading, region_json, writer, writing
from healthplan.web.errors import Problem
from healthplan.web.plan_upload import UploadRejected, read_upload, review, store

router = APIRouter(tags=["规划文件"])

RESPONSES = {401: {"description": "未登录"},
             403: {"description": "无权载入该地区的规划（仅规划管理人员和管理员）"},
             413: {"description": "文件过大"},
             422: {"description": "未选择文件、文件为空或类型不受支持、无法读取、无指标表，或更正无效"}}
FileField = Annotated[UploadFile | None, File(description=f"规划文件（{'、'.join(SUPPORTED)}）")]
RegionField = Annotated[str, Form(max_length=50, description="规划所属地区（名称或代码）；文件未写明时必填")]


async def _read(request: Request, file: UploadFile | None) -> tuple[str, bytes | None]:
    if file is None or not file.filename:
        return "", None
    data = await file.read(request.app.state.settings.max_upload_bytes + 1)
    await file.close()
    return file.filename, data


def _reviewed(request: Request, principal: Principal, name: str, data: bytes | None,
              region: str):
    with reading(request) as session:
        if principal.role not in ("admin", "planner"):
            allow(request, session, principal, Action.load_plan, principal.region_id,
                  what="上传规划")
        try:
            document, extracted = read_upload(name, data, request.app.state.settings.max_upload_bytes)
        except UploadRejected as exc:
            raise Problem(exc.status, exc.message) from None
        reviewed = review(session, principal, name, document, extracted, region)
        if reviewed.region is not None:
            allow(request, session, principal, Action.load_plan, reviewed.region.id,
                  what=f"载入规划文件 {reviewed.name}")
        return reviewed, region_json(reviewed.region)


@router.post("/plan-documents/review", summary="上传规划文件以供核对：识别出的指标表（存疑行已标出），不存储",
             responses=RESPONSES)
async def review_document(request: Request, principal: Annotated[Principal, Depends(writer)],
                          file: FileField = None, region: RegionField = "") -> dict:
    name, data = await _read(request, file)
    reviewed, region_out = await run_in_threadpool(_reviewed, request, principal, name, data, region)
    info = reviewed.extracted.document
    return {
        "file": reviewed.name, "sha256": info.sha256, "title": info.title,
        "period": [info.period.start, info.period.end], "region": region_out,
        "region_problem": reviewed.region_problem, "supersedes": reviewed.supersedes,
        "problems": reviewed.problems, "tables": review_tables(reviewed.extracted),
        "doubtful_rows": sum(1 for r in reviewed.extracted.rows() if r.doubtful),
    }


def parse_corrections(text: str) -> list[Correction]:
    """``corrections``: a JSON list of {table, row, field, read, value}; Problem 422 with
    the item's number otherwise."""
    try:
        items = json.loads(text or "[]")
    except ValueError:
        raise Problem(422, "corrections 不是有效的 JSON（应为列表，每项含 table、row、field、read、value）") from None
    if not isinstance(items, list):
        raise Problem(422, "corrections 应为列表，每项含 table、row、field、read、value")
    out = []
    for k, item in enumerate(items, start=1):
        ok = (isinstance(item, dict)
              and all(isinstance(item.get(f), int) and not isinstance(item.get(f), bool)
                      for f in ("table", "row"))
              and all(isinstance(item.get(f), str) for f in ("field", "read", "value")))
        if not ok:
            raise Problem(422, f"corrections 第 {k} 项无效：应含 table、row（整数，从 0 起）和 "
                               "field、read、value（文字）")
        out.append(Correction(item["table"], item["row"], item["field"], item["read"], item["value"]))
    return out


@router.post("/plan-documents", status_code=201, summary="存入规划：上传文件并附更正，更正逐条记入审计日志",
             responses={**RESPONSES, 409: {"description": "将取代现行规划而未确认（replace），或文件已载入"}})
async def store_document(request: Request, principal: Annotated[Principal, Depends(writer)],
                         file: FileField = None, region: RegionField = "",
                         replace: Annotated[bool, Form(description="确认取代本地区同一规划期的现行规划")] = False,
                         corrections: Annotated[str, Form(max_length=200_000, description="更正：JSON 列表，每项 {table, row, field, read, value}")] = "[]"):
    name, data = await _read(request, file)
    wanted = parse_corrections(corrections)
    return await run_in_threadpool(_store, request, principal, name, data, region, replace, wanted)


def _store(request: Request, principal: Principal, name: str, data: bytes | None, region: str,
           replace: bool, wanted: list[Correction]):
    from healthplan.store.plans import PlanLoadError, PlanSupersedes

    reviewed, _ = _reviewed(request, principal, name, data, region)
    if reviewed.region is None:
        raise Problem(422, reviewed.region_problem, errors=[{"field": "region",
                                                             "message": reviewed.region_problem}])
    try:
        with writing(request) as session:
            stored, applied = store(session, principal, reviewed.document, reviewed.extracted,
                                    region_text=region, replace=replace, corrections=wanted)
            body = {"plans": [{"id": s.plan.id, "title": s.plan.title, "created": s.created,
                               "period": [s.plan.period_start, s.plan.period_end],
                               "supersedes_id": s.plan.supersedes_id} for s in stored],
                    "corrections": [a.to_json() for a in applied],
                    "changes": stored[-1].changes}
    except CorrectionError as exc:
        raise Problem(422, f"更正未保存：{exc}；规划未载入") from None
    except PlanSupersedes as exc:
        raise Problem(409, str(exc).replace("加 --replace", "传 replace=true")) from None
    except PlanLoadError as exc:
        raise Problem(409 if "已载入" in str(exc) else 422, str(exc)) from None
    return JSONResponse(body, status_code=201 if stored[-1].created else 200)
