"""上传规划: a planner (or an admin) uploads a plan document, reviews the indicator table
as read beside the source lines (rows the reader doubted marked in colour and words),
corrects cells, and stores the plan; each correction goes to the audit log.

Step 1 ``GET/POST /plan-upload``: the file (and a region when the document names none)
→ step 2, the review page. Its form carries the file back (base64, see
``web.plan_upload``: nothing is kept on the server between the steps) with every cell;
step 3 ``POST /plan-upload/store`` reads the file again, applies the changed cells as
corrections, stores the plan and links to its dashboard.
"""

from __future__ import annotations

import base64
import binascii
import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from healthplan.documents.reader import SUPPORTED
from healthplan.extract.corrections import (
    FIELDS,
    CorrectionError,
    cell_key,
    cell_of,
    corrections_from_cells,
    review_tables,
)
from healthplan.permissions import Action, Principal
from healthplan.web.pages.common import (
    CSRF_FIELD,
    check_csrf,
    login,
    page,
    permit,
    reading,
    render,
    uploaded,
    writing,
)
from healthplan.web.plan_upload import Reviewed, UploadRejected, read_upload, review, store

router = APIRouter(include_in_schema=False)

CELL = "cell"  # form fields cell-TABLE-ROW-FIELD
CONTEXT_LINES = 2  # source lines shown around a table


def _limit(request: Request) -> int:
    return request.app.state.settings.max_upload_bytes


def _may_upload(request: Request, session, me: Principal) -> None:
    """Only planners and admins load plans: anyone else is refused (and logged) before a
    file is read."""
    if me.role not in ("admin", "planner"):
        permit(request, session, me, Action.load_plan, me.region_id, what="上传规划")


def _form_page(request: Request, status: int = 200, **context) -> HTMLResponse:
    return render(request, "plan_upload.html", status, accept=",".join(SUPPORTED),
                  supported="、".join(SUPPORTED), **context)


@router.get("/plan-upload", response_class=HTMLResponse)
@page
def upload_form(request: Request):
    with reading(request) as session:
        me = login(request, session)
        _may_upload(request, session, me)
        return _form_page(request)


@router.post("/plan-upload", response_class=HTMLResponse)
@page
async def upload_submit(request: Request):
    form, name, data = await uploaded(request)
    region = str(form.get("region") or "")
    return await run_in_threadpool(_review_step, request, name, data, region, False, {})


def _read(request: Request, session, name: str, data: bytes | None,
          region: str) -> tuple[Principal, Reviewed | HTMLResponse]:
    """The user and the uploaded file read and reviewed; the upload form with the message
    for a file that cannot be read. A user who may not load plans, or not plans of the
    document's region, is refused (and logged): nothing of the file is shown."""
    me = login(request, session)
    _may_upload(request, session, me)
    try:
        document, extracted = read_upload(name, data, _limit(request))
    except UploadRejected as exc:
        return me, _form_page(request, exc.status, error=exc.message, region=region)
    reviewed = review(session, me, name, document, extracted, region)
    if reviewed.region is not None:
        permit(request, session, me, Action.load_plan, reviewed.region.id,
               what=f"载入规划文件 {reviewed.name}")
    return me, reviewed


def _review_step(request: Request, name: str, data: bytes | None, region: str, replace: bool,
                 cells: dict, error: str | None = None, status: int = 200) -> HTMLResponse:
    with reading(request) as session:
        me, reviewed = _read(request, session, name, data, region)
        if isinstance(reviewed, HTMLResponse):
            return reviewed
        document, extracted = reviewed.document, reviewed.extracted
        tables = review_tables(extracted)
        read = {cell_key(r["table"], r["row"], f): v for t in tables for r in t["rows"]
                for f, v in r["cells"].items()}
        for table in tables:
            for row in table["rows"]:
                for field in FIELDS:
                    key = (row["table"], row["row"], field)
                    row.setdefault("edited", {})[field] = cells.get(key, row["cells"][field])
        return render(
            request, "plan_upload_review.html", status, reviewed=reviewed, info=extracted.document,
            tables=tables, fields=FIELDS, region=region, replace=replace, error=error,
            doubtful=sum(1 for t in tables for r in t["rows"] if r["doubtful"]),
            source=_source_lines(document, extracted),
            payload=base64.b64encode(data).decode("ascii"), filename=reviewed.name,
            read=json.dumps(read, ensure_ascii=False),
            doubtful_lines={n for r in extracted.rows() if r.doubtful
                            for n in range(r.line_start, r.line_end + 1)},
            scans=_scanned_pages(reviewed.name, data, document, extracted))


