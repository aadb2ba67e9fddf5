"""Command line: ``desir report`` (build then render every study) and ``desir build``.

Examples::

    desir report --year 2023
    desir report --year 2023 --study referentiel
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from desir_analysis import build, config, demo, reporting


def _years(args: argparse.Namespace) -> list[int]:
    first = args.first_year if args.first_year is not None else min(args.year, 2015)
    return list(range(first, args.year + 1))


def _build(args: argparse.Namespace) -> int:
    years = sorted(set(args.years or [])) or _years(args)
    build.build(years, raw_dir=args.raw_dir, mode=args.mode, force=args.force, progress=sys.stderr.isatty())
    return 0


def _report(args: argparse.Namespace) -> int:
    result = build.build(_years(args), raw_dir=args.raw_dir, mode=args.mode, progress=sys.stderr.isatty())
    names = args.study or list(reporting.STUDIES)
    produced = []
    for name in names:
        if name not in reporting.STUDIES:
            print(f"unknown study {name!r}; expected one of {sorted(reporting.STUDIES)}", file=sys.stderr)
            return 2
        study = reporting.STUDIES[name]
        params = {"zone": args.zone}
        if study.name == "diagnostic":
            params["first_year"] = _years(args)[0]
        print(f"[desir] {study.name}: running {study.notebook} for {args.year}…", flush=True)
        html = reporting.render_study(study, args.year, params)
        print(f"[desir] {study.name}: {html}", flush=True)
        produced.append((study, html))
    notice = demo.DEMO_NOTICE if result.demo else ""
    index = reporting.write_index(config.REPORTS_DIR / str(args.year), args.year, produced, notice=notice)
    print(f"[desir] index: {index}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``desir`` command."""
    parser = argparse.ArgumentParser(prog="desir", description="desir-analysis: builds and reports")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--raw-dir", type=Path, default=None, help="raw folder (default data/raw, else the demo)")
    common.add_argument(
        "--mode",
        default="auto",
        choices=["auto", "employment", "public"],
        help="employment: measured jobs; public: jobs estimated from the Sirene size band",
    )
    common.add_argument("--first-year", type=int, default=None, help="first year built (default 2015)")
    bld = sub.add_parser("build", parents=[common], help="raw files -> data/processed/<year>/")
    bld.add_argument("--year", dest="years", type=int, action="append", help="reference year (repeatable)")
    bld.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    bld.set_defaults(year=2023)
    rep = sub.add_parser("report", parents=[common], help="build, then render the studies to reports/<year>/")
    rep.add_argument("--year", type=int, default=2023)
    rep.add_argument("--zone", default="desir", choices=["desir", "interreg_fwvl"])
    rep.add_argument("--study", action="append", help="study name (repeatable); default: all")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        return {"report": _report, "build": _build}[args.command](args)
    except (reporting.ReportError, build.BuildError) as exc:
        print(f"[desir] error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
