"""Text a user entered never comes out of a workbook as a formula (OWASP CSV injection):
the report, the comparison and the fill-in template, each read back with openpyxl."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest

from healthplan.imports import import_observations, write_template
from healthplan.reports.comparison import build_comparison, write_comparison
from healthplan.reports.content import build_report
from healthplan.reports.excel import write_report_xlsx
from healthplan.store.database import open_database
from healthplan.store.models import Plan
from healthplan.store.users import ensure_user
from healthplan.targets import parse_target

sys.path.insert(0, str(Path(__file__).parents[1] / "imports"))
from import_helpers import add_plan, write_csv  # noqa: E402

HOSTILE = ['=HYPERLINK("http://evil.example","点此")', "+cmd|' /C calc'!A0", "-2+3+cmd|x",
           "@SUM(1+1)*cmd|x", "=1+1\t"]


@pytest.fixture
def store(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    with db.session() as session:
        plan_id = add_plan(session)
        other_id = add_plan(session, region="320200")
        unmatched = session.get(Plan, plan_id).targets[5]  # 智慧医院建设: no catalogue entry
        unmatched.name, unmatched.target_text = HOSTILE[1], HOSTILE[0]
        for plan in session.query(Plan):
            for t in plan.targets:  # the helper stores no rules; the reports need them
                t.rule = parse_target(t.target_text, unit=t.unit).to_json()
        plan = session.get(Plan, plan_id)
        plan.title = HOSTILE[0]  # plan titles and indicator names are text from a document
        plan.targets[0].name = HOSTILE[3]
    uid = ensure_user(db.sessions, "县统计员")
    rows = [("320281", "life_expectancy", 2021 + k, 82 + k / 10, text, text)
            for k, text in enumerate(HOSTILE[:4])]
    rows.append(("320281", "infant_mortality", 2021, 2.0, HOSTILE[4], HOSTILE[4]))
    done = import_observations(db, write_csv(tmp_path / "obs.csv", rows), user_id=uid)
    assert done.written == 5
    yield db, plan_id, other_id
    db.close()


def assert_no_formula(path: Path) -> set[str]:
    """Every cell of every sheet: no formula; the texts it holds."""
    book = openpyxl.load_workbook(path)
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.add(cell.value)
                    if cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                        assert cell.quotePrefix, f"{sheet.title}!{cell.coordinate}"
    return texts


def assert_kept(texts: set[str], expected: list[str]) -> None:
    """The hostile text is still there, word for word (as text): nothing was dropped."""
    for text in expected:
        assert any(text.strip() in t for t in texts), text


def test_report_workbook_has_no_formula(store, tmp_path):
    db, plan_id, _ = store
    with db.session() as session:
        report = build_report(session, plan_id, "annual", 2024)
    path = write_report_xlsx(report, tmp_path / "report.xlsx")
    texts = assert_no_formula(path)
    assert_kept(texts, HOSTILE)
    # the sheets the issue names hold them as whole cells
    book = openpyxl.load_workbook(path)
    sources = {c.value for c in book["监测数据"]["H"]}
    assert set(h.strip() for h in HOSTILE) <= sources
    assert HOSTILE[3] in {c.value for c in book["指标评价"]["B"]}
    assert HOSTILE[1] in {c.value for c in book["数据来源"]["B"]}


def test_comparison_workbook_has_no_formula(store, tmp_path):
    db, plan_id, other_id = store
    with db.session() as session:
        comparison = build_comparison(session, [plan_id, other_id], 2024)
    path = write_comparison(comparison, tmp_path / "compare.xlsx", "xlsx")
    assert_kept(assert_no_formula(path), [HOSTILE[0], HOSTILE[1]])


def test_template_has_no_formula(store, tmp_path):
    db, plan_id, _ = store
    with db.session() as session:
        path = write_template(session, plan_id, tmp_path / "template.xlsx")
    assert_kept(assert_no_formula(path), [HOSTILE[0], HOSTILE[1], HOSTILE[3]])


def test_template_with_a_hostile_source_reads_back_as_typed(store, tmp_path):
    """A clerk's source "=…" typed into a template stays that text through a round trip."""
    db, plan_id, _ = store
    with db.session() as session:
        path = write_template(session, plan_id, tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["填报表"]
    sheet["D4"] = HOSTILE[0]  # 整表数据来源, typed as text ('=… in Excel)
    sheet["D4"].data_type = "s"
    sheet["I7"] = 82.5  # 人均预期寿命 2022
    book.save(path)
    done = import_observations(db, path, user_id=None, accept_warnings=True)
    assert done.written == 1
    with db.session() as session:
        report = build_report(session, plan_id, "annual", 2024)
    assert any(p.source == HOSTILE[0] for s in report.indicators for p in s.observations)
    out = write_report_xlsx(report, tmp_path / "report.xlsx")
    assert HOSTILE[0] in assert_no_formula(out)
