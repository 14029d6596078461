"""Indicator tables (主要发展指标) from a Document.

A table is found by what it is — a header of column words (领域, 序号, 指标, 单位, year or
基期值/目标值/完成情况 columns, 属性) followed by rows of names, values and attributes —
not by the layouts of the samples. Text layouts read:

* one row per line with cells separated by tabs, pipes (markdown) or commas (CSV), the
  header on one or two rows (指标值 over 2020年/2025年), repeated after a page break;
* one cell per line, each cell line led by a tab, a blank line between rows; a cell may
  wrap onto untabbed continuation lines, a merged cell is a tab-only line;
* space-aligned columns (`pdftotext -layout` and the like): see `layout`;
* one cell per line without tabs, as pasted from a web page, empty cells absent: see
  `cells`;
* any of the above with category rows of their own and the unit inside the name
  ("婴儿死亡率（‰）") or in the caption ("单位：%").

Real tables (.docx, .html, ruled tables in a PDF, OCR) arrive as lines that carry their
cells and skip the layout guessing. All paths meet in `_table_from_grid`, which maps
header cells to roles and carries categories down. Where the reader had to guess, the
row's `doubtful` says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from healthplan.documents.model import LOW_CONFIDENCE, Document, Line
from healthplan.extract.model import IndicatorRow, IndicatorTable, Period
from healthplan.textutil import fold_whitespace, join_wrapped

# --- header roles ---------------------------------------------------------

_NAME_HEADER = re.compile(r"^(主要)?(发展)?指标(名称|名)?$")
_ROLE_PATTERNS = [
    ("category", re.compile(r"^(领域|分类|类别|类型|维度)$")),
    ("seq", re.compile(r"^(序号?|编号)$")),
    ("unit", re.compile(r"^(计量)?单位$")),
    ("attribute", re.compile(r"^(指标)?(性质|属性)$")),
    ("name", _NAME_HEADER),
]
_YEAR = re.compile(r"(19|20)\d{2}")
_ACTUAL = re.compile(r"完成|实际|现状|基期|基线|基数|现值")
_TARGET = re.compile(r"目标|规划|预期值")
_ATTRIBUTE_VALUES = ("约束性", "预期性")
_VALUE_HEADER = re.compile(r"(19|20)\d{2}|目标|基期|基数|完成|规划|现状|预期值|远景|指标值")
_FIVE_YEAR_PLAN = re.compile(r"[“\"]?十([一二三四五六七八九])五[”\"]?")
_CN_ONES = "一二三四五六七八九"


def five_year_plan_period(text: str) -> Period | None:
    """Period of the n-th five-year plan named in text (“十四五” → 2021–2025)."""
    match = _FIVE_YEAR_PLAN.search(text)
    if not match:
        return None
    number = 10 + _CN_ONES.index(match.group(1)) + 1
    start = 1966 + 5 * (number - 3)  # the third plan began in 1966, every later one 5 years on
    return Period(start, start + 4)


def _norm(cell: str) -> str:
    return re.sub(r"\s+", "", cell)


def is_name_header(cell: str) -> bool:
    return bool(_NAME_HEADER.match(_norm(cell)))


@dataclass
class _Columns:
    roles: dict[str, int]
    baseline_year: int | None
    target_year: int | None
    completion: bool  # the baseline column is a previous plan's actual result
    missing_target: str | None = None  # why the table has no target column


_IGNORED = re.compile(r"^(备注|说明|责任单位|牵头单位|数据来源|来源|口径)")
_COMPLETED = re.compile(r"完成|实际|实现")  # a previous plan's result, not a base-year value
_FAR = re.compile(r"远景|展望")


def _map_columns(header: list[str], period: Period | None) -> _Columns | None:
    roles: dict[str, int] = {}
    values: list[tuple[int, str]] = []
    for index, cell in enumerate(header):
        text = _norm(cell)
        for role, pattern in _ROLE_PATTERNS:
            if role not in roles and pattern.match(text):
                roles[role] = index
                break
        else:
            if text and not _IGNORED.match(text):
                values.append((index, text))
    if "name" not in roles or not values:
        return None

    def year_of(text: str) -> int | None:
        match = _YEAR.search(text)
        return int(match.group(0)) if match else None

    def is_actual(text: str) -> bool:
        return bool(_ACTUAL.search(text))

    def is_target(text: str) -> bool:
        return bool(_TARGET.search(text)) and not is_actual(text)

    # A 2035 远景 column (or any year past the plan's end) is not the plan's target.
    near = [v for v in values if not _FAR.search(v[1])
            and not (period and (year_of(v[1]) or 0) > period.end)] or values
    target_year = baseline_year = None
    missing = None
    completion = False
    actual = [v for v in near if is_actual(v[1])]
    target = [v for v in near if is_target(v[1])]
    if len(near) == 1:
        only = near[0]
        year = year_of(only[1])
        if period and year is not None and year < period.end and not is_target(only[1]):
            # A 2020 column alone in a 2021–2025 table is the base year, not the target.
            roles["baseline"] = only[0]
            baseline_year = year
            target_year = period.end  # the year is the plan's; the value is what is missing
            missing = f"表中没有{period.end}年目标值列（仅有“{header[only[0]]}”列），目标缺失"
        else:
            roles["target"] = only[0]
            target_year = year
    else:
        if actual and target:
            base, goal = actual[0], target[0]
            completion = any(_COMPLETED.search(v[1]) for v in actual)
        else:
            goal_year = period.end if period else None
            at_end = [v for v in near if goal_year and year_of(v[1]) == goal_year]
            ordered = sorted(near, key=lambda v: (year_of(v[1]) or 9999, v[0]))
            goal = at_end[0] if at_end else ordered[-1]
            rest = [v for v in ordered if v is not goal]
            base = rest[0]
        roles["baseline"], roles["target"] = base[0], goal[0]
        baseline_year, target_year = year_of(base[1]), year_of(goal[1])
    if target_year is None and period is not None and "target" in roles:
        target_year = period.end
    if completion and baseline_year is None:
        baseline_year = target_year
    if baseline_year is None and "baseline" in roles and period is not None and not completion:
        baseline_year = period.start - 1  # 基期值 of a five-year plan: the year before it
    return _Columns(roles, baseline_year, target_year, completion, missing)


# --- unit inside the name --------------------------------------------------

_TRAILING_PAREN = re.compile(r"^(?P<name>.+?)[（(](?P<unit>[^（）()]{1,20})[）)]\s*$")
_UNIT_HINT = re.compile(r"[%‰％岁人张个元天年次床万/a-zA-Z]")


def split_unit_from_name(name: str) -> tuple[str, str]:
    """'婴儿死亡率（‰）' → ('婴儿死亡率', '‰'); names without a trailing unit are unchanged."""
    match = _TRAILING_PAREN.match(name)
    if match and _UNIT_HINT.search(match.group("unit")):
        return match.group("name").strip(), match.group("unit").strip()
    return name, ""


_CAPTION_UNIT = re.compile(r"单位[:：]\s*([^\s，,；;）)]{1,10})")


def unit_in_caption(caption: str) -> str:
    """The unit a caption gives for every row ("…主要指标（单位：%）"), or ""."""
    match = _CAPTION_UNIT.search(caption)
    return match.group(1) if match else ""


# --- grid → rows ------------------------------------------------------------


@dataclass
class _RawRow:
    cells: list[str]
    line_start: int
    line_end: int
    doubtful: str | None = None  # why the reader had to guess this row's cells
    category: str | None = None  # the category, when the layout gave it apart from the cells


def _is_category_row(cells: list[str]) -> bool:
    """A row of its own naming the category: one text, in the first cell (maybe merged across)."""
    return bool(cells) and bool(cells[0]) and all(c in ("", cells[0]) for c in cells[1:])


def _table_from_grid(
    caption: str,
    header: list[str],
    raw_rows: list[_RawRow],
    line_start: int,
    line_end: int,
    document_period: Period | None,
) -> IndicatorTable | None:
    period = five_year_plan_period(caption) or document_period
    columns = _map_columns(header, period)
    if columns is None:
        return None
    roles = columns.roles
    ncols = len(header)
    normalized_header = [_norm(c) for c in header]
    table = IndicatorTable(
        caption=fold_whitespace(caption),
        header=[fold_whitespace(c) for c in header],
        kind="completion" if columns.completion else "plan",
        period=period,
        line_start=line_start,
        line_end=line_end,
    )
    category = ""
    caption_unit = unit_in_caption(caption)
    for raw in raw_rows:
        cells = [fold_whitespace(c) for c in raw.cells]
        while len(cells) > ncols and not cells[-1]:
            cells.pop()
        if [_norm(c) for c in cells] == normalized_header:
            continue  # header repeated after a page break
        if _is_category_row(cells):
            category = cells[0]
            continue
        if len(cells) < ncols and "category" in roles and roles["category"] == 0:
            cells = [""] * (ncols - len(cells)) + cells  # the merged category cell was left out
        cells += [""] * (ncols - len(cells))

        def cell(role: str, cells: list[str] = cells) -> str:
            return cells[roles[role]] if role in roles else ""

        if raw.category is not None:
            category = raw.category
        elif cell("category"):
            category = cell("category")
        name, unit = cell("name"), cell("unit")
        if not name:
            continue
        if "unit" not in roles:
            name, unit = split_unit_from_name(name)
            unit = unit or caption_unit
        baseline = cell("baseline")
        table.rows.append(
            IndicatorRow(
                category=category,
                seq=cell("seq"),
                name=name,
                unit=unit,
                baseline_year=columns.baseline_year if "baseline" in roles else None,
                baseline=baseline,
                target_year=columns.target_year,
                target=cell("target"),
                attribute=cell("attribute"),
                line_start=raw.line_start,
                line_end=raw.line_end,
                doubtful=raw.doubtful or columns.missing_target,
            )
        )
    return table if table.rows else None


# --- text layouts ------------------------------------------------------------


def _blank(line: Line) -> bool:
    # A tab-only line is not blank here: it is an empty (merged) cell.
    return not line.text.strip(" \u3000\r\xa0")


def _tab_led(line: Line) -> bool:
    return line.text.lstrip(" ").startswith("\t")


def _cells_of_block(lines: list[Line]) -> list[str]:
    """Cells of a one-cell-per-line block: a tab starts a cell, other lines continue it."""
    cells: list[str] = []
    for line in lines:
        if _tab_led(line):
            cells.append(line.text.strip())
        elif cells:
            cells[-1] = join_wrapped(cells[-1], line.text)
        else:
            cells.append(line.text.strip())
    return cells


def _caption_before(lines: list[Line], index: int) -> tuple[str, int]:
    """The caption: the nearest non-blank line above `index` (within three lines)."""
    for back in range(index - 1, max(index - 4, -1), -1):
        line = lines[back]
        if line.is_blank:
            continue
        if line.cells is None and not _tab_led(line):
            return line.text.strip(), back
        break
    return "", index


def _one_cell_per_line_table(lines: list[Line], start: int):
    """Parse the layout with one cell per line, starting at the header's first line."""
    n = len(lines)
    end = start
    while end < n and not _blank(lines[end]):
        end += 1
    header = _cells_of_block(lines[start:end])
    ncols = len(header)
    blocks: list[list[Line]] = []
    i = end
    blank_run = 0
    while i < n:
        line = lines[i]
        if _blank(line):
            blank_run += 1
            i += 1
            if blank_run >= 2:
                break
            continue
        block_start = i
        while i < n and not _blank(lines[i]):
            i += 1
        block = lines[block_start:i]
        if not _tab_led(block[0]):
            previous = _cells_of_block(blocks[-1]) if blocks else []
            if blocks and len(previous) < ncols and blank_run == 1:
                blocks[-1] = blocks[-1] + block  # a cell split across a blank line
                blank_run = 0
                continue
            i = block_start
            break
        cells = _cells_of_block(block)
        if len(cells) == 1 and (len(cells[0]) > 15 or cells[0].startswith("专栏")):
            i = block_start
            break
        blocks.append(block)
        blank_run = 0
    raw_rows = [
        _RawRow(_cells_of_block(block), block[0].number, block[-1].number) for block in blocks
    ]
    last = blocks[-1][-1].number if blocks else lines[end - 1].number
    return header, raw_rows, last


