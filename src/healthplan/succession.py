"""Plans in succession: a plan checked against the plan before it (十四五 → 十五五).

``audit_succession(new, previous, observed)`` returns ``audit.Finding``s (the audit's
form; evidence lines are the new plan's document lines, or the previous plan's when
the item is missing from the new one):

* ``baseline_mismatch``: the new plan prints a base-year figure (2025) for an indicator
  that differs from the region's observation for that year recorded from another source
  (the previous plan's monitoring): both figures and both sources are named;
* ``dropped_indicator``: an indicator of the previous plan with no row in the new one;
* ``binding_unmet_dropped``: a binding (约束性) target of the previous plan not met by the
  observation of its target year, and not carried on into the new plan.

Plain data in, findings out (no database): the store gathers the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthplan import catalog
from healthplan.audit import Evidence, Finding
from healthplan.targets import MissingInput, Rule, _fmt

SUCCESSION_KINDS = {
    "baseline_mismatch": "基期值与上期监测值不一致",
    "dropped_indicator": "上期指标未延续",
    "binding_unmet_dropped": "上期约束性目标未完成且未延续",
}


@dataclass(frozen=True)
class PlanRow:
    indicator_id: str | None
    name: str
    baseline_text: str
    baseline_value: float | None
    baseline_year: int | None
    target_text: str
    attribute: str
    line: int
    rule: Rule | None = None
    line_end: int | None = None


@dataclass(frozen=True)
class Observed:
    value: float
    source: str


def audit_succession(new: list[PlanRow], new_label: str, previous: list[PlanRow], previous_label: str,
                     observed: dict[tuple[str, int], Observed], previous_end: int,
                     lines: dict[int, str] | None = None) -> list[Finding]:
    """``lines``: the new plan's document lines (number → text), to point a quote at the
    very line it is printed on within its row's span (a row of cells spans lines)."""
    findings: list[Finding] = []

    def at(row: PlanRow, quote: str) -> Evidence:
        for n in range(row.line, (row.line_end or row.line) + 1):
            if lines and quote in lines.get(n, ""):
                return Evidence(n, quote)
        return Evidence(row.line, quote)

    new_ids = {r.indicator_id for r in new if r.indicator_id}
    for row in new:
        if not row.indicator_id or row.baseline_value is None or row.baseline_year is None:
            continue
        seen = observed.get((row.indicator_id, row.baseline_year))
        if seen is None or abs(seen.value - row.baseline_value) < 1e-9:
            continue
        unit = catalog.get(row.indicator_id).unit
        findings.append(Finding(
            "baseline_mismatch", "high",
            f"《{new_label}》第 {at(row, row.baseline_text).line} 行“{row.name}”{row.baseline_year}年基期值 {row.baseline_text}{unit}，"
            f"与已记录的{row.baseline_year}年监测值 {_fmt(seen.value)}{unit}（{seen.source}）不一致",
            [at(row, row.baseline_text)]))
    for row in previous:
        if not row.indicator_id or row.indicator_id in new_ids:
            continue
        name = catalog.get(row.indicator_id).name
        seen = observed.get((row.indicator_id, previous_end))
        met = None
        if row.rule is not None and seen is not None:
            try:
                met = row.rule.check(seen.value, baseline=row.baseline_value, year=previous_end).met
            except (MissingInput, ValueError, TypeError):
                met = None
        if row.attribute == "约束性" and seen is not None and met is False:
            findings.append(Finding(
                "binding_unmet_dropped", "high",
                f"《{previous_label}》的约束性指标“{name}”（目标 {row.target_text}）{previous_end}年为 "
                f"{_fmt(seen.value)}（{seen.source}），未达到目标，而《{new_label}》未延续该指标",
                [Evidence(row.line, row.name)]))
        else:
            findings.append(Finding(
                "dropped_indicator", "medium" if row.attribute == "约束性" else "low",
                f"《{previous_label}》的指标“{name}”（目标 {row.target_text}）在《{new_label}》中没有对应指标",
                [Evidence(row.line, row.name)]))
    return findings
