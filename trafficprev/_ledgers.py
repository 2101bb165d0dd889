"""Take in the two ledgers of the precision project: the contributions (工伤保险缴费台账) and
the fund's payouts (工伤保险待遇支付台账).

They are read like the determination exports and the registers (:func:`read_all`: ``.xlsx``,
``.xls`` or ``.csv`` in UTF-8 with or without BOM or GB18030, title rows above the header,
header aliases of :data:`~trafficprev.schema.CONTRIBUTION_COLUMNS` and
:data:`~trafficprev.schema.PAYOUT_COLUMNS`), and every input row ends as exactly one of: a
record, a rejected row (with its reason, :data:`LEDGER_REASONS`) or a duplicate (with the row
kept and the rule). A file that cannot be read or lacks a required column raises one error
naming the file (:class:`~trafficprev.InputFileNotFoundError`,
:class:`~trafficprev.FileFormatError`, :class:`~trafficprev.SchemaError`).

Personal data does not pass the door: the payouts' 职工姓名, 身份证号码, 联系电话 and 银行账号
columns, and unknown columns whose header or values look personal, are dropped before any
table is built (they are only compared, as a hash, to tell two payments apart); an ID or
phone number typed into a kept text cell is replaced by a placeholder
(:class:`~trafficprev.privacy.Redactor`). Text is data: a cell starting with ``=``, ``+``,
``-`` or ``@`` and HTML or template text stay as they were typed (formulas are neutralised
when a table is written, :func:`~trafficprev._accounting.to_csv`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._accounting import BOOKKEEPING_COLUMNS, FLAGS, REASONS, IntakeResult, account
from ._errors import SchemaError
from ._rows import (
    INTERNAL,
    decision_key,
    dedupe,
    first_problem,
    issues_column,
    personal_unknown_columns,
    read_all,
)
from ._tables import EXTRA_CELLS, SourceFile
from ._vector import map_unique, nfkc
from .privacy import PersonalValues, Redactor, check_credit_codes
from .schema import CONTRIBUTION_COLUMNS, PAYOUT_COLUMNS, TableSchema
from .settings import Settings
from .timeparse import parse_times

__all__ = [
    "LEDGER_FLAGS",
    "LEDGER_REASONS",
    "RISK_CLASSES",
    "normalize_risk_classes",
    "parse_amounts",
    "read_contributions",
    "read_payouts",
]

#: The eight industry risk classes of the work-injury premium rates (行业风险类别).
RISK_CLASSES: tuple[str, ...] = ("一类", "二类", "三类", "四类", "五类", "六类", "七类", "八类")

#: Why a ledger row is rejected: code -> (the column, as the rejected table names it, and
#: the message in Chinese / English). Codes shared with the other intake tables
#: (``extra_cells``, ``missing_credit_code``) mean the same there.
LEDGER_REASONS: dict[str, tuple[str, str]] = {
    code: REASONS[code]
    for code in (
        "extra_cells",
        "missing_credit_code",
        "year_missing",
        "year_invalid",
        "insured_not_number",
        "paid_not_number",
        "amount_not_number",
        "date_and_year_missing",
        "paid_on_invalid",
        "paid_on_out_of_range",
    )
}

#: The column whose value the rejected table shows, by reason code.
_REASON_COLUMN: dict[str, str | None] = {
    "extra_cells": None,
    "missing_credit_code": "credit_code",
    "year_missing": "year",
    "year_invalid": "year",
    "insured_not_number": "insured",
    "paid_not_number": "paid",
    "amount_not_number": "amount",
    "date_and_year_missing": "paid_on",
    "paid_on_invalid": "paid_on",
    "paid_on_out_of_range": "paid_on",
}

#: Data-quality flags of kept ledger rows (the ``issues`` column): code -> message.
LEDGER_FLAGS: dict[str, str] = {
    **{
        code: FLAGS[code]
        for code in (
            "credit_code_invalid",
            "wage_bill_invalid",
            "due_invalid",
            "risk_class_unknown",
            "negative_amount",
            "paid_on_invalid",
            "year_date_mismatch",
        )
    },
    "personal_column": "未知列含个人信息，已删除 / unknown column with personal data dropped",
}

#: Keys: only an ID or phone number (or a worker name of the batch) typed into them is
#: replaced, not the other shapes (a decision number is one); a credit code only when it fails
#: its check: a valid one is never touched.
_KEYS = ("credit_code", "decision_no", "payment_id", "key")
_KEY_KINDS = ("id_number", "phone", "name")
#: Compared (as a hash) to tell payments apart, never kept: the personal columns' values.
_PERSON = "_person"


# --------------------------------------------------------------------------- cell parsers

_CURRENCY_HEAD = re.compile(r"^(?:¥|RMB|CNY|人民币)")
_CURRENCY_TAIL = re.compile(r"(?:元整|元|圆|RMB|CNY)$")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+|(?=\.\d))(?:\.\d*)?(?:E[+-]?\d+)?$")


def _amount(text: str | None) -> float:
    """One NFKC-clean cell as a number of yuan, NaN when it is not one."""
    s = re.sub(r"\s+", "", text or "").upper().replace("\u2212", "-")
    negative = s.startswith("(") and s.endswith(")")
    if negative:
        s = s[1:-1]
    sign = ""
    if s[:1] in "+-" and s:
        sign, s = s[0], s[1:]
    s = _CURRENCY_TAIL.sub("", _CURRENCY_HEAD.sub("", s))
    scale = 1.0
    if s.endswith("万"):
        s, scale = s[:-1], 1e4
    if s[:1] in "+-" and s and not sign:  # ¥-1,200
        sign, s = s[0], s[1:]
    if not s or _NUMBER.match(s) is None or (negative and sign):
        return float("nan")
    value = float(s.replace(",", "")) * scale * (-1.0 if negative or sign == "-" else 1.0)
    return value if np.isfinite(value) else float("nan")


def parse_amounts(values: pd.Series) -> pd.Series:
    """Numbers of a ledger column (yuan, headcounts); NaN where a cell is not a number.

    Read: thousands separators (``1,234.50``), a leading ``¥``/``￥``/``RMB``/``人民币``, a
    trailing ``元``, ``万``/``万元`` (× 10,000), full-width digits, a sign (``−`` too), an
    accounting negative in brackets (``(1,200.00)``), Excel number cells and exponents. Not
    read (NaN): empty cells, words, ``1,2`` (a comma that does not group thousands),
    infinities.

    Examples
    --------
    >>> parse_amounts(pd.Series(["¥1,234.50", "１２００元", "1.5万", "(300)", "1,2", ""])).tolist()
    [1234.5, 1200.0, 15000.0, -300.0, nan, nan]
    """
    return map_unique(nfkc(values), _amount, dtype=float)


_RISK_WORDS = re.compile(r"行业|风险|类别|类型|等级|档次|费率|[:：()（）\-]")
_RISK = re.compile(
    r"^第?(?P<n>[1-8]|[一二三四五六七八]|VIII|VII|VI|IV|V|III|II|I)(?:\.0+)?(?:类|档|级)?$"
)
_RISK_NUMBER = {
    **{str(i): i for i in range(1, 9)},
    **{ch: i for i, ch in enumerate("一二三四五六七八", start=1)},
    **{r: i for i, r in enumerate(("I", "II", "III", "IV", "V", "VI", "VII", "VIII"), start=1)},
}


def _risk_class(text: str | None) -> str | None:
    """一类..八类 of one NFKC-clean cell; None when it is not a class."""
    s = _RISK_WORDS.sub("", re.sub(r"\s+", "", text or "").upper())
    m = _RISK.match(s)
    return RISK_CLASSES[_RISK_NUMBER[m.group("n")] - 1] if m else None


def normalize_risk_classes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Industry risk classes as ``"一类"`` .. ``"八类"``, and which given cells are not one.

    Read: ``1`` .. ``8``, ``一类``, ``第一类``, ``Ⅰ类``/``I类``/``Ⅰ``, ``一类行业``,
    ``风险类别：二类``, ``三档``. Anything else is kept as written (NFKC, stripped) and marked
    unknown; an empty cell stays ``""`` and is not unknown.

    Returns
    -------
    classes : pandas.Series
        The class, or the text as written.
    unknown : pandas.Series
        True where a non-empty cell is not a class.

    Examples
    --------
    >>> classes, unknown = normalize_risk_classes(
    ...     pd.Series(["1", "第二类", "Ⅲ类", "四类行业", "高危", ""]))
    >>> classes.tolist(), unknown.tolist()
    (['一类', '二类', '三类', '四类', '高危', ''], [False, False, False, False, True, False])
    """
    text = nfkc(values)
    classes = map_unique(text, _risk_class)
    unknown = (text != "") & classes.isna()
    return classes.where(classes.notna(), text).astype(object), unknown


