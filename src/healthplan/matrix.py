"""The regional matrix (驾驶舱): subordinate regions × indicators for one year.

Plain data in, plain data out (the store gathers the data, :mod:`healthplan.store.matrix`).

* Columns are catalogue indicators: a target is matched across the regions' plans by its
  catalogue id (the counties print the names differently); a target the catalogue does
  not know cannot be lined up with the others and is counted per row (``unmatched``).
  The columns are the parent plan's matched indicators, then those only the subordinate
  plans set (the most common first); binding (约束性) columns first, then by category in
  the parent plan's order, then the parent's order.
* A cell is present only where the region's plan has that indicator: an indicator the
  plan lacks is *absent* (no cell), which is not the same as ``no_data`` (the plan sets
  the target, no figure is in yet).
* Each cell carries the year's verdict, the latest value (and its year), the warning
  level of :mod:`healthplan.early_warning` (carried from earlier years), the year the
  warning started and the verdict's explanation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from healthplan import catalog
from healthplan.early_warning import carried_levels

BEHIND = ("off_track", "not_achieved", "at_risk")  # "behind" for the row sort


@dataclass(frozen=True)
class TargetYears:
    """One target of one region's plan, evaluated for every year up to the matrix year."""

    target_id: int
    indicator_id: str | None
    attribute: str
    category: str
    target_year: int
    verdicts: dict[int, str]  # year → verdict, in the plan period up to the matrix year
    latest_year: int | None
    latest_value: float | None
    explanation: str
    target_text: str = ""
    threshold: float | None = None
    source: str | None = None


@dataclass(frozen=True)
class RegionPlan:
    region_code: str
    region: str
    plan_id: int
    targets: list[TargetYears]


@dataclass(frozen=True)
class Cell:
    target_id: int
    verdict: str
    value: float | None
    year: int | None
    warning: str | None
    since: int | None
    attribute: str
    explanation: str
    source: str | None = None

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "value": self.value, "year": self.year,
                "warning": self.warning}


@dataclass(frozen=True)
class Column:
    id: str
    name: str
    unit: str
    attribute: str
    category: str
    direction: str
    parent_target: str = ""  # the parent plan's target as printed
    parent_threshold: float | None = None
    national: tuple[int, float] | None = None  # (year, value) up to the matrix year

    @property
    def binding(self) -> bool:
        return self.attribute == "约束性"

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "unit": self.unit, "attribute": self.attribute}


@dataclass
class Row:
    region_code: str
    region: str
    plan_id: int
    cells: dict[str, Cell]
    unmatched: int = 0

    @property
    def behind(self) -> int:
        return sum(1 for c in self.cells.values() if c.verdict in BEHIND)

    @property
    def red(self) -> int:
        return sum(1 for c in self.cells.values() if c.warning == "red")

    def to_json(self, columns: list[Column]) -> dict:
        return {"region_code": self.region_code, "region": self.region, "plan_id": self.plan_id,
                "cells": {c.id: self.cells[c.id].to_json() for c in columns if c.id in self.cells}}


@dataclass
class Matrix:
    year: int
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"year": self.year, "indicators": [c.to_json() for c in self.columns],
                "regions": [r.to_json(self.columns) for r in self.rows]}

    def column(self, indicator_id: str) -> Column:
        return next(c for c in self.columns if c.id == indicator_id)

    def ranking(self, indicator_id: str) -> list[tuple[Row, Cell]]:
        """The rows with a value for the indicator, best first (by the catalogue's
        direction; for a range indicator, nearest the parent's target first)."""
        column = self.column(indicator_id)
        have = [(r, r.cells[indicator_id]) for r in self.rows
                if indicator_id in r.cells and r.cells[indicator_id].value is not None]

        def key(item):
            value = item[1].value
            if column.direction == "lower":
                return value
            if column.direction == "range" and column.parent_threshold is not None:
                return abs(value - column.parent_threshold)
            return -value

        return sorted(have, key=lambda item: (key(item), item[0].region_code))


@dataclass(frozen=True)
class ParentTarget:
    indicator_id: str
    attribute: str
    category: str
    target_text: str = ""
    threshold: float | None = None


