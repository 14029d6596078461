"""The real plans shipped as the built-in sample.

They are public documents: the health development plans of 无锡市, 江阴市,
苏州市吴中区, 宿州市埇桥区 and 连云港市 (plain text, 此件公开发布), and an excerpt of
the national 《“十四五”国民健康规划》 (its main indicator table, HTML, labelled as an
excerpt in its own title). See README.md in this folder.
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
NATIONAL_PLAN = HERE / "national_plan_14th_excerpt.html"
NATIONAL_REGION_CODE = "000000"  # the plan of 全国

_TITLE = re.compile(r"<title>\s*([^<]+?)\s*</title>", re.I)


def sample_paths() -> list[Path]:
    """The five regional plans (the national excerpt is ``NATIONAL_PLAN``)."""
    return sorted(HERE.glob("*.txt"))


def national_plan_title() -> str:
    """The excerpt's own title, 节选 label included. The HTML reader leaves out <title>
    and names the plan by its <h1>, which drops the label; the demo keeps it visible."""
    match = _TITLE.search(NATIONAL_PLAN.read_text("utf-8"))
    if match is None:  # the shipped file has one; a test guards it
        raise ValueError(f"{NATIONAL_PLAN.name}：没有 <title>")
    return match.group(1)
