"""Where an indicator stands in a year: a verdict, the gap, the expected path, a projection.

:func:`evaluate_series` evaluates one indicator's observations against one
:class:`~healthplan.targets.Rule`; :func:`evaluate_many` does the same for many
series of the simple comparison kinds at once (numpy).

Verdicts (``VERDICT_DEFINITIONS`` holds the same text in Chinese and English):

===================  ===============================================================
Before the target year
------------------------------------------------------------------------------------
``achieved``         the latest observed value (up to the evaluation year) already
                     meets the final target (``rule.check`` with the target year's bar)
``on_track``         not yet met, but the latest value is at or better than the
                     expected path for its year (the straight line from the baseline
                     in the base year to the target in the target year)
``at_risk``          behind the expected path (or no path, for want of a baseline),
                     but the projection reaches the target, or misses it by no more
                     than its uncertainty; also a single observation with no baseline
                     (nothing to judge progress by)
``off_track``        behind the expected path (or no path) and the projection misses
                     the target by more than its uncertainty
In or after the target year
------------------------------------------------------------------------------------
``achieved``         the target-year value (or, when that is missing, the latest
                     value) meets the target (``rule.check``)
``not_achieved``     it does not
Any year
------------------------------------------------------------------------------------
``no_data``          no observation up to the evaluation year, or, once the plan
                     period has begun, none after the base year (a baseline alone
                     says nothing about progress in the plan period)
``needs_judgement``  the rule cannot be checked by machine (a text target, no target
                     set, a relative target without its baseline, …); takes precedence
                     over ``no_data``
===================  ===============================================================

Conventions:

* "Better" follows ``direction``: higher, lower, or (``range``) nearer the target.
* ``threshold`` is the target figure at the target year (``rule.threshold``); for a
  ``range`` rule the edge nearest the baseline (the middle without one); for
  全部达到X the lowest component bar. A value better than a 左右 target counts as
  achieved (``rule.check`` applies the tolerance only on the unfavourable side).
* ``gap`` = latest − threshold, signed so that positive is better (for a range
  indicator, minus the distance to the band of a ``range`` rule — 0 inside it — or to
  the target figure). For a range indicator "at or better than the expected path"
  means no farther from the threshold than the path is.
* ``completion`` = (latest − baseline) / (threshold − baseline) × 100 (for a range
  indicator, the share of the baseline's distance to the threshold closed); None without
  a baseline, or when the baseline already met the threshold (nothing to complete).
* ``projection``: ordinary least squares over the observations up to the evaluation
  year plus the baseline point (when the base year has no observation), extrapolated
  to the target year; ``margin`` = t(0.975, n − 2) × the standard error of a new
  prediction (s·√(1 + 1/n + (x₀ − x̄)²/Sxx)). With two points the line is exact and
  the margin is unknown (None, used as 0). Fewer than two points: no projection.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from healthplan.targets import DIRECTIONS, MissingInput, Rule, _finite, _fmt, _u

VERDICT_DEFINITIONS: dict[str, dict[str, str]] = {
    "achieved": {
        "zh": "已达到：目标年之前，最新监测值已达到规划期末目标；目标年及以后，目标年（缺失时取最新）监测值达到目标。"
              "优于“左右”目标的数值也算达到。",
        "en": "Before the target year: the latest value already meets the final target. In or after "
              "the target year: the target-year (or latest) value meets the target. A value better "
              "than an approximate target counts as achieved.",
    },
    "on_track": {
        "zh": "进度正常：尚未达到目标，但最新监测值不差于从基期值到目标值的直线预期进度在该年的数值。",
        "en": "Not yet met, but the latest value is at or better than the expected path (a straight "
              "line from the baseline in the base year to the target in the target year) for its year.",
    },
    "at_risk": {
        "zh": "存在风险：落后于预期进度（或因缺少基期值无法判断进度），但按趋势外推到目标年可以达到目标，"
              "或差距在外推误差范围内；只有一个监测值且无基期值时也归为此类。",
        "en": "Behind the expected path (or no path for want of a baseline), but the trend projected "
              "to the target year reaches the target or misses it within its uncertainty; also a "
              "single observation with no baseline.",
    },
    "off_track": {
        "zh": "进度滞后：落后于预期进度，且按趋势外推到目标年仍达不到目标，差距超出外推误差范围。",
        "en": "Behind the expected path and the projection misses the target by more than its "
              "uncertainty.",
    },
    "not_achieved": {
        "zh": "未达到：目标年及以后，目标年（缺失时取最新）监测值未达到目标。",
        "en": "In or after the target year: the target-year (or latest) value does not meet the target.",
    },
    "no_data": {
        "zh": "无数据：截至评价年份没有任何监测值；或规划期已开始，但基期之后尚无监测值（仅有基期值无法判断规划期内的进展）。",
        "en": "No observation up to the evaluation year; or the plan period has begun but there is "
              "no observation after the base year (a baseline alone says nothing about progress).",
    },
    "needs_judgement": {
        "zh": "需人工研判：目标无法由机器判断（文字表述、未设定目标、相对目标缺少基期值等），需记录人工结论。",
        "en": "The rule cannot be checked by machine (a text target, no target set, a relative "
              "target without its baseline, …); a recorded human judgement is needed.",
    },
}

VERDICT_CN = {
    "achieved": "已达到", "on_track": "进度正常", "at_risk": "存在风险", "off_track": "进度滞后",
    "not_achieved": "未达到", "no_data": "无数据", "needs_judgement": "需人工研判",
}

# Verdict codes returned by evaluate_many: VERDICT_CODES[code] is the verdict.
VERDICT_CODES = ("no_data", "achieved", "not_achieved", "on_track", "at_risk", "off_track",
                 "needs_judgement")
CODE = {v: i for i, v in enumerate(VERDICT_CODES)}

_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228)


def t_factor(df: int) -> float:
    """Two-sided 95 % Student t quantile: exact to 3 decimals for df ≤ 10, 1.96 + 2.4/df above."""
    if df < 1:
        raise ValueError("df must be at least 1")
    return _T975[df - 1] if df <= len(_T975) else 1.96 + 2.4 / df


@dataclass(frozen=True)
class Projection:
    """A linear trend extrapolated to ``year``: ``value`` ± ``margin`` (None with two points)."""

    year: int
    value: float
    margin: float | None
    slope: float
    n_points: int


@dataclass(frozen=True)
class Evaluation:
    year: int
    verdict: str
    latest_year: int | None
    latest_value: float | None
    threshold: float | None
    expected: float | None
    gap: float | None
    completion: float | None
    projection: Projection | None
    explanation: str

    def to_json(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- helpers


def _int_year(y, what: str) -> int:
    if isinstance(y, bool) or not isinstance(y, (int, np.integer)):
        raise ValueError(f"{what}不是整数年份：{y!r}")
    return int(y)


def _bar(rule: Rule, baseline: float | None, target_year: int) -> float | None:
    """The target figure the expected path heads for; None when the machine cannot say."""
    if rule.kind in ("no_target", "needs_judgement"):
        return None
    if rule.kind == "range":
        assert rule.low is not None and rule.high is not None
        if baseline is None:
            return (rule.low + rule.high) / 2
        return min(max(baseline, rule.low), rule.high)
    if rule.kind == "all_at_least" and rule.value is None:
        return min(rule.values)
    return rule.threshold(baseline=baseline, year=target_year)


def _sign(direction: str) -> int:
    return {"higher": 1, "lower": -1}.get(direction, 0)


def _goodness(x: float, t: float, direction: str) -> float:
    """How much better than ``t`` the value ``x`` is (negative = worse)."""
    s = _sign(direction)
    return s * (x - t) if s else -abs(x - t)


def project(points: list[tuple[int, float]], year: int) -> Projection | None:
    """Least-squares line through ``points`` (year, value), evaluated at ``year``."""
    n = len(points)
    if n < 2:
        return None
    xs = [float(x - year) for x, _ in points]  # centred on the year projected to
    ys = [y for _, y in points]
    xm, ym = sum(xs) / n, sum(ys) / n
    sxx = sum((x - xm) ** 2 for x in xs)
    sxy = sum((x - xm) * (y - ym) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    a = ym - slope * xm
    value = a
    margin = None
    if n > 2:
        ssr = sum((y - a - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
        s = math.sqrt(ssr / (n - 2))
        margin = t_factor(n - 2) * s * math.sqrt(1 + 1 / n + xm * xm / sxx)
    return Projection(year, value, margin, slope, n)


def _reaches(rule: Rule, proj: Projection, direction: str, baseline: float | None,
             target_year: int) -> bool:
    """Does the projection meet the target, allowing its margin on the favourable side?"""
    m = proj.margin or 0.0
    s = _sign(direction)
    cands = [proj.value + s * m] if s else [proj.value - m, proj.value, proj.value + m]
    if not s:
        t = _bar(rule, baseline, target_year)
        if t is not None and proj.value - m <= t <= proj.value + m:
            cands.append(t)
    return any(rule.check(c, baseline=baseline, year=target_year, check_scale=False).met
               for c in cands)


# --------------------------------------------------------------------------- one series


def evaluate_series(rule: Rule, *, baseline: float | None, base_year: int, target_year: int,
                    observations: dict[int, float], year: int, direction: str) -> Evaluation:
    """Evaluate one indicator's observations (year → value) against ``rule`` in ``year``.

    Raises ValueError for a direction not in higher/lower/range, a year that is not an
    integer, a baseline or observed value that is not a finite number, or (from
    ``rule.check``) a percentage off by about ×100.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction 应为 higher、lower 或 range，而不是 {direction!r}")
    year = _int_year(year, "评价年份")
    base_year = _int_year(base_year, "基期年份")
    target_year = _int_year(target_year, "目标年份")
    if baseline is not None:
        baseline = _finite(baseline, "基期值")
    obs = {_int_year(y, "监测年份"): _finite(v, f"{y}年监测值") for y, v in observations.items()}
    seen = sorted((y, v) for y, v in obs.items() if y <= year)
    latest_year, latest_value = seen[-1] if seen else (None, None)
    u = _u(rule.unit)
    head = f"{year}年评价："

    def result(verdict, explanation, threshold=None, expected=None, gap=None, completion=None,
               projection=None):
        return Evaluation(year, verdict, latest_year, latest_value, threshold, expected, gap,
                          completion, projection, head + explanation)

    # ---- can the machine check this rule at all?
    try:
        threshold = _bar(rule, baseline, target_year)
    except MissingInput as exc:
        return result("needs_judgement", f"目标“{rule.text}”无法自动计算（{exc}），需人工研判并记录结论。")
    if threshold is None:
        why = rule.reason or ("未设定目标值" if rule.kind == "no_target" else "没有可比较的目标值")
        return result("needs_judgement", f"目标“{rule.text}”无法自动判断（{why}），需人工研判并记录结论。")
    if latest_value is None:
        return result("no_data", f"截至{year}年没有监测值，无法判断（目标为{rule.describe()}）。",
                      threshold)

    if latest_year <= base_year < year:
        met = rule.check(latest_value, baseline=baseline, year=latest_year).met
        state = {True: "已达到", False: "未达到"}.get(met, "无法判断是否达到")
        return result("no_data", f"基期之后（{base_year + 1}—{year}年）尚无监测值；"
                                 f"{latest_year}年为{_fmt(latest_value)}{u}，{state}目标"
                                 f"（{rule.describe()}），规划期进展无法判断。", threshold)

    # ---- the numbers
    def path(y: int) -> float | None:
        if baseline is None:
            return None
        if rule.kind == "yearly_change":
            return rule.threshold(baseline=baseline, year=max(min(y, target_year), base_year))
        if target_year == base_year or y >= target_year:
            return threshold
        frac = min(max((y - base_year) / (target_year - base_year), 0.0), 1.0)
        return baseline + (threshold - baseline) * frac

    def ahead(x: float, ref: float) -> bool:
        """Is ``x`` at or better than the reference value ``ref`` (a point on the path)?"""
        if _sign(direction):
            return _goodness(x, ref, direction) >= 0
        return abs(x - threshold) <= abs(ref - threshold)

    expected = path(year)
    if direction == "range" and rule.kind == "range":
        assert rule.low is not None and rule.high is not None
        gap = -max(rule.low - latest_value, 0.0, latest_value - rule.high)
    else:
        gap = _goodness(latest_value, threshold, direction)
    completion = None
    if baseline is not None:
        # how far the baseline was from the bar, and how much of that is done
        if _sign(direction):
            need = _goodness(threshold, baseline, direction)
            done = _goodness(latest_value, baseline, direction)
        else:
            need = abs(baseline - threshold)
            done = need - abs(latest_value - threshold)
        if need > 0:
            completion = done / need * 100
    points = list(seen)
    if baseline is not None and base_year not in dict(seen):
        points.append((base_year, baseline))
    projection = project(sorted(points), target_year)
    out = dict(threshold=threshold, expected=expected, gap=gap, completion=completion,
               projection=projection)

    # ---- in or after the target year: achieved / not_achieved
    if year >= target_year:
        vy = target_year if target_year in obs else latest_year
        v = obs[vy]
        chk = rule.check(v, baseline=baseline, year=vy)
        if chk.met is None:
            return result("needs_judgement", chk.explanation, **out)
        return result("achieved" if chk.met else "not_achieved", chk.explanation, **out)

    # ---- before the target year
    chk = rule.check(latest_value, baseline=baseline,
                     year=target_year if rule.kind == "yearly_change" else latest_year)
    if chk.met is None:
        return result("needs_judgement", chk.explanation, **out)
    actual = f"{latest_year}年实际{_fmt(latest_value)}{u}"
    if chk.met:
        return result("achieved", f"{chk.explanation.rstrip('。')}，已提前达到{target_year}年目标。",
                      **out)
    target = f"{target_year}年目标{rule.describe()}"
    exp_latest = path(latest_year)
    if exp_latest is not None and ahead(latest_value, exp_latest):
        return result("on_track", f"{target}，{actual}，尚未达到，但不低于按基期值到目标值直线推算的"
                                  f"{latest_year}年预期进度{_fmt(exp_latest)}{u}，进度正常。", **out)
    behind = (f"落后于{latest_year}年预期进度{_fmt(exp_latest)}{u}" if exp_latest is not None
              else "缺少基期值，无法计算预期进度")
    if projection is None:
        return result("at_risk", f"{target}，{actual}，尚未达到；{behind}，且只有一个监测值，"
                                 "无法外推趋势，存在风险。", **out)
    pm = f"±{_fmt(round(projection.margin, 2))}" if projection.margin is not None else ""
    proj = f"按趋势外推{target_year}年约为{_fmt(round(projection.value, 2))}{pm}{u}"
    if _reaches(rule, projection, direction, baseline, target_year):
        # The trend itself may miss while its uncertainty still admits the target.
        central = rule.check(projection.value, baseline=baseline, year=target_year,
                             check_scale=False).met
        outlook = ("有望达到目标但存在风险" if central
                   else "外推值未达到目标，但差距在外推误差范围内，存在风险")
        return result("at_risk", f"{target}，{actual}，尚未达到；{behind}，{proj}，{outlook}。",
                      **out)
    return result("off_track", f"{target}，{actual}，尚未达到；{behind}，{proj}，"
                               "预计难以达到目标，进度滞后。", **out)


