"""The precision project (精准式工伤预防) and the injury statistics behind it (统计分析).

* **One table** of enterprise × year with headcount, premiums, payouts and recognised
  injuries by kind (:func:`enterprise_years`).
* **Rates**: injury incidence per 1,000 insured with exact intervals, empirical-Bayes
  smoothing and funnel limits (:func:`incidence`); the fund's payout ratio (支缴率) with
  Bühlmann–Straub credibility (:func:`buhlmann_straub`, :func:`payout_ratios`);
  statistics by industry and county and of the key fields (:func:`group_statistics`,
  :func:`key_fields`).
* **The list**: the key enterprises for one-enterprise-one-plan training by a written rule
  (:func:`precision_list`), and the evaluation of the training of previous years against
  the plan's 10 % goal (:func:`evaluate_training`).
* **The year** in one call (:func:`analyse_precision` → :class:`PrecisionResult`), its
  tables at a release level (:func:`release_precision`, :func:`precision_tables`) and its
  workbook (:func:`write_precision_xlsx`). The command ``trafficprev precision`` reads the
  files and writes the folder (:func:`trafficprev.pipeline.run_precision`).

The rules, their defaults and why are in ``docs/precision.md``.
"""

from __future__ import annotations

from ._analyse import PrecisionResult, analyse_precision, funnel_table, trained_recently
from ._credibility import CredibilityResult, buhlmann_straub, payout_ratios
from ._evaluate import VERDICTS, TrainingEvaluation, evaluate_training
from ._excel import (
    FIELD_COLUMNS,
    LIST_COLUMNS,
    evaluation_columns,
    group_columns,
    labelled,
    precision_notes,
    precision_tables,
    summary_columns,
    write_precision_xlsx,
)
from ._industries import group_statistics, key_fields
from ._rates import incidence
from ._release import PrecisionTables, release_precision
from ._select import SELECT_COLUMNS, TIERS, precision_list
from ._table import COUNT_COLUMNS, INJURY_KINDS, enterprise_years

__all__ = [
    "COUNT_COLUMNS",
    "FIELD_COLUMNS",
    "INJURY_KINDS",
    "LIST_COLUMNS",
    "SELECT_COLUMNS",
    "TIERS",
    "VERDICTS",
    "CredibilityResult",
    "PrecisionResult",
    "PrecisionTables",
    "TrainingEvaluation",
    "analyse_precision",
    "buhlmann_straub",
    "enterprise_years",
    "evaluate_training",
    "evaluation_columns",
    "funnel_table",
    "group_columns",
    "group_statistics",
    "incidence",
    "key_fields",
    "labelled",
    "payout_ratios",
    "precision_list",
    "precision_notes",
    "precision_tables",
    "release_precision",
    "summary_columns",
    "trained_recently",
    "write_precision_xlsx",
]
