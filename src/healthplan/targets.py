"""Targets as printed in a plan's indicator table → typed rules a machine can check.

``parse_target("≥83.5")`` gives a :class:`Rule`; ``rule.check(83.7, year=2025)``
gives a :class:`Verdict` with an explanation in Chinese that a planning officer
can paste into a report.

Kinds of rule (``Rule.kind``):

==================  ==========================================================
``at_least``        ≥X, X以上, 不低于X, a bare X for a higher-is-better indicator
``at_most``         ≤X, X以内/以下, 控制在X以内, 不超过X, a bare X for lower-is-better
``greater_than``    >X, 高于X, 超过X
``less_than``       <X, 低于X
``approximately``   X左右, 约X; a bare X for a "range" indicator
``range``           X-Y (both ends included)
``relative_change`` 在2020年基础上增长50%, 提高1岁左右, 降低15% (against the baseline)
``yearly_change``   力争每年降低1个百分点以上, 年均增长8% (a bar for every year)
``proportional``    同比例提高 (rises in proportion to another indicator)
``all_at_least``    全部达到100; several values in one cell for a higher-is-better row
``no_target``       -, ——, empty
``needs_judgement`` anything a machine cannot decide; ``reason`` says why
==================  ==========================================================

Conventions (documented here because the verdicts depend on them):

* 以上/以下/以内 include the number itself (the usage of Chinese statutes and
  statistics: "以上、以下、以内，包括本数"); ≥ and ≤ likewise; > and < do not.
* 左右 (approximately): the tolerance is 5 % of the number the 左右 qualifies
  (``DEFAULT_TOLERANCE_FRACTION``) — of the level for "3左右" (±0.15), of the
  change for "提高1岁左右" (±0.05岁). Life expectancy is a level far from zero,
  where 5 % would be four years, so a tolerance in 岁 is capped at 0.5岁
  (``TOLERANCE_CAPS``). The caller may pass an absolute ``tolerance`` instead.
  The band is symmetric, but a value *better* than the target (in the
  indicator's direction) always counts as achieved: for a higher-is-better
  indicator only the lower edge applies, for lower-is-better only the upper.
  Without a direction (or for a "range" indicator) both edges apply.
* A bare number needs the indicator's direction: a floor if higher is better,
  a ceiling if lower is better, approximately if the indicator is a range
  (e.g. the sex ratio at birth). Without a direction it needs judgement.
* Relative targets: "增长50%" is a relative change (baseline × 1.5); "个百分点"
  is an absolute change in percentage points; any other unit (岁) is an absolute
  change in that unit. An increase is a floor and a decrease a ceiling unless a
  qualifier says otherwise (以上 = at least that much change, 以内 = at most).
* Yearly targets: an absolute or percentage-point change accumulates linearly
  (bar for year Y = baseline ± amount × (Y − base year)); a percentage change
  compounds (baseline × (1 ± p)^(Y − base year)). After the target year the bar
  stays at the target year's bar.
* ``check`` refuses (ValueError) a value that is not a finite number, and a
  percentage that is off by a factor of about 100 from the bar (0.37 or 3700
  where the target is 37%): that is a unit error, not a verdict.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields

KINDS = (
    "at_least",
    "at_most",
    "greater_than",
    "less_than",
    "approximately",
    "range",
    "relative_change",
    "yearly_change",
    "proportional",
    "all_at_least",
    "no_target",
    "needs_judgement",
)
DIRECTIONS = ("higher", "lower", "range")
VERDICTS = ("achieved", "not_achieved", "needs_judgement", "no_target")

DEFAULT_TOLERANCE_FRACTION = 0.05
TOLERANCE_CAPS: dict[str, float] = {"岁": 0.5}

# Relative floating-point slack when comparing a value with a computed bar.
_EPS = 1e-9

_COMPARISON_KINDS = ("at_least", "at_most", "greater_than", "less_than")
_SYMBOL = {
    "at_least": "≥",
    "at_most": "≤",
    "greater_than": ">",
    "less_than": "<",
    "approximately": "≈",
}
_DIRECTION_CN = {"higher": "越高越好", "lower": "越低越好", "range": "在合理区间内为好"}


# --------------------------------------------------------------------------- text


_TRANS = str.maketrans({
    "＞": ">", "＜": "<", "＝": "=", "≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤",
    "％": "%", "﹪": "%", "．": ".", "～": "~", "〜": "~", "－": "-", "﹣": "-",
    "−": "-", "–": "-", "／": "/", "；": ";", "，": ",", "（": "(", "）": ")",
    "＋": "+", "Ｅ": "E", "ｅ": "e",
    **{chr(0xFF10 + i): str(i) for i in range(10)},
})
_WS_RE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    """Half-width symbols and digits, no whitespace, ASCII ≥/≤ spelled as one sign."""
    t = _WS_RE.sub("", text.translate(_TRANS))
    t = t.replace(">=", "≥").replace("<=", "≤").replace("≥=", "≥").replace("≤=", "≤")
    return t.rstrip("。.;,")


def _fold(text: str) -> str:
    """The printed text with whitespace folded, for explanations."""
    return _WS_RE.sub(" ", text).strip()


_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
# Units a target cell may carry after its number. Stripped and compared with the row's unit.
_UNIT = (
    r"(?:个百分点|百分点|%|‰|‱|岁|天|日|小时|分钟|万人次|人次|万人|人|名|张|床|个|家|所|次|辆|台|"
    r"万元|亿元|元|千克|kg|克|g|毫升|ml|DDDs|1/10万|/10万|1/万|/万|1/千|/千|/人天)"
)
_QUAL = r"(?:及以上|或以上|以上|及以下|或以下|以下|以内|之内|左右|上下)"
_QUAL_KIND = {
    "及以上": "at_least", "或以上": "at_least", "以上": "at_least",
    "及以下": "at_most", "或以下": "at_most", "以下": "at_most", "以内": "at_most",
    "之内": "at_most", "左右": "approximately", "上下": "approximately",
}
_PREFIX_KIND = {
    # symbols
    "≥": "at_least", "≤": "at_most", ">": "greater_than", "<": "less_than", "=": "bare",
    # floors
    "达到或超过": "at_least", "大于或等于": "at_least", "高于或等于": "at_least",
    "大于等于": "at_least", "不低于": "at_least", "不少于": "at_least", "不小于": "at_least",
    "至少": "at_least", "最低": "at_least",
    "提高到": "at_least", "提高至": "at_least", "提升到": "at_least", "提升至": "at_least",
    "增加到": "at_least", "增加至": "at_least", "增长到": "at_least", "增长至": "at_least",
    "上升到": "at_least", "上升至": "at_least", "增至": "at_least",
    # ceilings
    "小于或等于": "at_most", "低于或等于": "at_most", "小于等于": "at_most",
    "不超过": "at_most", "不高于": "at_most", "不大于": "at_most", "不多于": "at_most",
    "最多": "at_most", "最高": "at_most",
    "降低到": "at_most", "降低至": "at_most", "下降到": "at_most", "下降至": "at_most",
    "减少到": "at_most", "减少至": "at_most", "降到": "at_most", "降至": "at_most",
    "减至": "at_most",
    "控制在": "control",
    # strict
    "低于": "less_than", "小于": "less_than", "少于": "less_than",
    "高于": "greater_than", "大于": "greater_than", "多于": "greater_than",
    "超过": "greater_than",
    # a bare number in words
    "达到": "bare", "达": "bare", "保持在": "bare", "保持": "bare", "稳定在": "bare",
    "维持在": "bare", "巩固在": "bare", "为": "bare",
    # approximately
    "大约": "approximately", "约为": "approximately", "约": "approximately",
}
_PREFIX_ALT = "|".join(re.escape(p) for p in sorted(_PREFIX_KIND, key=len, reverse=True))

_NO_TARGET_RE = re.compile(r"[-—_/\\·…]*|无|暂无|不设|不设目标|不适用|—+")
_YEAR_HEAD_RE = re.compile(r"^(?:到|至|在)?(?P<year>(?:19|20)\d\d)年(?:底|末)?")
_ASPIRE_RE = re.compile(r"^(?:力争|争取|努力)")
_LEVEL_RE = re.compile(
    rf"^(?P<pre>{_PREFIX_ALT})?(?P<num>{_NUM})(?P<unit>{_UNIT})?(?P<q>{_QUAL})?$"
)
_RANGE_RE = re.compile(
    rf"^(?P<lo>{_NUM})(?P<u1>{_UNIT})?(?:-|~|—{{1,2}}|至|到)(?P<hi>{_NUM})(?P<u2>{_UNIT})?$"
)
_ALL_RE = re.compile(
    rf"^(?:全部|均|都|各项均|各项|全部均|分别)(?:达到|达|不低于|≥)?(?P<num>{_NUM})(?P<unit>{_UNIT})?"
    r"(?P<q>及以上|以上)?$"
)
_INC = r"提高|提升|增长|增加|上升|增"
_DEC = r"降低|下降|减少|减低|缩减|缩短|降"
_BASE_HEAD = (
    r"(?:(?:在|较|比|与|相比)?(?:(?P<year>(?:19|20)\d\d)年?|基期|基期值)(?:的)?"
    r"(?:基础上|水平上|基数上|相比|水平)?)?"
)
_RELATIVE_RE = re.compile(
    rf"^{_BASE_HEAD}(?P<verb>{_INC}|{_DEC})了?(?P<num>{_NUM})(?P<unit>倍|{_UNIT})?(?P<q>{_QUAL})?$"
)
_DOUBLE_RE = re.compile(rf"^{_BASE_HEAD}翻(?P<n>一|两|二|三)番(?P<q>{_QUAL})?$")
_YEARLY_RE = re.compile(
    rf"^(?:每年|年均|平均每年|年平均|逐年)(?P<verb>{_INC}|{_DEC})了?(?P<num>{_NUM})"
    rf"(?P<unit>{_UNIT})?(?P<q>{_QUAL})?$"
)
_PROPORTIONAL_RE = re.compile(
    r"^(?:与(?P<ref>.+?))?(?:同比例|等比例|同步|同幅度)(?:提高|增长|提升|增加|上升)$"
)
_LIST_SPLIT_RE = re.compile(r"[、;,]")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_ITEM_RE = re.compile(rf"^(?P<num>{_NUM})(?P<unit>{_UNIT})?$")


def _clean(x: float) -> float:
    """Drop binary floating-point noise from a derived figure (1.4000000000000001 → 1.4)."""
    return float(f"{x:.12g}")


def _to_float(s: str) -> float | None:
    try:
        x = float(s)
    except (ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def _norm_unit(unit: str | None) -> str:
    """Canonical spelling of a unit for comparison: '1/10万' and '/10万' are one unit."""
    if not unit:
        return ""
    u = _WS_RE.sub("", unit.translate(_TRANS))
    u = re.sub(r"^1/", "/", u)
    if u in ("/千", "1/千"):
        return "‰"
    if u in ("百分点", "个百分点"):
        return "个百分点"
    return u


def _units_compatible(inline: str, row: str) -> bool:
    a, b = _norm_unit(inline), _norm_unit(row)
    if not a or not b or a == b:
        return True
    return a == "个百分点" and b == "%"


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class ParsedValue:
    """A number cell read with what surrounds the number.

    ``bound`` is set when the cell is a bound rather than a point value
    ("70以上" → at_least, ">90" → greater_than, "85左右" → approximately);
    ``values`` holds every number of a cell that prints several ("100、100、98.5、100"),
    and then ``value`` is None.
    """

    text: str
    value: float | None
    values: tuple[float, ...] = ()
    bound: str | None = None
    unit: str = ""

    @property
    def is_bound(self) -> bool:
        return self.bound is not None


def read_value(text: str | None) -> ParsedValue:
    """Read a baseline or observation cell: "82.40", "21%", "——", "70以上", "100、100、98.5、100"."""
    raw = "" if text is None else str(text)
    t = _THOUSANDS_RE.sub("", _normalise(raw))
    if _NO_TARGET_RE.fullmatch(t):
        return ParsedValue(raw, None)
    m = _LEVEL_RE.match(t)
    if m:
        x = _to_float(m["num"])
        if x is None:
            return ParsedValue(raw, None)
        pre = _PREFIX_KIND.get(m["pre"] or "", "bare")
        q = _QUAL_KIND.get(m["q"] or "")
        bound = q or (None if pre in ("bare", "control") else pre)
        if pre == "control" and not q:
            bound = "at_most"
        return ParsedValue(raw, x, (x,), bound, _norm_unit(m["unit"]))
    parts = [p for p in _LIST_SPLIT_RE.split(t) if p]
    if len(parts) >= 2:
        items = [_ITEM_RE.match(p) for p in parts]
        if all(items):
            xs = [_to_float(i["num"]) for i in items]  # type: ignore[index]
            if all(x is not None for x in xs):
                units = {_norm_unit(i["unit"]) for i in items if i["unit"]}  # type: ignore[index]
                unit = units.pop() if len(units) == 1 else ""
                return ParsedValue(raw, None, tuple(xs), None, unit)  # type: ignore[arg-type]
    return ParsedValue(raw, None)


def parse_value(text: str | None) -> float | None:
    """The number in a value cell, or None when there is none.

    "82.40" → 82.4; "21%" → 21; "——" → None; "70以上" → 70 (a bound: use
    :func:`read_value` to learn that); a cell with several values → None (use
    :func:`read_value`, whose ``values`` holds them).
    """
    return read_value(text).value


# --------------------------------------------------------------------------- formatting


def _fmt(x: float | None) -> str:
    """A number as a person writes it: 0.2 not 0.20000000000000284, 83 not 83.0."""
    if x is None:
        return "—"
    if x != 0 and (abs(x) >= 1e15 or abs(x) < 1e-6):
        return f"{x:.6g}"
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _display_unit(unit: str | None) -> str:
    """A row's unit as it will be shown: whitespace folded, '1/10万' → '/10万'."""
    if not unit:
        return ""
    return re.sub(r"^1/", "/", _fold(unit.translate(_TRANS)))


