"""Small plans written for the test, in layouts the samples do not show: values centred
under a wrapped name, two cells one space apart, a missing target column, the unit in the
caption, a pasted table with a cell missing, OCR text with its confidences, a 2035 column
beside 2025 in space-aligned text, and a cover notice and provenance before the title."""

from __future__ import annotations

from healthplan.audit import audit_plan
from healthplan.documents.model import Document, Line, lines_from_text
from healthplan.extract import extract_plan
from healthplan.extract.metadata import find_title
from healthplan.extract.model import Period
from healthplan.extract.tables import LOW_CONFIDENCE, extract_indicator_tables

PLAN = Period(2021, 2025)
TITLE = "某县“十四五”卫生健康发展规划（2021—2025年）"


def doc(text: str) -> Document:
    return Document(path="plan.txt", format="txt", lines=lines_from_text(text))


def rows_of(text: str):
    return [r for t in extract_indicator_tables(doc(text), period=PLAN) for r in t.rows]


CENTRED = f"""{TITLE}
表3 主要发展指标
序号  指标                        2020年    2025年    属性
      每千常住人口医疗卫生机构
 1    床位数                      6.18      7.6       预期性
      （张）
 2    人均预期寿命（岁）          78.3 ≥79            预期性
 3    孕产妇死亡率（1/10万）      8.5       ≤10       约束性


第二章 主要任务
健全疾病预防控制体系。
"""


def test_values_centred_under_a_wrapped_name_join_the_name_and_are_flagged():
    first, second, third = rows_of(CENTRED)
    assert (first.seq, first.name, first.unit, first.baseline, first.target) == (
        "1", "每千常住人口医疗卫生机构床位数", "张", "6.18", "7.6")
    assert (first.line_start, first.line_end) == (4, 6)
    assert first.doubtful and "按位置" in first.doubtful
    # Two figures one space apart in one column are two cells, and the reader says so.
    assert (second.baseline, second.target) == ("78.3", "≥79")
    assert second.doubtful and "切分" in second.doubtful
    assert third.doubtful is None and (third.unit, third.target) == ("1/10万", "≤10")


NO_TARGET = f"""{TITLE}
表1 主要指标
领域\t序号\t指标\t单位\t2020年\t属性
健康水平\t1\t人均预期寿命\t岁\t79.5\t预期性
健康水平\t2\t婴儿死亡率\t‰\t3.1\t预期性
"""


def test_a_table_without_a_target_column_has_no_target():
    document = doc(NO_TARGET)
    plan = extract_plan(document)
    (row, other) = plan.rows()
    # The 2020 value is the base year's, never the 2025 target.
    assert (row.baseline_year, row.baseline, row.target) == (2020, "79.5", "")
    assert row.target_year == 2025
    assert "目标缺失" in row.doubtful and "2020年" in row.doubtful
    assert row.rule.kind == "no_target"
    kinds = [(f.kind, f.message) for f in audit_plan(document, plan)]
    assert any(k == "missing_target" and "人均预期寿命" in m for k, m in kinds)
    assert not any(k == "missing_baseline" for k, _ in kinds)


def test_a_plan_table_with_its_target_column_is_not_doubtful():
    text = NO_TARGET.replace("2020年\t属性", "2020年\t2025年\t属性").replace(
        "79.5\t", "79.5\t80\t").replace("3.1\t", "3.1\t≤3\t")
    rows = rows_of(text)
    assert [(r.target, r.doubtful) for r in rows] == [("80", None), ("≤3", None)]


def test_the_unit_given_in_the_caption():
    text = f"""{TITLE}
表2 “十四五”健康服务主要指标（单位：%）
| 序号 | 指标 | 2020年 | 2025年 | 属性 |
|---|---|---|---|---|
| 1 | 居民健康素养水平 | 28 | 35 | 预期性 |
| 2 | 孕产妇系统管理率 | 95 | ≥90 | 约束性 |
"""
    rows = rows_of(text)
    assert [(r.name, r.unit, r.baseline, r.target) for r in rows] == [
        ("居民健康素养水平", "%", "28", "35"), ("孕产妇系统管理率", "%", "95", "≥90")]


PASTED = f"""{TITLE}
表1 主要指标
领域
序号
指标
单位
2020年
2025年
属性
健康水平
1
人均预期寿命
岁
78.3
≥79
预期性
2
婴儿死亡率
‰
3.2
≤5
3
孕产妇死亡率
1/10万
8.5
≤10
约束性
健康服务
4
每千常住人口执业（助理）医师数
人
—
3.2
预期性

第二章 主要任务
"""


def test_a_pasted_row_without_its_last_cell_is_resynchronised_and_flagged():
    rows = rows_of(PASTED)
    assert [(r.seq, r.name, r.baseline, r.target, r.attribute, r.category) for r in rows] == [
        ("1", "人均预期寿命", "78.3", "≥79", "预期性", "健康水平"),
        ("2", "婴儿死亡率", "3.2", "≤5", "", "健康水平"),
        ("3", "孕产妇死亡率", "8.5", "≤10", "约束性", "健康水平"),
        ("4", "每千常住人口执业（助理）医师数", "—", "3.2", "预期性", "健康服务"),
    ]
    assert [bool(r.doubtful) for r in rows] == [False, True, False, False]


