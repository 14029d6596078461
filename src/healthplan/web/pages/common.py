"""What every page shares: the templates, the logged-in user, the CSRF token, refusals
as pages, and the login and logout routes."""

from __future__ import annotations

import functools
import inspect
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from healthplan.evaluate import VERDICT_CN, VERDICT_DEFINITIONS
from healthplan.permissions import Action, Principal
from healthplan.store.models import Region, User
from healthplan.store.users import NAME_MAX
from healthplan.web.auth import SESSION_CSRF, SESSION_ID, authorise, csrf_token, current_principal
from healthplan.web.auth import check_csrf as csrf_matches
from healthplan.web.auth import may as auth_may
from healthplan.web.security import NONCE_KEY

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
CSRF_FIELD = "csrf"  # the form field holding the session's token (web.auth.csrf_token)
CHINA = timezone(timedelta(hours=8), "北京时间")

ROLE_CN = {"admin": "系统管理员", "planner": "规划管理人员", "clerk": "数据填报员", "viewer": "只读用户"}
STATUS_CN = {"final": "正式稿", "draft": "征求意见稿"}
VERDICT_ORDER = ("achieved", "on_track", "at_risk", "off_track", "not_achieved", "no_data",
                 "needs_judgement")
VERDICT_MEANING = {v: d["zh"].split("：", 1)[-1] for v, d in VERDICT_DEFINITIONS.items()}

router = APIRouter(include_in_schema=False)


# --------------------------------------------------------------------------- templates


def _number(x) -> str:
    from healthplan.reports.content import format_number

    return "—" if x is None else format_number(x)


def _when(at: datetime | None) -> str:
    if at is None:
        return "—"
    if at.tzinfo is None:  # SQLite gives naive datetimes back: they were stored as UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _full_name(region) -> str:
    from healthplan.store.regions import full_name

    return full_name(region)


ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                          autoescape=select_autoescape(["html"]),
                          trim_blocks=True, lstrip_blocks=True)
ENVIRONMENT.filters.update(num=_number, when=_when, verdict_cn=lambda v: VERDICT_CN.get(v, v),
                           status_cn=lambda s: STATUS_CN.get(s, s),
                           role_cn=lambda r: ROLE_CN.get(r, r), full_name=_full_name,
                           num2=lambda x: _number(None if x is None else round(x, 2)))
ENVIRONMENT.globals.update(VERDICT_ORDER=VERDICT_ORDER, VERDICT_CN=VERDICT_CN,
                           VERDICT_MEANING=VERDICT_MEANING, ROLE_CN=ROLE_CN)


@dataclass(frozen=True)
class PageUser:
    """The logged-in user as the page header shows them."""

    principal: Principal
    display_name: str
    region_name: str

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def is_admin(self) -> bool:
        return self.principal.role == "admin"


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    user = getattr(request.state, "page_user", None)
    html = ENVIRONMENT.get_template(template).render(
        request=request, me=user, csrf_field=CSRF_FIELD, csrf_token=csrf_token(request),
        csp_nonce=getattr(request.state, NONCE_KEY, ""),
        simulated_notice=database_notice(request), **context)
    return HTMLResponse(html, status_code=status_code)


def database_notice(request: Request) -> str | None:
    """The simulated database's words for the banner of every page (``store.marks``;
    one primary-key lookup, read afresh each time: the mark is state in the database)."""
    from healthplan.store.marks import simulated_notice

    engine = getattr(request.app.state, "read_engine", None) or db(request).engine
    with engine.connect() as connection:
        return simulated_notice(connection)


# --------------------------------------------------------------------------- who is asking


class LoginRequired(Exception):
    pass


class PageError(Exception):
    """Something the user asked for that cannot be shown (unknown plan …): a page with
    ``message`` and ``status_code``."""

    def __init__(self, message: str, status_code: int = 404, title: str = "页面不存在"):
        super().__init__(message)
        self.message, self.status_code, self.title = message, status_code, title


class CsrfFailed(Exception):
    pass


def login(request: Request, session: Session) -> Principal:
    """The logged-in user (kept on ``request.state`` for the page header), else
    LoginRequired (a redirect to the login page)."""
    principal = current_principal(request, session)
    if principal is None:
        raise LoginRequired()
    user = session.get(User, principal.user_id)
    region = session.get(Region, principal.region_id) if principal.region_id else None
    request.state.page_user = PageUser(principal, user.display_name or user.name,
                                       region.name if region else "全国")
    return principal


def may(session: Session, principal: Principal, action: Action, region_id: int | None) -> bool:
    """Whether ``principal`` may do ``action`` (no logging: for showing or hiding links)."""
    return auth_may(session, principal, action, region_id)


def check_csrf(request: Request, token: str | None) -> None:
    """CsrfFailed (a 403 page) unless ``token`` is the session's form token."""
    if not csrf_matches(request, token):
        raise CsrfFailed()


