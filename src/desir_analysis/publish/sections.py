"""The sections every ESS study shares, on top of the study API: breakdowns, shares, series, annexes.

:class:`Sections` is mixed into :class:`desir_analysis.publish.study.Study`; each method is
one section of a report made of :meth:`Study.table` calls on cells of the edition's shared
protection, so that a notebook says ``study.ess_share(...)`` instead of assembling it.
"""

from __future__ import annotations

import pandas as pd

from desir_analysis.analysis import breaks as series_breaks
from desir_analysis.analysis import cells as shared_cells
from desir_analysis.analysis import derived, disclosure, evolution, quality
from desir_analysis.build import store
from desir_analysis.publish import labels
from desir_analysis.publish.tables import format_number as fmt

JOBS_LABEL = "Postes au 31/12"


class Sections:
    """Common sections of the ESS studies (needs the :class:`Study` attributes and methods)."""

    def ess_breakdown(self, by: list[str], name: str, title: str, *, wide: str | None = None) -> None:
        """ESS establishments and jobs by ``by`` (a breakdown of the plan), as a table or a cross-table.

        With ``wide`` (one of ``by``), the page shows the jobs spread over that column and
        the file keeps one line per cell (:meth:`crosstab`).
        """
        jobs, units = self.select("ess_jobs", tuple(by)), self.select("ess_units", tuple(by))
        cells = derived.breakdown(jobs, units, list(by), JOBS_LABEL)
        unit = "nombre d'établissements ; nombre de postes au 31/12"
        args = {
            "protected": {"postes": jobs, "etablissements": units},
            "plan": [f"ess_jobs|{'|'.join(by)}", f"ess_units|{'|'.join(by)}"],
        }
        if wide is None:
            self.table(cells, name, title, unit, **args)
            return
        title += f" (postes au 31/12 ; établissements dans le fichier {name}.csv)"
        rows = [c for c in by if c != wide]
        self.crosstab(cells, name, title, unit, rows=rows, columns=wide, value=JOBS_LABEL, **args)

    def territory_weights(
        self, by: tuple[str, ...], column: str, here: dict[str, str], name: str, title: str, territory: str
    ) -> None:
        """A territory's ESS jobs by ``column`` with their weight in its ESS and in the zone's (fact sheets).

        ``here`` selects the territory's rows of the breakdown ``by`` (e.g. ``{"nuts3": "FRE11"}``); the
        zone's rows are the margins of the same columns. Without any ESS establishment, a sentence.
        """
        cells = self.select("ess_jobs", by, **here)
        if cells.empty:
            self.text(f"{title} : aucun établissement employeur de l'ESS dans ce territoire.")
            return
        zone = self.select("ess_jobs", by, **{c: derived.TOTAL for c in here})
        self.table(
            derived.weights(cells, zone, column, territory),
            name,
            title,
            "postes au 31/12 ; %",
            protected={"postes": cells},
            plan=[f"ess_jobs|{'|'.join(by)}"],
            annex=False,
        )

    def ess_share(self, index: str, name: str, title: str) -> pd.DataFrame:
        """ESS share of total and private salaried jobs by ``index`` (:func:`derived.ess_share`); returns the table."""
        table, audit = derived.ess_share(self.cells, index)
        self.table(
            table,
            name,
            title,
            "établissements ; postes au 31/12 ; %",
            protected=audit,
            plan=[f"all_jobs|{index}|field", f"private_jobs|{index}|field", f"ess_units|{index}|ess_family"],
            decimals={"Part dans l'emploi total (%)": 1, "Part dans l'emploi privé (%)": 1},
        )
        return table

    def jobs_series(self) -> evolution.Series:
        """The protected series of ESS jobs from the study's first year, with its coverage and breaks."""
        first = self.first_year if self.first_year is not None else self.year
        return evolution.series(self.cells, first, self.year, self.provenances)

    def series(self, name: str, title: str, unit: str = "postes") -> evolution.Series:
        """Publish the protected series of ESS jobs by territory (rows) and year (columns); return it.

        From the first year of the study to the edition year (the years protected with
        the edition); masked cells blank, a year a country's sources do not cover « non
        disponible », a break column, the zone last; then the breaks the series straddles
        (:meth:`series_breaks`). The caption's date is the period; every year's files are credited.
        """
        s = self.jobs_series()
        first = s.years[0] if s.years else self.year
        self.table(
            evolution.series_table(s),
            name,
            f"{title}, {first}-{self.year}",
            unit,
            plan=["ess_jobs|country|nuts3"],
            date=f"31/12/{first} à 31/12/{self.year}",
            series=True,
        )
        self.series_breaks(s)
        return s

    def series_breaks(self, s: evolution.Series) -> None:
        """The breaks and gaps of a series in words, and the table of its breaks (what the evolutions do)."""
        self.text(breaks_text(s, self.provenances))
        if len(s.breaks):
            first = s.years[0]
            self.table(
                series_breaks.table(s.breaks, s.starts),
                "ruptures_series_periode",
                f"Ruptures de série entre {first} et {self.year}",
                "sans objet",
                sort=False,
                series=True,
                date=f"31/12/{first} à 31/12/{self.year}",
            )

    def annexed(self) -> dict[str, pd.DataFrame]:
        """The protected tables counted in the secrecy annex, by annex name, in publication order."""
        return {r.annex: next(iter(r.protected.values())) for r in self.registry if r.annex}

    def secrecy_table(self) -> pd.DataFrame:
        """One row per protected table registered (see :func:`secrecy_summary`)."""
        return secrecy_summary(self.annexed())

    def secrecy_annex(self) -> None:
        """Publish the secrecy annex: every protected table registered, then the joint audit of the shared cells."""
        self.table(
            self.secrecy_table(),
            "qualite_secret_statistique",
            "Secret statistique : cases masquées et contrôle",
            "cases (postes)",
        )
        first = self.first_year if self.first_year is not None else self.year
        years = derived.series_years(self.cells, "ess_jobs", ("country", "nuts3"), first, self.year)
        scopes = shared_cells.scopes_of(self.year, years)
        joint = disclosure.audit_joint(list(self.cells.values()), [scopes[n] for n in self.cells])
        zones, perims = labels.zone_short_fr(), labels.perimeter_fr()
        others = [
            f"{zones.get(z, z)} — {perims.get(p, p)}" for z, p in self.editions if (z, p) != (self.zone, self.perimeter)
        ]
        with_others = f", et avec ceux des autres éditions de {self.year} ({' ; '.join(others)})" if others else ""
        self.text(
            f"Les {len(self.cells)} tableaux dont les cases se recoupent (ce diagnostic, les fiches "
            f"territoriales et le plan de développement de la zone) sont protégés ensemble{with_others} : "
            "une case a le même statut partout. Le contrôle conjoint de toutes leurs relations (sommes, "
            "hiérarchies, identités entre ventilations) trouve "
            f"**{len(joint)}** case masquée recalculable exactement ou encadrée à ±15 % près "
            "(programmation linéaire)."
        )

    def existence_rule_annex(self) -> None:
        """The rule of « exists at 31 December » of the zone rows and of the national aggregates, and their gap."""
        gap = quality.existence_rule_gap(self.provenance)
        self.text(existence_rule_text(self.provenance, gap))
        if gap is not None:
            self.table(
                gap,
                "qualite_regle_31_decembre",
                "Écart entre la règle de la zone et celle des agrégats nationaux (France)",
                "établissements ; %",
                plan=["existence_rule_gap|country|rule_gap"],
                territory="zone la plus large construite, partie française",
                sort=False,
            )

    def quality_annex(self, establishments: pd.DataFrame) -> None:
        """Publish the quality annex of the processed year (:mod:`desir_analysis.analysis.quality`).

        Raw-line accounting per file, rejected lines by reason (or a sentence when there
        are none), out-of-scope lines by reason, then the sources, the estimated
        headcounts and the codes that could not be classified (from ``establishments``).
        """
        files = "fichiers sources"
        self.table(
            quality.line_accounting(self.provenance),
            "qualite_comptabilite_lignes",
            "Comptabilité des lignes brutes",
            "lignes",
            territory=files,
        )
        rejects = quality.rejects_by_reason(store.load(self.year, "rejects", self.processed_dir))
        if rejects.empty:
            self.text(f"**Aucune ligne rejetée** pour {self.year} (aucune ligne illisible, aucun code invalide).")
        else:
            self.table(rejects, "qualite_rejets", "Lignes rejetées par motif", "lignes", territory=files)
        scope = store.load(self.year, "scope", self.processed_dir)
        self.table(
            quality.scope_by_reason(scope, labels.SCOPE_FR),
            "qualite_hors_champ",
            "Lignes hors champ par motif",
            "lignes",
            territory=files,
        )
        self.secrecy_annex()
        self.table(
            quality.sources(self.provenance),
            "provenance_sources",
            "Provenance des fichiers sources",
            "fichiers",
            territory=files,
            sources=ALL_SOURCES,
        )
        self.existence_rule_annex()
        self.table(
            quality.estimated_headcounts(establishments),
            "qualite_effectifs_estimes",
            "Postes estimés d'après la tranche d'effectif Sirene (mode public)",
            "établissements",
        )
        self.table(
            quality.unclassified_codes(establishments),
            "qualite_codes_inconnus",
            "Codes non classés (famille, secteur ou territoire inconnus)",
            "établissements",
        )


