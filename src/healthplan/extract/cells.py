"""Indicator tables pasted as one cell per line (a table copied from a web page).

Copying an HTML table into a text file gives each cell on a line of its own, maybe with
blank lines between cells; an empty cell leaves nothing at all, and a merged category
cell appears once, on the first row of its run. The rows are rebuilt by what each cell
is: a 序号 (the next number in sequence), a unit, a value or target text, the attribute
(预期性/约束性, which ends a row), a category (text before a 序号 or before a name), an
indicator name. Where a cell had to be placed by guessing (a missing cell, a row started
before the previous one ended), the row is marked doubtful.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from healthplan.documents.model import Line

_ATTRIBUTE = re.compile(r"^(约束性|预期性|约束|预期)$")
_SEQ = re.compile(r"^\d{1,3}$")
_DASH = re.compile(r"^[-—–－―─]+$")
_VALUE_WORDS = re.compile(r"提高|降低|增长|下降|达到|左右|以上|以下|以内|力争|持续|逐步|控制|全部|同比例"
                          r"|不低于|不高于|保持|稳定|提升")
_NUMBER_LED = re.compile(r"^[≥≤<>＞＜＝=≈~～约]?\s*[\d.]")
# Indicator names end in what they measure; a target text does not.
_NAME_END = re.compile(r"(率|数|比|比例|量|寿命|水平|占比|人数|费用|床位|规模|面积|强度|指数)$")
_UNIT = re.compile(r"^(\d*/\d*[万千百]?[人例]?|[%‰％]|[^\d\s，。；：]{1,5}|[A-Za-z/\d%．.]{1,16})$")
_HEADING = re.compile(r"^(第[一二三四五六七八九十百]+[章节部分]|[一二三四五六七八九十]+、|专栏|注[:：]|表\s*\d)")
_MAX_CELL = 60


def is_value(text: str) -> bool:
    """A number, a target text ("≥80", "3左右", "同比例提高") or a dash for none."""
    if _DASH.match(text):
        return True
    bare = re.sub(r"[（(][^（）()]{1,20}[）)]$", "", text)  # the unit in the name: "（‰）"
    if _NAME_END.search(bare) and len(re.findall(r"[\u4e00-\u9fff]", bare)) >= 3:
        return False  # "5岁以下儿童死亡率" starts with a number but names a measure
    return bool(_NUMBER_LED.match(text) or _VALUE_WORDS.search(text))


def is_unit(text: str) -> bool:
    if _ATTRIBUTE.match(text) or _VALUE_WORDS.search(text) or _DASH.match(text):
        return False
    if re.fullmatch(r"[\d.]+", text):
        return False
    return bool(_UNIT.match(text)) and len(text) <= 8


@dataclass
class _Row:
    cells: dict[str, str] = field(default_factory=dict)
    values: list[str] = field(default_factory=list)
    first: int = 0
    last: int = 0
    doubts: list[str] = field(default_factory=list)
    category: str | None = None


def header_run(lines: list[Line], index: int, is_header_word) -> tuple[int, int] | None:
    """The run of one-word lines around lines[index] that make a header: (first, after)."""
    def word(k: int) -> bool:
        text = lines[k].text.strip()
        return bool(text) and "\t" not in lines[k].text and len(text) <= 12 and \
            is_header_word(text)

    first = index
    k = index - 1
    while k >= 0 and (word(k) or (not lines[k].text.strip() and k > 0 and word(k - 1))):
        if word(k):
            first = k
        k -= 1
    after = index + 1
    k = index + 1
    while k < len(lines) and (word(k) or (not lines[k].text.strip() and k + 1 < len(lines)
                                          and word(k + 1))):
        if word(k):
            after = k + 1
        k += 1
    count = sum(1 for j in range(first, after) if lines[j].text.strip())
    return (first, after) if count >= 3 else None


def read_rows(lines: list[Line], start: int, roles: list[str]):
    """Rows from the cells after the header. `roles` names each header column in order
    ("category", "seq", "name", "unit", "value", "attribute").

    Returns ([_Row], index of the last line used)."""
    nvalues = roles.count("value")
    has = set(roles)
    rows: list[_Row] = []
    row: _Row | None = None
    last = start - 1
    blank_run = 0
    pending_category: str | None = None
    cells: list[tuple[int, str]] = []
    for k in range(start, len(lines)):
        text = lines[k].text.strip()
        if not text:
            blank_run += 1
            if blank_run >= 3:
                break
            continue
        blank_run = 0
        if "\t" in lines[k].text or len(text) > _MAX_CELL or "。" in text or _HEADING.match(text):
            break
        cells.append((k, text))

    def expected_seq(current: _Row | None) -> str | None:
        for previous in [current, *reversed(rows)]:
            if previous is None:
                continue
            if previous.cells.get("seq", "").isdigit():
                return str(int(previous.cells["seq"]) + 1)
        return "1"

    def close(current: _Row | None, early: bool = False) -> None:
        if current is None or "name" not in current.cells:
            return
        if early:
            current.doubts.append("行未以属性结束，已按下一行重新对齐")
        if len(current.values) < nvalues and current.values:
            current.doubts.append("缺少单元格，数值按从右到左推定")
        rows.append(current)

    for index, (k, text) in enumerate(cells):
        following = cells[index + 1][1] if index + 1 < len(cells) else ""
        starting = row is None or (("attribute" not in has) and len(row.values) >= nvalues)
        if starting and row is not None:
            close(row)
            row = None
        if _ATTRIBUTE.match(text) and "attribute" in has:
            if row is None:
                continue
            row.cells["attribute"] = text
            row.last = k
            close(row)
            row = None
            last = k
            continue
        seq_here = "seq" in has and _SEQ.match(text) and (
            row is None or "name" not in row.cells
            or (text == expected_seq(row) and following and not is_value(following)
                and not _ATTRIBUTE.match(following) and not is_unit(following)
                and len(row.values) >= nvalues)
        )
        if seq_here:
            if row is not None and "name" in row.cells:
                close(row, early=True)
                row = None
            row = row or _Row(first=k)
            row.cells["seq"] = text
            row.last = last = k
            continue
        if row is None or "name" not in row.cells:
            if is_value(text) and not text.startswith("其中"):
                if row is None:
                    continue  # a stray value before any row
                row.values.append(text)
                row.last = last = k
                continue
            row = row or _Row(first=k)
            # Text before a 序号 or before another name is the category (or a row of its own
            # naming it when the table has no category column).
            next_is_text = following and not is_value(following) and not is_unit(following) \
                and not _ATTRIBUTE.match(following)
            next_is_seq = "seq" in has and "seq" not in row.cells and _SEQ.match(following or "")
            if ("category" in has and (next_is_seq or next_is_text)) or (
                "category" not in has and next_is_text and "seq" not in row.cells
            ):
                pending_category = text
                row.first = k
                continue
            row.cells["name"] = text
            if pending_category is not None:
                row.category = pending_category
                pending_category = None
            row.last = last = k
            continue
        # After the name: a unit, then values.
        if "unit" in has and "unit" not in row.cells and not row.values and is_unit(text):
            row.cells["unit"] = text
        else:
            row.values.append(text)
            if len(row.values) > nvalues:
                row.doubts.append("多余的单元格")
        row.last = last = k
    close(row, early=row is not None and "attribute" in has)
    return rows, last


def row_cells(row: _Row, roles: list[str]) -> list[str]:
    """The row's cells in header order; missing values are taken to be the leftmost."""
    values = list(row.values)
    nvalues = roles.count("value")
    if len(values) < nvalues:
        values = [""] * (nvalues - len(values)) + values
    cells = []
    v = 0
    for role in roles:
        if role == "value":
            cells.append(values[v] if v < len(values) else "")
            v += 1
        else:
            cells.append(row.cells.get(role, ""))
    return cells


__all__ = ["header_run", "is_unit", "is_value", "read_rows", "row_cells"]
