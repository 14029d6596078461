"""Data entry pages: the fill-in template (download), the upload of a filled template or
CSV with its row-by-row report, and the form that enters or corrects one value.

Both write paths check the same way as ``healthplan observe import``: every row first,
then all or nothing; warnings need an explicit confirmation. The user must be allowed
to write every region the file or form touches (``authorise``: a refusal is logged and
shown, and nothing changes).
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthplan.permissions import Action, Principal
from healthplan.store.models import ImportBatch, Observation, Plan, User
from healthplan.store.regions import full_name
from healthplan.web.pages.common import (
    attachment,
    check_csrf,
    db,
    login,
    page,
    permit,
    reading,
    render,
    uploaded,
    writing,
)
from healthplan.web.pages.views import MEDIA, plan_links, readable_plan

router = APIRouter(include_in_schema=False)

PENDING = "pending_upload"  # request.session key: a file held until its warnings are confirmed
UPLOAD_SUFFIXES = (".xlsx", ".csv")
ENTRY_FILE = "网页录入"


def _upload_limit(request: Request) -> int:
    return request.app.state.settings.max_upload_bytes


def _limit_text(limit: int) -> str:
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KB"


# --------------------------------------------------------------------------- template


@router.get("/plans/{plan_id}/template.xlsx")
@page
def template_download(request: Request, plan_id: int):
    from healthplan.imports.template import write_template

    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        with tempfile.TemporaryDirectory(prefix="healthplan-") as folder:
            path = write_template(session, plan.id, Path(folder) / "template.xlsx")
            data = path.read_bytes()
        name = f"{plan.region.name}{plan.period}监测值填报模板.xlsx"
    return attachment(data, name, MEDIA["xlsx"])


# --------------------------------------------------------------------------- upload


def _recent_imports(session: Session, region_id: int, limit: int = 8) -> list:
    return session.execute(
        select(ImportBatch, User, func.count(Observation.id))
        .join(Observation, Observation.import_id == ImportBatch.id)
        .outerjoin(User, User.id == ImportBatch.user_id)
        .where(Observation.region_id == region_id)
        .group_by(ImportBatch.id, User.id)
        .order_by(ImportBatch.at.desc()).limit(limit)).all()


def _upload_page(request: Request, session: Session, me: Principal, plan: Plan,
                 status_code: int = 200, **context) -> HTMLResponse:
    limit = _upload_limit(request)
    return render(request, "upload.html", status_code, plan=plan, region_full=full_name(plan.region),
                  links=plan_links(session, me, plan), limit=limit, limit_text=_limit_text(limit),
                  recent=_recent_imports(session, plan.region_id), **context)


@router.get("/plans/{plan_id}/upload", response_class=HTMLResponse)
@page
def upload_form(request: Request, plan_id: int):
    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        return _upload_page(request, session, me, plan)


@router.post("/plans/{plan_id}/upload", response_class=HTMLResponse)
@page
async def upload_submit(request: Request, plan_id: int):
    form, name, data = await uploaded(request)
    pending = form.get("pending") or ""
    return await run_in_threadpool(_upload, request, plan_id, data, name, str(pending),
                                   _upload_limit(request))


def _upload(request: Request, plan_id: int, data: bytes | None, name: str, pending: str,
            limit: int) -> HTMLResponse:
    from healthplan.documents.model import DocumentError
    from healthplan.imports import (
        ImportConflict,
        ImportRejected,
        import_observations,
        read_observation_file,
    )

    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        # Whoever may not write the plan's own region (a viewer, another region's clerk)
        # is refused before the file is even read.
        permit(request, session, me, Action.write_data, plan.region_id, what="上传监测值文件")

        def again(status: int, **context) -> HTMLResponse:
            return _upload_page(request, session, me, plan, status, **context)

        confirming = False
        if data is None and pending:
            held = request.session.get(PENDING) or {}
            if held.get("token") != pending or held.get("plan") != plan.id:
                return again(400, error="待确认的文件已失效（会话已更换或已处理），请重新上传。")
            path = _pending_path(request, pending, held.get("name", ""))
            if not path.is_file():
                return again(400, error="待确认的文件已失效（服务器已清理），请重新上传。")
            name, confirming = held["name"], True
        elif data is None:
            return again(400, error="请选择要上传的文件（.xlsx 或 .csv）。")
        else:
            if len(data) > limit:
                return again(413, error=f"文件“{name}”超过 {_limit_text(limit)} 的上限，未导入。"
                                        "请删去无关的工作表或分批上传。")
            if not data:
                return again(400, error=f"文件“{name}”是空文件，未导入。")
            name = _safe_name(name)
            if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
                return again(400, error=f"文件“{name}”的类型不受支持：请上传填报模板（.xlsx）"
                                        "或 .csv 文件（.xls 请先在 Excel 中另存为 .xlsx）。")
            _drop_pending(request)
            token = secrets.token_urlsafe(16)
            path = _pending_path(request, token, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            pending = token

        try:
            file = read_observation_file(path)
        except DocumentError as exc:
            _forget(request, path)
            return again(400, error=f"文件“{name}”无法读取：{exc.problem}。未导入任何数据。")
        for region in _file_regions(session, file):
            permit(request, session, me, Action.write_data, region.id, what=f"导入文件 {name}")

    try:
        result = import_observations(db(request), path, user_id=me.user_id,
                                     accept_warnings=confirming)
    except ImportRejected as exc:
        with reading(request) as session:
            if exc.needs_acceptance:
                request.session[PENDING] = {"token": pending, "name": name, "plan": plan_id}
                return again_page(request, session, me, plan_id, 200, name=name,
                                  problems=exc.problems, pending=pending)
            _forget(request, path)
            return again_page(request, session, me, plan_id, 422, name=name,
                              problems=exc.problems, rejected=True)
    except ImportConflict as exc:
        _forget(request, path)
        with reading(request) as session:
            return again_page(request, session, me, plan_id, 409,
                              error=f"文件“{name}”未导入：{exc.problem}")
    _forget(request, path)
    with reading(request) as session:
        return again_page(request, session, me, plan_id, 200, name=name, result=result,
                          accepted=confirming)


def again_page(request: Request, session: Session, me: Principal, plan_id: int, status: int,
               **context) -> HTMLResponse:
    plan = session.get(Plan, plan_id)
    return _upload_page(request, session, me, plan, status, **context)


def _file_regions(session: Session, file) -> list:
    """The regions a file writes (the template's, and every row's that names one)."""
    from healthplan.store.regions import RegionError, find_region

    texts = {row.cell("region").strip() for row in file.rows if row.cell("region").strip()}
    if file.template is not None:
        texts.add(file.template.region_code)
    found = {}
    for text in sorted(texts):
        try:
            region = find_region(session, text)
        except RegionError:
            continue  # validation names the row
        found[region.id] = region
    return list(found.values())


def _safe_name(name: str) -> str:
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f/]", "_", name).strip() or "upload"
    return name[-120:]


def _pending_dir(request: Request) -> Path:
    folder = getattr(request.app.state, "pending_uploads", None)
    if folder is None:
        folder = request.app.state.pending_uploads = Path(
            tempfile.mkdtemp(prefix="healthplan-uploads-"))
    return folder


def _pending_path(request: Request, token: str, name: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", token):
        token = "invalid"
    return _pending_dir(request) / token / _safe_name(name)


def _forget(request: Request, path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)
    held = request.session.get(PENDING)
    if held and path.parent.name == held.get("token"):
        request.session.pop(PENDING, None)


def _drop_pending(request: Request) -> None:
    held = request.session.pop(PENDING, None)
    if held and held.get("token"):
        shutil.rmtree(_pending_path(request, held["token"], "x").parent, ignore_errors=True)


# --------------------------------------------------------------------------- one value


def _entry_rows(plan: Plan):
    from healthplan.imports.template import template_rows

    return [row for row in template_rows(plan) if row.indicator_id]


def _entry_page(request: Request, session: Session, me: Principal, plan: Plan,
                status_code: int = 200, **context) -> HTMLResponse:
    from healthplan.store.observations import current_values

    rows = _entry_rows(plan)
    values = current_values(session, [plan.region_id], {r.indicator_id for r in rows})
    current = {ind: {y: v.value for y, v in by_year.items()}
               for (_, ind), by_year in values.items()}
    from healthplan.store.evaluation import default_year

    form = {"indicator": "", "year": "", "value": "", "source": "", "reason": "", **context.pop("form", {})}
    # preselect the plan's evaluation year (the dashboard's), not the first year listed
    form["year"] = form["year"] or str(default_year(session, plan))
    return render(request, "entry.html", status_code, plan=plan, rows=rows, current=current,
                  years=list(range(plan.period_start - 1, plan.period_end + 1)),
                  links=plan_links(session, me, plan), form=form,
                  region_full=full_name(plan.region), **context)


@router.get("/plans/{plan_id}/entry", response_class=HTMLResponse)
@page
def entry_form(request: Request, plan_id: int, indicator: str = "", year: str = ""):
    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        return _entry_page(request, session, me, plan, form={"indicator": indicator, "year": year})


@router.post("/plans/{plan_id}/entry", response_class=HTMLResponse)
@page
def entry_submit(request: Request, plan_id: int, indicator: str = Form(""), year: str = Form(""),
                 value: str = Form(""), source: str = Form(""), reason: str = Form(""),
                 confirm: str = Form(""), csrf: str = Form("")):
    from healthplan.imports.validation import validate
    from healthplan.store.observations import current_observations, record
    from healthplan.store.rounds import active_locks
    from healthplan.store.users import audit

    check_csrf(request, csrf)
    form = {"indicator": indicator, "year": year, "value": value, "source": source,
            "reason": reason}
    reason = reason.strip()
    with reading(request) as session:
        me = login(request, session)
        plan = readable_plan(request, session, me, plan_id)
        permit(request, session, me, Action.write_data, plan.region_id, what="录入或更正监测值")
        region_code = plan.region.code
        file = _entry_file(region_code, indicator, year, value, source, reason)
        checked = validate(session, file)
        errors = [(p.column, p.message) for p in checked.errors]
        if not source.strip():
            errors = [e for e in errors if e[0] != "来源"]
            errors.insert(0, ("来源", "数据来源为必填项：请注明数值出自哪份统计年报、报表或文件。"))
        if not reason:
            errors.append(("原因", "录入或更正原因为必填项（如“2023年统计年报数据录入”或“年报更正”）。"))
        warnings = [(p.column, p.message) for p in checked.warnings]
        if errors:
            return _entry_page(request, session, me, plan, 422, form=form, errors=errors,
                               warnings=warnings)
        if warnings and confirm != "yes":
            return _entry_page(request, session, me, plan, 200, form=form, warnings=warnings,
                               needs_confirm=True)
        item = checked.items[0]
        label = checked.labels[item.key]
        seen = checked.seen.get(item.key, 0)

    with writing(request) as session:
        old = current_observations(session, [item.key]).get(item.key)
        locks = active_locks(session, [item.key])
        if locks:
            summary = locks[0].describe()  # an approved value (a reporting round)
        elif (old.version if old is not None else 0) != seen:
            summary = None  # someone else wrote this value meanwhile: check again
        elif old is not None and old.value == item.value:
            summary = ""
        else:
            batch = ImportBatch(file_name=ENTRY_FILE, file_sha256=None, format="entry", rows=1,
                                accepted_warnings=len(warnings), user_id=me.user_id)
            session.add(batch)
            session.flush()
            record(session, [item], user_id=me.user_id, batch=batch)
            summary = (f"更正 {label}：{old.value:g} → {item.value:g}" if old is not None
                       else f"录入 {label}：{item.value:g}")
            audit(session, me.user_id, "correct" if old is not None else "entry", "observation",
                  batch.id, summary, {
                      "region_id": item.region_id, "indicator_id": item.indicator_id,
                      "year": item.year, "before": old.value if old is not None else None,
                      "after": item.value, "version": (old.version + 1) if old is not None else 1,
                      "source": item.source, "reason": reason,
                      "accepted_warnings": [m for _, m in warnings]})

    with reading(request) as session:
        plan = session.get(Plan, plan_id)
        if summary is None:
            return _entry_page(request, session, me, plan, 409, form=form, errors=[
                ("数值", f"{label}的数值刚刚已由他人修改，未保存。请查看当前数值后重新提交。")])
        if locks:
            return _entry_page(request, session, me, plan, 409, form=form, errors=[
                ("数值", f"{label}：{summary}。未保存。")])
        if not summary:
            return _entry_page(request, session, me, plan, 200, form=form,
                               done=f"{label}的数值已是 {value.strip()}，未作改动。")
        return _entry_page(request, session, me, plan, 200, form={}, done=summary + "。",
                           done_target=_target_for(plan, item.indicator_id))


def _entry_file(region_code: str, indicator: str, year: str, value: str, source: str,
                reason: str):
    """The form's value as a one-row observation file, checked like any import (the
    reason is the row's note: a correction's reason)."""
    from healthplan.imports.rows import ObservationFile, RawRow

    row = RawRow(2, {"region": region_code, "indicator": indicator.strip(),
                     "year": year.strip(), "value": value.strip(), "source": source.strip(),
                     "note": reason},
                 {"region": "地区", "indicator": "指标", "year": "年份", "value": "数值",
                  "source": "来源", "note": "原因"})
    return ObservationFile(ENTRY_FILE, "entry", "", [row])


def _target_for(plan: Plan, indicator_id: str):
    from healthplan import catalog

    for t in plan.targets:
        if t.indicator_id == indicator_id:
            return t
    known = catalog.load_catalog()
    for t in plan.targets:  # a fused row whose part was entered
        if t.indicator_id in known and indicator_id in known.get(t.indicator_id).components:
            return t
    return None

