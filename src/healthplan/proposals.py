"""Targets proposed for the next plan from the evidence: the series, the parent, the peers.

A proposal is advice with its evidence, never data and never the plan: every figure it
prints is one it cites (an observation with its source, the parent plan's printed
target, the peers' latest values) or one computed from those by the rule below, so a
reader — and ``tests/test_proposals.py`` — can recompute it.

For one region, one next period (``start``–``end``) and one indicator:

* ``baseline``: the region's latest observation in or before ``start − 1`` (its year is
  ``baseline_year``), with its source;
* ``trend``: ``evaluate.project`` (the least-squares line used for verdicts) through the
  region's observations up to ``start − 1``, extrapolated to ``end``; ``low``/``high`` =
  the value ∓ its 95 % prediction margin. Two points: the line is exact and the margin
  unknown, so ``low = mid = high`` and the reason says so. Fewer than two: no trend.
* ``parent_target``: the parent plan's printed target for the same catalogue indicator
  (the nearest ancestor region's plan for the same period), with the plan's label.
* ``peers``: the latest values (same year window) of the regions at the same level that
  have one, this region included: ``n``, ``median`` and this region's ``rank`` (1 = best
  in the catalogue's direction; None when the region has no value).

The suggestion (``suggest``), for an indicator whose direction is higher or lower:

1. the candidates are the baseline (a target never weaker than where the region
   stands), the parent's bar where the parent's target is a floor or ceiling
   (``≥``/bare/``≤``: the parent's national floor binds the region), and the trend's
   ``mid`` (at least what the trend already gives);
2. the suggested figure is the best of the candidates in the indicator's direction,
   printed ``≥X`` (higher is better) or ``≤X`` (lower is better), at the candidates'
   printed precision;
3. a parent target relative to the baseline (``提高N个百分点``) is carried as printed;
4. no candidate (no baseline, no parent bar, no trend): no suggested figure, and the
   reason says what is missing. A range indicator gets no figure either (the band is a
   policy choice, not an extrapolation).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field

from healthplan import catalog
from healthplan.evaluate import project
from healthplan.targets import Rule, _fmt


class ProposalError(ValueError):
    """The proposals cannot be made; the message says why (for the user)."""


@dataclass(frozen=True)
class Point:
    year: int
    value: float
    source: str


@dataclass(frozen=True)
class ParentRef:
    target: str  # as printed
    plan: str  # the parent plan's label
    bar: float | None  # the floor/ceiling figure, None for a relative or no-bar target
    kind: str  # the parent rule's kind


@dataclass
class Evidence:
    """What is known about one indicator of the region (plain data, gathered by the store)."""

    indicator_id: str
    name: str
    unit: str
    series: list[Point] = field(default_factory=list)  # the region's observations
    current_target: str | None = None  # the region's current plan's target, as printed
    current_plan: str | None = None
    parent: ParentRef | None = None
    peers: list[tuple[str, float]] = field(default_factory=list)  # (region name, latest value)
    peer_targets: list[tuple[str, str]] = field(default_factory=list)  # (region, printed target)


@dataclass
class Proposal:
    indicator_id: str
    name: str
    unit: str
    direction: str
    baseline_year: int | None
    baseline: float | None
    baseline_source: str | None
    observations: list[dict]
    trend_2030: dict | None  # {low, mid, high, n_points, slope}
    parent_target: dict | None  # {target, plan}
    current_target: dict | None  # {target, plan}
    peers: dict  # {n, median, rank, targets}
    suggested_target: str | None
    suggested_value: float | None
    reason: str

    def to_json(self) -> dict:
        return asdict(self)


def _decimals(*values: float | None) -> int:
    out = 0
    for v in values:
        if v is None:
            continue
        text = _fmt(v)
        if "." in text:
            out = max(out, len(text.split(".")[1]))
    return min(out, 2)


def rounded(value: float, decimals: int) -> float:
    return round(value, decimals)


def trend(points: list[Point], end: int) -> dict | None:
    """The verdicts' projection extrapolated to ``end``, as {low, mid, high} (2 decimals)."""
    proj = project([(p.year, p.value) for p in points], end)
    if proj is None:
        return None
    margin = proj.margin or 0.0
    return {"low": round(proj.value - margin, 2), "mid": round(proj.value, 2),
            "high": round(proj.value + margin, 2), "n_points": proj.n_points,
            "slope": round(proj.slope, 4), "margin_known": proj.margin is not None}


