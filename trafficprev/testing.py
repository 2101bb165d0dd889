"""Helpers for tests and benchmarks, not part of the analysis API.

Nothing in the analysis imports this module (``tests/test_layers.py`` places it above the
pipeline and the CLI), and its names may change without notice.

* :func:`brute_force_cover` and :func:`brute_force_median` — exhaustive references for
  :func:`~trafficprev.sites.max_cover` and :func:`~trafficprev.sites.p_median` on small
  instances: every combination is enumerated and the same rules (objective, then the
  lexicographic tie-break on ranks) pick the winner, so the chosen *sets* must agree with
  the exact solvers', not only the objectives. They share no code with the solvers but
  the result classes.
* :func:`check_in_browser` — loads an HTML file (a map, the report) in headless Chromium
  with the network cut off and reports what the page did: console errors, the DOM after
  scripts ran, and every URL the page tried to load.
* :func:`measure_labels` — loads a map in headless Chromium, visits a list of views (the
  opening view, a zoom level at a point, a layer switched off in the layer control) and
  reports where every site label, road-name label and fixed box was drawn, in screen
  pixels, as measured by the browser itself; :func:`view_snippet` is the script that sets
  a view, for a screenshot of it.

Notes
-----
*Console messages.* With ``--enable-logging=stderr --v=0`` Chromium prints each console
message as ``[…:INFO:CONSOLE:<line>] "<message>", source: <url> (<line>)`` (older builds:
``CONSOLE(<line>)``), at INFO level whatever the JavaScript level, so the level is not in
the log. :func:`check_in_browser` therefore loads a temporary copy of the page with a tiny
first script that prefixes ``console.error`` messages with a marker; ``errors`` holds those
messages plus uncaught exceptions and rejections (``Uncaught …``).

*Page requests.* ``--log-net-log`` writes every URL request of the browser. Chromium's own
background traffic (time sync ``clients2.google.com/time``, ``accounts.google.com``,
``www.google.com/async/…``; observed with Chromium 150) is started with no initiator
(``URL_REQUEST_START_JOB`` params ``initiator == "not an origin"``), while everything a
page loads (scripts, styles, images, tiles, ``fetch``) carries the page origin as
initiator, ``"null"`` for a ``file://`` page. ``requests`` lists the URLs of start-job
events with a page initiator, minus ``file:``, ``data:``, ``about:``, ``blob:`` and
Chromium-internal schemes (``chrome:``, ``chrome-extension:``, ``devtools:``, …).
A failed load still counts: with no network every external load fails, but the attempt is
what the test is about.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from ._errors import ArgumentError, ArgumentTypeError
from .maps import ChromiumError, run_chromium
from .sites import CoverResult, MedianResult

__all__ = [
    "BrowserReport",
    "brute_force_cover",
    "brute_force_median",
    "check_in_browser",
]

#: Objectives within this relative distance of the best count as tied (as in the solvers).
_REL_TOL = 1e-9
#: More combinations than this are refused (seconds to minutes of enumeration).
_MAX_COMBINATIONS = 2_000_000


# ---------------------------------------------------------------------------------------
# exhaustive references for the site optimisers


def _frozen(values: Any, dtype: Any) -> np.ndarray:
    arr = np.array(values, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


def _indices(values: Any, m: int, name: str) -> np.ndarray:
    """Candidate indices as sorted unique int64 (empty for None)."""
    arr = np.asarray([] if values is None else values)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ArgumentTypeError(f"{name} must be integer candidate indices, got {arr.dtype}")
    if arr.min() < 0 or arr.max() >= m:
        raise ArgumentError(f"{name} must be candidate indices in [0, {m})")
    return np.unique(arr.astype(np.int64))


def _ranks(rank: Any, m: int) -> np.ndarray:
    """Ordinal ranks ``0 … m − 1``: by increasing `rank`, equal ranks by index."""
    if rank is None:
        return np.arange(m, dtype=np.int64)
    values = np.asarray(rank, dtype=np.float64)
    if values.shape != (m,):
        raise ArgumentError(f"rank must have shape ({m},), got {values.shape}")
    out = np.empty(m, dtype=np.int64)
    out[np.lexsort((np.arange(m), values))] = np.arange(m, dtype=np.int64)
    return out


def _weights(weights: Any) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or not np.isfinite(w).all() or (w < 0).any():
        raise ArgumentError("weights must be a 1-D array of finite numbers >= 0")
    return w


def _count(p: Any, free: int) -> int:
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        raise ArgumentTypeError(f"p must be an integer, got {type(p).__name__}")
    if not 0 <= p <= free:
        raise ArgumentError(f"p must be in 0 … {free} (the candidates that are not fixed)")
    return int(p)


def _winner(
    found: list[tuple[tuple[int, ...], float]], rank: np.ndarray, *, best: float, better: int
) -> tuple[int, ...]:
    """The tie-break: among sets whose objective is within the tolerance of `best` (above it
    for ``better=+1``, below for ``-1``), the lowest rank sum, then the lexicographically
    smallest sorted ranks."""
    tol = _REL_TOL * max(1.0, abs(best))
    tied = [c for c, v in found if (v - best) * better >= -tol]

    def key(combo: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
        ranks = sorted(int(rank[j]) for j in combo)
        return sum(ranks), tuple(ranks)

    return min(tied, key=key)


def _too_many(n_comb: int) -> None:
    if n_comb > _MAX_COMBINATIONS:
        raise ArgumentError(f"{n_comb} combinations: too many for brute force")


def brute_force_cover(
    weights: Any,
    cover: Any,
    p: int,
    *,
    fixed: Any = (),
    conflicts: Any = None,
    rank: Any = None,
    time_limit: float = 60.0,
) -> CoverResult:
    """Exhaustive reference for :func:`~trafficprev.sites.max_cover` on small instances.

    Parameters
    ----------
    weights, cover, p, fixed, conflicts, rank
        As in :func:`~trafficprev.sites.max_cover` (checked only as far as the enumeration
        needs: give it what the solver accepts).
    time_limit : float, default 60
        Accepted for signature compatibility; not used.

    Returns
    -------
    CoverResult
        Always ``status == "optimal"`` (``mip_gap = 0``).

    Raises
    ------
    ArgumentError
        When the arrays do not fit together, `p` exceeds the candidates that are not fixed,
        or more than 2,000,000 combinations would be enumerated (also a ``ValueError``).

    Notes
    -----
    A fixed site rules out every candidate in conflict with it (a conflict between two
    fixed sites is ignored). Every set of ``q`` eligible, pairwise non-conflicting
    candidates is enumerated, with ``q`` the largest size ``≤ p`` for which one exists; the
    covered weight of a set counts every demand row covered by it or by a fixed site. The
    winner has the largest coverage ``z*``, then among sets with coverage
    ``≥ z* − 1e-9·max(1, |z*|)`` the lowest rank sum, then the lexicographically smallest
    sorted ranks.
    """
    del time_limit
    t0 = time.perf_counter()
    w = _weights(weights)
    mat = cover.toarray() if sparse.issparse(cover) else np.asarray(cover)
    mat = np.asarray(mat != 0, dtype=bool)
    if mat.ndim != 2 or mat.shape[0] != w.size:
        raise ArgumentError(f"cover must be (n_demand × n_cand) with {w.size} rows")
    m = mat.shape[1]
    fix = _indices(fixed, m, "fixed")
    pairs = np.asarray([] if conflicts is None else conflicts, dtype=np.int64).reshape(-1, 2)
    p = _count(p, m - fix.size)
    rk = _ranks(rank, m)
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fix] = True
    ruled_out = {int(b) if is_fixed[a] else int(a) for a, b in pairs if is_fixed[a] != is_fixed[b]}
    eligible = [j for j in range(m) if not is_fixed[j] and j not in ruled_out]
    bad = {frozenset((int(a), int(b))) for a, b in pairs}
    _too_many(sum(math.comb(len(eligible), q) for q in range(min(p, len(eligible)) + 1)))

    def covered(combo: Iterable[int]) -> np.ndarray:
        return mat[:, [*fix.tolist(), *combo]].any(axis=1)

    found: list[tuple[tuple[int, ...], float]] = []
    for q in range(min(p, len(eligible)), -1, -1):
        for combo in itertools.combinations(eligible, q):
            if any(frozenset(pair) in bad for pair in itertools.combinations(combo, 2)):
                continue
            found.append((combo, float(w[covered(combo)].sum())))
        if found:
            break
    winner = _winner(found, rk, best=max(v for _, v in found), better=+1)
    hit = covered(winner)
    return CoverResult(
        chosen=_frozen(sorted(winner), np.int64),
        fixed=_frozen(fix, np.int64),
        covered=_frozen(hit, bool),
        objective=float(w[hit].sum()),
        status="optimal",
        optimal=True,
        mip_gap=0.0,
        seconds=time.perf_counter() - t0,
        shortfall=p - len(winner),
    )


def _assignment(
    w: np.ndarray, cost: np.ndarray, rank: np.ndarray, open_: list[int]
) -> tuple[np.ndarray, float, bool]:
    """Each demand to its cheapest open site (equal costs: the best-ranked), the weighted
    cost of the assigned ones, and whether every positive-weight demand that some
    candidate may serve is served."""
    n = w.size
    assignment = np.full(n, -1, dtype=np.int64)
    may = np.isfinite(cost).any(axis=1) & (w > 0)
    if not open_ or n == 0:
        return assignment, 0.0, not may.any()
    cols = np.array(sorted(open_, key=lambda j: rank[j]), dtype=np.int64)
    sub = cost[:, cols]
    best = np.argmin(sub, axis=1)  # the first minimum: the best-ranked open site
    value = sub[np.arange(n), best]
    served = np.isfinite(value)
    assignment[served] = cols[best[served]]
    return assignment, float(np.sum(w[served] * value[served])), not (may & ~served).any()


def brute_force_median(
    weights: Any,
    cost: Any,
    p: int,
    *,
    fixed: Any = (),
    max_cost: float | None = None,
    rank: Any = None,
    time_limit: float = 60.0,
) -> MedianResult:
    """Exhaustive reference for :func:`~trafficprev.sites.p_median` on small instances.

    Parameters
    ----------
    weights, cost, p, fixed, max_cost, rank
        As in :func:`~trafficprev.sites.p_median` (checked only as far as the enumeration
        needs).
    time_limit : float, default 60
        Accepted for signature compatibility; not used.

    Returns
    -------
    MedianResult
        ``status`` is ``"optimal"`` or ``"infeasible"``.

    Raises
    ------
    ArgumentError
        When the arrays do not fit together, `p` exceeds the candidates that are not fixed,
        or more than 2,000,000 combinations would be enumerated (also a ``ValueError``).

    Notes
    -----
    Costs above `max_cost` are forbidden (+inf). Every set of ``p`` non-fixed candidates is
    enumerated; a demand goes to its cheapest open site (equal costs: the best-ranked), and
    a set that leaves a positive-weight demand unserved although some candidate may serve
    it is infeasible. The winner has the lowest cost ``f*``, then among sets with cost
    ``≤ f* + 1e-9·max(1, |f*|)`` the lowest rank sum, then the lexicographically smallest
    sorted ranks.
    """
    del time_limit
    t0 = time.perf_counter()
    w = _weights(weights)
    if sparse.issparse(cost):
        raise ArgumentTypeError("cost must be a dense array (n_demand × n_cand)")
    c = np.array(cost, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != w.size:
        raise ArgumentError(f"cost must have shape ({w.size}, n_cand), got {c.shape}")
    if max_cost is not None:
        c[c > float(max_cost)] = np.inf
    m = c.shape[1]
    fix = _indices(fixed, m, "fixed")
    p = _count(p, m - fix.size)
    rk = _ranks(rank, m)
    free = [j for j in range(m) if j not in set(fix.tolist())]
    _too_many(math.comb(len(free), p))
    found = []
    for combo in itertools.combinations(free, p):
        _, value, feasible = _assignment(w, c, rk, [*fix.tolist(), *combo])
        if feasible:
            found.append((combo, value))
    if not found:
        chosen: list[int] = []
        assignment, objective, status, gap = np.full(w.size, -1), math.nan, "infeasible", math.inf
    else:
        chosen = sorted(_winner(found, rk, best=min(v for _, v in found), better=-1))
        assignment, objective, _ = _assignment(w, c, rk, [*fix.tolist(), *chosen])
        status, gap = "optimal", 0.0
    return MedianResult(
        chosen=_frozen(chosen, np.int64),
        fixed=_frozen(fix, np.int64),
        assignment=_frozen(assignment, np.int64),
        objective=objective,
        status=status,
        optimal=status == "optimal",
        seconds=time.perf_counter() - t0,
        unassigned=_frozen(np.asarray(assignment) < 0, bool),
        mip_gap=gap,
    )


# ---------------------------------------------------------------------------------------
# the map checker


@dataclass
class BrowserReport:
    """What headless Chromium saw when it loaded a page (:func:`check_in_browser`).

    Attributes
    ----------
    dom : str
        The serialised DOM after scripts ran (``--dump-dom``).
    console : list of str
        Every console message, in order (error messages without the marker).
    errors : list of str
        ``console.error`` messages and uncaught exceptions/rejections.
    requests : list of str
        URLs the page tried to load from outside the file (see the module notes).
    """

    dom: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


_ERROR_MARK = "[trafficprev console.error] "
_HOOK = (
    "<script>(function(){var c=window.console,e=c.error;"
    "c.error=function(){var a=Array.prototype.slice.call(arguments);"
    f'a.unshift("{_ERROR_MARK.strip()}");return e.apply(c,a);}};}})();</script>'
)
_RECORD = re.compile(r"^\[\d+:\d+:\d{4}/\d{6}\.\d+:[A-Z]+:", re.MULTILINE)
_CONSOLE = re.compile(
    r":CONSOLE(?::\d+|\(\d+\))\] \"(?P<msg>.*)\", source: (?P<src>[^\n]*) \((?P<line>\d+)\)",
    re.DOTALL,
)
_LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome", "devtools:", "edge:")


def _console(stderr: str) -> tuple[list[str], list[str]]:
    """(all console messages, error messages) from Chromium's stderr log."""
    starts = [m.start() for m in _RECORD.finditer(stderr)] + [len(stderr)]
    console: list[str] = []
    errors: list[str] = []
    for start, end in itertools.pairwise(starts):
        match = _CONSOLE.search(stderr, start, end)
        if match is None:
            continue
        message = match.group("msg")
        if message.startswith(_ERROR_MARK):
            message = message[len(_ERROR_MARK) :]
            errors.append(message)
        elif message.startswith("Uncaught"):
            errors.append(message)
        console.append(message)
    return console, errors


