"""Scanned copies of PDFs for the OCR tests and bench: every page rasterised by pdftoppm
(poppler-utils) in grey and put back into a PDF with no text layer (Pillow)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def page_images(pdf: str | Path, folder: str | Path, dpi: int = 200,
                first: int | None = None, last: int | None = None) -> list[Path]:
    command = ["pdftoppm", "-r", str(dpi), "-gray", "-png"]
    if first is not None:
        command += ["-f", str(first), "-l", str(last or first)]
    subprocess.run([*command, str(pdf), f"{folder}/page"], check=True, capture_output=True)
    return sorted(Path(folder).glob("page*.png"))


def scan_pdf(pdf: str | Path, out: str | Path, dpi: int = 200,
             first: int | None = None, last: int | None = None) -> Path:
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        images = [Image.open(p).convert("L") for p in page_images(pdf, folder, dpi, first, last)]
        images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    return Path(out)


SCAN_ROWS = [("1", "人均预期寿命", "岁", "78.3", "≥80", "预期性"),
             ("2", "孕产妇死亡率", "1/10万", "8.5", "≤10", "约束性"),
             ("3", "婴儿死亡率", "‰", "3.1", "≤4", "约束性")]


def scanned_plan(path, ruled: bool = True):
    """A one-page scan (a PDF holding only an image, 200 dpi, grey) of a small 宜兴市 plan
    drawn here with a ruled table, made for the upload tests (generated, not a real plan).
    The recogniser reads its ‰ unsure ("0%", confidence ~0.85): a flagged cell.
    `ruled=False`: the same table printed without ruling lines (columns by position)."""
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
    for r in range(len(grid) + 1 if ruled else 0):
        draw.line([(xs[0], top + r * row_height), (xs[-1], top + r * row_height)], fill=0, width=3)
    for x in xs if ruled else []:
        draw.line([(x, top), (x, top + len(grid) * row_height)], fill=0, width=3)
    for r, cells in enumerate(grid):
        for c, text in enumerate(cells):
            draw.text((xs[c] + 14, top + r * row_height + 16), text, font=font, fill=0)
    draw.text((160, top + len(grid) * row_height + 80), "第二章 主要任务", font=font, fill=0)
    draw.text((160, top + len(grid) * row_height + 150), "健全疾病预防控制体系。", font=font, fill=0)
    page.save(path, resolution=dpi)
    return path
