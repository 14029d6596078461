"""Word and HTML reports from the demo database, and `healthplan report` as a user runs it."""

from __future__ import annotations

import re

import pytest
from docx import Document

from cli_helpers import assert_bad_input, run_cli
from healthplan.reports import write_report
from healthplan.reports.content import ReportError, build_report
from healthplan.store.models import Plan

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_wuxi_final_report_states_19_of_19_achieved_with_sources(demo, tmp_path):
    with demo.session() as session:
        report = build_report(session, 1, "final")
    assert report.year == 2020 and report.counts() == {"achieved": 19}
    assert report.report_title == "《无锡市“十三五”规划》终期评估报告"
    assert "规划确定的 19 项主要指标中，截至2020年：已达到 19 项。" == report.summary_sentence()
    path = write_report(report, tmp_path / "final.docx", "docx")
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert "已达到 19 项" in text and "附件" in text and "数据来源" in text
    # every figure traceable: each of the 19 values names its table line in the annex
    assert text.count("2020年完成值") == 19
    assert "【待填写：总体进展评价与主要成效】" in text  # the narrative is the author's


def test_html_is_one_self_contained_page(demo, tmp_path):
    with demo.session() as session:
        report = build_report(session, 3, "midterm")
    path = write_report(report, tmp_path / "r.html", "html")
    html = path.read_text(encoding="utf-8")
    # no data over two years in 江阴市's plan: no charts, one table of the indicators
    assert html.startswith("<!DOCTYPE html>") and "<svg" not in html
    assert "<caption>表3　监测值不足两年的指标</caption>" in html
    # nothing to fetch: no external scripts, styles, images or fonts (XML namespaces are names)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""",
                         html, re.I)
    assert "《江阴市“十四五”卫生健康事业发展规划（2021—2025年）》中期评估报告" in html
    with demo.session() as session:
        national = next(p.id for p in session.query(Plan) if p.region.code == "000000")
        report = build_report(session, national, "midterm")
    html = write_report(report, tmp_path / "n.html", "html").read_text(encoding="utf-8")
    charted = [s for s in report.indicators if s.charted]
    assert charted and html.count("<svg") == len(charted) == html.count("<figcaption>图")
    assert f"<figcaption>图{len(charted)}　" in html


def test_bad_requests_are_refused(demo, tmp_path):
    with demo.session() as session:
        with pytest.raises(ReportError, match="规划 99 不存在"):
            build_report(session, 99, "final")
        with pytest.raises(ReportError, match="年份 2031 不在规划期"):
            build_report(session, 2, "annual", 2031)


def test_report_command(db_url, tmp_path):
    assert run_cli("--db", db_url, "demo").returncode == 0
    out = tmp_path / "报告.docx"
    result = run_cli("--db", db_url, "report", "--plan", "1", "--kind", "final", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已达到 19" in result.stdout and out.exists()
    assert out.stat().st_mode & 0o044  # readable by others, as any saved document
    assert_bad_input(run_cli("--db", db_url, "report", "--plan", "99", "-o", str(tmp_path / "x.docx")),
                     "规划 99 不存在")
    assert_bad_input(run_cli("--db", db_url, "report", "--plan", "2", "--year", "2040",
                             "-o", str(tmp_path / "y.docx")), "不在规划期")
    missing = tmp_path / "无此目录" / "z.docx"
    assert_bad_input(run_cli("--db", db_url, "report", "--plan", "2", "-o", str(missing)), "不存在")
    assert not list(tmp_path.glob("*.part")) and not (tmp_path / "x.docx").exists()
