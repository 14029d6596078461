"""Printed units → canonical units, and conversions between them."""

from __future__ import annotations

import re
import unicodedata

_PER_TEN_THOUSAND_POP = re.compile(r"每万")
_PER_THOUSAND_POP = re.compile(r"每千")

# Printed unit (after NFKC, whitespace removed) → canonical unit.
_SIMPLE = {
    "%": "%", "百分比": "%", "百分点": "%",
    "‰": "‰", "千分比": "‰", "千分率": "‰",
    # 千人口献血率 is printed as 人次/千人口: a count per thousand, i.e. ‰.
    "人次/千人": "‰", "人次/千人口": "‰", "次/千人": "‰", "/千人口": "‰", "/千人": "‰",
    "岁": "岁", "周岁": "岁",
    "天": "天", "日": "天",
    "g": "g/日", "克": "g/日", "g/日": "g/日", "g/天": "g/日", "克/日": "g/日", "克/天": "g/日",
    "g/人日": "g/日", "克/人日": "g/日", "g/人·日": "g/日", "克/人·日": "g/日",
    "g/(人·日)": "g/日", "克/(人·日)": "g/日", "g/d": "g/日",
    "亿元": "亿元", "万亿元": "万亿元", "万元": "万元", "元": "元",
    "张/千人": "张/千人", "张/千人口": "张/千人", "张/每千人": "张/千人",
    "人/千人": "人/千人", "人/千人口": "人/千人", "名/千人": "人/千人",
    "人/万人": "人/万人", "人/万人口": "人/万人", "名/万人": "人/万人",
    "个/千人": "个/千人", "个/千人口": "个/千人",
}
# Counts whose denominator is given by the indicator name (每千… / 每万…).
_COUNTS = {"张": "张", "床": "张", "人": "人", "名": "人", "个": "个", "位": "个"}
# 1/10万, /10万, 1/100000, /十万, 人/10万, 每10万人口 …
_PER_100K = re.compile(r"^(1|人|例)?/(10万|十万|100000|10\^?5)(人|人口|活产)?$|^每(10万|十万)(人|人口)?$")
_DDD = re.compile(r"DDD", re.IGNORECASE)

# (from, to) → factor: value_in_from × factor = value_in_to.
_FACTORS = {
    ("%", "‰"): 10.0,
    ("%", "/10万"): 1000.0,
    ("‰", "/10万"): 100.0,
    ("人/千人", "人/万人"): 10.0,
    ("张/千人", "张/万人"): 10.0,
    ("个/千人", "个/万人"): 10.0,
    ("万亿元", "亿元"): 10000.0,
    ("亿元", "万元"): 10000.0,
    ("万元", "元"): 10000.0,
}


def _clean(unit: str) -> str:
    text = unicodedata.normalize("NFKC", unit or "")
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"^单位[:：]", "", text)
    while len(text) >= 2 and text[0] == "(" and text[-1] == ")":
        text = text[1:-1]
    return text


def normalise_unit(unit: str, name: str = "") -> str | None:
    """The canonical spelling of a printed unit; "" for no unit; None if unrecognised.

    ``name`` (the indicator name as printed) supplies the denominator of a bare
    count: 人 in a 每千… row is 人/千人, 张 in a 每万… row is 张/万人.
    """
    text = _clean(unit)
    if not text:
        return ""
    if text in _SIMPLE:
        return _SIMPLE[text]
    if _PER_100K.match(text):
        return "/10万"
    if _DDD.search(text):
        # "DDDs/100人天", "DDDs 100/人天%" (a stray % is a printing artefact).
        return "DDDs/100人天"
    if text in _COUNTS:
        count = _COUNTS[text]
        plain_name = unicodedata.normalize("NFKC", name or "").replace("毎", "每")
        if _PER_THOUSAND_POP.search(plain_name):
            return f"{count}/千人"
        if _PER_TEN_THOUSAND_POP.search(plain_name):
            return f"{count}/万人"
        return count
    return None


def unit_factor(from_unit: str, to_unit: str) -> float | None:
    """Factor turning a value in ``from_unit`` into ``to_unit`` (canonical spellings), or None."""
    # Breadth-first over the conversion graph, both directions (万亿元 → 亿元 → 万元 …).
    factors: dict[str, float] = {from_unit: 1.0}
    frontier = [from_unit]
    while frontier:
        unit = frontier.pop(0)
        for (a, b), f in _FACTORS.items():
            for src, dst, k in ((a, b, f), (b, a, 1.0 / f)):
                if src == unit and dst not in factors:
                    factors[dst] = factors[unit] * k
                    frontier.append(dst)
    return factors.get(to_unit)


def units_compatible(printed: str, canonical: str) -> bool:
    """The same unit, or a bare count (张, 人, 个) whose denominator the row did not state."""
    if printed == canonical or not printed or not canonical:
        return True
    return canonical.startswith(printed + "/") and printed in ("张", "人", "个")
