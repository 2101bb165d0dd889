"""Check, screenshot and print HTML maps with headless Chromium, with the network cut off.

One ``subprocess`` call to the system Chromium per operation (no selenium/playwright, no
browser download). Every run uses a throwaway profile and resolves no host name
(``--host-resolver-rules="MAP * ~NOTFOUND"``); hosts given as IP literals are sent to a
closed local proxy port, so nothing leaves the machine.

:func:`check_in_browser` answers the questions a map test has: did the page log errors,
what does the DOM look like after scripts ran, and which URLs did the *page* try to load.

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

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from trafficprev._errors import TrafficPrevError

__all__ = [
    "BrowserReport",
    "ChromiumError",
    "ChromiumNotFoundError",
    "check_in_browser",
    "find_chromium",
    "print_pdf",
    "screenshot",
]


class ChromiumNotFoundError(TrafficPrevError, FileNotFoundError):
    """No Chromium/Chrome executable was found."""


class ChromiumError(TrafficPrevError, RuntimeError):
    """Chromium failed, timed out or did not produce the expected output."""


@dataclass
class BrowserReport:
    """What headless Chromium saw when it loaded a page.

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


_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
)
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
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(r"<html(?:\s[^>]*)?>", re.IGNORECASE)
_LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome", "devtools:", "edge:")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None.

    Returns
    -------
    str or None
        The first of ``/usr/bin/chromium``, ``chromium``, ``chromium-browser`` and
        ``google-chrome`` (looked up on ``PATH``) that exists.
    """
    for candidate in _CANDIDATES:
        if os.path.isabs(candidate):
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        else:
            found = shutil.which(candidate)
            if found:
                return found
    return None


def _require_chromium() -> str:
    exe = find_chromium()
    if exe is None:
        raise ChromiumNotFoundError(
            "headless Chromium is needed but none was found (looked for "
            + ", ".join(_CANDIDATES)
            + "); install it, e.g. `apt-get install -y chromium fonts-noto-cjk`"
        )
    return exe


def _page(path: str | os.PathLike[str]) -> Path:
    page = Path(path).resolve()
    if not page.is_file():
        raise FileNotFoundError(f"no such HTML file: {page}")
    return page


def _inject(text: str, snippet: str) -> str:
    """Insert ``snippet`` at the start of the document head (or of the document)."""
    match = _HEAD.search(text) or _HTML.search(text)
    at = match.end() if match else 0
    return text[:at] + snippet + text[at:]


def _copy_with(page: Path, snippet: str, folder: Path) -> Path:
    """Copy of ``page`` in ``folder`` with ``snippet`` and a <base> pointing at the original."""
    text = page.read_text(encoding="utf-8", errors="surrogateescape")
    base = f'<base href="{page.parent.as_uri()}/">'
    copy = folder / page.name
    copy.write_text(_inject(text, base + snippet), encoding="utf-8", errors="surrogateescape")
    return copy


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run Chromium in its own process group; kill the whole group on timeout."""
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ChromiumError(f"Chromium did not finish within {timeout} s") from None
        return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _base_args(exe: str, profile: Path, wait_ms: int) -> list[str]:
    if isinstance(wait_ms, bool) or not isinstance(wait_ms, int) or wait_ms < 0:
        raise ValueError(f"wait_ms must be a non-negative integer, got {wait_ms!r}")
    return [exe, *_FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={wait_ms}"]


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
    Command line: ``--headless --no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --disable-sync --no-first-run --disable-quic
    --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server=127.0.0.1:9
    --user-data-dir=<tmp> --virtual-time-budget=<wait_ms> --enable-logging=stderr --v=0
    --log-net-log=<tmp json> --dump-dom file://<copy>``. About 1.5-3 s per call.
    """
    exe = _require_chromium()
    page = _page(path)
    with tempfile.TemporaryDirectory(
        prefix="trafficprev-chromium-", ignore_cleanup_errors=True
    ) as tmp:
        folder = Path(tmp)
        (folder / "page").mkdir()
        copy = _copy_with(page, _HOOK, folder / "page")
        net_log = folder / "netlog.json"
        args = [
            *_base_args(exe, folder / "profile", wait_ms),
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={net_log}",
            "--dump-dom",
            copy.as_uri(),
        ]
        result = _run(args, timeout)
        dom = result.stdout.decode("utf-8", errors="replace")
        stderr = result.stderr.decode("utf-8", errors="replace")
        if result.returncode != 0 and not dom.strip():
            raise ChromiumError(f"Chromium exited with code {result.returncode}: {stderr[-2000:]}")
        console, errors = _console(stderr)
        requests = _page_requests(_load_net_log(net_log))
    return BrowserReport(dom=dom, console=console, errors=errors, requests=requests)


def screenshot(
    path: str | os.PathLike[str],
    png: str | os.PathLike[str],
    *,
    width: int = 1200,
    height: int = 800,
    scale: float = 2,
    wait_ms: int = 4000,
    timeout: float = 60,
) -> Path:
    """Save a PNG screenshot of an HTML file rendered by headless Chromium.

    Parameters
    ----------
    path : str or path-like
        The HTML file.
    png : str or path-like
        Output PNG file (overwritten).
    width, height : int, default 1200, 800
        Window size in CSS pixels.
    scale : float, default 2
        Device scale factor: the PNG is ``width * scale`` × ``height * scale`` pixels
        (2400×1600 by default, sharp enough for printed reports).
    wait_ms : int, default 4000
        Virtual time for the page to finish drawing (canvas, heat map, clusters).
    timeout : float, default 60
        Seconds before Chromium is killed.

    Returns
    -------
    pathlib.Path
        ``png``.

    Raises
    ------
    ChromiumNotFoundError
        If no Chromium is installed.
    ChromiumError
        On timeout or if no PNG was written.
    """
    exe = _require_chromium()
    page = _page(path)
    out = Path(png).resolve()
    if width <= 0 or height <= 0 or scale <= 0:
        raise ValueError("width, height and scale must be positive")
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(
        prefix="trafficprev-chromium-", ignore_cleanup_errors=True
    ) as tmp:
        args = [
            *_base_args(exe, Path(tmp) / "profile", wait_ms),
            f"--window-size={int(width)},{int(height)}",
            f"--force-device-scale-factor={scale:g}",
            f"--screenshot={out}",
            page.as_uri(),
        ]
        result = _run(args, timeout)
    if not out.is_file() or out.stat().st_size == 0:
        raise ChromiumError(
            f"Chromium wrote no screenshot (exit code {result.returncode}): "
            + result.stderr.decode("utf-8", errors="replace")[-2000:]
        )
    return Path(png)


_PAGE_CSS = "<style>@page { size: A4 landscape; margin: 8mm }</style>"


def print_pdf(
    path: str | os.PathLike[str],
    pdf: str | os.PathLike[str],
    *,
    wait_ms: int = 4000,
    timeout: float = 60,
) -> Path:
    """Print an HTML map to a one-page A4-landscape PDF with headless Chromium.

    Parameters
    ----------
    path : str or path-like
        The HTML file; it is not modified.
    pdf : str or path-like
        Output PDF file (overwritten).
    wait_ms : int, default 4000
        Virtual time for the page to finish drawing.
    timeout : float, default 60
        Seconds before Chromium is killed.

    Returns
    -------
    pathlib.Path
        ``pdf``.

    Raises
    ------
    ChromiumNotFoundError
        If no Chromium is installed.
    ChromiumError
        On timeout or if no PDF was written.

    Notes
    -----
    Chromium prints US-Letter portrait by default, which reflows a full-window map and
    leaves blank space. A temporary copy of the page gets
    ``<style>@page { size: A4 landscape; margin: 8mm }</style>`` and is printed with
    ``--window-size=1123,794`` (A4 landscape at 96 dpi) and ``--no-pdf-header-footer``:
    one 842×595 pt page.
    """
    exe = _require_chromium()
    page = _page(path)
    out = Path(pdf).resolve()
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(
        prefix="trafficprev-chromium-", ignore_cleanup_errors=True
    ) as tmp:
        folder = Path(tmp)
        (folder / "page").mkdir()
        copy = _copy_with(page, _PAGE_CSS, folder / "page")
        args = [
            *_base_args(exe, folder / "profile", wait_ms),
            "--window-size=1123,794",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            copy.as_uri(),
        ]
        result = _run(args, timeout)
    if not out.is_file() or out.stat().st_size == 0:
        raise ChromiumError(
            f"Chromium wrote no PDF (exit code {result.returncode}): "
            + result.stderr.decode("utf-8", errors="replace")[-2000:]
        )
    return Path(pdf)
