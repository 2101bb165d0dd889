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
# # 05 选址与地图 · Sites and maps
#
# 警示标志建议点位和宣传点位，三张离线地图（热点、标志点位、宣传点位），以及交给交警部门的
# 文件（运行文件夹中的 `sites.xlsx`、`sites.gpkg` 和 `maps/*.html`）。
# The warning-sign and campaign sites, the three offline maps, and the files for the police
# (`sites.xlsx`, `sites.gpkg` and `maps/*.html` in the run folder).
#
# 建议点位由精确的最大覆盖模型选出，**须经交警部门现场核实**。
# The sites come from an exact maximal-covering model and must be checked on the ground.
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
measures = None  # 已实施措施 (existing 警示标志 are fixed sites)
release = "police"  # 发布级别 of the shared files: internal, police or public

# %%
from pathlib import Path

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

# %%
run_dir = Path(out_dir) / quarter
result = load_or_run(files, quarter=quarter, out=run_dir, settings=settings, release=release)
print(result.provenance)
area = load_area(area_dir)
period = f"{result.window[0]}–{result.window[-1]}"
print(f"运行文件夹 run folder: {run_dir}")
print(f"热点窗口 window: {period}；发布级别 release: {release}")

# %% [markdown]
# ## 警示标志点位 · Warning-sign sites
#
# 候选点位在每个热点交叉口和路段之前 `sign_advance_m` 米，面向驶来的车辆（每条进口道一个）；
# 一处标志覆盖其前方 `sign_reach_m` 米内、它所面向的车流的事故：叙述写明行驶方向（由南向北、
# 向东行驶……）的事故只计入该方向的进口道，未写明的计入每条进口道、但只算一次。选出至多
# `sign_count` 处覆盖（按伤情加权）事故最多的点位，同一进口道不重复设置；
# **每处新设标志至少新增 `k_police` 起**（`新增覆盖事故数` 即 `marginal_cases`），达不到的不建议；
# 已有的警示标志（措施表中的警示标志）固定计入（`状态` 已有）。
# 标志和设施按 GB 5768.2-2022 由事故情形规则选出。
# Candidates stand before every hot unit facing the approaching traffic; a sign covers the
# cases ahead of it for the traffic it faces (a case's written heading picks its approach);
# `max_cover` picks the sites covering the most severity-weighted cases, existing signs fixed,
# no two on one approach, each new sign adding at least k cases.

# %%
sign_columns = ["site_id", "status", "location", "approach", "position_text", "facing"]
sign_columns += ["n_covered", "marginal_cases", "peak_hours", "circumstances", "signs"]
sign_columns += ["facilities", "lon", "lat"]
if len(result.sign_sites):
    display(result.sign_sites[sign_columns])
else:
    print("本窗口没有热点单元，无标志点位 no hot unit, so no sign site")

# %% [markdown]
# ## 需要多少处标志 · How many signs the budget needs
#
# 两个预算问题（`sign_budget`）：覆盖全部热点单元最少需要新设几处标志（集合覆盖模型 LSCP；
# 已有标志覆盖的单元不再计），以及新设 1…N 处标志分别能覆盖多少起事故（与上面的建议同一规则）。
# 曲线在再多一处标志也新增不足 `k_police` 起时停止。
# The fewest new signs covering every hot unit (set covering), and the cases covered by
# 1…N new signs under the proposal's own rule, to size the budget.

# %%
import matplotlib.pyplot as plt

from trafficprev.groups import cjk_style
from trafficprev.sites import existing_signs, sign_budget

signs_in_place = existing_signs(result.measures, quarter)  # in place by the quarter's end
budget = sign_budget(result.hotspots, settings, existing=signs_in_place)
print(
    f"热点单元 hot units: {budget.hot_units}；已有标志覆盖 covered by existing signs: "
    f"{budget.hot_covered_by_existing}；覆盖其余全部最少新设 fewest new signs to cover "
    f"the rest: {budget.cover_all}"
)
display(budget.curve)
if len(budget.curve) > 1:
    with cjk_style():
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.plot(budget.curve["n_signs"], budget.curve["cases_covered"], marker="o")
        ax.set_xlabel("新设标志数 new signs")
        ax.set_ylabel("覆盖起数 cases covered")
        ax.set_xticks(budget.curve["n_signs"])
        ax.grid(alpha=0.4)
        plt.show()