def build_matrix(year: int, parent: list[ParentTarget], regions: list[RegionPlan],
                 national: dict[str, tuple[int, float]] | None = None) -> Matrix:
    """The matrix for ``year`` from the parent plan's matched targets (in its order) and
    the subordinate regions' evaluated plans; ``national`` maps indicator id → the
    national (year, value) up to ``year``."""
    national = national or {}
    seen = {p.indicator_id for p in parent}
    own = Counter(t.indicator_id for r in regions for t in r.targets
                  if t.indicator_id and t.indicator_id not in seen)
    attributes: dict[str, Counter] = {}
    for r in regions:
        for t in r.targets:
            if t.indicator_id:
                attributes.setdefault(t.indicator_id, Counter())[t.attribute] += 1
    categories: list[str] = []
    columns: list[tuple[tuple, Column]] = []
    for k, p in enumerate(parent):
        ind = catalog.get(p.indicator_id)
        category = p.category or ind.category
        if category not in categories:
            categories.append(category)
        columns.append(((k,), Column(p.indicator_id, ind.name, ind.unit, p.attribute, category,
                                     ind.direction, p.target_text, p.threshold,
                                     national.get(p.indicator_id))))
    extra = sorted(own, key=lambda i: (-own[i], i))
    for k, indicator_id in enumerate(extra):
        ind = catalog.get(indicator_id)
        attribute = attributes[indicator_id].most_common(1)[0][0]
        if ind.category not in categories:
            categories.append(ind.category)
        columns.append(((len(parent) + k,), Column(indicator_id, ind.name, ind.unit, attribute,
                                                   ind.category, ind.direction,
                                                   national=national.get(indicator_id))))
    order = {c: k for k, c in enumerate(categories)}
    ordered = [c for _, c in sorted(columns, key=lambda item: (
        not item[1].binding, order[item[1].category], item[0]))]

    rows = []
    for r in regions:
        cells: dict[str, Cell] = {}
        unmatched = 0
        for t in r.targets:
            if not t.indicator_id:
                unmatched += 1
                continue
            warnings = carried_levels(t.verdicts, binding=t.attribute == "约束性",
                                      target_year=t.target_year)
            w = warnings.get(year)
            cells[t.indicator_id] = Cell(
                t.target_id, t.verdicts.get(year, "no_data"), t.latest_value, t.latest_year,
                w.level if w else None, w.since if w else None, t.attribute, t.explanation,
                t.source)
        rows.append(Row(r.region_code, r.region, r.plan_id, cells, unmatched))
    rows.sort(key=lambda row: row.region_code)
    return Matrix(year, ordered, rows)


def sort_rows(rows: list[Row], how: str) -> list[Row]:
    """Rows by ``how``: ``behind`` (most indicators behind first, then most red), ``code``
    (the region codes), ``name``."""
    if how == "behind":
        return sorted(rows, key=lambda r: (-r.behind, -r.red, r.region_code))
    if how == "name":
        return sorted(rows, key=lambda r: r.region)
    return sorted(rows, key=lambda r: r.region_code)


def filter_matrix(matrix: Matrix, *, verdict: str = "", category: str = "",
                  attribute: str = "", warning: str = "") -> Matrix:
    """The matrix with only the columns of ``category`` (empty: all) and, with
    ``verdict``, ``warning`` or ``attribute``, only the columns and rows that have at least
    one cell matching all of them (other cells stay, for context). The attribute is the
    cell's own — the region's plan may make binding what the parent's plan expects."""
    columns = [c for c in matrix.columns if not category or c.category == category]

    def hit(cell: Cell | None) -> bool:
        return cell is not None and (not verdict or cell.verdict == verdict) \
            and (not warning or cell.warning == warning) \
            and (not attribute or cell.attribute == attribute)

    rows = matrix.rows
    if verdict or warning or attribute:
        columns = [c for c in columns if any(hit(r.cells.get(c.id)) for r in rows)
                   or (not rows and not verdict and not warning and c.attribute == attribute)]
        rows = [r for r in rows if any(hit(r.cells.get(c.id)) for c in columns)]
    return Matrix(matrix.year, columns, rows)


__all__ = ["BEHIND", "Cell", "Column", "Matrix", "ParentTarget", "RegionPlan", "Row",
           "TargetYears", "build_matrix", "filter_matrix", "sort_rows"]
