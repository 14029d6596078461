"""The command-line framework's own words in Chinese.

Typer (with the Click it carries) answers usage errors, writes the help pages and names
option types in English, and cuts command summaries with "…". ``run(app)`` builds the
Click command tree once, makes its help Chinese (``localise``), runs it without Click's
own error printing, and answers a usage error with one Chinese line and exit status 2 —
the same shape as every other refusal of the command.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import typer
from typer._click import exceptions as click_errors  # Typer ≥ 0.29 carries its own Click
from typer._click.core import Context
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

EXIT_BAD_INPUT = 2
HELP_OPTION_TEXT = "显示本帮助并退出"
# Typer's type names → what the help shows in their place.
METAVARS = {"<int>": "整数", "<float>": "数字", "<str>": "文本", "<text>": "文本",
            "<path>": "路径", "<file>": "文件", "<directory>": "文件夹", "<bool>": "是/否"}
# How an argument is named in a command's usage line ("用法：healthplan ingest [选项] 文件...").
ARGUMENT_WORDS = {"file": "文件", "files": "文件", "plan": "规划", "plan_id": "规划ID",
                  "draft_id": "草案ID", "round_id": "轮次ID", "region": "地区",
                  "indicator": "指标", "name": "用户名", "query": "检索词"}

HELP_WORDS = [
    (re.compile(r"^Usage: ", re.M), "用法："),
    (re.compile(r"\[OPTIONS\]"), "[选项]"),
    (re.compile(r"COMMAND \[ARGS\]\.\.\."), "命令 [参数]..."),
    (re.compile(r"^Options:$", re.M), "选项："),
    (re.compile(r"^Arguments:$", re.M), "参数："),
    (re.compile(r"^Commands:$", re.M), "命令："),
    (re.compile(r"\[required\]"), "[必填]"),
    (re.compile(r"\[default: "), "[默认："),
    (re.compile(r"\[env var: "), "[环境变量："),
]


def display_width(text: str) -> int:
    """Columns a terminal gives the text: two for a Chinese character, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_TOKENS = re.compile(r"[!-~]+|\s+|.")
_NO_LINE_START = set("，。；：、）」》！？,.;:)")