# %% [markdown]
# ## 宣传点位 · Campaign sites
#
# 在宣传点候选清单（大型社区、工业园区、CBD、学校）和地名库中同类地点中，选出 `campaign_count`
# 处覆盖案件最多的点位：单位注册地址或事故地点在 `campaign_radius_m` 米内即算覆盖（台账没有
# 家庭住址，事故地点代表通勤的住家一端）。★ 为重点企业。
# Sites reaching the most cases' workplaces or accident places; ★ marks key enterprises.

# %%
campaign_columns = ["site_id", "site_kind", "name", "position_text", "n_covered"]
campaign_columns += ["n_workplace", "n_accident", "n_enterprises", "register_enterprises"]
campaign_columns += ["register_insured", "reaches", "lon", "lat"]
if len(result.campaign_sites):
    display(result.campaign_sites[campaign_columns])
else:
    print("未选出宣传点位（需要企业名录和宣传点候选）no campaign site (needs register and list)")

# %% [markdown]
# ## 地图 · Maps
#
# 离线显示（Leaflet 已内嵌，地图底图为地名库自身的道路，不需要网络）。与运行文件夹中
# `maps/*.html` 相同的地图，发布级别同上。
# Shown offline (no network needed), the same maps as `maps/*.html` at the same release level.

# %%
from trafficprev import maps

labels = {"period": period, "release": release}
extras = {"emerging": result.emerging.units, "peaks": result.peaks}
maps.show(maps.hotspots_map(result.hotspots, area, settings, **extras, **labels))

# %%
maps.show(maps.sign_sites_map(result.sign_sites, result.hotspots, area, settings, **labels))

# %%
maps.show(
    maps.campaign_sites_map(result.campaign_sites, result.candidates, area, settings, **labels)
)

# %% [markdown]
# ## 交给交警部门的文件 · Files for the police
#
# `sites.xlsx`（工作表 建议点位、重点企业、说明；WGS-84 与 GCJ-02 坐标，可直接用于高德、腾讯地图）、
# `sites.gpkg`（图层 sign_sites、campaign_sites）和 `maps/` 下的三张地图，均为自包含文件，可用
# Chrome、Edge 或 360/奇安信 浏览器的极速模式离线打开（不支持 IE 和兼容模式）。
# Self-contained files; open the maps in Chrome, Edge or the 极速模式 of 360/奇安信.
#
# **发布级别 Release levels**（`release` 参数，或 `trafficprev run --release`）：
#
# - `internal` 内部：中心工作人员使用，可含案件点位（认定书编号和日期，无姓名、身份证号、电话、
#   受伤经过）。Centre staff only.
# - `police` 警方（默认）：只有单元汇总；少于 `k_police`（3）起显示为“少于3起”，这样的点位
#   不显示高峰时段和情形；无认定书编号和精确时间。Unit aggregates, small counts suppressed.
# - `public` 公开：同 `police`，阈值为 `k_public`（5），不列企业名称。As police with k = 5, no
#   enterprise names.

# %%
for path in sorted(run_dir.glob("sites.*")) + sorted(run_dir.glob("maps/*")):
    print(f"{path}  ({path.stat().st_size / 1e6:.1f} MB)")

# %% [markdown]
# `sites.xlsx` 中交警部门看到的建议点位（按发布级别处理后）。
# The suggested sites as the police see them in `sites.xlsx`.

# %%
from trafficprev.sites import SHEETS, read_back

sheets = read_back(run_dir / "sites.xlsx")
print("工作表 sheets:", "、".join(sheets))
sheets[SHEETS[0]]
