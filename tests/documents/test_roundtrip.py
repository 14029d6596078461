"""The five sample plans rebuilt as .docx, .html and .pdf: every indicator table comes back.

`plan_builder` writes each plan's indicator tables as real tables (header as printed in
the .txt, body from the gold rows); the readers must return exactly those cells, in order,
one table per indicator table. The PDF round trip needs LibreOffice.
"""

from __future__ import annotations

import pytest

from healthplan.documents import read_document
from plan_builder import (
    TableSpec,
    build_docx,
    build_html,
    build_pdfs,
    expected_rows,
    plan_blocks,
    soffice,
)


def _expected(seed, gold_rows) -> list[list[tuple[str, ...]]]:
    return [expected_rows(b) for b in plan_blocks(seed, gold_rows) if isinstance(b, TableSpec)]


def _tables(document) -> list[list[tuple[str, ...]]]:
    tables: dict[int, list[tuple[str, ...]]] = {}
    for line in document.lines:
        if line.cells is not None:
            tables.setdefault(line.table, []).append(line.cells)
    return [tables[i] for i in sorted(tables)]


def _drop_repeated_headers(table: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return table[:1] + [row for row in table[1:] if row != table[0]]


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return sorted(seeds_dir.glob("*.txt"))


@pytest.fixture(scope="module")
def built(seeds, gold_rows, tmp_path_factory):
    folder = tmp_path_factory.mktemp("plans")
    paths = {}
    for seed in seeds:
        paths[seed.name, "docx"] = build_docx(seed, gold_rows, folder / f"{seed.stem}.docx")
        paths[seed.name, "html"] = build_html(seed, gold_rows, folder / f"{seed.stem}.html")
    return paths


def test_five_plans(seeds):
    assert len(seeds) == 5


@pytest.mark.parametrize("kind", ["docx", "html"])
def test_docx_and_html_tables_round_trip(seeds, gold_rows, built, kind):
    for seed in seeds:
        document = read_document(built[seed.name, kind])
        assert _tables(document) == _expected(seed, gold_rows), seed.name
        numbers = [line.number for line in document.lines]
        assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_tables_round_trip(seeds, gold_rows, tmp_path_factory):
    # The tables with 14 paragraphs around them: reading a whole 40-page plan takes
    # pdfplumber about 4 s, and the tables still run over page breaks. With LibreOffice 7.4
    # and Noto CJK, two of them (002, 004) break inside a merged category cell whose text
    # wraps: "健康生" / "健康水" end one page, "活" / "平" start the next.
    folder = tmp_path_factory.mktemp("pdf")
    docs = [build_docx(seed, gold_rows, folder / f"{seed.stem}.docx", context=14) for seed in seeds]
    pdfs = build_pdfs(docs, folder)
    for seed, pdf in zip(seeds, pdfs, strict=True):
        expected = _expected(seed, gold_rows)
        got = [_drop_repeated_headers(table) for table in _tables(read_document(pdf))]
        assert len(got) == len(expected), seed.name  # tables continued over pages are joined
        for got_rows, want_rows in zip(got, expected, strict=True):
            assert len(got_rows) == len(want_rows), seed.name
            for got_row, want_row in zip(got_rows, want_rows, strict=True):
                assert got_row == want_row, seed.name
