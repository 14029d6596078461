"""The OpenAPI document: every answer a route gives, each error as a problem detail.

FastAPI lists a route's 200 and, where it validates input, a 422 it describes as
``application/json`` ``HTTPValidationError`` — while the API answers every error as
``application/problem+json`` (``web.errors``). Routes declare the answers of their own
(``responses={404: …}``); this module adds the ones every route of a kind gives, so no
route can forget them, and gives every 4xx/5xx the problem-details schema:

* 422 everywhere: parameters are validated, and a query with a NUL character is refused
  before routing (``app.UploadLimit``);
* 401 where a login is needed (the ``reader`` / ``writer`` dependencies), 403 where a
  writer's role or region can be refused;
* 404 where the path or a query parameter names something (an id, a region, an
  indicator);
* 400 and 413 where a request has a body (unreadable multipart, over the upload limit);
* 500 everywhere: the shape of an unexpected error's answer (logged, never explained).

Text the API refuses because PostgreSQL cannot store it (a NUL character) is said in the
schema too (``pattern``), so that a client — or schemathesis — knows what is valid.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from healthplan.web.errors import MEDIA_TYPE, PROBLEM_TYPE, TITLES

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details；detail 为给用户看的中文说明",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": f"问题类型（{PROBLEM_TYPE}…）"},
        "title": {"type": "string", "description": "问题类别（中文）"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "具体说明（中文）"},
        "instance": {"type": "string", "description": "请求的地址"},
        "errors": {
            "type": "array",
            "description": "逐项问题（输入有误时）",
            "items": {"type": "object", "additionalProperties": True},
        },
    },
    "additionalProperties": True,
}
# Query parameters that name a stored thing: an unknown one is answered 404.
NAMING_PARAMETERS = {"region", "parent", "plan", "plan_id", "indicator", "indicator_id"}
NO_NUL = "^[^\\u0000]*$"
BODY_METHODS = {"post", "put", "patch", "delete"}
COMMON_DESCRIPTIONS = {
    400: "请求体无法解析（如 multipart 格式有误）",
    401: "未登录或令牌无效",
    403: "无权限（角色或所属地区不允许）",
    404: "所指的对象不存在",
    413: "请求体超过上传上限",
    422: "输入有误（errors 逐项列出）",
    429: "未登录的请求过多（同一地址），稍后再试（Retry-After）",
    500: "服务器内部错误（详情记入服务器日志）",
}

FASTAPI_DESCRIPTIONS = {"Successful Response": "成功", "Validation Error": COMMON_DESCRIPTIONS[422]}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi


def build_openapi(app: FastAPI) -> dict:
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Problem"] = PROBLEM_SCHEMA
    routes = api_routes()
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            route = routes.get((path, method))
            if route is None:
                continue
            for status in sorted(common_answers(route, method)):
                operation["responses"].setdefault(
                    str(status), {"description": COMMON_DESCRIPTIONS[status]})
            for code, response in operation["responses"].items():
                if response.get("description") in FASTAPI_DESCRIPTIONS:  # FastAPI's English
                    response["description"] = FASTAPI_DESCRIPTIONS[response["description"]]
                if code[0] in "45":
                    response["content"] = {MEDIA_TYPE: {"schema": PROBLEM_REF}}
                    response.setdefault("description", TITLES.get(int(code), "错误"))
            operation["responses"] = dict(sorted(operation["responses"].items()))
            _no_nul_in_requests(operation, components)
    return schema


def api_routes() -> dict[tuple[str, str], APIRoute]:
    """The API's routes by (path as in the schema, method): each module's own routes
    (the application holds them inside included routers)."""
    from healthplan.web import api

    return {(api.PREFIX + route.path_format, method.lower()): route
            for module in api.MODULES for route in module.router.routes
            if isinstance(route, APIRoute) for method in route.methods}


def common_answers(route: APIRoute, method: str) -> set[int]:
    """The error statuses a route gives because of what it is, not what it does."""
    from healthplan.web.api.common import reader, writer

    calls = set(_dependency_calls(route.dependant))
    answers = {422, 500}
    if reader in calls or writer in calls:
        answers.add(401)
    if writer in calls:
        answers.update((403, 429))
    if route.dependant.path_params or any(param.name in NAMING_PARAMETERS
                                          for param in route.dependant.query_params):
        answers.add(404)
    if method in BODY_METHODS:
        answers.add(413)
        if route.dependant.body_params and _is_form(route):
            answers.add(400)
    return answers


def _dependency_calls(dependant) -> list:
    calls = []
    for sub in dependant.dependencies:
        calls.append(sub.call)
        calls.extend(_dependency_calls(sub))
    return calls


def _is_form(route: APIRoute) -> bool:
    from fastapi import params

    return any(isinstance(getattr(field, "field_info", None), params.Form)
               for field in route.dependant.body_params)


def _no_nul_in_requests(operation: dict, components: dict) -> None:
    """Text parameters and request-body fields may not hold a NUL character."""
    for parameter in operation.get("parameters", []):
        _no_nul(parameter.get("schema", {}), components, set())
    for media in operation.get("requestBody", {}).get("content", {}).values():
        _no_nul(media.get("schema", {}), components, set())


def _no_nul(schema: Any, components: dict, seen: set[str]) -> None:
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in components:
            seen.add(name)
            _no_nul(components[name], components, seen)
        return
    if (schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema
            and "format" not in schema and "const" not in schema):
        schema["pattern"] = NO_NUL
    for key in ("properties", "$defs"):
        for sub in (schema.get(key) or {}).values():
            _no_nul(sub, components, seen)
    for key in ("items", "additionalProperties", "not"):
        _no_nul(schema.get(key), components, seen)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key) or []:
            _no_nul(sub, components, seen)
