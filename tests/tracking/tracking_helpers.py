"""Shared by the tracking tests: the sample plan, the test source label, a fixed clock."""

from __future__ import annotations

from datetime import date

from healthplan.samples import sample_paths

WUXI = sample_paths()[0]
TEST_SOURCE = "测试数据（非真实，仅用于自动化测试）"
TODAY = date(2026, 6, 30)  # the clock the store is given: 2021–2025 are all past years


def response_time_number(plan) -> int:
    """The position of the first 急救平均反应时间≤12分钟 of the plan."""
    return next(c.position for c in plan.commitments if c.text == "急救平均反应时间≤12分钟")
