"""Matching printed indicator names (and units) to the catalogue.

The table GOLD_EXPECTED is the hand review of every indicator row in the five
sample plans: for each (document, line) the name as printed and the catalogue
id it must map to. It was checked row by row by reading the name; change it
only with the same care.
"""

from __future__ import annotations

from collections import Counter

import pytest

from healthplan.catalog import METHODS, comparable, get, match, match_all, normalise_name

DOCS = {
    "000": "000_e3462df274e44b0d.txt",  # 无锡市（十三五完成情况 + 十四五指标）
    "001": "001_59ac81d9e3b3f288.txt",  # 江阴市
    "002": "002_fad4bc87ee6c820a.txt",  # 苏州市吴中区
    "003": "003_453a8c610e2cbe8a.txt",  # 宿州市埇桥区
    "004": "004_7a07bb993ed4c55d.txt",  # 连云港市
}

# document  line_start  expected id  | name as printed (checked against the gold file)
GOLD_EXPECTED = """
000  33 life_expectancy                           | 人均期望寿命
000  41 maternal_mortality                        | 孕产妇死亡率
000  48 infant_mortality                          | 婴儿死亡率
000  55 under5_mortality                          | 5岁以下儿童死亡率
000  62 immunization_coverage                     | 以乡（镇、街道）（乡镇（街道））为单位适龄儿童免疫规划疫苗接种率
000  69 tb_incidence                              | 肺结核发病率
000  76 premature_mortality_major_ncd             | 因心脑血管疾病、癌症、慢性呼吸系统疾病和糖尿病导致的过早死亡率
000  83 severe_mental_disorder_management         | 登记在册的严重精神障碍患者管理率
000  90 health_literacy                           | 居民健康素养水平
000  97 rural_sanitary_toilet_coverage            | 农村无害化卫生户厕普及率
000 104 child_under3_system_management            | 3岁以下儿童系统管理率
000 111 food_safety_monitoring_coverage           | 食品安全风险监测食品类别的覆盖率
000 118 beds_per_1000                             | 每千常住人口医疗卫生机构床位数
000 126 physicians_per_1000                       | 每千常住人口执业（助理）医师数
000 133 nurses_per_1000                           | 每千常住人口注册护士数
000 140 gps_per_10000                             | 每万常住人口全科医生数
000 147 out_of_pocket_share                       | 个人卫生支出占卫生总费用的比重
000 155 ehr_standard_filing_rate                  | 居民电子健康档案规范化建档管理率
000 162 telemedicine_primary_share                | 县级以上医院面向基层远程医疗服务比例
000 203 life_expectancy                           | 人均预期寿命
000 211 healthy_life_expectancy                   | 健康预期寿命
000 218 maternal_mortality                        | 孕产妇死亡率
000 225 infant_mortality                          | 婴儿死亡率
000 232 under5_mortality                          | 5岁以下儿童死亡率
000 239 premature_mortality_major_ncd             | 重大慢性病过早死亡率
000 246 health_literacy                           | 居民健康素养水平
000 254 smoking_rate_15plus                       | 15岁以上人群吸烟率
000 261 beds_per_1000                             | 每千常住人口医疗卫生机构床位数
000 269 physicians_per_1000                       | 每千常住人口执业（助理）医师数
000 276 tcm_physicians_per_1000                   | 其中：每千常住人口中医类别执业（助理）医师数
000 283 nurses_per_1000                           | 每千常住人口注册护士数
000 290 pharmacists_per_1000                      | 每千常住人口药师（士）数
000 297 gps_per_10000                             | 每万常住人口全科医师数
000 304 public_health_staff_per_1000              | 每千常住人口公共卫生人员数
000 311 childcare_places_under3_per_1000          | 每千常住人口拥有3岁以下婴幼儿托位数
000 318 child_adolescent_myopia                   | 全市儿童青少年总体近视率
000 325 elderly_health_management                 | 65岁及以上老年人城乡社区规范健康管理服务率
000 332 primary_care_visit_share                  | 基层医疗卫生机构诊疗量占总诊疗量的比例
000 339 geriatrics_dept_share                     | 二级以上公立综合性医院设置老年医学科比例
000 346 primary_facility_capacity_standard_share  | 乡镇卫生院、社区卫生服务中心达到国家服务能力推荐标准比例
000 353 out_of_pocket_share                       | 个人卫生支出占总费用的比重
001  66 life_expectancy                           | 人均预期寿命
001  75 maternal_mortality                        | 孕产妇死亡率
001  83 infant_mortality                          | 婴儿死亡率
001  91 under5_mortality                          | 5岁以下儿童死亡率
001  99 sex_ratio_at_birth                        | 出生人口性别比
001 107 health_literacy                           | 居民健康素养水平
001 116 salt_intake_daily                         | 人均每日食盐摄入量
001 124 smoking_rate_15plus                       | 15岁以上人群吸烟率
001 132 immunization_coverage                     | 适龄儿童免疫规划疫苗接种率
001 141 hiv_prevalence                            | 艾滋病全人群感染率
001 149 tb_incidence                              | 肺结核报告发病率
001 157 premature_mortality_major_ncd             | 因心脑血管疾病、癌症、慢性呼吸系统疾病和糖尿病导致的过早死亡率
001 165 cancer_5yr_survival                       | 总体癌症5年生存率
001 173 chronic_respiratory_mortality_70under     | 70岁及以下人群慢性呼吸系统疾病死亡率
001 181 beds_per_1000                             | 毎千人口床位数
001 189 physicians_per_1000                       | 毎千人口执业（助理）医师
001 197 nurses_per_1000                           | 每千人口注册护士数
001 205 gps_per_10000                             | 毎万人口全科医生数
001 213 public_health_staff_per_10000             | 毎万人口公卫人数
001 221 maternal_system_management                | 孕产妇系统管理率
001 229 child_0_6_health_management               | 0-6岁儿童健康管理率
001 238 preconception_check_coverage              | 孕前优生检查目标人群覆盖率
001 246 child_0_6_eye_check_coverage              | 0-6岁眼保健和视力检查覆盖率
001 254 elderly_health_management                 | 65岁以上老年人健康管理率
001 262 tertiary_hospital_avg_stay                | 三级医院平均住院日
001 270 antibiotic_intensity_and_outpatient_rate  | 抗菌药物使用强度（CCDs）门诊处方抗菌药物使用率
001 278 childcare_places_under3_per_1000          | 每千人3岁以下婴幼儿托位数
001 286 primary_care_visit_share                  | 基层医疗机构诊疗量占总诊疗量的比例
001 294 primary_facility_capacity_standard_share  | 卫生院、社区卫生服务中心达到国家推荐标准比例
001 302 national_health_township_share            | 国家卫生镇覆盖率
001 310 out_of_pocket_share                       | 个人卫生支出占卫生总费用比重
002 189 life_expectancy                           | 人均预期寿命
002 190 healthy_life_expectancy                   | 健康预期寿命
002 191 maternal_mortality                        | 孕产妇死亡率
002 192 infant_mortality                          | 婴儿死亡率
002 193 under5_mortality                          | 5岁以下儿童死亡率
002 194 premature_mortality_major_ncd             | 重大慢性病过早死亡率
002 195 health_literacy                           | 居民健康素养水平
002 196 smoking_rate_15plus                       | 15岁以上人群吸烟率
002 197 national_health_township_share            | 国家卫生乡镇数量占比
002 198 beds_per_1000                             | 每千常住人口医疗卫生机构床位数
002 199 physicians_per_1000                       | 每千常住人口执业(助理)医师数
002 200 tcm_physicians_per_1000                   | 每千常住人口中医类别执业(助理)医师数
002 201 nurses_per_1000                           | 每千常住人口注册护士数
002 202 pharmacists_per_1000                      | 每千常住人口药师(士)数
002 205 gps_per_10000                             | 每万常住人口全科医师数
002 206 public_health_staff_per_1000              | 每千常住人口公共卫生人员数
002 207 childcare_places_under3_per_1000          | 每千常住人口拥有3岁以下婴幼儿托位数
002 208 child_adolescent_myopia                   | 全区儿童青少年总体近视率
002 209 elderly_health_management                 | 65岁及以上老年人城乡社区规范健康管理服务率
002 210 primary_care_visit_share                  | 基层医疗卫生机构诊疗量占总诊疗量的比例
002 211 geriatrics_dept_share                     | 二级以上公立综合性医院设置老年医学科比例
002 212 primary_facility_capacity_standard_share  | 乡镇卫生院、社区卫生服务中心达到国家服务能力推荐标准比例
003  61 life_expectancy                           | 人均预期寿命
003  66 infant_mortality                          | 婴儿死亡率
003  71 under5_mortality                          | 5岁以下儿童死亡率
003  76 maternal_mortality                        | 孕产妇死亡率
003  81 premature_mortality_major_ncd             | 重大慢性病过早死亡率
003  88 health_literacy                           | 居民健康素养水平
003  93 smoking_rate_15plus                       | 15岁以上人群吸烟率
003 100 beds_per_1000                             | 每千常住人口床位数
003 105 physicians_per_1000                       | 每千常住人口执业（助理）医师数
003 110 nurses_per_1000                           | 每千常住人口注册护士数
003 115 gps_per_10000                             | 每万人口全科医师数
003 120 public_health_staff_per_10000             | 每万人口公共卫生人员数
003 125 childcare_places_under3_per_1000          | 每千人口3岁以下婴幼儿托位数
003 132 maternal_child_system_management          | 孕产妇系统管理率和3岁以下儿童系统管理率
003 137 prenatal_screening_rate                   | 产前筛查率
003 142 child_adolescent_myopia                   | 儿童青少年总体近视率
003 147 elderly_health_management                 | 65岁及以上老年人城乡社区规范健康管理率
003 152 immunization_coverage                     | 以乡（镇、街道）为单位适龄儿童免疫规划疫苗接种率
003 157 hiv_prevalence                            | 艾滋病全人群感染率
003 162 hypertension_diabetes_primary_management  | 高血压、2型糖尿病患者基层规范管理服务率
003 167 severe_mental_disorder_management         | 社区在册居家严重精神障碍患者健康管理率
003 172 occupational_hazard_monitoring_pass_rate  | 工作场所职业病危害因素监测合格率
003 177 primary_tcm_service_share                 | 乡镇卫生院、社区卫生服务中心、村卫生室、社区卫生服务站提供中医药服务的比例
003 182 antibiotic_use_intensity                  | 抗菌药物使用强度
003 189 out_of_pocket_share                       | 个人卫生支出占卫生总费用比例
004  73 life_expectancy                           | 人均预期寿命
004  81 healthy_life_expectancy                   | 健康预期寿命
004  91 maternal_mortality                        | 孕产妇死亡率
004  99 infant_mortality                          | 婴儿死亡率
004 107 under5_mortality                          | 5岁以下儿童死亡率
004 115 premature_mortality_major_ncd             | 重大慢性病过早死亡率
004 123 health_literacy                           | 居民健康素养水平
004 131 smoking_rate_15plus                       | 15岁以上人群吸烟率
004 139 national_health_township_share            | 国家卫生乡镇数量占比
004 147 beds_per_1000                             | 每千人医疗卫生机构床位数
004 155 physicians_per_1000                       | 每千人口执业（助理）医师数
004 163 tcm_physicians_per_1000                   | 其中：每千人口中医类别执业（助理）医师数
004 171 nurses_per_1000                           | 每千人口注册护士数
004 179 pharmacists_per_1000                      | 每千人口药师（士）数
004 187 gps_per_10000                             | 每万人口全科医师数
004 195 public_health_staff_per_1000              | 每千人口公共卫生人员数
004 203 childcare_places_under3_per_1000          | 每千人口拥有3岁以下婴幼儿托位数
004 211 child_adolescent_myopia                   | 全市儿童青少年总体近视率
004 219 elderly_health_management                 | 65岁及以上老年人城乡社区规范健康管理服务率
004 227 primary_care_visit_share                  | 基层医疗卫生机构诊疗量占总诊疗量的比例
004 235 geriatrics_dept_share                     | 二级以上公立综合性医院设置老年医学科比例
004 244 primary_facility_capacity_standard_share  | 乡镇卫生院、社区卫生服务中心达到国家服务能力推荐标准比例
004 252 out_of_pocket_share                       | 个人卫生支出占总费用的比重
004 260 health_service_industry_growth            | 健康服务业总规模年均增速
"""


