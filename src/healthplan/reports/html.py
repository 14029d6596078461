"""The HTML report: the Word report's content as one self-contained page (styles and
charts inline, nothing fetched from the network)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from healthplan.reports.content import (
    VERDICT_TEXT,
    Placeholder,
    Report,
    cn_date,
    cn_number,
    data_sentence,
    explanation,
    final_rules,
    format_number,
    notice_text,
    plain,
)
from healthplan.reports.output import write_atomically

_ENVIRONMENT = Environment(loader=PackageLoader("healthplan.reports", "templates"),
                           autoescape=select_autoescape(["html"]), trim_blocks=True,
                           lstrip_blocks=True)


def render_report_html(report: Report, *, charts: bool = True) -> str:
    svgs = {}
    if charts:
        from healthplan.reports.charts import indicator_charts

        charted = [s for s in report.indicators if s.charted]
        images = indicator_charts(charted, year=report.year, fmt="svg") if charted else []
        svgs = {s.target_id: image.decode("utf-8") for s, image in
                zip(charted, images, strict=True)}

    def chart(section) -> str:
        svg = svgs[section.target_id]
        return svg[svg.index("<svg"):]  # inline: drop the XML prologue and doctype

    return _ENVIRONMENT.get_template("report.html").render(
        report=report, charts=charts, chart=chart, notice_text=notice_text, num=format_number, cn_number=cn_number,
        data_sentence=data_sentence, placeholder=lambda text: str(Placeholder(text)),
        explanation=explanation, cn_date=cn_date, final_rules=final_rules, plain=plain,
        verdict_text=VERDICT_TEXT,
        verdict_name=lambda v: VERDICT_TEXT[v].split("：")[0],
        verdict_meaning=lambda v: VERDICT_TEXT[v].split("：", 1)[-1],
    )


def write_report_html(report: Report, path: str | Path, *, charts: bool = True) -> Path:
    return write_atomically(path, render_report_html(report, charts=charts).encode("utf-8"))
