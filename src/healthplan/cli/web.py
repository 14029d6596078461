"""`healthplan serve` and `healthplan user …`: the web application and its users."""

from __future__ import annotations

import os
import sys

import typer

from healthplan.cli import app, bad_input, open_db, options, user_id

user_app = typer.Typer(help="网页和 API 的用户：新增、签发令牌、列出、重设密码、解锁、停用", no_args_is_help=True)
app.add_typer(user_app, name="user")


@app.command()
def serve(
    db: str = typer.Option(None, "--db", metavar="URL",
                           help="数据库地址（同全局 --db）；默认取 HEALTHPLAN_DATABASE_URL，再默认用户数据目录下的 SQLite 文件"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址；默认只在本机可访问"),
    port: int = typer.Option(8000, "--port", help="端口"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="工作进程数"),
) -> None:
    """启动网页应用和 REST API（/api/v1，接口文档在 /api/v1/docs）。"""
    import uvicorn

    from healthplan.store.database import ENV_URL
    from healthplan.web.settings import secret_key

    if not 1 <= port <= 65535:
        raise bad_input(f"--port：端口 {port} 无效")
    port_problem = cannot_listen(host, port)
    if port_problem:
        raise bad_input(port_problem)
    database = open_db(db or options.db)  # migrate and check it before the workers start
    url = database.url
    database.close()
    secret_key()  # made once here, so that the workers share it
    os.environ[ENV_URL] = url
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    typer.echo(f"healthplan 网页应用：http://{shown}:{port}/　API 文档：http://{shown}:{port}/api/v1/docs\n"
               f"数据库：{database.describe()}（按 Ctrl+C 停止）", err=True)
    uvicorn.run("healthplan.web.server:app_from_environment", factory=True, host=host,
                port=port, workers=workers, log_level="info", proxy_headers=False)


def cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (busy, not allowed, no such
    address), said before uvicorn would say it in English with a traceback."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"--host：无法解析监听地址 {host}"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"端口 {port} 已被占用（{host}:{port}）：请先停止占用它的程序，"
                        "或用 --port 换一个端口")
            if exc.errno == errno.EACCES:
                return f"无权使用端口 {port}（1024 以下的端口需要管理员权限）：请用 --port 换一个端口"
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"--host：本机没有地址 {host}"
            return f"无法在 {host}:{port} 上监听：{exc.strerror}"
    return None


def _password_from_stdin() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="用户名（登录用）：小写英文字母、数字和 . _ -，以字母开头，2—32 个字符"),
    role: str = typer.Option(..., "--role", help="角色：admin 管理员、planner 规划人员、clerk 填报员、viewer 只读"),
    region: str = typer.Option(None, "--region", help="所属地区（名称或六位代码）；planner 和 clerk 必填，admin 不可填"),
    display_name: str = typer.Option("", "--display-name", help="显示名（如 江阴市卫健委 张三）"),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="从标准输入读取密码（一行）；默认交互输入两次"),
) -> None:
    """新增可登录网页和 API 的用户（第一个管理员也用它创建）。密码不会出现在命令行或仓库中。"""
    from healthplan.store.regions import RegionError, find_region
    from healthplan.store.users import PASSWORD_MIN, UserError, add_user, check_new_user

    db = open_db()
    try:
        # Everything but the password is checked before asking for it.
        with db.session() as session:
            found = find_region(session, region) if region else None
            check_new_user(name, role, found.id if found else None, display_name)
        password = _new_password(password_stdin, f"密码（至少 {PASSWORD_MIN} 个字符，勿用常见密码）")
        by = user_id(db)
        with db.session() as session:
            user = add_user(session, name, password, role=role,
                            region_id=found.id if found else None,
                            display_name=display_name, by=by)
            where = f"，所属地区 {found.name}（{found.code}）" if found else ""
            typer.echo(f"已新增用户 {user.name}（{role}{where}）；数据库：{db.describe()}")
    except (UserError, RegionError) as exc:
        raise bad_input(str(exc)) from None


