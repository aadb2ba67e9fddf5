"""Command line: ``desir report`` (build then render every study) and ``desir build``.

Examples::

    desir report --year 2023
    desir report --year 2023 --study referentiel
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from pathlib import Path

from desir_analysis import __version__, build, config, demo, reference
from desir_analysis.analysis import cells as shared_cells
from desir_analysis.build.schemas import SchemaError
from desir_analysis.publish import grid_page, labels, runner
from desir_analysis.publish.edition import Edition, editions, publish_tree, year_editions
from desir_analysis.reference import membership as perimeters
from desir_analysis.sources.csvfile import RawFileError

#: The studies of a whole edition (``--study all``, the default).
ALL_STUDIES = ("diagnostic", "plan_services", "referentiel", "fiches")


def _years(args: argparse.Namespace) -> list[int]:
    first = args.first_year if args.first_year is not None else min(args.year, 2015)
    return list(range(first, args.year + 1))


def _build(args: argparse.Namespace) -> int:
    years = sorted(set(args.years or [])) or _years(args)
    if args.first_year is not None:  # --first-year 2022 --year 2023: the series, like `desir report`
        years = list(range(args.first_year, max(years) + 1))
    build.build(
        years,
        raw_dir=_raw(args),
        mode=args.mode,
        force=args.force,
        progress=sys.stderr.isatty(),
        workers=args.jobs,
        allow_empty=args.allow_empty,
    )
    return 0


def _mode(args: argparse.Namespace) -> str:
    """The mode to render: the one asked, else the mode of the build the user made (never a silent rebuild)."""
    if args.mode != "auto":
        return args.mode
    try:
        made = build.provenance(args.year)["mode"]
    except (FileNotFoundError, KeyError, ValueError):
        return "auto"
    print(f"[desir] mode de la construction existante : {labels.MODE_FR.get(made, made)}", flush=True)
    return made


def _raw(args: argparse.Namespace) -> Path:
    """The raw folder: the user's, or the demo files generated beside it when it holds no real file."""
    return demo.ensure(args.raw_dir or config.RAW_DATA_DIR)


def _jobs(args: argparse.Namespace) -> list[runner.Job]:
    names = args.study or ["all"]
    if "all" in names:
        names = list(ALL_STUDIES)
    unknown = [n for n in names if n not in runner.STUDIES]
    if unknown:
        raise runner.ReportError(f"unknown study {unknown}; expected some of {sorted(runner.STUDIES)} or all")
    first = _years(args)[0]
    jobs = []
    for name in names:
        study = runner.STUDIES[name]
        if name == "fiches":
            est = build.load(args.year, "establishments", columns=["country", "nuts3"])
            est = est[est["country"].isin(perimeters.countries(args.perimeter))]
            present = set(est["nuts3"].dropna().unique())
            terr = reference.territories()
            terr = terr[terr[f"zone_{args.zone}"] & terr["level"].ne("commune") & terr["nuts3"].isin(present)]
            label = labels.territory_fr()
            for nuts3 in sorted(terr["nuts3"].unique()):
                params = (
                    ("zone", args.zone),
                    ("territory", nuts3),
                    ("baseline_year", first),
                    ("perimeter", args.perimeter),
                )
                jobs.append(
                    runner.Job(
                        study, f"fiches/fiche_{nuts3}", f"Fiche territoriale — {label.get(nuts3, nuts3)}", params
                    )
                )
        elif name in ("diagnostic", "plan_services"):
            jobs.append(
                runner.Job(
                    study,
                    name,
                    study.title,
                    (("zone", args.zone), ("first_year", first), ("perimeter", args.perimeter)),
                )
            )
        else:
            jobs.append(runner.Job(study, name, study.title, (("zone", args.zone),)))
    return jobs


