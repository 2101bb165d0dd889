"""Small helpers for notebooks and the command line (never run at import time)."""

from __future__ import annotations

import logging

__all__ = ["log_to_console"]


def log_to_console(level: int | str = "INFO") -> logging.Handler:
    """Send trafficprev's log records to stderr (opt-in; the library adds no handler).

    Parameters
    ----------
    level
        Logging level for the ``trafficprev`` logger.

    Returns
    -------
    logging.Handler
        The handler added, so a caller can remove it again.
    """
    logger = logging.getLogger("trafficprev")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler
