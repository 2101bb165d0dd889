"""The precision project's training evaluation (issue 19, item 3): per enterprise and pooled,
corrected for regression to the mean, against the plan's 10 % goal.

The simulated register: a few hundred enterprises with gamma-distributed true injury rates
per insured-year and Poisson injuries; the enterprises with the most injuries in Y−1 are
trained in Y (selection on counts: the setting where regression to the mean makes an
ineffective training look good). The sweeps run fixed seeds; their margins were set from a
longer sweep written next to each test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from trafficprev._errors import ArgumentError, ArgumentTypeError, SchemaError
from trafficprev.precision._evaluate import (
    SUMMARY_COLUMNS,
    SUMMARY_LABELS,
    TOTAL,
    UNIT_COLUMNS,
    UNIT_LABELS,
    VERDICTS,
    TrainingEvaluation,
    _verdict,
    evaluate_training,
)
from trafficprev.privacy import _CREDIT_ALPHABET, _CREDIT_WEIGHTS, check_credit_codes
from trafficprev.settings import Settings
from trafficprev.trends import eb_before_after

YEAR = 2024
YEARS = (2022, 2023, 2024)
SETTINGS = Settings()  # evaluation_min_before 10, evaluation_min_expected 5
TOO_SMALL = "无法评估（样本太少）"


def credit_code(i: int) -> str:
    """A made-up unified social credit code that passes the GB 32100 check on purpose."""
    body = f"9143079{i:010d}"
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_ALPHABET[(31 - total % 31) % 31]


def firm_name(i: int) -> str:
    return f"测试模拟企业{i:04d}号"


def _draw(rng, starts, ends, mu) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(mu) injuries per enterprise, uniform over its ``[start, end)``."""
    k = rng.poisson(mu)
    ent = np.repeat(np.arange(len(mu)), k)
    a = np.repeat(starts.astype("datetime64[s]").astype(np.int64), k)
    b = np.repeat(ends.astype("datetime64[s]").astype(np.int64), k)
    t = a + (rng.uniform(size=k.sum()) * (b - a)).astype(np.int64)
    return t.astype("datetime64[s]"), ent