def _scanned_pages(name: str, data: bytes, document, extracted) -> list[dict]:
    """For a document read by OCR: the pages that hold table rows, as images (inline PNG,
    rendered here from the uploaded file) with the rows and doubtful rows of each page."""
    from healthplan.documents.model import DocumentError
    from healthplan.documents.page_images import page_images

    if document.format != "ocr":
        return []
    rows = [r for r in extracted.rows() if r.page]
    try:
        images = page_images(name, data, {r.page for r in rows})
    except DocumentError:
        return []  # the file was read a moment ago; the table is still shown without images
    return [{"page": i.page, "width": i.width, "height": i.height,
             "src": "data:image/png;base64," + base64.b64encode(i.png).decode("ascii"),
             "rows": sum(1 for r in rows if r.page == i.page),
             "doubtful": sum(1 for r in rows if r.page == i.page and r.doubtful)}
            for i in images]


def _source_lines(document, extracted) -> list:
    """The document's lines in and around the indicator tables, for beside the table."""
    wanted: set[int] = set()
    for table in extracted.indicator_tables:
        wanted.update(range(max(1, table.line_start - CONTEXT_LINES),
                            min(len(document.lines), table.line_end + CONTEXT_LINES) + 1))
    return [document.line(n) for n in sorted(wanted)]


@router.post("/plan-upload/store", response_class=HTMLResponse)
@page
async def store_submit(request: Request):
    limit = _limit(request)
    form = await request.form(max_files=0, max_fields=20000,
                              max_part_size=limit * 4 // 3 + 1024)
    check_csrf(request, form.get(CSRF_FIELD))
    try:
        data = base64.b64decode(str(form.get("document") or ""), validate=True) or None
    except (binascii.Error, ValueError):
        data = None
    cells, read = {}, {}
    for key, value in form.multi_items():
        found = cell_of(key.removeprefix(CELL + "-")) if key.startswith(CELL + "-") else None
        if found is not None:
            cells[found] = str(value)
    try:
        read_cells = json.loads(str(form.get("read") or "{}"))
    except ValueError:
        read_cells = {}
    if isinstance(read_cells, dict):
        read = {cell_of(k): str(v) for k, v in read_cells.items() if cell_of(k) is not None}
    return await run_in_threadpool(_store_step, request, str(form.get("filename") or ""), data,
                                   str(form.get("region") or ""), form.get("replace") == "yes",
                                   cells, read)


def _store_step(request: Request, name: str, data: bytes | None, region: str, replace: bool,
                cells: dict, read: dict) -> HTMLResponse:
    from healthplan.store.plans import PlanLoadError, PlanSupersedes

    with reading(request) as session:
        me, reviewed = _read(request, session, name, data, region)
        if isinstance(reviewed, HTMLResponse):
            return reviewed
        document, extracted = reviewed.document, reviewed.extracted

    def again(message: str, status: int) -> HTMLResponse:
        return _review_step(request, name, data, region, replace, cells, error=message,
                            status=status)

    if reviewed.region is None:
        return again(reviewed.region_problem, 422)
    try:
        corrections = corrections_from_cells(cells, read)
        with writing(request) as session:
            stored, applied = store(session, me, document, extracted, region_text=region,
                                    replace=replace, corrections=corrections)
            plans = [(s.plan.id, s.plan.title, s.created, s.plan.period) for s in stored]
            changes = stored[-1].changes
            skipped = [line for s in stored for line in s.skipped]
    except CorrectionError as exc:
        return again(f"更正未保存：{exc}。规划未载入。", 422)
    except PlanSupersedes as exc:
        return again(str(exc).replace("确认取代请加 --replace", "确认取代请勾选“取代现行规划”后再保存")
                     + "。", 409)
    except PlanLoadError as exc:
        return again(f"{exc}。", 409 if "已载入" in str(exc) else 422)
    with reading(request) as session:
        login(request, session)
        return render(request, "plan_upload_done.html", plans=plans, name=reviewed.name,
                      applied=applied, changes=changes, skipped=skipped)
