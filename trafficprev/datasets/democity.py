"""示范市, the synthetic demo city: generate its files from a seed.

``make_demo_city(out_dir)`` writes everything a user of trafficprev has — an OpenStreetMap
road file, an admin-divisions table, POIs, campaign candidates, the enterprise register and
determination exports (two ``.xlsx`` and one GB18030 ``.csv``) — plus a ``truth/`` folder
that only tests and benchmarks read (true points, planted hotspots, raised-rate
enterprises). The precision project's inputs (the year before, the contributions and payouts
ledgers, occupational diseases and planted enterprises) come from
:mod:`trafficprev.datasets._precision_demo`, the two planted target groups (夜班下班,
清晨步行过街) from :mod:`trafficprev.datasets._group_demo`. Every file says it is synthetic
(合成演示数据). The same configuration gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..coords import compass
from ._case_text import (
    REF_KINDS,
    CaseFacts,
    Place,
    basis_text,
    narrative_text,
    place_text,
    time_text,
)
from ._cases import DemoConfig, Simulation, haversine_m, simulate
from ._synthetic import fake_id, fake_phone, worker_name
from ._world import (
    World,
    build_world,
    write_campaign_candidates_csv,
    write_divisions_csv,
    write_enterprises_csv,
    write_osm,
    write_pois_csv,
)
from ._xlsx import Sheet, write_xlsx

__all__ = ["DemoConfig", "make_demo_city"]

HEADER = [
    "认定书编号",
    "职工姓名",
    "身份证号码",
    "性别",
    "年龄",
    "联系电话",
    "用人单位",
    "统一社会信用代码",
    "所属行业",
    "受伤时间",
    "受伤地点",
    "受伤经过",
    "事故责任",
    "认定依据",
    "认定结论",
    "认定日期",
    "伤情",
]
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)
_REFUSALS = (
    ["本人主要责任", "非合理时间", "非合理路线", "非交通事故", "劳动关系不成立", "第十六条"],
    [0.65, 0.08, 0.07, 0.10, 0.07, 0.03],
)
_SEVERITY = (["轻伤", "重伤", "死亡"], [0.8, 0.18, 0.02])


# --- places ---------------------------------------------------------------------------


class _Gazette:
    """What a clerk knows about the city when writing a place: junctions, POIs, villages."""

    def __init__(self, world: World, sim: Simulation) -> None:
        self.world = world
        self.nodes = world.nodes.set_index("node_id")
        self.j_roads = sim.junctions.set_index("node_id")["roads"]
        self.pois = world.pois[
            world.pois["kind"].isin(
                [
                    "community",
                    "large_community",
                    "school",
                    "hospital",
                    "market",
                    "bus_station",
                    "landmark",
                    "park",
                ]
            )
        ].reset_index(drop=True)
        div = world.divisions
        self.villages = div[div["level"] == 5].reset_index(drop=True)
        self.div_name = div.set_index("code")["name"]
        self.div_parent = div.set_index("code")["parent_code"]
        self.div_alias = div.set_index("code")["aliases"].fillna("")
        self.way_district = world.ways.set_index("way_id")["district_code"]
        self.way_highway = world.ways.set_index("way_id")["highway"]

    def district(self, way_id: int, rng: np.random.Generator) -> tuple[str | None, str | None]:
        code = self.way_district.get(way_id)
        if code is None or rng.random() < 0.6:
            return None, None
        alias = str(self.div_alias.get(code, "")).split("|")[0]
        if alias and rng.random() < 0.6:
            return None, alias
        return str(self.div_name.get(code)), None

    def nearest_poi(self, lon: float, lat: float) -> tuple[str, float]:
        d = haversine_m(self.pois["lon"].to_numpy(), self.pois["lat"].to_numpy(), lon, lat)
        i = int(np.argmin(d))
        return str(self.pois.at[i, "name"]), float(d[i])

    def nearest_village(self, lon: float, lat: float) -> tuple[pd.Series, float]:
        d = haversine_m(self.villages["lon"].to_numpy(), self.villages["lat"].to_numpy(), lon, lat)
        i = int(np.argmin(d))
        return self.villages.iloc[i], float(d[i])


#: Homophone slips a clerk makes in road names (郎州 for 朗州 in Changde; domain.md §1.5).
_HOMOPHONES = {
    "建设": "健设",
    "朝阳": "朝羊",
    "迎宾": "迎滨",
    "滨江": "宾江",
    "解放": "介放",
    "工业": "工叶",
    "人民": "仁民",
    "青年": "清年",
    "光明": "光名",
    "长安": "常安",
    "学院": "学苑",
    "车站": "车战",
    "北环": "北还",
    "东环": "东还",
    "晓月": "晓悦",
}


def _with_typo(place: Place, rng: np.random.Generator, share: float) -> Place:
    """With probability `share`, misspell the road (or cross road) by a homophone."""
    if rng.random() >= share:
        return place
    for name in (place.road, place.cross_road):
        for right, wrong in _HOMOPHONES.items():
            if name and right in name:
                return replace(place, typo_of={name: name.replace(right, wrong)})
    return place


def _place(
    acc: pd.Series, gz: _Gazette, rng: np.random.Generator, config: DemoConfig
) -> tuple[Place, str]:
    """The place a clerk would write for accident `acc` (sometimes misspelt), and its kind."""
    place, kind = _true_place(acc, gz, rng, config)
    return _with_typo(place, rng, config.typo_share), kind


def _true_place(
    acc: pd.Series, gz: _Gazette, rng: np.random.Generator, config: DemoConfig
) -> tuple[Place, str]:
    """The place a clerk would write for accident `acc`, and its kind."""
    acc = acc.copy()
    for key in ("road", "ref"):
        acc[key] = acc[key] if isinstance(acc[key], str) and acc[key] else None
    if rng.random() < config.unresolvable_share:
        return Place(kind="unresolvable"), "unresolvable"
    district, zone = gz.district(int(acc["way_id"]), rng)
    roads = acc["junction_roads"]
    if isinstance(roads, tuple) and len(roads) >= 2:
        a, b = (roads[0], roads[1]) if rng.random() < 0.5 else (roads[1], roads[0])
        return Place(
            kind="intersection", road=a, cross_road=b, district=district, zone_alias=zone
        ), "intersection"
    lon, lat = float(acc["true_lon"]), float(acc["true_lat"])
    highway = str(gz.way_highway.get(int(acc["way_id"]), ""))
    if acc["ref"] and (acc["road"] is None or highway in {"unclassified", "track", "tertiary"}):
        village, dv = gz.nearest_village(lon, lat)
        if dv < 1500 and rng.random() < 0.4:
            town = gz.div_name.get(village["parent_code"])
            return Place(
                kind="village", town=town, village=village["name"], ref=acc["ref"]
            ), "village"
        if acc["ref"][0] not in REF_KINDS:  # a village road (C…) has no stakes
            town = gz.div_name.get(village["parent_code"])
            return Place(
                kind="village", town=town, village=village["name"], ref=acc["ref"]
            ), "village"
        # synthetic stake: kilometres east of the city's western edge (monotone along a road)
        km = haversine_m(gz.nodes["lon"].min(), lat, lon, lat) / 1000
        stake_km, stake_m = divmod(int(km * 1000), 1000)
        return Place(
            kind="stake",
            ref=acc["ref"],
            ref_kind=acc["ref"][0],
            stake_km=stake_km,
            stake_m=stake_m // 10 * 10,
            road=acc["road"],
        ), "stake"
    if acc["road"] is None:
        name, d = gz.nearest_poi(lon, lat)
        if d < 250:
            return Place(kind="gate" if d < 80 else "landmark", landmark=name), "landmark"
        return Place(kind="unresolvable"), "unresolvable"
    # on a named road: offset from the nearer junction of this road, else a landmark
    best = None
    for end in (int(acc["edge_u"]), int(acc["edge_v"])):
        jr = gz.j_roads.get(end)
        if isinstance(jr, tuple) and acc["road"] in jr:
            d = float(haversine_m(gz.nodes.at[end, "lon"], gz.nodes.at[end, "lat"], lon, lat))
            if best is None or d < best[1]:
                best = (end, d, next(r for r in jr if r != acc["road"]))
    if best is not None and 20 <= best[1] <= 400 and rng.random() < 0.7:
        end, d, cross = best
        bearing = _bearing(gz.nodes.at[end, "lon"], gz.nodes.at[end, "lat"], lon, lat)
        return Place(
            kind="offset",
            road=acc["road"],
            cross_road=cross,
            bearing=bearing,
            distance_m=max(10, round(d / 10) * 10),
            district=district,
            zone_alias=zone,
        ), "offset"
    name, d = gz.nearest_poi(lon, lat)
    if d < 200 and rng.random() < 0.7:
        return Place(
            kind="gate" if d < 80 else "landmark",
            road=acc["road"],
            landmark=name,
            district=district,
        ), "landmark"
    kind = "road_section" if rng.random() < 0.5 else "road_only"
    return Place(kind=kind, road=acc["road"], district=district, zone_alias=zone), kind


def _bearing(lon1: float, lat1: float, lon2: float, lat2: float) -> str:
    dx = (lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    return compass(dx, lat2 - lat1)


# --- determinations -----------------------------------------------------------------------


def _responsibility(rng: np.random.Generator, counterpart: str, refused: str | None) -> str:
    if refused == "本人主要责任":
        return str(rng.choice(["主要", "全部"], p=[0.8, 0.2]))
    if counterpart == "动物":
        return "意外"
    if counterpart == "单方":
        return str(rng.choice(["意外", "未认定"]))
    if counterpart == "逃逸未查获":
        return str(rng.choice(["无", "未认定"], p=[0.6, 0.4]))
    return str(
        rng.choice(["无", "次要", "同等", "意外", "未认定"], p=[0.52, 0.25, 0.15, 0.03, 0.05])
    )


def _workplace_time(rng: np.random.Generator, quarters: tuple[str, ...]) -> dt.datetime:
    q = quarters[int(rng.integers(len(quarters)))]
    year, qq = int(q[:4]), int(q[-1])
    start = dt.date(year, 3 * qq - 2, 1)
    day = start + dt.timedelta(days=int(rng.integers(89)))
    return dt.datetime.combine(day, dt.time(int(rng.integers(8, 18)), int(rng.integers(60))))


def _case_facts(
    acc: dict,
    name: str,
    employer: str,
    when: dt.datetime,
    decision: tuple[str, str | None, str],
    gz: _Gazette,
    rng: np.random.Generator,
    config: DemoConfig,
) -> tuple[CaseFacts, str | None]:
    """The facts of one determination and the kind of its written place (None off the road).

    `acc` is the simulated accident (empty for an injury at the workplace); `decision` is
    the conclusion, the refusal reason and the severity.
    """
    conclusion, refused, severity = decision
    if not acc:
        facts = CaseFacts(
            worker=name,
            employer=employer,
            when=when,
            direction="无",
            mode="其他",
            counterpart="未知",
            responsibility="未认定",
            conclusion=conclusion,
            refusal_reason=refused,
            traffic=False,
            place=None,
            workplace_event=None,
            severity=severity,
        )
        return facts, None
    place, kind = _place(pd.Series(acc), gz, rng, config)
    facts = CaseFacts(
        worker=name,
        employer=employer,
        when=when,
        direction=acc["direction"],
        mode=acc["mode"],
        counterpart=acc["counterpart"],
        responsibility=_responsibility(rng, acc["counterpart"], refused),
        conclusion=conclusion,
        refusal_reason=refused,
        traffic=refused != "非交通事故",
        place=place,
        workplace_event=None,
        severity=severity,
    )
    return facts, kind


def _decision(
    rng: np.random.Generator, commuting: bool, config: DemoConfig
) -> tuple[str, str | None, str]:
    """The conclusion, the refusal reason (None when recognised) and the severity."""
    refused = None
    if commuting and rng.random() < config.refused_share:
        refused = str(rng.choice(_REFUSALS[0], p=_REFUSALS[1]))
    elif not commuting and rng.random() < 0.04:
        refused = "劳动关系不成立"
    conclusion = "不予认定" if refused else "认定工伤"
    return conclusion, refused, str(rng.choice(_SEVERITY[0], p=_SEVERITY[1]))


def _responsibility_cell(rng: np.random.Generator, commuting: bool, facts: CaseFacts) -> str:
    """The 事故责任 cell: filled for about 30 % of commuting cases."""
    if commuting and rng.random() < 0.3 and facts.responsibility not in ("未认定",):
        return f"{facts.responsibility}责任" if facts.responsibility != "意外" else "交通意外"
    return ""


def _truth_row(
    decision_no: str, acc: dict, facts: CaseFacts, kind: str | None, code: str | None
) -> dict[str, object]:
    """The truth row of one determination: where the accident really was."""
    commuting, refused = bool(acc), facts.refusal_reason
    return {
        "decision_no": decision_no,
        "commuting": commuting,
        "traffic": commuting and refused != "非交通事故",
        "refused": bool(refused),
        "place_kind": kind,
        "true_lon": acc.get("true_lon"),
        "true_lat": acc.get("true_lat"),
        "way_id": acc.get("way_id"),
        "road": acc.get("road"),
        "at_node": acc.get("at_node"),
        "hotspot_id": acc.get("hotspot_id"),
        "typo": next((f"{a}→{b}" for a, b in (facts.place.typo_of or {}).items()), None)
        if facts.place is not None
        else None,
        "credit_code": code,
    }


def determinations(
    world: World,
    sim: Simulation,
    config: DemoConfig,
    *,
    stream: int = 3,
    weights: pd.Series | None = None,
    first_worker: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write every determination row (texts included) and its truth row.

    Parameters
    ----------
    world, sim, config
        The city, its commuting accidents and the configuration.
    stream
        The seed stream: the generator is ``default_rng([config.seed, stream])``.
    weights
        Per credit code, a factor on the insured headcount by which workplace injuries are
        drawn (None: 1 for every enterprise).
    first_worker
        Index of the first synthetic worker name.

    Returns
    -------
    rows
        One row per determination with the export's Chinese columns, plus ``_year``,
        ``_quarter`` (used to split the exports) and ``_when`` (the injury time).
    truth
        ``decision_no``, ``commuting``, true point, way, road, hotspot id, place kind.
    """
    rng = np.random.default_rng([config.seed, stream])
    gz = _Gazette(world, sim)
    ents = world.enterprises.sort_values("credit_code", ignore_index=True).set_index("credit_code")
    quarters = config.quarter_list()
    items: list[tuple[dt.datetime, str | None, dict]] = []
    for acc in sim.accidents.itertuples(index=False):
        items.append((acc.injured_at, acc.credit_code, acc._asdict()))
    n_other = config.n_determinations - len(items)
    p = ents["insured"].to_numpy(float)
    if weights is not None:
        p = p * ents.index.map(weights).fillna(1.0).to_numpy(float)
    for code in ents.index[rng.choice(len(ents), size=max(0, n_other), p=p / p.sum())]:
        items.append((_workplace_time(rng, quarters), code, {}))
    items.sort(key=lambda it: (it[0], it[1] or ""))

    rows, truth = [], []
    seq: dict[int, int] = {}
    for i, (when, code, acc) in enumerate(items):
        ent = ents.loc[code]
        male = rng.random() < 0.58
        age = int(np.clip(rng.normal(42, 10), 18, 63))
        birth = dt.date(when.year - age, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        name = worker_name(first_worker + i)
        commuting = bool(acc)
        conclusion, refused, severity = _decision(rng, commuting, config)
        facts, kind = _case_facts(
            acc, name, ent["name"], when, (conclusion, refused, severity), gz, rng, config
        )
        in_place_cell = commuting and rng.random() < 0.7
        narrative = narrative_text(facts, rng, include_place=True)
        place_cell = (
            place_text(facts.place, rng)
            if in_place_cell and facts.place
            else ("" if commuting else str(rng.choice(["", "单位车间", "厂区内", "工作岗位"])))
        )
        decided = when.date() + dt.timedelta(days=int(rng.integers(25, 90)))
        seq[decided.year] = seq.get(decided.year, 0) + 1
        decision_no = f"示人社工伤认字〔{decided.year}〕{seq[decided.year]:04d}号"
        resp_cell = _responsibility_cell(rng, commuting, facts)
        rows.append(
            {
                "认定书编号": decision_no,
                "职工姓名": name,
                "身份证号码": fake_id(rng, birth, male),
                "性别": "男" if male else "女",
                "年龄": str(age) if rng.random() < 0.8 else "",
                "联系电话": fake_phone(rng),
                "用人单位": ent["name"],
                "统一社会信用代码": code,
                "所属行业": ent["industry"],
                "受伤时间": time_text(when, rng),
                "受伤地点": place_cell,
                "受伤经过": narrative,
                "事故责任": resp_cell,
                "认定依据": basis_text(facts, rng),
                "认定结论": "不予认定工伤"
                if refused
                else str(rng.choice(["认定工伤", "予以认定"], p=[0.85, 0.15])),
                "认定日期": f"{decided:%Y-%m-%d}",
                "伤情": severity,
                "_year": when.year,
                "_quarter": f"{when.year}Q{(when.month - 1) // 3 + 1}",
                "_when": when,
            }
        )
        truth.append(_truth_row(decision_no, acc, facts, kind, code))
    return pd.DataFrame(rows), pd.DataFrame(truth)


# --- writers -------------------------------------------------------------------------------


_NOTE = "本工作簿为 trafficprev 生成的合成演示数据（示范市），不含任何真实个人或单位信息。"


def _write_xlsx(path: Path, title: str, rows: pd.DataFrame) -> None:
    """An export as an agency system writes it: a merged title row, the header, the rows."""
    write_xlsx(
        path,
        [
            Sheet("认定台账", [HEADER, *rows[HEADER].itertuples(index=False)], title=title),
            Sheet("说明", [[_NOTE]]),
        ],
        creator="trafficprev demo city (合成演示数据)",
    )


def _write_csv(path: Path, title: str, rows: pd.DataFrame, encoding: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([title])
    writer.writerow(HEADER)
    writer.writerows(rows[HEADER].itertuples(index=False))
    path.write_bytes(buf.getvalue().encode(encoding))


def _bad_rows(
    rows: pd.DataFrame, rng: np.random.Generator, added: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The 2024Q4 CSV: re-exported rows (duplicates), one revised row, two bad rows; the
    duplicated and bad rows are chosen among `rows`, the last quarter's `added` rows are
    sorted in by time."""
    q4 = rows[rows["_quarter"] == rows["_quarter"].max()].copy()
    q3 = rows[rows["_quarter"] < rows["_quarter"].max()]
    again = q3.iloc[-13:-1].copy()  # re-exported: identical duplicates
    revised = q3.tail(1).copy()  # re-exported with a revision
    revised["伤情"] = "重伤" if revised["伤情"].iloc[0] != "重伤" else "死亡"
    revised["认定日期"] = (
        pd.Timestamp(revised["认定日期"].iloc[0]) + pd.Timedelta(days=20)
    ).strftime("%Y-%m-%d")
    bad_time = q4.head(1).copy()
    bad_time["认定书编号"] = bad_time["认定书编号"].str.replace("号", "-补号", regex=False)
    bad_time["受伤时间"] = "上周三早上"
    no_employer = q4.iloc[[1]].copy()
    no_employer["认定书编号"] = no_employer["认定书编号"].str.replace("号", "-补2号", regex=False)
    no_employer["用人单位"] = ""
    if added is not None:
        late = added[added["_quarter"] == q4["_quarter"].max()]
        q4 = pd.concat([q4, late]).sort_values("_when", kind="stable")
    return pd.concat([again, q4, revised, bad_time, no_employer], ignore_index=True)


MEASURE_HEADER = ["类型", "道路或单位", "经度", "纬度", "坐标系", "实施日期"]


def _quarter_start(quarter: str) -> dt.date:
    return dt.date(int(quarter[:4]), 3 * int(quarter[-1]) - 2, 1)


def demo_measures(
    world: World, sim: Simulation, config: DemoConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Existing measures of the demo city, and their planted truth.

    Warning signs at every fading hotspot, installed on the first day after its risk ends
    (the planted change: the hotspot's extra risk stops); a sign at the first persistent
    hotspot half-way through the period (nothing changes: a null effect the evaluation must
    not call a success); training at two risky enterprises and at the two largest ordinary
    ones half-way through (nothing changes). Draws no random numbers, so the other files
    do not depend on it.
    """
    quarters = config.quarter_list()
    middle = _quarter_start(quarters[len(quarters) // 2])
    rows, truth = [], []
    hot = sim.hotspots.sort_values("hotspot_id")
    fading = hot[hot["pattern"] == "fading"]
    persistent = hot[hot["pattern"] == "persistent"].head(1)
    for h, when, change in [
        *((h, None, "risk_ends") for h in fading.itertuples()),
        *((h, middle, "none") for h in persistent.itertuples()),
    ]:
        if when is None:
            after = quarters.index(h.quarters_active[-1]) + 1
            if after >= len(quarters):
                continue
            when = _quarter_start(quarters[after])
        target = f"{h.road}与{h.cross_road}交叉口" if h.kind == "intersection" else f"{h.road}"
        rows.append(["警示标志", target, f"{h.lon:.7f}", f"{h.lat:.7f}", "WGS84", when.isoformat()])
        truth.append(("警示标志", target, h.hotspot_id, when.isoformat(), change))
    risky = sim.risky_enterprises.sort_values("credit_code").head(2)
    ents = world.enterprises
    ordinary = (
        ents[~ents["credit_code"].isin(sim.risky_enterprises["credit_code"])]
        .sort_values(["insured", "credit_code"], ascending=[False, True])
        .head(2)
    )
    for e in [*risky.itertuples(), *ordinary.itertuples()]:
        rows.append(["培训", e.name, "", "", "", middle.isoformat()])
        truth.append(("培训", e.name, e.credit_code, middle.isoformat(), "none"))
    public = pd.DataFrame(rows, columns=MEASURE_HEADER)
    planted = pd.DataFrame(
        truth, columns=["kind", "target", "hotspot_or_credit_code", "implemented_on", "planted"]
    )
    return public, planted


def make_demo_city(out_dir: str | Path, config: DemoConfig | None = None) -> dict[str, Path]:
    """Generate the demo city's files into `out_dir`.

    Parameters
    ----------
    out_dir
        Folder to write (created). ``truth/`` inside it holds the planted truth.
    config
        Size, seed, quarters and hotspot strength; defaults give the shipped ``data/demo``.

    Returns
    -------
    dict
        Name -> path of every file written.
    """
    config = config or DemoConfig()
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    world = build_world(config.seed, scale=config.scale)
    sim = simulate(world, config)
    rows, truth = determinations(world, sim, config)
    rng = np.random.default_rng([config.seed, 4])
    paths = {
        "roads": out / "demo_city.osm",
        "divisions": out / "admin_divisions.csv",
        "pois": out / "pois.csv",
        "campaign_sites": out / "campaign_sites.csv",
        "enterprises": out / "enterprises.csv",
        "measures": out / "measures.csv",
    }
    write_osm(world, paths["roads"])
    write_divisions_csv(world, paths["divisions"])
    write_pois_csv(world, paths["pois"])
    write_campaign_candidates_csv(world, paths["campaign_sites"])
    write_enterprises_csv(world, paths["enterprises"])
    measures, measures_truth = demo_measures(world, sim, config)
    # the precision project's data (imported here: that module builds on this one)
    from ._precision_demo import precision_data, write_precision

    extra = precision_data(world, sim, config, (rows, truth), measures_truth)
    # the planted target groups (their own seed streams), added to the 2023–2024 exports
    from ._group_demo import with_groups, write_groups

    extra, groups = with_groups(world, sim, config, extra)
    measures = pd.concat([measures, extra.measures], ignore_index=True)
    measures_truth = pd.concat([measures_truth, extra.measures_truth], ignore_index=True)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["示范市（合成演示数据，非真实地点）已实施措施"])
    writer.writerow(MEASURE_HEADER)
    writer.writerows(measures.itertuples(index=False))
    paths["measures"].write_bytes(buf.getvalue().encode("utf-8-sig"))
    last = rows["_quarter"].max()
    for year in sorted(extra.rows["_year"].unique()):
        part = extra.rows[(extra.rows["_year"] == year) & (extra.rows["_quarter"] != last)]
        if part.empty:
            continue
        name = f"determinations_{year}.xlsx"
        _write_xlsx(out / name, f"示范市{year}年工伤认定台账（合成演示数据，非真实数据）", part)
        paths[f"determinations_{year}"] = out / name
    paths["determinations_last_quarter"] = out / f"determinations_{last}.csv"
    _write_csv(
        paths["determinations_last_quarter"],
        f"示范市{last}工伤认定台账（合成演示数据，非真实数据）",
        _bad_rows(rows, rng, extra.added),
        "gb18030",
    )
    truth_paths = {
        "truth_cases": out / "truth" / "cases.csv",
        "truth_hotspots": out / "truth" / "hotspots.csv",
        "truth_enterprises": out / "truth" / "risky_enterprises.csv",
        "truth_config": out / "truth" / "config.csv",
        "truth_measures": out / "truth" / "measures.csv",
    }
    extra.truth.to_csv(truth_paths["truth_cases"], index=False, encoding="utf-8")
    hot = sim.hotspots.copy()
    for col in ("node_ids", "way_ids", "quarters_active"):
        hot[col] = hot[col].map(lambda t: "|".join(map(str, t)))
    hot.to_csv(truth_paths["truth_hotspots"], index=False, encoding="utf-8")
    sim.risky_enterprises.to_csv(truth_paths["truth_enterprises"], index=False, encoding="utf-8")
    measures_truth.to_csv(truth_paths["truth_measures"], index=False, encoding="utf-8")
    pd.Series(asdict(config)).rename("value").to_csv(
        truth_paths["truth_config"], index_label="setting"
    )
    paths.update(truth_paths)
    paths.update(write_precision(out, extra))
    paths.update(write_groups(out, groups))
    return paths


def small_config(**changes: object) -> DemoConfig:
    """A small, fast world for tests (same code paths)."""
    return replace(DemoConfig(n_determinations=800, scale=0.4, n_hotspots=6), **changes)
