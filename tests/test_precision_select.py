"""The precision list's rule (trafficprev.precision.precision_list): tiers, the trained
enterprises, the industry cap, the length, and the reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trafficprev import Settings
from trafficprev._errors import SchemaError
from trafficprev.precision._select import TIERS, precision_list

HOSTILE = '<script>alert(1)</script>{{ 7*7 }}=HYPERLINK("x")'


def _tables(n: int, rng: np.random.Generator, *, industries: int = 4):
    """n enterprises with random rates and ratios; the high flags drawn independently."""
    codes = [f"91430700TEST{i:05d}X" for i in range(n)]
    inc_high = rng.random(n) < 0.3
    pay_high = rng.random(n) < 0.3
    n_inj = rng.integers(1, 30, n)
    rate = rng.gamma(2.0, 5.0, n)
    incidence = pd.DataFrame(
        {
            "credit_code": codes,
            "n_injuries": n_inj,
            "rate_per_1000": rate,
            "rate_lower": rate * 0.5,
            "rate_upper": rate * 1.8,
            "eb_rate_per_1000": rate * 0.8,
            "high": inc_high,
        }
    )
    ratios = pd.DataFrame(
        {
            "credit_code": codes,
            "payout": rng.gamma(2.0, 1e5, n),
            "paid": rng.gamma(2.0, 1e5, n),
            "ratio": rng.gamma(2.0, 0.4, n),
            "credibility_ratio": rng.gamma(2.0, 0.35, n),
            "z": rng.random(n),
            "high": pay_high,
        }
    )
    info = pd.DataFrame(
        {
            "credit_code": codes,
            "name": [f"测试企业{i}号" for i in range(n)],
            "industry": [f"行业{i % industries}" for i in range(n)],
            "district": "测试区",
            "insured": rng.integers(10, 2000, n),
            "n_occupational": 0,
            "n_deaths": 0,
        }
    )
    return incidence, ratios, info


def _select(incidence, ratios, info, settings=None, trained=None):
    return precision_list(
        incidence,
        ratios,
        info,
        trained=trained,
        city_rate=8.0,
        collective=0.6,
        years=(2022, 2024),
        settings=settings or Settings(),
    )


@pytest.mark.parametrize("seed", range(5))
def test_both_high_come_first_and_none_above_neither(seed):
    rng = np.random.default_rng(seed)
    inc, pay, info = _tables(120, rng)
    out = _select(inc, pay, info)
    listed = out[out["rank"].notna()]
    assert listed["rank"].tolist() == list(range(1, len(listed) + 1))
    assert len(listed) <= 22
    # every both-high enterprise is listed before any one-measure enterprise
    tiers = listed["tier"].map({t: i for i, t in enumerate(TIERS)}).clip(upper=1)
    assert tiers.is_monotonic_increasing
    assert TIERS[3] not in set(listed["tier"])
    both = int((inc["high"] & pay["high"]).sum())
    assert (listed["tier"] == TIERS[0]).sum() == min(both, 22)
    # within a tier, by score
    for _, part in listed.groupby(tiers):
        assert part["score"].is_monotonic_decreasing


def test_the_list_is_short_when_few_qualify_and_says_why():
    rng = np.random.default_rng(1)
    inc, pay, info = _tables(40, rng)
    inc["high"], pay["high"] = False, False
    inc.loc[[3, 7], "high"] = True
    out = _select(inc, pay, info)
    assert out["rank"].notna().sum() == 2
    assert set(out.loc[out["rank"].isna(), "status"]) == {"未列入（两项均未超出上限）"}
    assert "超出正常波动上限" in out.loc[out["rank"] == 1, "reason"].iloc[0]


@pytest.mark.parametrize("rule", ["last", "exclude", "keep"])
def test_trained_enterprises_follow_the_setting(rule):
    rng = np.random.default_rng(2)
    inc, pay, info = _tables(80, rng)
    inc["high"], pay["high"] = True, True  # everyone qualifies: 80 for 22 places
    best = _select(inc, pay, info).iloc[0]["credit_code"]
    trained = pd.DataFrame({"credit_code": [best], "trained_on": ["2023-06-15"]})
    out = _select(inc, pay, info, Settings(precision_trained=rule), trained)
    row = out.set_index("credit_code").loc[best]
    assert bool(row["trained"]) and row["trained_on"] == "2023-06-15"
    if rule == "keep":
        assert row["rank"] == 1
    elif rule == "last":
        assert pd.isna(row["rank"])  # 79 untrained enterprises fill the 22 places first
        assert row["status"] == "备选（名额已满）"
    else:
        assert pd.isna(row["rank"]) and row["status"] == "不列入（近年已培训）"
    assert "已于2023-06-15参加精准预防培训" in row["reason"]


def test_last_lists_a_trained_enterprise_when_places_remain():
    rng = np.random.default_rng(3)
    inc, pay, info = _tables(30, rng)
    inc["high"], pay["high"] = False, False
    inc.loc[:4, "high"] = True
    trained = pd.DataFrame(
        {"credit_code": [inc.loc[0, "credit_code"]], "trained_on": ["2024-03-01"]}
    )
    out = _select(inc, pay, info, Settings(precision_trained="last"), trained)
    listed = out[out["rank"].notna()]
    assert len(listed) == 5 and listed.iloc[-1]["credit_code"] == inc.loc[0, "credit_code"]


def test_industry_cap():
    rng = np.random.default_rng(4)
    inc, pay, info = _tables(100, rng, industries=3)
    inc["high"], pay["high"] = True, True
    out = _select(inc, pay, info, Settings(precision_industry_cap=4, precision_count=22))
    listed = out[out["rank"].notna()]
    assert len(listed) == 12  # three industries × four places
    assert listed["industry"].value_counts().max() == 4
    assert "备选（行业名额已满）" in set(out["status"])


def test_order_does_not_depend_on_the_input_order():
    rng = np.random.default_rng(5)
    inc, pay, info = _tables(60, rng)
    a = _select(inc, pay, info)
    perm = rng.permutation(len(inc))
    b = _select(inc.iloc[perm], pay.iloc[perm[::-1]], info.iloc[perm])
    pd.testing.assert_frame_equal(a, b)


def test_hostile_names_stay_text_and_missing_columns_are_named():
    rng = np.random.default_rng(6)
    inc, pay, info = _tables(10, rng)
    info["name"] = HOSTILE
    inc["high"] = True
    out = _select(inc, pay, info)
    assert (out["name"] == HOSTILE).all()
    with pytest.raises(SchemaError, match="eb_rate_per_1000"):
        _select(inc.drop(columns=["eb_rate_per_1000"]), pay, info)
