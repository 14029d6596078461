"""Regions (GB/T 2260): a list, the tree of regions with plans, one region."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select

from healthplan.permissions import Principal
from healthplan.store.models import Plan, Region
from healthplan.store.plans import superseded_ids
from healthplan.store.regions import ancestors, children
from healthplan.web.api.common import (
    Offset,
    reader,
    reading,
    region_by_text,
    region_json,
)
from healthplan.web.auth import readable, readable_region_ids
from healthplan.web.errors import Problem

router = APIRouter(tags=["地区"])

Level = Literal["nation", "province", "city", "county"]


@router.get("/regions", summary="地区列表（可按上级地区、层级、名称筛选）")
def list_regions(
    request: Request, principal: Annotated[Principal, Depends(reader)],
    parent: Annotated[str | None, Query(max_length=50, description="上级地区的代码或名称：只列其直接下级")] = None,
    level: Annotated[Level | None, Query(description="层级")] = None,
    q: Annotated[str | None, Query(max_length=50, description="名称包含")] = None,
    with_plans: Annotated[bool, Query(description="只列有规划的地区")] = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Offset = 0,
) -> dict:
    with reading(request) as session:
        query = select(Region)
        if parent is not None:
            query = query.where(Region.parent_id == region_by_text(session, parent, field="parent").id)
        if level is not None:
            query = query.where(Region.level == level)
        if q:
            query = query.where(Region.name.contains(q))
        if with_plans:
            plans = select(Plan.region_id)
            visible = readable_region_ids(session, principal)
            if visible is not None:
                plans = plans.where(Plan.region_id.in_(visible))
            query = query.where(Region.id.in_(plans))
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        regions = session.scalars(query.order_by(Region.code).limit(limit).offset(offset))
        return {"total": total, "items": [region_json(r) | {"parent_code": r.parent.code if r.parent else None}
                                          for r in regions]}


@router.get("/regions/tree", summary="有当前用户可查看的规划的地区及其上级，按层级组成的树")
def region_tree(request: Request, principal: Annotated[Principal, Depends(reader)]) -> dict:
    with reading(request) as session:
        superseded = superseded_ids(session)
        plans = readable(session, principal,
                         list(session.scalars(select(Plan).order_by(Plan.period_start, Plan.id))))
        nodes: dict[int, dict] = {}
        roots: list[dict] = []

        def node(region: Region) -> dict:
            if region.id not in nodes:
                nodes[region.id] = region_json(region) | {"plans": [], "children": []}
                parent = region.parent
                if parent is None:
                    roots.append(nodes[region.id])
                else:
                    node(parent)["children"].append(nodes[region.id])
            return nodes[region.id]

        for plan in plans:
            node(plan.region)["plans"].append({
                "id": plan.id, "title": plan.title, "period": [plan.period_start, plan.period_end],
                "status": plan.status, "current": plan.id not in superseded})
        for item in nodes.values():
            item["children"].sort(key=lambda n: n["code"])
        return {"roots": roots}


@router.get("/regions/{region}", summary="一个地区：上级、下级和当前用户可查看的规划",
            responses={404: {"description": "地区不存在"}})
def get_region(request: Request, region: str,
               principal: Annotated[Principal, Depends(reader)]) -> dict:
    if len(region) > 50:
        raise Problem(404, "地区不存在：代码或名称过长")
    with reading(request) as session:
        found = region_by_text(session, region)
        plans = readable(session, principal, list(
            session.scalars(select(Plan).where(Plan.region_id == found.id).order_by(Plan.id))))
        return region_json(found) | {
            "ancestors": [region_json(r) for r in reversed(ancestors(found))],
            "children": [region_json(r) for r in children(session, found)],
            "plans": [{"id": p.id, "title": p.title, "period": [p.period_start, p.period_end],
                       "status": p.status} for p in plans],
        }