def _split_tabs(text: str) -> list[str]:
    return [c.strip() for c in text.strip("\n").split("\t")]


def _split_pipes(text: str) -> list[str]:
    """'| 领域 | 序号 | … |' → cells (a markdown table's outer pipes are optional)."""
    text = text.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [c.strip() for c in text.split("|")]


def _split_csv(text: str) -> list[str]:
    import csv

    return [c.strip() for c in next(csv.reader([text]), [])]


_MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _splitter(text: str):
    """How the cells of a one-row-per-line header are separated: tabs, pipes or commas."""
    for split, sep in ((_split_tabs, "\t"), (_split_pipes, "|"), (_split_csv, ",")):
        if sep in text:
            cells = split(text)
            if len(cells) >= 3 and any(is_name_header(c) for c in cells):
                return split
    return None


def merge_header_rows(top: list[str], below: list[str]) -> list[str] | None:
    """A two-row header ("指标值" over "2020年" and "2025年") as one row, or None when
    `below` is not the header's second row."""
    if not any(_YEAR.search(c) for c in below) or any(c in _ATTRIBUTE_VALUES for c in below):
        return None
    if any(c and not _VALUE_HEADER.search(_norm(c)) for c in below):
        return None
    merged = []
    spanning = ""
    for k, cell in enumerate(top):
        under = below[k] if k < len(below) else ""
        if cell:
            spanning = cell if under else ""
            merged.append(cell + under)
        else:
            merged.append(spanning + under if under else "")
    return merged


