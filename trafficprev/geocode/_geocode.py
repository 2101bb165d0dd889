"""``geocode()``: every case's place text to a WGS-84 point with a level, confidence and reason."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._accounting import to_csv
from .._io import write_gpkg
from .._outdir import check_files, write_file
from ..coords import to_wgs84
from ..settings import Settings
from ._cache import GeocodeCache
from ._parse import PlaceSlots, parse_place
from ._resolve import Resolution, Resolver
from ._review import (
    GEOCODE_COLUMNS,
    LEVELS,
    apply_overrides,
    read_overrides,
    review_queue,
    text_hash,
    text_key,
    write_review_queue,
)

if TYPE_CHECKING:
    from ..area import Area

__all__ = ["GEOCODE_COLUMNS", "GeocodeResult", "geocode", "geocode_texts"]

logger = logging.getLogger(__name__)

_SLOT_COLUMNS = (
    "admin",
    "road",
    "cross_road",
    "landmark",
    "stake_km",
    "bearing",
    "toward",
    "distance_m",
    "along",
)
#: The version of what a cached result holds: bumped when the resolver's rules or the slot
#: columns change, so a cache written by an older geocoder is not read (2: the offset and
#: landmark rules O1–O6, L1–L5 and the ``along`` slot).
RESULTS_VERSION = 2
#: The columns a resolved text contributes to its cases (cache payloads are reordered to it).
_RESULT_COLUMNS = [*GEOCODE_COLUMNS, "road_id", "candidates"] + [f"slot_{c}" for c in _SLOT_COLUMNS]


@dataclass(frozen=True, eq=False)
class GeocodeResult:
    """What :func:`geocode` returns.

    Attributes
    ----------
    cases
        The input cases (no column dropped) with :data:`GEOCODE_COLUMNS`, ``road_id``,
        ``text_hash`` and point geometry (empty where not placed), in WGS-84.
    review_queue
        Cases below the confidence threshold, with parsed slots and candidates, and empty
        ``override_*`` columns for the analyst (see :func:`~trafficprev.geocode.read_overrides`).
    overrides_report
        Overrides that were not applied (``stale``: the case's text changed;
        ``unknown_case``; ``bad_candidate``).
    stats
        Counts per level, cache hits, texts geocoded and seconds.
    """

    cases: gpd.GeoDataFrame
    review_queue: pd.DataFrame
    overrides_report: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)

    def levels(self) -> pd.Series:
        """Number of cases per match level, best level first."""
        return self.cases["match_level"].value_counts().reindex(list(LEVELS), fill_value=0)

    def write(
        self, out: str | Path, *, layer: str = "cases", inputs: Sequence[str | Path] = ()
    ) -> dict[str, Path]:
        """Write ``geocoded.gpkg`` (or the path given), ``review_queue.csv`` and, if any,
        ``overrides_report.csv`` next to it; returns the paths.

        Each file is written atomically, and only where no file is, or over a file an
        earlier ``write`` put there and nobody changed since (a filled review queue saved
        over ``review_queue.csv`` is refused, not lost): see
        :func:`~trafficprev._outdir.write_file`. Every path is checked before the first
        is written.

        Raises
        ------
        OutputRefusedError
            If one of the files may not be written; nothing is written then.
        """
        out = Path(out)
        gpkg = out if out.suffix == ".gpkg" else out / "geocoded.gpkg"
        targets = {"cases": gpkg, "review_queue": gpkg.with_name("review_queue.csv")}
        if len(self.overrides_report):
            targets["overrides_report"] = gpkg.with_name("overrides_report.csv")
        check_files(targets.values(), inputs=inputs)
        writers = {
            "cases": lambda tmp: write_gpkg(tmp, {layer: self.cases}, atomic=False),
            "review_queue": lambda tmp: write_review_queue(self.review_queue, tmp),
            "overrides_report": lambda tmp: to_csv(self.overrides_report, tmp),
        }
        return {key: write_file(path, writers[key], inputs=inputs) for key, path in targets.items()}


def _admin_names(area: Area) -> list[str]:
    names = area.names
    return sorted(
        set(names.loc[names["kind"] == "admin", "name"])
        | set(names.loc[names["kind"] == "admin", "key"])
    )


def geocode_texts(
    texts: list[str], area: Area, *, resolver: Resolver | None = None
) -> tuple[list[Resolution], list[PlaceSlots]]:
    """Parse and resolve distinct place texts (no cache, no overrides).

    Returns the resolution and the parsed slots of each text, in order.
    """
    resolver = resolver or Resolver(area)
    admin = _admin_names(area)
    slots = [parse_place(t, admin_names=admin) for t in texts]
    return resolver.resolve_many(slots), slots


def _slot_values(s: PlaceSlots) -> dict[str, Any]:
    return {
        f"slot_{c}": ("|".join(s.admin) if c == "admin" else getattr(s, c)) for c in _SLOT_COLUMNS
    }


def _candidates_text(cands: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{i}) {c.get('road', '')}{'×' + c['cross_road'] if c.get('cross_road') else ''} "
        f"({c['lon']:.6f}, {c['lat']:.6f}) {c.get('level', '')} {c.get('score', '')}"
        for i, c in enumerate(cands, 1)
    )


def _resolver_key(settings: Settings) -> str:
    """The settings a resolved text depends on, as part of the cache key."""
    return f"g{settings.max_road_gap_m:g}m{settings.scope_margin_m:g}"


def geocode(
    cases: pd.DataFrame,
    area: Area,
    *,
    settings: Settings | None = None,
    overrides: str | Path | pd.DataFrame | None = None,
    cache: str | Path | GeocodeCache | None = None,
    text_col: str = "place_text",
) -> GeocodeResult:
    """Geocode every case's place text against `area`.

    Parameters
    ----------
    cases
        Cases from intake: ``decision_no``, the place text column and, optionally,
        pre-geocoded ``lon``, ``lat``, ``crs`` (used when inside the area; level ``given``).
    area
        The gazetteer (:func:`~trafficprev.area.load_area`).
    settings
        ``review_threshold``, ``max_road_gap_m`` and ``scope_margin_m`` are used (the
        last two are part of the cache key: changing one geocodes every text again).
    overrides
        ``overrides.csv`` (a filled review queue) or its frame; applied last.
    cache
        A cache file (or :class:`GeocodeCache`): texts seen before with the same area
        version (and :data:`RESULTS_VERSION`) are not geocoded again.
    text_col
        The place text column.

    Returns
    -------
    GeocodeResult
    """
    settings = settings or Settings()
    started = time.perf_counter()
    frame = cases.copy()
    # coordinates the input carries are kept as input_* and used when inside the area
    frame = frame.rename(columns={c: f"input_{c}" for c in ("lon", "lat", "crs") if c in frame})
    texts = (
        frame[text_col].fillna("").astype(str)
        if text_col in frame
        else pd.Series("", index=frame.index)
    )
    keys = texts.map(text_key)
    unique = pd.unique(keys.to_numpy())
    first_text = dict(zip(keys, texts, strict=True))
    store = (
        GeocodeCache(cache, f"{area.version}+r{RESULTS_VERSION}+{_resolver_key(settings)}")
        if isinstance(cache, str | Path)
        else cache
    )
    found: dict[str, dict[str, Any]] = store.get_many(list(unique)) if store is not None else {}
    todo = [k for k in unique if k not in found]
    resolver = Resolver(
        area, max_road_gap_m=settings.max_road_gap_m, scope_margin_m=settings.scope_margin_m
    )
    t0 = time.perf_counter()
    results, slots = geocode_texts([first_text[k] for k in todo], area, resolver=resolver)
    seconds = time.perf_counter() - t0
    fresh = {}
    for k, r, s in zip(todo, results, slots, strict=True):
        d = r.to_dict()
        d.update(_slot_values(s))
        fresh[k] = d
    if store is not None and fresh:
        store.put_many(fresh)
    found.update(fresh)
    rows = pd.DataFrame([found[k] for k in keys], index=frame.index, columns=_RESULT_COLUMNS)
    rows, n_narrative = _narrative_fallback(frame, keys, rows, area, resolver, store, found)
    if store is not None and isinstance(cache, str | Path):
        store.close()
    cand_lists = rows["candidates"]  # lists of dicts, before they become text
    rows["candidates"] = rows["candidates"].map(_candidates_text)
    for col in rows.columns:
        frame[col] = rows[col]
    frame["text_hash"] = texts.map(text_hash)
    _use_given(frame, area)
    frame, report = _with_overrides(frame, overrides, cand_lists)
    queue = review_queue(frame, threshold=settings.review_threshold)
    out = _as_points(frame)
    stats = {
        "cases": len(frame),
        "texts": len(unique),
        "geocoded": len(todo),
        "cache_hits": len(unique) - len(todo),
        "texts_per_second": round(len(todo) / seconds, 1) if seconds > 0 and todo else None,
        "levels": out["match_level"].value_counts().reindex(list(LEVELS), fill_value=0).to_dict(),
        "from_narrative": n_narrative,
        "review_queue": len(queue),
        "overrides_not_applied": len(report),
        "seconds": round(time.perf_counter() - started, 3),
    }
    logger.info(
        "geocoded %d cases (%d distinct texts, %d from cache) in %.1f s",
        len(frame),
        len(unique),
        stats["cache_hits"],
        stats["seconds"],
    )
    return GeocodeResult(out, queue, report, stats)


def _with_overrides(
    frame: pd.DataFrame, overrides: Any, cand_lists: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`frame` with the analysts' overrides applied, and the report of those not applied.

    Parameters
    ----------
    frame
        The geocoded cases.
    overrides
        None, an overrides table or the file to read it from (:func:`read_overrides`).
    cand_lists
        Each case's candidates (lists of dicts), which an override may pick by number.
    """
    report = pd.DataFrame(columns=["decision_no", "status"])
    if overrides is None:
        return frame, report
    table = overrides if isinstance(overrides, pd.DataFrame) else read_overrides(overrides)
    listed = {
        no: [(c["lon"], c["lat"], c.get("road", ""), c.get("cross_road", "")) for c in cands]
        for no, cands in zip(frame["decision_no"], cand_lists, strict=True)
    }
    return apply_overrides(frame, table, lambda no: listed.get(no, []))


