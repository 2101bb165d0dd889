"""One frozen, validated :class:`Settings` object passed explicitly to every step.

Build it once (in the first notebook cell or by the CLI), from defaults, keyword
arguments or a TOML file, and derive variants with :meth:`Settings.replace`. There is
no module-level mutable configuration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import InputFileNotFoundError, SettingsError

__all__ = ["DUPLICATE_RULES", "PRECISION_TRAINED", "Settings"]

#: How a conflict between two rows with the same 认定书编号 is resolved (see README).
DUPLICATE_RULES: tuple[str, ...] = ("latest_decided", "last_in_input", "first_in_input")

#: What the precision list does with an enterprise trained in the last years (Settings).
PRECISION_TRAINED: tuple[str, ...] = ("last", "exclude", "keep")


@dataclass(frozen=True)
class Settings:
    """Every tunable of trafficprev, with its default.

    Parameters
    ----------
    as_of
        Reference date for "time in the future" checks. ``None`` means today, so fix it
        when runs must be reproducible on another day.
    min_injury_year
        Injury times before 1 January of this year are rejected as implausible.
    duplicate_rule
        Rule that picks one row among conflicting rows with the same 认定书编号:
        ``"latest_decided"`` (later 认定日期, then more filled fields, then later in the
        input), ``"last_in_input"`` or ``"first_in_input"``.
    header_scan_rows
        How many rows at the top of a sheet are searched for the header row (title rows
        merged above the header are common in exports).
    csv_encodings
        Encodings tried in order, each on the whole file.
    k_police, k_public
        Small-count suppression thresholds for police and public outputs.
    seed
        Seed of every stochastic step.
    review_threshold
        Geocoded cases with a confidence below this go to the review queue.
    max_road_gap_m
        Two named roads that share no intersection but come closer than this many metres
        are taken to meet there (dual carriageways, offset digitising).
    scope_margin_m
        With administrative boundary polygons in the area, a place found outside the area
        its text names but at most this many metres from it is still accepted, with lower
        confidence and a reason; farther away it is not placed in that area's name.
    intersection_radius_m, segment_length_m
        Units of analysis. Each intersection of the area (the gazetteer's: the nodes where
        one pair of named roads meets, grouped within the area's own
        ``BuildOptions.intersection_radius_m``, so the four crossings of two dual
        carriageways are one) is one intersection unit, except that intersections sharing
        a node or whose points lie within ``intersection_radius_m`` of each other (the pairs
        A|B, A|C and B|C of a three-road junction) are merged into one unit. A case counts
        for an intersection within two thirds of this radius of its centre (within three
        times that when the geocoder placed it at an intersection). Roads are cut into
        segments of ``segment_length_m``.
    max_snap_m
        Cases farther than this from every unit are not snapped (reported as too far).
    gi_k, fdr_alpha
        Gi* weights reach units within ``gi_k`` steps of the network adjacency; hot and cold
        units are those significant after Benjamini–Hochberg FDR at ``fdr_alpha``.
    nkde_method, nkde_bandwidth_m, nkde_lixel_m
        Network kernel density: ``"simple"``, ``"discontinuous"`` or ``"continuous"``,
        quartic kernel, bandwidth and lixel length in metres.
    cluster_eps_m, cluster_min_cases
        DBSCAN (haversine) neighbourhood radius and minimum cases of a cluster.
    window_m, window_step_m
        Sliding windows along each road for the 多发点段 presets.
    key_enterprises
        Length of the key-enterprise list for commuting-safety training (the plan's precision
        project used 22).
    gate_radius_m
        A case within this distance of its employer's registered address counts as "at the
        gate".
    emerging_share, trend_alpha
        Emerging-hotspot classes: share of quarters that must be hot for the persistent
        family (ESRI's 90 %), and the Mann–Kendall significance level of a trend.
    peak_share
        The peak window of a hotspot or enterprise is the shortest window holding this share
        of its timed cases.
    measure_radius_m
        A warning sign treats the units within this distance of its point (evaluation of
        measures).
    evaluation_min_before, evaluation_min_expected
        A measure is evaluated only when its treated units or enterprises had at least
        `evaluation_min_before` cases in the period before (10) and the comparison predicts at
        least `evaluation_min_expected` after (5.0); below either it reads
        ``无法评估（样本太少）`` instead of a percentage whose interval spans everything.
    peak_max_hours
        The widest peak window reported, in hours (3.0): when the shortest window holding
        `peak_share` of the cases is wider, the densest window of at most this width is
        reported instead (and a second, non-overlapping one when it holds at least two thirds
        as many cases and at least the minimum count), with the share each holds.
    include_not_recognised
        Whether claims decided 不予认定 (not recognised as work injury) count as accidents in
        the hotspot, enterprise and group analyses (True). They are real accidents on the way
        to or from work, mostly refused for the worker's own main responsibility; the report
        says how many there are and how they were treated.
    sign_count, sign_advance_m, sign_reach_m, sign_spacing_m
        Warning-sign sites: how many new signs to propose, how far before a hot
        intersection or segment a candidate stands, how far ahead along the road a sign
        covers cases, and the minimum spacing between two signs facing the same traffic on
        one road.
    campaign_count, campaign_radius_m
        Campaign locations: how many to choose, and the distance within which a site reaches
        a case's workplace or accident place.
    window_quarters, key_quarters
        Quarters in the hotspot window (ending with the run's quarter: one quarter alone holds
        too few cases per road unit) and in the key-enterprise window (long enough for the
        rising trend to be tested).
    precision_count
        Length of the precision project's list (精准式工伤预防, the plan's 22 enterprises).
    precision_years
        Years pooled for the precision statistics, ending with the statistics year (the plan's
        近三年: 3).
    precision_level
        Level of the one-sided limits an enterprise's incidence and payout ratio must exceed to
        count as high (0.95).
    precision_trained, precision_trained_years
        What happens to an enterprise trained in the precision project within the last
        `precision_trained_years` years (2) that qualifies again: ``"last"`` (default: listed
        only after every untrained one that qualifies, marked 已培训), ``"exclude"`` (never
        listed; the evaluation sheet still shows it) or ``"keep"`` (ranked like the others,
        marked).
    precision_industry_cap
        At most this many listed enterprises from one industry (0: no cap).
    group_max_order
        Target groups and circumstance combinations (特定人群 / 多发情形,
        :func:`~trafficprev.groups.target_groups`): at most this many case fields make one
        group (4: e.g. 制造业、电动自行车、下班、夜间).
    group_level
        A group is called out at a false-discovery rate of 1 − `group_level` (0.95: 5 %; in a
        city with no real group, the chance that any is called out), with the lift's
        interval (adjusted for the selection) and the rank intervals at this level.
    group_bootstrap
        Bootstrap replicates behind the intervals of the lift and of the rank (200).
    group_min_cases
        A group is called out only with at least this many cases (5); cells of ``k_police``
        cases and more are ranked.
    group_count
        At most this many called-out groups get a training plan (培训对象, 10).
    group_enterprises, group_places
        Enterprises and places listed for each group (3 each).
    """

    as_of: dt.date | None = None
    min_injury_year: int = 2000
    duplicate_rule: str = "latest_decided"
    header_scan_rows: int = 30
    csv_encodings: tuple[str, ...] = ("utf-8-sig", "gb18030")
    k_police: int = 3
    k_public: int = 5
    seed: int = 0
    review_threshold: float = 0.5
    max_road_gap_m: float = 100.0
    scope_margin_m: float = 300.0
    intersection_radius_m: float = 30.0
    segment_length_m: float = 100.0
    max_snap_m: float = 100.0
    gi_k: int = 1
    fdr_alpha: float = 0.05
    nkde_method: str = "discontinuous"
    nkde_bandwidth_m: float = 300.0
    nkde_lixel_m: float = 50.0
    cluster_eps_m: float = 200.0
    cluster_min_cases: int = 3
    window_m: float = 500.0
    window_step_m: float = 100.0
    key_enterprises: int = 22
    gate_radius_m: float = 300.0
    emerging_share: float = 0.9
    trend_alpha: float = 0.05
    peak_share: float = 0.5
    peak_max_hours: float = 3.0
    include_not_recognised: bool = True
    measure_radius_m: float = 100.0
    evaluation_min_before: int = 10
    evaluation_min_expected: float = 5.0
    sign_count: int = 10
    sign_advance_m: float = 50.0
    sign_reach_m: float = 150.0
    sign_spacing_m: float = 100.0
    campaign_count: int = 5
    campaign_radius_m: float = 1000.0
    window_quarters: int = 4
    key_quarters: int = 8
    precision_count: int = 22
    precision_years: int = 3
    precision_level: float = 0.95
    precision_trained: str = "last"
    precision_trained_years: int = 2
    precision_industry_cap: int = 0
    group_max_order: int = 4
    group_level: float = 0.95
    group_bootstrap: int = 200
    group_min_cases: int = 5
    group_count: int = 10
    group_enterprises: int = 3
    group_places: int = 3

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.as_of is not None and not isinstance(self.as_of, dt.date):
            problems.append(f"as_of must be a date or None, got {self.as_of!r}")
        if isinstance(self.as_of, dt.datetime):
            object.__setattr__(self, "as_of", self.as_of.date())
        if not isinstance(self.min_injury_year, int) or not 1950 <= self.min_injury_year <= 2100:
            problems.append(
                f"min_injury_year must be an integer in 1950..2100, got {self.min_injury_year!r}"
            )
        if not isinstance(self.header_scan_rows, int) or self.header_scan_rows < 1:
            problems.append(
                f"header_scan_rows must be a positive integer, got {self.header_scan_rows!r}"
            )
        encodings = tuple(self.csv_encodings) if not isinstance(self.csv_encodings, str) else ()
        if not encodings:
            problems.append(f"csv_encodings must be a non-empty list, got {self.csv_encodings!r}")
        else:
            for enc in encodings:
                try:
                    "".encode(enc)
                except (LookupError, TypeError):
                    problems.append(f"csv_encodings: unknown encoding {enc!r}")
            object.__setattr__(self, "csv_encodings", encodings)
        for name in ("k_police", "k_public"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                problems.append(f"{name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            problems.append(f"seed must be an integer, got {self.seed!r}")
        if not isinstance(self.review_threshold, int | float) or not (
            0.0 <= self.review_threshold <= 1.0
        ):
            problems.append(f"review_threshold must be in 0..1, got {self.review_threshold!r}")
        if not isinstance(self.max_road_gap_m, int | float) or not (
            0.0 <= self.max_road_gap_m <= 1000.0
        ):
            problems.append(f"max_road_gap_m must be in 0..1000, got {self.max_road_gap_m!r}")
        for name, low, high in (
            ("intersection_radius_m", 0.0, 500.0),
            ("scope_margin_m", 0.0, 5000.0),
            ("segment_length_m", 10.0, 5000.0),
            ("max_snap_m", 1.0, 5000.0),
            ("nkde_bandwidth_m", 10.0, 10000.0),
            ("nkde_lixel_m", 1.0, 1000.0),
            ("cluster_eps_m", 1.0, 10000.0),
            ("window_m", 10.0, 50000.0),
            ("window_step_m", 1.0, 50000.0),
            ("gate_radius_m", 0.0, 10000.0),
            ("measure_radius_m", 1.0, 5000.0),
            ("evaluation_min_expected", 0.0, 1000.0),
            ("sign_advance_m", 0.0, 1000.0),
            ("sign_reach_m", 1.0, 5000.0),
            ("sign_spacing_m", 0.0, 5000.0),
            ("campaign_radius_m", 1.0, 50000.0),
            ("peak_max_hours", 0.5, 24.0),
        ):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (low <= value <= high)
            ):
                problems.append(f"{name} must be a number in {low:g}..{high:g}, got {value!r}")
        for name, low in (
            ("gi_k", 1),
            ("cluster_min_cases", 1),
            ("key_enterprises", 1),
            ("sign_count", 0),
            ("campaign_count", 0),
            ("window_quarters", 1),
            ("key_quarters", 1),
            ("evaluation_min_before", 0),
            ("precision_count", 1),
            ("precision_years", 1),
            ("precision_trained_years", 0),
            ("precision_industry_cap", 0),
            ("group_max_order", 1),
            ("group_bootstrap", 0),
            ("group_min_cases", 1),
            ("group_count", 0),
            ("group_enterprises", 0),
            ("group_places", 0),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                problems.append(f"{name} must be an integer >= {low}, got {value!r}")
        if not isinstance(self.fdr_alpha, float | int) or not 0 < self.fdr_alpha < 1:
            problems.append(f"fdr_alpha must be in (0, 1), got {self.fdr_alpha!r}")
        names = ("emerging_share", "trend_alpha", "peak_share", "precision_level", "group_level")
        for name in names:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, float | int) or not 0 < value < 1:
                problems.append(f"{name} must be in (0, 1), got {value!r}")
        problems.extend(self._choice_problems())
        if problems:
            raise SettingsError("Invalid settings:\n  - " + "\n  - ".join(problems))

    def _choice_problems(self) -> list[str]:
        """The settings that take one of a few values, checked."""
        problems: list[str] = []
        if self.duplicate_rule not in DUPLICATE_RULES:
            problems.append(
                f"duplicate_rule must be one of {DUPLICATE_RULES}, got {self.duplicate_rule!r}"
            )
        if not isinstance(self.include_not_recognised, bool):
            problems.append(
                f"include_not_recognised must be True or False, got {self.include_not_recognised!r}"
            )
        if self.precision_trained not in PRECISION_TRAINED:
            problems.append(
                f"precision_trained must be one of {PRECISION_TRAINED}, "
                f"got {self.precision_trained!r}"
            )
        if self.nkde_method not in ("simple", "discontinuous", "continuous"):
            problems.append(
                f"nkde_method must be simple, discontinuous or continuous, got {self.nkde_method!r}"
            )
        return problems

    @property
    def today(self) -> dt.date:
        """The reference date: :attr:`as_of`, or today's date when unset."""
        return self.as_of or dt.date.today()

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with `changes` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-friendly values (for manifests)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_toml(cls, path: str | Path) -> Settings:
        """Load settings from a TOML file.

        Keys may sit at the top level or in a ``[trafficprev]`` table. Unknown keys are an
        error, so a typo never silently falls back to a default.

        Parameters
        ----------
        path
            The TOML file.

        Returns
        -------
        Settings
            Defaults overridden by the file.

        Raises
        ------
        InputFileNotFoundError
            If `path` does not exist.
        SettingsError
            If the file is not valid TOML, names unknown keys or gives invalid values.
        """
        p = Path(path)
        if not p.is_file():
            raise InputFileNotFoundError(f"Settings file not found: {p}")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{p}: not a valid UTF-8 TOML file: {exc}") from exc
        if isinstance(data.get("trafficprev"), dict):
            data = data["trafficprev"]
        return cls.from_mapping(data, source=str(p))

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str = "mapping") -> Settings:
        """Build settings from a plain mapping, refusing unknown keys.

        Parameters
        ----------
        data
            Setting names and values (dates as ``datetime.date`` or ISO strings).
        source
            Where the mapping came from, for error messages.

        Returns
        -------
        Settings
        """
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise SettingsError(
                f"{source}: unknown setting(s) {unknown}; allowed: {sorted(allowed)}"
            )
        values = dict(data)
        as_of = values.get("as_of")
        if isinstance(as_of, str):
            try:
                values["as_of"] = dt.date.fromisoformat(as_of)
            except ValueError as exc:
                raise SettingsError(f"{source}: as_of must be YYYY-MM-DD, got {as_of!r}") from exc
        if isinstance(values.get("csv_encodings"), list):
            values["csv_encodings"] = tuple(values["csv_encodings"])
        return cls(**values)
