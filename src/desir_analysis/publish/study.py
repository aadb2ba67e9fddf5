"""The study API: what a study notebook calls, a few lines per section.

A :class:`Study` knows its name, edition, output folder and the caption defaults
(source line from the provenance of the processed year, reference date, territory).
Each call publishes one thing and registers it:

- :meth:`Study.table` — a table (CSV + workbook sheet, audit file for protected
  cells) shown with its caption; a table of protected cells must name the entries of
  the publication plan (``reference/publication_plan.csv``) its cells come from, and a
  name outside the plan is refused, so no document publishes a cell the protection
  has not seen;
- :meth:`Study.crosstab` — a protected breakdown shown wide (true zeros shown as 0,
  secrets blank with the « s » mark), the file keeping one line per cell;
- :meth:`Study.figure`, :meth:`Study.text`, :meth:`Study.banner`;
- :meth:`Study.secrecy_annex` — built from the protected tables registered so far.

Every call shows its output where it is made (in a loop or a branch too) and returns
``None``; the HTML is kept in the registry. No notebook global is read back: the
annexes read the study's registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

from desir_analysis import config, reference
from desir_analysis.analysis import cells as shared_cells
from desir_analysis.analysis import derived, disclosure
from desir_analysis.build import store
from desir_analysis.publish import figures, labels
from desir_analysis.publish.edition import Edition, cells_dir, year_editions
from desir_analysis.publish.practices_report import SurveySections
from desir_analysis.publish.sections import Sections
from desir_analysis.publish.tables import Caption, crosstab_view, publish, write_audit
from desir_analysis.reference import membership

#: Plan tables that an edition may lack when the sources do not measure them.
UNMEASURED_OK = ("ess_women", "ps_fte", "ess_fte")
#: Columns of a protected table that describe the protection, never published (the audit files keep them).
WORKING_COLUMNS = ("n_units", "n_contributors", "top_share", "support")
REFERENCE_SOURCE = "référentiels desir-analysis (INSEE CJ 2022-09, KBO 2025-10, NACE-BEL, COG 2026, NUTS 2021)"


class PlanError(ValueError):
    """A study tried to publish protected cells outside the publication plan."""


def plan_entries() -> set[str]:
    """Names of the plan's entries: ``<table>|<breakdown>`` (``ess_jobs|country|ess_family``)."""
    plan = reference.publication_plan()
    return set(plan["table"] + "|" + plan["breakdown"])


def zone_caption(zone: str, perimeter: str) -> str:
    """The captions' territory: the zone's name, and which part of it when the perimeter covers one country."""
    covered = membership.countries(perimeter)
    if len(covered) == 1:
        return f"{labels.zone_fr()[zone]}, partie {PART[covered[0]]}"
    return labels.zone_fr()[zone]


PART = {"FR": "française", "BE": "belge"}


#: The topics whose producers a caption credits by default: the registers and the jobs.
FIGURES = ("register", "employment")
#: The same, for a table that also uses the population (densities, coverage, needs).
WITH_POPULATION = (*FIGURES, "population")
#: A table of jobs and of projected population too (needs at the horizon).
WITH_PROJECTIONS = (*WITH_POPULATION, "projection")
#: A table of the population alone, observed and projected (demand drivers).
POPULATION = ("population", "projection")


def source_line(provenance: dict, topics: tuple[str, ...] = FIGURES) -> str:
    """The caption's source: the credit of every raw file of the processed year in ``topics``.

    The credits come from the provenance of the files actually used (``reference/sources.csv``
    through :func:`desir_analysis.build.inputs.source_meta`), in the table's order, each once:
    « INSEE, répertoire Sirene ; INSEE, Flores (extrait sous convention) ; … ». In public mode the
    French jobs are not a file's but an estimate, and the line says so; the demo notice ends it.
    """
    files = provenance.get("files", [])
    credits = []
    for kind, topic in reference.sources()[["kind", "topic"]].itertuples(index=False):
        if topic in topics:
            credits += [f["credit"] for f in files if f.get("kind") == kind and f["credit"] not in credits][:1]
    if provenance.get("mode") == "public" and "employment" in topics:
        credits.append(ESTIMATED_CREDIT)
    text = " ; ".join(credits)
    if provenance.get("demo"):
        text += " — " + provenance["notice"]
    return text


#: The source line's words for the French jobs of public mode.
ESTIMATED_CREDIT = "postes français estimés d'après la tranche d'effectif Sirene (INSEE)"


@dataclass
class Registered:
    """A published table as the annexes see it."""

    name: str
    title: str
    protected: dict[str, pd.DataFrame]  # measure -> protect() output (empty for plain tables)
    plan: tuple[str, ...]
    annex: str | None  # its name in the secrecy annex (None: not counted there)
    html: str = ""


