"""The same plan as .txt, .docx, .html and .pdf gives the same indicator rows and projects.

The .docx versions of the five sample plans are built with real Word tables
(tests/plan_builder.py) and the .pdf versions rendered from them by LibreOffice.
Line numbers differ between formats (each counts the lines of its own extracted
text), so rows are compared on every other field, and each row's line span is
checked against the text it points to.
"""

from __future__ import annotations

import pytest

from healthplan.documents import read_document
from healthplan.extract import extract_plan
from plan_builder import soffice

FIELDS = ["category", "seq", "name", "unit", "baseline_year", "baseline", "target_year",
          "target", "attribute"]


def table_rows(plan):
    return [
        (table.caption, tuple(getattr(row, f) for f in FIELDS))
        for table in plan.indicator_tables
        for row in table.rows
    ]


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return sorted(seeds_dir.glob("*.txt"))


@pytest.fixture(scope="module")
def from_text(seeds):
    return {seed.name: extract_plan(read_document(seed)) for seed in seeds}


def assert_same_plan(plan, reference, document):
    assert table_rows(plan) == table_rows(reference)
    for table in plan.indicator_tables:
        for row in table.rows:
            # The span points at the row in this format's own text.
            span = " ".join(document.line(n).text for n in range(row.line_start, row.line_end + 1))
            assert row.name.replace(" ", "")[:6] in span.replace(" ", ""), (row.name, span)
    assert [(p.number, p.title) for p in plan.projects if not p.caption_missing] == [
        (p.number, p.title) for p in reference.projects if not p.caption_missing
    ]
    assert plan.document.title == reference.document.title
    assert plan.document.region == reference.document.region
    assert plan.document.period == reference.document.period


def test_docx_gives_the_same_rows(seeds, from_text, rendered):
    for seed in seeds:
        document = read_document(rendered.docx[seed.name])
        assert_same_plan(extract_plan(document), from_text[seed.name], document)


def test_html_gives_the_same_rows(seeds, from_text, rendered):
    for seed in seeds:
        document = read_document(rendered.html[seed.name])
        assert_same_plan(extract_plan(document), from_text[seed.name], document)


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_made_from_the_docx_gives_the_same_rows(seeds, from_text, rendered):
    for seed in seeds:
        document = read_document(rendered.pdf[seed.name])
        plan = extract_plan(document)
        assert_same_plan(plan, from_text[seed.name], document)
        assert all(table.page for table in plan.indicator_tables)  # page provenance
