"""Observations: the current values (with filters), one value entered or corrected, the
history of a value, and the upload of a CSV / Excel file (the import).

Every write checks the value exactly as an import does (``imports.validation``), goes
through ``web.auth.authorise`` for the region of every value, is one transaction, and is
in the audit log with who, before, after and source.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from healthplan import catalog
from healthplan.documents.model import DocumentError
from healthplan.imports import ImportConflict, ImportRejected, import_observations
from healthplan.imports.reading import read_observation_file
from healthplan.imports.rows import ObservationFile, Problem, RawRow, number_text
from healthplan.imports.validation import resolve_indicator, validate
from healthplan.permissions import Action, Principal
from healthplan.store.models import ImportBatch, Observation, Plan, Region, Target, User
from healthplan.store.observations import current_observations, history, record
from healthplan.store.regions import RegionError, find_region
from healthplan.store.rounds import ValueLocked
from healthplan.store.users import audit
from healthplan.web.api.common import (
    MAX_ID,
    Offset,
    allow,
    no_nul,
    reader,
    reading,
    region_by_text,
    region_json,
    writer,
    writing,
)
from healthplan.web.auth import authorise, subtree
from healthplan.web.errors import Problem as ApiProblem

router = APIRouter(tags=["监测值"])

FIRST_YEAR, LAST_YEAR = 1949, 2100


# --------------------------------------------------------------------------- models


class ObservationIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "region": "江阴市", "indicator": "life_expectancy", "year": 2023, "value": 83.1,
        "source": "2023年江阴市卫生健康统计年报"}]})

    _no_nul = model_validator(mode="before")(no_nul)

    region: str = Field(min_length=1, max_length=50, description="地区：六位行政区划代码或名称（江阴市、苏州市吴中区）")
    indicator: str = Field(min_length=1, max_length=100, description="指标：指标目录中的代码或名称")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="年份")
    value: float = Field(allow_inf_nan=False, description="数值（指标目录的单位）")
    source: str = Field(min_length=1, max_length=1000, description="数据来源（必填）")
    note: str = Field("", max_length=2000, description="备注")
    unit: str | None = Field(None, max_length=50, description="单位（可省略；给出时须与指标目录一致）")
    accept_warnings: bool = Field(False, description="确认警告（如跳变）后仍然写入")


class CorrectionIn(ObservationIn):
    reason: str = Field(min_length=1, max_length=2000, description="更正原因（必填）")


def observation_json(obs: Observation, region: Region, users: dict[int, str]) -> dict:
    indicator = catalog.load_catalog().by_id.get(obs.indicator_id)
    return {
        "id": obs.id, "region": region_json(region), "indicator_id": obs.indicator_id,
        "indicator_name": indicator.name if indicator else obs.indicator_id,
        "year": obs.year, "value": obs.value, "unit": obs.unit, "version": obs.version,
        "source": obs.source, "note": obs.note, "reason": obs.reason,
        "recorded_by": users.get(obs.recorded_by) if obs.recorded_by else None,
        "recorded_at": obs.recorded_at.isoformat() if obs.recorded_at else None,
        "import_id": obs.import_id,
    }


def _user_names(session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def problem_json(p: Problem, file_name: str | None = None) -> dict:
    out = {"row": p.row, "column": p.column, "field": p.field, "message": p.message,
           "severity": p.severity}
    if file_name is not None:
        out["line"] = p.line(file_name)
    return out


# --------------------------------------------------------------------------- reading


@router.get("/observations", summary="当前监测值（每个地区×指标×年份的最新版本），可筛选")
def list_observations(
    request: Request, principal: Annotated[Principal, Depends(reader)],
    region: Annotated[str | None, Query(max_length=50, description="地区代码或名称")] = None,
    within: Annotated[bool, Query(description="与 region 同用：包括下级地区")] = False,
    indicator: Annotated[str | None, Query(max_length=100, description="指标代码或名称")] = None,
    plan: Annotated[int | None, Query(ge=1, le=MAX_ID, description="规划 ID：该规划地区的、其指标的监测值")] = None,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
    year_from: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
    year_to: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Offset = 0,
) -> dict:
    with reading(request) as session:
        conditions = []
        region_ids: list[int] | None = None
        if plan is not None:
            found_plan = session.get(Plan, plan)
            if found_plan is None:
                raise ApiProblem(404, f"规划 {plan} 不存在")
            allow(request, session, principal, Action.read, found_plan.region_id,
                  what=f"查看规划 {plan} 的监测值")
            region_ids = [found_plan.region_id]
            ids = session.scalars(select(Target.indicator_id).where(
                Target.plan_id == plan, Target.indicator_id.is_not(None))).all()
            conditions.append(Observation.indicator_id.in_(set(ids)))
        if region is not None:
            found = region_by_text(session, region)
            allow(request, session, principal, Action.read, found.id,
                  what=f"查看{found.name}的监测值")
            wanted = subtree(session, found.id) if within else [found.id]
            region_ids = wanted if region_ids is None else [r for r in region_ids if r in wanted]
        if principal.region_id is not None and principal.role != "admin":
            mine = set(subtree(session, principal.region_id))
            region_ids = [r for r in (region_ids if region_ids is not None else mine) if r in mine]
        if region_ids is not None:
            conditions.append(Observation.region_id.in_(region_ids))
        if indicator is not None:
            found_indicator, message = resolve_indicator(indicator)
            if found_indicator is None:
                raise ApiProblem(404, message)
            conditions.append(Observation.indicator_id == found_indicator.id)
        if year is not None:
            conditions.append(Observation.year == year)
        if year_from is not None:
            conditions.append(Observation.year >= year_from)
        if year_to is not None:
            conditions.append(Observation.year <= year_to)
        newest = (select(Observation.region_id, Observation.indicator_id, Observation.year,
                         func.max(Observation.version).label("version"))
                  .where(*conditions)
                  .group_by(Observation.region_id, Observation.indicator_id, Observation.year)
                  .subquery())
        total = session.scalar(select(func.count()).select_from(newest))
        rows = session.execute(
            select(Observation, Region).join(newest, and_(
                Observation.region_id == newest.c.region_id,
                Observation.indicator_id == newest.c.indicator_id,
                Observation.year == newest.c.year,
                Observation.version == newest.c.version))
            .join(Region, Observation.region_id == Region.id)
            .order_by(Region.code, Observation.indicator_id, Observation.year)
            .limit(limit).offset(offset)).all()
        users = _user_names(session, [obs.recorded_by for obs, _ in rows])
        return {"total": total, "items": [observation_json(obs, reg, users) for obs, reg in rows]}


@router.get("/observations/history", summary="一个监测值的全部版本：谁、何时、为何、来源",
            responses={404: {"description": "地区或指标不存在"}})
def observation_history(
    request: Request, principal: Annotated[Principal, Depends(reader)],
    region: Annotated[str, Query(min_length=1, max_length=50, description="地区代码或名称")],
    indicator: Annotated[str, Query(min_length=1, max_length=100, description="指标代码或名称")],
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
) -> dict:
    with reading(request) as session:
        found = region_by_text(session, region)
        allow(request, session, principal, Action.read, found.id,
              what=f"查看{found.name}的监测值历史")
        found_indicator, message = resolve_indicator(indicator)
        if found_indicator is None:
            raise ApiProblem(404, message)
        versions = history(session, found.id, found_indicator.id, year)
        users = _user_names(session, [v.recorded_by for v in versions])
        return {"region": region_json(found), "indicator_id": found_indicator.id,
                "indicator_name": found_indicator.name, "unit": found_indicator.unit,
                "versions": [observation_json(v, found, users) for v in versions]}


# --------------------------------------------------------------------------- one value


FIELDS = ("region", "indicator", "year", "value", "source", "note", "unit")


def enter_value(request: Request, principal: Principal, data: ObservationIn, *,
                correction: bool) -> dict:
    """Record one value (``correction``: a new version of an existing one) for
    ``principal``: checked like an import row, authorised for its region, audited.
    Raises ``web.errors.Problem`` (401/403/404/409/422); nothing is written then."""
    what = "更正" if correction else "录入"
    with writing(request) as session:
        try:
            region = find_region(session, data.region)
        except RegionError as exc:
            raise ApiProblem(422, str(exc), errors=[{"field": "region", "message": str(exc),
                                                     "severity": "error"}]) from None
        authorise(session, principal, Action.write_data, region.id,
                  what=f"{what} {region.name} {data.indicator[:50]} {data.year} 年")
        cells = {"region": region.code, "indicator": data.indicator, "year": str(data.year),
                 "value": number_text(data.value), "source": data.source.strip(),
                 "note": data.note.strip(), "unit": (data.unit or "").strip()}
        file = ObservationFile("API", "entry", "", [RawRow(1, cells, {f: f for f in FIELDS})])
        checked = validate(session, file)
        errors = [p for p in checked.problems if p.is_error]
        if errors:
            raise ApiProblem(422, "；".join(p.message for p in errors) + "；未写入",
                             errors=[problem_json(p) for p in checked.problems])
        item = checked.items[0]
        old = current_observations(session, [item.key]).get(item.key)
        if not correction and old is not None:
            if old.value == item.value:
                return {"status": "unchanged", "detail": "数值与现有数值相同，未写入",
                        "observation": _stored(session, item.key, region)}
            raise ApiProblem(409, f"{region.name} {catalog.get(item.indicator_id).name} {item.year} 年"
                                  f"已有数值 {number_text(old.value)}（第{old.version}版，来源：{old.source}）；"
                                  "如需更正，请用 POST /api/v1/observations/corrections 并写明更正原因",
                             current={"value": old.value, "version": old.version,
                                      "source": old.source})
        if correction and old is None:
            raise ApiProblem(404, f"{region.name} {catalog.get(item.indicator_id).name} {item.year} 年"
                                  "尚无数值，无可更正；请用 POST /api/v1/observations 录入")
        if correction and old.value == item.value:
            raise ApiProblem(409, f"数值 {number_text(old.value)} 与现有数值（第{old.version}版）相同，无需更正")
        # The correction warning is what a correction is; any other warning needs consent.
        warnings = [p for p in checked.problems if not p.is_error
                    and not (correction and "导入后将更正为" in p.message)]
        if warnings and not data.accept_warnings:
            raise ApiProblem(422, "；".join(p.message for p in warnings)
                             + "；未写入。核对无误后请加 accept_warnings: true 重新提交",
                             errors=[problem_json(p) for p in warnings], needs_acceptance=True)
        if correction:
            item = dataclasses.replace(item, reason=data.reason.strip())
        batch = ImportBatch(file_name="API 更正" if correction else "API 录入", file_sha256=None,
                            format="entry", rows=1, accepted_warnings=len(warnings),
                            user_id=principal.user_id)
        session.add(batch)
        session.flush()
        try:
            record(session, [item], user_id=principal.user_id, batch=batch)
            session.flush()
        except IntegrityError:
            raise ApiProblem(409, "同一数值刚被他人写入，本次未写入；请刷新后重试") from None
        except ValueLocked as exc:
            raise ApiProblem(409, f"{region.name}{exc}；未写入", slug="value-locked",
                             approval=exc.locks[0].to_json()) from None
        stored = _stored(session, item.key, region)
        indicator = catalog.get(item.indicator_id)
        before = (None if old is None else
                  {"value": old.value, "version": old.version, "source": old.source})
        after = {"value": item.value, "version": stored["version"], "source": item.source}
        audit(session, principal.user_id, "correct" if correction else "record", "observation",
              stored["id"],
              f"{what}{region.name} {indicator.name} {item.year} 年："
              + (f"{number_text(old.value)} → " if old is not None else "")
              + f"{number_text(item.value)}{indicator.unit}（来源：{item.source}）",
              {"region_code": region.code, "region": region.name, "indicator_id": item.indicator_id,
               "year": item.year, "before": before, "after": after, "source": item.source,
               "reason": item.reason if correction else "", "note": item.note,
               "import_id": batch.id, "via": "api",
               "accepted_warnings": [p.message for p in warnings]})
        return {"status": "corrected" if correction else "created",
                "detail": f"已{what}：{region.name} {indicator.name} {item.year} 年 "
                          f"{number_text(item.value)}{indicator.unit}（第{stored['version']}版）",
                "observation": stored,
                "warnings": [problem_json(p) for p in warnings]}


def _stored(session, key, region: Region) -> dict:
    obs = current_observations(session, [key])[key]
    return observation_json(obs, region, _user_names(session, [obs.recorded_by]))


WRITE_RESPONSES = {
    401: {"description": "未登录"}, 403: {"description": "无权写入该地区的数据"},
    409: {"description": "与现有数值冲突"}, 422: {"description": "数值未通过校验（errors 逐项列出）"},
}


@router.post("/observations", status_code=201, summary="录入一个监测值（地区、指标、年份、数值、来源）",
             responses={**WRITE_RESPONSES, 200: {"description": "数值与现有数值相同，未写入"}})
def create_observation(request: Request, body: ObservationIn,
                       principal: Annotated[Principal, Depends(writer)]):
    from fastapi.responses import JSONResponse

    result = enter_value(request, principal, body, correction=False)
    if result["status"] == "unchanged":
        return JSONResponse(result, status_code=200)
    return result


@router.post("/observations/corrections", status_code=201,
             summary="更正一个监测值：新增一个版本（须写明来源和更正原因），历史版本保留",
             responses={**WRITE_RESPONSES, 404: {"description": "尚无可更正的数值"}})
def correct_observation(request: Request, body: CorrectionIn,
                        principal: Annotated[Principal, Depends(writer)]) -> dict:
    return enter_value(request, principal, body, correction=True)


# --------------------------------------------------------------------------- import


def safe_file_name(name: str | None) -> str:
    """The uploaded file's own name, fit to be a file name here (no folders)."""
    name = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "_", Path(name or "").name).strip(" .")
    if not name:
        return "upload"
    stem, suffix = Path(name).stem, Path(name).suffix
    return stem[:100] + suffix[:10]


