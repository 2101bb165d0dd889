"""Hour-of-day / weekday profiles and the circular summary (trafficprev.trends._profiles)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from trafficprev.trends._profiles import (
    circular_summary,
    hour_profile,
    peak_window_text,
    weekday_profile,
)

MONDAY = pd.Timestamp("2024-03-04")  # a Monday


def _frame(minutes, *, days=None, precision="minute", **cols) -> pd.DataFrame:
    """Cases at the given minutes of day, on Monday + `days` (default: spread Mon–Fri)."""
    minutes = np.asarray(minutes, dtype=np.int64)
    if days is None:
        days = np.arange(len(minutes)) % 5
    when = MONDAY + pd.to_timedelta(np.asarray(days), unit="D") + pd.to_timedelta(minutes, "min")
    df = pd.DataFrame({"injured_at": when.astype("datetime64[ns]"), "time_precision": precision})
    for name, values in cols.items():
        df[name] = values
    return df


def _realistic(rng: np.random.Generator, n: int = 600) -> pd.DataFrame:
    """Commuting cases: morning trips to work, evening trips home, a few night shifts."""
    direction = rng.choice(["上班", "下班", None], size=n, p=[0.52, 0.45, 0.03])
    centre = np.where(direction == "下班", 17.6 * 60, 7.6 * 60)
    minute = np.rint(rng.normal(centre, 45)).astype(np.int64) % 1440
    night = rng.random(n) < 0.1
    minute[night] = rng.integers(0, 1440, night.sum())
    day = rng.integers(0, 730, n)
    when = pd.Timestamp("2023-01-01") + pd.to_timedelta(day, "D") + pd.to_timedelta(minute, "min")
    precision = rng.choice(["minute", "hour", "day", None], size=n, p=[0.78, 0.07, 0.13, 0.02])
    when = when.to_numpy().copy()
    hour_only = precision == "hour"
    when[hour_only] = pd.DatetimeIndex(when[hour_only]).floor("h").to_numpy()
    day_only = precision == "day"
    when[day_only] = pd.DatetimeIndex(when[day_only]).normalize().to_numpy()
    units = np.array(["S:人民路:1:000100", "I:建设路|解放路", "S:工业大道:1:006900", "", None])
    unit = units[rng.integers(0, len(units), n)]
    when[rng.random(n) < 0.01] = np.datetime64("NaT")
    return pd.DataFrame(
        {
            "injured_at": pd.DatetimeIndex(when).astype("datetime64[ns]"),
            "time_precision": precision,
            "direction": direction,
            "sex": rng.choice(["男", "女"], size=n),
            "unit_id": unit,
        }
    )


def _brute_peak(minutes: np.ndarray, step: int, share: float) -> tuple[int, int, int]:
    """Reference peak window by enumeration: (start minute, length in minutes, cases)."""
    bins = np.asarray(minutes) // step
    n_bins = 1440 // step
    need = max(math.ceil(share * len(minutes) - 1e-9), 1)
    for length in range(1, n_bins + 1):
        found = []
        for start in range(n_bins):
            held = int((((bins - start) % n_bins) < length).sum())
            if held >= need:
                found.append((-held, start))
        if found:
            held, start = min(found)
            return start * step, length * step, -held
    raise AssertionError("no window holds the cases")


# ---------------------------------------------------------------------------------------
# circular statistics


def test_midnight_is_circular():
    df = _frame([23 * 60 + 30, 30])
    s = circular_summary(df, min_n=2, peak_share=1.0).iloc[0]
    assert s["mean_time"] == "00:00"
    assert s["resultant_length"] == pytest.approx(math.cos(math.radians(7.5)))
    # 00:30 belongs to [00:30, 01:00): the shortest window holding both runs 23:30–01:00
    assert (s["peak_start"], s["peak_end"], s["peak_n"]) == (1410, 60, 2)
    assert s["peak_end"] < s["peak_start"]
    assert s["peak_text"] == "工作日 23:30–次日01:00"

    s = circular_summary(_frame([23 * 60 + 40, 20]), min_n=2, peak_share=1.0).iloc[0]
    assert s["mean_time"] == "00:00"
    assert s["peak_text"] == "工作日 23:30–次日00:30"
    # the linear mean would be noon
    assert circular_summary(_frame([23 * 60, 60]), min_n=2)["mean_time"].iloc[0] == "00:00"


def test_constructed_morning_peak():
    rng = np.random.default_rng(7)
    peak = rng.integers(7 * 60, 8 * 60 + 30, 600)
    rest = rng.integers(0, 1440, 400)
    minutes = np.concatenate([peak, rest])
    df = _frame(minutes)  # Monday to Friday
    s = circular_summary(df).iloc[0]
    assert s["peak_text"] == "工作日 07:00–08:30"
    assert s["peak_share"] >= 0.5
    start, length, held = _brute_peak(minutes, 30, 0.5)
    assert (s["peak_start"], s["peak_end"] - s["peak_start"], s["peak_n"]) == (start, length, held)
    # no shorter grid window holds half of the cases
    bins = minutes // 30
    for st in range(48):
        assert (((bins - st) % 48) < 2).sum() < 500
    assert s["rayleigh_p"] < 1e-10
    assert 7 * 60 <= int(s["mean_time"][:2]) * 60 + int(s["mean_time"][3:]) < 9 * 60


@pytest.mark.parametrize("seed", range(12))
def test_peak_window_matches_enumeration(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    step = int(rng.choice([15, 30, 60, 120]))
    share = float(rng.choice([0.3, 0.5, 0.6, 0.75, 1.0]))
    centre = rng.integers(0, 1440)
    minutes = np.where(
        rng.random(n) < 0.5,
        (centre + rng.integers(-90, 90, n)) % 1440,
        rng.integers(0, 1440, n),
    )
    s = circular_summary(_frame(minutes), peak_share=share, step_minutes=step, max_hours=None).iloc[
        0
    ]
    start, length, held = _brute_peak(minutes, step, share)
    assert s["peak_start"] == start
    assert s["peak_n"] == held
    assert (s["peak_end"] - s["peak_start"]) % 1440 == length % 1440
    assert s["peak_share"] == pytest.approx(held / n)
    assert held >= share * n - 1e-9


def test_peak_ties_rule():
    # two equal clusters: the same length and count -> the earliest start wins
    df = _frame([7 * 60 + 10] * 3 + [17 * 60 + 10] * 3)
    assert circular_summary(df)["peak_text"].iloc[0] == "工作日 07:00–07:30"
    # equal length, different counts: the fuller window wins over the earlier one
    minutes = [3 * 60 + 5] * 3 + [17 * 60 + 5] * 4 + [10 * 60, 12 * 60, 14 * 60]
    s = circular_summary(_frame(minutes), peak_share=0.3).iloc[0]
    assert (s["peak_start"], s["peak_n"]) == (17 * 60, 4)
    # a case at 08:30 exactly belongs to [08:30, 09:00)
    s = circular_summary(_frame([8 * 60 + 30] * 3 + [13 * 60, 20 * 60])).iloc[0]
    assert s["peak_text"] == "工作日 08:30–09:00"


def test_rayleigh_p_peaked_uniform_formula_and_simulation():
    peaked = _frame(np.r_[np.full(10, 7 * 60), np.full(10, 7 * 60 + 40)])
    assert circular_summary(peaked)["rayleigh_p"].iloc[0] < 1e-6
    even = _frame(np.arange(0, 1440, 60))  # 24 evenly spaced times: R̄ = 0
    s = circular_summary(even).iloc[0]
    assert s["resultant_length"] == pytest.approx(0.0, abs=1e-12)
    assert s["rayleigh_p"] == pytest.approx(1.0)
    assert pd.isna(s["mean_time"])

    rng = np.random.default_rng(3)
    minutes = np.r_[rng.integers(6 * 60, 10 * 60, 5), rng.integers(0, 1440, 7)]
    s = circular_summary(_frame(minutes)).iloc[0]
    n = len(minutes)
    theta = 2 * np.pi * minutes / 1440
    rbar = math.hypot(np.cos(theta).sum(), np.sin(theta).sum()) / n
    assert s["resultant_length"] == pytest.approx(rbar)
    big_r = n * rbar
    zar = math.exp(math.sqrt(1 + 4 * n + 4 * (n * n - big_r * big_r)) - (1 + 2 * n))
    assert s["rayleigh_p"] == pytest.approx(zar)
    # the p-value is the chance of an R̄ this large from n uniform times
    sim = rng.uniform(0, 2 * np.pi, (100_000, n))
    sim_r = np.hypot(np.cos(sim).sum(axis=1), np.sin(sim).sum(axis=1)) / n
    assert s["rayleigh_p"] == pytest.approx((sim_r >= rbar).mean(), abs=0.01)
    # fewer than two timed cases: no test
    assert np.isnan(circular_summary(_frame([480]))["rayleigh_p"].iloc[0])


def test_days_classification():
    weekdays = _frame([480] * 10, days=[0, 1, 2, 3, 4] * 2)
    assert circular_summary(weekdays)["days"].iloc[0] == "工作日"
    weekend = _frame([480] * 10, days=[5, 6] * 5)
    assert circular_summary(weekend)["peak_text"].iloc[0] == "周末 08:00–08:30"
    mixed = _frame([480] * 10, days=[0, 1, 2, 3, 4, 5, 6, 0, 1, 5])
    assert circular_summary(mixed)["days"].iloc[0] == "每天"
    # the share counts day-precision cases too: 8 of 10 on weekdays
    df = pd.concat([_frame([480] * 3, days=[5, 6, 5]), _frame([0] * 7, precision="day")])
    assert circular_summary(df)["days"].iloc[0] == "每天"
    assert circular_summary(df, workday_share=0.7)["days"].iloc[0] == "工作日"


def test_min_n():
    df = _frame([480, 500])
    s = circular_summary(df).iloc[0]
    assert s["peak_text"] == "样本不足（n=2）"
    assert s[["peak_start", "peak_end", "peak_n", "peak_share"]].isna().all()
    assert s["mean_time"] == "08:10" and s["n_timed"] == 2
    assert circular_summary(df, min_n=2)["peak_text"].iloc[0] == "工作日 08:00–08:30"
    # untimed cases do not count towards min_n
    more = pd.concat([df, _frame([0] * 5, precision="day")], ignore_index=True)
    s = circular_summary(more).iloc[0]
    assert (s["n"], s["n_timed"], s["peak_text"]) == (7, 2, "样本不足（n=2）")


# ---------------------------------------------------------------------------------------
# profiles


def test_day_precision_excluded_from_hours_but_counted_by_weekday():
    timed = _frame([7 * 60 + 40, 17 * 60 + 5], days=[0, 1])
    untimed = _frame([0, 0, 0], days=[2, 2, 5], precision="day")
    hour_only = _frame([8 * 60], days=[3], precision="hour")
    missing = _frame([0], days=[6], precision=None)
    df = pd.concat([timed, untimed, hour_only, missing], ignore_index=True)
    hp = hour_profile(df)
    assert hp["n"].sum() == 3 and hp.attrs["n_untimed"] == 4
    assert hp.loc[hp["hour"] == 0, "n"].item() == 0  # no placeholder midnights
    assert hp.set_index("hour").loc[[7, 8, 17], "n"].tolist() == [1, 1, 1]
    wp = weekday_profile(df)
    assert wp["n"].tolist() == [1, 1, 2, 1, 0, 1, 1]
    assert wp["weekday_label"].tolist() == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert wp["share"].sum() == pytest.approx(1.0)
    assert circular_summary(df)[["n", "n_timed"]].iloc[0].tolist() == [7, 3]


def test_hour_profile_zero_filled_and_sorted():
    df = _frame([7 * 60, 7 * 60 + 59, 18 * 60], direction=["上班", "上班", None])
    hp = hour_profile(df, by="direction")
    assert len(hp) == 48
    assert hp["direction"].tolist() == ["上班"] * 24 + ["未知"] * 24
    assert hp["hour"].tolist() == list(range(24)) * 2
    up = hp[hp["direction"] == "上班"].set_index("hour")
    assert up.loc[7, "n"] == 2 and up["n"].sum() == 2 and up.loc[7, "share"] == 1.0
    assert (hp.groupby("direction")["share"].sum() == 1.0).all()
    # a group without a timed case keeps its 24 rows, with NaN shares
    df2 = pd.concat([df, _frame([0], precision="day", direction=["下班"])], ignore_index=True)
    hp2 = hour_profile(df2, "direction")
    down = hp2[hp2["direction"] == "下班"]
    assert len(down) == 24 and down["n"].sum() == 0 and down["share"].isna().all()
    # no case at all: 24 zero rows
    empty = hour_profile(df.iloc[:0])
    assert len(empty) == 24 and empty["n"].sum() == 0


def test_by_group_equals_per_group_calls():
    df = _realistic(np.random.default_rng(11))
    for by in ("direction", "unit_id", ["direction", "sex"]):
        cols = [by] if isinstance(by, str) else by
        summary = circular_summary(df, by, min_n=5)
        hp = hour_profile(df, by)
        wp = weekday_profile(df, by)
        assert summary["n"].sum() == len(df)
        assert len(hp) == 24 * len(summary) and len(wp) == 7 * len(summary)
        keys = df[cols].astype(object).where(df[cols].notna(), "未知")
        keys = keys.replace(r"^\s*$", "未知", regex=True)
        for _, row in summary.iterrows():
            mask = (keys[cols] == row[cols]).all(axis=1)
            alone = circular_summary(df[mask], min_n=5).iloc[0]
            got = row.drop(labels=cols)
            pd.testing.assert_series_equal(
                got.astype(object), alone.astype(object), check_names=False
            )
            sel = (hp[cols] == row[cols]).all(axis=1)
            single = hour_profile(df[mask])
            np.testing.assert_array_equal(hp.loc[sel, "n"].to_numpy(), single["n"].to_numpy())
            sel = (wp[cols] == row[cols]).all(axis=1)
            single = weekday_profile(df[mask])
            np.testing.assert_array_equal(wp.loc[sel, "n"].to_numpy(), single["n"].to_numpy())
    # 未知 (missing or blank unit) sorts last
    assert circular_summary(df, "unit_id")["unit_id"].iloc[-1] == "未知"


def test_realistic_directions_on_the_demo(demo_geocoded):
    s = circular_summary(demo_geocoded, "direction").set_index("direction")
    assert s["n"].sum() == len(demo_geocoded)
    timed = demo_geocoded["time_precision"].isin(["minute", "hour"]).sum()
    assert s["n_timed"].sum() == timed
    assert (s["rayleigh_p"] < 0.001).all()
    assert (s["peak_share"] >= 0.5).all()
    to_work = s.loc["上班", "peak_start"]
    home = s.loc["下班", "peak_start"]
    assert 5 * 60 <= to_work < 10 * 60 and 15 * 60 <= home < 20 * 60
    hp = hour_profile(demo_geocoded)
    assert hp["n"].sum() == timed


# ---------------------------------------------------------------------------------------
# formatter, missing columns, validation


def test_peak_window_text():
    assert peak_window_text(420, 510, "工作日") == "工作日 07:00–08:30"
    assert peak_window_text(1350, 60, "每天") == "每天 22:30–次日01:00"
    assert peak_window_text(1320, 0, "周末") == "周末 22:00–24:00"
    assert peak_window_text(0, 1440, None) == "00:00–24:00"
    assert peak_window_text(float(30), 90.0) == "00:30–01:30"
    for start, end in [(420, 420), (-30, 60), (0, 1441), (7.5, 60), (np.nan, 60)]:
        with pytest.raises(ValueError):
            peak_window_text(start, end, "每天")


def test_whole_day_window():
    s = circular_summary(
        _frame([0, 480, 960]), peak_share=1.0, step_minutes=480, max_hours=None
    ).iloc[0]
    assert (s["peak_start"], s["peak_end"]) == (0, 1440)
    assert s["peak_text"] == "工作日 00:00–24:00"


def test_missing_columns_do_not_crash():
    df = _frame([480, 490, 500]).drop(columns="time_precision")
    s = circular_summary(df, "direction").iloc[0]  # absent column -> group 未知
    assert s["direction"] == "未知" and s["n_timed"] == 3
    nothing = pd.DataFrame({"sex": ["男", "女"]})
    hp = hour_profile(nothing, "sex")
    assert len(hp) == 48 and hp["n"].sum() == 0
    s = circular_summary(nothing)
    assert s["n"].iloc[0] == 2 and s["n_timed"].iloc[0] == 0
    assert s["peak_text"].iloc[0] == "样本不足（n=0）" and pd.isna(s["days"].iloc[0])
    assert weekday_profile(nothing)["n"].sum() == 0
    assert len(circular_summary(nothing.iloc[:0], "sex")) == 0


def test_validation():
    df = _frame([480, 490, 500])
    with pytest.raises(ValueError, match="divide"):
        circular_summary(df, step_minutes=7)
    for bad in ({"peak_share": 0}, {"peak_share": 1.5}, {"min_n": 0}, {"step_minutes": 0}):
        with pytest.raises(ValueError):
            circular_summary(df, **bad)
    with pytest.raises(TypeError):
        circular_summary(df, by=3)
    with pytest.raises(TypeError, match="datetime64"):
        hour_profile(df.assign(injured_at=df["injured_at"].astype(str)))


def test_hotspot_peaks_of_the_demo_evening_hotspot(demo_hotspots):
    """The demo plants one intersection hotspot active only 16:30–19:00 (H05): its peak
    window in words lies in the evening."""
    from trafficprev.trends import hotspot_peaks

    truth = pd.read_csv(
        Path(__file__).resolve().parents[1] / "data" / "demo" / "truth" / "hotspots.csv"
    )
    evening = truth[truth["pattern"] == "evening"].iloc[0]
    peaks = hotspot_peaks(demo_hotspots.cases, demo_hotspots.units)
    assert peaks["n"].is_monotonic_decreasing
    row = peaks[
        peaks["place"].str.contains(evening["road"])
        & peaks["place"].str.contains(evening["cross_road"])
    ].iloc[0]
    assert row["place"].endswith("交叉口")
    assert row["peak_start"] >= 16 * 60 and row["peak_end"] <= 19 * 60 + 30
    start, end = int(row["peak_start"]), int(row["peak_end"])
    assert row["peak_text"].endswith(
        f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"
    )
    with pytest.raises(ValueError, match="hot or hotspot_class"):
        hotspot_peaks(demo_hotspots.cases, demo_hotspots.units[["unit_id", "road"]])


# ---------------------------------------------------------------------------------------
# capped peak windows (issue 18: "工作日 06:00–12:30" tells nobody where to stand)


def _held(bins: np.ndarray, n_bins: int, start: int, length: int) -> int:
    return int((((bins - start) % n_bins) < length).sum())


def _cover(start: int, length: int, n_bins: int) -> set[int]:
    return {(start + i) % n_bins for i in range(length)}


def _brute_capped(minutes, step: int, max_hours: float, min_n: int = 3):
    """Reference capped windows by enumeration: ((start, length, cases), second or None),
    minutes and cases; the fullest window of at most the width, then the shortest, then the
    earliest; the second the same among windows sharing no bin with the first, listed when
    it holds ⌈⅔·first⌉ and min_n cases."""
    bins = np.asarray(minutes) // step
    n_bins = 1440 // step
    width = math.floor(max_hours * 60 / step + 1e-9)
    every = [(s, ln) for ln in range(1, width + 1) for s in range(n_bins)]

    def best(pairs):
        scored = [(_held(bins, n_bins, s, ln), -ln, -s) for s, ln in pairs]
        h, ln, s = max(scored)
        return -s * step, -ln * step, h

    first = best(every)
    taken = _cover(first[0] // step, first[1] // step, n_bins)
    free = [(s, ln) for s, ln in every if not _cover(s, ln, n_bins) & taken]
    second = best(free) if free else None
    if second and second[2] < max(math.ceil(2 / 3 * first[2] - 1e-9), min_n):
        second = None
    return first, second


def _as_window(row, prefix: str = "peak") -> tuple[int, int]:
    """(start minute, length in minutes) of a row's window."""
    a, b = int(row[f"{prefix}_start"]), int(row[f"{prefix}_end"])
    return a, (b - a) % 1440 or 1440


