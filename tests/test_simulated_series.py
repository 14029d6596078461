"""The generator of simulated training series and the pasteable commands of the demo
(no database: the simulated database itself is tested in tests/web/test_e2e_simulated.py)."""

from __future__ import annotations

import shlex

import pytest

from healthplan.evaluate import evaluate_series
from healthplan.simulated import SCENARIOS, SeriesSpec, decimals_of, simulate_series
from healthplan.targets import parse_target


def spec(target: str = "≥83.5", baseline: float = 81.2, direction: str = "higher",
         unit: str = "岁") -> SeriesSpec:
    return SeriesSpec(key="320000:life_expectancy", baseline=baseline, start=baseline,
                      rule=parse_target(target, direction=direction, unit=unit),
                      base_year=2020, target_year=2025, direction=direction, unit=unit,
                      decimals=decimals_of(str(baseline), target))


def verdict(s: SeriesSpec, values: dict[int, float], year: int) -> str:
    return evaluate_series(s.rule, baseline=s.baseline, base_year=s.base_year,
                           target_year=s.target_year, observations=values, year=year,
                           direction=s.direction).verdict


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("target,baseline,direction,unit", [
    ("≥83.5", 81.2, "higher", "岁"),  # a floor ahead of the baseline
    ("≤7", 9.8, "lower", "1/10万"),  # a ceiling below it
])
def test_each_scenario_shows_its_verdict_in_its_last_year(scenario, target, baseline,
                                                          direction, unit):
    s = spec(target, baseline, direction, unit)
    wanted = SCENARIOS[scenario][2]
    last = 2025 if wanted in ("achieved", "not_achieved") else 2023
    values = simulate_series(s, scenario, last)
    if scenario == "no_data":
        assert values == {}
        return
    assert sorted(values) == list(range(2021, last + 1))
    assert all(v >= 0 and round(v, 1) == v for v in values.values())
    assert verdict(s, values, last) == wanted


def test_the_same_seed_gives_the_same_series_and_another_seed_another():
    s = spec()
    assert simulate_series(s, "at_risk", 2023) == simulate_series(s, "at_risk", 2023)
    assert simulate_series(s, "at_risk", 2023, seed=1) != simulate_series(s, "at_risk", 2023)


def test_a_share_stays_within_its_whole():
    s = spec("≥99", 98.9, "higher", "%")
    for scenario in ("ahead", "on_track", "achieved"):
        assert all(0 <= v <= 100 for v in simulate_series(s, scenario, 2025).values())


def test_the_commands_the_demo_prints_fit_100_columns_and_paste_as_they_are(monkeypatch):
    from healthplan.cli import pasteable as module

    monkeypatch.setattr(module.sys, "argv", ["/opt/venv 1/bin/healthplan", "demo"])
    url = "sqlite:////home/用户/.local/share/healthplan/demo-simulated.sqlite3"
    lines = module.pasteable(["--db", url, "evaluate", "--plan", "7", "--year", "2025"])
    assert len(lines) > 1 and all(module.width(line) <= 100 for line in lines)
    assert all(line.endswith(" \\") for line in lines[:-1])
    # what a shell makes of the pasted lines: the absolute command, then the arguments
    words = shlex.split("\n".join(lines).replace("\\\n", " "))
    assert words == ["/opt/venv 1/bin/healthplan", "--db", url, "evaluate", "--plan", "7",
                     "--year", "2025"]
    monkeypatch.setattr(module.sys, "argv", ["/somewhere/healthplan/__main__.py"])
    assert module.command_words()[1:] == ["-m", "healthplan"]