def simulate(
    seed: int,
    *,
    n: int = 400,
    n_train: int = 22,
    drop: float = 0.0,
    days: tuple[str, ...] = ("2024-01-10", "2024-03-15"),
    extra: int = 0,
    mean_rate: float = 0.03,
    trend: float = 0.95,
) -> dict:
    """A register of `n` enterprises (insured log-normal, median 120), true rates
    Gamma(shape 2, mean `mean_rate` per insured-year), injuries Poisson over 2022–2024 with
    a yearly `trend` factor. The `n_train` enterprises with the most injuries in 2023 are
    trained on `days` (in turn), plus `extra` enterprises chosen at random (small ones
    included); a training multiplies the rate after it by 1 − `drop`. Half the training rows
    name the enterprise by credit code, half by name."""
    rng = np.random.default_rng(seed)
    codes = np.array([credit_code(i) for i in range(n)], dtype=object)
    names = np.array([firm_name(i) for i in range(n)], dtype=object)
    base = np.clip(rng.lognormal(np.log(120), 0.8, n), 5, None)
    insured = {y: np.round(base * rng.uniform(0.9, 1.1, n)) for y in YEARS}
    rate = rng.gamma(2.0, mean_rate / 2.0, n)
    times, ents = [], []
    for y in (2022, 2023):
        start = np.full(n, np.datetime64(f"{y}-01-01"))
        end = np.full(n, np.datetime64(f"{y + 1}-01-01"))
        t, e = _draw(rng, start, end, rate * insured[y] * trend ** (y - 2022))
        times.append(t)
        ents.append(e)
    top = np.argsort(-np.bincount(ents[-1], minlength=n), kind="stable")[:n_train]
    others = np.setdiff1d(np.arange(n), top)
    chosen = np.concatenate([top, rng.choice(others, extra, replace=False)])
    day = np.full(n, np.datetime64("2025-01-01"), dtype="datetime64[D]")
    for j, i in enumerate(chosen):
        day[i] = np.datetime64(days[j % len(days)])
    y0 = np.full(n, np.datetime64("2024-01-01"), dtype="datetime64[D]")
    y1 = np.full(n, np.datetime64("2025-01-01"), dtype="datetime64[D]")
    split = np.clip(day, y0, y1)  # the effect of a 2023 training is simulated from 2024 on
    mu = rate * insured[2024] * trend**2 / 366.0
    for a, b, eff in ((y0, split, 1.0), (split, y1, 1.0 - drop)):
        t, e = _draw(rng, a, b, mu * (b - a).astype(float) * eff)
        times.append(t)
        ents.append(e)
    t, e = np.concatenate(times), np.concatenate(ents)
    cases = pd.DataFrame(
        {
            "decision_no": [f"模拟认定{i:06d}" for i in range(len(t))],
            "credit_code": codes[e],
            "employer": names[e],
            "injured_at": pd.to_datetime(t),
            "conclusion": np.where(rng.uniform(size=len(t)) < 0.1, "视同工伤", "认定工伤"),
        }
    )
    # refused claims at the trained enterprises after training: they must not count
    refused = pd.DataFrame(
        {
            "decision_no": [f"模拟不予{i:04d}" for i in range(60)],
            "credit_code": codes[chosen[np.arange(60) % len(chosen)]],
            "employer": "",
            "injured_at": pd.Timestamp("2024-10-01"),
            "conclusion": "不予认定",
        }
    )
    exposure = pd.DataFrame(
        {
            "credit_code": np.tile(codes, len(YEARS)),
            "year": np.repeat(YEARS, n),
            "insured": np.concatenate([insured[y] for y in YEARS]),
        }
    )
    measures = pd.DataFrame(
        {
            "kind": "培训",
            "target": [codes[i] if j % 2 else names[i] for j, i in enumerate(chosen)],
            "implemented_on": pd.to_datetime(day[chosen]),
        }
    )
    register = pd.DataFrame({"credit_code": codes, "name": names, "insured": insured[2024]})
    return {
        "cases": pd.concat([cases, refused], ignore_index=True),
        "exposure": exposure,
        "measures": measures,
        "register": register,
        "trained": chosen,
        "insured": insured,
    }


def run(world: dict, settings: Settings = SETTINGS, **kwargs) -> TrainingEvaluation:
    return evaluate_training(
        world["cases"],
        world["exposure"],
        world["measures"],
        world["register"],
        year=YEAR,
        settings=settings,
        **kwargs,
    )


def pooled(res: TrainingEvaluation) -> pd.Series:
    assert res.summary["group"].iloc[-1] == TOTAL
    return res.summary.iloc[-1]


def test_the_synthetic_codes_pass_the_checksum_on_purpose():
    assert (check_credit_codes(pd.Series([credit_code(i) for i in range(50)])) == "ok").all()


# ---------------------------------------------------------------------------------------------
# (1) and (2): regression to the mean, a null and a planted effect, over seeds
# ---------------------------------------------------------------------------------------------

#: Seeds of the sweeps below (each takes about 0.1 s).
NULL_SEEDS = range(20)
PLANTED_SEEDS = range(25)


@pytest.fixture(scope="module")
def null_sweep() -> list[pd.Series]:
    return [pooled(run(simulate(seed))) for seed in NULL_SEEDS]


@pytest.fixture(scope="module")
def planted_sweep() -> list[pd.Series]:
    return [pooled(run(simulate(seed, drop=0.4))) for seed in PLANTED_SEEDS]


