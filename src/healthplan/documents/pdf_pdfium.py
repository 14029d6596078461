"""The fast path for PDFs with a text layer: characters and ruling lines read with pdfium.

pdfium (pypdfium2) gives every character of a page with its box and font size, and every
path object (the strokes and thin filled rectangles that draw a table's borders). This
module rebuilds from them what `pdf.py` used to ask pdfplumber for, in pdfplumber's own
coordinates (points from the top-left corner) so that the rest of the reader is shared:

- text lines: characters clustered by their top (within 3 points, as pdfplumber's
  `extract_text_lines`), left to right, a space where the gap exceeds 3 points or a
  space is printed (see _line_text for the spaces pdfium makes up);
- ruled tables: horizontal and vertical ruling segments, snapped and joined, grouped into
  tables (segments that touch); the grid lines of a table are its distinct x and y
  positions; two neighbouring grid positions belong to one (merged) cell when no ruling
  line separates them; a cell's text is the characters whose centre lies in it, one
  printed line per line (then `fold_cell_text(wrapped=True)`, as before).

pdfplumber parses the whole content stream in Python (50–100 ms a page for these plans);
pdfium does it in C; most of the time left is the ctypes calls, one or two a character.
Pages this module cannot read raise `FallbackPage` and are read by pdfplumber: see
`pdf._read_pages_pdfium` for when.

Known difference from pdfplumber: pdfium reports printed spaces and the spaces it makes
up at gaps alike ("generated"); a gap counts as a space from _SPACE_WIDTH font sizes.
On the five samples' PDFs one text line of 3,383 differs (bench/README.md).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

# pdfplumber's defaults, kept so that lines and cells come out as they did
_X_TOLERANCE = 3.0  # a gap wider than this between two characters is a space
_Y_TOLERANCE = 3.0  # characters whose tops are this close are on one line
_THIN = 3.0  # a filled shape at most this thick is a ruling line
_SNAP = 3.0  # ruling segments this close (across) are one line (pdfplumber: snap 3)
_JOIN = 3.0  # and joined when their ends are this close (pdfplumber: join 3)
_MIN_EDGE = 3.0  # shorter ruling segments are ignored (pdfplumber: edge_min_length 3)
# of the font size: a gap this wide is a space (see _line_text). Measured on LibreOffice's
# PDFs of the samples: 0.20 em between Chinese and Latin text, 0.23 em between a dot
# leader and a page number, both without a space; 0.25 em for a printed space glyph.
_SPACE_WIDTH = 0.245
_TOUCH = 3.0  # segments this close to crossing belong to one table (intersection 3)


class FallbackPage(Exception):
    """The page is read with pdfplumber instead (the reason is the message)."""


class Char:
    """A printed character, in pdfplumber's coordinates (points, y from the page top)."""

    __slots__ = ("text", "x0", "x1", "top", "bottom", "size", "index", "generated")

    def __init__(self, text, x0, x1, top, bottom, index, generated=False):
        self.text, self.x0, self.x1, self.top, self.bottom = text, x0, x1, top, bottom
        self.size = 0.0  # the font size: asked of pdfium only where needed (font_sizes)
        self.index, self.generated = index, generated

    def __getitem__(self, key: str):  # the dict-style access `pdf._wrapped_cells` uses
        return getattr(self, key)

    def get(self, key: str, default=None):
        return True if key == "upright" else getattr(self, key, default)


@dataclass
class PageText:
    chars: list[Char]
    checked: int  # characters checked for a Unicode map (a sample, see page_chars)
    unmapped: int  # of those, the ones whose font has no Unicode map for them
    height: float
    textpage: object  # pdfium's text page, open while the page is read

    def font_sizes(self, chars: list[Char]) -> None:
        """Set the font size of these characters (one ctypes call each)."""
        import pypdfium2.raw as raw

        handle = self.textpage.raw
        for char in chars:
            if not char.size and not char.text.isspace():
                char.size = raw.FPDFText_GetFontSize(handle, char.index)


_SAMPLE = 4  # every 4th character is checked for a Unicode map and for rotation