def page(handler):
    """Turn the exceptions of a page handler into pages: no login → the login page;
    a refusal from ``authorise`` → 403 page; PageError → its page; a bad CSRF token → 403."""

    def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, LoginRequired) or (isinstance(exc, HTTPException)
                                              and exc.status_code == 401):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if request.method != "GET":
                target = "/"
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if isinstance(exc, CsrfFailed):
            return render(request, "message.html", 403, title="请求无效",
                          message="表单已过期或来源不明（CSRF 校验未通过），本次操作未执行。"
                                  "请返回上一页刷新后重新提交。", kind="refused")
        if isinstance(exc, HTTPException) and exc.status_code == 403:
            return render(request, "message.html", 403, title="无权限",
                          message=f"{str(exc.detail).removeprefix('无权限：')}。本次操作未执行，数据没有任何改动；"
                                  "此次尝试已记入审计日志。如需办理，请联系上级规划管理部门或系统管理员。",
                          kind="refused")
        if isinstance(exc, HTTPException):
            return render(request, "message.html", exc.status_code, title="请求无效",
                          message=str(exc.detail), kind="error")
        assert isinstance(exc, PageError)
        return render(request, "message.html", exc.status_code, title=exc.title,
                      message=exc.message, kind="error")

    caught = (LoginRequired, CsrfFailed, HTTPException, PageError)
    if inspect.iscoroutinefunction(handler):
        @functools.wraps(handler)
        async def run_async(request: Request, *args, **kwargs):
            try:
                return await handler(request, *args, **kwargs)
            except caught as exc:
                return handle(request, exc)
        return run_async

    @functools.wraps(handler)
    def run(request: Request, *args, **kwargs):
        try:
            return handler(request, *args, **kwargs)
        except caught as exc:
            return handle(request, exc)
    return run


def db(request: Request):
    return request.app.state.db


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A session for a request that changes nothing (on SQLite one snapshot that neither
    blocks nor waits for writers: ``app.state.readers``)."""
    readers = getattr(request.app.state, "readers", None) or db(request).sessions
    with readers.begin() as session:
        yield session


@contextmanager
def writing(request: Request) -> Iterator[Session]:
    """A session in one transaction: committed at the end, rolled back on any error."""
    with db(request).session() as session:
        yield session


def permit(request: Request, session: Session, me: Principal, action: Action,
           region_id: int | None = None, what: str = "") -> None:
    """Go on if ``me`` may do ``action`` on ``region_id``'s data; otherwise the refusal is
    logged by ``authorise`` (in a writing session of its own) and raised as 403."""
    if auth_may(session, me, action, region_id):
        return
    with writing(request) as log_session:
        authorise(log_session, me, action, region_id, what=what)


async def uploaded(request: Request, max_fields: int = 10):
    """A page's upload form (its CSRF token checked) and its file: (form, file name, at most
    one byte more than the upload limit — enough to tell it is too large — or None when no
    file was chosen)."""
    from starlette.datastructures import UploadFile

    limit = request.app.state.settings.max_upload_bytes
    form = await request.form(max_files=1, max_fields=max_fields)
    check_csrf(request, form.get(CSRF_FIELD))
    upload = form.get("file")
    if not (isinstance(upload, UploadFile) and upload.filename):
        return form, "", None
    data = await upload.read(limit + 1)
    await upload.close()
    return form, upload.filename, data


def attachment(data: bytes, filename: str, media_type: str) -> Response:
    """A download with a Chinese file name (RFC 5987) and an ASCII fallback."""
    fallback = "".join(ch if ch.isascii() and ch not in '"\\' else "_" for ch in filename)
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; "
                               f"filename*=UTF-8''{quote(filename)}"})


# --------------------------------------------------------------------------- login, logout


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
@page
def login_submit(request: Request, username: str = Form(""), password: str = Form(""),
                 next: str = Form("/"), csrf: str = Form("")):
    from healthplan.store.users import start_session
    from healthplan.web.login import Attempt, LoginRefused, log_in
    from healthplan.web.security import client_address

    check_csrf(request, csrf)
    settings = request.app.state.settings
    attempt = Attempt(username.strip(), client_address(request.scope, settings), "网页登录")
    try:
        user_id = log_in(db(request), settings, attempt, password)
    except LoginRefused as exc:
        response = render(request, "login.html", exc.status, next=_safe_next(next),
                          username=username[:NAME_MAX], error=_page_text(exc.message))
        response.headers.update(exc.headers)
        return response
    with writing(request) as session:
        sid = start_session(session, session.get(User, user_id), settings.session_hours)
    request.session.clear()  # a new session for the new user (no fixation)
    request.session[SESSION_ID] = sid
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return RedirectResponse(_safe_next(next), status_code=303)


def _page_text(message: str) -> str:
    # The API's wording, as the login page has always put it.
    return message.replace("用户名或密码错误，或账号已停用", "用户名或密码不正确，或该账号已停用") + "。"


@router.post("/logout")
@page
def logout(request: Request, csrf: str = Form("")):
    from healthplan.store.users import end_session

    check_csrf(request, csrf)
    sid = request.session.get(SESSION_ID)
    if isinstance(sid, str) and sid:
        with writing(request) as session:
            end_session(session, sid)  # the cookie, even if kept, no longer works anywhere
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/fonts/cjk-sans.otf")
def cjk_font():
    """Noto Sans CJK SC from the installed mplfonts wheel, for browsers on machines without
    a Chinese font (the style sheet asks for it last; others never download it)."""
    from healthplan.reports.fonts import FontMissing, cjk_font_path

    try:
        return FileResponse(cjk_font_path("sans"), media_type="font/otf",
                            headers={"Cache-Control": "public, max-age=604800"})
    except FontMissing:
        return Response(status_code=404)


async def page_error(request: Request, status: int, detail: str, headers=None) -> Response:
    """``app.state.page_error_handler``: errors outside /api/ (an unknown address, a bad
    query parameter) as a page instead of problem details."""
    if status == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    title = {404: "页面不存在", 403: "无权限", 413: "上传文件过大"}.get(status, "请求无效")
    response = render(request, "message.html", status, title=title, message=detail,
                      kind="refused" if status == 403 else "error")
    return response