def test_null_effect_is_not_called_a_success_though_the_naive_change_drops(null_sweep):
    # Sweep of seeds 0–199 (same simulation): pooled verdict 达到目标 in 0/200 seeds
    # (下降但不确定 23, 无法判断 140, 未达到目标 37); the
    # naive (plain year-on-year) change is a drop in 95.5 % of seeds, mean −12 %, and its
    # interval lies wholly below −10 % (a naive "goal met") in 6 %; the EB change has mean
    # −1 %, its interval covers 0 in 91.5 %. Margins: ≤ 5 % success, naive drop in ≥ 85 %
    # of seeds with mean ≤ −8 %, EB mean within ±5 %.
    verdicts = [row["verdict"] for row in null_sweep]
    assert set(verdicts) <= set(VERDICTS)
    assert verdicts.count("达到目标") <= 0.05 * len(null_sweep)
    naive = np.array([row["yoy_change"] for row in null_sweep])
    assert (naive < 0).mean() >= 0.85  # regression to the mean: the untreated "improve"
    assert naive.mean() <= -0.08
    eb = np.array([row["change"] for row in null_sweep])
    assert abs(eb.mean()) <= 0.05
    assert eb.mean() - naive.mean() >= 0.06  # the correction removes most of the fake drop


def test_planted_forty_percent_drop_is_found_with_its_interval(planted_sweep):
    # Sweep of seeds 0–199 (drop 0.4): the interval covers −40 % in 95 % of seeds; goal met
    # (达到目标) in 200/200; mean EB change −40 %. Margins: coverage ≥ 90 %, goal met in
    # ≥ 80 %, mean change within 5 points of −40 %.
    cover = [row["change_lower"] <= -0.4 <= row["change_upper"] for row in planted_sweep]
    assert np.mean(cover) >= 0.90
    met = [row["verdict"] == "达到目标" for row in planted_sweep]
    assert np.mean(met) >= 0.80
    assert abs(np.mean([row["change"] for row in planted_sweep]) + 0.4) <= 0.05


def test_one_month_pooled_row_equals_eb_before_after_on_a_hand_built_table():
    world = simulate(7, days=("2024-01-10",))
    res = run(world)
    assert res.summary["group"].tolist() == ["培训 2024-01", TOTAL]
    # the same table built by hand: before 2023-01-10 … 2024-01-09, after 2024-01-10 … end
    cases, reg = world["cases"], world["register"]
    ok = cases["conclusion"].isin(["认定工伤", "视同工伤"])
    t, code = cases.loc[ok, "injured_at"], cases.loc[ok, "credit_code"]
    b0, d, a1 = pd.Timestamp("2023-01-10"), pd.Timestamp("2024-01-10"), pd.Timestamp("2025-01-01")
    ins = world["insured"]
    idx = np.arange(len(reg))
    table = pd.DataFrame(
        {
            "unit": reg["credit_code"],
            "treated": np.isin(idx, world["trained"]),
            "before": code[(t >= b0) & (t < d)]
            .value_counts()
            .reindex(reg["credit_code"], fill_value=0)
            .to_numpy(),
            "after": code[(t >= d) & (t < a1)]
            .value_counts()
            .reindex(reg["credit_code"], fill_value=0)
            .to_numpy(),
            "exposure_before": ins[2023] * 356 / 365 + ins[2024] * 9 / 366,
            "exposure_after": ins[2024] * 357 / 366,
        }
    )
    want = eb_before_after(table, reference="all").summary.iloc[0]
    for row in (res.summary.iloc[0], res.summary.iloc[1]):
        assert row["n_enterprises"] == want["n_treated"] == 22
        assert row["n_comparison"] == want["n_comparison"] == 400 - 22
        for col in ("before", "after", "expected_after", "change", "change_lower", "change_upper"):
            assert row[col] == pytest.approx(want[col], rel=1e-9), col


# ---------------------------------------------------------------------------------------------
# (3) per-enterprise rows and the floor
# ---------------------------------------------------------------------------------------------


