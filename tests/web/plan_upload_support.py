"""A small plan of 宜兴市 (a county of 无锡市 without a plan in the demo) written for the
plan upload tests, in a space-aligned layout where the reader must split one cell by
position: its first row is flagged doubtful."""

from __future__ import annotations

from scans import scanned_plan  # noqa: F401  (the upload tests' scanned plan)

YIXING_PLAN = """宜兴市“十四五”卫生健康发展规划（2021—2025年）

第一章 发展目标
表1 主要发展指标
序号  指标                        2020年    2025年    属性
 1    人均预期寿命（岁）          78.3 ≥79            预期性
 2    孕产妇死亡率（1/10万）      8.5       ≤10       约束性
 3    婴儿死亡率（‰）             3.1       ≤4        约束性

第二章 主要任务
健全疾病预防控制体系。
"""

# The same table with no region in the title: the upload must ask for one.
NO_REGION_PLAN = YIXING_PLAN.replace("宜兴市“十四五”", "“十四五”")

NO_TABLE = """宜兴市“十四五”卫生健康发展规划（2021—2025年）

第一章 总体要求
坚持预防为主，推进健康宜兴建设。
"""

