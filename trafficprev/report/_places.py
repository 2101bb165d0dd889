"""Road units in words: an intersection ``建设路与解放路交叉口``, a segment from its nearest
intersection ``南岭大道（南岭大道与建设南路交叉口往西约50米）`` or by its stretch.

The words are the units table's ``place_text``, computed once where the units are built
(:func:`trafficprev.network.place_texts`); a table without it (an older run) gets them
computed here by the same rule."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..network import place_texts
from ._format import text


def places(unit_ids: Sequence[str], units: pd.DataFrame, crs_metric: object) -> dict[str, str]:
    """Each unit in words (:func:`~trafficprev.network.place_texts`).

    An intersection is ``建设路与解放路交叉口``; a segment is its road and, when an
    intersection on that road lies within 500 m of the segment's middle,
    ``南岭大道（南岭大道与建设南路交叉口往西约50米）``, else its stretch
    ``南岭大道（0–100米段）``.

    Parameters
    ----------
    unit_ids
        The units wanted.
    units
        The road units: ``unit_id`` and ``place_text``, or, without ``place_text``, what
        :func:`~trafficprev.network.place_texts` reads (``kind``, ``road``,
        ``cross_road``, ``from_m``, ``to_m``, ``geometry`` in EPSG:4326).
    crs_metric
        The metric CRS for distances (None: the UTM zone of the units).

    Returns
    -------
    dict
        Unit id → description, for the ids found among `units`.
    """
    if units.empty or "unit_id" not in units:
        return {}
    info = units.drop_duplicates("unit_id")
    want = list(dict.fromkeys(str(u) for u in unit_ids))
    ids = info["unit_id"].astype(str)
    have = set(ids)
    known = [u for u in want if u in have]
    if not known:
        return {}
    if "place_text" in info and (info["place_text"].map(text) != "").all():
        words = info["place_text"].map(text)
    else:
        words = place_texts(info, crs_metric)
    lookup = dict(zip(ids, words, strict=True))
    return {u: lookup[u] for u in known}
