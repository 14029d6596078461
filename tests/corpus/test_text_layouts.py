"""The sample plans' indicator tables in the text layouts users really have, against the gold.

Layouts converted from the rendered PDF (pdftotext -layout, pdfplumber's layout text)
and HTML (a pasted web page: one cell per line, empty cells absent), and layouts written
from the gold rows (pipes, CSV, space-aligned columns with page breaks, other headers, a
十五五 table). For each: at least 139 of the 143 gold rows exact in every field, at most
2 rows that are not in the gold, and every row's line span pointing at its own text.
Rows are matched on their fields, never on a layout's whitespace or line numbers.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import layouts
import pytest

from healthplan.documents import read_document
from healthplan.extract import extract_plan

MIN_EXACT = 139
MAX_EXTRA = 2


def compare(documents: dict[str, Path], expected: list[dict]) -> tuple[int, int, list[str]]:
    """(exact rows, extra rows, problems) for the documents read against the expected rows."""
    want = Counter(layouts.gold_key(r) for r in expected)
    got: Counter = Counter()
    problems = []
    for name, path in documents.items():
        document = read_document(path)
        plan = extract_plan(document)
        for table in plan.indicator_tables:
            for row in table.rows:
                got[layouts.found_key(table, row)] += 1
                span = "".join(document.line(n).text
                               for n in range(row.line_start, row.line_end + 1))
                if layouts.squeeze(row.name)[:3] not in layouts.squeeze(span):
                    problems.append(f"{name}: {row.name} 的行号 {row.line_start}–{row.line_end} "
                                    "不指向该行")
    exact = sum((want & got).values())
    extra = sum((got - want).values())
    missing = sorted(want - got)
    return exact, extra, problems + [f"缺少 {m}" for m in missing[:10]]


def write(folder: Path, texts: dict[str, str], suffix: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in texts.items():
        path = folder / f"{Path(name).stem}.{suffix}.txt"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths


def assert_reads_gold(paths: dict[str, Path], expected: list[dict]) -> None:
    exact, extra, problems = compare(paths, expected)
    assert len(expected) == 143
    assert exact >= MIN_EXACT and extra <= MAX_EXTRA, (exact, extra, problems)
    assert not [p for p in problems if "行号" in p], problems


# --- converted from the renderings ---------------------------------------------------------


def _pdftotext(pdf: Path, out: Path, *options: str) -> str:
    subprocess.run(["pdftotext", *options, "-enc", "UTF-8", str(pdf), str(out)], check=True,
                   capture_output=True, timeout=120)
    return out.read_text(encoding="utf-8")


def _table_pages(pdf: Path, count: int) -> list[int]:
    """0-based pages that print a table header (and the page before, for its caption),
    found with pdftotext, which is fast; all pages without it."""
    if shutil.which("pdftotext") is None:
        return list(range(count))
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, timeout=120)
    texts = done.stdout.decode("utf-8").split("\f")
    pages = set()
    for k, text in enumerate(texts):
        if "指标" in text and any(w in text for w in ("单位", "属性", "性质")):
            pages.update({max(k - 1, 0), k})
    return sorted(pages)


def _pdfplumber_layout(pdf: Path) -> str:
    """pdfplumber's layout text of the pages with tables (the layout mode is slow; the other
    pages hold no indicator table)."""
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        pages = [k for k in _table_pages(pdf, len(document.pages)) if k < len(document.pages)]
        return "\n".join(document.pages[k].extract_text(layout=True) or "" for k in pages)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_layout(rendered, gold_rows, tmp_path):
    if not rendered.pdf:
        pytest.skip("LibreOffice (soffice) is not installed")
    texts = {name: _pdftotext(pdf, tmp_path / f"{pdf.stem}.raw", "-layout")
             for name, pdf in rendered.pdf.items()}
    assert_reads_gold(write(tmp_path / "out", texts, "layout"), gold_rows)


def test_pdfplumber_layout_text(rendered, gold_rows, tmp_path):
    if not rendered.pdf:
        pytest.skip("LibreOffice (soffice) is not installed")
    texts = {name: _pdfplumber_layout(pdf) for name, pdf in rendered.pdf.items()}
    assert_reads_gold(write(tmp_path, texts, "plumber"), gold_rows)


@pytest.mark.parametrize("blank_between_cells", [True, False], ids=["blank-lines", "no-blanks"])
def test_text_pasted_from_the_web_page(rendered, gold_rows, tmp_path, blank_between_cells):
    texts = {name: layouts.pasted_from_html(path, blank_between_cells)
             for name, path in rendered.html.items()}
    # The paste really is one cell per line with the empty cells gone.
    sample = next(iter(texts.values()))
    assert "\t" not in sample and "&nbsp;" not in sample
    assert_reads_gold(write(tmp_path, texts, "paste"), gold_rows)


# --- written from the gold ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pipe", "csv"])
def test_pipe_and_csv_tables(seeds_dir, gold_rows, tmp_path, kind):
    seeds = sorted(seeds_dir.glob("*.txt"))
    texts = {s.name: layouts.delimited(s, gold_rows, kind) for s in seeds}
    assert_reads_gold(write(tmp_path, texts, kind), gold_rows)


def test_space_aligned_columns_with_page_breaks(seeds_dir, gold_rows, tmp_path):
    seeds = sorted(seeds_dir.glob("*.txt"))
    texts = {s.name: layouts.spaced(s, gold_rows) for s in seeds}
    assert any("— 3 —" in t and "\f" in t for t in texts.values())  # page breaks are there
    assert_reads_gold(write(tmp_path, texts, "spaced"), gold_rows)


@pytest.mark.parametrize("name", layouts.VARIANTS)
def test_header_variants(seeds_dir, gold_rows, tmp_path, name):
    seeds = sorted(seeds_dir.glob("*.txt"))
    texts, expected = {}, []
    for seed in seeds:
        texts[seed.name], rows = layouts.variant(seed, gold_rows, name)
        expected += rows
    assert_reads_gold(write(tmp_path, texts, name), expected)


def test_fifteenth_plan_years(seeds_dir, gold_rows, tmp_path):
    """A 十五五 table reads 2025 as its base year and 2030 as its target year."""
    seed = sorted(seeds_dir.glob("*.txt"))[1]
    text, _ = layouts.variant(seed, gold_rows, "fifteenth")
    path = write(tmp_path, {seed.name: text}, "fifteenth")[seed.name]
    rows = [r for t in extract_plan(read_document(path)).indicator_tables for r in t.rows]
    assert rows and {(r.baseline_year, r.target_year) for r in rows} == {(2025, 2030)}


def test_the_national_plan_pasted_from_its_web_page(seeds_dir, tmp_path):
    """A real plan the reader was not built on: its web page pasted as text gives the
    rows the page itself gives."""
    page = seeds_dir.parent / "real" / "national_plan_14th_excerpt.html"
    if not page.exists():
        pytest.skip("../shared/real not found")
    pasted = tmp_path / "national.txt"
    pasted.write_text(layouts.pasted_from_html(page, blank_between_cells=False),
                      encoding="utf-8")
    fields = layouts.FIELDS

    def rows(path):
        plan = extract_plan(read_document(path))
        return [tuple(getattr(r, f) for f in fields) for t in plan.indicator_tables
                for r in t.rows], plan

    from_page, _ = rows(page)
    from_paste, plan = rows(pasted)
    assert len(from_page) >= 20 and from_paste == from_page
    assert not [r for r in plan.rows() if r.doubtful]