def test_issue_example_two_windows_with_their_shares():
    """38 cases 07:00–09:30, 27 cases 17:00–19:00, 35 spread thinly: half of the cases need
    12 hours, so the densest 3-hour windows are reported, each with its share."""
    morning = np.repeat(7 * 60 + 30 * np.arange(5) + 10, [8, 8, 8, 7, 7])
    evening = np.repeat(17 * 60 + 30 * np.arange(4) + 10, [7, 7, 7, 6])
    quiet = [h * 60 + 15 for h in (*range(0, 6), *range(11, 16), 20, 21, 22, 23)]
    filler = np.array((quiet * 3)[:35])
    minutes = np.concatenate([morning, evening, filler])
    s = circular_summary(_frame(minutes)).iloc[0]
    assert s["peak_text"] == "工作日 07:00–09:30（占38%）；17:00–19:00（占27%）"
    assert bool(s["peak_capped"])
    assert (s["peak_start"], s["peak_end"], s["peak2_start"], s["peak2_end"]) == (
        420,
        570,
        1020,
        1140,
    )
    assert s["peak_share"] == pytest.approx(0.38) and s["peak2_share"] == pytest.approx(0.27)
    assert s["peak_n"] == 27 and s["peak2_n"] == 27  # the fewer: every named window holds it
    old = circular_summary(_frame(minutes), max_hours=None).iloc[0]
    assert (old["peak_end"] - old["peak_start"]) % 1440 > 180 and not old["peak_capped"]
    assert "占" not in old["peak_text"] and np.isnan(old["peak2_start"])
    assert s.name == 0 and circular_summary(_frame(minutes)).attrs["max_hours"] == 3.0