def _u(unit: str) -> str:
    """A unit to print right after a number."""
    u = _display_unit(unit)
    if u and (u[0].isascii() and u[0].isalpha()):
        return " " + u
    return u


def _du(unit: str) -> str:
    """The unit of a difference: percentage points for a percentage."""
    return "个百分点" if _norm_unit(unit) == "%" else _u(unit)


# --------------------------------------------------------------------------- rule


class MissingInput(ValueError):
    """A relative rule cannot give its bar without a baseline, year or reference figures."""


@dataclass(frozen=True)
class Verdict:
    """The result of checking one value against one rule.

    ``met`` is True/False when the machine decided, None otherwise. ``threshold``
    is the bar actually applied (for 左右 the edge of the tolerance band on the
    unfavourable side; for a range or a symmetric band the edge nearer the value).
    ``gap`` is value − threshold (0 inside a two-sided band); positive means above.
    """

    met: bool | None
    verdict: str
    threshold: float | None
    gap: float | None
    explanation: str
    value: float | None = None
    year: int | None = None

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Band:
    lo: float | None = None
    hi: float | None = None
    lo_strict: bool = False
    hi_strict: bool = False
    center: float | None = None  # the target figure of a 左右 band
    tolerance: float | None = None
    base: float | None = None  # the baseline a relative bar was computed from
    step_year: int | None = None  # the year a yearly bar is for
    computed: bool = False  # a bar derived by arithmetic is compared with a little slack


