"""Indicator rows → the catalogue and checkable rules (the `plan` step of DESIGN.md).

Each extracted row gains `indicator_id` (None when the printed name matches no
catalogue entry: it is listed, never forced), `match` (how and how confidently
it matched, with a note when the printed unit contradicts the catalogue) and
`rule` (the target parsed with the indicator's direction).
"""

from __future__ import annotations

from healthplan import catalog
from healthplan.extract.model import IndicatorRow, IndicatorTable
from healthplan.targets import parse_target, parse_value


def map_row(row: IndicatorRow, table_kind: str) -> None:
    found = catalog.match(row.name, row.unit)
    row.indicator_id = found.indicator_id
    row.match = found
    direction = catalog.get(found.indicator_id).direction if found.indicator_id else None
    # In a completion table the baseline column is the actual result, not a base value.
    baseline = parse_value(row.baseline) if table_kind == "plan" else None
    row.rule = parse_target(
        row.target,
        direction=direction,
        baseline=baseline,
        baseline_year=row.baseline_year if baseline is not None else None,
        target_year=row.target_year,
        unit=row.unit,
    )


def map_tables(tables: list[IndicatorTable]) -> None:
    for table in tables:
        for row in table.rows:
            map_row(row, table.kind)


def unmatched_rows(tables: list[IndicatorTable]) -> list[IndicatorRow]:
    return [row for table in tables for row in table.rows if row.indicator_id is None]
