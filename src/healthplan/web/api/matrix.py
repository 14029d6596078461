"""The regional matrix of a plan (subordinate regions × indicators) and the watch list of
warnings, computed once per change of the data (``web.cache``) and reused."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from healthplan.permissions import Action, Principal
from healthplan.web.api.common import PlanId, allow, plan_by_id, reader, reading
from healthplan.web.api.plans import Year
from healthplan.web.auth import readable_region_ids
from healthplan.web.cache import Cache
from healthplan.web.errors import Problem

router = APIRouter(tags=["驾驶舱"])
matrices = Cache(max_entries=256)
watch_lists = Cache(max_entries=64)


class Level(StrEnum):
    red = "red"
    yellow = "yellow"
    green = "green"


def cached_matrix(session, plan_id: int, year: int | None):
    """The plan's :class:`~healthplan.matrix.Matrix` (from the cache while the data are
    unchanged; PlanNotFound / YearOutOfRange as :func:`healthplan.store.matrix.plan_matrix`)."""
    from healthplan.store.matrix import plan_matrix

    return matrices.get(session, ("matrix", plan_id, year),
                        lambda: plan_matrix(session, plan_id, year))


def readable_matrix(session, principal: Principal, matrix):
    """The matrix with only the rows ``principal`` may read (a county clerk sees the
    county's row of the city's matrix, not the neighbours')."""
    from healthplan.matrix import Matrix
    from healthplan.store.models import Plan

    ids = readable_region_ids(session, principal)
    if ids is None:
        return matrix
    regions = {p.id: p.region_id for p in session.query(Plan).filter(
        Plan.id.in_([r.plan_id for r in matrix.rows]))}
    return Matrix(matrix.year, matrix.columns,
                  [r for r in matrix.rows if regions.get(r.plan_id) in ids])


@router.get("/plans/{plan_id}/matrix",
            summary="区域对比矩阵：下级地区 × 指标（结论、最新值、预警等级），约束性指标在前",
            description="indicators 为按指标目录对齐的指标（约束性在前）；regions 为下级地区的"
                        "现行规划，cells 以指标 ID 为键：某地区规划没有的指标不出现在 cells 中"
                        "（缺项），规划有该指标但尚无监测值的为 verdict=no_data。warning 为"
                        "预警等级 red/yellow/green（null：无数据或需人工研判），未追上的年份持续"
                        "标记（见 README“预警规则”）。",
            responses={404: {"description": "规划不存在"}, 403: {"description": "无权查看"},
                       422: {"description": "年份不在可评价的年份内（基期年至规划期末次年）"}})
def get_matrix(request: Request, plan_id: PlanId,
               principal: Annotated[Principal, Depends(reader)], year: Year = None) -> dict:
    from healthplan.store.evaluation import YearOutOfRange

    with reading(request) as session:
        plan = plan_by_id(session, plan_id)
        allow(request, session, principal, Action.read, plan.region_id,
              what=f"查看规划 {plan_id} 的区域对比")
        try:
            matrix = cached_matrix(session, plan_id, year)
        except YearOutOfRange as exc:
            raise Problem(422, str(exc), errors=[{"field": "year", "message": str(exc)}]
                          ) from None
        return readable_matrix(session, principal, matrix).to_json()


def cached_watch_list(session, principal: Principal, level: str, binding_only: bool,
                      year: int | None):
    from healthplan.store.matrix import watch_list

    ids = readable_region_ids(session, principal)
    key = ("watch", None if ids is None else tuple(sorted(ids)), level, binding_only, year)
    return watch_lists.get(session, key, lambda: watch_list(
        session, ids, level=level, binding_only=binding_only, year=year))


@router.get("/warnings", summary="预警清单：可查看的规划中处于某预警等级的指标（默认红色、约束性），最新在前",
            description="每项给出规划、地区、指标、年份、预警起始年份（since）、结论及其说明"
                        "（explanation）和最新值；year 缺省时每个规划取其默认评价年份，给定时只含"
                        "规划期（基期年至期末次年）包含该年的规划。")
def get_warnings(request: Request, principal: Annotated[Principal, Depends(reader)],
                 level: Level = Level.red,
                 binding: Annotated[bool, Query(description="只列约束性指标")] = True,
                 year: Year = None) -> dict:
    with reading(request) as session:
        items = cached_watch_list(session, principal, level.value, binding, year)
        return {"level": level.value, "binding": binding, "year": year, "total": len(items),
                "items": [i.to_json() for i in items]}
