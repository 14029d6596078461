"""Scanned plans (PDFs without a text layer, .png/.jpg page images), read by OCR.

The recogniser is RapidOCR (`rapidocr-onnxruntime`): the PP-OCRv4 Chinese detection and
recognition models (and the PP-OCR direction classifier) ship inside its wheel, run on
ONNX Runtime on the CPU, and nothing is downloaded at run time — the package is Apache-2.0
and reads printed Chinese plans well (see bench/README.md). Tesseract would need a
system install plus the chi_sim data and reads Chinese tables worse; PaddleOCR proper
downloads its models on first use; EasyOCR downloads too and needs PyTorch.

Each page is rendered (PDF: with pdfium at `DPI`) and read into text boxes, each with its
text, its quadrilateral and the recogniser's score. Tables are found from their ruling
lines in the image (horizontal and vertical strokes found by morphology): the lines give
the grid, a grid position whose border with its neighbour is missing is merged with it
(a category merged down its rows, a two-row header), and every text box goes to the cell
that holds its centre (tables printed without ruling lines: see `ocr_columns`). A cell's text is its boxes grouped into printed lines (by vertical
overlap) and folded as a PDF cell's wrapped lines are. Text outside tables becomes lines
the same way. The result goes through the PDF reader's page furniture and continued-table
logic (`healthplan.documents.pdf`), with coordinates in points as in a PDF.

Every cell carries its confidence: the lowest score of its boxes (1.0 for a cell where
nothing was read), on `Line.confidences`, so the extractor can flag the rows it must not
trust. Provenance is the page (`Line.page`); `OcrBox` keeps each box in points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from healthplan.documents.limits import MAX_IMAGE_PIXELS, check_pages
from healthplan.documents.model import LOW_CONFIDENCE, Document, DocumentError, fold_cell_text
from healthplan.documents.ocr_columns import aligned_tables
from healthplan.textutil import join_wrapped

DPI = 200  # a scan's text is ~25 px high at 200 dpi: enough for PP-OCR, twice as fast as 300
POINT = 72.0  # PDF points per inch
# A character read with a probability below this is doubtful even inside a box whose mean
# is high. On the scanned samples the characters of rows read right rarely go below it
# (brackets and spaces aside), the misread ones do (bench/README.md).
LOW_CHARACTER = 0.6
_SETTLED = set("()（） ")


@dataclass(frozen=True)
class OcrBox:
    text: str
    score: float
    x0: float
    top: float
    x1: float
    bottom: float
    # The recogniser's probability of each character of the text (CTC), as read; the box's
    # score is their mean, so one doubtful character in a long cell hides in it.
    chars: tuple[float, ...] = ()

    @property
    def confidence(self) -> float:
        """The box's score (its characters' mean probability) — or, lower, the probability
        of a character the recogniser was really unsure of (below LOW_CHARACTER), which a
        long box's mean hides ("几童健康管理率": 0.96, its "几" 0.54). Brackets and spaces
        are left out: their probabilities are often low and fix_cell settles them."""
        unsure = [p for p, ch in zip(self.chars, self.text, strict=False)
                  if p < LOW_CHARACTER and ch not in _SETTLED]
        return min([self.score, *unsure])

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


_ENGINE = None


def _engine():
    global _ENGINE
    if _ENGINE is None:
        from rapidocr_onnxruntime import RapidOCR

        _ENGINE = RapidOCR(print_verbose=False)
    return _ENGINE


def read_image(path: str, data: bytes, progress=None) -> Document:
    """One page image (.png/.jpg)."""
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise DocumentError(path, "图片无法解码（文件已损坏或不是 PNG/JPEG 图片）")
    if image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:
        raise DocumentError(path, f"图片过大（{image.shape[1]}×{image.shape[0]} 像素），最多 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素")
    # An image has no physical size we can trust (dpi metadata is often absent): assume
    # a scan at DPI, so the geometry thresholds (in points) fit a printed page.
    return _document(path, [image], progress)


def read_scanned_pdf(path: str, pdf, progress=None) -> Document:
    """A PDF without a text layer (`pdf`: an open pypdfium2 PdfDocument)."""
    check_pages(path, len(pdf), ocr=True)

    def pages():
        for page in pdf:
            bitmap = page.render(scale=DPI / POINT, grayscale=True)
            image = bitmap.to_numpy()
            if image.ndim == 3:
                image = image[:, :, 0]
            yield image.copy()
            page.close()

    return _document(path, pages(), progress, total=len(pdf))


def _document(path: str, images, progress, total: int = 1) -> Document:
    from healthplan.documents.pdf import assemble_pages

    pages = []
    for number, image in enumerate(images, start=1):
        if progress is not None:
            progress(number - 1, total, "文字识别")
        pages.append(ocr_page(image, number))
    if progress is not None:
        progress(total, total, "文字识别")
    document = Document(path=path, format="ocr", lines=assemble_pages(pages))
    return document


def recognise(image) -> list[OcrBox]:
    """The text boxes of a page image, in points."""
    # return_word_box: each box also gives its characters' probabilities (and boxes).
    result, _ = _engine()(image, return_word_box=True)
    scale = POINT / DPI
    boxes = []
    for quad, text, score, *words in result or []:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        chars = tuple(float(c) for c in words[2]) if len(words) == 3 else ()
        if len(chars) != len(text):
            chars = ()
        else:  # the probabilities of the characters kept (not of spaces stripped)
            start = len(text) - len(text.lstrip())
            chars = chars[start : start + len(text.strip())]
        text = text.strip()
        if text:
            boxes.append(OcrBox(text, float(score), min(xs) * scale, min(ys) * scale,
                                max(xs) * scale, max(ys) * scale, chars))
    return boxes


def ocr_page(image, number: int):
    """One page read by OCR, as the PDF reader's _Page (text lines and tables)."""
    from healthplan.documents.pdf import _BAND, _Page, _TextLine

    boxes = recognise(image)
    grids = find_grids(image)
    page = _Page(number=number)
    height = image.shape[0] * POINT / DPI
    taken: set[int] = set()
    for grid in grids:
        table, used = grid_table(grid, boxes, id_base=number * 1_000_000, image=image)
        taken |= used
        if table is not None:
            table.pages = [number] * len(table.rows)
            page.items.append(table)
    rest = [box for i, box in enumerate(boxes) if i not in taken]
    lines = group_lines(rest)
    # Tables printed without ruling lines: columns from the boxes' positions.
    aligned, used_lines = aligned_tables(lines, id_base=number * 1_000_000 + 500_000)
    for table in aligned:
        table.pages = [number] * len(table.rows)
        page.items.append(table)
    for line in (line for k, line in enumerate(lines) if k not in used_lines):
        text = fix_text_line(_line_text(line))
        top = min(b.top for b in line)
        bottom = max(b.bottom for b in line)
        in_band = bottom <= height * _BAND or top >= height * (1 - _BAND)
        page.items.append(_TextLine(top=top, text=text, in_band=in_band,
                                    confidence=min(b.confidence for b in line)))
    page.items.sort(key=lambda item: item.top)
    return page


