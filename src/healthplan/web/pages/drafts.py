"""The pages of the next plan (下一个规划): a region's proposals for the next period (advice,
marked 建议目标，非规划数据), a draft indicator table made from them, its check findings,
its .xlsx/.docx files and the upload of an edited .xlsx.

The same store functions as the API and ``healthplan draft …`` (``store.drafts``). Writing a
draft is planning work (``Action.load_plan``); a refusal is a 403 page and in the audit log,
and a bad upload is shown on the draft page with nothing stored."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from healthplan.permissions import Action
from healthplan.proposals import ProposalError, check_period
from healthplan.store import drafts as store
from healthplan.store.models import Draft
from healthplan.web.api.common import MAX_ID
from healthplan.web.auth import readable_region_ids
from healthplan.web.pages.common import (
    PageError,
    attachment,
    check_csrf,
    login,
    may,
    page,
    permit,
    reading,
    render,
    uploaded,
    writing,
)

router = APIRouter(include_in_schema=False)
DraftId = Annotated[int, Path(ge=1, le=MAX_ID)]
NOTE = "建议目标，非规划数据"
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


# Where a proposal's reason comes to its conclusion (``proposals.propose`` words it so).
CONCLUSIONS = ("证据不足，未给出建议目标", "建议沿用", "建议目标")


def gist(reason: str) -> str:
    """The conclusion of a proposal's reason (shown; the whole reason folds out), or ""."""
    found = [k for k in (reason.find(m) for m in CONCLUSIONS) if k >= 0]
    return reason[min(found):] if found else ""


def _regions(session, me):
    ids = readable_region_ids(session, me)
    return [r for r in store.planned_regions(session) if ids is None or r.id in ids]


def _drafts(session, me):
    ids = readable_region_ids(session, me)
    return [d for d in session.scalars(select(Draft).order_by(Draft.id.desc()))
            if ids is None or d.region_id in ids]


# --------------------------------------------------------------------------- proposals


@router.get("/drafts", response_class=HTMLResponse)
@page
def proposals_page(request: Request, region: str = "", period: str = "2026-2030"):
    with reading(request) as session:
        me = login(request, session)
        return _proposals_page(request, session, me, region.strip(), period.strip())


def _proposals_page(request, session, me, region_code, period, status_code=200, errors=()):
    regions = _regions(session, me)
    chosen, items, errors = None, [], list(errors)
    if region_code:
        chosen = next((r for r in regions if r.code == region_code), None)
        if chosen is None:
            errors.append(f"地区代码 {region_code} 没有现行规划，或您无权查看。")
        else:
            try:
                check_period(period)
                _, items = store.proposals_for(session, chosen.code, period)
            except ProposalError as exc:
                errors.append(f"{exc}。")
    can_write = chosen is not None and not errors and may(session, me, Action.load_plan, chosen.id)
    return render(request, "drafts.html", status_code, nav="drafts", regions=regions,
                  chosen=chosen, period=period, items=items, errors=errors, note=NOTE, gist=gist,
                  can_write=can_write, drafts=_drafts(session, me))


@router.post("/drafts", response_class=HTMLResponse)
@page
def create_draft(request: Request, region: str = Form(""), period: str = Form("2026-2030"),
                 csrf: str = Form("")):
    check_csrf(request, csrf)
    with reading(request) as session:
        me = login(request, session)
        found = next((r for r in store.planned_regions(session) if r.code == region.strip()), None)
        if found is None:
            raise PageError(f"地区代码 {region.strip()} 没有现行规划，无法新建规划草案。", 422, "未新建")
        permit(request, session, me, Action.load_plan, found.id, what=f"新建 {found.name} 的规划草案")
    try:
        with writing(request) as session:
            draft = store.new_draft(session, found.code, period.strip(), user_id=me.user_id)
            draft_id = draft.id
    except ProposalError as exc:
        with reading(request) as session:
            return _proposals_page(request, session, me, found.code, period.strip(), 422,
                                   errors=[f"未新建：{exc}。"])
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


# --------------------------------------------------------------------------- a draft


