"""The questionnaire's sections: organisation modes and practices, and the recognition grid against the legal forms.

:class:`SurveySections` is mixed into :class:`desir_analysis.publish.study.Study`. The tables are built from
:mod:`desir_analysis.analysis.practices` (weighted estimates, linearised 95 % intervals) and labelled here
from the codebook (``survey_codebook``) and the grid (``reference/recognition_grid.csv``). The files keep
numbers (estimate, bounds, respondents); the page shows « estimate [low ; high] ». An estimate resting on
fewer than ``min_respondents`` answers is blank in the file and « n < … » on the page.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from desir_analysis import reference
from desir_analysis.analysis import practices
from desir_analysis.build import store
from desir_analysis.publish import definition, labels
from desir_analysis.publish.tables import format_number as fmt

GROUP_FR = {
    "FR": "France",
    "BE": "Belgique",
    practices.ALL: "Ensemble",
    **{f: labels.FAMILY_FR[f] for f in practices.ESS_FAMILIES},
    practices.COMMERCIAL: "Sociétés commerciales hors ESS",
    "ess": "Formes juridiques de l'ESS",
    "all": "Toutes les organisations",
}
SURVEY_TOPICS = ("survey", "register")
MEAN = "moyenne"


def answer_labels(codebook: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str, str]]:
    """``(question, answer code)`` -> (question label, answer label, unit) for every indicator of the codebook."""
    out = {}
    for q in codebook.itertuples(index=False):
        for code, label in reference.modalities(q.modalities).items():
            out[(q.question, code)] = (q.label_fr, label, "%")
        if q.type in ("number", "likert"):
            what = "score moyen (1 à 5)" if q.type == "likert" else MEAN
            out[(q.question, "")] = (q.label_fr, what, "%" if q.question.endswith("_pct") else MEAN)
    return out


def _scale(kind: str) -> float:
    return 100.0 if kind == "share" else 1.0


def interval_text(value: float, low: float, high: float, n: int, min_respondents: int) -> str:
    """« 61,2 [50,1 ; 72,3] » for the page, « n < 20 » when the estimate is withheld."""
    if n < min_respondents or pd.isna(value):
        return f"n < {min_respondents}" if n < min_respondents else "non disponible"
    return f"{fmt(value, 1)} [{fmt(low, 1)} ; {fmt(high, 1)}]"


def add_estimate(
    row: dict, view: dict, name: str, column: str, e: pd.Series, scale: float, min_respondents: int
) -> None:
    """Add one group's estimate to a row of the file and of the page.

    The file's ``row`` gets ``column``, its bounds and respondents (blank when withheld); the page's ``view``
    gets « estimate [low ; high] » (or « n < … ») under ``column``.
    """
    shown = e["n"] >= min_respondents
    for key, v in ((column, e["value"]), (f"{name} : IC 95 % bas", e["low"]), (f"{name} : IC 95 % haut", e["high"])):
        row[key] = v * scale if shown else np.nan
    row[f"{name} : répondants"] = int(e["n"])
    view[column] = interval_text(e["value"] * scale, e["low"] * scale, e["high"] * scale, e["n"], min_respondents)


def wide_results(
    res: pd.DataFrame, codebook: pd.DataFrame, diffs: pd.DataFrame | None, min_respondents: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results of :func:`practices.results` one row per indicator, one block of columns per group.

    Returns:
        The file's table (numbers: shares in %, bounds, respondents; blank when withheld) and the page's view
        (« estimate [low ; high] »; the France − Belgium difference with its p-value when ``diffs`` is given).
    """
    names = answer_labels(codebook)
    groups = list(dict.fromkeys(res["group"]))
    table_rows, view_rows = [], []
    keyed = res.set_index(["question", "answer", "group"])
    dkeyed = diffs.set_index(["question", "answer"]) if diffs is not None else None
    for (question, answer), rows in res.groupby(["question", "answer"], sort=False):
        q_label, a_label, unit = names[(question, answer)]
        scale = _scale(rows["kind"].iloc[0])
        head = {"Question": q_label, "Réponse": a_label, "Unité": unit}
        row, view = dict(head), dict(head)
        for g in groups:
            e = keyed.loc[(question, answer, g)]
            add_estimate(row, view, GROUP_FR[g], GROUP_FR[g], e, scale, min_respondents)
        if dkeyed is not None:
            d = dkeyed.loc[(question, answer)]
            unit_d = "points" if unit == "%" and scale == 100 else unit
            for part, v in (("", d["difference"]), (" : IC 95 % bas", d["low"]), (" : IC 95 % haut", d["high"])):
                row["Écart France − Belgique" + part] = v * scale
            row["p-valeur"] = d["p_value"]
            view["Écart France − Belgique"] = (
                f"n < {min_respondents}"
                if pd.isna(d["difference"])
                else f"{fmt(d['difference'] * scale, 1)} [{fmt(d['low'] * scale, 1)} ; {fmt(d['high'] * scale, 1)}]"
                + (f" {unit_d}" if unit_d == "points" else "")
            )
            view["p-valeur"] = "" if pd.isna(d["p_value"]) else fmt(d["p_value"], 3)
        table_rows.append(row)
        view_rows.append(view)
    return pd.DataFrame(table_rows), pd.DataFrame(view_rows)


