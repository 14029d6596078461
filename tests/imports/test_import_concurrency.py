"""Two imports at the same time.

PostgreSQL: both validate before either writes (a barrier between validation and
writing); different regions both land, the same region × indicator × year lets one win
and tells the other which row collided. SQLite: writers take turns, so the second
import validates after the first committed and sees its value as a correction.
"""

from __future__ import annotations

import threading

import pytest
from import_helpers import JIANGYIN, counts, write_csv

import healthplan.imports as imports
from healthplan.imports import ImportConflict, ImportRejected, import_observations


def run_together(db, paths, user_id) -> list:
    """Import ``paths`` in parallel threads; each result or exception, in order."""
    outcomes: list = [None] * len(paths)

    def work(k: int) -> None:
        try:
            outcomes[k] = import_observations(db, paths[k], user_id=user_id)
        except Exception as exc:  # the test looks at what each import got
            outcomes[k] = exc

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def pg_plan_db(postgres_server, plan_db):
    if plan_db.db.dialect != "postgresql":
        pytest.skip("the race between validation and writing needs PostgreSQL")
    return plan_db


@pytest.fixture
def barrier(monkeypatch):
    """Both imports validate, then wait for each other before writing."""
    gate = threading.Barrier(2, timeout=20)
    validate = imports.validate

    def validate_then_wait(*args, **kwargs):
        checked = validate(*args, **kwargs)
        gate.wait()
        return checked

    monkeypatch.setattr(imports, "validate", validate_then_wait)
    return gate


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_different_regions_both_land(pg_plan_db, barrier, tmp_path):
    db = pg_plan_db.db
    a = write_csv(tmp_path / "a.csv", [(JIANGYIN, "life_expectancy", 2023, "82.1", "年报", "")])
    b = write_csv(tmp_path / "b.csv", [("无锡市", "life_expectancy", 2023, "83.0", "年报", "")])
    outcomes = run_together(db, [a, b], pg_plan_db.user_id)
    assert [o.added for o in outcomes] == [1, 1], outcomes
    assert counts(db) == (2, 2, 2)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_same_key_one_wins_the_other_is_told(pg_plan_db, barrier, tmp_path):
    db = pg_plan_db.db
    a = write_csv(tmp_path / "a.csv", [(JIANGYIN, "人均预期寿命", 2023, "82.1", "快报", "")])
    b = write_csv(tmp_path / "b.csv", [(JIANGYIN, "婴儿死亡率", 2023, "2.0", "年报", ""),
                                       (JIANGYIN, "人均预期寿命", 2023, "82.3", "年报", "")])
    outcomes = run_together(db, [a, b], pg_plan_db.user_id)
    won = [o for o in outcomes if not isinstance(o, Exception)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    conflict = lost[0]
    assert isinstance(conflict, ImportConflict), repr(conflict)
    row = 2 if conflict.path == str(a) else 3
    assert conflict.rows == [row]
    assert conflict.problem == (f"第 {row} 行：江阴市 人均预期寿命 2023 年的数值已由同时进行的另一次"
                                "导入写入；本次导入未写入任何数据，请核对后重新导入")
    assert counts(db) == (1, 1 if won[0].path == str(a) else 2, 1)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_import_committed_between_validation_and_writing(pg_plan_db, monkeypatch,
                                                                   tmp_path):
    # Read committed: the loser may not collide at all but find the winner's version 1
    # when it records, and would silently write version 2; it must be told instead.
    db = pg_plan_db.db
    a = write_csv(tmp_path / "a.csv", [(JIANGYIN, "人均预期寿命", 2023, "82.1", "快报", "")])
    b = write_csv(tmp_path / "b.csv", [(JIANGYIN, "人均预期寿命", 2023, "82.3", "年报", "")])
    validate = imports.validate

    def validate_then_let_a_in(session, file, **kwargs):
        checked = validate(session, file, **kwargs)
        if file.path == str(b):
            monkeypatch.setattr(imports, "validate", validate)
            import_observations(db, a, user_id=pg_plan_db.user_id)  # another connection
        return checked

    monkeypatch.setattr(imports, "validate", validate_then_let_a_in)
    with pytest.raises(ImportConflict) as caught:
        import_observations(db, b, user_id=pg_plan_db.user_id)
    assert caught.value.rows == [2] and "同时进行的另一次导入" in caught.value.problem
    assert counts(db) == (1, 1, 1)


def test_sqlite_second_import_sees_the_first(tmp_path, sqlite_plan_db):
    db = sqlite_plan_db.db
    a = write_csv(tmp_path / "a.csv", [(JIANGYIN, "人均预期寿命", 2023, "82.1", "快报", "")])
    b = write_csv(tmp_path / "b.csv", [(JIANGYIN, "人均预期寿命", 2023, "82.3", "年报", "")])
    outcomes = run_together(db, [a, b], sqlite_plan_db.user_id)
    won = [o for o in outcomes if not isinstance(o, Exception)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], ImportRejected) and lost[0].needs_acceptance
    [warning] = lost[0].warnings
    assert "已有数值" in warning.message and "（第2版）" in warning.message
    assert counts(db) == (1, 1, 1)
