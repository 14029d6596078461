"""Word (.docx) plans: paragraphs and tables of the body, in document order.

The body is walked element by element (`w:p`, `w:tbl`, and the content of `w:sdt`
content controls), so paragraphs and tables come out interleaved as they are printed.
Paragraph text includes hyperlinks, tracked insertions, smart tags and fields' results,
but not deleted text; the text of text boxes anchored in a paragraph follows that
paragraph. Each table row becomes one line with its cells (python-docx repeats the text
of merged cells into every grid position they cover); a nested table is flattened into
the text of its cell. Automatic list numbering (Word's numbering definitions) is not
rendered: only the text typed into the paragraphs is read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from lxml import etree

from healthplan.documents.limits import MAX_PARAGRAPHS, check_count, check_package
from healthplan.documents.lines import LineCollector
from healthplan.documents.model import Document, DocumentError, fold_cell_text

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _TR, _TC, _R, _SDT, _SDT_CONTENT = (
    _w("p"),
    _w("tbl"),
    _w("tr"),
    _w("tc"),
    _w("r"),
    _w("sdt"),
    _w("sdtContent"),
)
_TXBX_CONTENT = _w("txbxContent")
_SKIPPED_IN_PARAGRAPH = {_w("pPr"), _w("rPr"), _w("del"), _w("moveFrom")}
_FALLBACK = f"{{{_MC}}}Fallback"

_CORRUPT = "不是有效的 .docx 文件（文件已损坏或被截断）"


def read_docx(path: str, data: bytes) -> Document:
    body = _open_body(path, data)
    check_count(path, sum(1 for _ in body.iter(_P, _TC)), MAX_PARAGRAPHS, "段落和表格单元格")
    collector = LineCollector()
    try:
        _walk_blocks(body, collector)
    except DocumentError:
        raise
    except Exception as exc:  # malformed XML inside a valid package
        raise DocumentError(path, f"{_CORRUPT}：{type(exc).__name__}") from None
    return Document(path=path, format="docx", lines=collector.finish())


def _open_body(path: str, data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise DocumentError(path, _CORRUPT) from None
    check_package(path, archive)
    if "word/document.xml" not in names and "[Content_Types].xml" in names:
        if any(name.startswith("xl/") for name in names):
            raise DocumentError(path, "是 Excel 表格（.xlsx）而不是 Word 文档，请把扩展名改为 .xlsx")
        if any(name.startswith("ppt/") for name in names):
            raise DocumentError(path, "是 PowerPoint 演示文稿（.pptx）而不是 Word 文档，无法读取")
    if "[Content_Types].xml" not in names:
        raise DocumentError(
            path,
            "不是有效的 .docx 文件（ZIP 压缩包中没有 Word 文档内容，可能是其他文件改了扩展名）",
        )
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        return document.element.body
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, PackageNotFoundError):
        raise DocumentError(path, _CORRUPT) from None
    except etree.LxmlError:
        raise DocumentError(path, f"{_CORRUPT}：XML 内容无法解析") from None
    except ValueError as exc:
        if "is not a Word file" in str(exc):
            raise DocumentError(path, "不是 Word 文档（.docx 压缩包中的内容类型不对）") from None
        raise DocumentError(path, _CORRUPT) from None
    except Exception as exc:
        raise DocumentError(path, f"{_CORRUPT}：{type(exc).__name__}") from None


# -- block walking -------------------------------------------------------------------


def _iter_blocks(container) -> Iterator:
    """The `w:p` and `w:tbl` children of a body/cell/text box, looking inside content controls."""
    for child in container:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _iter_blocks(content)
        elif child.tag == _w("customXml"):
            yield from _iter_blocks(child)


def _walk_blocks(container, collector: LineCollector) -> None:
    for block in _iter_blocks(container):
        if block.tag == _P:
            text, boxes = _paragraph(block)
            collector.text(text)
            for box in boxes:
                _walk_blocks(box, collector)
        else:
            collector.table(_table_rows(block))


def _paragraph(p) -> tuple[str, list]:
    """The text of a paragraph and the text boxes anchored in it."""
    parts: list[str] = []
    boxes: list = []
    _collect_runs(p, parts, boxes)
    return "".join(parts), boxes


def _collect_runs(element, parts: list[str], boxes: list) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED_IN_PARAGRAPH:
            continue
        if tag == _R:
            parts.append(child.text)  # CT_R.text: w:t, w:tab, w:br, w:cr …
            boxes.extend(_text_boxes(child))
        elif tag == _P:  # should not happen, but keep the text if it does
            _collect_runs(child, parts, boxes)
        else:  # w:hyperlink, w:ins, w:smartTag, w:fldSimple, w:sdt/w:sdtContent, w:moveTo …
            _collect_runs(child, parts, boxes)


def _text_boxes(run) -> list:
    """Outermost `w:txbxContent` in a run, skipping the VML fallback copies."""
    found = []
    for box in run.iter(_TXBX_CONTENT):
        ancestors = list(box.iterancestors())
        ancestors = ancestors[: ancestors.index(run)] if run in ancestors else ancestors
        if any(a.tag in (_FALLBACK, _TXBX_CONTENT) for a in ancestors):
            continue
        found.append(box)
    return found


# -- tables --------------------------------------------------------------------------


def _table_rows(tbl) -> list[list[str]]:
    from docx.table import Table

    table = Table(tbl, None)  # type: ignore[arg-type]
    rows: list[list[str]] = []
    texts: dict = {}  # keyed by the w:tc element itself (keeps its lxml proxy alive)

    def text_of(tc) -> str:
        if tc not in texts:
            texts[tc] = _cell_text(tc)
        return texts[tc]

    for row in table.rows:
        try:
            tcs = [cell._tc for cell in row.cells]
            before, after = row.grid_cols_before or 0, row.grid_cols_after or 0
        except Exception:  # a malformed merge: read the cells as they are in the XML
            tcs = [tc for tc in row._tr.iterchildren(_TC)]
            before = after = 0
        rows.append([""] * before + [text_of(tc) for tc in tcs] + [""] * after)
    return rows


def _cell_text(tc) -> str:
    return fold_cell_text("\n".join(_block_pieces(tc)))


def _block_pieces(container) -> list[str]:
    """Text pieces of a cell: its paragraphs, and the rows of nested tables flattened."""
    pieces: list[str] = []
    for block in _iter_blocks(container):
        if block.tag == _P:
            text, boxes = _paragraph(block)
            pieces.extend(text.split("\n"))
            for box in boxes:
                pieces.extend(_block_pieces(box))
        else:
            for row in _table_rows(block):
                texts = [cell for i, cell in enumerate(row) if cell and cell not in row[:i]]
                pieces.append(" ".join(texts))
    return pieces