# --------------------------------------------------------------------------- many series


def evaluate_many(thresholds, baselines, base_year: int, target_year: int, years, values,
                  directions, year: int, *, tolerances=None, strict=None) -> np.ndarray:
    """Verdict codes (indices into ``VERDICT_CODES``) for many series at once.

    For the simple comparison kinds, each series given as a bar: ``thresholds`` (n,) the
    target figure (NaN: needs judgement); ``baselines`` (n,) (NaN: none); ``years`` (m,) the
    years of the columns of ``values`` (n × m, NaN where missing); ``directions`` (n,) +1
    where higher is better (at_least / greater_than), −1 where lower is better (at_most /
    less_than); ``tolerances`` (n,) for 左右 targets (a value within the tolerance on the
    unfavourable side meets the target; default 0); ``strict`` (n,) bool for > and <.
    Same definitions as :func:`evaluate_series`.
    """
    t = np.asarray(thresholds, dtype=float)
    b = np.asarray(baselines, dtype=float)
    d = np.asarray(directions, dtype=float)
    yrs = np.asarray(years, dtype=np.int64)
    v = np.asarray(values, dtype=float)
    n = t.shape[0]
    if v.ndim != 2 or v.shape != (n, yrs.shape[0]) or b.shape != (n,) or d.shape != (n,):
        raise ValueError("shapes: thresholds, baselines, directions (n,); years (m,); values (n, m)")
    if not np.all(np.isin(d, (1.0, -1.0))):
        raise ValueError("directions must be +1 or −1")
    if np.isinf(v).any() or np.isinf(b).any():
        raise ValueError("values and baselines must be finite numbers or NaN")
    tol = np.zeros(n) if tolerances is None else np.abs(np.asarray(tolerances, dtype=float))
    st = np.zeros(n, bool) if strict is None else np.asarray(strict, dtype=bool)

    def meets(x):
        g = d * (x - t)
        with np.errstate(invalid="ignore"):
            return np.where(st, g > 0, g >= -tol)

    keep = yrs <= year
    yrs, v = yrs[keep], v[:, keep]
    has = ~np.isnan(v)
    any_obs = has.any(axis=1)
    m = yrs.shape[0]
    codes = np.full(n, CODE["no_data"], dtype=np.int8)
    if m == 0:
        codes[np.isnan(t)] = CODE["needs_judgement"]
        return codes
    last = m - 1 - np.argmax(has[:, ::-1], axis=1)
    rows = np.arange(n)
    latest = v[rows, last]
    latest_year = yrs[last]
    if year > base_year:  # nothing after the base year: no data for the plan period
        any_obs = any_obs & (latest_year > base_year)

    if year >= target_year:
        col = np.nonzero(yrs == target_year)[0]
        x = latest
        if col.size:
            tv = v[:, col[0]]
            x = np.where(np.isnan(tv), latest, tv)
        codes[any_obs] = np.where(meets(x), CODE["achieved"], CODE["not_achieved"])[any_obs]
        codes[np.isnan(t)] = CODE["needs_judgement"]
        return codes

    met = meets(latest)
    if target_year == base_year:
        frac = np.ones(n)
    else:
        frac = np.clip((latest_year - base_year) / (target_year - base_year), 0.0, 1.0)
    exp = b + (t - b) * frac
    with np.errstate(invalid="ignore"):
        on_track = d * (latest - exp) >= 0  # NaN (no baseline) → False

    # projection: observations plus the baseline point where the base year has no observation
    xs = np.concatenate([yrs, [base_year]]).astype(float) - target_year
    base_col = np.nonzero(yrs == base_year)[0]
    base_obs = has[:, base_col[0]] if base_col.size else np.zeros(n, bool)
    w = np.concatenate([has, (~np.isnan(b) & ~base_obs)[:, None]], axis=1).astype(float)
    ys = np.nan_to_num(np.concatenate([v, b[:, None]], axis=1))
    k = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = (w * xs).sum(axis=1) / k
        ym = (w * ys).sum(axis=1) / k
        dx = (xs[None, :] - xm[:, None]) * w
        sxx = (dx * dx).sum(axis=1)
        slope = (dx * (ys - ym[:, None])).sum(axis=1) / sxx
        a = ym - slope * xm
        proj = a  # x₀ = target year = 0 after centring
        resid = (ys - a[:, None] - slope[:, None] * xs[None, :]) * w
        df = k - 2
        s = np.sqrt((resid * resid).sum(axis=1) / df)
        dfi = np.clip(np.nan_to_num(df), 1, len(_T975) + 1).astype(int)
        tq = np.where(df <= len(_T975), np.asarray(_T975 + (0.0,))[dfi - 1], 1.96 + 2.4 / df)
        margin = np.where(df >= 1, tq * s * np.sqrt(1 + 1 / k + xm * xm / sxx), 0.0)
    reach = meets(proj + d * margin)
    have_proj = k >= 2

    out = np.where(met, CODE["achieved"],
                   np.where(on_track, CODE["on_track"],
                            np.where(~have_proj, CODE["at_risk"],
                                     np.where(reach, CODE["at_risk"], CODE["off_track"]))))
    codes[any_obs] = out[any_obs]
    codes[np.isnan(t)] = CODE["needs_judgement"]
    return codes


