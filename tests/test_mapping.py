"""Every extracted row of the sample plans maps to the catalogue and gets a rule."""

from __future__ import annotations

from collections import Counter

from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.samples import sample_paths


def test_every_sample_row_is_matched_and_parsed():
    kinds = Counter()
    notes = []
    for path in sample_paths():
        plan = extract_plan(read_document(path))
        for row in plan.rows():
            assert row.indicator_id is not None, (path.name, row.name)
            kinds[row.rule.kind] += 1
            if row.match.unit_note:
                notes.append((path.name[:3], row.name))
    assert sum(kinds.values()) == 143
    assert kinds["needs_judgement"] == 0
    assert {"at_least", "at_most", "approximately", "range", "relative_change", "yearly_change",
            "proportional", "all_at_least", "no_target"} <= set(kinds)
    # 吴中区 prints % for two mortality rates given in ‰; 江阴市 /10万 for an HIV prevalence in %.
    assert sorted(notes) == [("001", "艾滋病全人群感染率"), ("002", "5岁以下儿童死亡率"),
                             ("002", "婴儿死亡率")]


def test_completion_table_rule_has_no_baseline():
    plan = extract_plan(read_document(sample_paths()[0]))
    completion = plan.indicator_tables[0]
    assert completion.kind == "completion"
    assert all(row.rule.baseline is None for row in completion.rows)
