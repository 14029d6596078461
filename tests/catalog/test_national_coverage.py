"""Every indicator of the national plans has a catalogue entry and maps to it.

The national 十四五 国民健康规划's main indicator table (its 21 rows, read straight from
the published HTML in ../shared/real, independently of the product's reader) and the
health targets of the national 十五五 规划纲要 must each map to the reviewed id below, by
name, alias or normalisation (never by a fuzzy guess), with a unit the catalogue agrees
with and a printed 2020 value inside the entry's plausible bounds.
"""

from __future__ import annotations

import csv

import pytest
from bs4 import BeautifulSoup

from healthplan.catalog import get, match, unit_factor
from shared_paths import NO_SHARED, SHARED

# name as printed (unit inside the brackets) → the reviewed catalogue id
NATIONAL_14TH = {
    "人均预期寿命（岁）": "life_expectancy",
    "人均健康预期寿命（岁）": "healthy_life_expectancy",
    "孕产妇死亡率（/10万）": "maternal_mortality",
    "婴儿死亡率（‰）": "infant_mortality",
    "5岁以下儿童死亡率（‰）": "under5_mortality",
    "重大慢性病过早死亡率（%）": "premature_mortality_major_ncd",
    "居民健康素养水平（%）": "health_literacy",
    "经常参加体育锻炼人数比例（%）": "regular_exercise_share",
    "15岁以上人群吸烟率（%）": "smoking_rate_15plus",
    "孕产妇系统管理率和3岁以下儿童系统管理率（%）": "maternal_child_system_management",
    "以乡（镇、街道）为单位适龄儿童免疫规划疫苗接种率（%）": "immunization_coverage",
    "严重精神障碍管理率（%）": "severe_mental_disorder_management",
    "全国儿童青少年总体近视率（%）": "child_adolescent_myopia",
    "设置中医临床科室的二级以上公立综合医院比例（%）": "tcm_dept_share_general_hospitals",
    "个人卫生支出占卫生总费用的比重（%）": "out_of_pocket_share",
    "职工基本医疗保险政策范围内住院费用基金支付比例（%）": "employee_insurance_inpatient_reimbursement",
    "城乡居民基本医疗保险政策范围内住院费用基金支付比例（%）":
        "resident_insurance_inpatient_reimbursement",
    "地级及以上城市空气质量优良天数比率（%）": "air_quality_good_days",
    "地表水达到或好于Ⅲ类水体比例（%）": "surface_water_good_share",
    "国家卫生城市占比（%）": "national_health_city_share",
    "健康服务业总规模（万亿元）": "health_service_industry_scale",
}

# The 十五五 纲要's targets: 执业医师 without 助理 is its own measure; 入托率 is not 托位数.
NATIONAL_15TH = {
    "人均预期寿命": "life_expectancy",
    "每千人口拥有执业医师数": "licensed_physicians_per_1000",
    "每千人口拥有注册护士数": "nurses_per_1000",
    "养老机构护理型床位占比": "eldercare_nursing_bed_share",
    "3岁以下婴幼儿入托率": "childcare_enrolment_under3",
}


def _table_rows(path) -> list[tuple[str, str]]:
    """(indicator cell, 2020 cell) of every body row of the plan's indicator table."""
    soup = BeautifulSoup(path.read_text("utf-8"), "lxml")
    rows = []
    for tr in soup.find("table").find_all("tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        if cells:  # the header row has <th> only; a 领域 cell opens some rows (rowspan)
            name, base = cells[-4], cells[-3]
            rows.append((name, base))
    return rows


@pytest.fixture(scope="module")
def real_dir():
    path = SHARED / "real"
    if not path.is_dir():
        pytest.skip(NO_SHARED)
    return path


@pytest.fixture(scope="module")
def national_14th_rows(real_dir):
    return _table_rows(real_dir / "national_plan_14th_excerpt.html")


@pytest.fixture(scope="module")
def national_15th_rows(real_dir):
    with open(real_dir / "national_15th_targets.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_table_is_read_whole(national_14th_rows):
    assert [name for name, _ in national_14th_rows] == list(NATIONAL_14TH)


def test_every_national_14th_row_maps_to_its_id(national_14th_rows):
    wrong = []
    for name, _ in national_14th_rows:
        m = match(name)
        if m.indicator_id != NATIONAL_14TH[name] or m.method in ("fuzzy", "none"):
            wrong.append((name, NATIONAL_14TH[name], m.indicator_id, m.method))
    assert not wrong, wrong


def test_national_14th_units_agree_with_the_catalogue(national_14th_rows):
    notes = {name: match(name).unit_note for name, _ in national_14th_rows}
    # The one scale the national plan prints differently: 万亿元 where counties print 亿元.
    # It is flagged with the factor (not silently converted), so a figure is checked first.
    scale = notes.pop("健康服务业总规模（万亿元）")
    assert scale and "10000" in scale
    assert all(note is None for note in notes.values()), notes


def test_national_14th_baselines_are_inside_the_bounds(national_14th_rows):
    checked = 0
    for name, base in national_14th_rows:
        try:
            value = float(base.lstrip("><≥≤"))
        except ValueError:
            continue  # — (no figure)
        indicator = get(NATIONAL_14TH[name])
        printed = match(name).unit
        factor = 1.0 if printed == indicator.unit else unit_factor(printed, indicator.unit)
        assert factor is not None and indicator.in_bounds(value * factor), (name, base)
        checked += 1
    assert checked == 19


def test_every_national_15th_target_maps_to_its_id(national_15th_rows):
    assert [row["indicator"] for row in national_15th_rows] == list(NATIONAL_15TH)
    for row in national_15th_rows:
        m = match(row["indicator"], row["unit"])
        assert m.indicator_id == NATIONAL_15TH[row["indicator"]], (row["indicator"], m)
        assert m.method not in ("fuzzy", "none")
        assert m.unit_note is None, (row["indicator"], row["unit"], m.unit_note)


def test_15th_physicians_are_not_the_14th_physicians():
    licensed, with_assistants = get("licensed_physicians_per_1000"), get("physicians_per_1000")
    assert licensed.unit == with_assistants.unit == "人/千人"
    assert "不含执业助理医师" in licensed.definition
    assert match("每千人口执业（助理）医师数").indicator_id == "physicians_per_1000"


@pytest.mark.parametrize("ident", sorted(set(NATIONAL_14TH.values()) | set(NATIONAL_15TH.values())))
def test_national_entries_are_complete(ident):
    indicator = get(ident)
    assert indicator.unit or ident == "nurse_physician_ratio"
    assert indicator.direction in ("higher", "lower", "range")
    assert indicator.bounds[0] < indicator.bounds[1]
    assert len(indicator.definition) >= 10


def test_the_product_reader_maps_the_national_table(real_dir):
    # The same table through the reader: the unit is split off the name and the row maps.
    from healthplan.documents import read_document
    from healthplan.extract import extract_plan

    plan = extract_plan(read_document(real_dir / "national_plan_14th_excerpt.html"))
    ids = [row.indicator_id for row in plan.rows()]
    assert ids == list(NATIONAL_14TH.values())
