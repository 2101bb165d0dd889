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
# # 02 路段热点 · Hotspots on the road network
#
# 读入本季度的运行（`trafficprev.pipeline.load_or_run`：`out_dir/quarter` 中已有同一输入和
# 设置的运行时直接读入，否则运行并写入），再逐项查看：
# 路网单元、热点单元的 Gi* 统计表、网络核密度、聚类、多发点段预设规则命中的路段、
# 热点地图（离线显示），以及如何用其他设置重新计算热点。
# Loads the quarter's finished run (or runs it when there is none from the same inputs
# and settings), then looks at the units, the Gi* table of the hot units, density,
# clusters, the 多发点段 stretches, the hotspot map (offline) and how to recompute the
# hotspots with other settings.
#
# 热点窗口为截至本季度的四个季度（一个季度的案件太少）。所有结果均标注为
# **工伤数据视角的多发点段**，不是公安交管部门认定的事故多发点段。
# The window is the four quarters ending with `quarter`. Every output is labelled
# "hotspots seen in work-injury data", never the police designation.
#
# 默认使用**合成演示数据**示范市；真实台账请给出 `inputs` 和 `area_dir`。

# %% tags=["parameters"]
quarter = "2024Q4"  # 本季度 the run's quarter
inputs: list[str] = []  # 工伤认定台账 exports; empty: the synthetic demo city
area_dir = None  # 区域地名库 (`trafficprev area build`); None: the demo's, in out_dir/area
out_dir = "runs/notebook"  # the run goes to out_dir/quarter
as_of = None  # 参考日期 "YYYY-MM-DD" (reproducible reruns); None: today
config = None  # settings TOML file
enterprises = None  # 企业名录; None: the demo's (only with the demo inputs)
campaign_sites = None  # 宣传点候选清单
measures = None  # 已实施措施

# %%
from pathlib import Path

import pandas as pd
from IPython.display import display

from trafficprev.area import load_area
from trafficprev.pipeline import load_or_run, parse_quarter, resolve_inputs

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
# ## 运行本季度 · Run the quarter
#
# 已有同一输入、季度和设置的运行时读入它（几秒），否则一次调用完成导入、地理编码、热点、
# 趋势、企业、选址、地图和报告（示范市约 15 秒）；下面一行说明是哪一种。
# Loads the finished run made from the same inputs, quarter and settings (seconds), or runs
# the whole quarter (about 15 s on the demo city); the line below says which.

# %%
run_dir = Path(out_dir) / quarter
result = load_or_run(files, quarter=quarter, out=run_dir, settings=settings)
print(result.provenance)
area = load_area(area_dir)
hs = result.hotspots
print(f"运行文件夹 run folder: {run_dir}")
print(f"热点窗口 window: {result.window[0]}–{result.window[-1]}，案件 cases: {len(hs.cases)}")

# %% [markdown]
# ## 路网单元 · Units
#
# 交叉口（地名库的交叉口，相距 `intersection_radius_m` 以内或共用节点的合为一个）
# 和路段（每条有名道路按 `segment_length_m` 切分）。只有精确定位的案件（交叉口、偏移、
# 地标、给定坐标、人工更正）才吸附到单元；`snap_status` 说明其余案件为何未吸附。
# Intersections and segments; only precisely placed cases are snapped (`snap_status` says
# why the others are not).

# %%
display(hs.units.groupby("kind").agg(units=("unit_id", "size"), cases=("n_cases", "sum")))
hs.cases["snap_status"].value_counts().to_frame("cases")

# %% [markdown]
# ## 只定位到道路的案件 · Cases placed on a road only
#
# `snap_status` 为 `road_level` 的案件只知道路名，不能落到单元；按道路和季度计数
# （`on_units`：同一道路路段和交叉口上的精确定位案件，交叉口案件计入相交的两条道路）。
# Road-level cases per road and quarter, with the unit-snapped cases of the same road.

# %%
from trafficprev.hotspots import road_cases_table

