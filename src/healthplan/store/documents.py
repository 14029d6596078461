"""The text of loaded plan documents: stored line by line with each line's place in the
outline, so a stored plan can be shown, searched and audited after its file is gone."""

from __future__ import annotations

from bisect import bisect_right

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from healthplan.documents.model import Document, Line
from healthplan.extract import ExtractedPlan
from healthplan.store.models import DocumentLine, Plan

PATH_SEPARATOR = " › "


class DocumentNotStored(LookupError):
    """The plan's document text is not in the database (loaded before it was kept)."""


def outline_paths(extracted: ExtractedPlan, line_count: int) -> list[str]:
    """For lines 1..line_count, the markers of the headings enclosing each line
    ("第四章 › 三、 › （四）"); "" before the first heading."""
    from healthplan.extract.outline import walk

    starts = sorted(((heading.line, path) for heading, path in walk(extracted.outline)),
                    key=lambda item: item[0])
    lines = [line for line, _ in starts]
    paths = [PATH_SEPARATOR.join(h.marker for h in path) for _, path in starts]
    result = []
    for number in range(1, line_count + 1):
        k = bisect_right(lines, number) - 1
        result.append(paths[k] if k >= 0 else "")
    return result


def line_sections(extracted: ExtractedPlan, line_count: int) -> list[str]:
    """What each line is: heading, table (an indicator table), project (a 专栏 box) or body."""
    from healthplan.extract.outline import walk

    sections = ["body"] * line_count
    for table in extracted.indicator_tables:
        for n in range(table.line_start, table.line_end + 1):
            sections[n - 1] = "table"
    for project in extracted.projects:
        for n in range(project.line_start, project.line_end + 1):
            sections[n - 1] = "project"
    for heading, _ in walk(extracted.outline):
        sections[heading.line - 1] = "heading"
    return sections


def store_document(session: Session, document: Document, extracted: ExtractedPlan) -> int:
    """Keep ``document``'s lines (once per document); the number of lines added."""
    sha = document.sha256 or extracted.document.sha256 or ""
    if session.scalar(select(DocumentLine.id).where(DocumentLine.source_sha256 == sha).limit(1)):
        return 0
    count = len(document.lines)
    paths = outline_paths(extracted, count)
    sections = line_sections(extracted, count)
    rows = [
        {"source_sha256": sha, "line": line.number, "text": line.text, "page": line.page,
         "cells": list(line.cells) if line.cells is not None else None,
         "table_index": line.table, "outline_path": paths[k], "section": sections[k]}
        for k, line in enumerate(document.lines)
    ]
    if rows:
        session.execute(insert(DocumentLine), rows)
        from healthplan.store.search_index import index_document

        index_document(session, sha)
    return len(rows)


def document_lines(session: Session, sha256: str) -> list[DocumentLine]:
    return list(session.scalars(select(DocumentLine).where(DocumentLine.source_sha256 == sha256)
                                .order_by(DocumentLine.line)))


def plan_document(session: Session, plan_id: int) -> Document:
    """The stored plan's document, as the reader produced it (lines, pages, table cells).

    Raises LookupError for an unknown plan, DocumentNotStored when its text was not kept.
    """
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise LookupError(f"没有编号为 {plan_id} 的规划")
    stored = document_lines(session, plan.source_sha256)
    if not stored:
        raise DocumentNotStored(f"规划 {plan_id}（{plan.source_name}）的原文未保存，请重新载入该文件")
    return Document(
        path=plan.source_name, format=plan.source_format, sha256=plan.source_sha256,
        lines=[Line(number=row.line, text=row.text, page=row.page,
                    cells=tuple(row.cells) if row.cells is not None else None,
                    table=row.table_index)
               for row in stored],
    )
