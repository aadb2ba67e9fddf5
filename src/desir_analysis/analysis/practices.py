"""The questionnaire's results for the studies: weighted shares and means with their intervals, by country and family.

The respondents (``survey_responses`` of the processed year) are weighted to the population of employer
establishments of the zone (:func:`population`; :func:`survey.calibrate`), then every answer of the codebook
becomes one indicator (:func:`indicators`): the share choosing each modality of a single or multiple
choice and of each level of a Likert scale, the mean of a Likert score and of a number. Each indicator is
estimated in each domain with its linearised 95 % interval (:func:`survey.estimate`); an estimate resting on
fewer than ``min_respondents`` answers is not shown (:func:`hide_thin`), and France − Belgium differences
come with a test (:func:`differences`).

The method figures (:func:`method_table`) are those an edition can show without disclosing a population
count: respondents, design effect and effective sample size (both unchanged when
the weights are multiplied by a constant); a response rate only where the population count is a published,
unsuppressed cell (``published``), since weights times respondents give a stratum's population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from desir_analysis import reference
from desir_analysis.analysis import disclosure, recognition, survey

#: The fewest answers an estimate may rest on before it is withheld (a study parameter may change it).
MIN_RESPONDENTS = 20
#: The families the questionnaire covers: the legal-form ESS families and the commercial companies.
ESS_FAMILIES = ("association", "cooperative", "mutual", "foundation")
COMMERCIAL = "non_ess"
#: The code of a margin (both countries, every family of the domain).
ALL = "Total"


@dataclass(frozen=True)
class Survey:
    """The weighted questionnaire of one edition.

    Attributes:
        responses: the respondents inside the population (``country``, ``family``, ``size_band``, answers).
        codebook: the processed codebook (``question``, ``label_fr``, ``type``, ``modalities``…).
        weighting: the calibrated weights and how they were obtained.
        population: the population cells (``country``, ``family``, ``size_band``, ``N``).
        left_out: respondents read but outside the population, by reason (counted, never dropped silently).
        unknown_size: employer establishments of the population without a size band (not in any cell).
        calibration: the respondents' calibration columns (``country``, ``family`` — masked families merged —,
            ``size_band``), same rows as ``responses``.
    """

    responses: pd.DataFrame
    codebook: pd.DataFrame
    weighting: survey.Weighting
    population: pd.DataFrame
    left_out: dict[str, int]
    unknown_size: int
    calibration: pd.DataFrame | None = None

    @property
    def x(self) -> np.ndarray:
        """The calibration variables (:func:`survey.calibration_matrix`)."""
        frame = self.responses if self.calibration is None else self.calibration
        return survey.calibration_matrix(
            frame.assign(size_group=frame["size_band"].map(survey.SIZE_GROUP)), self.weighting.groups
        )

    @property
    def total(self) -> float:
        """The population size (finite-population correction)."""
        return float(self.population["N"].sum())


def population(est: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The questionnaire's population: employer establishments by ``country`` × ``family`` × ``size_band`` (``N``).

    The establishments of the study's ESS perimeter (``in_ess``) in the families :data:`ESS_FAMILIES` (so a
    family's population is the count the edition publishes, ``ess_units|country|ess_family``) and the
    private commercial companies (family ``non_ess``, not public-law). Establishments without a size band
    fall in no cell; their count is returned.
    """
    private_commercial = est["ess_family"].eq(COMMERCIAL) & ~est["public_sector"].astype(bool)
    covered = est[(est["ess_family"].isin(ESS_FAMILIES) & est["in_ess"].astype(bool)) | private_commercial]
    sized = covered[covered["size_band"].isin(survey.SIZE_GROUP)]
    return survey.population_cells(sized, {*ESS_FAMILIES, COMMERCIAL}), len(covered) - len(sized)


#: The calibration family of the families whose population count the edition masks (:func:`weigh`).
MASKED = "masked_families"


