"""What `load` refuses before storing anything: two rows for one indicator, a "plan" far
larger than any real one, and superseding the current plan of a region unasked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cli_helpers import assert_bad_input, run_cli
from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths
from healthplan.store.database import open_database
from healthplan.store.models import AuditEntry, Plan, Target
from healthplan.store.plans import MAX_TARGETS, PlanLoadError, PlanSupersedes, load_plan

JIANGYIN = sample_paths()[1]
HEAD = "江阴市“十四五”卫生健康发展规划\n\n“十四五”主要发展指标\n\t序号\n\t主要指标\n\t单位\n\t2020年\n\t2025年\n\t性质\n\n"


def plan_text(rows: int, title: str = "江阴市“十四五”卫生健康发展规划") -> str:
    body = "".join(f"\t{k}\n\t第{k}项工作指标\n\t%\n\t{k % 90}\n\t≥{k % 90 + 1}\n\t预期性\n\n"
                   for k in range(1, rows + 1))
    return HEAD.replace("江阴市“十四五”卫生健康发展规划", title, 1) + body


@pytest.fixture
def db(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    yield database
    database.close()


def load(db, path, **kw):
    with db.session() as session:
        return load_plan(session, extract_plan(read_document(str(path))), **kw)


def count(db, table) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_two_rows_for_one_indicator_are_refused_naming_both_lines(db, tmp_path):
    text = JIANGYIN.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[68] == "\t人均预期寿命" and lines[84] == "\t婴儿死亡率"
    lines[84] = "\t人均预期寿命"  # the 婴儿死亡率 row (lines 83–88, ‰, <4): a second one
    path = tmp_path / "江阴市规划.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(PlanLoadError) as caught:
        load(db, path)
    message = str(caught.value)
    assert message.startswith("江阴市规划.txt：第 66 行“人均预期寿命”（岁，目标 83）和第 83 行"
                              "“人均预期寿命”（‰，目标 <4）都对应指标“人均预期寿命”"), message
    assert "未载入" in message
    assert count(db, Plan) == count(db, Target) == count(db, AuditEntry) == 0


def test_a_plan_far_larger_than_any_real_one_is_refused(db, tmp_path):
    (jiangyin,) = load(db, JIANGYIN)
    big = tmp_path / "big.txt"
    big.write_text(plan_text(MAX_TARGETS + 100), encoding="utf-8")
    with pytest.raises(PlanLoadError, match=f"big.txt：识别出主要指标 {MAX_TARGETS + 100} 项，"
                                            f"超过一个规划的合理上限 {MAX_TARGETS} 项"):
        load(db, big, replace=True)  # even when replacing is confirmed
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Plan)) == 1
        assert session.get(Plan, jiangyin.plan.id).title == jiangyin.plan.title
    small = tmp_path / "small.txt"
    small.write_text(plan_text(40), encoding="utf-8")  # the size of a real plan is fine
    (stored,) = load(db, small, replace=True)
    assert len(stored.plan.targets) == 40


def test_superseding_the_current_plan_needs_replace(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    assert run_cli("--db", url, "load", str(JIANGYIN)).returncode == 0
    other = tmp_path / "另一份江阴规划.txt"
    other.write_text(plan_text(12, "江阴市卫生健康发展第十四个五年规划"), encoding="utf-8")
    assert_bad_input(run_cli("--db", url, "load", str(other)), "另一份江阴规划.txt",
                     "江阴市 2021–2025 年已有规划 1", "--replace", "未载入")
    db = open_database(url)
    assert count(db, Plan) == 1
    done = run_cli("--db", url, "load", str(other), "--replace")
    assert done.returncode == 0, done.stderr
    assert "为规划 1（" in done.stdout and "的修订稿" in done.stdout
    with db.session() as session:
        assert session.scalar(select(Plan.supersedes_id).where(Plan.id == 2)) == 1
    db.close()


def test_a_draft_then_its_final_needs_no_confirmation(db, tmp_path):
    text = JIANGYIN.read_text(encoding="utf-8")
    draft = tmp_path / "征求意见稿.txt"
    draft.write_text("（征求意见稿）\n" + text.replace("\t≥73\n", "\t≥70\n"), encoding="utf-8")
    (old,) = load(db, draft)
    assert old.plan.status == "draft"
    (new,) = load(db, JIANGYIN)  # the final of the same plan: no --replace needed
    assert new.supersedes.id == old.plan.id
    # but the final, once there, is not replaced by another draft unasked
    again = tmp_path / "再次征求意见稿.txt"
    again.write_text("（征求意见稿）\n" + text.replace("\t≥73\n", "\t≥71\n"), encoding="utf-8")
    with pytest.raises(PlanSupersedes, match="已有规划 2《.*》（正式稿"):
        load(db, again)
