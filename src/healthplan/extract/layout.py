"""Indicator tables laid out in space-aligned columns (text converted from a PDF).

`pdftotext -layout`, pdfplumber's `extract_text(layout=True)` and many "save as text"
tools put each glyph on a character grid: a table's columns become runs of text that
start at (nearly) the same character position on every line, separated by two or more
spaces. A cell that wraps continues on the following lines in its own column; a page
break repeats the header and may put a page footer ("— 12 —") or a running header
between the rows.

The table is rebuilt from its header: each header word opens a column at its position,
every later token belongs to the column it starts in, and lines are grouped into rows by
what is on them (a 序号, or a value/attribute beside a name starts a row; a line with only
wrapped text continues the row above). A wrapped cell is told from a cell of its own by
its width: the text of a cell that wrapped fills its column, the last line of a cell does
not. Where the layout leaves a real choice, the row is marked doubtful.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from healthplan.documents.model import Line, fold_cell_text
from healthplan.textutil import join_wrapped

# Two or more spaces separate columns; a single space stays inside a cell ("2020 年").
_TOKEN = re.compile(r"\S+(?: \S+)*")
_SEQ = re.compile(r"^[（(]?\d{1,3}[）)．.、]?$")
# A page number: "— 12 —", "- 3 -", "第 3 页", "3 / 40" (a bare "12" only at a page break).
_PAGE_FURNITURE = re.compile(
    r"^([—\-－–―_]+\s*\d{1,4}\s*[—\-－–―_]+|第\s*\d{1,4}\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})$"
)
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
_CAPTION = re.compile(r"^表\s*\d|.*指标")  # the next table's caption, not a running head
_HEADING = re.compile(r"^(第[一二三四五六七八九十百]+[章节部分]|[一二三四五六七八九十]+、|专栏|注[:：]|表\s*\d)")
_SLACK = 2  # characters a token may start left of its column (centred or ragged cells)


@dataclass
class Token:
    start: int
    text: str
    wide: bool = False  # positions count a Chinese character as two columns

    def measure(self, text: str) -> int:
        return display_width(text) if self.wide else len(text)

    @property
    def end(self) -> int:
        return self.start + self.measure(self.text)

    def index_at(self, offset: int) -> int:
        """The index in text of the character at `offset` columns from the start."""
        if not self.wide:
            return offset
        for k in range(len(self.text) + 1):
            if display_width(self.text[:k]) >= offset:
                return k
        return len(self.text)


def tokens(text: str, wide: bool = False) -> list[Token]:
    """The runs of text on a line with their positions: on a character grid (one column a
    character, as pdftotext and pdfplumber place glyphs), or, `wide`, on a display grid
    where a Chinese character takes two columns (text padded for a monospaced screen)."""
    text = text.replace("\f", "").replace("\u3000", "  ").replace("\xa0", " ").rstrip()
    return [Token(display_width(text[:m.start()]) if wide else m.start(), m.group(0), wide)
            for m in _TOKEN.finditer(text)]


_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=\S)|(?<=\S) (?=[^\x00-\x7f])")


def close_cjk_spaces(text: str) -> str:
    """Drop the spaces converters put between Chinese and Latin text ("5 岁" → "5岁").

    Chinese prints no space there; two Latin words keep theirs ("DDDs 100")."""
    return _CJK_SPACE.sub("", text)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def is_page_furniture(lines: list[Line], index: int) -> bool:
    """A page number line: "— 12 —", "- 3 -", "第 3 页", "3 / 40", or a bare number next
    to a form feed (where a converter marks the page break)."""
    text = lines[index].text
    stripped = text.replace("\f", "").strip()
    if _PAGE_FURNITURE.match(stripped):
        return True
    if _BARE_NUMBER.match(stripped):
        near = lines[max(index - 1, 0): index + 2]
        return any("\f" in line.text for line in near)
    return False


def is_blank(text: str) -> bool:
    return not text.replace("\f", "").strip(" \t\u3000\r\xa0")


@dataclass
class _Column:
    start: int
    header: str


@dataclass
class _Row:
    cells: dict[int, list[str]] = field(default_factory=dict)
    first: int = 0
    last: int = 0
    doubts: list[str] = field(default_factory=list)

    def add(self, column: int, text: str) -> None:
        self.cells.setdefault(column, []).append(text)


def header_columns(text: str, wide: bool = False) -> list[_Column]:
    return [_Column(t.start, t.text) for t in tokens(text, wide)]


def _column_of(columns: list[_Column], start: int) -> int:
    """The column a token starting at `start` belongs to: the last one opened before it."""
    index = 0
    for k, column in enumerate(columns):
        if column.start <= start + _SLACK:
            index = k
    return index


def _assign(columns: list[_Column], line_tokens: list[Token]) -> tuple[dict[int, str], bool]:
    """Tokens → {column: text}; the flag says a token had to be cut at a column edge."""
    placed: dict[int, str] = {}
    cut = False
    for token in line_tokens:
        pieces = [token]
        k = _column_of(columns, token.start)
        # A token running over the next column's start with a space there is two cells
        # printed one space apart.
        while k + 1 < len(columns) and pieces[-1].end > columns[k + 1].start:
            last = pieces[-1]
            edge = columns[k + 1].start - last.start
            space = last.text.rfind(" ", 0, last.index_at(edge + _SLACK) + 1)
            if space < max(1, last.index_at(edge - 2 * _SLACK)):
                break  # no space near the column's edge: the text only reaches into it
            pieces[-1:] = [Token(last.start, last.text[:space], last.wide),
                           Token(last.start + last.measure(last.text[:space + 1]),
                                 last.text[space + 1:], last.wide)]
            cut = True
            k += 1
        for piece in pieces:
            column = _column_of(columns, piece.start)
            placed[column] = f"{placed[column]} {piece.text}" if column in placed else piece.text
    return placed, cut


def _overflows(columns: list[_Column], line_tokens: list[Token]) -> bool:
    """A line that is not a table row: a token spanning two or more columns (body text,
    a heading, the next caption) or starting well left of the table."""
    if line_tokens and line_tokens[0].start < columns[0].start - 4:
        return True
    for token in line_tokens:
        k = _column_of(columns, token.start)
        if k + 1 < len(columns) and token.end > columns[k + 1].start + _SLACK:
            edge = columns[k + 1].start - token.start
            if token.text.rfind(" ", 0, token.index_at(edge + _SLACK) + 1) <= 0:
                return True  # no space to cut at: one text across two columns
        if k + 2 < len(columns) and token.end > columns[k + 2].start + _SLACK:
            return True
    return False


_QUALIFIER = re.compile(r"^[（(][^（）()]{1,8}[）)]$")  # "(区)" under "2025年目标值"
_HEADER_WORD = re.compile(r"年|值|目标|完成|情况|规划|基数|基期|远景|预期|现状|属性|性质|单位|名称|号")


def _continues_header(columns: list[_Column], text: str, roles_ok,
                      wide: bool = False) -> dict[int, list[str]] | None:
    """The second line of a two-line header ("号", "完成情况", "2020年  2025年" under
    "指标值"), as {column: [texts]}; None when the line is not one."""
    line_tokens = tokens(text, wide)
    if not line_tokens or any(t.text in ("约束性", "预期性") for t in line_tokens):
        return None
    placed: dict[int, list[str]] = {}
    for token in line_tokens:
        if not _HEADER_WORD.search(token.text) and len(token.text) > 2 \
                and not _QUALIFIER.match(token.text):
            return None
        if re.search(r"\d", token.text) and not re.search(r"(19|20)\d{2}\s*年?", token.text):
            return None
        placed.setdefault(_column_of(columns, token.start), []).append(token.text)
    return placed if roles_ok(placed) else None


def read_header(lines: list[Line], index: int, roles_ok,
                wide: bool = False) -> tuple[list[_Column], int]:
    """Columns of the header at lines[index] (one or two lines); returns the index after it."""
    columns = header_columns(lines[index].text, wide)
    nxt = index + 1
    while nxt < len(lines) and is_blank(lines[nxt].text) and nxt - index < 3:
        nxt += 1
    if nxt < len(lines):
        more = _continues_header(columns, lines[nxt].text, lambda p: roles_ok(columns, p), wide)
        if more is not None:
            split: list[_Column] = []
            starts = {t.text: t.start for t in tokens(lines[nxt].text, wide)}
            for k, column in enumerate(columns):
                below = more.get(k, [])
                if len(below) >= 2:  # "指标值" over "2020年  2025年": one column per year
                    split.extend(_Column(starts[b], column.header + b) for b in below)
                else:
                    split.append(_Column(column.start, column.header + "".join(below)))
            return split, nxt + 1
    return columns, index + 1


def aligned(lines: list[Line], index: int, wide: bool) -> int:
    """How many tokens of the dozen lines below a header start where a header word does,
    on the character grid or the display grid (to tell which one the text was laid out on)."""
    starts = [t.start for t in tokens(lines[index].text, wide)]
    hits = 0
    for line in lines[index + 1: index + 13]:
        hits += sum(1 for t in tokens(line.text, wide)
                    if any(abs(t.start - s) <= 1 for s in starts))
    return hits


def _full(text: str, width: int, slack: int = 4) -> bool:
    """Did this piece of a cell fill its column (so the cell goes on below)? Line breaking
    leaves up to two characters free in a long name (a bracket or a number is not split);
    a short category word wraps at one character less at most."""
    return display_width(text) >= width - slack


# A piece that cannot begin a cell of its own: a bracketed unit or closing punctuation.
_TAIL = re.compile(r"^([（(][^（）()]{1,12}[）)]$|[、，,。；;：:）)])")


_FIGURE = re.compile(r"^[≥≤<>＞＜=≈~～]?\s*\d[\d.]*%?$")


def _split_crowded(placed: dict[int, str], figure_cols: list[int]) -> bool:
    """Two figures one space apart in one value column, the next value column empty
    ("78.3 ≥79"): the converter closed the gap between two cells. Split them."""
    cut = False
    for a, b in zip(figure_cols, figure_cols[1:], strict=False):
        if b != a + 1 or b in placed or a not in placed:
            continue
        parts = placed[a].split(" ")
        if len(parts) == 2 and all(_FIGURE.match(part) for part in parts):
            placed[a], placed[b] = parts
            cut = True
    return cut


def _unclosed(text: str) -> bool:
    """A bracket opened and not closed: the cell goes on on the next line."""
    return text.count("（") + text.count("(") > text.count("）") + text.count(")")


def read_rows(
    lines: list[Line], start: int, columns: list[_Column], roles: dict[str, int],
    value_cols: set[int], header_texts: set[str], reheader=None, wide: bool = False,
) -> tuple[list[_Row], list[str], int]:
    """Rows of the table whose body starts at lines[start].

    Returns (rows, the category of each row, index of the table's last line). The table is
    read twice: the first pass measures how wide each column's text runs, which the
    second needs from its first line on to tell wrapped cells from short ones."""
    args = (lines, start, columns, roles, value_cols, header_texts, reheader, wide)
    *_, width = _read_rows(*args, {})
    rows, categories, last, _ = _read_rows(*args, width)
    return rows, categories, last


def _read_rows(lines, start, columns, roles, value_cols, header_texts, reheader, wide, width):
    rows: list[_Row] = []
    pending: _Row | None = None  # name text above its row's values (cells centred vertically)
    category_pieces: list[tuple[int, int, str]] = []  # (row index, table line, text)
    seen = 0  # table lines read so far (a wrapped cell goes on on the very next one)
    name_col = roles["name"]
    seq_col = roles.get("seq")
    category_col = roles.get("category")
    width = dict(width)
    figure_cols = sorted(value_cols - {roles.get("attribute")})
    last = start - 1
    i = start
    blank_run = 0
    while i < len(lines):
        line = lines[i]
        text = line.text
        if is_blank(text) or is_page_furniture(lines, i):
            blank_run += 1 if is_blank(text) else 0
            i += 1
            continue
        # After two blank lines or a page break, only a row or the header goes on the table.
        after_gap, blank_run = blank_run >= 2 or "\f" in text, 0
        if _HEADING.match(text.strip()):
            break
        squeezed = re.sub(r"\s+", "", text)
        if squeezed in header_texts:
            # The header repeated after a page break; the new page may place the columns
            # a little differently, so they are read again from it.
            again = reheader(i) if reheader else None
            if again and len(again[0]) == len(columns):
                columns, i = again
            else:
                i += 1
            continue
        line_tokens = tokens(text, wide)
        # A running page header before a repeated table header is skipped; else the end.
        ahead = next((k for k in range(i + 1, min(i + 8, len(lines)))
                      if re.sub(r"\s+", "", lines[k].text) in header_texts), None)
        if _overflows(columns, line_tokens):
            if ahead is not None and rows and not _CAPTION.match(text.strip()):
                i = ahead
                continue
            break
        placed, cut = _assign(columns, line_tokens)
        cut = _split_crowded(placed, figure_cols) or cut
        has_seq = seq_col is not None and _SEQ.match(placed.get(seq_col, ""))
        has_value = any(c in placed for c in value_cols)
        has_attribute = "attribute" in roles and roles["attribute"] in placed
        name = placed.get(name_col)
        previous = rows[-1] if rows else None
        prev_name = previous.cells.get(name_col, [""])[-1] if previous else ""
        prev_full = bool(prev_name) and (
            _full(prev_name, width.get(name_col, 0)) or bool(name and _TAIL.match(name))
            or _unclosed(prev_name))
        starts_row = has_seq or (name and has_attribute) or (
            name and has_value and not ("attribute" in roles or prev_full)
        )
        if not starts_row and _CAPTION.match(text.strip()):
            break  # the next table's caption
        if after_gap and not starts_row:
            if ahead is not None and rows and not _CAPTION.match(text.strip()):
                i = ahead
                continue
            break  # text after the table
        seen += 1
        for col, piece in placed.items():
            width[col] = max(width.get(col, 0), display_width(piece))
        if starts_row:
            row = pending or _Row(first=i)
            pending = None
            rows.append(row)
        elif name and not has_value and set(placed) <= {name_col, roles.get("unit", -1)} \
                and not prev_full:
            if category_col is None and seq_col is None and len(placed) == 1 \
                    and not _full(name, width.get(name_col, 0)):
                # A row of its own naming the category (no 领域 column).
                category_pieces.append((len(rows), seen, name))
                last = i
                i += 1
                continue
            if pending is None:
                pending = _Row(first=i)
                pending.doubts.append("名称与数值不在同一行，按位置合并")
            for col, piece in placed.items():
                pending.add(col, piece)
            pending.last = i
            last = i
            i += 1
            continue
        elif previous is None:
            i += 1  # text between the header and the first row
            continue
        else:
            row = previous
        if cut:
            row.doubts.append("单元格按位置切分")
        for col, piece in placed.items():
            if col == category_col:
                category_pieces.append((len(rows) - 1, seen, piece))
            else:
                row.add(col, piece)
        row.last = i
        last = i
        i += 1
    categories, guessed = _carry_categories(len(rows), category_pieces,
                                            category_col is not None, width.get(category_col, 0))
    for index in guessed:
        rows[index].doubts.append("类别单元格居中，按位置推定所属行")
    return rows, categories, last, width


def _carry_categories(nrows: int, pieces: list[tuple[int, int, str]], wraps: bool,
                      width: int) -> tuple[list[str], set[int]]:
    """A merged category cell wraps over the rows of its run ("健康水" / "平"): pieces join
    while the one before filled the column; a short piece ends the category.

    Returns the category of each row and the rows whose category was placed by guessing:
    when the first rows have no category text, the cells are centred vertically, and each
    run is taken to reach as far below its text as above it."""
    joining = False
    previous_line = -9
    runs: list[list] = []  # [first row, last row, text]
    for row_index, line, piece in pieces:
        row_index = max(row_index, 0)
        if joining and runs and line == previous_line + 1:
            runs[-1][1], runs[-1][2] = row_index, join_wrapped(runs[-1][2], piece)
        else:
            runs.append([row_index, row_index, piece])
        joining = wraps and _full(piece, width, slack=1)
        previous_line = line
    categories = [""] * nrows
    guessed: set[int] = set()
    centred = wraps and bool(runs) and runs[0][0] > 0
    start = 0
    for k, (first, last, text) in enumerate(runs):
        if centred:
            nxt = runs[k + 1][0] if k + 1 < len(runs) else nrows
            end = min(max(round(first + last - start) + 1, last + 1), nxt)
            if k + 1 == len(runs):
                end = nrows
            run_start = start
        else:
            run_start = first
            end = runs[k + 1][0] if k + 1 < len(runs) else nrows
        for index in range(run_start, end):
            categories[index] = close_cjk_spaces(text)
            if centred and not first <= index <= last:
                guessed.add(index)
        start = end
    return categories, guessed


def row_cells(row: _Row, ncols: int) -> list[str]:
    """The row's cells, each cell's printed lines joined as a wrapped cell."""
    return [close_cjk_spaces(fold_cell_text("\n".join(row.cells.get(col, [])), wrapped=True))
            for col in range(ncols)]


__all__ = ["close_cjk_spaces", "is_page_furniture", "read_header", "read_rows", "row_cells",
           "tokens"]