_YEAR = re.compile(r"^(\d{4})(?:\.0+)?(?:年度|年)?$")


def _years(text: pd.Series, settings: Settings) -> tuple[pd.Series, pd.Series]:
    """Whole years of NFKC-clean cells (NaN when not one) and whether each is in
    ``settings.min_injury_year .. settings.today.year``."""

    def one(s: str | None) -> float:
        m = _YEAR.match(s or "")
        return float(m.group(1)) if m else float("nan")

    year = map_unique(text, one, dtype=float)
    return year, year.between(settings.min_injury_year, settings.today.year)


def _credit_codes(text: pd.Series) -> pd.Series:
    """Credit codes (and payment ids) without blanks, upper case."""
    return text.str.replace(r"\s+", "", regex=True).str.upper()


# --------------------------------------------------------------------------- shared steps


def _read(
    paths: Sequence[str | Path] | str | Path,
    schema: TableSchema,
    settings: Settings,
    progress: bool,
) -> tuple[pd.DataFrame, list[SourceFile], list[str]]:
    """The rows of every file (text cells), what was read, and the unknown columns."""
    frame, sources = read_all(paths, schema, settings, progress)
    canon = {c.name for c in schema.columns}
    unknown = [c for c in frame.columns if c not in canon and c not in INTERNAL]
    return frame, sources, unknown


