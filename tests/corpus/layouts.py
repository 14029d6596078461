"""Text layouts of the sample plans' indicator tables, for the layout corpus tests.

Two kinds: text converted from the rendered .pdf/.html (by pdftotext, pdfplumber, or a
paste of the web page's text), and text written here from the gold rows in the ways
plans print their tables (pipes, CSV, space-aligned columns with page breaks, other
headers, a 十五五 table). Each writer returns the document's text; `expected` gives the
rows a reader should find, as comparable tuples. This is a test helper, not a test.
"""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path

from plan_builder import TableSpec, plan_blocks

FIELDS = ["category", "seq", "name", "unit", "baseline_year", "baseline", "target_year",
          "target", "attribute"]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def gold_key(row: dict) -> tuple:
    """A row as compared: the caption without spaces (a converter adds or drops them
    between 表 and its number), then every field with its whitespace folded."""
    return (squeeze(row["table"]), *(" ".join(str(row[f]).split()) for f in FIELDS))


def found_key(table, row) -> tuple:
    return (squeeze(table.caption),
            *(" ".join(("" if getattr(row, f) is None else str(getattr(row, f))).split())
              for f in FIELDS))


# --- converted from the renderings ------------------------------------------------------


class _Paste(HTMLParser):
    """What a browser's select-all + paste gives for our HTML: one line per paragraph
    and per table cell; an empty cell (&nbsp;) leaves nothing."""

    def __init__(self, blank_between_cells: bool):
        super().__init__()
        self.out: list[str] = []
        self.buffer = ""
        self.blank = blank_between_cells
        self.in_cell = False
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "title", "nav", "script"):
            self.skip += 1
        if tag in ("td", "th"):
            self.in_cell = True
            self.buffer = ""

    def handle_endtag(self, tag):
        if tag in ("style", "title", "nav", "script"):
            self.skip -= 1
        elif tag in ("td", "th"):
            text = self.buffer.replace("\xa0", " ").strip()
            if text:
                self.out.append(text)
                if self.blank:
                    self.out.append("")
            self.in_cell = False
            self.buffer = ""
        elif tag == "p" and not self.in_cell:
            self.out.append(self.buffer.strip())
            self.buffer = ""
        elif tag == "table":
            self.out.append("")

    def handle_data(self, data):
        if not self.skip:
            self.buffer += data


def pasted_from_html(html_path: Path, blank_between_cells: bool) -> str:
    parser = _Paste(blank_between_cells)
    parser.feed(html_path.read_text(encoding="utf-8"))
    return "\n".join(parser.out)


# --- written from the gold rows -----------------------------------------------------------


def _tables(seed: Path, gold: list[dict]) -> list[str | TableSpec]:
    return plan_blocks(seed, gold, context=3)


def _category_rows(spec: TableSpec) -> tuple[list[str], list[list[str]]]:
    """The body with merged category cells filled in, as (fields, rows)."""
    rows = [list(r) for r in spec.rows]
    if "category" in spec.fields:
        col = spec.fields.index("category")
        for first, last in spec.merges:
            for r in range(first + 1, last + 1):
                rows[r][col] = rows[first][col]
    return list(spec.fields), rows


def delimited(seed: Path, gold: list[dict], kind: str) -> str:
    """Pipe (markdown) or CSV tables; a CSV cell with a comma is quoted."""
    import csv
    import io

    out: list[str] = []
    for block in _tables(seed, gold):
        if isinstance(block, str):
            out.append(block)
            continue
        out.append(block.caption)
        rows = [block.header] + [list(r) for r in block.rows]
        if kind == "pipe":
            out.append("| " + " | ".join(rows[0]) + " |")
            out.append("|" + "---|" * len(rows[0]))
            out.extend("| " + " | ".join(r) + " |" for r in rows[1:])
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            out.extend(buffer.getvalue().rstrip("\n").split("\n"))
        out.append("")
    return "\n".join(out)


