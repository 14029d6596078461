"""`healthplan draft …`: proposals for the next plan and a draft indicator table's life."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from healthplan.cli import app, bad_input, open_db, user_id

draft_app = typer.Typer(help="下一期规划：建议目标、规划草案指标表（新建、查看、检查、导出、上传）",
                        no_args_is_help=True)
app.add_typer(draft_app, name="draft")


class ShowFormat(StrEnum):
    json = "json"
    table = "table"


class FileFormat(StrEnum):
    docx = "docx"
    xlsx = "xlsx"


@draft_app.command("propose")
def propose(
    region: str = typer.Option(..., "--region", help="地区名称或行政区划代码"),
    period: str = typer.Option("2026-2030", "--period", help="下一规划期，五年，如 2026-2030"),
    format: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="json 或 table"),
) -> None:
    """按监测趋势、上级规划和同级地区，为下一期规划的每项指标提出建议目标（建议，不是规划数据）。"""
    from healthplan.proposals import ProposalError, render_table
    from healthplan.store.drafts import proposals_for

    db = open_db()
    try:
        with db.session() as session:
            region_row, proposals = proposals_for(session, region, period)
            name = region_row.name
    except ProposalError as exc:
        raise bad_input(str(exc)) from None
    if format is ShowFormat.json:
        typer.echo(json.dumps({"region": name, "period": period, "note": "建议目标，非规划数据",
                               "proposals": [p.to_json() for p in proposals]},
                              ensure_ascii=False, indent=1))
    else:
        typer.echo(f"{name} {period} 建议目标（{len(proposals)} 项）")
        typer.echo(render_table(proposals))


@draft_app.command("new")
def new(
    region: str = typer.Option(..., "--region", help="地区名称或行政区划代码"),
    period: str = typer.Option("2026-2030", "--period", help="规划期，五年，如 2026-2030"),
    from_plan: int = typer.Option(None, "--from-plan", help="以某个规划的指标表为起点（规划 ID）；默认以建议目标为起点"),
) -> None:
    """新建规划草案指标表。"""
    from healthplan.proposals import ProposalError
    from healthplan.store.drafts import new_draft

    db = open_db()
    uid = user_id(db)
    try:
        with db.session() as session:
            draft = new_draft(session, region, period, from_plan=from_plan, user_id=uid)
            typer.echo(f"已新建规划草案 {draft.id}：{draft.title}（{draft.period_start}–{draft.period_end}，"
                       f"{len(draft.rows)} 项指标，{draft.source}）")
    except ProposalError as exc:
        raise bad_input(str(exc)) from None


def _draft_or_fail(session, draft_id: int):
    from healthplan.proposals import ProposalError
    from healthplan.store.drafts import get_draft

    try:
        return get_draft(session, draft_id)
    except ProposalError as exc:
        raise bad_input(str(exc)) from None


@draft_app.command("list")
def list_drafts() -> None:
    """列出规划草案。"""
    from sqlalchemy import select

    from healthplan.store.models import Draft

    db = open_db()
    with db.session() as session:
        drafts = list(session.scalars(select(Draft).order_by(Draft.id)))
        if not drafts:
            typer.echo("尚无规划草案（healthplan draft new --region … 新建）")
        for d in drafts:
            typer.echo(f"{d.id}  {d.title}  {d.region.name}  {d.period_start}–{d.period_end}  "
                       f"{len(d.rows)} 项  {d.source}")


@draft_app.command("show")
def show(draft_id: int = typer.Argument(..., help="草案 ID"),
         format: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="json 或 table")) -> None:
    """查看规划草案指标表。"""
    from dataclasses import asdict

    from healthplan.store.drafts import draft_lines

    db = open_db()
    with db.session() as session:
        draft = _draft_or_fail(session, draft_id)
        lines = draft_lines(draft)
        if format is ShowFormat.json:
            typer.echo(json.dumps({"id": draft.id, "title": draft.title, "region": draft.region.name,
                                   "period": f"{draft.period_start}-{draft.period_end}",
                                   "source": draft.source, "rows": [asdict(x) for x in lines]},
                                  ensure_ascii=False, indent=1))
            return
        typer.echo(f"规划草案 {draft.id}：{draft.title}（{draft.region.name}，{draft.period_start}–"
                   f"{draft.period_end}；{draft.source}；未印发）")
        typer.echo(f"序号  领域  指标  单位  {draft.period_start - 1}年  {draft.period_end}年  属性")
        for x in lines:
            typer.echo(f"{x.position}  {x.category or '—'}  {x.name}  {x.unit or '—'}  "
                       f"{x.baseline_text or '—'}  {x.target_text or '—'}  {x.attribute or '—'}")


@draft_app.command("check")
def check(draft_id: int = typer.Argument(..., help="草案 ID"),
          format: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="json 或 table")) -> None:
    """印发前检查草案：弱于基期、弱于上级、偏离趋势、单位/方向、约束性缺基期、缺上级指标、重复/合并。"""
    from healthplan.audit import findings_to_json
    from healthplan.draftcheck import render_findings
    from healthplan.proposals import ProposalError
    from healthplan.store.drafts import check_stored_draft

    db = open_db()
    try:
        with db.session() as session:
            findings = check_stored_draft(session, _draft_or_fail(session, draft_id))
    except ProposalError as exc:
        raise bad_input(str(exc)) from None
    if format is ShowFormat.json:
        typer.echo(json.dumps(findings_to_json(findings), ensure_ascii=False, indent=1))
    else:
        typer.echo(f"规划草案 {draft_id} 检查结果：{len(findings)} 项问题")
        typer.echo(render_findings(findings))


@draft_app.command("export")
def export(draft_id: int = typer.Argument(..., help="草案 ID"),
           format: FileFormat = typer.Option(FileFormat.xlsx, "--format", "-f", help="docx（规划文本用表格）或 xlsx（可编辑后上传）"),
           out: Path = typer.Option(None, "--out", "-o", help="输出文件；默认 规划草案_ID.扩展名")) -> None:
    """导出规划草案指标表：.docx（领域/序号/指标/单位/基期/目标/属性）或 .xlsx。"""
    from healthplan.reports.draft_table import write_draft_docx, write_draft_xlsx
    from healthplan.store.drafts import draft_lines

    path = out or Path(f"规划草案_{draft_id}.{format.value}")
    if path.suffix.lower() != f".{format.value}":
        raise bad_input(f"{path}：扩展名应为 .{format.value}")
    db = open_db()
    with db.session() as session:
        draft = _draft_or_fail(session, draft_id)
        writer = write_draft_docx if format is FileFormat.docx else write_draft_xlsx
        writer(draft.title, draft.period_start, draft.period_end, draft_lines(draft), path)
    typer.echo(f"已导出 {path}")


@draft_app.command("upload")
def upload(draft_id: int = typer.Argument(..., help="草案 ID"),
           file: Path = typer.Argument(..., help="由 draft export --format xlsx 导出并修改后的 .xlsx")) -> None:
    """上传修改后的草案 .xlsx，替换草案各行；表头被改或指标不在目录中时拒绝，草案不变。"""
    from healthplan.reports.draft_table import DraftFileError, read_draft_xlsx
    from healthplan.store.drafts import replace_rows

    if not file.is_file():
        raise bad_input(f"{file}：文件不存在")
    db = open_db()
    uid = user_id(db)
    with db.session() as session:
        draft = _draft_or_fail(session, draft_id)
        try:
            lines = read_draft_xlsx(file.read_bytes(), file.name, draft.period_start, draft.period_end)
        except DraftFileError as exc:
            raise bad_input(str(exc)) from None
        replace_rows(session, draft, lines, user_id=uid, what=f"上传 {file.name}")
    typer.echo(f"已更新规划草案 {draft_id}：{len(lines)} 项指标（据 {file.name}）")


@draft_app.command("compare")
def compare(draft_id: int = typer.Argument(..., help="草案 ID"),
            plan: int = typer.Option(..., "--plan", help="印发后载入的规划 ID（同一地区、同一规划期）"),
            format: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="json 或 table")) -> None:
    """对照印发规划与最后一版草案：印发时新增、删除、修改了哪些指标（单位、基期值、目标值、属性）。"""
    from healthplan.draftdiff import render_changes
    from healthplan.proposals import ProposalError
    from healthplan.store.drafts import compare_with_plan

    db = open_db()
    try:
        with db.session() as session:
            draft = _draft_or_fail(session, draft_id)
            issued, changes, unchanged = compare_with_plan(session, draft, plan)
            label = f"规划草案 {draft_id} 对照规划 {issued.id}《{issued.title}》"
    except ProposalError as exc:
        raise bad_input(str(exc)) from None
    if format is ShowFormat.json:
        typer.echo(json.dumps({"draft": draft_id, "plan": plan, "unchanged": unchanged,
                               "changes": [c.to_json() for c in changes]}, ensure_ascii=False, indent=1))
    else:
        typer.echo(label)
        typer.echo(render_changes(changes, unchanged))


@app.command("succession")
def succession(plan_id: int = typer.Argument(..., help="规划 ID（如“十五五”规划）"),
               format: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="json 或 table")) -> None:
    """规划衔接检查：本规划所列基期值与上期规划监测值是否一致，上期指标是否延续，
    上期未完成的约束性指标是否延续。"""
    from healthplan.audit import findings_to_json
    from healthplan.draftcheck import render_findings
    from healthplan.store.drafts import previous_plan, succession_findings
    from healthplan.store.models import Plan
    from healthplan.succession import SUCCESSION_KINDS

    db = open_db()
    with db.session() as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise bad_input(f"没有编号为 {plan_id} 的规划（healthplan plans 列出）")
        before = previous_plan(session, plan)
        if before is None:
            raise bad_input(f"规划 {plan_id}《{plan.title}》所在地区没有 {plan.period_start - 1} 年结束的上期规划，无法做衔接检查")
        findings = succession_findings(session, plan)
        label = f"《{plan.title}》（规划 {plan.id}）对照《{before.title}》（规划 {before.id}）"
    if format is ShowFormat.json:
        typer.echo(json.dumps(findings_to_json(findings), ensure_ascii=False, indent=1))
    else:
        typer.echo(f"规划衔接检查：{label}，{len(findings)} 项问题")
        typer.echo(render_findings(findings, SUCCESSION_KINDS))
