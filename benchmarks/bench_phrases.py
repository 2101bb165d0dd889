"""Slot accuracy and throughput of :func:`trafficprev.geocode.parse_place` on the phrase corpus.

Run from the repository root::

    python benchmarks/bench_phrases.py              # accuracy, then throughput (best of 5 runs)
    python benchmarks/bench_phrases.py --quick      # accuracy, then one timing run (smoke run)
    python benchmarks/bench_phrases.py --failures 60

The holdout ``tests/data/place_corpus_holdout.csv`` (281 phrases, other names and wordings,
its own invented area in ``place_corpus_holdout_admin.csv``) was written after the parser had
been improved while looking at the main corpus, labelled before the parser was run on it,
and is scored after it; it is not tuned to.

The corpus ``tests/data/place_corpus.csv`` holds place phrases written for this benchmark
in the patterns that ``docs/place-phrases.md`` found in a survey of public accident reports
(invented names of an invented 河湾市; none was written by the demo generator nor copied).
Each row carries the slots a reader takes from the phrase's meaning, by the labelling
conventions of issue 16 (``docs/place-phrases.md`` lists them), not what the parser
outputs. The admin names handed to the parser are the names and aliases of
``tests/data/place_corpus_admin.csv``, as an area's admin table would give them.

Scoring, per slot and row: a text slot (``admin``, ``road``, ``cross_road``, ``ref_kind``,
``landmark``, ``bearing``, ``toward``, ``along``) is right when the expected and the parsed
strings are equal after NFKC and removing whitespace (``admin`` is the parts joined by
``|``, outermost first); ``gate`` compares booleans; ``stake_km`` and ``distance_m`` compare
numbers (within 0.0005 km and 0.5 m; empty = no number). An empty expectation is scored
too: the parser must leave that slot empty. A parser without the ``along`` slot scores
``''`` there, and the output says so.

It prints the accuracy of each slot over all rows and over the rows whose expected slot is
filled, the rows per pattern with every slot right (and the weakest slot), the first
``--failures`` phrases with a wrong slot, and the parser's throughput over the corpus's
distinct texts.
"""

from __future__ import annotations

import argparse
import csv
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trafficprev.geocode import PlaceSlots, parse_place

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "place_corpus.csv"
ADMIN = ROOT / "tests" / "data" / "place_corpus_admin.csv"
#: A second corpus in the same patterns, other names and wordings, written after the parser
#: was improved on the first and scored, never tuned to (its own invented area).
HOLDOUT = ROOT / "tests" / "data" / "place_corpus_holdout.csv"
HOLDOUT_ADMIN = ROOT / "tests" / "data" / "place_corpus_holdout_admin.csv"

#: The scored slots, in the corpus's column order.
SLOTS: tuple[str, ...] = (
    "admin",
    "road",
    "cross_road",
    "ref_kind",
    "landmark",
    "gate",
    "stake_km",
    "bearing",
    "toward",
    "distance_m",
    "along",
)
_NUMERIC_TOLERANCE = {"stake_km": 0.0005, "distance_m": 0.5}


def load_corpus(path: Path = CORPUS) -> list[dict[str, str]]:
    """Read the labelled corpus (every cell a string, ``''`` when empty).

    Parameters
    ----------
    path
        The CSV file (UTF-8, a header row).

    Returns
    -------
    list of dict
        One dict per phrase with ``text``, ``pattern`` and the :data:`SLOTS`.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "") for k, v in row.items()} for row in csv.DictReader(fh)]


def load_admin_names(path: Path = ADMIN) -> tuple[str, ...]:
    """The admin names and aliases of the corpus's invented area, longest first.

    Parameters
    ----------
    path
        The admin CSV (columns ``name``, ``level``, ``parent``, ``alias``).

    Returns
    -------
    tuple of str
        Every distinct name and non-empty alias.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {r["name"] for r in rows} | {r["alias"] for r in rows if r.get("alias")}
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


def _norm(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split())


