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
# # 06 精准预防 · The precision project and the injury statistics
#
# 计划要求“从近三年工伤发生率和基金支缴率较高的企业中”选定重点企业开展“一企一策”精准培训，
# 并评估培训后工伤发生率是否同比下降10%以上。本笔记本统计全部工伤类型（不只通勤交通事故）：
# 按企业、行业和区县的工伤发生率（精确区间、经验贝叶斯平滑、漏斗图上限）与基金支缴率
# （Bühlmann–Straub 可信度加权，一家小企业的一笔大额赔付不会把它排到前面），列出重点企业名单
# 及列入原因，并评估往年培训的效果。规则和理由见 `docs/precision.md`。
# The precision project over every injury type: incidence and the fund's payout ratio per
# enterprise, industry and county; the list for the joint meeting with its reasons; and the
# evaluation of earlier training against the 10 % goal. The rule is in `docs/precision.md`.
#
# 默认使用**合成演示数据**示范市；真实台账请给出 `inputs`、`enterprises`、`contributions`、
# `payouts`。

# %% tags=["parameters"]
quarter = "2024Q4"  # 本季度: the statistics year is its year unless `year` is given
inputs: list[str] = []  # 工伤认定台账 (every injury type, the three years); empty: the demo
area_dir = None  # not used here (the precision project needs no map)
out_dir = "runs/notebook"  # the project goes to out_dir/precision-<year>
as_of = None  # 参考日期 "YYYY-MM-DD" (reproducible reruns); None: today
config = None  # settings TOML file
enterprises = None  # 企业名录; None: the demo's (only with the demo inputs)
campaign_sites = None  # not used here
measures = None  # 已实施措施: its 培训 rows are the precision trainings
contributions = None  # 工伤保险缴费台账
payouts = None  # 工伤保险待遇支付台账
year = None  # 统计年度 e.g. 2024; None: the year of `quarter`
release = "internal"  # 发布级别: the list is for the joint meeting (联席会议)

# %%
# %matplotlib inline
from pathlib import Path

from IPython.display import display

from trafficprev.groups import plot_funnel
from trafficprev.pipeline import parse_quarter, precision_inputs, run_precision
from trafficprev.precision import (
    FIELD_COLUMNS,
    LIST_COLUMNS,
    evaluation_columns,
    funnel_table,
    group_columns,
    labelled,
    precision_tables,
    summary_columns,
)

year = int(year) if year else int(parse_quarter(quarter)[:4])
settings, files = precision_inputs(
    inputs=inputs,
    enterprises=enterprises,
    contributions=contributions,
    payouts=payouts,
    measures=measures,
    config=config,
    as_of=as_of,
)  # no inputs: the synthetic demo city (2022–2024 determinations, register, ledgers, measures)

# %% [markdown]
# ## 运行 · Run the year
#
# 统计期为截至统计年度的三年（`precision_years`）。几秒钟即可算完，所以每次都重新计算。
# The window is the three years ending with `year`; it takes seconds, so it is always run.

# %%
folder = Path(out_dir) / f"precision-{year}"
result = run_precision(year=year, **files, out=folder, settings=settings, release=release)
print(f"运行文件夹 run folder: {folder}")
print(f"统计期 window: {result.years[0]}–{result.years[-1]}")
city = result.city
print(f"全市发生率 city rate: 每千名参保职工每年 {city['rate_per_1000']:.1f} 起 per 1,000 a year")
print(f"全市支缴率 city payout ratio: {100 * city['ratio']:.0f}%")
for note in result.notes:
    print("注意 note:", note)

# %% [markdown]
# ## 重点企业名单 · The list
#
# 两项均超出上限的企业在前，其次为一项超出上限的企业，按综合倍数排序；两项都未超出上限的
# 不列入（名单可以少于22家）。
# Both measures high first, then one; by the combined multiple; none inside both limits.

# %%
tables = precision_tables(result, release)
display(labelled(tables.listed, LIST_COLUMNS))

# %% [markdown]
# ## 漏斗图 · Funnel plot
#
# 横轴为参保人年，纵轴为工伤发生率；虚线为全市平均的控制限，红点为名单企业。
# Exposure against incidence, with the control limits around the city's rate.

# %%
plot_funnel(funnel_table(result), title=f"{result.years[0]}–{result.years[-1]} 工伤发生率")

# %% [markdown]
# ## 重点行业与区县 · Industries and counties (the three years pooled)

# %%
window = f"{result.years[0]}–{result.years[-1]}"
industries = tables.industries[tables.industries["period"] == window]
display(labelled(industries, group_columns("industry")))
districts = tables.districts[tables.districts["period"] == window]
display(labelled(districts, group_columns("district")))

# %% [markdown]
# ## 重点领域 · Key fields (injuries by kind)

# %%
display(labelled(tables.fields[tables.fields["period"] == window], FIELD_COLUMNS))

# %% [markdown]
# ## 项目评估 · Did the training work?
#
# 经验贝叶斯前后对比（校正均值回归和全市趋势）；“达到目标”要求整个区间都在 −10% 以下。
# Empirical-Bayes before/after; 达到目标 only when the whole interval lies at or below −10 %.

# %%
display(labelled(tables.evaluation_summary, summary_columns()))
display(labelled(tables.evaluation, evaluation_columns()))
for note in result.evaluation.notes:
    print("说明:", note)