def _rejected(
    frame: pd.DataFrame, primary: pd.Series, others: pd.Series, key: pd.Series
) -> pd.DataFrame:
    """One line per rejected row (the columns of the other intake tables' rejected rows):
    where it is, its credit code, the failing column and its value, the reason and the
    row's further problems."""
    bad = primary.notna()
    rows = frame.loc[bad]
    codes = primary[bad]
    values = [
        "" if _REASON_COLUMN[code] is None else str(frame.at[i, _REASON_COLUMN[code]])[:200]
        for i, code in codes.items()
    ]
    return pd.DataFrame(
        {
            "source_file": rows["_file"].to_numpy(),
            "source_sheet": rows["_sheet"].to_numpy(),
            "row_number": rows["_row"].to_numpy(),
            "key": key[bad].to_numpy(),
            "column": [LEDGER_REASONS[c][0] for c in codes],
            "value": values,
            "reason_code": codes.to_numpy(),
            "reason": [LEDGER_REASONS[c][1] for c in codes],
            "other_problems": others[bad].to_numpy(),
        }
    )


def _redact_keys(table: pd.DataFrame, redact: Redactor) -> pd.DataFrame:
    """`table` with its key columns redacted by `redact` (a credit code only when it fails
    its check)."""
    out = table.copy()
    for col in _KEYS:
        if col not in out.columns or not len(out):
            continue
        values = out[col].astype(str)
        redacted = redact.series(values)
        if col == "credit_code":
            redacted = redacted.where(check_credit_codes(values) == "bad", values)
        out[col] = redacted
    return out


def _redacted(
    table: pd.DataFrame, redact: tuple[Redactor, Redactor], text: Sequence[str] | None
) -> pd.DataFrame:
    """`table` redacted: the columns `text` (every text column but the bookkeeping and the
    keys when None) by the first redactor of `redact`, the keys by the second
    (:func:`_redact_keys`)."""
    if not len(table):
        return table
    skip = BOOKKEEPING_COLUMNS | set(_KEYS)
    return _redact_keys(redact[0].frame(table, text, skip=skip), redact[1])


