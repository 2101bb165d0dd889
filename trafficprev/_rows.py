"""Row-level machinery shared by every intake table: reading several files, recording
the first problem of each row, rejected-row and duplicate tables, coordinates, flags."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from ._accounting import REASONS
from ._errors import FileFormatError
from ._tables import EXTRA_CELLS, ID_AS_NUMBER, SourceFile, read_table
from ._vector import nfkc
from .privacy import looks_personal_header, looks_personal_values
from .schema import TableSchema
from .settings import Settings

__all__ = [
    "INTERNAL",
    "decision_key",
    "dedupe",
    "first_problem",
    "issues_column",
    "parse_coords",
    "personal_unknown_columns",
    "read_all",
    "rejected_rows",
]

META = ["_file", "_sheet", "_row"]


INTERNAL = [*META, EXTRA_CELLS, ID_AS_NUMBER]


_BRACKETS = str.maketrans(
    {
        "[": "〔",
        "]": "〕",
        "【": "〔",
        "】": "〕",
        "(": "〔",
        ")": "〕",
        "（": "〔",
        "）": "〕",
        "［": "〔",
        "］": "〕",
        "〖": "〔",
        "〗": "〕",
    }
)


def decision_key(values: pd.Series) -> pd.Series:
    """Matching key of 认定书编号: no blanks, 〔〕[]【】() unified, upper case."""
    return values.str.replace(r"\s+", "", regex=True).str.translate(_BRACKETS).str.upper()


def read_all(
    paths: Sequence[str | Path] | str | Path,
    schema: TableSchema,
    settings: Settings,
    progress: bool,
) -> tuple[pd.DataFrame, list[SourceFile]]:
    """Read every file of one kind into one frame of text cells; canonical columns
    missing from all files are added empty."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise FileFormatError(f"no input files given for the {schema.label} ({schema.kind})")
    frames, sources = [], []
    for p in tqdm(list(paths), desc=f"读取 {schema.label}", disable=not progress, unit="file"):
        frame, srcs = read_table(p, schema, settings=settings)
        frames.append(frame)
        sources.extend(srcs)
    frame = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0]
    for col in frame.columns:
        if col not in (EXTRA_CELLS, ID_AS_NUMBER, "_row"):
            frame[col] = frame[col].fillna("").astype(object)
    for c in schema.columns:
        if c.name not in frame.columns:
            frame[c.name] = ""
    return frame, sources


def first_problem(
    problems: list[tuple[str, pd.Series]], index: pd.Index
) -> tuple[pd.Series, pd.Series]:
    """Primary reason code per row (None if fine) and the other codes, "; "-joined."""
    primary = pd.Series(None, index=index, dtype=object)
    others = pd.Series("", index=index, dtype=object)
    for code, mask in problems:
        mask = mask.reindex(index, fill_value=False).astype(bool)
        has = primary.notna()
        others[mask & has] = (
            others[mask & has] + np.where(others[mask & has] == "", "", "; ") + code
        )
        primary[mask & ~has] = code
    return primary, others


_REASON_COLUMN = {
    "extra_cells": None,
    "missing_decision_no": "decision_no",
    "missing_employer": "employer",
    "missing_credit_code": "credit_code",
    "missing_name": "name",
    "insured_invalid": "insured",
    "missing_kind": "kind",
    "date_empty": "implemented_on",
    "date_invalid": "implemented_on",
    "target_and_point_missing": "target",
}


def rejected_rows(
    frame: pd.DataFrame, primary: pd.Series, others: pd.Series, key: str, personal: set[str]
) -> pd.DataFrame:
    """One line per rejected row: where it is, its key, the failing column and value (never a
    personal value), the reason, and any further problems of the same row."""
    bad = primary.notna()
    rows = frame.loc[bad]
    codes = primary[bad]
    values = []
    for idx, code in codes.items():
        col = _REASON_COLUMN.get(code, "injured_at" if code.startswith("time_") else None)
        if col is None or col in personal:
            values.append("")
        else:
            values.append(str(frame.at[idx, col])[:200])
    return pd.DataFrame(
        {
            "source_file": rows["_file"].to_numpy(),
            "source_sheet": rows["_sheet"].to_numpy(),
            "row_number": rows["_row"].to_numpy(),
            "key": rows[key].to_numpy() if key in rows else "",
            "column": [REASONS[c][0] for c in codes],
            "value": values,
            "reason_code": codes.to_numpy(),
            "reason": [REASONS[c][1] for c in codes],
            "other_problems": others[bad].to_numpy(),
        }
    )


