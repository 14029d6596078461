"""Storing plan documents: idempotent loads, revisions, completion tables, the hierarchy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths
from healthplan.store.models import AuditEntry, Observation, Plan
from healthplan.store.observations import history
from healthplan.store.plans import PlanLoadError, child_plans, load_plan
from healthplan.store.regions import find_region

WUXI, JIANGYIN = sample_paths()[0], sample_paths()[1]


def read(path):
    return extract_plan(read_document(str(path)))


def load(db, path, **kw):
    with db.session() as session:
        return load_plan(session, read(path), **kw)


def test_a_completion_table_yields_the_previous_plan_with_its_actuals(db):
    previous, current = load(db, WUXI)
    assert (previous.plan.period, current.plan.period) == ("2016–2020", "2021–2025")
    assert previous.plan.origin == "completion_table" and current.plan.origin == "document"
    assert len(previous.plan.targets) == 19 and len(current.plan.targets) == 22
    assert previous.observations_added == 19
    with db.session() as session:
        wuxi = find_region(session, "无锡市")
        (life,) = history(session, wuxi.id, "life_expectancy", 2020)
        assert life.value == 83.19 and life.version == 1
        assert "表1 无锡市“十三五”规划主要指标完成情况" in life.source and "2020年完成值" in life.source
        assert "无锡市“十四五”卫生健康发展规划" in life.source


def test_loading_the_same_document_twice_changes_nothing(db):
    first = load(db, JIANGYIN)
    with db.session() as session:
        counts = [session.scalar(select(func.count()).select_from(t))
                  for t in (Plan, Observation, AuditEntry)]
    again = load(db, JIANGYIN)
    assert [s.created for s in again] == [False]
    assert again[0].plan.id == first[0].plan.id
    with db.session() as session:
        assert [session.scalar(select(func.count()).select_from(t))
                for t in (Plan, Observation, AuditEntry)] == counts


def test_printed_baselines_become_sourced_observations_and_doubtful_ones_do_not(db):
    (stored,) = load(db, JIANGYIN)
    assert stored.observations_added > 20
    assert any("艾滋病全人群感染率" in s and "单位" in s for s in stored.skipped)  # /10万 for %
    with db.session() as session:
        region = find_region(session, "江阴市")
        (obs,) = history(session, region.id, "infant_mortality", 2020)
        assert obs.value == 2.57 and "基期值" in obs.source and "第" in obs.source


def test_a_revised_document_keeps_both_and_says_what_changed(db, tmp_path):
    text = JIANGYIN.read_text(encoding="utf-8")
    assert text.count("\t≥73\n") == 1
    draft = tmp_path / "江阴市规划征求意见稿.txt"
    draft.write_text("（征求意见稿）\n" + text.replace("\t≥73\n", "\t≥70\n"), encoding="utf-8")
    (old,) = load(db, draft)
    assert old.plan.status == "draft"
    (new,) = load(db, JIANGYIN)
    assert new.created and new.supersedes.id == old.plan.id
    assert "状态：征求意见稿 → 正式稿" in new.changes
    assert "65岁以上老年人健康管理率 目标值：≥70 → ≥73" in new.changes
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Plan)) == 2  # both kept


def test_a_county_plan_hangs_under_its_city_plan_whatever_the_order(db):
    (jiangyin,) = load(db, JIANGYIN)
    assert jiangyin.plan.parent_id is None  # no city plan yet
    _, wuxi = load(db, WUXI)
    with db.session() as session:
        county = session.get(Plan, jiangyin.plan.id)
        assert county.parent_id == wuxi.plan.id
        assert [p.id for p in child_plans(session, session.get(Plan, wuxi.plan.id))] == [county.id]
        # the rebuilt 2016–2020 plan has no 2016–2020 city plan above it or county below it
        previous = session.scalar(select(Plan).where(Plan.origin == "completion_table"))
        assert previous.parent_id is None and child_plans(session, previous) == []


def test_region_given_by_the_user_wins_and_unknown_regions_are_refused(db):
    (stored,) = load(db, JIANGYIN, region_text="320281")
    assert stored.plan.region.code == "320281"
    with pytest.raises(PlanLoadError, match="鼓楼区.*对应多个地区"):
        load(db, sample_paths()[2], region_text="鼓楼区")


def test_a_document_without_an_indicator_table_is_not_a_plan(db, tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text("关于做好卫生健康工作的通知\n各单位：\n请认真贯彻执行。\n", encoding="utf-8")
    with pytest.raises(PlanLoadError, match="未找到本期规划指标表"):
        load(db, path)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Plan)) == 0
