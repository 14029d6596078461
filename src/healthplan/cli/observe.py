"""`healthplan observe …` and `healthplan template`: observations in and out."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import typer

from healthplan.cli import EXIT_BAD_INPUT, app, bad_input, fail_line, open_db, user_id

observe_app = typer.Typer(help="监测值：导入文件、查看历史版本", no_args_is_help=True)
app.add_typer(observe_app, name="observe")

PROBLEMS_SHOWN = 50


@observe_app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="监测值文件：.csv、.xlsx（长表或系统生成的填报模板）"),
    accept_warnings: bool = typer.Option(False, "--accept-warnings",
                                         help="确认警告（跳变、更正已有数值等）后导入"),
) -> None:
    """导入监测值：先逐行校验，全部无误才在一个事务中写入，否则不写入任何数据。"""
    from sqlalchemy.exc import SQLAlchemyError

    from healthplan.imports import (
        DocumentError,
        ImportConflict,
        ImportRejected,
        import_observations,
    )

    db = open_db()
    try:
        result = import_observations(db, str(file), user_id=user_id(db),
                                     accept_warnings=accept_warnings)
    except DocumentError as exc:
        fail_line(exc.path, exc.problem)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except ImportConflict as exc:
        fail_line(exc.path, exc.problem)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except ImportRejected as exc:
        print_problems(exc)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except SQLAlchemyError as exc:  # e.g. a database locked longer than the busy timeout
        reason = str(getattr(exc, "orig", exc)).strip().splitlines() or [type(exc).__name__]
        fail_line(str(file), f"写入数据库时出错（{reason[0]}），本次导入未写入任何数据")
        raise typer.Exit(1) from None
    finally:
        db.close()
    typer.echo(result.summary())
    if result.warnings:
        typer.echo(f"已确认的警告（{len(result.warnings)} 条）：")
        for problem in result.warnings[:PROBLEMS_SHOWN]:
            typer.echo("  " + problem.line(str(file)))
        if len(result.warnings) > PROBLEMS_SHOWN:
            typer.echo(f"  ……另有 {len(result.warnings) - PROBLEMS_SHOWN} 条警告未列出")


def print_problems(rejected) -> None:
    """One problem a line (文件:第N行:列:问题), at most PROBLEMS_SHOWN, then the verdict."""
    for problem in rejected.problems[:PROBLEMS_SHOWN]:
        typer.echo(problem.line(rejected.path), err=True)
    rest = len(rejected.problems) - PROBLEMS_SHOWN
    if rest > 0:
        typer.echo(f"{rejected.path}:……另有 {rest} 个问题未列出", err=True)
    typer.echo(f"healthplan: 未导入：{rejected.path}：{rejected.summary()}", err=True)


@observe_app.command("history")
def history_command(
    region: str = typer.Argument(..., help="地区：六位行政区划代码或名称（如 320281、江阴市）"),
    indicator: str = typer.Argument(..., help="指标：指标代码或名称（如 life_expectancy、人均预期寿命）"),
    year: int = typer.Option(None, "--year", help="只看这一年"),
) -> None:
    """列出一个地区一项指标的全部监测值版本：数值、来源、录入人、时间、更正原因。"""
    from healthplan.imports.validation import resolve_indicator
    from healthplan.store.models import User
    from healthplan.store.observations import history
    from healthplan.store.regions import RegionError, find_region, full_name

    found, problem = resolve_indicator(indicator)
    if found is None:
        raise bad_input(problem)
    db = open_db()
    try:
        with db.session() as session:
            try:
                place = find_region(session, region)
            except RegionError as exc:
                raise bad_input(str(exc)) from None
            versions = history(session, place.id, found.id, year)
            names = {u.id: u.name for u in session.query(User)}
            title = f"{full_name(place)}（{place.code}） {found.name}（{found.unit or '无单位'}）"
            lines = [_history_line(obs, names) for obs in versions]
    finally:
        db.close()
    typer.echo(title + (f" {year} 年" if year else ""))
    if not lines:
        typer.echo("没有监测值")
        return
    typer.echo("年份\t版本\t数值\t来源\t录入人\t录入时间\t更正原因/备注")
    for line in lines:
        typer.echo(line)


def _history_line(obs, names: dict[int, str]) -> str:
    from healthplan.imports.rows import number_text

    when = obs.recorded_at
    if when.tzinfo is None:  # SQLite keeps no zone; the store writes UTC
        when = when.replace(tzinfo=UTC)
    why = obs.reason or obs.note
    if obs.import_id:
        why += f"（导入批次 {obs.import_id}）"
    who = names.get(obs.recorded_by, "—")
    return (f"{obs.year}\t第{obs.version}版\t{number_text(obs.value)}\t{obs.source}\t{who}\t"
            f"{when.astimezone().strftime('%Y-%m-%d %H:%M:%S')}\t{why or '—'}")


@app.command("template")
def template_command(
    plan: int = typer.Option(..., "--plan", help="规划编号（healthplan plans 列出）"),
    output: Path = typer.Option(None, "--output", "-o", help="输出的 .xlsx 文件；默认在当前目录"),
) -> None:
    """生成规划的监测值填报模板（Excel），县区统计人员填写后用 observe import 导入。"""
    from healthplan.imports.template import TemplateError, write_template
    from healthplan.store.models import Plan

    if output is not None and output.suffix.lower() != ".xlsx":
        raise bad_input(f"{output}：填报模板须保存为 .xlsx 文件")
    db = open_db()
    try:
        with db.session() as session:
            found = session.get(Plan, plan)
            if output is None and found is not None:
                output = Path(f"{found.region.name}_{found.period_start}-{found.period_end}"
                              f"_监测值填报模板.xlsx")
            try:
                path = write_template(session, plan, output or Path("template.xlsx"))
            except TemplateError as exc:
                raise bad_input(str(exc)) from None
            except OSError as exc:
                raise bad_input(f"{output}：无法写入（{exc.strerror}）") from None
    finally:
        db.close()
    typer.echo(str(path))


@observe_app.command("extract")
def extract_command(
    files: list[Path] = typer.Argument(..., help="统计公报、新闻稿等文档（与规划文本相同的格式）"),
    region: str = typer.Option(None, "--region", help="文档所属地区（代码或名称）；默认从标题识别"),
    year: int = typer.Option(None, "--year", help="句中未写年份时的数据年份；默认取标题中的年份"),
    output_format: str = typer.Option("table", "--format", help="输出格式：json 或 table"),
    do_import: bool = typer.Option(False, "--import", help="把候选监测值经校验后导入数据库"),
    accept_warnings: bool = typer.Option(False, "--accept-warnings",
                                         help="与 --import 同用：确认警告（跳变、更正已有数值等）后导入"),
) -> None:
    """从统计公报、新闻稿中读出候选监测值（指标、地区、年份、数值、原文出处）；加 --import 则导入。"""
    import json

    from healthplan.bulletins import BulletinError, extract_candidates
    from healthplan.documents.model import DocumentError
    from healthplan.documents.reader import read_document

    if output_format not in ("json", "table"):
        raise bad_input(f"--format 只能是 json 或 table，不能是“{output_format}”")
    results = []
    for file in files:
        try:
            document = read_document(file)
            results.append((file, document, extract_candidates(document, region=region,
                                                               year=year)))
        except DocumentError as exc:
            fail_line(exc.path, exc.problem)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except BulletinError as exc:
            raise bad_input(f"{file}：{exc}" if str(file) not in str(exc) else str(exc)) from None
    candidates = [c for _, _, found in results for c in found.candidates]
    if output_format == "json":
        typer.echo(json.dumps([c.to_json() for c in candidates], ensure_ascii=False, indent=2))
    else:
        _print_candidates(candidates)
    if not candidates:
        typer.echo("未找到候选监测值：文档中没有可对应指标目录的数值"
                   "（绝对数、差值、增长率不作为监测值）", err=output_format == "json")
    if do_import:
        for file, document, found in results:
            _import_candidates(str(file), document, found, accept_warnings)


def _print_candidates(candidates) -> None:
    from healthplan import catalog
    from healthplan.imports.rows import number_text

    if not candidates:
        return
    typer.echo("行\t地区\t年份\t指标\t数值\t口径\t置信度\t原文")
    for c in candidates:
        name = catalog.get(c.indicator_id).name if c.indicator_id else c.printed_name
        quote = c.quote if len(c.quote) <= 40 else c.quote[:40] + "…"
        typer.echo(f"{c.line}\t{c.region}\t{c.year}\t{name}\t{number_text(c.value)}{c.unit}\t"
                   f"{c.definition or '—'}\t{c.confidence:.2f}\t{quote}")


def _import_candidates(path: str, document, found, accept_warnings: bool) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from healthplan.bulletins import MIN_CONFIDENCE
    from healthplan.imports import ImportConflict, ImportRejected, import_file
    from healthplan.imports.bulletin import STANDARD_DEFINITIONS, bulletin_file

    chosen = [c for c in found.candidates if c.indicator_id and c.confidence >= MIN_CONFIDENCE
              and c.definition in STANDARD_DEFINITIONS]
    held = [c for c in found.candidates if c not in chosen]
    for c in held:
        why = f"口径为“{c.definition}”" if c.definition not in STANDARD_DEFINITIONS else "置信度低"
        typer.echo(f"{path}:第{c.line}行：未导入 {c.printed_name} {c.year}年 {c.value:g}{c.unit}"
                   f"（{why}，请在网页审核中逐条决定）", err=True)
    if not chosen:
        typer.echo(f"{path}：没有可导入的候选监测值，未写入任何数据", err=True)
        return
    file = bulletin_file(path, document.sha256, found.publication, chosen)
    db = open_db()
    try:
        result = import_file(db, file, user_id=user_id(db), accept_warnings=accept_warnings)
    except ImportConflict as exc:
        fail_line(exc.path, exc.problem)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except ImportRejected as exc:
        print_problems(exc)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines() or [type(exc).__name__]
        fail_line(path, f"写入数据库时出错（{reason[0]}），本次导入未写入任何数据")
        raise typer.Exit(1) from None
    finally:
        db.close()
    typer.echo(result.summary(), err=True)