def import_file(request: Request, principal: Principal, file_name: str, data: bytes, *,
                accept_warnings: bool = False) -> dict:
    """Import an uploaded observation file for ``principal``: every region in it must be
    one the principal may write (else the whole file is refused, 403, and the refusal
    logged), then read, check and record all rows or none. Returns the report; raises
    ``web.errors.Problem`` (403, 409, 422) with the row-by-row problems in ``errors``."""
    name = safe_file_name(file_name)
    folder = tempfile.mkdtemp(prefix="healthplan-upload-")
    try:
        path = Path(folder) / name
        if b"\x00" in data and path.suffix.lower() == ".csv":
            raise ApiProblem(422, f"{name}：文件含空字符（\\0），不是正常的 CSV 文本文件；未导入任何数据")
        path.write_bytes(data)
        try:
            file = read_observation_file(path)
        except DocumentError as exc:
            raise ApiProblem(422, f"{name}：{exc.problem}；未导入任何数据",
                             errors=[{"row": None, "column": "", "field": "", "severity": "error",
                                      "message": exc.problem, "line": f"{name}:{exc.problem}"}]
                             ) from None
        _authorise_rows(request, principal, file, name)
        try:
            result = import_observations(database(request), path, user_id=principal.user_id,
                                         accept_warnings=accept_warnings)
        except DocumentError as exc:
            raise ApiProblem(422, f"{name}：{exc.problem}；未导入任何数据") from None
        except ImportRejected as exc:
            problems = exc.problems
            raise ApiProblem(422, f"{name}：{exc.summary()}",
                             errors=[problem_json(p, name) for p in problems],
                             error_count=len(exc.errors), warning_count=len(exc.warnings),
                             needs_acceptance=exc.needs_acceptance) from None
        except ImportConflict as exc:
            raise ApiProblem(409, f"{name}：{exc.problem}", rows=exc.rows) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    counts = f"新增 {result.added} 条，更正 {result.corrected} 条，未变 {result.unchanged} 条"
    if result.batch_id is not None:
        summary = f"已导入 {name}：{counts}（导入批次 {result.batch_id}）"
    else:
        summary = f"{name} 中的数值均已在库中，未写入任何新数据：{counts}"
    return {"status": "imported" if result.batch_id is not None else "unchanged",
            "file": name, "format": result.format, "batch_id": result.batch_id,
            "added": result.added, "corrected": result.corrected, "unchanged": result.unchanged,
            "summary": summary, "warnings": [problem_json(p, name) for p in result.warnings]}


