"""trafficprev: commuting-accident prevention analysis for work-injury insurance centres.

Namespaces: :mod:`trafficprev.intake`, :mod:`trafficprev.narrative`,
:mod:`trafficprev.schema`, :mod:`trafficprev.settings`, :mod:`trafficprev.privacy`,
:mod:`trafficprev.timeparse`, :mod:`trafficprev.datasets`; imported on use:
:mod:`trafficprev.area`, :mod:`trafficprev.geocode`, :mod:`trafficprev.network`,
:mod:`trafficprev.hotspots`, :mod:`trafficprev.groups`, :mod:`trafficprev.trends`.
"""

from __future__ import annotations

from . import datasets as datasets
from . import intake as intake
from . import narrative as narrative
from . import privacy as privacy
from . import schema as schema
from . import timeparse as timeparse
from . import utils as utils
from ._errors import (
    ArgumentError,
    ArgumentTypeError,
    FileFormatError,
    InputFileNotFoundError,
    NotFoundError,
    OutputError,
    SchemaError,
    SettingsError,
    SolverError,
    TrafficPrevError,
    TrafficPrevWarning,
)
from ._version import __version__
from .intake import (
    read_campaign_candidates,
    read_determinations,
    read_enterprises,
    read_measures,
)
from .settings import Settings

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "FileFormatError",
    "InputFileNotFoundError",
    "NotFoundError",
    "OutputError",
    "SchemaError",
    "Settings",
    "SettingsError",
    "SolverError",
    "TrafficPrevError",
    "TrafficPrevWarning",
    "__version__",
    "read_campaign_candidates",
    "read_determinations",
    "read_enterprises",
    "read_measures",
]
