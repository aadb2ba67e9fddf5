"""The questionnaire in the studies: population, weights, estimates by domain, withholding, method figures, grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from desir_analysis.analysis import practices, recognition
from desir_analysis.build import survey as build_survey
from desir_analysis.build.inputs import is_input_of
from desir_analysis.sources.csvfile import RawFileError

CODEBOOK = pd.DataFrame(
    {
        "question": ["assembly", "networks", "score", "volunteers"],
        "label_fr": ["AG annuelle", "Réseaux", "Difficultés", "Bénévoles"],
        "label_nl": ["", "", "", ""],
        "type": ["single", "multiple", "likert", "number"],
        "modalities": ["oui=Oui|non=Non", "fed=Fédération|cress=CRESS|none=Aucun", "1=Aucune|2=Moyennes|3=Fortes", ""],
        "mandatory": [True, False, False, False],
    }
)


def establishments(cells: dict[tuple[str, str, str], int], **extra) -> pd.DataFrame:
    """Employer establishments: ``n`` rows per (country, family, size band), in the ESS perimeter unless non_ess."""
    rows = [
        {"country": c, "ess_family": f, "size_band": s, "in_ess": f != "non_ess", "public_sector": False, **extra}
        for (c, f, s), n in cells.items()
        for _ in range(n)
    ]
    return pd.DataFrame(rows)


def respondents(groups: list[tuple[str, str, str, list[str]]]) -> pd.DataFrame:
    """Respondents of (country, family, size band) with their ``assembly`` answers (other questions empty)."""
    rows = [
        {"id": f"r{i}-{j}", "country": c, "family": f, "size_band": s, "assembly": a, "networks": None, "score": None}
        for i, (c, f, s, answers) in enumerate(groups)
        for j, a in enumerate(answers)
    ]
    return pd.DataFrame(rows).assign(volunteers=np.nan)


def test_population_counts_the_perimeter_and_private_companies_and_reports_unknown_sizes():
    est = pd.concat(
        [
            establishments({("FR", "association", "1-9"): 4, ("FR", "non_ess", "10-49"): 3}),
            establishments({("FR", "association", "1-9"): 2}).assign(in_ess=False),  # activity excluded (a union)
            establishments({("FR", "non_ess", "10-49"): 5}).assign(public_sector=True),  # public-law body
            establishments({("BE", "cooperative", "unknown"): 2, ("BE", "other_nonprofit", "1-9"): 1}),
        ],
        ignore_index=True,
    )
    pop, unknown = practices.population(est)
    got = pop.set_index(["country", "family", "size_band"])["N"].to_dict()
    assert got == {("FR", "association", "1-9"): 4, ("FR", "non_ess", "10-49"): 3}
    assert unknown == 2  # the two cooperatives without size band: in no cell, counted


def test_weights_post_stratify_exactly_and_a_respondent_outside_the_population_is_counted():
    est = establishments({("FR", "association", "1-9"): 100, ("FR", "cooperative", "1-9"): 50})
    r = respondents(
        [
            ("FR", "association", "1-9", ["oui", "oui", "non", "non", "non"]),
            ("FR", "cooperative", "1-9", ["oui", "oui", "oui", "oui", "non"]),
            ("FR", "mutual", "1-9", ["oui"]),  # no mutual in the zone
        ]
    )
    sv = practices.weigh(r, CODEBOOK, est)
    assert sv.left_out == {"strate sans établissement employeur dans la population de la zone": 1}
    assert len(sv.responses) == 10
    totals = sv.weighting.weights.groupby(sv.responses["family"]).sum()
    assert totals.to_dict() == pytest.approx({"association": 100.0, "cooperative": 50.0})
    assert sv.weighting.strata is not None  # post-stratification, not raking


def test_a_weighted_share_and_its_interval_by_hand():
    est = establishments({("FR", "association", "1-9"): 100, ("FR", "cooperative", "1-9"): 50})
    r = respondents(
        [
            ("FR", "association", "1-9", ["oui", "oui", "non", "non", "non"]),
            ("FR", "cooperative", "1-9", ["oui", "oui", "oui", "oui", "non"]),
        ]
    )
    res = practices.results(practices.weigh(r, CODEBOOK, est), "country")
    e = res[(res["question"] == "assembly") & (res["answer"] == "oui") & (res["group"] == "FR")].iloc[0]
    # weights 20 and 10: (20·2 + 10·4) / 150
    assert e["value"] == pytest.approx(80 / 150)
    # Σ (N_h/N)² s_h²/n_h × (1 − n/N): s² = 0.3 (2 of 5) and 0.2 (4 of 5)
    var = ((100 / 150) ** 2 * 0.3 / 5 + (50 / 150) ** 2 * 0.2 / 5) * (1 - 10 / 150)
    assert e["high"] - e["value"] == pytest.approx(1.959963984540054 * np.sqrt(var))
    assert e["n"] == 10
    assert res[res["answer"] == "non"]["value"].iloc[0] == pytest.approx(1 - 80 / 150)


def test_indicators_of_a_multiple_choice_a_likert_and_missing_answers():
    r = pd.DataFrame(
        {"assembly": ["oui", "non", None], "networks": ["fed|cress", "none", ""], "score": ["3", None, "1"]}
    ).assign(volunteers=[2.0, np.nan, 4.0])
    got = {(q, a, k): y.tolist() for q, a, k, y in practices.indicators(r, CODEBOOK)}
    assert got[("networks", "fed", "share")] == [1.0, 0.0, pytest.approx(np.nan, nan_ok=True)]
    assert got[("networks", "cress", "share")][:2] == [1.0, 0.0]
    assert np.isnan(got[("assembly", "oui", "share")][2])  # unanswered: out of the domain, not a « non »
    assert got[("score", "", "mean")][0] == 3 and np.isnan(got[("score", "", "mean")][1])
    assert got[("score", "2", "share")][:1] == [0.0]
    assert ("volunteers", "", "mean") in got


def test_thin_estimates_are_withheld_and_differences_need_both_countries():
    table = pd.DataFrame({"value": [0.5, 0.4], "low": [0.4, 0.2], "high": [0.6, 0.6], "n": [25, 19]})
    out = practices.hide_thin(table, 20)
    assert out["shown"].tolist() == [True, False] and np.isnan(out.loc[1, "value"]) and np.isnan(out.loc[1, "low"])
    est = establishments(
        {("FR", "association", "1-9"): 100, ("BE", "association", "1-9"): 80, ("BE", "cooperative", "1-9"): 20}
    )
    r = respondents(
        [
            ("FR", "association", "1-9", ["oui"] * 6 + ["non"] * 4),
            ("BE", "association", "1-9", ["oui"] * 3 + ["non"] * 2),
            ("BE", "cooperative", "1-9", ["oui"] * 5),
        ]
    )
    sv = practices.weigh(r, CODEBOOK, est)
    res = practices.results(sv, "country").set_index(["question", "answer", "group"])
    d = practices.differences(sv, min_respondents=5).set_index(["question", "answer"]).loc[("assembly", "oui")]
    assert d["difference"] == pytest.approx(res.loc[("assembly", "oui", "FR"), "value"] - 0.68)  # BE: (80·.6+20)/100
    assert d["low"] < d["difference"] < d["high"] and 0 <= d["p_value"] <= 1
    assert np.isnan(
        practices.differences(sv, min_respondents=11)
        .set_index(["question", "answer"])
        .loc[("assembly", "oui"), "difference"]
    )


def test_a_response_rate_only_where_every_population_count_is_published():
    est = establishments(
        {("FR", "association", "1-9"): 100, ("FR", "cooperative", "1-9"): 50, ("BE", "association", "1-9"): 40}
    )
    r = respondents(
        [
            ("FR", "association", "1-9", ["oui"] * 5),
            ("FR", "cooperative", "1-9", ["non"] * 5),
            ("BE", "association", "1-9", ["oui"] * 5),
        ]
    )
    sv = practices.weigh(r, CODEBOOK, est)
    units = pd.DataFrame(
        {
            "country": ["FR", "FR", "BE"],
            "ess_family": ["association", "cooperative", "association"],
            "one": [100, 50, 40],
            "status": ["published", "primary", "published"],
        }
    )
    mt = practices.method_table(sv, practices.published_counts(units)).set_index(["country", "group"])
    assert np.isnan(mt.loc[("FR", "ess"), "response_rate"])  # the cooperatives' count is a secret cell
    assert mt.loc[("BE", "ess"), "response_rate"] == pytest.approx(5 / 40)
    assert np.isnan(mt.loc[("Total", "ess"), "response_rate"])
    assert mt.loc[("FR", "ess"), "respondents"] == 10
    # deff and effective n do not depend on the population's size (weights × constant)
    assert mt.loc[("FR", "ess"), "deff"] == pytest.approx(10 * (5 * 20**2 + 5 * 10**2) / 150**2)


def test_the_grid_against_the_legal_forms_by_hand():
    ok = {
        "purpose": "service_community",
        "controlled": "non",
        "general_assembly": "oui",
        "vote_rule": "one_member_one_vote",
        "profit_to_reserves_pct": 100.0,
        "reserves_distributable": "non",
        "dividend": "none",
    }
    profit = ok | {"purpose": "profit", "dividend": "free"}
    rows = [("association", ok)] * 4 + [("association", profit)] + [("non_ess", ok)] + [("non_ess", profit)] * 4
    r = pd.DataFrame(
        [{"id": str(i), "country": "FR", "family": f, "size_band": "1-9", **a} for i, (f, a) in enumerate(rows)]
    )
    est = establishments({("FR", "association", "1-9"): 50, ("FR", "non_ess", "1-9"): 500})
    sv = practices.weigh(r, pd.DataFrame(columns=CODEBOOK.columns), est)
    rr = practices.recognition_results(sv).set_index(["indicator", "group", "country"])["value"]
    assert rr[("one_failed", "ess", "FR")] == pytest.approx(1 / 5)
    assert rr[("all_met", "non_ess", "FR")] == pytest.approx(1 / 5)
    assert rr[("failed:finalite", "ess", "FR")] == pytest.approx(1 / 5)
    # agreement: weights 10 (associations) and 100 (companies): (4·10 + 4·100) / 550
    assert rr[("agreement", "all", "FR")] == pytest.approx(440 / 550)
    st = recognition.statuses(r)
    assert st["overall"].tolist() == ["met"] * 4 + ["not_met"] + ["met"] + ["not_met"] * 4


def test_statuses_agree_with_evaluate_on_missing_and_comma_answers():
    answers = pd.DataFrame(
        [
            {"purpose": "profit", "profit_to_reserves_pct": "50,0"},
            {"purpose": "service_members", "profit_to_reserves_pct": None, "controlled": "non"},
            {"purpose": None, "profit_to_reserves_pct": "49.99", "general_assembly": "non"},
        ]
    )
    st = recognition.statuses(answers)
    for i, row in answers.iterrows():
        expected = recognition.evaluate(row.to_dict()).set_index("principle")["status"]
        assert st.loc[i, expected.index].tolist() == expected.tolist()


def test_the_build_reads_the_responses_of_its_year_only(tmp_path):
    folder = tmp_path / "survey"
    folder.mkdir()
    (folder / "codebook.csv").write_text(
        "question,label_fr,type,modalities,mandatory\nassembly,AG,single,oui=Oui|non=Non,oui\n", encoding="utf-8"
    )
    (folder / "responses_2023.csv").write_text(
        "id,country,family,size_band,assembly\na,FR,association,1-9,oui\nb,BE,cooperative,10-49,non\n",
        encoding="utf-8",
    )
    assert build_survey.read_year(tmp_path, 2022) == {}
    tables = build_survey.read_year(tmp_path, 2023)
    assert tables["survey_responses"]["id"].tolist() == ["a", "b"]
    assert tables["survey_codebook"]["modalities"].tolist() == ["oui=Oui|non=Non"]
    assert build_survey.record(tables, tmp_path, 2023) == {
        "file": "survey/responses_2023.csv",
        "rows": 2,
        "kept": 2,
        "excluded": {},
    }
    assert is_input_of("survey/responses_2023.csv", 2023) and not is_input_of("survey/responses_2023.csv", 2022)
    assert is_input_of("survey/codebook.csv", 2019)
    (folder / "responses_2023.csv").write_text("id,country,family,size_band,assembly\na,FR,association,1-9,peut-être\n")
    with pytest.raises(RawFileError, match=r"responses_2023.csv: line 2, column assembly"):
        build_survey.read_year(tmp_path, 2023)


def test_masked_family_counts_are_calibrated_together_never_alone():
    est = establishments(
        {("FR", "association", "1-9"): 100, ("FR", "mutual", "1-9"): 30, ("FR", "foundation", "1-9"): 10}
    )
    r = respondents(
        [
            ("FR", "association", "1-9", ["oui"] * 5),
            ("FR", "mutual", "1-9", ["oui"] * 5),
            ("FR", "foundation", "1-9", ["non"] * 5),
        ]
    )
    open_sv = practices.weigh(r, CODEBOOK, est)
    assert open_sv.weighting.weights.groupby(r["family"]).sum()["foundation"] == pytest.approx(10)
    sv = practices.weigh(r, CODEBOOK, est, masked={("FR", "mutual"), ("FR", "foundation")})
    sums = sv.weighting.weights.groupby(sv.responses["family"]).sum()
    assert sums["association"] == pytest.approx(100)
    assert sums["mutual"] + sums["foundation"] == pytest.approx(40)  # the published margin minus the cells
    assert sums["foundation"] == pytest.approx(20)  # not the masked 10: the estimates cannot give it back
    res = practices.results(sv, "country").set_index(["question", "answer", "group"])
    assert res.loc[("assembly", "non", "FR"), "value"] == pytest.approx(20 / 140)
    assert practices.calibration_family(r, {("FR", "mutual")}).tolist().count(practices.MASKED) == 5
