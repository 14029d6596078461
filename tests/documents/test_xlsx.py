"""Excel workbooks (.xlsx): an indicator table kept in a sheet, as planning offices keep them."""

from __future__ import annotations

import re

import openpyxl
import pytest

from cli_helpers import assert_bad_input, run_cli
from gold_compare import compare
from healthplan.documents import DocumentError, read_document
from healthplan.documents.xlsx import cell_text
from healthplan.extract import extract_plan
from plan_builder import TableSpec, plan_blocks

_NUMBER = re.compile(r"^\d+(?:\.(\d+))?$")


def build_xlsx(seed, gold_rows, out, context: int = 3):
    """The plan's indicator tables in one sheet: a few paragraphs of context around each
    (one cell per line), the caption as a title merged over the table's width, the header,
    the rows with numbers stored as numbers (their printed decimals as the number format)
    and categories merged down their rows (or, for 003, over the width)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    row = 1
    for block in plan_blocks(seed, gold_rows, context=context):
        if not isinstance(block, TableSpec):
            if block.strip():
                sheet.cell(row=row, column=1, value=block)
            row += 1
            continue
        width = len(block.header)
        sheet.cell(row=row, column=1, value=block.caption)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
        for c, text in enumerate(block.header, start=1):
            sheet.cell(row=row, column=c, value=text)
        row += 1
        first = row
        for r, cells in enumerate(block.rows):
            for c, text in enumerate(cells, start=1):
                cell = sheet.cell(row=row, column=c)
                match = _NUMBER.match(text)
                if match:
                    cell.value = float(text)
                    decimals = len(match.group(1) or "")
                    cell.number_format = "0" + ("." + "0" * decimals if decimals else "")
                elif text:
                    cell.value = text
            if r in block.category_rows:
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            row += 1
        if "category" in block.fields:
            col = block.fields.index("category") + 1
            for run_first, run_last in block.merges:
                if run_last > run_first:
                    sheet.merge_cells(start_row=first + run_first, start_column=col,
                                      end_row=first + run_last, end_column=col)
        row += 1
    workbook.save(out)
    return out


def test_sample_tables_kept_in_workbooks_give_the_gold_rows(seeds_dir, gold_rows, tmp_path):
    for seed in sorted(seeds_dir.glob("*.txt")):
        path = build_xlsx(seed, gold_rows, tmp_path / f"{seed.stem}.xlsx")
        document = read_document(path)
        assert document.format == "xlsx"
        result = compare(extract_plan(document), gold_rows, seed.name)
        assert (result.exact, result.extra) == (result.gold, 0), (seed.name, result.wrong)


def test_merged_cells_fill_their_grid_and_numbers_read_as_printed(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["表1 主要发展指标"])
    sheet.merge_cells("A1:F1")
    sheet.append(["领域", "指标", "单位", "指标值", None, "属性"])
    sheet.append([None, None, None, "2020年", "2025年", None])
    sheet.merge_cells("D2:E2")
    for col in "ABCF":
        sheet.merge_cells(f"{col}2:{col}3")
    sheet.append(["健康水平", "人均预期寿命", "岁", 78.3, 79, "预期性"])
    sheet.append([None, "婴儿死亡率", "‰", 0.57, "<5", "预期性"])
    sheet.merge_cells("A4:A5")
    sheet["D4"].number_format = "0.0"
    path = tmp_path / "table.xlsx"
    workbook.save(path)
    lines = [line for line in read_document(path).lines if not line.is_blank]
    assert lines[0].text == "表1 主要发展指标" and lines[0].cells is None
    assert [line.cells for line in lines[1:]] == [
        ("领域", "指标", "单位", "指标值", "指标值", "属性"),
        ("领域", "指标", "单位", "2020年", "2025年", "属性"),
        ("健康水平", "人均预期寿命", "岁", "78.3", "79", "预期性"),
        ("健康水平", "婴儿死亡率", "‰", "0.57", "<5", "预期性"),
    ]


@pytest.mark.parametrize(("value", "number_format", "shown"), [
    (0.57, "General", "0.57"), (7.0, "General", "7"), (7.0, "0.0", "7.0"),
    (0.375, "0.0%", "37.5%"), (0.1 + 0.2, "General", "0.3"), (12, "General", "12"),
])
def test_cell_text(value, number_format, shown):
    assert cell_text(value, number_format) == shown


def test_workbook_without_indicator_table_exit_2(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["通讯录"])
    workbook.active.append(["张三", "13800000000"])
    path = tmp_path / "contacts.xlsx"
    workbook.save(path)
    assert_bad_input(run_cli("ingest", str(path)), "contacts.xlsx", "未找到指标表")


def test_formulas_without_saved_results(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "=1+1"
    workbook.active["A2"] = "=A1*2"
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)  # openpyxl stores formulas with no cached value
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "2 个公式没有保存计算结果" in caught.value.problem


def test_docx_renamed_xlsx(tmp_path):
    import docx

    path = tmp_path / "plan.xlsx"
    docx.Document().save(path)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "Word 文档" in caught.value.problem