@dataclass(frozen=True)
class Rule:
    """One target as a checkable rule. ``text`` is the target as printed.

    Numbers by kind: comparisons and ``approximately`` use ``value``; ``range``
    uses ``low``/``high``; ``relative_change`` and ``yearly_change`` use
    ``change`` (signed: −1 for "降低1个百分点") in ``change_unit`` ("percent" of
    the baseline or "absolute" in the indicator's unit) with ``comparator``
    (at_least / at_most / approximately on the resulting level);
    ``all_at_least`` uses ``value`` (全部达到100) or ``values`` (one bar per
    component); ``proportional`` uses ``reference`` (the indicator it moves
    with, when known); ``needs_judgement`` has ``reason``.

    ``basis`` says how the kind was inferred when the text alone does not say it:
    "bare" (a bare number read by ``direction``), "control" (控制在X → a ceiling),
    "all_components", "per_component", "proportional".
    """

    kind: str
    text: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    values: tuple[float, ...] = ()
    change: float | None = None
    change_unit: str | None = None
    comparator: str | None = None
    tolerance: float | None = None
    tolerance_fraction: float | None = None
    direction: str | None = None
    unit: str = ""
    baseline: float | None = None
    baseline_year: int | None = None
    target_year: int | None = None
    reference: str | None = None
    aspirational: bool = False
    basis: str | None = None
    reason: str | None = None  # why a needs_judgement rule cannot be checked (Chinese)
    notes: tuple[str, ...] = field(default=())  # things to review (Chinese)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"未知的规则类型：{self.kind!r}")

    # ----------------------------------------------------------------- json

    def to_json(self) -> dict:
        d = asdict(self)
        d["values"] = list(self.values)
        d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_json(cls, data: dict) -> Rule:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in names}
        kw["values"] = tuple(kw.get("values") or ())
        kw["notes"] = tuple(kw.get("notes") or ())
        return cls(**kw)

    # ----------------------------------------------------------------- bars

    def _base(self, baseline: float | None) -> float:
        base = self.baseline if baseline is None else _finite(baseline, "基期值")
        if base is None:
            year = f"{self.baseline_year}年" if self.baseline_year else ""
            raise MissingInput(f"缺少{year}基期值，无法计算目标值")
        return base

    def _steps(self, year: int | None) -> tuple[int, int]:
        if self.baseline_year is None:
            raise MissingInput("缺少基期年份，无法计算逐年目标")
        y = self.target_year if year is None else int(year)
        if y is None:
            raise MissingInput("缺少评价年份和目标年份，无法计算逐年目标")
        if y < self.baseline_year:
            raise ValueError(f"{y}年早于基期{self.baseline_year}年，没有逐年目标")
        if self.target_year is not None and y > self.target_year:
            y = self.target_year
        return y - self.baseline_year, y

    def _level_after(self, base: float, change: float) -> float:
        if self.change_unit == "percent":
            return base * (1 + change / 100)
        return base + change

    def _band(self, baseline=None, year=None, reference=None) -> _Band:
        k = self.kind
        if k == "at_least":
            return _Band(lo=self.value)
        if k == "greater_than":
            return _Band(lo=self.value, lo_strict=True)
        if k == "at_most":
            return _Band(hi=self.value)
        if k == "less_than":
            return _Band(hi=self.value, hi_strict=True)
        if k == "range":
            return _Band(lo=self.low, hi=self.high)
        if k == "all_at_least":
            return _Band(lo=self.value if self.value is not None else min(self.values))
        if k == "approximately":
            assert self.value is not None
            tol = self.tolerance if self.tolerance is not None else 0.0
            return self._sided(self.value, tol, self.direction)
        if k in ("relative_change", "yearly_change", "proportional"):
            base = self._base(baseline)
            step_year = None
            if k == "relative_change":
                bar = self._level_after(base, self.change or 0.0)
            elif k == "yearly_change":
                n, step_year = self._steps(year)
                if self.change_unit == "percent":
                    bar = base * (1 + (self.change or 0.0) / 100) ** n
                else:
                    bar = base + (self.change or 0.0) * n
            else:
                bar = base * _ratio(reference, self.reference)
            bar = _clean(bar)
            if self.comparator == "approximately":
                tol = self.tolerance
                if tol is None:
                    tol = _clean(abs(bar - base) * (self.tolerance_fraction or 0.0))
                    cap = TOLERANCE_CAPS.get(_norm_unit(self.unit))
                    tol = min(tol, cap) if cap is not None else tol
                better = self.direction or ("higher" if (self.change or 0) >= 0 else "lower")
                band = self._sided(bar, tol, better)
            elif self.comparator == "at_most":
                band = _Band(hi=bar)
            else:
                band = _Band(lo=bar)
            return _Band(band.lo, band.hi, band.lo_strict, band.hi_strict, band.center,
                         band.tolerance, base, step_year, computed=True)
        raise MissingInput(self.reason or "没有可比较的目标值")

    @staticmethod
    def _sided(center: float, tol: float, direction: str | None) -> _Band:
        lo = None if direction == "lower" else center - tol
        hi = None if direction == "higher" else center + tol
        return _Band(lo=lo, hi=hi, center=center, tolerance=tol, computed=tol != 0)

    def threshold(self, baseline: float | None = None, year: int | None = None,
                  reference: tuple[float, float] | None = None) -> float | None:
        """The target figure: the bar of a comparison, the centre of a 左右 band, the
        computed level of a relative rule (for ``year`` when the rule is yearly), each
        component's common bar for 全部达到X. None when there is no single figure
        (range, no target, needs judgement). Raises ValueError (``MissingInput``) when
        a relative rule lacks its baseline, year or reference figures."""
        if self.kind in ("range", "no_target", "needs_judgement"):
            return None
        if self.kind == "all_at_least":
            return self.value if self.value is not None else None
        band = self._band(baseline, year, reference)
        if band.center is not None:
            return band.center
        return band.lo if band.lo is not None else band.hi

    # ----------------------------------------------------------------- describe

    def describe(self, band: _Band | None = None) -> str:
        """The target in words for a report: "≥83.5岁", "3‰左右（允许±0.15‰）"."""
        u, du, text = _u(self.unit), _du(self.unit), _fold(self.text)
        k = self.kind
        if k in _COMPARISON_KINDS:
            s = f"{_SYMBOL[k]}{_fmt(self.value)}{u}"
            if self.basis == "bare" and self.direction:
                return f"{_fmt(self.value)}{u}（指标{_DIRECTION_CN[self.direction]}，按{s}判断）"
            return s
        if k == "approximately":
            s = f"{_fmt(self.value)}{u}左右（允许±{_fmt(self.tolerance)}{du}）"
            if self.basis == "bare" and self.direction == "range":
                s = f"{_fmt(self.value)}{u}（指标以接近目标为好，允许±{_fmt(self.tolerance)}{du}）"
            return s
        if k == "range":
            return f"{_fmt(self.low)}–{_fmt(self.high)}{u}"
        if k == "all_at_least":
            if self.value is not None:
                return f"{text}（各项均应≥{_fmt(self.value)}{u}）"
            return f"{text}（各项依次应≥{'、'.join(_fmt(v) for v in self.values)}{u}）"
        if k == "no_target":
            return f"未设定（原文为“{text}”）" if text else "未设定"
        if k == "needs_judgement":
            return f"“{text}”"
        # relative, yearly, proportional
        if band is None:
            return text
        sym = "≥" if band.hi is None else "≤" if band.lo is None else ""
        bar = band.center if band.center is not None else (band.lo if band.lo is not None else band.hi)
        by = f"{self.baseline_year}年" if self.baseline_year else "基期"
        parts = [f"以{by}{_fmt(band.base)}{u}为基数"]
        if k == "yearly_change":
            lead = f"{band.step_year}年应"
        elif k == "proportional":
            lead = "本指标应"
        else:
            lead = "即"
        if self.comparator == "approximately":
            parts.append(f"{lead}{_fmt(bar)}{u}左右，允许±{_fmt(band.tolerance)}{du}")
        else:
            parts.append(f"{lead}{sym}{_fmt(bar)}{u}")
        return f"{text}（{'，'.join(parts)}）"

    # ----------------------------------------------------------------- check

    def check(self, value: float | Sequence[float], *, baseline: float | None = None,
              year: int | None = None, reference: tuple[float, float] | None = None,
              check_scale: bool = True) -> Verdict:
        """Check an observed value against this rule.

        ``baseline`` overrides the rule's own baseline (relative rules); ``year`` is the
        year of the value (yearly rules take their bar for that year; explanations name
        it); ``reference`` is (the reference indicator's baseline, its value in the same
        year) for ``proportional``. ``all_at_least`` takes one value per component (or a
        single value, read as the lowest component). Raises ValueError for a value that
        is not a finite number or, with ``check_scale``, a percentage off by about ×100.
        """
        if year is not None:
            year = _year(year)
        is_all = self.kind == "all_at_least"
        values = _values(value, allow_many=is_all)
        shown_value = values[0] if len(values) == 1 else None
        head = f"{self.target_year}年目标为" if self.target_year and self.kind != "yearly_change" else "目标为"
        actual_year = f"{year}年" if year is not None and year != self.target_year else ""
        if self.kind == "yearly_change" and year is not None:
            actual_year = f"{year}年"
        u = _u(self.unit)
        actual = f"{actual_year}实际{'、'.join(_fmt(v) + u for v in values)}"

        if self.kind == "no_target":
            return Verdict(None, "no_target", None, None,
                           f"该指标未设定目标值（原文为“{_fold(self.text) or '空'}”），不作达标判断；"
                           f"{actual}。", shown_value, year)
        if self.kind == "needs_judgement":
            return Verdict(None, "needs_judgement", None, None,
                           f"目标“{_fold(self.text)}”无法自动判断（{self.reason}），{actual}，"
                           "需人工研判并记录结论。", shown_value, year)
        try:
            band = self._band(baseline, year, reference)
        except MissingInput as exc:
            return Verdict(None, "needs_judgement", None, None,
                           f"{head}{_fold(self.text)}，{exc}，{actual}，需人工研判并记录结论。",
                           shown_value, year)
        desc = self.describe(band)

        if is_all:
            return self._check_all(values, head, desc, actual, year)

        x = values[0]
        if check_scale:
            _check_scale(x, self.unit, band)
        met, bar, gap = _compare(x, band)
        verdict = "achieved" if met else "not_achieved"
        result = self._result(met, x, band, gap)
        return Verdict(met, verdict, bar, gap, f"{head}{desc}，{actual}，{result}。", x, year)

    def _result(self, met: bool, x: float, band: _Band, gap: float) -> str:
        du = _du(self.unit)
        word = "已达到目标" if met else "未达到目标"
        two_sided = band.lo is not None and band.hi is not None
        if band.center is not None:  # a 左右 band
            if not met:
                edge = "高出允许上限" if gap > 0 else "低于允许下限"
                return f"{word}（{edge}{_fmt(abs(gap))}{du}）"
            off = x - band.center
            better = (band.hi is None and off > 0) or (band.lo is None and off < 0)
            if better and abs(off) > (band.tolerance or 0):
                return f"{word}（优于目标{_fmt(abs(off))}{du}）"
            return f"{word}（在允许范围内）"
        if two_sided:
            if met:
                return f"{word}（在区间内）"
            edge = "高出上限" if gap > 0 else "低于下限"
            return f"{word}（{edge}{_fmt(abs(gap))}{du}）"
        if abs(gap) <= _slack(x, band):
            if band.lo_strict or band.hi_strict:
                need = "高于" if band.lo_strict else "低于"
                return f"{word}（恰好等于目标值，目标要求{need}该值）"
            return f"{word}（与目标持平）"
        side = "高出" if gap > 0 else "低"
        return f"{word}（{side}{_fmt(abs(gap))}{du}）"

    def _check_all(self, values: list[float], head: str, desc: str, actual: str,
                   year: int | None) -> Verdict:
        bars = list(self.values) if self.value is None else [self.value] * len(values)
        if self.value is None and len(values) not in (1, len(bars)):
            raise ValueError(f"目标有{len(bars)}个分项，但给出了{len(values)}个数值")
        if len(values) == 1 and len(bars) > 1:
            bars = [min(bars)]
        short = [(v, b) for v, b in zip(values, bars, strict=True) if v < b]
        gaps = [v - b for v, b in zip(values, bars, strict=True)]
        gap = min(gaps)
        bar = bars[gaps.index(gap)]
        du, u = _du(self.unit), _u(self.unit)
        if short:
            worst = min(short, key=lambda p: p[0] - p[1])
            result = (f"未达到目标（{len(short)}项未达到，最低{_fmt(worst[0])}{u}，"
                      f"低{_fmt(worst[1] - worst[0])}{du}）")
        else:
            result = "已达到目标（各项均达到）"
        met = not short
        shown = values[0] if len(values) == 1 else None
        return Verdict(met, "achieved" if met else "not_achieved", bar, gap,
                       f"{head}{desc}，{actual}，{result}。", shown, year)


