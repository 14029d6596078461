"""The canonical indicator catalogue: loading, validation and look-up by id.

The data lives in ``indicators.yaml`` beside this module (shipped as package
data). It is loaded once and cached; a malformed catalogue raises
``CatalogError`` naming the entry and the problem, so a bad edit fails the
first test that touches it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

DIRECTIONS = ("higher", "lower", "range")
CATEGORIES = ("健康水平", "健康生活", "健康服务", "资源配置", "健康保障", "健康环境", "健康产业")
# Canonical units; "" is a ratio without a unit (出生人口性别比, 医护比).
UNITS = ("岁", "/10万", "‰", "%", "张/千人", "人/千人", "人/万人", "个/千人", "天", "g/日",
         "DDDs/100人天", "亿元", "")

_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_FIELDS = {"id", "name", "name_en", "unit", "direction", "category", "bounds", "definition",
           "aliases", "components", "equivalent"}
_REQUIRED = ("id", "name", "name_en", "unit", "direction", "category", "bounds", "definition")


class CatalogError(ValueError):
    """The catalogue file is malformed (raised at load time)."""


class UnknownIndicatorError(KeyError):
    """An indicator id that is not in the catalogue."""

    def __init__(self, indicator_id: str, suggestions: list[str] | None = None):
        self.indicator_id = indicator_id
        self.suggestions = suggestions or []
        super().__init__(indicator_id)

    def __str__(self) -> str:
        message = f"未知指标 id“{self.indicator_id}”：指标目录中没有此指标"
        if self.suggestions:
            message += "（是否指：" + "、".join(self.suggestions) + "）"
        return message


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    name_en: str
    unit: str
    direction: str
    category: str
    bounds: tuple[float, float]
    definition: str
    aliases: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    equivalent: tuple[str, float] | None = None

    @property
    def fused(self) -> bool:
        """True for a row that prints several measures under one shared target."""
        return bool(self.components)

    def in_bounds(self, value: float) -> bool:
        """Whether a value (in the canonical unit) is plausible at all."""
        low, high = self.bounds
        return low <= value <= high


@dataclass(frozen=True)
class Catalog:
    indicators: tuple[Indicator, ...]
    by_id: dict[str, Indicator] = field(repr=False)

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.by_id[indicator_id]
        except (KeyError, TypeError):
            close = difflib.get_close_matches(str(indicator_id), list(self.by_id), n=3, cutoff=0.6)
            raise UnknownIndicatorError(str(indicator_id), close) from None

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.by_id

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)


def _entry_error(index: int, entry: object, problem: str) -> CatalogError:
    ident = entry.get("id") if isinstance(entry, dict) else None
    where = f"entry {index + 1}" + (f" ({ident})" if ident else "")
    return CatalogError(f"indicator catalogue, {where}: {problem}")


def _parse_entry(index: int, entry: object) -> Indicator:
    if not isinstance(entry, dict):
        raise _entry_error(index, entry, "expected a mapping")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise _entry_error(index, entry, f"unknown field(s) {sorted(unknown)}")
    for key in _REQUIRED:
        if key not in entry:
            raise _entry_error(index, entry, f"missing field '{key}'")
    for key in ("id", "name", "name_en", "unit", "direction", "category", "definition"):
        if not isinstance(entry[key], str):
            raise _entry_error(index, entry, f"'{key}' must be a string")
    ident = entry["id"]
    if not _ID.match(ident):
        raise _entry_error(index, entry, f"id {ident!r} is not ASCII snake_case")
    if not entry["name"].strip() or not entry["name_en"].strip():
        raise _entry_error(index, entry, "empty name")
    if entry["direction"] not in DIRECTIONS:
        raise _entry_error(index, entry, f"direction must be one of {DIRECTIONS}")
    if entry["category"] not in CATEGORIES:
        raise _entry_error(index, entry, f"category must be one of {CATEGORIES}")
    if entry["unit"] not in UNITS:
        raise _entry_error(index, entry, f"unit {entry['unit']!r} is not a canonical unit")
    bounds = entry["bounds"]
    if (not isinstance(bounds, list) or len(bounds) != 2
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            or not bounds[0] < bounds[1]):
        raise _entry_error(index, entry, "bounds must be [min, max] numbers with min < max")
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise _entry_error(index, entry, "aliases must be a list of non-empty strings")
    components = entry.get("components") or []
    if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
        raise _entry_error(index, entry, "components must be a list of ids")
    if len(components) == 1:
        raise _entry_error(index, entry, "a fused indicator needs at least two components")
    equivalent = entry.get("equivalent")
    if equivalent is not None:
        if (not isinstance(equivalent, dict) or set(equivalent) != {"id", "factor"}
                or not isinstance(equivalent["factor"], int | float)
                or equivalent["factor"] <= 0):
            raise _entry_error(index, entry, "equivalent must be {id, factor} with factor > 0")
        equivalent = (equivalent["id"], float(equivalent["factor"]))
    return Indicator(
        id=ident,
        name=entry["name"].strip(),
        name_en=entry["name_en"].strip(),
        unit=entry["unit"],
        direction=entry["direction"],
        category=entry["category"],
        bounds=(float(bounds[0]), float(bounds[1])),
        definition=entry["definition"].strip(),
        aliases=tuple(a.strip() for a in aliases),
        components=tuple(components),
        equivalent=equivalent,
    )


def parse_catalog(data: object) -> Catalog:
    """Validate the parsed YAML document and build a Catalog."""
    if not isinstance(data, list) or not data:
        raise CatalogError("indicator catalogue: expected a non-empty list of entries")
    indicators = [_parse_entry(i, entry) for i, entry in enumerate(data)]
    by_id: dict[str, Indicator] = {}
    for indicator in indicators:
        if indicator.id in by_id:
            raise CatalogError(f"indicator catalogue: duplicate id '{indicator.id}'")
        by_id[indicator.id] = indicator
    names: dict[str, str] = {}
    for indicator in indicators:
        for text in (indicator.name, *indicator.aliases):
            other = names.setdefault(text, indicator.id)
            if other != indicator.id:
                raise CatalogError(
                    f"indicator catalogue: name '{text}' is given to both '{other}' and "
                    f"'{indicator.id}'")
        for component in indicator.components:
            if component not in by_id or by_id[component].components:
                raise CatalogError(f"indicator catalogue, {indicator.id}: component "
                                   f"'{component}' is not a plain indicator in the catalogue")
        if indicator.equivalent and indicator.equivalent[0] not in by_id:
            raise CatalogError(f"indicator catalogue, {indicator.id}: equivalent id "
                               f"'{indicator.equivalent[0]}' is not in the catalogue")
    return Catalog(indicators=tuple(indicators), by_id=by_id)


def load_catalog_file(path: str | Path) -> Catalog:
    """Load and validate a catalogue file (not cached; for tests and tools)."""
    with open(path, encoding="utf-8") as f:
        return parse_catalog(yaml.safe_load(f))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalogue shipped with the package, loaded once."""
    text = resources.files("healthplan.catalog").joinpath("indicators.yaml").read_text("utf-8")
    # libyaml's safe loader when PyYAML has it: every command loads the catalogue, and the
    # pure-Python one takes a tenth of a second or more.
    return parse_catalog(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def get(indicator_id: str) -> Indicator:
    """The indicator with this id; ``UnknownIndicatorError`` (a KeyError) if there is none."""
    return load_catalog().get(indicator_id)


def all_indicators() -> tuple[Indicator, ...]:
    return load_catalog().indicators
