"""A small plan of 宜兴市 (a county of 无锡市 without a plan in the demo) written for the
plan upload tests, in a space-aligned layout where the reader must split one cell by
position: its first row is flagged doubtful."""

from __future__ import annotations

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


SCAN_ROWS = [("1", "人均预期寿命", "岁", "78.3", "≥80", "预期性"),
             ("2", "孕产妇死亡率", "1/10万", "8.5", "≤10", "约束性"),
             ("3", "婴儿死亡率", "‰", "3.1", "≤4", "约束性")]


def scanned_plan(path):
    """A one-page scan (a PDF holding only an image, 200 dpi, grey) of a small 宜兴市 plan
    drawn here with a ruled table, made for the upload tests (generated, not a real plan).
    The recogniser reads its ‰ unsure ("0%", confidence ~0.85): a flagged cell."""
    from PIL import Image, ImageDraw, ImageFont

    font_file = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
    dpi, width, height = 200, 1654, 1300
    font, big = ImageFont.truetype(font_file, 30), ImageFont.truetype(font_file, 40)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    draw.text((220, 120), "宜兴市“十四五”卫生健康发展规划（2021—2025年）", font=big, fill=0)
    draw.text((160, 240), "第一章 发展目标", font=font, fill=0)
    draw.text((160, 320), "表1 主要发展指标", font=font, fill=0)
    xs = [160, 260, 700, 900, 1080, 1260, 1480]
    header = ("序号", "指标", "单位", "2020年", "2025年", "属性")
    top, row_height = 380, 70
    grid = [header, *SCAN_ROWS]
    for r in range(len(grid) + 1):
        draw.line([(xs[0], top + r * row_height), (xs[-1], top + r * row_height)], fill=0, width=3)
    for x in xs:
        draw.line([(x, top), (x, top + len(grid) * row_height)], fill=0, width=3)
    for r, cells in enumerate(grid):
        for c, text in enumerate(cells):
            draw.text((xs[c] + 14, top + r * row_height + 16), text, font=font, fill=0)
    draw.text((160, top + len(grid) * row_height + 80), "第二章 主要任务", font=font, fill=0)
    draw.text((160, top + len(grid) * row_height + 150), "健全疾病预防控制体系。", font=font, fill=0)
    page.save(path, resolution=dpi)
    return path
