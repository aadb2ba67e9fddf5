"""The questionnaire reader: a codebook and responses checked against each other, with clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from desir_analysis.demo.common import YEARS
from desir_analysis.sources import survey
from desir_analysis.sources.csvfile import RawFileError

CODEBOOK = """question,label_fr,label_nl,type,modalities,mandatory,on_error
ga,Assemblée générale annuelle ?,Jaarlijkse algemene vergadering?,single,oui=Oui|non=Non,oui,error
networks,Réseaux,Netwerken,multiple,fed=Fédération|cress=CRESS|none=Aucun,non,error
recruit,Difficultés de recrutement,Rekruteringsproblemen,likert,1=Aucune|2=Faibles|3=Moyennes|4=Fortes,non,exclude
public_pct,Part du financement public (%),Aandeel overheidsfinanciering (%),number,,non,error
"""


def _files(tmp_path, responses: str, codebook: str = CODEBOOK):
    (tmp_path / "codebook.csv").write_text(codebook, encoding="utf-8")
    (tmp_path / "responses.csv").write_text(responses, encoding="utf-8")
    return tmp_path / "codebook.csv", tmp_path / "responses.csv"


GOOD = """id,country,family,size_band,ga,networks,recruit,public_pct
r1,FR,association,small,oui,fed|cress,3,"42,5"
r2,BE,cooperative,large,non,,1,
r3,BE,association,medium,oui,none,,100
"""


def test_a_good_file_is_read_with_its_types(tmp_path):
    cb, resp = _files(tmp_path, GOOD)
    codebook = survey.read_codebook(cb)
    assert codebook.set_index("question").loc["recruit", "codes"]["4"] == "Fortes"
    out, excluded = survey.read_responses(resp, codebook)
    assert list(out["id"]) == ["r1", "r2", "r3"] and excluded.empty
    assert out["public_pct"].tolist()[0] == 42.5 and pd.isna(out["public_pct"].iloc[1])
    assert out["networks"].iloc[0] == "fed|cress" and pd.isna(out["networks"].iloc[1])
    assert list(out["line"]) == [2, 3, 4]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("r4,FR,association,small,peut-être,,,", r"line 5, column ga: modalité inconnue 'peut-être'"),
        ("r4,FR,association,small,,,,", r"line 5, column ga: réponse obligatoire manquante"),
        ("r4,FR,association,small,oui,fed|union,,", r"line 5, column networks: modalité inconnue 'union'"),
        ("r4,FR,association,small,oui,,,beaucoup", r"line 5, column public_pct: 'beaucoup' n'est pas un nombre"),
        ("r1,FR,association,small,oui,,,", r"line 5, column id: 'r1' empty or repeated"),
        ("r4,DE,association,small,oui,,,", r"line 5, column country: 'DE'; expected FR or BE"),
    ],
)
def test_a_bad_answer_is_one_clear_line(tmp_path, row, message):
    cb, resp = _files(tmp_path, GOOD + row + "\n")
    with pytest.raises(RawFileError, match=message):
        survey.read_responses(resp, survey.read_codebook(cb))


def test_a_question_that_allows_it_excludes_the_respondent_and_counts_it(tmp_path):
    cb, resp = _files(tmp_path, GOOD + "r4,FR,association,small,oui,,7,\n")
    out, excluded = survey.read_responses(resp, survey.read_codebook(cb))
    assert "r4" not in set(out["id"]) and len(out) == 3
    assert excluded.to_dict("records") == [
        {
            "source_file": "responses.csv",
            "line": 5,
            "record_id": "r4",
            "column": "recruit",
            "reason": "modalité inconnue '7' ; attendu l'une de 1, 2, 3, 4",
        }
    ]


@pytest.mark.parametrize(
    ("codebook", "message"),
    [
        (CODEBOOK.replace("single,oui=Oui", "radio,oui=Oui"), r"line 2, column type: 'radio'"),
        (CODEBOOK.replace("likert,1=Aucune|2=Faibles|3=Moyennes|4=Fortes", "likert,"), r"line 4, column modalities"),
        (CODEBOOK.replace(",oui,error\nnetworks", ",yes,error\nnetworks"), r"line 2, column mandatory: 'yes'"),
        (CODEBOOK.replace("question,label_fr", "q,label_fr"), r"line 1: missing column\(s\) question"),
    ],
)
def test_a_bad_codebook_is_one_clear_line(tmp_path, codebook, message):
    cb, _ = _files(tmp_path, GOOD, codebook)
    with pytest.raises(RawFileError, match=message):
        survey.read_codebook(cb)


def test_a_question_missing_from_the_responses_is_named(tmp_path):
    cb, resp = _files(
        tmp_path, GOOD.replace(",public_pct", "").replace(',"42,5"', "").replace(",\n", "\n").replace(",100\n", "\n")
    )
    with pytest.raises(RawFileError, match=r"missing column\(s\) public_pct"):
        survey.read_responses(resp, survey.read_codebook(cb))


def test_the_demo_questionnaire_reads_cleanly_and_is_unbalanced(demo_raw):
    codebook = survey.read_codebook(demo_raw / "survey" / "codebook.csv")
    out, excluded = survey.read_responses(demo_raw / "survey" / f"responses_{YEARS[-1]}.csv", codebook)
    assert len(out) == 397  # three answered on an old 6-point form: excluded and counted, not dropped
    assert excluded["column"].tolist() == ["recruitment"] * 3 and excluded["reason"].str.contains("'6'").all()
    from desir_analysis import reference

    assert set(reference.recognition_items()["item"]) <= set(codebook["question"])  # the grid can be evaluated
    share = out["family"].value_counts(normalize=True)
    assert share["cooperative"] > 0.2 and share["non_ess"] < 0.4  # cooperatives over-represented on purpose
    assert out["size_band"].isin(["50-249", "250+"]).mean() > 0.25
    assert "démonstration" in (demo_raw / "survey" / "README.txt").read_text(encoding="utf-8")
