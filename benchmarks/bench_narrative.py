"""Accuracy and throughput of :mod:`trafficprev.narrative` on the hand-labelled narratives.

Run from the repository root::

    python benchmarks/bench_narrative.py

It prints per-field accuracy on the ``dev`` split (used while writing the rules) and the
``holdout`` split (written after the rules were frozen), then the throughput of
:func:`~trafficprev.narrative.extract_narrative` (no cache) and of
:func:`~trafficprev.narrative.extract_fields` (caches identical texts) on the labelled set
repeated to at least 20,000 texts.
"""

from __future__ import annotations

import sys
import time
import unicodedata
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from trafficprev.narrative import (  # noqa: E402 - after the sys.path fix above
    FIELD_NAMES,
    extract_fields,
    extract_narrative,
)

DATA = ROOT / "tests" / "data" / "narratives_labelled.csv"
MIN_TEXTS = 20_000


def load_labelled(path: Path = DATA) -> pd.DataFrame:
    """Read the labelled narratives with every cell as a string ('' when empty).

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        One row per narrative.
    """
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _norm(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else ""


def field_accuracy(frame: pd.DataFrame) -> dict[str, float]:
    """Share of rows whose extracted value equals the label, per field.

    Parameters
    ----------
    frame
        Labelled rows (columns as in the CSV).

    Returns
    -------
    dict of str to float
        Accuracy per field; ``place_phrase`` is compared after NFKC, empty equals ``None``.
    """
    names = frame["worker_name"].where(frame["worker_name"] != "", None)
    got = extract_fields(frame["text"], names)
    return {
        field: sum(
            _norm(g) == _norm(e) for g, e in zip(got[field], frame[field], strict=True)
        ) / len(frame)
        for field in FIELD_NAMES
    }


def main() -> None:
    """Print the accuracy table and the throughput."""
    labelled = load_labelled()
    splits = {name: labelled[labelled["split"] == name] for name in ("dev", "holdout")}
    scores = {name: field_accuracy(rows) for name, rows in splits.items()}
    print(f"{'field':<16}" + "".join(f"{name:>10}" for name in splits))
    print(f"{'n':<16}" + "".join(f"{len(rows):>10}" for rows in splits.values()))
    for field in FIELD_NAMES:
        print(f"{field:<16}" + "".join(f"{scores[name][field]:>10.3f}" for name in splits))
    print(f"{'mean':<16}" + "".join(
        f"{sum(scores[name].values()) / len(FIELD_NAMES):>10.3f}" for name in splits
    ))

    repeats = -(-MIN_TEXTS // len(labelled))
    texts = pd.Series(labelled["text"].tolist() * repeats)
    names = pd.Series(labelled["worker_name"].tolist() * repeats).where(lambda s: s != "", None)
    start = time.perf_counter()
    for text, name in zip(texts, names, strict=True):
        extract_narrative(text, worker_name=name)
    uncached = time.perf_counter() - start
    start = time.perf_counter()
    extract_fields(texts, names)
    cached = time.perf_counter() - start
    print()
    print(f"texts: {len(texts)} ({len(labelled)} labelled narratives x {repeats})")
    print(f"extract_narrative (no cache): {len(texts) / uncached:>10,.0f} narratives/s")
    print(f"extract_fields (cached):      {len(texts) / cached:>10,.0f} narratives/s")


if __name__ == "__main__":
    main()
