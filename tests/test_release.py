"""The release policy module (trafficprev.release) and the names other packages export of it."""

from __future__ import annotations

import pandas as pd
import pytest

from trafficprev import Settings, maps, release, sites
from trafficprev._errors import SettingsError


def test_levels_labels_and_policy_agree():
    assert release.RELEASE_LEVELS == ("internal", "police", "public")
    assert set(release.RELEASE_POLICY) == set(release.RELEASE_LEVELS)
    for name, level in release.RELEASE_POLICY.items():
        assert level.name == name
        assert level.label == release.RELEASE_LABELS[name]
        assert release.policy(name) is level
    # only the centre sees case points and decision numbers; the public sees no enterprise
    assert [release.policy(n).case_points for n in release.RELEASE_LEVELS] == [1, 0, 0]
    assert [release.policy(n).decision_numbers for n in release.RELEASE_LEVELS] == [1, 0, 0]
    assert [release.policy(n).enterprises for n in release.RELEASE_LEVELS] == [1, 1, 0]


def test_k_per_level():
    s = Settings(k_police=4, k_public=7)
    assert [release.k_of(n, s) for n in release.RELEASE_LEVELS] == [1, 4, 7]
    assert release.k_of("police") == Settings().k_police


@pytest.mark.parametrize("bad", ["everyone", "Police", "", None])
def test_an_unknown_level_is_a_settings_error(bad):
    for call in (release.check_release, release.policy, release.k_of):
        with pytest.raises(SettingsError, match="release must be one of"):
            call(bad)
    with pytest.raises(ValueError):  # still a ValueError for callers
        release.check_release(bad)


def test_maps_and_sites_export_the_same_objects():
    for name in ("RELEASE_LABELS", "RELEASE_LEVELS", "check_release", "k_of", "release_sites",
                 "split_unit_ids", "suppress_counts"):  # fmt: skip
        assert getattr(maps, name) is getattr(release, name), name
    assert sites.circumstances_text is release.circumstances_text
    assert sites.CIRCUMSTANCE_COLUMNS is release.CIRCUMSTANCE_COLUMNS


def test_the_sign_sites_write_circumstances_with_the_release_wording():
    """One wording: the sign sites use release's (no copy to drift apart)."""
    from trafficprev.sites import _signs

    assert _signs.circumstances_text is release.circumstances_text
    assert _signs.CIRCUMSTANCE_COLUMNS is release.CIRCUMSTANCE_COLUMNS


def _key() -> pd.DataFrame:
    key = pd.DataFrame(
        {
            "credit_code": ["A", "B", "C"],
            "name": ["甲", "乙", "丙"],
            "n_cases": [9, 2, 0],
            "key": [True, True, False],
            "reason": ["案件数多（9起，第1位）", "案件数多（2起，第2位）", ""],
        }
    )
    key.attrs.update(theta=0.001, n_key=2)
    return key


def test_release_enterprises_without_the_wording_withholds_the_reasons():
    key = _key()
    out = release.release_enterprises(key, "police", Settings())
    assert out["credit_code"].tolist() == ["A", "C"]  # 2 cases: not listed at all
    assert out["n_cases"].tolist() == ["9", "0"]
    assert (out["reason"] == "").all()  # written at k = 1 they could show a small count
    assert out.attrs == key.attrs
    seen = []

    def reasons(frame, k):
        seen.append((frame["credit_code"].tolist(), k))
        return pd.Series([f"k={k}"] * len(frame), index=frame.index)

    worded = release.release_enterprises(key, "public", Settings(), reasons=reasons)
    assert worded["reason"].tolist() == ["k=5", "k=5"]
    assert seen == [(["A", "C"], 5)]
    assert release.release_enterprises(key, "internal", reasons=reasons).equals(key)
    assert seen == [(["A", "C"], 5)]  # internal: nothing written again


def test_maps_release_enterprises_words_the_reasons_with_the_key_list_rules():
    from trafficprev.groups import key_reasons

    key = _key().assign(
        rate_per_1000=1.0, above_95=False, above_998=False, rising=False, count_rank=[1, 2, 0],
        in_register=True, eb_excess=0.5, n_recent=0, n_before=0, trend_p=1.0,
    )  # fmt: skip
    for level in release.RELEASE_LEVELS:
        via_maps = maps.release_enterprises(key, level, Settings())
        direct = release.release_enterprises(key, level, Settings(), reasons=key_reasons)
        pd.testing.assert_frame_equal(via_maps, direct)
