"""`healthplan audit`: review a plan as a provincial reviewer does (healthplan.audit)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from healthplan.cli import EXIT_BAD_INPUT, app, bad_input, open_db
from healthplan.cli.ingest import PLAN_FILES_HELP


class AuditFormat(StrEnum):
    json = "json"
    table = "table"


@app.command()
def audit(
    plan: str = typer.Argument(..., metavar="规划ID|文件",
                               help=f"已载入规划的 ID（healthplan plans 列出），或{PLAN_FILES_HELP}"),
    format: AuditFormat = typer.Option(AuditFormat.table, "--format", "-f",
                                       help="table：可读清单；json：问题列表（kind、severity、message、evidence）"),
    parent: str = typer.Option(None, "--parent", metavar="规划ID|文件",
                               help="用于比较目标的上级规划（ID 或文件）；规划 ID 默认取其已关联的上级规划"),
) -> None:
    """审查规划：前后数字矛盾、编号缺漏、目标低于基期或上级规划、单位与指标定义、
    基期值/属性/目标年份缺失、监测评估机制和责任主体，每条问题附原文行号和引文。"""
    from healthplan.audit import audit_plan, findings_to_json, render_table

    document, extracted, label, linked_parent = _load(plan)
    parent_plan = _load_parent(parent) if parent is not None else linked_parent
    findings = audit_plan(document, extracted, parent_plan)
    if format is AuditFormat.json:
        typer.echo(json.dumps(findings_to_json(findings), ensure_ascii=False, indent=1))
    else:
        title = label + (f"（对照上级规划：{parent_plan.label}）" if parent_plan else "")
        typer.echo(render_table(findings, title), nl=False)


def _is_plan_id(text: str) -> bool:
    return text.strip().isdigit() and not Path(text).exists()


def _load(target: str):
    """(document, extracted plan, label, parent from the database or None)."""
    if _is_plan_id(target):
        return _load_stored(int(target))
    from healthplan.cli.ingest import read_document_and_plan

    read = read_document_and_plan(target)
    if read is None:
        raise typer.Exit(EXIT_BAD_INPUT)
    document, extracted = read
    title = extracted.document.title or Path(target).name
    return document, extracted, f"{title}（{target}）", None


def _load_stored(plan_id: int):
    from healthplan.extract import extract_plan
    from healthplan.store.documents import plan_document
    from healthplan.store.models import Plan
    from healthplan.store.plans import stored_parent

    db = open_db(quiet=True)
    with db.session() as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise bad_input(f"没有编号为 {plan_id} 的规划（healthplan plans 可列出已载入的规划）")
        try:
            document = plan_document(session, plan_id)
        except LookupError as exc:
            raise bad_input(str(exc)) from None
        label = f"{plan.title}（规划 {plan.id}）"
        parent = stored_parent(plan)
    return document, extract_plan(document), label, parent


def _load_parent(target: str):
    from healthplan.audit import parent_from_plan

    if _is_plan_id(target):
        from healthplan.store.models import Plan
        from healthplan.store.plans import audit_parent

        db = open_db(quiet=True)
        with db.session() as session:
            plan = session.get(Plan, int(target))
            if plan is None:
                raise bad_input(f"--parent：没有编号为 {target} 的规划")
            return audit_parent(plan)
    from healthplan.cli.ingest import read_document_and_plan

    read = read_document_and_plan(target)
    if read is None:
        raise typer.Exit(EXIT_BAD_INPUT)
    extracted = read[1]
    return parent_from_plan(extracted, f"{extracted.document.title or Path(target).name}（{target}）")