def _draft(request, session, me, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise PageError(f"规划草案 {draft_id} 不存在。")
    permit(request, session, me, Action.read, draft.region_id, what=f"查看规划草案 {draft_id}")
    return draft


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
@page
def draft_page(request: Request, draft_id: DraftId, done: str = "", plan: str = ""):
    with reading(request) as session:
        me = login(request, session)
        return _draft_page(request, session, me, draft_id, done=done, plan=plan.strip())


def _draft_page(request, session, me, draft_id, status_code=200, plan="", **context):
    from healthplan.audit import SEVERITIES, SEVERITY_CN
    from healthplan.draftcheck import DRAFT_KINDS
    from healthplan.draftdiff import CHANGE_CN
    from healthplan.web.review import SEVERITY_CLASS

    draft = _draft(request, session, me, draft_id)
    unavailable, findings = None, []
    try:
        findings = store.check_stored_draft(session, draft)
    except ProposalError as exc:
        unavailable = str(exc)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    issued, compared = store.issued_plans(session, draft), None
    if plan:
        try:
            if not plan.isdigit():
                raise ProposalError(f"规划编号“{plan}”应为数字")
            compared = store.compare_with_plan(session, draft, int(plan))
        except ProposalError as exc:
            context.setdefault("errors", []).append(f"无法对照：{exc}。")
    return render(request, "draft.html", status_code, nav="drafts", draft=draft,
                  issued=issued, compared=compared, change_cn=CHANGE_CN, chosen_plan=plan,
                  rows=store.draft_lines(draft), findings=findings, counts=counts,
                  unavailable=unavailable, severities=SEVERITIES, severity_cn=SEVERITY_CN,
                  severity_class=SEVERITY_CLASS, kind_cn=DRAFT_KINDS,
                  can_write=may(session, me, Action.load_plan, draft.region_id), **context)


@router.get("/drafts/{draft_id}/file")
@page
def draft_file(request: Request, draft_id: DraftId, format: str = "xlsx"):
    from healthplan.reports.draft_table import write_draft_docx, write_draft_xlsx

    if format not in MEDIA:
        raise PageError(f"未知的文件格式“{format}”：应为 xlsx 或 docx。", 422, "请求无效")
    with reading(request) as session:
        me = login(request, session)
        draft = _draft(request, session, me, draft_id)
        with tempfile.TemporaryDirectory(prefix="healthplan-draft-") as folder:
            path = FilePath(folder) / f"draft.{format}"
            (write_draft_docx if format == "docx" else write_draft_xlsx)(
                draft.title, draft.period_start, draft.period_end, store.draft_lines(draft), path)
            data = path.read_bytes()
    return attachment(data, f"规划草案_{draft_id}.{format}", MEDIA[format])


@router.post("/drafts/{draft_id}/upload", response_class=HTMLResponse)
@page
async def draft_upload(request: Request, draft_id: DraftId):
    form, name, data = await uploaded(request, max_fields=5)
    return await run_in_threadpool(_upload, request, draft_id, name, data or b"",
                                   request.app.state.settings.max_upload_bytes)


def _upload(request, draft_id, name, data, limit):
    from healthplan.reports.draft_table import DraftFileError, read_draft_xlsx

    with reading(request) as session:
        me = login(request, session)
        draft = _draft(request, session, me, draft_id)
        permit(request, session, me, Action.load_plan, draft.region_id, what=f"更新规划草案 {draft_id}")
        problem = None
        if not data:
            problem = "请选择要上传的草案 .xlsx 文件。"
        elif len(data) > limit:
            problem = f"文件 {name} 超过上传上限（{limit // (1024 * 1024)} MB）。"
        else:
            try:
                lines = read_draft_xlsx(data, name, draft.period_start, draft.period_end)
            except DraftFileError as exc:
                problem = f"{exc}"
        if problem:
            return _draft_page(request, session, me, draft_id, 422,
                               errors=[f"未更新，草案保持原样：{problem}"])
    with writing(request) as session:
        draft = session.get(Draft, draft_id)
        store.replace_rows(session, draft, lines, user_id=me.user_id, what=f"上传 {name}")
    return RedirectResponse(f"/drafts/{draft_id}?done=已上传 {name}，草案共 {len(lines)} 项指标",
                            status_code=303)
