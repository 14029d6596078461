"""The heading tree: every numbering level, run-in headings, a table of contents."""

from __future__ import annotations

from healthplan.documents.model import Document, lines_from_text
from healthplan.extract.outline import extract_outline, find_toc, match_heading, walk

TEXT = """某县卫生健康“十四五”规划
目  录
第一章 发展基础.....\t- 1 -
第二章 主要任务.....\t- 3 -
一、健全公共卫生体系\t4
第一章 发展基础
第一节 “十三五”回顾
一、居民健康水平显著提高。2020年全县人均预期寿命达到80岁，较2015年提高1岁。
第二章 主要任务
（一）健全公共卫生体系
1. 完善疾病预防控制体系。加强县疾控中心建设。
（1）强化监测预警。建立多点触发的预警机制。
(2) 提升检测能力
2．提高应急处置能力
（二）提升医疗服务能力
2022年3月5日
1.5张床位的说明不是标题
"""


def outline():
    document = Document(path="p.txt", format="txt", lines=lines_from_text(TEXT))
    toc = find_toc(document)
    return toc, extract_outline(document, skip={e.line for e in toc})


def test_table_of_contents_found_and_skipped():
    toc, headings = outline()
    assert [(e.title, e.page, e.line) for e in toc] == [
        ("第一章 发展基础", "1", 3),
        ("第二章 主要任务", "3", 4),
        ("一、健全公共卫生体系", "4", 5),
    ]
    assert headings[0].line == 6


def test_tree_by_rank_with_run_in_headings():
    _, headings = outline()
    flat = [(len(path), h.marker, h.title, h.line) for h, path in walk(headings)]
    assert flat == [
        (1, "第一章", "发展基础", 6),
        (2, "第一节", "“十三五”回顾", 7),
        (3, "一、", "居民健康水平显著提高", 8),
        (1, "第二章", "主要任务", 9),
        (2, "（一）", "健全公共卫生体系", 10),
        (3, "1.", "完善疾病预防控制体系", 11),
        (4, "（1）", "强化监测预警", 12),
        (4, "(2)", "提升检测能力", 13),
        (3, "2．", "提高应急处置能力", 14),
        (2, "（二）", "提升医疗服务能力", 15),
    ]


def test_what_is_not_a_heading():
    assert match_heading("2022年3月5日") is None
    assert match_heading("1.5张床位") is None
    assert match_heading("——以人为本，健康优先。") is None
    long_numbered = "3. " + "这是一个很长的编号段落没有句号" * 6
    assert match_heading(long_numbered) is None
    assert match_heading("十一、人口计生工作转型发展。“十三五”期间") == (
        "cn_number", "十一、", "人口计生工作转型发展")