def calibration_family(frame: pd.DataFrame, masked: set[tuple[str, str]]) -> pd.Series:
    """The family a row is calibrated in: its own, or :data:`MASKED` when its country's count of it is a secret."""
    hidden = [(c, f) in masked for c, f in zip(frame["country"], frame["family"], strict=True)]
    return frame["family"].mask(pd.Series(hidden, index=frame.index), MASKED)


def weigh(
    responses: pd.DataFrame,
    codebook: pd.DataFrame,
    est: pd.DataFrame,
    min_cell: int = survey.MIN_CELL,
    masked: set[tuple[str, str]] | frozenset = frozenset(),
) -> Survey:
    """Weight the respondents to the zone's population (:func:`survey.calibrate`).

    A respondent whose country × family × size band has no establishment in the zone's population (or whose
    family the questionnaire does not cover) is left out and counted in ``left_out``.

    Args:
        responses: the respondents (``country``, ``family``, ``size_band``, answers).
        codebook: the processed codebook.
        est: the zone's establishments (:func:`population`).
        min_cell: the fewest respondents of a post-stratification cell.
        masked: the (country, family) whose establishment count the edition suppresses: their cells are merged
            into one calibration family per country (:data:`MASKED`), so that the weights — and every estimate
            made with them — reproduce only the sum of the masked counts, which the published margin minus
            the published cells gives anyway, never a masked count itself.
    """
    pop, unknown = population(est)
    cells = ["country", "family", "size_band"]
    populated = pop.loc[pop["N"] > 0, cells].apply(tuple, axis=1)
    inside = responses[cells].apply(tuple, axis=1).isin(set(populated))
    left_out = {"strate sans établissement employeur dans la population de la zone": int((~inside).sum())}
    kept = responses[inside].reset_index(drop=True)
    calib_pop = pop.assign(family=calibration_family(pop, set(masked))).groupby(cells, as_index=False)["N"].sum()
    calib = kept[cells].assign(family=calibration_family(kept, set(masked)))
    weighting = survey.calibrate(calib, calib_pop, min_cell)
    return Survey(
        kept,
        codebook.reset_index(drop=True),
        weighting,
        pop,
        {k: v for k, v in left_out.items() if v},
        unknown,
        calib,
    )


def indicators(responses: pd.DataFrame, codebook: pd.DataFrame) -> list[tuple[str, str, str, pd.Series]]:
    """Every indicator of the codebook: ``(question, answer code, kind, values)`` in the codebook's order.

    ``kind`` is ``share`` (0/1: the respondent chose the modality) or ``mean`` (a number, or a Likert
    level read as its score); an unanswered question is NaN (item non-response, left out of the domain).
    """
    out = []
    for q in codebook.itertuples(index=False):
        col = responses[q.question]
        text = col.astype(object).where(col.notna(), "").astype(str)
        answered = text.ne("")
        if q.type == "number":
            out.append((q.question, "", "mean", pd.to_numeric(col, errors="coerce")))
            continue
        for code in reference.modalities(q.modalities):
            chosen = text.str.split("|").map(lambda given, c=code: c in given)
            out.append((q.question, code, "share", chosen.astype(float).where(answered)))
        if q.type == "likert":
            out.append((q.question, "", "mean", pd.to_numeric(col, errors="coerce")))
    return out


def _row(question: str, answer: str, kind: str, group: str, est: survey.Estimate) -> dict:
    return {
        "question": question,
        "answer": answer,
        "kind": kind,
        "group": group,
        "value": est.value,
        "low": est.low,
        "high": est.high,
        "n": est.n,
    }


def domains(sv: Survey, by: str) -> dict[str, pd.Series]:
    """The domains of a breakdown: ``country`` (the ESS legal forms of each country and both), or ``family``."""
    r = sv.responses
    if by == "country":
        ess = r["family"].isin(ESS_FAMILIES)
        return {**{c: ess & r["country"].eq(c) for c in ("FR", "BE") if r["country"].eq(c).any()}, ALL: ess}
    if by == "family":
        return {f: r["family"].eq(f) for f in (*ESS_FAMILIES, COMMERCIAL) if r["family"].eq(f).any()}
    raise ValueError(f"by must be country or family, got {by!r}")


