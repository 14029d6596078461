"""The indicator catalogue file itself: valid, complete, and loaded once."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from healthplan import catalog
from healthplan.catalog import (
    CATEGORIES,
    DIRECTIONS,
    UNITS,
    CatalogError,
    UnknownIndicatorError,
    get,
    load_catalog,
    load_catalog_file,
    match,
    normalise_unit,
    unit_factor,
)


def raw_entries() -> list[dict]:
    text = resources.files("healthplan.catalog").joinpath("indicators.yaml").read_text("utf-8")
    return yaml.safe_load(text)


# --- (f) the file is valid ---------------------------------------------------------------


def test_ids_are_unique_ascii_snake_case():
    ids = [e["id"] for e in raw_entries()]
    assert len(ids) == len(set(ids))
    for ident in ids:
        assert ident.isascii() and ident == ident.lower() and " " not in ident and "-" not in ident


def test_every_entry_is_complete():
    for entry in raw_entries():
        for key in ("id", "name", "name_en", "unit", "direction", "category", "bounds",
                    "definition", "aliases"):
            assert key in entry, (entry.get("id"), key)
        assert entry["direction"] in DIRECTIONS, entry["id"]
        assert entry["category"] in CATEGORIES, entry["id"]
        assert entry["unit"] in UNITS, entry["id"]
        assert entry["name"].strip() and entry["name_en"].strip() and entry["definition"].strip()


def test_bounds_are_sane():
    for ind in catalog.all_indicators():
        low, high = ind.bounds
        assert low < high, ind.id
        if ind.unit in ("%", "‰"):
            assert -100 <= low and high <= 1000, ind.id
        if ind.unit == "%" and ind.direction != "range" and not ind.id.endswith("_growth"):
            assert 0 <= low and high <= 100, ind.id
    assert get("life_expectancy").bounds == (40, 95)
    assert get("health_literacy").in_bounds(37)
    assert not get("health_literacy").in_bounds(0.37)  # a percentage given as a fraction
    assert not get("health_literacy").in_bounds(3700)
    assert not get("infant_mortality").in_bounds(-1)


def test_every_name_and_alias_matches_its_own_id():
    for ind in catalog.all_indicators():
        m = match(ind.name)
        assert (m.indicator_id, m.method) == (ind.id, "exact"), ind.name
        for alias in ind.aliases:
            m = match(alias)
            assert (m.indicator_id, m.method) == (ind.id, "alias"), alias


def test_no_two_indicators_share_a_normalised_name():
    seen: dict[str, str] = {}
    for ind in catalog.all_indicators():
        for text in (ind.name, *ind.aliases):
            key = catalog.normalise_name(text)
            assert seen.setdefault(key, ind.id) == ind.id, (text, key, seen[key])


def test_fused_indicators_name_their_components():
    fused = {i.id: i.components for i in catalog.all_indicators() if i.fused}
    assert fused["maternal_child_system_management"] == (
        "maternal_system_management", "child_under3_system_management")
    for components in fused.values():
        for component in components:
            assert not get(component).fused


def test_equivalents_are_consistent():
    per_1000 = get("public_health_staff_per_1000")
    per_10000 = get("public_health_staff_per_10000")
    assert per_1000.equivalent == ("public_health_staff_per_10000", 10.0)
    assert per_10000.equivalent == ("public_health_staff_per_1000", 0.1)


def test_catalogue_is_loaded_once():
    assert load_catalog() is load_catalog()
    assert len(load_catalog()) >= 60


# --- coverage: the national 十四五 plan and the per-capita ratios ------------------------------

NATIONAL = {
    "人均预期寿命": "life_expectancy",
    "人均健康预期寿命": "healthy_life_expectancy",
    "孕产妇死亡率": "maternal_mortality",
    "婴儿死亡率": "infant_mortality",
    "5岁以下儿童死亡率": "under5_mortality",
    "重大慢性病过早死亡率": "premature_mortality_major_ncd",
    "居民健康素养水平": "health_literacy",
    "经常参加体育锻炼人数比例": "regular_exercise_share",
    "15岁以上人群吸烟率": "smoking_rate_15plus",
    "孕产妇系统管理率": "maternal_system_management",
    "3岁以下儿童系统管理率": "child_under3_system_management",
    "孕产妇系统管理率和3岁以下儿童系统管理率": "maternal_child_system_management",
    "以乡（镇、街道）为单位适龄儿童免疫规划疫苗接种率": "immunization_coverage",
    "严重精神障碍管理率": "severe_mental_disorder_management",
    "全国儿童青少年总体近视率": "child_adolescent_myopia",
    "设置中医临床科室的二级以上公立综合医院比例": "tcm_dept_share_general_hospitals",
    "个人卫生支出占卫生总费用的比重": "out_of_pocket_share",
    "职工基本医疗保险政策范围内住院费用基金支付比例": "employee_insurance_inpatient_reimbursement",
    "城乡居民基本医疗保险政策范围内住院费用基金支付比例":
        "resident_insurance_inpatient_reimbursement",
    "地级及以上城市空气质量优良天数比率": "air_quality_good_days",
    "地表水达到或好于Ⅲ类水体比例": "surface_water_good_share",
    "国家卫生城市占比": "national_health_city_share",
    "国家卫生乡镇数量占比": "national_health_township_share",
    "健康服务业总规模": "health_service_industry_scale",
    "每千人口医疗卫生机构床位数": "beds_per_1000",
    "每千人口执业（助理）医师数": "physicians_per_1000",
    "每千人口中医类别执业（助理）医师数": "tcm_physicians_per_1000",
    "每千人口注册护士数": "nurses_per_1000",
    "每千人口药师（士）数": "pharmacists_per_1000",
    "每万人口全科医生数": "gps_per_10000",
    "每千人口公共卫生人员数": "public_health_staff_per_1000",
    "每万人口专业公共卫生机构人员数": "public_health_institution_staff_per_10000",
    "每千人口中医类医院床位数": "tcm_hospital_beds_per_1000",
    "每千人口拥有3岁以下婴幼儿托位数": "childcare_places_under3_per_1000",
    "医护比": "nurse_physician_ratio",
}


@pytest.mark.parametrize(("name", "expected"), sorted(NATIONAL.items()))
def test_national_indicators_are_covered(name, expected):
    assert match(name).indicator_id == expected


def test_units_and_directions_of_key_indicators():
    assert (get("maternal_mortality").unit, get("maternal_mortality").direction) == ("/10万", "lower")
    assert (get("infant_mortality").unit, get("infant_mortality").direction) == ("‰", "lower")
    assert get("beds_per_1000").unit == "张/千人"
    assert get("gps_per_10000").unit == "人/万人"
    assert get("childcare_places_under3_per_1000").unit == "个/千人"
    assert get("sex_ratio_at_birth").direction == "range"
    assert get("salt_intake_daily").unit == "g/日"


# --- get() ------------------------------------------------------------------------------------


def test_get_unknown_id_is_a_clear_error():
    with pytest.raises(UnknownIndicatorError) as info:
        get("infant_mortalty")
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert "infant_mortalty" in message and "未知指标" in message
    assert "infant_mortality" in message  # the likely intended id is suggested


def test_get_known_id():
    ind = get("tcm_physicians_per_1000")
    assert ind.name == "每千人口中医类别执业（助理）医师数"
    assert ind.unit == "人/千人" and ind.direction == "higher" and ind.category == "资源配置"


# --- units ----------------------------------------------------------------------------------

UNIT_CASES = [
    ("1/10万", "", "/10万"),
    ("/10万", "", "/10万"),
    ("1/100000", "", "/10万"),
    ("／10万", "", "/10万"),
    ("‰", "", "‰"),
    ("（‰）", "", "‰"),
    ("%", "", "%"),
    ("％", "", "%"),
    ("岁", "", "岁"),
    ("人", "每千常住人口注册护士数", "人/千人"),
    ("人", "毎千人口执业（助理）医师", "人/千人"),
    ("人", "每万人口全科医生数", "人/万人"),
    ("人", "", "人"),
    ("张", "每千人口床位数", "张/千人"),
    ("个", "每千人3岁以下婴幼儿托位数", "个/千人"),
    ("人/千人口", "", "人/千人"),
    ("g", "", "g/日"),
    ("克/天", "", "g/日"),
    ("天", "", "天"),
    ("DDDs 100/人天%", "", "DDDs/100人天"),
    ("", "", ""),
    ("  ", "", ""),
    ("/人天%", "", None),
    ("furlongs", "", None),
]


@pytest.mark.parametrize(("printed", "name", "expected"), UNIT_CASES)
def test_normalise_unit(printed, name, expected):
    assert normalise_unit(printed, name) == expected


def test_unit_factor():
    assert unit_factor("%", "‰") == 10
    assert unit_factor("‰", "%") == pytest.approx(0.1)
    assert unit_factor("/10万", "%") == pytest.approx(0.001)
    assert unit_factor("人/万人", "人/千人") == pytest.approx(0.1)
    assert unit_factor("万亿元", "亿元") == 10000
    assert unit_factor("万亿元", "万元") == pytest.approx(1e8)
    assert unit_factor("岁", "岁") == 1
    assert unit_factor("岁", "%") is None


# --- a malformed catalogue fails loudly ----------------------------------------------------------

GOOD = """
- id: a_rate
  name: 甲率
  name_en: A rate
  unit: "%"
  direction: higher
  category: 健康服务
  bounds: [0, 100]
  definition: test
  aliases: []
