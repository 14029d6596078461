"""The indicator catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from healthplan import catalog
from healthplan.permissions import Principal
from healthplan.web.api.common import reader
from healthplan.web.errors import Problem

router = APIRouter(tags=["指标目录"])


def indicator_json(i: catalog.Indicator) -> dict:
    return {"id": i.id, "name": i.name, "name_en": i.name_en, "unit": i.unit,
            "direction": i.direction, "category": i.category, "bounds": list(i.bounds),
            "definition": i.definition, "aliases": list(i.aliases),
            "components": list(i.components)}


@router.get("/indicators", summary="指标目录（可按领域、名称筛选）")
def list_indicators(
    principal: Annotated[Principal, Depends(reader)],
    category: Annotated[str | None, Query(max_length=50, description="领域，如 健康水平")] = None,
    q: Annotated[str | None, Query(max_length=50, description="名称或别名包含")] = None,
) -> dict:
    items = [i for i in catalog.all_indicators()
             if (category is None or i.category == category)
             and (not q or q in i.name or any(q in a for a in i.aliases) or q in i.id)]
    return {"total": len(items), "items": [indicator_json(i) for i in items]}


@router.get("/indicators/{indicator_id}", summary="一项指标",
            responses={404: {"description": "指标不存在"}})
def get_indicator(indicator_id: str, principal: Annotated[Principal, Depends(reader)]) -> dict:
    try:
        return indicator_json(catalog.get(indicator_id))
    except catalog.UnknownIndicatorError as exc:
        hint = f"（是否指：{'、'.join(exc.suggestions)}）" if exc.suggestions else ""
        raise Problem(404, f"指标目录中没有指标 {indicator_id[:100]}{hint}") from None
