"""PDF plans with a text layer, page by page: read with pdfium (documents/pdf_pdfium.py),
pdfplumber only where it is really needed (see _read_pages_pdfium).

On each page the ruled (bordered) tables are found from the page's ruling lines (as
pdfplumber's default "lines" strategy did); every table becomes one line per row with its
cells, placed at the table's top position among the text lines of the page. The text
outside the tables is read as visual lines (as pdfplumber's `extract_text_lines`): a
paragraph wrapped over several printed lines gives several lines, as in a plain-text plan. Page numbers ("- 3 -", "3", "第3页") and
running headers/footers repeated at the same place on many pages are dropped.

Cells merged across rows or columns are expanded: their text is repeated into every
grid position they cover (like python-docx does for Word tables). Cell text is folded
with `fold_cell_text(wrapped=True)`. Tables drawn without ruling lines are not detected;
their text comes out as ordinary lines.

A table continued on the next page (the last thing on one page and the first on the next,
with the same column boundaries) is joined into one table: a repeated header row is
dropped, a merged cell that runs on over the page break gets its text back (the PDF
prints it once, on the first page), and a row split by the page break (a first row on
the new page with only a few, non-empty cells, after a full row) is glued back into the
row it continues. Each row keeps the page it is printed on (the glued row: its first page).

A merged cell whose text itself is cut by the page break ("健康水" in the last row of one
page, "平" at the top of the next) is joined back too, in every row it covers on both
pages. The sign that the text runs on: the last printed line of the cell on the first
page fills the cell's width (it was wrapped, the text did not end there) and there is no
room for another line below it in the cell. A short category ending a page ("健康保障" in
a wide column), or one whose last line happens to fill the width but that has empty room
below it, ends there; the text at the top of the next page is then a new category.
"""

from __future__ import annotations

import bisect
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from healthplan.documents.limits import check_pages
from healthplan.documents.lines import LineCollector
from healthplan.documents.model import Document, DocumentError, fold_cell_text

_NO_TEXT = "PDF 没有文字层（可能是扫描件），请先进行文字识别（OCR）"
_CORRUPT = "不是有效的 PDF 文件（文件已损坏或被截断）"
_ENCRYPTED = "PDF 文件已加密，需要密码才能打开，请先解除密码保护"
_GARBLED = (
    "PDF 的文字层无法解码（字体缺少 Unicode 映射，提取出的是 (cid:…) 乱码），"
    "请用原始的 Word/WPS 文件，或将 PDF 打印为图片后按扫描件读取"
)

# Header/footer bands: the top and bottom 12% of the page height.
_BAND = 0.12
_PAGE_NUMBER = re.compile(
    r"^[\s\-－—–~·•]*(\d{1,4}|第\s*\d{1,4}\s*页(\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|[ivxlcIVXLC]{1,6})[\s\-－—–~·•]*$"
)
_SNAP = 1.5  # points: cell edges closer than this are one grid line
# A cell's last printed line "fills the width" (the text was wrapped there) when less than
# this many font sizes (a CJK character is one font size wide) of the width are left over.
_WRAP_SLACK = 1.5


@dataclass
class _TextLine:
    top: float
    text: str
    in_band: bool
    confidence: float | None = None  # read by OCR: the lowest score of its boxes


@dataclass
class _Table:
    top: float
    rows: list[list[str]]
    ids: list[list[int]]  # the source cell of each grid position (equal ids = merged cell)
    xs: list[float]  # column boundaries
    pages: list[int] = field(default_factory=list)
    # the cells of the last row whose printed text looks cut off there (see _wrapped_cells)
    wrapped: set[int] = field(default_factory=set)
    # read by OCR: the confidence of each cell id (cells where nothing was read: absent)
    confidence: dict[int, float] | None = None

    def row_confidences(self) -> list[tuple[float, ...]] | None:
        if self.confidence is None:
            return None
        return [tuple(self.confidence.get(i, 1.0) for i in row) for row in self.ids]


@dataclass
class _Page:
    number: int
    items: list[_TextLine | _Table] = field(default_factory=list)


def read_pdf(path: str, data: bytes, progress=None) -> Document:
    """A PDF: its text layer, or (a scan with no text layer) OCR."""
    scanned = _scan_without_text(path, data)
    if scanned is not None:
        from healthplan.documents.ocr import read_scanned_pdf

        try:
            return read_scanned_pdf(path, scanned, progress)
        finally:
            scanned.close()
    pages = _read_pages_pdfium(path, data)
    if pages is None:  # pdfium cannot open it: pdfplumber reads it or says what is wrong
        pages = _read_pages(path, data)
    return Document(path=path, format="pdf", lines=assemble_pages(pages))


