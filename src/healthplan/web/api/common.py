"""What every API route needs: sessions, who is asking, regions and plans by their names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Path, Query, Request
from sqlalchemy.orm import Session

from healthplan.permissions import Action, Principal
from healthplan.store.database import Database
from healthplan.store.models import Plan, Region
from healthplan.store.regions import RegionError, find_region, full_name
from healthplan.web.auth import api_principal, authorise, may, refuse_anonymous
from healthplan.web.errors import Problem

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
PlanId = Annotated[int, Path(ge=1, le=MAX_ID, description="规划 ID")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="跳过前若干条")]


def database(request: Request) -> Database:
    return request.app.state.db


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A read-only session (one snapshot) for a request that changes nothing."""
    with request.app.state.readers.begin() as session:
        yield session


@contextmanager
def writing(request: Request) -> Iterator[Session]:
    """A session in one transaction: committed at the end, rolled back on any error."""
    with database(request).session() as session:
        yield session


async def reader(request: Request) -> Principal:
    """Dependency: the logged-in user of a reading route (401 when there is none). Run on
    the event loop: a remembered token needs no query, and the query for a new one is
    short."""
    with reading(request) as session:
        principal = api_principal(request, session)
    if principal is None:
        raise Problem(401, "未登录或令牌无效：请先用 POST /api/v1/tokens 取得令牌，"
                           "并在请求头中加 Authorization: Bearer 令牌",
                      headers={"WWW-Authenticate": "Bearer"})
    return principal


def writer(request: Request) -> Principal:
    """Dependency: the logged-in user of a writing route; without one the attempt is
    counted (``web.auth.RefusalLog``: no write per request) and answered 401 before the
    body is looked at."""
    with reading(request) as session:
        principal = api_principal(request, session, write=True)
    if principal is None:
        raise refuse_anonymous(request, f"{request.method} {request.url.path}")
    return principal


def allow(request: Request, session: Session, principal: Principal, action: Action,
          region_id: int | None = None, what: str = "") -> None:
    """Go on if ``principal`` may do ``action`` on ``region_id``'s data; otherwise the
    refusal is logged (``authorise``, in a writing session of its own) and raised."""
    if may(session, principal, action, region_id):
        return
    with writing(request) as log_session:
        authorise(log_session, principal, action, region_id, what=what)


def region_by_text(session: Session, text: str, *, field: str = "region") -> Region:
    """A region from a code or a name; 404 for an unknown code or name, 422 for a name
    that fits several regions."""
    try:
        return find_region(session, text)
    except RegionError as exc:
        status = 422 if "多个地区" in str(exc) or "为空" in str(exc) else 404
        raise Problem(status, str(exc),
                      errors=[{"field": field, "message": str(exc)}]) from None


def plan_by_id(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise Problem(404, f"规划 {plan_id} 不存在（GET /api/v1/plans 列出已载入的规划）")
    return plan


def region_json(region: Region | None) -> dict | None:
    if region is None:
        return None
    return {"code": region.code, "name": region.name, "full_name": full_name(region),
            "level": region.level}


def no_nul(value):
    """A model validator: text with NUL characters is refused (PostgreSQL cannot store it)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and "\x00" in item:
                raise ValueError(f"{key} 含空字符（\\0）")
    return value
