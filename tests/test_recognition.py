"""The common recognition grid on hand-made organisations (met, failing each principle in turn, missing answers)."""

from __future__ import annotations

import pytest

from desir_analysis import recognition, reference

#: An organisation meeting every principle: a cooperative serving its members, one member one vote.
COOP = {
    "purpose": "service_members",
    "controlled": "non",
    "general_assembly": "oui",
    "vote_rule": "one_member_one_vote",
    "profit_to_reserves_pct": 80,
    "reserves_distributable": "non",
    "dividend": "capped",
}
PRINCIPLES = ["finalite", "autonomie", "democratie", "primaute"]


def _status(answers) -> dict[str, str]:
    r = recognition.evaluate(answers)
    return dict(zip(r["principle"], r["status"], strict=True))


def test_an_organisation_meeting_every_principle_is_recognised():
    r = recognition.evaluate(COOP)
    assert list(r["principle"]) == PRINCIPLES
    assert (r["status"] == recognition.MET).all() and recognition.recognised(r)
    assert "au moins 50 %" in r.set_index("principle").loc["primaute", "reasons"]
    assert "loi du 31 juillet 2014" in r.set_index("principle").loc["primaute", "source"]


@pytest.mark.parametrize(
    ("change", "principle", "why"),
    [
        ({"purpose": "profit"}, "finalite", "profit à partager"),
        ({"controlled": "oui"}, "autonomie", "nomme la majorité"),
        ({"general_assembly": "non"}, "democratie", "aucune assemblée"),
        ({"vote_rule": "capital"}, "democratie", "suivent le capital"),
        ({"profit_to_reserves_pct": 49.9}, "primaute", "moins de la moitié"),
        ({"reserves_distributable": "oui"}, "primaute", "peuvent être distribuées"),
        ({"dividend": "free"}, "primaute", "pas limité"),
    ],
)
def test_each_failed_criterion_fails_its_principle_only(change, principle, why):
    r = recognition.evaluate(COOP | change).set_index("principle")
    assert r.loc[principle, "status"] == recognition.NOT_MET and why in r.loc[principle, "reasons"]
    others = r.drop(index=principle)
    assert (others["status"] == recognition.MET).all() and not recognition.recognised(r.reset_index())


def test_the_threshold_is_inclusive():
    assert _status(COOP | {"profit_to_reserves_pct": 50})["primaute"] == recognition.MET
    assert _status(COOP | {"profit_to_reserves_pct": "50,0"})["primaute"] == recognition.MET  # a French decimal


def test_a_missing_answer_leaves_its_principle_not_evidenced_unless_another_criterion_fails():
    missing = {k: v for k, v in COOP.items() if k != "vote_rule"}
    r = recognition.evaluate(missing).set_index("principle")
    assert r.loc["democratie", "status"] == recognition.NOT_EVIDENCED
    assert "sans réponse" in r.loc["democratie", "reasons"] and "voix" in r.loc["democratie", "reasons"]
    assert not recognition.recognised(r.reset_index())
    assert _status(missing | {"general_assembly": "non"})["democratie"] == recognition.NOT_MET  # decided anyway
    for empty in (None, "", float("nan")):
        assert _status(COOP | {"dividend": empty})["primaute"] == recognition.NOT_EVIDENCED
    assert set(_status({}).values()) == {recognition.NOT_EVIDENCED}


def test_bad_answers_are_named():
    with pytest.raises(ValueError, match="vote_rule: réponse 'majority' inconnue"):
        recognition.evaluate(COOP | {"vote_rule": "majority"})
    with pytest.raises(ValueError, match="profit_to_reserves_pct: nombre attendu"):
        recognition.evaluate(COOP | {"profit_to_reserves_pct": "beaucoup"})


def test_every_combination_of_the_grid_follows_the_rule():
    """Exhaustive on the grid's items: met iff every criterion holds, not met iff one fails."""
    import itertools

    grid = reference.recognition_grid()
    choices = {
        "purpose": ["service_members", "profit", None],
        "general_assembly": ["oui", "non", None],
        "vote_rule": ["capped", "capital", None],
    }
    for values in itertools.product(*choices.values()):
        answers = COOP | dict(zip(choices, values, strict=True))
        st = _status(answers)
        for principle, crit in grid.groupby("principle"):
            res = [
                None if answers.get(i) is None else str(answers[i]) in v.split("|")
                for i, t, v in zip(crit["item"], crit["test"], crit["value"], strict=True)
                if t == "in"
            ]
            expected = (
                recognition.NOT_MET if False in res else recognition.NOT_EVIDENCED if None in res else recognition.MET
            )
            assert st[principle] == expected, (answers, principle)


def test_the_grid_data_are_consistent():
    items = reference.recognition_items()
    grid = reference.recognition_grid()
    assert set(grid["item"]) <= set(items["item"]) and set(grid["principle"]) == set(PRINCIPLES)
    assert grid["source"].str.contains("décret wallon du 20 novembre 2008|loi du 31 juillet 2014").all()
    assert items["label_nl"].str.len().gt(0).all()  # the Dutch page has every question
