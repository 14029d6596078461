"""The `healthplan` command: a thin layer over the core.

One module per group of commands; this one holds the app, the global options
(``--db``, ``--user``) and the helpers every command uses. Bad input gets one line on
stderr naming the file and the problem, and exit status 2; never a traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import typer

app = typer.Typer(
    help="healthplan：卫生健康发展规划监测评估系统",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    # Click's plain help, made Chinese by cli/framework.py (Rich's boxes cut Chinese
    # help with "…" and speak English).
    rich_markup_mode=None,
)

EXIT_BAD_INPUT = 2


@dataclass
class Options:
    db: str | None = None
    user: str | None = None
    create: bool = False


options = Options()


@app.callback()
def global_options(
    db: str = typer.Option(None, "--db", metavar="URL",
                           help="数据库地址：SQLite 文件路径或 sqlite:///…、postgresql://…；"
                                "默认取环境变量 HEALTHPLAN_DATABASE_URL，再默认用户数据目录下的 SQLite 文件"),
    user: str = typer.Option(None, "--user", help="操作人（记入监测值和审计日志）；默认取 HEALTHPLAN_USER 或登录名"),
    create: bool = typer.Option(False, "--create",
                                help="--db 所在的文件夹不存在时新建它（默认拒绝，以免路径写错时悄悄建一个空数据库）"),
) -> None:
    options.db = db
    options.user = user
    options.create = create


def fail_line(path: str, problem: str) -> None:
    typer.echo(f"healthplan: 错误：{path}：{problem}", err=True)


def bad_input(message: str) -> typer.Exit:
    """Print one line and return the exit to raise: ``raise bad_input("…")``."""
    typer.echo(f"healthplan: 错误：{message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def open_db(url: str | None = None, *, quiet: bool = False):
    """The database from --db / the environment / the default; says where it is when it
    was just created. A database that cannot be opened is bad input (exit 2)."""
    from healthplan.store.database import DatabaseError, open_database

    missing = missing_folder(url or options.db)
    if missing and not options.create:
        raise bad_input(f"数据库所在的文件夹 {missing} 不存在：请检查 --db 的路径；"
                        "确要在那里新建数据库，请加 --create（healthplan --create …）")
    try:
        db = open_database(url or options.db)
    except DatabaseError as exc:
        raise bad_input(str(exc)) from None
    if db.created and not quiet:
        typer.echo(f"已新建数据库：{db.describe()}", err=True)
    return db


def missing_folder(url: str | None) -> str | None:
    """The folder of a SQLite file named by --db or HEALTHPLAN_DATABASE_URL, when it does
    not exist (a mistyped path). The default database's folder is made without asking."""
    import os
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from healthplan.store.database import ENV_URL, resolve_url

    if not (url or os.environ.get(ENV_URL)):
        return None
    try:
        parsed = make_url(resolve_url(url))
    except ArgumentError:
        return None  # open_database says what is wrong with it
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    folder = Path(parsed.database).parent
    return None if folder.is_dir() else str(folder)


def user_id(db) -> int:
    from healthplan.store.users import current_user_name, ensure_user

    return ensure_user(db.sessions, current_user_name(options.user))


# Register the commands (each module adds its own to `app`).
from healthplan.cli import (  # noqa: E402,F401
    audit,
    compare,
    drafts,  # noqa: E402,F401
    ingest,
    observe,
    plans,
    reports,
    search,
    track,
    web,
)
from healthplan.cli import rounds as _rounds  # noqa: E402,F401  (reporting rounds)


def main() -> None:  # pragma: no cover - console entry point
    import os

    from healthplan.cli.framework import run

    try:
        code = run(app)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("HEALTHPLAN_DEBUG"):
            raise
        typer.echo(f"healthplan: 内部错误：{type(exc).__name__}：{exc}"
                   "（设置 HEALTHPLAN_DEBUG=1 可查看详细信息）", err=True)
        sys.exit(1)
    sys.exit(code)
