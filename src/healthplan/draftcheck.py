"""Checks on a draft indicator table before it is issued, in the audit's finding form.

``check_draft(rows, proposals, parent)`` returns ``audit.Finding``s: a kind, a severity,
a Chinese message that carries the evidence's figures and sources, and ``Evidence`` whose
``line`` is the draft row's number (序号, 1-based) and whose ``quote`` is the cell as the
planner wrote it. Kinds (``DRAFT_KINDS``):

* ``weaker_than_baseline``: the target's figure is worse than the region's baseline (the
  latest observation before the period, with its source);
* ``weaker_than_parent``: worse than the parent plan's floor/ceiling for the indicator;
* ``too_easy`` / ``out_of_reach``: outside what the trend makes plausible — worse than
  the low end of the trend's 95 % range (the trend alone gets there), or beyond its high
  end by more than the range's width (only where the range is known: three points or more);
* ``unit_mismatch``: the unit written is not the catalogue's (a % indicator written ‰);
* ``direction_mismatch``: ``≤`` for an indicator where higher is better, or ``≥`` the other way;
* ``binding_without_baseline``: a 约束性 target with no baseline written;
* ``parent_indicator_missing``: an indicator of the parent's plan with no row;
* ``duplicate_indicator``: two rows for one indicator; ``fused_indicator``: a row whose
  catalogue entry is two measures under one target.

The core: plain data in, findings out; no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthplan import catalog
from healthplan.audit import Evidence, Finding
from healthplan.catalog.units import units_compatible
from healthplan.proposals import Proposal
from healthplan.targets import _fmt, parse_target, parse_value

DRAFT_KINDS = {
    "weaker_than_baseline": "目标低于基期水平", "weaker_than_parent": "目标低于上级规划",
    "too_easy": "目标低于趋势（过易）", "out_of_reach": "目标远超趋势（难以实现）",
    "unit_mismatch": "单位与指标目录不一致", "direction_mismatch": "目标方向与指标不一致",
    "binding_without_baseline": "约束性指标缺少基期值", "parent_indicator_missing": "缺少上级规划指标",
    "duplicate_indicator": "指标重复", "fused_indicator": "指标合并",
}
_BARS = ("at_least", "greater_than", "at_most", "less_than", "approximately")


@dataclass
class DraftLine:
    """One draft row as written (plain data; the store's DraftRow has the same fields)."""

    position: int
    category: str
    name: str
    unit: str
    indicator_id: str | None
    baseline_text: str
    target_text: str
    attribute: str


def _worse(a: float, b: float, direction: str) -> bool:
    """Is ``a`` worse than ``b``?"""
    return a < b - 1e-9 if direction == "higher" else a > b + 1e-9


def check_draft(rows: list[DraftLine], proposals: dict[str, Proposal]) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[str, DraftLine] = {}

    def add(kind: str, severity: str, message: str, evidence: list[Evidence], parent=None):
        findings.append(Finding(kind, severity, message, evidence, parent))

    for row in rows:
        where = f"第 {row.position} 行“{row.name}”"
        if not row.indicator_id:
            continue
        ind = catalog.get(row.indicator_id)
        if row.indicator_id in seen:
            first = seen[row.indicator_id]
            add("duplicate_indicator", "high",
                f"{where}与第 {first.position} 行“{first.name}”是同一指标“{ind.name}”，一个规划每项指标只能有一个目标",
                [Evidence(first.position, first.name), Evidence(row.position, row.name)])
            continue
        seen[row.indicator_id] = row
        if ind.fused:
            add("fused_indicator", "medium",
                f"{where}在指标目录中是{len(ind.components)}项指标合并为一个目标（"
                + "、".join(catalog.get(c).name for c in ind.components) + "），建议分列",
                [Evidence(row.position, row.name)])
        written = catalog.normalise_unit(row.unit or "", row.name)
        if row.unit and written != ind.unit and not units_compatible(written or "", ind.unit):
            add("unit_mismatch", "high",
                f"{where}单位写作“{row.unit}”，指标目录中“{ind.name}”的单位是“{ind.unit or '无'}”",
                [Evidence(row.position, row.unit)])
        rule = parse_target(row.target_text, direction=ind.direction, unit=row.unit or ind.unit)
        if ind.direction == "higher" and rule.kind in ("at_most", "less_than") or \
                ind.direction == "lower" and rule.kind in ("at_least", "greater_than"):
            better = "越高越好" if ind.direction == "higher" else "越低越好"
            add("direction_mismatch", "high",
                f"{where}目标“{row.target_text}”的方向与指标不一致：“{ind.name}”{better}",
                [Evidence(row.position, row.target_text)])
        if row.attribute == "约束性" and parse_value(row.baseline_text) is None:
            add("binding_without_baseline", "high", f"{where}是约束性指标，但未填写基期值",
                [Evidence(row.position, row.name)])
        bar = rule.value if rule.kind in _BARS else None
        prop = proposals.get(row.indicator_id)
        if bar is None or prop is None or ind.direction not in ("higher", "lower"):
            continue
        u = ind.unit
        if prop.baseline is not None and _worse(bar, prop.baseline, ind.direction):
            add("weaker_than_baseline", "high",
                f"{where}目标 {row.target_text} 弱于基期水平：{prop.baseline_year}年已为 "
                f"{_fmt(prop.baseline)}{u}（{prop.baseline_source}）",
                [Evidence(row.position, row.target_text)])
        parent = prop.parent_target
        if parent and parent.get("bar") is not None and _worse(bar, parent["bar"], ind.direction):
            add("weaker_than_parent", "high",
                f"{where}目标 {row.target_text} 弱于上级规划《{parent['plan']}》的目标 {parent['target']}{u}",
                [Evidence(row.position, row.target_text)], parent={"target": parent["target"],
                                                                   "plan": parent["plan"]})
        tr = prop.trend_2030
        if tr and tr.get("margin_known"):
            width = tr["high"] - tr["low"]
            low, high = (tr["low"], tr["high"]) if ind.direction == "higher" else (tr["high"], tr["low"])
            if _worse(bar, low, ind.direction):
                add("too_easy", "medium",
                    f"{where}目标 {row.target_text} 低于按趋势外推的期末区间"
                    f"（{_fmt(tr['low'])}～{_fmt(tr['high'])}{u}，{tr['n_points']}个监测值）：不加努力即可达到",
                    [Evidence(row.position, row.target_text)])
            elif abs(bar - high) > width and not _worse(bar, high, ind.direction):
                add("out_of_reach", "medium",
                    f"{where}目标 {row.target_text} 远超按趋势外推的区间（{_fmt(tr['low'])}～"
                    f"{_fmt(tr['high'])}{u}，{tr['n_points']}个监测值）：超出幅度大于区间宽度，难以实现",
                    [Evidence(row.position, row.target_text)])
    for iid, prop in proposals.items():
        if prop.parent_target and iid not in seen:
            add("parent_indicator_missing", "high",
                f"草案缺少上级规划《{prop.parent_target['plan']}》的指标“{prop.name}”（目标 "
                f"{prop.parent_target['target']}）", [],
                parent={"target": prop.parent_target["target"], "plan": prop.parent_target["plan"]})
    return findings


def render_findings(findings: list[Finding], kinds: dict[str, str] | None = None) -> str:
    kinds = kinds or DRAFT_KINDS
    if not findings:
        return "未发现问题。"
    lines = []
    for k, f in enumerate(findings, start=1):
        where = "；".join(f"第{e.line}行“{e.quote}”" for e in f.evidence)
        lines.append(f"{k}. [{kinds.get(f.kind, f.kind)}] {f.message}" + (f"（依据：{where}）" if where else ""))
    return "\n".join(lines)
