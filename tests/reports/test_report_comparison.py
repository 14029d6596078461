"""The comparison report (issue 5): several plans side by side, from the demo database,
and `healthplan compare` as a user runs it."""

from __future__ import annotations

import re

import pytest
from docx import Document
from openpyxl import load_workbook

from cli_helpers import assert_bad_input, run_cli
from healthplan.reports.comparison import (
    COMPARE,
    EXCLUDED,
    NOTES,
    build_comparison,
    write_comparison,
)
from healthplan.reports.content import ReportError

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

SAMPLES = [2, 3, 4, 5, 6]  # the five 十四五 sample plans


def _row(comparison, indicator_id):
    return next(r for r in comparison.rows if r.indicator_id == indicator_id)


def test_wuxi_and_jiangyin_side_by_side(demo):
    with demo.session() as session:
        c = build_comparison(session, [2, 3])
    assert [p.label for p in c.plans] == ["无锡市", "江阴市"]
    assert [p.status_cn for p in c.plans] == ["正式稿", "正式稿"]
    shared = [r.indicator_id for r in c.shared_rows()]
    assert "life_expectancy" in shared and "infant_mortality" in shared
    # rows in the most plans first
    counts = [r.plan_count for r in c.rows]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2
    # an indicator only one plan sets is "not set" for the other
    survival = _row(c, "cancer_5yr_survival")
    assert survival.cells[0] is None and survival.cells[1] is not None

    # 江阴市 婴儿死亡率: baseline 2.57‰ (2020), target <4‰. Lower is better, so a ceiling
    # above the baseline is a negative ambition: the target allows a rise of 1.43‰.
    infant = _row(c, "infant_mortality").cells[1]
    assert (infant.target_text, infant.baseline, infant.base_year) == ("<4", 2.57, 2020)
    assert infant.baseline_from == "plan" and infant.threshold == 4
    assert infant.ambition == pytest.approx(-1.43)
    assert infant.ambition_pct == pytest.approx(-1.43 / 2.57 * 100)
    assert infant.ambition_per_year == pytest.approx(-1.43 / 5)

    # higher is better: 江阴市 人均预期寿命 82.4 → 83 is +0.6 岁
    life = _row(c, "life_expectancy")
    jiangyin = life.cells[1]
    assert jiangyin.ambition == pytest.approx(0.6) and jiangyin.ambition_per_year == pytest.approx(0.12)
    # 无锡市 prints no baseline: the region's 2020 observation (表1 完成值) stands in, marked
    wuxi = life.cells[0]
    assert wuxi.baseline == 83.19 and wuxi.baseline_from == "observation"
    assert "2020年完成值" in wuxi.baseline_source
    assert wuxi.ambition == pytest.approx(0.31)
    assert jiangyin.most_ambitious and not wuxi.most_ambitious

    summary = c.summary()
    assert summary[0].startswith(f"对比的 2 个规划共涉及指标目录中的指标 {len(c.rows)} 项，"
                                 f"其中各规划共有 {len(shared)} 项")
    assert "人均预期寿命年均改善：无锡市 +0.062岁，江阴市 +0.12岁；江阴市最大。" in summary
    # neither plan asks the infant mortality rate to fall: no "most ambitious" is named
    infant_line = next(line for line in summary if line.startswith("婴儿死亡率"))
    assert "均不要求改善" in infant_line and "最大" not in infant_line
    assert any(line.startswith("江阴市：主要指标 31 项") for line in summary)


def test_range_and_unparsed_targets_have_no_ambition(demo):
    with demo.session() as session:
        c = build_comparison(session, [2, 3])
    sex_ratio = _row(c, "sex_ratio_at_birth").cells[1]
    assert sex_ratio.ambition is None and sex_ratio.ambition_note == "区间指标"
    healthy = _row(c, "healthy_life_expectancy").cells[0]  # 同比例提高
    assert healthy.ambition is None and healthy.ambition_note == "目标无单一数值"


