"""Sliding road windows, 多发点段 rules, period and time-of-day window counts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from trafficprev._errors import SchemaError
from trafficprev.hotspots._windows import (
    HOTSPOT_LABEL,
    PRESETS,
    WindowRule,
    flag_windows,
    severity_weights,
    sliding_windows,
    window_counts,
)

AS_OF = dt.date(2025, 6, 30)


# ---------------------------------------------------------------------------------------
# sliding windows


def brute_windows(road, pos, lengths, window, step, weights):
    rows = []
    for r in dict.fromkeys(road):
        length = lengths[r]
        if length <= window:
            bounds = [(0.0, length, True)]
        else:
            starts = []
            k = 0
            while k * step < length - window:
                starts.append(k * step)
                k += 1
            bounds = [(s, s + window, False) for s in starts] + [(length - window, length, True)]
        for a, b, closed in bounds:
            n, wsum = 0, 0.0
            for rr, p, w in zip(road, pos, weights, strict=True):
                if rr == r and a <= p and (p <= b if closed else p < b):
                    n += 1
                    wsum += w
            if n:
                rows.append((r, a, b, n, wsum))
    return pd.DataFrame(rows, columns=["road", "start_m", "end_m", "n_cases", "n_weighted"])


@pytest.mark.parametrize(("window", "step"), [(500.0, 100.0), (2000.0, 250.0), (300.0, 300.0)])
def test_sliding_windows_match_brute_force(window, step):
    rng = np.random.default_rng(int(window + step))
    lengths = {"A": 2350.0, "B": 480.0, "C": 5000.0, "D": 2000.0}
    road = list(rng.choice(list(lengths), 300))
    pos = [float(rng.uniform(0, lengths[r])) for r in road]
    # positions on window bounds and at both road ends
    road += ["A", "A", "A", "C", "C", "B", "D", "D"]
    pos += [0.0, 500.0, 2350.0, 1000.0, 4999.999, 480.0, 1500.0, 2000.0]
    weights = list(rng.choice([1.0, 1.5, 3.0], len(road)))
    got = sliding_windows(road, pos, lengths, window_m=window, step_m=step, weights=weights)
    want = brute_windows(road, pos, lengths, window, step, weights)
    pd.testing.assert_frame_equal(
        got.sort_values(["road", "start_m"]).reset_index(drop=True),
        want.sort_values(["road", "start_m"]).reset_index(drop=True),
        check_dtype=False,
    )
    assert got["n_cases"].dtype == np.int64


def test_sliding_windows_length_forms_and_checks():
    by_map = sliding_windows(["a", "b"], [10, 20], {"a": 100.0, "b": 800.0})
    per_case = sliding_windows(["a", "b"], [10, 20], [100.0, 800.0])
    pd.testing.assert_frame_equal(by_map, per_case)
    assert by_map["end_m"].tolist() == [100.0, 500.0]
    with pytest.raises(ValueError, match="outside"):
        sliding_windows(["a"], [101.0], 100.0)
    with pytest.raises(ValueError, match="differs"):
        sliding_windows(["a", "a"], [1, 2], [100.0, 200.0])
    with pytest.raises(SchemaError, match="no road length"):
        sliding_windows(["a", "z"], [1, 2], {"a": 100.0})
    # missing road keys are dropped; nothing left gives an empty frame with the columns
    empty = sliding_windows([None], [1.0], 100.0)
    assert list(empty.columns) == ["road", "start_m", "end_m", "n_cases", "n_weighted"]
    assert empty.empty


# ---------------------------------------------------------------------------------------
# rules and flagging


def test_presets_follow_domain_defaults():
    assert (PRESETS["point_1y"].window_m, PRESETS["point_1y"].period_years) == (500.0, 1)
    assert PRESETS["point_1y"].min_cases == 3
    assert (PRESETS["point_3y"].window_m, PRESETS["point_3y"].min_cases) == (500.0, 5)
    assert PRESETS["point_3y"].period_years == 3
    assert PRESETS["segment_1y"].window_m == 2000.0
    assert all(r.label == HOTSPOT_LABEL for r in PRESETS.values())
    assert "工伤数据视角的多发点段" in HOTSPOT_LABEL
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS["point_1y"].min_cases = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="period_years"):
        WindowRule("x", 500.0, 0, 3)


def cases_frame(rows):
    df = pd.DataFrame(rows, columns=["road", "position_m", "injured_at"])
    df["injured_at"] = pd.to_datetime(df["injured_at"], format="ISO8601")
    df["road_length_m"] = df["road"].map({"R1": 3000.0, "R2": 1000.0})
    return df


def test_flag_windows_threshold_and_period():
    rows = [
        ("R1", 100.0, "2025-01-10 08:00"),
        ("R1", 300.0, "2024-07-01 00:05"),  # first day of the 1-year period
        ("R1", 350.0, "2024-06-30 23:00"),  # the day before: outside
        ("R2", 100.0, "2025-03-01 00:00"),
        ("R2", 200.0, "2025-03-02 00:00"),
    ]
    out = flag_windows(cases_frame(rows), "point_1y", as_of=AS_OF)
    assert out.empty  # R1 has 2 cases in the period, R2 has 2
    rows.append(("R1", 390.0, "2025-06-30 23:59"))  # last day: inside
    out = flag_windows(cases_frame(rows), "point_1y", as_of=AS_OF)
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["road"], row["n_cases"], row["cases_in_stretch"]) == ("R1", 3, 3)
    # windows [0,500) and stepped ones up to start 100 hold all three; merged: 0–600
    assert (row["start_m"], row["end_m"], row["n_windows"]) == (0.0, 600.0, 2)
    assert (row["period_start"], row["period_end"]) == (dt.date(2024, 7, 1), AS_OF)
    assert row["rule"] == "point_1y" and row["label"] == HOTSPOT_LABEL
    # the 3-year rule needs 5 cases: the outside case now counts, still only 4 on R1
    assert flag_windows(cases_frame(rows), "point_3y", as_of=AS_OF).empty


def test_flag_windows_merges_overlapping_and_keeps_gaps():
    rows = [("R1", p, "2025-01-01") for p in (100, 150, 200, 550, 600, 650, 2500, 2550, 2600)]
    rows += [("R2", p, "2025-01-01") for p in (900, 950, 1000)]
    out = flag_windows(cases_frame(rows), "point_1y", as_of=AS_OF)
    assert out[["road", "start_m", "end_m"]].values.tolist() == [
        ["R1", 0.0, 1000.0],  # windows 0–500 … 500–1000 overlap: one stretch
        ["R1", 2200.0, 3000.0],  # 2100–2600 misses 2600 (half-open)
        ["R2", 500.0, 1000.0],  # the last window of R2 includes its end
    ]
    assert out["n_cases"].tolist() == [4, 3, 3]  # 550, 600, 650 and 200 share 200–700
    assert out["cases_in_stretch"].tolist() == [6, 3, 3]
    # windows that only touch (step = window) also merge
    rows = [("R1", p, "2025-01-01") for p in (100, 200, 300, 600, 700, 800)]
    out = flag_windows(cases_frame(rows), "point_1y", as_of=AS_OF, step_m=500)
    assert out[["start_m", "end_m", "n_windows"]].values.tolist() == [[0.0, 1000.0, 2]]
    # a rule with weights: a single death weighs 3
    rows = [("R2", 100.0, "2025-01-01")]
    df = cases_frame(rows).assign(weight=[3.0])
    assert flag_windows(df, "point_1y", as_of=AS_OF).empty
    assert len(flag_windows(df, "point_1y", as_of=AS_OF, use_weights=True)) == 1


def test_flag_windows_checks_columns():
    df = cases_frame([("R1", 1.0, "2025-01-01")])
    with pytest.raises(SchemaError, match="datetime64"):
        flag_windows(df.assign(injured_at="2025-01-01"), "point_1y", as_of=AS_OF)
    with pytest.raises(SchemaError, match="road_length_m"):
        flag_windows(df.drop(columns="road_length_m"), "point_1y", as_of=AS_OF)
    with pytest.raises(ValueError, match="unknown rule"):
        flag_windows(df, "nope", as_of=AS_OF)
    # lengths may come as a mapping instead of a column
    out = flag_windows(
        df.drop(columns="road_length_m"),
        WindowRule("one", 500.0, 1, 1),
        as_of=AS_OF,
        road_length_m={"R1": 3000.0},
    )
    assert out["rule"].tolist() == ["one"]


# ---------------------------------------------------------------------------------------
# period and time-of-day windows


def test_severity_weights():
    s = pd.Series(["死亡", "重伤", "轻伤", "一般伤", None], index=list("abcde"))
    w = severity_weights(s)
    assert w.tolist() == [3.0, 1.5, 1.0, 1.0, 1.0]
    assert list(w.index) == list("abcde")
    assert severity_weights(s, {"死亡": 5.0}, default=0.5).tolist() == [5.0, 0.5, 0.5, 0.5, 0.5]


def test_hour_bands_wrap_midnight():
    times = [
        "06:29:59", "06:30", "08:59:59", "09:00", "11:00", "13:59", "14:00",
        "16:30", "19:29", "19:30", "20:59:59", "21:00", "23:59:59", "00:00", "04:59:59", "05:00",
    ]  # fmt: skip
    want = [
        "其他", "早高峰", "早高峰", "其他", "午间", "午间", "其他",
        "晚高峰", "晚高峰", "其他", "其他", "夜间", "夜间", "夜间", "夜间", "其他",
    ]  # fmt: skip
    df = pd.DataFrame(
        {
            "unit_id": range(len(times)),
            "injured_at": pd.to_datetime(["2024-05-01 " + t for t in times], format="ISO8601"),
        }
    )
    out = window_counts(df, kind="hour_band")
    assert out.groupby("unit_id", sort=True).size().eq(5).all()  # 4 bands + 其他 each
    got = out[out["n_cases"] > 0].sort_values("unit_id")["window"].tolist()
    assert got == want
    assert out["window"].iloc[:5].tolist() == ["早高峰", "午间", "晚高峰", "夜间", "其他"]


def test_hour_bands_configurable_and_unknown_time():
    df = pd.DataFrame(
        {
            "unit_id": ["a", "a", "a"],
            "injured_at": pd.to_datetime(
                ["2024-05-01 23:30", "2024-05-02 00:00", "2024-05-03 00:00"]
            ),
            "time_precision": ["minute", "minute", "day"],
        }
    )
    out = window_counts(df, kind="hour_band", hour_bands={"深夜": ("23:00", "01:00")})
    assert dict(zip(out["window"], out["n_cases"], strict=True)) == {
        "深夜": 2,
        "其他": 0,
        "时间不详": 1,
    }
    with pytest.raises(ValueError, match="overlap"):
        window_counts(
            df, kind="hour_band", hour_bands={"x": ("22:00", "02:00"), "y": ("01:00", "03:00")}
        )
    with pytest.raises(ValueError, match="reserved"):
        window_counts(df, kind="hour_band", hour_bands={"其他": ("01:00", "02:00")})


def quarterly_cases():
    return pd.DataFrame(
        {
            "unit_id": ["s1", "s1", "s1", "s2", "s1", "s2"],
            "injured_at": pd.to_datetime(
                ["2023-02-01", "2023-02-20", "2023-08-01", "2024-01-15", "2024-04-01", None]
            ),
            "severity": ["死亡", "轻伤", "重伤", "轻伤", "轻伤", "轻伤"],
        }
    )


def test_window_counts_zero_fill_quarter_and_year():
    out = window_counts(quarterly_cases(), kind="quarter")
    quarters = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    assert out["window"].tolist() == quarters * 2
    assert out["unit_id"].tolist() == ["s1"] * 6 + ["s2"] * 6
    assert out["n_cases"].tolist() == [2, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0]
    assert out["n_weighted"].tolist() == [4.0, 0, 1.5, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0]
    assert out["start"].iloc[1] == pd.Timestamp("2023-04-01")
    assert out["end"].iloc[1] == pd.Timestamp("2023-07-01")
    assert out.attrs["n_dropped"] == 1
    years = window_counts(quarterly_cases(), kind="year")
    assert years[["unit_id", "window", "n_cases"]].values.tolist() == [
        ["s1", "2023", 3],
        ["s1", "2024", 1],
        ["s2", "2023", 0],
        ["s2", "2024", 1],
    ]


def test_window_counts_rolling_four_quarters():
    rng = np.random.default_rng(8)
    n = 200
    df = pd.DataFrame(
        {
            "unit_id": rng.choice(["a", "b", "c"], n),
            "injured_at": pd.Timestamp("2022-01-01")
            + pd.to_timedelta(rng.integers(0, 3 * 365, n), unit="D"),
            "weight": rng.choice([1.0, 1.5, 3.0], n),
        }
    )
    out = window_counts(df, kind="rolling4q")
    q = df["injured_at"].dt.to_period("Q")
    quarters = pd.period_range(q.min(), q.max(), freq="Q")
    assert out["window"].iloc[0] == f"{quarters[0]}–{quarters[3]}"
    assert len(out) == 3 * (len(quarters) - 3)
    for row in out.itertuples():
        inside = (df["unit_id"] == row.unit_id) & (df["injured_at"] >= row.start)
        inside &= df["injured_at"] < row.end
        assert row.n_cases == inside.sum()
        assert row.n_weighted == pytest.approx(df.loc[inside, "weight"].sum())
        assert (row.end - row.start).days in range(365, 367)
    # fewer than four quarters of data: no complete rolling window
    assert window_counts(quarterly_cases().iloc[:2], kind="rolling4q").empty


def test_window_counts_checks():
    with pytest.raises(ValueError, match="kind"):
        window_counts(quarterly_cases(), kind="month")
    with pytest.raises(SchemaError, match="lack"):
        window_counts(quarterly_cases(), unit_col="segment_id", kind="year")


@pytest.mark.parametrize("kind", ["quarter", "year", "rolling4q", "hour_band"])
def test_window_counts_of_no_cases(kind):
    df = pd.DataFrame(
        {"unit_id": pd.Series([], dtype=object), "injured_at": pd.Series([], dtype="M8[ns]")}
    )
    out = window_counts(df, kind=kind)
    assert out.empty
    assert {"unit_id", "window", "n_cases", "n_weighted"} <= set(out.columns)
    assert out["n_cases"].dtype == np.int64