def _new_password(from_stdin: bool, prompt: str) -> str:
    """A new password from standard input or typed twice, checked against the policy."""
    from healthplan.store.users import check_password

    if from_stdin:
        return check_password(_password_from_stdin())
    return check_password(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@user_app.command("password")
def user_password(
    name: str = typer.Argument(..., help="用户名"),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="从标准输入读取新密码（一行）；默认交互输入两次"),
) -> None:
    """重设用户的密码；其所有网页登录会话随即结束（API 令牌不受影响，可单独吊销）。"""
    from healthplan.store.users import PASSWORD_MIN, UserError, set_password

    db = open_db()
    with db.session() as session:
        login_user(session, name)
    try:
        password = _new_password(password_stdin, f"新密码（至少 {PASSWORD_MIN} 个字符，勿用常见密码）")
        by = user_id(db)
        with db.session() as session:
            ended = set_password(session, login_user(session, name), password, by=by)
    except UserError as exc:
        raise bad_input(str(exc)) from None
    typer.echo(f"已重设用户 {name} 的密码，结束其登录会话 {ended} 个")


@user_app.command("unlock")
def user_unlock(name: str = typer.Argument(..., help="用户名")) -> None:
    """解除因连续输错密码而被锁定的账号（也清零其失败次数）；记入审计日志。"""
    from healthplan.store.users import unlock_user

    db = open_db()
    by = user_id(db)
    with db.session() as session:
        was_locked = unlock_user(session, login_user(session, name), by=by, via="命令行")
    typer.echo(f"已解除用户 {name} 的登录锁定" if was_locked
               else f"用户 {name} 未被锁定；已清零其失败次数")


@user_app.command("token")
def user_token(
    name: str = typer.Argument(..., help="用户名"),
    label: str = typer.Option("", "--name", help="令牌用途（如 统计报表脚本）"),
) -> None:
    """为用户签发 API 令牌；令牌只显示这一次，库中只存其 SHA-256。"""

    from healthplan.store.users import audit, issue_token

    db = open_db()
    by = user_id(db)
    with db.session() as session:
        user = login_user(session, name)
        if not user.active:
            raise bad_input(f"用户 {name} 已停用")
        token = issue_token(session, user, label)
        audit(session, by, "issue_token", "user", user.id,
              f"为 {user.name} 签发 API 令牌" + (f"（{label}）" if label else "") + "（命令行）",
              {"token_name": label})
    typer.echo(token)
    typer.echo("（令牌只显示这一次；请求时加请求头 Authorization: Bearer 令牌）", err=True)


@user_app.command("list")
def user_list() -> None:
    """列出可登录的用户：用户名、角色、所属地区、状态。"""
    from sqlalchemy import select

    from healthplan.store.models import User

    db = open_db()
    with db.session() as session:
        users = list(session.scalars(select(User).where(User.password_hash.is_not(None))
                                     .order_by(User.name)))
        if not users:
            typer.echo("还没有可登录的用户；用 healthplan user add 名称 --role admin 新增第一个管理员。")
            return
        typer.echo("用户名\t角色\t所属地区\t状态")
        for user in users:
            region = f"{user.region.name}（{user.region.code}）" if user.region else "—"
            typer.echo(f"{user.name}\t{user.role}\t{region}\t{_state(user)}")


@user_app.command("disable")
def user_disable(name: str = typer.Argument(..., help="用户名")) -> None:
    """停用用户：不能再登录，其全部 API 令牌作废、网页登录会话结束。"""
    from healthplan.store.users import disable_user

    db = open_db()
    by = user_id(db)
    with db.session() as session:
        disable_user(session, login_user(session, name), by=by)
    typer.echo(f"已停用用户 {name}，其 API 令牌已作废、登录会话已结束")


def _state(user) -> str:
    from healthplan.store.models import now
    from healthplan.store.users import aware

    if not user.active:
        return "已停用"
    if user.locked_until is not None and aware(user.locked_until) > now():
        return f"已锁定（连续输错密码；至 {aware(user.locked_until):%Y-%m-%d %H:%M} UTC，可用 user unlock 解除）"
    return "正常"


def login_user(session, name: str):
    """The user ``name`` who can log in (has a password); bad input otherwise."""
    from sqlalchemy import select

    from healthplan.store.models import User

    user = session.scalar(select(User).where(User.name == name))
    if user is None or not user.password_hash:
        raise bad_input(f"用户 {name} 不存在（先用 healthplan user add 新增）")
    return user
