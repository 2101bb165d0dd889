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
# # 03 企业、人群与情形 · Enterprises, groups and circumstances
#
# 哪些企业的职工上下班途中事故多（漏斗图、重点企业名单及理由、排序条形图），这些企业的
# 事故发生在哪里（离单位多远、是否在单位门口、通勤走廊），以及按人群（性别、年龄段、
# 出行方式、行业、时段、通勤方向）和情形（对方车辆、交叉口/路段、事故责任、时间）的分布。
# Which enterprises' workers have many commuting accidents (funnel plot, the key list with
# its reasons, ranked bars), where those accidents happen, and the tables by group and by
# circumstance.
#
# 发生率为每千名参保人每年（‰/年），经验贝叶斯（EB）平滑后排序，小企业不会因一起事故排在
# 前面。人群和情形表中少于 `k_police` 起的格子标记为 `small`，对外发布前须隐去。
# Rates are per 1,000 insured per year, ranked after empirical-Bayes smoothing; cells with
# fewer than `k_police` cases are marked `small` and must be suppressed before sharing.
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
# %matplotlib inline
from pathlib import Path

from IPython.display import display

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
# 重点企业按截至本季度的八个季度计算（以便检验近四季度是否上升）；人群和情形表按热点窗口
# （四个季度）计算。
# Key enterprises use the eight quarters ending with `quarter` (for the rising-trend test);
# the group and circumstance tables use the four-quarter window.

# %%
run_dir = Path(out_dir) / quarter
result = load_or_run(files, quarter=quarter, out=run_dir, settings=settings)
print(result.provenance)
key = result.key
print(f"运行文件夹 run folder: {run_dir}")
print(f"企业季度 key window: {key.attrs['quarters'][0]}–{key.attrs['quarters'][-1]}")
print(f"全市平均 overall rate: {key.attrs['theta'] * 1000:.1f}‰/年 per year")

# %% [markdown]
# ## 漏斗图 · Funnel plot
#
# 横轴为参保人年，纵轴为发生率；虚线为 95% 控制限，实线为 99.8% 控制限（精确泊松）。
# 红点为重点企业。
# Exposure against rate with exact Poisson 95 % and 99.8 % limits; key enterprises in red.

# %%
from trafficprev import groups

groups.plot_funnel(key, label_col="name", title=f"{quarter} 企业上下班途中交通事故发生率")

# %% [markdown]
# ## 重点企业名单 · The key list with its reasons
#
# 排序规则：第 1 层高于 99.8% 控制限；第 2 层高于 95% 控制限或近四季度上升；其余有案件的企业
# 为第 3 层。层内按 EB 率仍归于该企业的超额案件数、案件数、信用代码排序。`trained` 标出本期内
# 已接受培训的企业（措施台账的“培训”行，`trained_on` 为最近一次培训日期）。
# Tier 1 above the 99.8 % limit; tier 2 above the 95 % limit or rising; then every other
# enterprise with cases; within a tier by excess cases the EB rate attributes to it.
# `trained` marks the enterprises trained within the window (the measures file's 培训 rows).

# %%
key_columns = ["rank", "tier", "name", "industry", "district", "n_cases", "insured"]
key_columns += ["rate_per_1000", "eb_rate_per_1000", "n_recent", "n_before", "reason"]
key_columns += [c for c in ("trained", "trained_on") if c in key]  # 已培训 (measures file)
print(f"重点企业 key enterprises: {int(key['key'].sum())} (setting {settings.key_enterprises})")
key[key["key"]][key_columns]

# %% [markdown]
# ## 排序条形图 · Ranked bars
#
# 条长为 EB 平滑发生率，横线为原始发生率的精确 95% 区间。
# Bars: EB-smoothed rate; lines: the crude rate's exact 95 % interval.

# %%
groups.plot_ranked(
    key[key["key"]],
    n=settings.key_enterprises,
    lower_col="rate_lower",
    upper_col="rate_upper",
    title="重点企业（经验贝叶斯平滑发生率）",
)

