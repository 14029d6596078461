"""`healthplan track …`: body-text commitments and 专栏 projects as tracked items."""

from __future__ import annotations

import json
from datetime import UTC
from enum import StrEnum

import typer

from healthplan.cli import app, bad_input, open_db, user_id

track_app = typer.Typer(help="量化承诺和重点项目（专栏）：记录进展、查看结论和历史版本",
                        no_args_is_help=True)
app.add_typer(track_app, name="track")


class ListFormat(StrEnum):
    table = "table"
    json = "json"


def _kind(commitment: int | None, project: int | None) -> tuple[str, int]:
    if (commitment is None) == (project is None):
        raise bad_input("须指定且只指定一项：--commitment N（量化承诺）或 --project N（专栏项目）")
    if commitment is not None:
        return "commitment", commitment
    return "project", project  # type: ignore[return-value]


def _check_year(year: int | None) -> None:
    if year is not None and not 1949 <= year <= 2100:
        raise bad_input(f"--year：年份 {year} 不合理")


@track_app.command("list")
def list_command(
    plan: int = typer.Argument(..., help="规划 ID（healthplan plans 列出）"),
    year: int = typer.Option(None, "--year", help="评价年份；默认取有进展记录的最近年份"),
    format: ListFormat = typer.Option(ListFormat.table, "--format", "-f",
                                      help="table：终端表格；json：一行 JSON"),
) -> None:
    """列出规划的全部量化承诺和专栏项目：编号、内容、规则、最新进展、结论。"""
    from healthplan.store.progress import ProgressError, tracked_items

    _check_year(year)
    db = open_db()
    try:
        with db.session() as session:
            try:
                items = tracked_items(session, plan, year)
            except ProgressError as exc:
                raise bad_input(str(exc)) from None
    finally:
        db.close()
    if format is ListFormat.json:
        typer.echo(json.dumps({"plan_id": plan, "year": items[0].year if items else year,
                               "items": [i.to_json() for i in items]}, ensure_ascii=False))
        return
    _print_table(plan, items)


def _print_table(plan: int, items) -> None:
    from rich.table import Table

    from healthplan.cli.plans import VERDICT_STYLE, console

    out = console()
    if not items:
        out.print(f"规划 {plan} 没有识别到量化承诺和专栏项目。", highlight=False)
        return
    out.print(f"[bold]规划 {plan}　量化承诺与重点项目　{items[0].year}年评价[/bold]", highlight=False)
    table = Table("编号", "内容", "规则", "最新进展", "来源", "结论", box=None, pad_edge=False,
                  highlight=False)
    for item in items:
        code = f"{'C' if item.kind == 'commitment' else 'P'}{item.number}"
        text = item.text if item.kind == "commitment" else f"{item.label} {item.text}"
        verdict = f"[{VERDICT_STYLE[item.verdict]}]{item.verdict_cn}[/]"
        table.add_row(code, text, item.rule, item.latest_text or "—", item.source or "—", verdict)
    out.print(table)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.verdict_cn] = counts.get(item.verdict_cn, 0) + 1
    n_c = sum(1 for i in items if i.kind == "commitment")
    n_q = sum(1 for i in items if i.kind == "commitment" and i.quantitative)
    out.print(f"承诺 {n_c} 条（可自动判断 {n_q} 条，需人工研判 {n_c - n_q} 条），专栏项目 "
              f"{len(items) - n_c} 个；" + "，".join(f"{k} {v}" for k, v in counts.items()),
              highlight=False)
    out.print("编号 C12 用 --commitment 12、P3 用 --project 3 记录进展（healthplan track record）。",
              highlight=False)


