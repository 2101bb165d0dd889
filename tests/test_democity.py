"""The demo city: deterministic files, readable by intake, planted truth that shows.

The thresholds on what the planted truth produces are set from a sweep of seeds, not from
today's result for one seed: ``python benchmarks/seed_sweep.py --small`` (``small_config``,
seeds 1–20, 2026-12-07) gave, min–max over the 20 seeds: rejected rows 2–2, identical
duplicates 12–12 and conflicting 1–1 (both planted: exact for every seed), commuting share
0.188–0.216 (0.25 of the rows drawn for the traffic project; the precision project adds
workplace rows), accidents at planted sites / with strength 1 3.8–16 (``max(1, flat)`` below),
most accidents at one planted site 2–10 against 1–1 at any other node. Each margin is stated
where it is asserted.
"""

from __future__ import annotations

import datetime as dt
import filecmp

import pandas as pd
import pytest

from trafficprev import Settings, read_campaign_candidates, read_determinations, read_enterprises
from trafficprev.datasets import demo_dir
from trafficprev.datasets.democity import DemoConfig, make_demo_city, small_config

SETTINGS = Settings(as_of=dt.date(2025, 6, 30))


def test_another_seed_another_city():
    """The seed reaches the roads (the same seed giving the same bytes is
    ``test_shipped_demo_matches_the_generator``: the shipped files are the generator's)."""
    from trafficprev.datasets._world import build_world

    scale = small_config().scale
    one, other = build_world(small_config().seed, scale=scale), build_world(7, scale=scale)
    assert len(one.nodes) > 100 and len(other.nodes) > 100
    assert not one.nodes.equals(other.nodes)


def test_exports_go_through_intake(small_city):
    files = [p for k, p in small_city.items() if k.startswith("determinations_")]
    assert {p.suffix for p in files} == {".xlsx", ".csv"}
    result = read_determinations(files, settings=SETTINGS)
    acc = result.accounting
    assert acc.read == acc.cases + acc.rejected + acc.duplicates
    reasons = result.rejected["reason_code"].value_counts()
    # planted bad rows: one without an employer, at least one unreadable time
    assert reasons.get("missing_employer") == 1 and reasons.get("time_unparseable", 0) >= 1
    assert acc.rejected <= 5  # the planted bad rows, and little else (sweep: 2 for every seed)
    # planted duplicates: the same count for every seed of the sweep, so exact
    assert acc.duplicates_identical == 12 and acc.duplicates_conflicting == 1
    csv_source = next(s for s in result.sources if s.format == "csv")
    assert csv_source.encoding == "gb18030" and csv_source.header_row == 2
    share = acc.commuting_traffic / acc.cases
    assert 0.15 < share < 0.35  # configured 0.25 before the additions; sweep 0.188–0.216
    ent = read_enterprises(small_city["enterprises"], settings=SETTINGS)
    assert ent.accounting.rejected == 0 and ent.accounting.records >= 50
    camp = read_campaign_candidates(small_city["campaign_sites"], settings=SETTINGS)
    assert {"大型社区", "工业园区", "CBD"} <= set(camp.records["kind"])


def test_truth_is_separate_and_consistent(small_city):
    truth = pd.read_csv(small_city["truth_cases"])
    hot = pd.read_csv(small_city["truth_hotspots"])
    assert truth["decision_no"].is_unique
    commuting = truth[truth["commuting"]]
    assert (
        commuting["true_lon"].notna().all()
        and truth.loc[~truth["commuting"], "true_lon"].isna().all()
    )
    assert set(hot["pattern"]) >= {"persistent", "emerging", "fading"}
    assert set(commuting["hotspot_id"].dropna()) <= set(hot["hotspot_id"])
    assert commuting["typo"].notna().sum() >= 1  # homophone slips are planted too
    assert set(commuting["place_kind"]) >= {"intersection", "offset", "unresolvable"}


def test_planted_hotspots_concentrate_accidents():
    from trafficprev.datasets._cases import simulate
    from trafficprev.datasets._world import build_world

    config = small_config()
    world = build_world(config.seed, scale=config.scale)
    planted = simulate(world, config).accidents
    flat = simulate(world, small_config(hotspot_strength=1.0)).accidents
    # with strength 1 the same sites collect only their ordinary share; strength 8 gave
    # 3.8–16 times that over seeds 1–20 (seed_sweep.py --small), so 3 is the margin
    assert planted["hotspot_id"].notna().sum() >= 3 * max(1, flat["hotspot_id"].notna().sum())
    per_site = planted["hotspot_id"].value_counts()
    ordinary = planted.loc[planted["at_node"].notna() & planted["hotspot_id"].isna(), "at_node"]
    assert per_site.max() > ordinary.value_counts().max()  # sweep: 2–10 against 1


def test_no_personal_looking_data(small_city):
    import re

    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    checks = "10X98765432"
    # ID-shaped: region, a plausible birth date, sequence, check character
    pat = re.compile(
        r"(?<![0-9A-Z])([1-6]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX])"
        r"(?![0-9A-Z])"
    )
    for path in small_city.values():
        if path.suffix not in {".csv", ".osm"}:
            continue
        gb18030 = "determinations" in path.name or path.name == "payouts.csv"  # GB18030 exports
        text = path.read_bytes().decode("gb18030" if gb18030 else "utf-8-sig")
        for m in pat.findall(text):
            assert (
                checks[sum(int(a) * b for a, b in zip(m[:17], weights, strict=True)) % 11] != m[17]
            ), m
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)


def test_shipped_demo_matches_the_generator(tmp_path):
    """Regenerated now, the demo city is byte for byte the files shipped in data/demo (made by
    another process at another time): the generator is deterministic."""
    shipped = demo_dir()
    fresh = make_demo_city(tmp_path, DemoConfig())
    for _name, path in fresh.items():
        rel = path.relative_to(tmp_path)
        assert filecmp.cmp(path, shipped / rel, shallow=False), f"{rel} differs from data/demo"


def test_the_demo_cache_never_deletes_a_folder_it_did_not_write(tmp_path, monkeypatch) -> None:
    """Outside a source checkout the demo is generated into $TRAFFICPREV_CACHE/demo; a user's
    own folder of that name is refused with one line, before anything is generated."""
    import trafficprev.datasets as datasets
    from trafficprev._errors import OutputRefusedError

    monkeypatch.setattr(datasets, "_ROOT", tmp_path / "site-packages" / "trafficprev" / "datasets")
    monkeypatch.setenv("TRAFFICPREV_CACHE", str(tmp_path / "cache"))
    mine = tmp_path / "cache" / "demo" / "我的笔记.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("用户自己的文件", encoding="utf-8")
    with pytest.raises(OutputRefusedError, match="is not a trafficprev demo city"):
        demo_dir()
    assert mine.read_text(encoding="utf-8") == "用户自己的文件"
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["demo"]  # nothing made
