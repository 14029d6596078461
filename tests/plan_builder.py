"""Build .docx / .pdf / .html versions of the sample plans, for round-trip tests of the readers.

A plan (`../shared/seeds/*.txt`) is rebuilt from its text and the gold indicator rows
(`../shared/gold/indicator_rows.csv`): every line outside the indicator tables becomes a
paragraph, and each indicator table becomes its caption paragraph plus a real table whose
header is the header printed in the .txt and whose body is the gold rows in that column
order (the category merged vertically over its run; for 003, category rows spanning the
whole table and the unit printed inside the name cell). `plan_blocks` gives the same
content as plain data, and `expected_rows` the cells a reader should find for a table.

This module is a helper for tests and for eyeballing; it is not a test itself.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

_FIELDS_BY_HEADER = (
    (("领域", "分类", "类别"), "category"),
    (("序号", "序"), "seq"),
    (("指标", "主要指标", "指标名称"), "name"),
    (("单位",), "unit"),
    (("性质", "属性"), "attribute"),
)


@dataclass
class TableSpec:
    caption: str
    header: list[str]
    fields: list[str]  # gold field shown in each column
    rows: list[list[str]] = field(default_factory=list)
    category_rows: set[int] = field(default_factory=set)  # rows that are one spanning cell
    merges: list[tuple[int, int]] = field(
        default_factory=list
    )  # (first, last) body rows of a category run


def read_gold(gold_csv: str | Path) -> list[dict[str, str]]:
    with open(gold_csv, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _fold(text: str) -> str:
    return " ".join(text.split())


def _header_cells(lines: list[str]) -> list[str]:
    """Cells of the first block of non-blank lines (003 has a category row after it)."""
    cells: list[str] = []
    for line in lines:
        if not line.strip():
            if cells:
                break
            continue
        if line.startswith("\t"):
            cells.extend(part.strip() for part in line[1:].split("\t"))
        elif "\t" in line:
            cells.extend(part.strip() for part in line.split("\t"))
        elif cells:
            cells[-1] += line.strip()
        else:
            cells.append(line.strip())
    return cells


def _field_for(header: str, rows: list[dict[str, str]]) -> str:
    text = header.replace(" ", "")
    if "完成" in text:
        return "baseline"
    if "目标" in text:
        return "target"
    year = re.search(r"(19|20)\d\d", text)
    if year:
        if year.group() == rows[0]["target_year"]:
            return "target"
        if year.group() == rows[0]["baseline_year"]:
            return "baseline"
    for names, name in _FIELDS_BY_HEADER:
        if text in names:
            return name
    raise ValueError(f"cannot map header cell {header!r} to a gold field")


def plan_blocks(
    seed_txt_path: str | Path, gold_rows: list[dict[str, str]], context: int | None = None
) -> list[str | TableSpec]:
    """The plan as a list of paragraphs (str) and indicator tables (TableSpec), in order.

    context: keep only this many paragraphs before and after each table (a shorter
    document, quicker to convert and read; the tables are complete).
    """
    seed = Path(seed_txt_path)
    lines = seed.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    rows = [r for r in gold_rows if r["document"] == seed.name]
    groups: list[list[dict[str, str]]] = []
    for row in rows:
        if groups and groups[-1][0]["table"] == row["table"]:
            groups[-1].append(row)
        else:
            groups.append([row])

    regions: list[tuple[int, int, TableSpec]] = []  # 0-based [start, end] line indexes
    for group in groups:
        first = int(group[0]["line_start"]) - 1
        last = int(group[-1]["line_end"]) - 1
        caption_at = next(
            (i for i in range(first - 1, -1, -1) if _fold(lines[i]) == group[0]["table"]), None
        )
        if caption_at is None:
            raise ValueError(f"{seed.name}: caption {group[0]['table']!r} not found")
        header = _header_cells(lines[caption_at + 1 : first])
        fields = [_field_for(cell, group) for cell in header]
        spec = TableSpec(caption=lines[caption_at].strip(), header=header, fields=fields)
        if "category" in fields:
            col = fields.index("category")
            run_start = 0
            for i, row in enumerate(group):
                spec.rows.append([row[f] for f in fields])
                if i and row["category"] != group[i - 1]["category"]:
                    spec.merges.append((run_start, i - 1))
                    run_start = i
            spec.merges.append((run_start, len(group) - 1))
            for run_first, run_last in spec.merges:  # the merged cell shows its text once
                for r in range(run_first + 1, run_last + 1):
                    spec.rows[r][col] = ""
        else:  # 003: category rows of their own, unit inside the name cell
            current = None
            for row in group:
                if row["category"] != current:
                    current = row["category"]
                    spec.category_rows.add(len(spec.rows))
                    spec.rows.append([current] + [""] * (len(fields) - 1))
                cells = []
                for f in fields:
                    if f == "name" and row["unit"] and "unit" not in fields:
                        cells.append(f"{row['name']}（{row['unit']}）")
                    else:
                        cells.append(row[f])
                spec.rows.append(cells)
        regions.append((caption_at, last, spec))

    blocks: list[str | TableSpec] = []
    i = 0
    for start, end, spec in regions:
        blocks.extend(line.lstrip("\t").rstrip() for line in lines[i:start])
        blocks.append(spec)
        i = end + 1
    blocks.extend(line.lstrip("\t").rstrip() for line in lines[i:])
    if context is not None:
        at = [i for i, block in enumerate(blocks) if isinstance(block, TableSpec)]
        blocks = [b for i, b in enumerate(blocks) if any(abs(i - t) <= context for t in at)]
    while blocks and blocks[-1] == "":
        blocks.pop()
    return blocks


def expected_rows(spec: TableSpec) -> list[tuple[str, ...]]:
    """The cells a reader should return for each row (merged cells repeated), header first."""
    result = [tuple(spec.header)]
    width = len(spec.header)
    body = [list(row) for row in spec.rows]
    for first, last in spec.merges:
        col = spec.fields.index("category")
        for r in range(first + 1, last + 1):
            body[r][col] = body[first][col]
    for r, row in enumerate(body):
        result.append(tuple([row[0]] * width) if r in spec.category_rows else tuple(row))
    return result


# -- .docx ---------------------------------------------------------------------------

_COLUMN_WIDTHS_CM = {
    "category": 1.9, "seq": 1.1, "name": 6.2, "unit": 1.7,
    "baseline": 2.1, "target": 2.3, "attribute": 1.6,
}  # fmt: skip


def build_docx(
    seed_txt_path: str | Path,
    gold_rows: list[dict[str, str]],
    out_path: str | Path,
    context: int | None = None,
) -> Path:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    style = document.styles["Normal"]
    style.font.size = Pt(11)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")

    for block in plan_blocks(seed_txt_path, gold_rows, context):
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        document.add_paragraph(block.caption)
        n = len(block.header)
        table = document.add_table(rows=1 + len(block.rows), cols=n)
        table.style = "Table Grid"
        for c, text in enumerate(block.header):
            table.cell(0, c).text = text
        # repeat the header row on every page, as printed plans do
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        header_flag = OxmlElement("w:tblHeader")
        header_flag.set(qn("w:val"), "true")
        tr_pr.append(header_flag)
        for r, cells in enumerate(block.rows, start=1):
            if r - 1 in block.category_rows:
                merged = table.cell(r, 0).merge(table.cell(r, n - 1))
                merged.text = cells[0]
                continue
            for c, text in enumerate(cells):
                if text:
                    table.cell(r, c).text = text
        if "category" in block.fields:
            col = block.fields.index("category")
            for first, last in block.merges:
                if last > first:
                    merged = table.cell(first + 1, col).merge(table.cell(last + 1, col))
                    merged.text = block.rows[first][col]
        widths = [_COLUMN_WIDTHS_CM.get(f, 2.0) for f in block.fields]
        if "unit" not in block.fields:  # 003: the name cell holds the unit too
            widths = [9.0 if f == "name" else w for f, w in zip(block.fields, widths, strict=True)]
        table.autofit = False
        for c, column in enumerate(table.columns):  # w:gridCol, which LibreOffice uses
            column.width = Cm(widths[c])
        for row in table.rows:
            for c, cell in enumerate(row.cells):
                cell.width = Cm(widths[c])
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


# -- .pdf ----------------------------------------------------------------------------


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def build_pdf(docx_path: str | Path, out_dir: str | Path, timeout: float = 180) -> Path:
    """Convert a .docx to PDF with LibreOffice; return the PDF's path."""
    return build_pdfs([docx_path], out_dir, timeout=timeout)[0]


