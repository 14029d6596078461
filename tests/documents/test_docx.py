"""Word plans: paragraphs and tables in document order, table rows with their cells."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from healthplan.documents import DocumentError, read_document
from healthplan.documents.model import fold_cell_text
from plan_builder import (
    SAMPLE_AFTER,
    SAMPLE_BEFORE,
    SAMPLE_HEADER,
    SAMPLE_ROWS,
    build_sample_docx,
)


@pytest.fixture
def sample(tmp_path):
    return read_document(build_sample_docx(tmp_path / "plan.docx"))


def test_paragraphs_and_table_rows_in_document_order(sample):
    texts = [line.text for line in sample.lines]
    n = len(SAMPLE_BEFORE)
    assert texts[:n] == SAMPLE_BEFORE
    assert texts[n] == ""  # a blank line sets the table off, as in the .txt plans
    rows = sample.lines[n + 1 : n + 2 + len(SAMPLE_ROWS)]
    assert [line.cells for line in rows] == [SAMPLE_HEADER, *SAMPLE_ROWS]
    assert texts[n + 2 + len(SAMPLE_ROWS)] == ""
    assert texts[n + 3 + len(SAMPLE_ROWS) :] == SAMPLE_AFTER
    assert sample.format == "docx"


def test_lines_are_numbered_consecutively(sample):
    assert [line.number for line in sample.lines] == list(range(1, len(sample.lines) + 1))
    assert all(line.page is None for line in sample.lines)


def test_table_rows_carry_cells_index_and_tab_joined_text(sample):
    rows = [line for line in sample.lines if line.cells is not None]
    assert len(rows) == 1 + len(SAMPLE_ROWS)
    assert {line.table for line in rows} == {0}
    assert all(line.text == "\t".join(line.cells) for line in rows)
    assert all(
        line.cells is None and line.table is None for line in sample.lines if line not in rows
    )


def test_merged_category_is_repeated_and_sub_row_kept(sample):
    rows = [line.cells for line in sample.lines if line.cells is not None][1:]
    assert [row[0] for row in rows] == ["健康水平"] * 3 + ["健康服务"] * 3
    sub = rows[4]
    assert sub[1] == "" and sub[2].startswith("其中：")
    assert [row[5] for row in rows] == ["≥79", "≤10", "3左右", "3.2", "0.6左右", "同比例提高"]


def test_second_table_gets_the_next_index_and_nested_table_is_flattened(tmp_path):
    document = docx.Document()
    document.add_paragraph("专栏1 健康服务能力提升工程")
    first = document.add_table(rows=1, cols=2)
    first.cell(0, 0).text = "项目"
    inner = first.cell(0, 1).add_table(rows=2, cols=2)
    for r, c, text in [(0, 0, "甲"), (0, 1, "乙"), (1, 0, "丙"), (1, 1, "丁")]:
        inner.cell(r, c).text = text
    document.add_paragraph("中间段落\n换行后的第二行")
    second = document.add_table(rows=1, cols=2)
    second.cell(0, 0).text = "DDDs"
    second.cell(0, 0).add_paragraph("100/人天")
    second.cell(0, 1).text = "≥90"
    path = tmp_path / "nested.docx"
    document.save(str(path))
    lines = read_document(path).lines
    tables = [(line.table, line.cells) for line in lines if line.cells is not None]
    assert tables == [(0, ("项目", "甲 乙丙 丁")), (1, ("DDDs 100/人天", "≥90"))]
    texts = [line.text for line in lines]
    assert texts.index("中间段落") + 1 == texts.index("换行后的第二行")


def test_fold_cell_text():
    assert fold_cell_text("2020年\n完成情况") == "2020年完成情况"
    assert fold_cell_text("同比例\n\n提高 ") == "同比例提高"
    assert fold_cell_text("DDDs\n100/人天%") == "DDDs 100/人天%"
    assert fold_cell_text("85\xa0左右\t") == "85 左右"
    assert fold_cell_text("10\n0、100", wrapped=True) == "100、100"
    # Spaces padding Chinese words in a header are dropped; one ordinary space is kept.
    assert fold_cell_text("指\u3000\u3000标") == "指标"
    assert fold_cell_text("单\xa0位") == "单位"
    assert fold_cell_text("序  号") == "序号"
    assert fold_cell_text("甲 乙") == "甲 乙"
    assert fold_cell_text("人均预期寿命\u3000（岁）") == "人均预期寿命 （岁）"


# -- bad input -----------------------------------------------------------------------


def _problem(path) -> str:
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert str(path) in str(caught.value)
    return caught.value.problem


def test_truncated_docx(tmp_path):
    data = build_sample_docx(tmp_path / "full.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    assert "已损坏或被截断" in _problem(path)


def test_zip_of_something_else_named_docx(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "不是 Word 文档")
    path = tmp_path / "archive.docx"
    path.write_bytes(buffer.getvalue())
    assert "没有 Word 文档内容" in _problem(path)


def test_xlsx_renamed_docx(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    path = tmp_path / "table.docx"
    path.write_bytes(buffer.getvalue())
    assert "Excel" in _problem(path)


def test_docx_with_broken_xml(tmp_path):
    data = build_sample_docx(tmp_path / "full.docx").read_bytes()
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/document.xml":
                content = content[: len(content) // 2]
            archive.writestr(item, content)
    path = tmp_path / "broken.docx"
    path.write_bytes(buffer.getvalue())
    assert "已损坏或被截断" in _problem(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    assert _problem(path) == "文件为空"


def test_binary_file_renamed_txt(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    # Read by its content, as a PDF is: a page image (for OCR), here a broken one.
    assert "图片无法解码" in _problem(path)
    path = tmp_path / "data.txt"
    path.write_bytes(b"\x00\x01\x02binary" + bytes(range(256)) * 4)
    assert "不是文本文件" in _problem(path)


def test_docx_without_text(tmp_path):
    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    assert "没有可读取的文字" in _problem(path)


def test_old_word_file_renamed_docx(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    assert ".doc" in _problem(path)


_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


def test_revisions_links_text_boxes_and_content_controls(tmp_path):
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("第一段")
    box = "<w:txbxContent><w:p><w:r><w:t>专栏1 文本框</w:t></w:r></w:p></w:txbxContent>"
    paragraph = parse_xml(
        f"<w:p {_NS}><w:r><w:t>修订</w:t></w:r>"
        '<w:ins w:id="1" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>'
        '<w:hyperlink r:id="rId99"><w:r><w:t>链接</w:t></w:r></w:hyperlink>'
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx>'
        f"{box}</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
        f"{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    control = parse_xml(
        f"<w:sdt {_NS}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>目录</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    section = document.element.body[-1]
    section.addprevious(paragraph)
    section.addprevious(control)
    path = tmp_path / "rich.docx"
    document.save(str(path))
    texts = [line.text for line in read_document(path).lines]
    # tracked insertions and links are text, deletions are not; the text box (whose VML
    # fallback copy is skipped) follows its paragraph
    assert texts == ["第一段", "修订插入链接", "专栏1 文本框", "目录"]