def _expected() -> dict[tuple[str, int], tuple[str, str]]:
    table = {}
    for line in GOLD_EXPECTED.strip().splitlines():
        left, name = line.split("|")
        doc, line_start, ident = left.split()
        table[(DOCS[doc], int(line_start))] = (ident, name.strip())
    return table


EXPECTED = _expected()

# Rows whose printed unit contradicts the catalogue; every other gold row has none.
UNIT_CONTRADICTIONS = {
    (DOCS["001"], 141),  # 艾滋病全人群感染率 printed /10万 (catalogue %; 003 prints %)
    (DOCS["002"], 192),  # 吴中区 婴儿死亡率 printed % (values are ‰)
    (DOCS["002"], 193),  # 吴中区 5岁以下儿童死亡率 printed % (values are ‰)
}


# --- (a) every gold row maps to the right id ------------------------------------------


def test_expected_table_is_complete():
    assert len(EXPECTED) == 143
    for ident, _ in EXPECTED.values():
        get(ident)  # every expected id exists


def test_every_gold_row_has_a_reviewed_expectation(gold_rows):
    keys = {(row["document"], int(row["line_start"])) for row in gold_rows}
    assert len(gold_rows) == 143
    assert keys == set(EXPECTED), "gold rows and the reviewed table differ"
    for row in gold_rows:
        _, name = EXPECTED[(row["document"], int(row["line_start"]))]
        assert row["name"] == name, (row["document"], row["line_start"])


