"""Write what is shared: ``sites.xlsx``, ``sites.gpkg`` and the three offline maps.

Everything here is written at one release level (``police`` by default; the policy is
:mod:`trafficprev.release`): site counts below *k* are suppressed and small sites lose their
circumstances (:func:`~trafficprev.release.release_sites`), the key-enterprise list carries
only its public columns (none at ``public``), the maps hold unit aggregates only. Every text
that enters them (site, candidate, enterprise and road names, places, the area's name,
period and source) first goes through a :class:`~trafficprev.privacy.Redactor`: ID numbers,
phones, plates, decision numbers and the input's worker names become placeholders. Each
file is written atomically (a temporary file, then a rename), so an interrupted run leaves
the previous file intact.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ._io import write_gpkg
from ._version import __version__
from .disclosure import disclosure_note
from .groups import key_reasons
from .hotspots import HOTSPOT_LABEL
from .maps import (
    campaign_sites_map,
    find_chromium,
    hotspots_map,
    print_pdf,
    save_offline,
    screenshot,
    sign_sites_map,
)
from .privacy import Redactor
from .release import (
    ReleasePolicy,
    k_of,
    policy,
    release_enterprises,
    release_sites,
    release_training,
)
from .settings import Settings
from .sites import write_sites_xlsx
from .targets import TargetGroups

__all__ = ["Published", "publish", "site_points"]

_SITE_LAYER_COLUMNS = [
    "site_id", "kind", "status", "name", "site_kind", "location", "approach", "road",
    "cross_road", "position_text", "facing", "facing_deg", "n_covered", "marginal_cases",
    "register_enterprises", "register_insured", "peak_hours", "circumstances", "signs",
    "facilities", "reaches", "lon_gcj02", "lat_gcj02",
]  # fmt: skip
_KEY_COLUMNS = [
    "rank", "name", "credit_code", "n_cases", "insured", "rate_per_1000", "eb_rate_per_1000",
    "reason", "trained", "trained_on", "register_note",
]  # fmt: skip


#: Id and key columns that are never redacted (the maps join on them; credit codes are no
#: personal data).
_ID_COLUMNS = ("site_id", "unit_id", "unit_ids", "candidate", "rules", "cluster_id", "line",
               "credit_code")  # fmt: skip
#: Text of the hotspot units that the maps show (as 地点).
_UNIT_TEXT = ("road", "cross_road", "name", "place", "place_text")


def _redacted(redact: Redactor, result, area):
    """`result` and `area` with the text the maps show redacted: the units' road names and
    the area's name and road names (the basemap). Nothing else of them reaches a map."""
    units = result.units
    units = redact.frame(units, [c for c in _UNIT_TEXT if c in units])
    result = dataclasses.replace(result, units=units)
    if dataclasses.is_dataclass(area):
        edges = redact.frame(area.edges, [c for c in ("name",) if c in area.edges])
        area = dataclasses.replace(area, name=redact(area.name), edges=edges)
    return result, area


_CRS_NOTE = "经纬度为 WGS-84（与天地图 CGCS2000 一致）；另列 GCJ-02，可直接用于高德、腾讯地图"
_SIGN_NOTE = "GB 5768.2-2022《道路交通标志和标线 第2部分：道路交通标志》；点位须经交警部门现场核实"


@dataclass(frozen=True)
class Published:
    """Paths written by :func:`publish` (``None`` for what was not written)."""

    sites_xlsx: Path
    sites_gpkg: Path
    maps: dict[str, Path]
    prints: dict[str, Path]


