"""A loaded plan's text is kept line by line, with each line's place in the outline."""

from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths
from healthplan.store.documents import DocumentNotStored, plan_document
from healthplan.store.models import DocumentLine
from healthplan.store.plans import load_plan

WUXI = sample_paths()[0]


def test_a_stored_plan_gives_back_its_document_line_for_line(db):
    document = read_document(str(WUXI))
    with db.session() as session:
        stored = load_plan(session, extract_plan(document), document=document)
    with db.session() as session:
        for item in stored:  # the completion-table plan shares the document
            again = plan_document(session, item.plan.id)
            assert [(x.number, x.text) for x in again.lines] == \
                   [(x.number, x.text) for x in document.lines]
    # Extraction from the stored text finds the same indicator rows.
    assert [r.name for r in extract_plan(again).rows()] == \
           [r.name for r in extract_plan(document).rows()]


def test_each_line_knows_its_outline_path_and_section(db):
    document = read_document(str(WUXI))
    extracted = extract_plan(document)
    with db.session() as session:
        load_plan(session, extracted, document=document)
        lines = {row.line: row for row in session.query(DocumentLine)}
    table = next(t for t in extracted.indicator_tables if t.kind == "plan")
    assert lines[table.rows[0].line_start].section == "table"
    project = extracted.projects[0]
    assert lines[project.line_start].section == "project"
    chapter = extracted.outline[1]
    assert lines[chapter.line].section == "heading"
    assert lines[chapter.line].outline_path == chapter.marker
    if chapter.children:
        child = chapter.children[0]
        assert lines[child.line].outline_path == f"{chapter.marker} › {child.marker}"
    assert lines[1].outline_path == ""


def test_a_plan_loaded_without_its_text_says_so(db):
    with db.session() as session:
        stored = load_plan(session, extract_plan(read_document(str(WUXI))))
        plan_id = stored[-1].plan.id
    with db.session() as session:
        try:
            plan_document(session, plan_id)
        except DocumentNotStored as exc:
            assert "原文未保存" in str(exc)
        else:
            raise AssertionError("expected DocumentNotStored")
