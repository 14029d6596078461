"""Who is asking: a bearer token (API) or the login session (pages); and the one place
where a refusal is decided and logged."""

from __future__ import annotations

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from healthplan.permissions import Action, Principal, allowed
from healthplan.store.models import Region, User
from healthplan.store.users import audit, user_for_token

SESSION_USER = "user_id"  # request.session key of the logged-in user
SESSION_CSRF = "csrf"  # request.session key of the form token


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, name=user.name, role=user.role, region_id=user.region_id)


def current_principal(request: Request, session: Session) -> Principal | None:
    """The user behind ``Authorization: Bearer …``, else the page session; None if neither."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(session, header[7:].strip())
        return principal_of(user) if user is not None else None
    user_id = request.session.get(SESSION_USER) if "session" in request.scope else None
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or not user.password_hash:
        return None
    return principal_of(user)


def region_path(session: Session, region_id: int | None) -> tuple[int, ...]:
    """Region ids from the nation down to ``region_id`` (inclusive)."""
    path: list[int] = []
    while region_id is not None:
        path.append(region_id)
        region_id = session.get(Region, region_id).parent_id
    return tuple(reversed(path))


def authorise(session: Session, principal: Principal | None, action: Action,
              region_id: int | None = None, *, what: str = "") -> Principal:
    """``principal`` if allowed to do ``action`` on ``region_id``'s data; otherwise log
    the refusal in the audit log (in its own commit, so it stays even though the request
    changes nothing) and raise 401 (nobody logged in) or 403."""
    if principal is None:
        raise HTTPException(401, "未登录或令牌无效", headers={"WWW-Authenticate": "Bearer"})
    path = region_path(session, region_id) if region_id is not None else ()
    if allowed(principal, action, path):
        return principal
    session.rollback()
    region = session.get(Region, region_id) if region_id is not None else None
    audit(session, principal.user_id, "denied", "permission", region_id,
          f"拒绝 {principal.name}（{principal.role}）{action.value}"
          + (f"：{region.name}" if region else "") + (f"（{what}）" if what else ""),
          {"action": action.value, "region_id": region_id, "what": what})
    session.commit()
    raise HTTPException(403, f"无权限：{principal.name} 不能对"
                        + (f"{region.name}的" if region else "") + "数据执行此操作")
