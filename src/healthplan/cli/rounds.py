"""`healthplan round …`: reporting rounds (填报任务) — open, status, and the steps of a
task (submit / approve / return / withdraw / accept) as the current user (--user,
HEALTHPLAN_USER or the login name), who must be a user of the database with a role:
the roles are enforced exactly as on the web."""

from __future__ import annotations

import json
from datetime import date

import typer

from healthplan.cli import app, bad_input, open_db, options

round_app = typer.Typer(help="填报任务：开启、查看进度、报送、审核、退回、撤回", no_args_is_help=True)
app.add_typer(round_app, name="round")


def _principal(session):
    from sqlalchemy import select

    from healthplan.permissions import Principal
    from healthplan.store.models import User
    from healthplan.store.users import current_user_name

    name = current_user_name(options.user)
    user = session.scalar(select(User).where(User.name == name))
    if user is None or not user.active:
        raise bad_input(f"用户 {name} 不存在或已停用：填报任务的操作须以有角色的用户进行"
                        "（用 --user 指定，或由管理员在网页“用户”中添加）")
    return Principal(user.id, user.name, user.role, user.region_id)


def _deadline(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_input(f"--deadline 的值无效：“{text}”不是 YYYY-MM-DD 格式的日期") from None


def _refused(exc) -> typer.Exit:
    return bad_input(str(exc))


@round_app.command("open")
def open_command(
    plan: int = typer.Option(..., "--plan", help="规划编号（healthplan plans 列出）"),
    year: int = typer.Option(..., "--year", help="填报年度"),
    deadline: str = typer.Option(..., "--deadline", help="报送截止日期 YYYY-MM-DD（含当日，北京时间）"),
    subregions: bool = typer.Option(False, "--subregions", help="同时为该地区的全部直属下级地区开启任务"),
    note: str = typer.Option("", "--note", help="说明，如“2025年度监测数据填报，12月31日前报送”"),
    indicator: list[str] = typer.Option(None, "--indicator",
                                        help="只要求填报这些指标（指标代码，可重复）；默认规划的全部指标"),
) -> None:
    """开启填报任务：为规划的地区（及下级地区）各建一项任务，打印轮次编号。"""
    from healthplan.store.rounds import NotAllowed, RoundError, open_round

    when = _deadline(deadline)
    db = open_db()
    try:
        with db.session() as session:
            me = _principal(session)
            try:
                found = open_round(session, me, plan_id=plan, year=year, deadline=when,
                                   note=note, subregions=subregions, indicators=indicator or None)
            except (RoundError, NotAllowed) as exc:
                raise _refused(exc) from None
            round_id = found.id
    finally:
        db.close()
    typer.echo(str(round_id))


@round_app.command("list")
def list_command() -> None:
    """列出填报轮次：编号、地区、年度、截止日期、任务数、已报送数。"""
    from healthplan.store.rounds import board, round_rates, rounds_for

    db = open_db()
    try:
        with db.session() as session:
            lines = []
            for found in rounds_for(session, None):
                rates = round_rates(board(session, found.id))
                lines.append(f"{found.id}\t{found.region.name}\t{found.year}\t"
                             f"{found.deadline.isoformat()}\t{rates.expected}\t{rates.reported}")
    finally:
        db.close()
    if not lines:
        typer.echo("还没有填报轮次（用 healthplan round open 开启）")
        return
    typer.echo("轮次\t地区\t年度\t截止日期\t任务数\t已报送")
    for line in lines:
        typer.echo(line)


FIELDS = ("region_code", "region", "status", "submitted_at", "on_time", "values_present",
          "values_expected", "flags_open")


@round_app.command("status")
def status_command(
    round_id: int = typer.Argument(..., metavar="轮次ID", help="轮次编号"),
    format: str = typer.Option("table", "--format", help="输出格式：table 或 json"),
) -> None:
    """填报进度：每个地区的状态、报送时间、是否按时、已填/应填数值、待处理标记。"""
    from healthplan.reporting import STATUS_CN, percent
    from healthplan.store.rounds import RoundError, board, get_round, round_rates

    if format not in ("table", "json"):
        raise bad_input(f"--format 的值无效：“{format}”不在可选值之中（可选：table、json）")
    db = open_db()
    try:
        with db.session() as session:
            try:
                found = get_round(session, round_id)
                rows = board(session, round_id)
            except RoundError as exc:
                raise _refused(exc) from None
            rates = round_rates(rows)
            head = (f"填报轮次 {found.id}：{found.region.name} {found.year} 年度，"
                    f"截止 {found.deadline.isoformat()}")
    finally:
        db.close()
    if format == "json":
        typer.echo(json.dumps({"round": round_id, "rates": rates.to_json(),
                               "tasks": [{k: r.to_json()[k] for k in FIELDS} for r in rows]},
                              ensure_ascii=False, indent=2))
        return
    typer.echo(head)
    typer.echo(f"报送率 {percent(rates.reporting_rate)}（{rates.reported}/{rates.expected}），"
               f"及时率 {percent(rates.timeliness)}（{rates.on_time}/{rates.expected}），"
               f"数值完整率 {percent(rates.value_completeness)}"
               f"（{rates.values_present}/{rates.values_expected}）")
    typer.echo("代码\t地区\t状态\t报送时间\t按时\t已填/应填\t待处理标记")
    for r in rows:
        when = r.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted_at else "—"
        timely = {True: "按时", False: "逾期", None: "—"}[r.on_time]
        typer.echo(f"{r.region_code}\t{r.region}\t{STATUS_CN[r.status]}\t{when}\t{timely}\t"
                   f"{r.values_present}/{r.values_expected}\t{r.flags_open}")


def _step(action: str, round_id: int, region: str, comment: str,
          value_comments: dict[str, str] | None = None) -> None:
    from healthplan.reporting import ACTION_CN, STATUS_CN
    from healthplan.store.regions import RegionError, find_region
    from healthplan.store.rounds import (
        NotAllowed,
        RoundError,
        TaskConflict,
        get_round,
        may_submit,
        refresh_flags,
        task_of,
        transition,
    )

    db = open_db()
    try:
        with db.session() as session:
            me = _principal(session)
            try:
                get_round(session, round_id)
                place = find_region(session, region)
                task = task_of(session, round_id, place.id)
                if action == "submit" and may_submit(session, me, task):
                    refresh_flags(session, task, user_id=me.user_id)
            except (RoundError, RegionError) as exc:
                raise _refused(exc) from None
        with db.session() as session:
            task = task_of(session, round_id, place.id)
            try:
                step = transition(session, me, task, action, comment=comment,
                                  value_comments=value_comments)
            except (RoundError, NotAllowed, TaskConflict) as exc:
                raise _refused(exc) from None
            line = (f"已{ACTION_CN[action]}：{place.name}（{STATUS_CN[step.from_status]} → "
                    f"{STATUS_CN[step.to_status]}）")
    finally:
        db.close()
    typer.echo(line)


REGION = typer.Option(..., "--region", help="地区：代码或名称")
COMMENT = typer.Option("", "--comment", help="意见或原因（退回、撤回审核时必填）")


@round_app.command("submit")
def submit_command(round_id: int = typer.Argument(..., metavar="轮次ID"), region: str = REGION,
                   comment: str = COMMENT) -> None:
    """报送本地区的任务（检查完整性和疑似异常值）。"""
    _step("submit", round_id, region, comment)


@round_app.command("approve")
def approve_command(round_id: int = typer.Argument(..., metavar="轮次ID"), region: str = REGION,
                    comment: str = COMMENT) -> None:
    """审核通过下级地区的任务（数值随即锁定）。"""
    _step("approve", round_id, region, comment)


@round_app.command("return")
def return_command(
    round_id: int = typer.Argument(..., metavar="轮次ID"), region: str = REGION,
    comment: str = COMMENT,
    value: list[str] = typer.Option(None, "--value", help="对具体数值的意见：指标代码=意见（可重复）"),
) -> None:
    """退回下级地区的任务修改，附整体意见或对具体数值的意见。"""
    comments = {}
    for item in value or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise bad_input(f"--value 的值无效：“{item}”应为 指标代码=意见")
        comments[key.strip()] = text.strip()
    _step("return", round_id, region, comment, comments)


@round_app.command("withdraw")
def withdraw_command(round_id: int = typer.Argument(..., metavar="轮次ID"), region: str = REGION,
                     comment: str = COMMENT) -> None:
    """撤回：填报人员撤回尚未审核的报送；审核人或其上级撤回审核（须写明原因，数值解锁）。"""
    _step("withdraw", round_id, region, comment)


@round_app.command("accept")
def accept_command(round_id: int = typer.Argument(..., metavar="轮次ID"), region: str = REGION,
                   comment: str = COMMENT) -> None:
    """上级接收已审核的任务（已上报）。"""
    _step("accept", round_id, region, comment)


@round_app.command("confirm")
def confirm_command(
    round_id: int = typer.Argument(..., metavar="轮次ID"), region: str = REGION,
    indicator: str = typer.Option(..., "--indicator", help="指标代码"),
    comment: str = typer.Option(..., "--comment", help="说明该数值为何属实"),
) -> None:
    """确认一个疑似异常的数值属实（附说明），之后可以报送。"""
    _value_step("confirm", round_id, region, indicator, comment)


@round_app.command("no-data")
def no_data_command(
    round_id: int = typer.Argument(..., metavar="轮次ID"), region: str = REGION,
    indicator: str = typer.Option(..., "--indicator", help="指标代码"),
    reason: str = typer.Option(..., "--reason", help="暂无数据的原因"),
) -> None:
    """把一项应填数值标记为“暂无数据”并写明原因（计入完整）。"""
    _value_step("no_data", round_id, region, indicator, reason)


def _value_step(kind: str, round_id: int, region: str, indicator: str, text: str) -> None:
    from healthplan.imports.validation import resolve_indicator
    from healthplan.store.regions import RegionError, find_region
    from healthplan.store.rounds import (
        NotAllowed,
        RoundError,
        confirm_value,
        mark_no_data,
        task_of,
    )

    found, problem = resolve_indicator(indicator)
    if found is None:
        raise bad_input(problem)
    db = open_db()
    try:
        with db.session() as session:
            me = _principal(session)
            try:
                place = find_region(session, region)
                task = task_of(session, round_id, place.id)
                if kind == "confirm":
                    confirm_value(session, me, task, found.id, text)
                else:
                    mark_no_data(session, me, task, found.id, text)
            except (RoundError, RegionError, NotAllowed) as exc:
                raise _refused(exc) from None
    finally:
        db.close()
    typer.echo(f"已{'确认' if kind == 'confirm' else '标记暂无数据'}：{place.name} {found.name}")
