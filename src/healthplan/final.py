"""The classification a final evaluation (终期评估) writes beside each verdict.

Chinese health commissions report each indicator of a five-year plan as 提前完成, 完成,
基本完成 or 未完成 (进展滞后 in a year before the target year). :func:`classify` turns a
verdict (``healthplan.evaluate``) and the indicator's observed series into that class, by
the rules in ``FINAL_RULES`` (the README's "终期评估分类" section says the same):

==================  ==================================================================
``ahead``           提前完成: the target-year value meets the target, and so did every
                    observed value from an earlier year of the plan period on (the
                    year it was first met and held is ``first_met``)
``completed``       完成: the value used meets the target (not met earlier and held; or
                    the target-year figure is not in yet, so holding cannot be known)
``basically``       基本完成: not met, but at least ``BASICALLY_DONE`` % of the planned
                    change from the baseline to the target was achieved; never for a
                    binding (约束性) indicator, whose shortfall is 未完成
``not_completed``   未完成: in or after the target year, not met and not 基本完成
``on_track``        进度正常: before the target year, not yet met but on the expected path
``lagging``         进展滞后: before the target year, behind the path (at_risk/off_track)
``no_data``         无数据 / ``needs_judgement`` 需人工研判: as the verdict
==================  ==================================================================

An indicator judged in or after its target year on an earlier year's value (the latest
available) is ``pending``: the class says which year was used and that the final figure
is still to come.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from healthplan.evaluate import _goodness, _sign
from healthplan.targets import Rule

BASICALLY_DONE = 90.0  # % of the planned change from baseline to target: 基本完成

FINAL_CN = {
    "ahead": "提前完成", "completed": "完成", "basically": "基本完成",
    "not_completed": "未完成", "on_track": "进度正常", "lagging": "进展滞后",
    "no_data": "无数据", "needs_judgement": "需人工研判",
}

FINAL_RULES = {
    "ahead": "提前完成：目标年的监测值达到目标，且在目标年之前的某一年已达到、此后各年的监测值均保持达到。",
    "completed": "完成：所用监测值达到目标，但不属于提前完成（此前未达到或未保持；或目标年数据尚未发布，"
                 "暂按最近年份判断，无法确认是否保持）。",
    "basically": f"基本完成：未达到目标，但从基期值到目标值的计划变化已完成{BASICALLY_DONE:g}%及以上；"
                 "约束性指标不设基本完成，未达到即为未完成。",
    "not_completed": "未完成：目标年及以后评价，未达到目标且不属于基本完成。",
    "on_track": "进度正常：目标年之前评价，尚未达到目标，但不低于预期进度。",
    "lagging": "进展滞后：目标年之前评价，尚未达到目标且落后于预期进度（存在风险或进度滞后）。",
    "no_data": "无数据：规划期内没有可用的监测值。",
    "needs_judgement": "需人工研判：目标无法由机器判断，需记录人工结论。",
}

_SHORTFALL = {"not_completed", "lagging"}


@dataclass(frozen=True)
class FinalClass:
    code: str
    year_used: int | None  # the year of the value the class rests on
    pending: bool  # judged in or after the target year on an earlier year's value
    first_met: int | None  # start of the run of met years that reaches the value used
    completion: float | None  # % of the planned change achieved by the value used
    binding: bool
    explanation: str

    @property
    def label(self) -> str:
        return FINAL_CN[self.code]

    @property
    def binding_shortfall(self) -> bool:
        """A binding indicator not completed or lagging: listed first, marked."""
        return self.binding and self.code in _SHORTFALL

    def to_json(self) -> dict:
        return {**asdict(self), "label": self.label, "binding_shortfall": self.binding_shortfall,
                "rule": FINAL_RULES[self.code]}


def _completion(value: float, baseline: float | None, threshold: float | None,
                direction: str) -> float | None:
    if baseline is None or threshold is None or not _sign(direction):
        return None
    need = _goodness(threshold, baseline, direction)
    if need <= 0:
        return None
    # Rounded off the float noise (28.5714285714285, 131.99999999999932): a change of
    # exactly 90 % must not fall short of BASICALLY_DONE by 1e-13.
    return round(_goodness(value, baseline, direction) / need * 100, 6)


def classify(rule: Rule, *, verdict: str, threshold: float | None, baseline: float | None,
             base_year: int, target_year: int, observations: dict[int, float], year: int,
             direction: str, binding: bool) -> FinalClass:
    """The final-evaluation class of one indicator evaluated in ``year`` with ``verdict``
    (and the evaluation's ``threshold``), from its observations (year → value)."""
    seen = sorted((y, v) for y, v in observations.items() if base_year < y <= year)
    final = year >= target_year
    if verdict in ("no_data", "needs_judgement") or not seen:
        code = verdict if verdict in ("no_data", "needs_judgement") else "no_data"
        # Only a missing figure waits for publication; a text target waits for a person.
        pending = final and code == "no_data" and target_year not in observations
        note = f"{target_year}年数据待发布；" if pending else ""
        return FinalClass(code, None, pending, None, None, binding,
                          f"{note}{FINAL_RULES[code]}")
    used = target_year if final and target_year in observations else seen[-1][0]
    value = observations[used]
    upto = [(y, v) for y, v in seen if y <= used]
    first_met = None
    for y, v in reversed(upto):  # the run of met years that ends at the value used
        if not rule.check(v, baseline=baseline, year=y, check_scale=False).met:
            break
        first_met = y
    pending = final and used < target_year
    completion = _completion(value, baseline, threshold, direction)
    met = verdict == "achieved"
    if met and final and not pending and first_met is not None and first_met < target_year:
        code = "ahead"
    elif met and not final:
        code = "ahead"  # met before the target year and held so far
    elif met:
        code = "completed"
    elif not final:
        code = "on_track" if verdict == "on_track" else "lagging"
    elif not binding and completion is not None and completion >= BASICALLY_DONE:
        code = "basically"
    else:
        code = "not_completed"
    return FinalClass(code, used, pending, first_met if met else None, completion, binding,
                      _explain(code, used, pending, first_met if met else None, completion,
                               binding, target_year))


def _explain(code: str, used: int, pending: bool, first_met: int | None,
             completion: float | None, binding: bool, target_year: int) -> str:
    parts = [FINAL_CN[code]]
    if code == "ahead" and first_met is not None:
        parts.append(f"{first_met}年起达到目标并保持")
    if completion is not None and code in ("basically", "not_completed", "lagging"):
        parts.append(f"计划变化完成{completion:.0f}%")
    if binding and code in _SHORTFALL:
        parts.append("约束性指标未完成" if code == "not_completed" else "约束性指标进展滞后")
    if pending:
        parts.append(f"按{used}年数据判断，{target_year}年终期数据待发布")
    return "，".join(parts) + "。"


__all__ = ["BASICALLY_DONE", "FINAL_CN", "FINAL_RULES", "FinalClass", "classify"]