@track_app.command("record")
def record_command(
    plan: int = typer.Argument(..., help="规划 ID"),
    commitment: int = typer.Option(None, "--commitment", "-c", help="量化承诺编号（track list 中 C 后的数字）"),
    project: int = typer.Option(None, "--project", "-p", help="专栏项目编号（track list 中 P 后的数字）"),
    year: int = typer.Option(..., "--year", help="进展所属年份（规划期内，不晚于今年）"),
    value: str = typer.Option(None, "--value", help="量化承诺的实际数值（与规则同一单位）"),
    status: str = typer.Option(None, "--status",
                               help="专栏项目或需人工研判承诺的状态：not_started（未启动）、"
                                    "in_progress（推进中）、stalled（停滞）、completed（已完成）、"
                                    "cancelled（已取消或调整）"),
    source: str = typer.Option(None, "--source", help="来源（必填）：统计年报、验收文件、文号等"),
    evidence: str = typer.Option("", "--evidence", help="佐证材料或说明"),
    reason: str = typer.Option("", "--reason", help="更正已有记录时必填：更正原因"),
) -> None:
    """记录一项承诺或专栏项目某一年的进展；更正已有记录会新增一个版本，须说明原因。"""
    from sqlalchemy.exc import IntegrityError

    from healthplan.store.progress import ProgressError, record_progress, tracked_item

    kind, number = _kind(commitment, project)
    _check_year(year)
    if source is None or not source.strip():
        raise bad_input("缺少来源：每条进展都必须注明来源（--source，如统计年报、项目验收文件、文号）")
    db = open_db()
    try:
        who = user_id(db)
        with db.session() as session:  # one transaction: committed at the end, or nothing
            try:
                done = record_progress(session, plan, kind, number, year, value=value,
                                       status=status, source=source, evidence=evidence,
                                       reason=reason, user_id=who)
                item = tracked_item(session, plan, kind, number, year)
            except ProgressError as exc:
                raise bad_input(str(exc)) from None
    except IntegrityError:  # another writer added the same version meanwhile
        raise bad_input(f"规划 {plan} 该条目 {year} 年的进展刚被他人修改，本次未写入；"
                        "请用 track history 查看后再记录") from None
    finally:
        db.close()
    if not done.changed:
        typer.echo(f"未变：{item.label} {year} 年已有相同的记录（第{done.entry.version}版）。")
    elif done.correction:
        typer.echo(f"已更正：{item.label}（{item.text}）{year} 年进展为第{done.entry.version}版。")
    else:
        typer.echo(f"已记录：{item.label}（{item.text}）{year} 年进展。")
    typer.echo(f"规则：{item.rule}")
    typer.echo(f"结论：{item.verdict_cn}　{item.explanation}")


@track_app.command("history")
def history_command(
    plan: int = typer.Argument(..., help="规划 ID"),
    commitment: int = typer.Option(None, "--commitment", "-c", help="量化承诺编号"),
    project: int = typer.Option(None, "--project", "-p", help="专栏项目编号"),
    year: int = typer.Option(None, "--year", help="只看这一年"),
) -> None:
    """列出一项承诺或专栏项目的全部进展版本：数值或状态、来源、佐证、录入人、时间、更正原因。"""
    from healthplan.store.models import User
    from healthplan.store.progress import ProgressError, progress_history, tracked_item
    from healthplan.tracking import STATUS_CN

    kind, number = _kind(commitment, project)
    _check_year(year)
    db = open_db()
    try:
        with db.session() as session:
            try:
                item = tracked_item(session, plan, kind, number)
                versions = progress_history(session, plan, kind, number, year)
            except ProgressError as exc:
                raise bad_input(str(exc)) from None
            names = {u.id: u.name for u in session.query(User)}
            lines = []
            for e in versions:
                when = e.recorded_at if e.recorded_at.tzinfo else e.recorded_at.replace(tzinfo=UTC)
                what = (f"{e.value:g}" if e.value is not None
                        else STATUS_CN.get(e.status, e.status or "—"))
                lines.append(f"{e.year}\t第{e.version}版\t{what}\t{e.source}\t{e.evidence or '—'}\t"
                             f"{names.get(e.recorded_by, '—')}\t"
                             f"{when.astimezone().strftime('%Y-%m-%d %H:%M:%S')}\t{e.reason or '—'}")
    finally:
        db.close()
    typer.echo(f"规划 {plan} {item.label}：{item.text}　规则：{item.rule}"
               + (f"　{year} 年" if year else ""))
    if not lines:
        typer.echo("没有进展记录")
        return
    typer.echo("年份\t版本\t数值/状态\t来源\t佐证\t录入人\t录入时间\t更正原因")
    for line in lines:
        typer.echo(line)
