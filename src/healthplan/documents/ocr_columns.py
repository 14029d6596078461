"""Scanned tables without ruling lines: the columns rebuilt from the text boxes'
x-positions.

A header line is a printed line of at least three short boxes that are column words
(指标, 单位, 2020年, 属性 …). The lines under it, while they stay close together (and
until one text runs across three header words: a note), are the table's rows. Column boundaries lie in the gaps that no box of the header or the rows
covers, one between each pair of neighbouring header words (when a long cell leaves no
gap, halfway between the two header words); each box goes to the column holding its
centre. A line with one box, under a row that has a cell in that column, continues that
cell (a name wrapped onto the next line) — but for the first column only when it is the
indicator names' (a lone text in a 领域 or 序号 column starts a category). Every cell placed by position counts as a
guess where the box crosses a column boundary: its confidence is then at most
POSITION_GUESS, below the OCR threshold, so its row is flagged.
"""

from __future__ import annotations

import re

from healthplan.documents.model import LOW_CONFIDENCE
from healthplan.textutil import join_wrapped

_HEADER_WORD = re.compile(
    r"^(序号?|编号|领域|类别|分类|(主要)?指标(名称)?|(计量)?单位|(指标)?(属性|性质)|"
    r"(19|20)\d{2}年?(目标值?|基数|完成情况?)?|目标值?|基期值?|现状值?|预期值)$")
POSITION_GUESS = round(LOW_CONFIDENCE - 0.2, 2)


def aligned_tables(lines: list, id_base: int):
    """(tables, indexes of the lines used) from OCR lines (lists of OcrBox, top down)."""
    from healthplan.documents.pdf import _Table

    tables, used = [], set()
    i = 0
    while i < len(lines):
        header = lines[i]
        if sum(1 for b in header if _HEADER_WORD.match(b.text.replace(" ", ""))) < 3:
            i += 1
            continue
        body, last = [], header
        j = i + 1
        while j < len(lines):
            line = lines[j]
            height = max(b.height for b in last)
            if min(b.top for b in line) - max(b.bottom for b in last) > 1.5 * height:
                break
            if len(line) == 1 and sum(1 for h in header if line[0].x0 < h.cx < line[0].x1) >= 3:
                break  # one text across three columns: a note under the table, not a row
            body.append(line)
            last = line
            j += 1
        if not body:
            i += 1
            continue
        bounds = _boundaries(header, body)
        rows, scores = [], []

        def column(box, bounds: list[float] = bounds) -> int:
            return sum(1 for x in bounds[1:-1] if box.cx > x)

        for line in [header, *body]:
            cells, low = [""] * (len(bounds) - 1), [1.0] * (len(bounds) - 1)
            for box in line:
                c = column(box)
                cells[c] = join_wrapped(cells[c], box.text)
                crosses = any(box.x0 < x < box.x1 for x in bounds[1:-1])
                low[c] = min(low[c], box.confidence, POSITION_GUESS if crosses else 1.0)
            filled = [c for c, text in enumerate(cells) if text]
            if rows and len(filled) == 1 and rows[-1][filled[0]] and (
                    filled[0] != 0 or "指标" in rows[0][0]):
                c = filled[0]  # a wrapped cell: its next printed line
                rows[-1][c] = join_wrapped(rows[-1][c], cells[c])
                scores[-1][c] = min(scores[-1][c], low[c])
                continue
            rows.append(cells)
            scores.append(low)
        base = id_base + len(tables) * 10_000
        ids = [[base + r * 100 + c for c in range(len(row))] for r, row in enumerate(rows)]
        confidence = {ids[r][c]: scores[r][c] for r in range(len(rows))
                      for c in range(len(rows[r])) if rows[r][c]}
        tables.append(_Table(top=min(b.top for b in header), rows=rows, ids=ids, xs=bounds,
                             confidence=confidence))
        used.update(range(i, j))
        i = j
    return tables, used


def _boundaries(header: list, body: list) -> list[float]:
    """Column boundaries (points): the table's left edge, one between each pair of
    neighbouring header boxes, the right edge."""
    header = sorted(header, key=lambda b: b.x0)
    boxes = [b for line in body for b in line] + header
    left, right = min(b.x0 for b in boxes) - 1, max(b.x1 for b in boxes) + 1
    bounds = [left]
    for a, b in zip(header, header[1:], strict=False):
        free = _widest_gap([(x.x0, x.x1) for x in boxes], a.cx, b.cx)
        bounds.append(free if free is not None else (a.x1 + b.x0) / 2)
    return [*bounds, right]


def _widest_gap(spans: list[tuple[float, float]], lo: float, hi: float) -> float | None:
    """The middle of the widest stretch between lo and hi that no span covers."""
    edges = sorted((max(a, lo), min(b, hi)) for a, b in spans if b > lo and a < hi)
    best, at, x = 0.0, None, lo
    for a, b in edges:
        if a - x > best:
            best, at = a - x, (x + a) / 2
        x = max(x, b)
    if hi - x > best:
        at = (x + hi) / 2
    return at
