"""Users (administrators): the list with lockout state, unlocking an account; and
changing one's own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from healthplan.permissions import Action, Principal
from healthplan.store.models import User, now
from healthplan.store.users import (
    NAME_MAX,
    PASSWORD_MAX,
    UserError,
    aware,
    set_password,
    unlock_user,
    verify_password,
)
from healthplan.web.api.common import allow, no_nul, reader, reading, region_json, writer, writing
from healthplan.web.errors import Problem

router = APIRouter(tags=["用户"])
UserName = Annotated[str, Path(min_length=1, max_length=NAME_MAX, description="用户名")]


def user_state(user: User) -> dict:
    locked = user.locked_until is not None and aware(user.locked_until) > now()
    return {"name": user.name, "display_name": user.display_name or user.name,
            "role": user.role, "region": region_json(user.region), "active": user.active,
            "failed_logins": user.failed_logins,
            "locked_until": aware(user.locked_until).isoformat() if locked else None}


@router.get("/users", summary="可登录的用户及其状态（连续输错次数、锁定到何时；仅管理员）",
            responses={401: {"description": "未登录"}, 403: {"description": "仅管理员"}})
def list_users(request: Request, principal: Annotated[Principal, Depends(reader)]) -> dict:
    with reading(request) as session:
        allow(request, session, principal, Action.manage_users, what="查看用户列表")
        users = session.scalars(select(User).where(User.password_hash.is_not(None))
                                .order_by(User.name))
        return {"items": [user_state(u) for u in users]}


@router.post("/users/{name}/unlock", summary="解除因连续输错密码而锁定的账号（仅管理员；记入审计日志）",
             responses={401: {"description": "未登录"}, 403: {"description": "仅管理员"},
                        404: {"description": "用户不存在"}})
def unlock(request: Request, name: UserName,
           principal: Annotated[Principal, Depends(writer)]) -> dict:
    with writing(request) as session:
        allow(request, session, principal, Action.manage_users, what=f"解锁用户 {name}")
        user = session.scalar(select(User).where(User.name == name,
                                                 User.password_hash.is_not(None)))
        if user is None:
            raise Problem(404, f"用户 {name} 不存在")
        was_locked = unlock_user(session, user, by=principal.user_id, via="API")
        return {"detail": f"已解除用户 {name} 的登录锁定" if was_locked
                else f"用户 {name} 未被锁定；已清零其失败次数", "user": user_state(user)}


class PasswordChange(BaseModel):
    _no_nul = model_validator(mode="before")(no_nul)

    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX, description="现在的密码")
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX,
                              description="新密码：至少 10 个字符，不能是常见密码")


@router.put("/me/password", summary="修改自己的密码；本人的所有网页登录会话随即结束",
            responses={401: {"description": "未登录"}, 403: {"description": "现在的密码不对"},
                       422: {"description": "新密码不符合要求"}})
def change_password(request: Request, body: PasswordChange,
                    principal: Annotated[Principal, Depends(writer)]) -> dict:
    with writing(request) as session:
        user = session.get(User, principal.user_id)
        if not verify_password(user, body.current_password):
            raise Problem(403, "现在的密码不对，密码未修改")
        try:
            ended = set_password(session, user, body.new_password, by=principal.user_id)
        except UserError as exc:
            raise Problem(422, str(exc), errors=[{"field": "new_password",
                                                  "message": str(exc)}]) from None
        return {"detail": f"密码已修改；已结束登录会话 {ended} 个，请重新登录网页"}
