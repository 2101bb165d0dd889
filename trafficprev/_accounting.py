"""Row accounting and the result object of intake, with its writer; case accounting of a
quarter's analyses.

Every input row ends as exactly one of: a record (case), a rejected row or a duplicate;
:class:`Accounting` checks that the counts add up on construction. Every commuting case of
the hotspot window then ends, on each analysis's line, as exactly one outcome (entered, or
why not): :func:`case_accounting` and :class:`CaseAccounting`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ._errors import OutputRefusedError, TrafficPrevError
from ._outdir import (
    check_files,
    check_folder,
    is_output_error,
    output_error,
    staged,
    write_file,
)
from ._periods import quarter_of
from ._tables import SourceFile
from .privacy import ID_CHECKS, neutralize_formulas
from .settings import Settings

__all__ = [
    "ANALYSES",
    "BOOKKEEPING_COLUMNS",
    "FLAGS",
    "INTAKE_PARTS",
    "NOT_RECOGNISED",
    "REASONS",
    "Accounting",
    "AccountingLine",
    "CaseAccounting",
    "IntakeResult",
    "account",
    "analysis_cases",
    "case_accounting",
    "check_intake_out",
    "to_csv",
    "write_intake",
]

#: The bookkeeping columns of the rejected and duplicates tables (where a row was, why, which
#: row was kept): written by intake itself, never redacted.
BOOKKEEPING_COLUMNS: frozenset[str] = frozenset(
    {
        "source_file",
        "source_sheet",
        "row_number",
        "kind",
        "column",
        "reason_code",
        "reason",
        "other_problems",
        "kept_file",
        "kept_sheet",
        "kept_row",
        "rule",
        "differing_columns",
    }
)

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
    "date_empty": ("实施日期", "实施日期为空 / date is empty"),
    "date_invalid": ("实施日期", "实施日期无法识别 / date not understood"),
    "target_and_point_missing": (
        "道路或单位",
        "既无道路或单位也无经纬度 / neither a road or unit nor a point",
    ),
    # the contribution and payout ledgers (trafficprev._ledgers)
    "year_missing": ("年度", "年度为空 / year is empty"),
    "year_invalid": (
        "年度",
        "年度不是最早年份至基准年份之间的整数 / year is not a whole year in range",
    ),
    "insured_not_number": ("参保人数", "参保人数为空或不是非负数 / insured is not a number >= 0"),
    "paid_not_number": ("实缴金额", "实缴金额为空或不是非负数 / paid is not a number >= 0"),
    "amount_not_number": ("支付金额", "支付金额为空或不是数字 / amount is not a number"),
    "date_and_year_missing": ("支付日期", "支付日期和年度均为空 / neither a date nor a year"),
    "paid_on_invalid": (
        "支付日期",
        "支付日期无法识别且无有效年度 / date not understood and no valid year",
    ),
    "paid_on_out_of_range": (
        "支付日期",
        "支付日期早于最早年份或晚于基准日期 / date before min_injury_year or in the future",
    ),
}


FLAGS: dict[str, str] = {
    **{f"id_{k}": v for k, v in ID_CHECKS.items() if k != "ok"},
    "sex_invalid": "性别无法识别 / sex not understood",
    "age_invalid": "年龄无效 / age invalid",
    "birth_date_invalid": "出生日期无法识别 / birth date not understood",
    "decided_on_invalid": "认定日期无法识别 / decision date not understood",
    "coords_invalid": "经纬度无效或不在中国范围 / coordinates invalid",
    "coords_swapped": "经纬度颠倒，已交换 / lon and lat swapped",
    "crs_unknown": "坐标系无法识别 / coordinate system unknown",
    "crs_assumed": "未注明坐标系，按 WGS84 处理 / no coordinate system given, WGS84 assumed",
    "credit_code_invalid": "统一社会信用代码校验错误 / credit code check failed",
    "time_approximate": "受伤时间为约数 / injury time approximate",
    "kind_unknown": "类型不在列表中，记为其他 / kind not in list, set to 其他",
    "personal_column": "未知列含个人信息，已移入受保护表 / unknown column moved to protected",
    # the contribution and payout ledgers (trafficprev._ledgers)
    "wage_bill_invalid": "缴费工资总额无法识别，记为空 / wage bill not understood, left empty",
    "due_invalid": "应缴金额无法识别，记为空 / amount due not understood, left empty",
    "risk_class_unknown": "行业风险类别无法识别，按原文保留 / risk class not understood, kept",
    "negative_amount": "支付金额为负（冲正）/ negative amount (a reversal)",
    "paid_on_invalid": "支付日期无法识别，按年度计 / date not understood, the year used",
    "year_date_mismatch": "年度与支付日期不符，按支付日期 / year disagrees with the date",
}


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
            lines.append(f"    提示 flag: {FLAGS.get(code, code)}: {n}")
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
    timings
        Wall-clock seconds per step (determinations only); not part of the accounting.
    """

    kind: str
    records: pd.DataFrame
    rejected: pd.DataFrame
    duplicates: pd.DataFrame
    protected: pd.DataFrame
    accounting: Accounting
    sources: tuple[SourceFile, ...]
    timings: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def cases(self) -> pd.DataFrame:
        """The accepted determinations (alias of :attr:`records`)."""
        return self.records

    def write(
        self,
        out_dir: str | Path,
        *,
        protected_path: str | Path | None = None,
        inputs: Sequence[str | Path] = (),
    ) -> dict[str, Path]:
        """Write ``cases.csv`` (or ``records.csv``), ``rejected_rows.csv``, ``duplicates.csv``
        and ``accounting.json`` as the intake folder `out_dir` (see :func:`write_intake`).

        CSV files are UTF-8 with BOM (Excel on Chinese Windows opens them correctly) and
        text cells that a spreadsheet would run as formulas are neutralised. Personal data
        is written only when `protected_path` is given.

        Returns
        -------
        dict
            Output name -> path written.
        """
        return write_intake(out_dir, self, protected_path=protected_path, inputs=inputs)["main"]

    def _write_files(self, folder: Path) -> dict[str, Path]:
        """Write the four outputs into `folder` (a staging folder); return their names."""
        name = "cases.csv" if self.kind == "determinations" else f"{self.kind}.csv"
        paths = {
            "records": folder / name,
            "rejected": folder / "rejected_rows.csv",
            "duplicates": folder / "duplicates.csv",
            "accounting": folder / "accounting.json",
        }
        folder.mkdir(parents=True, exist_ok=True)
        to_csv(self.records, paths["records"])
        to_csv(self.rejected, paths["rejected"])
        to_csv(self.duplicates, paths["duplicates"])
        paths["accounting"].write_text(
            json.dumps(self.accounting.to_dict(), ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
        return paths


#: Sub-folders of an intake folder for the registers read with the determinations.
INTAKE_PARTS = ("enterprises", "campaign_sites")
_OUTPUT_NAMES = ("cases.csv", "rejected_rows.csv", "duplicates.csv", "accounting.json")


def check_intake_out(
    out_dir: str | Path,
    *,
    inputs: Sequence[str | Path] = (),
    protected_path: str | Path | None = None,
) -> None:
    """Refuse an intake output place before anything is read (see :func:`write_intake`).

    Raises
    ------
    OutputRefusedError
        One line; nothing is changed.
    """
    check_folder(out_dir, "intake", inputs=inputs)
    if protected_path is None:
        return
    if not _inside(Path(protected_path), Path(out_dir)):
        check_files([protected_path], inputs=inputs)
        return
    rel = Path(os.path.abspath(protected_path)).relative_to(os.path.abspath(out_dir))
    if (
        not rel.parts
        or rel.parts[0] in (*_OUTPUT_NAMES, *INTAKE_PARTS)
        or rel.name[:12] == ".trafficprev"
    ):
        raise OutputRefusedError(
            f"{protected_path}: is where intake writes its own outputs; give the personal "
            f"data another file name / 受保护文件不能与导入结果同名，请换一个文件名"
        )


def _inside(path: Path, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(Path(os.path.abspath(folder)))


def write_intake(
    out_dir: str | Path,
    result: IntakeResult,
    *,
    parts: Mapping[str, IntakeResult] | None = None,
    protected_path: str | Path | None = None,
    inputs: Sequence[str | Path] = (),
) -> dict[str, dict[str, Path]]:
    """Write the outputs of one intake as one intake folder, staged and swapped in.

    `out_dir` must be new, empty or an intake folder trafficprev made, and may hold no
    input (anything else is refused, nothing changed). Every output is written into a
    staging folder next to it which then replaces it (:mod:`trafficprev._outdir`): a failure
    at any point leaves the previous outputs intact, and files the previous intake did not
    write (or that were edited since) are kept.

    Parameters
    ----------
    out_dir
        The intake folder, e.g. ``runs/check-2024Q4``.
    result
        The determinations (``cases.csv``, ``rejected_rows.csv``, ``duplicates.csv``,
        ``accounting.json``).
    parts
        Registers read with them, by sub-folder name (``enterprises``, ``campaign_sites``):
        the same four files in ``out_dir/NAME/``.
    protected_path
        Where to write the personal data (asked for explicitly). Inside `out_dir` it is one
        of the folder's outputs; elsewhere it is written atomically, and only over a file
        an earlier intake wrote there (:func:`~trafficprev._outdir.write_file`).
    inputs
        The files read (none may be inside `out_dir` or be `protected_path`).

    Returns
    -------
    dict
        ``{"main": {name: path}, NAME: {name: path} …}`` with the final paths.

    Raises
    ------
    OutputRefusedError
        If `out_dir` or `protected_path` is not a place to write.
    OutputError
        If the folder cannot be written (read-only, no permission, full disk).
    """
    out = Path(out_dir)
    parts = dict(parts or {})
    check_intake_out(out, inputs=inputs, protected_path=protected_path)
    written: dict[str, dict[str, Path]] = {}
    try:
        with staged(out, "intake", inputs=inputs) as stage:
            for key, part, folder in [
                ("main", result, stage.path),
                *((k, v, stage.path / k) for k, v in parts.items()),
            ]:
                paths = part._write_files(folder)
                written[key] = {k: out / p.relative_to(stage.path) for k, p in paths.items()}
            if protected_path is not None and _inside(Path(protected_path), out):
                rel = Path(os.path.abspath(protected_path)).relative_to(os.path.abspath(out))
                (stage.path / rel).parent.mkdir(parents=True, exist_ok=True)
                to_csv(result.protected, stage.path / rel)
                written["main"]["protected"] = out / rel
            stage.commit()
        if protected_path is not None and "protected" not in written["main"]:
            written["main"]["protected"] = write_file(
                protected_path, lambda tmp: to_csv(result.protected, tmp), inputs=inputs
            )
    except OSError as exc:
        if is_output_error(exc, out):
            raise output_error(exc, out, "intake") from exc
        raise
    return written


def to_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as UTF-8-with-BOM CSV with ISO 8601 times and formula-safe text.

    A time is written to the minute (``2024-03-05T07:30``), or as a date when it is only
    known to the day: per row for ``injured_at`` (its ``time_precision``), per column for
    columns whose values are all midnights (``decided_on``).
    """
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_datetime64_any_dtype(out[col]):
            continue
        values = out[col]
        minute = values.dt.strftime("%Y-%m-%dT%H:%M")
        day = values.dt.strftime("%Y-%m-%d")
        if col == "injured_at" and "time_precision" in out:
            text = minute.where(out["time_precision"] != "day", day)
        elif (values.dropna() == values.dropna().dt.normalize()).all():
            text = day
        else:
            text = minute
        out[col] = text.where(values.notna(), "")
    neutralize_formulas(out).to_csv(path, index=False, encoding="utf-8-sig")


def account(
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


# --- case accounting of a quarter's analyses ---------------------------------------------

#: The conclusion of a claim refused as a work injury (one of ``schema.CONCLUSIONS``).
NOT_RECOGNISED = "不予认定"

#: The analyses a window case is accounted on, in report order: code -> label.
ANALYSES: dict[str, str] = {
    "scope": "分析范围 (cases analysed)",
    "hotspots": "热点与警示标志点位 (hotspots and sign sites)",
    "groups": "人群与情形 (groups and circumstances)",
    "enterprises": "重点企业 (key enterprises)",
}

#: Snap statuses of the cases that are counted on a unit (``network.SNAP_STATUSES``).
_ON_UNIT = ("ok", "ambiguous")
#: The police responsibility grades that refuse a commuting claim (the worker's own main
#: or full responsibility, 《工伤保险条例》第十四条第（六）项).
_OWN_FAULT = ("主要", "全部")


def analysis_cases(cases: pd.DataFrame, settings: Settings | None = None) -> pd.Series:
    """Which intake cases the analyses count: the commuting traffic cases, less those decided
    不予认定 when :attr:`~trafficprev.Settings.include_not_recognised` is False.

    Parameters
    ----------
    cases
        Intake cases (``commuting``; ``conclusion`` as normalised by
        :func:`~trafficprev.narrative.normalize_conclusion`; without it no case is refused).
    settings
        The run's settings (default :class:`~trafficprev.Settings`).

    Returns
    -------
    pandas.Series
        A boolean mask aligned with `cases`.

    Examples
    --------
    >>> import pandas as pd
    >>> from trafficprev import Settings
    >>> c = pd.DataFrame({"commuting": [True, True, False],
    ...                   "conclusion": ["认定工伤", "不予认定", "认定工伤"]})
    >>> analysis_cases(c).tolist()
    [True, True, False]
    >>> analysis_cases(c, Settings(include_not_recognised=False)).tolist()
    [True, False, False]
    """
    settings = settings or Settings()
    keep = cases["commuting"].fillna(False).astype(bool)
    if not settings.include_not_recognised and "conclusion" in cases:
        keep &= cases["conclusion"].astype(str) != NOT_RECOGNISED
    return keep


@dataclass(frozen=True)
class AccountingLine:
    """One outcome of one analysis: how many window cases had it and why.

    Attributes
    ----------
    analysis
        A key of :data:`ANALYSES`.
    outcome
        The outcome's code (``on_unit``, ``road_level``, ``matched`` …).
    label
        The outcome in words (Chinese, English in brackets).
    n
        Cases.
    entered
        Whether these cases entered the analysis.
    reason
        Why (in words): what the analysis does with them, or why it cannot use them.
    """

    analysis: str
    outcome: str
    label: str
    n: int
    entered: bool
    reason: str


@dataclass(frozen=True)
class CaseAccounting:
    """Where the window's commuting cases went in each analysis; every line adds up.

    Attributes
    ----------
    window, key_window
        The hotspot window and the key-enterprise window (quarters).
    bases
        Cases each analysis starts from, by key of :data:`ANALYSES`: ``scope`` the window's
        commuting traffic cases, ``hotspots`` and ``groups`` those analysed, ``enterprises``
        those analysed in the key-enterprise window.
    lines
        The outcomes, analysis by analysis (:data:`ANALYSES` order).
    not_recognised
        不予认定 cases among the window's commuting cases.
    not_recognised_history
        不予认定 commuting cases in every quarter up to the run's quarter.
    not_recognised_own_fault
        Of the window's 不予认定 cases, those where the police found the worker mainly or
        fully responsible.
    not_recognised_counted
        :attr:`~trafficprev.Settings.include_not_recognised` of the run.

    Raises
    ------
    TrafficPrevError
        On construction, when an analysis's lines do not add up to its base (a bug).
    """

    window: tuple[str, ...]
    key_window: tuple[str, ...]
    bases: dict[str, int]
    lines: tuple[AccountingLine, ...]
    not_recognised: int
    not_recognised_history: int
    not_recognised_own_fault: int
    not_recognised_counted: bool

    def __post_init__(self) -> None:
        for analysis, base in self.bases.items():
            got = sum(line.n for line in self.lines if line.analysis == analysis)
            if got != base:
                raise TrafficPrevError(
                    f"case accounting of {analysis} does not add up: {got} != {base} "
                    "(a bug; please report)"
                )

    def of(self, analysis: str) -> tuple[AccountingLine, ...]:
        """The lines of one analysis (a key of :data:`ANALYSES`)."""
        return tuple(line for line in self.lines if line.analysis == analysis)

    def entered(self, analysis: str) -> int:
        """Cases that entered `analysis`."""
        return sum(line.n for line in self.of(analysis) if line.entered)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the manifest's ``case_accounting``)."""
        return {
            "window": list(self.window),
            "key_window": list(self.key_window),
            "not_recognised": {
                "counted": self.not_recognised_counted,
                "window": self.not_recognised,
                "history": self.not_recognised_history,
                "own_main_or_full_responsibility": self.not_recognised_own_fault,
            },
            "analyses": {
                analysis: {
                    "cases": base,
                    "entered": self.entered(analysis),
                    "outcomes": {line.outcome: line.n for line in self.of(analysis)},
                }
                for analysis, base in self.bases.items()
            },
        }


class _Hotspots(Protocol):
    @property
    def cases(self) -> pd.DataFrame: ...


class AnalysedQuarter(Protocol):
    """The fields of a quarter's result that :func:`case_accounting` reads (the pipeline's
    ``QuarterResult`` has them)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def window(self) -> tuple[str, ...]: ...
    @property
    def history(self) -> tuple[str, ...]: ...
    @property
    def key_window(self) -> tuple[str, ...]: ...
    @property
    def intake(self) -> IntakeResult: ...
    @property
    def geocoded(self) -> pd.DataFrame: ...
    @property
    def hotspots(self) -> _Hotspots: ...
    @property
    def key(self) -> pd.DataFrame: ...


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A text column (``""`` where missing; all ``""`` when absent)."""
    if name not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[name].fillna("").astype(str)


def _scope_lines(cases: pd.DataFrame, counted: bool, own_fault: int) -> list[AccountingLine]:
    conclusion = _column(cases, "conclusion")
    refused = int((conclusion == NOT_RECOGNISED).sum())
    recognised = int(conclusion.isin(["认定工伤", "视同工伤"]).sum())
    unknown = len(cases) - refused - recognised
    if counted:
        why = (
            f"仍计入全部分析：上下班途中的交通事故确已发生，认定与否不改变事故本身；不予认定多因"
            f"职工负事故主要或全部责任（本窗口 {own_fault} 起），正是预防的对象 "
            f"(counted: the accident happened whatever the decision; most are refused for the "
            f"worker's own main responsibility; setting include_not_recognised = true)"
        )
    else:
        why = (
            "按设置不计入任何分析（热点、企业、人群、趋势）"
            "(excluded from every analysis: include_not_recognised = false)"
        )
    return [
        AccountingLine(
            "scope",
            "recognised",
            "认定工伤或视同工伤 (recognised)",
            recognised,
            True,
            "计入全部分析 (counted in every analysis)",
        ),
        AccountingLine(
            "scope",
            "unknown",
            "认定结论不明 (conclusion not stated)",
            unknown,
            True,
            "台账未写明结论，按已发生的通勤交通事故计入 (counted as a commuting accident)",
        ),
        AccountingLine(
            "scope", "not_recognised", "不予认定 (not recognised)", refused, counted, why
        ),
    ]


def _hotspot_lines(cases: pd.DataFrame, max_snap_m: float) -> list[AccountingLine]:
    status = _column(cases, "snap_status")
    level = _column(cases, "match_level")
    n = {
        s: int((status == s).sum())
        for s in ("ok", "ambiguous", "road_level", "imprecise", "no_point", "too_far")
    }
    imprecise = level[status == "imprecise"]
    by_level = "，".join(
        f"{zh} {int((imprecise == lv).sum())}"
        for lv, zh in (("village", "村/社区"), ("township", "乡镇/街道"), ("county", "区县"))
        if (imprecise == lv).any()
    )
    other = cases[~status.isin([*_ON_UNIT, "road_level", "imprecise", "no_point", "too_far"])]
    lines = [
        AccountingLine(
            "hotspots",
            "on_unit",
            "精确定位并落到交叉口或路段单元 (snapped to a unit)",
            n["ok"] + n["ambiguous"],
            True,
            "交叉口、道路+方位距离、地标、台账坐标或人工指定的点位，吸附到最近的交叉口或路段"
            + (
                f"；其中 {n['ambiguous']} 起与另一道路几乎等距，仍计入 (ambiguous, kept)"
                if n["ambiguous"]
                else ""
            )
            + " (placed precisely and snapped to an intersection or segment)",
        ),
        AccountingLine(
            "hotspots",
            "road_level",
            "只定位到道路 (road level only)",
            n["road_level"],
            False,
            "只知道路名、不知在路上何处，不能落到单元；按道路计入下方“逐路统计”表 "
            "(the road is known, not where on it: counted per road in the table below)",
        ),
        AccountingLine(
            "hotspots",
            "admin_level",
            "只定位到村、乡镇或区县 (village, township or county only)",
            n["imprecise"],
            False,
            "点位是行政区的中心，不是事故地点"
            + (f"（{by_level}）" if by_level else "")
            + " (the point is the centre of a division, not the accident's place)",
        ),
        AccountingLine(
            "hotspots",
            "not_placed",
            "无法定位 (not placed)",
            n["no_point"],
            False,
            "地点缺失或无法识别，已列入待复核表 review_queue.csv "
            "(no place, or not understood: see the review queue)",
        ),
        AccountingLine(
            "hotspots",
            "too_far",
            "离道路过远 (too far from any road)",
            n["too_far"],
            False,
            f"定位点距最近的道路单元超过 {max_snap_m:g} 米，可能在路网之外或定位有误 "
            f"(more than {max_snap_m:g} m from every unit)",
        ),
    ]
    if len(other):
        lines.append(
            AccountingLine(
                "hotspots",
                "other",
                "其他 (other)",
                len(other),
                False,
                "未吸附：" + "、".join(sorted(set(_column(other, "snap_status")))),
            )
        )
    return lines


def _enterprise_lines(key: pd.DataFrame, base: int) -> list[AccountingLine]:
    n = pd.to_numeric(key["n_cases"], errors="coerce").fillna(0) if "n_cases" in key else None
    if n is None or "in_register" not in key:
        matched, unmatched = 0, 0
    else:
        inside = key["in_register"].fillna(False).astype(bool)
        matched, unmatched = int(n[inside].sum()), int(n[~inside].sum())
    lines = [
        AccountingLine(
            "enterprises",
            "matched",
            "匹配到企业名录 (matched to the register)",
            matched,
            True,
            "按统一社会信用代码或唯一的单位名称匹配，按参保人数计算发生率 "
            "(rates per insured worker)",
        ),
        AccountingLine(
            "enterprises",
            "unmatched",
            "未匹配到企业名录 (not in the register)",
            unmatched,
            True,
            "单位不在名录中（或未提供名录），没有参保人数，不计发生率，只按起数参与排名 "
            "(no headcount, so no rate: ranked by cases)",
        ),
    ]
    rest = base - matched - unmatched
    if rest:
        lines.append(
            AccountingLine(
                "enterprises",
                "not_counted",
                "未计入企业统计 (not counted)",
                rest,
                False,
                "企业表中没有这些案件 (missing from the enterprise table)",
            )
        )
    return lines


def case_accounting(result: AnalysedQuarter) -> CaseAccounting:
    """Where the hotspot window's commuting cases went in each analysis, and why.

    Parameters
    ----------
    result
        A finished quarter (the pipeline's ``QuarterResult``): its intake, settings,
        windows, geocoded cases, hotspot cases (with ``snap_status``) and key-enterprise
        table are read.

    Returns
    -------
    CaseAccounting
        Per analysis (:data:`ANALYSES`), the cases it starts from and their outcomes:

        * ``scope``: the window's commuting traffic cases: recognised, conclusion not stated,
          不予认定 (counted or excluded by
          :attr:`~trafficprev.Settings.include_not_recognised`);
        * ``hotspots`` (the analysed cases): snapped to a unit (``snap_status`` ok or
          ambiguous), road level only, village/township/county level, not placed, too far
          from every unit;
        * ``groups``: every analysed case;
        * ``enterprises`` (the analysed cases of the key-enterprise window): matched to the
          register, not matched.

    Raises
    ------
    TrafficPrevError
        If an analysis's lines do not add up (a bug).
    """
    settings = result.settings
    cases = result.intake.cases
    quarter = quarter_of(cases["injured_at"])
    commuting = cases["commuting"].fillna(False).astype(bool)
    refused = _column(cases, "conclusion") == NOT_RECOGNISED
    window = cases[commuting & quarter.isin(result.window)]
    in_window_refused = window[_column(window, "conclusion") == NOT_RECOGNISED]
    own_fault = int(_column(in_window_refused, "responsibility").isin(_OWN_FAULT).sum())
    counted = bool(settings.include_not_recognised)
    hs_cases = result.hotspots.cases
    geo_q = quarter_of(result.geocoded["injured_at"]) if len(result.geocoded) else None
    key_base = 0 if geo_q is None else int(geo_q.isin(result.key_window).sum())
    lines = [
        *_scope_lines(window, counted, own_fault),
        *_hotspot_lines(hs_cases, settings.max_snap_m),
        AccountingLine(
            "groups",
            "all",
            "全部计入 (all counted)",
            len(hs_cases),
            True,
            "人群与情形按分析的全部案件统计，不要求精确定位 (no precise place needed)",
        ),
        *_enterprise_lines(result.key, key_base),
    ]
    return CaseAccounting(
        window=tuple(result.window),
        key_window=tuple(result.key_window),
        bases={
            "scope": len(window),
            "hotspots": len(hs_cases),
            "groups": len(hs_cases),
            "enterprises": key_base,
        },
        lines=tuple(lines),
        not_recognised=len(in_window_refused),
        not_recognised_history=int((commuting & refused & quarter.isin(result.history)).sum()),
        not_recognised_own_fault=own_fault,
        not_recognised_counted=counted,
    )
