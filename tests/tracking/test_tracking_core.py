"""Commitments as rules and the verdicts of tracked items (the core, no database)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

import pytest

from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths
from healthplan.tracking import (
    STATUSES,
    ProgressPoint,
    commitment_rule,
    commitment_verdict,
    parse_status,
    status_verdict,
)


@dataclass(frozen=True)
class C:
    """A commitment as the extractor gives it."""

    text: str
    subject: str
    value: str
    unit: str
    comparator: str
    year: int | None = None


def rule_of(*args, **kw):
    return commitment_rule(C(*args, **kw), target_year=2025)


@cache
def sample_commitments() -> dict[str, list]:
    out = {}
    for path in sample_paths():
        extracted = extract_plan(read_document(str(path)))
        out[extracted.document.region] = (extracted.commitments, extracted.document.period.end)
    return out


# --------------------------------------------------------------------------- rules


def test_the_issue_examples_become_rules():
    response = rule_of("急救平均反应时间≤12分钟", "急救平均反应时间", "12", "分钟", "<=")
    assert (response.rule.kind, response.rule.value, response.direction) == ("at_most", 12, "lower")
    assert response.describe() == "≤12分钟"
    emr = rule_of("二级以上医院全部达到电子病历系统应用水平分级评价4级以上",
                  "二级以上医院全部达到电子病历系统应用水平分级评价", "4", "级", ">=")
    assert (emr.rule.kind, emr.rule.value, emr.rule.unit) == ("at_least", 4, "级")
    ambulance = rule_of("监护型救护车每3万人口配备1辆", "监护型救护车", "1", "辆/3万人口", "per")
    assert (ambulance.rule.kind, ambulance.rule.value, ambulance.rule.unit) == (
        "at_least", 1, "辆/3万人口")
    assert "每3万人口不少于1辆" in ambulance.reading
    assert ambulance.rule.check(1.2).met and not ambulance.rule.check(0.8).met


def test_a_printed_number_is_read_by_its_verb_the_catalogue_or_its_unit():
    down = rule_of("重大慢病过早死亡率降低到9.6%", "重大慢病过早死亡率", "9.6", "%", "=")
    assert (down.rule.kind, down.direction) == ("at_most", "lower")
    assert "按≤9.6%判断" in down.describe() and "降低到" in down.reading
    catalogued = rule_of("严重精神障碍管理率达到95%", "严重精神障碍管理率", "95", "%", "=")
    assert (catalogued.rule.kind, catalogued.direction) == ("at_least", "higher")
    built = rule_of("建成病媒生物防制示范社区（村）300个", "病媒生物防制示范社区（村）", "300", "个", "=")
    assert (built.rule.kind, built.rule.value) == ("at_least", 300)
    capped = rule_of("住院费用控制在12000元", "住院费用", "12000", "元", "=")
    assert (capped.rule.kind, capped.direction) == ("at_most", "lower")


def test_a_range_of_things_to_build_is_a_floor_and_exceeding_it_is_no_failure():
    centres = rule_of("建成国家级区域医疗中心1—2个", "国家级区域医疗中心", "1-2", "个", "range")
    assert (centres.rule.kind, centres.rule.value) == ("at_least", 1)
    assert centres.rule.check(3).met and "超过上限也算达到" in centres.reading
    radius = rule_of("服务半径应为3—5公里", "服务半径", "3-5", "公里", "range")
    assert (radius.rule.kind, radius.rule.low, radius.rule.high) == ("range", 3, 5)


def test_what_the_machine_cannot_check_needs_judgement_with_the_reason():
    salt = rule_of("人均每日食盐摄入量降低15%", "人均每日食盐摄入量降低", "15", "%", "=")
    assert not salt.quantitative and "基期值" in salt.reason
    myopia = rule_of("儿童青少年总体近视率力争每年降低 0.5 个百分点以上", "儿童青少年总体近视率每年降低",
                     "0.5", "个百分点", ">=")
    assert not myopia.quantitative
    bare = rule_of("某某事项12", "某某事项", "12", "", "=")
    assert not bare.quantitative and "方向" in bare.reason
    assert bare.describe().startswith("需人工研判")


def test_a_promise_for_every_year_is_yearly():
    training = rule_of("每年培训卫生监督骨干50人", "每年培训卫生监督骨干", "50", "人", "=")
    assert training.yearly and training.quantitative and training.describe().startswith("每年")


# The counts in the README ("## Tracked commitments and projects").
SAMPLE_COUNTS = {  # region: (commitments, quantitative, needs judgement)
    "无锡市": (123, 123, 0),
    "江阴市": (55, 54, 1),
    "苏州市吴中区": (48, 47, 1),
    "埇桥区": (10, 10, 0),
    "连云港市": (85, 83, 2),
}


def test_every_sample_commitment_gets_a_rule_or_an_honest_judgement():
    counts = {}
    kinds = Counter()
    for region, (commitments, end) in sample_commitments().items():
        quantitative = 0
        for c in commitments:
            tracked = commitment_rule(c, target_year=end)
            kinds[tracked.rule.kind] += 1
            if tracked.quantitative:
                quantitative += 1
                assert tracked.direction in ("higher", "lower", None), c
                assert tracked.rule.target_year == (c.year or end)
            else:
                assert tracked.rule.kind == "needs_judgement" and tracked.reason, c
        counts[region] = (len(commitments), quantitative, len(commitments) - quantitative)
    assert counts == SAMPLE_COUNTS
    assert sum(n for n, _, _ in counts.values()) == 321
    assert kinds["needs_judgement"] == 4 and kinds["at_least"] > 250


def test_sample_commitments_check_the_value_a_clerk_would_record():
    """Every quantitative sample commitment accepts its own printed figure as met (the
    printed promise kept exactly), except the strict ones (<10分钟: 10 is not less)."""
    for commitments, end in sample_commitments().values():
        for c in commitments:
            tracked = commitment_rule(c, target_year=end)
            if not tracked.quantitative:
                continue
            rule = tracked.rule
            bar = rule.value if rule.value is not None else rule.low
            met = rule.check(bar).met
            assert met is (rule.kind not in ("greater_than", "less_than")), (c, rule)


# --------------------------------------------------------------------------- verdicts

RESPONSE = rule_of("急救平均反应时间≤12分钟", "急救平均反应时间", "12", "分钟", "<=")


def verdict(points, year, tracked=RESPONSE, target_year=2025):
    return commitment_verdict(tracked, [ProgressPoint(y, v, source="测试") for y, v in points],
                              year, period_start=2021, target_year=target_year)


def test_quantitative_commitment_verdicts_follow_the_indicator_rules():
    assert verdict([], 2023).verdict == "no_data"
    early = verdict([(2022, 11.5)], 2023)
    assert early.verdict == "achieved" and "已提前达到2025年目标" in early.explanation
    assert early.latest.value == 11.5 and early.latest.source == "测试"
    single = verdict([(2022, 14)], 2023)
    assert single.verdict == "at_risk" and "只有一个监测值" in single.explanation
    assert verdict([(2021, 15), (2022, 14), (2023, 13)], 2024).verdict == "at_risk"
    assert verdict([(2021, 15), (2022, 16), (2023, 17)], 2024).verdict == "off_track"
    assert verdict([(2024, 13), (2025, 11.8)], 2025).verdict == "achieved"
    final = verdict([(2024, 11), (2025, 12.5)], 2025)
    assert final.verdict == "not_achieved" and "12.5分钟" in final.explanation
    assert verdict([(2024, 13)], 2026).verdict == "not_achieved"  # latest when no target year


def test_the_reading_of_a_printed_number_is_in_the_explanation():
    down = rule_of("重大慢病过早死亡率降低到9.6%", "重大慢病过早死亡率", "9.6", "%", "=")
    v = verdict([(2023, 9.4)], 2023, tracked=down)
    assert v.verdict == "achieved" and "降低到" in v.explanation


def test_yearly_commitments_are_checked_year_by_year():
    training = rule_of("每年培训卫生监督骨干50人", "每年培训卫生监督骨干", "50", "人", "=")
    assert verdict([(2021, 52), (2022, 60)], 2022, training).verdict == "on_track"
    late = verdict([(2021, 52), (2022, 40)], 2022, training)
    assert late.verdict == "off_track" and late.missed_years == (2022,)
    assert verdict([(2021, 40), (2022, 60)], 2023, training).verdict == "at_risk"
    assert verdict([(y, 55) for y in range(2021, 2026)], 2025, training).verdict == "achieved"
    assert verdict([(2021, 40), (2025, 55)], 2025, training).verdict == "not_achieved"


def status(points, year, target_year=2025):
    return status_verdict([ProgressPoint(y, status=s, source="测试") for y, s in points], year,
                          period_start=2021, target_year=target_year)


@pytest.mark.parametrize(("points", "year", "expected"), [
    ([], 2023, "no_data"),
    ([(2021, "not_started")], 2021, "at_risk"),  # before the midterm year 2023
    ([(2021, "not_started")], 2023, "off_track"),  # from the midterm year on
    ([(2022, "in_progress")], 2023, "on_track"),  # up to the midterm year
    ([(2022, "in_progress")], 2024, "at_risk"),  # after it
    ([(2022, "stalled")], 2022, "off_track"),
    ([(2022, "completed")], 2022, "achieved"),
    ([(2022, "completed")], 2025, "achieved"),
    ([(2024, "in_progress")], 2025, "not_achieved"),  # the target year, not completed
    ([(2023, "cancelled")], 2024, "needs_judgement"),
    ([(2022, "in_progress"), (2024, "completed")], 2023, "on_track"),  # later entries unseen
])
def test_project_verdicts_by_status_and_period(points, year, expected):
    assert status(points, year).verdict == expected


def test_status_explanations_name_the_recorded_status_and_its_year():
    v = status([(2022, "in_progress")], 2024)
    assert "2022年记录的状态为“推进中”" in v.explanation and "2023—2024年无新记录" in v.explanation
    assert "中期（2023年）" in v.explanation and v.latest.year == 2022


def test_a_judgement_commitment_is_judged_by_its_recorded_status():
    salt = rule_of("人均每日食盐摄入量降低15%", "人均每日食盐摄入量降低", "15", "%", "=")
    assert commitment_verdict(salt, [], 2023, period_start=2021, target_year=2025).verdict == (
        "needs_judgement")
    done = commitment_verdict(salt, [ProgressPoint(2023, status="completed", source="测试")], 2023,
                              period_start=2021, target_year=2025)
    assert done.verdict == "achieved" and "该承诺已完成" in done.explanation


def test_statuses_are_read_from_codes_and_chinese_names():
    assert [parse_status(s) for s in STATUSES] == list(STATUSES)
    assert parse_status("推进中") == "in_progress" and parse_status(" 已完成 ") == "completed"
    with pytest.raises(ValueError, match="无法识别"):
        parse_status("差不多")