def _finish(
    kind: str,
    read: tuple[pd.DataFrame, list[SourceFile], pd.Series],
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    keep: pd.Series,
    flags: dict[str, pd.Series],
    text: Sequence[str],
    redact: tuple[Redactor, Redactor],
) -> IntakeResult:
    """The result: records kept by `keep` (columns `text` and the keys redacted by the text
    and the key redactor of `redact`), the rejected and duplicates tables redacted, the
    accounting (flags counted on the records kept)."""
    frame, sources, primary = read
    records, rejected, duplicates = tables
    records = _redacted(records.loc[keep].reset_index(drop=True), redact, text)
    rejected = _redacted(rejected, redact, None)
    duplicates = _redacted(duplicates, redact, None)
    flagged = {k: int(m.loc[keep[keep].index].sum()) for k, m in flags.items()}
    accounting = account(kind, frame, records, rejected, duplicates, sources, primary, flagged)
    return IntakeResult(
        kind, records, rejected, duplicates, pd.DataFrame(), accounting, tuple(sources)
    )


def _unknown_kept(
    frame: pd.DataFrame, unknown: list[str]
) -> tuple[list[str], list[str], pd.Series]:
    """Unknown columns kept and dropped as personal, and the ``personal_column`` flag."""
    personal = personal_unknown_columns(frame, unknown)
    kept = [c for c in unknown if c not in personal]
    return kept, personal, pd.Series(bool(personal), index=frame.index)


def _meta(v: pd.DataFrame) -> dict[str, pd.Series]:
    return {"source_file": v["_file"], "source_sheet": v["_sheet"], "source_row": v["_row"]}


def _number_text(x: float) -> str:
    return "" if np.isnan(x) else f"{x:.15g}"


def _comparable(records: pd.DataFrame, v: pd.DataFrame) -> pd.DataFrame:
    """The records as text, as the duplicate rules compare and the duplicates table shows
    them (numbers to 15 significant digits, days as ``YYYY-MM-DD``, missing as ``""``), with
    the rows' places ``_file``, ``_sheet``, ``_row`` from `v`."""
    out = {}
    for col, values in records.items():
        if pd.api.types.is_datetime64_any_dtype(values):
            out[col] = values.dt.strftime("%Y-%m-%d").fillna("").astype(object)
        elif pd.api.types.is_float_dtype(values):
            out[col] = values.map(_number_text).astype(object)
        else:
            out[col] = values.fillna("").astype(str).astype(object)
    return pd.DataFrame(out, index=records.index).assign(
        _file=v["_file"], _sheet=v["_sheet"], _row=v["_row"]
    )


# --------------------------------------------------------------------------- contributions


def _contribution_problems(
    frame: pd.DataFrame, clean: dict[str, pd.Series], settings: Settings
) -> tuple[list[tuple[str, pd.Series]], dict[str, pd.Series]]:
    """Reasons to reject each contribution row (masks, most important first) and the parsed
    year, insured and paid columns."""
    year, in_range = _years(clean["year"], settings)
    parsed = {
        "year": year,
        "insured": parse_amounts(clean["insured"]),
        "paid": parse_amounts(clean["paid"]),
    }
    problems = [
        ("extra_cells", frame[EXTRA_CELLS].astype(bool)),
        ("missing_credit_code", clean["credit_code"] == ""),
        ("year_missing", clean["year"] == ""),
        ("year_invalid", (clean["year"] != "") & ~in_range),
        ("insured_not_number", ~(parsed["insured"] >= 0)),
        ("paid_not_number", ~(parsed["paid"] >= 0)),
    ]
    return problems, parsed