def test_every_gold_row_maps_to_the_right_id(gold_rows):
    wrong = []
    methods = Counter()
    for row in gold_rows:
        key = (row["document"], int(row["line_start"]))
        expected_id, _ = EXPECTED[key]
        m = match(row["name"], row["unit"])
        methods[m.method] += 1
        if m.indicator_id != expected_id:
            wrong.append((key, row["name"], expected_id, m.indicator_id, m.method))
    assert not wrong, wrong
    # Exact names, reviewed aliases and normalisation only: no gold row relies on fuzzy luck.
    assert methods["none"] == 0 and methods["fuzzy"] == 0, methods


def test_unit_contradictions_in_the_gold_rows(gold_rows):
    flagged = {(row["document"], int(row["line_start"])) for row in gold_rows
               if match(row["name"], row["unit"]).unit_note}
    assert flagged == UNIT_CONTRADICTIONS


# --- (b) names that must NOT match each other ---------------------------------------

MUST_NOT_MATCH = [
    ("婴儿死亡率", "5岁以下儿童死亡率"),
    ("婴儿死亡率", "新生儿死亡率"),
    ("孕产妇死亡率", "婴儿死亡率"),
    ("孕产妇死亡率", "孕产妇系统管理率"),
    ("5岁以下儿童死亡率", "3岁以下儿童系统管理率"),
    ("每千人口执业（助理）医师数", "每千常住人口中医类别执业（助理）医师数"),
    ("每千常住人口执业(助理)医师数", "其中：每千常住人口中医类别执业（助理）医师数"),
    ("每千人口注册护士数", "每千人口药师（士）数"),
    ("每千人口卫生技术人员数", "每千人口执业（助理）医师数"),
    ("每万人口全科医生数", "每千人口执业（助理）医师数"),
    ("每千人口公共卫生人员数", "每万人口公共卫生人员数"),
    ("每万人口公共卫生人员数", "每万人口专业公共卫生机构人员数"),
    ("每千人口医疗卫生机构床位数", "每千人口中医类医院床位数"),
    ("每千人口拥有3岁以下婴幼儿托位数", "每千人口医疗卫生机构床位数"),
    ("人均预期寿命", "健康预期寿命"),
    ("孕产妇系统管理率", "3岁以下儿童系统管理率"),
    ("3岁以下儿童系统管理率", "孕产妇系统管理率和3岁以下儿童系统管理率"),
    ("孕产妇系统管理率", "孕产妇系统管理率和3岁以下儿童系统管理率"),
    ("严重精神障碍患者管理率", "严重精神障碍患者规范管理率"),
    ("0-6岁儿童健康管理率", "7岁以下儿童健康管理率"),
    ("0-6岁儿童健康管理率", "65岁以上老年人健康管理率"),
    ("国家卫生城市占比", "国家卫生乡镇数量占比"),
    ("肺结核发病率", "甲乙类法定传染病报告发病率"),
    ("艾滋病全人群感染率", "肺结核报告发病率"),
    ("15岁以上人群吸烟率", "儿童青少年总体近视率"),
    ("抗菌药物使用强度", "门诊处方抗菌药物使用率"),
    ("抗菌药物使用强度", "抗菌药物使用强度（CCDs）门诊处方抗菌药物使用率"),
    ("高血压患者规范管理率", "2型糖尿病患者规范管理率"),
    ("高血压、2型糖尿病患者基层规范管理服务率", "高血压患者规范管理率"),
    ("职工基本医疗保险政策范围内住院费用基金支付比例",
     "城乡居民基本医疗保险政策范围内住院费用基金支付比例"),
    ("重大慢性病过早死亡率", "70岁及以下人群慢性呼吸系统疾病死亡率"),
    ("孕前优生健康检查目标人群覆盖率", "0-6岁儿童眼保健和视力检查覆盖率"),
    ("产前筛查率", "孕前优生健康检查目标人群覆盖率"),
    ("健康服务业总规模", "健康服务业总规模年均增速"),
    ("设置中医临床科室的二级以上公立综合医院比例", "二级以上公立综合性医院设置老年医学科比例"),
    ("居民健康素养水平", "经常参加体育锻炼人数比例"),
    ("乡镇卫生院、社区卫生服务中心达到国家服务能力推荐标准比例",
     "乡镇卫生院、社区卫生服务中心、村卫生室、社区卫生服务站提供中医药服务的比例"),
    ("每千人口执业（助理）医师数", "每千人口执业医师数"),
    ("孕产妇死亡率", "孕产妇死亡数"),
    ("婴儿死亡率", "婴儿死亡率下降"),
    # Entries added with the national 十五五 targets and the common county measures.
    ("每千人口拥有执业医师数", "每千人口执业（助理）医师数"),
    ("每千常住人口执业医师数", "每千常住人口中医类别执业（助理）医师数"),
    ("每千人口拥有注册护士数", "每千人口拥有执业医师数"),
    ("3岁以下婴幼儿入托率", "每千人口拥有3岁以下婴幼儿托位数"),
    ("3岁以下婴幼儿入托率", "3岁以下儿童系统管理率"),
    ("养老机构护理型床位占比", "每千人口医疗卫生机构床位数"),
    ("养老机构护理型床位占比", "每千人口中医类医院床位数"),
    ("千人口献血率", "婴儿死亡率（‰）"),
    ("千人口献血率", "每千人口注册护士数"),
    ("家庭医生签约服务覆盖率", "重点人群家庭医生签约服务覆盖率"),
    ("县域内就诊率", "基层医疗卫生机构诊疗量占总诊疗量的比例"),
    ("城乡居民达到《国民体质测定标准》合格以上的人数比例", "经常参加体育锻炼人数比例"),
    ("健康服务业总规模", "健康服务业总规模年均增速（%）"),
    ("国家卫生城市占比（%）", "国家卫生乡镇数量占比"),
    ("严重精神障碍管理率（%）", "严重精神障碍患者规范管理率"),
    ("孕产妇系统管理率（%）", "孕产妇系统管理率和3岁以下儿童系统管理率（%）"),
    ("职工医保政策范围内住院费用基金支付比例", "城乡居民医保政策范围内住院费用基金支付比例"),
    ("每千人口中医执业（助理）医师数", "每千人口执业（助理）医师数"),
    ("农村卫生厕所普及率", "农村无害化卫生户厕普及率"),  # 卫生厕所 is wider than 无害化
    ("糖尿病患者规范管理率", "高血压患者规范管理率"),
]


