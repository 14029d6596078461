"""The kinds and formats of evaluation reports, for the CLI and the API to offer."""

from enum import StrEnum


class ReportKind(StrEnum):
    annual = "annual"
    midterm = "midterm"
    final = "final"


class ReportFormat(StrEnum):
    docx = "docx"
    html = "html"
    xlsx = "xlsx"