def _width(text: str) -> int:
    return sum(2 if ord(c) > 0x2e7f else 1 for c in text)


def _wrap(text: str, width: int) -> list[str]:
    """Cut text into lines of at most `width` characters' room (a Chinese character takes
    the room of two Latin ones, as on a printed page)."""
    lines = [""]
    for char in text:
        if _width(lines[-1] + char) > 2 * width:
            lines.append("")
        lines[-1] += char
    return lines


def _emit(out: list[str], widths: list[int], cells_lines: list[list[str]]) -> None:
    """Append the printed lines of one row: each cell's lines padded to its column."""
    for k in range(max(len(c) for c in cells_lines)):
        parts = [(c[k] if k < len(c) else "") for c in cells_lines]
        line = "".join(p + " " * (2 * w + 2 - _width(p))
                       for p, w in zip(parts, widths, strict=True))
        out.append(line.rstrip())


_WIDTHS = {"category": 3, "seq": 3, "name": 14, "unit": 5, "baseline": 8, "target": 8,
           "attribute": 4, "far": 8}


def spaced(seed: Path, gold: list[dict], rows_per_page: int = 9) -> str:
    """Space-aligned columns as a text export pads them: each cell wrapped in its column,
    the merged category cell wrapped down its run, and every `rows_per_page` rows a page
    footer ("— N —"), a form feed, a running header and the table header again."""
    out: list[str] = []
    page = 1
    for block in _tables(seed, gold):
        if isinstance(block, str):
            out.append(block)
            continue
        widths = [_WIDTHS.get(f, 8) + (6 if f == "name" and "unit" not in block.fields else 0)
                  for f in block.fields]

        def emit(cells_lines: list[list[str]], widths=widths, out=out) -> None:
            _emit(out, widths, cells_lines)

        header = [_wrap(h, w) for h, w in zip(block.header, widths, strict=True)]
        out.append(block.caption)
        emit(header)
        cat_col = block.fields.index("category") if "category" in block.fields else None
        starts = {first for first, _ in block.merges}
        pending: list[str] = []
        for r, row in enumerate(block.rows):
            if r and r % rows_per_page == 0:
                page += 1
                out += ["", f"— {page} —", "\f某市卫生健康发展规划", ""]
                emit(header)
            cells = [_wrap(c, w) if c else [] for c, w in zip(row, widths, strict=True)]
            if r in block.category_rows:
                out.append(row[0])
                continue
            if cat_col is not None:
                if r in starts:
                    pending = _wrap(row[cat_col], widths[cat_col])
                height = max(1, *(len(c) for k, c in enumerate(cells) if k != cat_col))
                last_of_run = any(last == r for _, last in block.merges)
                take = len(pending) if last_of_run else min(height, len(pending))
                cells[cat_col], pending = pending[:take], pending[take:]
            emit([c or [""] for c in cells])
        out.append("")
        out.append("")
    return "\n".join(out)


# --- header variants --------------------------------------------------------------------


def _years(spec: TableSpec, group: list[dict]) -> tuple[str, str]:
    return group[0]["baseline_year"], group[0]["target_year"]