def _header_again(lines: list[Line], index: int, header_text: str, reach: int = 6) -> int | None:
    """Index of the header repeated within `reach` lines of lines[index] (a page break),
    or None when lines[index] is where the table ends."""
    for k in range(index, min(index + reach, len(lines))):
        if k > index and re.sub(r"\s+", "", lines[k].text) == header_text:
            return k
        if k > index and lines[k].cells is not None:
            return None
        if re.match(r"^\s*表\s*\d|.*指标", lines[k].text):
            return None  # a caption: the next table begins here
    return None


def _one_row_per_line_table(lines: list[Line], start: int, split=_split_tabs):
    header = split(lines[start].text)
    header_text = re.sub(r"\s+", "", lines[start].text)
    raw_rows: list[_RawRow] = []
    i = start + 1
    blank_run = 0
    last = lines[start].number
    while i < len(lines):
        line = lines[i]
        if _blank(line):
            blank_run += 1
            if blank_run >= 2 and _header_again(lines, i, header_text) is None:
                break
            i += 1
            continue
        if _MARKDOWN_RULE.match(line.text):
            i += 1
            continue
        cells = split(line.text)
        if len(cells) < max(2, len(header) - 2):
            # A page break: a footer ("— 12 —") and a running head, then the header again.
            again = _header_again(lines, i, header_text)
            if again is None:
                break
            i = again + 1
            blank_run = 0
            continue
        if not raw_rows and (merged := merge_header_rows(header, cells)):
            header = merged
        else:
            raw_rows.append(_RawRow(cells, line.number, line.number))
        last = line.number
        blank_run = 0
        i += 1
    return header, raw_rows, last


