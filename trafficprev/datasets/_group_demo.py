"""Two planted target groups (特定人群) in the demo city's commuting accidents.

- **G1 「夜班下班」**: workers of one industry (制造业; where a world has none, the industry
  with the most insured), riding 电动自行车 home from work (下班) between 22:30 and 01:30
  (time band 夜间), hurt on their home-bound commute path where the ordinary risk of the
  path puts them (junctions and planted hotspots included); counterpart drawn as usual.
- **G2 「清晨步行过街」**: workers of any enterprise walking (步行) to work (上班) between
  05:00 and 06:30 (time band 清晨), hit by a 小型汽车 or a 货车 mid-block (never at a
  junction) on one busy arterial road of the world: a named primary or secondary road
  without a planted hotspot, among the three with the most commuting accidents drawn.

Each group is `share` of the commuting accidents drawn (``DemoConfig.group_share``, 4 % by
default), spread evenly over the quarters; share 0 plants none. Their workers are drawn
among the enterprises that carry no other plant or measure (neither the risky enterprises,
the precision project's planted ones nor those trained in ``measures.csv``, whose rates stay
what their truth says) and live where the ordinary commuters live. Every draw comes from
the seed streams ``[seed, 14]`` (the accidents) and ``[seed, 15]`` (the rows), so the rows
drawn before stay as they were. The planted cases are recognised (认定工伤) and written by
:func:`~trafficprev.datasets.democity.determinations` like any other commuting case (place,
narrative, time cell, homophone slips); they are numbered after the last number of their
decision year in the 2023–2024 exports, with new synthetic worker names (测试…, from index
40,000).

:func:`group_world` gives the benchmark a world's determination rows and the groups' truth
without writing any file; :func:`make_demo_city
<trafficprev.datasets.democity.make_demo_city>` adds the same rows to the demo's exports
(:func:`with_groups`) and writes ``truth/groups.csv`` and ``truth/group_cases.csv``
(:func:`write_groups`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import ArgumentError, TrafficPrevError
from ._cases import (
    _COUNTERPARTS,
    DemoConfig,
    Simulation,
    _accident_point,
    _commute_paths,
    _edge_index,
    _edges_with_length,
    _home_picks,
    _live_hotspots,
    _quarter_dates,
    accident_record,
    junction_table,
    simulate,
)
from ._precision_demo import PrecisionData, _export_claims, plant_enterprises
from ._world import World, build_world, road_graph

__all__ = [
    "GROUPS_HEADER",
    "GroupPlant",
    "GroupWorld",
    "export_csv",
    "group_world",
    "night_industry",
    "plant_groups",
    "with_groups",
    "write_groups",
]

#: Seed streams of the planted groups (``default_rng([config.seed, stream])``).
_STREAM_GROUPS, _STREAM_GROUP_CASES = 14, 15
#: Worker-name index of the first planted case (the other batches use 0…, 20,000…, 30,000…).
_WORKERS_GROUPS = 40_000
#: The night-shift industry of G1 (the industry with the most insured where it is absent).
NIGHT_INDUSTRY = "制造业"
#: G1's hours: 22:30 to 01:30 the next day, in minutes after midnight of the day drawn.
_G1_MINUTES = (22 * 60 + 30, 25 * 60 + 30)
#: G2's hours: 05:00 to 06:30.
_G2_MINUTES = (5 * 60, 6 * 60 + 30)
#: A G2 point lies this far (metres) from both ends of its edge, on an edge at least
#: ``2 × _MID_BLOCK_M + 10`` long: mid-block, never at a junction.
_MID_BLOCK_M = 30.0
_G2_COUNTERPARTS = ("小型汽车", "货车")
_DECISION = re.compile(r"〔(\d{4})〕(\d+)号")

#: Columns of ``truth/groups.csv``.
GROUPS_HEADER = [
    "group_id",
    "label",
    "fields",
    "core",
    "n_planted",
    "share",
    "hours",
    "industry",
    "road",
    "note",
]


@dataclass(frozen=True)
class GroupPlant:
    """The planted groups of one world.

    Attributes
    ----------
    rows
        One determination row per planted case: the export's Chinese columns plus
        ``_year``, ``_quarter``, ``_when`` (as ``determinations`` returns them) and
        ``_group`` (G1 or G2), in time order.
    truth
        Their ``truth/cases.csv`` rows (aligned with `rows`).
    groups
        ``truth/groups.csv``: one row per group (:data:`GROUPS_HEADER`), also when none
        was planted (``n_planted`` 0).
    accidents
        The simulated accidents (the true facts), in the columns of
        :attr:`Simulation.accidents` plus ``group_id``.
    """

    rows: pd.DataFrame
    truth: pd.DataFrame
    groups: pd.DataFrame
    accidents: pd.DataFrame

    @property
    def cases(self) -> pd.DataFrame:
        """``truth/group_cases.csv``: ``decision_no, group_id`` of every planted case."""
        return pd.DataFrame(
            {
                "decision_no": self.rows["认定书编号"].to_numpy(),
                "group_id": self.rows["_group"].to_numpy(),
            }
        )


@dataclass(frozen=True)
class GroupWorld:
    """A world's determination rows with (or without) the planted groups, and the truth.

    Attributes
    ----------
    rows
        Every determination row of the traffic quarters (the drawn ones and the planted
        ones, by injury time): the export's Chinese columns plus ``_year``, ``_quarter``,
        ``_when`` and ``_group`` (G1, G2 or ``""``).
    truth
        The ``truth/cases.csv`` rows of `rows`, aligned with them.
    groups
        ``truth/groups.csv`` (:data:`GROUPS_HEADER`).
    group_cases
        ``truth/group_cases.csv``: ``decision_no, group_id``.
    config
        The configuration the world was drawn with (``group_share`` as planted).
    """

    rows: pd.DataFrame
    truth: pd.DataFrame
    groups: pd.DataFrame
    group_cases: pd.DataFrame
    config: DemoConfig


# --- the world's pieces -----------------------------------------------------------------------


class _Net:
    """The road network, enterprises and homes as :func:`~._cases.simulate` sees them."""

    def __init__(self, world: World, sim: Simulation) -> None:
        self.graph, self.node_ids = road_graph(world)
        self.index_of = pd.Series(np.arange(len(self.node_ids)), index=self.node_ids)
        self.nodes = world.nodes.set_index("node_id")
        self.edges = _edges_with_length(world, self.nodes)
        self.edge_of = _edge_index(self.edges)
        self.junctions = junction_table(self.edges)
        self.junction_ids = set(self.junctions["node_id"].astype(int))
        self.j_roads = self.junctions.set_index("node_id")["roads"]
        self.arrays = (
            self.edges["u"].to_numpy().tolist(),
            self.edges["v"].to_numpy().tolist(),
            self.edges["length_m"].to_numpy(),
        )
        self.ents = world.enterprises.sort_values("credit_code", ignore_index=True)
        kinds = ["community", "large_community"]
        homes = world.pois[world.pois["kind"].isin(kinds)]
        self.homes = homes.sort_values("poi_id", ignore_index=True)
        self.hotspots = sim.hotspots

    def paths(
        self, ent_pick: np.ndarray, home_pick: np.ndarray, direction: str
    ) -> list[tuple[list[int], list[int]]]:
        """Each commute's path (nodes) and its edge positions, `direction` for all."""
        ends = [
            (int(self.homes.at[h, "node_id"]), int(self.ents.at[e, "node_id"]))
            for e, h in zip(ent_pick, home_pick, strict=True)
        ]
        nodes = _commute_paths(
            self.graph, self.node_ids, self.index_of, ends, [direction] * len(ends)
        )
        return [
            (p, [i for i in map(self.edge_of.get, itertools.pairwise(p)) if i is not None])
            for p in nodes
        ]