def dedupe(
    frame: pd.DataFrame,
    key: pd.Series,
    compare_cols: list[str],
    rule: str,
    decided: pd.Series | None,
    labels: dict[str, str],
    personal: set[str],
) -> tuple[pd.Series, pd.DataFrame]:
    """Return a keep-mask over `frame` and the duplicates table."""
    order = pd.Series(np.arange(len(frame)), index=frame.index)
    dup_any = key.duplicated(keep=False)
    keep = pd.Series(True, index=frame.index)
    if not dup_any.any():
        return keep, pd.DataFrame(columns=["key", "kind"])
    sub = frame.loc[dup_any]
    content = sub[compare_cols].astype(str).apply(lambda s: s.str.strip())
    filled = content.ne("").sum(axis=1)
    sort = pd.DataFrame({"key": key[dup_any], "order": order[dup_any], "filled": filled})
    if rule == "latest_decided":
        d = decided[dup_any] if decided is not None else pd.Series(pd.NaT, index=sub.index)
        sort["decided"] = d.fillna(pd.Timestamp.min)
        sort = sort.sort_values(
            ["key", "decided", "filled", "order"], ascending=[True, False, False, False]
        )
        rule_text = (
            "认定日期较晚者优先，其次填写较全者，其次输入中较后者 / later decision date, "
            "then more filled fields, then later in input"
        )
    elif rule == "last_in_input":
        sort = sort.sort_values(["key", "order"], ascending=[True, False])
        rule_text = "输入中较后者优先 / later in input wins"
    else:
        sort = sort.sort_values(["key", "order"], ascending=[True, True])
        rule_text = "输入中较前者优先 / earlier in input wins"
    winners = sort.drop_duplicates("key", keep="first")
    winner_of = pd.Series(winners.index, index=winners["key"].to_numpy())
    losers = sort.index.difference(winners.index)
    keep[losers] = False
    records = []
    for idx in sort.index[sort.index.isin(losers)]:
        w = winner_of[key[idx]]
        diff = [c for c in compare_cols if content.at[idx, c] != content.at[w, c]]
        records.append(
            {
                "source_file": frame.at[idx, "_file"],
                "source_sheet": frame.at[idx, "_sheet"],
                "row_number": frame.at[idx, "_row"],
                "key": key[idx],
                "kind": "conflicting" if diff else "identical",
                "kept_file": frame.at[w, "_file"],
                "kept_sheet": frame.at[w, "_sheet"],
                "kept_row": frame.at[w, "_row"],
                "rule": rule_text if diff else "完全相同，保留一行 / identical rows collapse",
                "differing_columns": "; ".join(labels.get(c, c) for c in diff),
                **{c: frame.at[idx, c] for c in compare_cols if c not in personal},
            }
        )
    return keep, pd.DataFrame.from_records(records)


def personal_unknown_columns(frame: pd.DataFrame, unknown: Iterable[str]) -> list[str]:
    """Unknown columns whose header or values look personal (name, ID, phone, plate…)."""
    return [c for c in unknown if looks_personal_header(c) or looks_personal_values(frame[c])]


_CRS = {
    "wgs84": "WGS84",
    "wgs1984": "WGS84",
    "epsg4326": "WGS84",
    "gps": "WGS84",
    "4326": "WGS84",
    "gcj02": "GCJ02",
    "gcj": "GCJ02",
    "火星坐标": "GCJ02",
    "高德": "GCJ02",
    "腾讯": "GCJ02",
    "国测局": "GCJ02",
    "bd09": "BD09",
    "bd09ll": "BD09",
    "百度": "BD09",
    "cgcs2000": "CGCS2000",
    "国家2000": "CGCS2000",
    "epsg4490": "CGCS2000",
    "4490": "CGCS2000",
}


def parse_coords(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Numeric lon/lat inside China (swapped pairs swapped back) and a normalised coordinate
    system name; given coordinates without a system are taken as WGS84 and flagged. Returns
    the columns and the flags ``coords_invalid``, ``coords_swapped``, ``crs_unknown``,
    ``crs_assumed``."""
    lon = pd.to_numeric(nfkc(frame["lon"]), errors="coerce")
    lat = pd.to_numeric(nfkc(frame["lat"]), errors="coerce")
    given = (nfkc(frame["lon"]) != "") | (nfkc(frame["lat"]) != "")
    in_cn = lon.between(73, 136) & lat.between(3, 54)
    swapped = ~in_cn & lat.between(73, 136) & lon.between(3, 54)
    lon, lat = lon.where(~swapped, lat), lat.where(~swapped, lon)
    ok = in_cn | swapped
    crs_key = nfkc(frame["crs"]).str.lower().str.replace(r"[\s\-_:：]", "", regex=True)
    crs = crs_key.map(
        lambda k: _CRS.get(k, next((v for n, v in _CRS.items() if n in k), None)) if k else None
    )
    assumed = ok & (crs_key == "")
    crs = crs.where(~assumed, "WGS84")
    out = pd.DataFrame(
        {"lon": lon.where(ok), "lat": lat.where(ok), "crs": crs.where(ok, None)}, index=frame.index
    )
    flags = {
        "coords_invalid": given & ~ok,
        "coords_swapped": swapped,
        "crs_unknown": ok & out["crs"].isna(),
        "crs_assumed": assumed,
    }
    return out, flags


def issues_column(flags: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """The names of the flags set on each row, "; "-joined (empty when none)."""
    parts = pd.DataFrame(
        {k: v.reindex(index, fill_value=False).astype(bool) for k, v in flags.items()}
    )
    if parts.empty:
        return pd.Series("", index=index, dtype=object)
    arr = parts.to_numpy()
    names = np.array(parts.columns)
    return pd.Series(["; ".join(names[row]) for row in arr], index=index, dtype=object)
