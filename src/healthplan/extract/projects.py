"""Key project boxes (专栏).

In a text copy of a plan a box appears in one of two ways. Boxed: the caption
and the body each start with a tab, the body's paragraphs follow untabbed, and
two blank lines close the box. Written as paragraphs: a caption line
("专栏 1：…") and ordinary paragraphs up to the next heading. A box whose
caption was lost in conversion still starts with a tab-led paragraph outside
any table; it is kept as an uncaptioned box, numbered by its neighbours when
the gap in the numbering allows.
"""

from __future__ import annotations

import re

from healthplan.documents.model import Document, Line
from healthplan.extract.model import Project
from healthplan.extract.outline import match_heading
from healthplan.textutil import chinese_numeral, fold_whitespace, halfwidth_digits

_CAPTION = re.compile(
    r"^\s*专栏\s*(?P<number>[0-9０-９一二三四五六七八九十]+)\s*[:：．.、]?\s*(?P<title>.*)$"
)
# An untitled tab-led paragraph this long is a box's body, not a stray cell.
_MIN_BOX_TEXT = 20


def _caption(line: Line) -> tuple[int | None, str] | None:
    match = _CAPTION.match(line.text)
    if not match:
        return None
    number = chinese_numeral(halfwidth_digits(match.group("number")))
    return number, fold_whitespace(match.group("title"))


def _tab_led(line: Line) -> bool:
    return line.text.lstrip(" ").startswith("\t")


def _box_body(lines: list[Line], start: int, boxed: bool, stop: set[int]) -> int:
    """Index of the last body line of a box whose body begins at `start`."""
    last = start
    blank_run = 0
    i = start
    while i < len(lines):
        line = lines[i]
        if line.number in stop or _caption(line):
            break
        if line.is_blank:
            blank_run += 1
            if blank_run >= 2:
                break
            i += 1
            continue
        if not boxed and match_heading(line.text):
            break
        blank_run = 0
        last = i
        i += 1
    return last


def extract_projects(document: Document, skip: set[int]) -> list[Project]:
    """Every 专栏 box in order; lines in `skip` (indicator tables) are never part of one."""
    lines = document.lines
    projects: list[Project] = []
    taken: set[int] = set(skip)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.number in taken or line.cells is not None:
            i += 1
            continue
        caption = _caption(line)
        uncaptioned = (
            caption is None
            and _tab_led(line)
            and len(line.text.strip()) >= _MIN_BOX_TEXT
            and not match_heading(line.text)
        )
        if caption is None and not uncaptioned:
            i += 1
            continue
        body = i + 1 if caption else i
        while body < len(lines) and lines[body].is_blank:
            body += 1
        if body >= len(lines) or _caption(lines[body]):
            end = i  # a caption with no body
        else:
            end = _box_body(lines, body, boxed=_tab_led(lines[body]), stop=skip)
        body_lines = [ln.text.strip() for ln in lines[body:end + 1] if not ln.is_blank]
        number, title = caption if caption else (None, None)
        projects.append(
            Project(
                number=number,
                title=title or None,
                line_start=line.number,
                line_end=lines[end].number,
                text="\n".join(body_lines),
                caption_missing=caption is None,
            )
        )
        taken.update(range(line.number, lines[end].number + 1))
        i = end + 1
    _infer_missing_numbers(projects)
    return projects


def _infer_missing_numbers(projects: list[Project]) -> None:
    for k, project in enumerate(projects):
        if not project.caption_missing:
            continue
        before = next((p.number for p in reversed(projects[:k]) if p.number), None)
        after = next((p.number for p in projects[k + 1:] if p.number), None)
        if before is not None and after is not None and after - before == 2:
            project.inferred_number = before + 1
