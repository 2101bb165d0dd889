"""The installed version of trafficprev (``0+unknown`` when run from a bare source tree)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("trafficprev")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
