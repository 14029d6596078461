"""The canonical indicator catalogue and the matching of printed names and units to it.

    >>> from healthplan import catalog
    >>> catalog.get("infant_mortality").unit
    '‰'
    >>> m = catalog.match("毎千人口执业(助理)医师", "人")
    >>> (m.indicator_id, m.method)
    ('physicians_per_1000', 'normalised')
"""

from .catalog import (
    CATEGORIES,
    DIRECTIONS,
    UNITS,
    Catalog,
    CatalogError,
    Indicator,
    UnknownIndicatorError,
    all_indicators,
    get,
    load_catalog,
    load_catalog_file,
)
from .matching import METHODS, Match, comparable, match, match_all, normalise_name, similarity
from .units import normalise_unit, unit_factor

__all__ = [
    "CATEGORIES",
    "DIRECTIONS",
    "METHODS",
    "UNITS",
    "Catalog",
    "CatalogError",
    "Indicator",
    "Match",
    "UnknownIndicatorError",
    "all_indicators",
    "comparable",
    "get",
    "load_catalog",
    "load_catalog_file",
    "match",
    "match_all",
    "normalise_name",
    "normalise_unit",
    "similarity",
    "unit_factor",
]
