"""Title, region, issuer, date, period and status from the opening of a plan."""

from __future__ import annotations

from healthplan.documents.model import Document, lines_from_text
from healthplan.extract.metadata import extract_info
from healthplan.extract.model import Period

NOTICE = """县政府办公室关于印发《某某县“十四五”卫生健康
事业发展规划（2021—2025年）》的通知
各乡镇人民政府：
现将《某某县“十四五”卫生健康事业发展规划（2021—2025年）》印发给你们。
某某县人民政府办公室
2022年6月1日
（此件公开发布）
某某县“十四五”卫生健康

事业发展规划（2021—2025年）

“十四五”时期，根据《江苏省“十四五”卫生健康发展规划》……
"""

DRAFT = """ 某州某某区卫生健康事业发展“十五五”规划

（征求意见稿）

一、发展基础
"""


def info(text: str):
    return extract_info(Document("p.txt", "txt", lines_from_text(text)))


def test_plan_behind_a_cover_notice():
    result = info(NOTICE)
    assert result.title == "某某县“十四五”卫生健康事业发展规划（2021—2025年）"
    assert result.region == "某某县"
    assert result.issuer == "某某县人民政府办公室"
    assert result.issued_on == "2022-06-01"
    assert result.period == Period(2021, 2025)
    assert result.status == "final"


def test_draft_plan_of_its_own_with_a_fifteenth_plan_period():
    result = info(DRAFT)
    assert result.title == "某州某某区卫生健康事业发展“十五五”规划"
    assert result.status == "draft"
    assert result.period == Period(2026, 2030)
    assert result.issuer is None and result.issued_on is None


def test_labelled_issuer_and_date_of_a_web_page():
    """A plan published on a government web page: the page's labelled fields name the
    issuing office and the date (often without the day); a State Council plan whose
    title names no region is the nation's."""
    text = "“十四五”国民健康规划\n发布机关：国务院办公厅　　发布日期：2022年5月\n一、规划背景\n"
    info = extract_info(Document("web.txt", "txt", lines_from_text(text)))
    assert (info.issuer, info.issued_on, info.region) == ("国务院办公厅", "2022-05", "全国")
    text = "某某县“十四五”卫生健康规划\n发文机关：某某县人民政府办公室\n成文日期：2022-06-01\n"
    info = extract_info(Document("web.txt", "txt", lines_from_text(text)))
    assert (info.issuer, info.issued_on, info.region) == ("某某县人民政府办公室", "2022-06-01", "某某县")
