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
# # 04 时段与趋势 · Time windows and trends
#
# 事故集中在一天中的什么时段（小时分布、每个热点的高峰时段），哪些热点在形成或消退
# （新兴热点分类、各季度案件数），与上季度相比有什么变化，以及已实施措施是否有效。
# When accidents happen (hour profiles, each hotspot's peak window), which hotspots are
# emerging or fading, what changed since the previous quarter, and whether the measures
# taken worked.
#
# 时间按环形处理（23:30 与 00:30 的平均为 00:00）；只有日期没有时间的案件不进入小时分布。
# Time of day is circular; cases with a date only never enter hour profiles.
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
run_previous = True  # 上季度文件夹不存在时先运行上季度 (so there is something to compare with)

# %%
# %matplotlib inline
from pathlib import Path

from IPython.display import display
from matplotlib.figure import Figure

from trafficprev.pipeline import load_or_run, parse_quarter, previous_quarter, resolve_inputs

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
# 上季度的运行文件夹（`out_dir/上季度`，如 `runs/notebook/2024Q3`）存在时自动与之比较；
# 不存在且 `run_previous` 为真时先用同样的输入运行上季度（多用几秒）。
# The previous quarter's run folder next to this one is compared with; when it is missing
# and `run_previous` is true, the previous quarter is run first from the same inputs.

# %%
previous_dir = Path(out_dir) / previous_quarter(quarter)
if run_previous:  # loaded when it is there from the same inputs and settings
    before = load_or_run(files, quarter=previous_dir.name, out=previous_dir, settings=settings,
                         previous=None)  # fmt: skip
    print(f"上季度 previous quarter: {before.provenance}")
run_dir = Path(out_dir) / quarter
result = load_or_run(files, quarter=quarter, out=run_dir, settings=settings)
print(result.provenance)
hs = result.hotspots
print(f"运行文件夹 run folder: {run_dir}")
print(f"热点窗口 window: {result.window[0]}–{result.window[-1]}")
print(f"全部季度 history: {result.history[0]}–{result.history[-1]}")

# %% [markdown]
# ## 小时分布 · Hour profiles
#
# 热点窗口内的案件，按通勤方向（上班/下班）分列。
# The window's cases by hour of day, by commute direction.

# %%
from trafficprev import trends
from trafficprev._plotting import cjk_style

profile = trends.hour_profile(hs.cases, by="direction")
print(f"无具体时间的案件 cases with a date only (left out): {profile.attrs['n_untimed']}")
by_hour = profile.pivot(index="hour", columns="direction", values="n")
with cjk_style():
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax = fig.add_subplot()
    bottom = None
    for direction in by_hour.columns:
        ax.bar(by_hour.index, by_hour[direction], bottom=bottom, label=direction)
        bottom = by_hour[direction] if bottom is None else bottom + by_hour[direction]
    ax.set(xlabel="小时", ylabel="案件数", xticks=range(24), xlim=(-0.6, 23.6))
    ax.set_title(f"{quarter} 热点窗口各小时事故数")
    ax.legend(title="通勤方向")
    display(fig)

# %% [markdown]
# 环形平均时间和高峰时段（最短的、包含 `peak_share` 比例案件的半小时网格窗口）。
# Circular mean time and the peak window holding `peak_share` of the timed cases.

# %%
summary_columns = ["n", "n_timed", "mean_time", "rayleigh_p", "peak_text", "peak_share"]
trends.circular_summary(hs.cases, by="direction", peak_share=settings.peak_share)[
    ["direction", *summary_columns]
]

# %% [markdown]
# ## 各热点的高峰时段 · Peak window per hotspot
#
# 少于 3 起有时间的案件时显示“样本不足”。`hotspot_peaks` 也可换一个比例重新计算。
# Fewer than 3 timed cases give "样本不足"; `hotspot_peaks` recomputes with another share.

# %%
peak_columns = ["unit_id", "place", "n", "n_timed", "mean_time", "peak_text", "peak_share"]
if len(result.peaks):
    display(result.peaks[peak_columns])
    wider = trends.hotspot_peaks(hs.cases, hs.units, peak_share=0.75)
    display(wider[["unit_id", "peak_text", "peak_share"]].rename(columns=lambda c: f"75%: {c}"))