def variant(seed: Path, gold: list[dict], name: str) -> tuple[str, list[dict]]:
    """The plan's tables with another header (tab-separated rows), and the gold rows as the
    reader should now read them."""
    rows = [dict(r) for r in gold if r["document"] == seed.name]
    out: list[str] = []
    for block in _tables(seed, gold):
        if isinstance(block, str):
            out.append(block.replace("十四五", "十五五") if name == "fifteenth" else block)
            continue
        spec = copy.deepcopy(block)
        group = [r for r in rows if squeeze(r["table"]) == squeeze(spec.caption)]
        base_year, goal_year = _years(spec, group)
        completion = any("完成" in h for h in spec.header)
        header = list(spec.header)
        body = [list(r) for r in spec.rows]
        below: list[str] | None = None
        fields = list(spec.fields)
        if name == "base_target" and not completion:
            header = ["基期值" if f == "baseline" else "目标值" if f == "target" else h
                      for f, h in zip(fields, header, strict=True)]
        elif name == "base_goal_years" and not completion:
            header = [f"{base_year}年基数" if f == "baseline" else
                      f"{goal_year}年目标值" if f == "target" else h
                      for f, h in zip(fields, header, strict=True)]
        elif name == "actual_first" and completion:
            order = [k for k in range(len(fields)) if fields[k] not in ("baseline", "target",
                                                                         "attribute")]
            order += [k for f in ("baseline", "target", "attribute") for k in
                      range(len(fields)) if fields[k] == f]
            relabel = {"baseline": f"{goal_year}年完成情况", "target": f"{goal_year}年规划目标"}
            header = [relabel.get(fields[k], header[k]) for k in order]
            body = [[r[k] for k in order] for r in body]
            fields = [fields[k] for k in order]
        elif name == "two_row" and "baseline" in fields and not completion:
            b, t = fields.index("baseline"), fields.index("target")
            header = [("指标值" if k == b else "" if k == t else h) for k, h in enumerate(header)]
            below = ["" for _ in header]
            below[b], below[t] = f"{base_year}年", f"{goal_year}年"
        elif name == "far" and not completion:
            t = fields.index("target")
            header.insert(t + 1, "2035年远景目标")
            for r, row in enumerate(body):
                if r not in spec.category_rows:
                    row.insert(t + 1, "—")
                else:
                    row.insert(t + 1, "")
            fields.insert(t + 1, "far")
        elif name == "fifteenth":
            spec.caption = spec.caption.replace("十四五", "十五五").replace("十三五", "十四五")
            header = [re.sub(r"(20\d\d)", lambda m: str(int(m.group(1)) + 5), h) for h in header]
            for r in group:
                r["table"] = spec.caption
                for f in ("baseline_year", "target_year"):
                    if r[f]:
                        r[f] = str(int(r[f]) + 5)
        elif name == "bare":
            # No 领域, no 序号, no 单位 column: category rows of their own, the unit in
            # the name; the reader gives back every field but the 序号.
            _, filled = _category_rows(spec)
            keep = [k for k, f in enumerate(fields) if f not in ("category", "seq", "unit")]
            new_body: list[list[str]] = []
            current = None
            for r, row in enumerate(filled):
                if r in spec.category_rows:
                    continue
                record = dict(zip(fields, row, strict=True))
                category = record.get("category") or _category_of(spec, r)
                if category != current:
                    current = category
                    new_body.append([category] + [""] * (len(keep) - 1))
                cells = []
                for k in keep:
                    value = row[k]
                    if fields[k] == "name" and record.get("unit") and "unit" in fields:
                        value = f"{value}（{record['unit']}）"
                    cells.append(value)
                new_body.append(cells)
            header = [header[k] for k in keep]
            body = new_body
            for r in group:
                r["seq"] = ""
        out.append(spec.caption)
        out.append("\t".join(header))
        if below is not None:
            out.append("\t".join(below))
        for r, cells in enumerate(body):
            if name == "paged" and r and r % 9 == 0:
                # A page break inside the table: footer, form feed, running head, header.
                out += ["", "", f"— {r // 9 + 11} —", "\f某市卫生健康发展规划", "\t".join(header)]
            out.append("\t".join(cells))
        out.append("")
    return "\n".join(out), rows


def _category_of(spec: TableSpec, r: int) -> str:
    """The category of body row r in a table with category rows of its own (003)."""
    current = ""
    for k in range(r + 1):
        if k in spec.category_rows:
            current = spec.rows[k][0]
    return current


VARIANTS = ["base_target", "base_goal_years", "actual_first", "two_row", "far", "fifteenth",
            "bare", "paged"]
