"""The plan audit on the five real sample plans (findings verified by reading the text)
and on synthetic plans: one written to have no problem, one with each problem planted."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cli_helpers import assert_bad_input, run_cli
from healthplan.audit import KINDS, SEVERITIES, audit_plan, parent_from_plan, render_table
from healthplan.documents import read_document
from healthplan.extract import extract_plan

SAMPLES = Path(__file__).resolve().parents[2] / "src" / "healthplan" / "samples"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WUXI, JIANGYIN, WUZHONG, YONGQIAO, LIANYUNGANG = (
    "000_e3462df274e44b0d.txt", "001_59ac81d9e3b3f288.txt", "002_fad4bc87ee6c820a.txt",
    "003_453a8c610e2cbe8a.txt", "004_7a07bb993ed4c55d.txt")


def read(path):
    document = read_document(path)
    return document, extract_plan(document)


@pytest.fixture(scope="module")
def samples():
    return {name: read(SAMPLES / name) for name in (WUXI, JIANGYIN, WUZHONG, YONGQIAO, LIANYUNGANG)}


@pytest.fixture(scope="module")
def audits(samples):
    wuxi = parent_from_plan(samples[WUXI][1], "无锡市“十四五”卫生健康发展规划")
    return {name: audit_plan(doc, plan, wuxi if name == JIANGYIN else None)
            for name, (doc, plan) in samples.items()}


def cited(findings, kind):
    """Each finding of a kind as the set of (line, quote) it cites."""
    return [{(e.line, e.quote) for e in f.evidence} for f in findings if f.kind == kind]


def assert_checked(document, findings):
    for f in findings:
        assert f.kind in KINDS and f.severity in SEVERITIES
        assert f.message and f.message.endswith("。") and f.evidence, f
        for e in f.evidence:
            assert e.quote and e.quote in document.line(e.line).text, (f.kind, e)


def test_every_quote_is_printed_on_the_cited_line(samples, audits):
    for name, findings in audits.items():
        assert_checked(samples[name][0], findings)


def test_counts_per_sample(audits):
    counts = {name[:3]: len(findings) for name, findings in audits.items()}
    assert counts == {"000": 7, "001": 19, "002": 5, "003": 18, "004": 10}


def test_wuxi(audits):
    findings = audits[WUXI]
    # 专栏2 promises 公民健康素养水平 20% where the table (and the body, line 399) say 37%.
    assert cited(findings, "inconsistent_target") == [
        {(386, "公民健康素养水平提升至20%"), (249, "居民健康素养水平"), (251, "37")}]
    # The 十四五 table has no baseline column; the 十三五 completion table's 2020 actuals
    # already beat three 2025 targets.
    weaker = cited(findings, "weaker_than_baseline")
    assert {(44, "0"), (222, "≤7")} <= weaker[0]
    assert {(53, "2.14"), (229, "3左右")} <= weaker[1]
    assert {(60, "3.44"), (236, "4左右")} <= weaker[2]
    assert len(weaker) == 3
    assert len(cited(findings, "missing_baseline")) == 1
    assert cited(findings, "no_evaluation_schedule") == [{(534, "制定监测评估体系")}]
    assert len(cited(findings, "no_responsible_body")) == 1


def test_jiangyin(audits):
    findings = audits[JIANGYIN]
    kinds = Counter(f.kind for f in findings)
    # Binding targets below the 2020 value: 免疫 99.7→>95, 孕产妇系统管理 90.8→≥90,
    # 0-6岁儿童健康管理 100→≥95, 0-6岁眼保健 100→≥90.
    assert {frozenset(x) for x in cited(findings, "binding_weaker_than_baseline")} == {
        frozenset({(137, "99.7"), (135, "适龄儿童免疫规划疫苗接种率"), (138, ">95")}),
        frozenset({(225, "90.8"), (223, "孕产妇系统管理率"), (226, "≥90")}),
        frozenset({(234, "100"), (232, "0-6岁儿童健康管理率"), (235, "≥95")}),
        frozenset({(250, "100"), (248, "0-6岁眼保健和视力检查覆盖率"), (251, "≥90")}),
    }
    assert all(f.severity == "high" for f in findings if f.kind == "binding_weaker_than_baseline")
    # The body promises 99% for the immunisation rate whose (binding) table target is >95.
    assert cited(findings, "inconsistent_target") == [{
        (333, "适龄儿童免疫规划疫苗接种率以镇（街道）为单位保持在99%以上"),
        (135, "适龄儿童免疫规划疫苗接种率"), (138, ">95")}]
    # Against 无锡市's plan: 人均预期寿命 83 < ≥83.5, 婴儿 <4 vs 3左右, 5岁以下 <5 vs 4左右,
    # 健康素养 36.5 < 37, 卫生院推荐标准 30 < ≥35.
    parent = [(f.evidence[-1].line, f.parent["target"]) for f in findings if f.kind == "weaker_than_parent"]
    assert parent == [(72, "≥83.5"), (88, "3左右"), (96, "4左右"), (113, "37"), (299, "≥35")]
    assert kinds["weaker_than_baseline"] == 3  # 孕产妇 0→<7, 婴儿 2.57→<4, 5岁以下 3.52→<5
    assert cited(findings, "unit_mismatch") == [{(143, "艾滋病全人群感染率"), (144, "/10万")}]
    assert cited(findings, "missing_target") == [{(143, "艾滋病全人群感染率"), (146, "-")}]
    assert cited(findings, "fused_indicator") == [{(272, "抗菌药物使用强度（CCDs）门诊处方抗菌药物使用率")}]
    assert cited(findings, "missing_baseline") == [{(118, "人均每日食盐摄入量"), (120, "-")}]
    assert cited(findings, "no_evaluation_schedule") == [{(491, "完善规划评估制度")}]


def test_wuzhong(audits):
    findings = audits[WUZHONG]
    assert Counter(f.kind for f in findings) == Counter({
        "missing_baseline": 1, "unit_mismatch": 2, "target_needs_judgement": 1, "no_responsible_body": 1})
    # 婴儿死亡率 and 5岁以下儿童死亡率 printed in % (the catalogue and the 专栏 use ‰).
    assert cited(findings, "unit_mismatch") == [
        {(192, "婴儿死亡率"), (192, "%")}, {(193, "5岁以下儿童死亡率"), (193, "%")}]
    # "在2020年基础上增长50%" with no baseline in the table.
    assert cited(findings, "target_needs_judgement") == [
        {(206, "每千常住人口公共卫生人员数"), (206, "在2020年基础上增长50%")}]
    # 年度、中期和终末评估 are named (line 470): no evaluation finding.
    assert not cited(findings, "no_evaluation_schedule")


def test_yongqiao(audits):
    findings = audits[YONGQIAO]
    assert cited(findings, "binding_weaker_than_baseline") == [
        {(106, "2.98"), (105, "每千常住人口执业（助理）医师数"), (106, "2.9")}]
    weaker = {f.evidence[1].quote for f in findings if f.kind == "weaker_than_baseline"}
    assert weaker == {"婴儿死亡率", "5岁以下儿童死亡率", "孕产妇死亡率", "产前筛查率"}
    met = cited(findings, "met_at_baseline")
    assert {(153, ">90")} <= met[0] and {(148, "70以上"), (149, "≥70")} <= met[1]
    assert cited(findings, "target_needs_judgement") == [
        {(142, "儿童青少年总体近视率"), (144, "力争每年降低1个百分点以上")}]
    assert len(cited(findings, "fused_indicator")) == 2
    assert len(cited(findings, "missing_baseline")) == 8
    # 区卫生健康委负责牵头 … 年度监测和中期、末期评估 (line 355).
    assert not cited(findings, "no_evaluation_schedule") and not cited(findings, "no_responsible_body")


def test_lianyungang(audits):
    findings = audits[LIANYUNGANG]
    gap = [f for f in findings if f.kind == "numbering_gap"]
    assert len(gap) == 1 and "缺少专栏8" in gap[0].message
    assert [e.line for e in gap[0].evidence] == [454, 478, 523]
    weaker = {f.evidence[1].quote for f in findings if f.kind == "weaker_than_baseline"}
    assert weaker == {"孕产妇死亡率", "婴儿死亡率", "5岁以下儿童死亡率", "基层医疗卫生机构诊疗量占总诊疗量的比例"}
    assert len(cited(findings, "missing_baseline")) == 3
    assert len(cited(findings, "no_evaluation_schedule")) == 1


# --------------------------------------------------------------------------- synthetic plans

CLEAN = FIXTURES / "clean_plan.txt"


def test_clean_plan_has_no_finding():
    document, plan = read(CLEAN)
    assert len(list(plan.rows())) == 5 and len(plan.projects) == 2
    assert audit_plan(document, plan) == []
    assert audit_plan(document, plan, parent_from_plan(plan, "同一规划")) == []
    assert "未发现问题" in render_table([])


def planted(tmp_path, replacements) -> tuple:
    text = CLEAN.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "planted.txt"
    path.write_text(text, encoding="utf-8")
    return read(path)


def test_planted_problems(tmp_path):
    document, plan = planted(tmp_path, [
        ("\t新建急救站点5个，急救平均反应时间≤12分钟。", "\t新建急救站点5个，急救平均反应时间≤15分钟。"),
        ("\t专栏2  基层人才培养工程", "\t专栏3  基层人才培养工程"),
        ("\t28.5\n\t≥35", "\t28.5\n\t≥25"),
        ("\t3.2\n\t4.0\n\t约束性", "\t4.2\n\t4.0\n\t约束性"),
        ("\t6.2\n\t7.0\n\t预期性", "\t6.2\n\t7.0\n\t"),
        ("县卫生健康委牵头负责本规划的组织实施，各有关部门按照职责分工落实任务。", "各有关部门要加强协作。"),
        ("县卫生健康委负责规划实施的年度监测，2023年开展中期评估，2025年开展终期评估，评估结果向社会公布。",
         "建立规划监测评估制度。"),
    ])
    findings = audit_plan(document, plan)
    assert_checked(document, findings)
    kinds = Counter(f.kind for f in findings)
    assert kinds == Counter({
        "box_contradicts_chapter": 1, "inconsistent_target": 1, "numbering_gap": 1, "weaker_than_baseline": 1,
        "binding_weaker_than_baseline": 1, "missing_attribute": 1,
        "no_evaluation_schedule": 1, "no_responsible_body": 1,
    }), findings
    box = next(f for f in findings if f.kind == "box_contradicts_chapter")
    assert [e.quote for e in box.evidence] == ["急救平均反应时间≤12分钟", "急救平均反应时间≤15分钟"]
    inconsistent = next(f for f in findings if f.kind == "inconsistent_target")
    assert [e.quote for e in inconsistent.evidence] == ["居民健康素养水平达到35%以上", "居民健康素养水平", "≥25"]
    gap = next(f for f in findings if f.kind == "numbering_gap")
    assert "缺少专栏2" in gap.message


def test_table_caption_gap_and_parent(tmp_path):
    document, plan = planted(tmp_path, [
        ("“十四五”主要发展指标", "表1 “十四五”主要发展指标"),
        ("三、保障措施", "表3 重点项目一览\n三、保障措施"),
        ("\t79.5\n\t80.5", "\t79.5\n\t80"),
    ])
    _, parent_plan = read(CLEAN)
    findings = audit_plan(document, plan, parent_from_plan(parent_plan, "某某市规划"))
    assert_checked(document, findings)
    assert Counter(f.kind for f in findings) == Counter({"numbering_gap": 1, "weaker_than_parent": 1})
    assert "缺少表2" in next(f for f in findings if f.kind == "numbering_gap").message
    parent = next(f for f in findings if f.kind == "weaker_than_parent")
    assert parent.parent["target"] == "80.5" and parent.evidence[-1].quote == "80"


# --------------------------------------------------------------------------- command line


def test_cli_json_contract_for_a_file():
    result = run_cli("audit", str(SAMPLES / LIANYUNGANG), "--format", "json")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert len(findings) == 10
    lines = (SAMPLES / LIANYUNGANG).read_text(encoding="utf-8").split("\n")
    for f in findings:
        assert {"kind", "severity", "message", "evidence"} <= set(f)
        for e in f["evidence"]:
            assert set(e) == {"line", "quote"} and isinstance(e["line"], int)
            assert e["quote"] in lines[e["line"] - 1]


def test_cli_table_for_a_clean_file():
    result = run_cli("audit", str(CLEAN))
    assert result.returncode == 0 and "未发现问题" in result.stdout, result.stderr
    assert run_cli("audit", str(CLEAN), "--format", "json").stdout.strip() == "[]"


def test_cli_stored_plan_with_parent_and_bad_input(tmp_path):
    db = str(tmp_path / "audit.sqlite3")
    for name in (WUXI, JIANGYIN):
        loaded = run_cli("--db", db, "load", str(SAMPLES / name), "-q")
        assert loaded.returncode == 0, loaded.stderr
    plan_id = loaded.stdout.strip().splitlines()[-1]
    result = run_cli("--db", db, "audit", plan_id, "--format", "json")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert len(findings) == 19
    assert sum(f["kind"] == "weaker_than_parent" for f in findings) == 5
    table = run_cli("--db", db, "audit", plan_id)
    assert "目标低于上级规划" in table.stdout and "第 333 行" in table.stdout
    assert_bad_input(run_cli("--db", db, "audit", "999"), "999")
    assert_bad_input(run_cli("audit", str(tmp_path / "没有这个文件.txt")), "没有这个文件.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert_bad_input(run_cli("audit", str(empty)), "empty.txt")