def _ratio(reference: tuple[float, float] | None, name: str | None) -> float:
    who = f"“{name}”" if name else "所参照指标（如健康预期寿命参照人均预期寿命）"
    if reference is None:
        raise MissingInput(f"需要{who}的基期值和同年实际值才能计算同比例目标")
    try:
        ref_base, ref_value = reference
    except (TypeError, ValueError):
        raise ValueError("reference 应为（参照指标基期值，参照指标实际值）两个数") from None
    ref_base = _finite(ref_base, "参照指标基期值")
    ref_value = _finite(ref_value, "参照指标实际值")
    if ref_base == 0:
        raise MissingInput(f"{who}的基期值为0，无法计算比例")
    return ref_value / ref_base


def _slack(bar: float, band: _Band) -> float:
    """How far from a bar still counts as on it: nothing for a printed figure, a relative
    1e-9 for a computed one (62.7 − 3 × 1 is 59.699999999999996 in binary floating point)."""
    return _EPS * abs(bar) if band.computed else 0.0


def _compare(x: float, band: _Band) -> tuple[bool, float, float]:
    """(met, the bar applied, value − bar) for a value against a band."""
    lo_fail = hi_fail = False
    if band.lo is not None:
        eps = _slack(band.lo, band)
        lo_fail = x <= band.lo + eps if band.lo_strict else x < band.lo - eps
    if band.hi is not None:
        eps = _slack(band.hi, band)
        hi_fail = x >= band.hi - eps if band.hi_strict else x > band.hi + eps
    met = not (lo_fail or hi_fail)
    if band.lo is not None and band.hi is not None:
        if lo_fail:
            return met, band.lo, x - band.lo
        if hi_fail:
            return met, band.hi, x - band.hi
        bar = band.lo if abs(x - band.lo) <= abs(x - band.hi) else band.hi
        return met, bar, 0.0
    bar = band.lo if band.lo is not None else band.hi
    assert bar is not None
    return met, bar, x - bar