def test_per_enterprise_rows_and_too_small_ones():
    world = simulate(3, n=200, n_train=10, extra=4)
    res = run(world)
    units = res.units
    assert tuple(units.columns) == UNIT_COLUMNS
    assert tuple(res.summary.columns) == SUMMARY_COLUMNS
    assert set(units["credit_code"]) == {credit_code(i) for i in world["trained"]}
    assert set(units["name"]) == {firm_name(i) for i in world["trained"]}
    assert (units["group"] != "").all() and set(units["verdict"]) <= set(VERDICTS)
    small = (units["before"] < 10) | (units["expected_after"] < 5)
    assert small.any() and (~small).any()  # the random extras are small, the top ones not
    assert (units.loc[small, "verdict"] == TOO_SMALL).all()
    assert units.loc[small, "note"].str.contains("样本太少").all()
    figures = ["change", "change_lower", "change_upper", "yoy_change", "yoy_lower", "yoy_upper"]
    assert units.loc[small, figures].isna().all().all()
    assert units.loc[small, ["before", "after", "insured_years_after"]].notna().all().all()
    big = units[~small]
    assert (big["verdict"] != TOO_SMALL).all()
    assert (big["change_lower"] <= big["change"]).all() and (
        big["change"] <= big["change_upper"]
    ).all()
    # the small ones still count in the pooled row
    total = pooled(res)
    assert total["n_enterprises"] == len(units)
    assert total["before"] == units["before"].sum() and total["after"] == units["after"].sum()
    # the floor comes from the settings
    loose = run(world, Settings(evaluation_min_before=0, evaluation_min_expected=0.0))
    assert TOO_SMALL not in set(loose.units["verdict"])
    assert loose.units["change"].notna().all()


@pytest.mark.parametrize(
    ("change", "lower", "upper", "verdict"),
    [
        (-0.3, -0.5, -0.1, "达到目标"),  # the upper end at the goal counts
        (0.1, -0.05, 0.3, "未达到目标"),
        (-0.1, -0.4, 0.2, "下降但不确定"),  # the estimate at the goal, the interval across it
        (-0.05, -0.8, 0.7, "无法判断"),  # a small drop in a wide interval says nothing
        (0.2, -0.3, 0.9, "无法判断"),
        (math.nan, math.nan, math.nan, "无法判断"),
    ],
)
def test_verdicts_by_hand(change, lower, upper, verdict):
    assert _verdict(change, lower, upper, -0.10) == verdict


def test_labels_are_chinese_and_unique():
    assert set(UNIT_LABELS) == set(UNIT_COLUMNS) and set(SUMMARY_LABELS) == set(SUMMARY_COLUMNS)
    for labels in (UNIT_LABELS, SUMMARY_LABELS):
        assert len(set(labels.values())) == len(labels)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in v) for v in labels.values())


# ---------------------------------------------------------------------------------------------
# (4) which training names which enterprise; who is a comparison
# ---------------------------------------------------------------------------------------------


def _world_with(measures: list[tuple[str, object, str]], n: int = 120, seed: int = 11) -> dict:
    """A simulated register whose measures file is replaced by `measures` (kind, target,
    date)."""
    world = simulate(seed, n=n, n_train=4)
    world["measures"] = pd.DataFrame(measures, columns=["kind", "target", "implemented_on"])
    world["measures"]["implemented_on"] = pd.to_datetime(
        world["measures"]["implemented_on"], errors="coerce"
    )
    return world


