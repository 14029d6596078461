"""Writing a finished report: all at once, or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from healthplan.reports.content import ReportError


def write_atomically(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, so that a
    failure never leaves a half-written report. ReportError names an unwritable path."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ReportError(f"{path}：是目录，不能作为输出文件")
    if not folder.is_dir():
        raise ReportError(f"{path}：目录 {folder} 不存在")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ReportError(f"{path}：无法写入（{exc.strerror}）") from None
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        # mkstemp makes the file private (0600); a report is an ordinary file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ReportError(f"{path}：无法写入（{exc.strerror}）") from None
    return path
