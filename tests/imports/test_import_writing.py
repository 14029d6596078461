"""Importing writes all or nothing, in one transaction; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from import_helpers import JIANGYIN, counts, write_csv
from sqlalchemy import select

from healthplan import catalog
from healthplan.imports import ImportRejected, import_observations
from healthplan.store.models import AuditEntry, ImportBatch, User
from healthplan.store.observations import history
from healthplan.store.regions import find_region
from healthplan.store.users import ensure_user


def thousand_rows() -> list[tuple]:
    """1,000 plausible national values: 40 indicators × 25 years, each series flat."""
    indicators = [i for i in catalog.all_indicators() if not i.fused][:40]
    return [("全国", i.id, year, f"{sum(i.bounds) / 2:g}", "国家卫生健康统计年鉴", "")
            for i in indicators for year in range(2001, 2026)]


def test_one_bad_row_among_a_thousand_changes_nothing(plan_db, tmp_path):
    rows = thousand_rows()
    assert len(rows) == 1000
    bad = rows.copy()
    bad[536] = (*bad[536][:3], "约50", *bad[536][4:])  # file row 538 (header is row 1)
    path = write_csv(tmp_path / "national.csv", bad)
    with pytest.raises(ImportRejected) as caught:
        import_observations(plan_db.db, path, user_id=plan_db.user_id)
    [problem] = caught.value.problems
    assert problem.line("national.csv") == "national.csv:第538行:value:数值“约50”是界限或约数，请填写确切的监测值"
    assert counts(plan_db.db) == (0, 0, 0)

    good = write_csv(tmp_path / "national.csv", rows)
    result = import_observations(plan_db.db, good, user_id=plan_db.user_id)
    assert (result.added, result.corrected, result.unchanged) == (1000, 0, 0)
    assert counts(plan_db.db) == (1, 1000, 1)
    with plan_db.db.session() as session:
        batch = session.scalar(select(ImportBatch))
        assert (batch.file_name, batch.format, batch.rows, batch.user_id) == (
            "national.csv", "csv", 1000, plan_db.user_id)
        entry = session.scalar(select(AuditEntry))
        assert (entry.action, entry.object_type, entry.object_id) == ("import", "import", batch.id)
        assert entry.summary == "导入 national.csv：新增 1000 条，更正 0 条，未变 0 条"

    again = import_observations(plan_db.db, good, user_id=plan_db.user_id)
    assert again.batch_id is None and again.unchanged == 1000 and again.written == 0
    assert "未写入任何新数据" in again.summary() and f"导入批次 {batch.id}" in again.summary()
    assert counts(plan_db.db) == (1, 1000, 1)


def test_a_correction_keeps_the_old_value_in_history(plan_db, tmp_path):
    db = plan_db.db
    first = write_csv(tmp_path / "2023快报.csv", [(JIANGYIN, "人均预期寿命", 2023, "82.1", "快报", "")])
    import_observations(db, first, user_id=plan_db.user_id)
    reviser = ensure_user(db.sessions, "规划科")
    second = write_csv(tmp_path / "2023年报.csv",
                       [(JIANGYIN, "人均预期寿命", 2023, "82.3", "2023年统计年报", "年报数据修订")])
    with pytest.raises(ImportRejected) as caught:
        import_observations(db, second, user_id=reviser)
    assert caught.value.needs_acceptance and "--accept-warnings" in caught.value.summary()
    assert counts(db) == (1, 1, 1)

    result = import_observations(db, second, user_id=reviser, accept_warnings=True)
    assert (result.added, result.corrected) == (0, 1) and len(result.warnings) == 1
    with db.session() as session:
        region = find_region(session, JIANGYIN)
        versions = history(session, region.id, "life_expectancy", 2023)
        names = {u.id: u.name for u in session.scalars(select(User))}
        batches = session.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
        assert [b.accepted_warnings for b in batches] == [0, 1]
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[-1]
    assert [(v.version, v.value, v.source, names[v.recorded_by], v.reason) for v in versions] == [
        (1, 82.1, "快报", "县统计员", ""), (2, 82.3, "2023年统计年报", "规划科", "年报数据修订")]
    assert versions[0].recorded_at <= versions[1].recorded_at
    assert versions[1].import_id == batches[1].id
    assert entry.detail["corrected"][0] | {"region_id": 0} == {
        "row": 2, "region_id": 0, "indicator_id": "life_expectancy", "year": 2023, "old": 82.1,
        "new": 82.3, "version": 2}


def test_reimporting_a_file_with_accepted_warnings_is_a_no_op(sqlite_plan_db, tmp_path):
    db = sqlite_plan_db.db
    path = write_csv(tmp_path / "jump.csv", [(JIANGYIN, "人均预期寿命", 2021, "83.5", "年报", "")])
    with pytest.raises(ImportRejected):  # +2 岁 on the 2020 baseline of 81.5
        import_observations(db, path, user_id=None)
    import_observations(db, path, user_id=None, accept_warnings=True)
    again = import_observations(db, path, user_id=None)
    assert again.written == 0 and again.warnings == [] and counts(db) == (1, 1, 1)