def wrap_wide(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns: between any two Chinese characters, at spaces
    between Latin words (Click's textwrap counts characters and breaks only at spaces)."""
    lines, line, used = [], "", 0
    for token in _TOKENS.findall(" ".join(text.split())):
        size = display_width(token)
        if used + size > width and line.strip() and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
            if token.isspace():
                continue
        line += token
        used += size
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


class WideFormatter(HelpFormatter):
    """Click's help layout, measured in terminal columns so that Chinese lines up."""

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((display_width(term) for term, _ in rows), default=0), col_max)
        indent = " " * self.current_indent
        hanging = " " * (self.current_indent + first + col_spacing)
        room = max(self.width - self.current_indent - first - col_spacing, 20)
        for term, text in rows:
            self.write(indent + term)
            if not text:
                self.write("\n")
                continue
            if display_width(term) <= first:
                self.write(" " * (first - display_width(term) + col_spacing))
            else:
                self.write("\n" + hanging)
            lines = wrap_wide(text, room)
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(hanging + line + "\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for paragraph in re.split(r"\n\s*\n", text.strip()):
            for line in wrap_wide(paragraph, max(self.width - self.current_indent, 20)):
                self.write(indent + line + "\n")
            self.write("\n")
        self.buffer[-1:] = []  # no blank line after the last paragraph


class ChineseContext(Context):
    formatter_class = WideFormatter


class _Chinese:
    """Help in Chinese for a Typer command or group (mixed in by ``localise``)."""


    context_class = ChineseContext

    def get_help(self, ctx):
        self.rich_markup_mode = None  # Click's plain layout, which wraps Chinese whole
        self._chinese_metavars(ctx)
        text = super().get_help(ctx)
        for pattern, words in HELP_WORDS:
            text = pattern.sub(words, text)
        for shown, words in METAVARS.items():  # an argument's type, after its name
            text = text.replace(f" {shown}", f" <{words}>")
        return text

    def get_usage(self, ctx):
        text = super().get_usage(ctx)
        for pattern, words in HELP_WORDS[:3]:
            text = pattern.sub(words, text)
        return text

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first paragraph of the help, whole: Click cuts it at 45 characters, which
        in Chinese is half a sentence."""
        if self.short_help:
            return self.short_help
        return (self.help or "").strip().split("\n\n")[0].replace("\n", "")

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    def _chinese_metavars(self, ctx) -> None:
        for param in self.params:
            if (param.metavar is None and getattr(param, "param_type_name", "") == "option"
                    and not getattr(param, "is_flag", False)):
                shown = param.display_type(ctx) if hasattr(param, "display_type") else None
                if shown in METAVARS:
                    param.metavar = METAVARS[shown]


class ChineseCommand(_Chinese, TyperCommand):
    pass


class ChineseGroup(_Chinese, TyperGroup):
    pass


def localise(app: typer.Typer) -> None:
    """Build every command and group of the app with Chinese help (before Typer builds
    the Click tree: Typer has no default class for an app's commands)."""
    app.info.cls = ChineseGroup
    for info in app.registered_commands:
        info.cls = ChineseCommand
    for group in app.registered_groups:
        group.cls = ChineseGroup
        localise(group.typer_instance)


def _name_arguments(command) -> None:
    """Arguments named in Chinese, in the usage line and in "缺少参数 文件" alike."""
    for param in command.params:
        if getattr(param, "param_type_name", "") == "argument" and param.metavar is None:
            param.metavar = ARGUMENT_WORDS.get(param.name, param.name.upper())
    for sub in getattr(command, "commands", {}).values():
        _name_arguments(sub)


def run(app: typer.Typer, args: list[str] | None = None) -> int:
    """Run the command line; the exit status."""
    localise(app)
    command = typer.main.get_command(app)
    _name_arguments(command)
    try:
        result = command.main(args=args, prog_name="healthplan", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else "")
        return 0
    except click_errors.UsageError as exc:
        typer.echo(f"healthplan: 错误：{usage_error(exc)}{_help_hint(exc)}", err=True)
        return EXIT_BAD_INPUT
    except typer.Abort:
        typer.echo("已取消", err=True)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except click_errors.ClickException as exc:
        typer.echo(f"healthplan: 错误：{exc.format_message()}", err=True)
        return exc.exit_code
    return result if isinstance(result, int) else 0


def _help_hint(exc) -> str:
    path = exc.ctx.command_path if exc.ctx else "healthplan"
    return f"（用 {path} --help 查看用法）"


def usage_error(exc) -> str:
    """One Chinese sentence for what Click or Typer refused."""
    if isinstance(exc, click_errors.NoSuchOption):
        message = f"没有选项 {exc.option_name}"
        if exc.possibilities:
            message += f"；是否指：{'、'.join(sorted(exc.possibilities))}"
        return message
    if isinstance(exc, click_errors.MissingParameter):
        return f"缺少{'必填选项' if _is_option(exc.param) else '参数'} {_param_name(exc)}"
    if isinstance(exc, click_errors.BadParameter):
        return f"{_param_name(exc)} 的值无效：{_value_problem(exc)}"
    if isinstance(exc, click_errors.BadOptionUsage):
        if "requires an argument" in exc.message:
            return f"选项 {exc.option_name} 后面要跟一个值"
        return f"选项 {exc.option_name} 用法有误：{exc.message}"
    message = exc.message
    command = re.match(r"No such command '(.+?)'", message)
    if command:
        return _no_such_command(exc, command.group(1))
    extra = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if extra:
        return f"多余的参数：{extra.group(1)}"
    if message.startswith("Missing command"):
        return "缺少命令"
    return f"命令行有误：{message}"


def _no_such_command(exc, name: str) -> str:
    group = exc.ctx.command if exc.ctx else None
    names = group.list_commands(exc.ctx) if group is not None else []
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    path = exc.ctx.command_path if exc.ctx else "healthplan"
    message = f"没有命令“{name}”"
    if close:
        message += "；是否指：" + "、".join(f"{path} {c}" for c in close)
    return message


def _is_option(param) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _param_name(exc) -> str:
    param = exc.param
    if param is None:
        return exc.param_hint or "参数"
    if _is_option(param):
        return " / ".join(param.opts)
    return param.metavar or (param.name or "参数").upper()


def _value_problem(exc) -> str:
    """The problem Typer found (through pydantic) in Chinese; its own words when they
    are Chinese already (a callback of ours)."""

    if re.search(r"[\u4e00-\u9fff]", exc.message):
        return exc.message
    cause = exc.__cause__
    if cause is not None and hasattr(cause, "errors"):
        return "；".join(_with_input(error, exc.param) for error in cause.errors())
    choices = re.match(r"'(.*)' is not one of (.*)\.$", exc.message)
    if choices:
        return f"“{choices.group(1)}”不在可选值之中（可选：{choices.group(2)}）"
    path = re.match(r"(File|Directory|Path) '(.*)' does not exist\.", exc.message)
    if path:
        return f"{path.group(2)} 不存在"
    return exc.message


def _with_input(error: dict, param) -> str:
    from healthplan.input_errors import pydantic_message

    message = f"“{error.get('input')}”{pydantic_message(error)}"
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
    if choices and "可选" not in message:
        message += f"（可选：{'、'.join(str(getattr(c, 'value', c)) for c in choices)}）"
    return message