def night_industry(enterprises: pd.DataFrame) -> str:
    """G1's industry: 制造业, or the industry with the most insured where no enterprise is
    in 制造业 (ties by name)."""
    if (enterprises["industry"] == NIGHT_INDUSTRY).any():
        return NIGHT_INDUSTRY
    insured = enterprises.groupby("industry")["insured"].sum()
    return str(sorted(insured.items(), key=lambda kv: (-kv[1], kv[0]))[0][0])


def _arterial(rng: np.random.Generator, net: _Net, sim: Simulation) -> str:
    """G2's road: among the named primary and secondary roads that hold no planted hotspot
    (any named road where a world has none), one of the three with the most commuting
    accidents drawn, then the longest (a seeded pick)."""
    edges = net.edges[net.edges["name"].notna() & (net.edges["name"] != "")]
    hot = sim.hotspots
    hot_roads = set(hot["road"].dropna()) | set(hot["cross_road"].dropna())
    arterial = edges["highway"].isin(["primary", "secondary"]) & ~edges["name"].isin(hot_roads)
    if arterial.any():
        edges = edges[arterial]
    accidents = sim.accidents["road"].value_counts()
    length = edges.groupby("name")["length_m"].sum()
    ranked = sorted(length.index, key=lambda r: (-accidents.get(r, 0), -length[r], r))
    pool = [str(r) for r in ranked[:3]]
    return pool[int(rng.integers(len(pool)))]


