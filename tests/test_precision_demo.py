"""The demo city's precision-project data (issue 19, item 6): the 2022 export, occupational
diseases, the contributions and payouts ledgers, and the planted enterprises.

Most tests read the shipped ``data/demo`` (``test_democity.py`` checks that it is the
generator's output byte for byte), one reads the session's small city. Thresholds on what
the planted truth produces come from a sweep of seeds, not from today's result for seed
2024: ``make_demo_city(DemoConfig(seed=s))`` for seeds 1–10 (2026-12-07) gave, min–max: the
city's payout ratio 0.50–0.80; occupational diseases 1.1–1.6 % of the determinations;
both-high enterprises' incidence at least 2.1–2.8 times the city's and payout ratio at
least 3.5–15.6 times; incidence-only enterprises' incidence at least 2.5–2.9 times and
payout ratio at most 0.32–1.57 times; one-large-claim firms' payout ratio at least 45–264
times and incidence at most 0.71–1.41 times, each with one determination, a death, and
6–14 insured. Each margin is stated where it is asserted.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from trafficprev import Settings, read_determinations, read_enterprises
from trafficprev.datasets import demo_dir, demo_files

SETTINGS = Settings(as_of=dt.date(2025, 6, 30))
YEARS = (2022, 2023, 2024)
#: 第十四条第（四）项 in the spellings clerks use (第十四条第(四)项, 第14条第四项, 十四条（4）…).
ARTICLE_14_4 = re.compile(r"(?:十四|14)条第?[（(]?(?:四|4)[）)]?[项款]?")
DECISION = re.compile(r"〔(\d{4})〕(\d{4})号$")


def _raw_export(path) -> pd.DataFrame:
    """An export's rows as text (the title row above the header skipped)."""
    if path.suffix == ".csv":
        return pd.read_csv(path, skiprows=1, dtype=str, encoding="gb18030").fillna("")
    return pd.read_excel(path, header=1, dtype=str, engine="openpyxl").fillna("")


@pytest.fixture(scope="module")
def files() -> dict:
    return demo_files()


@pytest.fixture(scope="module")
def exports(files) -> pd.DataFrame:
    """Every determination row of 2022–2024 as written (the Q4 CSV's re-exported duplicates
    and its two bad rows left out), with the file it came from."""
    parts = []
    for path in [*files["precision_determinations"], *files["determinations"]]:
        part = _raw_export(path).assign(file=path.name)
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["认定书编号"].str.match(r".*〔\d{4}〕\d{4}号$")]
    return rows.drop_duplicates("认定书编号", keep="first").reset_index(drop=True)


@pytest.fixture(scope="module")
def ledgers(files) -> tuple[pd.DataFrame, pd.DataFrame]:
    contributions = pd.read_excel(files["contributions"][0], header=1, engine="openpyxl")
    payouts = pd.read_csv(
        files["payouts"][0], skiprows=1, encoding="gb18030", dtype={"统一社会信用代码": str}
    )
    return contributions, payouts


@pytest.fixture(scope="module")
def plants() -> pd.DataFrame:
    return pd.read_csv(demo_dir() / "truth" / "precision_enterprises.csv")


def test_the_files_exist_and_go_through_intake(files):
    paths = [*files["precision_determinations"], *files["determinations"]]
    assert [p.name for p in files["precision_determinations"]] == ["determinations_2022.xlsx"]
    assert files["contributions"][0].is_file() and files["payouts"][0].is_file()
    result = read_determinations(paths, settings=SETTINGS)
    acc = result.accounting
    assert acc.read == acc.records + acc.rejected + acc.duplicates
    assert acc.rejected <= 5  # the Q4 CSV's two planted bad rows, and little else
    years = result.records["injured_at"].dt.year.value_counts()
    assert set(years.index) == set(YEARS) and years.min() > 1_000  # ~1,500–1,700 a year
    register = read_enterprises(files["enterprises"], settings=SETTINGS)
    assert register.accounting.rejected == 0
    assert set(result.records["credit_code"]) <= set(register.records["credit_code"])


