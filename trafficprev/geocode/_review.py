"""Review queue for uncertain geocodes, and the analyst's overrides that answer it.

A case whose geocode is below the confidence threshold (or not placed at all) goes to a
review queue (``review_queue.csv``) with its parsed slots and its top candidates. The
analyst answers in the same file (or a smaller one) by filling in a point or the number
of a listed candidate; :func:`read_overrides` reads that file and :func:`apply_overrides`
puts the answers on the cases, this quarter and every later one, with
``match_level = 'override'``.

An override is tied to the place text it was written for through :func:`text_hash`. When
a case's place text has changed since, the override is *stale*: it is reported, never
applied.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._accounting import to_csv
from .._errors import ArgumentError, FileFormatError, SchemaError
from .._tables import read_table
from .._vector import map_unique
from ..coords import normalize_crs, to_wgs84
from ..schema import Column, TableSchema, require_columns
from ..settings import Settings

__all__ = [
    "GEOCODE_COLUMNS",
    "LEVELS",
    "OVERRIDE_COLUMNS",
    "REPORT_COLUMNS",
    "REVIEW_INPUT_COLUMNS",
    "REVIEW_STATUSES",
    "apply_overrides",
    "read_overrides",
    "review_queue",
    "text_hash",
    "text_key",
    "write_review_queue",
]

logger = logging.getLogger(__name__)

#: Geocode result columns every case carries after geocoding (besides ``decision_no``).
GEOCODE_COLUMNS: tuple[str, ...] = (
    "lon",
    "lat",
    "match_level",
    "confidence",
    "matched_road",
    "matched_cross_road",
    "reason",
)

#: Match levels in rank order, best first.
LEVELS: tuple[str, ...] = (
    "override",
    "given",
    "intersection",
    "road_offset",
    "landmark",
    "road",
    "village",
    "township",
    "county",
    "none",
)

#: The empty columns of the review queue that the analyst fills in.
REVIEW_INPUT_COLUMNS: tuple[str, ...] = (
    "override_lon",
    "override_lat",
    "override_crs",
    "override_candidate",
    "note",
)

#: Columns of the frame returned by :func:`read_overrides`.
OVERRIDE_COLUMNS: tuple[str, ...] = (
    "decision_no",
    "text_hash",
    "place_text",
    "lon",
    "lat",
    "candidate",
    "note",
    "source_row",
    "source_file",
    "crs",
)

#: Columns of the report of overrides not applied (second result of :func:`apply_overrides`).
REPORT_COLUMNS: tuple[str, ...] = (
    "decision_no",
    "text_hash",
    "place_text",
    "source_row",
    "source_file",
    "status",
    "detail",
)

#: Why an override was not applied.
REVIEW_STATUSES: dict[str, str] = {
    "stale": "地点文字已变更，未采用 / place text changed since the override was written",
    "unknown_case": "本期无此案件 / no such case in this run",
    "bad_candidate": "候选编号无效 / candidate number not among the listed candidates",
}

#: Box that holds every override point (WGS-84-ish degrees; mainland China and its seas).
LON_RANGE: tuple[float, float] = (73.0, 136.0)
LAT_RANGE: tuple[float, float] = (3.0, 54.0)

_WHITESPACE = re.compile(r"\s+")
_FORMULA_MARKED = re.compile(r"^'[=+\-@\t\r]")

_SCHEMA = TableSchema(
    kind="overrides",
    label="人工定位表",
    columns=(
        Column("decision_no", "认定书编号", ("认定编号", "编号")),
        Column("text_hash", "文本指纹", ("hash", "地点指纹")),
        Column("place_text", "受伤地点", ("place", "地点", "地点文字", "事故地点")),
        Column("override_lon", "经度", ("lon", "longitude", "lng", "人工经度")),
        Column("override_lat", "纬度", ("lat", "latitude", "人工纬度")),
        Column("override_crs", "坐标系", ("crs", "坐标系统")),
        Column("override_candidate", "候选编号", ("candidate", "候选", "选择候选")),
        Column("note", "备注", ("notes", "说明")),
    ),
)


def text_key(text: object) -> str:
    """Normalise a place text for matching: NFKC, then every whitespace character removed.

    Missing values (None, NaN, ``pd.NA``) give the empty string.

    Parameters
    ----------
    text
        A place phrase as written in the record.

    Returns
    -------
    str
        The key used by the geocode cache and by overrides.

    Examples
    --------
    >>> text_key(" 人民路　与 洞庭大道 交叉口 ")
    '人民路与洞庭大道交叉口'
    >>> text_key("Ｇ３１９国道")
    'G319国道'
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", str(text)))