def test_second_window_needs_two_thirds_and_min_n():
    # one cluster of 6, one of 3, background of 6: the second holds 3 < ⌈⅔·6⌉ = 4
    few = np.r_[np.full(6, 8 * 60), np.full(3, 18 * 60), np.arange(6) * 60 * 4 + 50]
    s = circular_summary(_frame(few), peak_share=0.9).iloc[0]
    assert bool(s["peak_capped"]) and np.isnan(s["peak2_start"])
    assert s["peak_text"].count("；") == 0 and "（占" in s["peak_text"]
    # two clusters of 4: ⅔ is met, but a second window needs min_n cases
    pair = np.r_[np.full(4, 8 * 60), np.full(4, 18 * 60)]
    assert circular_summary(_frame(pair), peak_share=0.9, min_n=4)["peak2_n"].iloc[0] == 4
    assert np.isnan(circular_summary(_frame(pair), peak_share=0.9, min_n=5)["peak2_n"].iloc[0])


@pytest.mark.parametrize("seed", range(16))
def test_capped_windows_match_enumeration(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(3, 60))
    step = int(rng.choice([15, 30, 60]))
    max_hours = float(rng.choice([1.0, 1.5, 2.0, 2.75, 3.0, 4.0]))
    share = float(rng.choice([0.3, 0.5, 0.75, 1.0]))
    centres = rng.choice([7.5 * 60, 17.5 * 60, rng.integers(0, 1440)], n)
    minutes = np.where(
        rng.random(n) < 0.6,
        (centres + rng.normal(0, 50, n)).astype(int) % 1440,
        rng.integers(0, 1440, n),
    )
    kw = {"peak_share": share, "step_minutes": step}
    s = circular_summary(_frame(minutes), max_hours=max_hours, **kw).iloc[0]
    free = circular_summary(_frame(minutes), max_hours=None, **kw).iloc[0]
    _, shortest, _ = _brute_peak(minutes, step, share)
    if shortest <= max_hours * 60:  # narrow enough: exactly the old answer
        assert not s["peak_capped"]
        pd.testing.assert_series_equal(s[free.index], free, check_names=False)
        return
    first, second = _brute_capped(minutes, step, max_hours)
    assert bool(s["peak_capped"])
    assert (*_as_window(s), s["peak_share"] * len(minutes)) == pytest.approx(first)
    if second is None:
        assert np.isnan(s["peak2_start"]) and s["peak_n"] == first[2]
    else:
        assert (*_as_window(s, "peak2"), s["peak2_n"]) == second
        assert s["peak_n"] == second[2]


