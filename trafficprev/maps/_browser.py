"""Screenshot and print HTML maps with headless Chromium, with the network cut off.

One ``subprocess`` call to the system Chromium per operation (no selenium/playwright, no
browser download). Every run uses a throwaway profile and resolves no host name
(``--host-resolver-rules="MAP * ~NOTFOUND"``); hosts given as IP literals are sent to a
closed local proxy port, so nothing leaves the machine.

:func:`run_chromium` is that one call (a page, or a copy of it with a snippet injected, and
the operation's own flags); :func:`screenshot` and :func:`print_pdf` are built on it, and so
is the map checker for tests, :func:`trafficprev.testing.check_in_browser`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .._errors import ArgumentError, InputFileNotFoundError, TrafficPrevError

__all__ = [
    "ChromiumError",
    "ChromiumNotFoundError",
    "find_chromium",
    "print_pdf",
    "run_chromium",
    "screenshot",
]


class ChromiumNotFoundError(TrafficPrevError, FileNotFoundError):
    """No Chromium/Chrome executable was found."""


class ChromiumError(TrafficPrevError, RuntimeError):
    """Chromium failed, timed out or did not produce the expected output."""


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
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(r"<html(?:\s[^>]*)?>", re.IGNORECASE)


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
        raise InputFileNotFoundError(f"no such HTML file: {page}")
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
    # 0 is refused too: Chromium then never ends a --dump-dom load (it waits for the timeout)
    if isinstance(wait_ms, bool) or not isinstance(wait_ms, int) or wait_ms < 1:
        raise ArgumentError(f"wait_ms must be a positive integer (milliseconds), got {wait_ms!r}")
    return [exe, *_FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={wait_ms}"]


def run_chromium(
    path: str | os.PathLike[str],
    args: Sequence[str],
    *,
    folder: str | os.PathLike[str],
    snippet: str | None = None,
    wait_ms: int = 4000,
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    """Load an HTML file once in headless Chromium, with the network cut off.

    Parameters
    ----------
    path : str or path-like
        The HTML file.
    args : sequence of str
        The operation's own flags (``--dump-dom``, ``--screenshot=…``, …): they follow the
        common ones (see the Notes) and precede the page's URL.
    folder : str or path-like
        An existing, empty scratch folder that the caller removes afterwards: it receives
        the throwaway profile (``profile/``) and the copy of the page (``page/``).
    snippet : str, optional
        HTML inserted at the start of the head of a copy of the page, which is loaded
        instead (with a ``<base>`` pointing at the original folder, so relative links still
        resolve). None loads the page itself.
    wait_ms : int, default 4000
        Virtual time given to the page (``--virtual-time-budget``).
    timeout : float, default 60
        Seconds before Chromium (its whole process group) is killed.

    Returns
    -------
    subprocess.CompletedProcess
        ``returncode``, and ``stdout`` and ``stderr`` as bytes.

    Raises
    ------
    ChromiumNotFoundError
        If no Chromium is installed.
    ChromiumError
        On timeout.
    InputFileNotFoundError
        If `path` does not exist (also a ``FileNotFoundError``).
    ArgumentError
        If `wait_ms` is not a positive integer (also a ``ValueError``).

    Notes
    -----
    Common flags: ``--headless --no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --disable-sync --no-first-run --disable-quic
    --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server=127.0.0.1:9
    --user-data-dir=<folder>/profile --virtual-time-budget=<wait_ms>``.
    """
    exe = _require_chromium()
    page = _page(path)
    scratch = Path(folder)
    if snippet is not None:
        (scratch / "page").mkdir()
        page = _copy_with(page, snippet, scratch / "page")
    command = [*_base_args(exe, scratch / "profile", wait_ms), *args, page.as_uri()]
    return _run(command, timeout)


def screenshot(
    path: str | os.PathLike[str],
    png: str | os.PathLike[str],
    *,
    width: int = 1200,
    height: int = 800,
    scale: float = 2,
    wait_ms: int = 4000,
    timeout: float = 60,
    snippet: str | None = None,
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
    snippet : str, optional
        HTML put at the start of the head of a copy of the page that is shot instead (e.g.
        a script that sets the map's view); the page itself is not modified.

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
    _require_chromium()  # before the old PNG is removed
    page = _page(path)
    out = Path(png).resolve()
    if width <= 0 or height <= 0 or scale <= 0:
        raise ArgumentError("width, height and scale must be positive")
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(
        prefix="trafficprev-chromium-", ignore_cleanup_errors=True
    ) as tmp:
        args = [
            f"--window-size={int(width)},{int(height)}",
            f"--force-device-scale-factor={scale:g}",
            f"--screenshot={out}",
        ]
        result = run_chromium(
            page, args, folder=tmp, snippet=snippet, wait_ms=wait_ms, timeout=timeout
        )
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
    _require_chromium()  # before the old PDF is removed
    page = _page(path)
    out = Path(pdf).resolve()
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(
        prefix="trafficprev-chromium-", ignore_cleanup_errors=True
    ) as tmp:
        args = ["--window-size=1123,794", "--no-pdf-header-footer", f"--print-to-pdf={out}"]
        result = run_chromium(
            page, args, folder=tmp, snippet=_PAGE_CSS, wait_ms=wait_ms, timeout=timeout
        )
    if not out.is_file() or out.stat().st_size == 0:
        raise ChromiumError(
            f"Chromium wrote no PDF (exit code {result.returncode}): "
            + result.stderr.decode("utf-8", errors="replace")[-2000:]
        )
    return Path(pdf)
