"""Take in determination exports, enterprise registers and campaign candidates.

Every input row ends as exactly one of: a **case** (a record), a **rejected** row (file,
row number, column, reason) or a **duplicate** (with the row it duplicates and the rule
that chose between them). Personal data is split off into a protected table at the
door. Fully blank rows are skipped and counted separately (they carry nothing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from . import narrative as _narrative
from ._accounting import BOOKKEEPING_COLUMNS, Accounting, IntakeResult, account
from ._ledgers import read_contributions, read_payouts
from ._rows import (
    INTERNAL,
    decision_key,
    dedupe,
    first_problem,
    issues_column,
    parse_coords,
    personal_unknown_columns,
    read_all,
    rejected_rows,
)
from ._tables import EXTRA_CELLS, ID_AS_NUMBER
from ._vector import map_unique, nfkc
from .privacy import (
    ID_CHECKS,
    Redactor,
    check_credit_codes,
    check_id_numbers,
    id_birth_dates,
    id_sexes,
)
from .schema import (
    CAMPAIGN_COLUMNS,
    CAMPAIGN_KINDS,
    DETERMINATION_COLUMNS,
    ENTERPRISE_COLUMNS,
    MEASURE_COLUMNS,
    MEASURE_KINDS,
    PERSONAL_COLUMNS,
    TableSchema,
)
from .settings import Settings
from .timeparse import parse_times

__all__ = [
    "CASE_TEXT_COLUMNS",
    "REGISTER_TEXT_COLUMNS",
    "Accounting",
    "IntakeResult",
    "read_campaign_candidates",
    "read_contributions",
    "read_determinations",
    "read_enterprises",
    "read_measures",
    "read_payouts",
]

logger = logging.getLogger(__name__)


#: Free text of the cases that intake redacts (:class:`~trafficprev.privacy.Redactor`: ID
#: numbers, phones, plates and decision numbers by their shape, and the worker names, ID
#: numbers and phones of the whole batch): what a clerk types that stays in ``cases.csv``,
#: ``cases.gpkg`` and the review queue. Unknown columns kept in the cases are redacted too.
#: Never touched: the keys (``decision_no``, ``credit_code``) and the columns intake derives
#: itself (direction, mode, counterpart, responsibility, conclusion, times, codes).
CASE_TEXT_COLUMNS: tuple[str, ...] = (
    "place_text",
    "narrative_place",
    "employer",
    "industry",
    "occupation",
    "injury_basis",
    "severity",
    "injured_at_raw",
)
#: Free text of the registers that intake redacts by shape (names are not known there):
#: the enterprise register's name and address, a campaign candidate's name and address, a
#: measure's target; also industry and district.
REGISTER_TEXT_COLUMNS: tuple[str, ...] = ("name", "address", "target", "industry", "district")
# bookkeeping and keys of the rejected and duplicates tables: never redacted
_ROW_KEYS = BOOKKEEPING_COLUMNS | {"key", "decision_no", "credit_code", "lon", "lat", "crs"}


def _batch_redactor(frame: pd.DataFrame) -> Redactor:
    """The redactor of one batch: shapes, and every row's worker name, ID number and phone
    (rejected and duplicate rows included: a name is personal wherever it is typed)."""

    def distinct(col: str) -> list[str]:
        if col not in frame.columns:
            return []
        return pd.unique(frame[col].dropna().astype(str)).tolist()  # NFKC: the redactor's

    return Redactor(
        names=distinct("worker_name"), numbers=distinct("id_number") + distinct("phone")
    )


def _redact_rows(
    redact: Redactor, rejected: pd.DataFrame, duplicates: pd.DataFrame, keep: frozenset[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rejected and duplicates tables with their values redacted, except columns `keep`
    (bookkeeping and keys)."""
    return (
        redact.frame(rejected, skip=keep) if len(rejected) else rejected,
        redact.frame(duplicates, skip=keep) if len(duplicates) else duplicates,
    )


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


class _Steps:
    """Wall time per intake step (for manifests and benchmarks) and a progress bar."""

    def __init__(self, progress: bool) -> None:
        self.bar = tqdm(total=5, desc="工伤认定 intake", unit="step", disable=not progress)
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._t, 4)
        self._t = now
        self.bar.update()
        if len(self.timings) == self.bar.total:
            self.bar.close()