def _text_tables(lines: list[Line], period: Period | None, skip: set[int]):
    tables: list[IndicatorTable] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.cells is not None or line.number in skip or "指标" not in line.text:
            i += 1
            continue
        split = _splitter(line.text)
        if split is not None:
            caption, _ = _caption_before(lines, i)
            header, raw_rows, last = _one_row_per_line_table(lines, i, split)
        elif "\t" not in line.text and (spaced := _spaced_table(lines, i, period)):
            caption, header, raw_rows, last = spaced
        elif "\t" not in line.text and is_name_header(line.text) and (
            pasted := _pasted_table(lines, i, period)
        ):
            caption, header, raw_rows, last = pasted
        elif _tab_led(line) and is_name_header(line.text):
            start = i
            while start > 0 and _tab_led(lines[start - 1]) and not _blank(lines[start - 1]):
                start -= 1
            caption, _ = _caption_before(lines, start)
            header, raw_rows, last = _one_cell_per_line_table(lines, start)
        else:
            i += 1
            continue
        table = _table_from_grid(caption, header, raw_rows, line.number, last, period)
        if table is not None:
            caption_line = _caption_line_number(lines, i, caption)
            table.line_start = caption_line or table.line_start
            tables.append(table)
        i = last  # line numbers are 1-based: continue after the table's last line
    return tables


def _caption_line_number(lines: list[Line], index: int, caption: str) -> int | None:
    if not caption:
        return None
    for back in range(index, max(index - 12, -1), -1):
        if lines[back].text.strip() == caption:
            return lines[back].number
    return None


