"""Storing a read plan document: its plan, targets, projects and commitments.

* Loading the same document twice changes nothing (same SHA-256 and period).
* A revised document for the same region and period (征求意见稿 → final) is stored
  beside the earlier one, which it ``supersedes``; the load says what changed.
* A document that also holds the previous plan's completion table (无锡市 表1) yields
  two plans: the previous period's, rebuilt from that table, with its actuals stored as
  sourced observations, and the plan the document sets out.
* A plan's printed baselines are recorded as observations for the base year, sourced to
  the document, where that region × indicator × year has none yet (a printed plan never
  overrides a figure already entered; a difference is reported).
* ``parent_id`` links a plan to the plan of its region's nearest ancestor with one for
  the same period (江阴市 under 无锡市), whichever is loaded first; ``stored_parent``
  gives that parent as the ``audit.ParentPlan`` a plan's audit compares it with (the
  CLI's ``audit`` and the web pages both use it).

What is refused, before anything is stored (one message naming the file):

* two indicator rows that map to the same catalogue indicator (two 人均预期寿命): a plan
  has one target per indicator, so which one counts would be a guess; both lines named;
* a plan larger than any real one (``MAX_TARGETS``, ``MAX_PROJECTS``,
  ``MAX_COMMITMENTS``): a file that yields thousands of targets is not a plan, or was
  misread;
* a document that would supersede the current plan of its region and period, unless
  asked (``replace=True``, ``load --replace``) — a file must not silently take the place
  of the plan a commission monitors. A revision of a 征求意见稿 with the same title (the
  draft → final step) needs no confirmation: that is the expected course of a plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthplan import catalog
from healthplan.audit import ParentPlan, ParentTarget
from healthplan.catalog import normalise_name, unit_factor
from healthplan.documents.model import Document
from healthplan.extract import ExtractedPlan
from healthplan.extract.model import IndicatorRow, IndicatorTable
from healthplan.store.documents import store_document
from healthplan.store.models import Commitment, Plan, Project, Region, Target
from healthplan.store.observations import NewObservation, current_observations, record
from healthplan.store.regions import ancestors, find_region
from healthplan.store.users import audit
from healthplan.targets import Rule, parse_value


class PlanLoadError(ValueError):
    """The document cannot be stored as a plan; the message says why (for the user)."""


class PlanSupersedes(PlanLoadError):
    """The document would supersede the current plan of its region and period, and that
    was not confirmed (``replace``); the message says which plan and how to confirm."""


# Far above real plans (the national and provincial 十四五 plans have 20–80 indicators,
# a few dozen 专栏 and some hundred quantified commitments), far below a misread file.
MAX_TARGETS = 300
MAX_PROJECTS = 300
MAX_COMMITMENTS = 3000


@dataclass
class StoredPlan:
    plan: Plan
    created: bool  # False: the same document was loaded before
    supersedes: Plan | None = None
    changes: list[str] = field(default_factory=list)  # against the plan it supersedes
    observations_added: int = 0  # baselines / completion actuals recorded
    skipped: list[str] = field(default_factory=list)  # values not recorded, and why


def load_plan(session: Session, extracted: ExtractedPlan, *, region_text: str | None = None,
              user_id: int | None = None, document: Document | None = None,
              replace: bool = False) -> list[StoredPlan]:
    """Store ``extracted`` (the previous plan rebuilt from a completion table first, then
    the document's own plan), and ``document``'s text when given. Raises PlanLoadError for
    a document that cannot be a plan, PlanSupersedes for one that would replace the
    current plan of its region and period when ``replace`` is not given."""
    info = extracted.document
    name = info.path.rsplit("/", 1)[-1]
    if not any(t.kind == "plan" and t.rows for t in extracted.indicator_tables):
        raise PlanLoadError(f"{name}：未找到本期规划指标表，未载入")
    if info.period is None:
        raise PlanLoadError(f"{name}：未识别规划期（如 2021—2025年），未载入")
    check_size(name, extracted)
    check_duplicates(name, [t for t in extracted.indicator_tables if t.kind == "plan"])
    for table in extracted.indicator_tables:
        if table.kind == "completion" and table.period is not None:
            check_duplicates(name, [table])
    region = _region_for(session, region_text or info.region, name, given=bool(region_text))
    if not replace:
        check_supersedes(session, extracted, region, name)
    stored = []
    for table in extracted.indicator_tables:
        if table.kind == "completion" and table.period is not None and table.rows:
            stored.append(_store_completion_plan(session, extracted, table, region, user_id))
    stored.append(_store_document_plan(session, extracted, region, user_id))
    if document is not None:
        store_document(session, document, extracted)
    link_parents(session)
    return stored


def check_size(name: str, extracted: ExtractedPlan) -> None:
    """Refuse a plan larger than any real one (see ``MAX_TARGETS``)."""
    targets = sum(len(t.rows) for t in extracted.indicator_tables if t.kind == "plan")
    counts = (("主要指标", targets, MAX_TARGETS, "项"),
              ("专栏", len(extracted.projects), MAX_PROJECTS, "个"),
              ("量化承诺", len(extracted.commitments), MAX_COMMITMENTS, "条"))
    for what, count, limit, measure in counts:
        if count > limit:
            raise PlanLoadError(
                f"{name}：识别出{what} {count} {measure}，超过一个规划的合理上限 {limit} {measure}"
                "（实际规划的主要指标一般为 20～80 项）；该文件可能不是一份规划，"
                "或表格、正文识别有误，未载入")


def check_duplicates(name: str, tables: list[IndicatorTable]) -> None:
    """Refuse two rows of one plan that map to the same catalogue indicator, naming both."""
    first: dict[str, IndicatorRow] = {}
    for table in tables:
        for row in table.rows:
            if row.indicator_id is None:
                continue
            earlier = first.setdefault(row.indicator_id, row)
            if earlier is not row:
                indicator = catalog.get(row.indicator_id)
                raise PlanLoadError(
                    f"{name}：第 {earlier.line_start} 行“{earlier.name}”（{earlier.unit or '无单位'}，"
                    f"目标 {earlier.target or '—'}）和第 {row.line_start} 行“{row.name}”"
                    f"（{row.unit or '无单位'}，目标 {row.target or '—'}）都对应指标“{indicator.name}”"
                    f"（{indicator.id}）；一个规划中每项指标只能有一个目标，请核对指标表后重新载入，未载入")


def check_supersedes(session: Session, extracted: ExtractedPlan, region: Region,
                      name: str) -> None:
    """Refuse to supersede the current plan of the region and period unasked, except a
    draft's revision with the same title (draft → final)."""
    info = extracted.document
    start, end = info.period.start, info.period.end
    if _existing(session, info.sha256 or "", start, end) is not None:
        return  # the same document again: nothing is stored
    earlier = latest_revision(session, region.id, start, end, origin="document")
    if earlier is None:
        return
    if earlier.status == "draft" and _bare_title(earlier.title) == _bare_title(info.title or ""):
        return
    raise PlanSupersedes(
        f"{name}：{region.name} {start}–{end} 年已有规划 {earlier.id}《{earlier.title}》"
        f"（{_status(earlier.status)}，{earlier.source_name}）；载入此文件将以它取代该规划"
        "（原规划保留为历史版本）。确认取代请加 --replace，未载入")


def _bare_title(title: str) -> str:
    """A title without its draft marks and spacing: 征求意见稿 and final compare equal."""
    title = re.sub(r"[（(【\[]?\s*(征求意见稿|送审稿|草案|讨论稿|修订稿)\s*[）)】\]]?", "", title)
    return re.sub(r"\s+", "", title)


def _region_for(session: Session, text: str | None, name: str, *, given: bool) -> Region:
    from healthplan.store.regions import RegionError

    if not text:
        raise PlanLoadError(f"{name}：未能从文件识别规划所属地区，请用 --region 指定（名称或行政区划代码）")
    try:
        return find_region(session, text)
    except RegionError as exc:
        hint = "" if given else "；可用 --region 指定"
        raise PlanLoadError(f"{name}：{exc}{hint}") from None


# --------------------------------------------------------------------------- the plans


def _existing(session: Session, sha256: str, start: int, end: int) -> Plan | None:
    return session.scalar(select(Plan).where(Plan.source_sha256 == sha256,
                                             Plan.period_start == start, Plan.period_end == end))


def _new_plan(extracted: ExtractedPlan, region: Region, start: int, end: int, *, title: str,
              origin: str, user_id: int | None) -> Plan:
    info = extracted.document
    return Plan(
        region_id=region.id, title=title, period_start=start, period_end=end,
        status=info.status if origin == "document" else "final", origin=origin,
        issuer=info.issuer, issued_on=info.issued_on, document_number=info.document_number,
        source_name=info.path.rsplit("/", 1)[-1], source_format=info.format,
        source_sha256=info.sha256 or "", loaded_by=user_id,
    )


def _store_document_plan(session: Session, extracted: ExtractedPlan, region: Region,
                         user_id: int | None) -> StoredPlan:
    info = extracted.document
    start, end = info.period.start, info.period.end
    found = _existing(session, info.sha256 or "", start, end)
    if found is not None:
        return StoredPlan(found, created=False)
    earlier = latest_revision(session, region.id, start, end, origin="document")
    plan = _new_plan(extracted, region, start, end, title=info.title or info.path,
                     origin="document", user_id=user_id)
    plan.supersedes_id = earlier.id if earlier else None
    tables = [t for t in extracted.indicator_tables if t.kind == "plan"]
    plan.targets = _targets(tables)
    plan.projects = [
        Project(position=k, number=p.number, inferred_number=p.inferred_number, title=p.title,
                text=p.text, line_start=p.line_start, line_end=p.line_end, page=p.page)
        for k, p in enumerate(extracted.projects, start=1)
    ]
    plan.commitments = [
        Commitment(position=k, line=c.line, sentence=c.sentence, subject=c.subject, value=c.value,
                   unit=c.unit, comparator=c.comparator, year=c.year, text=c.text)
        for k, c in enumerate(extracted.commitments, start=1)
    ]
    session.add(plan)
    session.flush()
    result = StoredPlan(plan, created=True, supersedes=earlier)
    if earlier is not None:
        result.changes = plan_changes(earlier, plan)
    values = [(table, row, "基期值") for table in tables for row in table.rows
              if row.baseline_year is not None and row.baseline.strip()]
    _record_printed_values(session, plan, region, values, user_id, result)
    summary = (f"载入规划《{plan.title}》（{plan.period}，{region.name}）：指标 {len(plan.targets)} 项，"
               f"专栏 {len(plan.projects)} 个，量化承诺 {len(plan.commitments)} 条")
    if earlier is not None:
        summary += f"；为规划 {earlier.id} 的修订稿"
    audit(session, user_id, "load_plan", "plan", plan.id, summary,
          {"source": plan.source_name, "sha256": plan.source_sha256, "changes": result.changes})
    return result


def _store_completion_plan(session: Session, extracted: ExtractedPlan, table: IndicatorTable,
                           region: Region, user_id: int | None) -> StoredPlan:
    info = extracted.document
    start, end = table.period.start, table.period.end
    found = _existing(session, info.sha256 or "", start, end)
    if found is not None:
        return StoredPlan(found, created=False)
    # "表1 无锡市“十三五”规划主要指标完成情况" → "无锡市“十三五”规划"
    name = re.sub(r"^表\s*\d+\s*", "", table.caption or "")
    name = re.sub(r"(主要)?(发展)?指标(完成情况|实现情况)?$|完成情况$", "", name) or "上期规划"
    title = f"{name}（据《{info.title or info.path}》{_table_number(table)}重建）"
    plan = _new_plan(extracted, region, start, end, title=title, origin="completion_table",
                     user_id=user_id)
    # The completion table's "baseline" column is the actual result, not a base value.
    plan.targets = _targets([table], baselines=False)
    session.add(plan)
    session.flush()
    result = StoredPlan(plan, created=True)
    values = [(table, row, "完成值") for row in table.rows if row.baseline.strip()]
    _record_printed_values(session, plan, region, values, user_id, result)
    audit(session, user_id, "load_plan", "plan", plan.id,
          f"据《{info.title}》{table.caption}重建上期规划（{plan.period}，{region.name}）："
          f"指标 {len(plan.targets)} 项，完成值 {result.observations_added} 条",
          {"source": plan.source_name, "sha256": plan.source_sha256})
    return result


def _table_number(table: IndicatorTable) -> str:
    found = re.match(r"^表\s*\d+", table.caption or "")
    return found.group(0).replace(" ", "") if found else "上期规划完成情况表"


def _targets(tables: list[IndicatorTable], *, baselines: bool = True) -> list[Target]:
    out = []
    for table in tables:
        for row in table.rows:
            baseline = parse_value(row.baseline) if baselines and row.baseline else None
            out.append(Target(
                position=len(out) + 1, table_caption=table.caption or "", category=row.category,
                seq=row.seq, name=row.name, unit=row.unit, indicator_id=row.indicator_id,
                match_method=row.match.method if row.match else "",
                unit_note=row.match.unit_note if row.match else None,
                baseline_text=row.baseline if baselines else "",
                baseline_value=baseline, baseline_year=row.baseline_year if baselines else None,
                target_text=row.target, target_year=_target_year(row, table),
                attribute=row.attribute, rule=row.rule.to_json(),
                line_start=row.line_start, line_end=row.line_end, page=table.page,
            ))
    return out


def _target_year(row: IndicatorRow, table: IndicatorTable) -> int | None:
    if row.target_year is None and table.period is not None:
        return table.period.end
    return row.target_year


def _record_printed_values(session: Session, plan: Plan, region: Region,
                           values: list[tuple[IndicatorTable, IndicatorRow, str]],
                           user_id: int | None, result: StoredPlan) -> None:
    """Record printed figures (baselines, completion actuals) as sourced observations."""
    items = []
    for table, row, what in values:
        year = row.baseline_year or (table.period.end if table.period else None)
        if not any(ch.isdigit() for ch in row.baseline):
            continue  # "—", "-": nothing printed
        value, why = _printed_value(row)
        where = f"{row.name}（第 {row.line_start} 行）"
        if why:
            result.skipped.append(f"{where}{what}“{row.baseline}”未记为监测值：{why}")
            continue
        if year is None:
            result.skipped.append(f"{where}{what}未记为监测值：年份不明")
            continue
        source = (f"《{plan.title if plan.origin == 'document' else _document_title(plan)}》"
                  f"{table.caption or '指标表'}第 {row.line_start} 行，{year}年{what}")
        items.append(NewObservation(region.id, row.indicator_id, year, value, source,
                                    unit=catalog.get(row.indicator_id).unit))
    # The same indicator twice in one document (fused rows): keep the first.
    unique = {}
    for item in items:
        unique.setdefault(item.key, item)
    existing = current_observations(session, unique.keys())
    fresh = []
    for key, item in unique.items():
        old = existing.get(key)
        if old is None:
            fresh.append(item)
        elif old.value != item.value:
            result.skipped.append(
                f"{catalog.get(item.indicator_id).name} {item.year}年：文件所列 {item.value:g} 与已有监测值 "
                f"{old.value:g}（{old.source}）不一致，保留已有值")
    recorded = record(session, fresh, user_id=user_id)
    result.observations_added += len(recorded.added)


def _document_title(plan: Plan) -> str:
    # "表1 …完成情况（据《X》重建）" → X
    return plan.title.rsplit("《", 1)[-1].split("》", 1)[0]


def _printed_value(row: IndicatorRow) -> tuple[float | None, str | None]:
    """The row's printed figure in the catalogue unit, or why it cannot be recorded."""
    if row.indicator_id is None:
        return None, "指标未匹配到指标目录"
    indicator = catalog.get(row.indicator_id)
    if indicator.fused:
        return None, "该行合并了多个指标，无法拆分数值"
    value = parse_value(row.baseline)
    if value is None:
        return None, "不是单个数值"
    if row.match is not None and row.match.unit_note:
        return None, "印刷单位与指标目录不一致，需核对"
    printed = row.match.unit if row.match is not None else None
    if printed and printed != indicator.unit:
        factor = unit_factor(printed, indicator.unit)
        if factor is None:
            return None, f"单位“{row.unit}”无法换算为“{indicator.unit}”"
        value *= factor
    if not indicator.in_bounds(value):
        return None, f"超出指标合理范围 {indicator.bounds}"
    return value, None


# --------------------------------------------------------------------------- revisions


def latest_revision(session: Session, region_id: int, start: int, end: int, *,
                    origin: str = "document") -> Plan | None:
    """The newest plan for region × period that no other plan supersedes."""
    plans = list(session.scalars(select(Plan).where(
        Plan.region_id == region_id, Plan.period_start == start, Plan.period_end == end,
        Plan.origin == origin).order_by(Plan.id)))
    superseded = {p.supersedes_id for p in plans}
    current = [p for p in plans if p.id not in superseded]
    return current[-1] if current else None


def plan_changes(old: Plan, new: Plan) -> list[str]:
    """What a revised document changed, in Chinese, one line per change."""
    out = []
    if old.status != new.status:
        out.append(f"状态：{_status(old.status)} → {_status(new.status)}")
    if old.title != new.title:
        out.append(f"标题：{old.title} → {new.title}")
    before = {normalise_name(t.name): t for t in old.targets}
    after = {normalise_name(t.name): t for t in new.targets}
    for key, t in after.items():
        was = before.get(key)
        if was is None:
            out.append(f"新增指标：{t.name}（目标 {t.target_text or '—'}）")
            continue
        for label, a, b in (("单位", was.unit, t.unit), ("基期值", was.baseline_text, t.baseline_text),
                            ("目标值", was.target_text, t.target_text),
                            ("属性", was.attribute, t.attribute)):
            if a != b:
                out.append(f"{t.name} {label}：{a or '—'} → {b or '—'}")
    out.extend(f"删除指标：{t.name}" for key, t in before.items() if key not in after)
    old_projects = {p.title for p in old.projects}
    new_projects = {p.title for p in new.projects}
    out.extend(f"新增专栏：{title}" for title in sorted(new_projects - old_projects, key=str))
    out.extend(f"删除专栏：{title}" for title in sorted(old_projects - new_projects, key=str))
    if len(old.commitments) != len(new.commitments):
        out.append(f"量化承诺：{len(old.commitments)} 条 → {len(new.commitments)} 条")
    return out


def _status(status: str) -> str:
    return "征求意见稿" if status == "draft" else "正式稿"


# --------------------------------------------------------------------------- hierarchy


def link_parents(session: Session) -> None:
    """Point every plan at the current plan of its nearest ancestor region with one for
    the same period and origin (江阴市 → 无锡市; a county with no city plan → province)."""
    plans = list(session.scalars(select(Plan)))
    superseded = {p.supersedes_id for p in plans if p.supersedes_id}
    current = {}
    for plan in sorted(plans, key=lambda p: p.id):
        if plan.id not in superseded:
            current[(plan.region_id, plan.period_start, plan.period_end, plan.origin)] = plan
    for plan in plans:
        parent = None
        for region in ancestors(plan.region):
            parent = current.get((region.id, plan.period_start, plan.period_end, plan.origin))
            if parent is not None:
                break
        new_id = parent.id if parent is not None else None
        if plan.parent_id != new_id:
            plan.parent_id = new_id


def superseded_ids(session: Session) -> set[int]:
    """Ids of the plans that a revised document has replaced."""
    return set(session.scalars(select(Plan.supersedes_id).where(Plan.supersedes_id.is_not(None))))


def child_plans(session: Session, plan: Plan) -> list[Plan]:
    """Plans directly under ``plan`` (current revisions only)."""
    children = session.scalars(select(Plan).where(Plan.parent_id == plan.id).order_by(Plan.id))
    superseded = superseded_ids(session)
    return [p for p in children if p.id not in superseded]


def audit_parent(plan: Plan) -> ParentPlan:
    """A stored plan's checkable targets as the parent plan an audit compares a child
    plan against (``audit.audit_plan``); targets without an indicator or a readable rule
    are left out, as ``audit.parent_from_plan`` leaves out unmatched rows."""
    targets = []
    for t in plan.targets:
        if not t.indicator_id or not t.rule:
            continue
        try:
            rule = Rule.from_json(t.rule)
        except (TypeError, ValueError):
            continue
        targets.append(ParentTarget(t.indicator_id, t.name, t.unit, t.target_text, rule,
                                    t.line_start))
    return ParentPlan(f"{plan.title}（规划 {plan.id}）", targets, plan.id)


def stored_parent(plan: Plan) -> ParentPlan | None:
    """The plan's stored parent (``link_parents``) for its audit; None when it has none."""
    return audit_parent(plan.parent) if plan.parent is not None else None
