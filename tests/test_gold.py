"""The reader against the hand transcriptions in ../shared/gold (143 rows, 37 boxes)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from healthplan.documents import read_document
from healthplan.extract import extract_plan
from healthplan.textutil import fold_whitespace

FIELDS = ["category", "seq", "name", "unit", "baseline_year", "baseline", "target_year",
          "target", "attribute", "line_start", "line_end"]


def as_gold(value) -> str:
    return "" if value is None else fold_whitespace(str(value))


@pytest.fixture(scope="module")
def extracted(seeds_dir):
    return {path.name: extract_plan(read_document(path)) for path in sorted(seeds_dir.glob("*.txt"))}


def rows_by_key(extracted) -> dict:
    found = {}
    for name, plan in extracted.items():
        for table in plan.indicator_tables:
            for row in table.rows:
                record = {"table": table.caption, **{f: as_gold(getattr(row, f)) for f in FIELDS}}
                found[(name, row.line_start)] = record
    return found


def test_every_gold_row_found_with_every_field_equal(extracted, gold_rows):
    found = rows_by_key(extracted)
    assert len(gold_rows) == 143
    mismatches = []
    for gold in gold_rows:
        key = (gold["document"], int(gold["line_start"]))
        row = found.get(key)
        if row is None:
            mismatches.append(f"missing {key} {gold['name']}")
            continue
        for field in ["table", *FIELDS]:
            if fold_whitespace(gold[field]) != row[field]:
                mismatches.append(f"{key} {field}: gold {gold[field]!r} got {row[field]!r}")
    assert mismatches == []


def test_no_extra_rows(extracted, gold_rows):
    gold_keys = {(g["document"], int(g["line_start"])) for g in gold_rows}
    assert set(rows_by_key(extracted)) - gold_keys == set()


def test_every_captioned_project_found(extracted, gold_projects):
    assert len(gold_projects) == 37
    found = {
        (name, p.number): p for name, plan in extracted.items() for p in plan.projects if p.number
    }
    for gold in gold_projects:
        project = found.get((gold["document"], int(gold["number"])))
        assert project is not None, gold
        assert project.title == gold["title"]
        assert project.line_start == int(gold["line"])
        assert project.text  # the body is read, not just the caption
    captioned = sum(1 for plan in extracted.values() for p in plan.projects if not p.caption_missing)
    assert captioned == 37


def test_the_uncaptioned_box_in_lianyungang(extracted):
    plan = extracted["004_7a07bb993ed4c55d.txt"]
    missing = [p for p in plan.projects if p.caption_missing]
    assert len(missing) == 1
    (box,) = missing
    assert 476 <= box.line_start <= 480 and 484 <= box.line_end <= 488
    assert box.inferred_number == 8  # between 专栏7 and 专栏9
    assert box.text.startswith("建立学科建设、专科建设与人才培养联动机制")


def test_metadata_of_the_samples(extracted):
    info = {name[:3]: plan.document for name, plan in extracted.items()}
    assert (info["000"].region, info["000"].issued_on) == ("无锡市", "2022-03-05")
    assert info["000"].issuer == "无锡市人民政府办公室"
    assert info["001"].title == "江阴市“十四五”卫生健康事业发展规划（2021—2025年）"
    assert info["002"].region == "苏州市吴中区"
    assert info["002"].document_number == "吴政办〔2022〕35号"
    assert info["003"].status == "draft" and info["003"].region == "埇桥区"
    assert info["004"].title == "连云港市“十四五”卫生健康发展规划"
    assert all(str(i.period) == "2021–2025" for i in info.values())


def test_tables_per_document(extracted, gold_rows):
    expected = defaultdict(set)
    for gold in gold_rows:
        expected[gold["document"]].add(fold_whitespace(gold["table"]))
    for name, plan in extracted.items():
        assert {t.caption for t in plan.indicator_tables} == expected.get(name, set())


def test_table_of_contents_is_not_taken_for_headings(extracted):
    plan = extracted["002_fad4bc87ee6c820a.txt"]
    assert len(plan.toc) >= 30
    toc_lines = {entry.line for entry in plan.toc}
    from healthplan.extract.outline import walk

    heading_lines = {h.line for h, _ in walk(plan.outline)}
    assert not toc_lines & heading_lines
    assert min(heading_lines) == 68  # 第一章, after the contents
