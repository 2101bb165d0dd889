"""The engine of :func:`~trafficprev.groups._combos.combinations`: cells, baseline, pruning,
bootstrap.

Cases enter as integer codes (one column per field) reduced to their unique profiles and the
number of cases of each. :func:`count_cells` counts every combination of fields with one
``bincount`` over mixed-radix keys of the profiles; :class:`Baseline` gives each cell its
expected count from the margins of the data (or of a bootstrap replicate); :func:`prune`
applies the two redundancy rules with lookups on the keys; :func:`bootstrap_log_lift`
resamples the cases through their profiles and returns the log lift of chosen cells in every
replicate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse, special

from .._errors import ArgumentError

__all__ = [
    "Baseline",
    "Cells",
    "bootstrap_log_lift",
    "count_cells",
    "fdr_bh",
    "poisson_sf",
    "prune",
    "strides",
]

#: Replicates drawn at once (memory: about chunk × cases × 8 bytes).
_CHUNK = 25


def strides(radix: np.ndarray) -> np.ndarray:
    """Place values of a mixed-radix key: ``key = codes @ strides(radix)``.

    Examples
    --------
    >>> strides(np.array([3, 4, 5])).tolist()
    [20, 5, 1]
    """
    out = np.ones(len(radix), dtype=np.int64)
    for j in range(len(radix) - 2, -1, -1):
        out[j] = out[j + 1] * radix[j + 1]
    return out


@dataclass(frozen=True)
class Baseline:
    """Expected counts under the decomposable model of blocks and main effects.

    Attributes
    ----------
    n_total
        Cases N.
    block
        Block number of every field (fields of one block share it).
    ncat
        Categories of every field.
    counts
        Cases per category of every field, 未知 included.
    joint
        Block fields (a tuple of ≥ 2 field positions) → cases per joint category, keyed
        ``codes @ strides(ncat[fields])``.
    exposure
        Field position → insured per category (NaN: not in the exposure) followed by the
        headcount of the whole exposure of that field.
    """

    n_total: int
    block: np.ndarray
    ncat: np.ndarray
    counts: tuple[np.ndarray, ...]
    joint: dict[tuple[int, ...], np.ndarray]
    exposure: dict[int, np.ndarray]

    @classmethod
    def from_profiles(
        cls,
        prof: np.ndarray,
        weight: np.ndarray,
        ncat: np.ndarray,
        block: np.ndarray,
        exposure: dict[int, np.ndarray],
    ) -> Baseline:
        """Margins of the unique profiles `prof` (codes) seen `weight` times each."""
        counts = tuple(
            np.bincount(prof[:, f], weights=weight, minlength=int(ncat[f]))
            for f in range(prof.shape[1])
        )
        joint = {}
        for b in np.unique(block):
            members = np.flatnonzero(block == b)
            for size in range(2, len(members) + 1):
                for sub in _subsets(members, size):
                    key = prof[:, list(sub)] @ strides(ncat[list(sub)])
                    size_ = int(np.prod(ncat[list(sub)]))
                    joint[sub] = np.bincount(key, weights=weight, minlength=size_)
        return cls(int(weight.sum()), block, ncat, counts, joint, exposure)

    def terms(self, fields: tuple[int, ...]) -> list[tuple[int, ...]]:
        """Column groups of a combination, one per block it touches (in column order)."""
        groups: dict[int, list[int]] = {}
        for j, f in enumerate(fields):
            groups.setdefault(int(self.block[f]), []).append(j)
        return [tuple(cols) for cols in groups.values()]

    def expected(
        self,
        fields: tuple[int, ...],
        codes: np.ndarray,
        counts: tuple[np.ndarray, ...] | None = None,
        joint: dict[tuple[int, ...], np.ndarray] | None = None,
        floor: float = 0.0,
    ) -> np.ndarray:
        """Expected count of cells (``codes``: one row per cell, one column per field).

        `counts` and `joint` default to the data's; given with a trailing replicate axis
        (shape ``(categories, B)``) the result has one column per replicate. Counts below
        `floor` are raised to it (a bootstrap replicate can leave a margin empty).
        """
        counts = self.counts if counts is None else counts
        joint = self.joint if joint is None else joint
        extra = counts[0].ndim - 1
        out = np.full((len(codes), *counts[0].shape[1:]), float(self.n_total))
        n = float(self.n_total)

        def col(x: np.ndarray) -> np.ndarray:
            return x.reshape(x.shape + (1,) * extra)

        for cols in self.terms(fields):
            if len(cols) == 1:
                j = cols[0]
                f = fields[j]
                v = codes[:, j]
                c = np.maximum(counts[f][v], floor)
                if f in self.exposure:
                    ins = self.exposure[f]
                    in_s = ~np.isnan(ins[:-1])
                    known = np.maximum(counts[f][in_s].sum(axis=0), floor)
                    share = np.where(in_s, ins[:-1] / ins[-1], 0.0)
                    out *= np.where(col(in_s[v]), known * col(share[v]) / n, c / n)
                else:
                    out *= c / n
            else:
                sub = tuple(fields[j] for j in cols)
                key = codes[:, list(cols)] @ strides(self.ncat[list(sub)])
                out *= np.maximum(joint[sub][key], floor) / n
        return out


def _subsets(members: np.ndarray, size: int) -> list[tuple[int, ...]]:
    return [tuple(int(x) for x in s) for s in itertools.combinations(members, size)]


# ---------------------------------------------------------------------------------------
# cells and pruning


@dataclass(slots=True)
class Cells:
    """Tested cells of one combination of fields, sorted by key (``offset``: position of the
    first in the concatenation of every combination's cells)."""

    fields: tuple[int, ...]
    strides: np.ndarray  # of the reduced codes
    keys: np.ndarray
    red: np.ndarray  # reduced codes (1..r), (m, order)
    codes: np.ndarray  # category codes, (m, order)
    n: np.ndarray
    e: np.ndarray
    offset: int


def _mask(fields: Sequence[int]) -> int:
    return sum(1 << int(f) for f in fields)


def _count(
    red: np.ndarray, weight: np.ndarray, radix: np.ndarray, fields: tuple[int, ...], k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Strides, keys, reduced codes and counts of the cells with ``n >= k`` and every value a
    group; `red` holds the profiles' reduced codes (0: a value that cannot be in a tested
    cell, being no group or seen fewer than k times; 1..r the others)."""
    cols = list(fields)
    r = radix[cols]
    size = math.prod(int(x) for x in r)
    if size >= 2**62:
        raise ArgumentError("too many distinct values to combine; lower max_order or k")
    st = strides(r)
    if (r < 2).any():  # a field without a value that can be in a cell
        return st, np.zeros(0, np.int64), np.zeros((0, len(cols)), np.int64), np.zeros(0, np.int64)
    key = red[:, cols] @ st
    if size <= max(8 * len(key), 1 << 20):
        count = np.bincount(key, weights=weight, minlength=size)
        keys = np.flatnonzero(count >= k)
        n = count[keys]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
        count = np.bincount(inverse.ravel(), weights=weight)
        keep = count >= k
        keys, n = uniq[keep], count[keep]
    digits = (keys[:, None] // st) % r
    good = (digits > 0).all(axis=1)
    return st, keys[good], digits[good], np.rint(n[good]).astype(np.int64)


def poisson_sf(n: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """One-sided exact ``P(X >= n | mu)``: 1 for ``n <= 0``, 0 for ``n > 0`` and ``mu <= 0``."""
    n = np.asarray(n, dtype=float)
    mu = np.asarray(mu, dtype=float)
    out = np.ones(n.shape)
    pos = n > 0
    ok = pos & (mu > 0)
    out[pos & ~ok] = 0.0
    out[ok] = special.gammainc(n[ok], mu[ok])
    return out


def fdr_bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values: monotone, at most 1).

    Under the complete null (no cell exceeds its baseline) BH at level α calls anything out
    with probability at most α, as Holm would; with real groups present it keeps the
    expected share of false cells among the cells it selects at most α (for independent or
    positively dependent p-values) and has more power than Holm, since every cell of a real
    group that stands out raises the threshold of the others. Among the rows kept after the
    pruning the share of false ones can be higher (the cells of one group count as several
    discoveries but end as one row): see ``docs/groups.md``.

    Examples
    --------
    >>> fdr_bh(np.array([0.01, 0.04, 0.03, 0.5])).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.5]
    """
    m = len(p)
    if m == 0:
        return np.empty(0)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    out = np.empty(m)
    out[order] = adj
    return out


def _prune_parent(
    combos: list[Cells], index: dict[int, int], total: int, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rule 1: cells whose count a parent predicts, and that parent.

    A child must beat every parent: its one-sided binomial p against the parent, times the
    number of children that parent has among the tested cells (Bonferroni within the
    parent: a parent with twenty children would otherwise pass one of them by chance in
    about two tables of three), must be below α. The parent with the largest adjusted p is
    named (the first on ties).
    """
    pairs = []
    for c in combos:
        if len(c.fields) < 2 or not len(c.n):
            continue
        for j in range(len(c.fields)):
            rest = [i for i in range(len(c.fields)) if i != j]
            parent = combos[index[_mask([c.fields[i] for i in rest])]]
            idx = np.searchsorted(parent.keys, c.red[:, rest] @ parent.strides)
            pairs.append((c, parent, idx))
    children = np.zeros(total, dtype=np.int64)
    for _, parent, idx in pairs:
        children += np.bincount(parent.offset + idx, minlength=total)
    best = np.full(total, -1.0)
    by = np.full(total, -1, dtype=np.int64)
    for c, parent, idx in pairs:
        sl = slice(c.offset, c.offset + len(c.n))
        n_p, e_p = parent.n[idx], parent.e[idx]
        pi = np.clip(c.e / e_p, 0.0, 1.0)
        pv = special.betainc(c.n.astype(float), (n_p - c.n + 1).astype(float), pi)
        pv = np.minimum(1.0, pv * np.maximum(children[parent.offset + idx], 1))
        better = pv > best[sl]
        best[sl] = np.where(better, pv, best[sl])
        by[sl] = np.where(better, parent.offset + idx, by[sl])
    return best >= alpha, by


def _prune_child(
    combos: list[Cells], kept: np.ndarray, by: np.ndarray, reason: np.ndarray, alpha: float
) -> None:
    """Rule 2, from the highest order down: a kept cell whose excess a kept descendant
    explains (residual Poisson p >= α) is dropped; `kept`, `by`, `reason` change in place.

    Of several descendants the one with the largest residual p is named (the first in
    combination order on ties).
    """
    masks = [_mask(c.fields) for c in combos]
    orders = sorted({len(c.fields) for c in combos}, reverse=True)
    for order in orders[1:]:
        for pi, parent in enumerate(combos):
            if (
                len(parent.fields) != order
                or not kept[parent.offset : parent.offset + len(parent.n)].any()
            ):
                continue
            cells, refs, pvals = [], [], []
            for di, child in enumerate(combos):
                if di == pi or masks[di] & masks[pi] != masks[pi] or not len(child.n):
                    continue
                live = np.flatnonzero(kept[child.offset : child.offset + len(child.n)])
                if not len(live):
                    continue
                cols = [child.fields.index(f) for f in parent.fields]
                idx = np.searchsorted(parent.keys, child.red[live][:, cols] @ parent.strides)
                ok = kept[parent.offset + idx]
                idx, live = idx[ok], live[ok]
                cells.append(idx)
                refs.append(child.offset + live)
                pvals.append(
                    poisson_sf(parent.n[idx] - child.n[live], parent.e[idx] - child.e[live])
                )
            if not cells:
                continue
            idx, ref, pv = np.concatenate(cells), np.concatenate(refs), np.concatenate(pvals)
            first = np.lexsort((-pv, idx))
            idx, ref, pv = idx[first], ref[first], pv[first]
            head = np.ones(len(idx), dtype=bool)
            head[1:] = idx[1:] != idx[:-1]
            idx, ref, pv = idx[head], ref[head], pv[head]
            drop = pv >= alpha
            target = parent.offset + idx[drop]
            kept[target] = False
            by[target] = ref[drop]
            reason[target] = 2


def count_cells(
    prof: np.ndarray,
    weight: np.ndarray,
    baseline: Baseline,
    groupable: list[np.ndarray],
    max_order: int,
    k: int,
) -> tuple[list[Cells], dict[int, int]]:
    """Every cell of 1..`max_order` fields with ``n >= k`` and every value groupable.

    Parameters
    ----------
    prof, weight
        Unique profiles (category codes, ``(U, F)``) and their numbers of cases.
    baseline
        Gives each cell its expected count.
    groupable
        Per field, which categories may be part of a group.
    max_order, k
        Most fields in a cell; smallest count.

    Returns
    -------
    cells
        One :class:`Cells` per combination of fields (orders ascending, then
        :func:`itertools.combinations` order), offsets numbering the cells of all.
    index
        Bit mask of a combination's fields → its position in `cells`.
    """
    back, red_cols = [], []
    for f, good in enumerate(groupable):
        ok = good & (baseline.counts[f] >= k)  # a value seen fewer than k times is in no cell
        to_red = np.zeros(len(ok), dtype=np.int64)
        to_red[ok] = np.arange(1, int(ok.sum()) + 1)
        back.append(np.r_[-1, np.flatnonzero(ok)])
        red_cols.append(to_red[prof[:, f]])
    red = np.column_stack(red_cols)
    radix = np.array([len(b) for b in back], dtype=np.int64)
    cells: list[Cells] = []
    index: dict[int, int] = {}
    offset = 0
    n_fields = prof.shape[1]
    for order in range(1, min(max_order, n_fields) + 1):
        for fs in itertools.combinations(range(n_fields), order):
            st, keys, digits, n = _count(red, weight, radix, fs, k)
            codes = np.column_stack([back[f][digits[:, j]] for j, f in enumerate(fs)])
            codes = codes.reshape(len(keys), order)
            e = baseline.expected(fs, codes)
            index[_mask(fs)] = len(cells)
            cells.append(Cells(fs, st, keys, digits, codes, n, e, offset))
            offset += len(keys)
    return cells, index


def prune(
    cells: list[Cells], index: dict[int, int], alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two redundancy rules: rule 1 on every cell, then rule 2 from the highest order down.

    Returns
    -------
    kept
        Cells kept (bool, one per cell).
    reason
        0 kept, 1 dropped by rule 1 (a parent predicts it), 2 by rule 2 (a descendant
        explains it).
    by
        Position of the parent / descendant that made the cell redundant (-1 if kept).
    """
    total = cells[-1].offset + len(cells[-1].n) if cells else 0
    drop1, by = _prune_parent(cells, index, total, alpha)
    kept = ~drop1
    reason = np.where(drop1, 1, 0)
    by = np.where(drop1, by, -1)
    _prune_child(cells, kept, by, reason, alpha)
    return kept, reason, by


# ---------------------------------------------------------------------------------------
# bootstrap


def _row_keys(sub: np.ndarray, codes: np.ndarray, radix: np.ndarray) -> tuple:
    """Comparable integer keys of profile rows `sub` and cell rows `codes`."""
    if sum(np.log2(np.maximum(radix, 1))) < 62:
        st = strides(radix)
        return sub @ st, codes @ st
    _, inverse = np.unique(np.vstack([sub, codes]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    return inverse[: len(sub)], inverse[len(sub) :]


def bootstrap_log_lift(
    baseline: Baseline,
    prof: np.ndarray,
    weight: np.ndarray,
    rows: list[tuple[tuple[int, ...], np.ndarray]],
    n_boot: int,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Log lift ``log(n*/E*)`` of cells in bootstrap replicates of the cases.

    Parameters
    ----------
    baseline
        The baseline of the data (its blocks, categories and exposure are reused; its
        margins are recomputed in every replicate).
    prof
        Unique profiles (codes of every field), ``(U, F)``.
    weight
        Cases of every profile (whole numbers).
    rows
        Cells to follow, grouped by combination: ``(fields, codes)`` with one row of codes
        per cell.
    n_boot
        Replicates.
    rng
        Random generator (consumed).

    Returns
    -------
    list of numpy.ndarray
        Per group of `rows`, the ``(cells, n_boot)`` log lifts. A count of 0 in a replicate
        (of the cell or of a margin) counts as half a case, so every value is finite.

    Notes
    -----
    A replicate draws N cases with replacement; the number of times each profile is drawn
    is multinomial(N, weight / N), counted with one ``bincount`` of the drawn case numbers.
    Every count the replicate needs (the margins of every field, the joint counts of the
    blocks, the count of every followed cell) is a row of one sparse indicator matrix over
    the profiles, so a chunk of replicates costs one sparse × dense product.
    """
    # case i of the profile-sorted list belongs to profile owner[i]: the draws do not depend
    # on the order of the rows of the cases
    owner = np.repeat(np.arange(len(prof)), np.asarray(weight, dtype=np.int64))
    n_total = len(owner)
    n_prof = len(prof)
    n_fields = prof.shape[1]
    parts_r, parts_c = [], []
    base = 0
    field_base = np.zeros(n_fields, dtype=np.int64)
    for f in range(n_fields):
        field_base[f] = base
        parts_r.append(base + prof[:, f])
        parts_c.append(np.arange(n_prof))
        base += int(baseline.ncat[f])
    joint_base = {}
    for sub in baseline.joint:
        joint_base[sub] = base
        parts_r.append(base + prof[:, list(sub)] @ strides(baseline.ncat[list(sub)]))
        parts_c.append(np.arange(n_prof))
        base += len(baseline.joint[sub])
    row_base = []
    for fields, codes in rows:
        row_base.append(base)
        pkey, ckey = _row_keys(prof[:, list(fields)], codes, baseline.ncat[list(fields)])
        order = np.argsort(pkey, kind="stable")
        sorted_key = pkey[order]
        lo = np.searchsorted(sorted_key, ckey, side="left")
        hi = np.searchsorted(sorted_key, ckey, side="right")
        length = hi - lo
        starts = np.repeat(lo - np.cumsum(np.r_[0, length[:-1]]), length)
        parts_r.append(base + np.repeat(np.arange(len(codes)), length))
        parts_c.append(order[starts + np.arange(int(length.sum()))])
        base += len(codes)
    r = np.concatenate(parts_r)
    c = np.concatenate(parts_c)
    indicator = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(base, n_prof))
    out = np.empty((base, n_boot))
    for start in range(0, n_boot, _CHUNK):
        b = min(_CHUNK, n_boot - start)
        drawn = owner[rng.integers(0, n_total, size=(b, n_total))]
        drawn += (n_prof * np.arange(b))[:, None]
        w = np.bincount(drawn.ravel(), minlength=b * n_prof).reshape(b, n_prof)
        out[:, start : start + b] = indicator @ np.ascontiguousarray(w.T, dtype=float)
    counts = tuple(
        out[field_base[f] : field_base[f] + int(baseline.ncat[f])] for f in range(n_fields)
    )
    joint = {
        sub: out[joint_base[sub] : joint_base[sub] + len(v)] for sub, v in baseline.joint.items()
    }
    result = []
    for (fields, codes), b0 in zip(rows, row_base, strict=True):
        n_star = np.maximum(out[b0 : b0 + len(codes)], 0.5)
        e_star = baseline.expected(fields, codes, counts, joint, floor=0.5)
        result.append(np.log(n_star) - np.log(e_star))
    return result
