"""The labelled place-phrase corpus (``tests/data/place_corpus.csv``) and the parser on it.

The corpus is written in the patterns that ``docs/place-phrases.md`` catalogues from a
survey of public accident reports (invented names, no copied text). These tests keep the
file sound and in step with the catalogue, and hold issue 16's target for the parser:
slot accuracy at least 0.97 for every slot (the last test).
"""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType

from trafficprev.geocode._parse import normalize_place

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "place_corpus.csv"
ADMIN = ROOT / "tests" / "data" / "place_corpus_admin.csv"
DOC = ROOT / "docs" / "place-phrases.md"
BENCH = ROOT / "benchmarks" / "bench_phrases.py"

COLUMNS = [
    "text",
    "pattern",
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
]
TEXT_SLOTS = ("road", "cross_road", "landmark", "bearing", "toward", "along")
BEARINGS = {"", "东", "南", "西", "北", "东北", "东南", "西北", "西南"}
REF_KINDS = {"", "stake", "intersection", "landmark", "road"}
#: Issue 16: "parser slot accuracy on the corpus >= 97 % per slot".
TARGET = 0.97

_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_C = "10X98765432"


@cache
def _rows() -> tuple[dict[str, str], ...]:
    with CORPUS.open(encoding="utf-8", newline="") as fh:
        return tuple({k: (v or "") for k, v in row.items()} for row in csv.DictReader(fh))


def _catalogue() -> dict[str, int]:
    """Pattern id → corpus count, from the catalogue table of the doc."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Catalogue", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*`([A-Z_]+)`\s*\|", line)
        if m:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            found[m.group(1)] = int(cells[4])
    return found


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_phrases", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_corpus_has_the_columns_and_at_least_500_phrases():
    with CORPUS.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == COLUMNS
    rows = _rows()
    assert len(rows) >= 500
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts), "duplicate phrases"
    assert all(t.strip() for t in texts)


def test_catalogue_and_corpus_agree():
    catalogue = _catalogue()
    counts = Counter(r["pattern"] for r in _rows())
    assert catalogue, "no catalogue table found in docs/place-phrases.md"
    assert set(catalogue) == set(counts), set(catalogue) ^ set(counts)
    assert catalogue == dict(counts), "catalogue corpus counts differ from the corpus"
    assert min(counts.values()) >= 8, counts.most_common()[-3:]


def test_text_slots_are_written_in_the_phrase():
    """Text slots are substrings of the phrase as the parser normalises it (NFKC, no
    spaces: "Ｓ９０１" gives S901), so every label is a span a parser can return."""
    for row in _rows():
        norm = normalize_place(row["text"])
        for part in filter(None, row["admin"].split("|")):
            assert part in norm, (row["text"], "admin", part)
        for slot in TEXT_SLOTS:
            assert row[slot] in norm, (row["text"], slot, row[slot])


def test_slot_values_are_well_formed():
    for row in _rows():
        text = row["text"]
        assert row["ref_kind"] in REF_KINDS, text
        assert row["gate"] in ("0", "1"), text
        assert row["bearing"] in BEARINGS, text
        for slot in ("stake_km", "distance_m"):
            if row[slot]:
                assert float(row[slot]) > 0, (text, slot)
        if row["stake_km"]:
            assert row["ref_kind"] == "stake", text
        if row["cross_road"]:
            assert row["road"] and row["road"] != row["cross_road"], text
        if row["along"]:
            assert row["along"] == row["road"], text
        if row["ref_kind"] == "landmark":
            assert row["landmark"], text


def _id_numbers(text: str) -> list[str]:
    found = []
    for m in re.finditer(r"(?<!\d)\d{17}[\dXx](?![\dXx])", text):
        body, check = m.group()[:17], m.group()[17].upper()
        if _C[sum(int(a) * b for a, b in zip(body, _W, strict=True)) % 11] == check:
            found.append(m.group())
    return found


def test_no_phrase_looks_like_personal_data():
    for path in (CORPUS, ADMIN):
        text = unicodedata.normalize("NFKC", path.read_text(encoding="utf-8"))
        assert not _id_numbers(text), path.name
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), path.name


def test_admin_file_names_every_admin_unit_of_the_corpus():
    with ADMIN.open(encoding="utf-8", newline="") as fh:
        names = {r["name"] for r in csv.DictReader(fh)}
    used = {p for r in _rows() for p in r["admin"].split("|") if p}
    assert used <= names, used - names


def test_issue16_target_parser_slot_accuracy_at_least_097():
    """Issue 16's measure: parser slot accuracy on the corpus >= 0.97, for every slot.

    Scored by ``benchmarks/bench_phrases.py`` (see its docstring for the comparison).
    """
    bench = _bench()
    result = bench.score(bench.load_corpus(CORPUS), bench.load_admin_names(ADMIN))
    accuracy = result.slot_accuracy
    below = {slot: round(share, 3) for slot, share in accuracy.items() if share < TARGET}
    assert not below, f"slots below {TARGET}: {below}; all: " + ", ".join(
        f"{slot} {share:.3f}" for slot, share in accuracy.items()
    )


def test_the_holdout_corpus_is_scored_too_and_meets_the_target():
    """The holdout (other names and wordings, written and labelled after the parser was
    improved on the main corpus, never tuned to) must also reach 0.97 on every slot."""
    bench = _bench()
    rows = bench.load_corpus(bench.HOLDOUT)
    assert len(rows) >= 250
    assert {r["pattern"] for r in rows} >= {r["pattern"] for r in _rows()}
    main_names = {r[k] for r in _rows() for k in ("road", "landmark") if r[k]}
    held_names = {r[k] for r in rows for k in ("road", "landmark") if r[k]}
    generic = {"村委会"}  # the village pattern's landmark, not a name
    assert not (main_names & held_names) - generic, "the holdout reuses the main corpus's names"
    result = bench.score(rows, bench.load_admin_names(bench.HOLDOUT_ADMIN))
    below = {s: round(a, 3) for s, a in result.slot_accuracy.items() if a < TARGET}
    assert not below, f"holdout slots below {TARGET}: {below}"