def test_at_least_25_pairs():
    assert len(MUST_NOT_MATCH) >= 25


@pytest.mark.parametrize(("a", "b"), MUST_NOT_MATCH)
def test_pair_never_matches(a, b):
    ma, mb = match(a), match(b)
    assert ma.indicator_id is None or ma.indicator_id != mb.indicator_id, (ma, mb)
    # Not even a fuzzy link would be allowed between the two names.
    assert not comparable(a, b)
    assert not comparable(b, a)


# --- (c) spelling variation handled without aliases ------------------------------------

VARIANTS = [
    ("居民人均预期寿命", "life_expectancy"),
    ("平均期望寿命", "life_expectancy"),
    ("全市居民人均期望寿命（岁）", "life_expectancy"),
    ("人均健康预期寿命", "healthy_life_expectancy"),
    ("婴儿死亡率（‰）", "infant_mortality"),
    ("婴儿死亡率‰", "infant_mortality"),
    ("孕产妇死亡率(1/10万)", "maternal_mortality"),
    ("1. 婴儿死亡率", "infant_mortality"),
    ("婴儿死亡率*", "infant_mortality"),
    ("每千人执业（助理）医师数", "physicians_per_1000"),
    ("毎千常住人口执业(助理)医师", "physicians_per_1000"),
    ("每千常住人口执业（含助理）医师数", "physicians_per_1000"),
    ("其中：每千人口中医类别执业(助理)医师数", "tcm_physicians_per_1000"),
    ("其中:毎千人中医类别执业（助理）医师", "tcm_physicians_per_1000"),
    ("毎千常住人口注册护士", "nurses_per_1000"),
    ("每千人药师(士)数", "pharmacists_per_1000"),
    ("全市每万人口全科医生数（人）", "gps_per_10000"),
    ("毎万常住人口全科医师", "gps_per_10000"),
    ("每千常住人口公卫人员数", "public_health_staff_per_1000"),
    ("每千人口医疗机构床位数", "beds_per_1000"),
    ("每千人拥有3岁以下婴幼儿托位数（个）", "childcare_places_under3_per_1000"),
    ("全县居民健康素养水平", "health_literacy"),
    ("居民健康素养水平（%）", "health_literacy"),
    ("15岁及以上人群吸烟率", "smoking_rate_15plus"),
    ("全区儿童青少年总体近视率", "child_adolescent_myopia"),
    ("65岁以上老年人城乡社区规范健康管理服务率", "elderly_health_management"),
    ("0～6岁儿童健康管理率", "child_0_6_health_management"),
    ("个人卫生支出占卫生总费用比率", "out_of_pocket_share"),
    ("个人卫生支出占总费用比例（%）", "out_of_pocket_share"),
    ("基层医疗卫生机构诊疗量占总诊疗量比重", "primary_care_visit_share"),
    ("二级及以上公立综合医院设置老年医学科的比例", "geriatrics_dept_share"),
    ("国家卫生乡镇占比", "national_health_township_share"),
    ("肺结核报告发病率（1/10万）", "tb_incidence"),
    ("适龄儿童免疫规划疫苗接种率（以乡镇为单位）", "immunization_coverage"),
    ("以乡镇为单位适龄儿童免疫规划疫苗接种率", "immunization_coverage"),
    ("3岁以下儿童系统管理率和孕产妇系统管理率", "maternal_child_system_management"),
    ("乡镇卫生院和社区卫生服务中心达到国家服务能力推荐标准比例",
     "primary_facility_capacity_standard_share"),
    ("人均每天食盐摄入量", "salt_intake_daily"),
    ("出生人口性别比（女=100）", "sex_ratio_at_birth"),
    ("经常参加体育锻炼的人口比例", "regular_exercise_share"),
    ("全国儿童青少年总体近视率", "child_adolescent_myopia"),
    # A bare 千人口 is 每千人口; 每10万人口 is 每十万人口; the unit in brackets, (‰) included.
    ("每千人口献血率", "blood_donation_per_1000"),
    ("全市千人口献血率（‰）", "blood_donation_per_1000"),
    ("千人口献血率(人次/千人口)", "blood_donation_per_1000"),
    ("每千常住人口拥有执业医师数（人）", "licensed_physicians_per_1000"),
    ("每千人口拥有注册护士数", "nurses_per_1000"),
    ("全省每千户籍人口执业（助理）医师数", "physicians_per_1000"),
    ("我区每千人口床位数（张/千人）", "beds_per_1000"),
    # 患者 is a spelling; 规范 is the measure.
    ("严重精神障碍患者管理率（%）", "severe_mental_disorder_management"),
    ("高血压规范管理率", "hypertension_standard_management"),
    # 率 / 比例 / 占比 / 比重; 诊疗人次 = 诊疗量; 总规模 = 规模.
    ("养老机构护理型床位比例", "eldercare_nursing_bed_share"),
    ("基层医疗卫生机构诊疗人次占总诊疗人次的比例", "primary_care_visit_share"),
    ("健康服务业规模（亿元）", "health_service_industry_scale"),
    ("全市健康服务业总规模（万亿元）", "health_service_industry_scale"),
    ("国家卫生城市比重", "national_health_city_share"),
    ("全县孕产妇系统管理率(%)", "maternal_system_management"),
    ("3岁以下婴幼儿入托率（%）", "childcare_enrolment_under3"),
    # 医保 = 基本医疗保险; 中医类别 = 中医; 慢性疾病 = 慢性病; 国家免疫规划 = 免疫规划.
    ("职工医保政策范围内住院费用基金支付比例", "employee_insurance_inpatient_reimbursement"),
    ("城乡居民医保政策范围内住院费用基金支付比例（%）",
     "resident_insurance_inpatient_reimbursement"),
    ("基本医保参保率", "basic_medical_insurance_enrolment"),
    ("其中：每千人口中医执业（助理）医师数", "tcm_physicians_per_1000"),
    ("重大慢性疾病过早死亡率（%）", "premature_mortality_major_ncd"),
    ("适龄儿童国家免疫规划疫苗接种率", "immunization_coverage"),
    ("农村无害化卫生厕所普及率", "rural_sanitary_toilet_coverage"),
]


