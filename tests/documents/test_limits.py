"""Hostile or absurd plan files are refused with one line naming the limit (issue 13)."""

from __future__ import annotations

import io
import zipfile

import pytest

from cli_helpers import assert_bad_input, run_cli
from healthplan.documents import DocumentError, limits, read_document


def _bomb(path, inner: str, parts: dict[str, bytes] | None = None) -> None:
    """An Office package whose one big part expands to 150 MB of XML (a few hundred KB
    compressed): the expansion is what a decompression bomb relies on."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
        with archive.open(inner, "w", force_zip64=True) as handle:
            chunk = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 30_000
            for _ in range(150 * 1024 * 1024 // len(chunk)):
                handle.write(chunk)


def test_docx_bomb_refused_naming_the_limit(tmp_path):
    path = tmp_path / "bomb.docx"
    _bomb(path, "word/document.xml")
    assert path.stat().st_size < 2 * limits.MB
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "解压后内容过大" in caught.value.problem and "100 MB" in caught.value.problem


def test_xlsx_bomb_refused_by_the_cli(tmp_path):
    path = tmp_path / "bomb.xlsx"
    _bomb(path, "xl/worksheets/sheet1.xml", {"xl/workbook.xml": b"<workbook/>"})
    assert_bad_input(run_cli("ingest", str(path)), "bomb.xlsx", "解压后内容过大", "上限")


def test_package_with_too_many_parts(tmp_path):
    path = tmp_path / "parts.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(limits.MAX_PARTS + 1):
            archive.writestr(f"word/media/p{i}.xml", "")
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert f"上限 {limits.MAX_PARTS} 个" in caught.value.problem


def test_too_many_paragraphs(tmp_path, monkeypatch):
    import docx

    document = docx.Document()
    for i in range(60):
        document.add_paragraph(f"第{i}段")
    path = tmp_path / "long.docx"
    document.save(path)
    monkeypatch.setattr("healthplan.documents.docx.MAX_PARAGRAPHS", 50)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "段落和表格单元格过多" in caught.value.problem and "上限 50 个" in caught.value.problem


def test_fifty_megabyte_txt_refused(tmp_path):
    path = tmp_path / "huge.txt"
    line = "人均预期寿命\t岁\t78.2\t79\t预期性\n".encode()
    with open(path, "wb") as handle:
        for _ in range(50 * limits.MB // len(line)):
            handle.write(line)
    result = run_cli("ingest", str(path))
    assert_bad_input(result, "huge.txt", "文件过大", "10 MB")


def test_large_file_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"0" * 2048)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1024)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "文件过大" in caught.value.problem


def test_deeply_nested_html_says_what_is_wrong(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 3000 + "规划" + "</div>" * 3000 + "</body></html>")
    result = run_cli("ingest", str(path))
    assert_bad_input(result, "deep.html", "嵌套过深", f"{limits.MAX_HTML_DEPTH} 层")
    assert "RecursionError" not in result.stderr and "内部错误" not in result.stderr


def test_normal_nesting_is_read(tmp_path):
    path = tmp_path / "ok.html"
    path.write_text("<html><body>" + "<div>" * 50 + "某市卫生健康规划" + "</div>" * 50 + "</body></html>",
                    encoding="utf-8")
    assert read_document(path).lines[0].text == "某市卫生健康规划"


def test_three_hundred_page_pdf_refused(tmp_path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(300):
        pdf.new_page(595, 842)
    buffer = io.BytesIO()
    pdf.save(buffer)
    path = tmp_path / "long.pdf"
    path.write_bytes(buffer.getvalue())
    assert_bad_input(run_cli("ingest", str(path)), "long.pdf", "页数过多（300 页）",
                     f"最多 {limits.MAX_PAGES} 页")
