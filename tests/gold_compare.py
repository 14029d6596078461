"""Compare the indicator rows read from a document of any format with the gold rows.

Line numbers differ between formats (each counts the lines of its own text), so a row is
exact when every other field (table caption, category, seq, name, unit, years, values,
attribute) equals a gold row of the same sample; each gold row is matched at most once.
Used by the corpus tests and by bench/bench_ocr.py and bench/bench_pdf.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from healthplan.textutil import fold_whitespace

FIELDS = ["category", "seq", "name", "unit", "baseline_year", "baseline", "target_year",
          "target", "attribute"]


def _key(table: str, values: dict) -> tuple[str, ...]:
    return (fold_whitespace(table),) + tuple(
        "" if values.get(f) is None else fold_whitespace(str(values[f])) for f in FIELDS
    )


@dataclass
class Comparison:
    gold: int
    exact: int
    extra: int  # rows read that match no gold row
    wrong: list = field(default_factory=list)  # the rows read that are not exact (with their row object)
    missing: list = field(default_factory=list)  # gold keys not read exactly


def compare(plan, gold_rows: list[dict], document_name: str) -> Comparison:
    gold = Counter(_key(g["table"], g) for g in gold_rows if g["document"] == document_name)
    remaining = Counter(gold)
    result = Comparison(gold=sum(gold.values()), exact=0, extra=0)
    for table in plan.indicator_tables:
        for row in table.rows:
            key = _key(table.caption or "", {f: getattr(row, f) for f in FIELDS})
            if remaining[key] > 0:
                remaining[key] -= 1
                result.exact += 1
            else:
                result.wrong.append((key, row))
    result.missing = [key for key, count in remaining.items() for _ in range(count)]
    result.extra = max(0, len(result.wrong) - len(result.missing))
    return result