def test_titles_and_headers_are_the_exports(files):
    with open(files["payouts"][0], encoding="gb18030") as f:
        title, header = f.readline(), f.readline()
    assert "合成演示数据" in title
    assert header.strip().split(",") == [
        "统一社会信用代码", "单位名称", "支付日期", "支付金额", "认定书编号", "待遇项目",
        "支付流水号",
    ]  # fmt: skip
    sheets = pd.read_excel(
        files["contributions"][0], sheet_name=None, header=None, engine="openpyxl"
    )
    assert list(sheets) == ["缴费台账", "说明"]
    assert "合成演示数据" in str(sheets["缴费台账"].iat[0, 0])
    assert list(sheets["缴费台账"].iloc[1]) == [
        "统一社会信用代码", "单位名称", "年度", "参保人数", "缴费工资总额", "行业风险类别",
        "应缴金额", "实缴金额",
    ]  # fmt: skip


def test_decision_numbers_never_collide(files, exports):
    """The 2022 export's numbers are disjoint from the 2023–2024 exports', also in 〔2023〕
    where both have decisions: the 2022 batch starts at the next thousand."""
    early = exports["file"] == "determinations_2022.xlsx"
    assert exports["认定书编号"].is_unique
    numbers = exports["认定书编号"].str.extract(DECISION).astype(int)
    mine = numbers[early & (numbers[0] == 2023)][1]
    theirs = numbers[~early & (numbers[0] == 2023)][1]
    assert len(mine) and len(theirs) and mine.min() > theirs.max()
    assert mine.min() % 1000 == 1


def test_every_payout_belongs_to_a_recognised_case_of_its_enterprise(exports, ledgers):
    _, payouts = ledgers
    cases = exports.set_index("认定书编号")
    known = payouts["认定书编号"].isin(cases.index)
    paid = cases.loc[payouts.loc[known, "认定书编号"]]
    assert (paid["认定结论"] != "不予认定工伤").all()  # refused cases get nothing
    assert (paid["统一社会信用代码"].to_numpy() == payouts.loc[known, "统一社会信用代码"]).all()
    # the others are for determinations of 2021 (no export holds them), paid from 2022 on
    assert payouts.loc[~known, "认定书编号"].str.contains("〔2021〕").all() and (~known).any()
    days = pd.to_datetime(payouts["支付日期"])
    assert days.min() >= pd.Timestamp("2022-01-01") and days.max() <= pd.Timestamp("2024-12-31")
    decided = pd.to_datetime(paid["认定日期"]).to_numpy()
    assert (days[known].to_numpy() > decided).all()  # a payment follows its decision
    assert payouts["支付流水号"].is_unique and (payouts["支付金额"] > 0).all()


def test_the_city_payout_ratio_is_realistic(ledgers):
    contributions, payouts = ledgers
    ratio = payouts["支付金额"].sum() / contributions["实缴金额"].sum()
    assert 0.40 <= ratio <= 0.90  # sweep: 0.50–0.80


def test_contributions_follow_the_rate_rules(ledgers, files):
    contributions, _ = ledgers
    register = read_enterprises(files["enterprises"], settings=SETTINGS).records
    assert len(contributions) == 3 * len(register)  # one row per enterprise and year
    assert set(contributions["统一社会信用代码"]) == set(register["credit_code"])
    assert sorted(contributions["年度"].unique()) == list(YEARS)
    classes = ["一类", "二类", "三类", "四类", "五类", "六类", "七类", "八类"]
    rates = [0.002, 0.004, 0.007, 0.009, 0.011, 0.013, 0.016, 0.019]
    base = dict(zip(classes, rates, strict=True))
    floating = contributions["应缴金额"] / (
        contributions["缴费工资总额"] * contributions["行业风险类别"].map(base)
    )
    assert floating.round(3).isin([0.5, 0.8, 1.0, 1.2, 1.5]).all()  # 人社部发〔2015〕71号
    assert (contributions["实缴金额"] <= contributions["应缴金额"]).all()
    assert (contributions["实缴金额"] == contributions["应缴金额"]).mean() > 0.9  # few in arrears
    wage = contributions["缴费工资总额"] / contributions["参保人数"]
    assert wage.between(40_000, 160_000).all()  # ~60,000–110,000 by industry, ±a firm's level
    last = contributions[contributions["年度"] == 2024].set_index("统一社会信用代码")["参保人数"]
    drift = last / register.set_index("credit_code")["insured"]
    assert drift.between(0.95, 1.05).all()  # the register holds the 2024 headcount


