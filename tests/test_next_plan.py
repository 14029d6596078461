"""The next plan (issue 17): the national 十五五 targets as a plan, proposals that can be
recomputed from what they cite, draft checks, the draft's files, and the succession
audit of a 十五五 plan against the 十四五 plan of the same region.

One demo database for the module (built once); each test that writes makes its own
draft or records its own observations with a test source.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cli_helpers import assert_bad_input, run_cli
from healthplan.demo import build_demo
from healthplan.documents import read_document
from healthplan.draftcheck import DraftLine, check_draft
from healthplan.extract import extract_plan
from healthplan.proposals import ProposalError, suggest
from healthplan.reports.draft_table import (
    DraftFileError,
    read_draft_xlsx,
    write_draft_docx,
    write_draft_xlsx,
)
from healthplan.store.database import open_database
from healthplan.store.drafts import (
    draft_lines,
    new_draft,
    proposals_for,
    replace_rows,
    succession_findings,
)
from healthplan.store.models import Draft, DraftRow, Plan
from healthplan.store.observations import NewObservation, record
from healthplan.store.plans import load_plan
from healthplan.store.regions import find_region

FIXTURE = Path(__file__).parent / "fixtures" / "lianyungang_15th_synthetic.txt"
TEST_SOURCE = "测试数据（非真实监测值）"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nextplan")
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    db = open_database(url)
    result = build_demo(db)
    yield db, url, result
    db.close()


def _proposals(db, region):
    with db.session() as session:
        return {p.indicator_id: p for p in proposals_for(session, region, "2026-2030")[1]}


def test_national_15th_plan_is_the_summary_and_nothing_more(demo):
    db, _, result = demo
    with db.session() as session:
        plan = session.get(Plan, result.national_15th_plan.plan.id)
        assert (plan.period_start, plan.period_end, plan.region.code) == (2026, 2030, "000000")
        assert "健康报摘要" in plan.title
        got = {t.indicator_id: t for t in plan.targets}
        assert set(got) == {"life_expectancy", "licensed_physicians_per_1000", "nurses_per_1000",
                            "eldercare_nursing_bed_share", "childcare_enrolment_under3"}
        # 执业医师 is its own indicator, not 执业（助理）医师.
        assert "physicians_per_1000" not in got
        assert all(t.baseline_text == "" and t.attribute == "" and t.category == "" for t in plan.targets)
        assert got["life_expectancy"].target_text == "80"


def test_proposals_cite_the_parent_and_the_region_and_can_be_recomputed(demo):
    db, _, _ = demo
    for region in ("无锡市", "连云港市"):
        props = _proposals(db, region)
        life = props["life_expectancy"]
        assert life.parent_target["target"] == "80" and "健康报摘要" in life.parent_target["plan"]
        assert life.baseline_year == 2020 and life.observations[0]["year"] == 2020
        assert f"{life.baseline:g}" in life.reason and "80岁" in life.reason
        # physicians: the parent's 执业医师 3.7 is not compared with the region's 执业（助理）医师.
        lic, assist = props["licensed_physicians_per_1000"], props["physicians_per_1000"]
        assert lic.parent_target["target"] == "3.7" and lic.baseline is None
        assert assist.parent_target is None and assist.baseline is not None
        assert "每千人口执业（助理）医师数" in lic.reason and "每千人口执业医师数" in assist.reason
        for p in props.values():
            # every figure recomputed from what the proposal cites
            if p.observations:
                last = p.observations[-1]
                assert (p.baseline_year, p.baseline) == (last["year"], last["value"])
            values = [v["value"] for v in p.peers["values"]]
            assert p.peers["n"] == len(values)
            if values:
                values.sort()
                mid = len(values) // 2
                median = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
                assert p.peers["median"] == round(median, 2)
            bar = p.parent_target["bar"] if p.parent_target else None
            if p.suggested_value is not None:
                cands = [v for v in (p.baseline, bar, (p.trend_2030 or {}).get("mid")) if v is not None]
                best = max(cands) if p.direction == "higher" else min(cands)
                assert p.suggested_value == pytest.approx(best, abs=0.01)
                assert p.suggested_target == ("≥" if p.direction == "higher" else "≤") + f"{p.suggested_value:g}"
    assert _proposals(db, "无锡市")["life_expectancy"].suggested_target == "≥83.19"
    assert _proposals(db, "连云港市")["life_expectancy"].suggested_target == "≥80"


def test_trend_range_from_the_verdicts_projection():
    from healthplan.proposals import Evidence, Point, propose_one

    points = [Point(2020, 78.0, "a"), Point(2021, 78.3, "b"), Point(2022, 78.5, "c"), Point(2023, 78.9, "d")]
    p = propose_one("某市", Evidence("life_expectancy", "人均预期寿命", "岁", points), 2026, 2030)
    assert p.trend_2030["low"] < p.trend_2030["mid"] < p.trend_2030["high"]
    # least squares: mean (2021.5, 78.425), slope 0.29 a year
    assert p.trend_2030["mid"] == pytest.approx(78.425 + 0.29 * 8.5, abs=0.005)
    assert p.baseline_year == 2023 and "2024–2025年尚无监测值" in p.reason
    assert suggest("higher", 78.9, None, p.trend_2030["mid"])[1] == p.trend_2030["mid"]


def test_bad_input_region_without_plans_and_period_not_five_years(demo):
    db, url, _ = demo
    with db.session() as session, pytest.raises(ProposalError, match="尚未载入任何规划"):
        proposals_for(session, "徐州市", "2026-2030")
    assert_bad_input(run_cli("--db", url, "draft", "propose", "--region", "无锡市", "--period", "2026-2029"),
                     "不是五年")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Draft)) == 0


def _faulty_and_clean(db):
    with db.session() as session:
        draft = new_draft(session, "无锡市", "2026-2030")
        clean = draft_lines(draft)
        draft_id = draft.id
    faulty = [dataclasses.replace(line) for line in clean
              if line.indicator_id != "childcare_enrolment_under3"]  # a 纲要 indicator missing
    for line in faulty:
        if line.indicator_id == "life_expectancy":
            line.target_text = "≥82"  # weaker than the 2020 level 83.19
        if line.indicator_id == "nurses_per_1000":
            line.target_text = "≥4.8"  # weaker than the national 5.1
        if line.indicator_id == "infant_mortality":
            line.unit = "%"  # a ‰ indicator written %
    return draft_id, clean, faulty


def test_draft_checks_name_every_fault_and_none_on_a_clean_draft(demo):
    db, url, _ = demo
    draft_id, clean, faulty = _faulty_and_clean(db)
    props = _proposals(db, "无锡市")
    assert check_draft(clean, props) == []
    found = {(f.kind, f.evidence[0].line if f.evidence else None): f for f in check_draft(faulty, props)}
    pos = {line.indicator_id: line.position for line in faulty}
    life = found[("weaker_than_baseline", pos["life_expectancy"])]
    assert "83.19" in life.message and "2020" in life.message
    nurses = found[("weaker_than_parent", pos["nurses_per_1000"])]
    assert "5.1" in nurses.message and "健康报摘要" in nurses.message
    assert ("unit_mismatch", pos["infant_mortality"]) in found
    assert "3岁以下婴幼儿入托率" in found[("parent_indicator_missing", None)].message
    assert len(found) == 4
    # the stored clean draft, checked by the command: nothing
    result = run_cli("--db", url, "draft", "check", str(draft_id), "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_more_faults_direction_binding_duplicate():
    rows = [DraftLine(1, "", "婴儿死亡率", "‰", "infant_mortality", "", "≥3", "约束性"),
            DraftLine(2, "", "婴儿死亡率", "‰", "infant_mortality", "2.1", "≤3", "")]
    kinds = {f.kind for f in check_draft(rows, {})}
    assert kinds == {"direction_mismatch", "binding_without_baseline", "duplicate_indicator"}


def test_xlsx_round_trip_loses_nothing_and_bad_uploads_store_nothing(demo, tmp_path):
    db, url, _ = demo
    draft_id, clean, _ = _faulty_and_clean(db)
    clean[0].attribute = "约束性"
    clean[1].category = "健康水平（修改）"
    path = write_draft_xlsx("测试", 2026, 2030, clean, tmp_path / "d.xlsx")
    assert read_draft_xlsx(path.read_bytes(), "d.xlsx", 2026, 2030) == clean
    with db.session() as session:
        replace_rows(session, session.get(Draft, draft_id), clean, user_id=None, what="测试")
    with db.session() as session:
        assert draft_lines(session.get(Draft, draft_id)) == clean

    from openpyxl import load_workbook

    book = load_workbook(path)
    book.active["E3"] = "2020年"
    book.save(tmp_path / "header.xlsx")
    book = load_workbook(path)
    book.active["H5"] = "no_such_indicator"
    book.save(tmp_path / "unknown.xlsx")
    with pytest.raises(DraftFileError, match="第 3 行（表头）第 5 列应为“2025年”"):
        read_draft_xlsx((tmp_path / "header.xlsx").read_bytes(), "header.xlsx", 2026, 2030)
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(DraftRow))
    result = run_cli("--db", url, "draft", "upload", str(draft_id), str(tmp_path / "unknown.xlsx"))
    assert_bad_input(result, "unknown.xlsx", "第 5 行", "不在指标目录中")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(DraftRow)) == before
        assert draft_lines(session.get(Draft, draft_id)) == clean


def test_docx_export_has_the_official_columns(tmp_path):
    from docx import Document

    rows = [DraftLine(1, "健康水平", "人均预期寿命", "岁", "life_expectancy", "83.19", "≥83.5", "预期性"),
            DraftLine(2, "健康水平", "婴儿死亡率", "‰", "infant_mortality", "2.1", "≤3", "")]
    path = write_draft_docx("无锡市“十五五”卫生健康发展规划", 2026, 2030, rows, tmp_path / "d.docx")
    table = Document(str(path)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["领域", "序号", "指标", "单位", "2025年", "2030年", "属性"]
    assert [c.text for c in table.rows[1].cells][1:] == ["1", "人均预期寿命", "岁", "83.19", "≥83.5", "预期性"]
    assert table.rows[1].cells[0].text == table.rows[2].cells[0].text == "健康水平"  # one merged cell


def test_15th_plan_after_14th_finds_the_planted_baseline_mismatch(demo):
    db, _, result = demo
    with db.session() as session:
        region = find_region(session, "连云港市")
        # the 十四五 side's 2025 figures (test values, labelled so)
        record(session, [NewObservation(region.id, "life_expectancy", 2025, 79.4, TEST_SOURCE),
                         NewObservation(region.id, "geriatrics_dept_share", 2025, 80.0, TEST_SOURCE)],
               user_id=None)
    document = read_document(str(FIXTURE))
    with db.session() as session:
        stored = load_plan(session, extract_plan(document), document=document)[-1]
        plan = session.get(Plan, stored.plan.id)
        assert plan.parent_id == result.national_15th_plan.plan.id  # the national 十五五 targets
        assert "合成测试样例" in plan.title  # a synthetic fixture says so wherever it is shown
        findings = succession_findings(session, plan)
    kinds = {}
    for f in findings:
        kinds.setdefault(f.kind, []).append(f)
    mismatch = kinds["baseline_mismatch"]
    assert len(mismatch) == 1 and "79.8" in mismatch[0].message and "79.4" in mismatch[0].message
    assert TEST_SOURCE in mismatch[0].message and mismatch[0].evidence[0].quote == "79.8"
    line = document.line(mismatch[0].evidence[0].line).text
    assert "79.8" in line
    unmet = kinds["binding_unmet_dropped"]
    assert [f.evidence[0].quote for f in unmet] == ["二级以上公立综合性医院设置老年医学科比例"]
    dropped = {f.evidence[0].quote for f in kinds["dropped_indicator"]}
    assert "每千人口药师（士）数" in dropped and "人均预期寿命" not in dropped
