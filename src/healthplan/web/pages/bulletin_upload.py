"""读取统计公报: a clerk or planner uploads a bulletin, sees each candidate observation
beside its sentence (the figure highlighted) and the value already stored with its source,
accepts, edits or rejects each, and imports the accepted ones as one batch.

``GET/POST /bulletin-upload`` → the review; its form carries the file back (base64, as the
plan upload does: nothing is kept on the server between the steps) with one decision per
candidate; ``POST /bulletin-upload/import`` reads the file again and imports through the
API's path (``web.api.bulletins``), so checks, versioning and audit are the import's. A
candidate that would change a stored value is refused until 确认更正 is ticked.
"""

from __future__ import annotations

import base64
import binascii
import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from healthplan import catalog
from healthplan.documents.reader import SUPPORTED
from healthplan.imports.rows import number_text
from healthplan.web.api.bulletins import apply_decisions, read_bulletin_bytes, stored_values
from healthplan.web.errors import Problem as ApiProblem
from healthplan.web.pages.common import (
    CSRF_FIELD,
    check_csrf,
    login,
    page,
    reading,
    render,
    uploaded,
)

router = APIRouter(include_in_schema=False)


def _may(me) -> bool:
    return me.role in ("admin", "planner", "clerk")


def _form(request: Request, status: int = 200, **context) -> HTMLResponse:
    return render(request, "bulletin_upload.html", status, accept=",".join(SUPPORTED),
                  supported="、".join(SUPPORTED), step="form", **context)


def _refused(request: Request) -> HTMLResponse:
    return render(request, "message.html", 403, title="无权读取统计公报",
                  message="只有统计员、规划管理人员和管理员可以读取统计公报并导入监测值。")


@router.get("/bulletin-upload", response_class=HTMLResponse)
@page
def upload_form(request: Request):
    with reading(request) as session:
        me = login(request, session)
    return _form(request) if _may(me) else _refused(request)


def _highlight(quote: str, value: float) -> Markup:
    """The sentence with the figure marked (the first printing of its number)."""
    text = number_text(value)
    for shown in dict.fromkeys((f"{value:.2f}", f"{value:.1f}", text)):
        at = quote.find(shown)
        if at >= 0:
            return Markup(f"{escape(quote[:at])}<mark>{escape(shown)}</mark>"
                          f"{escape(quote[at + len(shown):])}")
    return Markup(escape(quote))


def _review(request: Request, name: str, data: bytes, region: str, year: str,
            error: str | None = None, errors: list | None = None, status: int = 200,
            decisions: dict | None = None) -> HTMLResponse:
    limit = request.app.state.settings.max_upload_bytes
    with reading(request) as session:
        me = login(request, session)
    if not _may(me):
        return _refused(request)
    try:
        name, _, found = read_bulletin_bytes(name, data, limit, region or None,
                                             int(year) if year.strip().isdigit() else None)
    except ApiProblem as exc:
        return _form(request, exc.status, error=exc.detail, region=region, year=year)
    stored = stored_values(request, found)
    rows = []
    for index, (c, old) in enumerate(zip(found.candidates, stored, strict=True)):
        chosen = (decisions or {}).get(index, {})
        rows.append({"index": index, "c": c, "old": old,
                     "name": catalog.get(c.indicator_id).name if c.indicator_id else c.printed_name,
                     "value": chosen.get("value", number_text(c.value)),
                     "action": chosen.get("action", "accept"),
                     "conflict": old is not None and old["value"] != c.value,
                     "quote": _highlight(c.quote, c.value)})
    return render(request, "bulletin_upload.html", status, step="review", rows=rows,
                  publication=found.publication, filename=name, region=region, year=year,
                  payload=base64.b64encode(data).decode("ascii"), error=error,
                  errors=errors or [])


@router.post("/bulletin-upload", response_class=HTMLResponse)
@page
async def upload_submit(request: Request):
    form, name, data = await uploaded(request)
    return await run_in_threadpool(_review, request, name, data or b"", str(form.get("region") or ""),
                                   str(form.get("year") or ""))


@router.post("/bulletin-upload/import", response_class=HTMLResponse)
@page
async def import_submit(request: Request):
    limit = request.app.state.settings.max_upload_bytes
    form = await request.form(max_files=0, max_fields=5000, max_part_size=limit * 4 // 3 + 1024)
    check_csrf(request, form.get(CSRF_FIELD))
    try:
        data = base64.b64decode(str(form.get("document") or ""), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    decisions = {}
    for key, value in form.multi_items():
        if key.startswith("action-") and key[7:].isdigit():
            index = int(key[7:])
            decisions.setdefault(index, {})["action"] = str(value)
        elif key.startswith("value-") and key[6:].isdigit():
            decisions.setdefault(int(key[6:]), {})["value"] = str(value).strip()
    return await run_in_threadpool(_import_step, request, str(form.get("filename") or ""), data,
                                   str(form.get("region") or ""), str(form.get("year") or ""),
                                   decisions, form.get("accept_warnings") == "yes")


def _import_step(request: Request, name: str, data: bytes, region: str, year: str,
                 decisions: dict, accept_warnings: bool) -> HTMLResponse:
    from healthplan.imports import ImportConflict, ImportRejected, import_file
    from healthplan.imports.bulletin import bulletin_file
    from healthplan.web.api.observations import _authorise_rows, database, problem_json

    limit = request.app.state.settings.max_upload_bytes
    with reading(request) as session:
        me = login(request, session)
    if not _may(me):
        return _refused(request)

    def again(message: str, errors: list | None = None, status: int = 422) -> HTMLResponse:
        return _review(request, name, data, region, year, message, errors, status, decisions)

    try:
        name, document, found = read_bulletin_bytes(name, data, limit, region or None,
                                                     int(year) if year.isdigit() else None)
        wanted = []
        for index, d in sorted(decisions.items()):
            item = {"index": index, "action": d.get("action", "reject")}
            printed = number_text(found.candidates[index].value) if index < len(
                found.candidates) else ""
            if d.get("value") and d["value"] != printed:
                try:
                    item["value"] = float(d["value"])
                except ValueError:
                    return again(f"第 {index + 1} 个候选监测值：修改后的数值“{d['value']}”不是数字")
            wanted.append(item)
        chosen = apply_decisions(found, json.dumps(wanted))
    except ApiProblem as exc:
        return again(exc.detail)
    rows = bulletin_file(name, document.sha256, found.publication, [c for c, _ in chosen],
                         [note for _, note in chosen])
    _authorise_rows(request, me, rows, name)
    try:
        result = import_file(database(request), rows, user_id=me.user_id,
                             accept_warnings=accept_warnings)
    except ImportRejected as exc:
        return again(exc.summary().replace("请加 --accept-warnings 重新导入",
                                           "请勾选“确认更正与警告”后再导入"),
                     [problem_json(p, name)["line"] for p in exc.problems])
    except ImportConflict as exc:
        return again(exc.problem, status=409)
    return render(request, "bulletin_upload.html", step="done", summary=result.summary(),
                  batch_id=result.batch_id, rejected=len(found.candidates) - len(chosen))
