"""Plain-text plans: UTF-8 (with or without BOM) or GB18030/GBK, detected."""

from __future__ import annotations

import re

from healthplan.documents.model import Document, DocumentError, lines_from_text

# GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
_ENCODINGS = ("utf-8", "gb18030")


def decode_text(path: str, data: bytes) -> tuple[str, str]:
    """Return (text, encoding name); raise DocumentError for binary or undecodable data."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(path, data[3:], "utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(path, data, "utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise DocumentError(path, "不是文本文件（含二进制内容），无法读取")
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, encoding
    raise DocumentError(path, "无法识别文本编码（已尝试 UTF-8、GB18030/GBK）")


def _decode(path: str, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentError(path, f"文本不是有效的 {encoding} 编码：{exc.reason}") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _looks_like_text(text: str) -> bool:
    # GB18030 decodes almost any byte string; reject results full of control characters.
    if not text:
        return True
    return len(_CONTROL.findall(text)) / len(text) < 0.01


def read_text(path: str, data: bytes) -> Document:
    text, encoding = decode_text(path, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Document(path=path, format="txt", lines=lines_from_text(text), encoding=encoding)
