"""Commands printed for the user to paste: the installed command's own path, quoted for
the shell, broken with backslashes so that each line fits the terminal."""

from __future__ import annotations

import shlex
import sys
import unicodedata
from pathlib import Path


def command_words() -> list[str]:
    """How to run this very ``healthplan`` again from any folder of this machine: the
    absolute path of the installed command (``.venv/bin/healthplan`` → its full path),
    or, when run as ``python -m healthplan``, that interpreter's full path."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name in ("healthplan", "healthplan.exe"):
        return [str(argv0.absolute())]
    return [sys.executable, "-m", "healthplan"]


def width(text: str) -> int:
    """Terminal columns: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pasteable(args: list[str], *, columns: int = 100, indent: str = "  ") -> list[str]:
    """``healthplan`` + ``args`` as shell lines no wider than ``columns`` (a word longer
    than a line stands alone on its line), continued with `` \\``."""
    words = [shlex.quote(w) for w in [*command_words(), *args]]
    lines, line = [], indent + words[0]
    for word in words[1:]:
        if width(line) + 1 + width(word) + 2 > columns:  # room for " \"
            lines.append(line + " \\")
            line = indent + "    " + word
        else:
            line += " " + word
    return [*lines, line]
