"""Group and circumstance tables, cross tables (trafficprev.groups._tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trafficprev.groups._tables import (
    CROSSTABS,
    age_band,
    circumstance_tables,
    crosstab,
    crosstab_wide,
    group_table,
    group_tables,
    location_kind,
    standard_crosstabs,
    years_spanned,
)
from trafficprev.trends._profiles import WEEKDAY_LABELS

MODES = ["电动自行车", "摩托车", "步行", "小型汽车", "自行车", "乘车", "公交", "未知", "其他"]
COUNTERPARTS = ["小型汽车", "电动自行车", "货车", "摩托车", "渣土车", "单方", "行人", "未知"]
INDUSTRIES = ["制造业", "卫生和社会工作", "建筑业", "教育", "批发和零售业"]


def _cases(seed: int = 5, n: int = 400) -> pd.DataFrame:
    """Realistic commuting cases with missing values sprinkled in."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 730, n)
    minute = np.where(rng.random(n) < 0.5, rng.normal(460, 40, n), rng.normal(1060, 50, n))
    when = (
        pd.Timestamp("2023-01-01")
        + pd.to_timedelta(day, "D")
        + pd.to_timedelta(np.rint(minute).astype(int) % 1440, "min")
    )
    precision = rng.choice(["minute", "hour", "day", None], n, p=[0.75, 0.08, 0.15, 0.02])
    age = pd.array(rng.integers(18, 64, n), dtype="Int64")
    age[rng.random(n) < 0.15] = pd.NA
    df = pd.DataFrame(
        {
            "injured_at": when.astype("datetime64[ns]"),
            "time_precision": precision,
            "sex": rng.choice(["男", "女", None], n, p=[0.56, 0.42, 0.02]),
            "age": age,
            "direction": rng.choice(["上班", "下班", "其他"], n, p=[0.55, 0.43, 0.02]),
            "mode": rng.choice(MODES, n, p=[0.5, 0.15, 0.1, 0.08, 0.05, 0.04, 0.03, 0.03, 0.02]),
            "counterpart": rng.choice(COUNTERPARTS, n),
            "responsibility": rng.choice(["全部", "主要", "同等", "次要", "无", "意外", None], n),
            "industry": rng.choice([*INDUSTRIES, ""], n, p=[0.5, 0.2, 0.1, 0.1, 0.05, 0.05]),
            "unit_id": rng.choice(["S:人民路:1:000100", "I:建设路|解放路", "", None], n),
            "match_level": rng.choice(["road", "intersection", "landmark", "county", "none"], n),
        }
    )
    df.loc[rng.random(n) < 0.01, "injured_at"] = pd.NaT
    return df


# ---------------------------------------------------------------------------------------
# derived variables


def test_age_band_edges():
    ages = pd.Series([0, 24, 25, 34, 35, 44, 45, 54, 55, 59, 60, 90, None], dtype="Int64")
    band = age_band(ages)
    assert band.astype(str).tolist() == [
        "25岁以下", "25岁以下", "25–34岁", "25–34岁", "35–44岁", "35–44岁", "45–54岁",
        "45–54岁", "55–59岁", "55–59岁", "60岁及以上", "60岁及以上", "未知",
    ]  # fmt: skip
    assert band.cat.ordered
    assert list(band.cat.categories) == [
        "25岁以下", "25–34岁", "35–44岁", "45–54岁", "55–59岁", "60岁及以上", "未知",
    ]  # fmt: skip
    assert band.index.equals(ages.index) and band.name == "age_band"
    assert age_band([24.9, 25.5, 30, "x"], edges=(25, 26, 40)).astype(str).tolist() == [
        "25岁以下", "25岁", "26–39岁", "未知",
    ]  # fmt: skip
    for bad in ((), (30, 25), (25.5, 30)):
        with pytest.raises(ValueError):
            age_band(ages, bad)


def test_location_kind_from_units_and_from_match_level():
    df = pd.DataFrame(
        {
            "unit_id": ["I:建设路|解放路", "S:人民路:1:000100", "", None, "", ""],
            "match_level": ["road", "intersection", "intersection", "road_offset", "village", None],
        }
    )
    assert location_kind(df).tolist() == ["交叉口", "路段", "交叉口", "路段", "未知", "未知"]
    levels = pd.DataFrame(
        {"match_level": ["intersection", "road_offset", "landmark", "road", "township", "given"]}
    )
    assert location_kind(levels).tolist() == ["交叉口", "路段", "路段", "路段", "未知", "未知"]
    units = pd.DataFrame({"unit_id": ["I:a|b", "S:x:1:0", ""]}, index=[10, 11, 12])
    kind = location_kind(units)
    assert kind.tolist() == ["交叉口", "路段", "未知"] and kind.index.tolist() == [10, 11, 12]
    assert location_kind(pd.DataFrame({"sex": ["男"]})).tolist() == ["未知"]


