"""Evaluation reports: their content (content.py) and the Word, HTML and Excel writers."""

from __future__ import annotations

from pathlib import Path

from healthplan.reports.content import Report, ReportError, build_report

FORMATS = ("docx", "html", "xlsx")


def write_report(report: Report, path: str | Path, format: str) -> Path:
    """Write ``report`` as ``format`` to ``path`` (all at once, or nothing)."""
    if format == "docx":
        from healthplan.reports.docx import write_report_docx

        return write_report_docx(report, path)
    if format == "html":
        from healthplan.reports.html import write_report_html

        return write_report_html(report, path)
    if format == "xlsx":
        from healthplan.reports.excel import write_report_xlsx

        return write_report_xlsx(report, path)
    raise ReportError(f"报告格式应为 {'、'.join(FORMATS)}，而不是 {format!r}")


__all__ = ["FORMATS", "Report", "ReportError", "build_report", "write_report"]