def scale_slip(x: float, unit: str, bar: float | None) -> tuple[float, str] | None:
    """(x rescaled, a hint) when a percentage ``x`` is ×100 or ÷100 away from ``bar``
    (0.37 where about 37% is expected), else None. The observation import uses it too."""
    if _norm_unit(unit) != "%" or bar is None or bar <= 0 or x <= 0:
        return None
    for scaled, hint in ((x * 100, "百分比疑似写成了小数"), (x / 100, "百分比疑似放大了100倍")):
        if abs(scaled - bar) <= 0.5 * bar and not abs(x - bar) <= 0.5 * bar and (
                x / bar >= 50 or bar / x >= 50):
            return scaled, hint
    return None


def _check_scale(x: float, unit: str, band: _Band) -> None:
    """Refuse a percentage that is ×100 or ÷100 away from the bar (0.37 for 37%)."""
    bar = band.center if band.center is not None else (band.lo if band.lo is not None else band.hi)
    slip = scale_slip(x, unit, bar)
    if slip is not None:
        scaled, hint = slip
        raise ValueError(
            f"数值{_fmt(x)}与目标{_fmt(bar)}%相差约100倍，疑似单位错误（{hint}，"
            f"应为{_fmt(scaled)}%？）；请核对后再判断"
        )


