"""End to end: a sample plan's commitment recorded, evaluated and shown in the reports
(the issue's "Commitments from the five plans are trackable end to end")."""

from __future__ import annotations

import openpyxl
from tracking_helpers import TEST_SOURCE, TODAY

from healthplan.reports.content import build_report
from healthplan.reports.docx import write_report_docx
from healthplan.reports.excel import write_report_xlsx
from healthplan.reports.html import render_report_html, write_report_html
from healthplan.store.progress import record_progress


def docx_text(path) -> str:
    from docx import Document

    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_a_recorded_commitment_is_evaluated_and_shown_in_the_reports(wuxi, tmp_path):
    db, plan_id, number = wuxi
    with db.session() as session:
        record_progress(session, plan_id, "commitment", number, 2024, value=11.5, source=TEST_SOURCE,
                        evidence="120急救调度系统年报", today=TODAY)
        record_progress(session, plan_id, "project", 2, 2024, status="in_progress",
                        source=TEST_SOURCE, today=TODAY)
    with db.session() as session:
        report = build_report(session, plan_id, "annual", 2024)
    item = next(c for c in report.commitments if c.position == number)
    assert item.text == "急救平均反应时间≤12分钟"
    assert item.progress.verdict == "achieved" and item.progress.latest == "2024年：11.5分钟"
    assert item.progress.source == TEST_SOURCE
    untouched = next(c for c in report.commitments if c.progress.latest is None)
    assert untouched.progress.verdict == "no_data"  # nothing invented
    assert report.tracked_sources() == [(TEST_SOURCE, [f"承诺{number}", "专栏2"])]

    docx = docx_text(write_report_docx(report, tmp_path / "r.docx", charts=False))
    html = write_report_html(report, tmp_path / "r.html", charts=False).read_text("utf-8")
    for text in (docx, html):
        assert "急救平均反应时间≤12分钟" in text
        assert "2024年：11.5分钟" in text and TEST_SOURCE in text
        assert "已提前达到2025年目标" in text  # the explanation
        assert "已记录落实进展 1 条" in text and "已记录实施进展 1 个" in text
        assert "【待填写：落实情况（尚无进展记录）】" in text  # the rest: placeholders
        assert "【待填写：专栏1实施进展】" in text and "推进中" in text
        assert f"承诺{number}、专栏2的进展" in text  # the annex names the source
    assert "已达到" in docx and "已达到" in html

    book = openpyxl.load_workbook(write_report_xlsx(report, tmp_path / "r.xlsx"))
    sheet = book["承诺与专栏"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    row = next(r for r in rows if r[2] == f"承诺{number}")
    assert row[3:] == ["急救平均反应时间≤12分钟", "规划期末", "≤12分钟", "2024年：11.5分钟",
                       "已达到", row[8], TEST_SOURCE]
    assert "已提前达到" in row[8]
    assert len(rows) == 123 + 14
    assert any(TEST_SOURCE in str(c.value) for c in book["数据来源"]["B"])


def test_the_final_report_judges_the_target_year(wuxi):
    db, plan_id, number = wuxi
    with db.session() as session:
        record_progress(session, plan_id, "commitment", number, 2025, value=12.4, source=TEST_SOURCE,
                        today=TODAY)
    with db.session() as session:
        report = build_report(session, plan_id, "final")
    item = next(c for c in report.commitments if c.position == number)
    assert item.progress.verdict == "not_achieved" and "12.4分钟" in item.progress.explanation
    html = render_report_html(report, charts=False)
    assert "未达到" in html and "2025年：12.4分钟" in html