else:
    print("本窗口没有热点单元 no hot unit in this window")

# %% [markdown]
# ## 新兴热点 · Emerging hotspots
#
# 按 ESRI 新兴热点分析的做法：每季度的时空 Gi*，对每个单元的 z 序列做 Mann–Kendall 检验，
# 按书面优先顺序分类（新增、连续、加剧、持续、减弱、零星、振荡、历史……）。
# 八个季度时“持续”须八个季度全部为热点，“历史”不可能出现。
# ESRI's emerging-hotspot classes on the road units (space-time Gi*, Mann–Kendall).

# %%
emerging = result.emerging.units
patterned = emerging[~emerging["emerging_class"].isin(["no_pattern", "no_cases"])]
print(f"时空立方体季度 cube quarters: {', '.join(result.emerging.quarters)}")
emerging_columns = ["unit_id", "road", "cross_road", "emerging_label", "n_cases", "n_hot"]
if len(patterned):
    display(patterned["emerging_label"].value_counts().to_frame("units"))
    top = patterned.sort_values("n_cases", ascending=False).head(20)
    display(top[[*emerging_columns, "trend", "mk_p"]])
else:
    print("没有单元呈现新兴热点模式 no unit shows an emerging-hotspot pattern")

# %% [markdown]
# ## 各季度案件数 · Quarterly counts
#
# 全市通勤交通事故，以及本窗口各热点单元（`hotspot_class` 非空）的季度案件数（补零）。
# City-wide commuting traffic cases per quarter, and per hotspot unit (zero-filled).

# %%
city = trends.quarterly_counts(
    result.history_cases.assign(scope="全市"), ["全市"], quarters=result.history, unit_col="scope"
)
with cjk_style():
    fig = Figure(figsize=(9, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(city.columns, city.loc["全市"], color="tab:blue")
    ax.set(ylabel="案件数", title="全市各季度上下班途中交通事故")
    display(fig)
hot_ids = hs.units.loc[hs.units["hotspot_class"].fillna("") != "", "unit_id"]
if len(hot_ids):
    display(trends.quarterly_counts(result.history_cases, hot_ids, quarters=result.history))
else:
    print("本窗口没有热点单元 no hotspot unit in this window")

# %% [markdown]
# ## 与上季度比较 · Comparison with the previous quarter
#
# 热点：新增 / 持续 / 消除；重点企业：新进入 / 保留 / 退出及名次变化。
# Hotspots new / persisting / resolved; key enterprises in / staying / out, rank changes.

# %%
if result.comparison is None:
    print(
        "没有上季度的运行文件夹 no previous run: 先运行上季度（同一 out_dir）。\n"
        "Run the previous quarter into the same out_dir first, or set run_previous."
    )
else:
    print(f"上季度运行 previous run: {result.comparison.previous}")
    for name in ("hotspots", "enterprises"):
        table = getattr(result.comparison, name)
        counts = table["status_zh"].value_counts()
        print(f"== {name}: " + ("，".join(f"{k} {v}" for k, v in counts.items()) or "无 none"))
        if len(table):
            display(table)

# %% [markdown]
# ## 措施评估 · Evaluation of measures
#
# 每项措施实施前后各十二个月，与未处置的单元（或企业）比较；用 Hauer 经验贝叶斯前后对比法
# 排除“均值回归”（因事故多而被选中的地点即使什么都不做也会下降）。`naive_change` 是不作校正的
# 变化，用来说明不校正会误导多少。`met_goal`：`yes` 整个区间低于 −10%，`likely` 估计值低于
# −10%，否则 `no`。
# Hauer's empirical-Bayes before/after against untreated units; `naive_change` shows how much
# regression to the mean alone would have misled.

# %%
if result.evaluation is None:
    print("未提供已实施措施 no measures given")
else:
    display(result.evaluation.measures[["kind", "target", "implemented_on", "n_targets", "status"]])
    eval_columns = ["group", "n_treated", "n_comparison", "before", "after", "expected_after"]
    eval_columns += ["change", "change_lower", "change_upper", "naive_change", "met_goal", "note"]
    display(result.evaluation.summary[eval_columns])