def _spaced_table(lines: list[Line], index: int, period: Period | None):
    """A space-aligned table whose header is lines[index], or None."""
    from healthplan.extract import layout

    words = [_norm(t.text) for t in layout.tokens(lines[index].text)]
    if len(words) < 3 or not any(is_name_header(w) for w in words):
        return None
    if _map_columns(words, period) is None:
        return None

    def roles_ok(columns, placed) -> bool:
        # Each header word keeps its role with the text below it ("序" + "号" = "序号").
        for k, below in placed.items():
            before, after = _norm(columns[k].header), _norm(columns[k].header + "".join(below))
            for _, pattern in _ROLE_PATTERNS:
                if pattern.match(before) and not pattern.match(after):
                    return False
        return True

    wide = layout.aligned(lines, index, True) > layout.aligned(lines, index, False)
    columns, body = layout.read_header(lines, index, roles_ok, wide)
    header = [_norm(c.header) for c in columns]
    mapped = _map_columns(header, period)
    if mapped is None:
        return None
    roles = {k: v for k, v in mapped.roles.items()}
    fixed = {roles.get(r) for r in ("category", "seq", "name", "unit")}
    value_cols = {k for k in range(len(columns)) if k not in fixed}
    header_texts = {"".join(header)} | {
        re.sub(r"\s+", "", lines[k].text) for k in range(index, body)
    }
    first_line = re.sub(r"\s+", "", lines[index].text)

    def reheader(k: int):
        if re.sub(r"\s+", "", lines[k].text) != first_line:
            return None
        return layout.read_header(lines, k, roles_ok, wide)

    rows, categories, last = layout.read_rows(lines, body, columns, roles, value_cols,
                                              header_texts, reheader, wide)
    if not rows:
        return None
    raw_rows = []
    for row, category in zip(rows, categories, strict=True):
        doubt = "；".join(dict.fromkeys(row.doubts)) or None
        raw_rows.append(_RawRow(layout.row_cells(row, len(columns)), lines[row.first].number,
                                lines[row.last].number, doubt, category))
    return _spaced_caption(lines, index), header, raw_rows, lines[last].number


def _is_header_word(text: str) -> bool:
    text = _norm(text)
    return any(p.match(text) for _, p in _ROLE_PATTERNS) or bool(_VALUE_HEADER.search(text))


def _pasted_table(lines: list[Line], index: int, period: Period | None):
    """A table pasted one cell per line, whose header contains lines[index], or None."""
    from healthplan.extract import cells as pasted

    run = pasted.header_run(lines, index, _is_header_word)
    if run is None:
        return None
    header = [_norm(lines[k].text) for k in range(*run) if lines[k].text.strip()]
    years = [h for h in header if _YEAR.search(h)]
    if len(years) >= 2:  # "指标值" over "2020年" and "2025年", pasted in reading order
        header = [h for h in header if h not in ("指标值", "指标数值", "数值")]
    mapped = _map_columns(header, period)
    if mapped is None:
        return None
    by_index = {v: k for k, v in mapped.roles.items()}
    roles = [by_index.get(k, "value") for k in range(len(header))]
    roles = [r if r in ("category", "seq", "name", "unit", "attribute") else "value"
             for r in roles]
    rows, last = pasted.read_rows(lines, run[1], roles)
    if not rows:
        return None
    raw_rows = [
        _RawRow(pasted.row_cells(row, roles), lines[row.first].number, lines[row.last].number,
                "；".join(dict.fromkeys(row.doubts)) or None, row.category)
        for row in rows
    ]
    return _spaced_caption(lines, run[0]), header, raw_rows, lines[last].number


def _spaced_caption(lines: list[Line], index: int) -> str:
    """The caption above a space-aligned table: the nearest line of text, across the blank
    lines and page number a converter leaves when the table starts a new page."""
    from healthplan.extract import layout

    for back in range(index - 1, max(index - 80, -1), -1):
        text = lines[back].text.replace("\f", "").strip()
        if not text or layout.is_page_furniture(lines, back):
            continue
        # A caption is one short line, not a row of cells ("表1  …" may keep two spaces).
        short = len(text) <= 60 and len(layout.tokens(text)) <= 2
        return text if short else ""
    return ""


# --- real tables ---------------------------------------------------------------


def _real_tables(lines: list[Line], period: Period | None):
    groups: dict[int, list[Line]] = {}
    for line in lines:
        if line.table is not None and line.cells is not None:
            groups.setdefault(line.table, []).append(line)
    tables: list[IndicatorTable] = []
    previous: tuple[IndicatorTable, list[str], int] | None = None
    for rows in groups.values():
        header_index = next(
            (k for k, row in enumerate(rows) if any(is_name_header(c) for c in row.cells)), None
        )
        first = rows[0].number
        if header_index is None:
            # A table continued on the next PDF page without its header.
            if previous and _continues(lines, previous[2], first, rows, len(previous[1])):
                table, header, _ = previous
                more = _table_from_grid(table.caption, header, _raw(rows), first,
                                        rows[-1].number, period)
                if more:
                    table.rows.extend(more.rows)
                    table.line_end = rows[-1].number
                    previous = (table, header, rows[-1].number)
            continue
        header = list(rows[header_index].cells)
        body = rows[header_index + 1:]
        if body and (merged := merge_header_rows(header, list(body[0].cells))):
            header, body = merged, body[1:]
        caption, caption_index = _caption_before(lines, first - 1)
        table = _table_from_grid(caption, header, _raw(body), first,
                                 rows[-1].number, period)
        if table is None:
            previous = None
            continue
        if caption:
            table.line_start = lines[caption_index].number
        tables.append(table)
        previous = (table, header, rows[-1].number)
    return tables


