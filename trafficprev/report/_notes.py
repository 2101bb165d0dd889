"""Section 9, notes on method: windows, cases, methods, release levels, files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._display import display_path
from ..release import k_of
from ._format import fmt_int, period
from ._input import View


def notes(v: View) -> dict[str, Any]:
    """The data of section 9 (``sections/notes.html.j2``); ``folder`` is the run folder's
    name, or None when it is not known."""
    s = v.settings
    return {
        "period": v.period,
        "n_window": len(v.result.window),
        "key_period": v.key_period,
        "history": period(v.result.history),
        "segment_m": fmt_int(s.segment_length_m),
        "fdr_alpha": f"{s.fdr_alpha:g}",
        "k_police": k_of("police", s),
        "k_public": k_of("public", s),
        # how the quarter was analysed (the run's settings, not the render's)
        "not_recognised_counted": bool(v.result.settings.include_not_recognised),
        "folder": None if v.folder is None else display_path(Path(v.folder).name),
    }