def _contribution_records(
    v: pd.DataFrame,
    clean: dict[str, pd.Series],
    parsed: dict[str, pd.Series],
    kept: list[str],
    personal_flag: pd.Series,
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The contribution records of the valid rows `v` (before the issues and source
    columns) and their flags."""
    idx = v.index
    wage_bill = parse_amounts(clean["wage_bill"][idx])
    due = parse_amounts(clean["due"][idx])
    risk, risk_unknown = normalize_risk_classes(clean["risk_class"][idx])
    records = pd.DataFrame(
        {
            "credit_code": clean["credit_code"][idx],
            "name": clean["name"][idx],
            "year": parsed["year"][idx].astype("int64"),
            "insured": parsed["insured"][idx],
            "paid": parsed["paid"][idx],
            "wage_bill": wage_bill,
            "due": due,
            "risk_class": risk,
            **{c: v[c] for c in kept},
        },
        index=idx,
    )
    flags = {
        "credit_code_invalid": check_credit_codes(records["credit_code"]) == "bad",
        "wage_bill_invalid": (clean["wage_bill"][idx] != "") & wage_bill.isna(),
        "due_invalid": (clean["due"][idx] != "") & due.isna(),
        "risk_class_unknown": risk_unknown,
        "personal_column": personal_flag[idx],
    }
    return records, flags


def read_contributions(
    paths: Sequence[str | Path] | str | Path,
    *,
    settings: Settings | None = None,
    progress: bool = False,
) -> IntakeResult:
    """Read the contributions ledger (工伤保险缴费台账): one row per enterprise and year.

    Rules, row by row:

    * **Rejected** (:data:`LEDGER_REASONS`, first reason in this order, the others in
      ``other_problems``): more cells than the header (``extra_cells``), no credit code
      (``missing_credit_code``), no year (``year_missing``), a year that is not a whole number
      in ``settings.min_injury_year`` .. the year of ``settings.today`` (``year_invalid``;
      ``2024``, ``2024年``, ``2024年度`` and the Excel number 2024 are read), an insured
      headcount that is not a number ≥ 0 (``insured_not_number``; a fraction is an average
      and is kept), a paid premium that is not a number ≥ 0 (``paid_not_number``). Amounts
      may carry thousands separators, ``¥`` or ``元``, full-width digits (:func:`parse_amounts`).
    * **Kept, flagged** (:data:`LEDGER_FLAGS`, in ``issues``): a credit code that fails its
      GB 32100 check (``credit_code_invalid``; the code is kept without blanks, in upper
      case), an unreadable 缴费工资总额 or 应缴金额 (``wage_bill_invalid``, ``due_invalid``; NaN),
      a 行业风险类别 that is not one of the eight classes (``risk_class_unknown``; kept as
      written, :func:`normalize_risk_classes`), an unknown column that looks personal
      (``personal_column``; the column is dropped from every row).
    * **Duplicates**: rows with the same credit code and year. Identical rows collapse; when
      they differ, the later row in the input wins (files in the order given, rows in file
      order), as in the enterprise register; the ``duplicates`` table names the kept row and
      the columns that differ.

    Parameters
    ----------
    paths
        One or more ``.xlsx`` / ``.xls`` / ``.csv`` files (UTF-8 with or without BOM, or
        GB18030); title rows above the header and sheets without the header (说明) are
        skipped.
    settings
        Reference date (``today``), earliest year (``min_injury_year``), encodings.
    progress
        Show a progress bar over the files.

    Returns
    -------
    IntakeResult
        Kind ``"contributions"``; ``records`` has ``credit_code`` (str), ``name`` (str,
        ``""`` when absent), ``year`` (int), ``insured`` (float ≥ 0, average insured
        headcount), ``paid`` (float ≥ 0, yuan), ``wage_bill``, ``due`` (float, NaN when
        absent), ``risk_class`` (``"一类"`` .. ``"八类"``, the text as written when unknown,
        ``""`` when absent), the kept unknown columns, ``issues``, ``source_file``,
        ``source_sheet``, ``source_row``. ``protected`` is empty (nothing personal is kept).

    Raises
    ------
    InputFileNotFoundError
        If a file does not exist.
    FileFormatError
        If a file cannot be read or decoded.
    SchemaError
        If a file lacks 统一社会信用代码, 年度, 参保人数 or 实缴金额.
    """
    settings = settings or Settings()
    schema = CONTRIBUTION_COLUMNS
    frame, sources, unknown = _read(paths, schema, settings, progress)
    clean = {c.name: nfkc(frame[c.name]) for c in schema.columns}
    clean["credit_code"] = _credit_codes(clean["credit_code"])
    problems, parsed = _contribution_problems(frame, clean, settings)
    primary, others = first_problem(problems, frame.index)
    rejected = _rejected(frame.assign(**clean), primary, others, clean["credit_code"])
    v = frame.loc[primary.isna()]
    kept, _, personal_flag = _unknown_kept(frame, unknown)
    records, flags = _contribution_records(v, clean, parsed, kept, personal_flag)
    compare = [*records.columns]
    records["issues"] = issues_column(flags, v.index)
    records = records.assign(**_meta(v))
    key = records["credit_code"] + "|" + records["year"].astype(str)
    keep, duplicates = dedupe(
        _comparable(records, v),
        key,
        compare,
        "last_in_input",
        None,
        {c.name: c.label for c in schema.columns},
        set(),
    )
    return _finish(
        schema.kind,
        (frame, sources, primary),
        (records, rejected, duplicates),
        keep,
        flags,
        ["name", "risk_class", *kept],
        (Redactor(), Redactor(kinds=("id_number", "phone"))),
    )


# --------------------------------------------------------------------------- payouts


def _require_date_or_year(sources: list[SourceFile]) -> None:
    """Refuse a sheet that has neither 支付日期 nor 年度 (a payment needs a time)."""
    for src in sources:
        if not {"paid_on", "year"} & set(src.columns.values()):
            where = src.path + (f" (sheet {src.sheet})" if src.sheet else "")
            found = [*src.columns, *src.unknown_columns]
            raise SchemaError(
                f"{where}: missing required column(s) 支付日期 (paid_on) or 年度 (year): a "
                f"payment needs one of them. Headers found in row {src.header_row}: {found}"
            )


def _batch_redactors(frame: pd.DataFrame, schema: TableSchema) -> tuple[Redactor, Redactor]:
    """The redactors of one batch, for text and for keys: shapes, and every value of the
    personal columns (worker names, ID numbers, phones, bank accounts: whatever column a
    value was typed in, it is found by its kind, :class:`~trafficprev.privacy.PersonalValues`),
    rejected rows included: a name is personal wherever it is typed."""
    values = PersonalValues.of(
        v
        for c in schema.columns
        if c.personal
        for v in pd.unique(nfkc(frame[c.name])).tolist()
        if v
    )
    return Redactor(known=values), Redactor(known=values, kinds=_KEY_KINDS)


def _person_hash(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One hash per row of the personal columns `columns` (NFKC): two payments to two
    workers differ, and the values themselves are never kept."""
    text = pd.DataFrame({c: nfkc(frame[c]) for c in columns}, index=frame.index)
    return pd.util.hash_pandas_object(text, index=False).astype(str)


def _payout_problems(
    frame: pd.DataFrame, clean: dict[str, pd.Series], settings: Settings
) -> tuple[list[tuple[str, pd.Series]], dict[str, pd.Series]]:
    """Reasons to reject each payout row (masks, in order), and the parsed ``amount``,
    ``paid_on`` (the day; NaT unless a readable date), ``year``, ``year_typed`` and the
    masks ``date_given``, ``date_ok``, ``year_given``."""
    amount = parse_amounts(clean["amount"])
    times = parse_times(frame["paid_on"])
    year, year_ok = _years(clean["year"], settings)
    date_given = clean["paid_on"] != ""
    date_ok = date_given & times["error"].isna() & times["value"].notna()
    day = times["value"].dt.normalize()
    in_range = (day.dt.year >= settings.min_injury_year) & (day <= pd.Timestamp(settings.today))
    year_given = clean["year"] != ""
    problems = [
        ("extra_cells", frame[EXTRA_CELLS].astype(bool)),
        ("missing_credit_code", clean["credit_code"] == ""),
        ("amount_not_number", amount.isna()),
        ("date_and_year_missing", ~date_given & ~year_given),
        ("paid_on_invalid", date_given & ~date_ok & ~year_ok),
        ("paid_on_out_of_range", date_ok & ~in_range),
        ("year_invalid", ~date_given & year_given & ~year_ok),
    ]
    parsed = {
        "amount": amount,
        "paid_on": day.where(date_ok),
        "year": year.where(~date_ok, day.dt.year),
        "year_typed": year,
        "date_given": date_given,
        "date_ok": date_ok,
        "year_given": year_given,
    }
    return problems, parsed


def _payout_duplicates(
    records: pd.DataFrame, v: pd.DataFrame, person: pd.Series, schema: TableSchema
) -> tuple[pd.Series, pd.DataFrame]:
    """Keep-mask and duplicates table of the payout `records` of the rows `v` (`person`:
    the hash of their personal columns): rows sharing a payment id (identical collapse,
    conflicting: the later wins); rows without one that are identical in every column (the
    personal ones included) and have a date; year-only rows without a payment id are never
    duplicates."""
    compare = [*records.columns, _PERSON]
    labels = {c.name: c.label for c in schema.columns} | {_PERSON: "个人信息列"}
    rec = _comparable(records.assign(**{_PERSON: person}), v)
    keep = pd.Series(True, index=rec.index)
    tables = []
    pid = rec["payment_id"]
    with_id = pid != ""
    dated = ~with_id & (rec["paid_on"] != "")
    content = pd.util.hash_pandas_object(rec.loc[dated, compare], index=False)
    repeated = content[content.duplicated(keep=False)]
    if len(repeated):
        sub = rec.loc[repeated.index]
        shown = sub["credit_code"] + "|" + sub["paid_on"] + "|" + sub["amount"]
        group = pd.Series(pd.factorize(repeated)[0], index=repeated.index)
        several = group.groupby(shown).transform("nunique") > 1
        content_key = shown.where(~several, shown + "#" + (group + 1).astype(str))
    else:
        content_key = pd.Series("", index=repeated.index, dtype=object)
    for mask, key in ((with_id, pid[with_id]), (repeated.index, content_key)):
        sub = rec.loc[mask]
        if not len(sub):
            continue
        k, table = dedupe(sub, key, compare, "last_in_input", None, labels, {_PERSON})
        keep[k.index] &= k
        if len(table):
            tables.append(table)
    if not tables:
        return keep, pd.DataFrame(columns=["key", "kind"])
    return keep, pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]