def _all_catalogue_spellings() -> set[str]:
    from healthplan.catalog import all_indicators
    return {text for i in all_indicators() for text in (i.name, *i.aliases)}


@pytest.mark.parametrize(("name", "expected"), VARIANTS)
def test_variant_matches_without_an_alias(name, expected):
    assert name not in _all_catalogue_spellings(), "the variant must not be a catalogue alias"
    m = match(name)
    assert m.indicator_id == expected, m
    assert m.method == "normalised"
    assert 0.9 <= m.confidence < 1


def test_whitespace_does_not_matter():
    assert match(" 婴 儿 死 亡 率 ").indicator_id == "infant_mortality"


def test_fuzzy_match_is_reported_as_such():
    m = match("每千常住人口注册护士人数")  # a stray 人 the normaliser does not know
    assert m.indicator_id == "nurses_per_1000"
    assert m.method == "fuzzy"
    assert 0.7 <= m.confidence < 0.9
    assert m.to_json()["method"] == "fuzzy"


def test_exact_and_alias_methods():
    assert (match("婴儿死亡率").method, match("婴儿死亡率").confidence) == ("exact", 1.0)
    m = match("国家卫生镇覆盖率")
    assert (m.indicator_id, m.method) == ("national_health_township_share", "alias")


def test_tcm_sub_row_never_falls_back_to_the_parent():
    # Without the 每千 denominator the sub-row cannot be placed; it stays unmatched
    # rather than being forced onto either physician indicator.
    m = match("其中：中医类别执业（助理）医师数")
    assert m.indicator_id is None and m.method == "none"
    assert "tcm_physicians_per_1000" in [i for i, _ in m.candidates]


