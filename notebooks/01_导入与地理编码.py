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
# 读入本季度及以前各季度的工伤认定台账，逐行核对（有效案件、拒收、重复），查看从受伤经过中
# 提取的信息，再把上下班途中交通事故的地点文字离线匹配到区域地名库（匹配级别、待复核清单、
# 如何填写 `overrides.csv`）。
# Reads the determination exports, accounts for every row (cases, rejected, duplicates),
# summarises what was read from the narratives, and geocodes the commuting traffic cases'
# place text offline against the area gazetteer.
#
# **个人信息**（姓名、身份证号、电话、受伤经过）只留在 `intake.protected`，本笔记本不显示。
# Personal data stays in `intake.protected` and is never shown here.
#
# 默认使用**合成演示数据**示范市。分析真实台账时给出 `inputs` 和 `area_dir`
# （也可用 papermill `-y "inputs: [2024.xlsx, 2024Q4.csv]" -p area_dir areas/changde`）。
# By default it runs on the synthetic demo city; set `inputs` and `area_dir` for real exports.
#
# 写出 Writes to `out_dir/intake`: `cases.csv`, `rejected_rows.csv`, `duplicates.csv`,
# `accounting.json`, `geocoded.gpkg`, `review_queue.csv` (a folder of its own: trafficprev
# never writes over files it did not write, so it does not share `out_dir` with other files).

# %% tags=["parameters"]
quarter = "2024Q4"  # 本季度 the quarter of interest
inputs: list[str] = []  # 工伤认定台账 exports; empty: the synthetic demo city
area_dir = None  # 区域地名库 (`trafficprev area build`); None: the demo's, in out_dir/area
out_dir = "runs/notebook"
as_of = None  # 参考日期 "YYYY-MM-DD" (reproducible reruns); None: today
config = None  # settings TOML file
enterprises = None  # 企业名录; None: the demo's (only with the demo inputs)
campaign_sites = None  # 宣传点候选清单
measures = None  # 已实施措施
overrides = None  # 已填写的复核清单 overrides.csv from an earlier run

# %% [markdown]
# ## 参数 · Inputs
#
# 不给 `inputs` 时使用示范市的台账、企业名录、宣传点和措施，并把示范市的地名库建在
# `out_dir/area`（已存在则直接使用）。给了自己的台账就必须给 `area_dir`：不会把真实数据和
# 示范市的名录、地名库混在一起。
# Without `inputs` the demo's files are used (and its area is built once into `out_dir/area`);
# with your own exports, `area_dir` is required and no demo file is mixed in.

# %%
from pathlib import Path

import trafficprev as tp
from trafficprev.area import load_area
from trafficprev.pipeline import parse_quarter, resolve_inputs

quarter = parse_quarter(quarter)  # 2024q4, 2024年第4季度 -> "2024Q4"; anything else refused
settings, files = resolve_inputs(
    inputs=inputs,
    area_dir=area_dir,
    out_dir=out_dir,
    enterprises=enterprises,
    campaign_sites=campaign_sites,
    measures=measures,
    config=config,
    as_of=as_of,
)  # no inputs: the synthetic demo city (its exports, register, campaign list, measures, area)
area_dir = files["area"]

# %% [markdown]
# ## 逐行核对 · Row accounting
#
# 每一行只会是有效案件、拒收或重复之一，三者相加等于读入行数。
# Every row is exactly one of case, rejected or duplicate; the counts add up.

# %%
intake = tp.read_determinations(files["inputs"], settings=settings)
print(intake.accounting.report())

# %% [markdown]
# 企业名录、宣传点候选和已实施措施经过同样的读取和核对。
# The register, campaign candidates and measures go through the same reader and accounting.

# %%
readers = {
    "企业名录 enterprises": (tp.read_enterprises, files["enterprises"]),
    "宣传点 campaign sites": (tp.read_campaign_candidates, files["campaign_sites"]),
    "措施 measures": (tp.read_measures, files["measures"]),
}
for title, (reader, files) in readers.items():
    if files:
        print(f"== {title}")
        print(reader(files, settings=settings).accounting.report(), end="\n\n")

