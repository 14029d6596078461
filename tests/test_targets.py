"""Target text → Rule, and Rule.check → Verdict (healthplan.targets).

The 143 targets of the five sample plans (../shared/gold/indicator_rows.csv) each parse to
the kind in EXPECTED below. The directions there are this test's own hand assignment (the
catalogue will supply them in the product): mortality, smoking, myopia, length of stay,
antibiotic intensity, out-of-pocket share, salt, infection and incidence rates are lower is
better; the sex ratio at birth is a range; everything else is higher is better.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from healthplan.targets import (
    KINDS,
    MissingInput,
    Rule,
    parse_target,
    parse_value,
    read_value,
)

# document prefix, line_start, direction, expected kind  # name | target as printed
EXPECTED_TEXT = """
000  33 higher at_least        # 人均期望寿命 | 82.7
000  41 lower  at_most         # 孕产妇死亡率 | ≤10
000  48 lower  at_most         # 婴儿死亡率 | ≤5
000  55 lower  at_most         # 5岁以下儿童死亡率 | ≤5
000  62 higher at_least        # 以乡（镇、街道）（乡镇（街道 | ≥97
000  69 lower  at_most         # 肺结核发病率 | ≤30
000  76 lower  at_most         # 因心脑血管疾病、癌症、慢性呼 | ≤11
000  83 higher at_least        # 登记在册的严重精神障碍患者管 | ≥85
000  90 higher at_least        # 居民健康素养水平 | ≥24
000  97 higher at_least        # 农村无害化卫生户厕普及率 | 99
000 104 higher at_least        # 3岁以下儿童系统管理率 | ≥90
000 111 higher at_least        # 食品安全风险监测食品类别的覆 | 100
000 118 higher at_least        # 每千常住人口医疗卫生机构床位 | 6.22
000 126 higher at_least        # 每千常住人口执业（助理）医师 | ≥2.88
000 133 higher at_least        # 每千常住人口注册护士数 | 3.6
000 140 higher at_least        # 每万常住人口全科医生数 | ≥3.5
000 147 lower  approximately   # 个人卫生支出占卫生总费用的比 | 28左右
000 155 higher at_least        # 居民电子健康档案规范化建档管 | ≥80
000 162 higher at_least        # 县级以上医院面向基层远程医疗 | ≥70
000 203 higher at_least        # 人均预期寿命 | ≥83.5
000 211 higher proportional    # 健康预期寿命 | 同比例提高
000 218 lower  at_most         # 孕产妇死亡率 | ≤7
000 225 lower  approximately   # 婴儿死亡率 | 3左右
000 232 lower  approximately   # 5岁以下儿童死亡率 | 4左右
000 239 lower  less_than       # 重大慢性病过早死亡率 | <8.5
000 246 higher at_least        # 居民健康素养水平 | 37
000 254 lower  less_than       # 15岁以上人群吸烟率 | <21
000 261 higher at_least        # 每千常住人口医疗卫生机构床位 | 7.6
000 269 higher at_least        # 每千常住人口执业（助理）医师 | 3.9
000 276 higher at_least        # 其中：每千常住人口中医类别执 | 0.57
000 283 higher at_least        # 每千常住人口注册护士数 | 4.5
000 290 higher at_least        # 每千常住人口药师（士）数 | 0.54
000 297 higher at_least        # 每万常住人口全科医师数 | 4.5
000 304 higher at_least        # 每千常住人口公共卫生人员数 | 0.48
000 311 higher approximately   # 每千常住人口拥有3岁以下婴幼 | 4.5左右
000 318 lower  at_most         # 全市儿童青少年总体近视率 | ≤55
000 325 higher greater_than    # 65岁及以上老年人城乡社区规 | >72
000 332 higher at_least        # 基层医疗卫生机构诊疗量占总诊 | ≥60
000 339 higher at_least        # 二级以上公立综合性医院设置老 | ≥85
000 346 higher at_least        # 乡镇卫生院、社区卫生服务中心 | ≥35
000 353 lower  at_most         # 个人卫生支出占总费用的比重 | ≤22
001  66 higher at_least        # 人均预期寿命 | 83
001  75 lower  less_than       # 孕产妇死亡率 | <7
001  83 lower  less_than       # 婴儿死亡率 | <4
001  91 lower  less_than       # 5岁以下儿童死亡率 | <5
001  99 range  range           # 出生人口性别比 | 103-107
001 107 higher at_least        # 居民健康素养水平 | 36.5
001 116 lower  at_most         # 人均每日食盐摄入量 | ≤10
001 124 lower  less_than       # 15岁以上人群吸烟率 | <21
001 132 higher greater_than    # 适龄儿童免疫规划疫苗接种率 | >95
001 141 lower  no_target       # 艾滋病全人群感染率 | -
001 149 lower  at_most         # 肺结核报告发病率 | 28
001 157 lower  less_than       # 因心脑血管疾病、癌症、慢性呼 | <8.5
001 165 higher at_least        # 总体癌症5年生存率 | ≥44
001 173 lower  at_most         # 70岁及以下人群慢性呼吸系统 | ≤4.1
001 181 higher at_least        # 毎千人口床位数 | 7.6
001 189 higher at_least        # 毎千人口执业（助理）医师 | 3.9
001 197 higher at_least        # 每千人口注册护士数 | 4.5
001 205 higher at_least        # 毎万人口全科医生数 | 4.5
001 213 higher at_least        # 毎万人口公卫人数 | 1.7
001 221 higher at_least        # 孕产妇系统管理率 | ≥90
001 229 higher at_least        # 0-6岁儿童健康管理率 | ≥95
001 238 higher at_least        # 孕前优生检查目标人群覆盖率 | 100
001 246 higher at_least        # 0-6岁眼保健和视力检查覆盖 | ≥90
001 254 higher at_least        # 65岁以上老年人健康管理率 | ≥73
001 262 lower  at_most         # 三级医院平均住院日 | 7.7
001 270 lower  at_most         # 抗菌药物使用强度（CCDs） | 20
001 278 higher at_least        # 每千人3岁以下婴幼儿托位数 | 4.5
001 286 higher at_least        # 基层医疗机构诊疗量占总诊疗量 | 65
001 294 higher at_least        # 卫生院、社区卫生服务中心达到 | 30
001 302 higher at_least        # 国家卫生镇覆盖率 | 100
001 310 lower  at_most         # 个人卫生支出占卫生总费用比重 | 20
002 189 higher approximately   # 人均预期寿命 | 85 左右
002 190 higher proportional    # 健康预期寿命 | 同比例提高
002 191 lower  at_most         # 孕产妇死亡率 | ≤7
002 192 lower  at_most         # 婴儿死亡率 | ≤4
002 193 lower  at_most         # 5岁以下儿童死亡率 | ≤5
002 194 lower  at_most         # 重大慢性病过早死亡率 | ≤9.2
002 195 higher at_least        # 居民健康素养水平 | ≥40
002 196 lower  at_most         # 15岁以上人群吸烟率 | ≤20
002 197 higher at_least        # 国家卫生乡镇数量占比 | 100
002 198 higher at_least        # 每千常住人口医疗卫生机构床位 | 7.6
002 199 higher at_least        # 每千常住人口执业(助理)医师 | 3.9
002 200 higher at_least        # 每千常住人口中医类别执业(助 | 0.57
002 201 higher at_least        # 每千常住人口注册护士数 | 4.5
002 202 higher at_least        # 每千常住人口药师(士)数 | 0.54
002 205 higher at_least        # 每万常住人口全科医师数 | 4.5
002 206 higher relative_change # 每千常住人口公共卫生人员数 | 在2020年基础上增长50%
002 207 higher approximately   # 每千常住人口拥有3岁以下婴幼 | 4.5左右
002 208 lower  at_most         # 全区儿童青少年总体近视率 | ≤55
002 209 higher at_least        # 65岁及以上老年人城乡社区规 | ≥86
002 210 higher at_least        # 基层医疗卫生机构诊疗量占总诊 | 60
002 211 higher at_least        # 二级以上公立综合性医院设置老 | ≥85
002 212 higher at_least        # 乡镇卫生院、社区卫生服务中心 | 50
003  61 higher greater_than    # 人均预期寿命 | ＞78.2
003  66 lower  less_than       # 婴儿死亡率 | ＜5.2
003  71 lower  less_than       # 5岁以下儿童死亡率 | ＜6.6
003  76 lower  less_than       # 孕产妇死亡率 | ＜14.5
003  81 lower  less_than       # 重大慢性病过早死亡率 | ＜15
003  88 higher greater_than    # 居民健康素养水平 | ＞25
003  93 lower  at_most         # 15岁以上人群吸烟率 | 控制在20%以内
003 100 higher at_least        # 每千常住人口床位数 | 6.9
003 105 higher at_least        # 每千常住人口执业（助理）医师 | 2.9
003 110 higher at_least        # 每千常住人口注册护士数 | 3.1
003 115 higher at_least        # 每万人口全科医师数 | 3.93
003 120 higher at_least        # 每万人口公共卫生人员数 | 8.3
003 125 higher at_least        # 每千人口3岁以下婴幼儿托位数 | 3.4
003 132 higher greater_than    # 孕产妇系统管理率和3岁以下儿 | >85
003 137 higher at_least        # 产前筛查率 | ≥70
003 142 lower  yearly_change   # 儿童青少年总体近视率 | 力争每年降低1个百分点以上
003 147 higher at_least        # 65岁及以上老年人城乡社区规 | ≥70
003 152 higher greater_than    # 以乡（镇、街道）为单位适龄儿 | >90
003 157 lower  less_than       # 艾滋病全人群感染率 | <0.17
003 162 higher at_least        # 高血压、2型糖尿病患者基层规 | ≥70
003 167 higher at_least        # 社区在册居家严重精神障碍患者 | 90
003 172 higher at_least        # 工作场所职业病危害因素监测合 | 85
003 177 higher all_at_least    # 乡镇卫生院、社区卫生服务中心 | 全部达到100
003 182 lower  less_than       # 抗菌药物使用强度 | <40
003 189 lower  at_most         # 个人卫生支出占卫生总费用比例 | 26.5
004  73 higher approximately   # 人均预期寿命 | 80左右
004  81 higher proportional    # 健康预期寿命 | 同比例提高
004  91 lower  at_most         # 孕产妇死亡率 | ≤7
004  99 lower  at_most         # 婴儿死亡率 | ≤4
004 107 lower  at_most         # 5岁以下儿童死亡率 | ≤5
004 115 lower  at_most         # 重大慢性病过早死亡率 | ≤9.6
004 123 higher at_least        # 居民健康素养水平 | ≥36
004 131 lower  at_most         # 15岁以上人群吸烟率 | ≤21
004 139 higher at_least        # 国家卫生乡镇数量占比 | 95
004 147 higher at_least        # 每千人医疗卫生机构床位数 | 7.6
004 155 higher at_least        # 每千人口执业（助理）医师数 | 3.9
004 163 higher at_least        # 其中：每千人口中医类别执业（ | 0.57
004 171 higher at_least        # 每千人口注册护士数 | 4.5
004 179 higher at_least        # 每千人口药师（士）数 | 0.54
004 187 higher at_least        # 每万人口全科医师数 | 4.5
004 195 higher at_least        # 每千人口公共卫生人员数 | 0.68
004 203 higher at_least        # 每千人口拥有3岁以下婴幼儿托 | 4.5
004 211 lower  at_most         # 全市儿童青少年总体近视率 | 55
004 219 higher at_least        # 65岁及以上老年人城乡社区规 | ≥75
004 227 higher at_least        # 基层医疗卫生机构诊疗量占总诊 | ≥70
004 235 higher at_least        # 二级以上公立综合性医院设置老 | ≥90
004 244 higher at_least        # 乡镇卫生院、社区卫生服务中心 | 30
004 252 lower  approximately   # 个人卫生支出占总费用的比重 | 24左右
004 260 higher approximately   # 健康服务业总规模年均增速 | 8.5左右
"""


def _expected() -> dict[tuple[str, int], tuple[str, str]]:
    out = {}
    for line in EXPECTED_TEXT.strip().splitlines():
        doc, start, direction, kind = line.split("#")[0].split()
        out[(doc, int(start))] = (direction, kind)
    return out


EXPECTED = _expected()

# The kind counts over the 143 rows (quoted in the README).
EXPECTED_COUNTS = {
    "at_least": 79,
    "at_most": 28,
    "less_than": 13,
    "approximately": 9,
    "greater_than": 6,
    "proportional": 3,
    "range": 1,
    "relative_change": 1,
    "yearly_change": 1,
    "all_at_least": 1,
    "no_target": 1,
}


def _year(s: str) -> int | None:
    return int(s) if s else None


def _rule_for(row: dict, direction: str | None) -> Rule:
    return parse_target(row["target"], direction=direction, unit=row["unit"],
                        baseline=row["baseline"], baseline_year=_year(row["baseline_year"]),
                        target_year=_year(row["target_year"]))


# --------------------------------------------------------------------------- the 143 rows


def test_expected_table_covers_every_gold_row(gold_rows):
    assert len(gold_rows) == 143
    keys = {(r["document"][:3], int(r["line_start"])) for r in gold_rows}
    assert keys == set(EXPECTED)


def test_every_gold_target_parses_to_its_expected_kind(gold_rows):
    wrong = []
    kinds: Counter[str] = Counter()
    for row in gold_rows:
        direction, kind = EXPECTED[(row["document"][:3], int(row["line_start"]))]
        rule = _rule_for(row, direction)
        kinds[rule.kind] += 1
        if rule.kind != kind:
            wrong.append((row["document"][:3], row["line_start"], row["target"], rule.kind, kind))
        assert json.loads(json.dumps(rule.to_json(), ensure_ascii=False))["kind"] == rule.kind
        assert Rule.from_json(rule.to_json()) == rule
    print("\nkinds over the 143 sample targets:", dict(kinds.most_common()))
    assert wrong == []
    assert dict(kinds) == EXPECTED_COUNTS
    assert sum(kinds.values()) == 143


def test_no_gold_target_needs_judgement_when_the_direction_is_known(gold_rows):
    for row in gold_rows:
        direction, _ = EXPECTED[(row["document"][:3], int(row["line_start"]))]
        assert _rule_for(row, direction).kind != "needs_judgement", row


def test_without_a_direction_only_bare_numbers_need_judgement(gold_rows):
    for row in gold_rows:
        direction, _ = EXPECTED[(row["document"][:3], int(row["line_start"]))]
        with_dir = _rule_for(row, direction)
        without = _rule_for(row, None)
        if with_dir.basis == "bare":
            assert without.kind == "needs_judgement"
            assert "方向" in without.reason
        elif with_dir.kind != "approximately":
            assert without.kind == with_dir.kind, row


def test_every_gold_baseline_reads(gold_rows):
    for row in gold_rows:
        text = row["baseline"]
        parsed = read_value(text)
        if text.strip() in ("", "-", "——"):
            assert parsed.value is None and parsed.values == ()
        else:
            assert parsed.values, text


def test_wuxi_13th_plan_completion_is_19_of_19_achieved(gold_rows):
    """无锡市 表1: the 2020 actual (printed as the baseline) against each 2020 target."""
    rows = [r for r in gold_rows if r["document"].startswith("000") and "十三五" in r["table"]]
    assert len(rows) == 19
    verdicts = []
    for row in rows:
        direction, _ = EXPECTED[("000", int(row["line_start"]))]
        rule = parse_target(row["target"], direction=direction, unit=row["unit"],
                            target_year=2020)
        verdicts.append(rule.check(parse_value(row["baseline"]), year=2020))
    assert [v.verdict for v in verdicts] == ["achieved"] * 19
    assert all(v.explanation.startswith("2020年目标为") for v in verdicts)
    # 个人卫生支出 28左右, actual 23: lower is better, so better than the target counts.
    oop = verdicts[16]
    assert oop.explanation == ("2020年目标为28%左右（允许±1.4个百分点），实际23%，"
                               "已达到目标（优于目标5个百分点）。")


# --------------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("text", "kwargs", "kind", "threshold"),
    [
        ("≥83.5", {}, "at_least", 83.5),
        ("≤7", {}, "at_most", 7),
        ("<8.5", {}, "less_than", 8.5),
        ("＞78.2", {}, "greater_than", 78.2),
        ("＜5.2", {}, "less_than", 5.2),
        ("37", {"direction": "higher"}, "at_least", 37),
        ("7.6", {"direction": "higher"}, "at_least", 7.6),
        ("55", {"direction": "lower"}, "at_most", 55),
        ("控制在20%以内", {"unit": "%"}, "at_most", 20),
        ("70以上", {}, "at_least", 70),
        ("不低于90", {}, "at_least", 90),
        ("不超过30", {}, "at_most", 30),
        ("3左右", {"direction": "lower"}, "approximately", 3),
        ("全部达到100", {}, "all_at_least", 100),
        ("在2020年基础上增长50%", {"baseline": 0.48}, "relative_change", 0.72),
        ("降低15%", {"baseline": 20}, "relative_change", 17),
        ("提高1岁左右", {"baseline": 77.84, "unit": "岁"}, "relative_change", 78.84),
        ("力争每年降低1个百分点以上",
         {"baseline": 62.7, "baseline_year": 2020, "target_year": 2025}, "yearly_change", 57.7),
        ("103-107", {"direction": "range"}, "range", None),
        ("——", {}, "no_target", None),
    ],
)
def test_thresholds(text, kwargs, kind, threshold):
    rule = parse_target(text, **kwargs)
    assert rule.kind == kind
    got = rule.threshold()
    if threshold is None:
        assert got is None
    else:
        assert got == pytest.approx(threshold, abs=1e-9)


def test_range_bounds_and_tolerances():
    r = parse_target("103-107")
    assert (r.low, r.high) == (103, 107)
    assert parse_target("3左右").tolerance == pytest.approx(0.15)
    assert parse_target("28左右", unit="%").tolerance == pytest.approx(1.4)
    assert parse_target("4.5左右").tolerance == pytest.approx(0.225)
    # life expectancy: 5% of 85 would be 4.25 years; a tolerance in 岁 is capped at 0.5
    assert parse_target("85 左右", unit="岁").tolerance == 0.5
    assert parse_target("80左右", unit="岁", tolerance=0.2).tolerance == 0.2
    assert parse_target("约60").kind == "approximately"


def test_yearly_bar_for_every_year_between_base_and_target():
    rule = parse_target("力争每年降低1个百分点以上", direction="lower", unit="%",
                        baseline=62.7, baseline_year=2020, target_year=2025)
    assert rule.aspirational and rule.change == -1 and rule.change_unit == "absolute"
    bars = [rule.threshold(year=y) for y in range(2020, 2026)]
    assert bars == pytest.approx([62.7, 61.7, 60.7, 59.7, 58.7, 57.7])
    assert rule.threshold(year=2030) == pytest.approx(57.7)  # the bar stops at the target year
    with pytest.raises(ValueError, match="早于基期"):
        rule.threshold(year=2019)
    assert rule.threshold(baseline=50, year=2022) == pytest.approx(48)


def test_yearly_percentage_compounds():
    rule = parse_target("年均增长10%", baseline=100, baseline_year=2020, target_year=2025)
    assert rule.kind == "yearly_change" and rule.change_unit == "percent"
    assert rule.threshold(year=2022) == pytest.approx(121)
    assert rule.check(125, year=2022).verdict == "achieved"


def test_relative_forms():
    assert parse_target("增长50%以上", baseline=2).threshold() == pytest.approx(3)
    inc = parse_target("增长10%以内", baseline=100)
    assert inc.comparator == "at_most" and inc.check(105).met is True
    dec = parse_target("降低1个百分点", unit="%", baseline=30)
    assert dec.change_unit == "absolute" and dec.threshold() == pytest.approx(29)
    assert dec.comparator == "at_most"
    assert parse_target("翻一番", baseline=3).threshold() == pytest.approx(6)
    assert parse_target("较2020年下降10%", baseline=50).baseline_year == 2020
    conflict = parse_target("在2019年基础上增长5%", baseline_year=2020)
    assert conflict.kind == "needs_judgement" and "2019" in conflict.reason


# --------------------------------------------------------------------------- parse_value


@pytest.mark.parametrize(
    ("text", "value", "bound"),
    [
        ("82.40", 82.4, None),
        ("21%", 21, None),
        ("——", None, None),
        ("-", None, None),
        ("", None, None),
        ("70以上", 70, "at_least"),
        (">90", 90, "greater_than"),
        ("85左右", 85, "approximately"),
        ("１２．５", 12.5, None),
        ("1,234.5", 1234.5, None),
        ("abc", None, None),
    ],
)
def test_parse_value(text, value, bound):
    assert parse_value(text) == value
    assert read_value(text).bound == bound


def test_read_value_of_a_list():
    parsed = read_value("100、100、98.5、100")
    assert parsed.value is None and parsed.values == (100, 100, 98.5, 100)
    assert parse_value("100、100、98.5、100") is None
    assert read_value("21%").unit == "%"


# --------------------------------------------------------------------------- forms


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "no_target"),
        ("-", "no_target"),
        ("——", "no_target"),
        ("—", "no_target"),
        ("  ", "no_target"),
        ("≥ 83.5", "at_least"),
        (">=60", "at_least"),
        ("X以内", "needs_judgement"),
        ("5以内", "at_most"),
        ("5以下", "at_most"),
        ("60%及以上", "at_least"),
        ("低于10", "less_than"),
        ("超过90", "greater_than"),
        ("降至5", "at_most"),
        ("提高到80", "at_least"),
        ("2025年达到80", "at_least"),
        ("同比例提高", "proportional"),
        ("与人均预期寿命同比例提高", "proportional"),
        ("100、100、98.5、100", "all_at_least"),
        ("逐步提高", "needs_judgement"),
        ("≥80左右", "needs_judgement"),
        ("达到国家标准", "needs_judgement"),
        ("10个百分点", "needs_judgement"),
    ],
)
def test_forms(text, kind):
    assert parse_target(text, direction="higher").kind == kind


def test_needs_judgement_always_has_a_reason():
    for text in ("逐步提高", "≥80左右", "一二三", "≥", "1、2、x", "5%~", "降低-5%"):
        rule = parse_target(text, direction="higher")
        assert rule.kind == "needs_judgement", text
        assert rule.reason and "内部错误" not in rule.reason


def test_list_target_without_a_higher_direction_needs_judgement():
    rule = parse_target("100、100、98.5、100", direction="lower")
    assert rule.kind == "needs_judgement" and "4个目标值" in rule.reason


def test_units_in_the_target_are_stripped_and_compared():
    rule = parse_target("控制在20%以内", unit="%")
    assert (rule.kind, rule.value, rule.unit) == ("at_most", 20, "%")
    assert parse_target("21%", direction="lower").unit == "%"
    clash = parse_target("20‰", unit="%", direction="lower")
    assert clash.kind == "needs_judgement" and "不一致" in clash.reason
    assert parse_target("≤7/10万", unit="1/10万").kind == "at_most"
    assert parse_target("提高1岁", unit="%").kind == "needs_judgement"
    # a relative 50% is a change, not the row's unit
    assert parse_target("在2020年基础上增长50%", unit="人").kind == "relative_change"


def test_proportional_names_what_is_missing():
    rule = parse_target("同比例提高", unit="岁", target_year=2025, baseline=70)
    v = rule.check(71)
    assert v.verdict == "needs_judgement" and v.met is None
    assert "基期值和同年实际值" in v.explanation
    v = rule.check(71, reference=(80, 81))  # the reference rose by 1.25%
    assert v.threshold == pytest.approx(70.875) and v.verdict == "achieved"
    named = parse_target("与人均预期寿命同比例提高")
    assert named.reference == "人均预期寿命"
    assert "人均预期寿命" in named.check(1, baseline=1).explanation


def test_rule_json_round_trip_and_bad_kind():
    rule = parse_target("提高1岁左右", unit="岁", baseline=77.84, baseline_year=2020,
                        target_year=2025)
    data = rule.to_json()
    assert data["kind"] == "relative_change" and data["change"] == 1
    assert Rule.from_json(json.loads(json.dumps(data))) == rule
    with pytest.raises(ValueError, match="未知的规则类型"):
        Rule.from_json({"kind": "maybe", "text": "x"})
    assert set(KINDS) >= {data["kind"]}


# --------------------------------------------------------------------------- check


def test_check_at_least_explanation():
    rule = parse_target("≥83.5", unit="岁", target_year=2025)
    v = rule.check(83.7)
    assert (v.met, v.verdict, v.threshold) == (True, "achieved", 83.5)
    assert v.gap == pytest.approx(0.2)
    assert v.explanation == "2025年目标为≥83.5岁，实际83.7岁，已达到目标（高出0.2岁）。"
    v = rule.check(83.2, year=2023)
    assert v.verdict == "not_achieved"
    assert v.explanation == "2025年目标为≥83.5岁，2023年实际83.2岁，未达到目标（低0.3岁）。"


def test_check_at_most_and_strict():
    rule = parse_target("≤7", unit="/10万", target_year=2025)
    assert rule.check(7).verdict == "achieved"
    assert rule.check(7.01).verdict == "not_achieved"
    strict = parse_target("<8.5", unit="%")
    v = strict.check(8.5)
    assert v.verdict == "not_achieved" and "恰好等于目标值" in v.explanation
    assert strict.check(8.4).explanation == "目标为<8.5%，实际8.4%，已达到目标（低0.1个百分点）。"
    gt = parse_target("＞78.2", unit="岁")
    assert gt.check(78.2).met is False and gt.check(78.3).met is True


def test_check_bare_number_says_how_it_was_read():
    v = parse_target("37", direction="higher", unit="%", target_year=2025).check(36.2)
    assert v.explanation == ("2025年目标为37%（指标越高越好，按≥37%判断），实际36.2%，"
                             "未达到目标（低0.8个百分点）。")


def test_check_approximately():
    rule = parse_target("3左右", direction="lower", unit="‰")
    v = rule.check(3.4)
    assert v.verdict == "not_achieved" and v.threshold == pytest.approx(3.15)
    assert v.gap == pytest.approx(0.25)
    assert v.explanation == "目标为3‰左右（允许±0.15‰），实际3.4‰，未达到目标（高出允许上限0.25‰）。"
    assert rule.check(3.1).explanation.endswith("已达到目标（在允许范围内）。")
    assert rule.check(2.5).explanation.endswith("已达到目标（优于目标0.5‰）。")
    symmetric = parse_target("3左右", unit="‰")
    assert symmetric.check(2.5).verdict == "not_achieved"
    assert symmetric.check(2.9).verdict == "achieved"


def test_check_range():
    rule = parse_target("103-107", direction="range")
    assert rule.check(103).met and rule.check(107).met
    v = rule.check(108)
    assert v.verdict == "not_achieved" and v.threshold == 107 and v.gap == pytest.approx(1)
    assert v.explanation == "目标为103–107，实际108，未达到目标（高出上限1）。"
    assert rule.check(105).gap == 0
    assert parse_target("105", direction="range").kind == "approximately"


def test_check_relative_change():
    rule = parse_target("在2020年基础上增长50%", unit="人", baseline=0.48, target_year=2025)
    v = rule.check(0.75)
    assert v.verdict == "achieved" and v.threshold == pytest.approx(0.72)
    assert v.explanation == ("2025年目标为在2020年基础上增长50%（以2020年0.48人为基数，即≥0.72人），"
                             "实际0.75人，已达到目标（高出0.03人）。")
    # the baseline may come at check time instead
    bare = parse_target("在2020年基础上增长50%", unit="人")
    assert bare.check(0.75, baseline=0.5).verdict == "achieved"
    missing = bare.check(0.75)
    assert missing.verdict == "needs_judgement" and "缺少2020年基期值" in missing.explanation


def test_check_relative_approximately_better_counts():
    rule = parse_target("提高1岁左右", direction="higher", unit="岁", baseline=77.84,
                        baseline_year=2020, target_year=2025)
    assert rule.check(78.8).verdict == "achieved"   # within −0.05岁
    assert rule.check(80).verdict == "achieved"     # better than the target
    assert rule.check(78.7).verdict == "not_achieved"


def test_check_yearly():
    rule = parse_target("力争每年降低1个百分点以上", direction="lower", unit="%",
                        baseline=62.7, baseline_year=2020, target_year=2025)
    v = rule.check(58, year=2023)
    assert v.verdict == "achieved" and v.threshold == pytest.approx(59.7)
    assert v.explanation == ("目标为力争每年降低1个百分点以上（以2020年62.7%为基数，2023年应≤59.7%），"
                             "2023年实际58%，已达到目标（低1.7个百分点）。")
    assert rule.check(58, year=2025).verdict == "not_achieved"
    no_base = parse_target("力争每年降低1个百分点以上", direction="lower", unit="%",
                           baseline_year=2020, target_year=2025)
    assert no_base.check(58, year=2023).verdict == "needs_judgement"


def test_check_all_at_least():
    rule = parse_target("全部达到100", unit="%", target_year=2025)
    v = rule.check([100, 100, 98.5, 100])
    assert v.verdict == "not_achieved" and v.gap == pytest.approx(-1.5)
    assert v.explanation == ("2025年目标为全部达到100（各项均应≥100%），实际100%、100%、98.5%、100%，"
                             "未达到目标（1项未达到，最低98.5%，低1.5个百分点）。")
    assert rule.check("100、100、100、100").verdict == "achieved"
    assert rule.check(100).verdict == "achieved"
    per_item = parse_target("100、100、98.5、100", direction="higher")
    assert per_item.check([100, 100, 99, 100]).met is True
    with pytest.raises(ValueError, match="4个分项"):
        per_item.check([100, 100])


def test_check_no_target_and_needs_judgement_never_pass():
    v = parse_target("——").check(3)
    assert (v.met, v.verdict) == (None, "no_target")
    assert "未设定目标值" in v.explanation
    v = parse_target("逐步提高").check(3)
    assert (v.met, v.verdict) == (None, "needs_judgement")
    assert "需人工研判" in v.explanation


@pytest.mark.parametrize("bad", ["abc", "", None, float("nan"), float("inf"), -float("inf"),
                                 True, "70以上", object()])
def test_check_refuses_a_value_that_is_not_a_number(bad):
    with pytest.raises(ValueError, match="监测值"):
        parse_target("≥1").check(bad)


def test_check_accepts_a_numeric_string():
    assert parse_target("≥1").check("1.5").met is True


def test_check_refuses_a_percentage_in_the_wrong_scale():
    rule = parse_target("≥37", unit="%")
    with pytest.raises(ValueError, match="疑似单位错误"):
        rule.check(0.37)
    with pytest.raises(ValueError, match="疑似单位错误"):
        rule.check(3700)
    assert rule.check(0.37, check_scale=False).verdict == "not_achieved"
    assert parse_target("<0.17", unit="%").check(0.15).met is True
    assert parse_target("100", unit="%", direction="higher").check(0).met is False


def test_bad_keyword_arguments():
    with pytest.raises(ValueError, match="direction"):
        parse_target("37", direction="up")
    with pytest.raises(ValueError, match="基期值"):
        parse_target("增长5%", baseline=float("nan"))
    rule = parse_target("增长5%")
    with pytest.raises(MissingInput):
        rule.threshold()
    with pytest.raises(ValueError, match="基期值"):
        rule.check(1, baseline=float("inf"))


def test_verdict_to_json():
    data = parse_target("≥1").check(2).to_json()
    assert data["verdict"] == "achieved" and data["met"] is True
    json.dumps(data, ensure_ascii=False)


def test_notes_flag_what_an_officer_should_look_at():
    assert parse_target("≥7", direction="lower").notes  # comparator against the direction
    assert not parse_target("≤7", direction="lower").notes
    assert "相对变化" in parse_target("降低15%", unit="%").notes[0]
    assert "颠倒" in parse_target("107-103").notes[0]
