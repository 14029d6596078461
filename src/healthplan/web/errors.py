"""Errors as JSON problem details (RFC 9457) for the API.

Every error the API gives — its own (``Problem``), FastAPI's and Starlette's
(``HTTPException``, request validation), and an unexpected exception — is answered as
``application/problem+json`` with ``type``, ``title``, ``status`` and ``detail`` (Chinese,
for the user), plus ``errors`` (a list) where there is more than one thing to say.

Pages (paths outside ``/api/``) may want HTML instead: ``pages.install`` can set
``app.state.page_error_handler`` to ``async (request, status, detail, headers) →
Response``; without it, pages get the same problem details.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthplan.input_errors import pydantic_message

log = logging.getLogger("healthplan.web")

PROBLEM_TYPE = "https://healthplan.invalid/problems/"  # + slug; documentation anchor
MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "请求有误",
    401: "未登录",
    403: "无权限",
    404: "不存在",
    405: "不支持的请求方法",
    406: "不支持的响应格式",
    409: "冲突",
    413: "上传文件过大",
    415: "不支持的内容类型",
    422: "输入有误",
    429: "请求过多",
    500: "内部错误",
    503: "服务暂不可用",
}
SLUGS = {
    400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 406: "not-acceptable", 409: "conflict", 413: "too-large",
    415: "unsupported-media-type", 422: "invalid-input", 429: "too-many-requests",
    500: "internal-error", 503: "unavailable",
}


class Problem(Exception):
    """An error the API answers with: ``raise Problem(404, "规划 9 不存在")``."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.headers = headers
        self.extra = extra


def problem_body(status: int, detail: str, *, slug: str | None = None,
                 instance: str | None = None, **extra: Any) -> dict:
    body = {
        "type": PROBLEM_TYPE + (slug or SLUGS.get(status, str(status))),
        "title": TITLES.get(status, "错误"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(status: int, detail: str, *, headers: dict | None = None,
                     instance: str | None = None, slug: str | None = None,
                     **extra: Any) -> JSONResponse:
    return JSONResponse(problem_body(status, detail, slug=slug, instance=instance, **extra),
                        status_code=status, headers=headers, media_type=MEDIA_TYPE)


_LOCATION_CN = {"body": "请求体", "query": "查询参数", "path": "路径参数", "header": "请求头",
                "cookie": "Cookie", "form": "表单"}


def validation_errors(exc: RequestValidationError) -> list[dict]:
    out = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        where = _LOCATION_CN.get(loc[0], loc[0]) if loc else ""
        field = ".".join(loc[1:])
        message = pydantic_message(error)
        if error.get("type") == "json_invalid":
            # loc is ("body", offset): where the parser gave up, not a field.
            at = f"（第 {loc[1]} 个字符附近）" if len(loc) > 1 and loc[1].isdigit() else ""
            out.append({"location": "body", "field": "",
                        "message": f"请求体不是有效的 JSON{at}，请检查括号、引号和逗号",
                        "type": "json_invalid"})
            continue
        out.append({"location": ".".join(loc), "field": field,
                    "message": f"{where}{' ' + field if field else ''}：{message}",
                    "type": error.get("type", "")})
    return out


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _page_or_problem(request: Request, status: int, detail: str,
                           headers: dict | None = None, **extra: Any):
    handler = getattr(request.app.state, "page_error_handler", None)
    if handler is not None and not _is_api(request):
        return await handler(request, status, detail, headers)
    return problem_response(status, detail, headers=headers, instance=request.url.path, **extra)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem):
        if not _is_api(request) and getattr(request.app.state, "page_error_handler", None):
            return await request.app.state.page_error_handler(request, exc.status, exc.detail,
                                                              exc.headers)
        return problem_response(exc.status, exc.detail, headers=exc.headers, slug=exc.slug,
                                instance=request.url.path, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
        if detail is None or detail.isascii():  # Starlette's own English phrases
            detail = {
                404: f"地址 {request.url.path} 不存在",
                405: f"地址 {request.url.path} 不支持 {request.method} 请求",
            }.get(exc.status_code, detail or TITLES.get(exc.status_code, "错误"))
        return await _page_or_problem(request, exc.status_code, detail,
                                      getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError):
        errors = validation_errors(exc)
        detail = "；".join(e["message"] for e in errors[:5]) or "请求参数有误"
        if len(errors) > 5:
            detail += f"；另有 {len(errors) - 5} 处问题"
        return await _page_or_problem(request, 422, detail, errors=errors)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception):  # a bug: logged, never shown
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "服务器内部错误，请联系系统管理员（详情已记入服务器日志）",
                                instance=request.url.path)