def _finite(x, what: str) -> float:
    if isinstance(x, bool):
        raise ValueError(f"{what}不是数字：{x!r}")
    if isinstance(x, str):
        p = read_value(x)
        if p.value is None or p.is_bound:
            raise ValueError(f"{what}“{x}”不是一个数字")
        x = p.value
    try:
        f = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{what}不是数字：{x!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"{what}必须是有限的数字，不能是 {x!r}")
    return f


def _values(value, *, allow_many: bool) -> list[float]:
    if isinstance(value, (list, tuple)):
        if not allow_many:
            raise ValueError("该目标只接受一个数值，不能传入多个数值")
        if not value:
            raise ValueError("没有给出数值")
        return [_finite(v, "监测值") for v in value]
    if allow_many and isinstance(value, str):
        p = read_value(value)
        if p.values and len(p.values) > 1:
            return list(p.values)
    return [_finite(value, "监测值")]


def _year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        try:
            if isinstance(year, float) and year.is_integer():
                return int(year)
            return int(str(year).strip())
        except (TypeError, ValueError):
            raise ValueError(f"年份不是整数：{year!r}") from None
    return year


# --------------------------------------------------------------------------- parse


def parse_target(text: str | None, *, direction: str | None = None,
                 baseline: float | str | None = None, baseline_year: int | None = None,
                 target_year: int | None = None, unit: str | None = None,
                 tolerance: float | None = None) -> Rule:
    """Parse a target cell into a :class:`Rule`.

    ``direction`` is the indicator's ("higher" | "lower" | "range", from the
    catalogue); ``unit`` is the row's unit (a unit printed inside the target is
    compared with it); ``baseline``/``baseline_year``/``target_year`` are stored
    for relative and yearly rules; ``tolerance`` overrides the 左右 tolerance with
    an absolute one. Never raises on any text: what it cannot read becomes a
    ``needs_judgement`` rule with the reason. Raises ValueError only for a bad
    keyword argument (unknown direction, a baseline that is not a finite number).
    """
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction 应为 higher、lower 或 range，而不是 {direction!r}")
    base = None
    if baseline is not None:
        base = parse_value(baseline) if isinstance(baseline, str) else _finite(baseline, "基期值")
    if tolerance is not None:
        tolerance = abs(_finite(tolerance, "允许误差"))
    by = _year(baseline_year) if baseline_year is not None else None
    ty = _year(target_year) if target_year is not None else None
    raw = "" if text is None else str(text)
    ctx = _Ctx(raw, direction, base, by, ty, _display_unit(unit), tolerance)
    try:
        return _parse(ctx)
    except Exception as exc:  # noqa: BLE001 - the contract is a rule for any text
        return ctx.judge(f"解析时出现内部错误（{type(exc).__name__}）")