def parsed_slots(slots: PlaceSlots) -> dict[str, str]:
    """The scored slots of a parse, as strings in the corpus's form.

    ``along`` is ``''`` when :class:`~trafficprev.geocode.PlaceSlots` has no such field.
    """
    return {
        "admin": "|".join(slots.admin),
        "road": slots.road,
        "cross_road": slots.cross_road,
        "ref_kind": slots.ref_kind,
        "landmark": slots.landmark,
        "gate": "1" if slots.gate else "0",
        "stake_km": "" if slots.stake_km is None else f"{slots.stake_km:g}",
        "bearing": slots.bearing,
        "toward": slots.toward,
        "distance_m": "" if slots.distance_m is None else f"{slots.distance_m:g}",
        "along": str(getattr(slots, "along", "") or ""),
    }


def slot_equal(slot: str, expected: str, got: str) -> bool:
    """Whether a parsed slot matches the expected one (see the module docstring)."""
    if slot == "gate":
        return (expected.strip().lower() in ("1", "true")) == (got.strip().lower() in ("1", "true"))
    if slot in _NUMERIC_TOLERANCE:
        if not expected.strip() or not got.strip():
            return not expected.strip() and not got.strip()
        return abs(float(expected) - float(got)) <= _NUMERIC_TOLERANCE[slot]
    return _norm(expected) == _norm(got)


def _filled(slot: str, expected: str) -> bool:
    return expected.strip().lower() in ("1", "true") if slot == "gate" else bool(expected.strip())


@dataclass(frozen=True)
class Score:
    """The result of :func:`score`.

    Attributes
    ----------
    n
        Phrases scored.
    slot_accuracy
        Slot → share of all phrases whose slot is right.
    filled_accuracy
        Slot → share right among the phrases whose expected slot is filled (``None`` if
        none is).
    filled_n
        Slot → number of phrases whose expected slot is filled.
    pattern
        Pattern → (phrases, share with every slot right, weakest slot, its share).
    failures
        (text, pattern, [(slot, expected, parsed)]) of every phrase with a wrong slot.
    """

    n: int
    slot_accuracy: dict[str, float]
    filled_accuracy: dict[str, float | None]
    filled_n: dict[str, int]
    pattern: dict[str, tuple[int, float, str, float]]
    failures: list[tuple[str, str, list[tuple[str, str, str]]]]


def score(rows: Sequence[dict[str, str]], admin_names: Sequence[str] = ()) -> Score:
    """Parse every phrase and compare its slots with the labels.

    Parameters
    ----------
    rows
        Corpus rows (:func:`load_corpus`).
    admin_names
        Passed to :func:`~trafficprev.geocode.parse_place`.

    Returns
    -------
    Score
        Per-slot and per-pattern accuracy and the failing phrases.
    """
    names = tuple(admin_names)
    right = dict.fromkeys(SLOTS, 0)
    filled_right = dict.fromkeys(SLOTS, 0)
    filled_n = dict.fromkeys(SLOTS, 0)
    per_pattern: dict[str, list[dict[str, bool]]] = defaultdict(list)
    failures: list[tuple[str, str, list[tuple[str, str, str]]]] = []
    for row in rows:
        got = parsed_slots(parse_place(row["text"], admin_names=names))
        marks = {s: slot_equal(s, row.get(s, ""), got[s]) for s in SLOTS}
        for s, ok in marks.items():
            right[s] += ok
            if _filled(s, row.get(s, "")):
                filled_n[s] += 1
                filled_right[s] += ok
        per_pattern[row["pattern"]].append(marks)
        wrong = [(s, row.get(s, ""), got[s]) for s, ok in marks.items() if not ok]
        if wrong:
            failures.append((row["text"], row["pattern"], wrong))
    n = len(rows)
    patterns = {}
    for pattern, marks_list in sorted(per_pattern.items()):
        k = len(marks_list)
        all_right = sum(all(m.values()) for m in marks_list) / k
        by_slot = {s: sum(m[s] for m in marks_list) / k for s in SLOTS}
        weakest = min(SLOTS, key=lambda s: (by_slot[s], SLOTS.index(s)))
        patterns[pattern] = (k, all_right, weakest, by_slot[weakest])
    return Score(
        n=n,
        slot_accuracy={s: right[s] / n if n else 0.0 for s in SLOTS},
        filled_accuracy={
            s: (filled_right[s] / filled_n[s] if filled_n[s] else None) for s in SLOTS
        },
        filled_n=filled_n,
        pattern=patterns,
        failures=failures,
    )