# --- (d) unknown names stay unmatched ---------------------------------------------------

UNKNOWN = [
    "每千人口执业药师数",
    "每千人口执业助理医师数",  # the assistants alone: neither 执业医师 nor 执业（助理）医师
    "健康产业总规模",  # 健康产业 is wider than 健康服务业
    "国家卫生县城占比",
    "3岁以下婴幼儿托育服务覆盖率",
    "每千人口献血量",
    "农村卫生厕所普及率",
    "每千人口精神科执业（助理）医师数",
    "每千老年人口养老床位数",
    "孕产妇死亡数",
    "婴儿死亡率下降",
    "新冠疫苗接种率",
    "二级以上医院预约诊疗率",
    "高血压患者管理率",
    "人均体育场地面积",
    "健康城市",
    "全市",
    "GDP",
    "",
]


@pytest.mark.parametrize("name", UNKNOWN)
def test_unknown_name_stays_unmatched(name):
    m = match(name)
    assert m.indicator_id is None
    assert m.method == "none"
    assert m.confidence == 0.0
    assert m.unit_note is None


def test_unmatched_names_are_listed():
    matches, unmatched = match_all(["婴儿死亡率", ("每千人口精神科执业（助理）医师数", "人"),
                                    "二级以上医院预约诊疗率"])
    assert [m.indicator_id for m in matches] == ["infant_mortality", None, None]
    assert [m.name for m in unmatched] == ["每千人口精神科执业（助理）医师数", "二级以上医院预约诊疗率"]
    # The nearest indicators are offered to whoever resolves it by hand.
    assert unmatched[0].candidates[0][0] == "physicians_per_1000"
    assert "candidates" in unmatched[0].to_json()