def text_hash(text: object) -> str:
    """Return a short fingerprint of a place text: the first 12 hex digits of SHA-1 of its key.

    Texts that differ only in width or whitespace have the same hash (see :func:`text_key`).

    Parameters
    ----------
    text
        A place phrase as written in the record.

    Returns
    -------
    str
        Twelve lower-case hex digits.

    Examples
    --------
    >>> text_hash("人民路 与洞庭大道交叉口") == text_hash("人民路与洞庭大道交叉口")
    True
    >>> len(text_hash("人民路"))
    12
    """
    return hashlib.sha1(text_key(text).encode("utf-8")).hexdigest()[:12]


def _place_column(cases: pd.DataFrame) -> str:
    for col in ("place_text", "place"):
        if col in cases.columns:
            return col
    raise SchemaError(
        "cases: no place text column (place_text, or place / 受伤地点); "
        f"columns found: {list(cases.columns)}"
    )


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    require_columns(frame, columns, what=what)


def _text(value: object) -> str:
    """A cell as stripped text; blank for missing values."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _level_rank(levels: pd.Series) -> pd.Series:
    rank = {level: i for i, level in enumerate(LEVELS)}
    unknown = sorted({str(v) for v in levels.dropna().unique()} - set(LEVELS))
    if unknown or levels.isna().any():
        raise SchemaError(
            f"cases: match_level has values outside {list(LEVELS)}: "
            f"{unknown + (['<missing>'] if levels.isna().any() else [])}"
        )
    return levels.map(rank).astype(int)


def review_queue(cases: pd.DataFrame, *, threshold: float) -> pd.DataFrame:
    """Select the cases an analyst should place by hand.

    A case is queued when its ``confidence`` is below `threshold`, is missing, or its
    ``match_level`` is ``'none'``. Cases already placed by an override are never queued.

    Parameters
    ----------
    cases
        Geocoded cases: ``decision_no``, the place text (``place_text``, else ``place``),
        ``match_level``, ``confidence``, optionally ``reason``, ``candidates`` (a readable
        list of the top candidates, numbered from 1) and parsed slots (columns whose name
        starts with ``slot_``). Other columns are not copied, so no personal data reaches
        the queue.
    threshold
        Confidence (0–1) below which a placed case is queued.

    Returns
    -------
    pandas.DataFrame
        Columns ``decision_no``, ``quarter`` (``2024Q4``) and ``injured_on`` (``2024-11-05``)
        of the accident (blank without an ``injured_at`` column or time), ``place_text``,
        ``text_hash``, ``match_level``,
        ``confidence``, ``reason``, the ``slot_*`` columns in their order in `cases`,
        ``candidates``, and the blank columns for the analyst: ``override_lon``,
        ``override_lat``, ``override_crs`` (blank means WGS84; or GCJ02, BD09, CGCS2000),
        ``override_candidate`` (the number of a listed candidate) and ``note``. Sorted by
        match level (worst last in :data:`LEVELS` order), confidence, then decision number;
        the index runs from 0.

    Raises
    ------
    SchemaError
        If a required column is missing or ``match_level`` has a value outside
        :data:`LEVELS`.
    ValueError
        If `threshold` is not a number in [0, 1].
    """
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not 0 <= threshold <= 1
    ):
        raise ArgumentError(f"threshold must be a number in [0, 1], got {threshold!r}")
    _require(cases, ("decision_no", "match_level", "confidence"), "cases")
    place_col = _place_column(cases)
    rank = _level_rank(cases["match_level"])
    confidence = pd.to_numeric(cases["confidence"], errors="coerce")
    queued = (
        (confidence.isna() | (confidence < threshold) | (cases["match_level"] == "none"))
        & (cases["match_level"] != "override")
    ).to_numpy()
    sel = cases.loc[queued]
    slots = [c for c in cases.columns if str(c).startswith("slot_")]
    when = (
        pd.to_datetime(sel["injured_at"], errors="coerce")
        if "injured_at" in sel
        else pd.Series(pd.NaT, index=sel.index, dtype="datetime64[ns]")
    )
    out = pd.DataFrame(
        {
            "decision_no": sel["decision_no"].map(_text),
            "quarter": when.dt.to_period("Q").astype(str).where(when.notna(), ""),
            "injured_on": when.dt.strftime("%Y-%m-%d").where(when.notna(), ""),
            "place_text": sel[place_col].map(_text),
            "text_hash": map_unique(sel[place_col], text_hash),
            "match_level": sel["match_level"].astype(str),
            "confidence": confidence.loc[queued].astype(float),
            "reason": sel["reason"].map(_text) if "reason" in sel else "",
        }
    )
    for col in slots:
        out[col] = sel[col].map(_text)
    out["candidates"] = sel["candidates"].map(_text) if "candidates" in sel else ""
    for col in REVIEW_INPUT_COLUMNS:
        out[col] = ""
    out["_rank"] = rank.loc[queued].to_numpy()
    out = out.sort_values(
        ["_rank", "confidence", "decision_no"], kind="mergesort", na_position="first"
    )
    return out.drop(columns="_rank").reset_index(drop=True)


def write_review_queue(queue: pd.DataFrame, path: str | Path) -> Path:
    """Write a review queue as UTF-8-with-BOM CSV that Excel and WPS open directly.

    Text cells that a spreadsheet would run as formulas are neutralised with a leading
    apostrophe (:func:`trafficprev.privacy.neutralize_formula`); :func:`read_overrides`
    removes it again. Column names stay in English so the filled file reads back as is:
    the analyst fills ``override_lon`` / ``override_lat`` (degrees; ``override_crs`` blank
    for WGS84, or GCJ02 for Amap, BD09 for Baidu, CGCS2000) **or** ``override_candidate``
    (the number of one of the listed ``candidates``), and may add a ``note``. Rows left
    blank are ignored when read back.

    Parameters
    ----------
    queue
        The frame returned by :func:`review_queue`.
    path
        Where to write the CSV (usually ``review_queue.csv`` in the run folder).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    FileFormatError
        If the file cannot be written.
    """
    p = Path(path)
    try:
        to_csv(queue, p)
    except OSError as exc:
        raise FileFormatError(f"{p}: cannot write the review queue ({exc.strerror})") from exc
    return p


def _clean_cell(value: object) -> str:
    """Text of a cell read back, without the apostrophe that neutralised a formula."""
    s = unicodedata.normalize("NFKC", _text(value))
    return s[1:] if _FORMULA_MARKED.match(s) else s


def _texts(values: Iterable[str]) -> np.ndarray:
    """Text cells as an object array (also when empty, so string operations still work)."""
    return np.array(list(values), dtype=object)


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _crs_name(text: str) -> str | None:
    try:
        return normalize_crs(text)
    except SchemaError:
        return None


def _to_wgs84(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = to_wgs84(lon, lat, crs)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _check_override_columns(frame: pd.DataFrame, p: Path) -> None:
    """Refuse an overrides file that cannot say which case it fixes or what the answer is."""
    cols = set(frame.columns)
    if not cols & {"decision_no", "text_hash", "place_text"}:
        raise SchemaError(
            f"{p}: overrides need a decision_no (认定书编号), text_hash or place_text column"
        )
    if not ({"override_lon", "override_lat"} <= cols or "override_candidate" in cols):
        raise SchemaError(
            f"{p}: overrides need override_lon and override_lat (经度, 纬度) "
            "or override_candidate (候选编号) columns"
        )


def _override_point(
    lon_text: str, lat_text: str, crs_text: str, errs: list[str]
) -> tuple[float, float, str]:
    """The point and coordinate system of an override row; what is wrong goes to `errs`.

    Returns
    -------
    tuple
        Longitude and latitude (NaN when not a number) and the system's name (``""`` when
        unknown).
    """
    x, y = _number(lon_text), _number(lat_text)
    if x is None:
        errs.append(f"override_lon {lon_text!r} is not a number")
    if y is None:
        errs.append(f"override_lat {lat_text!r} is not a number")
    lon = lat = np.nan
    if x is not None and y is not None:
        if not (LON_RANGE[0] <= x <= LON_RANGE[1] and LAT_RANGE[0] <= y <= LAT_RANGE[1]):
            swapped = LON_RANGE[0] <= y <= LON_RANGE[1] and LAT_RANGE[0] <= x <= LAT_RANGE[1]
            errs.append(
                f"point ({x}, {y}) is outside China (lon {LON_RANGE[0]:g}–"
                f"{LON_RANGE[1]:g}, lat {LAT_RANGE[0]:g}–{LAT_RANGE[1]:g})"
                + ("; longitude and latitude swapped?" if swapped else "")
            )
        lon, lat = x, y
    name = _crs_name(crs_text)
    if name is None:
        errs.append(f"override_crs {crs_text!r} unknown (use WGS84, GCJ02, BD09 or CGCS2000)")
    return lon, lat, name or ""


def _candidate_number(text: str, errs: list[str]) -> int | None:
    """The candidate number of an override row (1, 2, …), or None with the error in `errs`."""
    c = _number(text)
    if c is None or not c.is_integer() or c < 1:
        errs.append(f"override_candidate {text!r} is not a candidate number (1, 2, …)")
        return None
    return int(c)


def _conflicts(out: pd.DataFrame) -> list[str]:
    """A problem for each case that the overrides answer differently on different rows."""
    problems = []
    key = out["decision_no"] + "#" + out["text_hash"]
    for _, group in out[key.duplicated(keep=False)].groupby(key, sort=True):
        problems.append(
            f"rows {', '.join(str(r) for r in group['source_row'])}: different answers for "
            f"the same case {group['decision_no'].iloc[0] or group['text_hash'].iloc[0]}"
        )
    return problems


def _points_to_wgs84(out: pd.DataFrame) -> None:
    """Convert in place the override points given in another coordinate system to WGS-84."""
    for name in sorted(set(out["crs"]) - {"", "WGS84"}):
        mask = (out["crs"] == name).to_numpy()
        x, y = _to_wgs84(out.loc[mask, "lon"].to_numpy(), out.loc[mask, "lat"].to_numpy(), name)
        out.loc[mask, "lon"] = x
        out.loc[mask, "lat"] = y


#: The text columns of an overrides file.
_OVERRIDE_TEXTS = (
    "decision_no",
    "text_hash",
    "place_text",
    "override_lon",
    "override_lat",
    "override_crs",
    "override_candidate",
    "note",
)


def _override_rows(
    t: dict[str, list[str]], rows: np.ndarray
) -> tuple[list[int], np.ndarray, np.ndarray, list[int | None], list[str], int, list[str]]:
    """Check every row of an overrides file (text columns `t`, file rows `rows`).

    Returns
    -------
    tuple
        The rows kept (valid, with an answer), each row's longitude, latitude, candidate
        and coordinate system, the number of rows without an answer, and a problem per
        invalid row.
    """
    dec, hsh, place = t["decision_no"], t["text_hash"], t["place_text"]
    lon_t, lat_t, crs_t = t["override_lon"], t["override_lat"], t["override_crs"]
    cand_t = t["override_candidate"]
    n = len(rows)
    problems: list[str] = []
    keep: list[int] = []
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    cand: list[int | None] = [None] * n
    crs: list[str] = [""] * n
    skipped = 0
    for i in range(n):
        has_point = bool(lon_t[i] or lat_t[i])
        has_cand = bool(cand_t[i])
        if not has_point and not has_cand:
            skipped += 1
            continue
        errs: list[str] = []
        if not (dec[i] or hsh[i] or place[i]):
            errs.append("no decision_no, text_hash or place_text to say which case it fixes")
        if hsh[i] and not re.fullmatch(r"[0-9a-fA-F]{12}", hsh[i]):
            errs.append(f"text_hash {hsh[i]!r} is not 12 hex digits")
        if has_point and has_cand:
            errs.append("give either a point or a candidate number, not both")
        if has_point:
            lon[i], lat[i], crs[i] = _override_point(lon_t[i], lat_t[i], crs_t[i], errs)
        if has_cand:
            cand[i] = _candidate_number(cand_t[i], errs)
        if errs:
            problems.append(f"row {rows[i]}: {'; '.join(errs)}")
        else:
            keep.append(i)
    return keep, lon, lat, cand, crs, skipped, problems


def read_overrides(path: str | Path, *, settings: Settings | None = None) -> pd.DataFrame:
    """Read the analyst's overrides: a filled review queue or a smaller table.

    The file is an ``.xlsx``/``.xls`` workbook or a CSV in UTF-8 (with or without BOM)
    or GB18030, read by :func:`trafficprev._tables.read_table`; the header row may sit
    below title rows. Recognised columns (English name, Chinese header or variants):
    ``decision_no`` (认定书编号), ``text_hash`` (文本指纹), ``place_text`` (受伤地点),
    ``override_lon`` (经度), ``override_lat`` (纬度), ``override_crs`` (坐标系: blank =
    WGS84, GCJ02, BD09, CGCS2000), ``override_candidate`` (候选编号, counted from 1) and
    ``note`` (备注). Other columns (the rest of a review queue) are ignored.

    Each row must name the case(s) it fixes: by ``decision_no`` (optionally checked
    against ``text_hash`` or ``place_text``), or, without a decision number, by
    ``text_hash`` or ``place_text`` alone, which then fixes *every* case with that place
    text (for a recurring phrase). It gives either a point or a candidate number. Rows
    with neither are skipped; their number is in ``result.attrs["skipped_rows"]``.
    Identical repeated rows are kept once.

    Parameters
    ----------
    path
        The overrides file.
    settings
        Header scan depth and CSV encodings (defaults when omitted).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`OVERRIDE_COLUMNS`: ``decision_no``, ``text_hash`` (given, or
        computed from ``place_text`` when only that is given; blank when neither is),
        ``place_text``, ``lon`` and ``lat`` (WGS-84, converted from the declared CRS;
        NaN for a candidate pick), ``candidate`` (``Int64``), ``note``, ``source_row``
        (the row number as the spreadsheet shows it), ``source_file`` (file name) and
        ``crs`` (the CRS the point was given in). Attributes ``attrs["rows_read"]`` and
        ``attrs["skipped_rows"]`` count the rows.

    Raises
    ------
    InputFileNotFoundError
        If the file does not exist.
    FileFormatError
        If the file cannot be read.
    SchemaError
        If the file lacks the columns to name a case or to give an answer, or if any row
        has an invalid value (non-numeric or out-of-range coordinates, unknown CRS, bad
        candidate number, both a point and a candidate, no key, or two different answers
        for the same case). One error lists every bad row.
    """
    p = Path(path)
    frame, _ = read_table(p, _SCHEMA, settings=settings)
    _check_override_columns(frame, p)

    t = {
        name: [_clean_cell(v) for v in frame[name]] if name in frame.columns else [""] * len(frame)
        for name in _OVERRIDE_TEXTS
    }
    rows = frame["_row"].to_numpy()
    keep, lon, lat, cand, crs, skipped, problems = _override_rows(t, rows)
    idx = np.array(keep, dtype=int)
    out = pd.DataFrame(
        {
            "decision_no": _texts(t["decision_no"][i] for i in keep),
            "text_hash": _texts(
                t["text_hash"][i].lower()
                or (text_hash(t["place_text"][i]) if t["place_text"][i] else "")
                for i in keep
            ),
            "place_text": _texts(t["place_text"][i] for i in keep),
            "lon": lon[idx],
            "lat": lat[idx],
            "candidate": pd.array([cand[i] for i in keep], dtype="Int64"),
            "note": _texts(t["note"][i] for i in keep),
            "source_row": rows[idx].astype(int),
            "source_file": _texts(p.name for _ in keep),
            "crs": _texts(crs[i] for i in keep),
        },
        columns=list(OVERRIDE_COLUMNS),
    )
    out = out.drop_duplicates(
        subset=["decision_no", "text_hash", "lon", "lat", "candidate", "crs"], keep="first"
    ).reset_index(drop=True)
    problems += _conflicts(out)
    if problems:
        raise SchemaError(
            f"{p}: {len(problems)} override row(s) are invalid; correct them and read the "
            "file again:\n  " + "\n  ".join(problems)
        )
    _points_to_wgs84(out)
    out.attrs["rows_read"] = len(frame)
    out.attrs["skipped_rows"] = skipped
    logger.info(
        "%s: %d override(s) read, %d row(s) without an answer skipped", p, len(out), skipped
    )
    return out


Candidate = tuple[float, float, str | None, str | None]


def _with_geocode_columns(cases: pd.DataFrame) -> pd.DataFrame:
    """A copy of `cases` with every geocode column, numbers as float and texts as objects."""
    out = cases.copy()
    for col in GEOCODE_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan if col in ("lon", "lat", "confidence") else None
    for col in ("lon", "lat", "confidence"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    for col in ("match_level", "matched_road", "matched_cross_road", "reason"):
        if not pd.api.types.is_string_dtype(out[col]):  # e.g. an all-NaN float column
            out[col] = out[col].astype(object)
    return out


def _positions(values: Iterable[str]) -> dict[str, list[int]]:
    """Value -> the positions where it occurs, in order."""
    positions: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        positions.setdefault(v, []).append(i)
    return positions


def _override_targets(
    dec: str,
    ohash: str,
    otext: str,
    cases: tuple[dict[str, list[int]], dict[str, list[int]], list[str], np.ndarray],
) -> tuple[list[int], tuple[str, str] | None]:
    """The cases an override row fixes: its case (`dec`, checked against the place text it
    was written for) or every case with its place text; else why none (status, detail).

    `cases` holds the positions of each decision number and of each place-text hash, and
    each case's place text and hash.
    """
    positions, by_hash, case_texts, case_hash = cases
    if dec:
        targets = positions.get(dec, [])
        if not targets:
            return [], ("unknown_case", f"no case {dec} in this run")
        i0 = targets[0]
        if ohash and ohash.lower() != case_hash[i0]:
            return [], (
                "stale",
                f"place text changed: the case now reads {case_texts[i0]!r}"
                + (f", the override was written for {otext!r}" if otext else ""),
            )
        if not ohash and otext and text_key(otext) != text_key(case_texts[i0]):
            return [], (
                "stale",
                f"place text changed: the case now reads {case_texts[i0]!r}, "
                f"the override was written for {otext!r}",
            )
        return targets, None
    key = ohash.lower() or (text_hash(otext) if otext else "")
    targets = by_hash.get(key, []) if key else []
    if not targets:
        return [], ("unknown_case", f"no case with this place text ({otext or key}) in this run")
    return targets, None


def _picks(
    targets: list[int],
    ov: pd.Series,
    cand: object,
    case_dec: np.ndarray,
    candidates_of: Callable[[str], Sequence[Candidate]] | None,
) -> tuple[list[tuple[int, float, float, object, object]], str]:
    """The point (and road) each target case gets from an override row: its own point, or
    the candidate it names; else what is wrong with the candidate (``""`` when nothing)."""
    picks: list[tuple[int, float, float, object, object]] = []
    for i in targets:
        if pd.isna(cand):
            picks.append((i, float(ov["lon"]), float(ov["lat"]), None, None))
            continue
        k = int(cand)
        listed = list(candidates_of(str(case_dec[i]))) if candidates_of is not None else []
        if not 1 <= k <= len(listed):
            return picks, f"candidate {k} asked for case {case_dec[i]}, " + (
                f"which has {len(listed)} candidate(s)" if candidates_of else "no list"
            )
        c_lon, c_lat, road, cross = (*listed[k - 1], None, None)[:4]
        try:
            x, y = float(c_lon), float(c_lat)
        except (TypeError, ValueError):
            x = y = math.nan
        if not (math.isfinite(x) and math.isfinite(y)):
            return picks, f"candidate {k} of case {case_dec[i]} has no point"
        picks.append((i, x, y, road, cross))
    return picks, ""


def _report_entry(ov: pd.Series, j: int, columns: pd.Index) -> dict[str, object]:
    """The report fields of override row `j`: the case it names and where it was read."""
    return {
        "decision_no": _text(ov["decision_no"]),
        "text_hash": _text(ov["text_hash"]),
        "place_text": _text(ov["place_text"]),
        "source_row": ov["source_row"] if "source_row" in columns else j + 1,
        "source_file": _text(ov["source_file"]) if "source_file" in columns else "overrides",
    }


def _put_picks(
    out: pd.DataFrame, picks: list[tuple[int, float, float, object, object]], reason: str
) -> None:
    """Write the picked points (and roads) on their cases in place, as manual overrides."""
    cols = {c: out.columns.get_loc(c) for c in GEOCODE_COLUMNS}
    for i, x, y, road, cross in picks:
        out.iat[i, cols["lon"]] = x
        out.iat[i, cols["lat"]] = y
        out.iat[i, cols["match_level"]] = "override"
        out.iat[i, cols["confidence"]] = 1.0
        out.iat[i, cols["matched_road"]] = road
        out.iat[i, cols["matched_cross_road"]] = cross
        out.iat[i, cols["reason"]] = reason


def apply_overrides(
    cases: pd.DataFrame,
    overrides: pd.DataFrame,
    candidates_of: Callable[[str], Sequence[Candidate]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Put the analyst's answers on the cases; report the answers that do not fit.

    Matching rules:

    - an override with a ``decision_no`` applies to the case with that number, provided
      the place text still fits: its ``text_hash`` (if given) equals the case's, else its
      ``place_text`` (if given) has the same :func:`text_key`. Otherwise it is ``stale``;
    - an override with no ``decision_no`` but a ``text_hash`` applies to *every* case with
      that place text: one answer for a phrase that recurs across cases and quarters;
    - an override for a decision number not among `cases` is ``unknown_case`` (normal
      when last quarter's overrides are read again);
    - a candidate pick (``candidate`` = k, from 1) takes the k-th entry of
      ``candidates_of(decision_no)``; when there is no such entry (or no `candidates_of`)
      it is ``bad_candidate``.

    Per-case overrides take precedence over per-text ones. An applied override sets
    ``lon``/``lat`` (WGS-84), ``match_level = 'override'``, ``confidence = 1.0``,
    ``reason = '人工指定 manual override (row N of FILE)'``, and ``matched_road`` /
    ``matched_cross_road`` from the picked candidate (blank for a point given by hand).

    Parameters
    ----------
    cases
        Geocoded cases with ``decision_no`` and the place text (``place_text``, else
        ``place``); geocode columns missing from it are added.
    overrides
        The frame returned by :func:`read_overrides`.
    candidates_of
        ``candidates_of(decision_no) -> [(lon, lat, road, cross_road), ...]``: the
        candidates listed for a case in the review queue, in the same order, WGS-84.

    Returns
    -------
    cases : pandas.DataFrame
        A copy of `cases` (same index and row order) with the overrides applied;
        ``result.attrs["overrides_applied"]`` counts the overrides used.
    report : pandas.DataFrame
        One row per override not applied: :data:`REPORT_COLUMNS`, with ``status`` in
        :data:`REVIEW_STATUSES` and a readable ``detail``. The same applied count is in
        ``report.attrs["applied"]``.

    Raises
    ------
    SchemaError
        If `cases` or `overrides` lack required columns.
    """
    _require(cases, ("decision_no",), "cases")
    place_col = _place_column(cases)
    _require(overrides, ("decision_no", "text_hash", "place_text", "lon", "lat"), "overrides")
    out = _with_geocode_columns(cases)
    case_dec = np.array([_text(v) for v in out["decision_no"]], dtype=object)
    case_texts = map_unique(out[place_col], _text).tolist()
    case_hash = map_unique(out[place_col], text_hash).to_numpy()
    index = (_positions(case_dec), _positions(case_hash), case_texts, case_hash)

    report: list[dict[str, object]] = []
    applied = 0
    n_cand = "candidate" in overrides.columns
    rows = overrides.reset_index(drop=True)
    per_case = rows["decision_no"].map(_text) != ""
    # per-text overrides first, so that per-case ones overwrite them
    order = [*np.flatnonzero(~per_case.to_numpy()), *np.flatnonzero(per_case.to_numpy())]
    for j in order:
        ov = rows.iloc[j]
        entry = _report_entry(ov, j, rows.columns)
        dec, ohash, otext = (str(entry[k]) for k in ("decision_no", "text_hash", "place_text"))
        targets, problem = _override_targets(dec, ohash, otext, index)
        if problem is not None:
            report.append({**entry, "status": problem[0], "detail": problem[1]})
            continue
        cand = ov["candidate"] if n_cand else pd.NA
        picks, bad = _picks(targets, ov, cand, case_dec, candidates_of)
        if bad:
            report.append({**entry, "status": "bad_candidate", "detail": bad})
            continue
        reason = f"人工指定 manual override (row {entry['source_row']} of {entry['source_file']})"
        _put_picks(out, picks, reason)
        applied += 1

    rep = pd.DataFrame(report, columns=list(REPORT_COLUMNS))
    rep.attrs["applied"] = applied
    out.attrs["overrides_applied"] = applied
    counts = rep["status"].value_counts().to_dict()
    logger.info("overrides: %d applied, not applied: %s", applied, counts)
    return out, rep
