"""Old Word/WPS files (.doc, .wps), read through LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from cli_helpers import assert_bad_input
from gold_compare import compare
from healthplan.documents import DocumentError, read_document
from healthplan.extract import extract_plan
from plan_builder import build_docx, build_pdfs, soffice

needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def doc_files(seeds_dir, gold_rows, tmp_path_factory):
    """The five samples saved as .doc (Word 97) by LibreOffice, one also named .wps."""
    folder = tmp_path_factory.mktemp("doc")
    seeds = sorted(seeds_dir.glob("*.txt"))
    docx = [build_docx(s, gold_rows, folder / f"{s.stem}.docx", context=8) for s in seeds]
    build_pdfs(docx, folder, convert_to="doc:MS Word 97")
    files = {s.name: folder / f"{s.stem}.doc" for s in seeds}
    wps = folder / "plan.wps"
    shutil.copy(files[seeds[0].name], wps)
    return files, wps


@needs_soffice
def test_doc_made_by_libreoffice_gives_the_gold_rows(doc_files, gold_rows):
    files, _ = doc_files
    for name, path in files.items():
        assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # a real OLE2 .doc
        document = read_document(path)
        assert document.format == "doc" and document.path == str(path)
        result = compare(extract_plan(document), gold_rows, name)
        assert (result.exact, result.extra) == (result.gold, 0), (name, result.wrong)


@needs_soffice
def test_wps_is_read_like_doc(doc_files):
    _, wps = doc_files
    document = read_document(wps)
    assert document.format == "wps"
    assert any(line.cells for line in document.lines)


def test_doc_without_libreoffice_says_what_to_install(tmp_path):
    path = tmp_path / "plan.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    # PATH without LibreOffice: the command as a user without it would run it.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable))
    result = subprocess.run([sys.executable, "-m", "healthplan", "ingest", str(path)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert_bad_input(result, "plan.doc", "需要 LibreOffice", "apt install libreoffice-writer")


@needs_soffice
def test_broken_doc(tmp_path):
    path = tmp_path / "broken.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "LibreOffice 无法转换" in caught.value.problem


def test_xls_is_not_taken_for_a_doc(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert ".xls" in caught.value.problem and ".xlsx" in caught.value.problem


def test_doc_suffix_on_a_text_file(tmp_path):
    path = tmp_path / "plan.doc"
    path.write_text("某市规划", encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "不是有效的 .doc 文件" in caught.value.problem


def test_converter_timeout_is_one_line(tmp_path, monkeypatch):
    import healthplan.documents.legacy as legacy

    def slow(*args, **kwargs):
        raise subprocess.TimeoutExpired("soffice", legacy.CONVERT_TIMEOUT)

    monkeypatch.setattr(legacy, "find_soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(legacy.subprocess, "run", slow)
    path = tmp_path / "plan.wps"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "超时" in caught.value.problem and ".wps" in caught.value.problem
