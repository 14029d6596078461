"""Indicator charts: valid PNG and SVG, the same bytes for the same input, Chinese drawn
(no missing glyphs), and every shape of data a plan has — a series with a projection, a
range target, no baseline, no target, a single point, nothing at all."""

from __future__ import annotations

import re
import struct
import time
import warnings
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from sqlalchemy import select

from healthplan.demo import build_demo
from healthplan.reports.charts import (
    CHART_HEIGHT_CM,
    CHART_WIDTH_CM,
    indicator_chart,
    indicator_charts,
    start_charts,
)
from healthplan.reports.content import IndicatorSection, Point, build_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEST_SOURCE = "测试用数据（非真实）"


def section(**changes) -> IndicatorSection:
    """婴儿死亡率 with a baseline, four observations, a projection and the national figure."""
    base = IndicatorSection(
        position=1, target_id=7, indicator_id="infant_mortality", name="婴儿死亡率", unit="‰",
        category="健康水平", attribute="预期性", baseline_text="2.57", baseline_value=2.57,
        base_year=2020, target_text="<4", target_year=2025, rule="<4‰", threshold=4.0,
        verdict="achieved", explanation="", latest_year=2024, latest_value=2.5,
        latest_source=TEST_SOURCE, gap=1.5, completion=None, expected=None,
        projection_value=2.62, projection_margin=0.85, binding_shortfall=False,
        observations=[Point(2020, 2.57, TEST_SOURCE), Point(2021, 2.9, TEST_SOURCE),
                      Point(2022, 2.7, TEST_SOURCE), Point(2023, 2.8, TEST_SOURCE),
                      Point(2024, 2.5, TEST_SOURCE)],
        benchmark=Point(2024, 4.0, "国家卫生健康委员会《2024年我国卫生健康事业发展统计公报》"),
    )
    return replace(base, **changes)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_root(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def render(s: IndicatorSection, fmt: str, year: int = 2024) -> bytes:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = indicator_chart(s, year=year, fmt=fmt)
    glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert glyphs == [], glyphs
    return data


# --------------------------------------------------------------------------- formats


def test_png_is_a_15_by_7_cm_image_at_the_requested_resolution():
    for dpi in (150, 300):
        width, height = png_size(indicator_chart(section(), year=2024, fmt="png", dpi=dpi))
        assert abs(width - CHART_WIDTH_CM / 2.54 * dpi) <= 1
        assert abs(height - CHART_HEIGHT_CM / 2.54 * dpi) <= 1


def test_svg_parses_keeps_text_as_paths_and_names_the_chart():
    data = render(section(), "svg")
    root = svg_root(data)
    text = data.decode("utf-8")
    ns = "{http://www.w3.org/2000/svg}"
    # Glyphs are paths (svg.fonttype "path"): the HTML report needs no font on the reader's
    # machine. Each text is kept in a comment, and the indicator's name is the SVG title.
    assert root.find(f".//{ns}text") is None
    assert root.find(f"{ns}title").text == "婴儿死亡率"
    for label in ("婴儿死亡率（‰）", "监测值", "预期进度", "目标（<4）", "基期值",
                  "趋势外推（95%区间）", "全国（2024年）"):
        assert f"<!-- {label} -->" in text.replace("&lt;", "<"), label
    assert "规划期内暂无监测值" not in text
    # Years on the x axis: whole years from the base year to the target year.
    assert [y for y in range(2020, 2026) if f"<!-- {y} -->" in text] == list(range(2020, 2026))


def test_svg_ids_are_unique_to_the_chart_so_charts_can_share_a_page():
    one = render(section(), "svg").decode("utf-8")
    two = render(section(target_id=8, name="5岁以下儿童死亡率"), "svg").decode("utf-8")
    ids_one = set(re.findall(r'\bid="([^"]+)"', one))
    ids_two = set(re.findall(r'\bid="([^"]+)"', two))
    assert ids_one and ids_two and not ids_one & ids_two
    for svg, ids in ((one, ids_one), (two, ids_two)):
        refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
        assert refs and refs <= ids  # every reference resolves inside its own chart


def test_same_input_same_bytes():
    for fmt in ("png", "svg"):
        assert indicator_chart(section(), year=2024, fmt=fmt) == \
            indicator_chart(section(), year=2024, fmt=fmt)
    assert indicator_chart(section(), year=2024) != indicator_chart(section(), year=2023)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="png 或 svg"):
        indicator_chart(section(), year=2024, fmt="pdf")


