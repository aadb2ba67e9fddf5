"""Command line: ``desir report`` (build then render every study) and ``desir build``.

Examples::

    desir report --year 2023
    desir report --year 2023 --study referentiel
"""

from __future__ import annotations

import argparse
import logging
import sys

from desir_analysis import config, reporting


def _report(args: argparse.Namespace) -> int:
    names = args.study or list(reporting.STUDIES)
    produced = []
    for name in names:
        if name not in reporting.STUDIES:
            print(f"unknown study {name!r}; expected one of {sorted(reporting.STUDIES)}", file=sys.stderr)
            return 2
        study = reporting.STUDIES[name]
        params = {"zone": args.zone}
        print(f"[desir] {study.name}: running {study.notebook} for {args.year}…", flush=True)
        html = reporting.render_study(study, args.year, params)
        print(f"[desir] {study.name}: {html}", flush=True)
        produced.append((study, html))
    index = reporting.write_index(config.REPORTS_DIR / str(args.year), args.year, produced)
    print(f"[desir] index: {index}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``desir`` command."""
    parser = argparse.ArgumentParser(prog="desir", description="desir-analysis: builds and reports")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="render the studies to reports/<year>/")
    rep.add_argument("--year", type=int, default=2023)
    rep.add_argument("--zone", default="desir", choices=["desir", "interreg_fwvl"])
    rep.add_argument("--study", action="append", help="study name (repeatable); default: all")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        return {"report": _report}[args.command](args)
    except reporting.ReportError as exc:
        print(f"[desir] error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