#: Every topic of ``reference/sources.csv`` that a processed year records.
ALL_SOURCES = ("register", "employment", "population", "projection")


def existence_rule_text(provenance: dict, gap: pd.DataFrame | None) -> str:
    """The quality annex's sentence on the rule of « exists at 31 December » (zone rows and national aggregates)."""
    head = "**Règle « existe au 31 décembre ».** "
    if gap is None:
        return head + (
            "Les lignes de la zone et les agrégats nationaux suivent la même règle : sans fichier historique "
            "Sirene, un établissement existe au 31 décembre s'il est créé à cette date et n'est pas fermé avant, "
            "avec son activité actuelle ; en Belgique, l'extrait ONSS et la BCE servent aux deux."
        )
    moved = gap.set_index("Écart")
    parts = [
        f"{row['Établissements employeurs']} établissements ({fmt(row['Part des établissements de la zone (%)'], 1)} %)"
        f" {label[0].lower() + label[1:]}"
        for label, row in moved.iterrows()
    ]
    return head + (
        "En France, les lignes de la zone prennent l'état et l'activité de la période du fichier historique "
        "Sirene qui couvre le 31 décembre ; les agrégats nationaux, lus sur tout le pays, suivent la règle du "
        "stock (dates de création et de fermeture, activité actuelle). Les quotients de localisation et les "
        "parts nationales rapprochent donc deux règles ; mesuré sur la zone, où les deux s'appliquent, "
        "l'écart est de : " + " ; ".join(parts) + ". En Belgique, une seule règle (l'extrait ONSS et la BCE)."
    )


