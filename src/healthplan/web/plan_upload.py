"""What the plan upload page and API share: read an uploaded plan document, say what
storing it would do (its region, whether the user may load it, which plan it would
supersede), and store it with the planner's corrections.

Nothing is kept between the review and the store: the client sends the file again with
its corrections (the page carries it in the review form), and it is read again. That
works with any number of workers or servers over one database, leaves nothing to clean
up, and catches a different file: a correction whose cell no longer holds what was read
is refused.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from healthplan.documents.model import Document, DocumentError
from healthplan.documents.reader import SUPPORTED
from healthplan.extract import ExtractedPlan
from healthplan.extract.corrections import AppliedCorrection, Correction, apply_corrections
from healthplan.permissions import Action, Principal
from healthplan.store.models import Region
from healthplan.web.auth import may


class UploadRejected(ValueError):
    """The upload cannot go on; ``status`` for the API, the message (Chinese) for both."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Reviewed:
    """An uploaded plan as read, and what storing it would do."""

    name: str
    document: Document
    extracted: ExtractedPlan
    region: Region | None  # None: the document names none and none was given
    region_problem: str | None  # why the region is unknown or may not be loaded by the user
    supersedes: str | None  # what storing it would replace (needs confirmation)
    problems: list[str] = field(default_factory=list)  # refusals a correction may cure


def safe_name(name: str) -> str:
    name = Path((name or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f/]", "_", name).strip() or "upload"
    return name[-120:]


def supported_text() -> str:
    return "、".join(SUPPORTED)


def read_upload(name: str, data: bytes | None, limit: int) -> tuple[Document, ExtractedPlan]:
    """The uploaded document read and its plan extracted; UploadRejected for no file, an
    empty or too large one, an unsupported type, an unreadable file or one with no plan
    indicator table."""
    from healthplan.documents.reader import read_document
    from healthplan.extract import extract_plan

    if data is None or not name:
        raise UploadRejected(422, f"请选择要上传的规划文件（{supported_text()}）。")
    name = safe_name(name)
    if len(data) > limit:
        raise UploadRejected(413, f"文件“{name}”超过 {limit / 1024 / 1024:g} MB 的上限，未载入。")
    if not data.strip():
        raise UploadRejected(422, f"文件“{name}”是空文件，未载入。")
    if Path(name).suffix.lower() not in SUPPORTED:
        raise UploadRejected(422, f"文件“{name}”的类型不受支持（支持 {supported_text()}），未载入。")
    with tempfile.TemporaryDirectory(prefix="healthplan-plan-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            document = read_document(path)
            extracted = extract_plan(document)
        except DocumentError as exc:
            raise UploadRejected(422, f"文件“{name}”无法读取：{exc.problem}。未载入。") from None
        except Exception as exc:  # a reader bug must still not show the user a traceback
            raise UploadRejected(422, f"文件“{name}”读取时出现内部错误（{type(exc).__name__}），未载入。") from None
    # Names in messages and the stored plan: the file's name, not the temporary folder.
    document.path = extracted.document.path = name
    if not any(t.kind == "plan" and t.rows for t in extracted.indicator_tables):
        raise UploadRejected(422, f"文件“{name}”中未找到本期规划指标表（如“主要发展指标”表），未载入。")
    if extracted.document.period is None:
        raise UploadRejected(422, f"文件“{name}”中未识别出规划期（如 2021—2025年），未载入。")
    return document, extracted


def review(session: Session, me: Principal, name: str, document: Document,
           extracted: ExtractedPlan, region_text: str) -> Reviewed:
    """What storing the read plan would do, for the review step (nothing is written)."""
    from healthplan.store.plans import (
        PlanLoadError,
        check_duplicates,
        check_size,
        check_supersedes,
    )
    from healthplan.store.regions import RegionError, find_region

    result = Reviewed(safe_name(name), document, extracted, None, None, None)
    text = region_text.strip() or extracted.document.region or ""
    if not text:
        result.region_problem = "文件中未写明规划所属地区，请填写地区名称或六位行政区划代码。"
    else:
        try:
            result.region = find_region(session, text)
        except RegionError as exc:
            result.region_problem = f"地区“{text}”：{exc}"
    if result.region is not None and not may(session, me, Action.load_plan, result.region.id):
        result.region_problem = (f"您无权载入{result.region.name}的规划（规划管理人员只能载入本地区"
                                 "及下级地区的规划）。")
    for check in (lambda: check_size(result.name, extracted),
                  lambda: check_duplicates(result.name, [t for t in extracted.indicator_tables
                                                         if t.kind == "plan"])):
        try:
            check()
        except PlanLoadError as exc:
            result.problems.append(str(exc))
    if result.region is not None:
        try:
            check_supersedes(session, extracted, result.region, result.name)
        except PlanLoadError as exc:
            result.supersedes = str(exc).split("：", 1)[-1].replace("确认取代请加 --replace，未载入",
                                                                    "确认取代请勾选“取代现行规划”")
    return result


def store(session: Session, me: Principal, document: Document, extracted: ExtractedPlan, *,
          region_text: str, replace: bool,
          corrections: list[Correction]) -> tuple[list, list[AppliedCorrection]]:
    """Apply ``corrections``, store the plan (``load_plan``) and record each correction in
    the audit log, in ``session``'s transaction. Raises CorrectionError, PlanLoadError
    (PlanSupersedes without ``replace``); the caller checks the permission first."""
    from healthplan.store.plan_corrections import record_corrections
    from healthplan.store.plans import load_plan

    applied = apply_corrections(extracted, corrections)
    stored = load_plan(session, extracted, region_text=region_text.strip() or None,
                       user_id=me.user_id, document=document, replace=replace)
    plan = stored[-1]
    if plan.created:
        record_corrections(session, plan.plan, applied, me.user_id)
    elif applied:
        from healthplan.store.plans import PlanLoadError

        raise PlanLoadError(f"{document.path}：该文件已载入为规划 {plan.plan.id}，更正未应用；"
                            "如需更正已载入的规划，请载入修订后的文件")
    return stored, applied