@settings(max_examples=200, deadline=None)
@given(
    minutes=hst.lists(hst.integers(0, 1439), min_size=1, max_size=80),
    step=hst.sampled_from([10, 15, 30, 60]),
    max_hours=hst.floats(1.0, 24.0),
    share=hst.floats(0.05, 1.0),
    min_n=hst.integers(1, 4),
)
def test_peak_windows_never_exceed_the_cap(minutes, step, max_hours, share, min_n):
    arr = np.array(minutes)
    s = circular_summary(
        _frame(arr), peak_share=share, step_minutes=step, max_hours=max_hours, min_n=min_n
    ).iloc[0]
    if len(arr) < min_n:
        assert np.isnan(s["peak_start"]) and s["peak_text"].startswith("样本不足")
        return
    bins, n_bins = arr // step, 1440 // step
    a, length = _as_window(s)
    assert length <= max_hours * 60 + 1e-6
    held = _held(bins, n_bins, a // step, length // step)
    assert held == pytest.approx(s["peak_share"] * len(arr))
    assert ("（占" in s["peak_text"]) == bool(s["peak_capped"])
    if not s["peak_capped"]:  # the shortest window holding the share
        assert held >= share * len(arr) - 1e-9 and np.isnan(s["peak2_start"])
        assert s["peak_n"] == held
        return
    if np.isnan(s["peak2_start"]):
        assert s["peak_n"] == held and "；" not in s["peak_text"]
        return
    a2, length2 = _as_window(s, "peak2")
    assert length2 <= max_hours * 60 + 1e-6
    assert not _cover(a // step, length // step, n_bins) & _cover(
        a2 // step, length2 // step, n_bins
    )
    held2 = _held(bins, n_bins, a2 // step, length2 // step)
    assert held2 == s["peak2_n"] == s["peak_n"] <= held
    assert held2 >= max(2 / 3 * held - 1e-9, min_n)
    assert s["peak_text"].count("（占") == 2


def test_max_hours_validation():
    df = _frame([480, 490, 500])
    for bad in (0, -1, 25, True, "3", float("nan")):
        with pytest.raises(ValueError, match="max_hours"):
            circular_summary(df, max_hours=bad)
    with pytest.raises(ValueError, match="at least one step"):
        circular_summary(df, max_hours=0.5, step_minutes=60)
    assert circular_summary(df, max_hours=0.5)["peak_text"].iloc[0] == "工作日 08:00–08:30"


def test_hotspot_peaks_pass_the_cap():
    from trafficprev.trends import hotspot_peaks

    wide = np.r_[np.full(5, 7 * 60 + 5), np.full(4, 18 * 60 + 5), np.arange(0, 1440, 180) + 20]
    cases = _frame(wide, unit_id="I:甲路|乙路")
    units = pd.DataFrame({"unit_id": ["I:甲路|乙路"], "road": ["甲路"], "hot": [True]})
    capped = hotspot_peaks(cases, units, peak_share=0.75).iloc[0]
    # 06:20 joins the morning cluster, 18:20 the evening one; 5 ≥ ⌈⅔·6⌉
    assert capped["peak_text"] == "工作日 06:00–07:30（占35%）；18:00–18:30（占29%）"
    free = hotspot_peaks(cases, units, peak_share=0.75, max_hours=None).iloc[0]
    assert not free["peak_capped"] and "占" not in free["peak_text"]