def database(request: Request):
    return request.app.state.db


def _authorise_rows(request: Request, principal: Principal, file: ObservationFile,
                    name: str) -> None:
    """Refuse the whole file (403, logged) if any of its rows is for a region the
    principal may not write. Rows whose region cannot be found are left to validation."""
    with writing(request) as session:
        regions: dict[int, Region] = {}
        for text in sorted({row.cell("region") for row in file.rows}):
            try:
                region = find_region(session, text)
            except RegionError:
                continue
            regions[region.id] = region
        for region_id in sorted(regions):
            authorise(session, principal, Action.write_data, region_id,
                      what=f"导入 {name}（含{regions[region_id].name}的数据，整个文件被拒绝）")


@router.post("/observations/import", summary="上传 CSV / Excel 文件（或填报模板）批量导入监测值：逐行校验，全部写入或全部不写入",
             responses={401: {"description": "未登录"},
                        403: {"description": "文件含无权写入地区的数据，整个文件被拒绝"},
                        409: {"description": "与同时进行的另一次导入冲突"},
                        413: {"description": "文件过大"},
                        422: {"description": "文件无法读取，或有错误 / 未确认的警告（errors 逐行列出）"}})
def upload_import(request: Request, principal: Annotated[Principal, Depends(writer)],
                  file: Annotated[UploadFile, File(description=".csv 或 .xlsx 文件")],
                  accept_warnings: Annotated[bool, Form(description="确认警告后导入")] = False) -> dict:
    limit = request.app.state.settings.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ApiProblem(413, f"上传文件过大：超过 {limit / 1024 / 1024:g} MB 的上限，未导入任何数据")
    return import_file(request, principal, file.filename or "", data,
                       accept_warnings=accept_warnings)
