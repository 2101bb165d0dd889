"""The disclosure rules (trafficprev.disclosure): primary and secondary suppression.

Each rule is checked against the property it promises, on random totals and parts
(hypothesis), with the margin stated: nothing shown is 1 … k−1, no difference of two shown
numbers is 1 … k−1, ties go the written way, and the same input gives the same answer.
"""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficprev import disclosure
from trafficprev.disclosure import (
    at_least_text,
    count_text,
    disclosure_note,
    gap_ok,
    is_small,
    nested_shown,
    overlap_shown,
    parts_shown,
    peak_shown,
    sum_shown,
)

ks = st.integers(min_value=2, max_value=6)


@st.composite
def totals_and_parts(draw):
    """A total, disjoint parts of it (some zero) and k."""
    k = draw(ks)
    parts = draw(st.lists(st.integers(min_value=0, max_value=15), min_size=0, max_size=8))
    rest = draw(st.integers(min_value=0, max_value=12))
    return sum(parts) + rest, parts, k


# --- primary suppression ------------------------------------------------------------------


def test_primary_suppression_labels():
    assert [count_text(n, 3) for n in range(5)] == ["0", "少于3起", "少于3起", "3", "4"]
    assert count_text(7, 5, hidden=True) == at_least_text(5) == "5起及以上"
    assert count_text(0, 5, hidden=True) == "0"  # 0 stays 0
    assert count_text(2, 3, hidden=True) == "少于3起"  # below k is below k
    assert [count_text(n, 1) for n in (0, 1, 2)] == ["0", "1", "2"]  # internal: all shown
    assert not is_small(0, 3) and is_small(1, 3) and is_small(2, 3) and not is_small(3, 3)
    assert gap_ok(6, 6, 3) and gap_ok(9, 6, 3) and not gap_ok(6, 4, 3) and not gap_ok(4, 6, 3)


@given(n=st.integers(min_value=0, max_value=200), k=ks, hidden=st.booleans())
def test_a_shown_count_is_0_at_least_k_or_a_label(n, k, hidden):
    text = count_text(n, k, hidden=hidden)
    assert text in ("0", f"少于{k}起", f"{k}起及以上") or int(text) >= k
    if text.isdigit():
        assert int(text) == n  # a number shown is the true number


# --- (a) a total and its parts ------------------------------------------------------------


@given(totals_and_parts())
@settings(max_examples=400)
def test_shown_parts_never_leave_a_hidden_rest_of_1_to_k_minus_1(case):
    total, parts, k = case
    shown = parts_shown(total, parts, k)
    assert len(shown) == len(parts)
    kept = [p for p, s in zip(parts, shown, strict=True) if s]
    assert all(p == 0 or p >= k for p in kept)  # primary
    # the rest: 0 or at least k (with nothing positive shown, the rest is the total itself,
    # which primary suppression covers)
    assert not is_small(total - sum(kept), k) or sum(kept) == 0
    # the total against every shown part, and against every sum of shown parts: 0 or >= k
    for r in range(1, len(kept) + 1):
        for combo in combinations(kept, r):
            if sum(combo):  # a sum of zeros is no number beside the total
                assert gap_ok(total, sum(combo), k), (total, parts, k, combo)
    # at most one part is lost to secondary suppression, and only when it was needed
    primary = [p for p in parts if not is_small(p, k)]
    lost = len(primary) - len(kept)
    assert lost in (0, 1)
    assert lost == 0 or is_small(total - sum(primary), k)


@given(totals_and_parts())
def test_parts_shown_is_deterministic_and_drops_the_smallest(case):
    total, parts, k = case
    first = parts_shown(total, parts, k)
    assert parts_shown(total, list(parts), k) == first
    primary = [i for i, p in enumerate(parts) if not is_small(p, k)]
    dropped = [i for i in primary if not first[i]]
    if dropped:
        (i,) = dropped
        positive = [j for j in primary if parts[j] > 0]
        smallest = min(parts[j] for j in positive)
        assert parts[i] == smallest  # the smallest shown part goes
        assert i == max(j for j in positive if parts[j] == smallest)  # the last of equals


def test_parts_shown_examples_and_errors():
    assert parts_shown(6, [0, 0, 4, 0, 0], 3) == [True, True, False, True, True]  # 6 vs 晚高峰 4
    assert parts_shown(7, [4, 3], 3) == [True, True]  # nothing left out
    assert parts_shown(8, [3, 3, 1], 3) == [True, False, False]  # rest 2: the later 3 goes
    assert parts_shown(8, [5, 0], 5) == [False, True]  # 8 − 5 = 3 < 5: the 5 goes
    assert parts_shown(8, [5, 3], 5, eligible=[True, True]) == [False, False]
    assert parts_shown(10, [5, 5], 3, eligible=[False, True]) == [False, True]
    assert parts_shown(4, [], 3) == []
    with pytest.raises(ValueError, match="more than the total"):
        parts_shown(3, [2, 2], 3)
    with pytest.raises(ValueError, match="counts >= 0"):
        parts_shown(3, [-1], 3)
    with pytest.raises(ValueError, match="one flag per part"):
        parts_shown(3, [1], 3, eligible=[])
    # k = 1 (internal): everything shows
    assert parts_shown(6, [1, 2, 3], 1) == [True, True, True]


# --- (b) a sum over units beside the units' own counts --------------------------------------


