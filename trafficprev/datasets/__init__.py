"""Bundled sample data.

``example/`` holds a small *synthetic* determination export (two quarters: an ``.xlsx``
with a merged title row and a GB18030 CSV), an enterprise register and campaign
candidates. Every name, ID number and enterprise in it is made up: names are visibly
synthetic and ID numbers fail their checksum. The full synthetic demo city replaces it
as the embedded default in a later release.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["example_files", "get_path"]

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
        raise FileNotFoundError(f"no bundled file {name!r}; available: {available}")
    return path


def example_files() -> dict[str, list[Path]]:
    """The bundled example inputs by kind: determinations, enterprises, campaign_sites."""
    ex = _ROOT / "example"
    return {
        "determinations": [ex / "determinations_2024Q3.xlsx", ex / "determinations_2024Q4.csv"],
        "enterprises": [ex / "enterprises.csv"],
        "campaign_sites": [ex / "campaign_sites.csv"],
    }
