"""Evaluating stored plans: against the region's current observations, with the national
benchmark beside each indicator; one plan in detail or many at once."""

from __future__ import annotations

import pytest

from healthplan.demo import build_demo, national_figures
from healthplan.store.evaluation import (
    PlanNotFound,
    YearOutOfRange,
    evaluate_all_plans,
    evaluate_stored_plan,
    year_range,
)
from healthplan.store.models import Plan
from healthplan.store.observations import NewObservation, record
from healthplan.store.regions import find_region


@pytest.fixture
def demo_db(db):
    result = build_demo(db, None)
    return db, {(s.plan.region.name, s.plan.period): s.plan.id for s in result.plans}


def test_the_previous_plan_is_judged_on_its_printed_actuals(demo_db):
    db, plans = demo_db
    with db.session() as session:
        result = evaluate_stored_plan(session, plans[("无锡市", "2016–2020")])
    assert result.year == 2020
    life = next(t for t in result.targets if t.indicator_id == "life_expectancy")
    assert (life.latest_year, life.latest_value, life.verdict) == (2020, 83.19, "achieved")
    assert "表1" in life.latest_source
    assert set(result.counts()) == {"achieved"}


def test_national_figures_stand_beside_each_indicator_with_their_source(demo_db):
    db, plans = demo_db
    with db.session() as session:
        result = evaluate_stored_plan(session, plans[("江阴市", "2021–2025")], 2024)
    by_id = {t.indicator_id: t for t in result.targets}
    life = by_id["life_expectancy"].benchmark
    assert (life.year, life.value) == (2024, 79.0)
    assert "2024年我国卫生健康事业发展统计公报" in life.source
    beds = by_id.get("beds_per_1000").benchmark  # no 2024 figure: the 2023 bulletin's
    assert (beds.year, beds.value) == (2023, 7.23)
    # 2023 asks for the 2023 figure, not a later one
    with db.session() as session:
        earlier = evaluate_stored_plan(session, plans[("江阴市", "2021–2025")], 2023)
    assert next(t for t in earlier.targets if t.indicator_id == "life_expectancy").benchmark.value == 78.6
    for figure in national_figures():  # every figure names its publication and quotes it
        assert figure["source"].startswith(("国家卫生健康委员会", "国家统计局《"))
        assert figure["quote"] and figure["published"][:4] >= str(figure["year"])


def test_a_region_with_only_its_baseline_has_no_data_until_values_are_recorded(demo_db):
    db, plans = demo_db
    plan_id = plans[("江阴市", "2021–2025")]
    with db.session() as session:
        before = evaluate_stored_plan(session, plan_id, 2023)
        infant = next(t for t in before.targets if t.indicator_id == "infant_mortality")
        assert infant.verdict == "no_data" and infant.latest_year == 2020
        region = find_region(session, "江阴市")
        record(session, [NewObservation(region.id, "infant_mortality", 2022, 2.3, "测试用数据（非真实）")],
               user_id=None)
    with db.session() as session:
        after = evaluate_stored_plan(session, plan_id, 2023)
    infant = next(t for t in after.targets if t.indicator_id == "infant_mortality")
    assert (infant.latest_year, infant.latest_value, infant.verdict) == (2022, 2.3, "achieved")
    assert infant.latest_source == "测试用数据（非真实）"


def test_the_json_contract_has_every_field(demo_db):
    db, plans = demo_db
    with db.session() as session:
        data = evaluate_stored_plan(session, plans[("无锡市", "2021–2025")], 2024).to_json()
    assert data["region_code"] == "320200" and data["year"] == 2024
    row = data["targets"][0]
    assert set(row) >= {"indicator_id", "name", "attribute", "target", "rule", "latest_year",
                        "latest_value", "verdict", "explanation", "benchmark"}
    # 无锡市 sees its county: 江阴市's plan hangs under it
    assert [c["region"] for c in data["children"]] == ["江阴市"]


def test_binding_targets_come_first(demo_db):
    db, plans = demo_db
    with db.session() as session:
        result = evaluate_stored_plan(session, plans[("江阴市", "2021–2025")], 2024)
    attributes = [t.attribute for t in result.targets]
    assert attributes == sorted(attributes, key=lambda a: a != "约束性")


def test_many_plans_at_once_agree_with_one_by_one(demo_db):
    db, plans = demo_db
    with db.session() as session:
        region = find_region(session, "连云港市")
        record(session, [
            NewObservation(region.id, "infant_mortality", 2022, 3.9, "测试用数据（非真实）"),
            NewObservation(region.id, "life_expectancy", 2022, 79.0, "测试用数据（非真实）"),
            NewObservation(region.id, "life_expectancy", 2023, 79.1, "测试用数据（非真实）"),
        ], user_id=None)
    with db.session() as session:
        for year in (2020, 2023, 2025):
            bulk = evaluate_all_plans(session, year)
            assert set(bulk) == set(plans.values())
            for plan_id, verdicts in bulk.items():
                first, last = year_range(session.get(Plan, plan_id))
                if not first <= year <= last:  # one plan: only its years (test_years.py)
                    with pytest.raises(YearOutOfRange):
                        evaluate_stored_plan(session, plan_id, year)
                    continue
                one = evaluate_stored_plan(session, plan_id, year, with_children=False)
                assert {t.target_id: t.verdict for t in one.targets} == verdicts
                assert len(verdicts) == len(session.get(Plan, plan_id).targets)


def test_an_unknown_plan_is_named(db):
    with db.session() as session, pytest.raises(PlanNotFound, match="规划 99 不存在"):
        evaluate_stored_plan(session, 99)


def test_every_value_in_the_sample_names_a_real_source(demo_db):
    from sqlalchemy import select

    from healthplan.store.models import Observation

    db, _ = demo_db
    national_sources = {f["source"] for f in national_figures()}
    with db.session() as session:
        observations = list(session.scalars(select(Observation)))
        assert len(observations) > 80
        for obs in observations:
            from_plan = "》" in obs.source and "第" in obs.source and "行" in obs.source
            # a national figure: one of the shipped publications, with the sentence quoted
            from_national = (obs.region.code == "000000" and obs.source in national_sources
                             and "原文：" in obs.note)
            assert from_plan or from_national, obs.source