__all__ = [
    "CODE",
    "VERDICT_CN",
    "VERDICT_CODES",
    "VERDICT_DEFINITIONS",
    "Evaluation",
    "Projection",
    "evaluate_many",
    "evaluate_series",
    "project",
    "t_factor",
]


# --- a whole plan ---------------------------------------------------------------

_FAILING = {"not_achieved", "off_track", "at_risk"}


@dataclass
class IndicatorEvaluation:
    """One row of a plan's indicator table evaluated for a year."""

    indicator_id: str | None
    name: str  # as printed in the plan
    attribute: str  # 约束性 / 预期性 / ""
    target: str  # as printed
    evaluation: Evaluation
    position: int = 0  # index of the row in the rows given to evaluate_plan

    @property
    def binding(self) -> bool:
        return self.attribute == "约束性"

    @property
    def binding_shortfall(self) -> bool:
        """A binding (约束性) target that is not achieved or not on track: it must stand out."""
        return self.binding and self.evaluation.verdict in _FAILING


def evaluate_plan(rows, observations: dict[str, dict[int, float]], *, year: int,
                  base_year: int, target_year: int) -> list[IndicatorEvaluation]:
    """Evaluate every indicator row of a plan for `year`, binding indicators first.

    `rows` are extracted IndicatorRows (with `rule` and `indicator_id` filled by
    healthplan.mapping); `observations` maps indicator id → {year: value}. Rows whose
    rule has no usable baseline are evaluated from their printed baseline if any.
    """
    from healthplan import catalog
    from healthplan.targets import parse_value

    results = []
    for position, row in enumerate(rows):
        direction = catalog.get(row.indicator_id).direction if row.indicator_id else "higher"
        series = observations.get(row.indicator_id or "", {})
        evaluation = evaluate_series(
            row.rule,
            baseline=parse_value(row.baseline) if row.baseline else None,
            base_year=row.baseline_year or base_year,
            target_year=row.target_year or target_year,
            observations=series,
            year=year,
            direction=direction,
        )
        results.append(IndicatorEvaluation(row.indicator_id, row.name, row.attribute, row.target,
                                           evaluation, position))
    # Binding shortfalls first, then the other binding indicators, then the rest (stable).
    return sorted(results, key=lambda r: (not r.binding_shortfall, not r.binding))