def build_pdfs(
    docx_paths: list[str | Path],
    out_dir: str | Path,
    timeout: float = 300,
    convert_to: str = "pdf",
) -> list[Path]:
    """Convert several .docx files in one LibreOffice run (start-up is most of the cost).

    `convert_to` may carry export options, e.g. 'pdf:writer_pdf_Export:{...}'.
    """
    program = soffice()
    if program is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # A private profile, so a LibreOffice already running (or another test run) does not
    # swallow the conversion.
    with tempfile.TemporaryDirectory(prefix="hp-lo-") as profile:
        command = [
            program,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            convert_to,
            "--outdir",
            str(out),
            *[str(p) for p in docx_paths],
        ]
        env = dict(os.environ, HOME=profile)
        subprocess.run(command, check=True, capture_output=True, timeout=timeout, env=env)
    suffix = "." + convert_to.split(":")[0]
    pdfs = [out / (Path(p).stem + suffix) for p in docx_paths]
    missing = [str(p) for p in pdfs if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not produce {', '.join(missing)}")
    return pdfs


# -- .html ---------------------------------------------------------------------------


def build_html(
    seed_txt_path: str | Path, gold_rows: list[dict[str, str]], out_path: str | Path
) -> Path:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(Path(seed_txt_path).stem)}</title>",
        "<style>td,th{border:1px solid #000}</style></head><body>",
        '<div class="header"><nav>首页 &gt; 政务公开 &gt; 规划计划</nav></div>',
        '<div class="article"><div class="content">',
    ]
    for block in plan_blocks(seed_txt_path, gold_rows):
        if isinstance(block, str):
            if block:
                parts.append(f'<p style="text-indent:2em">{escape(block)}</p>')
            continue
        parts.append(f'<p align="center"><strong>{escape(block.caption)}</strong></p>')
        parts.append('<table border="1" cellspacing="0" cellpadding="0">')
        parts.append("<tr>" + "".join(f"<th>{escape(h)}</th>" for h in block.header) + "</tr>")
        col = block.fields.index("category") if "category" in block.fields else None
        starts = {first: last - first + 1 for first, last in block.merges}
        covered = {r for first, last in block.merges for r in range(first + 1, last + 1)}
        for r, cells in enumerate(block.rows):
            if r in block.category_rows:
                parts.append(f'<tr><td colspan="{len(block.header)}">{escape(cells[0])}</td></tr>')
                continue
            tds = []
            for c, text in enumerate(cells):
                if c == col:
                    if r in covered:
                        continue
                    tds.append(f'<td rowspan="{starts.get(r, 1)}">{escape(text)}</td>')
                else:
                    tds.append(f"<td>{escape(text) or '&nbsp;'}</td>")
            parts.append("<tr>" + "".join(tds) + "</tr>")
        parts.append("</table>")
    parts.append("</div></div><footer>主办单位：卫生健康委员会</footer></body></html>")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


