"""Bulletin candidates imported through the observation import: the national plan's
verdicts change, each value names its publication and line; bad input changes nothing."""

from __future__ import annotations

import json

import pytest

from cli_helpers import assert_bad_input, run_cli
from healthplan.bulletins import extract_candidates
from healthplan.demo import load_national_plan
from healthplan.documents.reader import read_document
from healthplan.imports import ImportRejected, import_file
from healthplan.imports.bulletin import bulletin_file
from healthplan.store.evaluation import evaluate_stored_plan
from healthplan.store.models import ImportBatch, Observation

BULLETIN = """2024年我国卫生健康事业发展统计公报
国家卫生健康委员会　2025年12月2日发布

居民人均预期寿命达到79.0岁,孕产妇死亡率下降至14.3/10万,婴儿死亡率下降至4.0‰。
2024年,每千人口执业(助理)医师3.61人,每千人口注册护士4.16人,每万人口全科医生4.54人。
其中政府卫生支出占24.9%,社会卫生支出占47.6%,个人卫生支出占27.5%。
"""


def verdicts(session, plan_id: int, year: int) -> dict[str, str]:
    evaluation = evaluate_stored_plan(session, plan_id, year)
    return {t.indicator_id: t.verdict for t in evaluation.targets if t.indicator_id}


def test_national_sentences_change_the_national_plans_verdicts(db, tmp_path):
    plan = load_national_plan(db, None).plan
    path = tmp_path / "2024年统计公报.txt"
    path.write_text(BULLETIN, encoding="utf-8")
    document = read_document(path)
    found = extract_candidates(document)
    assert len(found.candidates) == 7
    with db.session() as session:
        before = verdicts(session, plan.id, 2024)
    assert before["life_expectancy"] == before["out_of_pocket_share"] == "no_data"
    result = import_file(db, bulletin_file(str(path), document.sha256, found.publication,
                                           found.candidates), user_id=None)
    assert (result.added, result.batch_id is not None) == (7, True)
    with db.session() as session:
        after = verdicts(session, plan.id, 2024)
        changed = {i for i in {c.indicator_id for c in found.candidates}
                   if after.get(i) != before.get(i)}
        assert {"life_expectancy", "maternal_mortality", "infant_mortality",
                "out_of_pocket_share"} <= changed
        assert all(after[i] != "no_data" for i in changed)
        life = session.query(Observation).filter_by(indicator_id="life_expectancy",
                                                    year=2024).one()
        assert life.source == ("国家卫生健康委员会《2024年我国卫生健康事业发展统计公报》"
                               "（2025-12-02）第4行")
        batch = session.get(ImportBatch, result.batch_id)
        assert (batch.format, batch.rows) == ("bulletin", 7)


def test_a_year_outside_every_plan_is_refused_and_nothing_written(db, tmp_path):
    load_national_plan(db, None)
    path = tmp_path / "2031年统计公报.txt"
    path.write_text("2031年我国卫生健康事业发展统计公报\n\n居民人均预期寿命达到80.1岁。",
                    encoding="utf-8")
    document = read_document(path)
    found = extract_candidates(document)
    with pytest.raises(ImportRejected) as info:
        import_file(db, bulletin_file(str(path), document.sha256, found.publication,
                                      found.candidates), user_id=None)
    assert "2031" in info.value.problems[0].message and info.value.problems[0].row == 3
    with db.session() as session:
        assert session.query(Observation).filter_by(year=2031).count() == 0


def test_cli_contract_and_bad_input(tmp_path):
    good = tmp_path / "公报.txt"
    good.write_text(BULLETIN, encoding="utf-8")
    run = run_cli("observe", "extract", str(good), "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert list(rows[0]) == ["indicator_id", "printed_name", "region_code", "region", "year",
                             "value", "unit", "line", "page", "quote", "definition",
                             "confidence"]
    assert (rows[0]["indicator_id"], rows[0]["value"], rows[0]["line"]) == (
        "life_expectancy", 79.0, 4)
    empty = tmp_path / "无数值.txt"
    empty.write_text("2024年我国卫生健康事业发展统计公报\n\n全年卫生健康工作稳步推进。",
                     encoding="utf-8")
    run = run_cli("observe", "extract", str(empty), "--format", "json")
    assert (run.returncode, json.loads(run.stdout)) == (0, [])
    assert "未找到候选监测值" in run.stderr
    binary = tmp_path / "公报.pdf"
    binary.write_bytes(b"\x00\x01\x02garbage" * 50)
    assert_bad_input(run_cli("observe", "extract", str(binary)), "公报.pdf")
    assert_bad_input(run_cli("observe", "extract", str(good), "--region", "火星市"), "火星市")
    db = tmp_path / "t.sqlite3"
    run = run_cli("--db", str(db), "observe", "extract", str(good), "--year", "2024",
                  "--format", "table", "--import")
    assert run.returncode == 0, run.stderr
    assert "新增 7 条" in run.stderr and "人均预期寿命\t79岁" in run.stdout