def secrecy_summary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Secrecy annex: for each protected table, its cells, primary and secondary suppressions.

    Columns: Tableau, Cases, Secret primaire, Secret secondaire, Masquées (règle naïve:
    every cell of a row or column holding a primary cell), Cases recalculables (audit:
    suppressed cells recoverable exactly by linear algebra from the published ones).
    """
    rows = []
    for name, t in tables.items():
        o = disclosure.over_suppression(t).set_index("method")
        rows.append(
            {
                "Tableau": name,
                "Cases": int(o.loc["protect", "cells"]),
                "Secret primaire": int((t["status"] == "primary").sum()),
                "Secret secondaire": int(o.loc["protect", "secondary"]),
                "Masquées, règle naïve": int(o.loc["naive", "suppressed"]),
                "Cases recalculables (audit)": len(disclosure.audit(t)),
            }
        )
    return pd.DataFrame(rows)


def breaks_text(s: evolution.Series, provenances: dict[int, dict]) -> str:
    """The series' breaks and gaps in words: where each country's evolutions start, and why.

    « Les évolutions ne franchissent aucune rupture non comparable : France à partir de 2017
    (CLAP → Flores) ; Belgique à partir de 2019 (…). France, 2016 : non disponible (…). »
    """
    names = labels.COUNTRY_FR
    hard = s.breaks[~s.breaks["comparable"] & s.breaks["affects"].eq("jobs")]
    parts = []
    for c, start in sorted(s.starts.items()):
        why = hard[hard["country"].eq(c) & hard["first_year"].eq(start)]["label"]
        if len(why):
            parts.append(f"{names.get(c, c)} à partir de **{start}** ({', '.join(why)})")
    gaps = [
        f"{names.get(c, c)}, {y} : **non disponible** ({why})"
        for y, p in sorted(provenances.items())
        if y in s.years
        for c, why in sorted((p.get("gaps") or {}).items())
    ]
    if not parts and not gaps and s.breaks.empty:
        return f"Aucune rupture de série entre {s.years[0]} et {s.years[-1]} (référentiel, « Ruptures de séries »)."
    text = (
        "Les évolutions (taux, tendances, décomposition) ne franchissent aucune rupture non comparable : "
        + " ; ".join(parts)
        + "."
        if parts
        else "Aucune rupture non comparable des effectifs sur la période."
    )
    if gaps:
        text += " Années sans source, laissées vides (jamais interpolées) : " + " ; ".join(gaps) + "."
    return text
