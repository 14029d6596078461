"""`healthplan serve` and `healthplan user …`: the web application and its users."""

from __future__ import annotations

import os
import sys

import typer

from healthplan.cli import app, bad_input, open_db, options, user_id

user_app = typer.Typer(help="网页和 API 的用户：新增、签发令牌、列出、停用", no_args_is_help=True)
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
    name: str = typer.Argument(..., help="用户名（登录用）"),
    role: str = typer.Option(..., "--role", help="角色：admin 管理员、planner 规划人员、clerk 填报员、viewer 只读"),
    region: str = typer.Option(None, "--region", help="所属地区（名称或六位代码）；planner 和 clerk 必填"),
    display_name: str = typer.Option("", "--display-name", help="显示名（如 江阴市卫健委 张三）"),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="从标准输入读取密码（一行）；默认交互输入两次"),
) -> None:
    """新增可登录网页和 API 的用户（第一个管理员也用它创建）。密码不会出现在命令行或仓库中。"""
    from healthplan.store.regions import RegionError, find_region
    from healthplan.store.users import UserError, add_user

    if password_stdin:
        password = _password_from_stdin()
    else:
        password = typer.prompt("密码（至少 8 个字符）", hide_input=True, confirmation_prompt=True)
    db = open_db()
    by = user_id(db)
    try:
        with db.session() as session:
            found = find_region(session, region) if region else None
            user = add_user(session, name, password, role=role,
                            region_id=found.id if found else None,
                            display_name=display_name, by=by)
            where = f"，所属地区 {found.name}（{found.code}）" if found else ""
            typer.echo(f"已新增用户 {user.name}（{role}{where}）；数据库：{db.describe()}")
    except (UserError, RegionError) as exc:
        raise bad_input(str(exc)) from None


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
            typer.echo(f"{user.name}\t{user.role}\t{region}\t{'正常' if user.active else '已停用'}")


@user_app.command("disable")
def user_disable(name: str = typer.Argument(..., help="用户名")) -> None:
    """停用用户：不能再登录，其全部 API 令牌作废。"""
    from sqlalchemy import update

    from healthplan.store.models import ApiToken, now
    from healthplan.store.users import audit

    db = open_db()
    by = user_id(db)
    with db.session() as session:
        user = login_user(session, name)
        user.active = False
        revoked = session.execute(update(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now()))
        audit(session, by, "disable_user", "user", user.id,
              f"停用用户 {name}，作废令牌 {revoked.rowcount} 个")
    typer.echo(f"已停用用户 {name}，其 API 令牌已作废")


def login_user(session, name: str):
    """The user ``name`` who can log in (has a password); bad input otherwise."""
    from sqlalchemy import select

    from healthplan.store.models import User

    user = session.scalar(select(User).where(User.name == name))
    if user is None or not user.password_hash:
        raise bad_input(f"用户 {name} 不存在（先用 healthplan user add 新增）")
    return user