def method_view(mt: pd.DataFrame) -> pd.DataFrame:
    """The method table in French: respondents, response rate (where the population count is published), deff, n_eff."""
    return pd.DataFrame(
        {
            "Pays": mt["country"].map(GROUP_FR),
            "Organisations": mt["group"].map(GROUP_FR),
            "Répondants": mt["respondents"].astype(int),
            "Taux de réponse (%)": mt["response_rate"] * 100,
            "Effet de plan de la pondération (Kish)": mt["deff"],
            "Taille effective de l'échantillon": mt["n_effective"].round(0),
        }
    )


def principle_labels() -> dict[str, str]:
    """Indicator code of :func:`practices.recognition_results` -> its French label."""
    grid = reference.recognition_grid().drop_duplicates("principle")
    return {
        "all_met": "Respecte les quatre principes",
        "one_failed": "Ne respecte pas au moins un principe",
        **{
            f"failed:{p}": f"Principe non respecté : {lab}"
            for p, lab in zip(grid["principle"], grid["label_fr"], strict=True)
        },
        "agreement": "Forme juridique et grille concordantes",
    }


def recognition_tables(rr: pd.DataFrame, min_respondents: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The grid against the legal forms: the file's table (numbers in %) and the page's view (intervals)."""
    names = principle_labels()
    rows, views = [], []
    for (indicator, group), part in rr.groupby(["indicator", "group"], sort=False):
        head = {"Indicateur": names[indicator], "Organisations": GROUP_FR[group]}
        row, view = dict(head), dict(head)
        for _, e in part.iterrows():
            name = GROUP_FR[e["country"]]
            add_estimate(row, view, name, f"{name} (%)", e, 100.0, min_respondents)
        rows.append(row)
        views.append(view)
    return pd.DataFrame(rows), pd.DataFrame(views)


LIKERT_COLOURS = ("#2166ac", "#92c5de", "#e0e0e0", "#f4a582", "#b2182b")


def likert_bars(res: pd.DataFrame, codebook: pd.DataFrame, question: str, min_respondents: int) -> plt.Figure:
    """Diverging stacked bars of a Likert question: the middle level centred on zero, lower levels left.

    One bar per group of ``res`` with enough respondents; shares in % of the group's answers.
    """
    q = codebook.set_index("question").loc[question]
    levels = reference.modalities(q["modalities"])
    part = res[(res["question"] == question) & res["answer"].isin(list(levels)) & (res["n"] >= min_respondents)]
    groups = list(dict.fromkeys(part["group"]))
    fig, ax = plt.subplots(figsize=(9, 0.6 * max(len(groups), 1) + 1.6))
    if not groups:
        ax.text(0.5, 0.5, f"non disponible (moins de {min_respondents} répondants)", ha="center", va="center")
        ax.set(title=q["label_fr"], xticks=[], yticks=[])
        return fig
    codes = list(levels)
    mid = len(codes) // 2
    for i, g in enumerate(groups):
        shares = part[part["group"] == g].set_index("answer").reindex(codes)["value"].fillna(0).to_numpy() * 100
        left = -(shares[:mid].sum() + shares[mid] / 2 if len(codes) % 2 else shares[:mid].sum())
        for j, code in enumerate(codes):
            ax.barh(
                i,
                shares[j],
                left=left,
                color=LIKERT_COLOURS[j % len(LIKERT_COLOURS)],
                label=levels[code] if i == 0 else None,
            )
            left += shares[j]
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(range(len(groups)), [GROUP_FR[g] for g in groups])
    ax.invert_yaxis()
    ax.set(xlabel="% des répondants (niveau médian centré sur 0)", title=q["label_fr"])
    ax.legend(ncol=len(codes), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
    return fig


class SurveySections:
    """The questionnaire's sections of the diagnostic (needs the :class:`Study` attributes and methods)."""

    def survey(self) -> practices.Survey | None:
        """The edition's questionnaire weighted to the zone's population.

        ``None`` without a questionnaire, or when no weighting rule holds (the page says why).
        """
        if not store.has(self.year, "survey_responses", self.processed_dir):
            return None
        from desir_analysis.analysis import zone as zone_data

        est = zone_data.establishments(self.year, self.zone, self.perimeter, self.processed_dir)
        units = self.select("ess_units", ("country", "ess_family"))
        secret = units.loc[units["status"].ne("published"), ["country", "ess_family"]]
        masked = set(secret.itertuples(index=False, name=None))
        try:
            return practices.weigh(
                store.load(self.year, "survey_responses", self.processed_dir),
                store.load(self.year, "survey_codebook", self.processed_dir),
                est,
                masked=masked,
            )
        except ValueError as exc:  # a population category no respondent covers: said, not a crash
            self.text(f"**Questionnaire** : pondération impossible ({exc}) ; résultats non disponibles.")
            return None

    def practices_section(self, sv: practices.Survey | None, min_respondents: int = practices.MIN_RESPONDENTS) -> None:
        """« Modes d'organisation et pratiques »: method note, results by country and by family, Likert bars."""
        if sv is None:
            self.text("Aucun questionnaire pour cette édition (dossier `survey/` absent) : section sans objet.")
            return
        mt = practices.method_table(sv, practices.published_counts(self.select("ess_units", ("country", "ess_family"))))
        record = self.provenance.get("survey", {})
        self.text(method_words(sv, mt, record, min_respondents))
        self.table(
            reading_table(sv, record),
            "enquete_lecture",
            "Questionnaires reçus, écartés et pondérés",
            "questionnaires",
            sort=False,
            sources=("survey",),
        )
        self.table(
            method_view(mt),
            "enquete_methode",
            "Répondants, taux de réponse, effet de plan et taille effective de l'échantillon",
            "organisations ; % ; sans unité",
            decimals={"Effet de plan de la pondération (Kish)": 2, "Taille effective de l'échantillon": 0},
            sort=False,
            sources=SURVEY_TOPICS,
        )
        by_country = practices.results(sv, "country")
        diffs = practices.differences(sv, min_respondents)  # empty for a one-country edition
        table, view = wide_results(by_country, sv.codebook, diffs if len(diffs) else None, min_respondents)
        what = "Modes d'organisation et pratiques"
        self.estimates(
            table, view, "enquete_pratiques_pays", f"{what} des organisations de forme juridique ESS, par pays"
        )
        by_family = practices.results(sv, "family")
        table, view = wide_results(by_family, sv.codebook, None, min_respondents)
        self.estimates(table, view, "enquete_pratiques_famille", f"{what} par famille, {_countries(sv.responses)}")
        groups = pd.concat([by_country, by_family[by_family["group"].eq(practices.COMMERCIAL)]], ignore_index=True)
        for q in sv.codebook[sv.codebook["type"].eq("likert")].itertuples(index=False):
            self.figure(
                likert_bars(groups, sv.codebook, q.question, min_respondents),
                f"{q.label_fr} : répartition pondérée des réponses",
                "% des répondants",
                sources=SURVEY_TOPICS,
            )

    def recognition_section(
        self, sv: practices.Survey | None, min_respondents: int = practices.MIN_RESPONDENTS
    ) -> None:
        """« Reconnaissance transfrontalière »: the grid, then how far the legal forms and the principles agree."""
        self.text(grid_words())
        if sv is None:
            self.text("Aucun questionnaire pour cette édition : la grille n'est pas confrontée aux formes juridiques.")
            return
        rr = practices.recognition_results(sv)
        table, view = recognition_tables(rr, min_respondents)
        self.text(recognition_words(rr, min_respondents))
        title = "Formes juridiques et principes de l'économie sociale"
        self.estimates(
            table, view, "reconnaissance_formes_principes", title, "% des organisations dont la grille est établie"
        )

    def estimates(
        self,
        table: pd.DataFrame,
        view: pd.DataFrame,
        name: str,
        title: str,
        unit: str = "% des organisations ayant répondu à la question, ou moyenne",
    ) -> None:
        """Publish a table of weighted estimates: numbers in the file, « estimate [interval] » on the page."""
        self.table(
            table,
            name,
            f"{title} (estimation pondérée [intervalle de confiance à 95 %])",
            unit,
            view=view,
            decimals=_one_decimal(table),
            sort=False,
            sources=SURVEY_TOPICS,
        )


def _countries(responses: pd.DataFrame) -> str:
    """« France et Belgique ensemble », or the one country of the respondents."""
    names = [GROUP_FR[c] for c in ("FR", "BE") if responses["country"].eq(c).any()]
    return " et ".join(names) + (" ensemble" if len(names) > 1 else "")


def _one_decimal(table: pd.DataFrame) -> dict[str, int]:
    """One decimal for every estimate column, three for the p-value, none for respondents."""
    out = {c: 1 for c in table.columns if c not in ("Question", "Réponse", "Unité", "Indicateur", "Organisations")}
    out |= {c: 0 for c in table.columns if c.endswith("répondants")}
    return out | ({"p-valeur": 3} if "p-valeur" in table.columns else {})


def grid_words() -> str:
    """The grid in words for the diagnostic (the table with its sources is in the référentiel)."""
    grid = definition.recognition_grid()
    lines = [
        f"- **{p}** : " + " ; ".join(f"{c} (« {q} »)" for q, c in zip(g["Question"], g["Condition"], strict=True))
        for p, g in grid.groupby("Principe", sort=False)
    ]
    return (
        "La grille retient quatre principes, chacun vérifié sur des questions (sources juridiques : référentiel) :\n\n"
        + "\n".join(lines)
    )


def reading_table(sv: practices.Survey, record: dict) -> pd.DataFrame:
    """Every questionnaire received, accounted for: read, excluded (by reason), outside the population, weighted."""
    excluded = record.get("excluded", {})
    rows = [("Questionnaires reçus", record.get("rows", len(sv.responses) + sum(sv.left_out.values())))]
    rows += [(f"Écartés à la lecture : {why}", n) for why, n in excluded.items()]
    rows += [(f"Hors population : {why}", n) for why, n in sv.left_out.items()]
    rows.append(("Répondants pondérés", len(sv.responses)))
    return pd.DataFrame(rows, columns=["Questionnaires", "Nombre"])


def method_words(sv: practices.Survey, mt: pd.DataFrame, record: dict, min_respondents: int) -> str:
    """The method note: respondents, exclusions, weighting rule, intervals, the withholding rule."""
    excluded = sum(record.get("excluded", {}).values())
    left = sum(sv.left_out.values())
    ess = mt[(mt["country"] == practices.ALL) & (mt["group"] == "ess")]
    parts = [
        f"**Méthode.** {record.get('rows', len(sv.responses) + left)} questionnaires reçus ; "
        f"{excluded} écartés à la lecture ; {left} hors de la population de la zone (strate sans établissement "
        f"employeur) ; **{len(sv.responses)} répondants** pondérés (tableau ci-dessous).",
        f"Pondération : {sv.weighting.method}, sur la population des établissements employeurs de la zone "
        "(formes juridiques de l'ESS du périmètre et sociétés commerciales privées) : les poids reproduisent "
        "ces effectifs" + (" exactement." if sv.weighting.strata is not None else " à 10⁻⁶ près."),
    ]
    if sv.unknown_size:
        parts.append(f"{fmt(sv.unknown_size)} établissements sans tranche de taille n'entrent dans aucune strate.")
    if len(ess):
        e = ess.iloc[0]
        parts.append(
            f"Effet de plan de la pondération (Kish) des organisations de l'ESS : {fmt(e['deff'], 2)}, soit une "
            f"taille effective de {fmt(e['n_effective'], 0)} répondants pour {fmt(e['respondents'], 0)}."
        )
    parts.append(
        "Intervalles de confiance à 95 % par linéarisation de l'estimateur calé (Deville et Särndal), non par la "
        "formule pondérée naïve ; écart France − Belgique testé par un test de Wald sur la variable linéarisée. "
        f"**Une estimation reposant sur moins de {min_respondents} réponses n'est pas diffusée** (« n < "
        f"{min_respondents} »). Le taux de réponse n'est donné que là où l'effectif de la population est une case "
        "publiée du diagnostic (les poids multipliés par les répondants redonneraient l'effectif d'une strate) ; "
        "les poids eux-mêmes ne sont pas publiés, et une famille dont l'effectif est masqué est calée avec les "
        "autres familles masquées de son pays (leur somme seule, que les marges publiées donnent déjà). "
        "Un intervalle de largeur nulle signale une réponse entièrement "
        "déterminée par le pays et la famille, dont les effectifs sont connus exactement par le calage."
    )
    return " ".join(parts)


def recognition_words(rr: pd.DataFrame, min_respondents: int) -> str:
    """The agreement between the legal-form perimeter and the grid, in words (both countries)."""
    both = rr[rr["country"] == practices.ALL].set_index(["indicator", "group"])
    where = _countries(rr[rr["country"] != practices.ALL])

    def say(indicator: str, group: str) -> str:
        e = both.loc[(indicator, group)]
        return interval_text(e["value"] * 100, e["low"] * 100, e["high"] * 100, e["n"], min_respondents) + " %"

    return (
        "La grille confronte la définition par la **forme juridique** (périmètre statistique) aux **principes** "
        f"déclarés par les organisations. {where}, pondéré : "
        f"{say('one_failed', 'ess')} des organisations de forme juridique ESS ne respectent pas au moins un principe ; "
        f"{say('all_met', practices.COMMERCIAL)} des sociétés commerciales hors ESS les respectent tous ; la forme "
        f"juridique et la grille concordent pour {say('agreement', 'all')} des organisations."
    )
