"""Structure from a Document: metadata, outline, indicator tables, projects, commitments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from healthplan.documents.model import Document
from healthplan.extract.model import (
    DocumentInfo,
    Heading,
    IndicatorTable,
    Project,
    TocEntry,
    to_plain,
)


@dataclass
class ExtractedPlan:
    """Everything read from one plan document, each item with its line span."""

    document: DocumentInfo
    outline: list[Heading]
    toc: list[TocEntry]
    indicator_tables: list[IndicatorTable]
    projects: list[Project]
    commitments: list = field(default_factory=list)

    def to_json(self) -> dict:
        return to_plain(self)

    def rows(self):
        for table in self.indicator_tables:
            yield from table.rows


# Outline headings whose sections look back at the previous plan: numbers there
# are results, not promises.
_RETROSPECTIVE = (
    "回顾", "成就", "主要成效", "取得成效", "发展情况", "发展基础", "发展背景", "发展现状", "基本情况",
)


def extract_plan(document: Document) -> ExtractedPlan:
    from healthplan.extract.commitments import extract_commitments
    from healthplan.extract.metadata import extract_info
    from healthplan.extract.outline import extract_outline, find_toc
    from healthplan.extract.projects import extract_projects
    from healthplan.extract.tables import extract_indicator_tables, table_line_numbers
    from healthplan.mapping import map_tables

    info = extract_info(document)
    toc = find_toc(document)
    toc_lines = {entry.line for entry in toc}
    tables = extract_indicator_tables(document, period=info.period, skip=toc_lines)
    table_lines = table_line_numbers(tables)
    projects = extract_projects(document, skip=table_lines | toc_lines)
    project_lines = {n for p in projects for n in range(p.line_start, p.line_end + 1)}
    outline = extract_outline(document, skip=table_lines | toc_lines | project_lines)
    retrospective = _retrospective_lines(outline, len(document.lines))
    commitments = extract_commitments(
        document,
        skip_lines=table_lines | toc_lines | retrospective,
        period=(info.period.start, info.period.end) if info.period else None,
    )
    commitments = _drop_restated_targets(commitments, tables)
    map_tables(tables)
    for item in [*tables, *projects]:
        item.page = document.line(item.line_start).page
    return ExtractedPlan(info, outline, toc, tables, projects, commitments)


def _drop_restated_targets(commitments: list, tables: list[IndicatorTable]) -> list:
    """Drop body-text sentences that repeat an indicator's target from the table ("人均预期寿命
    80岁左右"): they are not commitments of their own. One that states a different figure is
    kept (the audit wants to see it)."""
    from healthplan.catalog import normalise_name

    targets: dict[str, set[float]] = {}
    for table in tables:
        if table.kind == "plan":
            for row in table.rows:
                numbers = {float(n) for n in _NUMBER.findall(row.target)}
                targets.setdefault(normalise_name(row.name), set()).update(numbers)
    if not targets:
        return commitments
    return [
        c for c in commitments
        if not any(float(n) in targets.get(normalise_name(c.subject), ())
                   for n in _NUMBER.findall(c.value))
    ]


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _retrospective_lines(outline: list[Heading], last_line: int) -> set[int]:
    """Lines under headings that review the previous plan period."""
    from healthplan.extract.outline import RANK, walk

    headings = [heading for heading, _ in walk(outline)]
    lines: set[int] = set()
    for k, heading in enumerate(headings):
        if not any(word in heading.title for word in _RETROSPECTIVE):
            continue
        # The section runs to the next heading of the same or a higher rank.
        end = next(
            (h.line - 1 for h in headings[k + 1:] if RANK[h.kind] <= RANK[heading.kind]),
            last_line,
        )
        lines.update(range(heading.line, end + 1))
    return lines


__all__ = ["ExtractedPlan", "extract_plan"]