FAR = f"""{TITLE}
表1 主要发展指标
领域    序号  指标                    单位    2020年   2025年   2035年远景   属性
健康    1     人均预期寿命            岁      78.3     ≥79      81           预期性
水平    2     健康预期寿命            岁      —        同比例   —            预期性
                                                       提高
— 12 —
\f某县“十四五”卫生健康发展规划
领域    序号  指标                    单位    2020年   2025年   2035年远景   属性
健康    3     每千常住人口执业（助    人      2.9      3.2      4            预期性
服务          理）医师数
"""


def test_a_2035_column_beside_2025_and_a_header_repeated_after_a_page_footer():
    rows = rows_of(FAR)
    assert [(r.seq, r.name, r.baseline, r.target, r.target_year, r.category) for r in rows] == [
        ("1", "人均预期寿命", "78.3", "≥79", 2025, "健康水平"),
        ("2", "健康预期寿命", "—", "同比例提高", 2025, "健康水平"),
        ("3", "每千常住人口执业（助理）医师数", "2.9", "3.2", 2025, "健康服务"),
    ]


def test_completion_table_with_the_actual_before_the_target():
    text = f"""{TITLE}
表1 “十三五”规划主要指标完成情况
指标名称\t单位\t2020年完成情况\t2020年规划目标
人均预期寿命\t岁\t79.2\t≥78
"""
    (table,) = extract_indicator_tables(doc(text), period=PLAN)
    (row,) = table.rows
    assert table.kind == "completion"
    assert (row.baseline, row.baseline_year, row.target, row.target_year) == (
        "79.2", 2020, "≥78", 2020)


def test_ocr_confidence_carried_to_the_row_and_low_ones_flagged():
    header = ("指标", "单位", "2020年", "2025年", "属性")
    body = [(("人均预期寿命", "岁", "78.3", "≥79", "预期性"), (0.99, 0.98, 0.97, 0.99, 0.99)),
            (("婴儿死亡率", "‰", "3.2", "≤5", "预期性"), (0.99, 0.98, 0.41, 0.99, 0.99))]
    lines = [Line(1, TITLE, page=1), Line(2, "表1 主要指标", page=1),
             Line(3, "\t".join(header), page=1, cells=header, table=0,
                  confidences=(0.99,) * 5)]
    for k, (cells, scores) in enumerate(body):
        lines.append(Line(4 + k, "\t".join(cells), page=2, cells=cells, table=0,
                          confidences=scores))
    document = Document(path="scan.png", format="png", lines=lines)
    good, bad = (r for t in extract_indicator_tables(document, period=PLAN) for r in t.rows)
    assert (good.page, good.confidence, good.doubtful) == (2, 0.97, None)
    assert bad.confidence == 0.41 < LOW_CONFIDENCE
    assert "置信度" in bad.doubtful
    assert (good.doubtful_cells, bad.doubtful_cells) == ([], ["baseline"])


def test_ocr_rows_whose_cells_are_misshapen_are_flagged_whatever_the_confidence():
    header = ("指标", "单位", "2020年", "2025年", "属性")
    body = [("人均每日食盐摄入量", "6", "11", "≤10", "预期性"),  # "g" read as a digit
            ("重大慢性病过早死亡率", "%", "10.48", "9.6>", "预期性"),  # "≤9.6"
            ("孕产妇死亡率", "1/10万", "1O.5", "≤10", "约束性"),  # 0 read as the letter O
            ("人均预期寿命", "岁", "78.3", "≥79", "预期牲"),
            ("婴儿死亡率", "‰", "3.2", "≤5", "预期性")]
    lines = [Line(1, TITLE, page=1), Line(2, "表1 主要指标", page=1),
             Line(3, "\t".join(header), page=1, cells=header, table=0, confidences=(0.99,) * 5)]
    for k, cells in enumerate(body):
        lines.append(Line(4 + k, "\t".join(cells), page=1, cells=cells, table=0,
                          confidences=(0.99,) * 5))
    document = Document(path="scan.png", format="png", lines=lines)
    rows = [r for t in extract_indicator_tables(document, period=PLAN) for r in t.rows]
    assert [r.doubtful is not None for r in rows] == [True, True, True, True, False]
    assert "单位“6”" in rows[0].doubtful and "比较符号" in rows[1].doubtful
    assert "字母" in rows[2].doubtful and "属性" in rows[3].doubtful
    assert [r.doubtful_cells for r in rows] == [["unit"], ["target"], ["baseline"], ["attribute"], []]
    # The same cells from a text layer are as printed: no OCR doubt.
    text = Document(path="plan.txt", format="txt",
                    lines=[Line(n.number, n.text, page=n.page, cells=n.cells, table=n.table)
                           for n in lines])
    assert not any(r.doubtful for t in extract_indicator_tables(text, period=PLAN) for r in t.rows)


