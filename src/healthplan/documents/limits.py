"""Sanity limits on plan documents, so a hostile or absurd file is refused, not parsed.

A real plan is a few hundred KB of text, 20–150 pages, one to a few thousand paragraphs
and a few indicator tables. The limits below are one to two orders of magnitude above
that, and far below what would exhaust a laptop's memory. Each refusal is one line that
names the limit, so a user with a genuinely large file knows what to do (split it, or
send only the plan itself, not its annexes).
"""

from __future__ import annotations

import zipfile

from healthplan.documents.model import DocumentError

MB = 1024 * 1024
# Plain text and web pages: a 100-page plan is ~300 KB of text.
MAX_TEXT_BYTES = 10 * MB
# Containers (PDF, images, Office files): scanned PDFs at 300 dpi run to a few MB per page.
MAX_FILE_BYTES = 100 * MB
# Office packages (.docx, .xlsx): the XML they expand to, and the number of parts.
MAX_UNZIPPED_BYTES = 100 * MB
MAX_PARTS = 2000
MAX_PARAGRAPHS = 100_000
MAX_SHEET_CELLS = 500_000
# Pages of a PDF (a plan with its annexes rarely passes 150) and of a scan read by OCR
# (seconds per page, see bench/README.md).
MAX_PAGES = 250
MAX_OCR_PAGES = 120
MAX_IMAGE_PIXELS = 60_000_000  # ~ an A3 page at 600 dpi
MAX_HTML_DEPTH = 200  # real pages nest a few dozen elements deep

_TEXT_KINDS = ("txt", "html")


def _mb(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size / 1024:.0f} KB"


def check_file_size(path: str, size: int, kind: str | None = None) -> None:
    """Refuse a file above the size cap (the text cap once its kind is known to be text)."""
    limit = MAX_TEXT_BYTES if kind in _TEXT_KINDS else MAX_FILE_BYTES
    if size > limit:
        what = "文本/网页规划文件" if kind in _TEXT_KINDS else "规划文件"
        raise DocumentError(
            path, f"文件过大（{_mb(size)}），{what}最大 {_mb(limit)}；请只提交规划正文，不含附件"
        )


def check_package(path: str, archive: zipfile.ZipFile) -> None:
    """Refuse an Office package whose parts would expand past the caps (a zip bomb)."""
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise DocumentError(
            path, f"压缩包内部件过多（{len(infos)} 个，上限 {MAX_PARTS} 个），不像正常的 Office 文档，已拒绝读取"
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise DocumentError(
            path,
            f"解压后内容过大（{_mb(total)}，上限 {_mb(MAX_UNZIPPED_BYTES)}），"
            "可能是压缩炸弹或内嵌了大量图片，已拒绝读取",
        )


def check_count(path: str, count: int, limit: int, what: str) -> None:
    if count > limit:
        raise DocumentError(path, f"{what}过多（{count} 个，上限 {limit} 个），不像一份规划文档，已拒绝读取")


def check_pages(path: str, pages: int, ocr: bool = False) -> None:
    limit = MAX_OCR_PAGES if ocr else MAX_PAGES
    if pages > limit:
        how = "需文字识别的扫描件" if ocr else "PDF 文件"
        raise DocumentError(
            path, f"页数过多（{pages} 页），{how}最多 {limit} 页；请只提交规划正文（可拆分后分别读取）"
        )
