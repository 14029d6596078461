"""Full-text search across the plans the user may read (healthplan.search)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from healthplan.permissions import Principal
from healthplan.web.api.common import database, reader, reading
from healthplan.web.errors import Problem
from healthplan.web.review import prepare_index, readable_search

router = APIRouter(tags=["检索"])


@router.get("/search",
            summary="在可查看的规划原文中全文检索（中文分词）：规划、章节路径、行号、命中片段（与 healthplan search --format json 字段相同）",
            responses={422: {"description": "检索词为空、只有标点、过长，或筛选条件无效"}})
def search_plans(
    request: Request, principal: Annotated[Principal, Depends(reader)],
    q: Annotated[str, Query(max_length=2000, description="检索词，多个词用空格分开（须同时出现）")],
    region: Annotated[str | None, Query(max_length=50, description="地区代码或名称：该地区及其下级地区的规划")] = None,
    level: Annotated[str | None, Query(max_length=20, description="nation、province、city、county（或 全国、省、市、县）")] = None,
    section: Annotated[str | None, Query(max_length=20, description="heading、body、table、project（或 标题、正文、表格、专栏）")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="最多返回的结果数")] = 20,
) -> dict:
    from healthplan.search import SearchError

    prepare_index(database(request), request.app.state.readers)
    with reading(request) as session:
        try:
            hits = readable_search(session, principal, q, region=region, level=level,
                                   section=section, limit=limit)
        except SearchError as exc:
            raise Problem(422, str(exc), errors=[{"field": "q", "message": str(exc)}]) from None
        return {"query": q, "count": len(hits), "partial": bool(hits) and hits[0].partial,
                "items": [{**hit.to_json(), "snippet_html": hit.snippet_html(),
                           "url": f"/plans/{hit.plan_id}/text#L{hit.line}"} for hit in hits]}
