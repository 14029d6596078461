"""The national 十四五 plan excerpt and the national figures as built-in samples: stored as
the plan of 全国, the parent of the regional plans, and evaluated on sourced figures."""

from __future__ import annotations

import csv
import json
import re
import unicodedata

import pytest

from cli_helpers import run_cli
from healthplan.demo import build_demo, national_figures
from healthplan.samples import NATIONAL_PLAN, national_plan_title
from healthplan.store.evaluation import evaluate_stored_plan
from shared_paths import SHARED

REAL = SHARED / "real"


def shared_file(name: str):
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def test_every_gathered_national_figure_is_shipped_with_its_source_and_quote():
    with shared_file("national_observations.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    shipped = {(f["name"], f["year"]): f for f in national_figures()}
    assert len(shipped) == len(rows) == len(national_figures())  # one value per series-year
    for row in rows:
        assert (row["region"], row["region_code"]) == ("全国", "000000")
        figure = shipped[(row["indicator"], int(row["year"]))]
        assert figure["value"] == float(row["value"]), row
        assert (figure["unit"], figure["source"], figure["published"], figure["quote"]) == (
            row["unit"], row["source"], row["published"], row["quote"])


def test_the_shipped_excerpt_is_the_published_file_and_keeps_its_label():
    assert NATIONAL_PLAN.read_bytes() == shared_file("national_plan_14th_excerpt.html").read_bytes()
    assert national_plan_title() == "“十四五”国民健康规划（主要发展指标节选）"


def test_the_national_plan_is_the_parent_of_the_regional_plans(db):
    result = build_demo(db, None)
    national = result.national_plan.plan
    with db.session() as session:
        from healthplan.store.models import Plan

        plans = {p.region.name: p for p in session.query(Plan) if p.period == "2021–2025"}
        plan = plans["全国"]
        assert (plan.id, plan.region.code, plan.period) == (national.id, "000000", "2021–2025")
        assert "节选" in plan.title and len(plan.targets) == 21
        # no province plan is loaded: cities and counties without a city plan reach the nation
        for name in ("无锡市", "连云港市", "吴中区", "埇桥区"):
            assert plans[name].parent_id == plan.id, name
        assert plans["江阴市"].parent_id == plans["无锡市"].id
        # the regional plans still show the national figure beside theirs
        wuxi = evaluate_stored_plan(session, plans["无锡市"].id, 2024)
        life = next(t for t in wuxi.targets if t.indicator_id == "life_expectancy")
        assert (life.benchmark.year, life.benchmark.value) == (2024, 79.0)


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_demo_then_evaluate_the_national_plan_for_2025(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    demo = run_cli("--db", url, "demo")
    assert demo.returncode == 0, demo.stderr
    out = demo.stdout
    # the printout leads with the national final evaluation, in plain Chinese, ≤ 100 columns
    national = re.search(r"evaluate --plan (\d+) --year 2025", out).group(1)
    lead = out.index(f"全国《“十四五”国民健康规划（主要发展指标节选）》2025年终期评价（规划 {national}）")
    assert lead < out.index(f"规划 {national}：") < out.index("规划 1：") < out.index("规划 2：")
    assert "约束性指标未达到：" in out
    assert "·个人卫生支出占卫生总费用的比重：2024年为27.5%，目标为27%（按2024年数据判断" in out
    # an expected (预期性) shortfall is listed under its own heading, not under the binding one
    binding = out[out.index("约束性指标未达到："):out.index("预期性指标未达到：")]
    assert "个人卫生支出" in binding and "重大慢性病过早死亡率" not in binding
    for year in (2021, 2022, 2023, 2024):
        assert f"\n  {year}年：" in out
    # (the database's own path, printed whole in the pasteable commands, may be longer)
    assert max(columns(line) for line in out.splitlines()
               if "--db" not in line and url not in line) <= 100

    result = run_cli("--db", url, "evaluate", "--plan", national, "--year", "2025", "--format",
                     "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["region_code"], data["year"]) == ("000000", 2025)
    by_id = {t["indicator_id"]: t for t in data["targets"]}

    life = by_id["life_expectancy"]
    assert (life["latest_year"], life["latest_value"], life["verdict"]) == (2025, 79.25, "achieved")
    assert life["final"]["label"] == "提前完成" and not life["final"]["pending"]
    assert "2025年我国人均预期寿命达到79.25岁" in life["latest_note"]
    assert life["latest_source"].startswith("国家卫生健康委员会")

    maternal = by_id["maternal_mortality"]
    assert (maternal["latest_year"], maternal["latest_value"], maternal["verdict"]) == (
        2024, 14.3, "achieved")
    assert "《2024年我国卫生健康事业发展统计公报》" in maternal["latest_source"]
    assert maternal["final"]["pending"] and maternal["final"]["year_used"] == 2024

    oop = by_id["out_of_pocket_share"]
    assert (oop["attribute"], oop["latest_year"], oop["latest_value"]) == ("约束性", 2024, 27.5)
    assert oop["verdict"] == "not_achieved" and oop["binding_shortfall"]
    assert oop["final"]["code"] == "not_completed" and oop["final"]["binding_shortfall"]
    assert "按2024年数据判断，2025年终期数据待发布" in oop["final"]["explanation"]
    assert "《2024年我国卫生健康事业发展统计公报》" in oop["latest_source"]
    assert data["targets"][0]["indicator_id"] == "out_of_pocket_share"  # binding shortfall first

    table = run_cli("--db", url, "evaluate", "--plan", national, "--year", "2025")
    assert table.returncode == 0, table.stderr
    assert "终期分类" in table.stdout and "未完成* !" in table.stdout
    assert "2025年终期数据待发布，暂按最近年份的数据判断：个人卫生支出占卫生总费用的比重（2024年）" \
        in table.stdout