# %% [markdown]
# ## 企业事故发生在哪里 · Where the enterprises' accidents happen
#
# 离单位的距离（只计精确定位的案件）、单位门口（`gate_radius_m` 内）的比例、位于热点单元的
# 案件；以及多家企业共用的热点单元（通勤走廊，适合联合宣传）。
# Distance from the workplace, share at the gate, cases on hot units; and the hot units
# several enterprises share (commute corridors).

# %%
hs = result.hotspots
places = groups.enterprise_places(hs.cases, result.register, hs.units, settings)
key_codes = key.loc[key["key"], "credit_code"]
places[places["credit_code"].isin(key_codes)].drop(columns="credit_code")

# %%
corridors = groups.enterprise_units(hs.cases, result.register, hs.units)
if len(corridors):
    display(corridors.drop(columns="enterprises"))
else:
    print("热点单元上没有企业的案件 no enterprise has cases on a hot unit")

# %% [markdown]
# ## 人群 · Groups
#
# 份额带 Wilson 95% 区间；行业另有按名录参保人数计算的发生率。
# Shares with Wilson intervals; industries also with rates against the register's headcount.

# %%
for title, table in result.groups.items():
    print(f"== {title}")
    display(table)

# %% [markdown]
# ## 情形 · Circumstances

# %%
for title, table in result.circumstances.items():
    if title in ("小时", "星期", "月份"):  # long tables: their profiles are in notebook 04
        continue
    print(f"== {title}")
    display(table)

# %% [markdown]
# ## 交叉表 · Cross-tabulations
#
# 行 × 列的案件数（含合计）；比例和 `small` 标记见 `result.crosstabs` 的长表。
# Counts with totals; shares and the `small` flag are in the long tables.

# %%
for title, table in result.crosstabs.items():
    print(f"== {title}")
    display(groups.crosstab_wide(table))

# %% [markdown]
# ## 建议培训人群 · Target groups for training
#
# 把窗口内的案件按行业、出行方式、通勤方向、时段、年龄段、性别、对方车辆、交叉口/路段、
# 事故责任交叉分组（每组最多 `group_max_order` 项，至少 `k_police` 起），与按总体构成推算的
# 预期起数比较（行业按名录参保人数）。`called_out` 为突出的人群：精确泊松检验经
# Benjamini–Hochberg 错误发现率（5%）校正后显著，且自助抽样区间 `lift_low`–`lift_high`
# （按入选组合数校正）不含 1；`rank_low`–`rank_high` 是排名
# 的自助区间。方法与去冗余规则见 `docs/groups.md`。
# Cells of the cross-classification with at least `k_police` cases, against the count the
# composition predicts (the industry's from the register's insured). `called_out`: the
# exact test survives the Benjamini–Hochberg step (FDR 5 %) and the bootstrap interval of the
# lift excludes 1. The rules are in `docs/groups.md`.

# %%
targets = result.targets
print(f"排名所依据的案件数 cases the ranking rests on: {targets.n_cases}")
print(f"检验的组合数 cells tested: {targets.n_cells}; 突出 called out: {len(targets.called_out)}")
group_columns = ["rank", "group", "n", "share", "expected_share", "lift", "lift_low"]
group_columns += ["lift_high", "rank_low", "rank_high", "rate_per_1000", "called_out"]
targets.groups[group_columns].head(15)

# %% [markdown]
# 每个突出人群的案件集中在哪些企业、什么时段、哪些地点（“培训谁、何时提示、在哪里宣传”）；
# `sites.xlsx` 的“培训对象”表是其按发布级别处理后的版本。
# Whom, when and where: the enterprises, peak window and places of each group called out
# (the 培训对象 sheet of `sites.xlsx` is this at the release level).

# %%
from trafficprev.release import release_training

release_training(
    targets.groups, targets.enterprises, targets.places, targets.hours, "internal", settings
)

# %%
targets.enterprises

# %% [markdown]
# ## 多发情形 · Circumstance combinations
#
# 同样的方法用于出行方式 × 对方车辆 × 事故责任 × 时段 × 交叉口/路段。
# The same method on mode × counterpart × responsibility × time band × place type.

# %%
targets.circumstances[[*group_columns[:-2], "called_out"]].head(10)
