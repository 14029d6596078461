"""Indicator tables in every layout the reader must handle, on synthetic text.

Each fixture is a small plan written for the test (no real plan is needed):
tabs are written as \\t so the layout is visible.
"""

from __future__ import annotations

from healthplan.documents.model import Document, Line, lines_from_text
from healthplan.extract.model import Period
from healthplan.extract.tables import (
    extract_indicator_tables,
    five_year_plan_period,
    split_unit_from_name,
)

PLAN = Period(2021, 2025)


def doc(text: str) -> Document:
    return Document(path="plan.txt", format="txt", lines=lines_from_text(text))


def rows_of(text: str, period: Period | None = PLAN):
    tables = extract_indicator_tables(doc(text), period=period)
    return tables, [row for table in tables for row in table.rows]


ONE_CELL_PER_LINE = """某市“十四五”卫生健康发展规划
（四）主要指标
表2 某市“十四五”卫生健康主要发展指标
\t领域
\t序号
\t主要指标
\t单位
\t2020年
\t2025年
\t性质

\t健康
水平
\t1
\t人均预期寿命
\t岁
\t80.1
\t≥81
\t预期性

\t
\t2
\t健康预期寿命
\t岁
\t-
\t同比例

提高
\t预期性

\t
\t3
\t每千人口执业（助理）医师数
\t人
\t2.9
\t3.9
\t预期性
\t

\t
\t
\t其中：每千人口中医类别执业（助理）医师数
\t人
\t0.29
\t0.57
\t约束性

\t资源配置
\t4
\t抗菌药物使用强度（DDDs
100/人天）
\t
\t25
\t20
\t预期性


四、主要任务
"""


def test_one_cell_per_line_layout_with_every_quirk():
    tables, rows = rows_of(ONE_CELL_PER_LINE)
    assert len(tables) == 1
    table = tables[0]
    assert table.caption == "表2 某市“十四五”卫生健康主要发展指标"
    assert table.kind == "plan" and table.period == PLAN
    assert [r.name for r in rows] == [
        "人均预期寿命",
        "健康预期寿命",
        "每千人口执业（助理）医师数",
        "其中：每千人口中医类别执业（助理）医师数",
        "抗菌药物使用强度（DDDs 100/人天）",
    ]
    first = rows[0]
    # A category cell wrapped onto an untabbed line is joined without a space.
    assert (first.category, first.seq, first.unit) == ("健康水平", "1", "岁")
    assert (first.baseline_year, first.baseline, first.target_year, first.target) == (
        2020, "80.1", 2025, "≥81")
    assert (first.line_start, first.line_end) == (12, 19)
    # A target split by a blank line is one cell; the category is carried down.
    assert rows[1].target == "同比例提高" and rows[1].category == "健康水平"
    assert (rows[1].line_start, rows[1].line_end) == (21, 29)
    # A stray tab-only line after a full row is an empty trailing cell, not a row.
    assert rows[2].attribute == "预期性" and rows[2].line_end == 38
    # 其中 sub-rows keep an empty seq and their own attribute.
    assert rows[3].seq == "" and rows[3].attribute == "约束性"
    # An empty (tab-only) unit cell stays empty; ASCII words wrapped keep a space.
    assert rows[4].unit == "" and rows[4].category == "资源配置"
    assert table.line_start == 3 and table.line_end == rows[-1].line_end


ONE_ROW_PER_LINE = """“十四五”卫生健康主要发展指标

领域\t序号\t主要指标\t单位\t2025年目标值(区)\t性质
健康水平\t1\t人均预期寿命\t岁\t85 左右\t预期性
\t2\t孕产妇死亡率\t/10万\t≤7\t预期性

领域\t序号\t主要指标\t单位\t2025年目标值(区)\t性质
\t3\t每千常住人口公共卫生人员数\t人\t在2020年基础上增长50%\t预期性
健康服务\t4\t每万常住人口全科医师数\t人\t4.5\t约束性

第四章 主要任务
"""


def test_one_row_per_line_layout_with_header_repeated_after_page_break():
    tables, rows = rows_of(ONE_ROW_PER_LINE)
    assert len(tables) == 1
    assert [r.seq for r in rows] == ["1", "2", "3", "4"]
    assert [r.category for r in rows] == ["健康水平", "健康水平", "健康水平", "健康服务"]
    assert rows[0].target == "85 左右"  # verbatim, inner space kept
    assert rows[2].target == "在2020年基础上增长50%"
    assert all(r.baseline == "" and r.baseline_year is None for r in rows)
    assert all(r.target_year == 2025 for r in rows)
    assert [(r.line_start, r.line_end) for r in rows] == [(4, 4), (5, 5), (8, 8), (9, 9)]


