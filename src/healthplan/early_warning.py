"""Early warnings (预警): a red / yellow / green level for each plan × indicator × year.

The rule (README "预警规则" says the same in Chinese):

======================  ==================  ==================  =====================
verdict of the year     binding (约束性)     expected (预期性)    year position
======================  ==================  ==================  =====================
``achieved``            green               green               any
``on_track``            green               green               before the target year
``at_risk``             yellow              yellow              before the target year
``off_track``           red                 yellow              before the target year
``not_achieved``        red                 red                 target year and after
``no_data``             none                none                any
``needs_judgement``     none                none                any
======================  ==================  ==================  =====================

A verdict the evaluation cannot give in a year position (``on_track`` in the target
year, ``not_achieved`` before it) is refused with ValueError: a caller that passes one
has mixed up its years.

A missed year stays marked (:func:`carried_levels`): once a year is yellow or red, every
later year keeps at least that level until a later year is green again — the indicator
has caught up (achieved, or back on the expected path). A year without a level of its
own (no data, needs judgement) keeps the level carried so far: a missing figure does not
clear a warning. The carried level records the year it comes from (``since``).
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("green", "yellow", "red")
LEVEL_CN = {"green": "绿", "yellow": "黄", "red": "红"}
LEVEL_WORD = {"green": "绿色（正常）", "yellow": "黄色（关注）", "red": "红色（预警）"}
POSITIONS = ("before", "target", "after")  # the year against the target year
_SEVERITY = {None: -1, "green": 0, "yellow": 1, "red": 2}

BEFORE_ONLY = {"on_track", "at_risk", "off_track"}
FROM_TARGET_ONLY = {"not_achieved"}
VERDICTS = ("achieved", "on_track", "at_risk", "off_track", "not_achieved", "no_data",
            "needs_judgement")


def position(year: int, target_year: int) -> str:
    """Where ``year`` lies against the target year: before, target, after."""
    return "before" if year < target_year else "target" if year == target_year else "after"


def warning_level(verdict: str, binding: bool, where: str) -> str | None:
    """The level of one year's verdict (None: no level — no data or needs judgement)."""
    if verdict not in VERDICTS:
        raise ValueError(f"未知的结论：{verdict!r}")
    if where not in POSITIONS:
        raise ValueError(f"年份位置应为 before、target 或 after，而不是 {where!r}")
    if where == "before" and verdict in FROM_TARGET_ONLY:
        raise ValueError(f"目标年之前不会有“{verdict}”结论")
    if where != "before" and verdict in BEFORE_ONLY:
        raise ValueError(f"目标年及以后不会有“{verdict}”结论")
    if verdict in ("achieved", "on_track"):
        return "green"
    if verdict == "at_risk":
        return "yellow"
    if verdict == "off_track":
        return "red" if binding else "yellow"
    if verdict == "not_achieved":
        return "red"
    return None


@dataclass(frozen=True)
class YearWarning:
    """The level of a year after carrying: ``level`` (None: none yet), ``own`` the year's
    own level, ``since`` the year the carried level was first reached."""

    year: int
    level: str | None
    own: str | None
    since: int | None

    @property
    def carried(self) -> bool:
        return self.level is not None and self.level != self.own


def carried_levels(verdicts: dict[int, str], *, binding: bool, target_year: int
                   ) -> dict[int, YearWarning]:
    """Each year's warning (year → :class:`YearWarning`) from the verdicts of the years, in
    order: a yellow or red year is carried until a later year is green."""
    out: dict[int, YearWarning] = {}
    carried: str | None = None
    since: int | None = None
    for year in sorted(verdicts):
        own = warning_level(verdicts[year], binding, position(year, target_year))
        if own == "green":
            carried, since = "green", year
        elif own is not None and _SEVERITY[own] > _SEVERITY[carried]:
            carried, since = own, year
        out[year] = YearWarning(year, carried, own, since)
    return out


def more_severe(a: str | None, b: str | None) -> str | None:
    return a if _SEVERITY[a] >= _SEVERITY[b] else b


__all__ = ["LEVELS", "LEVEL_CN", "LEVEL_WORD", "POSITIONS", "VERDICTS", "YearWarning",
           "carried_levels", "more_severe", "position", "warning_level"]
