"""The next plan over the API: proposals, draft indicator tables, their checks and files.

The same core and store functions as ``healthplan draft …`` (``store.drafts``): a
proposal is advice (its JSON says so in ``note``), a draft is never a plan. Bad input —
an unknown region (404), a region with no plans or a period that is not five years (422),
an upload with a changed header or an unknown indicator (422) — is answered with a
problem body and changes nothing.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from healthplan.permissions import Action, Principal
from healthplan.proposals import ProposalError
from healthplan.store.models import Draft
from healthplan.web.api.common import (
    MAX_ID,
    allow,
    reader,
    reading,
    region_by_text,
    region_json,
    writer,
    writing,
)
from healthplan.web.errors import Problem

router = APIRouter(tags=["下一期规划"])
DraftId = Annotated[int, Path(ge=1, le=MAX_ID, description="规划草案 ID")]
Reader = Annotated[Principal, Depends(reader)]
Writer = Annotated[Principal, Depends(writer)]
Period = Annotated[str, Query(max_length=20, pattern="^[^\\u0000]*$",
                              description="下一规划期，五年，如 2026-2030")]
NOTE = "建议目标，非规划数据"


class FileFormat(StrEnum):
    docx = "docx"
    xlsx = "xlsx"


class NewDraft(BaseModel):
    region: str = Field(max_length=100, pattern="^[^\\u0000]*$", description="地区名称或行政区划代码")
    period: str = Field("2026-2030", max_length=20, pattern="^[^\\u0000]*$")
    from_plan: int | None = Field(None, ge=1, le=MAX_ID, description="以该规划的指标表为起点；默认以建议目标为起点")


def _unprocessable(exc: Exception, field: str) -> Problem:
    return Problem(422, str(exc), errors=[{"field": field, "message": str(exc)}])


def _draft(session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise Problem(404, f"规划草案 {draft_id} 不存在")
    return draft


def draft_json(draft: Draft) -> dict:
    from healthplan.store.drafts import draft_lines

    return {"id": draft.id, "title": draft.title, "region": region_json(draft.region),
            "period": [draft.period_start, draft.period_end], "source": draft.source,
            "note": "规划草案，未印发", "rows": [asdict(x) for x in draft_lines(draft)]}


@router.get("/proposals", summary="下一期规划各项指标的建议目标（依据趋势、上级规划和同级地区；建议，非规划数据）")
def proposals(request: Request, principal: Reader,
              region: Annotated[str, Query(max_length=100, pattern="^[^\\u0000]*$")],
              period: Period = "2026-2030") -> dict:
    from healthplan.proposals import check_period
    from healthplan.store.drafts import proposals_for

    with reading(request) as session:
        found = region_by_text(session, region)
        allow(request, session, principal, Action.read, found.id, what=f"查看 {found.name} 的建议目标")
        try:
            check_period(period)
        except ProposalError as exc:
            raise _unprocessable(exc, "period") from None
        try:
            _, items = proposals_for(session, found.code, period)
        except ProposalError as exc:
            raise _unprocessable(exc, "region") from None
        return {"region": region_json(found), "period": period, "note": NOTE,
                "proposals": [p.to_json() for p in items]}


@router.post("/drafts", status_code=201, summary="新建规划草案指标表",
             responses={404: {"description": "地区不存在"}})
def create_draft(request: Request, principal: Writer, body: NewDraft) -> dict:
    from healthplan.store.drafts import new_draft

    with reading(request) as session:  # a refusal is logged in a session of its own
        found = region_by_text(session, body.region)
        allow(request, session, principal, Action.load_plan, found.id, what=f"新建 {found.name} 的规划草案")
    with writing(request) as session:
        try:
            draft = new_draft(session, found.code, body.period, from_plan=body.from_plan,
                              user_id=principal.user_id)
        except ProposalError as exc:
            raise _unprocessable(exc, "period" if "规划期" in str(exc) else "region") from None
        return draft_json(draft)


@router.get("/drafts/{draft_id}", summary="一个规划草案及其各行")
def get_draft(request: Request, principal: Reader, draft_id: DraftId) -> dict:
    with reading(request) as session:
        draft = _draft(session, draft_id)
        allow(request, session, principal, Action.read, draft.region_id, what=f"查看规划草案 {draft_id}")
        return draft_json(draft)


@router.get("/drafts/{draft_id}/check", summary="印发前检查规划草案（与审查结果同一格式）")
def check_draft(request: Request, principal: Reader, draft_id: DraftId) -> dict:
    from healthplan.audit import findings_to_json
    from healthplan.store.drafts import check_stored_draft

    with reading(request) as session:
        draft = _draft(session, draft_id)
        allow(request, session, principal, Action.read, draft.region_id, what=f"检查规划草案 {draft_id}")
        try:
            findings = check_stored_draft(session, draft)
        except ProposalError as exc:
            raise _unprocessable(exc, "draft_id") from None
        return {"draft": draft_id, "findings": findings_to_json(findings)}


@router.get("/drafts/{draft_id}/file", summary="导出规划草案指标表（.docx 规划文本用表格，或 .xlsx 可编辑后上传）",
            response_class=FileResponse)
def export_draft(request: Request, principal: Reader, draft_id: DraftId,
                 format: FileFormat = FileFormat.xlsx):
    from healthplan.reports.draft_table import write_draft_docx, write_draft_xlsx
    from healthplan.store.drafts import draft_lines

    with reading(request) as session:
        draft = _draft(session, draft_id)
        allow(request, session, principal, Action.read, draft.region_id, what=f"导出规划草案 {draft_id}")
        folder = FilePath(tempfile.mkdtemp(prefix="healthplan-draft-"))
        path = folder / f"规划草案_{draft_id}.{format.value}"
        writer_ = write_draft_docx if format is FileFormat.docx else write_draft_xlsx
        writer_(draft.title, draft.period_start, draft.period_end, draft_lines(draft), path)

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(path, filename=path.name, background=BackgroundTask(cleanup))


@router.put("/drafts/{draft_id}/file", summary="上传修改后的草案 .xlsx，替换草案各行（表头被改或指标未知时拒绝，草案不变）")
async def upload_draft(request: Request, principal: Writer, draft_id: DraftId,
                       file: UploadFile) -> dict:
    from healthplan.reports.draft_table import DraftFileError, read_draft_xlsx
    from healthplan.store.drafts import replace_rows

    data = await file.read()
    with reading(request) as session:
        allow(request, session, principal, Action.load_plan, _draft(session, draft_id).region_id,
              what=f"更新规划草案 {draft_id}")
    with writing(request) as session:
        draft = _draft(session, draft_id)
        try:
            lines = read_draft_xlsx(data, file.filename or "上传文件", draft.period_start, draft.period_end)
        except DraftFileError as exc:
            raise _unprocessable(exc, "file") from None
        replace_rows(session, draft, lines, user_id=principal.user_id, what=f"上传 {file.filename}")
        return draft_json(draft)