@pytest.mark.parametrize("fmt", ["html", "xlsx", "docx"])
def test_all_five_samples_compare_in_every_format(demo, tmp_path, fmt):
    with demo.session() as session:
        c = build_comparison(session, SAMPLES)
    assert len(c.plans) == 5 and c.shared_rows()
    assert c.plans[3].status_cn == "征求意见稿"  # 埇桥区
    # 吴中区 prints ‰ rates in %: shown with ※, left out of the comparison of ambitions
    wuzhong = _row(c, "infant_mortality").cells[2]
    assert wuzhong.unit_note and not wuzhong.comparable
    path = write_comparison(c, tmp_path / f"cmp.{fmt}", fmt)
    assert path.exists() and not list(tmp_path.glob("*.part"))
    if fmt == "html":
        html = path.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and "吴中区" in html and "征求意见稿" in html
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(|@import""", html, re.I)
        # every body row of the wide table spans the same columns (3 + 5 per plan)
        table = html[html.index("<tbody>"):html.index("</tbody>")]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            spans = [int(s or 1) for s in re.findall(r'<td(?: colspan="(\d+)")?', row)]
            assert sum(spans) == 3 + 5 * 5
    elif fmt == "xlsx":
        workbook = load_workbook(path)
        assert workbook.sheetnames == [COMPARE, EXCLUDED, NOTES]
        sheet = workbook[COMPARE]
        assert sheet.freeze_panes == "C5" and sheet.auto_filter.ref.startswith("A4:")
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.max_column == 5 + 11 * 5 and sheet.max_row == 4 + len(c.rows)
        assert sheet.cell(3, 6).value.startswith("无锡市") and sheet.cell(4, 6).value == "目标值"
        notes = "\n".join(str(v) for row in workbook[NOTES].iter_rows(values_only=True)
                          for v in row if v)
        assert "规划改善幅度" in notes and "−(4 − 2.57) = −1.43‰" in notes
        assert "并不要求改善" in notes
    else:
        document = Document(path)
        text = "\n".join(p.text for p in document.paragraphs)
        assert "卫生健康发展规划主要指标对比" in text and "三、主要指标对比" in text
        landscape = [s for s in document.sections if s.page_width > s.page_height]
        assert len(landscape) == 1
        wide = max(document.tables, key=lambda t: len(t.columns))
        assert len(wide.columns) == 2 + 5 and len(wide.rows) == 1 + len(c.rows)
        assert "无锡市" in wide.rows[0].cells[2].text


def test_xlsx_row_for_jiangyin_infant_mortality(demo, tmp_path):
    with demo.session() as session:
        c = build_comparison(session, [2, 3])
    path = write_comparison(c, tmp_path / "c.xlsx", "xlsx")
    sheet = load_workbook(path)[COMPARE]
    header = [sheet.cell(4, col).value for col in range(1, sheet.max_column + 1)]
    r = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 2).value == "婴儿死亡率")
    jiangyin = 5 + 11  # 江阴市's group starts after the fixed columns and 无锡市's group
    values = {header[col - 1]: sheet.cell(r, col).value for col in range(jiangyin + 1, jiangyin + 12)}
    assert values["目标值"] == "<4" and values["基期值"] == 2.57 and values["基期年份"] == 2020
    assert values["目标数值"] == 4 and values["改善幅度"] == pytest.approx(-1.43)
    assert values["年均改善"] == pytest.approx(-0.286)


def test_two_plans_of_one_region_are_told_apart_by_period(demo):
    with demo.session() as session:
        c = build_comparison(session, [1, 2])
    assert [p.label for p in c.plans] == ["无锡市（2016—2020）", "无锡市（2021—2025）"]


def test_bad_requests_are_refused(demo):
    with demo.session() as session:
        with pytest.raises(ReportError, match="至少需要两个规划"):
            build_comparison(session, [2])
        with pytest.raises(ReportError, match="规划 99 不存在"):
            build_comparison(session, [2, 99])
        with pytest.raises(ReportError, match="规划 3 重复指定"):
            build_comparison(session, [2, 3, 3])
        with pytest.raises(ReportError, match="年份 2040 不在规划 2"):
            build_comparison(session, [2, 3], 2040)


def test_compare_command(db_url, tmp_path):
    assert run_cli("--db", db_url, "demo").returncode == 0
    out = tmp_path / "对比.docx"
    result = run_cli("--db", db_url, "compare", "--plan", "2", "--plan", "3", "--format", "docx",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "无锡市、江阴市" in result.stdout and out.exists()
    Document(out)  # opens

    bad = tmp_path / "x.html"
    assert_bad_input(run_cli("--db", db_url, "compare", "--plan", "2", "--out", str(bad)),
                     "至少需要两个规划")
    assert_bad_input(run_cli("--db", db_url, "compare", "--plan", "2", "--plan", "99",
                             "--out", str(bad)), "规划 99 不存在")
    assert_bad_input(run_cli("--db", db_url, "compare", "--plan", "2", "--plan", "3",
                             "--format", "xlsx", "--out", str(bad)), "扩展名应为 .xlsx")
    assert not bad.exists() and not list(tmp_path.glob("*.part"))