def test_targets_match_by_code_or_unique_name_and_unknown_ones_are_reported():
    world = _world_with(
        [
            ("培训", f"  {credit_code(1).lower()} ", "2024-02-01"),  # code, spaces, lower case
            ("培训", "测试模拟企业 ０００２号", "2024-02-03"),  # name, space, full-width digits
            ("培训", firm_name(3), "2023-05-01"),
            ("培训", firm_name(3), "2024-03-01"),  # trained again: evaluated from the first
            ("培训", firm_name(4), "2022-05-01"),  # Y−2: not evaluated, not a comparison
            ("培训", firm_name(5), "2021-05-01"),  # before Y−2: still a comparison
            ("培训", firm_name(6), None),  # no date: not a comparison
            ("培训", firm_name(10), "2022-09-01"),  # inside the before period of …
            ("培训", firm_name(10), "2023-06-01"),  # … this one: noted
            ("宣传", firm_name(7), "2024-02-01"),  # a campaign is not a training
            ("培训", "测试不存在的企业", "2024-02-01"),
            ("培训", "测试重名企业", "2024-02-01"),
        ]
    )
    reg = world["register"].copy()
    reg.loc[[8, 9], "name"] = "测试重名企业"  # a name two enterprises share
    world["register"] = reg
    res = run(world)
    units = res.units.set_index("credit_code")
    assert list(units.index) == [credit_code(i) for i in (3, 10, 1, 2)]
    assert units.loc[credit_code(3), "trained_on"] == "2023-05-01"
    assert "期间另于2024-03-01培训" in units.loc[credit_code(3), "note"]
    assert "前期内已于2022-09-01培训" in units.loc[credit_code(10), "note"]
    # comparisons: all but the trained in 2022–2024 (1, 2, 3, 4, 10) and the undated one (6)
    assert (res.summary["n_comparison"] <= 120 - 6).all()
    assert res.summary["n_comparison"].max() == 120 - 6
    unknown = [n for n in res.notes if "找不到或名称不唯一" in n]
    assert len(unknown) == 1 and unknown[0].startswith("2条")
    assert "测试不存在的企业" in unknown[0] and "测试重名企业" in unknown[0]
    assert any("缺少或无法识别实施日期" in n for n in res.notes)
    assert any("3条培训记录不在2023—2024年，未评估（其中2022年2条" in n for n in res.notes)


def test_no_training_and_no_case():
    world = simulate(12, n=60, n_train=3)
    res = evaluate_training(
        world["cases"], world["exposure"], None, world["register"], year=YEAR, settings=SETTINGS
    )
    assert res.units.empty and tuple(res.units.columns) == UNIT_COLUMNS
    assert res.summary.empty and tuple(res.summary.columns) == SUMMARY_COLUMNS
    assert res.notes and "评估对象" in res.notes[0]
    no_cases = world["cases"].iloc[:0]
    res = evaluate_training(
        no_cases,
        world["exposure"],
        world["measures"],
        world["register"],
        year=YEAR,
        settings=SETTINGS,
    )
    assert (res.units["verdict"] == "无法判断").all() and len(res.units) == 3
    assert (res.units["note"] == "无案件数据").all() and res.summary.empty


# ---------------------------------------------------------------------------------------------
# (5) periods: partial after periods, exposure year by year, missing insured
# ---------------------------------------------------------------------------------------------


def test_partial_after_period_scales_the_exposure_year_by_year():
    world = simulate(21, n=150, n_train=3, days=("2024-07-01", "2024-07-02", "2023-06-15"))
    a, b, c = world["trained"]  # trained 2024-07-01, 2024-07-02, 2023-06-15
    ins = world["insured"]
    res = run(world)
    units = res.units.set_index("credit_code")
    late = units.loc[credit_code(b)]
    assert late["verdict"] == "无法判断" and late["group"] == ""
    assert "培训后数据不足6个月" in late["note"] and math.isnan(late["before"])
    july = units.loc[credit_code(a)]
    assert (july["before_from"], july["before_to"]) == ("2023-07-01", "2024-06-30")
    assert (july["after_from"], july["after_to"]) == ("2024-07-01", "2024-12-31")
    assert july["insured_years_before"] == pytest.approx(
        ins[2023][a] * 184 / 365 + ins[2024][a] * 182 / 366
    )
    assert july["insured_years_after"] == pytest.approx(ins[2024][a] * 184 / 366)  # half a year
    assert july["rate_after"] == pytest.approx(1000 * july["after"] / july["insured_years_after"])
    june = units.loc[credit_code(c)]
    assert (june["before_from"], june["after_to"]) == ("2022-06-15", "2024-06-14")
    assert june["insured_years_before"] == pytest.approx(
        ins[2022][c] * 200 / 365 + ins[2023][c] * 165 / 365
    )
    assert june["insured_years_after"] == pytest.approx(
        ins[2023][c] * 200 / 365 + ins[2024][c] * 166 / 366
    )
    assert res.summary["group"].tolist() == ["培训 2023-06", "培训 2024-07", TOTAL]
    assert "完全相关" in pooled(res)["note"]


