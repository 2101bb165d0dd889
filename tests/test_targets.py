"""Target groups for training: whom, when and where (trafficprev.targets), the 培训对象 sheet at
each release level (release.release_training, sites.write_sites_xlsx) — issue 20, items 2 and 4.

The cases are simulated: every field drawn independently from shares like the demo city's,
the insured headcount by industry from a register, and one planted group (制造业 workers on
电动自行车 going home at night, 23:00–00:30) whose cases concentrate on two enterprises and two
road units. The sweeps behind each margin are written in the tests.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from trafficprev import Settings
from trafficprev.release import release_training
from trafficprev.sites import TRAINING_SHEET, read_back, write_sites_xlsx
from trafficprev.targets import TargetGroups, exposure_of, target_groups

INDUSTRIES = {
    "制造业": 3000,
    "建筑业": 1500,
    "批发和零售业": 2000,
    "教育": 1000,
    "卫生和社会工作": 800,
}
MODES = (["电动自行车", "摩托车", "步行", "小型汽车", "自行车"], [0.58, 0.16, 0.09, 0.12, 0.05])
COUNTERPARTS = (["小型汽车", "货车", "电动自行车", "单方"], [0.6, 0.15, 0.15, 0.1])
PLANTED = {"industry": "制造业", "mode": "电动自行车", "direction": "下班", "time_band": "夜间"}
HOSTILE = '<img src=x onerror=alert(1)>=HYPERLINK("http://x"){{7*7}}'


def _register(hostile: bool = False) -> pd.DataFrame:
    rows = []
    for i, (industry, insured) in enumerate(INDUSTRIES.items()):
        for j in range(10):
            name = f"测试{industry}{j}号合成公司"
            if hostile and i == 0 and j == 0:
                name = HOSTILE + "公司"
            rows.append(
                {
                    "credit_code": f"91439900TEST{i:02d}{j:02d}X",
                    "name": name,
                    "industry": industry,
                    "insured": insured / 10,
                }
            )
    return pd.DataFrame(rows)


def _when(rng: np.random.Generator, n: int, night: bool) -> list[dt.datetime]:
    day = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(360)))
    out = []
    for _ in range(n):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(360)))
        if night:
            minute = int(rng.integers(23 * 60, 24 * 60 + 30)) % 1440
        else:
            minute = int(rng.choice([rng.integers(390, 540), rng.integers(990, 1170)]))
        out.append(dt.datetime.combine(day, dt.time(minute // 60, minute % 60)))
    return out


def _cases(seed: int, *, planted: int = 24, n: int = 600, hostile: bool = False):
    """Independent fields for `n` cases, plus `planted` cases of the planted group."""
    rng = np.random.default_rng(seed)
    reg = _register(hostile)
    p = reg["insured"].to_numpy(float)
    ents = reg.iloc[rng.choice(len(reg), size=n, p=p / p.sum())].reset_index(drop=True)
    when = _when(rng, n, night=False)
    base = pd.DataFrame(
        {
            "credit_code": ents["credit_code"],
            "employer": ents["name"],
            "industry": ents["industry"],
            "mode": rng.choice(MODES[0], size=n, p=MODES[1]),
            "counterpart": rng.choice(COUNTERPARTS[0], size=n, p=COUNTERPARTS[1]),
            "direction": ["上班" if t.hour < 12 else "下班" for t in when],
            "injured_at": when,
            "sex": rng.choice(["男", "女"], size=n, p=[0.58, 0.42]),
            "age": rng.integers(20, 60, size=n),
            "responsibility": rng.choice(["无", "次要", "同等", "主要"], size=n),
            "unit_id": [
                f"S:路{u}:0:0" if u < 60 else f"I:路{u}|路{u + 1}"
                for u in rng.integers(0, 90, size=n).tolist()
            ],
        }
    )
    mf = reg[reg["industry"] == "制造业"].reset_index(drop=True)
    # the planted group's cases: two enterprises and two units hold most of them
    pick = rng.choice(len(mf), size=planted, p=[0.4, 0.3] + [0.3 / (len(mf) - 2)] * (len(mf) - 2))
    unit = rng.choice(
        ["I:建设路|人民路", "S:南湖路:3:0", "S:路7:0:0"], size=planted, p=[0.45, 0.4, 0.15]
    )
    group = pd.DataFrame(
        {
            "credit_code": mf.loc[pick, "credit_code"].to_numpy(),
            "employer": mf.loc[pick, "name"].to_numpy(),
            "industry": "制造业",
            "mode": "电动自行车",
            "counterpart": rng.choice(COUNTERPARTS[0], size=planted, p=COUNTERPARTS[1]),
            "direction": "下班",
            "injured_at": _when(rng, planted, night=True),
            "sex": rng.choice(["男", "女"], size=planted, p=[0.58, 0.42]),
            "age": rng.integers(20, 60, size=planted),
            "responsibility": rng.choice(["无", "次要", "同等", "主要"], size=planted),
            "unit_id": unit,
        }
    )
    cases = pd.concat([base, group], ignore_index=True)
    cases["injured_at"] = pd.to_datetime(cases["injured_at"])
    cases["time_precision"] = "minute"
    cases["match_level"] = "road"
    return cases, reg


def _units(cases: pd.DataFrame) -> pd.DataFrame:
    ids = sorted(set(cases["unit_id"]))
    words = {
        "I:建设路|人民路": "建设路与人民路交叉口",
        "S:南湖路:3:0": "南湖路（人民路至建设路段）",
    }
    roads = [u[2:].split("|") if u.startswith("I:") else [u.split(":")[1], ""] for u in ids]
    return pd.DataFrame(
        {
            "unit_id": ids,
            "road": [r[0] for r in roads],
            "cross_road": [r[1] for r in roads],
            "place_text": [words.get(u, u) for u in ids],
            "hot": [u in words for u in ids],
        }
    )


SETTINGS = Settings(group_bootstrap=100)


SEEDS = range(10)


@pytest.fixture(scope="module")
def sweep():
    """(cases, register, TargetGroups) of seeds 0–9."""
    out = []
    for seed in SEEDS:
        cases, reg = _cases(seed)
        out.append((cases, reg, target_groups(cases, reg, _units(cases), SETTINGS, years=1.0)))
    return out


@pytest.fixture(scope="module")
def planted(sweep):
    return sweep[0]


def _is_planted(row: pd.Series) -> bool:
    """A called-out group matches the planted one: only planted values, at least 3 of the 4."""
    given = {f: row[f] for f in PLANTED if row.get(f, "")}
    others = [
        f for f in ("age_band", "sex", "counterpart", "location", "responsibility") if row.get(f)
    ]
    return not others and all(PLANTED[f] == v for f, v in given.items()) and len(given) >= 3


def test_the_planted_group_is_called_out_first_with_whom_when_and_where(sweep):
    """Seeds 0–29 (2026-12-07): the planted group was called out first in 29 of 30 (in the
    other, a child of it with one more field came first); its two main enterprises were the
    top two of its plan in 29 of 30 and its two main units in 27 of 30 (the plant puts 15 %
    of its cases on a third unit); at most 3 groups were called out. Asserted over seeds
    0–9: at least 8, 8 and 7 of 10."""
    first = enterprises = units_ok = 0
    for cases, reg, t in sweep:
        assert isinstance(t, TargetGroups)
        assert t.n_cases == len(cases)
        assert 1 <= len(t.called_out) <= 4
        top = t.called_out.iloc[0]
        first += _is_planted(top)
        rank = int(top["rank"])
        ents = t.enterprises[t.enterprises["rank"] == rank]
        mf = reg[reg["industry"] == "制造业"]["credit_code"].tolist()
        enterprises += set(ents["credit_code"].head(2)) == set(mf[:2])  # most of its cases
        assert len(ents) <= SETTINGS.group_enterprises
        assert ents["n"].is_monotonic_decreasing
        places = t.places[t.places["rank"] == rank]
        units = places[places["kind"] == "地点"]
        units_ok += set(units["place"].head(2)) == {
            "建设路与人民路交叉口",
            "南湖路（人民路至建设路段）",
        }
        roads = places[places["kind"] == "道路"]  # a case at the crossing counts for both roads
        assert {"建设路", "人民路", "南湖路"} & set(roads["place"].head(3))
        assert roads["n"].is_monotonic_decreasing and len(roads) <= SETTINGS.group_places
        hours = t.hours[t.hours["rank"] == rank].iloc[0]
        start = int(hours["peak_text"].split(" ")[-1][:2])  # "每天 23:00–次日00:30"
        assert start in (22, 23, 0), hours["peak_text"]  # the night, not a commute peak
    assert first >= 8 and enterprises >= 8 and units_ok >= 7, (first, enterprises, units_ok)


def test_every_group_of_the_plan_is_a_called_out_group(planted):
    _, _, t = planted
    ranks = set(t.called_out["rank"])
    for table in (t.enterprises, t.places, t.hours):
        assert set(table["rank"]) <= ranks


def test_no_group_is_called_out_without_a_planted_one():
    """Seeds 100–129 without the planted group: no group was called out in any of the 30
    (2026-12-07); asserted: in at most 1 of the 5 seeds run here."""
    called = 0
    for seed in range(100, 105):
        cases, reg = _cases(seed, planted=0)
        t = target_groups(cases, reg, _units(cases), SETTINGS, years=1.0)
        called += len(t.called_out) > 0
        assert t.enterprises.empty == t.called_out.empty
    assert called <= 1


def test_industry_exposure_comes_from_the_register():
    ex = exposure_of(_register())
    assert set(ex["value"]) == set(INDUSTRIES)
    assert ex.set_index("value")["insured"].to_dict() == pytest.approx(INDUSTRIES)
    assert exposure_of(pd.DataFrame(columns=["credit_code", "insured"])) is None


def _plan(seed: int = 0, **kw):
    cases, reg = _cases(seed, **kw)
    return target_groups(cases, reg, _units(cases), SETTINGS, years=1.0)


def test_release_levels_name_what_they_may(planted):
    _, _, t = planted
    s = Settings()
    args = (t.groups, t.enterprises, t.places, t.hours)
    internal = release_training(*args, "internal", s)
    police = release_training(*args, "police", s)
    public = release_training(*args, "public", s)
    assert len(internal) == len(t.called_out) == len(police)
    top = t.enterprises[t.enterprises["rank"] == int(t.called_out.iloc[0]["rank"])]
    for name, n in zip(top["name"], top["n"], strict=True):
        assert name in internal.iloc[0]["enterprises"]
        assert (name in police.iloc[0]["enterprises"]) == (n >= s.k_police)
    assert not any(name in " ".join(public["enterprises"]) for name in t.enterprises["name"])
    assert all("不公开单位名称" in e or e.startswith("涉及") for e in public["enterprises"])
    assert (pd.to_numeric(public["n"]) >= s.k_public).all()
    # no place with fewer than k cases at a shared level
    for text in police["places"]:
        for part in filter(None, text.split("；")):
            assert int(part.split("（")[-1].split("起")[0]) >= s.k_police


def test_police_never_shows_a_count_below_k():
    t = _plan(3)
    s = Settings(k_police=5)
    police = release_training(t.groups, t.enterprises, t.places, t.hours, "police", s)
    for col in ("enterprises", "places"):
        for text in police[col]:
            for part in filter(None, text.split("；")):
                if "起" in part and "各少于" not in part:
                    assert int(part.split("（")[-1].split("起")[0]) >= 5, part
    assert "占" not in "".join(police["hours"])  # the share of the peak only internally


def test_the_training_sheet_is_written_as_text_between_the_key_list_and_the_notes(tmp_path):
    cases, reg = _cases(0, hostile=True)
    t = target_groups(cases, reg, _units(cases), SETTINGS, years=1.0)
    training = release_training(t.groups, t.enterprises, t.places, t.hours, "internal")
    assert training["enterprises"].str.contains(HOSTILE, regex=False).any()
    sites = pd.DataFrame(
        {"kind": ["警示标志"], "road": ["建设路"], "position_text": ["建设路与人民路交叉口"],
         "n_covered": [5], "lon": [111.7], "lat": [29.0]}
    )  # fmt: skip
    key = pd.DataFrame({"rank": [1], "name": ["测试企业"], "n_cases": [5]})
    path = write_sites_xlsx(tmp_path / "sites.xlsx", sites, key, notes=[], training=training)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["建议点位", "重点企业", TRAINING_SHEET, "说明"]
    back = read_back(path)[TRAINING_SHEET]
    assert back["培训人群"].tolist() == training["group"].tolist()
    assert back["重点企业"].tolist() == training["enterprises"].tolist()
    for row in wb[TRAINING_SHEET].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    empty = training.iloc[:0]
    path = write_sites_xlsx(tmp_path / "none.xlsx", sites, key, notes=[], training=empty)
    assert TRAINING_SHEET not in openpyxl.load_workbook(path).sheetnames


def test_no_called_out_group_gives_an_empty_plan_and_no_rows():
    cases, reg = _cases(0, planted=0, n=40)  # too few cases for any group to stand out
    t = target_groups(cases, reg, _units(cases), SETTINGS, years=1.0)
    assert t.called_out.empty and t.enterprises.empty and t.places.empty and t.hours.empty
    assert release_training(t.groups, t.enterprises, t.places, t.hours, "police").empty


def test_same_seed_same_plan(planted):
    cases, reg, t = planted
    again = target_groups(cases, reg, _units(cases), SETTINGS, years=1.0)
    pd.testing.assert_frame_equal(again.groups, t.groups)
    pd.testing.assert_frame_equal(again.enterprises, t.enterprises)


# ------------------------------------------------------------------ the demo city's run


def _core(row: pd.Series, core: dict[str, str]) -> bool:
    return all(row.get(f, "") == v for f, v in core.items())


def test_the_demo_run_calls_out_its_two_planted_groups_first(demo_quarter_run):
    """The demo city plants G1 (制造业 night-shift exits on 电动自行车) and G2 (步行 at dawn on
    one arterial) in data/demo/truth/groups.csv; the 2024Q4 window's first two called-out
    groups are them (their core values), and G2's plan names its arterial."""
    from trafficprev.datasets import demo_files

    truth = pd.read_csv(demo_files()["roads"][0].parent / "truth" / "groups.csv")
    cores = {}
    for _, g in truth.iterrows():
        fields = dict(part.split("=") for part in g["fields"].split("|"))
        cores[g["group_id"]] = {f: fields[f] for f in g["core"].split("|")}
    t = demo_quarter_run.result.targets
    first = t.called_out.head(2)
    assert len(first) == 2
    found = {gid for gid, core in cores.items() for _, r in first.iterrows() if _core(r, core)}
    assert found == {"G1", "G2"}, first["group"].tolist()
    g2 = next(r for _, r in first.iterrows() if _core(r, cores["G2"]))
    road = truth.set_index("group_id").at["G2", "road"]
    roads = t.places[(t.places["rank"] == g2["rank"]) & (t.places["kind"] == "道路")]
    assert roads.iloc[0]["place"] == road


def test_the_shared_workbook_has_the_training_sheet_at_the_police_level(demo_quarter_run):
    """sites.xlsx (police, the default release) lists the called-out groups; no enterprise
    or place with fewer than k_police of a group's cases is named; the report's section 5
    says how many cases the ranking rests on."""
    out = demo_quarter_run.out
    result = demo_quarter_run.result
    k = result.settings.k_police
    sheet = read_back(out / "sites.xlsx")[TRAINING_SHEET]
    t = result.targets
    assert sheet["培训人群"].tolist() == t.called_out["group"].head(len(sheet)).tolist()
    assert len(sheet) == min(len(t.called_out), result.settings.group_count)
    small = t.enterprises[t.enterprises["n"] < k]["name"]
    for text in sheet["重点企业"].fillna(""):
        assert not any(name and name in text for name in small)
    report = (out / "report.html").read_text(encoding="utf-8")
    section = report.split('<section id="targets">')[1].split("</section>")[0]
    assert f"{t.n_cases:,} 起通勤交通事故" in section or f"{t.n_cases} 起通勤交通事故" in section
    assert "建议培训人群" in section