def _as_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """The geocoded cases as WGS-84 points (none where unplaced), without the working
    columns (slots, candidates)."""
    ok = frame["lon"].notna() & frame["lat"].notna()
    geom = np.full(len(frame), None, dtype=object)
    geom[ok.to_numpy()] = shapely.points(
        frame.loc[ok, "lon"].astype(float), frame.loc[ok, "lat"].astype(float)
    )
    slot_cols = [c for c in frame.columns if c.startswith("slot_")]
    return gpd.GeoDataFrame(
        frame.drop(columns=[*slot_cols, "candidates"]), geometry=list(geom), crs="EPSG:4326"
    )


_VAGUE_LEVELS = ("none", "county", "township", "village")


def _narrative_fallback(
    frame: pd.DataFrame,
    primary: pd.Series,
    rows: pd.DataFrame,
    area: Area,
    resolver: Resolver,
    store: GeocodeCache | None,
    found: dict[str, dict[str, Any]],
) -> tuple[pd.DataFrame, int]:
    """Place cases whose 受伤地点 says only "上班途中" or a district by the narrative's phrase.

    `primary` holds the text keys of the place texts already resolved into `rows`. The
    narrative's phrase is used only when it gives a better (finer) level; the reason says
    so. A case placed on a road only is tried too when the narrative's phrase names the road
    travelled (沿B…行驶至A路口北约100米: rules O4 and O6 of ``docs/geocode.md``). Returns the
    rows and how many were replaced.
    """
    if "narrative_place" not in frame:
        return rows, 0
    alt = frame["narrative_place"].fillna("").astype(str)
    travelled = alt.str.contains("沿", regex=False) & (rows["match_level"] == "road")
    vague = rows["match_level"].isin(_VAGUE_LEVELS)
    want = (vague | travelled) & (alt != "") & (alt.map(text_key) != primary)
    if not want.any():
        return rows, 0
    keys = alt[want].map(text_key)
    unique = [k for k in pd.unique(keys.to_numpy()) if k not in found]
    cached = store.get_many(unique) if store is not None else {}
    found.update(cached)
    todo = [k for k in unique if k not in found]
    text_of = dict(zip(keys, alt[want], strict=True))
    results, slots = geocode_texts([text_of[k] for k in todo], area, resolver=resolver)
    fresh = {}
    for k, r, sl in zip(todo, results, slots, strict=True):
        d = r.to_dict()
        d.update(_slot_values(sl))
        fresh[k] = d
    if store is not None and fresh:
        store.put_many(fresh)
    found.update(fresh)
    rank = {level: i for i, level in enumerate(LEVELS)}
    rows = rows.copy()
    n = 0
    for idx, k in keys.items():
        new = found[k]
        if rank[new["match_level"]] < rank[rows.at[idx, "match_level"]]:
            for col in _RESULT_COLUMNS:
                rows.at[idx, col] = new.get(col)
            why = (
                "受伤地点不具体，按受伤经过中的地点定位 place column vague, placed from the "
                "narrative's place"
                if vague[idx]
                else "按受伤经过中写明的行驶道路定位 placed with the road the narrative says was "
                "travelled"
            )
            rows.at[idx, "reason"] = f"{why}；{new['reason']}"
            n += 1
    return rows, n


