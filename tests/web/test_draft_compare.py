"""The issued plan against the last draft (issue 17): the core comparison on plain rows,
then on a demo database with the synthetic 连云港市 十五五 plan loaded — the CLI
(`healthplan draft compare`) and the draft page show the same added / removed / changed
indicators; a plan of another region is refused with one message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pages_support import app_for, build_demo_with_users, log_in

from cli_helpers import assert_bad_input, run_cli
from healthplan.draftcheck import DraftLine
from healthplan.draftdiff import compare_rows

FIXTURE = Path(__file__).parents[1] / "fixtures" / "lianyungang_15th_synthetic.txt"


def _line(k, name, iid, target, baseline="", unit="岁", attribute="预期性"):
    return DraftLine(k, "健康水平", name, unit, iid, baseline, target, attribute)


def test_compare_rows_added_removed_changed():
    draft = [_line(1, "人均预期寿命", "life_expectancy", "≥ 80"),
             _line(2, "婴儿死亡率", "infant_mortality", "≤3", unit="‰"),
             _line(3, "自定指标", None, "提高")]
    issued = [_line(1, "人均预期寿命", "life_expectancy", "≥80"),  # same target, spaces aside
              _line(2, "婴儿死亡率", "infant_mortality", "≤2.5", "2.9", unit="‰", attribute="约束性"),
              _line(3, "孕产妇死亡率", "maternal_mortality", "≤9", unit="/10万")]
    changes = compare_rows(draft, issued)
    assert [(c.kind, c.name) for c in changes] == [
        ("changed", "婴儿死亡率"), ("removed", "自定指标"), ("added", "孕产妇死亡率")]
    assert changes[0].fields == [("基期值", "", "2.9"), ("目标值", "≤3", "≤2.5"), ("属性", "预期性", "约束性")]
    assert compare_rows(draft, draft) == []


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    from healthplan.documents import read_document
    from healthplan.extract import extract_plan
    from healthplan.store.drafts import new_draft
    from healthplan.store.plans import load_plan

    demo = build_demo_with_users(tmp_path_factory.mktemp("compare") / "demo.sqlite3")
    with demo.db.session() as session:
        draft_id = new_draft(session, "连云港市", "2026-2030").id
    document = read_document(str(FIXTURE))
    with demo.db.session() as session:
        plan_id = load_plan(session, extract_plan(document), document=document)[-1].plan.id
    yield demo, draft_id, plan_id
    demo.db.close()


def test_cli_and_page_show_what_the_issued_plan_changed(issued):
    demo, draft_id, plan_id = issued
    url = f"sqlite:///{demo.path}"
    from healthplan.store.drafts import compare_with_plan, get_draft

    with demo.db.session() as session:
        _, changes, unchanged = compare_with_plan(session, get_draft(session, draft_id), plan_id)
    # the synthetic plan drops the pharmacists indicator that the 十四五 plan (and so the draft) had
    assert any(c.kind == "removed" and c.name == "每千人口药师（士）数" for c in changes)

    got = run_cli("--db", url, "draft", "compare", str(draft_id), "--plan", str(plan_id), "-f", "json")
    assert got.returncode == 0, got.stderr
    body = json.loads(got.stdout)
    assert body["unchanged"] == unchanged and [c["name"] for c in body["changes"]] == [c.name for c in changes]
    other = plan_id - 1  # an earlier plan: another region or period
    assert_bad_input(run_cli("--db", url, "draft", "compare", str(draft_id), "--plan", str(other)),
                     "不是同一")

    from fastapi.testclient import TestClient

    with TestClient(app_for(demo), raise_server_exceptions=False) as client:
        log_in(client, "admin")
        page = client.get(f"/drafts/{draft_id}", params={"plan": str(plan_id)})
        assert page.status_code == 200
        assert f'<option value="{plan_id}" selected' in page.text
        table = page.text.split('id="changes"')[1].split("</table>")[0]
        assert table.count("<tr class=\"change-") == len(changes)
        assert "印发时删除" in table and "每千人口药师（士）数" in table
        assert f"{len(changes)} 处变化，{unchanged} 项未变" in page.text
        wrong = client.get(f"/drafts/{draft_id}", params={"plan": str(other)})
        assert wrong.status_code == 200 and "无法对照" in wrong.text and 'id="changes"' not in wrong.text