# -- a small synthetic plan, for the reader tests ---------------------------------------

SAMPLE_TITLE = "某市“十四五”卫生健康发展规划"
SAMPLE_BEFORE = [
    SAMPLE_TITLE,
    "第一章 发展基础",
    "“十三五”时期，全市卫生健康事业取得显著成效，居民主要健康指标达到较高水平。",
    "表1 “十四五”卫生健康主要发展指标",
]
SAMPLE_HEADER = ("领域", "序号", "主要指标", "单位", "2020年", "2025年", "性质")
# The category is merged vertically over its run; "同比例提高" is typed as two paragraphs.
SAMPLE_ROWS = [
    ("健康水平", "1", "人均预期寿命", "岁", "78.3", "≥79", "预期性"),
    ("健康水平", "2", "孕产妇死亡率", "/10万", "8.5", "≤10", "约束性"),
    ("健康水平", "3", "婴儿死亡率", "‰", "3.2", "3左右", "预期性"),
    ("健康服务", "4", "每千常住人口执业（助理）医师数", "人", "2.9", "3.2", "预期性"),
    (
        "健康服务",
        "",
        "其中：每千常住人口中医类别执业（助理）医师数",
        "人",
        "0.45",
        "0.6左右",
        "预期性",
    ),
    ("健康服务", "5", "健康预期寿命", "岁", "—", "同比例提高", "预期性"),
]
SAMPLE_AFTER = [
    "第二章 主要任务",
    "（一）织密扎牢公共卫生防护网",
    "健全疾病预防控制体系，提升监测预警和应急处置能力。",
]


