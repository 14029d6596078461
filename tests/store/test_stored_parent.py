"""A stored plan's parent as its audit compares it (store.plans.stored_parent), the one
function the CLI's ``audit PLAN_ID`` and the web's audit tab both use."""

from __future__ import annotations

from healthplan.audit import audit_plan, parent_from_plan
from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths
from healthplan.store.models import Plan
from healthplan.store.plans import audit_parent, load_plan, stored_parent

WUXI, JIANGYIN = sample_paths()[0], sample_paths()[1]


def _load(db, path):
    with db.session() as session:
        return [s.plan.id for s in load_plan(session, extract_plan(read_document(str(path))))]


def test_the_stored_parent_has_the_parents_checkable_targets(db):
    _, wuxi_id = _load(db, WUXI)
    (jiangyin_id,) = _load(db, JIANGYIN)
    read_wuxi = extract_plan(read_document(str(WUXI)))
    with db.session() as session:
        jiangyin, wuxi = session.get(Plan, jiangyin_id), session.get(Plan, wuxi_id)
        parent = stored_parent(jiangyin)
        assert parent is not None and parent.plan_id == wuxi_id
        assert parent.label == f"{wuxi.title}（规划 {wuxi_id}）"
        # The same targets as the parent's document gives when read afresh.
        from_document = parent_from_plan(read_wuxi, parent.label, wuxi_id)
        assert ([(t.indicator_id, t.target, t.rule.kind) for t in parent.targets]
                == [(t.indicator_id, t.target, t.rule.kind) for t in from_document.targets])
        assert stored_parent(wuxi) is None  # 无锡市 has no plan above it here
        assert audit_parent(wuxi).targets == parent.targets
        # 江阴市 sets five targets below 无锡市's (tests/audit asserts them by line).
        document = read_document(str(JIANGYIN))
        findings = audit_plan(document, extract_plan(document), parent)
    assert sum(f.kind == "weaker_than_parent" for f in findings) == 5