# --------------------------------------------------------------------------- shapes of data


def labels(s: IndicatorSection, year: int = 2024) -> str:
    return render(s, "svg", year).decode("utf-8").replace("&lt;", "<")


@pytest.mark.parametrize("changes", [
    {},
    {"baseline_value": None},  # no baseline: no path, no 基期值
    {"threshold": None, "target_text": "同比例提高", "verdict": "needs_judgement",
     "projection_value": None, "projection_margin": None},
    {"observations": [Point(2020, 2.57, TEST_SOURCE)], "projection_value": None,
     "projection_margin": None, "benchmark": None},  # the baseline year only
    {"observations": [], "baseline_value": None, "projection_value": None,
     "projection_margin": None, "benchmark": None},  # nothing but the target
    {"observations": [], "baseline_value": None, "threshold": None, "target_text": "",
     "projection_value": None, "projection_margin": None, "benchmark": None},  # nothing
    {"projection_margin": None},  # a projection from two points: no margin
    {"unit": "", "name": "因心脑血管疾病、癌症、慢性呼吸系统疾病和糖尿病导致的过早死亡率"
                         "（30—70岁人群）及其他很长很长的指标名称"},
    {"observations": [Point(2020, 0.0, TEST_SOURCE), Point(2021, 0.0, TEST_SOURCE)],
     "baseline_value": 0.0, "threshold": 7.0, "target_text": "≤7"},  # all zero
    {"observations": [Point(y, 120000 + 5000 * k, TEST_SOURCE)
                      for k, y in enumerate(range(2016, 2025))], "base_year": 2015,
     "target_year": 2030, "baseline_value": 118000.0, "threshold": 200000.0,
     "target_text": "≥20万"},  # large numbers over a long period
])
def test_every_shape_of_data_renders(changes):
    s = section(**changes)
    png_size(render(s, "png"))
    svg_root(render(s, "svg"))


def test_what_each_case_shows():
    full = labels(section())
    assert "基期值" in full and "预期进度" in full and "趋势外推" in full

    no_baseline = labels(section(baseline_value=None))
    assert "基期值" not in no_baseline and "预期进度" not in no_baseline
    assert "监测值" in no_baseline

    judgement = labels(section(threshold=None, target_text="同比例提高",
                               projection_value=None, projection_margin=None))
    assert "目标" not in judgement and "趋势外推" not in judgement

    only_base = labels(section(observations=[Point(2020, 2.57, TEST_SOURCE)],
                               projection_value=None, projection_margin=None))
    assert "规划期内暂无监测值" in only_base

    two_points = labels(section(projection_margin=None))
    assert "<!-- 趋势外推 -->" in two_points  # no 95% interval without a margin

    # Observations after the report year are left out.
    assert "<!-- 2.8 -->" in labels(section(), year=2023)  # the latest label is 2023's


def test_a_range_target_is_drawn_as_a_band():
    s = section(name="出生人口性别比", unit="", target_text="103-107", rule="103–107",
                baseline_value=104.0, threshold=104.0,
                observations=[Point(2020, 104.0, TEST_SOURCE), Point(2021, 106.2, TEST_SOURCE),
                              Point(2022, 107.5, TEST_SOURCE), Point(2023, 108.1, TEST_SOURCE)],
                projection_value=111.2, projection_margin=4.7, benchmark=None)
    text = labels(s)
    assert "<!-- 目标区间（103–107） -->" in text
    assert "<!-- 目标（" not in text