def build_sample_docx(
    out_path: str | Path,
    *,
    page_break: bool = False,
    page_numbers: bool = False,
    running_header: str | None = None,
    extra_rows: int = 0,
) -> Path:
    """The synthetic plan as .docx: paragraphs, then the indicator table, then more paragraphs.

    page_break: start SAMPLE_AFTER on a new page; page_numbers: a "- N -" footer;
    running_header: a page header; extra_rows: add rows 6, 7, … to the 健康服务 run (to
    make the table cross pages).
    """
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_heading(SAMPLE_BEFORE[0], 0)
    document.add_heading(SAMPLE_BEFORE[1], 1)
    document.add_paragraph(SAMPLE_BEFORE[2])
    document.add_paragraph(SAMPLE_BEFORE[3])
    rows = sample_rows(extra_rows)
    table = document.add_table(rows=1 + len(rows), cols=len(SAMPLE_HEADER))
    table.style = "Table Grid"
    for c, text in enumerate(SAMPLE_HEADER):
        table.cell(0, c).text = text
    runs: dict[str, list[int]] = {}
    for r, row in enumerate(rows, start=1):
        runs.setdefault(row[0], []).append(r)
        for c, text in enumerate(row):
            if c == 0:
                continue
            if text == "同比例提高":
                cell = table.cell(r, c)
                cell.text = "同比例"
                cell.add_paragraph("提高")
            else:
                table.cell(r, c).text = text
    for category, numbers in runs.items():
        merged = table.cell(numbers[0], 0).merge(table.cell(numbers[-1], 0))
        merged.text = category
    paragraph = document.add_paragraph(SAMPLE_AFTER[0])
    if page_break:
        paragraph.insert_paragraph_before().add_run().add_break(WD_BREAK.PAGE)
    for text in SAMPLE_AFTER[1:]:
        document.add_paragraph(text)
    if page_numbers:
        footer = document.sections[0].footer.paragraphs[0]
        footer.add_run("- ")
        field_ = OxmlElement("w:fldSimple")
        field_.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field_.append(run)
        footer._p.append(field_)
        footer.add_run(" -")
    if running_header:
        document.sections[0].header.paragraphs[0].text = running_header
    out = Path(out_path)
    document.save(str(out))
    return out


def sample_rows(extra_rows: int = 0) -> list[tuple[str, ...]]:
    rows = list(SAMPLE_ROWS)
    for i in range(extra_rows):
        seq = str(6 + i)
        rows.append(
            ("健康服务", seq, f"第{seq}项服务指标覆盖率", "%", str(50 + i), f"≥{60 + i}", "预期性")
        )
    return rows


def sample_html(charset: str | None = "utf-8") -> str:
    """The synthetic plan as a government web page (nested divs, <br>, &nbsp;, rowspan)."""
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset
        else ""
    )
    body_rows = []
    for i, row in enumerate(SAMPLE_ROWS):
        cells = []
        for c, text in enumerate(row):
            if c == 0:
                if i in (0, 3):
                    cells.append(f'<td rowspan="3">{text[:2]}<br>{text[2:]}</td>')
                continue
            if text == "同比例提高":
                text = "<p>同比例</p><p>提高</p>"
            cells.append(f"<td>{text or '&nbsp;'}</td>")
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"""<!DOCTYPE html>
<html><head>{meta}<title>{SAMPLE_TITLE}</title>
<style>.a {{ color: red }}</style><script>var x = "不是正文";</script></head>
<body>
<header><div class="logo">某市卫生健康委员会</div></header>
<nav><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a></nav>
<div class="wrap"><div class="main"><div class="article">
<h1>{SAMPLE_BEFORE[0]}</h1>
<div class="content">
<p style="text-indent: 2em"><strong>{SAMPLE_BEFORE[1]}</strong></p>
<p style="text-indent: 2em">&nbsp;&nbsp;“十三五”时期，全市卫生健康事业取得显著成效，
居民主要健康指标达到较高水平。</p>
<p align="center">{SAMPLE_BEFORE[3]}</p>
<table border="1" cellspacing="0">
<thead><tr>{"".join(f"<th>{h}</th>" for h in SAMPLE_HEADER)}</tr></thead>
<tbody>
{chr(10).join(body_rows)}
</tbody></table>
{SAMPLE_AFTER[0]}<br>{SAMPLE_AFTER[1]}<br/>
&nbsp;&nbsp;{SAMPLE_AFTER[2]}
</div></div></div></div>
<footer>版权所有：某市卫生健康委员会</footer>
</body></html>"""


def assert_sample_layout(document) -> None:
    """The synthetic sample plan read back: paragraphs, one blank line, the table rows with
    their cells, one blank line, paragraphs — the same for every reader."""
    texts = [line.text for line in document.lines]
    n = len(SAMPLE_BEFORE)
    assert texts[:n] == SAMPLE_BEFORE
    assert texts[n] == ""
    rows = document.lines[n + 1 : n + 2 + len(SAMPLE_ROWS)]
    assert [line.cells for line in rows] == [SAMPLE_HEADER, *SAMPLE_ROWS]
    assert all(line.table == 0 and line.text == "\t".join(line.cells) for line in rows)
    assert texts[n + 2 + len(SAMPLE_ROWS)] == ""
    assert texts[n + 3 + len(SAMPLE_ROWS) :] == SAMPLE_AFTER