def _load_net_log(path: Path) -> dict:
    """Parse a net log; a log cut short (browser killed) is closed before parsing."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    if not text.strip():
        return {"constants": {}, "events": []}
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(text.rstrip().rstrip(",") + "]}")


def _page_requests(log: dict) -> list[str]:
    """URLs requested by the page (see module notes), one per request, in order."""
    types = log.get("constants", {}).get("logEventTypes", {})
    start_job = types.get("URL_REQUEST_START_JOB")
    seen: set[tuple[int, str]] = set()
    urls: list[str] = []
    for event in log.get("events", []):
        if event.get("type") != start_job:
            continue
        params = event.get("params") or {}
        url = params.get("url", "")
        initiator = params.get("initiator")
        if initiator in (None, "not an origin") or url.lower().startswith(_LOCAL_SCHEMES):
            continue
        key = (event.get("source", {}).get("id", -1), url)
        if key not in seen:
            seen.add(key)
            urls.append(url)
    return urls


def check_in_browser(
    path: str | os.PathLike[str], *, timeout: float = 60, wait_ms: int = 4000
) -> BrowserReport:
    """Load an HTML file in headless Chromium with no network and report what happened.

    Parameters
    ----------
    path : str or path-like
        The HTML file. A temporary copy with a console hook (and a ``<base>`` pointing at
        the original folder, so relative links still resolve) is what gets loaded.
    timeout : float, default 60
        Seconds before Chromium is killed.
    wait_ms : int, default 4000
        Virtual time given to the page (``--virtual-time-budget``): timers and animations
        run ahead without waiting in real time.

    Returns
    -------
    BrowserReport
        ``dom``, ``console``, ``errors`` and ``requests`` (see :class:`BrowserReport`).

    Raises
    ------
    ChromiumNotFoundError
        If no Chromium is installed.
    ChromiumError
        On timeout or when Chromium exits with an error and prints no DOM.
    FileNotFoundError
        If ``path`` does not exist.

    Notes
    -----
    :func:`trafficprev.maps.run_chromium` with ``--enable-logging=stderr --v=0
    --log-net-log=<tmp json> --dump-dom``. About 1.5-3 s per call.
    """
    with tempfile.TemporaryDirectory(
        prefix="trafficprev-chromium-", ignore_cleanup_errors=True
    ) as tmp:
        folder = Path(tmp)
        net_log = folder / "netlog.json"
        args = ["--enable-logging=stderr", "--v=0", f"--log-net-log={net_log}", "--dump-dom"]
        result = run_chromium(
            path, args, folder=folder, snippet=_HOOK, wait_ms=wait_ms, timeout=timeout
        )
        dom = result.stdout.decode("utf-8", errors="replace")
        stderr = result.stderr.decode("utf-8", errors="replace")
        if result.returncode != 0 and not dom.strip():
            raise ChromiumError(f"Chromium exited with code {result.returncode}: {stderr[-2000:]}")
        console, errors = _console(stderr)
        requests = _page_requests(_load_net_log(net_log))
    return BrowserReport(dom=dom, console=console, errors=errors, requests=requests)


# ---------------------------------------------------------------------------------------
# label layout, as the browser draws it

_FIND_MAP = (
    "function tpFindMap(){var found=null;Object.keys(window).forEach(function(key){"
    "var v;try{v=window[key];}catch(e){return;}"
    "if(!found&&window.L&&v instanceof L.Map){found=v;}});return found;}"
)

_MEASURE = (
    "<script>" + _FIND_MAP + "\n"
    "window.addEventListener('load',function(){var steps=__STEPS__;var out=[];"
    "var map=tpFindMap();"
    "function rel(r,b){return [r.left-b.left,r.top-b.top,r.right-b.left,r.bottom-b.top];}"
    "function vis(el){if(!el.getClientRects().length){return false;}"
    "var st=getComputedStyle(el);return st.visibility!=='hidden'&&st.display!=='none';}"
    "function measure(step){var c=map.getContainer(),b=c.getBoundingClientRect();"
    "var sites=[],roads=[],boxes=[],legend=[];"
    "c.querySelectorAll('.tp-site-label').forEach(function(el){"
    "var a=el.parentNode.getBoundingClientRect();sites.push({text:el.textContent,"
    "visible:vis(el),rect:rel(el.getBoundingClientRect(),b),anchor:[a.left-b.left,a.top-b.top],"
    "placed:el.getAttribute('data-tp-placed')});});"
    "c.querySelectorAll('.tp-road-label').forEach(function(el){"
    "if(el.classList.contains('tp-measure')){return;}var r=el.getBoundingClientRect();"
    "roads.push({text:el.textContent,visible:vis(el),cx:(r.left+r.right)/2-b.left,"
    "cy:(r.top+r.bottom)/2-b.top,w:el.offsetWidth,h:el.offsetHeight,"
    "angle:Number(el.getAttribute('data-tp-angle')),latlng:(function(ll){"
    "return [ll.lat,ll.lng];})(map.containerPointToLatLng([(r.left+r.right)/2-b.left,"
    "(r.top+r.bottom)/2-b.top]))});});"
    "document.querySelectorAll('.tp-box, .leaflet-control').forEach(function(el){"
    "if(vis(el)){boxes.push({cls:el.className,rect:rel(el.getBoundingClientRect(),b)});}});"
    "document.querySelectorAll('.tp-legend-row').forEach(function(el){"
    "legend.push({text:el.textContent,visible:vis(el)});});"
    "return {step:step,zoom:map.getZoom(),size:[b.width,b.height],sites:sites,roads:roads,"
    "boxes:boxes,legend:legend,title:document.title};}"
    "function act(step){if(!step){return;}if(step[0]==='view'){"
    "map.setView(step[2],step[1],{animate:false});}"
    "if(step[0]==='height'){map.getContainer().style.height=step[1]+'px';}"
    "if(step[0]==='toggle'){document.querySelectorAll('.leaflet-control-layers label')"
    ".forEach(function(l){if(l.textContent.trim()===step[1]){"
    "l.querySelector('input').click();}});}}"
    "function run(i){if(i>=steps.length){var pre=document.createElement('pre');"
    "pre.id='tp-measure';pre.textContent=JSON.stringify(out);"
    "document.body.appendChild(pre);return;}act(steps[i]);"
    # headless --dump-dom runs no rendering frames, so a viewport that settles after load is
    # never announced to the page (no resize event, no ResizeObserver callback): announce it,
    # as a browser window does, before each measurement, and once more after the page had
    # time to settle (on a busy machine the viewport can settle after the first announcement,
    # which left labels laid out for the legend where it stood before)
    "window.dispatchEvent(new Event('resize'));"
    "setTimeout(function(){window.dispatchEvent(new Event('resize'));"
    "setTimeout(function(){out.push(measure(steps[i]));run(i+1);},400);},400);}"
    "setTimeout(function(){run(0);},400);});</script>"
)


def view_snippet(zoom: float, lat: float, lon: float) -> str:
    """A script that sets the map's view once the page has loaded (for a screenshot).

    Parameters
    ----------
    zoom : float
        Zoom level.
    lat, lon : float
        Centre of the view, as drawn (WGS-84 on a map without GCJ-02 tiles).

    Returns
    -------
    str
        A ``<script>`` for the ``snippet`` of :func:`trafficprev.maps.screenshot`.
    """
    view = json.dumps([float(lat), float(lon)])
    return (
        "<script>" + _FIND_MAP + "\nwindow.addEventListener('load',function(){"
        "setTimeout(function(){var map=tpFindMap();"
        f"map.setView({view},{float(zoom)!r},{{animate:false}});}},300);}});"
        "</script>"
    )


def measure_labels(
    path: str | os.PathLike[str],
    steps: Iterable[Any] = (None,),
    *,
    width: int = 1200,
    height: int = 800,
    timeout: float = 60,
    wait_ms: int = 8000,
) -> tuple[list[dict], list[str]]:
    """Where a map's labels are drawn, as headless Chromium measures them, view by view.

    Parameters
    ----------
    path : str or path-like
        An offline map (:func:`trafficprev.maps.save_offline`).
    steps : iterable
        What to do before each measurement, in order: ``None`` (the view as it is, e.g. the
        opening view), ``("view", zoom, (lat, lon))`` (jump there, no animation),
        ``("toggle", layer name)`` (click that layer's box in the layer control) or
        ``("height", px)`` (the map's box made that tall). After each step the page gets
        two ``resize`` events, 400 ms apart: headless Chromium's ``--dump-dom`` runs no
        rendering frames, so a viewport that settles after load would otherwise never be
        announced to the page.
    width, height : int, default 1200, 800
        Window size in CSS pixels (that of :func:`trafficprev.maps.screenshot`).
    timeout : float, default 60
        Seconds before Chromium is killed.
    wait_ms : int, default 8000
        Virtual time for the page (each step waits 800 ms of it).

    Returns
    -------
    measurements : list of dict
        One per step: ``zoom``, ``size`` (the map's width and height), ``sites`` (per site
        label: ``text``, ``visible``, ``rect`` [x0, y0, x1, y1] and ``anchor`` [x, y] of its
        site, in pixels from the map's top-left corner, and ``placed``), ``roads`` (per
        road-name label: ``text``, ``cx``, ``cy``, ``w``, ``h``, ``angle`` in degrees
        clockwise, ``latlng`` of its centre as drawn), ``boxes`` (title, legend, site
        list, Leaflet controls: ``cls``, ``rect``), ``legend`` (rows: ``text``,
        ``visible``) and ``title`` (the page's).
    errors : list of str
        ``console.error`` messages and uncaught exceptions (as :func:`check_in_browser`).

    Raises
    ------
    ChromiumError
        When the page wrote no measurement (a script error stopped it).
    """
    script = _MEASURE.replace("__STEPS__", json.dumps([_step(s) for s in steps]))
    with tempfile.TemporaryDirectory(
        prefix="trafficprev-measure-", ignore_cleanup_errors=True
    ) as tmp:
        args = ["--enable-logging=stderr", "--v=0", f"--window-size={width},{height}",
                "--dump-dom"]  # fmt: skip
        result = run_chromium(
            path, args, folder=tmp, snippet=_HOOK + script, wait_ms=wait_ms, timeout=timeout
        )
    dom = result.stdout.decode("utf-8", errors="replace")
    _, errors = _console(result.stderr.decode("utf-8", errors="replace"))
    found = re.search(r'<pre id="tp-measure">(.*?)</pre>', dom, re.DOTALL)
    if found is None:
        raise ChromiumError(f"the page wrote no measurement; console errors: {errors}")
    return json.loads(html.unescape(found.group(1))), errors


def _step(step: Any) -> Any:
    if step is None:
        return None
    if step[0] == "view":
        _, zoom, (lat, lon) = step
        return ["view", float(zoom), [float(lat), float(lon)]]
    if step[0] == "toggle":
        return ["toggle", str(step[1])]
    if step[0] == "height":
        return ["height", int(step[1])]
    raise ArgumentError(
        f"unknown step {step!r}: None, ('view', zoom, (lat, lon)), ('toggle', name) or "
        "('height', px)"
    )
