"""Take in determination exports, enterprise registers and campaign candidates.

Every input row ends as exactly one of: a **case** (a record), a **rejected** row (file,
row number, column, reason) or a **duplicate** (with the row it duplicates and the rule
that chose between them). Personal data is split off into a protected table at the
door. Fully blank rows are skipped and counted separately (they carry nothing).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from . import narrative as _narrative
from ._errors import FileFormatError, TrafficPrevError
from ._tables import EXTRA_CELLS, ID_AS_NUMBER, SourceFile, read_table
from ._vector import map_unique, nfkc
from .privacy import (
    ID_CHECKS,
    check_credit_codes,
    check_id_numbers,
    id_birth_dates,
    id_sexes,
    looks_personal_header,
    looks_personal_values,
    neutralize_formulas,
)
from .schema import (
    CAMPAIGN_COLUMNS,
    CAMPAIGN_KINDS,
    DETERMINATION_COLUMNS,
    ENTERPRISE_COLUMNS,
    PERSONAL_COLUMNS,
    TableSchema,
)
from .settings import Settings
from .timeparse import parse_times

__all__ = [
    "Accounting",
    "IntakeResult",
    "read_campaign_candidates",
    "read_determinations",
    "read_enterprises",
]

logger = logging.getLogger(__name__)

_META = ["_file", "_sheet", "_row"]
_INTERNAL = [*_META, EXTRA_CELLS, ID_AS_NUMBER]

#: Rejection reasons: code -> (column label, message in Chinese / English).
REASONS: dict[str, tuple[str, str]] = {
    "extra_cells": ("(整行)", "该行单元格多于表头 / row has more cells than the header"),
    "missing_decision_no": ("认定书编号", "认定书编号为空 / decision number is empty"),
    "missing_employer": ("用人单位", "用人单位为空 / employer is empty"),
    "time_empty": ("受伤时间", "受伤时间为空 / injury time is empty"),
    "time_unparseable": ("受伤时间", "受伤时间无法识别 / injury time not understood"),
    "time_invalid_date": ("受伤时间", "受伤时间不是有效日期 / injury time is not a valid date"),
    "time_no_year": ("受伤时间", "受伤时间缺少年份 / injury time has no year"),
    "time_out_of_range": ("受伤时间", "受伤时间年份超出范围 / injury year out of range"),
    "time_future": ("受伤时间", "受伤时间晚于基准日期 / injury time is in the future"),
    "time_too_early": ("受伤时间", "受伤时间早于最早年份 / injury time before min_injury_year"),
    "time_after_decision": ("受伤时间", "受伤时间晚于认定日期 / injury after the decision date"),
    "missing_credit_code": ("统一社会信用代码", "统一社会信用代码为空 / credit code is empty"),
    "missing_name": ("名称", "名称为空 / name is empty"),
    "insured_invalid": ("参保人数", "参保人数不是非负整数 / insured headcount is not a count"),
    "missing_kind": ("类型", "类型为空 / kind is empty"),
}

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


def _decision_key(values: pd.Series) -> pd.Series:
    return values.str.replace(r"\s+", "", regex=True).str.translate(_BRACKETS).str.upper()


@dataclass(frozen=True)
class Accounting:
    """Where every input row went. ``read == records + rejected + duplicates`` always."""

    kind: str
    read: int
    records: int
    rejected: int
    duplicates: int
    duplicates_identical: int = 0
    duplicates_conflicting: int = 0
    commuting_traffic: int | None = None
    blank_rows_skipped: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    files: tuple[dict[str, object], ...] = ()

    def __post_init__(self) -> None:
        if self.read != self.records + self.rejected + self.duplicates:
            raise TrafficPrevError(
                f"row accounting does not add up: read {self.read} != records {self.records} "
                f"+ rejected {self.rejected} + duplicates {self.duplicates} (a bug; please report)"
            )

    @property
    def cases(self) -> int:
        """Alias of :attr:`records` for determinations."""
        return self.records

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON form (``accounting.json``)."""
        out: dict[str, object] = {
            "kind": self.kind,
            "read": self.read,
            "cases" if self.kind == "determinations" else "records": self.records,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "duplicates_identical": self.duplicates_identical,
            "duplicates_conflicting": self.duplicates_conflicting,
        }
        if self.commuting_traffic is not None:
            out["commuting_traffic"] = self.commuting_traffic
        out.update(
            blank_rows_skipped=self.blank_rows_skipped,
            rejected_by_reason=dict(self.rejected_by_reason),
            flagged=dict(self.flagged),
            files=list(self.files),
        )
        return out

    def report(self) -> str:
        """A short bilingual (Chinese / English) text of the accounting."""
        noun = "案件 cases" if self.kind == "determinations" else "记录 records"
        lines = [
            f"读入 read: {self.read} 行 rows, 来自 from {len(self.files)} 个表 sheet(s)",
            f"  有效{noun}: {self.records}",
            f"  拒收 rejected: {self.rejected}",
            f"  重复 duplicates: {self.duplicates} (相同 identical {self.duplicates_identical}, "
            f"冲突 conflicting {self.duplicates_conflicting})",
            f"  核对 check: {self.records} + {self.rejected} + {self.duplicates} = {self.read}",
        ]
        if self.commuting_traffic is not None:
            share = self.commuting_traffic / self.records if self.records else 0.0
            lines.append(
                f"  其中上下班途中交通事故 commuting traffic cases: {self.commuting_traffic} "
                f"({share:.1%} of cases)"
            )
        if self.blank_rows_skipped:
            lines.append(f"  跳过空行 blank rows skipped: {self.blank_rows_skipped}")
        for code, n in sorted(self.rejected_by_reason.items(), key=lambda kv: -kv[1]):
            lines.append(f"    拒收原因 reason: {REASONS.get(code, ('', code))[1]}: {n}")
        for code, n in sorted(self.flagged.items(), key=lambda kv: -kv[1]):
            lines.append(f"    提示 flag: {_FLAGS.get(code, code)}: {n}")
        for f in self.files:
            enc = f" encoding={f['encoding']}" if f.get("encoding") else ""
            sheet = f" sheet={f['sheet']}" if f.get("sheet") else ""
            lines.append(
                f"  文件 file: {f['path']} [{f['format']}{enc}{sheet} header_row={f['header_row']}]"
                f" rows={f['rows']}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class IntakeResult:
    """Everything intake produced from a set of files.

    Attributes
    ----------
    records
        Accepted rows without personal data (``cases`` for determinations).
    rejected
        One row per rejected input row: ``source_file``, ``source_sheet``, ``row_number``,
        ``key``, ``column``, ``value``, ``reason_code``, ``reason``, ``other_problems``.
    duplicates
        One row per dropped duplicate: where it was, ``kind`` (identical / conflicting),
        the kept row, ``rule`` and ``differing_columns``, then its own (non-personal) values.
    protected
        Personal data keyed by ``decision_no`` (determinations only; empty otherwise).
    accounting
        The row counts.
    sources
        What was read from each sheet.
    """

    kind: str
    records: pd.DataFrame
    rejected: pd.DataFrame
    duplicates: pd.DataFrame
    protected: pd.DataFrame
    accounting: Accounting
    sources: tuple[SourceFile, ...]

    @property
    def cases(self) -> pd.DataFrame:
        """The accepted determinations (alias of :attr:`records`)."""
        return self.records

    def write(
        self, out_dir: str | Path, *, protected_path: str | Path | None = None
    ) -> dict[str, Path]:
        """Write ``cases.csv`` (or ``records.csv``), ``rejected_rows.csv``, ``duplicates.csv``
        and ``accounting.json`` to `out_dir`.

        CSV files are UTF-8 with BOM (Excel on Chinese Windows opens them correctly) and
        text cells that a spreadsheet would run as formulas are neutralised. Personal data
        is written only when `protected_path` is given.

        Returns
        -------
        dict
            Output name -> path written.
        """
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileFormatError(
                f"{out}: cannot create the output folder ({exc.strerror})"
            ) from exc
        name = "cases.csv" if self.kind == "determinations" else f"{self.kind}.csv"
        paths = {
            "records": out / name,
            "rejected": out / "rejected_rows.csv",
            "duplicates": out / "duplicates.csv",
            "accounting": out / "accounting.json",
        }
        try:
            _to_csv(self.records, paths["records"])
            _to_csv(self.rejected, paths["rejected"])
            _to_csv(self.duplicates, paths["duplicates"])
            paths["accounting"].write_text(
                json.dumps(self.accounting.to_dict(), ensure_ascii=False, indent=2),
                encoding="utf-8",
            )
            if protected_path is not None:
                paths["protected"] = Path(protected_path)
                _to_csv(self.protected, paths["protected"])
        except OSError as exc:
            raise FileFormatError(f"{out}: cannot write outputs ({exc.strerror})") from exc
        return paths


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M").where(out[col].notna(), "")
    neutralize_formulas(out).to_csv(path, index=False, encoding="utf-8-sig")


# --- shared machinery ------------------------------------------------------------------


def _read_all(
    paths: Sequence[str | Path] | str | Path,
    schema: TableSchema,
    settings: Settings,
    progress: bool,
) -> tuple[pd.DataFrame, list[SourceFile]]:
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


def _first_problem(
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
}


def _rejected_frame(
    frame: pd.DataFrame, primary: pd.Series, others: pd.Series, key: str, personal: set[str]
) -> pd.DataFrame:
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


def _dedupe(
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


def _personal_unknown(frame: pd.DataFrame, unknown: Iterable[str]) -> list[str]:
    return [c for c in unknown if looks_personal_header(c) or looks_personal_values(frame[c])]


_FLAGS: dict[str, str] = {
    **{f"id_{k}": v for k, v in ID_CHECKS.items() if k != "ok"},
    "sex_invalid": "性别无法识别 / sex not understood",
    "age_invalid": "年龄无效 / age invalid",
    "birth_date_invalid": "出生日期无法识别 / birth date not understood",
    "decided_on_invalid": "认定日期无法识别 / decision date not understood",
    "coords_invalid": "经纬度无效或不在中国范围 / coordinates invalid",
    "coords_swapped": "经纬度颠倒，已交换 / lon and lat swapped",
    "crs_unknown": "坐标系无法识别 / coordinate system unknown",
    "credit_code_invalid": "统一社会信用代码校验错误 / credit code check failed",
    "time_approximate": "受伤时间为约数 / injury time approximate",
    "kind_unknown": "类型不在列表中，记为其他 / kind not in list, set to 其他",
    "personal_column": "未知列含个人信息，已移入受保护表 / unknown column moved to protected",
}

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


def _coords(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
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
    crs = crs.where(~(ok & crs.isna() & (crs_key == "")), "WGS84")
    out = pd.DataFrame(
        {"lon": lon.where(ok), "lat": lat.where(ok), "crs": crs.where(ok, None)}, index=frame.index
    )
    flags = {
        "coords_invalid": given & ~ok,
        "coords_swapped": swapped,
        "crs_unknown": ok & out["crs"].isna(),
    }
    return out, flags


def _issues(flags: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    parts = pd.DataFrame(
        {k: v.reindex(index, fill_value=False).astype(bool) for k, v in flags.items()}
    )
    if parts.empty:
        return pd.Series("", index=index, dtype=object)
    arr = parts.to_numpy()
    names = np.array(parts.columns)
    return pd.Series(["; ".join(names[row]) for row in arr], index=index, dtype=object)


# --- determinations --------------------------------------------------------------------

_SEX = {
    "男": "男",
    "女": "女",
    "m": "男",
    "f": "女",
    "male": "男",
    "female": "女",
    "1": "男",
    "2": "女",
    "男性": "男",
    "女性": "女",
}


def read_determinations(
    paths: Sequence[str | Path] | str | Path,
    *,
    settings: Settings | None = None,
    progress: bool = False,
) -> IntakeResult:
    """Read determination exports and account for every row.

    Parameters
    ----------
    paths
        One or more ``.xlsx`` / ``.xls`` / ``.csv`` files (UTF-8, UTF-8 with BOM or
        GB18030), e.g. one per quarter.
    settings
        Reference date, duplicate rule, encodings (defaults when ``None``).
    progress
        Show progress bars.

    Returns
    -------
    IntakeResult
        ``cases`` (no personal data; columns listed in the README), ``rejected``,
        ``duplicates``, ``protected`` (names, ID numbers, phones, narratives) and the
        ``accounting``.

    Raises
    ------
    InputFileNotFoundError
        If a file does not exist.
    FileFormatError
        If a file cannot be read or decoded.
    SchemaError
        If a file lacks a required column (认定书编号, 用人单位, 受伤时间).
    """
    settings = settings or Settings()
    schema = DETERMINATION_COLUMNS
    frame, sources = _read_all(paths, schema, settings, progress)
    canon = [c.name for c in schema.columns]
    unknown = [c for c in frame.columns if c not in canon and c not in _INTERNAL]
    steps = tqdm(total=4, desc="核验 validate", disable=not progress)

    text_cols = [
        "decision_no",
        "employer",
        "credit_code",
        "industry",
        "occupation",
        "sex",
        "age",
        "injury_basis",
        "conclusion",
        "responsibility",
        "severity",
    ]
    clean = {c: nfkc(frame[c]) for c in text_cols}
    clean["employer"] = clean["employer"].str.replace(r"\s+", "", regex=True)
    clean["credit_code"] = clean["credit_code"].str.replace(r"\s+", "", regex=True).str.upper()
    times = parse_times(frame["injured_at"])
    decided = parse_times(frame["decided_on"])
    births = parse_times(frame["birth_date"])
    steps.update()

    t = times["value"]
    today_end = pd.Timestamp(settings.today) + pd.Timedelta(days=1)
    err = times["error"]
    problems = [
        ("extra_cells", frame[EXTRA_CELLS].astype(bool)),
        ("missing_decision_no", clean["decision_no"] == ""),
        ("missing_employer", clean["employer"] == ""),
        ("time_empty", err == "empty"),
        ("time_unparseable", err == "unparseable"),
        ("time_invalid_date", err == "invalid_date"),
        ("time_no_year", err == "no_year"),
        ("time_out_of_range", err == "out_of_range"),
        ("time_future", t >= today_end),
        ("time_too_early", t < pd.Timestamp(settings.min_injury_year, 1, 1)),
        ("time_after_decision", t.dt.normalize() > decided["value"]),
    ]
    primary, others = _first_problem(problems, frame.index)
    # anything the parser reports that the list above does not name is still a rejection
    leftover = err.notna() & primary.isna()
    primary[leftover] = "time_unparseable"
    personal = set(PERSONAL_COLUMNS) | {"narrative"}
    rejected = _rejected_frame(frame.assign(**clean), primary, others, "decision_no", personal)
    valid = primary.isna()

    # --- derived fields on valid rows --------------------------------------------------
    v = frame.loc[valid]
    idx = v.index
    id_check = check_id_numbers(v["id_number"], stored_as_number=v[ID_AS_NUMBER])
    flags: dict[str, pd.Series] = {f"id_{k}": id_check == k for k in ID_CHECKS if k != "ok"}
    raw_sex = clean["sex"][idx].str.lower()
    sex = raw_sex.map(_SEX)
    flags["sex_invalid"] = (raw_sex != "") & sex.isna()
    sex = sex.fillna(id_sexes(v["id_number"], id_check))
    age_col = pd.to_numeric(clean["age"][idx].str.replace("岁", "", regex=False), errors="coerce")
    flags["age_invalid"] = (clean["age"][idx] != "") & ~age_col.between(14, 100)
    age_col = age_col.where(age_col.between(14, 100))
    birth = births["value"][idx]
    flags["birth_date_invalid"] = births["error"][idx].notna() & (births["error"][idx] != "empty")
    birth = birth.fillna(id_birth_dates(v["id_number"], id_check))
    age_from_birth = ((t[idx] - birth).dt.days / 365.2425).floordiv(1)
    age = age_col.fillna(age_from_birth.where(age_from_birth.between(14, 100)))
    flags["decided_on_invalid"] = decided["error"][idx].notna() & (decided["error"][idx] != "empty")
    coords, coord_flags = _coords(v)
    flags.update(coord_flags)
    credit = check_credit_codes(clean["credit_code"][idx])
    flags["credit_code_invalid"] = credit == "bad"
    flags["time_approximate"] = times["approximate"][idx].astype(bool)
    steps.update()

    fields = _narrative.extract_fields(v["narrative"], v["worker_name"])
    resp_col = map_unique(clean["responsibility"][idx], _narrative.normalize_responsibility)
    use_col = resp_col != "未认定"
    responsibility = resp_col.where(use_col, fields["responsibility"])
    concl_col = map_unique(clean["conclusion"][idx], _narrative.normalize_conclusion)
    conclusion = concl_col.where(concl_col != "未知", fields["conclusion"])
    basis = map_unique(clean["injury_basis"][idx], _narrative.is_commuting_basis).astype(bool)
    place = nfkc(v["place"])
    place_text = place.where(place != "", fields["place_phrase"].fillna(""))
    place_source = pd.Series(
        np.where(place != "", "受伤地点", np.where(place_text != "", "受伤经过", "")),
        index=idx,
        dtype=object,
    )
    commuting = basis | (fields["commute"].astype(bool) & fields["traffic"].astype(bool))
    steps.update()

    personal_unknown = _personal_unknown(v, unknown)
    if personal_unknown:
        logger.info("columns moved to the protected table: %s", personal_unknown)
    flags["personal_column"] = pd.Series(bool(personal_unknown), index=idx)
    cases = pd.DataFrame(
        {
            "decision_no": clean["decision_no"][idx],
            "commuting": commuting,
            "traffic": fields["traffic"].astype(bool) | basis,
            "injured_at": t[idx],
            "time_precision": times["precision"][idx],
            "time_approximate": times["approximate"][idx].astype(bool),
            "injured_at_raw": v["injured_at"].astype(str).str.strip(),
            "employer": clean["employer"][idx],
            "credit_code": clean["credit_code"][idx],
            "industry": clean["industry"][idx],
            "occupation": clean["occupation"][idx],
            "sex": sex,
            "age": age.astype("Int64"),
            "direction": fields["direction"],
            "mode": fields["mode"],
            "counterpart": fields["counterpart"],
            "responsibility": responsibility,
            "responsibility_source": np.where(use_col, "事故责任", "受伤经过"),
            "conclusion": conclusion,
            "injury_basis": clean["injury_basis"][idx],
            "place_text": place_text,
            "place_source": place_source,
            "decided_on": decided["value"][idx],
            "severity": clean["severity"][idx],
            "lon": coords["lon"],
            "lat": coords["lat"],
            "crs": coords["crs"],
            "id_check": id_check,
            "issues": _issues(flags, idx),
            "source_file": v["_file"],
            "source_sheet": v["_sheet"],
            "source_row": v["_row"],
        },
        index=idx,
    )
    for c in unknown:
        if c not in personal_unknown:
            cases[c] = v[c]
    protected = pd.DataFrame(
        {
            "decision_no": cases["decision_no"],
            "worker_name": nfkc(v["worker_name"]),
            "id_number": v["id_number"].astype(str).str.strip(),
            "id_check": id_check,
            "phone": nfkc(v["phone"]),
            "narrative": v["narrative"],
            "source_file": v["_file"],
            "source_row": v["_row"],
            **{c: v[c] for c in personal_unknown},
        },
        index=idx,
    )

    key = _decision_key(cases["decision_no"])
    compare = [c for c in canon if c in v.columns]
    labels = {c.name: c.label for c in schema.columns}
    keep, duplicates = _dedupe(
        v.assign(**{c: clean[c][idx] for c in text_cols}),
        key,
        compare,
        settings.duplicate_rule,
        decided["value"][idx],
        labels,
        personal,
    )
    steps.update()
    steps.close()
    cases = cases.loc[keep].reset_index(drop=True)
    protected = protected.loc[keep].reset_index(drop=True)
    accounting = _account(
        "determinations",
        frame,
        cases,
        rejected,
        duplicates,
        sources,
        primary,
        {k: int(m.loc[keep].sum()) for k, m in flags.items()},
        commuting_traffic=int(cases["commuting"].sum()),
    )
    logger.info("intake: %s", accounting.to_dict() | {"files": len(sources)})
    return IntakeResult(
        "determinations", cases, rejected, duplicates, protected, accounting, tuple(sources)
    )


def _account(
    kind: str,
    frame: pd.DataFrame,
    records: pd.DataFrame,
    rejected: pd.DataFrame,
    duplicates: pd.DataFrame,
    sources: list[SourceFile],
    primary: pd.Series,
    flags: dict[str, int],
    commuting_traffic: int | None = None,
) -> Accounting:
    kinds = duplicates["kind"] if len(duplicates) else pd.Series(dtype=object)
    return Accounting(
        kind=kind,
        read=len(frame),
        records=len(records),
        rejected=len(rejected),
        duplicates=len(duplicates),
        duplicates_identical=int((kinds == "identical").sum()),
        duplicates_conflicting=int((kinds == "conflicting").sum()),
        commuting_traffic=commuting_traffic,
        blank_rows_skipped=sum(s.blank_rows for s in sources),
        rejected_by_reason={str(k): int(n) for k, n in primary.value_counts().items()},
        flagged={k: n for k, n in flags.items() if n},
        files=tuple(s.to_dict() for s in sources),
    )


# --- registers -------------------------------------------------------------------------


def _read_register(
    paths: Sequence[str | Path] | str | Path,
    schema: TableSchema,
    key_cols: list[str],
    settings: Settings | None,
    progress: bool,
) -> IntakeResult:
    settings = settings or Settings()
    frame, sources = _read_all(paths, schema, settings, progress)
    canon = [c.name for c in schema.columns]
    unknown = [c for c in frame.columns if c not in canon and c not in _INTERNAL]
    clean = {c: nfkc(frame[c]) for c in canon if c not in ("lon", "lat", "crs")}
    problems: list[tuple[str, pd.Series]] = [("extra_cells", frame[EXTRA_CELLS].astype(bool))]
    for c in schema.required:
        if c.name == "insured":
            n = pd.to_numeric(clean["insured"].str.replace(",", "", regex=False), errors="coerce")
            problems.append(("insured_invalid", ~(n >= 0) | (n % 1 != 0)))
        else:
            problems.append((f"missing_{c.name}", clean[c.name] == ""))
    primary, others = _first_problem(problems, frame.index)
    rejected = _rejected_frame(frame.assign(**clean), primary, others, key_cols[0], set())
    valid = primary.isna()
    v = frame.loc[valid]
    idx = v.index
    records = pd.DataFrame({c: clean[c][idx] for c in clean}, index=idx)
    coords, flags = _coords(v)
    records[["lon", "lat", "crs"]] = coords
    if "credit_code" in records:
        records["credit_code"] = (
            records["credit_code"].str.replace(r"\s+", "", regex=True).str.upper()
        )
        flags["credit_code_invalid"] = check_credit_codes(records["credit_code"]) == "bad"
    if "insured" in records:
        records["insured"] = pd.to_numeric(
            records["insured"].str.replace(",", "", regex=False)
        ).astype("Int64")
    if schema is CAMPAIGN_COLUMNS:
        known = records["kind"].isin(CAMPAIGN_KINDS)
        flags["kind_unknown"] = ~known
        records["kind"] = records["kind"].where(known, "其他")
        records["size"] = pd.to_numeric(
            records["size"].str.replace(",", "", regex=False), errors="coerce"
        )
    personal_unknown = _personal_unknown(v, unknown)
    flags["personal_column"] = pd.Series(bool(personal_unknown), index=idx)
    for c in unknown:
        if c not in personal_unknown:
            records[c] = v[c]
    records["issues"] = _issues(flags, idx)
    records["source_file"] = v["_file"]
    records["source_row"] = v["_row"]
    key = records[key_cols].astype(str).agg("|".join, axis=1).str.upper()
    compare = [c for c in canon if c in v.columns]
    keep, duplicates = _dedupe(
        v.assign(**{c: clean[c][idx] for c in clean}),
        key,
        compare,
        "last_in_input",
        None,
        {c.name: c.label for c in schema.columns},
        set(),
    )
    records = records.loc[keep].reset_index(drop=True)
    accounting = _account(
        schema.kind,
        frame,
        records,
        rejected,
        duplicates,
        sources,
        primary,
        {k: int(m.loc[keep].sum()) for k, m in flags.items()},
    )
    return IntakeResult(
        schema.kind, records, rejected, duplicates, pd.DataFrame(), accounting, tuple(sources)
    )


def read_enterprises(
    paths: Sequence[str | Path] | str | Path,
    *,
    settings: Settings | None = None,
    progress: bool = False,
) -> IntakeResult:
    """Read the enterprise register (统一社会信用代码, 单位名称, 参保人数, …).

    Rows without a credit code, a name or a non-negative whole insured headcount are
    rejected. Rows with the same credit code collapse (identical) or the later one in the
    input wins (conflicting; reported in ``duplicates``).

    Returns
    -------
    IntakeResult
        ``records`` has ``credit_code``, ``name``, ``industry``, ``address``, ``lon``,
        ``lat``, ``crs``, ``insured``, ``district``, ``issues`` and the source columns.
    """
    return _read_register(paths, ENTERPRISE_COLUMNS, ["credit_code"], settings, progress)


def read_campaign_candidates(
    paths: Sequence[str | Path] | str | Path,
    *,
    settings: Settings | None = None,
    progress: bool = False,
) -> IntakeResult:
    """Read campaign candidates (名称, 类型, 地址, 经度, 纬度, 坐标系, 规模).

    Kinds outside 大型社区 / 工业园区 / CBD / 学校 / 其他 become 其他 and are flagged.
    Rows with the same name and kind collapse, the later one winning.

    Returns
    -------
    IntakeResult
        ``records`` has ``name``, ``kind``, ``address``, ``lon``, ``lat``, ``crs``,
        ``size``, ``issues`` and the source columns.
    """
    return _read_register(paths, CAMPAIGN_COLUMNS, ["name", "kind"], settings, progress)
