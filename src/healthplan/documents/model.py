"""The Document model every reader produces: numbered lines with provenance.

A plan document of any format becomes a list of `Line`s. Line numbers are
1-based and count the lines of the text as read (for .txt, the file's own
lines; for .docx/.pdf/.html, the lines of the extracted text, where each table
row is one line with its cells joined by tabs). A line that is a row of a real
table (a Word/HTML table, or a ruled table found in a PDF) also carries its
cells, so the table extractor can use the real structure instead of guessing
it from the layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from healthplan.textutil import join_wrapped

# Below this OCR confidence a value is doubtful and its row is flagged for a look: the
# recogniser scores clean print at ~0.95 and above. One threshold for the OCR reader (which
# scores what it repaired) and the table extractor (which flags the rows).
LOW_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    page: int | None = None
    cells: tuple[str, ...] | None = None
    table: int | None = None  # index of the real table this row belongs to
    # For text read by OCR: the recogniser's confidence (0–1) of each cell (or of the
    # whole line when it has no cells); None for text that came from a text layer.
    confidences: tuple[float, ...] | None = None

    @property
    def confidence(self) -> float | None:
        """The lowest OCR confidence on the line, None when it was not read by OCR."""
        return min(self.confidences) if self.confidences else None

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()


@dataclass
class Document:
    path: str
    format: str  # "txt" | "docx" | "pdf" | "html" | "xlsx" | "doc" | "wps" | "ocr"
    lines: list[Line] = field(default_factory=list)
    encoding: str | None = None  # for text formats: the encoding detected
    sha256: str | None = None

    @property
    def name(self) -> str:
        from pathlib import Path

        return Path(self.path).name

    def line(self, number: int) -> Line:
        return self.lines[number - 1]

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class DocumentError(Exception):
    """A document that cannot be read; the message names the file and the problem."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def lines_from_text(text: str, page: int | None = None, start: int = 1) -> list[Line]:
    """Number the lines of plain text (newline-separated) from `start`."""
    return [
        Line(number=start + i, text=raw.rstrip("\r"), page=page)
        for i, raw in enumerate(text.split("\n"))
    ]


_CJK = "\u3400-\u9fff\uf900-\ufaff"
# Full-width, no-break and typographic spaces, or two or more ordinary ones; a single
# ordinary space is kept (it separates the cells of a nested table flattened into one).
CJK_PADDING = re.compile(
    f"(?<=[{_CJK}])(?:[ ]*[\u3000\xa0\u2002\u2003\u2009][ \u3000\xa0\u2002\u2003\u2009]*|[ ]{{2,}})"
    f"(?=[{_CJK}])"
)


def fold_cell_text(text: str, wrapped: bool = False) -> str:
    """Fold the text of one table cell (its paragraphs/wrapped lines joined by "\\n") to one line.

    Pieces are stripped; two pieces are joined with " " when the last character of the
    first and the first character of the second are both ASCII letters/digits (an English
    word or number wrapped in a narrow cell, e.g. "DDDs" / "100"), and with "" otherwise:
    Chinese text and punctuation wrap anywhere ("2020年" / "完成情况" → "2020年完成情况",
    "同比例" / "提高" → "同比例提高"). No-break spaces and tabs inside a piece become
    ordinary spaces, so the result never contains a tab or a newline.

    `wrapped=True` says the pieces are the printed lines of a cell (a PDF), not paragraphs:
    a line break between two digits then splits one number ("10" / "0、100" → "100、100";
    CJK line-breaking rules keep "、" off the start of a line by moving a digit down), so
    digit–digit pieces are joined with "".
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Spaces between two Chinese characters only pad the print ("指\u3000\u3000标", "单  位"
    # in a header cell): Chinese has no word spaces, so they are dropped. Other no-break,
    # full-width and tab spaces become one ordinary space.
    text = CJK_PADDING.sub("", text)
    text = text.replace("\xa0", " ").replace("\u3000", " ").replace("\t", " ")
    folded = ""
    for piece in text.split("\n"):
        piece = piece.strip()
        if wrapped and folded[-1:].isdigit() and piece[:1].isdigit():
            folded += piece
        else:
            folded = join_wrapped(folded, piece)
    return folded
