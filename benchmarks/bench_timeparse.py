"""Throughput of :func:`trafficprev.timeparse.parse_times` on large columns.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_timeparse.py [--rows 1000000]
    PYTHONPATH=. .venv/bin/python benchmarks/bench_timeparse.py --quick   # 10,000 rows (smoke)

Prints a table of rows per second for clean ISO strings and for a mix of the Chinese
forms found in exports (random minutes over 2015-2025, so the values are mostly
unique and the per-value cache helps little).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from trafficprev.timeparse import parse_times

_CN = "〇一二三四五六七八九"


def _cn_int(n: int) -> str:
    """Render 0-59 with Chinese numerals (十七, 二十, 三十一)."""
    tens, units = divmod(n, 10)
    if tens == 0:
        return _CN[units]
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[units] if units else "")


def _random_minutes(n: int, seed: int) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2015-01-01").value // 60_000_000_000
    stop = pd.Timestamp("2026-01-01").value // 60_000_000_000
    minutes = rng.integers(start, stop, size=n)
    return pd.DatetimeIndex(minutes.astype("datetime64[m]").astype("datetime64[ns]"))


def iso_strings(n: int, seed: int = 1) -> pd.Series:
    """`n` ISO strings ``YYYY-MM-DD HH:MM`` (mostly unique)."""
    return pd.Series(_random_minutes(n, seed).strftime("%Y-%m-%d %H:%M"))


def _pm(t: pd.Timestamp) -> str:
    if 13 <= t.hour <= 23:
        return f"{t.year}年{t.month}月{t.day}日下午{t.hour - 12}点{t.minute}分"
    return f"{t.year}年{t.month}月{t.day}日上午{t.hour}点{t.minute}分"


_FORMS: tuple[Callable[[pd.Timestamp], str], ...] = (
    lambda t: f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分许",
    lambda t: f"{t.year}年{t.month}月{t.day}日{t.hour}时许",
    _pm,
    lambda t: f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}",
    lambda t: f"{t.year}.{t.month}.{t.day}",
    lambda t: f"{t.year}{t.month:02d}{t.day:02d} {t.hour:02d}{t.minute:02d}",
    lambda t: f"{t.year}年{t.month}月{t.day}日{t.hour}:{t.minute:02d}左右",
    lambda t: (
        "".join(_CN[int(c)] for c in str(t.year))
        + f"年{_cn_int(t.month)}月{_cn_int(t.day)}日{_cn_int(t.hour)}时{_cn_int(t.minute)}分"
    ),
    lambda t: f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}",
)


def mixed_strings(n: int, seed: int = 2) -> pd.Series:
    """`n` strings in a random mix of export forms (mostly unique)."""
    stamps = _random_minutes(n, seed)
    forms = np.random.default_rng(seed + 1).integers(0, len(_FORMS), size=n)
    return pd.Series([_FORMS[f](t) for f, t in zip(forms, stamps, strict=True)], dtype=object)


def _time(series: pd.Series, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        parse_times(series)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    """Build the columns, time :func:`parse_times` on each and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="10,000 rows (smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = 10_000

    columns = {
        "ISO 'YYYY-MM-DD HH:MM'": iso_strings(args.rows),
        "mixed Chinese forms": mixed_strings(args.rows),
    }
    print(f"{'column':<26} {'rows':>10} {'distinct':>10} {'seconds':>9} {'rows/s':>12}")
    for name, series in columns.items():
        seconds = _time(series, args.repeats)
        print(
            f"{name:<26} {len(series):>10,} {series.nunique():>10,} "
            f"{seconds:>9.2f} {len(series) / seconds:>12,.0f}"
        )


if __name__ == "__main__":
    main()