def test_methods_are_the_documented_ones():
    assert METHODS == ("exact", "alias", "normalised", "fuzzy", "none")


# --- (e) unit contradictions ----------------------------------------------------------------


def test_wuzhong_infant_mortality_percent_is_flagged(gold_rows):
    row = next(r for r in gold_rows
               if r["document"] == DOCS["002"] and r["name"] == "婴儿死亡率")
    assert row["unit"] == "%"
    m = match(row["name"], row["unit"])
    assert m.indicator_id == "infant_mortality"
    assert m.unit_note and "‰" in m.unit_note and "%" in m.unit_note


def test_unit_contradiction_without_the_gold_files():
    m = match("婴儿死亡率", "%")
    assert m.indicator_id == "infant_mortality" and m.unit == "%"
    assert "目录单位“‰”" in m.unit_note
    assert match("婴儿死亡率", "‰").unit_note is None
    assert match("婴儿死亡率（%）").unit_note  # the unit inside the name is checked too


def test_hiv_prevalence_units():
    assert match("艾滋病全人群感染率", "%").unit_note is None
    note = match("艾滋病全人群感染率", "/10万").unit_note
    assert note and "0.001" in note


def test_equivalent_spellings_are_not_contradictions():
    assert match("孕产妇死亡率", "1/10万").unit_note is None
    assert match("孕产妇死亡率", "/10万").unit_note is None
    assert match("每千常住人口注册护士数", "人").unit_note is None
    assert match("每千常住人口注册护士数", "人/千人").unit_note is None
    assert match("每万人口全科医生数", "人").unit == "人/万人"
    assert match("出生人口性别比", "").unit_note is None


