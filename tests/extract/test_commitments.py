"""Body-text commitments: synthetic phrases with exact fields, noise that must
produce nothing, and a handful of commitments checked by hand in the real seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from healthplan.documents import read_document
from healthplan.documents.model import Document, lines_from_text
from healthplan.extract.commitments import Commitment, extract_commitments

PERIOD = (2021, 2025)


def extract(text: str, period: tuple[int, int] | None = PERIOD, skip=frozenset()) -> list[Commitment]:
    document = Document(path="x.txt", format="txt", lines=lines_from_text(text))
    return extract_commitments(document, skip, period)


def only(text: str, period: tuple[int, int] | None = PERIOD) -> Commitment:
    found = extract(text, period)
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------
# The example phrases, field by field


def test_symbol_comparator_in_numbered_list():
    assert only("1．急救平均反应时间≤12分钟；") == Commitment(
        line=1,
        sentence="1．急救平均反应时间≤12分钟",
        subject="急救平均反应时间",
        value="12",
        unit="分钟",
        comparator="<=",
        year=None,
        text="急救平均反应时间≤12分钟",
    )


def test_ratio_per_population():
    found = extract("卫生应急：监护型救护车每3万人口配备1辆，当班救护车每8万人1辆。")
    sentence = "卫生应急：监护型救护车每3万人口配备1辆，当班救护车每8万人1辆"
    assert found == [
        Commitment(1, sentence, "监护型救护车", "1", "辆/3万人口", "per", None, "监护型救护车每3万人口配备1辆"),
        Commitment(1, sentence, "当班救护车", "1", "辆/8万人", "per", None, "当班救护车每8万人1辆"),
    ]


def test_ratio_with_chinese_numeral():
    c = only("急救装备体系建设进一步完善，当班车数达到每8万人一辆。")
    assert (c.subject, c.value, c.unit, c.comparator, c.text) == (
        "当班车数", "1", "辆/8万人", "per", "当班车数达到每8万人一辆"
    )


def test_ratio_subject_after_the_unit():
    assert only("卫生健康监督基层执法队伍建设：落实每万名常住人口配备1名监督执法人员；组建督查队伍。") == Commitment(
        line=1,
        sentence="卫生健康监督基层执法队伍建设：落实每万名常住人口配备1名监督执法人员",
        subject="监督执法人员",
        value="1",
        unit="名/万名常住人口",
        comparator="per",
        year=None,
        text="每万名常住人口配备1名监督执法人员",
    )


def test_level_with_qualifier():
    assert only("二级以上医院电子病历系统应用水平分级评价4级以上。") == Commitment(
        line=1,
        sentence="二级以上医院电子病历系统应用水平分级评价4级以上",
        subject="二级以上医院电子病历系统应用水平分级评价",
        value="4",
        unit="级",
        comparator=">=",
        year=None,
        text="二级以上医院电子病历系统应用水平分级评价4级以上",
    )


def test_all_of_them_reach_a_level():
    found = extract("二级以上医院全部达到电子病历系统应用水平分级评价4级以上，其中市属医院全部达到5级以上。")
    assert [(c.subject, c.value, c.unit, c.comparator, c.text) for c in found] == [
        ("二级以上医院电子病历系统应用水平分级评价", "4", "级", ">=",
         "二级以上医院全部达到电子病历系统应用水平分级评价4级以上"),
        ("市属医院", "5", "级", ">=", "市属医院全部达到5级以上"),
    ]


def test_all_without_a_number_is_one_hundred_percent():
    assert only("“互联网+医疗健康”：市属医院及县（市、区）级医院全部设置互联网医院，推进互联网医院的实质化运营。") == Commitment(
        line=1,
        sentence="“互联网+医疗健康”：市属医院及县（市、区）级医院全部设置互联网医院，推进互联网医院的实质化运营",
        subject="市属医院及县（市、区）级医院设置互联网医院",
        value="100",
        unit="%",
        comparator="=",
        year=None,
        text="市属医院及县（市、区）级医院全部设置互联网医院",
    )


def test_leading_share_with_deadline():
    assert only("完善城乡基层医疗卫生服务体系建设：到2025年全市70%乡镇卫生院、社区卫生服务中心建成1个以上特色科室。") == Commitment(
        line=1,
        sentence="完善城乡基层医疗卫生服务体系建设：到2025年全市70%乡镇卫生院、社区卫生服务中心建成1个以上特色科室",
        subject="乡镇卫生院、社区卫生服务中心建成1个以上特色科室",
        value="70",
        unit="%",
        comparator="=",
        year=2025,
        text="70%乡镇卫生院、社区卫生服务中心建成1个以上特色科室",
    )


def test_listed_targets_with_dao_da():
    found = extract("中医药服务高峰行动：每千常住人口中医床位数达到1.1张、中医执业（助理）医师数达到0.57人。")
    assert [(c.subject, c.value, c.unit, c.comparator, c.text) for c in found] == [
        ("每千常住人口中医床位数", "1.1", "张", "=", "每千常住人口中医床位数达到1.1张"),
        ("中医执业（助理）医师数", "0.57", "人", "=", "中医执业（助理）医师数达到0.57人"),
    ]


def test_rate_with_da_and_yishang():
    assert only("——树立健康城市建设新示范。省级健康镇、健康村、健康社区建成率达60%以上。") == Commitment(
        line=1,
        sentence="省级健康镇、健康村、健康社区建成率达60%以上",
        subject="省级健康镇、健康村、健康社区建成率",
        value="60",
        unit="%",
        comparator=">=",
        year=None,
        text="省级健康镇、健康村、健康社区建成率达60%以上",
    )


def test_rate_with_symbol_inside_a_longer_sentence():
    c = only("2．急救网络站点布局进一步优化，急救站（点）标准化规范化建设达标率≥90%，涉农偏远地区站点设置消除空白；")
    assert (c.subject, c.value, c.unit, c.comparator, c.year, c.text) == (
        "急救站（点）标准化规范化建设达标率", "90", "%", ">=", None, "急救站（点）标准化规范化建设达标率≥90%"
    )


def test_count_of_hospitals_with_lizheng():
    found = extract("打造医疗高峰：到2025年，力争有1家综合医院进入全国百强医院，1—2家综合医院排名进入地级城市前列。")
    assert [(c.subject, c.value, c.unit, c.comparator, c.year, c.text) for c in found] == [
        ("综合医院进入全国百强医院", "1", "家", "=", 2025, "1家综合医院进入全国百强医院"),
        ("综合医院排名进入地级城市前列", "1—2", "家", "range", 2025, "1—2家综合医院排名进入地级城市前列"),
    ]


# --------------------------------------------------------------------------
# Other shapes


def test_verb_count_object_and_deadline_words():
    found = extract("规划异地新建市急救中心，配建8个标准化救护车洗消中心。“十四五”期间再增5家互联网医院。")
    assert [(c.subject, c.value, c.unit, c.comparator, c.year, c.text) for c in found] == [
        ("标准化救护车洗消中心", "8", "个", "=", None, "配建8个标准化救护车洗消中心"),
        ("互联网医院", "5", "家", "=", 2025, "再增5家互联网医院"),
    ]


def test_range_counts_and_approximate():
    found = extract("到2025年，遴选培养中医药领军（高端）人才3-5名、中青年中医药拔尖人才20名，引进各类医学专家团队50个左右。")
    assert [(c.subject, c.value, c.unit, c.comparator, c.year) for c in found] == [
        ("中医药领军（高端）人才", "3-5", "名", "range", 2025),
        ("中青年中医药拔尖人才", "20", "名", "=", 2025),
        ("各类医学专家团队", "50", "个", "approx", 2025),
    ]


def test_age_in_subject_is_not_the_target():
    c = only("到2025年，全市15岁以上人群吸烟率控制在21%以下。")
    assert (c.subject, c.value, c.unit, c.comparator, c.year, c.text) == (
        "15岁以上人群吸烟率", "21", "%", "<=", 2025, "15岁以上人群吸烟率控制在21%以下"
    )


def test_respectively_pairs_items():
    found = extract("到 2025 年，孕产妇死亡率、婴儿死亡率分别控制在 7/10 万、4.0‰ 及以下。")
    assert [(c.subject, c.value, c.unit, c.comparator, c.year) for c in found] == [
        ("孕产妇死亡率", "7", "/10万", "<=", 2025),
        ("婴儿死亡率", "4.0", "‰", "<=", 2025),
    ]
    assert found[0].text == "孕产妇死亡率、婴儿死亡率分别控制在 7/10 万、4.0‰ 及以下"


def test_respectively_with_mismatched_counts_is_dropped():
    assert extract("城市与乡村地区平均急救反应时间分别少于 11 分钟和15 分钟。") == []


def test_latex_left_over_from_pdf_keeps_printed_text():
    c = only("老年健康促进工程：区域健康服务机构合理配置率 $\\geq 98\\%$ ，健康老龄化服务推进。")
    assert (c.subject, c.value, c.unit, c.comparator) == ("区域健康服务机构合理配置率", "98", "%", ">=")
    assert c.text == "区域健康服务机构合理配置率 $\\geq 98\\%$"


def test_normalised_numbers_keep_printed_text_across_lines():
    # Full-width digits, spaces in and around numbers and thousands separators are read
    # as plain numbers; `text`, `sentence` and `line` still point at the print, also in
    # a sentence wrapped over two lines.
    text = (
        "到２０２５年，全市每千人口执业（助理）医师数达到　３．５　人，孕产妇系统管理率≥９０％。\n"
        "到2025年，全市家庭医生签约服务覆盖人数达到1,200,000人以上，重点人群签约服务覆盖率稳定在\n"
        "75%以上，居民健康素养水平达到 ３５ ％。"
    )
    found = extract(text)
    assert [(c.line, c.subject, c.value, c.unit, c.comparator, c.text) for c in found] == [
        (1, "每千人口执业（助理）医师数", "3.5", "人", "=", "每千人口执业（助理）医师数达到　３．５　人"),
        (1, "孕产妇系统管理率", "90", "%", ">=", "孕产妇系统管理率≥９０％"),
        (2, "家庭医生签约服务覆盖人数", "1200000", "人", ">=", "家庭医生签约服务覆盖人数达到1,200,000人以上"),
        (2, "重点人群签约服务覆盖率", "75", "%", ">=", "重点人群签约服务覆盖率稳定在75%以上"),
        (3, "居民健康素养水平", "35", "%", "=", "居民健康素养水平达到 ３５ ％"),
    ]
    assert found[0].sentence == "到２０２５年，全市每千人口执业（助理）医师数达到　３．５　人，孕产妇系统管理率≥９０％"
    assert found[4].sentence == (
        "到2025年，全市家庭医生签约服务覆盖人数达到1,200,000人以上，"
        "重点人群签约服务覆盖率稳定在75%以上，居民健康素养水平达到 ３５ ％"
    )


def test_relative_change_keeps_the_verb_in_the_subject():
    c = only("到2025年，儿童青少年总体近视率力争每年降低 0.5 个百分点以上。")
    assert (c.subject, c.value, c.unit, c.comparator) == ("儿童青少年总体近视率每年降低", "0.5", "个百分点", ">=")


def test_measure_named_in_the_previous_clause():
    c = only("不断提升工作场所职业病危害因素监测合格率，到2025年达到90%。")
    assert (c.subject, c.value, c.unit, c.comparator, c.year) == ("工作场所职业病危害因素监测合格率", "90", "%", "=", 2025)
    assert c.text == "工作场所职业病危害因素监测合格率，到2025年达到90%"


def test_sentence_wrapped_over_lines_is_joined():
    text = "推进基层人才队伍建设，优化基层医疗卫生机构人员结构。到 2025 年全区城乡\n\n每万服务人口配备 35 名基层卫生人员。"
    found = extract(text)
    assert [(c.line, c.subject, c.value, c.unit, c.comparator, c.year) for c in found] == [
        (3, "基层卫生人员", "35", "名/万服务人口", "per", 2025)
    ]


def test_plan_period_window_years():
    c = only("优化基层卫生资源配置：2021-2025年全市新建、改扩建、提档升级建设基层机构120家。")
    assert (c.value, c.unit, c.comparator, c.year) == ("120", "家", "=", 2025)


def test_skip_lines_are_honoured():
    text = "1．急救平均反应时间≤12分钟；\n2．急救站（点）标准化规范化建设达标率≥90%；"
    assert [c.line for c in extract(text)] == [1, 2]
    assert [c.line for c in extract(text, skip={1})] == [2]


def test_period_is_inferred_from_the_title():
    text = "某市“十四五”卫生健康发展规划\n“十四五”期间再增5家互联网医院。\n2020年，全市居民健康素养水平达到31.8%。"
    found = extract(text, period=None)
    assert [(c.line, c.value, c.year) for c in found] == [(2, "5", 2025)]


# --------------------------------------------------------------------------
# Not promises


@pytest.mark.parametrize(
    "text",
    [
        "截至2020年底，全市卫生机构数2952家、医疗机构实有床位51562张，较2015年分别增长31.61%、37.99%。",
        "2020年，全市居民人均期望寿命达83.19岁，婴儿死亡率为2.14‰。",
        "全市人均基本公共卫生服务经费从2015年的43元提高到2020年的99.6元。",
        "到2020年，全市居民健康素养水平达到24%。",
        "“十三五”期间，全市新增床位5000张，每千常住人口医疗卫生机构床位数增加2.12张。",
        "“十三五”以来，基本公共卫生服务经费从43元提高到99.6元。",
        "全市已建成省级健康镇20个、健康村184个，健康社区覆盖率达95%以上。",
        "吴政办〔2022〕35号",
        "2022年3月5日",
        "（2）完善疾病预防控制体系。",
        "1．坚持人民至上、生命至上。",
        "详见第三章和第5章，表1  无锡市主要指标。",
        "加强65岁及以上老年人健康管理，大力发展3岁以下婴幼儿照护服务，推进0-6岁儿童眼保健，15岁以上人群戒烟干预。",
        "完善“15分钟健康服务圈”，落实“1+5”系列文件，建设P3实验室，推进5G应用。",
        "按日常急救当班车、备班车、应急保障车1:1:1比例配备。",
        "传染病收治床位不低于二级以上综合医院床位总数的10%。",
        "市和工业企业数量在500家以上的县（区）建成监测评估机构。",
        "“十四五”时期（2021-2025年），是贯彻落实健康中国行动（2019-2030 年）的关键时期。",
    ],
)
def test_noise_produces_nothing(text):
    assert extract(text) == []


@pytest.mark.parametrize("period", [PERIOD, None])
def test_retrospective_facts_without_a_period(period):
    assert extract("截至2020年底，全市卫生机构数2952家。2020年，全市居民平均期望寿命达83.19岁。", period) == []


# --------------------------------------------------------------------------
# The real seeds

REPO = Path(__file__).resolve().parents[2]
SEEDS = Path(os.environ.get("HEALTHPLAN_SHARED", REPO.parent / "shared")) / "seeds"

# What the caller would pass as skip_lines: indicator tables, the table of
# contents and the retrospective sections, read off the documents by hand.
SEED_SKIP = {
    "000": [(13, 23), (24, 169), (195, 360)],
    "001": [(18, 29), (56, 318)],
    "002": [(29, 64), (68, 110), (186, 212)],
    "003": [(9, 13), (53, 193)],
    "004": [(5, 18), (63, 268)],
}


def seed_commitments(key: str) -> tuple[Document, list[Commitment]]:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not found (a user's clone without shared/)")
    (path,) = SEEDS.glob(f"{key}_*.txt")
    document = read_document(path)
    skip = {n for a, b in SEED_SKIP[key] for n in range(a, b + 1)}
    return document, extract_commitments(document, skip, PERIOD)


# (document, line, subject, value, unit, comparator, year, text) — checked by reading the text
VERIFIED = [
    ("000", 434, "急救平均反应时间", "12", "分钟", "<=", None, "急救平均反应时间≤12分钟"),
    ("000", 435, "急救站（点）标准化规范化建设达标率", "90", "%", ">=", None, "急救站（点）标准化规范化建设达标率≥90%"),
    ("000", 415, "监护型救护车", "1", "辆/3万人口", "per", None, "监护型救护车每3万人口配备1辆"),
    ("000", 449, "每千常住人口中医床位数", "1.1", "张", "=", None, "每千常住人口中医床位数达到1.1张"),
    ("000", 190, "省级健康镇、健康村、健康社区建成率", "60", "%", ">=", None, "省级健康镇、健康村、健康社区建成率达60%以上"),
    ("000", 191, "综合医院进入全国百强医院", "1", "家", "=", None, "1家综合医院进入全国百强医院"),
    ("000", 392, "监督执法人员", "1", "名/万名常住人口", "per", None, "每万名常住人口配备1名监督执法人员"),
    ("000", 400, "15岁以上人群吸烟率", "21", "%", "<=", 2025, "15岁以上人群吸烟率控制在21%以下"),
    ("000", 425, "乡镇卫生院、社区卫生服务中心建成1个以上特色科室", "70", "%", "=", 2025,
     "70%乡镇卫生院、社区卫生服务中心建成1个以上特色科室"),
    ("000", 512, "二级以上医院电子病历系统应用水平分级评价", "4", "级", ">=", None,
     "二级以上医院全部达到电子病历系统应用水平分级评价4级以上"),
    ("000", 518, "市属医院及县（市、区）级医院设置互联网医院", "100", "%", "=", 2025,
     "市属医院及县（市、区）级医院全部设置互联网医院"),
    ("001", 336, "急救平均反应时间", "10", "分钟", "<", None, "急救平均反应时间小于10分钟"),
    ("002", 246, "区域健康服务机构合理配置率", "98", "%", ">=", None, "区域健康服务机构合理配置率 $\\geq 98\\%$"),
    ("002", 248, "婴儿死亡率", "4.0", "‰", "<=", 2025, "孕产妇死亡率、婴儿死亡率分别控制在 7/10 万、4.0‰ 及以下"),
    ("002", 250, "每千常住人口拥有3岁以下婴幼儿托位数", "4.5", "个", "approx", 2025,
     "每千常住人口拥有 3 岁以下婴幼儿托位数达到 4.5 个左右"),
    ("003", 256, "平均急救反应时间", "15", "分钟", "<", None, "平均急救反应时间少于15分钟"),
    ("004", 343, "救护车", "1", "辆/3万人口", "per", None, "每 3 万人口 1 辆的标准配备救护车"),
]


@pytest.mark.parametrize("key", sorted({row[0] for row in VERIFIED}))
def test_verified_commitments_in_the_seeds(key):
    document, found = seed_commitments(key)
    got = {(c.line, c.subject, c.value, c.unit, c.comparator, c.year, c.text) for c in found}
    for row in VERIFIED:
        if row[0] == key:
            assert row[1:] in got, row
            assert row[-1] in document.line(row[1]).text


@pytest.mark.parametrize("key", sorted(SEED_SKIP))
def test_seed_commitments_are_printed_where_they_say(key):
    document, found = seed_commitments(key)
    assert found, key
    for c in found:
        assert c.year is None or c.year >= PERIOD[0], c
        # a fragment starts on its line; a sentence wrapped over lines may continue below
        following = "".join(document.line(n).text for n in range(c.line, min(c.line + 4, len(document.lines) + 1)))
        assert document.line(c.line).text.strip() and c.text.replace(" ", "") in following.replace(" ", ""), c
        assert len(c.sentence) <= 200 and c.subject and c.value


def test_a_restated_table_target_is_not_a_separate_commitment():
    from healthplan.extract import extract_plan

    text = (
        "某县“十四五”卫生健康发展规划\n一、发展目标\n"
        "到2025年，人均预期寿命达到80岁左右，居民健康素养水平达到30%，"
        "急救平均反应时间≤12分钟。\n"
        "“十四五”主要发展指标\n"
        "领域\t序号\t主要指标\t单位\t2025年\t性质\n"
        "健康水平\t1\t人均预期寿命\t岁\t80左右\t预期性\n"
        "健康生活\t2\t居民健康素养水平\t%\t≥32\t预期性\n\n\n"
    )
    plan = extract_plan(Document(path="p.txt", format="txt", lines=lines_from_text(text)))
    assert len(plan.indicator_tables[0].rows) == 2
    # 80岁左右 repeats the table; 30% differs from the table's ≥32 and is kept for review.
    assert [c.text for c in plan.commitments] == ["居民健康素养水平达到30%", "急救平均反应时间≤12分钟"]