CATEGORY_ROWS = """“十四五”时期卫生健康事业发展主要指标
\t指标
\t2020年
\t2025年
\t属性

\t健康水平

\t人均预期寿命（岁）
\t77.7
\t＞78.2
\t预期性

\t孕产妇死亡率（1/10万）
\t6.21
\t＜14.5
\t预期性

\t健康服务

\t以乡（镇、街道）为单位适龄儿童免疫规划疫苗接种率（%）
\t>90
\t>90
\t约束性

\t乡镇卫生院、村卫生室提供中医药服务的比例（%）
\t100、100
\t全部达到100
\t预期性


第三章 主要任务
"""


def test_category_rows_and_unit_inside_the_name():
    _, rows = rows_of(CATEGORY_ROWS)
    assert [(r.category, r.name, r.unit) for r in rows] == [
        ("健康水平", "人均预期寿命", "岁"),
        ("健康水平", "孕产妇死亡率", "1/10万"),
        ("健康服务", "以乡（镇、街道）为单位适龄儿童免疫规划疫苗接种率", "%"),
        ("健康服务", "乡镇卫生院、村卫生室提供中医药服务的比例", "%"),
    ]
    assert all(r.seq == "" for r in rows)
    assert rows[0].target == "＞78.2" and rows[3].baseline == "100、100"
    assert rows[3].target == "全部达到100"


COMPLETION = """表1  某市“十三五”规划主要指标完成情况
\t类别
\t序号
\t指标名称
\t单位
\t目标
\t2020年
完成情况

\t健康
水平
\t1
\t人均期望寿命
\t岁
\t82.7
\t83.19

\t
\t2
\t孕产妇死亡率
\t1/10万
\t≤10
\t0


二、形势
"""


def test_previous_plan_completion_table():
    tables, rows = rows_of(COMPLETION)
    table = tables[0]
    assert table.kind == "completion"
    assert table.period == Period(2016, 2020)  # from “十三五” in the caption
    assert table.header[-1] == "2020年完成情况"
    assert table.caption == "表1 某市“十三五”规划主要指标完成情况"
    assert [(r.target, r.target_year, r.baseline, r.baseline_year) for r in rows] == [
        ("82.7", 2020, "83.19", 2020),
        ("≤10", 2020, "0", 2020),
    ]
    assert rows[0].attribute == ""


def test_no_indicator_table():
    tables, _ = rows_of("某县卫生健康规划\n一、总体要求\n\t专栏1 某工程\n\n\t内容。\n")
    assert tables == []


def test_real_table_rows_are_read_from_cells():
    lines = [
        Line(1, "“十四五”主要指标"),
        Line(2, ""),
    ]
    grid = [
        ["领域", "序号", "主要指标", "单位", "2020年", "2025年", "性质"],
        ["健康水平", "1", "人均预期寿命", "岁", "77.84", "80左右", "预期性"],
        ["健康水平", "2", "婴儿死亡率", "‰", "2.95", "≤4", "预期性"],
        ["健康服务", "", "其中：中医类别", "人", "0.29", "0.57", "约束性"],
    ]
    for k, cells in enumerate(grid):
        lines.append(Line(3 + k, "\t".join(cells), cells=tuple(cells), table=0))
    document = Document(path="plan.docx", format="docx", lines=lines)
    (table,) = extract_indicator_tables(document, period=PLAN)
    assert table.caption == "“十四五”主要指标" and table.line_start == 1
    assert [(r.category, r.seq, r.name, r.target, r.line_start) for r in table.rows] == [
        ("健康水平", "1", "人均预期寿命", "80左右", 4),
        ("健康水平", "2", "婴儿死亡率", "≤4", 5),
        ("健康服务", "", "其中：中医类别", "0.57", 6),
    ]


def test_real_table_category_row_merged_across():
    cells = [("指标", "2020年", "2025年", "属性"), ("健康水平",) * 4,
             ("人均预期寿命（岁）", "77.7", "＞78.2", "预期性")]
    lines = [Line(k + 1, "\t".join(c), cells=c, table=0) for k, c in enumerate(cells)]
    (table,) = extract_indicator_tables(Document("p.docx", "docx", lines), period=PLAN)
    (row,) = table.rows
    assert (row.category, row.name, row.unit) == ("健康水平", "人均预期寿命", "岁")


def test_five_year_plan_periods():
    assert five_year_plan_period("“十三五”规划") == Period(2016, 2020)
    assert five_year_plan_period("十四五") == Period(2021, 2025)
    assert five_year_plan_period("“十五五”") == Period(2026, 2030)
    assert five_year_plan_period("十二五") == Period(2011, 2015)
    assert five_year_plan_period("卫生规划") is None


def test_split_unit_from_name():
    assert split_unit_from_name("婴儿死亡率（‰）") == ("婴儿死亡率", "‰")
    assert split_unit_from_name("每千人口执业（助理）医师数") == ("每千人口执业（助理）医师数", "")
    assert split_unit_from_name("抗菌药物使用强度（DDDs 100/人天%）") == (
        "抗菌药物使用强度", "DDDs 100/人天%")