@st.composite
def signs(draw):
    """Units' counts and a covering total: full coverage of some units, part of others."""
    k = draw(ks)
    units = draw(st.lists(st.integers(min_value=1, max_value=12), min_size=0, max_size=5))
    covered = [draw(st.integers(min_value=1, max_value=u)) for u in units]
    return sum(covered), units, k


@given(signs())
@settings(max_examples=400)
def test_a_shown_sum_differs_from_no_combination_of_readable_units_by_1_to_k_minus_1(case):
    total, units, k = case
    if not sum_shown(total, units, k):
        return
    readable = [u for u in units if u >= k]
    assert not is_small(total, k)
    for r in range(len(readable) + 1):
        for combo in combinations(readable, r):
            assert gap_ok(total, sum(combo), k), (total, units, k, combo)
    hidden = [u for u in units if is_small(u, k)]
    if hidden:  # the 少于k起 units are not pinned by their bounds 1 … k−1
        rest = total - sum(readable)
        assert rest not in (len(hidden), len(hidden) * (k - 1))


def test_sum_shown_examples():
    assert not sum_shown(4, [3, 1], 3)  # issue 15: 4 covered beside 3 -> the other has 1
    assert not sum_shown(2, [2], 3)  # primary
    assert sum_shown(3, [3], 3) and sum_shown(10, [4, 6], 3)
    assert not sum_shown(4, [2, 2], 3)  # each 少于3起 unit must hold 2
    assert not sum_shown(3, [1, 1, 1], 3)  # each must hold 1
    assert sum_shown(3, [2, 1], 3)  # 1 + 2 or 2 + 1: not pinned
    assert sum_shown(0, [], 3) and sum_shown(1, [1], 1)
    # a share of a bigger unit (partial coverage): 6 of a 20-case segment shows
    assert sum_shown(6, [20], 3) and not sum_shown(18, [20], 3)


def test_nested_sums():
    a, b, c = frozenset({"I:甲|乙"}), frozenset({"I:甲|乙", "S:x"}), frozenset({"S:y"})
    assert nested_shown([5, 6], [a, b], [True, True], 3) == [True, False]
    assert nested_shown([5, 8], [a, b], [True, True], 3) == [True, True]
    assert nested_shown([5, 6], [a, c], [True, True], 3) == [True, True]  # not nested
    assert nested_shown([5, 6, 6], [a, b, b], [False, True, True], 3) == [False, True, True]
    assert nested_shown([4, 4], [b, b], [True, True], 3) == [True, True]  # the same: 0


@given(
    st.lists(st.tuples(st.integers(0, 20), st.sets(st.sampled_from("abcd"))), max_size=6),
    ks,
)
def test_nested_shown_leaves_no_small_difference_between_nested_sums(rows, k):
    totals = [n for n, _ in rows]
    members = [frozenset(m) for _, m in rows]
    shown = nested_shown(totals, members, [True] * len(rows), k)
    assert nested_shown(totals, members, [True] * len(rows), k) == shown
    on = [i for i, s in enumerate(shown) if s]
    for i, j in combinations(on, 2):
        nested = members[i] <= members[j] or members[j] <= members[i]
        if nested and (members[i] or members[j]):
            assert gap_ok(totals[i], totals[j], k)


# --- (c) two overlapping sets and their union ---------------------------------------------


@st.composite
def venn(draw):
    k = draw(ks)
    only_a, only_b, both = (draw(st.integers(0, 12)) for _ in range(3))
    return only_a + only_b + both, only_a + both, only_b + both, k, (only_a, only_b, both)


@given(venn())
@settings(max_examples=400)
def test_overlap_shows_no_atom_of_1_to_k_minus_1(case):
    union, a, b, k, atoms = case
    show_a, show_b = overlap_shown(union, a, b, k)
    derived = []
    if show_a:
        derived += [a, union - a]
    if show_b:
        derived += [b, union - b]
    if show_a and show_b:
        derived.append(a + b - union)
    assert not any(is_small(v, k) for v in derived), (case, show_a, show_b)
    # preference: a when it can show at all, both when every atom allows it
    if not any(is_small(v, k) for v in (a, union - a)):
        assert show_a
    if not any(is_small(v, k) for v in (a, b, *atoms)):
        assert show_a and show_b


def test_overlap_examples():
    assert overlap_shown(24, 1, 23, 3) == (False, False)
    assert overlap_shown(24, 4, 23, 3) == (True, False)  # 24 − 23 = 1 would show
    assert overlap_shown(33, 4, 33, 3) == (True, True)
    with pytest.raises(ValueError, match="inconsistent"):
        overlap_shown(5, 6, 1, 3)


# --- statements ---------------------------------------------------------------------------


def test_a_peak_needs_k_cases_in_its_window():
    assert [peak_shown(n, 3) for n in (0, 2, 3, 9)] == [False, False, True, True]
    assert not peak_shown(float("nan"), 3) and not peak_shown(None, 5)
    assert peak_shown(None, 1) and peak_shown(1, 1)  # internal: as computed


def test_the_note_for_the_sheet():
    assert disclosure_note(1, "internal") == ""
    police, public = disclosure_note(3, "police"), disclosure_note(5, "public")
    assert "少于3起" in police and "3起及以上" in police and "重点企业" in police
    assert "5起及以上" in public and "不列出企业" in public


def test_every_rule_is_exported():
    for name in disclosure.__all__:
        assert callable(getattr(disclosure, name))