def test_benefits_follow_the_regulation(exports, ledgers):
    _, payouts = ledgers
    severity = payouts["认定书编号"].map(exports.set_index("认定书编号")["伤情"])
    items = payouts["待遇项目"]
    lump = payouts.loc[items == "一次性工亡补助金", "支付金额"]
    incomes = (42_359, 43_834, 47_412, 49_283, 51_821)  # national, urban, 2019–2023
    assert set(lump.round(2)) <= {20 * x for x in incomes}
    assert set(payouts.loc[items == "伤残津贴", "认定书编号"]).isdisjoint(
        payouts.loc[items == "一次性工亡补助金", "认定书编号"]
    )
    minor = payouts[(items == "医疗费") & (severity == "轻伤")]
    assert minor.groupby("认定书编号")["支付金额"].sum().between(800, 20_000).all()
    death_only = {"一次性工亡补助金", "丧葬补助金", "供养亲属抚恤金"}
    assert (severity[items.isin(death_only)].dropna() == "死亡").all()


def test_occupational_diseases(exports):
    od = exports[exports["伤情"] == "职业病"]
    assert 0.008 <= len(od) / len(exports) <= 0.025  # about 1–2 %; sweep 1.1–1.6 %
    assert od["认定依据"].str.contains(ARTICLE_14_4).all()
    assert od["受伤经过"].str.contains("诊断").all()
    assert od["受伤经过"].str.contains("职业病防治院|疾病预防控制中心|职业病科").all()
    assert od["受伤经过"].str.contains("尘肺|矽肺|噪声聋|中毒|棉尘病").all()
    assert set(od["所属行业"]) <= {"制造业", "建筑业"}
    assert not od["受伤时间"].str.contains(":").any()  # the diagnosis date, no hour
    result = read_determinations(
        [*demo_files()["precision_determinations"], *demo_files()["determinations"]],
        settings=SETTINGS,
    ).records
    read = result[result["decision_no"].isin(od["认定书编号"])]
    assert len(read) == len(od) and not read["commuting"].any() and not read["traffic"].any()


def test_planted_truth_is_consistent(plants, exports, files):
    counts = plants["plant"].value_counts().to_dict()
    assert counts == {
        "both_high": 8, "incidence_only": 3, "one_large_claim": 2, "trained_drop": 1,
        "trained_null": 2,
    }  # fmt: skip
    assert plants["credit_code"].is_unique
    risky = pd.read_csv(demo_dir() / "truth" / "risky_enterprises.csv")
    assert set(plants["credit_code"]).isdisjoint(risky["credit_code"])
    measures = pd.read_csv(files["measures"][0], skiprows=1, dtype=str).fillna("")
    trained = plants[plants["plant"].str.startswith("trained")]
    rows = measures[measures["类型"] == "培训"].set_index("道路或单位")
    assert set(trained["name"]) <= set(rows.index)
    assert (rows.loc[trained["name"], "实施日期"] == "2023-07-01").all()
    drop = plants.set_index("plant").loc[["trained_drop", "trained_null"], "relative_drop"]
    assert drop.iloc[0] == pytest.approx(1 - 1.5 / 4) and (drop.iloc[1:] == 0).all()
    older = set(measures.loc[measures["实施日期"] != "2023-07-01", "道路或单位"])
    assert set(plants["name"]).isdisjoint(older)  # none trained before
    for firm in plants[plants["plant"] == "one_large_claim"].itertuples():
        mine = exports[exports["统一社会信用代码"] == firm.credit_code]
        assert len(mine) == 1 and (mine["伤情"] == "死亡").sum() == 1  # sweep: every seed
        assert 6 <= firm.insured <= 14  # about 8–12 insured


