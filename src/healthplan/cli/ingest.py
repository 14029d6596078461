"""`healthplan ingest`: read plan documents and show what was found, without storing."""

from __future__ import annotations

import json
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer

from healthplan.cli import EXIT_BAD_INPUT, app, fail_line
from healthplan.documents import Document, DocumentError, read_document
from healthplan.documents.reader import SUPPORTED_TEXT
from healthplan.extract import ExtractedPlan, extract_plan

PLAN_FILES_HELP = f"规划文件（{SUPPORTED_TEXT}；扫描件和图片经文字识别读取）"


class IngestFormat(StrEnum):
    json = "json"
    summary = "summary"
    rows = "rows"


def read_plan(path: str) -> ExtractedPlan | None:
    """Read and extract one plan; on bad input print one line and return None."""
    read = read_document_and_plan(path)
    return read[1] if read else None


def read_document_and_plan(path: str) -> tuple[Document, ExtractedPlan] | None:
    """The document as read and the plan extracted from it; on bad input print one line
    and return None."""
    try:
        with page_progress() as progress:
            document = read_document(path, progress=progress)
        return document, extract_plan(document)
    except KeyboardInterrupt:
        typer.echo(f"healthplan: 已中断：{path} 未读完，未保存任何内容", err=True)
        raise typer.Exit(130) from None
    except DocumentError as exc:
        fail_line(exc.path, exc.problem)
    except Exception as exc:  # a reader bug must still not show the user a traceback
        fail_line(path, f"读取时出现内部错误（{type(exc).__name__}：{exc}）")
    return None


@contextmanager
def page_progress():
    """A progress callback for the reader (OCR reports page by page): a rich progress bar
    on a terminal (it disappears when done); nothing when stderr is a file or a pipe, where
    bad input must stay one line."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    bar: list = []

    def report(done: int, total: int, what: str) -> None:
        if not console.is_terminal:
            return
        if not bar:
            bar.append(Progress("[progress.description]{task.description}", BarColumn(),
                                MofNCompleteColumn(), TimeRemainingColumn(), console=console,
                                transient=True))
            bar[0].start()
            bar.append(bar[0].add_task(f"{what}（页）", total=total))
        bar[0].update(bar[1], completed=done)

    try:
        yield report
    finally:
        if bar:
            bar[0].stop()


@app.command()
def ingest(
    files: list[Path] = typer.Argument(..., help=PLAN_FILES_HELP),
    format: IngestFormat = typer.Option(IngestFormat.summary, "--format", "-f",
                                        help="json：每个文件输出一行 JSON；summary：可读摘要；rows：逐行列出指标表"),
) -> None:
    """读取规划文件，提取元数据、大纲、指标表、专栏项目和量化承诺。"""
    failed = False
    for file in files:
        plan = read_plan(str(file))
        if plan is None:
            failed = True
            continue
        if format is IngestFormat.json:
            typer.echo(json.dumps(plan.to_json(), ensure_ascii=False))
        elif format is IngestFormat.rows:
            typer.echo(render_rows(plan))
        else:
            typer.echo(render_summary(plan))
        if not plan.indicator_tables:
            fail_line(str(file), "未找到指标表（已提取大纲和专栏项目）")
            failed = True
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def render_summary(plan: ExtractedPlan) -> str:
    info = plan.document
    out = [f"■ {info.title or '（未识别标题）'}" + ("（征求意见稿）" if info.status == "draft" else "")]
    out.append(f"  文件：{Path(info.path).name}（{info.format}，{info.lines} 行）")
    out.append(
        f"  地区：{info.region or '未识别'}　规划期：{info.period or '未识别'}　"
        f"发布：{info.issuer or '—'} {info.issued_on or ''}".rstrip()
    )
    for table in plan.indicator_tables:
        kind = "上期规划完成情况" if table.kind == "completion" else "本期规划指标"
        counts = _attribute_counts(table.rows)
        out.append(
            f"  指标表「{table.caption or '（无标题）'}」（{kind}，{table.period or '规划期未识别'}，"
            + (f"第 {table.page} 页，" if table.page else "")
            + f"第 {table.line_start}–{table.line_end} 行）：{len(table.rows)} 项指标"
            + (f"，{counts}" if counts else "")
        )
    rows = list(plan.rows())
    if rows:
        matched = sum(1 for r in rows if r.indicator_id)
        judged = sum(1 for r in rows if r.rule and r.rule.kind == "needs_judgement")
        out.append(f"  指标目录匹配：{matched}/{len(rows)} 项；目标解析为规则：{len(rows) - judged}/{len(rows)} 项")
        for r in rows:
            if r.indicator_id is None:
                out.append(f"    未匹配：{r.name}（第 {r.line_start} 行）")
            elif r.match.unit_note:
                out.append(f"    单位存疑：{r.name}（第 {r.line_start} 行，印刷单位“{r.unit}”）")
    else:
        out.append("  指标表：未找到")
    captioned = [p for p in plan.projects if not p.caption_missing]
    line = f"  专栏项目：{len(captioned)} 个"
    missing = [p for p in plan.projects if p.caption_missing]
    if missing:
        where = "、".join(
            f"第 {p.line_start} 行" + (f"，按编号推断为专栏{p.inferred_number}" if p.inferred_number else "")
            for p in missing
        )
        line += f"（另有 {len(missing)} 个专栏缺少标题：{where}）"
    out.append(line)
    for project in captioned:
        out.append(f"    专栏{project.number} {project.title}")
    headings = sum(1 for _ in _walk(plan.outline))
    out.append(f"  大纲标题：{headings} 个　量化承诺：{len(plan.commitments)} 条"
               + (f"　目录条目：{len(plan.toc)} 条" if plan.toc else ""))
    return "\n".join(out) + "\n"


def render_rows(plan: ExtractedPlan) -> str:
    """Every indicator row as printed, one per line, for checking against the document."""
    out = []
    for table in plan.indicator_tables:
        out.append(f"■ {table.caption}（第 {table.line_start}–{table.line_end} 行）")
        out.append("  行号\t领域\t序号\t指标\t单位\t基期\t基期值\t目标年\t目标值\t属性")
        for r in table.rows:
            lines = f"{r.line_start}-{r.line_end}" if r.line_end != r.line_start else str(r.line_start)
            cells = [lines, r.category, r.seq, r.name, r.unit, r.baseline_year or "", r.baseline,
                     r.target_year or "", r.target, r.attribute]
            out.append("  " + "\t".join(str(c) for c in cells))
    return "\n".join(out) + "\n"


def _attribute_counts(rows) -> str:
    binding = sum(1 for r in rows if r.attribute == "约束性")
    expected = sum(1 for r in rows if r.attribute == "预期性")
    other = len(rows) - binding - expected
    parts = []
    if binding:
        parts.append(f"约束性 {binding}")
    if expected:
        parts.append(f"预期性 {expected}")
    if other and (binding or expected):
        parts.append(f"未标属性 {other}")
    return "，".join(parts)


def _walk(headings):
    for heading in headings:
        yield heading
        yield from _walk(heading.children)