def _checked_share(config: DemoConfig, share: float | None) -> float:
    """`share`, or ``config.group_share`` when None, checked to lie in [0, 0.5]."""
    share = config.group_share if share is None else share
    if not 0 <= share <= 0.5:
        raise ArgumentError(f"a group's share must lie in [0, 0.5], got {share!r}")
    return float(share)


def _per_quarter(n: int, quarters: tuple[str, ...]) -> list[str]:
    """`n` cases spread evenly over `quarters` (the earlier ones take the remainder)."""
    nq = len(quarters)
    return [q for k, q in enumerate(quarters) for _ in range(n * (k + 1) // nq - n * k // nq)]


def _q(when: dt.datetime) -> int:
    """The quarter (1–4) of `when`."""
    return (when.month - 1) // 3 + 1


def _when(rng: np.random.Generator, quarter: str, minutes: tuple[int, int]) -> dt.datetime:
    """A time in `quarter` at `minutes` after midnight (past 24 h: the next morning) of a day
    drawn like the commutes' (weekdays 85 %), never leaving the quarter."""
    start, end = _quarter_dates(quarter)
    minute = int(rng.integers(*minutes))
    last = end - dt.timedelta(days=1 if minute >= 24 * 60 else 0)
    days = [start + dt.timedelta(days=i) for i in range((last - start).days)]
    weekdays = [d for d in days if d.weekday() < 5]
    weekend = [d for d in days if d.weekday() >= 5]
    pool = weekdays if rng.random() < 0.85 else weekend
    day = pool[int(rng.integers(len(pool)))]
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)


def _commuters(
    rng: np.random.Generator,
    net: _Net,
    pool: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """`k` workers: an enterprise of `pool` (a mask over ``net.ents``) by insured headcount
    and a home community by size and the gravity term of :func:`~._cases.simulate`."""
    p = net.ents["insured"].to_numpy(float) * pool
    ent_pick = rng.choice(len(net.ents), size=k, p=p / p.sum())
    return ent_pick, _home_picks(rng, net.homes, net.ents, ent_pick)


def _accident_row(
    net: _Net,
    when: dt.datetime,
    direction: str,
    picks: tuple[int, int],
    point: tuple[float, float, pd.Series, int | None, str | None],
    facts: tuple[str, str, str],
) -> dict[str, object]:
    """One accident in the columns of :attr:`Simulation.accidents` plus ``group_id``."""
    mode, counterpart, group = facts
    who = (net.ents.at[picks[0], "credit_code"], net.homes.at[picks[1], "poi_id"])
    row = accident_record((when, direction), who, point, net.j_roads)
    return {**row, "mode": mode, "counterpart": counterpart, "group_id": group}


# --- the two groups ---------------------------------------------------------------------------


def _night_shift(
    rng: np.random.Generator, net: _Net, config: DemoConfig, n: int, pool: np.ndarray
) -> list[dict[str, object]]:
    """G1: `n` accidents of `pool`'s workers riding home at night."""
    quarters = _per_quarter(n, config.quarter_list())
    rows: list[dict[str, object]] = []
    for _ in range(20):  # batches of candidates until `n` have a path
        if len(rows) >= n:
            break
        ent_pick, home_pick = _commuters(rng, net, pool, 2 * (n - len(rows)) + 5)
        for e, h, (p, e_idx) in zip(
            ent_pick, home_pick, net.paths(ent_pick, home_pick, "下班"), strict=True
        ):
            if len(rows) >= n or len(p) < 2 or not e_idx:
                continue
            when = _when(rng, quarters[len(rows)], _G1_MINUTES)
            hot_nodes, hot_int = _live_hotspots(net.hotspots, f"{when.year}Q{_q(when)}", False)
            point = _accident_point(
                rng,
                (p, e_idx),
                (net.edges, net.nodes, net.arrays),
                (hot_nodes, hot_int, net.junction_ids),
                config,
            )
            counterpart = str(rng.choice(_COUNTERPARTS[0], p=_COUNTERPARTS[1]))
            rows.append(
                _accident_row(net, when, "下班", (e, h), point, ("电动自行车", counterpart, "G1"))
            )
    return rows


def _early_walkers(
    rng: np.random.Generator, net: _Net, config: DemoConfig, n: int, road: str, pool: np.ndarray
) -> list[dict[str, object]]:
    """G2: `n` accidents of `pool`'s workers walking to work at dawn, mid-block on `road`
    (workers whose path home → work runs along it)."""
    quarters = _per_quarter(n, config.quarter_list())
    edges = net.edges
    fit = ((edges["name"] == road) & (edges["length_m"] >= 2 * _MID_BLOCK_M + 10)).to_numpy()
    kinds, weights = _COUNTERPARTS
    shares = np.array([weights[kinds.index(c)] for c in _G2_COUNTERPARTS])  # usual proportion
    rows: list[dict[str, object]] = []
    for _ in range(20):
        if len(rows) >= n:
            break
        ent_pick, home_pick = _commuters(rng, net, pool, 40 * (n - len(rows)) + 20)
        for e, h, (_, e_idx) in zip(
            ent_pick, home_pick, net.paths(ent_pick, home_pick, "上班"), strict=True
        ):
            on_road = [i for i in e_idx if fit[i]]
            if len(rows) >= n or not on_road:
                continue
            length = edges.loc[on_road, "length_m"].to_numpy(float)
            edge = edges.loc[on_road[int(rng.choice(len(on_road), p=length / length.sum()))]]
            t = rng.uniform(_MID_BLOCK_M, edge["length_m"] - _MID_BLOCK_M) / edge["length_m"]
            u, v = net.nodes.loc[edge["u"]], net.nodes.loc[edge["v"]]
            lon, lat = u["lon"] + t * (v["lon"] - u["lon"]), u["lat"] + t * (v["lat"] - u["lat"])
            when = _when(rng, quarters[len(rows)], _G2_MINUTES)
            counterpart = str(rng.choice(_G2_COUNTERPARTS, p=shares / shares.sum()))
            point = (lon, lat, edge, None, None)
            facts = ("步行", counterpart, "G2")
            rows.append(_accident_row(net, when, "上班", (e, h), point, facts))
    return rows


def _definitions(industry: str, road: str, share: float, n: dict[str, int]) -> pd.DataFrame:
    """``truth/groups.csv``."""
    return pd.DataFrame(
        [
            {
                "group_id": "G1",
                "label": "夜班下班",
                "fields": f"industry={industry}|mode=电动自行车|direction=下班|time_band=夜间",
                "core": "industry|mode|time_band",
                "n_planted": n.get("G1", 0),
                "share": share,
                "hours": "22:30-01:30",
                "industry": industry,
                "road": "",
                "note": "home-bound commute path; counterpart drawn as usual",
            },
            {
                "group_id": "G2",
                "label": "清晨步行过街",
                "fields": "mode=步行|direction=上班|time_band=清晨|location=路段",
                "core": "mode|time_band",
                "n_planted": n.get("G2", 0),
                "share": share,
                "hours": "05:00-06:30",
                "industry": "",
                "road": road,
                "note": f"mid-block on {road}; counterpart 小型汽车 or 货车; any enterprise",
            },
        ],
        columns=GROUPS_HEADER,
    )


_TRUTH_COLUMNS = [
    "decision_no",
    "commuting",
    "traffic",
    "refused",
    "place_kind",
    "true_lon",
    "true_lat",
    "way_id",
    "road",
    "at_node",
    "hotspot_id",
    "typo",
    "credit_code",
]


def plant_groups(
    world: World,
    sim: Simulation,
    config: DemoConfig,
    *,
    share: float | None = None,
    exclude: Iterable[str] = (),
) -> GroupPlant:
    """Draw the planted groups' accidents and write their determination rows.

    Parameters
    ----------
    world, sim, config
        The city, its commuting simulation (the groups' size is a share of its accidents;
        hotspots act on G1's paths as on any other) and the configuration.
    share
        Size of each group as a share of ``sim.accidents`` (None: ``config.group_share``);
        0 plants none.
    exclude
        Credit codes whose workers are never in a group (the enterprises of other plants and
        measures). The risky enterprises of `sim` are always excluded.

    Returns
    -------
    GroupPlant
        The rows (decision numbers 〔year〕0001… of their own: number them with
        :func:`with_groups` or as :func:`group_world` does), truth and definitions.

    Raises
    ------
    ArgumentError
        If the share is negative or above 0.5.
    """
    from .democity import determinations

    share = _checked_share(config, share)
    rng = np.random.default_rng([config.seed, _STREAM_GROUPS])
    net = _Net(world, sim)
    road = _arterial(rng, net, sim)
    industry = night_industry(net.ents)
    excluded = set(exclude) | set(sim.risky_enterprises["credit_code"])
    free = ~net.ents["credit_code"].isin(excluded).to_numpy()
    night = free & (net.ents["industry"] == industry).to_numpy()
    if not night.any():  # every enterprise of the industry carries another plant
        night = (net.ents["industry"] == industry).to_numpy()
    n = round(share * len(sim.accidents))
    accidents = _night_shift(rng, net, config, n, night.astype(float))
    accidents += _early_walkers(rng, net, config, n, road, free.astype(float))
    frame = pd.DataFrame(accidents, columns=[*sim.accidents.columns, "group_id"])
    frame = frame.sort_values(["injured_at", "credit_code"], kind="stable", ignore_index=True)
    counts = frame["group_id"].value_counts().to_dict()
    groups = _definitions(industry, road, share, counts)
    if frame.empty:
        empty = _empty_rows()
        return GroupPlant(empty, pd.DataFrame(columns=_TRUTH_COLUMNS), groups, frame)
    # every planted case recognised; no workplace injury drawn alongside
    only = replace(config, n_determinations=len(frame), refused_share=0.0)
    planted = Simulation(frame, sim.hotspots, sim.risky_enterprises, sim.junctions)
    rows, truth = determinations(
        world, planted, only, stream=_STREAM_GROUP_CASES, first_worker=_WORKERS_GROUPS
    )
    # determinations orders by (time, credit code), like `frame`
    if rows["_when"].tolist() != frame["injured_at"].tolist() or (
        rows["统一社会信用代码"].tolist() != frame["credit_code"].tolist()
    ):
        raise TrafficPrevError("the planted rows are not in the order of their accidents")
    rows = rows.assign(_group=frame["group_id"].to_numpy())
    return GroupPlant(rows, truth, groups, frame)


def _empty_rows() -> pd.DataFrame:
    from .democity import HEADER

    return pd.DataFrame(columns=[*HEADER, "_year", "_quarter", "_when", "_group"])


# --- numbering and merging --------------------------------------------------------------------


def _numbered(plant: GroupPlant, after: pd.Series, used: Iterable[str] = ()) -> GroupPlant:
    """`plant` numbered in decision-date order, each decision year after the highest number
    of that year in `after` (from 0001 for a year without one), skipping numbers in `used`."""
    rows = plant.rows.reset_index(drop=True)
    taken = set(after) | set(used)
    last: dict[int, int] = {}
    for y, k in after.str.extract(_DECISION).dropna().astype(int).itertuples(index=False):
        last[int(y)] = max(last.get(int(y), 0), int(k))
    numbers = pd.Series("", index=rows.index, dtype=object)
    for i in rows.sort_values(["认定日期", "_when"], kind="stable").index:
        year = int(rows.at[i, "认定日期"][:4])
        while True:
            last[year] = last.get(year, 0) + 1
            number = f"示人社工伤认字〔{year}〕{last[year]:04d}号"
            if number not in taken:
                break
        numbers[i] = number
    rows = rows.assign(认定书编号=numbers.astype(rows["认定书编号"].dtype))
    truth = plant.truth.reset_index(drop=True)
    truth = truth.assign(decision_no=numbers.astype(truth["decision_no"].dtype).to_numpy())
    return replace(plant, rows=rows, truth=truth)


def _merge_in_time(
    before: pd.DataFrame, when_before: pd.Series, new: pd.DataFrame, when_new: pd.Series
) -> pd.DataFrame:
    """`new` sorted into `before` (which is in time order) by time: a stable sort, so rows
    of `before` keep their order and a new row follows those of the same time."""
    if new.empty:  # (concatenating an empty frame would turn text columns into objects)
        return before.reset_index(drop=True)
    merged = pd.concat([before, new], ignore_index=True)
    for col in before.columns:  # text stays text where `new` holds only empty cells
        if isinstance(before[col].dtype, pd.StringDtype) and merged[col].dtype == object:
            merged[col] = merged[col].astype(before[col].dtype)
    order = pd.Series(
        np.concatenate([when_before.to_numpy(), when_new.to_numpy()]), index=merged.index
    ).sort_values(kind="stable")
    return merged.loc[order.index].reset_index(drop=True)


def group_world(config: DemoConfig, share: float | None = None) -> GroupWorld:
    """A world's determinations for the traffic quarters with the planted groups (or, with
    share 0, without them: a null world), and the groups' truth; writes no file.

    The world, its drawn rows and the groups' workers are those of ``make_demo_city(out,
    config)`` (the precision project's additions left out: none of them is commuting), so
    the default configuration gives the demo's commuting cases; the planted rows' decision
    numbers follow the drawn rows' of their year (in the demo they follow the precision
    rows' too).

    Parameters
    ----------
    config
        Any seed, scale and size.
    share
        Size of each group as a share of the commuting accidents (None:
        ``config.group_share``); 0 gives the null world (the same drawn rows, no group).

    Returns
    -------
    GroupWorld
        The rows (``determinations``' columns plus ``_group``) and truth.

    Raises
    ------
    ArgumentError
        If the share is negative or above 0.5.
    """
    from .democity import demo_measures, determinations

    config = replace(config, group_share=_checked_share(config, share))
    world = build_world(config.seed, scale=config.scale)
    sim = simulate(world, config)
    rows, truth = determinations(world, sim, config)
    _, measures_truth = demo_measures(world, sim, config)
    trained = measures_truth.loc[measures_truth["kind"] == "培训", "hotspot_or_credit_code"]
    plants = plant_enterprises(
        world, sim, config, trained.tolist(), rows["统一社会信用代码"].unique().tolist()
    )
    plant = plant_groups(world, sim, config, exclude=[*plants["credit_code"], *trained])
    plant = _numbered(plant, rows["认定书编号"])
    rows = rows.assign(_group="")
    return GroupWorld(
        rows=_merge_in_time(rows, rows["_when"], plant.rows, plant.rows["_when"]),
        truth=_merge_in_time(truth, rows["_when"], plant.truth, plant.rows["_when"]),
        groups=plant.groups,
        group_cases=plant.cases,
        config=config,
    )


def with_groups(
    world: World, sim: Simulation, config: DemoConfig, extra: PrecisionData
) -> tuple[PrecisionData, GroupPlant]:
    """The precision data `extra` with the planted groups added to the 2023–2024 exports.

    The groups' workers are never at a risky, precision-planted or trained enterprise
    (``measures.csv``). Their rows
    are numbered after the last number of their decision year in the 2023–2024 exports
    (skipping any the 2022 export uses) and sorted in by time (``rows``; ``added``, from
    which the Q4 CSV takes its last quarter's new rows; ``truth``); their cases are appended
    to the claims (recognised, never paid by the fund: its ledger was drawn before them).

    Parameters
    ----------
    world, sim, config
        The city, its commuting simulation and the configuration.
    extra
        What :func:`~._precision_demo.precision_data` returned.

    Returns
    -------
    extra
        With the planted rows in ``rows``, ``added``, ``truth`` and ``claims``.
    plant
        The planted groups, numbered.
    """
    from .democity import demo_measures

    _, measures = demo_measures(world, sim, config)
    trained = measures.loc[measures["kind"] == "培训", "hotspot_or_credit_code"]
    plant = plant_groups(world, sim, config, exclude=[*extra.plants["credit_code"], *trained])
    plant = _numbered(
        plant,
        pd.concat([extra.rows["认定书编号"], extra.added["认定书编号"]]),
        used=extra.rows_2022["认定书编号"],
    )
    if plant.rows.empty:
        return extra, plant
    new = plant.rows.assign(_plant="", _minor=False, _diagnosis="")
    when_of = pd.concat([extra.rows, extra.rows_2022]).set_index("认定书编号")["_when"]
    claims = _export_claims(new).assign(fund_paid=False, disability_grade=0, paid_in_window=0.0)
    extra = replace(
        extra,
        rows=_merge_in_time(extra.rows, extra.rows["_when"], new, new["_when"]),
        added=pd.concat([extra.added, new], ignore_index=True),
        truth=_merge_in_time(
            extra.truth, extra.truth["decision_no"].map(when_of), plant.truth, new["_when"]
        ),
        claims=pd.concat([extra.claims, claims], ignore_index=True),
    )
    return extra, plant


def write_groups(out: Path, plant: GroupPlant) -> dict[str, Path]:
    """Write ``truth/groups.csv`` and ``truth/group_cases.csv`` into `out`.

    Returns
    -------
    dict
        Name -> path of the two files.
    """
    paths = {
        "truth_groups": out / "truth" / "groups.csv",
        "truth_group_cases": out / "truth" / "group_cases.csv",
    }
    plant.groups.to_csv(paths["truth_groups"], index=False, encoding="utf-8")
    plant.cases.to_csv(paths["truth_group_cases"], index=False, encoding="utf-8")
    return paths


def export_csv(rows: pd.DataFrame, path: str | Path) -> Path:
    """Write determination rows (e.g. :attr:`GroupWorld.rows`) as a UTF-8 export with a
    合成演示数据 title row, which :func:`trafficprev.read_determinations` reads.

    Returns
    -------
    pathlib.Path
        `path`.
    """
    from .democity import HEADER

    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["示范市工伤认定台账（合成演示数据，非真实数据）"])
    writer.writerow(HEADER)
    writer.writerows(rows[HEADER].itertuples(index=False))
    path = Path(path)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path