"""


def write(tmp_path, text):
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_minimal_catalogue(tmp_path):
    assert [i.id for i in load_catalog_file(write(tmp_path, GOOD))] == ["a_rate"]


@pytest.mark.parametrize(("change", "problem"), [
    (GOOD + GOOD, "duplicate id"),
    (GOOD.replace("direction: higher", "direction: up"), "direction"),
    (GOOD.replace("bounds: [0, 100]", "bounds: [100, 0]"), "bounds"),
    (GOOD.replace('unit: "%"', "unit: 斤"), "unit"),
    (GOOD.replace("id: a_rate", "id: A-Rate"), "snake_case"),
    (GOOD.replace("  aliases: []", "  aliases: []\n  colour: red"), "unknown field"),
    (GOOD.replace("  name_en: A rate\n", ""), "name_en"),
    (GOOD.replace("  aliases: []", "  aliases: []\n  components: [a_rate, b_rate]"),
     "component"),
    ("{}", "list"),
])
def test_malformed_catalogue_is_rejected(tmp_path, change, problem):
    with pytest.raises(CatalogError, match=problem):
        load_catalog_file(write(tmp_path, change))


def test_no_two_catalogue_indicators_are_comparable():
    # The fuzzy guard must keep every pair of distinct catalogue entries apart
    # (职工/城乡居民医保 are 0.87 similar; only the distinguishing tokens separate them).
    names = [(i.id, text) for i in catalog.all_indicators() for text in (i.name, *i.aliases)]
    clashes = [(a, b) for a_id, a in names for b_id, b in names
               if a_id < b_id and catalog.comparable(a, b)]
    assert not clashes