def _report(args: argparse.Namespace) -> int:
    years = _years(args)
    result = build.build(
        years,
        raw_dir=_raw(args),
        mode=_mode(args),
        progress=sys.stderr.isatty(),
        workers=args.jobs,
        allow_empty=args.allow_empty,
    )
    prov = build.provenance(args.year)
    together = year_editions(args.year, prov["mode"])
    if (args.zone, args.perimeter) not in together:
        together = sorted({*together, (args.zone, args.perimeter)})
    status = _render(args, years, prov, result.demo, together)
    # an edition of the year protected without the editions rendered since is re-protected and re-rendered
    for _, name, meta in editions():
        if meta.get("year") != args.year or meta.get("mode") != prov["mode"] or name == _edition_of(args, prov).name:
            continue
        if [tuple(e) for e in meta.get("protected_with", [])] != together:
            print(f"[desir] édition {name} : protégée de nouveau avec les éditions de {args.year}", flush=True)
            other = argparse.Namespace(
                **{**vars(args), "zone": meta["zone"], "perimeter": meta["perimeter"], "study": None}
            )
            status = max(status, _render(other, years, prov, result.demo, together))
    return status


def _edition_of(args: argparse.Namespace, prov: dict) -> Edition:
    return Edition(args.year, args.zone, args.perimeter, prov["mode"])


