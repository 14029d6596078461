"""Collect the lines of a document in reading order; shared by the docx, pdf and html readers.

Paragraph text is kept verbatim (only trailing whitespace is stripped; a paragraph with
line breaks becomes several lines). Every table row becomes one line carrying its cells
and the table's 0-based index; each table is set off from the text around it by one blank
line, like the tables in the plain-text plans.
"""

from __future__ import annotations

from collections.abc import Sequence

from healthplan.documents.model import Line


class LineCollector:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.tables = 0  # tables emitted so far = index of the next table
        self._after_table = False

    def _append(
        self,
        text: str,
        page: int | None,
        cells: tuple[str, ...] | None = None,
        table: int | None = None,
        confidences: tuple[float, ...] | None = None,
    ) -> None:
        self.lines.append(
            Line(number=len(self.lines) + 1, text=text, page=page, cells=cells, table=table,
                 confidences=confidences)
        )

    def text(
        self, text: str, page: int | None = None, confidences: tuple[float, ...] | None = None
    ) -> None:
        """Add a paragraph (possibly several lines); `confidences`: of the whole paragraph,
        read by OCR."""
        for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = raw.rstrip()
            if not line:
                # The blank line that follows a table already separates it from the text.
                if self._after_table and self.lines and self.lines[-1].is_blank:
                    continue
            else:
                self._after_table = False
            self._append(line, page, confidences=confidences if line else None)

    def blank(self, page: int | None = None) -> None:
        """Add a blank line unless the previous line is blank (or there is none)."""
        if self.lines and not self.lines[-1].is_blank:
            self._append("", page)

    def table(
        self,
        rows: Sequence[Sequence[str]],
        page: int | None = None,
        pages: Sequence[int | None] | None = None,
        confidences: Sequence[tuple[float, ...]] | None = None,
    ) -> None:
        """Add one table: a line per row (rows whose cells are all empty are dropped);
        `confidences`: each row's cell confidences, for a table read by OCR."""
        rows = [tuple(row) for row in rows]
        kept = [
            (row, pages[i] if pages is not None else page,
             confidences[i] if confidences is not None else None)
            for i, row in enumerate(rows)
            if any(cell.strip() for cell in row)
        ]
        if not kept:
            return
        index = self.tables
        self.tables += 1
        self.blank(kept[0][1])
        for cells, row_page, scores in kept:
            self._append("\t".join(cells), row_page, cells=cells, table=index, confidences=scores)
        self._append("", kept[-1][1])
        self._after_table = True

    def finish(self) -> list[Line]:
        """The collected lines, without trailing blank lines."""
        while self.lines and self.lines[-1].is_blank:
            self.lines.pop()
        return self.lines
