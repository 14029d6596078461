"""Tokens for the API: ``POST /tokens`` with name and password; who am I; revoking."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from healthplan.permissions import Principal
from healthplan.store.models import ApiToken, Region, User, now
from healthplan.store.users import NAME_MAX, PASSWORD_MAX, audit, issue_token
from healthplan.web.api.common import database, no_nul, reader, region_json, writing
from healthplan.web.auth import bearer_token, forget_token
from healthplan.web.errors import Problem
from healthplan.web.login import Attempt, LoginRefused, log_in
from healthplan.web.security import client_address

router = APIRouter(tags=["认证"])


class TokenRequest(BaseModel):
    _no_nul = model_validator(mode="before")(no_nul)

    # The caps of the user-input policy (store.users): a longer name or password cannot
    # belong to anyone.
    name: str = Field(min_length=1, max_length=NAME_MAX, description="用户名")
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, description="密码")
    token_name: str = Field("", max_length=100, description="令牌用途（如“统计报表脚本”），便于日后识别")


class UserOut(BaseModel):
    id: int
    name: str
    display_name: str
    role: str
    region: dict | None = None


class TokenOut(BaseModel):
    token: str = Field(description="令牌，只显示这一次；请求时放在 Authorization: Bearer 之后")
    token_type: str = "bearer"
    user: UserOut


def user_json(user: User, region: Region | None) -> UserOut:
    return UserOut(id=user.id, name=user.name, display_name=user.display_name or user.name,
                   role=user.role, region=region_json(region))


@router.post("/tokens", status_code=201, response_model=TokenOut,
             summary="用用户名和密码取得 API 令牌",
             responses={401: {"description": "用户名或密码错误"},
                        429: {"description": "登录失败次数过多或账号已锁定（Retry-After 给出等待秒数）"}})
def create_token(body: TokenRequest, request: Request) -> TokenOut:
    settings = request.app.state.settings
    attempt = Attempt(body.name, client_address(request.scope, settings), "令牌申请")
    try:
        user_id = log_in(database(request), settings, attempt, body.password)
    except LoginRefused as exc:
        headers = exc.headers | ({"WWW-Authenticate": "Bearer"} if exc.status == 401 else {})
        raise Problem(exc.status, exc.message, headers=headers) from None
    with writing(request) as session:
        user = session.get(User, user_id)
        token = issue_token(session, user, body.token_name)
        audit(session, user.id, "issue_token", "user", user.id,
              f"为 {user.name} 签发 API 令牌" + (f"（{body.token_name}）" if body.token_name else ""),
              {"token_name": body.token_name})
        return TokenOut(token=token, user=user_json(user, user.region))


@router.get("/me", response_model=UserOut, summary="当前用户",
            responses={401: {"description": "未登录"}})
def me(request: Request, principal: Annotated[Principal, Depends(reader)]) -> UserOut:
    from healthplan.web.api.common import reading

    with reading(request) as session:
        user = session.get(User, principal.user_id)
        return user_json(user, user.region)


@router.delete("/tokens/current", status_code=204, summary="吊销本次请求所用的令牌",
               responses={401: {"description": "未登录"}})
def revoke_current(request: Request, principal: Annotated[Principal, Depends(reader)]) -> None:
    import hashlib

    token = bearer_token(request)
    if not token:
        raise Problem(422, "本次请求没有使用令牌（Authorization: Bearer …），无可吊销")
    with writing(request) as session:
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == digest))
        row.revoked_at = now()
        forget_token(token)
        audit(session, principal.user_id, "revoke_token", "user", principal.user_id,
              f"{principal.name} 吊销 API 令牌" + (f"（{row.name}）" if row.name else ""))