def page_chars(page, textpage) -> PageText:
    """The characters of a page, pdfium's line breaks left out.

    The text comes in one call (FPDFText_GetText), then one box per character (font
    sizes later, only where needed): ctypes calls are most of the cost. The Unicode-map check (the (cid:…)
    refusal) and the rotation check look at every 4th character, enough for their
    thresholds (30 % of the characters; any rotated text).
    """
    import array

    import pypdfium2.raw as raw

    _, height = page.get_size()
    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    buffer = ctypes.create_string_buffer(count * 2 + 2)
    written = raw.FPDFText_GetText(handle, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    codes = array.array("H", buffer.raw[: max(written - 1, 0) * 2])
    if len(codes) != count or any(0xD800 <= code < 0xE000 for code in codes):
        # characters outside the BMP take two places in the text: one call each instead
        codes = [raw.FPDFText_GetUnicode(handle, i) for i in range(count)]
    rect = raw.FS_RECTF()
    box = raw.FPDFText_GetLooseCharBox
    chars: list[Char] = []
    checked = unmapped = 0
    for i, code in enumerate(codes):
        if code in (10, 13, 0, 0xFFFF) or 0xD800 <= code < 0xE000:
            continue
        if not box(handle, i, rect):
            continue
        if code == 32 or code == 0x3000 or code == 0xA0 or code == 9:
            # A space has no height of its own: it goes on the line of the character
            # before it (one that starts a line is dropped). A space pdfium adds between
            # two characters ("generated") is kept when the gap is wide enough: see
            # _line_text.
            if chars and rect.left >= chars[-1].x1 - 1:
                before = chars[-1]
                generated = raw.FPDFText_IsGenerated(handle, i) == 1
                if generated and not before.size:  # the space's size: see _line_text
                    before.size = raw.FPDFText_GetFontSize(handle, before.index)
                space = Char(" ", rect.left, rect.right, before.top, before.bottom, i, generated)
                space.size = before.size
                chars.append(space)
            continue
        if i % _SAMPLE == 0:
            checked += 1
            if raw.FPDFText_HasUnicodeMapError(handle, i) == 1:
                unmapped += 1
            angle = raw.FPDFText_GetCharAngle(handle, i)
            if angle > 0.01 and abs(angle - 6.283185) > 0.01:
                raise FallbackPage("rotated text")
        # pdfium's mark for a hyphen that ends a line: 2 one by one, 0xFFFE in the text
        text = "-" if code in (2, 0xFFFE) else chr(code)
        chars.append(Char(text, rect.left, rect.right, height - rect.top, height - rect.bottom, i))
    return PageText(chars, checked, unmapped, height, textpage)


def text_lines(chars: list[Char]) -> list[tuple[float, float, str]]:
    """Visual lines (top, bottom, text), top down, as pdfplumber's `extract_text_lines`."""
    result = []
    for line in _cluster_lines(chars):
        text = _line_text(line).strip()
        if text:
            result.append(
                (min(ch.top for ch in line), max(ch.bottom for ch in line), text)
            )
    return result


def cell_text(chars: list[Char]) -> str:
    """A cell's printed lines joined by newlines, as pdfplumber's `extract_text`."""
    return "\n".join(_line_text(line) for line in _cluster_lines(chars))


def _cluster_lines(chars: list[Char]) -> list[list[Char]]:
    lines: list[list[Char]] = []
    last_top = None
    for char in sorted(chars, key=lambda ch: ch.top):
        if last_top is None or char.top - last_top > _Y_TOLERANCE:
            lines.append([])
        lines[-1].append(char)
        last_top = char.top
    # a space pdfium puts where the next character starts comes before it
    return [sorted(line, key=lambda ch: (ch.x0, not ch.text.isspace())) for line in lines]


def _line_text(line: list[Char]) -> str:
    """Words joined by one space, as pdfplumber: a space character or a gap wider than
    the tolerance ends a word.

    pdfium reports as "generated" both spaces it makes up at gaps (the 1/5 em LibreOffice
    leaves between Chinese and Latin text, the place of a quotation mark drawn later in
    the content stream) and some printed ones (LibreOffice's narrow spaces between
    Chinese and digits). pdfium puts a generated space where the character before it
    ends (its advance); the space counts only where the next character starts at least
    _SPACE_WIDTH font sizes further on (a space glyph is about 1/4 em wide; the size is
    that of the character before the space in the content stream).
    """
    printed = [ch for ch in line if not ch.text.isspace()]
    parts: list[str] = []
    previous = None
    k = 0  # the next printed character
    for char in line:
        if char.text.isspace():
            if previous is None or not parts or parts[-1] == " ":
                continue
            if char.generated:
                following = printed[k] if k < len(printed) else None
                if following is None or following.x0 - char.x0 < _SPACE_WIDTH * char.size:
                    continue
            parts.append(" ")
            continue
        if previous is not None and char.x0 - previous.x1 > _X_TOLERANCE and parts[-1] != " ":
            parts.append(" ")
        parts.append(char.text)
        previous = char
        k += 1
    return "".join(parts).strip()


# --- ruling lines and tables ---------------------------------------------------------


@dataclass
class Segment:
    horizontal: bool
    at: float  # y of a horizontal segment, x of a vertical one
    start: float
    end: float


def ruling_segments(page, height: float) -> list[Segment]:
    """The horizontal and vertical ruling segments drawn on the page (top-down y).

    A stroked path is read segment by segment (a stroked rectangle gives its four sides);
    a thin filled shape is one line along its long side, a larger filled box gives its
    four sides (as pdfplumber's rects). Paths inside form XObjects are read too, through
    the forms' matrices. Slanted strokes and curves are not ruling lines.
    """
    import pypdfium2.raw as raw

    result: list[Segment] = []
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    page_handle = page.raw
    objects = [raw.FPDFPage_GetObject(page_handle, i)
               for i in range(raw.FPDFPage_CountObjects(page_handle))]
    _collect(raw, objects, identity, height, result, depth=0)
    return result


def _compose(inner, outer):
    """The matrix `inner` then `outer` (PDF order: a b c d e f)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _collect(raw, objects, outer, height: float, result: list[Segment], depth: int) -> None:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    matrix = raw.FS_MATRIX()
    for handle in objects:
        kind = raw.FPDFPageObj_GetType(handle)
        if kind == raw.FPDF_PAGEOBJ_FORM and depth < 8:
            raw.FPDFPageObj_GetMatrix(handle, matrix)
            own = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
            children = [raw.FPDFFormObj_GetObject(handle, i)
                        for i in range(raw.FPDFFormObj_CountObjects(handle))]
            _collect(raw, children, _compose(own, outer), height, result, depth + 1)
            continue
        if kind != raw.FPDF_PAGEOBJ_PATH:
            continue
        raw.FPDFPath_GetDrawMode(handle, ctypes.byref(fill), ctypes.byref(stroke))
        if not fill.value and not stroke.value:
            continue  # a clipping path or an invisible one
        raw.FPDFPageObj_GetMatrix(handle, matrix)
        a, b, c, d, e, f = _compose(
            (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer
        )
        points: list[tuple[float, float]] = []
        lines: list[tuple[tuple[float, float], tuple[float, float]]] = []
        first = None
        for i in range(raw.FPDFPath_CountSegments(handle)):
            segment = raw.FPDFPath_GetPathSegment(handle, i)
            raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
            point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
            kind = raw.FPDFPathSegment_GetType(segment)
            if kind == raw.FPDF_SEGMENT_MOVETO:
                first = point
            elif kind == raw.FPDF_SEGMENT_LINETO and points:
                lines.append((points[-1], point))
            points.append(point)
            if raw.FPDFPathSegment_GetClose(segment) and first is not None:
                lines.append((point, first))
        if not points:
            continue
        if stroke.value:
            for start, end in lines:
                _add_line(result, start, end)
            continue
        left, right = min(p[0] for p in points), max(p[0] for p in points)
        top, bottom = min(p[1] for p in points), max(p[1] for p in points)
        w, h = right - left, bottom - top
        if h <= _THIN and w >= _MIN_EDGE:
            result.append(Segment(True, (top + bottom) / 2, left, right))
        elif w <= _THIN and h >= _MIN_EDGE:
            result.append(Segment(False, (left + right) / 2, top, bottom))
        elif w > _THIN and h > _THIN:  # a filled box: its sides, as pdfplumber's rects
            result += [
                Segment(True, top, left, right),
                Segment(True, bottom, left, right),
                Segment(False, left, top, bottom),
                Segment(False, right, top, bottom),
            ]


def _add_line(result: list[Segment], a: tuple[float, float], b: tuple[float, float]) -> None:
    (x0, y0), (x1, y1) = a, b
    if abs(y1 - y0) < 0.5 and abs(x1 - x0) >= _MIN_EDGE:
        result.append(Segment(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) < 0.5 and abs(y1 - y0) >= _MIN_EDGE:
        result.append(Segment(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1)))


def _merge(segments: list[Segment]) -> list[Segment]:
    """Collinear segments snapped onto one line and overlapping (or nearly touching) ones
    joined, per direction."""
    result: list[Segment] = []
    for horizontal in (True, False):
        group = sorted((s for s in segments if s.horizontal == horizontal), key=lambda s: s.at)
        lines: list[list[Segment]] = []
        for s in group:
            if lines and s.at - lines[-1][-1].at <= _SNAP:
                lines[-1].append(s)
            else:
                lines.append([s])
        for line in lines:
            at = sum(s.at for s in line) / len(line)
            joined: list[Segment] = []
            for s in sorted(line, key=lambda s: s.start):
                if joined and s.start <= joined[-1].end + _JOIN:
                    joined[-1].end = max(joined[-1].end, s.end)
                else:
                    joined.append(Segment(horizontal, at, s.start, s.end))
            result += joined
    return result


@dataclass
class Grid:
    xs: list[float]
    ys: list[float]
    cells: list[tuple[float, float, float, float]]  # (x0, top, x1, bottom), top-down
    spans: list[tuple[range, range]]  # the rows and columns each cell covers

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]


def find_grids(segments: list[Segment]) -> list[Grid]:
    """The ruled tables: groups of crossing segments, each as a grid of cells."""
    segments = _merge(segments)
    horizontal = [s for s in segments if s.horizontal]
    vertical = [s for s in segments if not s.horizontal]
    parent = list(range(len(segments)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index = {id(s): i for i, s in enumerate(segments)}
    for h in horizontal:
        for v in vertical:
            if _crosses(h, v):
                parent[find(index[id(h)])] = find(index[id(v)])
    groups: dict[int, list[Segment]] = {}
    for i, s in enumerate(segments):
        groups.setdefault(find(i), []).append(s)
    grids = []
    for group in groups.values():
        grid = _grid([s for s in group if s.horizontal], [s for s in group if not s.horizontal])
        if grid is not None:
            grids.append(grid)
    return sorted(grids, key=lambda g: g.ys[0])


def _crosses(h: Segment, v: Segment) -> bool:
    return (
        h.start - _TOUCH <= v.at <= h.end + _TOUCH and v.start - _TOUCH <= h.at <= v.end + _TOUCH
    )


def _positions(values: list[float]) -> list[float]:
    result: list[float] = []
    for value in sorted(values):
        if not result or value - result[-1] > _SNAP:
            result.append(value)
    return result


def _grid(horizontal: list[Segment], vertical: list[Segment]) -> Grid | None:
    if len(horizontal) < 2 or len(vertical) < 2:
        return None
    ys = _positions([s.at for s in horizontal])
    xs = _positions([s.at for s in vertical])
    if len(xs) < 2 or len(ys) < 2:
        return None
    rows, cols = len(ys) - 1, len(xs) - 1

    def drawn(lines: list[Segment], at: float, start: float, end: float) -> bool:
        """A ruling line at `at` covers the middle of start..end."""
        middle = (start + end) / 2
        return any(
            abs(s.at - at) <= _SNAP and s.start - _TOUCH <= middle <= s.end + _TOUCH
            for s in lines
        )

    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not drawn(vertical, xs[c + 1], ys[r], ys[r + 1]):
                parent[find(r * cols + c + 1)] = find(r * cols + c)
            if r + 1 < rows and not drawn(horizontal, ys[r + 1], xs[c], xs[c + 1]):
                parent[find((r + 1) * cols + c)] = find(r * cols + c)
    # a grid position with no border at all around it is outside the table (an L-shaped
    # or ragged table): left out, as pdfplumber finds no cell there
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            members.setdefault(find(r * cols + c), []).append((r, c))
    cells, spans = [], []
    for positions in sorted(members.values(), key=lambda p: p[0]):
        r0 = min(r for r, _ in positions)
        r1 = max(r for r, _ in positions)
        c0 = min(c for _, c in positions)
        c1 = max(c for _, c in positions)
        box = (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])
        if not (
            drawn(horizontal, box[1], box[0], box[2])
            or drawn(horizontal, box[3], box[0], box[2])
            or drawn(vertical, box[0], box[1], box[3])
            or drawn(vertical, box[2], box[1], box[3])
        ):
            continue
        cells.append(box)
        spans.append((range(r0, r1 + 1), range(c0, c1 + 1)))
    if not cells:
        return None
    return Grid(xs, ys, cells, spans)
