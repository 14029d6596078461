"""The national 十四五 final evaluation as a .docx, checked in its own XML: captions numbered
in order and referred to, zh-CN, sources by title, no empty page-break paragraphs, no
sentence said twice, fixed column widths; and the same report in HTML."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from healthplan.reports import write_report
from healthplan.reports.content import IndicatorSection, build_report, cn_date, plain
from healthplan.store.models import Plan

FILE_OR_HASH = re.compile(r"\.(html?|docx?|pdf|xlsx|ya?ml|csv|txt)\b|\b[0-9a-f]{16,}\b", re.I)


def _national(session) -> int:
    return next(p.id for p in session.query(Plan) if p.region.code == "000000")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_national_final_report_docx_properties(demo, tmp_path):
    with demo.session() as session:
        report = build_report(session, _national(session), "final")
    path = write_report(report, tmp_path / report.file_name("docx"), "docx")
    assert path.name == "全国_2021-2025_终期评估报告.docx"
    document = Document(path)
    texts = [p.text for p in document.paragraphs]
    body = "\n".join(texts)

    # captions: 表1…, 图1… in order, each referred to in the text before it
    for what in ("表", "图"):
        numbers = [int(m.group(1)) for t in texts if (m := re.match(rf"{what}(\d+)　", t))]
        assert numbers == list(range(1, len(numbers) + 1)) and numbers, (what, numbers)
        for n in numbers:
            caption = next(k for k, t in enumerate(texts) if t.startswith(f"{what}{n}　"))
            assert any(f"见{what}{n}" in t for t in texts[:caption + 1]), f"{what}{n} not referred to"
    captions = sum(1 for t in texts if re.match(r"[表图]\d+　", t))
    assert captions == len(document.tables) + len(document.inline_shapes)
    assert len(document.inline_shapes) == sum(1 for s in report.indicators if s.charted) >= 5

    # the language: zh-CN in the styles (defaults and Normal) and the core properties
    styles = document.styles.element
    langs = [e for e in styles.iter(qn("w:lang"))]
    assert langs and all(e.get(qn("w:eastAsia")) == "zh-CN" for e in langs)
    assert document.core_properties.language == "zh-CN"

    # sources and notes: by title and issuer, never a file name or a hash
    annex = texts[texts.index("附件"):]
    assert not [t for t in annex if FILE_OR_HASH.search(t)], "a file name or hash in the annex"
    assert "国务院办公厅《“十四五”国民健康规划（主要发展指标节选）》（2022年5月印发）" in body
    assert any("《“十四五”国民健康规划（主要发展指标节选）》表“十四五”国民健康主要发展指标，第11行"
               in t for t in annex)
    assert re.search(r"生成日期：\d{4}年\d{1,2}月\d{1,2}日", body)
    assert not re.search(r"\d{4}-\d{2}(-\d{2})?", body)  # dates as 2022年5月, not 2022-05

    # no blank pages: no paragraph holding only a page break; breaks are page_break_before
    for paragraph in document.paragraphs:
        breaks = paragraph._p.findall(".//" + qn("w:br"))
        assert not [b for b in breaks if b.get(qn("w:type")) == "page"]
    assert sum(1 for p in document.paragraphs if p.paragraph_format.page_break_before) == 2

    # no sentence said twice, and no machine wording
    # (within a paragraph or its neighbour, any sentence; across the report, any long one)
    split = [[s for s in re.split(r"(?<=。)", t) if len(s) > 8] for t in texts]
    for a, b in zip(split, split[1:] + [[]], strict=True):
        assert len(set(a + b)) == len(a + b), a + b
    # (a class said of several indicators, "终期评估分类：完成，按2024年数据判断…", may recur)
    long = Counter(s for sentences in split for s in sentences
                   if len(s) > 30 and not s.startswith("终期评估分类"))
    assert not [s for s, n in long.items() if n > 1]
    assert "指标越高越好" not in body and "指标越低越好" not in body

    # fixed column widths: every table has a fixed layout, a width on every cell, and the
    # 单位/属性/基期值 columns of the indicator table do not wrap
    for table in document.tables:
        layout = table._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout is not None and layout.get(qn("w:type")) == "fixed"
        assert all(cell.width for row in table.rows for cell in row.cells)
    main = next(t for t in document.tables if [c.text for c in t.rows[0].cells][3:4] == ["属性"])
    for column in (2, 3):
        assert all(row.cells[column]._tc.tcPr.find(qn("w:noWrap")) is not None for row in main.rows)
    # 基期值 may be long text: a width for five figures (77.93) of 五号 and the cell margins
    assert all(row.cells[4].width >= Cm(1.59) for row in main.rows)

    # the final evaluation: classes with their rules; missing 2025 values in one table
    assert "终期评估分类规则：" in body and "提前完成：" in body
    missing = next(t for t in document.tables if t.rows[0].cells[-1].text == "数据提供单位")
    assert len(missing.rows) - 1 == len(report.missing_final()) >= 5
    assert all("全国；【待填写" in row.cells[-1].text for row in missing.rows[1:])
    # the placeholder is red, the region beside it is not
    runs = missing.rows[1].cells[-1].paragraphs[0].runs
    assert [(r.text.startswith("【待填写"), str(r.font.color.rgb) if r.font.color.type else None)
            for r in runs] == [(False, None), (True, "C00000")]
    earlier = [s for s in report.indicators if s.final_pending and s.final_year_used]
    assert earlier and all(f"按{s.final_year_used}年数据判断，2025年终期数据待发布" in body for s in earlier)
    # 个人卫生支出占比, binding and not met, comes first and says so
    first = report.indicators[0]
    assert first.name.startswith("个人卫生支出") and first.final_label == "未完成"

    html = write_report(report, tmp_path / "r.html", "html").read_text("utf-8")
    assert '<html lang="zh-CN">' in html and "<caption>表1　" in html and "<figcaption>图1　" in html
    assert "national_plan" not in html and "指标越高越好" not in html


def test_a_floor_met_at_baseline_is_held_and_wording_is_plain():
    section = IndicatorSection(
        position=1, target_id=1, indicator_id=None, name="孕产妇系统管理率", unit="%",
        category="", attribute="预期性", baseline_text="99.7", baseline_value=99.7,
        base_year=2020, target_text="≥95", target_year=2025,
        rule="95%（指标越高越好，按≥95%判断）", threshold=95.0, verdict="achieved",
        explanation="", latest_year=None, latest_value=None, latest_source=None, gap=None,
        completion=None, expected=None, projection_value=None, projection_margin=None,
        binding_shortfall=False)
    assert section.expected_path() == [(2020, 99.7), (2025, 99.7)]  # 保持, not a decline
    section.baseline_value = 90.0
    assert section.expected_path() == [(2020, 90.0), (2025, 95.0)]
    assert plain("2025年目标为4.5人（指标越高越好，按≥4.5人判断），") == "2025年目标为4.5人及以上，"
    assert plain("（27%（指标越低越好，按≤27%判断））") == "（27%及以下）"
    assert cn_date("2022-03-05") == "2022年3月5日" and cn_date("2022-05") == "2022年5月"
