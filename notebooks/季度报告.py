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
# # 季度报告 · The quarterly report
#
# 每季度运行一次：读入截至本季度的全部台账，完成整套分析，写出运行文件夹
# `out_dir/quarter`（`report.html`、`sites.xlsx`、`maps/*.html`、`cases.gpkg`、
# `review_queue.csv`、`manifest.json` ……），并在这里显示报告路径、逐行核对和主要数字。
# Run once a quarter: the whole analysis into `out_dir/quarter`, then the path of
# `report.html`, the row accounting and the key figures.
#
# 每季度的命令 Each quarter (relative paths are taken from the folder you run it in;
# `.ipynb` files are not committed):
#
# ```bash
# jupytext --to ipynb notebooks/季度报告.py
# mkdir -p runs
# papermill notebooks/季度报告.ipynb runs/季度报告-2024Q4.ipynb -p quarter 2024Q4 \
#     -y "inputs: [台账/2023.xlsx, 台账/2024.xlsx, 台账/2024Q4.csv]" \
#     -p area_dir areas/changde -p out_dir runs \
#     -p enterprises 台账/企业名录.xlsx -p campaign_sites 台账/宣传点.csv \
#     -p measures 台账/已实施措施.csv -p overrides runs/overrides.csv
# ```
#
# 文件列表用 `-y`（`-p` 只传字符串和数字）；没有填写好的复核清单时去掉 `-p overrides …`。
# Lists go with `-y` (`-p` passes strings and numbers only); drop `-p overrides …` until you
# have a filled review queue.
#
# 上季度的运行文件夹（如 `runs/2024Q3`）存在时自动与之比较。不给 `inputs` 时使用
# **合成演示数据**示范市。
# The previous quarter's folder (e.g. `runs/2024Q3`) is compared with when present. Without
# `inputs` the synthetic demo city is used.

# %% tags=["parameters"]
quarter = "2024Q4"  # 本季度 the run's quarter
inputs: list[str] = []  # 工伤认定台账 exports (all quarters up to `quarter`); empty: the demo
area_dir = None  # 区域地名库 (`trafficprev area build`); None: the demo's, in out_dir/area
out_dir = "runs/notebook"  # the run goes to out_dir/quarter
as_of = None  # 参考日期 "YYYY-MM-DD" (reproducible reruns); None: today
config = None  # settings TOML file
enterprises = None  # 企业名录; None: the demo's (only with the demo inputs)
campaign_sites = None  # 宣传点候选清单
measures = None  # 已实施措施
overrides = None  # 已填写的复核清单 overrides.csv
previous = "auto"  # 上季度运行文件夹; "auto": out_dir/上季度; None: no comparison
release = "police"  # 发布级别 of sites.xlsx and the maps: internal, police or public

# %%
from pathlib import Path

import pandas as pd

from trafficprev.pipeline import parse_quarter, resolve_inputs, run

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
# ## 运行 · Run
#
# 中断也安全：结果先写到旁边的临时文件夹，最后一步才替换 `out_dir/quarter`。
# Safe to interrupt: the folder is replaced only at the end.

# %%
run_dir = Path(out_dir) / quarter
result = run(
    **files,
    quarter=quarter,
    out=run_dir,
    overrides=overrides,
    settings=settings,
    previous=previous,
    release=release,
)
print(f"运行文件夹 run folder: {run_dir}")
print(f"报告 report: {(run_dir / 'report.html').resolve()}")
print(f"上季度运行 previous run: {result.manifest['previous'] or '无 none'}")

# %% [markdown]
# ## 逐行核对 · Row accounting

# %%
print(result.intake.accounting.report())

# %% [markdown]
# ## 主要数字 · Key figures

# %%
m = result.manifest
hot = result.hotspots.units
figures = {
    "季度 quarter": result.quarter,
    "热点窗口 hotspot window": f"{result.window[0]}–{result.window[-1]}",
    "有效案件 cases": m["accounting"]["cases"],
    "通勤交通事故 commuting traffic cases": m["accounting"]["commuting_traffic"],
    "其中窗口内 in the window": len(result.hotspots.cases),
    "待复核 review queue": m["review_queue"],
    "热点单元 hot units": int(hot["hot"].sum()),
    "热点类别 hotspot classes": "，".join(f"{k} {v}" for k, v in m["hotspots"]["classes"].items())
    or "无 none",
    "多发点段 stretches meeting a preset": len(result.hotspots.stretches),
    "重点企业 key enterprises": int(result.key["key"].sum()),
    "警示标志点位 sign sites": len(result.sign_sites),
    "宣传点位 campaign sites": len(result.campaign_sites),
    "评估的措施 measures evaluated": 0
    if result.evaluation is None
    else int((result.evaluation.measures["status"] == "evaluated").sum()),
    "发布级别 release": m["release"],
    "用时 seconds": m["timings"]["total"],
}
pd.Series(figures, dtype=object).to_frame("值 value")

# %% [markdown]
# 地理编码匹配级别 Geocode match levels

# %%
pd.Series(m["geocode_levels"]).to_frame("cases")

# %% [markdown]
# 写出的文件 Files written (交给交警部门的是 `sites.xlsx` 和 `maps/`；其余留在中心)

# %%
for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
    print(path.relative_to(run_dir))