def test_rows_of_text_without_ocr_have_no_confidence():
    rows = rows_of(NO_TARGET)
    assert all(r.confidence is None and r.page is None for r in rows)


def test_the_title_after_a_notice_and_provenance_lines():
    head = [
        "首页 > 政务公开 > 规划计划",
        "索引号：11320200014070000X/2022-00123",
        "发布机构：某市人民政府办公室    发布日期：2022-03-05",
        "某市人民政府办公室关于印发某市“十四五”卫生健康发展规划的通知",
        "某政办发〔2022〕12号",
        "各县（市、区）人民政府，市各委办局：",
        "现将《某市“十四五”卫生健康发展规划》印发给你们，请认真组织实施。",
        "某市人民政府办公室",
        "2022年3月5日",
        "（此件公开发布）",
        "某市“十四五”卫生健康事业",
        "发展规划",
        "（2021—2025年）",
        "第一章 发展基础",
    ]
    assert find_title(head) == "某市“十四五”卫生健康事业发展规划"
    assert find_title(head[:10]) == "某市“十四五”卫生健康发展规划"  # the notice's quote
    with_years = head[:10] + ["某市“十四五”卫生健康规划", "（2021—2025年）"]
    assert find_title(with_years) == "某市“十四五”卫生健康规划（2021—2025年）"


def _table_lines(rows: list[tuple[str, ...]]) -> list[Line]:
    lines = [Line(1, TITLE), Line(2, "表1 主要发展指标")]
    for k, cells in enumerate(rows):
        lines.append(Line(3 + k, "\t".join(cells), cells=cells, table=0))
    return lines


def test_two_row_header_in_a_real_table_either_way_a_reader_fills_the_span():
    body = ("健康水平", "1", "人均预期寿命", "岁", "78.3", "≥79", "预期性")
    below = ("", "", "", "", "2020年", "2025年", "")
    for top in (("领域", "序号", "指标", "单位", "指标值", "", "属性"),       # span left empty
                ("领域", "序号", "指标", "单位", "指标值", "指标值", "属性")):  # span repeated
        document = Document(path="plan.docx", format="docx",
                            lines=_table_lines([top, below, body]))
        (row,) = [r for t in extract_indicator_tables(document, period=PLAN) for r in t.rows]
        assert (row.baseline_year, row.baseline, row.target_year, row.target) == (
            2020, "78.3", 2025, "≥79")


CENTRED_CATEGORIES = f"""{TITLE}
表1 主要发展指标
领域    序号  指标              单位     2020年   2025年   属性
        1     人均预期寿命      岁       78.3     ≥79      预期性
健康    2     婴儿死亡率        ‰        3.2      ≤5       预期性
水平    3     孕产妇死亡率      1/10万   8.5      ≤10      约束性
        4     健康预期寿命      岁       —        同比例   预期性
        5     每千人口床位数    张       6.2      7        预期性
健康    6     每千人口医师数    人       2.9      3.2      预期性
服务    7     每千人口护士数    人       3.1      3.8      预期性
        8     每万人口全科医生  人       3        4        预期性


第二章 主要任务
"""


def test_category_cells_centred_in_their_runs_are_placed_and_flagged():
    rows = rows_of(CENTRED_CATEGORIES)
    assert [r.category for r in rows] == ["健康水平"] * 4 + ["健康服务"] * 4
    # Rows beside the category's text are sure; the others were placed by guessing.
    assert [bool(r.doubtful) for r in rows] == [True, False, False, True,
                                                True, False, False, True]


def test_two_tables_with_the_same_header_stay_two_tables():
    header = "序号\t指标\t单位\t2020年\t2025年\t属性"
    tabbed = f"""{TITLE}
表1 健康水平主要指标
{header}
1\t人均预期寿命\t岁\t78.3\t≥79\t预期性

表2 健康服务主要指标
{header}
1\t每千人口床位数\t张\t6.2\t7\t预期性
"""
    spaced = f"""{TITLE}
表1 健康水平主要指标
序号  指标              单位   2020年   2025年   属性
1     人均预期寿命      岁     78.3     ≥79      预期性
表2 健康服务主要指标
序号  指标              单位   2020年   2025年   属性
1     每千人口床位数    张     6.2      7        预期性
"""
    for text in (tabbed, spaced):
        tables = extract_indicator_tables(doc(text), period=PLAN)
        assert [(t.caption, [r.name for r in t.rows]) for t in tables] == [
            ("表1 健康水平主要指标", ["人均预期寿命"]), ("表2 健康服务主要指标", ["每千人口床位数"])]


def test_ingest_json_says_why_a_row_is_doubtful(tmp_path):
    import json

    from cli_helpers import run_cli

    path = tmp_path / "plan.txt"
    path.write_text(NO_TARGET, encoding="utf-8")
    result = run_cli("ingest", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    (row, _) = json.loads(result.stdout)["indicator_tables"][0]["rows"]
    assert row["target"] == "" and row["baseline"] == "79.5"
    assert "目标缺失" in row["doubtful"]
    assert row["page"] is None and row["confidence"] is None
