"""The national 十五五 targets (2026–2030) as a partial national plan.

``samples/national_15th_targets.csv`` (copied byte for byte from ``../shared/real/``) holds
the five health targets for 2030 of the national 十五五 规划纲要 as summarised by 健康报.
The 纲要's own indicator table — its 2025 baselines, its categories and its attributes
(约束性/预期性) — is not in that summary, so none is made up here: every row has an empty
baseline, category and attribute, and the plan's title says where it was taken from.

``national_15th_plan()`` returns the CSV as a :class:`Document` (one line per CSV line,
the cells kept, so the stored plan's every target points at the line it was read from)
and an :class:`ExtractedPlan` with one plan table of those rows, mapped to the catalogue
like any plan's rows. The store loads it with ``load_plan`` as the plan of 全国
(000000) for 2026–2030: the parent of every regional 十五五 plan
(``store.plans.link_parents``).
"""

from __future__ import annotations

import csv
import hashlib
import io

from healthplan.documents.model import Document, Line
from healthplan.extract import ExtractedPlan
from healthplan.extract.model import DocumentInfo, IndicatorRow, IndicatorTable, Period
from healthplan.mapping import map_tables
from healthplan.samples import HERE

NATIONAL_15TH_TARGETS = HERE / "national_15th_targets.csv"
TITLE = "国家“十五五”规划纲要卫生健康主要目标（据健康报摘要，非纲要指标表全文）"
CAPTION = "“十五五”规划纲要卫生健康目标（2030年；据健康报摘要，基期值和指标属性未公布于摘要）"
PERIOD = Period(2026, 2030)
HEADER = ["指标", "单位", "2030年"]


def national_15th_plan() -> tuple[Document, ExtractedPlan]:
    """The CSV as a document and as a plan with one table (see the module docstring)."""
    data = NATIONAL_15TH_TARGETS.read_bytes()
    text = data.decode("utf-8")
    lines, rows = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        cells = next(csv.reader(io.StringIO(raw)), [])
        lines.append(Line(number, raw, cells=tuple(cells), table=0))
        if number == 1 or not cells:
            continue
        record = dict(zip(text.splitlines()[0].split(","), cells, strict=False))
        rows.append(IndicatorRow(
            category="", seq="", name=record["indicator"], unit=record["unit"],
            baseline_year=None, baseline="", target_year=int(record["target_year"]),
            target=record["target"], attribute="", line_start=number, line_end=number))
    document = Document(path=str(NATIONAL_15TH_TARGETS), format="csv", lines=lines,
                        encoding="utf-8", sha256=hashlib.sha256(data).hexdigest())
    table = IndicatorTable(caption=CAPTION, header=HEADER, kind="plan", period=PERIOD,
                           line_start=1, line_end=len(lines), rows=rows)
    map_tables([table])
    info = DocumentInfo(path=str(NATIONAL_15TH_TARGETS), format="csv", title=TITLE, region="全国",
                        issuer="十四届全国人大四次会议", issued_on="2026-03-12", period=PERIOD,
                        status="final", document_number=None, sha256=document.sha256,
                        lines=len(lines))
    return document, ExtractedPlan(info, [], [], [table], [], [])
