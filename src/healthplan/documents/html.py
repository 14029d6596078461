"""HTML plans (a web page of the health commission), read with BeautifulSoup + lxml.

Decoding: a byte-order mark wins; then UTF-8 if the bytes are valid UTF-8; then the
charset declared in a <meta> tag (GB2312/GBK read as GB18030, their superset); then
GB18030 (`healthplan.documents.text.decode_text`).

Reading: scripts, styles, navigation, page headers/footers (outside <article>/<main>),
forms and hidden elements are dropped. Every block element (p, div, h1–h6, li, …) and
every <br> ends a line; whitespace is collapsed as a browser would (a source line break
between two Chinese characters disappears), &nbsp; becomes a space, and lines are
stripped. A data table becomes one line per row with its cells (th and td), with
colspan/rowspan expanded so every row has the full grid (a spanning cell's text is
repeated). Layout tables — role="presentation", a cell holding a whole nested table, or
a cell with more than `_LAYOUT_CELL_CHARS` characters of text — are read as blocks of
text instead; a small table nested in a data-table cell is flattened into that cell.
"""

from __future__ import annotations

import codecs
import re

from healthplan.documents.limits import MAX_HTML_DEPTH
from healthplan.documents.lines import LineCollector
from healthplan.documents.model import CJK_PADDING, Document, DocumentError, fold_cell_text
from healthplan.documents.text import decode_text

_DROP = {
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "nav",
    "select", "option", "button", "input", "textarea", "iframe", "object", "embed", "svg",
    "canvas", "map", "area", "audio", "video", "source", "img", "picture",
}  # fmt: skip
_PAGE_FURNITURE = {"header", "footer"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "footer", "hgroup", "hr", "html", "legend", "li", "main",
    "menu", "ol", "p", "section", "summary", "ul", "td", "th", "tr", "tbody", "thead", "tfoot",
}  # fmt: skip
_LAYOUT_CELL_CHARS = 300
_MAX_SPAN = 1000

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\U00020000-\U0002fa1f"
_SEGMENT_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n[ \t\r\n\f]*(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\r\n\f]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# GB2312/GBK pages routinely contain GB18030-only characters; GB18030 is a superset.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030",
                    "x-gbk": "gb18030", "cp936": "gb18030"}  # fmt: skip


def read_html(path: str, data: bytes) -> Document:
    text, encoding = _decode(path, data)
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as exc:
        raise DocumentError(path, f"HTML 无法解析：{type(exc).__name__}") from None
    root = soup.body or soup
    if _depth(root) > MAX_HTML_DEPTH:
        raise DocumentError(
            path,
            f"网页元素嵌套过深（超过 {MAX_HTML_DEPTH} 层），不像正常的网页，"
            "可能是损坏或被构造的文件，已拒绝读取",
        )
    collector = LineCollector()
    walker = _Walker(collector)
    walker.walk(root)
    walker.flush()
    return Document(path=path, format="html", lines=collector.finish(), encoding=encoding)


def _depth(root) -> int:
    """How deeply elements nest under root, counted without recursion (the walker
    recurses once per level, so this is checked first)."""
    from bs4 import Tag

    deepest, stack = 0, [(root, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_HTML_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tag))
    return deepest