def results(sv: Survey, by: str = "country") -> pd.DataFrame:
    """Every indicator in every domain of ``by`` (:func:`domains`): estimate, 95 % interval, respondents.

    Returns:
        ``question``, ``answer``, ``kind``, ``group``, ``value``, ``low``, ``high`` (shares as fractions), ``n``.
    """
    x, w, strata = sv.x, sv.weighting.weights, sv.weighting.strata
    rows = []
    for question, answer, kind, y in indicators(sv.responses, sv.codebook):
        for group, dom in domains(sv, by).items():
            e = survey.estimate(y, w, x, dom, sv.total, kind == "share", strata)
            rows.append(_row(question, answer, kind, group, e))
    return pd.DataFrame(rows)


def hide_thin(table: pd.DataFrame, min_respondents: int = MIN_RESPONDENTS) -> pd.DataFrame:
    """Blank the estimates resting on fewer than ``min_respondents`` answers (``shown`` says which)."""
    thin = table["n"] < min_respondents
    return table.assign(
        value=table["value"].mask(thin), low=table["low"].mask(thin), high=table["high"].mask(thin), shown=~thin
    )


def differences(sv: Survey, min_respondents: int = MIN_RESPONDENTS) -> pd.DataFrame:
    """France − Belgium, ESS legal forms, for every indicator: difference, 95 % interval, p-value.

    The variance is that of the difference of the linearised variables (:func:`survey.difference`).
    Withheld (NaN) when either country rests on fewer than ``min_respondents`` answers.
    """
    x, w, strata = sv.x, sv.weighting.weights, sv.weighting.strata
    dom = domains(sv, "country")
    rows = []
    for question, answer, kind, y in indicators(sv.responses, sv.codebook):
        if "FR" not in dom or "BE" not in dom:
            break
        fr, be = (survey.estimate(y, w, x, dom[c], sv.total, kind == "share", strata) for c in ("FR", "BE"))
        diff, se, p = survey.difference(fr, be, sv.total)
        ok = min(fr.n, be.n) >= min_respondents
        z = survey.Z95 * se
        rows.append(
            {
                "question": question,
                "answer": answer,
                "kind": kind,
                "difference": diff if ok else np.nan,
                "low": diff - z if ok else np.nan,
                "high": diff + z if ok else np.nan,
                "p_value": p if ok else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["question", "answer", "kind", "difference", "low", "high", "p_value"])


def method_table(sv: Survey, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Respondents, response rate, design effect and effective sample size by country and family group.

    Args:
        sv: the weighted questionnaire.
        published: the published establishment counts by ``country`` × ``family`` (``N``, ``NaN`` when the cell
            is suppressed or not published); a response rate is given only where the count of every family of
            the row that has establishments in the zone is published there. ``None``: no response rate.

    Returns:
        ``country``, ``group`` (``ess`` or ``non_ess``), ``respondents``, ``response_rate`` (fraction or NaN),
        ``deff`` (Kish), ``n_effective``, ``rate_shown``.
    """
    r, w = sv.responses, sv.weighting.weights
    pub = None if published is None else published.set_index(["country", "family"])["N"]
    populated = sv.population[sv.population["N"] > 0].drop_duplicates(["country", "family"])
    rows = []
    for country in [c for c in ("FR", "BE") if r["country"].eq(c).any()] + [ALL]:
        for group, families in (("ess", ESS_FAMILIES), (COMMERCIAL, (COMMERCIAL,))):
            dom = r["family"].isin(families) & (r["country"].eq(country) if country != ALL else True)
            if not dom.any():
                continue
            countries = ("FR", "BE") if country == ALL else (country,)
            cells = populated[populated["country"].isin(countries) & populated["family"].isin(families)]
            keys = cells[["country", "family"]].itertuples(index=False, name=None)
            counts = [pub.get(k) if pub is not None else None for k in keys]
            known = bool(counts) and all(v is not None and not pd.isna(v) for v in counts)
            n_pop = float(sum(counts)) if known else np.nan
            rows.append(
                {
                    "country": country,
                    "group": group,
                    "respondents": int(dom.sum()),
                    "response_rate": dom.sum() / n_pop if n_pop else np.nan,
                    "deff": survey.kish_deff(w[dom]),
                    "n_effective": survey.effective_n(w[dom]),
                }
            )
    out = pd.DataFrame(rows)
    return out.assign(rate_shown=out["response_rate"].notna())


def published_counts(units: pd.DataFrame, value: str = "one") -> pd.DataFrame:
    """The establishment counts by ``country`` × ``family`` an edition publishes (``ess_units|country|ess_family``).

    ``units``: the protected cells (``country``, ``ess_family``, the count ``value``, ``status``); a
    suppressed cell gives NaN, so no response rate reveals it.
    """
    cells = disclosure.blank_suppressed(units, [value])
    cells = cells[cells["country"].isin(["FR", "BE"]) & cells["ess_family"].isin(ESS_FAMILIES)]
    return cells.rename(columns={"ess_family": "family", value: "N"})[["country", "family", "N"]]


def recognition_results(sv: Survey) -> pd.DataFrame:
    """The grid against the legal-form perimeter: weighted shares with their 95 % intervals.

    For the ESS legal forms and the commercial companies, by country and both (``group`` = family group,
    ``country``): the share meeting every principle (``all_met``), failing at least one (``one_failed``),
    failing each principle (``failed:<principle>``); for every respondent, ``agreement``: the share whose
    legal form and grid say the same (ESS form and every principle met, or commercial company and at least
    one principle not met). A respondent whose grid is not evidenced is left out of these shares.

    Returns:
        ``indicator``, ``group`` (``ess``, ``non_ess``, ``all``), ``country``, ``value``, ``low``, ``high``, ``n``.
    """
    st = recognition.statuses(sv.responses)
    evidenced = st["overall"].ne(recognition.NOT_EVIDENCED)
    ess = sv.responses["family"].isin(ESS_FAMILIES)
    ys = {
        "all_met": st["overall"].eq(recognition.MET),
        "one_failed": st["overall"].eq(recognition.NOT_MET),
        **{f"failed:{p}": st[p].eq(recognition.NOT_MET) for p in st.columns if p != "overall"},
    }
    agree = (ess & st["overall"].eq(recognition.MET)) | (~ess & st["overall"].eq(recognition.NOT_MET))
    x, w, strata = sv.x, sv.weighting.weights, sv.weighting.strata
    rows = []
    countries = [c for c in ("FR", "BE") if sv.responses["country"].eq(c).any()] + [ALL]
    for country in countries:
        here = sv.responses["country"].eq(country) if country != ALL else pd.Series(True, index=ess.index)
        targets = [(name, y, group, dom) for name, y in ys.items() for group, dom in (("ess", ess), (COMMERCIAL, ~ess))]
        for name, y, group, dom in [*targets, ("agreement", agree, "all", pd.Series(True, index=ess.index))]:
            e = survey.estimate(y.astype(float).where(evidenced), w, x, dom & here, sv.total, True, strata)
            rows.append(_row("", "", "", "", e) | {"indicator": name, "group": group, "country": country})
    out = pd.DataFrame(rows)
    return out[["indicator", "group", "country", "value", "low", "high", "n"]]


__all__ = [
    "ALL",
    "COMMERCIAL",
    "ESS_FAMILIES",
    "MASKED",
    "MIN_RESPONDENTS",
    "Survey",
    "calibration_family",
    "differences",
    "domains",
    "hide_thin",
    "indicators",
    "method_table",
    "population",
    "published_counts",
    "recognition_results",
    "results",
    "weigh",
]
