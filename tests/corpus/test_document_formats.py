"""The sample plans as documents arrive from other offices: Word tables with two-row
headers, padded header words, cells of several paragraphs and runs, no-break spaces, a
landscape section and a header row repeated on every page; web pages with the same
two-row headers (colspan/rowspan). Compared with the gold rows (tests/gold_compare.py).
"""

from __future__ import annotations

import copy
import re

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement

from gold_compare import compare
from healthplan.documents import read_document
from healthplan.extract import extract_plan
from plan_builder import build_docx, build_html

_YEAR = re.compile(r"(19|20)\d\d")
_PADDED = {"指标": "指　　标", "单位": "单\u00a0位", "序号": "序  号", "属性": "属　性"}


def _set_text(cell, *paragraphs: str) -> None:
    """The cell's text as several paragraphs, the first split over two runs."""
    for p in cell.paragraphs[1:]:
        p._p.getparent().remove(p._p)
    first = cell.paragraphs[0]
    for run in first.runs:
        run._r.getparent().remove(run._r)
    head = paragraphs[0]
    first.add_run(head[: len(head) // 2])
    first.add_run(head[len(head) // 2 :]).bold = True
    for more in paragraphs[1:]:
        cell.add_paragraph(more)


def two_row_header_docx(seed, gold_rows, out):
    """build_docx's plan with every indicator table's header made two rows: the year
    columns under one merged 指标值 (gridSpan), the other header cells merged down the two
    rows (vMerge), header words padded with spaces, the header repeated on every page, a
    name cell split over paragraphs, and the whole document in landscape."""
    path = build_docx(seed, gold_rows, out)
    document = docx.Document(path)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for table in document.tables:
        header = [cell.text for cell in table.rows[0].cells]
        years = [i for i, text in enumerate(header) if _YEAR.search(text)]
        if len(years) < 2 or years != list(range(years[0], years[-1] + 1)):
            continue
        first = table.rows[0]._tr
        second = copy.deepcopy(first)
        first.addnext(second)
        for tr in (first, second):  # repeated at the top of every page
            tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        top, below = table.rows[0].cells, table.rows[1].cells
        for i, text in enumerate(header):
            if i in years:
                _set_text(below[i], text)
                _set_text(top[i], "指标值")
            else:
                _set_text(top[i], _PADDED.get(text, text))
                _set_text(below[i], "")
        merged = top[years[0]].merge(top[years[-1]])
        _set_text(merged, "指标值")
        for i in range(len(header)):
            if i not in years:
                _set_text(table.cell(0, i).merge(table.cell(1, i)), _PADDED.get(header[i], header[i]))
        body = table.rows[2].cells
        name = next((i for i, text in enumerate(header) if "指标" in text), None)
        if name is not None and len(body[name].text) > 6:
            text = body[name].text
            _set_text(body[name], text[:4], text[4:])  # a name over two paragraphs
    document.save(path)
    return path


def two_row_header_html(seed, gold_rows, out):
    """build_html's page with the same two-row headers as colspan/rowspan, cells wrapped in
    <p> and <span>, and &nbsp; / full-width spaces in the header words."""
    path = build_html(seed, gold_rows, out)
    html = path.read_text(encoding="utf-8")

    def header(match: re.Match) -> str:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
        years = [i for i, text in enumerate(cells) if _YEAR.search(text)]
        if len(years) < 2:
            return match.group(0)
        top, below = [], []
        for i, text in enumerate(cells):
            if i in years:
                below.append(f"<th><p><span>{text}</span></p></th>")
                if i == years[0]:
                    top.append(f'<th colspan="{len(years)}">指标&nbsp;值</th>')
            else:
                padded = _PADDED.get(text, text).replace("\u00a0", "&nbsp;")
                top.append(f'<th rowspan="2"><span>{padded}</span></th>')
        return f"<tr>{''.join(top)}</tr>\n<tr>{''.join(below)}</tr>"

    html, count = re.subn(r"<tr>((?:\s*<th[^>]*>.*?</th>)+)\s*</tr>", header, html, flags=re.S)
    assert count
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return sorted(seeds_dir.glob("*.txt"))


@pytest.mark.parametrize("build", [two_row_header_docx, two_row_header_html],
                         ids=["docx", "html"])
def test_two_row_headers_become_a_full_grid(seeds, gold_rows, tmp_path, build):
    found = 0  # tables given a two-row header (those with two or more year columns)
    for seed in seeds:
        suffix = ".docx" if build is two_row_header_docx else ".html"
        document = read_document(build(seed, gold_rows, tmp_path / f"{seed.stem}{suffix}"))
        tables: dict[int, list] = {}
        for line in document.lines:
            if line.cells:
                tables.setdefault(line.table, []).append(line.cells)
        two_row = [rows for rows in tables.values() if "指标值" in rows[0]]
        found += len(two_row)
        for rows in two_row:
            top, below = rows[0], rows[1]
            assert len(top) == len(below) == len(rows[2])
            spans = [i for i, text in enumerate(top) if text == "指标值"]
            assert len(spans) >= 2 and all(_YEAR.search(below[i]) for i in spans)
            # The other header cells are repeated down both rows, padding dropped.
            assert all(top[i] == below[i] for i in range(len(top)) if i not in spans)
            assert not any(" " in cell or "\u3000" in cell for cell in top + below
                           if not _YEAR.search(cell))
            assert {"指标", "主要指标", "指标名称"} & set(top) or "领域" in top
    assert found >= 3


def test_two_row_headers_in_word_give_the_gold_rows(seeds, gold_rows, tmp_path):
    """The extractor's side of two-row headers: the rows under 指标值/2020年/2025年."""
    totals = [0, 0]
    for seed in seeds:
        document = read_document(two_row_header_docx(seed, gold_rows, tmp_path / f"{seed.stem}.docx"))
        result = compare(extract_plan(document), gold_rows, seed.name)
        totals[0] += result.exact
        totals[1] += result.gold
    assert totals == [143, 143]
