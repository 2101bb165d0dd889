"""Offline geocoding of Chinese accident-place phrases against an area gazetteer.

:func:`geocode` parses each case's place text into the slots of GA/T 1980-2022 (admin
scope, road, cross road, reference point, bearing, distance, side), matches the names
against the area (exactly, by alias, fuzzily, by pinyin), resolves a WGS-84 point with a
``match_level``, a ``confidence`` and a ``reason``, and sends what it could not place
well to a review queue whose answers (``overrides.csv``) later runs reuse.
"""

from ._cache import GeocodeCache
from ._geocode import GEOCODE_COLUMNS, GeocodeResult, geocode, geocode_texts
from ._match import Candidate, NameMatcher, area_matcher
from ._parse import PlaceSlots, parse_place, parse_places
from ._resolve import Resolution, Resolver
from ._review import LEVELS, apply_overrides, read_overrides, review_queue, write_review_queue

__all__ = [
    "GEOCODE_COLUMNS",
    "LEVELS",
    "Candidate",
    "GeocodeCache",
    "GeocodeResult",
    "NameMatcher",
    "PlaceSlots",
    "Resolution",
    "Resolver",
    "apply_overrides",
    "area_matcher",
    "geocode",
    "geocode_texts",
    "parse_place",
    "parse_places",
    "read_overrides",
    "review_queue",
    "write_review_queue",
]
