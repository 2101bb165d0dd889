"""The enterprise release as :mod:`trafficprev.maps` exports it: with the key reasons' wording.

The release policy itself is :mod:`trafficprev.release` (a base module); its
:func:`~trafficprev.release.release_enterprises` takes the enterprise wording as an
argument, since the wording lives with the enterprise analysis (:mod:`trafficprev.groups`),
a layer the base module may not import.
"""

from __future__ import annotations

import pandas as pd

from .. import release as _policy
from ..groups import key_reasons
from ..settings import Settings

__all__ = ["release_enterprises"]


def release_enterprises(
    key: pd.DataFrame, release: str, settings: Settings | None = None
) -> pd.DataFrame:
    """Key enterprises as they may be shown at a release level, reasons included.

    :func:`trafficprev.release.release_enterprises` with
    :func:`~trafficprev.groups.key_reasons` writing the 列入原因 at the level's *k*.

    Parameters
    ----------
    key
        :func:`~trafficprev.groups.key_enterprises` output.
    release
        ``internal``, ``police`` or ``public``.
    settings
        ``k_police`` / ``k_public``.

    Returns
    -------
    pandas.DataFrame
        See :func:`trafficprev.release.release_enterprises`.
    """
    return _policy.release_enterprises(key, release, settings, reasons=key_reasons)
