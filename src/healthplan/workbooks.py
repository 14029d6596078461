"""What every workbook the product writes goes through before it is saved.

Text in a workbook can come from anyone who may enter a source, a note, a plan title or
an indicator name. openpyxl turns any string that starts with ``=`` into a live formula,
and Excel, LibreOffice and WPS read ``+ - @`` (and a leading tab or carriage return) as
the start of one when such a cell is edited or the sheet is saved as CSV and opened
again — the formula (CSV) injection OWASP describes. ``=HYPERLINK("http://evil","x")``
in a source would otherwise come out as a link in a government report.

So every text cell is written as text, and text that starts with one of those characters
carries Excel's quote prefix: the mark Excel itself stores when a user types a leading
apostrophe (OWASP's advice). The cell shows, prints and reads back exactly what was
entered, without the apostrophe, but no spreadsheet program evaluates it, even after an
edit. The text itself is not changed, so a figure's source stays word for word.

The product writes no formula of its own; a formula cell here can only have come from
user text.
"""

from __future__ import annotations

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(workbook):
    """Make every text cell of ``workbook`` plain text (in place); returns the workbook."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str):
                    continue  # numbers, dates, empty and merged-away cells
                if cell.data_type == "f" or value.startswith(FORMULA_LEADS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return workbook