def _decode(path: str, data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        return decode_text(path, data)  # BOM, or binary data (which decode_text rejects)
    try:
        # Valid UTF-8 is UTF-8 whatever the page declares: GB-encoded Chinese text is
        # practically never valid UTF-8, while pages converted to UTF-8 often keep an old
        # <meta charset=gb2312>.
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(data[:8192])
    if match:
        name = match.group(1).decode("ascii", "replace").lower()
        name = _CHARSET_ALIASES.get(name, name)
        try:
            codec = codecs.lookup(name).name
            return data.decode(codec), codec
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: detect instead
    return decode_text(path, data)


def _inline_text(raw: str, cell: bool = False) -> str:
    text = _SEGMENT_BREAK.sub("", raw)
    if cell:  # in a table cell, &nbsp;/full-width spaces padding Chinese words go before
        # spaces are collapsed (as in fold_cell_text): "指标&nbsp;值" reads "指标值"
        text = CJK_PADDING.sub("", text)
    text = _SPACES.sub(" ", text)
    return text.replace("\xa0", " ").strip(" ")


def _hidden(tag) -> bool:
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    style = tag.get("style")
    return bool(style) and bool(_HIDDEN_STYLE.search(style))


def _inside_article(tag) -> bool:
    return any(parent.name in ("article", "main") for parent in tag.parents)


class _Walker:
    """Turns a tree of HTML elements into lines (or, with cell=True, into one cell's pieces)."""

    def __init__(self, collector: LineCollector | None):
        self.collector = collector
        self.pieces: list[str] = []  # lines collected when reading the inside of a cell
        self.buffer: list[str] = []

    # -- output ------------------------------------------------------------------
    def _emit(self, text: str) -> None:
        if self.collector is not None:
            self.collector.text(text)
        else:
            self.pieces.append(text)

    def flush(self) -> None:
        if self.buffer:
            text = _inline_text("".join(self.buffer), cell=self.collector is None)
            self.buffer = []
            if text:
                self._emit(text)

    def line_break(self) -> None:
        text = _inline_text("".join(self.buffer), cell=self.collector is None)
        self.buffer = []
        if text:
            self._emit(text)
        elif self.collector is not None:  # <br><br>: a blank line
            self.collector.blank()

    # -- walking -----------------------------------------------------------------
    def walk(self, node) -> None:
        from bs4 import NavigableString, Tag
        from bs4.element import PreformattedString

        for child in node.children:
            if isinstance(child, PreformattedString):  # comments, CDATA, doctype …
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = (child.name or "").lower()
            if name in _DROP or _hidden(child):
                continue
            if name in _PAGE_FURNITURE and not _inside_article(child):
                continue
            if name == "br":
                self.line_break()
            elif name == "table":
                self.table(child)
            elif name == "pre":
                self.flush()
                for line in child.get_text().replace("\xa0", " ").split("\n"):
                    self._emit(line.rstrip())
            elif name in _BLOCK:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)

    def table(self, table) -> None:
        self.flush()
        rows = _own_rows(table)
        caption = table.find("caption", recursive=False)
        if caption is not None:
            self.walk_block(caption)
        if _is_layout(table, rows):
            for row in rows:
                for cell in _own_cells(row):
                    self.walk_block(cell)
            return
        grid = _grid(rows)
        if self.collector is not None:
            self.collector.table(grid)
        else:  # a table nested in a cell: flatten each row into one piece
            for cells in grid:
                texts = [cell for i, cell in enumerate(cells) if cell and cell not in cells[:i]]
                self.pieces.append(" ".join(texts))

    def walk_block(self, tag) -> None:
        self.flush()
        self.walk(tag)
        self.flush()


def _own_rows(table) -> list:
    rows = []
    for child in table.find_all(recursive=False):
        if child.name == "tr":
            rows.append(child)
        elif child.name in ("thead", "tbody", "tfoot"):
            rows.extend(child.find_all("tr", recursive=False))
    return rows


def _own_cells(row) -> list:
    return [cell for cell in row.find_all(("td", "th"), recursive=False) if not _hidden(cell)]


def _is_layout(table, rows) -> bool:
    if (table.get("role") or "").lower() in ("presentation", "none"):
        return True
    for row in rows:
        for cell in _own_cells(row):
            for nested in cell.find_all("table"):
                nested_rows = _own_rows(nested)
                if len(nested_rows) >= 2 and max(len(_own_cells(r)) for r in nested_rows) >= 2:
                    return True
            if len(cell.get_text(strip=True)) > _LAYOUT_CELL_CHARS:
                return True
    return False


def _span(cell, attr: str) -> int:
    value = str(cell.get(attr) or "1").strip()
    match = re.match(r"\d+", value)
    return int(match.group()) if match else 1


def _cell_text(cell) -> str:
    walker = _Walker(None)
    walker.walk(cell)
    walker.flush()
    return fold_cell_text("\n".join(walker.pieces))


def _grid(rows) -> list[list[str]]:
    """Expand colspan/rowspan: every row gets the full width, spanned positions repeat text."""
    occupied: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in _own_cells(row):
            while (r, c) in occupied:
                c += 1
            colspan = min(max(_span(cell, "colspan"), 1), _MAX_SPAN)
            rowspan = _span(cell, "rowspan")
            if rowspan == 0:  # "to the end of the table section"
                rowspan = len(rows) - r
            rowspan = min(max(rowspan, 1), len(rows) - r)
            text = _cell_text(cell)
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied[(r + dr, c + dc)] = text
            c += colspan
            width = max(width, c)
    return [[occupied.get((r, c), "") for c in range(width)] for r in range(len(rows))]