@dataclass
class Study(Sections, SurveySections):
    """One study document of an edition: its outputs, caption defaults and registry.

    Args:
        name: study name, also the workbook's name (``diagnostic``, ``fiche_fre11``).
        year: edition year.
        out_dir: the study's output folder (tables in ``tables/``, audit files in ``_audit/``).
        source: default source line of the captions.
        territory: default territory of the captions.
        reference_date: default reference date of the captions.
        provenance: the processed year's provenance record.
        processed_dir: the processed tables read (``None``: ``data/processed``).
        zone: the study zone (code).
        perimeter: the perimeter (code).
        first_year: first year of the series (the shared protection covers it to ``year``).
    """

    name: str
    year: int
    out_dir: Path
    source: str
    territory: str
    reference_date: str
    provenance: dict = field(default_factory=dict)
    processed_dir: Path | None = None
    zone: str = "desir"
    perimeter: str = "core_crossborder"
    first_year: int | None = None
    registry: list[Registered] = field(default_factory=list)
    _plan: set[str] = field(default_factory=plan_entries, repr=False)

    @classmethod
    def open(
        cls,
        name: str,
        year: int,
        zone: str,
        perimeter: str = "core_crossborder",
        first_year: int | None = None,
        *,
        output_dir: str | Path = "",
        processed_dir: str | Path = "",
        territory: str | None = None,
    ) -> Study:
        """The study of an edition, with captions from the processed year's provenance.

        Args:
            name: study (and workbook) name.
            year: edition year.
            zone: study zone code (caption territory: its French name, unless ``territory``).
            perimeter: perimeter code.
            first_year: first year of the series (default: the edition year only).
            output_dir: where tables and audit files go (``desir report`` gives a staging folder;
                default, for a run by hand, ``data/private/<year>/<edition>/interactif``).
            processed_dir: processed tables (default ``data/processed``).
            territory: caption territory, when not the zone.
        """
        proc = Path(processed_dir) if processed_dir else config.PROCESSED_DATA_DIR
        prov = store.provenance(year, proc)
        # run by hand (no output_dir), a study writes to a scratch folder: only `desir report` publishes
        scratch = Edition(year, zone, perimeter, prov.get("mode", "")).work / "interactif"
        out = Path(output_dir) if output_dir else scratch
        figures.setup()
        return cls(
            name,
            year,
            out,
            source_line(prov),
            territory or zone_caption(zone, perimeter),
            f"31 décembre {year}",
            prov,
            proc,
            zone,
            perimeter,
            first_year,
        )

    @classmethod
    def of_reference(cls, name: str, year: int, *, output_dir: str | Path = "") -> Study:
        """A study of the reference tables only (no processed data): the référentiel."""
        out = Path(output_dir) if output_dir else config.WORK_DIR / str(year) / "interactif"
        figures.setup()
        return cls(name, year, out, REFERENCE_SOURCE, "France, Belgique", "référentiels en vigueur")

    # ------------------------------------------------------------------ the edition's protected cells
    @cached_property
    def cells(self) -> dict[str, pd.DataFrame]:
        """The edition's shared protected tables (:func:`cells.load`, cached in ``data/private/<year>/_cells/``).

        Protected with every edition of the year (:func:`edition.year_editions`) when the study reads the
        project's processed tables; alone when it reads another folder (tests, trials).
        """
        first = self.first_year if self.first_year is not None else self.year
        return shared_cells.load(
            self.year, self.zone, self.perimeter, first, self.processed_dir, cells_dir(self.year), self.editions
        )

    @cached_property
    def editions(self) -> list[tuple[str, str]]:
        """The (zone, perimeter) of the editions of the year protected with this one (itself included)."""
        mine = (self.zone, self.perimeter)
        if self.processed_dir is not None and Path(self.processed_dir).resolve() != config.PROCESSED_DATA_DIR.resolve():
            return [mine]  # another folder's tables (tests, trials): protected alone
        return sorted({*year_editions(self.year, self.provenance.get("mode", "")), mine})

    def select(
        self, measure: str, by: tuple[str, ...], year: int | None = None, **where: str | list[str]
    ) -> pd.DataFrame | None:
        """Rows of a shared protected table (:func:`derived.select`).

        ``None`` when the edition has no such table because the sources lack its measure
        (e.g. the count of women): :meth:`table` then says « non disponible ».
        """
        if shared_cells.table_name(measure, by, year) not in self.cells and measure in UNMEASURED_OK:
            return None
        return derived.select(self.cells, measure, by, year, **where)

    @cached_property
    def provenances(self) -> dict[int, dict]:
        """The provenance of every processed year of the series (first year to the edition year).

        None for a study made by hand without provenance (tests, trials): no processed year is its own.
        """
        if not self.provenance:
            return {}
        first = self.first_year if self.first_year is not None else self.year
        proc = self.processed_dir or config.PROCESSED_DATA_DIR
        return {y: store.provenance(y, proc) for y in range(first, self.year + 1) if (proc / str(y)).is_dir()}

    @property
    def series_provenance(self) -> dict:
        """The edition year's provenance with the files of every year of the series (for a series' source line)."""
        files = [f for p in self.provenances.values() for f in p.get("files", [])]
        return self.provenance | {"files": files}

    # ------------------------------------------------------------------ captions and text
    def caption(
        self,
        title: str,
        unit: str,
        territory: str | None = None,
        date: str | None = None,
        *,
        sources: tuple[str, ...] = FIGURES,
        series: bool = False,
    ) -> Caption:
        """A caption with the study's defaults (source, reference date, territory).

        ``sources``: the topics of the raw files the figures come from (:data:`FIGURES`, registers
        and jobs; :data:`WITH_POPULATION` for a density or a coverage; :data:`POPULATION`), whose
        producers the source line credits (:func:`source_line`). ``series``: the figures span the
        years of the series, whose files are all credited (CLAP for the early years, Flores after).
        """
        if series and self.provenance:
            source = source_line(self.series_provenance, sources)
        elif sources != FIGURES and self.provenance:
            source = source_line(self.provenance, sources)
        else:
            source = self.source
        return Caption(title, unit, source, date or self.reference_date, territory or self.territory)

    @property
    def demo(self) -> bool:
        """Whether the edition is made from the generated demo files."""
        return bool(self.provenance.get("demo"))

    @property
    def estimated(self) -> bool:
        """Whether the French jobs are estimated from the Sirene size band (public mode)."""
        return self.provenance.get("mode") == "public"

    def jobs_words(self, countries: Iterable[str] | None = None) -> str:
        """What « postes » means in each country of the edition (``glossary.csv``), estimated ones said so.

        « postes salariés au 31 décembre (France) ; postes de travail, fin du 4e trimestre (Belgique) »;
        in public mode the French ones are « postes estimés (tranche d'effectif Sirene) ».
        """
        built = self.provenance.get("countries", ["FR", "BE"])
        chosen = [c for c in (countries or built) if c in built]
        words = []
        for c in chosen:
            term = "postes_estimes" if c == "FR" and self.estimated else "postes"
            words.append(
                f"{reference.term(term, c)} ({labels.COUNTRY_FR[c]})" if len(chosen) > 1 else reference.term(term, c)
            )
        return " ; ".join(words)

    def banner(self, *, what: str = "Ce rapport est établi") -> None:
        """The warnings a reader must see first: demo data, estimated jobs."""
        parts = []
        if self.demo:
            parts.append(f"⚠ {what} sur des <b>{self.provenance['notice']}</b> : aucun chiffre ne décrit la réalité.")
        if self.estimated:
            parts.append(
                "⚠ Emploi français <b>estimé</b> d'après la tranche d'effectif Sirene (centre de tranche) : "
                "ordres de grandeur seulement."
            )
        if parts:
            display(HTML("".join(f"<p class='desir-banner'>{p}</p>" for p in parts)))

    @staticmethod
    def text(markdown: str) -> None:
        """Show narrative computed from the data (French, Markdown)."""
        display(Markdown(markdown))

    # ------------------------------------------------------------------ tables
    def _check_plan(self, name: str, plan: Iterable[str]) -> tuple[str, ...]:
        entries = tuple(shared_cells.plan_entry(p) for p in plan)
        if not entries:
            raise PlanError(f"table {name!r}: protected cells must name their publication-plan entries (plan=...)")
        unknown = [e for e in entries if e not in self._plan]
        if unknown:
            raise PlanError(
                f"table {name!r}: {unknown} not in the publication plan (reference/publication_plan.csv); "
                "declare the breakdown there first"
            )
        return entries

    def table(
        self,
        table: pd.DataFrame | None,
        name: str,
        title: str,
        unit: str,
        *,
        protected: dict[str, pd.DataFrame] | None = None,
        plan: Iterable[str] = (),
        decimals: dict[str, int] | None = None,
        view: pd.DataFrame | None = None,
        territory: str | None = None,
        date: str | None = None,
        annex: bool | str = True,
        total: str = labels.TOTAL,
        relabel: dict[str, dict[str, str]] | None = None,
        sort: bool = True,
        sources: tuple[str, ...] = FIGURES,
        series: bool = False,
    ) -> None:
        """Publish a table (CSV, workbook sheet) and show it with its caption.

        Code columns (``country``, ``nuts3``, ``ess_family``, ``sector_group``,
        ``size_band``) are published with their French headings and labels, rows sorted
        by them, margins last (:func:`labels.publishable`).

        Args:
            table: the table as published; a ``status`` column marks a table of protected
                cells (suppressed values already blank). ``None``: the sources lack the
                measure; the page says « non disponible » and nothing is written.
            name: file stem, ``[a-z0-9_]+``.
            title: caption title; ``unit`` its unit.
            unit: the unit of the caption.
            protected: measure -> the :func:`disclosure.protect` tables the cells come from
                (written to ``_audit/<name>.csv``, counted in the secrecy annex).
            plan: publication-plan entries of those cells (``ess_jobs|country|ess_family``, a
                protected table name such as ``ess_jobs@2019|country|nuts3`` works too).
            decimals: decimals per numeric column in the HTML (columns whose name ends
                with « (%) »: 1 unless given).
            view: another arrangement of the same cells shown in the page.
            territory: caption territory, when not the study's.
            date: caption reference date, when not the study's.
            annex: count the first ``protected`` table in the secrecy annex, under the
                table's name (``True``), another name (a string), or not (``False``).
            total: the label of the margins (« Total », « Zone », « Ensemble »…).
            relabel: labels replacing the default ones, by code column.
            sort: sort the rows by the code columns (``False``: keep the table's order).
            sources: the topics of the raw files its figures come from (:meth:`caption`).
            series: the table spans the years of the series (their files are credited, :meth:`caption`).

        Raises:
            PlanError: protected cells without plan entries, or outside the plan.
        """
        if table is None:
            self.text(f"**{title}** : non disponible (les sources de cette édition ne donnent pas cette mesure).")
            return
        protected = {k: v for k, v in (protected or {}).items() if v is not None}
        # the protection's working columns (contributors, dominance, support) stay in the private audit files
        table = table.drop(columns=list(WORKING_COLUMNS), errors="ignore")
        table = labels.publishable(table, total=total, overrides=relabel, sort=sort)
        if view is not None:
            view = labels.publishable(view, total=total, overrides=relabel, sort=sort)
        confidential = "status" in table.columns
        entries = self._check_plan(name, plan) if confidential else ()
        cap = self.caption(title, unit, territory, date, sources=sources, series=series)
        shown = table if view is None else view
        decimals = {c: 1 for c in shown.columns if str(c).endswith("(%)")} | (decimals or {})
        page = publish(
            table, name, cap, self.out_dir, self.name, confidential=confidential, decimals=decimals, view=view
        )
        self.audit(name, protected or {}, title=title, plan=entries, annex=annex)
        self.registry[-1].html = page
        display(HTML(page))

    def audit(
        self,
        name: str,
        protected: dict[str, pd.DataFrame],
        *,
        title: str = "",
        plan: tuple[str, ...] = (),
        annex: bool | str = True,
    ) -> None:
        """Record the protected tables behind published cells: ``_audit/<name>.csv`` and the annex registry."""
        if protected:
            write_audit(protected, name, self.out_dir)
        annex_name = (name if annex is True else annex or None) if protected else None
        self.registry.append(Registered(name, title, dict(protected), plan, annex_name))

    def crosstab(
        self,
        cells: pd.DataFrame,
        name: str,
        title: str,
        unit: str,
        *,
        rows: list[str],
        columns: str,
        value: str,
        plan: Iterable[str],
        protected: dict[str, pd.DataFrame] | None = None,
        decimals: dict[str, int] | None = None,
    ) -> None:
        """Publish a long table of protected cells, shown as a cross-table (``rows`` × ``columns``).

        The file keeps one line per cell with its status; the page shows ``value`` spread
        over ``columns`` (code columns, labelled; margins last): a secret cell is blank
        (« s »), a combination without any establishment is a true zero (0).
        """
        long = labels.publishable(disclosure.blank_suppressed(cells, [value]))
        heading = {c: labels.COLUMNS_FR.get(c, c) for c in [*rows, columns]}
        order = [labels.SIZE_FR[k] for k in labels.SIZE_FR] if columns == "size_band" else None
        view = crosstab_view(long, [heading[r] for r in rows], heading[columns], value, order)
        self.table(long, name, title, unit, protected=protected, plan=plan, decimals=decimals, view=view, sort=False)

    # ------------------------------------------------------------------ figures
    def figure(
        self,
        fig: plt.Figure,
        title: str,
        unit: str,
        *,
        territory: str | None = None,
        date: str | None = None,
        sources: tuple[str, ...] = FIGURES,
        series: bool = False,
    ) -> None:
        """Show a figure (embedded PNG, French number ticks) with its caption; the figure is closed.

        ``series``: the figure spans the years of the series (their files are credited, :meth:`caption`).
        """
        cap = self.caption(title, unit, territory, date, sources=sources, series=series)
        display(HTML(figures.to_html(fig, cap)))