def test_wrong_denominator_is_flagged():
    note = match("每千人口注册护士数", "人/万人").unit_note
    assert note and "人/千人" in note


def test_unrecognised_unit_is_flagged():
    m = match("婴儿死亡率", "furlongs")
    assert m.indicator_id == "infant_mortality" and m.unit is None
    assert "无法识别" in m.unit_note


def test_match_json():
    data = match("婴儿死亡率", "%").to_json()
    assert set(data) == {"method", "confidence", "unit_note"}
    assert data["method"] == "exact"


def test_normalise_name_examples():
    assert normalise_name("毎千常住人口执业（助理）医师数") == normalise_name("每千人口执业(助理)医师")
    assert normalise_name("人均期望寿命") == normalise_name("居民人均预期寿命")
    assert normalise_name("全科医生") == normalise_name("全科医师")
    assert normalise_name("婴儿死亡率（‰）") == "婴儿死亡率"


def test_blood_donation_in_its_printed_units():
    # 江阴市's body text: “到2025年，献血率达18/千人口”; others print 人次/千人口 or ‰.
    for name, unit in [("献血率", "/千人口"), ("千人口献血率", "人次/千人口"),
                       ("每千人口献血率", "‰"), ("全市千人口献血率（人次/千人）", "")]:
        m = match(name, unit)
        assert (m.indicator_id, m.unit, m.unit_note) == ("blood_donation_per_1000", "‰", None), m
    assert match("千人口献血率", "%").unit_note  # a per-cent figure is flagged