def peer_summary(region: str, peers: list[tuple[str, float]], direction: str,
                 targets: list[tuple[str, str]]) -> dict:
    values = [v for _, v in peers]
    median = round(statistics.median(values), 2) if values else None
    rank = None
    own = [v for name, v in peers if name == region]
    if own:
        sign = -1 if direction == "lower" else 1
        rank = 1 + sum(1 for v in values if sign * v > sign * own[0])
    return {"n": len(values), "median": median, "rank": rank,
            "values": [{"region": n, "value": v} for n, v in peers],
            "targets": [{"region": n, "target": t} for n, t in targets]}


def suggest(direction: str, baseline: float | None, parent: ParentRef | None,
            trend_mid: float | None) -> tuple[str | None, float | None]:
    """The rule of the module docstring: (printed target, its figure)."""
    if parent is not None and parent.kind == "relative_change":
        return parent.target, None
    if direction not in ("higher", "lower"):
        return None, None
    candidates = [v for v in (baseline, parent.bar if parent else None, trend_mid) if v is not None]
    if not candidates:
        return None, None
    best = max(candidates) if direction == "higher" else min(candidates)
    best = rounded(best, _decimals(baseline, parent.bar if parent else None, trend_mid))
    return ("≥" if direction == "higher" else "≤") + _fmt(best), best


def _bar(rule: Rule) -> float | None:
    if rule.kind in ("at_least", "greater_than", "at_most", "less_than", "approximately"):
        return rule.value
    return None


def parent_ref(target: str, rule: Rule, plan: str) -> ParentRef:
    return ParentRef(target, plan, _bar(rule), rule.kind)


def propose_one(region: str, evidence: Evidence, start: int, end: int) -> Proposal:
    indicator = catalog.get(evidence.indicator_id)
    direction = indicator.direction
    before = sorted((p for p in evidence.series if p.year < start), key=lambda p: p.year)
    base = before[-1] if before else None
    tr = trend(before, end)
    sug, value = suggest(direction, base.value if base else None, evidence.parent,
                         tr["mid"] if tr else None)
    peers = peer_summary(region, evidence.peers, direction, evidence.peer_targets)
    u = evidence.unit or indicator.unit
    parts = [f"【建议，非规划数据】{indicator.name}（{indicator.id}，单位{indicator.unit or '无'}）。"]
    if indicator.definition and ("不同" in indicator.definition or "不可" in indicator.definition):
        parts.append(f"口径：{indicator.definition}")
    if before:
        listed = "；".join(f"{p.year}年 {_fmt(p.value)}{u}（{p.source}）" for p in before)
        parts.append(f"本地区监测值：{listed}。")
        if base.year < start - 1:
            parts.append(f"{base.year + 1}–{start - 1}年尚无监测值，基期取{base.year}年。")
    else:
        parts.append("本地区尚无该指标（该口径）的监测值，无基期值，也无法推算趋势。")
    if tr is None and before:
        parts.append("只有一个年份的监测值，无法推算趋势。")
    elif tr is not None:
        if tr["margin_known"]:
            parts.append(f"按趋势外推{end}年约为{_fmt(tr['mid'])}{u}（95%区间{_fmt(tr['low'])}～"
                         f"{_fmt(tr['high'])}，{tr['n_points']}个点）。")
        else:
            parts.append(f"按两个年份的直线外推{end}年约为{_fmt(tr['mid'])}{u}（仅两个点，无法估计不确定度）。")
    if evidence.parent is not None:
        parts.append(f"上级规划《{evidence.parent.plan}》{end}年目标：{evidence.parent.target}{u if evidence.parent.bar is not None else ''}。")
    else:
        parts.append("上级规划对该指标未设目标（或未载入）。")
    if evidence.current_target:
        parts.append(f"本地区现行规划《{evidence.current_plan}》目标：{evidence.current_target}。")
    if peers["n"]:
        rank = f"本地区居第{peers['rank']}位" if peers["rank"] else "本地区无值"
        parts.append(f"同级地区最新值{peers['n']}个，中位数{_fmt(peers['median'])}，{rank}。")
    if sug is None:
        parts.append("证据不足，未给出建议目标，请规划科结合实际研究确定。")
    elif value is None:
        parts.append(f"建议沿用上级规划的相对目标“{sug}”（需先确定基期值）。")
    else:
        parts.append(f"建议目标{sug}：取基期值、上级目标和趋势中值中较优者（规则见 README）。")
        if tr is not None and tr["margin_known"]:
            far = (value > tr["high"]) if direction == "higher" else (value < tr["low"])
            if far:
                parts.append("该目标超出趋势区间，需要加大投入才能实现。")
    return Proposal(
        indicator_id=indicator.id, name=indicator.name, unit=indicator.unit, direction=direction,
        baseline_year=base.year if base else None, baseline=base.value if base else None,
        baseline_source=base.source if base else None,
        observations=[{"year": p.year, "value": p.value, "source": p.source} for p in before],
        trend_2030=tr,
        parent_target=({"target": evidence.parent.target, "plan": evidence.parent.plan,
                        "bar": evidence.parent.bar} if evidence.parent else None),
        current_target=({"target": evidence.current_target, "plan": evidence.current_plan}
                        if evidence.current_target else None),
        peers=peers, suggested_target=sug, suggested_value=value, reason="".join(parts))