# %% [markdown]
# ## 拒收的行 · Rejected rows
#
# 请在原台账中更正后重新导出（行号与表格软件中显示的一致）。
# Fix them in the source export (row numbers as the spreadsheet shows them).

# %%
intake.rejected[["source_file", "row_number", "column", "value", "reason"]]

# %% [markdown]
# ## 重复 · Duplicates
#
# 同一认定书编号出现多次：相同的行合并为一行；内容不同的按 `duplicate_rule` 保留一行，
# 另一行连同不同的列写入 `duplicates.csv`。
# Identical rows collapse; for conflicting rows `duplicate_rule` keeps one and lists the
# differing columns.

# %%
columns = ["key", "kind", "row_number", "kept_row", "rule", "differing_columns"]
intake.duplicates[columns] if len(intake.duplicates) else "无重复 no duplicates"

# %% [markdown]
# ## 通勤交通事故案件概况 · Commuting traffic cases at a glance
#
# 从受伤经过中提取：通勤方向、出行方式、对方车辆、事故责任，以及地点来源
# （`受伤地点` 一栏或受伤经过中的地点短语）。
# What the narratives gave: direction, mode, counterpart, responsibility and where the place
# text came from.

# %%
cases = intake.cases[intake.cases["commuting"]]
print(f"通勤交通事故 commuting traffic cases: {len(cases)} / {len(intake.cases)}")
for column in ["direction", "mode", "counterpart", "responsibility", "place_source"]:
    print(cases[column].value_counts().to_string(), end="\n\n")

# %% [markdown]
# 各季度案件数（本季度 `quarter` 标 ◀）。Cases per quarter (the quarter of interest marked).

# %%
per_quarter = cases["injured_at"].dt.to_period("Q").astype(str).value_counts().sort_index()
for q, n in per_quarter.items():
    print(f"{q}  {n:5d}{'  ◀' if q == quarter else ''}")

# %%
intake_dir = Path(out_dir) / "intake"
paths = intake.write(intake_dir)
paths

# %% [markdown]
# ## 地理编码 · Geocoding
#
# 每起案件得到 `lon`、`lat`（WGS-84）、`match_level`（override, given, intersection,
# road_offset, landmark, road, village, township, county, none）、`confidence` 和 `reason`。
# 不做猜测：没有写出道路或地标的地点只定位到行政区或 `none`；不在文字所写区县内的同名道路不采用。
# Nothing is guessed: a text naming no road or landmark stays at the admin level or `none`,
# and a road outside the district the text names is refused.
#
# 答案按地名库版本缓存在 `area_dir/geocode_cache.sqlite`，与季度运行共用。
# Answers are cached per area version in `area_dir/geocode_cache.sqlite` (shared with the
# quarterly run).

# %%
from trafficprev.geocode import geocode

area = load_area(area_dir)
geo = geocode(
    cases,
    area,
    settings=settings,
    overrides=overrides,
    cache=Path(area_dir) / "geocode_cache.sqlite",
)
geo.levels().to_frame("cases")

# %% [markdown]
# ## 待复核 · Review queue
#
# 置信度低于 `settings.review_threshold` 的案件。更正方法：在 `review_queue.csv` 中填写
# `override_lon` / `override_lat`（坐标来自高德 GCJ02 或百度 BD09 时填 `override_crs`），
# 或在 `override_candidate` 中填所列候选的序号，另存为 `overrides.csv`，下次运行时作为
# `overrides` 传入。以后各季度都会使用它；地点文字已改变的更正被列为过期，不再采用。
# To fix a case, fill `override_lon` / `override_lat` (and `override_crs` for Amap GCJ02 or
# Baidu BD09 points) or `override_candidate`, save as `overrides.csv` and pass it as
# `overrides`: every later run uses it; an override whose place text has changed is reported
# as stale, not applied.

# %%
print(f"待复核 to review: {len(geo.review_queue)} / {len(geo.cases)}")
geo.review_queue[["decision_no", "place_text", "match_level", "confidence", "reason"]].head(20)

# %%
geo.write(intake_dir / "geocoded.gpkg")
