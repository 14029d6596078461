"""`healthplan report`: evaluation reports in Word, HTML or Excel."""

from __future__ import annotations

from pathlib import Path

import typer

from healthplan.cli import app, bad_input, open_db
from healthplan.reports.kinds import ReportFormat, ReportKind


@app.command()
def report(
    plan: int = typer.Option(..., "--plan", help="规划 ID（healthplan plans 列出）"),
    kind: ReportKind = typer.Option(ReportKind.annual, "--kind",
                                    help="annual：年度监测；midterm：中期评估；final：终期评估"),
    year: int = typer.Option(None, "--year", help="评价年份（基期年至规划期末次年）；默认：年度取规划期内有数据的最近年份，中期同此但不晚于规划期末前一年，终期取规划期末"),
    format: ReportFormat = typer.Option(ReportFormat.docx, "--format", "-f", help="docx、html 或 xlsx"),
    out: Path = typer.Option(None, "--out", "-o", help="输出文件；默认在当前目录按地区、规划期和报告类型命名"),
) -> None:
    """生成评价报告（Word、HTML 或 Excel）：指标结论、逐项说明和图表、重点项目、数据来源；
    系统无法知道的内容（原因分析、措施等）以红色“【待填写】”标出。"""
    if format is not ReportFormat.xlsx:
        # Before anything else: the chart workers load matplotlib and the font on the other
        # core(s) while this process imports the database layer and reads the plan.
        from healthplan.reports.charts import start_chart_workers

        start_chart_workers("png" if format is ReportFormat.docx else "svg")
    from healthplan.reports import write_report
    from healthplan.reports.content import ReportError, build_report

    db = open_db()
    try:
        with db.session() as session:
            content = build_report(session, plan, kind.value, year)
        path = out or Path(content.file_name(format.value))
        if path.suffix.lower() != f".{format.value}":
            raise ReportError(f"{path}：扩展名应为 .{format.value}")
        write_report(content, path, format.value)
    except ReportError as exc:
        raise bad_input(str(exc)) from None
    from healthplan.evaluate import VERDICT_CN

    counts = "，".join(f"{VERDICT_CN[k]} {v}" for k, v in content.counts().items())
    typer.echo(f"已生成 {path}：{content.report_title}（{content.year}年，{len(content.indicators)} 项指标：{counts}）")