def _payout_records(
    v: pd.DataFrame,
    clean: dict[str, pd.Series],
    parsed: dict[str, pd.Series],
    kept: list[str],
    personal_flag: pd.Series,
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The payout records of the valid rows `v` (before the issues and source columns) and
    their flags."""
    idx = v.index
    records = pd.DataFrame(
        {
            "credit_code": clean["credit_code"][idx],
            "name": clean["name"][idx],
            "paid_on": pd.to_datetime(parsed["paid_on"][idx]).astype("datetime64[ns]"),
            "year": parsed["year"][idx].astype("int64"),
            "amount": parsed["amount"][idx],
            "decision_no": decision_key(clean["decision_no"][idx]),
            "item": clean["item"][idx],
            "payment_id": clean["payment_id"][idx],
            **{c: v[c] for c in kept},
        },
        index=idx,
    )
    flags = {
        "credit_code_invalid": check_credit_codes(records["credit_code"]) == "bad",
        "negative_amount": records["amount"] < 0,
        "paid_on_invalid": parsed["date_given"][idx] & ~parsed["date_ok"][idx],
        "year_date_mismatch": parsed["date_ok"][idx]
        & parsed["year_given"][idx]
        & (parsed["year_typed"][idx] != records["year"]),
        "personal_column": personal_flag[idx],
    }
    return records, flags


def read_payouts(
    paths: Sequence[str | Path] | str | Path,
    *,
    settings: Settings | None = None,
    progress: bool = False,
) -> IntakeResult:
    """Read the fund's payouts ledger (工伤保险待遇支付台账): one row per payment.

    Rules, row by row:

    * **Rejected** (:data:`LEDGER_REASONS`, first reason in this order): more cells than the
      header (``extra_cells``), no credit code (``missing_credit_code``), an amount that is
      not a number (``amount_not_number``; :func:`parse_amounts`), neither a date nor a year
      (``date_and_year_missing``), an unreadable date with no valid 年度 to fall back on
      (``paid_on_invalid``), a readable date before ``settings.min_injury_year`` or after
      ``settings.today`` (``paid_on_out_of_range``, whatever the 年度 says), only a 年度 that
      is not a whole year in that range (``year_invalid``).
    * **Time**: ``paid_on`` is the day of a readable 支付日期 (the time of day dropped) and
      ``year`` its year; a 年度 that disagrees with it is flagged ``year_date_mismatch`` (the
      date wins). Without a readable date, ``paid_on`` is NaT and ``year`` the 年度 (an
      unreadable date beside a valid 年度 is flagged ``paid_on_invalid``).
    * **Kept, flagged** (:data:`LEDGER_FLAGS`): a negative amount, a reversal (冲正), is kept
      as it is and flagged ``negative_amount`` (sums net it out); ``credit_code_invalid``;
      ``personal_column``.
    * **Keys**: the credit code and the 支付流水号 without blanks, in upper case; 认定书编号 as
      the determinations are matched (:func:`~trafficprev._rows.decision_key`: no blanks,
      〔〕[]【】() unified, upper case), so ``decision_key(cases["decision_no"])`` joins them.
    * **Duplicates**: rows with the same 支付流水号 (blanks and case ignored) are one payment:
      identical rows collapse, conflicting ones keep the later row in the input. Rows
      without a 支付流水号 are duplicates only when identical in every column read (the
      personal ones compared too, so two workers paid the same sum on the same day stay two
      payments) *and* dated to the day: the same payment exported twice. Rows with only a
      年度 and no 支付流水号 are never duplicates: the monthly 伤残津贴 of one worker are equal
      rows that are real, separate payments.
    * **Personal data**: 职工姓名, 身份证号码, 联系电话, 银行账号 and unknown columns that look
      personal are dropped at the door (never in ``records``, ``rejected`` or
      ``duplicates``); an ID or phone number, or a worker name of the batch, typed into
      单位名称, 待遇项目 or a kept unknown column is replaced by a placeholder, and an ID or
      phone number typed into a key (an invalid credit code, 认定书编号, 支付流水号) too.

    Parameters
    ----------
    paths
        One or more ``.xlsx`` / ``.xls`` / ``.csv`` files (UTF-8 with or without BOM, or
        GB18030).
    settings
        Reference date (``today``), earliest year (``min_injury_year``), encodings.
    progress
        Show a progress bar over the files.

    Returns
    -------
    IntakeResult
        Kind ``"payouts"``; ``records`` has ``credit_code``, ``name`` (``""`` if absent),
        ``paid_on`` (datetime64, midnight; NaT when only 年度 is given), ``year`` (int),
        ``amount`` (float, yuan; negative for a reversal), ``decision_no``, ``item``,
        ``payment_id`` (str, ``""`` if absent), the kept unknown columns, ``issues``,
        ``source_file``, ``source_sheet``, ``source_row``. ``protected`` is empty.

    Raises
    ------
    InputFileNotFoundError
        If a file does not exist.
    FileFormatError
        If a file cannot be read or decoded.
    SchemaError
        If a file lacks 统一社会信用代码 or 支付金额, or has neither 支付日期 nor 年度.
    """
    settings = settings or Settings()
    schema = PAYOUT_COLUMNS
    frame, sources, unknown = _read(paths, schema, settings, progress)
    _require_date_or_year(sources)
    personal = [c.name for c in schema.columns if c.personal]
    redact = _batch_redactors(frame, schema)
    kept, dropped, personal_flag = _unknown_kept(frame, unknown)
    person = _person_hash(frame, [*personal, *dropped])
    frame = frame.drop(columns=[*personal, *dropped])
    clean = {c.name: nfkc(frame[c.name]) for c in schema.columns if not c.personal}
    clean["credit_code"] = _credit_codes(clean["credit_code"])
    clean["payment_id"] = _credit_codes(clean["payment_id"])
    problems, parsed = _payout_problems(frame, clean, settings)
    primary, others = first_problem(problems, frame.index)
    rejected = _rejected(frame.assign(**clean), primary, others, clean["credit_code"])
    v = frame.loc[primary.isna()]
    records, flags = _payout_records(v, clean, parsed, kept, personal_flag)
    keep, duplicates = _payout_duplicates(records, v, person[v.index], schema)
    records["issues"] = issues_column(flags, v.index)
    records = records.assign(**_meta(v))
    return _finish(
        schema.kind,
        (frame, sources, primary),
        (records, rejected, duplicates),
        keep,
        flags,
        ["name", "item", *kept],
        redact,
    )
