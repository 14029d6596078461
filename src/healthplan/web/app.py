"""The FastAPI application: ``create_app(db)`` for tests, ``healthplan serve`` for users."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from healthplan.store.database import Database
from healthplan.web.settings import Settings, settings_from_environment


def create_app(db: Database, settings: Settings | None = None) -> FastAPI:
    from healthplan.web import api, pages

    settings = settings or settings_from_environment()
    app = FastAPI(title="healthplan 卫生健康发展规划监测评估系统 API", version="1",
                  openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None)
    app.state.db = db
    app.state.settings = settings
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key,
                       session_cookie="healthplan_session", same_site="lax",
                       https_only=settings.https_only, max_age=12 * 3600)
    app.include_router(api.router, prefix="/api/v1")
    pages.install(app)
    return app