def group_lines(boxes: list[OcrBox]) -> list[list[OcrBox]]:
    """Boxes grouped into printed lines: a box joins a line it overlaps vertically by more
    than half of the smaller height; lines top down, boxes left to right."""
    lines: list[list[OcrBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        for line in lines:
            top = min(b.top for b in line)
            bottom = max(b.bottom for b in line)
            overlap = min(bottom, box.bottom) - max(top, box.top)
            if overlap > 0.5 * min(box.height, bottom - top):
                line.append(box)
                break
        else:
            lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    lines.sort(key=lambda line: min(b.top for b in line))
    return lines


def _line_text(line: list[OcrBox]) -> str:
    text = ""
    for box in line:
        text = join_wrapped(text, box.text)
    return text


# -- tables from ruling lines ----------------------------------------------------------


@dataclass
class Grid:
    xs: list[float]  # column boundaries, in pixels
    ys: list[float]  # row boundaries, in pixels
    ids: list[list[int]]  # cell id of each grid position (equal ids = merged)


def find_grids(image) -> list[Grid]:
    """Ruled tables in a page image: the grid of each, with merged positions."""
    import cv2
    import numpy as np

    ink = (image < 160).astype(np.uint8)
    length = max(20, int(DPI * 0.35))  # a stroke at least 9 mm long is a ruling line
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((length // 2, 1), np.uint8))
    ruling = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(ruling, connectivity=8)
    grids = []
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w < image.shape[1] * 0.2 or h < DPI * 0.3:
            continue
        grid = _grid(horizontal[y : y + h, x : x + w], vertical[y : y + h, x : x + w], x, y)
        if grid is not None:
            grids.append(grid)
    return grids


def _positions(profile, minimum: float) -> list[float]:
    """Centres of the runs of profile values at or above minimum."""
    found, start = [], None
    for i, value in enumerate(list(profile) + [0]):
        if value >= minimum and start is None:
            start = i
        elif value < minimum and start is not None:
            found.append((start + i - 1) / 2)
            start = None
    return found


def _grid(horizontal, vertical, x0: int, y0: int) -> Grid | None:
    height, width = horizontal.shape
    ys = _positions(horizontal.sum(axis=1), min(width * 0.08, DPI * 0.5))
    xs = _positions(vertical.sum(axis=0), DPI * 0.15)
    if len(xs) < 3 or len(ys) < 3:
        return None
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def ruled(mask, fixed: float, lo: float, hi: float, along_x: bool) -> bool:
        band = 3
        lo, hi = int(lo + (hi - lo) * 0.2), int(hi - (hi - lo) * 0.2)
        if hi <= lo:
            return True
        f0, f1 = max(int(fixed) - band, 0), int(fixed) + band + 1
        part = mask[f0:f1, lo:hi] if along_x else mask[lo:hi, f0:f1]
        covered = part.max(axis=0 if along_x else 1)
        return covered.mean() > 0.5

    for r in range(rows):
        for c in range(cols):
            if r + 1 < rows and not ruled(horizontal, ys[r + 1], xs[c], xs[c + 1], True):
                parent[find((r + 1) * cols + c)] = find(r * cols + c)
            if c + 1 < cols and not ruled(vertical, xs[c + 1], ys[r], ys[r + 1], False):
                parent[find(r * cols + c + 1)] = find(r * cols + c)
    ids = [[find(r * cols + c) for c in range(cols)] for r in range(rows)]
    return Grid(xs=[x + x0 for x in xs], ys=[y + y0 for y in ys], ids=ids)


def grid_table(grid: Grid, boxes: list[OcrBox], id_base: int, image=None):
    """The PDF reader's _Table for a grid, with each cell's text and confidence; and the
    indexes of the boxes used."""
    import bisect

    from healthplan.documents.pdf import _Table

    scale = POINT / DPI
    xs = [x * scale for x in grid.xs]
    ys = [y * scale for y in grid.ys]
    members: dict[int, list[OcrBox]] = {}
    used: set[int] = set()
    for i, box in enumerate(boxes):
        if not (xs[0] < box.cx < xs[-1] and ys[0] < box.cy < ys[-1]):
            continue
        r = bisect.bisect_right(ys, box.cy) - 1
        c = bisect.bisect_right(xs, box.cx) - 1
        members.setdefault(grid.ids[r][c], []).append(box)
        used.add(i)
    texts, scores = {}, {}
    heights = sorted(b.height for group in members.values() for b in group)
    # The font size: a detected box is about 1.33 times as high as the text's em.
    em = heights[len(heights) // 2] / 1.33 * DPI / POINT if heights else DPI / 7
    for cell, cell_boxes in members.items():
        lines = group_lines(cell_boxes)
        text = fold_cell_text("\n".join(_line_text(line) for line in lines), wrapped=True)
        if image is not None and text[:1] in _COMPARATORS:
            text = comparator_width(text, image, lines[0], em)
        texts[cell] = fix_cell(text)
        scores[cell] = min(b.confidence for b in cell_boxes)
        if image is not None and _BRACKET_SIGN.search(texts[cell]):
            texts[cell], scores[cell] = bracket_signs(image, cell_boxes, texts[cell], scores[cell])
    if image is not None:  # % and ‰ in a unit cell, told apart by their circles
        for cell, (r, c) in _cell_spans(grid).items():
            if texts.get(cell) in ("%", "‰"):
                sign = percent_sign(image, grid, r, c, None)
                if sign is not None:  # the print decides: the recogniser's doubt is settled
                    texts[cell], scores[cell] = sign, max(scores.get(cell, 0.0), LOW_CONFIDENCE)
    if image is not None:  # dashes (——, the "no value" of many tables) the recogniser skips
        for cell, (r, c) in _cell_spans(grid).items():
            if cell in members:
                continue
            dash = read_dash(image, grid, r, c, em)
            if dash:
                texts[cell], scores[cell] = dash
    rows = [[texts.get(cell, "") for cell in row] for row in grid.ids]
    if not any(any(row) for row in rows):
        return None, used
    ids = [[id_base + cell for cell in row] for row in grid.ids]
    confidence = {id_base + cell: score for cell, score in scores.items()}
    wrapped = _wrapped_cells(grid, members, xs, ys, id_base)
    table = _Table(top=ys[0], rows=rows, ids=ids, xs=xs, wrapped=wrapped, confidence=confidence)
    return table, used


def _wrapped_cells(grid: Grid, members, xs, ys, id_base: int) -> set[int]:
    """Cells on the last row whose last printed line fills the cell's width with no room
    under it: their text may run on over a page break (see the PDF reader)."""
    result = set()
    bottom = ys[-1]
    for c, cell in enumerate(grid.ids[-1]):
        boxes = members.get(cell)
        if not boxes or (c and grid.ids[-1][c - 1] == cell):
            continue
        last = group_lines(boxes)[-1]
        size = max(b.height for b in last)
        right = max(x for x, col in zip(xs[1:], grid.ids[-1], strict=False) if col == cell)
        left = min(x for x, col in zip(xs, grid.ids[-1], strict=False) if col == cell)
        pad = min(b.x0 for b in last) - left
        fills = (right - pad) - max(b.x1 for b in last) < 1.5 * size
        room = bottom - max(b.bottom for b in last) > 1.5 * size
        if fills and not room:
            result.add(id_base + cell)
    return result


_COMPARATORS = {">": "＞", "<": "＜", "＞": "＞", "＜": "＜"}
_HALF = {"＞": ">", "＜": "<"}


def _cell_spans(grid: Grid) -> dict[int, tuple[range, range]]:
    """Each cell id's rows and columns in the grid."""
    spans: dict[int, list[int]] = {}
    for r, row in enumerate(grid.ids):
        for c, cell in enumerate(row):
            first = spans.setdefault(cell, [r, r, c, c])
            first[1], first[3] = max(first[1], r), max(first[3], c)
    return {cell: (range(a, b + 1), range(c, d + 1)) for cell, (a, b, c, d) in spans.items()}


def _ink(image, x0: float, y0: float, x1: float, y1: float):
    import numpy as np

    part = image[max(int(y0), 0) : max(int(y1), 0), max(int(x0), 0) : max(int(x1), 0)]
    return (part < 160).astype(np.uint8) if part.size else None


def percent_sign(image, grid: Grid, rows: range, cols: range, read):
    """A unit cell read as "%" or "‰". The recogniser confuses them; the print does not:
    % is a slash and two small circles, ‰ a slash and three. Anything else in the cell
    (not just one sign) leaves the reading as it is (`read`)."""
    margin = 5
    ink = _ink(image, grid.xs[cols[0]] + margin, grid.ys[rows[0]] + margin,
               grid.xs[cols[-1] + 1] - margin, grid.ys[rows[-1] + 1] - margin)
    if ink is None:
        return read
    return _sign_of([(w, h) for _, _, w, h, _ in _components(ink)], read)


def _components(ink) -> list[tuple[int, int, int, int, int]]:
    """Connected ink components (x, y, width, height, area) left to right, specks left out."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return sorted((tuple(int(v) for v in stats[i]) for i in range(1, count) if stats[i][4] > 2),
                  key=lambda c: c[0])


def _sign_of(parts: list[tuple[int, int]], read):
    """% or ‰ from its components' (width, height): one slash and two or three circles.
    Two circles printed touching (‰'s lower pair, often) are one component twice as wide
    as a circle: counted as two."""
    if not parts:
        return read
    tallest = max(h for _, h in parts)
    circles = [w for w, h in parts if h < 0.7 * tallest]
    if len(parts) - len(circles) != 1 or not circles:
        return read
    single = min(circles)
    count = sum(round(w / single) if w > 1.5 * single else 1 for w in circles)
    return {2: "%", 3: "‰"}.get(count, read)


_BRACKET_SIGN = re.compile(r"[（(]\s*[%‰]\s*[）)]")


def bracket_signs(image, boxes: list[OcrBox], text: str, score: float) -> tuple[str, float]:
    """A % or ‰ in brackets closing a box ("婴儿死亡率（‰）", a unit inside a name), checked
    against the print as in a unit cell: the ink between the closing bracket (the box's
    last glyph) and the opening one (the next glyph leftwards as tall as it). When the
    print decides, the sign is set from it and the recogniser's doubt about it settled;
    when it does not, the text and score stay as read."""
    scale = DPI / POINT
    for box in boxes:
        match = re.search(r"[（(]\s*([%‰])\s*[）)]$", box.text)
        if not match:
            continue
        ink = _ink(image, box.x0 * scale, box.top * scale, box.x1 * scale, box.bottom * scale)
        if ink is None:
            return text, score
        parts = _components(ink)
        if len(parts) < 4:
            return text, score
        closing = parts[-1]
        right = closing[0]
        inside = []
        for part in reversed(parts[:-1]):
            x, _, w, h, _ = part
            if x + w <= right and h >= 0.95 * closing[3] and w <= 2 * closing[2]:
                break  # the opening bracket
            inside.append(part)
        else:
            return text, score
        sign = _sign_of([(w, h) for _, _, w, h, _ in inside], None)
        if sign is None:
            return text, score
        found = list(_BRACKET_SIGN.finditer(text))[-1]
        inner = re.sub("[%‰]", sign, found.group(0))
        text = text[: found.start()] + inner + text[found.end() :]
        # The brackets and the sign were the doubtful characters: with the sign settled
        # by the print, the box counts as the mean of its other characters (its score is
        # the mean of all).
        rest = [p for p, ch in zip(box.chars, box.text, strict=False) if ch not in "（()）%‰ "]
        mine = sum(rest) / len(rest) if rest else box.score
        return text, min([max(mine, box.score), *(b.confidence for b in boxes if b is not box)])
    return text, score


def read_dash(image, grid: Grid, rows: range, cols: range, em: float):
    """A cell the recogniser read nothing in, holding one thin horizontal stroke: a dash.
    Its length in ems says which ("——" two em dashes, "—" one, "-" a hyphen). Returns
    (text, confidence) or None. The confidence is the recogniser's threshold when the
    stroke's length is close to whole ems, lower when it is not (then it is doubtful)."""
    import cv2

    margin = 5  # pixels inside the ruling lines
    ink = _ink(image, grid.xs[cols[0]] + margin, grid.ys[rows[0]] + margin,
               grid.xs[cols[-1] + 1] - margin, grid.ys[rows[-1] + 1] - margin)
    if ink is None or not ink.any():
        return None
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    parts = [stats[i] for i in range(1, count) if stats[i][4] > 2]
    if not parts:
        return None
    x0 = min(p[0] for p in parts)
    x1 = max(p[0] + p[2] for p in parts)
    y0 = min(p[1] for p in parts)
    y1 = max(p[1] + p[3] for p in parts)
    if y1 - y0 > 0.2 * em or x1 - x0 < max(0.2 * em, 2 * (y1 - y0)):
        return None  # not one thin bar: something the recogniser missed, not a dash
    ems = (x1 - x0) / em
    whole = round(ems)
    if whole == 0:  # a hyphen (a third to a half em)
        return "-", LOW_CONFIDENCE
    confidence = LOW_CONFIDENCE if abs(ems - whole) < 0.25 else 0.6
    return "—" * whole, confidence


def comparator_width(text: str, image, line: list[OcrBox], em: float) -> str:
    """Full-width ＞/＜ or ASCII >/< at the start of a cell, decided from the print: the
    recogniser does not tell them apart, but a full-width sign takes a whole em before the
    next character, an ASCII one about half."""
    import numpy as np

    scale = DPI / POINT
    first = line[0]
    ink = _ink(image, first.x0 * scale, first.top * scale, first.x1 * scale, first.bottom * scale)
    if ink is None:
        return text
    columns = np.flatnonzero(ink.any(axis=0))
    if len(columns) < 2:
        return text
    gaps = np.flatnonzero(np.diff(columns) > 1)  # ink runs: glyphs (or their strokes)
    if not len(gaps):
        return text
    start, second = columns[0], columns[gaps[0] + 1]
    # Measured on print at 200 dpi: ASCII 0.79–0.91 em from the sign to the next glyph,
    # full-width 1.02–1.09 em (the em estimated from the boxes' height).
    sign = _COMPARATORS[text[0]] if (second - start) > 0.95 * em else _HALF.get(text[0], text[0])
    return sign + text[1:]


_CAPTION_NUMBER = re.compile(r"^(表\s*\d+(?:[-－.．]\d+)?)(?=[\u4e00-\u9fff“\"《（(])")


def fix_text_line(text: str) -> str:
    """A table caption's number is set off from its title by a space ("表2 无锡市…"), which
    the recogniser drops (it reads no spaces between Chinese characters); put it back so a
    scanned caption reads like the same caption in a text layer."""
    text = _CAPTION_NUMBER.sub(lambda m: m.group(1).replace(" ", "") + " ", text)
    # Chinese running text sets brackets and quotes full-width; the recogniser often reads
    # them as ASCII, or half and half ("“十四五\"", "(2021－2025年)"), which a title's
    # pattern does not take. Pairs around Chinese text are put back full-width.
    text = _QUOTE_PAIR.sub(lambda m: f"“{m.group(1)}”", text)
    return _CJK_BRACKETS.sub(lambda m: f"（{m.group(1)}）", text)


_QUOTE_PAIR = re.compile(r"[“\"]([^“”\"]*[\u4e00-\u9fff][^“”\"]*)[”\"]")
_CJK_BRACKETS = re.compile(r"[(（]([^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]")


_PER_MILLE = re.compile(r"^\s*%\s*[0oO。]\s*$|(?<=[（(])\s*%\s*[0oO。]\s*(?=[）)])")


_MIXED_BRACKETS = re.compile(r"[(（]([^()（）]*)[)）]")


def fix_cell(text: str) -> str:
    """Undo the recogniser's usual misreadings: the per-mille sign read as "%0"/"%o" (its
    small circles read as a letter) where the sign stands alone (a unit cell, or a unit in
    brackets after a name: "婴儿死亡率（%0）"); and a bracket pair read half full-width,
    half ASCII ("(助理）"): both brackets of a pair are printed alike, full-width unless
    both were read as ASCII."""
    text = _PER_MILLE.sub("‰", text)

    def pair(match: re.Match) -> str:
        whole = match.group(0)
        if whole[0] == "(" and whole[-1] == ")":
            return whole
        return f"（{match.group(1)}）"

    return _MIXED_BRACKETS.sub(pair, text)