def _use_given(frame: pd.DataFrame, area: Area) -> None:
    """Use coordinates the input carries (经度/纬度/坐标系) when they fall in the area."""
    if "input_lon" not in frame:
        return
    raw_lon = pd.to_numeric(frame["input_lon"], errors="coerce")
    raw_lat = pd.to_numeric(frame["input_lat"], errors="coerce")
    has = raw_lon.notna() & raw_lat.notna()
    if not has.any():
        return
    crs = frame["input_crs"].astype(object).where(frame["input_crs"].notna(), "")
    crs = crs.map(lambda v: "" if v in (None, "None", "nan") else str(v))
    lon, lat = to_wgs84(
        raw_lon[has].to_numpy(float), raw_lat[has].to_numpy(float), crs[has].to_numpy()
    )
    minx, miny, maxx, maxy = area.edges.total_bounds
    pad = 0.05  # about 5 km
    inside = (lon >= minx - pad) & (lon <= maxx + pad) & (lat >= miny - pad) & (lat <= maxy + pad)
    idx = has[has].index
    use = idx[inside]
    frame.loc[use, "lon"] = lon[inside]
    frame.loc[use, "lat"] = lat[inside]
    frame.loc[use, "match_level"] = "given"
    frame.loc[use, "confidence"] = 0.9
    frame.loc[use, "reason"] = "录入坐标 coordinates given in the input"
    far = idx[~inside]
    if len(far):
        frame.loc[far, "reason"] = (
            frame.loc[far, "reason"] + "；录入坐标在区域外，未采用 given coordinates outside "
            "the area, ignored"
        )
