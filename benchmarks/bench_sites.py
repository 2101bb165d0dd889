"""Site selection: trafficprev ``max_cover`` (scipy-HiGHS) against spopt ``MCLP`` (PuLP CBC).

    python benchmarks/bench_sites.py            # 1,000 × 200 and 10,000 × 2,000
    python benchmarks/bench_sites.py --quick    # 400 × 80 only (smoke run)

A random planar instance per size, the same for every solver:

* demand points: 60 % in Gaussian blobs (σ = 250 m, one blob per 250 points), 40 % uniform;
  integer weights 1–3 (severity-weighted accident counts);
* candidates: uniform in the same square, whose side keeps the candidate density fixed
  (10 km for 2,000 candidates, 3.16 km for 200);
* coverage radius 300 m (Euclidean, ``d ≤ 300``), p = 30 new sites;
* spacing 200 m: every candidate pair with ``d ≤ 200`` is a conflict (``x_j + x_k ≤ 1``).

Timed in the same process, once each (one untimed warm-up call of ours on the small instance):

* ``max_cover`` with the spacing conflicts (including the lexicographic tie-break solves);
* ``max_cover`` without spacing;
* spopt ``MCLP.from_cost_matrix`` (model build from the dense cost matrix, timed separately)
  and ``.solve(pulp.PULP_CBC_CMD(msg=False))`` on the same no-spacing instance.

The coverage matrix (ours) and the dense cost matrix (spopt) are prepared outside the timing.
Reported: the model build (spopt), the time of the coverage MIP solve, the number of MIP
solves (ours: coverage, then the tie-break solves — a second-best solve proving the optimum
unique, or the rank-sum stages when several optima exist), the total wall time, the covered
weight, and the ratio spopt (build + solve) / ours (no spacing, total). The objectives without
spacing must agree to 1e-9 (both are exact MIP optima). spopt has no tie-break: its CBC
solve is one MIP and its site set among tied optima is arbitrary.

``--quick`` (a smoke run, not a measurement): one instance of 400 demand points × 80
candidates (the warm-up on it too).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy
from scipy import sparse
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

import trafficprev.sites._cover as _cover
from trafficprev.sites._cover import max_cover

RADIUS = 300.0
SPACING = 200.0
P = 30


def instance(n_demand: int, n_cand: int, seed: int) -> dict[str, Any]:
    """Clustered demand, uniform candidates, weights 1–3, coverage and conflict pairs."""
    rng = np.random.default_rng(seed)
    side = 10_000.0 * math.sqrt(n_cand / 2000.0)
    n_blob = max(1, n_demand // 250)
    centres = rng.uniform(0.0, side, (n_blob, 2))
    n_in = int(0.6 * n_demand)
    blob = centres[rng.integers(0, n_blob, n_in)] + rng.normal(0.0, 250.0, (n_in, 2))
    demand = np.vstack([blob, rng.uniform(0.0, side, (n_demand - n_in, 2))])
    weights = rng.integers(1, 4, n_demand).astype(np.float64)
    cand = rng.uniform(0.0, side, (n_cand, 2))
    cover = cKDTree(demand).sparse_distance_matrix(cKDTree(cand), RADIUS, output_type="coo_matrix")
    cover = sparse.csr_array(
        (np.ones(cover.nnz, dtype=bool), (cover.row, cover.col)), shape=(n_demand, n_cand)
    )
    conflicts = cKDTree(cand).query_pairs(SPACING, output_type="ndarray")
    return {
        "demand": demand,
        "cand": cand,
        "weights": weights,
        "cover": cover,
        "conflicts": conflicts,
    }


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1: HiGHS 1.x prints a debug line from C on some MIPs."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def timed(fn: Any) -> tuple[float, Any]:
    with quiet_stdout():
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out


def timed_ours(fn: Any) -> tuple[float, float, int, Any]:
    """Wall time, time of the HiGHS coverage solve, number of HiGHS solves, result.

    Instrumentation only: the private solver entry point is wrapped for the duration of
    the call to separate the coverage solve (the model's own objective, no extra rows) from
    the tie-break solves.
    """
    main, solves = [0.0], [0]
    original = _cover._run

    def run(model: Any, deadline: float, **kw: Any) -> Any:
        t0 = time.perf_counter()
        out = original(model, deadline, **kw)
        solves[0] += 1
        if not any(v is not None and len(v) for v in kw.values()):
            main[0] += time.perf_counter() - t0
        return out

    _cover._run = run
    try:
        total, out = timed(fn)
    finally:
        _cover._run = original
    return total, main[0], solves[0], out


def run(n_demand: int, n_cand: int) -> list[dict[str, Any]]:
    inst = instance(n_demand, n_cand, seed=n_demand + n_cand)
    w, cover, conf = inst["weights"], inst["cover"], inst["conflicts"]
    size = f"{n_demand:,} × {n_cand:,}"
    rows: list[dict[str, Any]] = []
    t_sp, m_sp, n_sp, res_sp = timed_ours(
        lambda: max_cover(w, cover, P, conflicts=conf, time_limit=600.0)
    )
    rows.append(
        {
            "size": size,
            "solver": f"ours, spacing ({len(conf):,} pairs)",
            "build": math.nan,
            "main": m_sp,
            "solves": n_sp,
            "seconds": t_sp,
            "objective": res_sp.objective,
            "status": res_sp.status,
        }
    )
    t_ns, m_ns, n_ns, res_ns = timed_ours(lambda: max_cover(w, cover, P, time_limit=600.0))
    rows.append(
        {
            "size": size,
            "solver": "ours, no spacing",
            "build": math.nan,
            "main": m_ns,
            "solves": n_ns,
            "seconds": t_ns,
            "objective": res_ns.objective,
            "status": res_ns.status,
        }
    )
    try:
        import pulp
        from spopt.locate import MCLP
    except ImportError:  # pragma: no cover - spopt is a benchmark peer
        return rows
    dist = cdist(inst["demand"], inst["cand"])
    t_build, model = timed(
        lambda: MCLP.from_cost_matrix(dist, w, service_radius=RADIUS, p_facilities=P)
    )
    t_solve, model = timed(lambda: model.solve(pulp.PULP_CBC_CMD(msg=False), results=False))
    obj = float(pulp.value(model.problem.objective))
    rows.append(
        {
            "size": size,
            "solver": "spopt MCLP + CBC, no spacing",
            "build": t_build,
            "main": t_solve,
            "solves": 1,
            "seconds": t_build + t_solve,
            "objective": obj,
            "status": pulp.LpStatus[model.problem.status].lower(),
            "ratio": (t_build + t_solve) / t_ns,
            "diff": abs(obj - res_ns.objective),
        }
    )
    return rows


def markdown_table(headers: list[str], rows: list[list[str]], align: str) -> str:
    """A GitHub markdown table; ``align`` has one ``l`` / ``r`` per column."""
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def fmt(x: float, spec: str) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="400 × 80 only (smoke run)")
    args = parser.parse_args(argv)
    sizes = [(400, 80)] if args.quick else [(1_000, 200), (10_000, 2_000)]
    small = instance(*sizes[0], seed=0)
    timed(lambda: max_cover(small["weights"], small["cover"], P))  # warm-up (HiGHS load)
    out: list[dict[str, Any]] = []
    for n_demand, n_cand in sizes:
        out += run(n_demand, n_cand)
    headers = [
        "instance",
        "solver",
        "build s",
        "coverage solve s",
        "solves",
        "total s",
        "covered weight",
        "status",
        "spopt / ours",
        "|Δ objective|",
    ]
    table = [
        [
            r["size"],
            r["solver"],
            fmt(r["build"], ".2f"),
            fmt(r["main"], ".2f"),
            str(r["solves"]),
            fmt(r["seconds"], ".2f"),
            fmt(r["objective"], ",.0f"),
            r["status"],
            fmt(r.get("ratio", math.nan), ".1f"),
            fmt(r.get("diff", math.nan), ".1e"),
        ]
        for r in out
    ]
    print(
        f"radius {RADIUS:.0f} m, p = {P}, spacing {SPACING:.0f} m; python "
        f"{platform.python_version()}, scipy {scipy.__version__} (HiGHS), "
        f"{platform.machine()} ({platform.processor() or 'cpu'})\n"
    )
    print(markdown_table(headers, table, "llrrrrrlrr"))


if __name__ == "__main__":
    main()
