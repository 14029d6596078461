"""Every sample plan's report in all three formats from the demo database; the Word files
open in python-docx and LibreOffice, convert to PDF, and two pages of 无锡市's final
evaluation are rendered as images (into the temporary folder; scripts/docs_images.py runs
this test to make the README's docs/report-page-*.png)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from openpyxl import load_workbook

from healthplan.demo import build_demo
from healthplan.reports import write_report
from healthplan.reports.content import build_report
from healthplan.store.database import open_database
from plan_builder import build_pdfs, soffice


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_sample_plan_in_every_format(db_url, tmp_path):
    db = open_database(db_url)
    result = build_demo(db, None)
    docx_files = []
    with db.session() as session:
        for stored in result.plans:
            plan = stored.plan
            kind = "final" if plan.origin == "completion_table" else "annual"
            report = build_report(session, plan.id, kind)
            for fmt in ("docx", "html", "xlsx"):
                path = write_report(report, tmp_path / f"plan{plan.id}.{fmt}", fmt)
                assert path.stat().st_size > 5000
            paragraphs = [p.text for p in Document(tmp_path / f"plan{plan.id}.docx").paragraphs]
            assert report.report_title in paragraphs
            sheet = load_workbook(tmp_path / f"plan{plan.id}.xlsx").worksheets[0]
            assert sheet.max_row >= len(report.indicators) + 1
            assert report.report_title in (tmp_path / f"plan{plan.id}.html").read_text("utf-8")
            docx_files.append(tmp_path / f"plan{plan.id}.docx")
    db.close()
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: .docx → PDF not checked")
    pdfs = build_pdfs(docx_files, tmp_path / "pdf")
    for pdf in pdfs:
        with pdfplumber.open(pdf) as document:
            assert len(document.pages) >= 3
            first = document.pages[0].extract_text() or ""
        assert "评估报告" in first or "监测报告" in first, first[:200]
    _page_images(pdfs[0], tmp_path)


def _page_images(pdf: Path, tmp_path: Path) -> None:
    """Title page and a page of indicator analysis (with charts) of 无锡市's 十三五 final
    evaluation → report-page-1.png, report-page-2.png in the temporary folder, or in the
    folder HEALTHPLAN_DOCS_IMAGES names (scripts/docs_images.py)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed: page images not made")
    with pdfplumber.open(pdf) as document:
        chart_page = next(k for k, page in enumerate(document.pages, start=1)
                          if "逐项指标分析" in (page.extract_text() or ""))
    images = Path(os.environ.get("HEALTHPLAN_DOCS_IMAGES") or tmp_path)
    for name, page in (("report-page-1", 1), ("report-page-2", chart_page)):
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l",
                        str(page), str(pdf), str(tmp_path / name)], check=True, timeout=60)
        image = tmp_path / f"{name}.png"
        assert image.stat().st_size > 10_000  # a rendered page, not a blank one
        if images != tmp_path:
            shutil.copyfile(image, images / f"{name}.png")
