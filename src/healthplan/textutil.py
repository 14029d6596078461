"""Small text helpers shared by the readers and extractors."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")


def fold_whitespace(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    return _WS.sub(" ", text).strip()


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def join_wrapped(head: str, tail: str) -> str:
    """Join a piece of text that wrapped onto the next line.

    Chinese wraps anywhere with no space, so pieces are joined directly; two
    ASCII words keep one space between them ("DDDs" + "100" → "DDDs 100").
    """
    head, tail = head.rstrip(), tail.strip()
    if not head:
        return tail
    if not tail:
        return head
    if _is_ascii_word(head[-1]) and _is_ascii_word(tail[0]):
        return f"{head} {tail}"
    return head + tail


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_numeral(text: str) -> int | None:
    """Value of a Chinese numeral up to 99 (一 → 1, 十四 → 14, 二十三 → 23), or None."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS.get(tens, None) if tens else 1
        o = _CN_DIGITS.get(ones, None) if ones else 0
        if t is None or o is None:
            return None
        return t * 10 + o
    if len(text) == 1:
        return _CN_DIGITS.get(text)
    return None


_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def halfwidth_digits(text: str) -> str:
    return text.translate(_FULLWIDTH)
