"""`healthplan compare`: several plans side by side (HTML, Excel or Word)."""

from __future__ import annotations

from pathlib import Path

import typer

from healthplan.cli import app, bad_input, open_db
from healthplan.reports.kinds import ReportFormat


@app.command()
def compare(
    plans: list[int] = typer.Option(..., "--plan", help="规划 ID，至少两个：--plan 2 --plan 3（healthplan plans 列出）"),
    year: int = typer.Option(None, "--year", help="最新值和结论的评价年份；默认：各规划最近有数据的年份"),
    format: ReportFormat = typer.Option(ReportFormat.html, "--format", "-f", help="html、xlsx 或 docx"),
    out: Path = typer.Option(None, "--out", "-o", help="输出文件；默认在当前目录按所比规划的地区命名"),
) -> None:
    """对比多个规划的主要指标：目标值、基期值、规划改善幅度（较基期）、最新值和结论，
    并列出各规划共有的指标及其年均改善幅度。"""
    from healthplan.reports.comparison import build_comparison, write_comparison
    from healthplan.reports.content import ReportError

    db = open_db()
    try:
        with db.session() as session:
            content = build_comparison(session, plans, year)
        path = out or Path(f"规划对比_{'_'.join(p.label for p in content.plans)}.{format.value}")
        if path.suffix.lower() != f".{format.value}":
            raise ReportError(f"{path}：扩展名应为 .{format.value}")
        write_comparison(content, path, format.value)
    except ReportError as exc:
        raise bad_input(str(exc)) from None
    typer.echo(f"已生成 {path}：{content.title}（{content.subtitle}；{len(content.rows)} 项指标，"
               f"各规划共有 {len(content.shared_rows())} 项）")
