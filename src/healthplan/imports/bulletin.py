"""Reviewed bulletin candidates → the rows of an observation import.

The candidates of ``healthplan.bulletins`` become an ``ObservationFile`` of format
``bulletin`` whose rows are the document's lines, so the import's checks (region, year
within the plans, bounds, unit, ×100 slips, jumps, corrections) and its messages
(``文件:第N行:列:问题``) apply unchanged; each value's source names the publication and
the line it was printed on.
"""

from __future__ import annotations

from healthplan.bulletins import Candidate, Publication
from healthplan.imports.rows import FIELD_CN, ObservationFile, RawRow, number_text

# Definitions that are not the plan's own series: held back unless a reviewer accepts
# them one by one (the web review), never imported in bulk.
STANDARD_DEFINITIONS = (None, "常住人口")


def candidate_rows(publication: Publication, candidates: list[Candidate],
                   notes: list[str] | None = None) -> list[RawRow]:
    """One row per candidate; ``notes`` (one per candidate, e.g. a reviewer's edit) are
    added to the row's note after the definition."""
    rows = []
    for i, c in enumerate(candidates):
        parts = [f"口径：{c.definition}" if c.definition else "", (notes or [""] * (i + 1))[i]]
        note = "；".join(p for p in parts if p)
        rows.append(RawRow(row=c.line, cells={
            "region": c.region_code, "indicator": c.indicator_id or c.printed_name,
            "year": str(c.year), "value": number_text(c.value),
            "source": publication.source(c.line, c.page), "note": note, "unit": c.unit,
        }, columns=dict(FIELD_CN)))
    return rows


def bulletin_file(path: str, sha256: str | None, publication: Publication,
                  candidates: list[Candidate], notes: list[str] | None = None) -> ObservationFile:
    return ObservationFile(path, "bulletin", sha256 or "",
                           candidate_rows(publication, candidates, notes))