@dataclass
class _Ctx:
    raw: str
    direction: str | None
    baseline: float | None
    baseline_year: int | None
    target_year: int | None
    unit: str
    tolerance: float | None
    aspirational: bool = False

    def rule(self, kind: str, **kw) -> Rule:
        common = dict(text=self.raw, direction=self.direction, unit=kw.pop("unit", self.unit),
                      baseline=self.baseline, baseline_year=self.baseline_year,
                      target_year=self.target_year, aspirational=self.aspirational)
        common.update(kw)
        return Rule(kind, **common)

    def judge(self, reason: str) -> Rule:
        return self.rule("needs_judgement", reason=reason)

    def approx_tolerance(self, value: float, unit: str) -> float:
        if self.tolerance is not None:
            return self.tolerance
        tol = _clean(abs(value) * DEFAULT_TOLERANCE_FRACTION)
        cap = TOLERANCE_CAPS.get(_norm_unit(unit))
        return min(tol, cap) if cap is not None else tol


def _parse(c: _Ctx) -> Rule:
    t = _THOUSANDS_RE.sub("", _normalise(c.raw))
    if _NO_TARGET_RE.fullmatch(t):
        return c.rule("no_target")
    if _ASPIRE_RE.match(t):
        c.aspirational = True
        t = _ASPIRE_RE.sub("", t)
    m = _YEAR_HEAD_RE.match(t)
    if m and any(r.match(t[m.end():]) for r in (_LEVEL_RE, _RANGE_RE, _ALL_RE)):
        year = int(m["year"])
        if c.target_year is None:
            c.target_year = year
        elif c.target_year != year:
            return c.judge(f"目标写明{year}年，与目标年份{c.target_year}年不一致")
        t = t[m.end():]

    if m := _PROPORTIONAL_RE.match(t):
        return c.rule("proportional", comparator="at_least", reference=m["ref"] or None,
                      basis="proportional")
    if m := _YEARLY_RE.match(t):
        return _relative(c, "yearly_change", m["verb"], m["num"], m["unit"], m["q"], None)
    if m := _RELATIVE_RE.match(t):
        return _relative(c, "relative_change", m["verb"], m["num"], m["unit"], m["q"], m["year"])
    if m := _DOUBLE_RE.match(t):
        times = {"一": 1, "两": 2, "二": 2, "三": 3}[m["n"]]
        pct = str((2 ** times - 1) * 100)
        return _relative(c, "relative_change", "增长", pct, "%", m["q"], m["year"])
    if m := _ALL_RE.match(t):
        x = _to_float(m["num"])
        if x is None:
            return c.judge("数字超出可处理的范围")
        if bad := _unit_problem(c, m["unit"]):
            return c.judge(bad)
        return c.rule("all_at_least", value=x, unit=c.unit or _norm_unit(m["unit"]),
                      basis="all_components")
    if m := _RANGE_RE.match(t):
        lo, hi = _to_float(m["lo"]), _to_float(m["hi"])
        if lo is None or hi is None:
            return c.judge("数字超出可处理的范围")
        for u in (m["u1"], m["u2"]):
            if bad := _unit_problem(c, u):
                return c.judge(bad)
        notes = ()
        if lo > hi:
            lo, hi = hi, lo
            notes = ("区间上下限书写颠倒，已按从小到大处理",)
        return c.rule("range", low=lo, high=hi, unit=c.unit or _norm_unit(m["u1"] or m["u2"]),
                      notes=notes)
    if m := _LEVEL_RE.match(t):
        return _level(c, m)
    parts = [p for p in _LIST_SPLIT_RE.split(t) if p]
    if len(parts) >= 2 and all(_ITEM_RE.match(p) for p in parts):
        return _list(c, parts)
    if re.search(r"\d", t):
        return c.judge("无法识别的目标表述")
    return c.judge("目标是文字描述，没有可比较的数值")


def _unit_problem(c: _Ctx, inline: str | None) -> str | None:
    if inline and c.unit and not _units_compatible(inline, c.unit):
        return f"目标中的单位“{inline}”与指标单位“{c.unit}”不一致"
    return None


