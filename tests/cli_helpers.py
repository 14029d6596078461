"""Running the `healthplan` command as a user does, in a process of its own."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "healthplan", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def assert_bad_input(result: subprocess.CompletedProcess, *words: str) -> None:
    """Exit status 2, one line on stderr naming what is wrong, no traceback."""
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
