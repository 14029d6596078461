"""Reading an observation file into plain rows, before anything is checked.

Three shapes are read: the long format from CSV or Excel (one value a row, columns
``region,indicator,year,value,source[,note][,unit]`` or their Chinese headers), and
the wide template the system generates for a plan (recognised by its hidden ``_meta``
sheet; see ``template.py``). All three become the same ``RawRow`` list, so validation
does not care where a value came from. Nothing here knows the database.

A file that cannot be read at all (missing, empty, wrong type, a broken .xlsx, required
columns missing) raises ``DocumentError`` naming the file; problems with single rows are
left to validation, which reports them all at once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from pathlib import Path

from healthplan.documents.model import DocumentError
from healthplan.documents.reader import read_file_bytes
from healthplan.documents.text import decode_text
from healthplan.imports.rows import FIELD_CN, ObservationFile, RawRow, cell_text, check_cells
from healthplan.imports.template import read_template

SUFFIXES = (".csv", ".xlsx")
REQUIRED = ("region", "indicator", "year", "value", "source")

# Header spellings (compared after NFKC, lower case, whitespace and brackets removed).
HEADERS = {
    "region": ("region", "regioncode", "地区", "地区名称", "地区代码", "行政区划", "行政区划代码",
               "区划代码"),
    "indicator": ("indicator", "indicatorid", "指标", "指标名称", "指标代码", "指标id"),
    "year": ("year", "年份", "年度", "年"),
    "value": ("value", "数值", "监测值", "指标值", "值"),
    "source": ("source", "来源", "数据来源"),
    "note": ("note", "notes", "备注", "说明"),
    "unit": ("unit", "单位"),
}
HEADER_SEARCH = 10  # non-blank records looked at for the header
_HEADER_FIELD = {spelling: name for name, spellings in HEADERS.items() for spelling in spellings}


def read_observation_file(path: str | Path) -> ObservationFile:
    """Read a CSV, an Excel sheet in long format, or a filled template."""
    path = str(path)
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        text, _ = decode_text(path, data)
        return ObservationFile(path, "csv", digest, _long_rows(path, _csv_records(text)))
    workbook = _open_workbook(path, data)
    formulas = _open_workbook(path, data, data_only=False)
    if "_meta" in workbook.sheetnames:
        return read_template(path, digest, workbook, formulas)
    sheet = workbook.worksheets[0]
    records = [[cell_text(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]
    rows = _long_rows(path, records)
    header_row, header = _header_record(records)
    check_cells(path, sheet, formulas.worksheets[0], first_row=header_row,
                headers=dict(enumerate(header, start=1)))
    return ObservationFile(path, "xlsx", digest, rows)


def _read_bytes(path: str) -> bytes:
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix == ".xls":
        raise DocumentError(path, "是旧版 Excel 文件（.xls），请在 Excel 中另存为 .xlsx 或 .csv 后导入")
    if suffix not in SUFFIXES:
        raise DocumentError(path, f"不支持的文件类型 {suffix or '（无扩展名）'}（支持 .csv、.xlsx）")
    return read_file_bytes(path)


def _open_workbook(path: str, data: bytes, *, data_only: bool = True):
    """The workbook with the values Excel last computed (``data_only``), or with the
    formulas themselves (to tell a formula nobody computed from an empty cell)."""
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise DocumentError(path, "不是有效的 .xlsx 文件（不是 Excel 工作簿，可能只是改了扩展名）")
    try:
        return load_workbook(io.BytesIO(data), data_only=data_only)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise DocumentError(path, f"不是有效的 .xlsx 文件（已损坏或被截断：{type(exc).__name__}）"
                            ) from None


def _csv_records(text: str) -> list[list[str]]:
    # Excel writes ';' in some locales and tabs when saved as "Unicode text"; the header
    # line tells which.
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in ",\t;" if d in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [[cell.strip() for cell in record] for record in reader]


def header_key(text: str) -> str:
    """A header cell as compared with the known spellings."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = re.sub(r"\(.*?\)|\s|[_\-*:：]", "", text)
    return text.lstrip("\ufeff")


def _long_rows(path: str, records: list[list[str]]) -> list[RawRow]:
    """Rows of a long-format table under its header: the first of the first few non-blank
    records that names every required column (a title may sit above it)."""
    numbered = [(n, rec) for n, rec in enumerate(records, start=1) if any(c for c in rec)]
    if not numbered:
        raise DocumentError(path, "文件中没有内容")
    start = _header_index(numbered)
    header_row, header = numbered[start]
    columns = _header_columns(path, header_row, header)
    rows = []
    for number, record in numbered[start + 1:]:
        cells = {name: (record[k] if k < len(record) else "") for name, k in columns.items()}
        rows.append(RawRow(number, cells, {name: header[k] for name, k in columns.items()}))
    if not rows:
        raise DocumentError(path, "只有表头，没有数据行")
    return rows


def _header_index(numbered: list[tuple[int, list[str]]]) -> int:
    return next((k for k, (_, rec) in enumerate(numbered[:HEADER_SEARCH])
                 if set(REQUIRED) <= {_HEADER_FIELD.get(header_key(c)) for c in rec}), 0)


def _header_record(records: list[list[str]]) -> tuple[int, list[str]]:
    """The header's row number and cells (as ``_long_rows`` finds them)."""
    numbered = [(n, rec) for n, rec in enumerate(records, start=1) if any(c for c in rec)]
    return numbered[_header_index(numbered)]


def _header_columns(path: str, row: int, header: list[str]) -> dict[str, int]:
    """field → column index; a missing required column or a field given twice is fatal."""
    columns: dict[str, int] = {}
    for k, text in enumerate(header):
        name = _HEADER_FIELD.get(header_key(text))
        if name is None:
            continue  # other columns (序号, 指标名称 beside 指标代码 …) are ignored
        if name in columns:
            raise DocumentError(path, f"第{row}行表头中“{header[columns[name]]}”和“{text}”"
                                      f"都表示{FIELD_CN[name]}，请只保留一列")
        columns[name] = k
    missing = [f"{FIELD_CN[name]}（{name}）" for name in REQUIRED if name not in columns]
    if missing:
        shown = "，".join(h for h in header if h) or "（空）"
        raise DocumentError(path, f"缺少必需的列：{'、'.join(missing)}；第{row}行表头为：{shown}"
                                  "（应为 region,indicator,year,value,source[,note] 或 "
                                  "地区,指标,年份,数值,数据来源[,备注]）")
    return columns
