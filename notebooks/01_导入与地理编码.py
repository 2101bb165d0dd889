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
# # 01 导入与地理编码 · Intake and geocoding
#
# Reads the quarter's determination exports, accounts for every row (cases, rejected,
# duplicates), shows what was extracted from the narratives, and geocodes the commuting
# traffic cases' place text offline against the area gazetteer (match levels, the review
# queue and how to fill `overrides.csv`). Personal data (names, ID
# numbers, phones, narratives) stays in `result.protected` and is never shown here.
#
# By default it runs on the **synthetic** demo city 示范市 (合成演示数据). Set `inputs` to
# your exports (or pass them with papermill `-p inputs '[...]'`).

# %% tags=["parameters"]
inputs: list[str] = []  # empty: the synthetic demo city
out_dir = "runs/intake"
as_of = None  # "YYYY-MM-DD" to make a rerun reproducible
config = None  # path to a settings TOML file
area_dir = None  # an area folder from `trafficprev area build`; None: build the demo's
overrides = None  # a filled review queue (overrides.csv) from an earlier run

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

# %% [markdown]
# ## 地理编码 · Geocoding
#
# Each case gets `lon`, `lat` (WGS-84), `match_level` (override, given, intersection,
# road_offset, landmark, road, village, township, county, none), `confidence` and `reason`.
# Nothing is guessed: a text that names no road or landmark stays at the admin level or
# `none`, and a road outside the district the text names is refused.

# %%
from pathlib import Path

from trafficprev.area import build_area, load_area
from trafficprev.geocode import geocode

if area_dir:
    area = load_area(area_dir)
else:
    demo = tp.datasets.demo_files()
    area = build_area("demo", osm=demo["roads"][0], pois=demo["pois"], admin=demo["divisions"][0])
area

# %%
geo = geocode(
    cases,
    area,
    settings=settings,
    overrides=overrides,
    cache=Path(out_dir) / "geocode_cache.sqlite",
)
geo.levels().to_frame("cases")

# %% [markdown]
# ## 待复核 · Review queue
#
# Cases placed below the confidence threshold (`settings.review_threshold`). To fix one,
# fill `override_lon` / `override_lat` (and `override_crs` if the point comes from Amap
# (GCJ02) or Baidu (BD09)), or put the number of a listed candidate in
# `override_candidate`, save the file as `overrides.csv` and pass it as `overrides` next
# time: every later run, also next quarter's, uses it; an override whose place text has
# changed since is reported as stale, not applied.

# %%
geo.review_queue[["decision_no", "place_text", "match_level", "confidence", "reason"]].head(20)

# %%
geo.write(Path(out_dir) / "geocoded.gpkg")
