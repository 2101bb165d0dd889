"""Campaign locations (宣传点位): where a commuting-safety campaign reaches the most cases.

**Candidates** are the campaign list (大型社区 / 工业园区 / CBD / 学校 / 其他, with a point) and,
optionally, the area's POIs of those kinds.

**Demand** is the cases. The export says where each worker works (the employer's registered
address, through the register) and where the accident happened; it does not say where the
worker lives (a home address would be personal data, and the determination export carries
none), so the accident place stands in for the home side of the commute. A site *reaches* a
case when the case's workplace or its accident place lies within ``campaign_radius_m``.

**Choice**: maximal covering (:func:`~trafficprev.sites.max_cover`): ``campaign_count``
sites reaching the most cases; or the p-median variant (:func:`~trafficprev.sites.p_median`):
sites minimising the case-weighted distance from the workplaces to the nearest site. Ties go
to larger sites (规模), then to the list order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from .._errors import ArgumentError
from ..coords import from_wgs84, haversine_m
from ..groups import link_employers, register_frame
from ..network import PRECISE_LEVELS
from ..settings import Settings
from ._cover import max_cover, p_median

__all__ = ["campaign_candidates", "choose_campaign_sites", "reaches_text"]

_EARTH_M = 6_371_008.8
#: POI kinds (OSM-derived or CSV 类型) that can host a campaign, and the candidate kind they
#: become.
POI_KINDS = {
    "residential": "大型社区",
    "community": "大型社区",
    "大型社区": "大型社区",
    "小区": "大型社区",
    "社区": "大型社区",
    "industrial": "工业园区",
    "工业园": "工业园区",
    "工业园区": "工业园区",
    "产业园": "工业园区",
    "commercial": "CBD",
    "CBD": "CBD",
    "商务区": "CBD",
}


def campaign_candidates(candidates: pd.DataFrame | None, area=None) -> pd.DataFrame:
    """Campaign candidates from the list and, optionally, the area's POIs.

    Parameters
    ----------
    candidates
        ``read_campaign_candidates(...).records`` (``name``, ``kind``, ``lon``, ``lat``,
        ``size``, ``address``) or None.
    area
        When given, its POIs whose kind maps to a campaign kind (:data:`POI_KINDS`) are added
        (``source`` ``poi``), unless a listed candidate of the same name exists.

    Returns
    -------
    pandas.DataFrame
        ``name``, ``kind``, ``address``, ``size``, ``lon``, ``lat``, ``source`` (``list`` or
        ``poi``); rows without a point are dropped (``attrs["n_without_point"]``).
    """
    cols = ["name", "kind", "address", "size", "lon", "lat", "source"]
    parts = []
    if candidates is not None and len(candidates):
        c = candidates.copy()
        for col in ("address", "size"):
            if col not in c:
                c[col] = np.nan if col == "size" else ""
        parts.append(c.assign(source="list")[cols])
    if area is not None and getattr(area, "pois", None) is not None and len(area.pois):
        pois = area.pois
        kind = pois["kind"].fillna("").astype(str).map(POI_KINDS)
        sel = pois[kind.notna()]
        known = set(parts[0]["name"]) if parts else set()
        sel = sel[~sel["name"].isin(known)]
        if len(sel):
            parts.append(
                pd.DataFrame(
                    {
                        "name": sel["name"].to_numpy(),
                        "kind": kind[sel.index].to_numpy(),
                        "address": "",
                        "size": np.nan,
                        "lon": sel.geometry.x.to_numpy(),
                        "lat": sel.geometry.y.to_numpy(),
                        "source": "poi",
                    }
                )
            )
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    lon = pd.to_numeric(out["lon"], errors="coerce")
    lat = pd.to_numeric(out["lat"], errors="coerce")
    ok = lon.notna() & lat.notna()
    out = out[ok].assign(lon=lon[ok], lat=lat[ok]).reset_index(drop=True)
    out.attrs["n_without_point"] = int((~ok).sum())
    return out


def reaches_text(
    top: tuple[tuple[str, int, bool], ...],
    n_enterprises: int,
    n_accident: int,
    radius: float,
    k: int = 1,
    *,
    names: bool = True,
) -> str:
    """Whom a campaign site reaches, in words; counts below `k` shown as 少于k起.

    With ``names=False`` (public release) the enterprises are counted, not named.

    Examples
    --------
    >>> reaches_text((("测试甲公司", 5, True), ("测试乙公司", 1, False)), 2, 4, 1000, k=3)
    '单位在1000米内的2家企业：★测试甲公司（5起）、测试乙公司（少于3起）；4起事故发生在1000米内'
    """

    def count(n: int) -> str:
        return f"少于{k}" if 0 < n < k else str(n)

    listed = "、".join(f"{'★' if key else ''}{name}（{count(n)}起）" for name, n, key in top)
    if not n_enterprises:
        text = "范围内无登记企业"
    elif names and top:
        text = f"单位在{radius:g}米内的{n_enterprises}家企业：{listed}"
    else:
        text = f"单位在{radius:g}米内的{n_enterprises}家企业"
    return text + f"；{count(n_accident)}起事故发生在{radius:g}米内"


def _within(points: np.ndarray, sites: np.ndarray, radius: float) -> sparse.csr_matrix:
    """points × sites boolean matrix: haversine distance ≤ radius (lon, lat in degrees)."""
    n, m = len(points), len(sites)
    ok = np.isfinite(points).all(axis=1)
    if not ok.any() or m == 0:
        return sparse.csr_matrix((n, m), dtype=bool)
    # imported when used: scikit-learn takes about 1 s to import (hotspots._clusters)
    from sklearn.neighbors import BallTree

    tree = BallTree(np.radians(sites[:, ::-1]), metric="haversine")
    hits = tree.query_radius(np.radians(points[ok][:, ::-1]), r=radius / _EARTH_M)
    rows = np.repeat(np.flatnonzero(ok), [len(h) for h in hits])
    cols = np.concatenate(hits) if len(hits) else np.zeros(0, dtype=np.int64)
    return sparse.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n, m))


def _median_of_workplaces(
    ent: pd.Series,
    wlon: np.ndarray,
    wlat: np.ndarray,
    sites: np.ndarray,
    p: int,
    rank: np.ndarray,
) -> Any:
    """:func:`p_median` of the workplaces (each weighted by its cases) to the candidate
    `sites`, by great-circle distance; cases without a workplace point are left out."""
    has = np.isfinite(wlon)
    keys = pd.Series(ent.to_numpy()[has])
    weight = keys.value_counts()
    first = pd.Series(np.flatnonzero(has), index=keys.to_numpy()).groupby(level=0).first()
    idx = first.loc[weight.index].to_numpy()
    cost = haversine_m(wlon[idx][:, None], wlat[idx][:, None], sites[None, :, 0], sites[None, :, 1])
    return p_median(weight.to_numpy(float), cost, p, rank=rank)


def _site_rows(
    chosen: list[int],
    cover: Any,
    by_work: Any,
    by_place: Any,
    ent: pd.Series,
    reg: pd.DataFrame,
    key_codes: set[str],
    candidates: pd.DataFrame,
    radius: float,
) -> list[dict[str, Any]]:
    """One row per chosen site, in order: what it reaches (cases by workplace or accident
    place, the new ones, the enterprises most reached, the registered enterprises and their
    insured workers within the radius)."""
    seen = np.zeros(cover.shape[0], dtype=bool)
    in_reach = _within(
        reg[["lon", "lat"]].apply(pd.to_numeric, errors="coerce").to_numpy(float),
        candidates[["lon", "lat"]].to_numpy(float),
        radius,
    ).tocsc()
    insured = reg["insured"].to_numpy(float)
    rows = []
    for j in chosen:
        hit = cover[:, j].toarray().ravel()
        work = by_work[:, j].toarray().ravel()
        place = by_place[:, j].toarray().ravel()
        marginal = int((hit & ~seen).sum())
        seen |= hit
        counts = ent[work].value_counts()
        counts = counts.sort_index().sort_values(ascending=False, kind="stable")
        top = tuple(
            (str(reg["name"].get(e, e.removeprefix("名称:"))), int(n), e in key_codes)
            for e, n in counts.head(5).items()
        )
        c = candidates.iloc[j]
        near = in_reach[:, [j]].toarray().ravel()
        rows.append(
            {
                "kind": "宣传点",
                "site_kind": c["kind"],
                "name": c["name"],
                "road": "",
                "position_text": c["address"] if str(c.get("address") or "") else c["name"],
                "n_covered": int(hit.sum()),
                "marginal_cases": marginal,
                "n_workplace": int(work.sum()),
                "n_accident": int(place.sum()),
                "n_enterprises": len(counts),
                "register_enterprises": int(near.sum()),
                "register_insured": int(np.nansum(insured[near])),
                "top_enterprises": top,
                "reaches": reaches_text(top, len(counts), int(place.sum()), radius),
                "lon": float(c["lon"]),
                "lat": float(c["lat"]),
            }
        )
    return rows


def choose_campaign_sites(
    cases: pd.DataFrame,
    register: pd.DataFrame,
    candidates: pd.DataFrame,
    settings: Settings | None = None,
    *,
    method: str = "cover",
    key: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Choose campaign locations and say whom each reaches.

    Parameters
    ----------
    cases
        Geocoded commuting cases (``lon``, ``lat``, ``match_level``, ``credit_code`` /
        ``employer``).
    register
        The enterprise register (workplace points).
    candidates
        :func:`campaign_candidates`.
    settings
        ``campaign_count`` and ``campaign_radius_m``.
    method
        ``"cover"`` (maximal covering) or ``"median"`` (p-median on workplaces).
    key
        The key-enterprise list (``credit_code``, ``key``): a site reports the key
        enterprises it reaches.

    Returns
    -------
    pandas.DataFrame
        One row per chosen site, most cases reached first: ``site_id`` (``X01`` …), ``kind``
        (宣传点), ``site_kind`` (大型社区 / 工业园区 / CBD / 学校 / 其他), ``name``, ``road``
        (empty), ``position_text`` (the address, else the name), ``n_covered`` (cases whose
        workplace or accident place is within the radius), ``marginal_cases``,
        ``n_workplace``, ``n_accident``, ``n_enterprises``, ``register_enterprises`` and
        ``register_insured`` (the registered enterprises whose point lies within the radius,
        with cases or not, and their insured workers: whom a campaign there reaches),
        ``top_enterprises`` (up to five
        ``(name, cases, key)`` tuples), ``reaches`` (in words: the enterprises with most
        cases, key enterprises marked ★; :func:`reaches_text`), ``lon``, ``lat``,
        ``lon_gcj02``, ``lat_gcj02``. ``attrs``: ``objective``, ``n_cases``, ``method``,
        ``status``.
    """
    settings = settings or Settings()
    if method not in ("cover", "median"):
        raise ArgumentError(f"method must be 'cover' or 'median', got {method!r}")
    cols = ["site_id", "kind", "site_kind", "name", "road", "position_text", "n_covered",
            "marginal_cases", "n_workplace", "n_accident", "n_enterprises",
            "register_enterprises", "register_insured", "top_enterprises",
            "reaches", "lon",
            "lat", "lon_gcj02", "lat_gcj02"]  # fmt: skip
    reg = register_frame(register).set_index("credit_code")
    ent = link_employers(cases, reg.reset_index())["enterprise"]
    wlon = pd.to_numeric(ent.map(reg["lon"]), errors="coerce").to_numpy(float)
    wlat = pd.to_numeric(ent.map(reg["lat"]), errors="coerce").to_numpy(float)
    level = cases["match_level"] if "match_level" in cases else pd.Series("", index=cases.index)
    precise = level.isin(PRECISE_LEVELS).to_numpy()
    alon = np.where(precise, pd.to_numeric(cases.get("lon"), errors="coerce"), np.nan)
    alat = np.where(precise, pd.to_numeric(cases.get("lat"), errors="coerce"), np.nan)
    sites = candidates[["lon", "lat"]].to_numpy(float)
    radius = settings.campaign_radius_m
    by_work = _within(np.column_stack([wlon, wlat]), sites, radius)
    by_place = _within(np.column_stack([alon, alat]), sites, radius)
    cover = (by_work + by_place).astype(bool).tocsr()
    size = pd.to_numeric(candidates.get("size"), errors="coerce").fillna(0).to_numpy(float)
    rank = np.lexsort((np.arange(len(candidates)), -size)).argsort()
    p = min(settings.campaign_count, len(candidates))
    if p == 0 or len(cases) == 0:
        out = pd.DataFrame(columns=cols)
        out.attrs.update(objective=0.0, n_cases=len(cases), method=method, status="nothing to do")
        return out
    if method == "cover":
        res = max_cover(np.ones(len(cases)), cover, p, rank=rank)
        chosen = list(res.chosen)
        objective = float(res.objective)
    else:
        res = _median_of_workplaces(ent, wlon, wlat, sites, p, rank)
        chosen = list(res.chosen)
        objective = float(res.objective)
    reach = np.asarray(cover[:, chosen].sum(axis=0)).ravel() if chosen else np.zeros(0)
    chosen = [
        c for _, c in sorted(zip(-reach, chosen, strict=True), key=lambda t: (t[0], rank[t[1]]))
    ]
    key_codes = set(key.loc[key["key"].astype(bool), "credit_code"]) if key is not None else set()
    rows = _site_rows(chosen, cover, by_work, by_place, ent, reg, key_codes, candidates, radius)
    out = pd.DataFrame(rows)
    glon, glat = from_wgs84(out["lon"].to_numpy(float), out["lat"].to_numpy(float), "gcj02")
    out["lon_gcj02"], out["lat_gcj02"] = glon, glat
    out.insert(0, "site_id", [f"X{i + 1:02d}" for i in range(len(out))])
    out = out[cols]
    out.attrs.update(objective=objective, n_cases=len(cases), method=method, status=res.status)
    return out
