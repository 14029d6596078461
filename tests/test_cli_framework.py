"""Issue 13.18: where the command-line framework answers (usage errors, help pages), it
answers in Chinese; unknown region names get a suggestion; `serve` on a busy port and a
--db in a folder that does not exist are refused with one line."""

from __future__ import annotations

import re
import socket

from cli_helpers import assert_bad_input, run_cli


def test_a_mistyped_command_is_named_with_a_suggestion():
    result = run_cli("evalute")
    assert_bad_input(result, "没有命令“evalute”", "是否指：healthplan evaluate")
    result = run_cli("observe", "histry")
    assert_bad_input(result, "是否指：healthplan observe history")


def test_usage_errors_are_chinese(tmp_path):
    db = str(tmp_path / "x.sqlite3")
    for args, words in [
        (("--db", db, "evaluate", "--plan", "x"), ("--plan", "“x”应为整数")),
        (("--db", db, "evaluate"), ("缺少必填选项 --plan",)),
        (("--db", db, "evaluate", "--plan"), ("--plan 后面要跟一个值",)),
        (("--db", db, "evaluate", "--bogus", "1"), ("没有选项 --bogus",)),
        (("--db", db, "evaluate", "--plan", "1", "-f", "xml"), ("“xml”", "可选：table、json")),
        (("--db", db, "plans", "extra"), ("多余的参数：extra",)),
        (("ingest",), ("缺少参数 文件",)),  # arguments are named in Chinese too
    ]:
        result = run_cli(*args)
        assert_bad_input(result, *words)
        assert not re.search(r"Invalid value|Input should|No such|Missing|Error|Usage",
                             result.stderr), result.stderr


def test_help_pages_are_chinese_and_whole():
    pages = [run_cli("--help"), run_cli("evaluate", "--help"), run_cli("observe", "--help"),
             run_cli("observe", "import", "--help"), run_cli("user", "add", "--help")]
    for page in pages:
        assert page.returncode == 0, page.stderr
        text = page.stdout
        assert text.startswith("用法：healthplan"), text[:200]
        assert not re.search(r"[{\[][A-Z_]+[}\]]|\{file", text.splitlines()[0]), text.splitlines()[0]
        assert "显示本帮助并退出" in text
        for english in ("Usage:", "Options:", "Commands:", "Arguments:", "Show this message",
                        "[required]", "[default:", "<str>", "<int>", "<path>", "<bool>"):
            assert english not in text, (english, text)
        assert max(len(line) for line in text.splitlines()) <= 80
    # Command summaries are whole, not cut at 45 characters with "…".
    joined = "".join(pages[0].stdout.split())
    assert "每条问题附原文行号和引文。" in joined
    assert "以红色“【待填写】”标出。" in joined
    assert "…" not in pages[0].stdout.split("命令：", 1)[1]


def test_region_names_without_their_suffix_get_a_suggestion(tmp_path):
    db = str(tmp_path / "x.sqlite3")
    assert run_cli("--db", db, "plans").returncode == 0  # made, with the region list
    assert_bad_input(run_cli("--db", db, "regions", "江阴"), "未知地区“江阴”", "是否指：",
                     "江阴市（320281）")
    assert_bad_input(run_cli("--db", db, "regions", "无锡"), "无锡市（320200）")
    assert "是否指" not in run_cli("--db", db, "regions", "火星").stderr


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--db", str(tmp_path / "x.sqlite3"), "--port", str(port))
    assert_bad_input(result, f"端口 {port} 已被占用", "--port")
    assert "Errno" not in result.stderr


def test_db_in_a_folder_that_does_not_exist_needs_create(tmp_path):
    target = tmp_path / "typo" / "data" / "x.sqlite3"
    result = run_cli("--db", str(target), "plans")
    assert_bad_input(result, "文件夹", str(target.parent), "不存在", "--create")
    assert not (tmp_path / "typo").exists()
    created = run_cli("--create", "--db", str(target), "plans")
    assert created.returncode == 0, created.stderr
    assert target.exists() and "已新建数据库" in created.stderr
