# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 工伤认定台账核验 · Intake check
#
# Reads the quarter's determination exports, accounts for every row (cases, rejected,
# duplicates) and shows what was extracted from the narratives. Personal data (names, ID
# numbers, phones, narratives) stays in `result.protected` and is never shown here.
#
# By default it runs on the **synthetic** demo city 示范市 (合成演示数据). Set `inputs` to
# your exports (or pass them with papermill `-p inputs '[...]'`).

# %% tags=["parameters"]
inputs: list[str] = []  # empty: the synthetic demo city
out_dir = "runs/intake"
as_of = None  # "YYYY-MM-DD" to make a rerun reproducible
config = None  # path to a settings TOML file

# %%
import datetime as dt

from IPython.display import display

import trafficprev as tp

settings = tp.Settings.from_toml(config) if config else tp.Settings()
if as_of:
    settings = settings.replace(as_of=dt.date.fromisoformat(as_of))
files = inputs or tp.datasets.demo_files()["determinations"]
result = tp.read_determinations(files, settings=settings)
print(result.accounting.report())

# %% [markdown]
# ## 拒收的行 · Rejected rows (fix them in the source export)

# %%
result.rejected[["source_file", "row_number", "column", "value", "reason"]]

# %% [markdown]
# ## 重复 · Duplicates

# %%
if len(result.duplicates):
    display(
        result.duplicates[
            [
                "key",
                "kind",
                "row_number",
                "kept_row",
                "rule",
                "differing_columns",
            ]
        ]
    )

# %% [markdown]
# ## 通勤交通事故案件概况 · Commuting traffic cases at a glance

# %%
cases = result.cases[result.cases["commuting"]]
for column in ["direction", "mode", "counterpart", "responsibility", "place_source"]:
    print(cases[column].value_counts().to_string(), end="\n\n")

# %%
paths = result.write(out_dir)
paths