def site_points(
    frame: pd.DataFrame, columns: list[str] | None = _SITE_LAYER_COLUMNS
) -> gpd.GeoDataFrame:
    """Sites as WGS-84 points with text columns as strings (a GeoPackage layer).

    Parameters
    ----------
    frame
        Sites with ``lon`` and ``lat``.
    columns
        Columns to keep (default: the shareable ones); None keeps every column except the
        enterprise tuples of campaign sites.
    """
    keep = (
        [c for c in columns if c in frame]
        if columns is not None
        else [c for c in frame.columns if c != "top_enterprises"]
    )
    data = frame[keep].copy()
    for c in data.columns:
        if data[c].dtype == object:
            data[c] = data[c].fillna("").astype(str)
    geom = shapely.points(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    return gpd.GeoDataFrame(data, geometry=geom, crs="EPSG:4326")


def _redacted_frames(redact: Redactor, *frames: pd.DataFrame | None) -> list:
    """`frames` with every text column but the id columns redacted (``None`` stays ``None``).

    Parameters
    ----------
    redact
        The redactor of the run.
    *frames
        The sites, candidates, key enterprises, emerging classes and peaks.

    Returns
    -------
    list
        The frames in the same order.
    """
    return [None if frame is None else redact.frame(frame, skip=_ID_COLUMNS) for frame in frames]


def _key_sheet(
    key: pd.DataFrame | None, release: str, settings: Settings, level: ReleasePolicy
) -> pd.DataFrame | None:
    """The 重点企业 sheet: the released key enterprises with their public columns.

    Parameters
    ----------
    key
        :func:`~trafficprev.groups.key_enterprises` (redacted), or ``None``.
    release, settings
        The release level and the settings of the run.
    level
        ``policy(release)``.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` when there is no `key` or the level publishes no enterprises.
    """
    if key is None or not level.enterprises:
        return None
    released = release_enterprises(key, release, settings, reasons=key_reasons)
    return released[released["key"].astype(bool).to_numpy()][
        [c for c in _KEY_COLUMNS if c in released]
    ].copy()


def _training_sheet(
    targets: TargetGroups | None, redact: Redactor, release: str, settings: Settings
) -> pd.DataFrame | None:
    """The 培训对象 sheet: the called-out target groups at the release level (None
    without target groups)."""
    if targets is None:
        return None
    groups, ents, places, hours = _redacted_frames(
        redact, targets.groups, targets.enterprises, targets.places, targets.hours
    )
    return release_training(groups, ents, places, hours, release, settings)


def _notes(
    settings: Settings, release: str, level: ReleasePolicy, k: int, period: str, source: str
) -> list[tuple[str, str]]:
    """The rows of the 说明 sheet that have a text.

    Parameters
    ----------
    settings
        The site settings (reach, spacing, campaign radius).
    release, level, k
        The release level, its policy and its small-count threshold.
    period, source
        The period and the data source in words (redacted).

    Returns
    -------
    list of (str, str)
    """
    method = (
        f"最大覆盖模型（精确求解）：每处标志覆盖前方{settings.sign_reach_m:g}米内的事故，"
        f"同向标志间距不小于{settings.sign_spacing_m:g}米；宣传点覆盖单位所在地或事故地点"
        f"{settings.campaign_radius_m:g}米内的事故"
    )
    notes = [
        ("时段", period),
        ("数据来源", source),
        ("发布级别", level.label),
        ("小数字抑制", disclosure_note(k, release) or "无"),
        ("坐标系", _CRS_NOTE),
        ("标志依据", _SIGN_NOTE),
        ("选址方法", method),
        ("说明", HOTSPOT_LABEL),
        ("生成工具", f"trafficprev {__version__}"),
    ]
    return [n for n in notes if n[1]]


def _write_maps(
    maps_dir: Path,
    *,
    result,
    area,
    settings: Settings,
    sign_sites: pd.DataFrame,
    campaign_sites: pd.DataFrame,
    campaign_candidates: pd.DataFrame,
    emerging: pd.DataFrame | None,
    peaks: pd.DataFrame | None,
    **kw,
) -> dict[str, Path]:
    """Write the three offline maps into `maps_dir`.

    Parameters
    ----------
    maps_dir
        The run's ``maps/`` folder (it exists).
    result, area, settings, sign_sites, campaign_sites, campaign_candidates, emerging, peaks
        As in :func:`publish` (redacted).
    **kw
        ``release``, ``period``, ``source`` and ``tiles`` for every map.

    Returns
    -------
    dict of str to Path
        ``hotspots``, ``sign_sites`` and ``campaign_sites``.
    """
    return {
        "hotspots": save_offline(
            hotspots_map(result, area, settings, emerging=emerging, peaks=peaks, **kw),
            maps_dir / "hotspots.html",
        ),
        "sign_sites": save_offline(
            sign_sites_map(sign_sites, result, area, settings, **kw),
            maps_dir / "sign_sites.html",
        ),
        "campaign_sites": save_offline(
            campaign_sites_map(campaign_sites, campaign_candidates, area, settings, **kw),
            maps_dir / "campaign_sites.html",
        ),
    }


def _print_maps(maps: dict[str, Path]) -> dict[str, Path]:
    """A PNG and an A4-landscape PDF of every map, next to it (headless Chromium).

    Parameters
    ----------
    maps
        The written maps by name.

    Returns
    -------
    dict of str to Path
        ``<name>.png`` and ``<name>.pdf`` for every map.
    """
    printed: dict[str, Path] = {}
    for name, path in maps.items():
        printed[f"{name}.png"] = screenshot(path, path.with_suffix(".png"))
        printed[f"{name}.pdf"] = print_pdf(path, path.with_suffix(".pdf"))
    return printed


def publish(
    out_dir: str | Path,
    *,
    result,
    area,
    sign_sites: pd.DataFrame,
    campaign_sites: pd.DataFrame,
    campaign_candidates: pd.DataFrame,
    key: pd.DataFrame | None = None,
    emerging: pd.DataFrame | None = None,
    peaks: pd.DataFrame | None = None,
    settings: Settings | None = None,
    release: str = "police",
    period: str = "",
    source: str = "",
    prints: bool = False,
    tiles=None,
    redact: Redactor | None = None,
    targets: TargetGroups | None = None,
) -> Published:
    """Write ``sites.xlsx``, ``sites.gpkg`` and ``maps/*.html`` for one release level.

    Parameters
    ----------
    out_dir
        The run folder (``maps/`` is created inside it).
    result, area
        The hotspot result and its area.
    sign_sites, campaign_sites, campaign_candidates
        :func:`~trafficprev.sites.choose_sign_sites`,
        :func:`~trafficprev.sites.choose_campaign_sites` and the candidates.
    key
        :func:`~trafficprev.groups.key_enterprises` (only rows with ``key`` go to the
        重点企业 sheet; not written for ``public``).
    emerging, peaks
        Emerging classes and peak windows per unit for the hotspot map's tooltips.
    settings
        ``k_police`` / ``k_public`` and the site settings.
    release
        ``police`` (default), ``public`` or ``internal``.
    period, source
        The period and the data source in words, for titles and the 说明 sheet.
    prints
        Also write ``maps/*.png`` and A4-landscape ``maps/*.pdf`` through headless Chromium
        (skipped with a note in the result when Chromium is not installed).
    tiles
        An optional :func:`~trafficprev.maps.tile_layer` for the maps.
    redact
        What every shared text goes through before anything is written: the sites (every
        text column, the enterprise names of a campaign site's reach), the campaign
        candidates, the key enterprises, the units' road names, the peaks, the area's road
        names and name, `period` and `source`. The run passes
        ``Redactor(known=personal_values(protected, cases))`` (shapes and the input's worker
        names, ID numbers, phones, decision numbers); default ``Redactor()``: shapes only.
    targets
        :func:`~trafficprev.targets.target_groups`, for the 培训对象 sheet (redacted, then
        :func:`~trafficprev.release.release_training`); None: no such sheet.

    Returns
    -------
    Published
    """
    settings = settings or Settings()
    level = policy(release)
    # personal data in any shared text becomes a placeholder before anything is written
    redact = Redactor() if redact is None else redact
    result, area = _redacted(redact, result, area)
    sign_sites, campaign_sites, campaign_candidates, key, emerging, peaks = _redacted_frames(
        redact, sign_sites, campaign_sites, campaign_candidates, key, emerging, peaks
    )
    period, source = redact(period), redact(source)
    k = k_of(release, settings)
    out = Path(out_dir)
    (out / "maps").mkdir(parents=True, exist_ok=True)
    signs = release_sites(sign_sites, release, settings, units=result.units)
    camp = release_sites(campaign_sites, release, settings, units=result.units)
    sites = pd.concat([signs, camp], ignore_index=True)
    ents = _key_sheet(key, release, settings, level)
    notes = _notes(settings, release, level, k, period, source)
    training = _training_sheet(targets, redact, release, settings)
    xlsx = write_sites_xlsx(out / "sites.xlsx", sites, ents, notes=notes, training=training)
    layers = {"sign_sites": site_points(signs), "campaign_sites": site_points(camp)}
    gpkg = write_gpkg(out / "sites.gpkg", layers)
    maps = _write_maps(
        out / "maps",
        result=result,
        area=area,
        settings=settings,
        sign_sites=sign_sites,
        campaign_sites=campaign_sites,
        campaign_candidates=campaign_candidates,
        emerging=emerging,
        peaks=peaks,
        release=release,
        period=period,
        source=source,
        tiles=tiles,
    )
    printed = _print_maps(maps) if prints and find_chromium() is not None else {}
    return Published(xlsx, gpkg, maps, printed)