#: The text columns of a determination that are cleaned (NFKC) before anything else.
_TEXT_COLUMNS = (
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
)


def _clean_texts(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The text columns NFKC-normalised; no blanks in employer names and credit codes,
    credit codes in upper case."""
    clean = {c: nfkc(frame[c]) for c in _TEXT_COLUMNS}
    clean["employer"] = clean["employer"].str.replace(r"\s+", "", regex=True)
    clean["credit_code"] = clean["credit_code"].str.replace(r"\s+", "", regex=True).str.upper()
    return clean


def _row_problems(
    frame: pd.DataFrame,
    clean: dict[str, pd.Series],
    times: pd.DataFrame,
    decided: pd.Series,
    settings: Settings,
) -> list[tuple[str, pd.Series]]:
    """The reasons a determination row is rejected, most important first, as masks."""
    t = times["value"]
    today_end = pd.Timestamp(settings.today) + pd.Timedelta(days=1)
    err = times["error"]
    return [
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
        ("time_after_decision", t.dt.normalize() > decided),
    ]


def _sex_and_age(
    v: pd.DataFrame,
    clean: dict[str, pd.Series],
    births: pd.DataFrame,
    t: pd.Series,
    id_check: pd.Series,
    flags: dict[str, pd.Series],
) -> tuple[pd.Series, pd.Series]:
    """Sex and age of the valid rows `v` (injured at `t`): the typed ones, else from the ID
    number (and the birth date); a typed value that is not one is flagged in `flags`."""
    idx = v.index
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
    age_from_birth = ((t - birth).dt.days / 365.2425).floordiv(1)
    age = age_col.fillna(age_from_birth.where(age_from_birth.between(14, 100)))
    return sex, age


def _checked_fields(
    v: pd.DataFrame,
    clean: dict[str, pd.Series],
    parsed: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    sources: list,
) -> tuple[dict[str, pd.Series], pd.DataFrame, dict[str, pd.Series]]:
    """The checked fields of the valid rows `v` and the data-quality flags.

    Returns
    -------
    person : dict
        ``sex``, ``age`` and ``id_check`` (of the ID number).
    coords : pandas.DataFrame
        ``lon``, ``lat``, ``crs`` of coordinates typed in the rows.
    flags : dict
        Flag -> mask, in the order of the ``issues`` column.
    """
    times, decided, births = parsed
    idx = v.index
    id_check = check_id_numbers(v["id_number"], stored_as_number=v[ID_AS_NUMBER])
    # ID problems are flagged only when some file has an ID column at all
    has_id = any("id_number" in src.columns.values() for src in sources)
    flags: dict[str, pd.Series] = {
        f"id_{k}": id_check == k for k in ID_CHECKS if k != "ok" and has_id
    }
    sex, age = _sex_and_age(v, clean, births, times["value"][idx], id_check, flags)
    flags["decided_on_invalid"] = decided["error"][idx].notna() & (decided["error"][idx] != "empty")
    coords, coord_flags = parse_coords(v)
    flags.update(coord_flags)
    credit = check_credit_codes(clean["credit_code"][idx])
    flags["credit_code_invalid"] = credit == "bad"
    flags["time_approximate"] = times["approximate"][idx].astype(bool)
    return {"sex": sex, "age": age, "id_check": id_check}, coords, flags


def _narrative_columns(v: pd.DataFrame, clean: dict[str, pd.Series]) -> dict[str, Any]:
    """The case columns read from the narrative 受伤经过 of the valid rows `v`, the typed
    columns (事故责任, 认定结论, 受伤地点, 认定依据) winning where they say something; with
    the injury kind, occupational disease and death of each case, which need the narrative
    (:func:`~trafficprev.narrative.injury_kind_columns`)."""
    idx = v.index
    fields = _narrative.extract_fields(v["narrative"], v["worker_name"])
    resp_col = map_unique(clean["responsibility"][idx], _narrative.normalize_responsibility)
    use_col = resp_col != "未认定"
    concl_col = map_unique(clean["conclusion"][idx], _narrative.normalize_conclusion)
    basis = map_unique(clean["injury_basis"][idx], _narrative.is_commuting_basis).astype(bool)
    place = nfkc(v["place"])
    place_text = place.where(place != "", fields["place_phrase"].fillna(""))
    place_source = pd.Series(
        np.where(place != "", "受伤地点", np.where(place_text != "", "受伤经过", "")),
        index=idx,
        dtype=object,
    )
    commuting = basis | (fields["commute"].astype(bool) & fields["traffic"].astype(bool))
    traffic = fields["traffic"].astype(bool) | basis
    conclusion = concl_col.where(concl_col != "未知", fields["conclusion"])
    injury = _narrative.injury_kind_columns(
        v["narrative"],
        basis=clean["injury_basis"][idx],
        conclusion=conclusion,
        conclusion_cell=clean["conclusion"][idx],
        severity=clean["severity"][idx],
        commuting=commuting,
        traffic=traffic,
    )
    return {
        "commuting": commuting,
        "traffic": traffic,
        "direction": fields["direction"],
        "heading": fields["heading"].where(
            fields["heading"] != "", map_unique(place_text, _narrative.heading_of)
        ),
        "mode": fields["mode"],
        "counterpart": fields["counterpart"],
        "responsibility": resp_col.where(use_col, fields["responsibility"]),
        "responsibility_source": np.where(use_col, "事故责任", "受伤经过"),
        "conclusion": conclusion,
        "injury_kind": injury["injury_kind"],
        "occupational_disease": injury["occupational_disease"],
        "death": injury["death"],
        "place_text": place_text,
        "place_source": place_source,
        "narrative_place": fields["place_phrase"].fillna(""),
    }


def _case_table(
    v: pd.DataFrame,
    clean: dict[str, pd.Series],
    parsed: tuple[pd.DataFrame, pd.DataFrame],
    nar: dict[str, Any],
    person: dict[str, pd.Series],
    coords: pd.DataFrame,
    flags: dict[str, pd.Series],
) -> pd.DataFrame:
    """The cases table of the valid rows `v`, columns in their published order (before the
    kept unknown columns are added)."""
    idx = v.index
    times, decided = parsed
    return pd.DataFrame(
        {
            "decision_no": clean["decision_no"][idx],
            "commuting": nar["commuting"],
            "traffic": nar["traffic"],
            "injured_at": times["value"][idx],
            "time_precision": times["precision"][idx],
            "time_approximate": times["approximate"][idx].astype(bool),
            "injured_at_raw": v["injured_at"].astype(str).str.strip(),
            "employer": clean["employer"][idx],
            "credit_code": clean["credit_code"][idx],
            "industry": clean["industry"][idx],
            "occupation": clean["occupation"][idx],
            "sex": person["sex"],
            "age": person["age"].astype("Int64"),
            "direction": nar["direction"],
            "heading": nar["heading"],
            "mode": nar["mode"],
            "counterpart": nar["counterpart"],
            "responsibility": nar["responsibility"],
            "responsibility_source": nar["responsibility_source"],
            "conclusion": nar["conclusion"],
            "injury_basis": clean["injury_basis"][idx],
            "injury_kind": nar["injury_kind"],
            "occupational_disease": nar["occupational_disease"],
            "place_text": nar["place_text"],
            "place_source": nar["place_source"],
            "narrative_place": nar["narrative_place"],
            "decided_on": decided["value"][idx],
            "severity": clean["severity"][idx],
            "death": nar["death"],
            "lon": coords["lon"],
            "lat": coords["lat"],
            "crs": coords["crs"],
            "id_check": person["id_check"],
            "issues": issues_column(flags, idx),
            "source_file": v["_file"],
            "source_sheet": v["_sheet"],
            "source_row": v["_row"],
        },
        index=idx,
    )


def _protected_table(
    decision_no: pd.Series, v: pd.DataFrame, id_check: pd.Series, personal_unknown: list[str]
) -> pd.DataFrame:
    """The protected table of the valid rows `v`: the personal data, kept apart."""
    return pd.DataFrame(
        {
            "decision_no": decision_no,
            "worker_name": nfkc(v["worker_name"]),
            "id_number": v["id_number"].astype(str).str.strip(),
            "id_check": id_check,
            "phone": nfkc(v["phone"]),
            "narrative": v["narrative"],
            "source_file": v["_file"],
            "source_row": v["_row"],
            **{c: v[c] for c in personal_unknown},
        },
        index=v.index,
    )


def _accounting(
    frame: pd.DataFrame,
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    sources: list,
    primary: pd.Series,
    flagged: dict[str, int],
) -> Accounting:
    """The accounting of a determinations intake: every row read is a case, rejected or a
    duplicate; the flags counted on the cases kept."""
    cases, rejected, duplicates = tables
    return account(
        "determinations",
        frame,
        cases,
        rejected,
        duplicates,
        sources,
        primary,
        flagged,
        commuting_traffic=int(cases["commuting"].sum()),
    )


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
    steps = _Steps(progress)
    frame, sources = read_all(paths, schema, settings, progress)
    steps.done("read")
    canon = [c.name for c in schema.columns]
    unknown = [c for c in frame.columns if c not in canon and c not in INTERNAL]
    clean = _clean_texts(frame)
    times = parse_times(frame["injured_at"])
    decided = parse_times(frame["decided_on"])
    births = parse_times(frame["birth_date"])
    steps.done("clean_and_parse_times")
    problems = _row_problems(frame, clean, times, decided["value"], settings)
    primary, others = first_problem(problems, frame.index)
    # anything the parser reports that the list above does not name is still a rejection
    primary[times["error"].notna() & primary.isna()] = "time_unparseable"
    personal = set(PERSONAL_COLUMNS) | {"narrative"}
    rejected = rejected_rows(frame.assign(**clean), primary, others, "decision_no", personal)
    valid = primary.isna()
    # --- derived fields on valid rows --------------------------------------------------
    v = frame.loc[valid]
    idx = v.index
    person, coords, flags = _checked_fields(v, clean, (times, decided, births), sources)
    id_check = person["id_check"]
    steps.done("validate")
    nar = _narrative_columns(v, clean)
    steps.done("narrative")
    personal_unknown = personal_unknown_columns(v, unknown)
    if personal_unknown:
        logger.info("columns moved to the protected table: %s", personal_unknown)
    flags["personal_column"] = pd.Series(bool(personal_unknown), index=idx)
    cases = _case_table(v, clean, (times, decided), nar, person, coords, flags)
    kept = [c for c in unknown if c not in personal_unknown]
    for c in kept:
        cases[c] = v[c]
    # personal data typed into the place, the employer or any other kept text goes here
    redact = _batch_redactor(frame)
    cases = redact.frame(cases, [*CASE_TEXT_COLUMNS, *kept])
    protected = _protected_table(cases["decision_no"], v, id_check, personal_unknown)
    keep, duplicates = dedupe(
        v.assign(**{c: clean[c][idx] for c in _TEXT_COLUMNS}),
        decision_key(cases["decision_no"]),
        [c for c in canon if c in v.columns],
        settings.duplicate_rule,
        decided["value"][idx],
        {c.name: c.label for c in schema.columns},
        personal,
    )
    cases = cases.loc[keep].reset_index(drop=True)
    protected = protected.loc[keep].reset_index(drop=True)
    rejected, duplicates = _redact_rows(redact, rejected, duplicates, _ROW_KEYS)
    flagged = {k: int(m.loc[keep].sum()) for k, m in flags.items()}
    accounting = _accounting(frame, (cases, rejected, duplicates), sources, primary, flagged)
    steps.done("assemble_and_dedupe")
    logger.info("intake: %s; seconds per step %s", accounting.to_dict(), steps.timings)
    return IntakeResult(
        "determinations",
        cases,
        rejected,
        duplicates,
        protected,
        accounting,
        tuple(sources),
        steps.timings,
    )


def _read_register(
    paths: Sequence[str | Path] | str | Path,
    schema: TableSchema,
    key_cols: list[str],
    settings: Settings | None,
    progress: bool,
) -> IntakeResult:
    settings = settings or Settings()
    frame, sources = read_all(paths, schema, settings, progress)
    canon = [c.name for c in schema.columns]
    unknown = [c for c in frame.columns if c not in canon and c not in INTERNAL]
    clean = {c: nfkc(frame[c]) for c in canon if c not in ("lon", "lat", "crs")}
    problems: list[tuple[str, pd.Series]] = [("extra_cells", frame[EXTRA_CELLS].astype(bool))]
    dates = None
    if schema is MEASURE_COLUMNS:
        dates = parse_times(frame["implemented_on"])
        problems.append(("date_empty", clean["implemented_on"] == ""))
        problems.append(("date_invalid", dates["error"].notna() & (clean["implemented_on"] != "")))
        no_point = (
            pd.to_numeric(frame["lon"], errors="coerce").isna()
            | pd.to_numeric(frame["lat"], errors="coerce").isna()
        )
        problems.append(("target_and_point_missing", (clean["target"] == "") & no_point))
    for c in schema.required:
        if c.name == "implemented_on":
            continue
        if c.name == "insured":
            n = pd.to_numeric(clean["insured"].str.replace(",", "", regex=False), errors="coerce")
            problems.append(("insured_invalid", ~(n >= 0) | (n % 1 != 0)))
        else:
            problems.append((f"missing_{c.name}", clean[c.name] == ""))
    primary, others = first_problem(problems, frame.index)
    rejected = rejected_rows(frame.assign(**clean), primary, others, key_cols[0], set())
    valid = primary.isna()
    v = frame.loc[valid]
    idx = v.index
    records = pd.DataFrame({c: clean[c][idx] for c in clean}, index=idx)
    coords, flags = parse_coords(v)
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
    if schema is MEASURE_COLUMNS:
        known = records["kind"].isin(MEASURE_KINDS)
        flags["kind_unknown"] = ~known
        records["kind"] = records["kind"].where(known, "其他")
        records["implemented_on"] = pd.to_datetime(dates["value"][idx]).dt.normalize()
    personal_unknown = personal_unknown_columns(v, unknown)
    flags["personal_column"] = pd.Series(bool(personal_unknown), index=idx)
    for c in unknown:
        if c not in personal_unknown:
            records[c] = v[c]
    records["issues"] = issues_column(flags, idx)
    records["source_file"] = v["_file"]
    records["source_row"] = v["_row"]
    key = records[key_cols].astype(str).fillna("").agg("|".join, axis=1).str.upper()
    compare = [c for c in canon if c in v.columns]
    keep, duplicates = dedupe(
        v.assign(**{c: clean[c][idx] for c in clean}),
        key,
        compare,
        "last_in_input",
        None,
        {c.name: c.label for c in schema.columns},
        set(),
    )
    records = records.loc[keep].reset_index(drop=True)
    # an ID number or phone typed into a name, an address or a target goes here (by shape)
    redact = Redactor()
    records = redact.frame(records, [*REGISTER_TEXT_COLUMNS, *(c for c in unknown if c in records)])
    # a register's key is a name or a target (a credit code has no personal shape)
    rejected, duplicates = _redact_rows(redact, rejected, duplicates, _ROW_KEYS - {"key"})
    accounting = account(
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


def read_measures(
    paths: Sequence[str | Path] | str | Path,
    *,
    settings: Settings | None = None,
    progress: bool = False,
) -> IntakeResult:
    """Read existing prevention measures (类型, 道路或单位, 经度, 纬度, 坐标系, 实施日期).

    Used to evaluate what was done (:func:`trafficprev.trends.evaluate_measures`). Kinds
    outside 警示标志 / 设施 / 宣传 / 培训 become 其他 and are flagged. Rows without a kind, with
    an empty or unreadable date, or with neither a road/unit nor a point are rejected with
    the reason. Rows with the same kind, target, date and point collapse, the later one
    winning.

    Returns
    -------
    IntakeResult
        ``records`` has ``kind``, ``target``, ``lon``, ``lat`` (WGS-84), ``crs``,
        ``implemented_on`` (datetime64, midnight), ``issues`` and the source columns.
    """
    key = ["kind", "target", "implemented_on", "lon", "lat"]
    return _read_register(paths, MEASURE_COLUMNS, key, settings, progress)