def assemble_pages(pages: list[_Page]) -> list:
    """The lines of a paged document: page furniture dropped, continued tables joined."""
    _drop_page_furniture(pages)
    _join_continued_tables(pages)
    collector = LineCollector()
    for page in pages:
        for item in page.items:
            if isinstance(item, _Table):
                collector.table(item.rows, pages=item.pages, confidences=item.row_confidences())
            else:
                confidences = None if item.confidence is None else (item.confidence,)
                collector.text(item.text, page=page.number, confidences=confidences)
    return collector.finish()


def _scan_without_text(path: str, data: bytes):
    """The PDF opened with pdfium when no page has a text layer (a scan: read by OCR);
    None when it has text. Refuses too many pages. Errors are left to pdfplumber, whose
    messages are explained by _explain."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:
        return None
    try:
        check_pages(path, len(pdf))
        for page in pdf:
            text = page.get_textpage()
            chars = text.count_chars()
            text.close()
            page.close()
            if chars:
                pdf.close()
                return None
    except BaseException:
        pdf.close()
        raise
    if not len(pdf):
        pdf.close()
        return None
    return pdf


def _read_pages_pdfium(path: str, data: bytes) -> list[_Page] | None:
    """Every page read with pdfium (documents/pdf_pdfium.py); None when pdfium cannot open
    the file or fails on one of its pages (damaged, encrypted: pdfplumber then reads it or
    its errors name the problem, see _explain).

    pdfplumber is used only where it is really needed: for those files, and for a page
    whose text is rotated (vertical text, a landscape table turned on its side) or that
    is turned by /Rotate, which the pdfium reader's left-to-right line grouping in
    unturned page coordinates does not handle.
    """
    import pypdfium2 as pdfium

    from healthplan.documents.pdf_pdfium import FallbackPage

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:
        return None
    plumber = None
    try:
        if not len(pdf):
            return None
        check_pages(path, len(pdf))
        pages, chars, checked, unmapped = [], 0, 0, 0
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                read, count, sample, bad = _read_page_pdfium(index + 1, page, textpage)
            except FallbackPage:
                if plumber is None:
                    import pdfplumber

                    plumber = pdfplumber.open(io.BytesIO(data))
                plumber_page = plumber.pages[index]
                count = sample = len(plumber_page.chars)
                bad = sum(1 for ch in plumber_page.chars if ch["text"].startswith("(cid:"))
                read = _read_page(plumber_page)
                plumber_page.close()
            finally:
                textpage.close()
                page.close()
            pages.append(read)
            chars += count
            checked += sample
            unmapped += bad
        if not chars:
            raise DocumentError(path, _NO_TEXT)
        if unmapped > checked * 0.3:
            raise DocumentError(path, _GARBLED)
        return pages
    except DocumentError:
        raise
    except Exception:  # pdfium failed on a page: pdfplumber reads the file or explains
        return None
    finally:
        if plumber is not None:
            plumber.close()
        pdf.close()


def _read_page_pdfium(number: int, page, textpage) -> tuple[_Page, int, int, int]:
    """One page: its text lines and ruled tables; its number of characters; of those
    checked for a Unicode map, how many and how many have none (the (cid:…) check)."""
    from healthplan.documents.pdf_pdfium import (
        FallbackPage,
        cell_text,
        find_grids,
        page_chars,
        ruling_segments,
        text_lines,
    )

    if page.get_rotation():
        raise FallbackPage("page turned by /Rotate")  # pdfium's boxes are not turned
    text = page_chars(page, textpage)
    result = _Page(number=number)
    top_band, bottom_band = text.height * _BAND, text.height * (1 - _BAND)
    grids = find_grids(ruling_segments(page, text.height)) if text.chars else []
    outside = []
    in_cells: list[list] = [[[] for _ in grid.cells] for grid in grids]
    positions = []
    for grid in grids:
        where = {}
        for number_in_grid, (rows, cols) in enumerate(grid.spans):
            for r in rows:
                for c in cols:
                    where[r, c] = number_in_grid
        positions.append(where)
    for char in text.chars:
        x, y = (char.x0 + char.x1) / 2, (char.top + char.bottom) / 2
        for g, grid in enumerate(grids):
            x0, top, x1, bottom = grid.bbox
            if x0 <= x <= x1 and top <= y <= bottom:
                r = min(bisect.bisect_right(grid.ys, y) - 1, len(grid.ys) - 2)
                c = min(bisect.bisect_right(grid.xs, x) - 1, len(grid.xs) - 2)
                cell = positions[g].get((r, c))
                if cell is not None:
                    in_cells[g][cell].append(char)
                break
        else:
            outside.append(char)
    for top, bottom, line in text_lines(outside):
        in_band = bottom <= top_band or top >= bottom_band
        result.items.append(_TextLine(top=top, text=line, in_band=in_band))
    id_base = number * 1_000_000
    for grid, cell_chars in zip(grids, in_cells, strict=True):
        xs, ys = grid.xs, grid.ys
        rows = [[""] * (len(xs) - 1) for _ in range(len(ys) - 1)]
        ids = [[-1] * (len(xs) - 1) for _ in range(len(ys) - 1)]
        for n, ((span_rows, span_cols), chars) in enumerate(
            zip(grid.spans, cell_chars, strict=True)
        ):
            folded = fold_cell_text(cell_text(chars), wrapped=True)
            for r in span_rows:
                for c in span_cols:
                    rows[r][c] = folded
                    ids[r][c] = id_base + n
        inside = [ch for chars in cell_chars for ch in chars]
        text.font_sizes(inside)
        wrapped = _wrapped_cells(inside, grid.cells, xs, ys, ids, id_base)
        table = _Table(top=ys[0], rows=rows, ids=ids, xs=xs, wrapped=wrapped)
        table.pages = [number] * len(rows)
        result.items.append(table)
    result.items.sort(key=lambda item: item.top)
    return result, len(text.chars), text.checked, text.unmapped


def _read_pages(path: str, data: bytes) -> list[_Page]:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if not pdf.pages:
                raise DocumentError(path, "PDF 文件中没有页面")
            check_pages(path, len(pdf.pages))
            pages, chars, garbled = [], 0, 0
            for page in pdf.pages:
                chars += len(page.chars)
                garbled += sum(1 for ch in page.chars if ch["text"].startswith("(cid:"))
                pages.append(_read_page(page))
                page.close()  # drop the page's parsed objects: plans run to 100+ pages
            if not chars:
                raise DocumentError(path, _NO_TEXT)
            if garbled > chars * 0.3:
                raise DocumentError(path, _GARBLED)
            return pages
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(path, _explain(exc)) from None


def _explain(exc: Exception) -> str:
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    name = type(inner).__name__
    if "Password" in name or "Encrypt" in name:
        return _ENCRYPTED
    if name in ("PSEOF", "PDFSyntaxError", "PDFNoValidXRef", "PSSyntaxError", "PDFTypeError"):
        return _CORRUPT
    return f"{_CORRUPT}：{name}"


def _read_page(page) -> _Page:
    result = _Page(number=page.page_number)
    height = float(page.height) or 1.0
    top_band, bottom_band = height * _BAND, height * (1 - _BAND)

    tables = [t for t in page.find_tables() if t.cells]
    boxes = [t.bbox for t in tables]

    def outside_tables(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    for line in text_page.extract_text_lines(strip=True, return_chars=False):
        text = line["text"]
        if not text.strip():
            continue
        in_band = line["bottom"] <= top_band or line["top"] >= bottom_band
        result.items.append(_TextLine(top=float(line["top"]), text=text, in_band=in_band))
    for table in tables:
        grid = _table_grid(table, id_base=result.number * 1_000_000)
        if grid is not None:
            grid.pages = [result.number] * len(grid.rows)
            result.items.append(grid)
    result.items.sort(key=lambda item: item.top)
    return result


def _table_grid(table, id_base: int = 0) -> _Table | None:
    """The table as a full grid; a merged cell's text fills every position it covers."""
    texts: dict[tuple, str] = {}
    for row, extracted in zip(table.rows, table.extract(), strict=False):
        for bbox, text in zip(row.cells, extracted, strict=False):
            if bbox is not None:
                texts[tuple(bbox)] = fold_cell_text(text or "", wrapped=True)
    cells = [tuple(bbox) for bbox in table.cells]
    xs = _snap([c[0] for c in cells] + [c[2] for c in cells])
    ys = _snap([c[1] for c in cells] + [c[3] for c in cells])
    if len(xs) < 2 or len(ys) < 2:
        return None
    rows = [[""] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    ids = [[-1] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for number, bbox in enumerate(cells):
        x0, top, x1, bottom = bbox
        for r in _span(ys, top, bottom):
            for c in _span(xs, x0, x1):
                rows[r][c] = texts.get(bbox, "")
                ids[r][c] = id_base + number
    wrapped = _wrapped_cells(table.page.chars, cells, xs, ys, ids, id_base)
    return _Table(top=float(table.bbox[1]), rows=rows, ids=ids, xs=xs, wrapped=wrapped)


def _wrapped_cells(
    chars: list[dict],
    cells: list[tuple],
    xs: list[float],
    ys: list[float],
    ids: list[list[int]],
    id_base: int,
) -> set[int]:
    """The ids of the cells on the table's last row whose text looks cut off at their bottom.

    That is: the last printed line fills the cell's width (less than _WRAP_SLACK font sizes
    left over, after the cell's padding) and there is no room for one more line below it.
    The padding, the line pitch and the gap under a cell's last line are measured on the
    whole table (the smallest gap beside a line, the largest distance between two lines of
    a cell up to two font sizes, the smallest gap under a last line).
    """
    inside = [
        ch
        for ch in chars
        if not ch["text"].isspace()
        and ch.get("upright", True)
        and xs[0] < (ch["x0"] + ch["x1"]) / 2 < xs[-1]
        and ys[0] < (ch["top"] + ch["bottom"]) / 2 < ys[-1]
    ]
    lines: dict[int, list[list[dict]]] = {}  # cell id -> its printed lines, top down
    for char in sorted(inside, key=lambda ch: (ch["top"], ch["x0"])):
        x = (char["x0"] + char["x1"]) / 2
        y = (char["top"] + char["bottom"]) / 2
        cell = ids[bisect.bisect_right(ys, y) - 1][bisect.bisect_right(xs, x) - 1]
        if cell < 0:
            continue
        cell_lines = lines.setdefault(cell, [])
        if cell_lines and char["top"] - cell_lines[-1][0]["top"] < char["size"] / 2:
            cell_lines[-1].append(char)
        else:
            cell_lines.append([char])
    if not lines:
        return set()
    pad, pitch, gap_under = float("inf"), 0.0, float("inf")
    for cell, cell_lines in lines.items():
        x0, _, x1, bottom = cells[cell - id_base]
        for line in cell_lines:
            pad = min(pad, min(ch["x0"] for ch in line) - x0, x1 - max(ch["x1"] for ch in line))
        for above, below in zip(cell_lines, cell_lines[1:], strict=False):
            distance = below[0]["top"] - above[0]["top"]
            if distance <= 2 * below[0]["size"]:
                pitch = max(pitch, distance)
        gap_under = min(gap_under, bottom - max(ch["bottom"] for ch in cell_lines[-1]))
    pad = max(pad, 0.0)
    result = set()
    for cell, cell_lines in lines.items():
        x0, _, x1, bottom = cells[cell - id_base]
        if abs(bottom - ys[-1]) > _SNAP:
            continue
        last = cell_lines[-1]
        size = max(ch["size"] for ch in last)
        width = max(ch["x1"] for ch in last) - min(ch["x0"] for ch in last)
        fills_width = (x1 - x0 - 2 * pad) - width < _WRAP_SLACK * size
        room_below = bottom - max(ch["bottom"] for ch in last) >= gap_under + (pitch or 1.5 * size)
        if fills_width and not room_below:
            result.add(cell)
    return result


def _snap(values: list[float]) -> list[float]:
    """Sorted grid lines: values within _SNAP points of each other are one line."""
    lines: list[float] = []
    for value in sorted(values):
        if not lines or value - lines[-1] > _SNAP:
            lines.append(value)
    return lines


def _span(lines: list[float], start: float, end: float) -> range:
    first = min(range(len(lines)), key=lambda i: abs(lines[i] - start))
    last = min(range(len(lines)), key=lambda i: abs(lines[i] - end))
    return range(first, max(last, first + 1))


def _join_continued_tables(pages: list[_Page]) -> None:
    open_table: _Table | None = None  # a table that ends its page
    for page in pages:
        if open_table is not None and page.items:
            first = page.items[0]
            if (
                isinstance(first, _Table)
                and len(first.xs) == len(open_table.xs)
                and all(abs(a - b) <= 2 for a, b in zip(first.xs, open_table.xs, strict=True))
            ):
                _continue_table(open_table, first)
                page.items.pop(0)
                if not page.items:  # the table fills the whole page: it may go on
                    continue
        last = page.items[-1] if page.items else None
        open_table = last if isinstance(last, _Table) else None


def _continue_table(table: _Table, more: _Table) -> None:
    """Append the rows of `more` (the same table on the next page) to `table`."""
    repeated = 0  # header rows printed again at the top of the page
    while (
        repeated < len(more.rows) - 1
        and repeated < len(table.rows)
        and more.rows[repeated] == table.rows[repeated]
    ):
        repeated += 1
    rows, ids, pages = more.rows[repeated:], more.ids[repeated:], more.pages[repeated:]
    if table.confidence is not None or more.confidence is not None:
        table.confidence = {**(table.confidence or {}), **(more.confidence or {})}
    scores = table.confidence

    def lowest(*cells: int) -> None:
        """Text joined from several cells is as sure as the least sure of them."""
        if scores is not None:
            score = min(scores.get(cell, 1.0) for cell in cells)
            for cell in cells:
                scores[cell] = score
    width = len(rows[0])
    last = table.rows[-1]
    head = list(rows[0])  # as printed, before merged text is carried over
    filled = len([t for t in head if t])
    split_row = 0 < filled <= max(1, width // 3) and len([t for t in last if t]) >= width / 2

    def merged(c: int) -> bool:
        """The top cell of column c is merged over several rows here, or the column's body
        has merged cells (a category column; the first two rows may be a two-level header
        and do not count)."""
        merged_here = sum(1 for r in range(len(rows)) if ids[r][c] == ids[0][c]) > 1
        return merged_here or any(
            table.ids[r][c] == table.ids[r + 1][c] for r in range(2, len(table.ids) - 1)
        )

    def set_cell(grid_rows: list[list[str]], grid_ids: list[list[int]], cell: int, text: str):
        for r in range(len(grid_rows)):
            for cc in range(width):
                if grid_ids[r][cc] == cell:
                    grid_rows[r][cc] = text

    # A merged cell whose text is cut by the page break: the rest of its text is printed at
    # the top of this page, and the previous page's cell ends in a line that fills its width
    # with no room under it. The joined text goes into every row of both pieces.
    joined: set[int] = set()  # columns of the top row done that way
    for c in range(width):
        before = table.ids[-1][c]
        if c in joined or not head[c] or before not in table.wrapped or not merged(c):
            continue
        text = fold_cell_text(last[c] + "\n" + head[c], wrapped=True)
        joined.update(cc for cc in range(width) if ids[0][cc] == ids[0][c])
        set_cell(table.rows, table.ids, before, text)
        set_cell(rows, ids, ids[0][c], text)
        lowest(before, ids[0][c])
    # A merged cell running on from the previous page is printed empty on this one: an
    # empty cell at the top, in a merged (category) column.
    for c in range(width):
        if head[c] or not last[c]:
            continue
        if merged(c):
            set_cell(rows, ids, ids[0][c], last[c])
            lowest(table.ids[-1][c], ids[0][c])
    if split_row:
        for c, text in enumerate(head):
            if text and c not in joined:
                last[c] = fold_cell_text(last[c] + "\n" + text, wrapped=True)
                lowest(table.ids[-1][c], ids[0][c])
        rows, ids, pages = rows[1:], ids[1:], pages[1:]
    table.rows.extend(rows)
    table.ids.extend(ids)
    table.pages.extend(pages)
    table.wrapped = more.wrapped if rows else set()


def _drop_page_furniture(pages: list[_Page]) -> None:
    """Drop page numbers and running headers/footers (lines in the top/bottom bands)."""
    repeated: Counter[str] = Counter()
    for page in pages:
        repeated.update(
            {
                _furniture_key(item.text)
                for item in page.items
                if isinstance(item, _TextLine) and item.in_band
            }
        )
    threshold = max(3, (len(pages) + 1) // 2)
    for page in pages:
        page.items = [
            item
            for item in page.items
            if not (
                isinstance(item, _TextLine)
                and item.in_band
                and (
                    _PAGE_NUMBER.match(item.text.strip())
                    or repeated[_furniture_key(item.text)] >= threshold
                )
            )
        ]


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))
