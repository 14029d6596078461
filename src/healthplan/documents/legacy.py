"""Old Word and WPS documents (.doc, .wps): converted to .docx by LibreOffice, then read.

Many government sites still attach plans as .doc or .wps (binary OLE2 files). No
maintained pure-Python reader handles both with tables, while LibreOffice reads them
faithfully, so the file is converted with `soffice --headless --convert-to docx` in a
temporary folder (with a private LibreOffice profile, so a LibreOffice the user has open
does not swallow the conversion) and the .docx is read by the .docx reader. The Document
keeps the original path and says which format it came from. Without LibreOffice, one line
says what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from healthplan.documents.model import Document, DocumentError

CONVERT_TIMEOUT = 120  # seconds; a 100-page .doc converts in a few seconds

INSTALL_HINT = (
    "读取 .doc/.wps 文件需要 LibreOffice，但本机未安装"
    "（Debian/Ubuntu：sudo apt install libreoffice-writer；Windows/macOS：从 libreoffice.org 安装）；"
    "或先在 Word/WPS 中另存为 .docx 后再读取"
)


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_legacy(path: str, data: bytes, read: Callable[..., Document]) -> Document:
    """Convert with LibreOffice and read the result with `read(path, data, "docx", None)`."""
    program = find_soffice()
    suffix = Path(path).suffix.lower() if Path(path).suffix.lower() in (".doc", ".wps") else ".doc"
    if program is None:
        raise DocumentError(path, INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="hp-legacy-") as folder:
        source = Path(folder) / f"plan{suffix}"
        source.write_bytes(data)
        profile = Path(folder) / "profile"
        command = [
            program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(Path(folder) / "out"),
            str(source),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False,
                           env=dict(os.environ, HOME=str(profile)))
        except subprocess.TimeoutExpired:
            raise DocumentError(
                path, f"用 LibreOffice 转换 {suffix} 文件超时（{CONVERT_TIMEOUT} 秒），请另存为 .docx 后再读取"
            ) from None
        except OSError as exc:
            raise DocumentError(path, f"无法运行 LibreOffice（{exc.strerror}）") from None
        converted = Path(folder) / "out" / "plan.docx"
        if not converted.exists() or converted.stat().st_size == 0:
            raise DocumentError(
                path, f"LibreOffice 无法转换此 {suffix} 文件（可能已损坏、加密或不是 Word/WPS 文档）"
            )
        document = read(path, converted.read_bytes(), "docx", None)
    document.format = suffix.lstrip(".")
    return document
