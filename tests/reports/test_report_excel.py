"""The Excel workbook of a report: its four sheets, every figure with its source, set up
for printing, and written all at once or not at all."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from healthplan.demo import build_demo
from healthplan.reports.content import VERDICT_TEXT, ReportError, build_report
from healthplan.reports.excel import (
    EVALUATION_COLUMNS,
    SHORTFALL_FILL,
    VERDICT_COLOURS,
    write_report_xlsx,
)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

HEADERS = ["序号", "指标", "单位", "属性", "基期值（年）", "目标值", "规则", "最新值", "年份", "结论",
           "差距", "完成进度%", "全国（年）", "说明", "数据来源"]
HEADER_ROW = 3


@pytest.fixture
def reports(db):
    build_demo(db, None)
    with db.session() as session:
        return {"final": build_report(session, 1, "final"),
                "annual": build_report(session, 2, "annual", 2024)}


def table(sheet, header: int) -> list[dict]:
    rows = list(sheet.iter_rows(min_row=header, values_only=True))
    names = rows[0]
    return [dict(zip(names, row, strict=True)) for row in rows[1:]]


def test_final_report_of_plan_1(reports, tmp_path):
    report = reports["final"]
    path = write_report_xlsx(report, tmp_path / "终期评估.xlsx")
    assert path == tmp_path / "终期评估.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["指标评价", "监测数据", "承诺与专栏", "数据来源", "说明"]

    sheet = book["指标评价"]
    assert sheet["A1"].value == report.report_title
    assert [c.value for c in sheet[HEADER_ROW]] == HEADERS == [h for h, _ in EVALUATION_COLUMNS]
    rows = table(sheet, HEADER_ROW)
    assert len(rows) == 19
    assert {r["结论"] for r in rows} == {"已达到"}
    assert [r["序号"] for r in rows] == list(range(1, 20))
    life = next(r for r in rows if r["指标"] == "人均期望寿命")
    assert life["最新值"] == 83.19 and life["年份"] == 2020 and life["差距"] == 0.49
    assert life["数据来源"] and life["说明"].startswith("2020年")
    for k in range(len(rows)):
        cell = sheet.cell(HEADER_ROW + 1 + k, 10)
        assert cell.fill.fgColor.rgb.endswith(VERDICT_COLOURS["achieved"][0])
    assert sheet.cell(HEADER_ROW + 1, 8).data_type == "n"  # figures are numbers, not text
    assert sheet.cell(HEADER_ROW + 1, 12).number_format == "0.0%"

    observations = table(book["监测数据"], 1)
    expected = sum(len(s.observations) + (s.benchmark is not None) for s in report.indicators)
    # one 2020 actual each, and the national 2020 figure (the national plan's baseline or a
    # published figure) beside those the nation has one for
    national = [s.benchmark for s in report.indicators if s.benchmark is not None]
    assert len(observations) == expected == 19 + len(national)
    assert national and {b.year for b in national} == {2020}
    assert all(r["来源"] and r["来源"].strip() for r in observations)

    sources = table(book["数据来源"], 1)
    assert [r["数据来源"] for r in sources] == [s for s, _ in report.sources()]

    notes = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert report.report_title in notes and "2020年" in notes
    for text in VERDICT_TEXT.values():
        assert text.split("：", 1)[-1] in notes
    assert "【待填写：…】" in notes and "报告撰写人" in notes


def test_national_figures_are_marked_and_sourced(reports, tmp_path):
    report = reports["annual"]
    book = openpyxl.load_workbook(write_report_xlsx(report, tmp_path / "r.xlsx"))
    rows = table(book["监测数据"], 1)
    national = [r for r in rows if r["地区"] == "全国"]
    assert len(national) == sum(s.benchmark is not None for s in report.indicators) > 0
    # a publication (bulletin, release) or the national plan's own printed baseline
    assert all("统计公报" in r["来源"] or "新闻发布" in r["来源"] or "国民健康规划" in r["来源"]
               for r in national)
    assert all(r["版本"] is None for r in national)
    assert {r["地区"] for r in rows} == {"全国", report.region}
    evaluation = table(book["指标评价"], HEADER_ROW)
    assert len(evaluation) == len(report.indicators)
    with_benchmark = next(s for s in report.indicators if s.benchmark is not None)
    row = next(r for r in evaluation if r["序号"] == with_benchmark.position)
    assert row["全国（年）"].endswith(f"（{with_benchmark.benchmark.year}）")


def test_print_setup_filters_and_frozen_headers(reports, tmp_path):
    book = openpyxl.load_workbook(write_report_xlsx(reports["annual"], tmp_path / "r.xlsx"))
    for name, header in (("指标评价", HEADER_ROW), ("监测数据", 1), ("数据来源", 1)):
        sheet = book[name]
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith(f"A{header}:")
        assert sheet.auto_filter.ref.endswith(str(sheet.max_row))
        assert sheet.print_title_rows == f"${header}:${header}"
        assert sheet.freeze_panes is not None
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and int(setup.paperSize) == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)
    sheet = book["指标评价"]
    assert sheet.column_dimensions["N"].width > sheet.column_dimensions["A"].width
    assert sheet.cell(HEADER_ROW + 1, 14).alignment.wrap_text


def test_binding_shortfalls_are_highlighted(reports, tmp_path):
    report = reports["annual"]
    first = report.indicators[0]
    assert first.attribute == "约束性"
    report.indicators[0] = replace(first, verdict="off_track", binding_shortfall=True)
    book = openpyxl.load_workbook(write_report_xlsx(report, tmp_path / "r.xlsx"))
    sheet = book["指标评价"]
    shortfall, other = HEADER_ROW + 1, HEADER_ROW + 2
    assert sheet.cell(shortfall, 2).fill.fgColor.rgb.endswith(SHORTFALL_FILL)
    assert sheet.cell(shortfall, 4).font.bold
    assert sheet.cell(shortfall, 10).value == "进度滞后"
    assert sheet.cell(shortfall, 10).fill.fgColor.rgb.endswith(VERDICT_COLOURS["off_track"][0])
    assert not sheet.cell(other, 2).fill.fgColor.rgb.endswith(SHORTFALL_FILL)


def test_a_failure_leaves_no_file_and_keeps_the_old_one(reports, tmp_path, monkeypatch):
    import healthplan.reports.excel as excel
    import healthplan.reports.output as output

    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "r.xlsx"
    write_report_xlsx(reports["final"], path)
    before = path.read_bytes()

    class Broken:  # fails half-way through making the workbook
        def save(self, target):
            target.write(b"PK half a workbook")
            raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(excel, "build_workbook", lambda report: Broken())
        for target in (path, folder / "new.xlsx"):
            with pytest.raises(OSError):
                write_report_xlsx(reports["final"], target)

    def no_rename(src, dst):  # the temporary file is written, the move into place fails
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(output.os, "replace", no_rename)
        with pytest.raises(ReportError, match="无法写入"):
            write_report_xlsx(reports["annual"], path)

    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["r.xlsx"]  # no temporary left


def test_an_unwritable_path_is_one_clear_error(reports, tmp_path):
    with pytest.raises(ReportError, match="不存在"):
        write_report_xlsx(reports["final"], tmp_path / "missing" / "r.xlsx")
    with pytest.raises(ReportError, match="目录"):
        write_report_xlsx(reports["final"], Path(tmp_path))