def test_years_spanned_counts_calendar_quarters():
    t = pd.Series(pd.to_datetime(["2023-03-31 23:00", "2023-04-01 08:00", None]))
    assert years_spanned(t) == 0.5  # 2023Q1 and 2023Q2
    assert years_spanned(pd.Series(pd.to_datetime(["2023-02-01", "2024-12-31"]))) == 2.0
    assert years_spanned(pd.Series([], dtype="datetime64[ns]")) == 0.0


# ---------------------------------------------------------------------------------------
# one-way tables


def test_counts_add_up_in_every_table():
    df = _cases()
    n = len(df)
    tables = {**group_tables(df), **circumstance_tables(df)}
    assert list(tables) == [
        "性别", "年龄段", "出行方式", "行业", "时段", "通勤方向",
        "对方车辆", "交叉口/路段", "事故责任", "小时", "星期", "月份",
    ]  # fmt: skip
    timed = df["injured_at"].notna() & df["time_precision"].isin(["minute", "hour"])
    dated = df["injured_at"].notna()
    for title, table in tables.items():
        expected = {"小时": timed.sum(), "星期": dated.sum(), "月份": dated.sum()}.get(title, n)
        assert table["n"].sum() == expected == table.attrs["n_total"], title
        assert table.attrs["n_total"] + table.attrs["n_excluded"] == n, title
        assert table["share"].sum() == pytest.approx(1.0), title
        assert (table["share_lower"] <= table["share"]).all(), title
        assert (table["share"] <= table["share_upper"]).all(), title
        assert table.attrs["title"] == title
    assert tables["小时"]["hour"].tolist() == list(range(24))
    assert tables["星期"]["weekday"].tolist() == list(WEEKDAY_LABELS)
    assert tables["月份"]["month"].tolist() == [f"{m}月" for m in range(1, 13)]
    band = tables["时段"].set_index("hour_band")["n"]
    assert band["时间不详"] == (~timed).sum()
    assert list(band.index) == ["早高峰", "午间", "晚高峰", "夜间", "其他", "时间不详"]


def test_missing_values_are_unknown():
    df = pd.DataFrame(
        {
            "sex": ["男", None, "女", np.nan, "", "  ", "男"],
            "mode": ["步行", "未知", None, "步行", "公交", "步行", "公交"],
        }
    )
    sex = group_table(df, "sex").set_index("sex")["n"]
    assert sex.to_dict() == {"未知": 4, "男": 2, "女": 1}
    mode = group_table(df, "mode").set_index("mode")["n"]  # a literal 未知 joins the missing
    assert mode.to_dict() == {"步行": 3, "公交": 2, "未知": 2}
    absent = group_table(df, "industry")
    assert absent["industry"].tolist() == ["未知"] and absent["n"].tolist() == [7]
    # tables of absent columns are skipped by the builders
    assert list(group_tables(df)) == ["性别", "出行方式"]
    assert circumstance_tables(df) == {}
    assert standard_crosstabs(df) == {}


def test_small_cells_flagged():
    df = pd.DataFrame({"counterpart": ["货车"] * 5 + ["单方"] * 3 + ["行人"] * 2 + ["动物"]})
    table = group_table(df, "counterpart")
    assert table.set_index("counterpart")["small"].to_dict() == {
        "货车": False, "单方": False, "行人": True, "动物": True,
    }  # fmt: skip
    assert table.attrs["k"] == 3
    assert group_table(df, "counterpart", k=5)["small"].tolist() == [False, True, True, True]
    with pytest.raises(ValueError):
        group_table(df, "counterpart", k=0)


