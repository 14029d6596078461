"""Pick the reader for a file by its content (magic bytes) and its suffix."""

from __future__ import annotations

import hashlib
from pathlib import Path

from healthplan.documents.model import Document, DocumentError

SUPPORTED = (".txt", ".docx", ".pdf", ".html", ".htm")


def sniff_format(path: str, data: bytes) -> str:
    suffix = Path(path).suffix.lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if suffix in (".docx", ""):
            return "docx"
        raise DocumentError(path, "是 ZIP 压缩包而不是 .docx 文档，无法读取")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .doc, .wps, .xls …
        raise DocumentError(
            path, "是旧版 Office/WPS 文件（如 .doc、.wps），无法直接读取，请先另存为 .docx 或 PDF"
        )
    if suffix == ".docx":
        raise DocumentError(path, "不是有效的 .docx 文件（文件已损坏或被截断）")
    if suffix == ".pdf":
        raise DocumentError(path, "不是有效的 PDF 文件（缺少 %PDF 文件头）")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if suffix in (".html", ".htm") or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if suffix in (".txt", ""):
        return "txt"
    raise DocumentError(
        path, f"不支持的文件类型 {suffix}（支持 .txt、.docx、.pdf、.html）"
    )


def read_file_bytes(path: str) -> bytes:
    """A file's bytes; DocumentError for a missing, unreadable, directory or empty file."""
    file = Path(path)
    if not file.exists():
        raise DocumentError(path, "文件不存在")
    if file.is_dir():
        raise DocumentError(path, "是目录而不是文件")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"无法读取文件：{exc.strerror}") from None
    if not data.strip():
        raise DocumentError(path, "文件为空")
    return data


def read_document(path: str | Path) -> Document:
    """Read a plan document of any supported format into a Document."""
    path = str(path)
    data = read_file_bytes(path)
    kind = sniff_format(path, data)
    if kind == "txt":
        from healthplan.documents.text import read_text

        document = read_text(path, data)
    elif kind == "docx":
        from healthplan.documents.docx import read_docx

        document = read_docx(path, data)
    elif kind == "pdf":
        from healthplan.documents.pdf import read_pdf

        document = read_pdf(path, data)
    else:
        from healthplan.documents.html import read_html

        document = read_html(path, data)
    document.sha256 = hashlib.sha256(data).hexdigest()
    if not any(not line.is_blank for line in document.lines):
        raise DocumentError(path, "文档中没有可读取的文字")
    return document
