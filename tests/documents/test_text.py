"""Plain-text plans in the encodings they are published in, detected without asking."""

from __future__ import annotations

import pytest

from healthplan.documents import DocumentError, read_document

TEXT = "某市“十四五”卫生健康发展规划\n\t领域\n\t主要指标\n婴儿死亡率（‰）≤5\n"


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b"")],
)
def test_encodings_are_detected(tmp_path, encoding, prefix):
    path = tmp_path / "plan.txt"
    path.write_bytes(prefix + TEXT.encode(encoding))
    document = read_document(path)
    assert [line.text for line in document.lines[:4]] == TEXT.split("\n")[:4]
    assert document.lines[1].number == 2
    # GB18030 is a superset of GBK, so GBK text is read as GB18030.
    expected = "utf-8-sig" if prefix else {"gbk": "gb18030"}.get(encoding, encoding)
    assert document.encoding == expected
    assert document.sha256 and len(document.sha256) == 64


def test_crlf_line_ends(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert read_document(path).lines[0].text == "某市“十四五”卫生健康发展规划"


@pytest.mark.parametrize(
    "name, data, problem",
    [
        ("empty.txt", b"", "文件为空"),
        ("blank.txt", b"  \n\n", "文件为空"),
        ("binary.txt", bytes(range(256)) * 4, "二进制"),
        ("plan.xyz", "规划".encode(), "不支持的文件类型"),
    ],
)
def test_bad_text_input(tmp_path, name, data, problem):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as error:
        read_document(path)
    assert problem in error.value.problem
    assert str(path) in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(DocumentError, match="文件不存在"):
        read_document(tmp_path / "nope.txt")
