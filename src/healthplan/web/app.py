"""The FastAPI application: ``create_app(db)`` for tests, ``healthplan serve`` for users."""

from __future__ import annotations

import html
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from healthplan.store.database import Database
from healthplan.web.auth import RefusalLog
from healthplan.web.errors import install_error_handlers, problem_response
from healthplan.web.openapi import install_openapi
from healthplan.web.security import SecurityHeaders
from healthplan.web.settings import Settings, settings_from_environment

DESCRIPTION = """\
卫生健康发展规划监测评估系统的 REST API：地区、规划、指标目录、监测值（查询、录入、更正、批量导入）、
评价结论、评价报告和审计日志。

认证：`POST /api/v1/tokens`（用户名和密码）取得令牌，之后每个请求带
`Authorization: Bearer 令牌`。错误以 RFC 9457 problem details（`application/problem+json`）返回。
"""


def create_app(db: Database, settings: Settings | None = None) -> FastAPI:
    from healthplan.web import api, pages

    settings = settings or settings_from_environment()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.refusals.flush(db.engine)  # the refusals counted since the last entry

    app = FastAPI(title="healthplan 卫生健康发展规划监测评估系统 API", version="1",
                  description=DESCRIPTION, lifespan=lifespan,
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    app.state.db = db
    app.state.settings = settings
    app.state.readers = reader_sessions(db)
    app.state.read_engine = app.state.readers.kw["bind"]
    app.state.refusals = RefusalLog(settings.refusal_log_seconds)
    app.add_middleware(UploadLimit, max_bytes=settings.max_upload_bytes)
    # The cookie holds only the id of a session kept in the database (web.auth); its
    # Secure flag is set by SecurityHeaders, per request, by the trusted-proxy rule.
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key,
                       session_cookie="healthplan_session", same_site="lax",
                       https_only=settings.https_only,
                       max_age=int(settings.session_hours * 3600))
    app.add_middleware(SecurityHeaders, settings=settings)
    install_error_handlers(app)
    install_api_docs(app)
    install_openapi(app)
    app.include_router(api.router, prefix=api.PREFIX)
    pages.install(app)
    return app


def install_api_docs(app: FastAPI) -> None:
    """Swagger UI 5 (it reads OpenAPI 3.1, which FastAPI writes) at /api/v1/docs.

    Its script and stylesheet come from the installed fastapi-offline package, which ships
    the Swagger UI 5 distribution files: FastAPI's default page loads them from a CDN, and
    the machines this runs on need not reach the internet. The page itself has no inline
    script (``static/api-docs.js`` starts Swagger UI), so a strict Content-Security-Policy
    can cover it like every other page."""
    from importlib.resources import files

    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    assets = files("fastapi_offline") / "static"
    app.mount("/api/v1/docs-static", StaticFiles(directory=str(assets)),
              name="api-docs-static")

    @app.get("/api/v1/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs():
        return HTMLResponse(API_DOCS_PAGE.format(title=html.escape(f"{app.title} — 接口文档"),
                                                 openapi_url=html.escape(app.openapi_url)))


API_DOCS_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/api/v1/docs-static/favicon.png">
<link rel="stylesheet" href="/api/v1/docs-static/swagger-ui.css">
</head>
<body>
<noscript>接口文档需要启用 JavaScript；也可直接读取 <a href="{openapi_url}">{openapi_url}</a>（OpenAPI 3.1）。</noscript>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/api/v1/docs-static/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


def reader_sessions(db: Database) -> sessionmaker[Session]:
    """Sessions for requests that only read. On SQLite the application's engine begins
    every transaction with BEGIN IMMEDIATE (writers wait for each other instead of failing
    on a lock upgrade), which would make readers queue behind one another too; readers get
    an engine of their own with deferred transactions, which in WAL mode read a snapshot
    without blocking or being blocked. On PostgreSQL the ordinary sessions serve."""
    if db.dialect != "sqlite":
        return db.sessions
    engine = create_engine(db.url, pool_size=8, max_overflow=16)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        conn.exec_driver_sql("BEGIN")

    return sessionmaker(engine, expire_on_commit=False)


class UploadLimit:
    """Refuse a query with a NUL character (422), and refuse a request body larger than ``max_bytes`` (plus room for the multipart
    envelope) with 413 before it is read: by its Content-Length, or, for a chunked body,
    as soon as it grows past the limit."""

    SLACK = 64 * 1024

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.limit = max_bytes + self.SLACK

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            # PostgreSQL cannot store or compare text with NUL characters.
            response = problem_response(422, "请求参数含空字符（\\0），无法处理",
                                        instance=scope.get("path"))
            return await response(scope, receive, send)
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._too_large(scope, receive, send)
        if length is not None:
            return await self.app(scope, receive, send)  # the server stops at Content-Length
        # A chunked body: read it (up to the limit) before the application sees it.
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.limit:
                return await self._too_large(scope, receive, send)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope, receive, send):
        limit_mb = (self.limit - self.SLACK) / 1024 / 1024
        response = problem_response(413, f"上传内容过大：超过 {limit_mb:g} MB 的上限，未做任何改动",
                                    instance=scope.get("path"))
        await response(scope, receive, send)
