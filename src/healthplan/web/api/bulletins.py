"""Bulletins → reviewed observations over the API: read an uploaded bulletin into
candidates (each beside the value already stored for its region × indicator × year, and
that value's source), then import the ones the reviewer accepted — edited values
included — as one batch through the observation import.

Nothing is kept between the two steps (as for plan uploads, ``web.plan_upload``): the
client sends the file again with its decisions and it is read again, so any worker or
server answers either step. A candidate that differs from a stored value is a correction:
refused (422, ``needs_acceptance``) until the warnings are accepted; never overwritten
silently.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from healthplan.bulletins import BulletinError, Extraction, extract_candidates
from healthplan.documents.model import Document, DocumentError
from healthplan.documents.reader import read_document
from healthplan.imports import ImportConflict, ImportRejected, import_file
from healthplan.imports.bulletin import bulletin_file
from healthplan.permissions import Principal
from healthplan.store.observations import current_observations
from healthplan.store.regions import RegionError, find_region
from healthplan.web.api.common import reader, reading, writer
from healthplan.web.api.observations import (
    _authorise_rows,
    database,
    problem_json,
    safe_file_name,
)
from healthplan.web.errors import Problem as ApiProblem

router = APIRouter(tags=["统计公报"])

ERRORS = {401: {"description": "未登录"},
          403: {"description": "公报所属地区无权写入"},
          409: {"description": "与同时进行的另一次导入冲突"},
          413: {"description": "文件过大"},
          422: {"description": "文件无法读取、地区不存在、审核决定有误，或导入校验未通过（errors 逐条列出）"}}


def read_bulletin(request: Request, file: UploadFile, region: str | None,
                  year: int | None) -> tuple[str, Document, Extraction]:
    """The uploaded bulletin read and its candidates extracted; ApiProblem 413/422."""
    limit = request.app.state.settings.max_upload_bytes
    return read_bulletin_bytes(file.filename or "", file.file.read(limit + 1), limit, region,
                               year)


def read_bulletin_bytes(file_name: str, data: bytes, limit: int, region: str | None,
                        year: int | None) -> tuple[str, Document, Extraction]:
    """``read_bulletin`` for bytes already read (the review page)."""
    name = safe_file_name(file_name)
    if not data:
        raise ApiProblem(422, "请选择要读取的统计公报文件")
    if len(data) > limit:
        raise ApiProblem(413, f"上传文件过大：超过 {limit / 1024 / 1024:g} MB 的上限")
    folder = tempfile.mkdtemp(prefix="healthplan-bulletin-")
    try:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            document = read_document(path)
            found = extract_candidates(document, region=region or None, year=year)
        except DocumentError as exc:
            raise ApiProblem(422, f"{name}：{exc.problem}；未导入任何数据") from None
        except BulletinError as exc:
            raise ApiProblem(422, f"{name}：{exc}；未导入任何数据") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    document.path = name
    return name, document, found


def stored_values(request: Request, found: Extraction) -> list[dict | None]:
    """For each candidate, the value stored for its region × indicator × year (or None)."""
    with reading(request) as session:
        regions = {}
        for code in {c.region_code for c in found.candidates}:
            try:
                regions[code] = find_region(session, code)
            except RegionError:
                pass
        keys = [(regions[c.region_code].id, c.indicator_id, c.year)
                if c.region_code in regions else None for c in found.candidates]
        now = current_observations(session, [k for k in keys if k])
    return [{"value": now[k].value, "version": now[k].version, "source": now[k].source}
            if k in now else None for k in keys]


@router.post("/bulletins/extract", summary="上传统计公报或新闻稿，读出候选监测值（不写入任何数据）",
             responses=ERRORS)
def extract(request: Request, principal: Annotated[Principal, Depends(reader)],
            file: Annotated[UploadFile, File(description="统计公报（与规划文本相同的格式）")],
            region: Annotated[str, Form(description="所属地区（代码或名称）；默认从标题识别")] = "",
            year: Annotated[int | None, Form(description="句中未写年份时的数据年份")] = None) -> dict:
    name, _, found = read_bulletin(request, file, region, year)
    stored = stored_values(request, found)
    items = []
    for index, (c, old) in enumerate(zip(found.candidates, stored, strict=True)):
        items.append({**c.to_json(), "index": index, "stored": old,
                      "conflict": old is not None and old["value"] != c.value})
    return {"file": name, "publication": dataclasses.asdict(found.publication),
            "candidates": items,
            "summary": (f"读出 {len(items)} 个候选监测值" if items else
                        "未找到候选监测值：文档中没有可对应指标目录的数值")}


def apply_decisions(found: Extraction, text: str) -> list:
    """(candidate, note) for each accepted one, edited values applied (the note says so);
    ApiProblem 422 for bad decisions.

    ``text`` is a JSON list of {"index": n, "action": "accept" | "reject", "value": x?};
    a candidate without a decision is not imported."""
    try:
        decisions = json.loads(text or "[]")
    except ValueError:
        raise ApiProblem(422, "decisions 不是有效的 JSON") from None
    if not isinstance(decisions, list):
        raise ApiProblem(422, "decisions 须是一个列表")
    chosen, seen = [], set()
    for d in decisions:
        index = d.get("index") if isinstance(d, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(found.candidates) or index in seen:
            raise ApiProblem(422, f"审核决定 {d!r}：index 须是候选监测值的序号，且每个只能出现一次")
        seen.add(index)
        action = d.get("action")
        if action not in ("accept", "reject"):
            raise ApiProblem(422, f"第 {index} 个候选监测值：action 须是 accept 或 reject")
        if action == "reject":
            continue
        candidate = found.candidates[index]
        if d.get("value") is not None:
            value = d["value"]
            if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
                raise ApiProblem(422, f"第 {index} 个候选监测值：修改后的数值须是数字")
            if float(value) != candidate.value:
                note = f"审核时由印刷值 {candidate.value:g} 改为 {float(value):g}"
                candidate = dataclasses.replace(candidate, value=float(value))
                chosen.append((candidate, note))
                continue
        chosen.append((candidate, ""))
    if not chosen:
        raise ApiProblem(422, "没有接受任何候选监测值，未导入任何数据")
    return chosen


@router.post("/bulletins/import", summary="把审核接受的候选监测值作为一个批次导入（经导入校验；冲突须确认）",
             responses=ERRORS)
def import_bulletin(request: Request, principal: Annotated[Principal, Depends(writer)],
                    file: Annotated[UploadFile, File(description="与读取时相同的公报文件")],
                    decisions: Annotated[str, Form(description='审核决定（JSON 列表）：'
                                                   '[{"index": 0, "action": "accept"}, '
                                                   '{"index": 1, "action": "accept", "value": 3.5}, '
                                                   '{"index": 2, "action": "reject"}]')],
                    region: Annotated[str, Form(description="所属地区；与读取时相同")] = "",
                    year: Annotated[int | None, Form(description="数据年份；与读取时相同")] = None,
                    accept_warnings: Annotated[bool, Form(description="确认警告（更正已有数值、跳变）后导入")] = False,
                    ) -> dict:
    name, document, found = read_bulletin(request, file, region, year)
    chosen = apply_decisions(found, decisions)
    rows = bulletin_file(name, document.sha256, found.publication, [c for c, _ in chosen],
                         [note for _, note in chosen])
    _authorise_rows(request, principal, rows, name)
    try:
        result = import_file(database(request), rows, user_id=principal.user_id,
                             accept_warnings=accept_warnings)
    except ImportRejected as exc:
        raise ApiProblem(422, f"{name}：{exc.summary()}",
                         errors=[problem_json(p, name) for p in exc.problems],
                         needs_acceptance=exc.needs_acceptance) from None
    except ImportConflict as exc:
        raise ApiProblem(409, f"{name}：{exc.problem}", rows=exc.rows) from None
    return {"status": "imported" if result.batch_id is not None else "unchanged",
            "file": name, "batch_id": result.batch_id, "added": result.added,
            "corrected": result.corrected, "unchanged": result.unchanged,
            "rejected": len(found.candidates) - len(chosen), "summary": result.summary(),
            "warnings": [problem_json(p, name) for p in result.warnings]}
