"""What pydantic's validation errors mean, in Chinese: for the API's problem details and
for the command line's usage errors alike (both validate input through pydantic)."""

from __future__ import annotations

# Pydantic error types → what to tell the user.
PYDANTIC_CN = {
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "string_too_short": "文本过短",
    "string_too_long": "文本过长",
    "string_pattern_mismatch": "格式不符",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "extra_forbidden": "不允许的字段",
    "value_error": "取值无效",
}


def pydantic_message(error: dict) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in Chinese, with the
    bound or the choices it names."""
    kind = error.get("type", "")
    message = PYDANTIC_CN.get(kind, "取值无效")
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than"):
        message += f"（应{'≥' if kind.endswith('equal') else '>'}{ctx.get('ge', ctx.get('gt'))}）"
    elif kind in ("less_than_equal", "less_than"):
        message += f"（应{'≤' if kind.endswith('equal') else '<'}{ctx.get('le', ctx.get('lt'))}）"
    elif kind in ("enum", "literal_error") and "expected" in ctx:
        message += f"（可选：{ctx['expected']}）"
    return message
