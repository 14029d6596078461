"""HTML plans as government web pages publish them."""

from __future__ import annotations

import pytest

from healthplan.documents import DocumentError, read_document
from plan_builder import assert_sample_layout, sample_html


def _read(tmp_path, html: str, encoding: str = "utf-8", prefix: bytes = b"", name="plan.html"):
    path = tmp_path / name
    path.write_bytes(prefix + html.encode(encoding))
    return read_document(path)


@pytest.mark.parametrize(
    "charset, encoding, prefix",
    [
        ("utf-8", "utf-8", b""),
        ("gb2312", "gb18030", b""),  # declared GB2312, really GB18030 (a superset)
        (None, "utf-8", b""),
        (None, "gb18030", b""),  # no declaration: detected
        (None, "utf-8", b"\xef\xbb\xbf"),
        ("gb2312", "utf-8", b""),  # converted to UTF-8, the old declaration kept
    ],
)
def test_sample_page_in_order(tmp_path, charset, encoding, prefix):
    document = _read(tmp_path, sample_html(charset), encoding, prefix)
    assert document.format == "html"
    # script, style, title, header, nav and footer are gone; &nbsp; indentation is stripped
    assert_sample_layout(document)
    assert [line.number for line in document.lines] == list(range(1, len(document.lines) + 1))


def test_colspan_and_rowspan_fill_the_grid(tmp_path):
    html = """<html><body><table>
    <tr><th rowspan="2">领域</th><th rowspan="2">指标</th><th colspan="2">目标值</th></tr>
    <tr><th>2020年</th><th>2025年</th></tr>
    <tr><td colspan="4">健康水平</td></tr>
    <tr><td rowspan="2">健康<br>水平</td><td>人均预期寿命（岁）</td><td>77.7</td><td>＞78.2</td></tr>
    <tr><td>婴儿死亡率（‰）</td><td>1.62</td></tr>
    </table></body></html>"""
    rows = [line.cells for line in _read(tmp_path, html).lines if line.cells]
    assert rows == [
        ("领域", "指标", "目标值", "目标值"),
        ("领域", "指标", "2020年", "2025年"),
        ("健康水平",) * 4,
        ("健康水平", "人均预期寿命（岁）", "77.7", "＞78.2"),
        ("健康水平", "婴儿死亡率（‰）", "1.62", ""),
    ]


def test_br_nbsp_and_source_line_breaks(tmp_path):
    html = """<html><body><div id="zoom"><div class="TRS_Editor">
    &nbsp;&nbsp;&nbsp;&nbsp;第一章&nbsp;总体要求<br><br>
    一、指导思想<br />
    坚持以人民为中心的发展
    思想，推进健康中国建设。<span style="display:none">隐藏文字</span>
    <p style="text-indent:2em;">（一）<b>基本原则</b></p><!-- 注释 -->
    <ul><li>第一条</li><li>第二条 English words</li></ul>
    </div></div></body></html>"""
    texts = [line.text for line in _read(tmp_path, html).lines]
    assert texts == [
        "第一章 总体要求",
        "",
        "一、指导思想",
        "坚持以人民为中心的发展思想，推进健康中国建设。",
        "（一）基本原则",
        "第一条",
        "第二条 English words",
    ]


def test_layout_table_is_read_as_text_and_keeps_the_data_table(tmp_path):
    rows = "".join(f"<tr><td>{i}</td><td>指标{i}</td><td>≥{i}0</td></tr>" for i in range(1, 4))
    html = f"""<html><body><table width="100%"><tr><td>
    <h2>某县“十四五”卫生健康规划</h2>
    <p>正文第一段。</p>
    <table border="1"><tr><th>序号</th><th>指标</th><th>2025年</th></tr>{rows}</table>
    <p>正文第二段。</p>
    </td></tr></table></body></html>"""
    document = _read(tmp_path, html)
    texts = [line.text for line in document.lines if line.cells is None]
    assert [t for t in texts if t] == ["某县“十四五”卫生健康规划", "正文第一段。", "正文第二段。"]
    cells = [line.cells for line in document.lines if line.cells]
    assert cells[0] == ("序号", "指标", "2025年") and cells[3] == ("3", "指标3", "≥30")
    assert {line.table for line in document.lines if line.cells} == {0}


def test_article_header_is_kept(tmp_path):
    html = """<html><body><header>网站导航</header>
    <article><header><h1>某市卫生健康发展规划</h1></header><p>正文。</p></article>
    <footer>版权所有</footer></body></html>"""
    assert [line.text for line in _read(tmp_path, html).lines] == ["某市卫生健康发展规划", "正文。"]


def test_binary_file_named_html(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00" + bytes(range(256)))
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "不是文本文件" in caught.value.problem


def test_page_without_text(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text(
        "<html><head><title>标题</title><script>var a;</script></head><body></body></html>"
    )
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "没有可读取的文字" in caught.value.problem
