"""Pick the reader for a file by its content (magic bytes) and its suffix.

Every plan document passes the same limits before any reader parses it: a file size cap
per kind of file (a plan's text is at most a few hundred KB; a scanned PDF may be tens of
MB), and, inside the readers, caps on decompressed size, parts, paragraphs, cells and
pages (`healthplan.documents.limits`), so a hostile or absurd file is refused with one
line naming the limit instead of exhausting memory or time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from healthplan.documents.limits import check_file_size
from healthplan.documents.model import Document, DocumentError

# Every suffix a plan document may have; the CLI help, the web upload and the error
# messages take their lists from here.
SUPPORTED = (".txt", ".docx", ".pdf", ".html", ".htm", ".xlsx", ".doc", ".wps",
             ".png", ".jpg", ".jpeg")  # fmt: skip
SUPPORTED_TEXT = "、".join(s for s in SUPPORTED if s not in (".htm", ".jpeg"))

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .wps, .xls …
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"

# A progress callback: (pages done, pages in all, what is being done). OCR reports per page.
Progress = Callable[[int, int, str], None]


def sniff_format(path: str, data: bytes) -> str:
    suffix = Path(path).suffix.lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith((_PNG, _JPEG)):
        return "image"
    if data.startswith(b"PK\x03\x04"):
        if suffix in (".docx", ""):
            return "docx"
        if suffix == ".xlsx":
            return "xlsx"
        raise DocumentError(path, f"是 ZIP 压缩包而不是 .docx/.xlsx 文档，无法读取（支持 {SUPPORTED_TEXT}）")
    if data.startswith(_OLE2):
        if suffix == ".xls":
            raise DocumentError(path, "是旧版 Excel 文件（.xls），请在 Excel 中另存为 .xlsx 后再读取")
        return "legacy"  # .doc/.wps (or an OLE2 file with another suffix): via LibreOffice
    if suffix in (".docx", ".xlsx"):
        raise DocumentError(path, f"不是有效的 {suffix} 文件（文件已损坏或被截断）")
    if suffix == ".pdf":
        raise DocumentError(path, "不是有效的 PDF 文件（缺少 %PDF 文件头）")
    if suffix in (".png", ".jpg", ".jpeg"):
        raise DocumentError(path, f"不是有效的 {suffix} 图片（文件头不对，已损坏或只是改了扩展名）")
    if suffix in (".doc", ".wps"):
        raise DocumentError(path, f"不是有效的 {suffix} 文件（不是 Word/WPS 文档格式）")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if suffix in (".html", ".htm") or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if suffix in (".txt", ""):
        return "txt"
    raise DocumentError(path, f"不支持的文件类型 {suffix}（支持 {SUPPORTED_TEXT}）")


def read_file_bytes(path: str) -> bytes:
    """A file's bytes; DocumentError for a missing, unreadable, directory, empty or too large
    file."""
    file = Path(path)
    if not file.exists():
        raise DocumentError(path, "文件不存在")
    if file.is_dir():
        raise DocumentError(path, "是目录而不是文件")
    try:
        check_file_size(path, file.stat().st_size)
        data = file.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"无法读取文件：{exc.strerror}") from None
    if not data.strip():
        raise DocumentError(path, "文件为空")
    return data


def read_document(path: str | Path, progress: Progress | None = None) -> Document:
    """Read a plan document of any supported format into a Document.

    `progress` is called as pages are read by OCR (scanned PDFs, images), which takes
    seconds per page; other formats are read in well under a second per page and do not
    report. KeyboardInterrupt is not caught: an interrupted read leaves nothing behind.
    """
    path = str(path)
    data = read_file_bytes(path)
    kind = sniff_format(path, data)
    check_file_size(path, len(data), kind)
    document = _read(path, data, kind, progress)
    document.sha256 = hashlib.sha256(data).hexdigest()
    if not any(not line.is_blank for line in document.lines):
        if kind in ("image", "pdf") and document.format == "ocr":
            raise DocumentError(path, "文字识别（OCR）没有识别出任何文字（图片是否清晰、是否为规划文本？）")
        raise DocumentError(path, "文档中没有可读取的文字")
    return document


def _read(path: str, data: bytes, kind: str, progress: Progress | None) -> Document:
    if kind == "txt":
        from healthplan.documents.text import read_text

        return read_text(path, data)
    if kind == "docx":
        from healthplan.documents.docx import read_docx

        return read_docx(path, data)
    if kind == "xlsx":
        from healthplan.documents.xlsx import read_xlsx

        return read_xlsx(path, data)
    if kind == "legacy":
        from healthplan.documents.legacy import read_legacy

        return read_legacy(path, data, _read)
    if kind == "pdf":
        from healthplan.documents.pdf import read_pdf

        return read_pdf(path, data, progress)
    if kind == "image":
        from healthplan.documents.ocr import read_image

        return read_image(path, data, progress)
    from healthplan.documents.html import read_html

    return read_html(path, data)
