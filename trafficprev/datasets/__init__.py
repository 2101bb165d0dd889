"""Bundled and generated sample data.

- The demo city 示范市 (:mod:`trafficprev.datasets.democity`): a synthetic prefecture
  city with an OpenStreetMap road file, admin divisions, POIs, enterprises, eight
  quarters of determination exports and, for the precision project, a year before them
  with the contributions and payouts ledgers, generated from a seed. The repository ships it in
  ``data/demo/``; :func:`demo_dir` finds it there or generates it once into a cache folder.
- ``changde/``: the real Changde admin divisions (see :mod:`trafficprev.area`) and the
  names of Changde roads that public sources cite (:func:`changde_public_roads`).
- 河湾市 (:mod:`trafficprev.datasets.rivertown`): a second synthetic world unlike the demo
  (curved streets, a river, boundary relations in its OSM file), generated on demand by
  :func:`make_rivertown` for tests and benchmarks; nothing of it is shipped.
- ``example/``: a small *synthetic* export (an ``.xlsx`` with a merged title row and a
  GB18030 CSV), an enterprise register and campaign candidates, used by tests.

Every name, ID number and enterprise in either is made up: names are visibly synthetic
and ID numbers fail their checksum.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._errors import InputFileNotFoundError, OutputRefusedError

__all__ = [
    "changde_public_roads",
    "demo_dir",
    "demo_files",
    "example_files",
    "get_path",
    "make_rivertown",
]

_ROOT = Path(__file__).resolve().parent


def get_path(name: str) -> Path:
    """Return the path of a bundled file, e.g. ``get_path("example/enterprises.csv")``.

    Raises
    ------
    FileNotFoundError
        If no such file is bundled.
    """
    path = _ROOT / name
    if not path.is_file():
        available = sorted(
            str(p.relative_to(_ROOT))
            for p in _ROOT.rglob("*.*")
            if p.suffix in {".csv", ".xlsx", ".xls"}
        )
        raise InputFileNotFoundError(f"no bundled file {name!r}; available: {available}")
    return path


def changde_public_roads() -> list[str]:
    """Names of Changde urban roads cited by public sources (``changde/roads_public.csv``).

    Examples
    --------
    >>> "朗州路" in changde_public_roads()
    True
    """
    import csv

    with get_path("changde/roads_public.csv").open(encoding="utf-8") as f:
        return [row["name"] for row in csv.DictReader(f)]


def example_files() -> dict[str, list[Path]]:
    """The bundled example inputs by kind: determinations, enterprises, campaign_sites."""
    ex = _ROOT / "example"
    return {
        "determinations": [ex / "determinations_2024Q3.xlsx", ex / "determinations_2024Q4.csv"],
        "enterprises": [ex / "enterprises.csv"],
        "campaign_sites": [ex / "campaign_sites.csv"],
    }


def demo_dir() -> Path:
    """The demo city's folder: ``data/demo`` of a source checkout, else a generated copy.

    Outside a source checkout the city is generated once (under a minute) into
    ``$TRAFFICPREV_CACHE`` or ``~/.cache/trafficprev/demo``.
    """
    shipped = _ROOT.parents[1] / "data" / "demo"
    if (shipped / "demo_city.osm").is_file():
        return shipped
    cache = Path(os.environ.get("TRAFFICPREV_CACHE", Path.home() / ".cache" / "trafficprev"))
    target = cache / "demo"
    if not (target / "demo_city.osm").is_file():
        import tempfile

        from .democity import make_demo_city

        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            # not a demo city we wrote: never delete what someone else put there
            raise OutputRefusedError(
                f"{target} exists and is not a trafficprev demo city; move it away or set "
                "TRAFFICPREV_CACHE to another folder"
            )
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="demo-", dir=cache))
        make_demo_city(tmp)  # generate aside, then move into place
        if target.is_dir():
            target.rmdir()  # empty (checked above)
        tmp.rename(target)
    return target


def demo_files(root: str | os.PathLike[str] | None = None) -> dict[str, list[Path]]:
    """The demo city's inputs by kind: determinations (2023–2024, the traffic project's),
    enterprises, campaign_sites, roads, divisions, pois, measures, and the precision
    project's own: precision_determinations (2022), contributions, payouts (never the
    ``truth/`` folder).

    `root`: a city that :func:`~trafficprev.datasets.democity.make_demo_city` generated (the
    same layout) instead of the shipped one.
    """
    root = demo_dir() if root is None else Path(root)
    precision = root / "precision"
    return {
        "determinations": sorted(root.glob("determinations_*.xlsx"))
        + sorted(root.glob("determinations_*.csv")),
        "enterprises": [root / "enterprises.csv"],
        "campaign_sites": [root / "campaign_sites.csv"],
        "roads": [root / "demo_city.osm"],
        "divisions": [root / "admin_divisions.csv"],
        "pois": [root / "pois.csv"],
        "measures": [root / "measures.csv"],
        "precision_determinations": sorted(precision.glob("determinations_*.xlsx")),
        "contributions": [precision / "contributions.xlsx"],
        "payouts": [precision / "payouts.csv"],
    }


def make_rivertown(out_dir: str | Path, *, seed: int = 0, n_cases: int = 2_100) -> dict[str, Path]:
    """Generate 河湾市 into `out_dir`; see :func:`.rivertown.make_rivertown`."""
    from .rivertown import make_rivertown as make

    return make(out_dir, seed=seed, n_cases=n_cases)