def _enterprise_measures(exports, ledgers) -> pd.DataFrame:
    """Per enterprise over 2022–2024: incidence and payout ratio, each over the city's."""
    contributions, payouts = ledgers
    recognised = exports[exports["认定结论"] != "不予认定工伤"]
    frame = pd.DataFrame(
        {
            "n": recognised.groupby("统一社会信用代码").size(),
            "insured": contributions.groupby("统一社会信用代码")["参保人数"].sum(),
            "paid": contributions.groupby("统一社会信用代码")["实缴金额"].sum(),
            "payout": payouts.groupby("统一社会信用代码")["支付金额"].sum(),
        }
    ).fillna(0.0)
    return frame.assign(
        rate=(frame["n"] / frame["insured"]) / (frame["n"].sum() / frame["insured"].sum()),
        ratio=(frame["payout"] / frame["paid"]) / (frame["payout"].sum() / frame["paid"].sum()),
    )


def test_planted_enterprises_show_what_was_planted(plants, exports, ledgers):
    e = _enterprise_measures(exports, ledgers)
    plant = plants.set_index("credit_code")["plant"]
    both = e.loc[plant[plant == "both_high"].index]
    assert (both["rate"] >= 1.8).all()  # sweep: at least 2.1–2.8 times the city's
    assert (both["ratio"] >= 2.5).all()  # sweep: at least 3.5–15.6 times
    only = e.loc[plant[plant == "incidence_only"].index]
    assert (only["rate"] >= 2.0).all()  # sweep: at least 2.5–2.9 times
    assert (only["ratio"] <= 3.0).all()  # ordinary; sweep: at most 0.32–1.57 times
    large = e.loc[plant[plant == "one_large_claim"].index]
    assert (large["ratio"] >= 20).all()  # sweep: at least 45 times
    assert (large["rate"] <= 2.0).all()  # ordinary; sweep: at most 0.71–1.41 times


def test_the_drawn_rows_stay_in_the_exports(small_city):
    """The rows drawn for the traffic quarters are all in the exports, as they were: the
    precision rows are added, never changed or removed, and none of them is commuting (the
    planted target groups' rows, issue 20, are the only commuting rows added)."""
    from trafficprev.datasets._cases import simulate
    from trafficprev.datasets._world import build_world
    from trafficprev.datasets.democity import HEADER, determinations, small_config

    config = small_config()
    world = build_world(config.seed, scale=config.scale)
    drawn, _ = determinations(world, simulate(world, config), config)
    written = pd.concat(
        [_raw_export(small_city[k]) for k in small_city if k.startswith("determinations_")]
    )
    keys = set(map(tuple, written[HEADER].itertuples(index=False)))
    assert all(tuple(r) in keys for r in drawn[HEADER].astype(str).itertuples(index=False))
    truth = pd.read_csv(small_city["truth_cases"])
    planted = pd.read_csv(small_city["truth_group_cases"])["decision_no"]
    assert len(planted) > 0 and planted.isin(truth["decision_no"]).all()
    added = truth[
        ~truth["decision_no"].isin(drawn["认定书编号"]) & ~truth["decision_no"].isin(planted)
    ]
    early = added["decision_no"].isin(
        _raw_export(small_city["precision_determinations"])["认定书编号"]
    )
    assert len(added) > 0 and not added.loc[~early, "commuting"].any()


def test_the_ledger_readers_read_the_demo(files, ledgers):
    """The intake of the ledgers keeps every row of the demo's (the reader is imported
    here: it is written alongside)."""
    from trafficprev._ledgers import read_contributions, read_payouts

    contributions, payouts = ledgers
    got = read_contributions(files["contributions"], settings=SETTINGS)
    assert got.accounting.records == len(contributions) and got.accounting.rejected == 0
    assert got.records["paid"].sum() == pytest.approx(contributions["实缴金额"].sum())
    assert set(got.records["risk_class"]) <= {"一类", "二类", "三类", "四类", "五类", "六类"}
    paid = read_payouts(files["payouts"], settings=SETTINGS)
    assert paid.accounting.records == len(payouts) and paid.accounting.rejected == 0
    assert paid.records["amount"].sum() == pytest.approx(payouts["支付金额"].sum())
    assert (paid.records["decision_no"] != "").all() and (paid.records["item"] != "").all()