def test_sorted_by_n_then_category_and_deterministic():
    df = pd.DataFrame({"mode": ["步行", "公交", "公交", "摩托车", "步行", "乘车", None, "乘车"]})
    table = group_table(df, "mode")
    # ties (2 each) in value order, 未知 after the values it ties with
    assert table["mode"].tolist() == ["乘车", "公交", "步行", "摩托车", "未知"]
    shuffled = group_table(df.sample(frac=1, random_state=1), "mode")
    pd.testing.assert_frame_equal(table, shuffled)
    by_cat = group_table(df, "mode", sort="category")
    assert by_cat["mode"].tolist() == ["乘车", "公交", "摩托车", "步行", "未知"]
    with pytest.raises(ValueError):
        group_table(df, "mode", sort="size")


def test_wilson_interval_of_a_share():
    df = pd.DataFrame({"sex": ["男"] * 30 + ["女"] * 70})
    row = group_table(df, "sex", level=0.9).set_index("sex").loc["男"]
    z = stats.norm.ppf(0.95)
    p, n = 0.3, 100
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert row["share_lower"] == pytest.approx(centre - half)
    assert row["share_upper"] == pytest.approx(centre + half)


def test_industry_rates_from_a_register():
    register = pd.DataFrame(
        {
            "credit_code": ["A", "B", "C", "D", "E", "F"],
            "name": ["甲厂", "乙厂", "丙校", "丁店", "戊厂", "己司"],
            "industry": ["制造业", "制造业", "教育", "批发和零售业", "制造业", None],
            "insured": pd.array([300, 200, 500, 100, None, 999], dtype="Int64"),
        }
    )
    when = pd.to_datetime(["2023-01-05 07:30"] * 7 + ["2024-12-20 17:40"])
    cases = pd.DataFrame(
        {
            "injured_at": when,
            "time_precision": "minute",
            "industry": ["制造业"] * 6 + ["教育", None],
        }
    )
    table = group_tables(cases, register)["行业"].set_index("industry")
    assert table.attrs["years"] == 2.0  # 2023Q1 … 2024Q4: 8 quarters
    made = table.loc["制造业"]
    assert made["insured"] == 500 and made["person_years"] == 1000
    assert made["rate_per_1000"] == pytest.approx(6.0)
    assert made["rate_lower"] == pytest.approx(stats.chi2.ppf(0.025, 12) / 2)
    assert made["rate_upper"] == pytest.approx(stats.chi2.ppf(0.975, 14) / 2)
    assert table.loc["教育", "rate_per_1000"] == pytest.approx(1.0)
    # an industry of the register without a case: n = 0, rate 0 with an upper bound
    shop = table.loc["批发和零售业"]
    assert shop["n"] == 0 and shop["rate_per_1000"] == 0 and shop["rate_lower"] == 0
    assert shop["rate_upper"] == pytest.approx(stats.chi2.ppf(0.975, 2) / 2 / 200 * 1000)
    assert np.isnan(table.loc["未知", "rate_per_1000"]) and np.isnan(table.loc["未知", "insured"])
    assert table["n"].sum() == len(cases)
    assert table.index[-1] == "批发和零售业"  # n = 0 sorts last
    # an explicit period
    again = group_tables(cases, register, years=0.5)["行业"].set_index("industry")
    assert again.loc["制造业", "rate_per_1000"] == pytest.approx(24.0)
    # the same through group_table with a mapping
    direct = group_table(cases, "industry", exposure={"制造业": 500.0}, years=2.0)
    assert direct.set_index("industry").loc["制造业", "rate_per_1000"] == pytest.approx(6.0)
    with pytest.raises(ValueError, match="years"):
        group_table(cases, "industry", exposure={"制造业": 500.0})
    with pytest.raises(ValueError, match="insured"):
        group_tables(cases, register.drop(columns="insured"))


def test_derived_names_and_custom_bands():
    df = _cases(seed=2, n=200)
    hour = group_table(df, "hour", sort="category")
    assert hour["hour"].tolist() == list(range(24)) and hour["hour"].dtype == np.int64
    bands = {"清晨": ("05:00", "09:30"), "傍晚": ("16:00", "20:00")}
    tables = group_tables(df, hour_bands=bands, age_edges=(30, 50))
    assert tables["时段"]["hour_band"].tolist() == ["清晨", "傍晚", "其他", "时间不详"]
    assert tables["年龄段"]["age_band"].tolist() == ["30岁以下", "30–49岁", "50岁及以上", "未知"]
    assert tables["年龄段"]["n"].sum() == len(df)


# ---------------------------------------------------------------------------------------
# two-way tables


