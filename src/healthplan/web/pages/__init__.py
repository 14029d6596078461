"""The pages (Chinese, server-rendered with Jinja2; no script or style from the network).

``install(app)`` adds the page routes, the templates and ``/static``. Every page needs a
login (the cookie session keeps the id of a session stored in the database under
``SESSION_ID``); every form carries the
session's CSRF token (``SESSION_CSRF``), checked on POST; every read and write goes
through :func:`healthplan.web.auth.authorise`, whose refusals become a Chinese page.

Modules: ``common`` (templates, login, CSRF, refusals), ``views`` (plans, dashboard,
indicator, plan text, comparison, reports, audit log), ``entry`` (template upload and the
one-value form), ``tracking`` (a tracked commitment or project with its progress form, the
plan review 规划审查, the search results page), ``svg`` (sparklines).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def install(app: FastAPI) -> None:
    """Add the page routes, templates and static files to ``app``."""
    from healthplan.web.pages import (
        bulletin_upload,
        common,
        drafts,
        entry,
        matrix,
        plan_upload,
        tracked_list,
        tracking,
        views,
    )
    from healthplan.web.pages import rounds as rounds_pages

    app.state.page_error_handler = common.page_error
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(common.router)
    app.include_router(views.router)
    app.include_router(entry.router)
    app.include_router(tracking.router)
    app.include_router(plan_upload.router)
    app.include_router(rounds_pages.router)
    app.include_router(bulletin_upload.router)
    app.include_router(matrix.router)
    app.include_router(tracked_list.router)
    app.include_router(drafts.router)