def _raw(rows: list[Line]) -> list[_RawRow]:
    return [_RawRow(list(row.cells), row.number, row.number) for row in rows]


def _continues(lines: list[Line], last: int, first: int, rows: list[Line], ncols: int) -> bool:
    between = [line for line in lines[last:first - 1] if not line.is_blank]
    return len(between) <= 2 and all(len(row.cells) == ncols for row in rows)


def extract_indicator_tables(
    document: Document, period: Period | None = None, skip: set[int] | None = None
) -> list[IndicatorTable]:
    """Every indicator table in the document, in order of appearance."""
    skip = skip or set()
    tables = _real_tables(document.lines, period) + _text_tables(document.lines, period, skip)
    for table in tables:
        columns = _map_columns(table.header, table.period)
        roles = columns.roles if columns is not None else {}
        for row in table.rows:
            _mark_provenance(row, document, roles)
    return sorted(tables, key=lambda t: t.line_start)



def _mark_provenance(row: IndicatorRow, document: Document, roles: dict[str, int]) -> None:
    """Page of the row's first line; for OCR text, the lowest confidence over its lines, a
    doubt when that is below LOW_CONFIDENCE or a cell is misshapen, and which cells
    (`doubtful_cells`, by field) the doubt is about."""
    lines = [document.line(n) for n in range(row.line_start, row.line_end + 1)
             if 1 <= n <= len(document.lines)]
    if not lines:
        return
    row.page = lines[0].page
    scores = [line.confidence for line in lines if line.confidence is not None]
    if scores:
        row.confidence = min(scores)
        reasons = [f"识别置信度低（{row.confidence:.2f}）"] if row.confidence < LOW_CONFIDENCE else []
        cells = {field for field, column in roles.items() for line in lines
                 if line.cells and line.confidences and column < len(line.confidences)
                 and line.confidences[column] < LOW_CONFIDENCE}
        if reasons and not cells:  # a row from text lines (no cells): its name is the guess
            cells.add("name")
        for field, reason in misread_shapes(row):
            reasons.append(reason)
            cells.add(field)
        for reason in reasons:
            row.doubtful = f"{row.doubtful}；{reason}" if row.doubtful else reason
        row.doubtful_cells = [f for f in _CELL_ORDER if f in cells]


_CELL_ORDER = ("category", "seq", "name", "unit", "baseline", "target", "attribute")


# What a cell read by OCR should look like; a cell that does not is a misreading to check
# whatever the recogniser's confidence (a unit read as a digit, "≤9.6" read as "9.6>").
_UNIT_SHAPE = re.compile(r"^[\d\s.,．，、]+$")
_COMPARATOR_LAST = re.compile(r"\d\s*[<>≤≥＜＞]\s*$")
_DIGIT_LETTER = re.compile(r"\d[oOlI]|[oOlI]\d")


def misread_shapes(row: IndicatorRow) -> list[tuple[str, str]]:
    """(field, reason) for each OCR cell whose shape says it was misread (none: all look right)."""
    found = []
    if row.unit and _UNIT_SHAPE.match(row.unit):
        found.append(("unit", f"单位“{row.unit}”是数字，不像计量单位"))
    for field, label, value in (("baseline", "基期值", row.baseline), ("target", "目标值", row.target)):
        if _COMPARATOR_LAST.search(value or ""):
            found.append((field, f"{label}“{value}”的比较符号在数字之后"))
        elif _DIGIT_LETTER.search(value or ""):
            found.append((field, f"{label}“{value}”中数字与字母相邻（可能把 0/1 读成了字母）"))
    if row.attribute and row.attribute not in _ATTRIBUTE_VALUES:
        found.append(("attribute", f"属性“{row.attribute}”不是约束性或预期性"))
    return found


def table_line_numbers(tables: list[IndicatorTable]) -> set[int]:
    return {n for t in tables for n in range(t.line_start, t.line_end + 1)}


__all__ = [
    "LOW_CONFIDENCE",
    "extract_indicator_tables",
    "five_year_plan_period",
    "split_unit_from_name",
    "table_line_numbers",
]