def test_crosstab_margins_equal_group_tables():
    df = _cases(seed=9)
    groups = {**group_tables(df), **circumstance_tables(df)}
    for (row, col), (rtitle, ctitle) in [
        (("mode", "counterpart"), ("出行方式", "对方车辆")),
        (("location", "counterpart"), ("交叉口/路段", "对方车辆")),
        (("age_band", "mode"), ("年龄段", "出行方式")),
        (("sex", "direction"), ("性别", "通勤方向")),
    ]:
        long = crosstab(df, row, col)
        assert len(long) == len(groups[rtitle]) * len(groups[ctitle])
        margin = long.groupby(row, sort=False)["n"].sum()
        expected = groups[rtitle].set_index(row)["n"]
        assert margin.to_dict() == expected.to_dict()
        margin = long.groupby(col, sort=False)["n"].sum()
        assert margin.to_dict() == groups[ctitle].set_index(col)["n"].to_dict()
        wide = crosstab_wide(long)
        assert wide.loc["合计", "合计"] == len(df)
        assert wide["合计"].drop("合计").to_dict() == expected.to_dict()
    # hour × direction: timed cases only; its row margin is the 小时 table
    long = crosstab(df, "hour", "direction")
    assert long["hour"].unique().tolist() == list(range(24))
    hours = long.groupby("hour")["n"].sum()
    assert hours.tolist() == groups["小时"].set_index("hour")["n"].tolist()
    assert long.attrs["n_total"] == groups["小时"].attrs["n_total"]


def test_crosstab_shares_zero_fill_and_small():
    df = pd.DataFrame(
        {
            "mode": ["步行", "步行", "步行", "公交", "电动自行车", "电动自行车"],
            "counterpart": ["货车", "货车", "单方", "货车", "货车", "货车"],
        }
    )
    long = crosstab(df, "mode", "counterpart")
    assert list(long.columns) == ["mode", "counterpart", "n", "row_share", "col_share", "small"]
    cell = long.set_index(["mode", "counterpart"])
    assert cell.loc[("步行", "货车"), "n"] == 2
    assert cell.loc[("步行", "货车"), "row_share"] == pytest.approx(2 / 3)
    assert cell.loc[("步行", "货车"), "col_share"] == pytest.approx(2 / 5)
    assert cell.loc[("公交", "单方"), "n"] == 0  # zero-filled
    assert cell["small"].tolist() == (cell["n"] < 3).tolist()
    assert long["mode"].tolist()[::2] == ["步行", "电动自行车", "公交"]  # by margin, then value
    wide = crosstab_wide(long)
    assert wide.index.tolist() == ["步行", "电动自行车", "公交", "合计"]
    assert wide.columns.tolist() == ["货车", "单方", "合计"]
    assert wide.loc["合计"].tolist() == [5, 1, 6]
    with pytest.raises(ValueError):
        crosstab(df, "mode", "mode")


def test_standard_crosstabs_and_demo(demo_geocoded, demo_register):
    cases = demo_geocoded
    n = len(cases)
    tables = {**group_tables(cases, demo_register), **circumstance_tables(cases)}
    assert len(tables) == 12
    for title, table in tables.items():
        assert len(table) > 0 and table["n"].sum() > 0, title
        assert table.attrs["n_total"] + table.attrs["n_excluded"] == n, title
        if title not in ("小时", "星期", "月份"):
            assert table["n"].sum() == n, title
    industry = tables["行业"]
    assert industry.attrs["years"] == 2.0
    known = industry[industry["industry"] != "未知"]
    assert known["rate_per_1000"].notna().all() and (known["rate_per_1000"] > 0).any()
    assert (known["rate_lower"] <= known["rate_per_1000"]).all()
    assert (known["rate_per_1000"] <= known["rate_upper"]).all()
    # the fixture is not snapped: location comes from the geocoding level
    loc = tables["交叉口/路段"].set_index("location")["n"]
    assert loc["交叉口"] == (cases["match_level"] == "intersection").sum()
    crosses = standard_crosstabs(cases)
    assert list(crosses) == [
        "出行方式×对方车辆", "小时×通勤方向", "时段×通勤方向", "交叉口/路段×对方车辆",
        "年龄段×出行方式",
    ]  # fmt: skip
    assert len(crosses) == len(CROSSTABS)
    for title, long in crosses.items():
        assert long.attrs["title"] == title
        wide = crosstab_wide(long)
        total = n if not title.startswith("小时") else tables["小时"]["n"].sum()
        assert wide.loc["合计", "合计"] == total