# --------------------------------------------------------------------------- from the database


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_charts_for_demo_reports(db):
    """Every indicator of plan 1 (final report) and of 江阴市 with four test observations of
    婴儿死亡率 (a projection): valid PNG, and fast enough for a report of 30 charts."""
    from healthplan.store.models import Plan, Region
    from healthplan.store.observations import NewObservation, record

    build_demo(db, None)
    with db.session() as session:
        plan = session.scalars(select(Plan).join(Region).where(Region.name == "江阴市")).one()
        plan_id = plan.id
        record(session, [NewObservation(plan.region_id, "infant_mortality", year, value,
                                        TEST_SOURCE, unit="‰")
                         for year, value in ((2021, 2.9), (2022, 2.7), (2023, 2.8), (2024, 2.5))],
               user_id=None)
    with db.session() as session:
        final = build_report(session, 1, "final")
        annual = build_report(session, plan_id, "annual", 2024)

    infant = next(s for s in annual.indicators if s.indicator_id == "infant_mortality")
    assert [p.year for p in infant.observations] == [2020, 2021, 2022, 2023, 2024]
    assert infant.projection_value is not None
    text = labels(infant)
    assert "趋势外推" in text and "监测值" in text and "全国（2024年）" in text

    sections = final.indicators + annual.indicators
    start = time.perf_counter()
    for s in sections:
        png_size(render(s, "png", year=final.year if s in final.indicators else annual.year))
    per_chart = (time.perf_counter() - start) / len(sections)
    # ~0.07 s on a slow shared machine; a generous bound that still catches a regression
    # such as a layout engine (×2) or a figure leaked per call.
    assert per_chart < 0.5, f"{per_chart:.3f} s per chart"


# --------------------------------------------------------------------------- many charts at once


def test_charts_drawn_by_forked_workers_are_the_charts_drawn_here():
    """start_charts hands the charts to forked workers (two cores or more) while the caller
    goes on; what comes back is, in order, what indicator_chart draws in this process."""
    sections = [section(target_id=k, name=f"婴儿死亡率{k}", baseline_value=2.5 + k / 10)
                for k in range(9)]
    for fmt in ("png", "svg"):
        expected = [indicator_chart(s, year=2024, fmt=fmt) for s in sections]
        job = start_charts(sections, year=2024, fmt=fmt)
        assert job.result() == expected
        assert job.result() == expected  # collected once, kept
        assert indicator_charts(sections, year=2024, fmt=fmt) == expected
    with pytest.raises(ValueError, match="png 或 svg"):
        start_charts(sections, year=2024, fmt="pdf")


WORKERS_SCRIPT = """
import os, sys
from dataclasses import replace
sys.path.insert(0, {tests!r})
from reports.test_report_charts import section
from healthplan.reports import charts

sections = [section(target_id=k, name=f"指标{{k}}") for k in range(7)]
started = charts.start_chart_workers("png")
assert started == ((os.cpu_count() or 1) >= 2), started
expected = [charts.indicator_chart(s, year=2024) for s in sections]
assert charts.indicator_charts(sections, year=2024) == expected
assert charts.indicator_charts(sections, year=2024, fmt="svg") == [
    charts.indicator_chart(s, year=2024, fmt="svg") for s in sections]
# A chart that fails in a worker fails here, with its own error, and the workers go on.
broken = replace(sections[3], observations=[replace(sections[3].observations[0], value="x")])
try:
    charts.indicator_chart(broken, year=2024)
except Exception as exc:
    here = exc
try:
    charts.indicator_charts([*sections[:3], broken], year=2024)
except Exception as exc:
    assert type(exc) is type(here) and str(exc) == str(here), (exc, here)
else:
    raise AssertionError("no error")
assert charts.indicator_charts(sections, year=2024) == expected
if started:  # a worker that dies: the charts are drawn here instead
    charts._server._process.kill()
    charts._server._process.join()
    assert charts.indicator_charts(sections, year=2024) == expected
print("ok")
"""


def test_workers_started_early_draw_the_same_charts_and_end_with_the_process():
    """start_chart_workers (what `healthplan report` calls first): the charts are the same,
    errors reach the caller, a dead worker costs nothing but time, and the process exits
    without waiting for the workers (a timeout here would mean it hangs)."""
    import subprocess
    import sys
    from pathlib import Path

    tests = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run([sys.executable, "-c", WORKERS_SCRIPT.format(tests=tests)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
