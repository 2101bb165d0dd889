"""Library logging: no handlers unless asked for."""

from __future__ import annotations

import logging

import trafficprev


def test_library_logging_has_no_handlers():
    assert trafficprev.__version__
    assert logging.getLogger("trafficprev").handlers == []
    assert logging.getLogger("trafficprev.intake").handlers == []


def test_log_to_console_is_opt_in():
    handler = trafficprev.utils.log_to_console("DEBUG")
    try:
        assert handler in logging.getLogger("trafficprev").handlers
    finally:
        logging.getLogger("trafficprev").removeHandler(handler)
        logging.getLogger("trafficprev").setLevel(logging.NOTSET)
