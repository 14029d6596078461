"""The heading tree of a plan, and its table of contents.

Chinese official documents number their headings by level: 第一章 › 第一节 ›
一、 › （一） › 1. › （1）. A plan need not use every level, so the tree is
built by rank: a heading's parent is the nearest earlier heading of a
smaller rank. A run-in heading ends at the first 。 and its paragraph goes on
on the same line ("一、社会经济迅猛发展。2020年底，…").
"""

from __future__ import annotations

import re

from healthplan.documents.model import Document
from healthplan.extract.model import Heading, TocEntry

_CN = "一二三四五六七八九十百零〇两"
HEADING_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"^(?P<marker>第[{_CN}\d]+章)\s*(?P<rest>.*)$")),
    ("section", re.compile(rf"^(?P<marker>第[{_CN}\d]+节)\s*(?P<rest>.*)$")),
    ("cn_number", re.compile(rf"^(?P<marker>[{_CN}]+、)\s*(?P<rest>.+)$")),
    ("cn_paren", re.compile(rf"^(?P<marker>[（(]\s*[{_CN}]+\s*[)）])\s*(?P<rest>.+)$")),
    ("number", re.compile(r"^(?P<marker>\d{1,2}\s*[.．、](?!\d))\s*(?P<rest>.+)$")),
    ("paren_number", re.compile(r"^(?P<marker>[（(]\d{1,2}[)）])\s*(?P<rest>.+)$")),
]
RANK = {kind: rank for rank, (kind, _) in enumerate(HEADING_PATTERNS)}

# A heading title without a full stop longer than this is a numbered paragraph.
_MAX_TITLE = 60

_TOC_LINE = re.compile(
    r"^(?P<title>.+?)\s*(?:\.{3,}|…{2,}|·{3,}|\t)+\s*(?P<page>[-—－]?\s*\d{1,3}\s*[-—－]?)\s*$"
)


def match_heading(text: str) -> tuple[str, str, str] | None:
    """(kind, marker, title) when a line opens with a heading number; else None."""
    stripped = text.strip()
    if not stripped:
        return None
    for kind, pattern in HEADING_PATTERNS:
        match = pattern.match(stripped)
        if not match:
            continue
        rest = match.group("rest").strip()
        title, stop, _ = rest.partition("。")
        title = title.strip()
        if not stop and len(title) > _MAX_TITLE:
            return None
        if kind in ("chapter", "section") and not title:
            return kind, re.sub(r"\s+", "", match.group("marker")), ""
        if not title:
            return None
        return kind, re.sub(r"\s+", "", match.group("marker")), title
    return None


def find_toc(document: Document) -> list[TocEntry]:
    """Lines of a table of contents: a title, leader dots or a tab, and a page number."""
    entries = []
    for line in document.lines:
        if line.cells is not None:
            continue
        text = line.text.strip(" ")
        # Cheap test first: an entry is short and ends with its page number.
        if len(text) > 80 or not text[-1:].isdigit() and not text.endswith(("-", "－", "—")):
            continue
        match = _TOC_LINE.match(text)
        if match and not line.text.startswith("\t"):
            title = match.group("title").strip()
            if len(title) >= 2 and not title.replace(".", "").isdigit():
                entries.append(TocEntry(title=title, page=re.sub(r"[^\d]", "", match.group("page")),
                                        line=line.number))
    # A lone line with a page number is not a table of contents; several in a row are.
    return entries if len(entries) >= 3 else []


def extract_outline(document: Document, skip: set[int]) -> list[Heading]:
    """The heading tree; lines in `skip` (tables, 专栏 boxes, the contents) are not headings."""
    roots: list[Heading] = []
    stack: list[Heading] = []
    for line in document.lines:
        if line.number in skip or line.cells is not None or line.text.startswith("\t"):
            continue
        found = match_heading(line.text)
        if not found:
            continue
        kind, marker, title = found
        heading = Heading(kind=kind, marker=marker, title=title, line=line.number)
        while stack and RANK[stack[-1].kind] >= RANK[kind]:
            stack.pop()
        (stack[-1].children if stack else roots).append(heading)
        stack.append(heading)
    return roots


def walk(headings: list[Heading], path: tuple[Heading, ...] = ()):
    """Yield (heading, path from the root) depth-first."""
    for heading in headings:
        yield heading, path + (heading,)
        yield from walk(heading.children, path + (heading,))


def outline_path_at(headings: list[Heading], line: int) -> list[Heading]:
    """The headings that enclose `line` (the last heading at or before it, and its ancestors)."""
    best: tuple[Heading, ...] = ()
    for heading, path in walk(headings):
        if heading.line <= line:
            best = path
        else:
            break
    return list(best)