def throughput(texts: Sequence[str], admin_names: Sequence[str], repeat: int) -> float:
    """Best-of-`repeat` texts per second of :func:`parse_place` over `texts` (distinct)."""
    names = tuple(admin_names)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            parse_place(text, admin_names=names)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best if best > 0 else float("inf")


def main(argv: list[str] | None = None) -> None:
    """Score the corpus, print the tables and the throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--admin", type=Path, default=ADMIN)
    parser.add_argument(
        "--holdout",
        type=Path,
        nargs=2,
        default=(HOLDOUT, HOLDOUT_ADMIN),
        metavar=("CORPUS", "ADMIN"),
        help="the holdout corpus and its admin names, scored after the main one",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timing runs (best is shown)")
    parser.add_argument("--failures", type=int, default=30, help="failing phrases to list")
    parser.add_argument("--quick", action="store_true", help="one timing run (smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1

    rows = load_corpus(args.corpus)
    names = load_admin_names(args.admin)
    result = score(rows, names)
    has_along = "along" in getattr(PlaceSlots, "__dataclass_fields__", {})
    print(f"corpus: {args.corpus.name}, {result.n} phrases, {len(names)} admin names/aliases")
    if not has_along:
        print("note: PlaceSlots has no 'along' slot yet; it is scored as ''")
    print()
    print(f"{'slot':<12}{'all rows':>10}{'filled rows':>13}{'n filled':>10}")
    for s in SLOTS:
        filled = result.filled_accuracy[s]
        filled_text = "-" if filled is None else f"{filled:.3f}"
        print(f"{s:<12}{result.slot_accuracy[s]:>10.3f}{filled_text:>13}{result.filled_n[s]:>10}")
    print()
    print(f"{'pattern':<16}{'rows':>6}{'all slots':>11}  weakest slot")
    for pattern, (k, all_right, weakest, share) in result.pattern.items():
        print(f"{pattern:<16}{k:>6}{all_right:>11.3f}  {weakest} {share:.3f}")
    print()
    print(f"phrases with a wrong slot: {len(result.failures)} of {result.n}")
    for text, pattern, wrong in result.failures[: args.failures]:
        diffs = "; ".join(f"{s}: want {e!r} got {g!r}" for s, e, g in wrong)
        print(f"  [{pattern}] {text}\n      {diffs}")
    if args.corpus == CORPUS and all(p.exists() for p in args.holdout):
        held = score(load_corpus(args.holdout[0]), load_admin_names(args.holdout[1]))
        print(f"\nholdout: {args.holdout[0].name}, {held.n} phrases (never tuned to)")
        print(f"{'slot':<12}{'all rows':>10}{'filled rows':>13}{'n filled':>10}")
        for s in SLOTS:
            filled = held.filled_accuracy[s]
            filled_text = "-" if filled is None else f"{filled:.3f}"
            print(f"{s:<12}{held.slot_accuracy[s]:>10.3f}{filled_text:>13}{held.filled_n[s]:>10}")
        print(f"holdout phrases with a wrong slot: {len(held.failures)} of {held.n}")
        for text, pattern, wrong in held.failures[: args.failures]:
            diffs = "; ".join(f"{s}: want {e!r} got {g!r}" for s, e, g in wrong)
            print(f"  [{pattern}] {text}\n      {diffs}")
    texts = list(dict.fromkeys(r["text"] for r in rows))
    rate = throughput(texts, names, args.repeat)
    print()
    print(
        f"parse_place throughput: {rate:,.0f} distinct texts/s "
        f"({len(texts)} texts, best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
