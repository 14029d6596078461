"""The `healthplan` command as a user runs it: output, exit status, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "healthplan", *args], capture_output=True,
                          text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, path: Path, problem: str):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and problem in lines[0]
    assert "Traceback" not in result.stderr


def test_ingest_summarises_the_five_sample_plans():
    from healthplan.samples import sample_paths

    result = run("ingest", *map(str, sample_paths()))
    assert result.returncode == 0, result.stderr
    for region in ["无锡市", "江阴市", "苏州市吴中区", "埇桥区", "连云港市"]:
        assert f"地区：{region}" in result.stdout
    assert "约束性" in result.stdout and "专栏" in result.stdout
    assert "（另有 1 个专栏缺少标题" in result.stdout  # 连云港市's box after 专栏7
    assert "指标目录匹配：41/41 项" in result.stdout  # 无锡市: both tables
    assert "单位存疑：婴儿死亡率（第 192 行" in result.stdout  # 吴中区 prints % for ‰


def test_ingest_json_contract():
    result = run("ingest", str(FIXTURES / "mini_plan.txt"), "--format", "json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert set(plan) >= {"document", "outline", "indicator_tables", "projects", "commitments"}
    assert set(plan["document"]) >= {"path", "title", "region", "issuer", "issued_on", "period"}
    row = plan["indicator_tables"][0]["rows"][1]
    assert row["indicator_id"] == "infant_mortality"
    assert row["match"]["method"] == "exact" and row["match"]["unit_note"] is None
    assert (row["rule"]["kind"], row["rule"]["value"]) == ("at_most", 4.0)
    reader_fields = {k: v for k, v in row.items() if k not in ("indicator_id", "match", "rule")}
    assert reader_fields == {
        "category": "健康水平", "seq": "2", "name": "婴儿死亡率", "unit": "‰",
        "baseline_year": 2020, "baseline": "3.1", "target_year": 2025, "target": "≤4",
        "attribute": "约束性", "line_start": 23, "line_end": 29,
        "doubtful": None, "page": None, "confidence": None,
    }
    assert plan["projects"][0]["number"] == 1


def test_several_files_give_json_lines(tmp_path):
    other = tmp_path / "copy.txt"
    other.write_bytes((FIXTURES / "mini_plan.txt").read_bytes())
    result = run("ingest", str(FIXTURES / "mini_plan.txt"), str(other), "--format", "json")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and [json.loads(x)["document"]["path"] for x in lines][1] == str(other)


def truncated_docx(tmp_path: Path) -> Path:
    from docx import Document

    whole = tmp_path / "whole.docx"
    document = Document()
    document.add_paragraph("某县“十四五”卫生健康规划" * 50)
    document.save(whole)
    data = whole.read_bytes()
    path = tmp_path / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    return path


def missing(tmp: Path) -> Path:
    return tmp / "missing.txt"


def empty(tmp: Path) -> Path:
    (tmp / "empty.txt").write_bytes(b"")
    return tmp / "empty.txt"


def binary(tmp: Path) -> Path:
    (tmp / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return tmp / "binary.txt"


def zip_not_docx(tmp: Path) -> Path:
    path = tmp / "zip.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return path


def scanned_pdf(tmp: Path) -> Path:
    """A scan (no text layer) is read by OCR; a bar is no text, which is said in one line."""
    from PIL import Image, ImageDraw  # Pillow comes with pdfplumber

    image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(image).rectangle([60, 100, 540, 114], fill="black")
    path = tmp / "scan.pdf"
    image.save(path, format="PDF", resolution=72)
    return path


@pytest.mark.parametrize(
    "make, problem",
    [(missing, "文件不存在"), (empty, "文件为空"), (binary, "二进制"),
     (truncated_docx, ".docx"), (zip_not_docx, ".docx"), (scanned_pdf, "没有识别出任何文字")],
    ids=["missing", "empty", "binary", "truncated-docx", "zip-not-docx", "scanned-pdf"],
)
def test_bad_input_gets_one_line_and_status_2(tmp_path, make, problem):
    path = make(tmp_path)
    result = run("ingest", str(path), "--format", "json")
    assert_one_line_error(result, path, problem)
    assert result.stdout == ""


def test_document_without_indicator_table_still_yields_outline_and_projects(tmp_path):
    path = tmp_path / "no_table.txt"
    path.write_text(
        "某县卫生健康“十四五”规划\n一、主要任务\n（一）加强急救。完善网络。\n"
        "\t专栏1  院前急救能力提升工程\n\n\t新建急救站点5个。\n\n\n二、保障措施\n",
        encoding="utf-8",
    )
    result = run("ingest", str(path), "--format", "json")
    assert_one_line_error(result, path, "未找到指标表")
    plan = json.loads(result.stdout)
    assert [h["title"] for h in plan["outline"]] == ["主要任务", "保障措施"]
    assert plan["projects"][0]["title"] == "院前急救能力提升工程"
    assert plan["indicator_tables"] == []


def test_usage_error_is_status_2():
    result = run("ingest")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_rows_format_lists_every_indicator_row():
    result = run("ingest", str(FIXTURES / "mini_plan.txt"), "--format", "rows")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("■ “十四五”主要发展指标")
    assert lines[-1].split("\t") == ["  23-29", "健康水平", "2", "婴儿死亡率", "‰", "2020", "3.1",
                                     "2025", "≤4", "约束性"]
