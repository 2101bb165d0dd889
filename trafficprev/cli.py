"""The ``trafficprev`` command. Every subcommand is a thin wrapper over package functions."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from ._errors import TrafficPrevError
from .datasets import demo_files
from .intake import IntakeResult, read_campaign_candidates, read_determinations, read_enterprises
from .settings import Settings
from .utils import log_to_console

__all__ = ["main"]

logger = logging.getLogger(__name__)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, got {text!r}") from exc


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_toml(args.config) if args.config else Settings()
    return settings.replace(as_of=args.as_of) if args.as_of else settings


def _print_result(title: str, result: IntakeResult, paths: dict[str, Path]) -> None:
    print(f"== {title} ==")
    print(result.accounting.report())
    for name, path in paths.items():
        print(f"  写出 wrote {name}: {path}")


def _cmd_intake(args: argparse.Namespace) -> int:
    settings = _settings(args)
    progress = not args.quiet and sys.stderr.isatty()
    out = Path(args.out)
    result = read_determinations(args.input, settings=settings, progress=progress)
    paths = result.write(out, protected_path=args.protected)
    _print_result("工伤认定 determinations", result, paths)
    if args.enterprises:
        ent = read_enterprises(args.enterprises, settings=settings, progress=progress)
        _print_result("企业名录 enterprises", ent, ent.write(out / "enterprises"))
    if args.campaign_sites:
        camp = read_campaign_candidates(args.campaign_sites, settings=settings, progress=progress)
        _print_result("宣传候选点 campaign candidates", camp, camp.write(out / "campaign_sites"))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    files = demo_files()
    args.input = [str(p) for p in files["determinations"]]
    args.enterprises = [str(p) for p in files["enterprises"]]
    args.campaign_sites = [str(p) for p in files["campaign_sites"]]
    args.protected = None
    print("示范市 合成演示数据 (synthetic demo city; no real person, enterprise or place)")
    return _cmd_intake(args)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``trafficprev`` command."""
    parser = argparse.ArgumentParser(
        prog="trafficprev",
        description=(
            "Commuting traffic-accident prevention analysis for work-injury determinations "
            "(工伤认定 上下班途中交通事故)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"trafficprev {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE.toml", help="settings file (TOML)")
    common.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="reference date for 'time in the future' checks (default today)",
    )
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    p = sub.add_parser(
        "intake",
        parents=[common],
        help="check determination exports: cases.csv, rejected_rows.csv, duplicates.csv, "
        "accounting.json",
        description="Read determination exports (xlsx/xls/csv; UTF-8 or GB18030) and write "
        "cases.csv (no personal data), rejected_rows.csv, duplicates.csv and "
        "accounting.json to --out. Rejected rows do not fail the command.",
    )
    p.add_argument("--input", nargs="+", required=True, metavar="FILE", help="export file(s)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--enterprises", nargs="+", metavar="FILE", help="enterprise register(s)")
    p.add_argument("--campaign-sites", nargs="+", metavar="FILE", help="campaign candidates")
    p.add_argument(
        "--protected",
        metavar="FILE.csv",
        help="also write the personal data (names, ID numbers, phones, narratives) "
        "to this file; keep it inside the centre",
    )
    p.set_defaults(func=_cmd_intake)

    d = sub.add_parser(
        "demo",
        parents=[common],
        help="run on the synthetic demo city 示范市 and print the row accounting",
    )
    d.add_argument("--out", default="runs/demo", metavar="DIR", help="output folder")
    d.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    File-level problems (missing file, unreadable file, missing required column) print
    one paragraph to stderr and return 2. Rejected rows are reported, not failures.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.verbose:
        log_to_console("INFO")
    try:
        return int(args.func(args))
    except TrafficPrevError as exc:
        print(f"trafficprev: {exc}", file=sys.stderr)
        return 2
