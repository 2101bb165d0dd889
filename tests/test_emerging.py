"""Emerging hot spot classes: every class, the ESRI-vs-sfdep precedence cases, T = 8, mirrors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from trafficprev.trends._emerging import EMERGING_CLASSES, classify_emerging, emerging_classes

SIG_UP = (3.1, 0.002)  # significant increasing Mann–Kendall trend of the Gi* z series
SIG_DOWN = (-3.1, 0.002)
FLAT = (0.4, 0.69)
CODE = dict(zip(EMERGING_CLASSES["name"], EMERGING_CLASSES["code"], strict=True))
#: The 17 ESRI classes (code 0 is no_pattern here); ``no_cases`` (rule 0) also has code 0.
ESRI_CLASSES = EMERGING_CLASSES[EMERGING_CLASSES["name"] != "no_cases"]


def bins(*patterns: str) -> tuple[np.ndarray, np.ndarray]:
    """'H' = significant hot, 'C' = significant cold, '.' = neither; one string per unit."""
    hot = np.array([[ch == "H" for ch in p] for p in patterns], dtype=bool)
    cold = np.array([[ch == "C" for ch in p] for p in patterns], dtype=bool)
    return hot.reshape(len(patterns), -1), cold.reshape(len(patterns), -1)


def one(pattern: str, mk: tuple[float, float] = FLAT, **kw: float) -> str:
    """Class name of one unit."""
    hot, cold = bins(pattern)
    code = int(classify_emerging(hot, cold, [mk[0]], [mk[1]], **kw)[0])
    return str(ESRI_CLASSES.set_index("code").loc[code, "name"])


def mirror(pattern: str) -> str:
    return pattern.translate(str.maketrans("HC", "CH"))


def reference(
    hot: list[bool], cold: list[bool], z: float, p: float, share: float = 0.9, alpha: float = 0.05
) -> int:
    """Per-unit transcription of the written rule (module docstring), loops and all."""
    n = len(hot)
    if n == 0:
        return 0
    need = math.ceil(share * n - 1e-9)
    significant = not (math.isnan(z) or math.isnan(p)) and p < alpha

    def side(mine: list[bool], other: list[bool], stronger: bool, weaker: bool) -> int:
        count = sum(mine)
        if n >= 2 and count >= need:
            return 3 if stronger else 5 if weaker else 4
        if not any(mine[:-1]):
            return 1
        first = mine.index(True)
        if all(mine[first:]) and count >= 2:
            return 2
        if any(other[:-1]):
            return 7
        return 6

    if hot[-1]:
        return side(hot, cold, significant and z > 0, significant and z < 0)
    if cold[-1]:
        return -side(cold, hot, significant and z < 0, significant and z > 0)
    if sum(hot) >= need:
        return 8
    if sum(cold) >= need:
        return -8
    return 0


# --- the class table -----------------------------------------------------------------------------


def test_class_table() -> None:
    assert EMERGING_CLASSES.iloc[:17].equals(ESRI_CLASSES)
    assert EMERGING_CLASSES.iloc[17].tolist() == [0, "no_cases", "No Cases", "无事故"]
    assert EMERGING_CLASSES["name"].is_unique and EMERGING_CLASSES["label_zh"].is_unique
    t = ESRI_CLASSES
    assert t["code"].tolist() == [*range(1, 9), *range(-1, -9, -1), 0]
    assert t["name"].tolist()[:8] == [
        "new_hot",
        "consecutive_hot",
        "intensifying_hot",
        "persistent_hot",
        "diminishing_hot",
        "sporadic_hot",
        "oscillating_hot",
        "historical_hot",
    ]
    assert t["name"].tolist()[8:16] == [n.replace("_hot", "_cold") for n in t["name"][:8]]
    assert t["name"].iloc[16] == "no_pattern"
    assert t["label_zh"].tolist()[:8] == [
        "新增热点",
        "连续热点",
        "加强热点",
        "持续热点",
        "减弱热点",
        "零星热点",
        "振荡热点",
        "历史热点",
    ]
    assert t["label_zh"].tolist()[8:16] == [z.replace("热点", "冷点") for z in t["label_zh"][:8]]
    assert t["label_zh"].iloc[16] == "无明显模式"
    assert t["label_en"].iloc[0] == "New Hot Spot"
    assert t["label_en"].iloc[12] == "Diminishing Cold Spot"
    assert t["label_en"].iloc[16] == "No Pattern Detected"
    assert t["code"].is_unique and t["name"].is_unique and t["label_zh"].is_unique


# --- every class on constructed series -----------------------------------------------------------

CASES_T10 = [
    # (pattern, Mann–Kendall, class) — the hot cases; each is also checked mirrored to cold
    (".........H", FLAT, "new_hot"),
    ("C..C.....H", FLAT, "new_hot"),  # earlier cold does not matter: never hot before
    ("HHHHHHHHH.", FLAT, "historical_hot"),
    ("........HH", FLAT, "consecutive_hot"),
    ("..HHHHHHHH", SIG_UP, "consecutive_hot"),  # 8/10 < 90 %: the run rule, trend ignored
    ("CC.HHHHHHH", FLAT, "consecutive_hot"),  # never hot before the run (cold is fine)
    ("HHHHHHHHHH", SIG_UP, "intensifying_hot"),
    (".HHHHHHHHH", SIG_UP, "intensifying_hot"),  # 9/10 including the final one
    ("HHHHHHHHHH", FLAT, "persistent_hot"),
    ("HHHH.HHHHH", FLAT, "persistent_hot"),
    ("HHHHHHHHHH", SIG_DOWN, "diminishing_hot"),
    ("HHHHHHH.HH", SIG_DOWN, "diminishing_hot"),
    ("H..H...H.H", FLAT, "sporadic_hot"),
    ("H.......HH", FLAT, "sporadic_hot"),  # a run of 2 at the end, but hot before it
    ("HH.HHHH.HH", SIG_UP, "sporadic_hot"),  # 8/10: below the share, on and off
    ("C..H....HH", FLAT, "oscillating_hot"),
    ("HCHCHCHCHH", FLAT, "oscillating_hot"),
    ("C.......HH", FLAT, "consecutive_hot"),
    ("..........", FLAT, "no_pattern"),
    ("HHHHHHHH..", FLAT, "no_pattern"),  # 8/10 and not hot now
    ("H.H.H.H.H.", SIG_UP, "no_pattern"),
]


@pytest.mark.parametrize(("pattern", "mk", "expected"), CASES_T10)
def test_every_class_t10(pattern: str, mk: tuple[float, float], expected: str) -> None:
    assert one(pattern, mk) == expected


@pytest.mark.parametrize(("pattern", "mk", "expected"), CASES_T10)
def test_cold_mirror_t10(pattern: str, mk: tuple[float, float], expected: str) -> None:
    mirrored_mk = (-mk[0], mk[1])  # getting colder is the mirror of getting hotter
    assert one(mirror(pattern), mirrored_mk) == expected.replace("_hot", "_cold")


def test_cold_trend_direction() -> None:
    # a cold spot whose z keeps falling is intensifying, one whose z rises is diminishing
    assert one("CCCCCCCCCC", SIG_DOWN) == "intensifying_cold"
    assert one("CCCCCCCCCC", SIG_UP) == "diminishing_cold"
    assert one("CCCCCCCCCC", FLAT) == "persistent_cold"


def test_all_seventeen_classes_appear_t10() -> None:
    patterns = [c[0] for c in CASES_T10] + [mirror(c[0]) for c in CASES_T10]
    mks = [c[1] for c in CASES_T10] + [(-c[1][0], c[1][1]) for c in CASES_T10]
    hot, cold = bins(*patterns)
    codes = classify_emerging(hot, cold, [m[0] for m in mks], [m[1] for m in mks])
    assert set(codes.tolist()) == set(ESRI_CLASSES["code"])


CASES_T8 = [
    (".......H", FLAT, "new_hot"),
    (".....HHH", FLAT, "consecutive_hot"),
    (".HHHHHHH", SIG_UP, "consecutive_hot"),  # 7/8 = 87.5 % < 90 %: not intensifying
    ("HHHHHHHH", SIG_UP, "intensifying_hot"),
    ("HHHHHHHH", FLAT, "persistent_hot"),
    ("HHHHHHHH", SIG_DOWN, "diminishing_hot"),
    ("HHH.HHHH", FLAT, "sporadic_hot"),  # 7/8: not persistent with 8 quarters
    ("H..H...H", FLAT, "sporadic_hot"),
    ("C....H.H", FLAT, "oscillating_hot"),
    ("HHHHHHH.", FLAT, "no_pattern"),  # would be historical with 10 steps; impossible with 8
    ("........", FLAT, "no_pattern"),
]


@pytest.mark.parametrize(("pattern", "mk", "expected"), CASES_T8)
def test_every_possible_class_t8(pattern: str, mk: tuple[float, float], expected: str) -> None:
    assert one(pattern, mk) == expected
    assert one(mirror(pattern), (-mk[0], mk[1])) == expected.replace("_hot", "_cold")


def test_t8_historical_is_impossible_and_everything_else_occurs() -> None:
    patterns = ["".join(p) for p in itertools.product("HC.", repeat=8)]  # all 6,561
    hot, cold = bins(*patterns)
    seen = set()
    for z, p in (FLAT, SIG_UP, SIG_DOWN):
        m = len(patterns)
        codes = classify_emerging(hot, cold, np.full(m, z), np.full(m, p))
        seen |= set(codes.tolist())
    assert seen == set(ESRI_CLASSES["code"]) - {8, -8}
    # the same enumeration with T = 10 does produce historical (9 of 10, final not hot)
    assert one("HHHHHHHHH.") == "historical_hot"
    assert one("CCCCCCCCC.") == "historical_cold"
    # with a lower share, 8 quarters can be historical: 7/8 ≥ 85 %
    assert one("HHHHHHH.", share=0.85) == "historical_hot"


# --- where the ESRI reading and sfdep's order differ (methods.md §2.4) ------------------------


@pytest.mark.parametrize("mk", [(1.0, 0.32), (-0.5, 0.62), SIG_UP])
def test_nine_of_ten_not_hot_now_is_historical_not_persistent(mk: tuple[float, float]) -> None:
    # sfdep tests persistent (no final-step condition) before historical → "persistent hotspot"
    assert one("HHHHHHHHH.", mk) == "historical_hot"
    assert one("HHHH.HHHHH", mk) != "historical_hot"  # final hot: persistent family instead


def test_sporadic_requires_the_final_step_hot() -> None:
    # sfdep's sporadic does not look at the final step; ESRI's does
    assert one("H.H.HH.H..") == "no_pattern"
    assert one("H.H.HH.H.H") == "sporadic_hot"


def test_intensifying_counts_hot_bins_only() -> None:
    # sfdep uses sum(sigs)/n (hot or cold): 5 hot + 4 cold bins would count as 90 %
    assert one("CHCHCHCHCH", SIG_UP) == "oscillating_hot"
    assert one("CHHHHHHHHH", SIG_UP) == "intensifying_hot"


def test_consecutive_needs_two_and_new_catches_one() -> None:
    assert one("HHHHHHH..H") == "sporadic_hot"
    assert one(".........H") == "new_hot"
    assert one("........HH") == "consecutive_hot"


def test_final_cold_after_hot_history_is_new_cold() -> None:
    assert one("HHHHHHHHHC") == "new_cold"
    assert one("HHHHHHHHCC") == "consecutive_cold"


# --- share boundary, T = 0/1/2, NaN trends ----------------------------------------------------


def test_share_boundary_nine_vs_eight_of_ten() -> None:
    assert one(".HHHHHHHHH") == "persistent_hot"  # 9/10 = 90 %: float 0.9·10 is absorbed
    assert one("..HHHHHHHH") == "consecutive_hot"  # 8/10
    assert one("H.HHHHHHH.") == "no_pattern"  # 8/10, not hot now
    assert one("H.HHHHHHH.", share=0.8) == "historical_hot"
    assert one("..HHHHHHHH", share=0.8) == "persistent_hot"
    assert one(".HHHHHHHHH", share=1.0) == "consecutive_hot"
    assert one("HHHHHHHHHH", share=1.0) == "persistent_hot"
    # a share computed in floats: 0.1 · 7 · 10 = 7.000000000000001, still 7 of 10
    assert one("...HHHHHHH", share=0.1 * 7) == "persistent_hot"
    assert one("....HHHHHH", share=0.1 * 7) == "consecutive_hot"
    # 20 quarters: 18 needed
    assert one("H.H" + "H" * 17) == "persistent_hot"
    assert one("H..." + "H" * 16) == "sporadic_hot"


def test_one_step_hot_is_new() -> None:
    hot, cold = bins("H", "C", ".")
    codes = classify_emerging(hot, cold, [np.nan, np.nan, np.nan], [np.nan, np.nan, np.nan])
    assert codes.tolist() == [CODE["new_hot"], CODE["new_cold"], CODE["no_pattern"]]


def test_two_steps() -> None:
    assert one("HH") == "persistent_hot"  # ceil(1.8) = 2
    assert one(".H") == "new_hot"
    assert one("H.") == "no_pattern"


def test_no_steps() -> None:
    hot = np.zeros((3, 0), dtype=bool)
    assert classify_emerging(hot, hot, [0, 0, 0], [1, 1, 1]).tolist() == [0, 0, 0]
    table = emerging_classes(hot, hot, [0, 0, 0], [1, 1, 1])
    assert table["emerging_class"].tolist() == ["no_pattern"] * 3
    assert table["n_steps"].tolist() == [0, 0, 0] and table["hot_share"].isna().all()
    empty = np.zeros((0, 10), dtype=bool)
    assert classify_emerging(empty, empty, [], []).shape == (0,)


@pytest.mark.parametrize("mk", [(np.nan, np.nan), (5.0, np.nan), (np.nan, 0.001)])
def test_nan_trend_is_no_significant_trend(mk: tuple[float, float]) -> None:
    assert one("HHHHHHHHHH", mk) == "persistent_hot"
    assert one("CCCCCCCCCC", mk) == "persistent_cold"


def test_alpha_decides_significance() -> None:
    assert one("HHHHHHHHHH", (2.2, 0.03)) == "intensifying_hot"
    assert one("HHHHHHHHHH", (2.2, 0.03), alpha=0.01) == "persistent_hot"
    assert one("HHHHHHHHHH", (2.2, 0.05)) == "persistent_hot"  # p < alpha, strictly


# --- vectorised == per-row reference -----------------------------------------------------------


def random_case(seed: int, m: int, n_steps: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    p_hot = rng.uniform(0.0, 1.0, (m, 1))
    p_cold = rng.uniform(0.0, 1.0, (m, 1)) * (1 - p_hot)
    u = rng.random((m, n_steps))
    hot = u < p_hot
    cold = (u >= p_hot) & (u < p_hot + p_cold)
    z = rng.normal(0, 2.5, m)
    p = rng.choice([0.001, 0.03, 0.05, 0.2, 0.9, np.nan], m)
    z[rng.random(m) < 0.05] = np.nan
    return hot, cold, z, p


@pytest.mark.parametrize("n_steps", [1, 2, 3, 5, 8, 10, 12, 20])
@pytest.mark.parametrize("share", [0.9, 0.75])
def test_vectorised_equals_reference_random(n_steps: int, share: float) -> None:
    hot, cold, z, p = random_case(1000 * n_steps + int(100 * share), 3000, n_steps)
    got = classify_emerging(hot, cold, z, p, share=share)
    want = [
        reference(list(h), list(c), zi, pi, share=share)
        for h, c, zi, pi in zip(hot, cold, z, p, strict=True)
    ]
    assert got.tolist() == want
    assert len(set(want)) >= min(9, 3 * n_steps)  # the sample covers many classes


def test_vectorised_equals_reference_exhaustive_t8() -> None:
    patterns = ["".join(p) for p in itertools.product("HC.", repeat=8)]
    hot, cold = bins(*patterns)
    m = len(patterns)
    for z, p in (FLAT, SIG_UP, SIG_DOWN, (np.nan, np.nan)):
        got = classify_emerging(hot, cold, np.full(m, z), np.full(m, p))
        want = [reference(list(h), list(c), z, p) for h, c in zip(hot, cold, strict=True)]
        assert got.tolist() == want


# --- the table function, input types, validation ----------------------------------------------


def test_emerging_classes_table() -> None:
    index = pd.Index(["S-1", "S-2", "S-3", "S-4"], name="unit_id")
    patterns = ["........HH", "HHHHHHHHH.", "CCCCCCCCCC", "H.C......."]
    hot, cold = bins(*patterns)
    cols = [f"Q{i}" for i in range(10)]
    table = emerging_classes(
        pd.DataFrame(hot, index=index, columns=cols),
        pd.DataFrame(cold, index=index, columns=cols),
        pd.Series([1.2, 0.3, -3.5, 0.0], index=index),
        pd.Series([0.2, 0.7, 0.0005, 1.0], index=index),
    )
    assert table.index.equals(index)
    assert list(table.columns) == [
        "emerging_code",
        "emerging_class",
        "emerging_label",
        "n_steps",
        "n_hot",
        "n_cold",
        "hot_share",
        "cold_share",
    ]
    assert table["emerging_class"].tolist() == [
        "consecutive_hot",
        "historical_hot",
        "intensifying_cold",
        "no_pattern",
    ]
    assert table["emerging_label"].tolist() == ["连续热点", "历史热点", "加强冷点", "无明显模式"]
    assert table["emerging_code"].tolist() == [2, 8, -3, 0]
    assert table["n_hot"].tolist() == [2, 9, 0, 1]
    assert table["n_cold"].tolist() == [0, 0, 10, 1]
    assert table["hot_share"].tolist() == [0.2, 0.9, 0.0, 0.1]
    assert table["n_steps"].tolist() == [10] * 4
    lookup = ESRI_CLASSES.set_index("code")
    assert (
        lookup.loc[table["emerging_code"], "label_zh"].to_numpy() == table["emerging_label"]
    ).all()


def test_integer_bins_accepted() -> None:
    hot, cold = bins("..HH", "C...")
    a = classify_emerging(hot.astype(int), cold.astype(np.int8), [0.0, 0.0], [1.0, 1.0])
    b = classify_emerging(hot, cold, [0.0, 0.0], [1.0, 1.0])
    assert a.tolist() == b.tolist() == [2, 0]


def test_inputs_not_modified() -> None:
    hot, cold = bins("H.H.HH", "CC..C.")
    h0, c0 = hot.copy(), cold.copy()
    classify_emerging(hot, cold, [1.0, 2.0], [0.5, 0.5])
    assert (hot == h0).all() and (cold == c0).all()


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"cold": np.zeros((2, 5), dtype=bool)}, ValueError, "same shape"),
        ({"cold": np.eye(2, 4, dtype=bool)}, ValueError, "both hot and cold"),
        ({"mk_z": [0.0, 0.0, 0.0]}, ValueError, "one value per unit"),
        ({"mk_p": [[0.1, 0.2]]}, ValueError, "one value per unit"),
        ({"hot": np.full((2, 4), 0.5)}, TypeError, "boolean"),
        ({"hot": np.full((2, 4), 2)}, TypeError, "boolean"),
        ({"hot": [True, False]}, ValueError, "2-D"),
        ({"mk_z": ["a", "b"]}, TypeError, "numeric"),
        ({"share": 0.0}, ValueError, "share"),
        ({"share": 1.1}, ValueError, "share"),
        ({"alpha": 1.0}, ValueError, "alpha"),
        ({"alpha": True}, ValueError, "alpha"),
        ({"n_cases": [1, 2, 3]}, ValueError, "one value per unit"),
        ({"n_cases": [1, -1]}, ValueError, "negative"),
        ({"n_cases": ["a", "b"]}, TypeError, "numeric"),
    ],
)
def test_bad_inputs(kwargs: dict, exc: type[Exception], match: str) -> None:
    args = {
        "hot": np.eye(2, 4, dtype=bool),
        "cold": np.zeros((2, 4), dtype=bool),
        "mk_z": [0.0, 0.0],
        "mk_p": [1.0, 1.0],
    } | kwargs
    share = args.pop("share", 0.9)
    alpha = args.pop("alpha", 0.05)
    with pytest.raises(exc, match=match):
        classify_emerging(**args, share=share, alpha=alpha)
    with pytest.raises(exc, match=match):
        emerging_classes(**args, share=share, alpha=alpha)


# --- rule 0: a unit without a case of its own gets no class (issue 18) ----------------------------

#: Classes an official reads as "a hot (or cold) spot here".
LISTED = set(EMERGING_CLASSES["name"]) - {"no_pattern", "no_cases"}


def test_rule_zero_no_case_no_class() -> None:
    hot, cold = bins("HHHHHHHHHH", "........HH", "H..H...H.H", "CCCCCCCCCC", "..........")
    z, p = [0.4, 0.4, 0.4, -0.4, 0.0], [0.7, 0.7, 0.7, 0.7, 1.0]
    without = emerging_classes(hot, cold, z, p)
    assert without["emerging_class"].tolist()[:4] == [
        "persistent_hot",
        "consecutive_hot",
        "sporadic_hot",
        "persistent_cold",
    ]
    table = emerging_classes(hot, cold, z, p, n_cases=[0, 3, 0, 0, 0])
    assert table["emerging_class"].tolist() == [
        "no_cases",
        "consecutive_hot",
        "no_cases",
        "no_cases",
        "no_cases",
    ]
    assert table["emerging_label"].tolist()[0] == "无事故"
    assert table["emerging_code"].tolist() == [0, 2, 0, 0, 0]
    # the bins stay as computed: the evidence of why rule 0 was needed
    assert table["n_hot"].tolist() == without["n_hot"].tolist()
    assert classify_emerging(hot, cold, z, p, n_cases=[0, 3, 0, 0, 0]).tolist() == [0, 2, 0, 0, 0]
    # NaN = unknown count: rule 0 does not apply; a fractional weight above 0 is a case
    kept = emerging_classes(hot, cold, z, p, n_cases=[np.nan, 0.5, 1, 1, 1])
    assert kept["emerging_class"].tolist()[:4] == without["emerging_class"].tolist()[:4]


@pytest.mark.parametrize("seed", range(5))
def test_rule_zero_property_random(seed: int) -> None:
    """Over random bins and counts: a unit with no case is never in a listed class, and a
    unit with a case is classed exactly as without rule 0."""
    hot, cold, z, p = random_case(seed, 4000, 8)
    rng = np.random.default_rng(seed)
    n_cases = rng.choice([0, 0, 0, 1, 2, 7], size=len(hot))  # mostly empty units, as on roads
    free = emerging_classes(hot, cold, z, p)
    ruled = emerging_classes(hot, cold, z, p, n_cases=n_cases)
    none = n_cases == 0
    assert (ruled.loc[none, "emerging_class"] == "no_cases").all()
    assert not ruled.loc[none, "emerging_class"].isin(LISTED).any()
    pd.testing.assert_frame_equal(ruled[~none], free[~none])
    # margin: without rule 0 many empty units would have been listed
    assert free.loc[none, "emerging_class"].isin(LISTED).sum() > 100


def test_rule_zero_on_the_demo_run(demo_quarter_run) -> None:
    """The finished demo quarter: no unit with a listed emerging class lacks a case of its
    own in the cube's quarters (issue 18: seven of eight 零星热点 had 0–1 cases), and the
    cube's bins agree with the units' counts."""
    result = demo_quarter_run.result
    units = result.emerging.units
    listed = units[units["emerging_class"].isin(LISTED)]
    assert (listed["n_cases"] >= 1).all(), listed[["unit_id", "emerging_class", "n_cases"]]
    bins = result.emerging.bins
    per_unit = bins.groupby("unit_id")["n_cases"].sum()
    assert (per_unit.reindex(listed["unit_id"]).fillna(0).to_numpy() >= 1).all()
    # rule 0 did bite: some units were significantly hot in some quarter with no case
    empty = units[units["n_cases"] == 0]
    assert (empty["emerging_class"] == "no_cases").all()
    assert (empty["n_hot"] > 0).sum() >= 5
    assert (units.loc[units["n_cases"] > 0, "emerging_class"] != "no_cases").all()
