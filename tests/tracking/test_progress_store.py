"""Progress entries in the store: versions, corrections, the audit log, refusals (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tracking_helpers import TEST_SOURCE, TODAY

from healthplan.store.models import AuditEntry, ProgressEntry
from healthplan.store.progress import (
    ProgressError,
    progress_history,
    record_progress,
    tracked_item,
    tracked_items,
)


def counts(db) -> tuple[int, int]:
    with db.session() as session:
        return (session.scalar(select(func.count()).select_from(ProgressEntry)),
                session.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.object_type == "progress")))


def record(db, plan_id, kind, number, year, **kw):
    kw.setdefault("source", TEST_SOURCE)
    with db.session() as session:
        done = record_progress(session, plan_id, kind, number, year, today=TODAY, **kw)
        return done.changed, done.correction, done.entry.version


def test_tracked_items_of_a_plan_without_progress(wuxi):
    db, plan_id, number = wuxi
    with db.session() as session:
        items = tracked_items(session, plan_id, 2024)
    commitments = [i for i in items if i.kind == "commitment"]
    projects = [i for i in items if i.kind == "project"]
    assert (len(commitments), len(projects)) == (123, 14)
    assert all(i.quantitative for i in commitments)
    assert {i.verdict for i in items} == {"no_data"} and all(i.latest is None for i in items)
    response = commitments[number - 1]
    assert (response.number, response.text, response.rule) == (number, "急救平均反应时间≤12分钟",
                                                                "≤12分钟")
    assert response.label == f"承诺{number}" and response.target_year == 2025
    assert projects[0].label == "专栏1" and projects[0].rule.startswith("按项目实施状态判断")


def test_record_correct_and_keep_history(wuxi):
    db, plan_id, number = wuxi
    assert record(db, plan_id, "commitment", number, 2023, value=13.1,
                  evidence="120急救调度系统年报") == (True, False, 1)
    assert record(db, plan_id, "commitment", number, 2024, value=11.6) == (True, False, 1)
    # the same entry again changes nothing
    assert record(db, plan_id, "commitment", number, 2024, value=11.6) == (False, False, 1)
    with pytest.raises(ProgressError, match="更正须说明原因"):
        record(db, plan_id, "commitment", number, 2024, value=11.9)
    assert record(db, plan_id, "commitment", number, 2024, value=11.9,
                  reason="调度系统口径修正") == (True, True, 2)
    assert counts(db) == (3, 3)

    with db.session() as session:
        versions = progress_history(session, plan_id, "commitment", number)
        assert [(e.year, e.version, e.value) for e in versions] == [
            (2023, 1, 13.1), (2024, 1, 11.6), (2024, 2, 11.9)]
        assert versions[-1].reason == "调度系统口径修正" and versions[0].evidence == "120急救调度系统年报"
        item = tracked_item(session, plan_id, "commitment", number, 2024)
        assert (item.verdict, item.latest.value, item.latest.version) == ("achieved", 11.9, 2)
        assert item.source == TEST_SOURCE and item.latest_text == "2024年：11.9分钟"
        assert "已提前达到2025年目标" in item.explanation
        # an earlier year sees only what was recorded up to it
        assert tracked_item(session, plan_id, "commitment", number, 2023).verdict == "at_risk"

        log = list(session.scalars(select(AuditEntry).where(AuditEntry.object_type == "progress")
                                   .order_by(AuditEntry.id)))
    assert [e.action for e in log] == ["record_progress", "record_progress", "correct_progress"]
    detail = log[-1].detail
    assert detail["before"]["value"] == 11.6 and detail["after"]["value"] == 11.9
    assert detail["after"]["version"] == 2 and detail["reason"] == "调度系统口径修正"
    assert detail["source"] == TEST_SOURCE and detail["item_text"] == "急救平均反应时间≤12分钟"
    assert "11.6分钟 → 11.9分钟" in log[-1].summary


def test_project_status_and_verdict(wuxi):
    db, plan_id, _ = wuxi
    assert record(db, plan_id, "project", 1, 2022, status="推进中") == (True, False, 1)
    with db.session() as session:
        assert tracked_item(session, plan_id, "project", 1, 2023).verdict == "on_track"
        assert tracked_item(session, plan_id, "project", 1, 2024).verdict == "at_risk"
    record(db, plan_id, "project", 1, 2024, status="completed", evidence="竣工验收报告")
    with db.session() as session:
        item = tracked_item(session, plan_id, "project", 1, 2024)
        assert (item.verdict, item.latest.status, item.evidence) == ("achieved", "completed",
                                                                     "竣工验收报告")
        assert item.to_json()["latest"]["status_cn"] == "已完成"


@pytest.mark.parametrize(("args", "kw", "words"), [
    ((999, "commitment", 1, 2023), {"value": 10}, ["规划 999 不存在"]),
    ((None, "commitment", 999, 2023), {"value": 10}, ["没有第 999 项承诺", "共 123 项"]),
    ((None, "project", 99, 2023), {"status": "completed"}, ["没有第 99 项专栏项目"]),
    ((None, "commitment", "R", 2019), {"value": 10}, ["年份 2019 不在规划期 2021—2025 年内"]),
    ((None, "commitment", "R", 2027), {"value": 10}, ["不在规划期"]),
    ((None, "project", 1, 2023), {"value": 3}, ["按实施状态跟踪", "--status"]),
    ((None, "project", 1, 2023), {"status": "差不多"}, ["无法识别"]),
    ((None, "project", 1, 2023), {}, ["缺少状态"]),
    ((None, "commitment", "R", 2023), {"status": "completed"}, ["量化承诺", "--value"]),
    ((None, "commitment", "R", 2023), {}, ["缺少数值"]),
    ((None, "commitment", "R", 2023), {"value": "十二"}, ["不是一个数"]),
    ((None, "commitment", "R", 2023), {"value": float("nan")}, ["有限"]),
    ((None, "commitment", "R", 2023), {"value": -1}, ["负数"]),
    ((None, "commitment", "R", 2023), {"value": 10, "status": "completed"}, ["只能给一个"]),
    ((None, "commitment", "R", 2023), {"value": 10, "source": "  "}, ["缺少来源"]),
    ((None, "task", 1, 2023), {"value": 10}, ["commitment 或 project"]),
])
def test_bad_input_is_refused_and_changes_nothing(wuxi, args, kw, words):
    db, plan_id, number = wuxi
    plan, kind, item, year = args
    plan = plan_id if plan is None else plan
    item = number if item == "R" else item
    with pytest.raises(ProgressError) as caught:
        record(db, plan, kind, item, year, **kw)
    for word in words:
        assert word in str(caught.value)
    assert counts(db) == (0, 0)


def test_a_future_year_is_refused(wuxi):
    db, plan_id, number = wuxi
    with db.session() as session, pytest.raises(ProgressError, match="尚未到来"):
        from datetime import date

        record_progress(session, plan_id, "commitment", number, 2024, value=11,
                        source=TEST_SOURCE, today=date(2023, 5, 1))


def test_a_percentage_off_by_a_hundred_is_refused(wuxi):
    db, plan_id, _ = wuxi
    with db.session() as session:
        from healthplan.store.models import Plan

        plan = session.get(Plan, plan_id)
        pct = next(c.position for c in plan.commitments if c.text == "急救呼叫满足率≥95%")
    with pytest.raises(ProgressError, match="疑似单位错误"):
        record(db, plan_id, "commitment", pct, 2023, value=0.96)
    assert record(db, plan_id, "commitment", pct, 2023, value=96) == (True, False, 1)