def test_missing_insured_figures():
    world = simulate(22, n=150, n_train=2, days=("2024-02-01",))
    first, second = world["trained"]
    exp = world["exposure"]
    gone = ((exp["credit_code"] == credit_code(first)) & (exp["year"] == 2023)) | (
        (exp["credit_code"] == credit_code(100)) & (exp["year"] == 2024)
    )
    world["exposure"] = exp[~gone]
    res = run(world)
    units = res.units.set_index("credit_code")
    assert units.loc[credit_code(first), "verdict"] == "无法判断"
    assert "缺少参保人数" in units.loc[credit_code(first), "note"]
    assert units.loc[credit_code(second), "group"] == "培训 2024-02"
    assert pooled(res)["n_enterprises"] == 1
    assert pooled(res)["n_comparison"] == 150 - 2 - 1  # the comparison without 2024 left out
    assert any("1家名录单位因缺少参保人数未作对照" in n for n in res.notes)


# ---------------------------------------------------------------------------------------------
# hostile text, bad inputs, determinism
# ---------------------------------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "<script>alert(1)</script>{{ 7*7 }}",
    "测试\n模拟\u202e企业",
    "甲" * 5000,
    "名称:" + firm_name(2),
    "未知单位",
    "",
    None,
    12345,
]


def test_hostile_targets_are_reported_as_text_and_never_matched():
    world = _world_with(
        [("培训", t, "2024-02-01") for t in HOSTILE] + [("培训", firm_name(1), "2024-02-01")]
    )
    res = run(world)
    assert res.units["credit_code"].tolist() == [credit_code(1)]
    unknown = next(n for n in res.notes if "找不到或名称不唯一" in n)
    assert unknown.startswith(f"{len(HOSTILE)}条")
    assert "\n" not in unknown and "\u202e" not in unknown
    assert "\\x0a" in unknown and "\\u202e" in unknown
    assert "甲" * 41 not in unknown and len(unknown) < 800  # long targets are cut
    assert all(isinstance(n, str) and "\n" not in n for n in res.notes)


def test_bad_inputs_are_refused():
    world = simulate(13, n=40, n_train=2)
    exp = world["exposure"]
    with pytest.raises(SchemaError, match="more than one row"):
        run({**world, "exposure": pd.concat([exp, exp.iloc[:1]])})
    with pytest.raises(SchemaError, match="insured"):
        run({**world, "exposure": exp.assign(insured=-1.0)})
    with pytest.raises(ValueError, match="conclusion"):
        run({**world, "cases": world["cases"].drop(columns="conclusion")})
    for kwargs in ({"level": 1.0}, {"goal": 0.1}, {"goal": -1.0}):
        with pytest.raises(ValueError):
            run(world, **kwargs)
    for year, error in (
        (True, ArgumentTypeError),
        (2024.0, ArgumentTypeError),
        (20245, ArgumentError),
    ):
        with pytest.raises(error):
            evaluate_training(
                world["cases"],
                exp,
                world["measures"],
                world["register"],
                year=year,
                settings=SETTINGS,
            )


def test_row_order_does_not_matter():
    world = simulate(14, n=150, n_train=6)
    res = run(world)
    shuffled = {
        k: (v.sample(frac=1.0, random_state=1) if isinstance(v, pd.DataFrame) else v)
        for k, v in world.items()
    }
    again = run(shuffled)
    pd.testing.assert_frame_equal(res.units, again.units)
    pd.testing.assert_frame_equal(res.summary, again.summary)
    assert res.notes == again.notes
