"""The audit log (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select

from healthplan.permissions import Action, Principal
from healthplan.store.models import AuditEntry, User
from healthplan.web.api.common import Offset, allow, reader, reading

router = APIRouter(tags=["审计日志"])


@router.get("/audit", summary="审计日志：谁在何时做了什么（含被拒绝的操作；仅管理员）",
            responses={401: {"description": "未登录"}, 403: {"description": "仅管理员可查看"}})
def list_audit(
    request: Request, principal: Annotated[Principal, Depends(reader)],
    action: Annotated[str | None, Query(max_length=50, description="操作，如 record、correct、import、denied")] = None,
    user: Annotated[str | None, Query(max_length=100, description="用户名")] = None,
    object_type: Annotated[str | None, Query(max_length=50, description="对象类型，如 observation、import、plan、permission")] = None,
    since: Annotated[datetime | None, Query(description="此时间之后（ISO 8601）")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> dict:
    with reading(request) as session:
        allow(request, session, principal, Action.read_audit, what="查看审计日志")
        query = select(AuditEntry, User.name).outerjoin(User, AuditEntry.user_id == User.id)
        if action:
            query = query.where(AuditEntry.action == action)
        if user:
            query = query.where(User.name == user)
        if object_type:
            query = query.where(AuditEntry.object_type == object_type)
        if since is not None:
            query = query.where(AuditEntry.at > since)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.execute(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
        return {"total": total, "items": [{
            "id": e.id, "at": e.at.isoformat() if e.at else None, "user": name,
            "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
            "summary": e.summary, "detail": e.detail,
        } for e, name in rows]}