def _render(args: argparse.Namespace, years: list[int], prov: dict, demo_data: bool, together: list) -> int:
    """Render the studies of one edition (``args.zone``, ``args.perimeter``), protected with ``together``."""
    edition = _edition_of(args, prov)
    before = _read_json(edition.dir / "edition.json")
    jobs = _jobs(args)
    if any(j.study.name in ("diagnostic", "fiches", "plan_services") for j in jobs):
        # the cells shared by the diagnostic, the sheets and the plan, protected once (every edition of the year)
        start = time.perf_counter()
        shared_cells.load(args.year, args.zone, args.perimeter, years[0], None, edition.cells, together)
        print(f"[desir] secret statistique de l'année : {time.perf_counter() - start:.1f} s", flush=True)
    workers = args.jobs or os.cpu_count() or 1
    print(f"[desir] édition {edition.name} : {len(jobs)} page(s), {workers} processus", flush=True)
    data_key = build.fingerprint([build.provenance(y).get("build_key", "") for y in years])
    changes: list[dict] = []
    meta = _edition_meta(args, prov, edition) | {"protected_with": [list(e) for e in together]}
    why = revision_reason(before, meta) if before else ""
    produced, failed = runner.run_jobs(
        jobs,
        edition,
        workers=workers,
        progress=sys.stderr.isatty(),
        data_key=data_key,
        changes=changes,
        refuse_changes=bool(before) and not prov["demo"] and not args.force,
        reason=why,
        sweep={j.study.name for j in jobs} >= set(ALL_STUDIES),
    )
    meta["studies"] = sorted(j.name for j, _ in produced)
    if before and not changes:  # nothing published changed: the edition keeps its date (files byte-identical)
        meta["date"] = before.get("date", meta["date"])
    revisions = _read_json(edition.dir / "revisions.json") or []
    if changes and before:
        revisions.append(revision(before, meta, changes))
        runner.atomic_write_text(edition.dir / "revisions.json", json.dumps(revisions, ensure_ascii=False, indent=1))
    meta["revisions"] = len(revisions)
    runner.atomic_write_text(edition.dir / "edition.json", json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    notice = config.DEMO_NOTICE if demo_data else ""
    grid_page.write(edition.dir)  # the enterprises' self-assessment page (the grid's data, no processed data)
    index = runner.write_index(edition, produced, notice=notice, revisions=revisions, meta=meta)
    runner.write_root_index(
        config.REPORTS_DIR,
        {
            "zone_label": "Zone",
            "perimeter_label": "Périmètre",
            "mode_label": "Emplois",
            "vintage": "Millésime des données",
            "date": "Produite le",
            "revisions": "Révisions",
            "code_version": "Version du code",
        },
    )
    print(f"[desir] {len(produced)} page(s) ; sommaire : {index}", flush=True)
    for job, message in failed:
        print(f"[desir] ÉCHEC {job.name} : {message.splitlines()[0] if message else ''}", file=sys.stderr)
    if failed:
        print(f"[desir] journaux et notebooks en échec : {edition.work}", file=sys.stderr)
    return 1 if failed else 0


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _edition_meta(args: argparse.Namespace, prov: dict, edition: Edition) -> dict:
    """The edition's ``edition.json``: what it is (year, zone, perimeter, mode), from which raw files, when."""
    vintages = sorted({f.get("vintage", "") for f in prov["files"]} - {""})
    return {
        "year": args.year,
        "edition": edition.name,
        "date": dt.date.today().isoformat(),
        "vintage": ", ".join(vintages),
        "perimeter": args.perimeter,
        "perimeter_label": labels.perimeter_fr()[args.perimeter],
        "zone": args.zone,
        "zone_label": labels.zone_fr()[args.zone],
        "mode": edition.mode,
        "mode_label": labels.MODE_FR.get(edition.mode, edition.mode),
        "code_version": __version__,
        "demo": prov["demo"],
        "inputs": {f["path"]: f["sha256"] for f in prov["files"]},
    }


def revision_reason(before: dict, after: dict) -> str:
    """Why an edition's figures change: the raw files replaced or added, the code version, else a recomputation."""
    old, new = before.get("inputs", {}), after["inputs"]
    files = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
    why = []
    if files:
        why.append("fichiers bruts remplacés ou ajoutés : " + ", ".join(files))
    if before.get("code_version") != after["code_version"]:
        why.append(f"version du code {before.get('code_version')} → {after['code_version']}")
    return " ; ".join(why) or "méthode, tables de référence ou secret statistique recalculés (mêmes fichiers bruts)"


def revision(before: dict, after: dict, changes: list[dict]) -> dict:
    """A revision note: when, why (:func:`revision_reason`) and which tables changed."""
    return {"date": after["date"], "why": revision_reason(before, after), "tables": changes}


def _publish(args: argparse.Namespace) -> int:
    copied = publish_tree(args.dest)
    if not copied:
        raise runner.ReportError(f"{config.REPORTS_DIR}: aucune édition à publier ; lancez d'abord `desir report`")
    print(f"[desir] {len(copied)} fichier(s) publiables copiés dans {args.dest}", flush=True)
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
    common.add_argument("--jobs", type=int, default=None, help="parallel processes (default: number of cores)")
    common.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    common.add_argument(
        "--allow-empty",
        action="store_true",
        help="build even when a source has no row or the employment extract matches no establishment",
    )
    bld = sub.add_parser("build", parents=[common], help="raw files -> data/processed/<year>/")
    bld.add_argument("--year", dest="years", type=int, action="append", help="reference year (repeatable)")
    bld.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    bld.set_defaults(year=2023)
    rep = sub.add_parser("report", parents=[common], help="build, then render the studies to reports/<year>/")
    rep.add_argument("--year", type=int, default=2023)
    rep.add_argument("--force", action="store_true", help="revise a published edition (a revision note is written)")
    rep.add_argument("--zone", default="desir", choices=reference.zone_names(), help="study zone (reference/zones.csv)")
    rep.add_argument(
        "--study",
        action="append",
        help="diagnostic | plan_services | referentiel | fiches | all (repeatable); default: all",
    )
    rep.add_argument(
        "--perimeter",
        default="core_crossborder",
        choices=reference.perimeter_names(),
        help="named perimeter (reference/perimeters.csv)",
    )
    pub = sub.add_parser("publish", help="copy the publishable files of reports/ (pages, tables) to DEST")
    pub.add_argument("dest", type=Path, help="destination folder, e.g. a web server's")
    pub.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        return {"report": _report, "build": _build, "publish": _publish}[args.command](args)
    except (RawFileError, SchemaError) as exc:  # bad input: one line, no traceback (--debug shows it)
        if args.debug:
            raise
        print(f"[desir] erreur : {exc}", file=sys.stderr)
        return 2
    except (build.BuildError, runner.EditionChangeRefused) as exc:  # inputs or parameters: exit 2 too
        if args.debug:
            raise
        print(f"[desir] erreur : {exc}", file=sys.stderr)
        return 2
    except runner.ReportError as exc:
        if args.debug:
            raise
        print(f"[desir] erreur : {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