road_cases_table(hs.cases, hs.network.units, result.window).head(20)

# %% [markdown]
# ## 热点单元 · Hot units (Gi* and the Poisson guard)
#
# `hot`：Gi* 经 Benjamini–Hochberg FDR 校正后显著，且邻域案件数相对于同类道路的平均水平
# 也不可能偶然出现（泊松检验）。`hotspot_class` 为 significant / threshold / cluster。
# A unit is hot when its Gi* is significant after FDR and its neighbourhood count is also
# improbable against the mean rate of its road class.

# %%
hot_columns = ["kind", "road", "cross_road", "n_cases", "n_weighted", "gi_z", "gi_q"]
hot_columns += ["nb_cases", "nb_expected", "pois_q", "hotspot_class", "reason"]
classed = hs.units[hs.units["hotspot_class"].fillna("") != ""]
print(classed["hotspot_class"].value_counts().to_string())
classed.sort_values(["hot", "n_cases", "gi_z"], ascending=False)[["unit_id", *hot_columns]].head(30)

# %% [markdown]
# ## 网络核密度 · Network kernel density
#
# 方法 `nkde_method`，带宽 `nkde_bandwidth_m`；每个单元取其最大密度。
# Density along the network; the units with the highest density.

# %%
print(f"{settings.nkde_method}, bandwidth {settings.nkde_bandwidth_m:g} m")
hs.units.nlargest(10, "density")[["unit_id", "road", "cross_road", "n_cases", "density"]]

# %% [markdown]
# ## 聚类 · Clusters
#
# DBSCAN（半径 `cluster_eps_m`，至少 `cluster_min_cases` 起）。
# DBSCAN clusters of the snapped cases.

# %%
pd.DataFrame(hs.clusters.drop(columns="geometry"))

# %% [markdown]
# ## 多发点段 · Stretches meeting a preset
#
# 500 米滑动窗口（步长 100 米）对照多发点段预设规则（1 年内 500 米 ≥ 3 起、3 年内 ≥ 5 起……）。
# Sliding windows against the 多发点段 presets.

# %%
if len(hs.stretches):
    display(hs.stretches.drop(columns="label"))
else:
    print("没有路段达到预设规则 no stretch meets a preset")

# %% [markdown]
# ## 热点地图 · Hotspot map
#
# 离线地图（Leaflet 已内嵌，不需要网络），发布级别 `police`：只显示单元汇总，少于
# `k_police` 起的数字显示为“少于3起”。同一张图已写入 `maps/hotspots.html`。
# The offline map at release level `police` (also written to `maps/hotspots.html`).

# %%
from trafficprev import maps

hot_map = maps.hotspots_map(
    hs,
    area,
    settings,
    emerging=result.emerging.units,
    peaks=result.peaks,
    period=f"{result.window[0]}–{result.window[-1]}",
)
maps.show(hot_map)

# %% [markdown]
# ## 用其他设置重新计算 · Recompute with other settings
#
# 例如 200 米路段、两步邻域的 Gi*：设置是不可变对象，用 `settings.replace(...)` 得到新设置。
# 只影响本笔记本；要让季度运行也使用，请写入设置文件 (`config`)。
# Settings are frozen: `settings.replace(...)` gives a new one. This affects only this
# notebook; put the values in the settings file to change the quarterly run.

# %%
from trafficprev.hotspots import find_hotspots

in_window = result.geocoded["injured_at"].dt.to_period("Q").astype(str).isin(result.window)
other = find_hotspots(
    result.geocoded[in_window],
    area,
    settings.replace(segment_length_m=200.0, gi_k=2),
    as_of=pd.Period(quarter, freq="Q").end_time.date(),
)
pd.DataFrame(
    {
        "default 100 m, gi_k=1": hs.units["hotspot_class"].replace("", None).value_counts(),
        "200 m, gi_k=2": other.units["hotspot_class"].replace("", None).value_counts(),
    }
).fillna(0).astype(int)
