"""`healthplan load`, `plans`, `evaluate`, `regions` and `demo`: plans in the database."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from healthplan.cli import EXIT_BAD_INPUT, app, bad_input, open_db, options, user_id
from healthplan.cli.ingest import PLAN_FILES_HELP, read_document_and_plan

if TYPE_CHECKING:  # rich is imported by the commands that print with it
    from rich.console import Console

VERDICT_STYLE = {
    "achieved": "green", "on_track": "green", "at_risk": "yellow", "off_track": "red",
    "not_achieved": "red", "no_data": "dim", "needs_judgement": "magenta",
}


def console(width: int | None = None) -> Console:
    """A console for verdict tables; with ``width``, one that wraps its text to it."""
    from rich.console import Console

    if width is not None:
        return Console(soft_wrap=False, width=width)
    # Wide enough for the verdict table when stdout is a file or a pipe.
    return Console(soft_wrap=True, width=None if Console().is_terminal else 120)


@app.command()
def load(
    file: Path = typer.Argument(..., help=PLAN_FILES_HELP),
    region: str = typer.Option(None, "--region", help="规划所属地区（名称或六位行政区划代码）；默认从文件识别"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="只输出规划 ID"),
    replace: bool = typer.Option(False, "--replace",
                                 help="确认以此文件取代本地区同一规划期的现行规划（征求意见稿改为同名正式稿时不需要）"),
) -> None:
    """读取规划文件并存入数据库，输出规划 ID。同一文件重复载入不会重复存储；修订稿与原稿并存并列出变化；
    取代本地区同一规划期的现行规划须加 --replace 确认。"""
    from healthplan.store.plans import PlanLoadError, load_plan

    read = read_document_and_plan(str(file))
    if read is None:
        raise typer.Exit(EXIT_BAD_INPUT)
    document, extracted = read
    db = open_db(quiet=quiet)
    uid = user_id(db)
    try:
        with db.session() as session:
            stored = load_plan(session, extracted, region_text=region, user_id=uid,
                               document=document, replace=replace)
            lines = [str(stored[-1].plan.id)] if quiet else [describe_stored(s) for s in stored]
    except PlanLoadError as exc:
        raise bad_input(str(exc)) from None
    typer.echo("\n".join(lines))


def describe_stored(item) -> str:
    plan = item.plan
    status = "征求意见稿" if plan.status == "draft" else "正式稿"
    head = "已载入" if item.created else "已存在（同一文件此前已载入，未重复存储）"
    what = "上期规划（据完成情况表重建）" if plan.origin == "completion_table" else "规划"
    lines = [f"{head}{what} {plan.id}：{plan.title}（{plan.region.name}，{plan.period}，{status}）"]
    if not item.created:
        return lines[0]
    lines.append(f"  指标 {len(plan.targets)} 项，专栏 {len(plan.projects)} 个，量化承诺 {len(plan.commitments)} 条"
                 + (f"，上级规划 {plan.parent_id}" if plan.parent_id else ""))
    if item.observations_added:
        kind = "完成值" if plan.origin == "completion_table" else "基期值"
        lines.append(f"  文件所列{kind} {item.observations_added} 条记为监测值（来源注明文件、表和行号）")
    lines.extend(f"  未记入：{s}" for s in item.skipped)
    if item.supersedes is not None:
        lines.append(f"  为规划 {item.supersedes.id}（{item.supersedes.title}）的修订稿，变化 {len(item.changes)} 处：")
        lines.extend(f"    {c}" for c in item.changes or ["（指标、专栏均无变化）"])
    return "\n".join(lines)


@app.command("plans")
def list_plans() -> None:
    """列出已载入的规划（按地区层级），含规划 ID、规划期、状态和上级规划。"""
    from sqlalchemy import select

    from healthplan.store.models import Plan
    from healthplan.store.regions import full_name

    db = open_db()
    with db.session() as session:
        plans = list(session.scalars(select(Plan).order_by(Plan.id)))
        if not plans:
            typer.echo("数据库中还没有规划；用 healthplan load 文件 载入，或运行 healthplan demo。")
            return
        superseded = {p.supersedes_id: p.id for p in plans if p.supersedes_id}
        typer.echo("ID\t规划期\t状态\t地区 / 规划（缩进表示下级规划）")
        for plan in _tree_order(plans):
            status = "征求意见稿" if plan.status == "draft" else "正式稿"
            if plan.id in superseded:
                status += f"（已被 {superseded[plan.id]} 取代）"
            indent = "  " * _depth(plan)
            typer.echo(f"{plan.id}\t{plan.period}\t{status}\t{indent}{full_name(plan.region)}"
                       f"　{plan.title}")


def _depth(plan) -> int:
    depth, node = 0, plan.parent
    while node is not None:
        depth, node = depth + 1, node.parent
    return depth


def _tree_order(plans):
    by_parent: dict[int | None, list] = {}
    for plan in plans:
        by_parent.setdefault(plan.parent_id, []).append(plan)
    out = []

    def walk(parent_id):
        for plan in by_parent.get(parent_id, []):
            out.append(plan)
            walk(plan.id)

    walk(None)
    return out


class EvaluateFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def evaluate(
    plan: int = typer.Option(..., "--plan", help="规划 ID（healthplan plans 列出）"),
    year: int = typer.Option(None, "--year", help="评价年份（基期年至规划期末次年）；默认取规划期内有数据的最近年份"),
    format: EvaluateFormat = typer.Option(EvaluateFormat.table, "--format", "-f",
                                          help="table：终端表格；json：一行 JSON"),
) -> None:
    """评价一个规划：逐项指标给出最新监测值、结论和说明，并列出全国数据作对照。"""
    from healthplan.store.evaluation import PlanNotFound, YearOutOfRange, evaluate_stored_plan

    db = open_db()
    with db.session() as session:
        try:
            result = evaluate_stored_plan(session, plan, year)
        except PlanNotFound as exc:
            raise bad_input(str(exc)) from None
        except YearOutOfRange as exc:
            raise bad_input(f"--year：{exc}") from None
        if format is EvaluateFormat.json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
            return
        out = console()
        print_evaluation(out, result, explanations=True)


def print_evaluation(out: Console, result, *, explanations: bool) -> None:
    from rich.table import Table

    from healthplan.evaluate import VERDICT_CN
    from healthplan.targets import _display_unit

    plan = result.plan
    status = "（征求意见稿）" if plan.status == "draft" else ""
    out.print(f"[bold]规划 {plan.id}：{plan.title}{status}[/bold]　{result.region.name}　"
              f"{plan.period}　{result.year}年评价", highlight=False)
    final = result.year >= plan.period_end  # the final evaluation: its class beside the verdict
    columns = ("序号", "指标", "属性", "目标", "最新监测值", "全国", "结论") + (("终期分类",) if final else ())
    table = Table(*columns, box=None, pad_edge=False, highlight=False)
    for k, t in enumerate(result.targets, start=1):
        latest = "—" if t.latest_value is None else f"{t.latest_value:g}（{t.latest_year}）"
        bench = "" if t.benchmark is None else f"{t.benchmark.value:g}（{t.benchmark.year}）"
        verdict = f"[{VERDICT_STYLE[t.verdict]}]{t.verdict_cn}[/]"
        if t.binding_shortfall:
            verdict += " [bold red]![/]"
        # The unit goes with a figure ("≥83.5 岁"), not with words ("同比例提高").
        unit = _display_unit(t.unit)  # "1/10万" → "/10万", as the reports print it
        target = f"{t.target} {unit}" if any(ch.isdigit() for ch in t.target) else t.target
        cells = [str(k), t.name, t.attribute, target.strip(), latest, bench, verdict]
        if final:
            cells.append(_final_cell(t.final))
        table.add_row(*cells)
    out.print(table)
    if final:
        pending = [f"{t.name}（{t.final.year_used}年）" for t in result.targets
                   if t.final is not None and t.final.pending and t.final.year_used is not None]
        if pending:
            out.print(f"*：{result.year}年终期数据待发布，暂按最近年份的数据判断：{'、'.join(pending)}",
                      highlight=False)
        if explanations:
            out.print(final_legend(), highlight=False)
    counts = "，".join(f"{VERDICT_CN[v]} {n}" for v, n in sorted(result.counts().items(),
                                                                   key=lambda kv: -kv[1]))
    out.print(f"合计 {len(result.targets)} 项：{counts}", highlight=False)
    shortfalls = [t.name for t in result.targets if t.binding_shortfall]
    if shortfalls:
        out.print(f"[bold red]约束性指标未达预期（!）：{'、'.join(shortfalls)}[/]", highlight=False)
    if any(t.benchmark for t in result.targets):
        sources = sorted({_publication(t.benchmark.source) for t in result.targets if t.benchmark})
        out.print("全国：" + "；".join(sources), highlight=False)
    for child in result.children:
        counts = "，".join(f"{VERDICT_CN[v]} {n}" for v, n in child["counts"].items())
        out.print(f"下级规划 {child['plan_id']} {child['region']}：{counts}", highlight=False)
    if explanations:
        out.print("\n说明：", highlight=False)
        for k, t in enumerate(result.targets, start=1):
            ident = f"（{t.indicator_id}）" if t.indicator_id else "（未匹配指标目录）"
            source = f"　数据来源：{t.latest_source}" if t.latest_source else ""
            out.print(f"{k}. {t.name}{ident}　规则：{t.rule}\n   {t.explanation}{source}",
                      highlight=False)
    out.print()


def final_legend() -> str:
    from healthplan.final import BASICALLY_DONE

    return (f"终期分类：提前完成、完成、基本完成（计划变化完成{BASICALLY_DONE:g}%及以上，约束性指标"
            "不适用）、未完成；规则见 README“终期评估分类”。")


def _publication(source: str) -> str:
    """《…》表…第 N 行 → 《…》: one entry per publication in a list of sources."""
    return source.split("》", 1)[0] + "》" if source.startswith("《") else source


def _final_cell(final) -> str:
    if final is None:
        return ""
    cell = final.label + ("*" if final.pending and final.year_used is not None else "")
    return f"[bold red]{cell} ![/]" if final.binding_shortfall else cell


@app.command()
def regions(
    name: str = typer.Argument(..., help="地区名称（如 江阴市、苏州市吴中区）或六位代码"),
) -> None:
    """查询地区的行政区划代码、层级和下级地区。"""
    from healthplan.store.regions import RegionError, children, find_region, full_name

    db = open_db()
    with db.session() as session:
        try:
            region = find_region(session, name)
        except RegionError as exc:
            raise bad_input(str(exc)) from None
        level = {"nation": "全国", "province": "省级", "city": "地级", "county": "县级"}[region.level]
        typer.echo(f"{region.code}　{full_name(region)}（{level}）")
        for child in children(session, region):
            typer.echo(f"  {child.code}　{child.name}")


DEMO_WIDTH = 100  # the demo's printout fits a terminal this wide


@app.command()
def demo(
    simulated: bool = typer.Option(
        False, "--simulated",
        help="另建模拟数据库（仅供演示培训）：各地区“十四五”规划 2021—2025 年的监测值由程序按基期值和目标值"
             "生成，来源均注明“模拟数据（非真实，仅供演示培训）”，网页和报告处处标明；与示例数据库分开存放"),
) -> None:
    """用内置的全国规划节选、五个示例规划和已发布的全国数据建立示例数据库，先打印全国规划的终期评价，再逐个规划打印评价表。"""
    from rich.console import Console
    from rich.progress import Progress

    from healthplan.cli.pasteable import pasteable
    from healthplan.demo import build_demo, create_demo_accounts, national_summary
    from healthplan.demo_simulated import MixedDatabase, build_simulated_demo, refuse_mixing
    from healthplan.simulated import SIMULATED_SOURCE
    from healthplan.store.database import ENV_URL, default_sqlite_path
    from healthplan.store.evaluation import evaluate_stored_plan
    from healthplan.store.plans import PlanLoadError

    url = options.db
    # Databases of their own, rebuilt each time, so the demo never mixes with real data
    # and the simulated demo never with either (never the default, even when
    # HEALTHPLAN_DATABASE_URL names one: only an explicit --db).
    if url is None and (simulated or not os.environ.get(ENV_URL)):
        name = "demo-simulated.sqlite3" if simulated else "demo.sqlite3"
        path = default_sqlite_path().with_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)  # a fresh machine has no data folder
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    db = open_db(url, quiet=True)
    try:
        refuse_mixing(db, simulated=simulated)
    except MixedDatabase as exc:
        raise bad_input(str(exc)) from None
    out = console(DEMO_WIDTH)
    if simulated:
        out.print(f"【{SIMULATED_SOURCE}】本库各地区“十四五”规划2021—2025年的监测值由程序生成，"
                  "不是统计数据，不得引用；网页每页、每份报告的封面和页脚都标明。", highlight=False)
    out.print(f"{'模拟' if simulated else '示例'}数据库：{db.describe()}", highlight=False)
    # the national plans (14th, 15th), five documents, the national figures,
    # (simulated series,) evaluation, accounts
    steps = 11 if simulated else 10
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("建立示例数据库", total=steps)

        def step(description: str) -> None:
            progress.update(task, description=description, advance=1)

        try:
            if simulated:
                made = build_simulated_demo(db, step=step)
                result = made.demo
            else:  # the system's own load, not the login user's
                result = build_demo(db, step=step)
        except PlanLoadError as exc:  # a --db that holds other plans of the sample regions
            raise bad_input(f"示例数据未能载入：{exc}") from None
        step("评价")
        with db.session() as session:
            national = result.national_plan.plan
            # the national plan's table first, as its summary leads the printout
            order = sorted(result.plans, key=lambda item: item.plan.id != national.id)
            evaluations = [evaluate_stored_plan(session, item.plan.id) for item in order]
            by_year = [evaluate_stored_plan(session, national.id, y, with_children=False)
                       for y in range(national.period_start, national.period_end + 1)]
        step("示例账户")
        accounts = create_demo_accounts(db)
    out.print(f"已载入规划 {len(result.plans)} 个（含全国规划节选；无锡市“十三五”规划据其完成情况表重建）。",
              highlight=False)
    out.print("其中全国 2026–2030 年规划为国家“十五五”规划纲要卫生健康目标（据健康报摘要，无基期值和属性）。",
              highlight=False)
    out.print(f"全国数据 {result.national_added} 条，均注明出处和原文。\n", highlight=False)
    # The national final evaluation leads: the one plan with real figures to 2025.
    for line in national_summary(by_year[-1], by_year[:-1]):
        out.print(line, highlight=False, soft_wrap=False)
    for line in result.national_skipped:
        out.print(f"  未记入：{line}", highlight=False, soft_wrap=False)
    out.print(final_legend() + "\n", highlight=False)
    for evaluation in evaluations:
        print_evaluation(out, evaluation, explanations=False)
    if simulated:
        def names(plans) -> str:
            return "、".join(plan.region.name for plan in plans)

        out.print(f"说明：本库是模拟库。{names(made.final_plans)}的模拟数据到{made.final_year}年（终期评估的情形），"
                  f"{names(made.midterm_plans)}的到{made.midterm_year}年（中期评估的情形，有进度正常、存在风险、"
                  f"进度滞后和趋势外推）；共生成{made.added}条，来源均为“{SIMULATED_SOURCE}”。"
                  "全国数据和规划文件所列数值是真实的，均注明来源。", highlight=False)
    else:
        out.print("说明：示例库只含规划文件所列的基期值、完成值和已发布的全国数据，均注明来源；"
                  "各地区 2021 年以后的监测值需要导入，因此“十四五”指标暂为“无数据”。", highlight=False)
        # The commands on lines of their own: a wrapped line would break them in two.
        out.print("  导入监测值：healthplan observe import 文件.xlsx", highlight=False)
        out.print("  看各种评价结论的样子，另建模拟库（数据为模拟，仅供演示培训）：healthplan demo --simulated",
                  highlight=False)
    db_words = ["--db", url] if url else []

    def command(*args: str) -> None:
        for line in pasteable([*db_words, *args], columns=DEMO_WIDTH):
            out.print(line, highlight=False, soft_wrap=True, markup=False)

    out.print("以下命令可直接粘贴运行。查看全国规划的终期评价逐项说明：", highlight=False)
    command("evaluate", "--plan", str(national.id), "--year", str(national.period_end))
    out.print("生成填报模板：", highlight=False)
    current = [item for item in order if item.plan.period_end <= national.period_end]
    command("template", "--plan", str(current[-1].plan.id))
    if accounts:
        out.print("\n网页版：", highlight=False)
        command("serve")
        out.print("可用以下示例账户登录（密码每次重建示例库时随机生成，只显示这一次），浏览器打开"
                  "\n  http://127.0.0.1:8000/", highlight=False)
        for account in accounts:
            region = f"，{account.region}" if account.region else ""
            out.print(f"  {account.name}（{account.role}{region}）  密码：{account.password}",
                      highlight=False)