def _level(c: _Ctx, m: re.Match) -> Rule:
    x = _to_float(m["num"])
    if x is None:
        return c.judge("数字超出可处理的范围")
    if bad := _unit_problem(c, m["unit"]):
        return c.judge(bad)
    unit = c.unit or _norm_unit(m["unit"])
    if unit == "个百分点":
        return c.judge("目标以“个百分点”表示，但没有说明在什么基础上提高或降低")
    pre = _PREFIX_KIND.get(m["pre"] or "")
    q = _QUAL_KIND.get(m["q"] or "")
    basis = None
    if pre in (None, "bare", "control"):
        kind = q or ("at_most" if pre == "control" else None)
        if pre == "control" and not q:
            basis = "control"
    elif q is None or q == pre or (pre == "approximately" and q == "approximately"):
        kind = pre
    elif q == "at_least" and pre in ("at_least", "greater_than"):
        kind = pre
    elif q == "at_most" and pre in ("at_most", "less_than"):
        kind = pre
    else:
        return c.judge(f"比较词“{m['pre']}”与“{m['q']}”相互矛盾")
    if kind is None:  # a bare number: the indicator's direction decides
        if c.direction == "higher":
            kind, basis = "at_least", "bare"
        elif c.direction == "lower":
            kind, basis = "at_most", "bare"
        elif c.direction == "range":
            kind, basis = "approximately", "bare"
        else:
            return c.judge("只有数值、没有比较方向；需要指标的方向（越高越好或越低越好）")
    if kind == "approximately":
        return c.rule(kind, value=x, unit=unit, tolerance=c.approx_tolerance(x, unit),
                      tolerance_fraction=None if c.tolerance is not None
                      else DEFAULT_TOLERANCE_FRACTION, basis=basis)
    notes: tuple[str, ...] = ()
    floor = kind in ("at_least", "greater_than")
    if (floor and c.direction == "lower") or (not floor and c.direction == "higher"):
        notes = ("目标的比较方向与指标方向相反，请核对指标方向或目标",)
    return c.rule(kind, value=x, unit=unit, basis=basis, notes=notes)


def _list(c: _Ctx, parts: list[str]) -> Rule:
    xs: list[float] = []
    for p in parts:
        m = _ITEM_RE.match(p)
        assert m is not None
        x = _to_float(m["num"])
        if x is None:
            return c.judge("数字超出可处理的范围")
        if bad := _unit_problem(c, m["unit"]):
            return c.judge(bad)
        xs.append(x)
    if c.direction == "higher":
        return c.rule("all_at_least", values=tuple(xs), basis="per_component",
                      notes=("一格中有多个目标值，须按顺序对应各分项",))
    return c.judge(f"一格中有{len(xs)}个目标值（{'、'.join(_fmt(x) for x in xs)}），"
                   "需要逐项对应到分项指标")


def _relative(c: _Ctx, kind: str, verb: str, num: str, unit: str | None, qual: str | None,
              text_year: str | None) -> Rule:
    amount = _to_float(num)
    if amount is None:
        return c.judge("数字超出可处理的范围")
    if amount < 0:
        return c.judge("提高或降低的幅度为负数，含义不明")
    decrease = re.fullmatch(_DEC, verb) is not None
    u = _norm_unit(unit)
    if u == "倍":
        if decrease:
            return c.judge("“降低…倍”含义不明")
        u, amount = "%", amount * 100
    if u == "%":
        change_unit = "percent"
        if decrease and amount > 100:
            return c.judge("降幅超过100%，含义不明")
    else:
        change_unit = "absolute"
        if u == "个百分点" and c.unit and _norm_unit(c.unit) != "%":
            return c.judge(f"目标以“个百分点”表示，但指标单位是“{c.unit}”")
        if u and u != "个百分点" and (bad := _unit_problem(c, u)):
            return c.judge(bad)
    if text_year is not None:
        y = int(text_year)
        if c.baseline_year is None:
            c.baseline_year = y
        elif c.baseline_year != y:
            return c.judge(f"目标以{y}年为基数，但基期为{c.baseline_year}年")
    q = _QUAL_KIND.get(qual or "")
    if q == "approximately":
        comparator = "approximately"
    elif q == "at_most":  # at most that much change
        comparator = "at_least" if decrease else "at_most"
    else:  # 以上 or nothing: at least that much change
        comparator = "at_most" if decrease else "at_least"
    unit_out = c.unit or (u if change_unit == "absolute" and u != "个百分点" else "")
    if u == "个百分点" and not unit_out:
        unit_out = "%"
    notes: tuple[str, ...] = ()
    if change_unit == "percent" and _norm_unit(c.unit) == "%":
        notes = ("百分比指标的“增减X%”按相对变化计算；若指X个百分点，原文应写作“个百分点”",)
    return c.rule(kind, change=-amount if decrease else amount, change_unit=change_unit,
                  comparator=comparator, unit=unit_out, notes=notes,
                  tolerance=c.tolerance if comparator == "approximately" else None,
                  tolerance_fraction=DEFAULT_TOLERANCE_FRACTION
                  if comparator == "approximately" and c.tolerance is None else None)


__all__ = [
    "DEFAULT_TOLERANCE_FRACTION",
    "DIRECTIONS",
    "KINDS",
    "TOLERANCE_CAPS",
    "MissingInput",
    "ParsedValue",
    "Rule",
    "Verdict",
    "parse_target",
    "parse_value",
    "read_value",
]