def check_period(text: str) -> tuple[int, int]:
    """``2026-2030`` → (2026, 2030); anything but a five-year period is refused."""
    import re

    found = re.fullmatch(r"\s*(\d{4})\s*[-–—~～至]\s*(\d{4})\s*", text or "")
    if not found:
        raise ProposalError(f"规划期“{text}”格式不对：应写作 2026-2030")
    start, end = int(found.group(1)), int(found.group(2))
    if end - start != 4:
        raise ProposalError(f"规划期“{text}”不是五年（{start}–{end} 共 {end - start + 1} 年）：五年规划应如 2026-2030")
    return start, end


def propose(region: str, evidence: list[Evidence], start: int, end: int) -> list[Proposal]:
    out = [propose_one(region, e, start, end) for e in evidence]
    # Two measures whose catalogue entries warn against each other (执业医师 vs 执业（助理）
    # 医师): each proposal says so, naming the other.
    for p in out:
        for q in out:
            a, b = catalog.get(p.indicator_id), catalog.get(q.indicator_id)
            if p is not q and (f"“{b.name}”" in a.definition or f"“{a.name}”" in b.definition):
                p.reason += f"注意：本指标与“{b.name}”（{b.id}）口径不同，数值不可混用或互相替代。"
    return out


def render_table(proposals: list[Proposal]) -> str:
    lines = ["说明：以下为依据监测数据、上级规划和同级地区测算的建议目标，供研究参考，不是规划数据。", ""]
    for k, p in enumerate(proposals, start=1):
        tr = p.trend_2030
        trend_text = (f"{_fmt(tr['low'])}～{_fmt(tr['high'])}（中值 {_fmt(tr['mid'])}）" if tr else "—")
        base = f"{_fmt(p.baseline)}（{p.baseline_year}）" if p.baseline is not None else "—"
        parent = p.parent_target["target"] if p.parent_target else "—"
        lines.append(f"{k}. {p.name}（{p.unit or '无单位'}）  基期 {base}  趋势 {trend_text}  "
                     f"上级 {parent}  同级 n={p.peers['n']} 中位数 "
                     f"{_fmt(p.peers['median']) if p.peers['median'] is not None else '—'} "
                     f"排名 {p.peers['rank'] or '—'}  建议 {p.suggested_target or '—'}")
        lines.append(f"   理由：{p.reason}")
    return "\n".join(lines)
