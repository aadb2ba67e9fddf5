"""A demo questionnaire on organisation modes and practices: a codebook and about 400 responses (synthetic).

Deterministic (own seed) and unbalanced on purpose: cooperatives, mutuals and large establishments answer
more often than small associations and commercial companies, so that only weighting gives the right
estimates. The questions: the common recognition grid's items (``reference/recognition_items.csv``, same
ids and modalities) and governance (employees or users on the board), volunteers, public funding,
networks, recruitment difficulties, cross-border cooperation. Labelled as demo data in the codebook.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from desir_analysis import reference
from desir_analysis.demo.common import DEMO_NOTICE, YEARS

SEED = 20261202
N_RESPONSES = 400
FAMILIES = ("association", "cooperative", "mutual", "foundation", "non_ess")
SIZES = ("1-9", "10-49", "50-249", "250+")
#: Rough share of each family and size among employer establishments, and how readily each answers.
FAMILY_SHARE = {"association": 0.10, "cooperative": 0.02, "mutual": 0.004, "foundation": 0.002, "non_ess": 0.874}
SIZE_SHARE = {"1-9": 0.70, "10-49": 0.24, "50-249": 0.05, "250+": 0.01}
PROPENSITY = {"association": 1.0, "cooperative": 4.0, "mutual": 6.0, "foundation": 5.0, "non_ess": 0.08}
SIZE_PROPENSITY = {"1-9": 0.5, "10-49": 1.0, "50-249": 3.0, "250+": 6.0}

#: The answers of a commercial company run like the social economy (every principle of the grid met).
MISSION_PROFILE = {
    "purpose": "service_community",
    "controlled": "non",
    "general_assembly": "oui",
    "vote_rule": "capped",
    "reserves_distributable": "non",
    "dividend": "capped",
}

EXTRA_QUESTIONS = [
    (
        "board_stakeholders",
        "Des salariés ou des usagers siègent-ils au conseil d'administration ?",
        "Zetelen werknemers of gebruikers in de raad van bestuur?",
        "single",
        "oui=Oui|non=Non",
        "non",
        "error",
    ),
    ("volunteers", "Nombre de bénévoles réguliers", "Aantal vaste vrijwilligers", "number", "", "non", "error"),
    (
        "public_funding_pct",
        "Part du financement public dans les ressources (%)",
        "Aandeel overheidsfinanciering in de middelen (%)",
        "number",
        "",
        "non",
        "error",
    ),
    (
        "networks",
        "Réseaux et fédérations auxquels l'organisation adhère",
        "Netwerken en federaties waarvan de organisatie lid is",
        "multiple",
        "federation=Fédération sectorielle|cress=CRESS ou ConcertES|none=Aucun",
        "non",
        "error",
    ),
    (
        "recruitment",
        "Difficultés de recrutement",
        "Rekruteringsproblemen",
        "likert",
        "1=Aucune|2=Faibles|3=Moyennes|4=Fortes|5=Très fortes",
        "non",
        "exclude",
    ),
    (
        "cross_border",
        "Coopère-t-elle avec des organisations de l'autre côté de la frontière ?",
        "Werkt ze samen met organisaties aan de andere kant van de grens?",
        "single",
        "oui=Oui|non=Non",
        "non",
        "error",
    ),
]


def codebook() -> pd.DataFrame:
    """The codebook: the grid's items (mandatory), then the practices (``sources.survey`` layout)."""
    items = reference.recognition_items()
    grid = pd.DataFrame(
        {
            "question": items["item"],
            "label_fr": items["label_fr"],
            "label_nl": items["label_nl"],
            "type": items["type"].map({"choice": "single", "number": "number"}),
            "modalities": items["modalities"].fillna(""),
            "mandatory": "oui",
            "on_error": "error",
        }
    )
    extra = pd.DataFrame(EXTRA_QUESTIONS, columns=list(grid.columns))
    return pd.concat([grid, extra], ignore_index=True)


def _answers(rng: np.random.Generator, family: np.ndarray, size: np.ndarray) -> dict[str, np.ndarray]:
    n = len(family)
    ess = family != "non_ess"
    big = np.isin(size, ["50-249", "250+"])

    def pick(p_first: np.ndarray, first: str, second: str) -> np.ndarray:
        return np.where(rng.random(n) < p_first, first, second)

    community = np.where(family == "association", rng.random(n) < 0.93, rng.random(n) < 0.15)  # members or public
    purpose = np.where(ess, np.where(community, "service_community", "service_members"), "profit")
    purpose = np.where(rng.random(n) < np.where(ess, 0.06, 0.04), np.where(ess, "profit", "service_community"), purpose)
    vote = np.where(
        rng.random(n) < np.where(ess, 0.88, 0.05),
        "one_member_one_vote",
        np.where(rng.random(n) < 0.5, "capped", "capital"),
    )
    dividend = np.where(
        family == "non_ess",
        np.where(rng.random(n) < 0.1, "capped", "free"),
        np.where(
            family == "cooperative",
            np.where(rng.random(n) < 0.85, "capped", "free"),
            np.where(rng.random(n) < 0.96, "none", "capped"),  # a few associations pay a capped return
        ),
    )
    reserves = np.clip(np.where(ess, rng.normal(85, 15, n), rng.normal(45, 25, n)), 0, 100).round(0)
    volunteers = np.where(family == "association", rng.poisson(np.where(big, 40, 12)), rng.poisson(1, n)).astype(float)
    public = np.clip(np.where(family == "association", rng.normal(55, 20, n), rng.normal(8, 8, n)), 0, 100).round(0)
    networks = np.where(
        rng.random(n) < np.where(ess, 0.7, 0.25),
        np.where(rng.random(n) < 0.4, "federation|cress", "federation"),
        "none",
    )
    recruitment = np.clip(rng.poisson(np.where(big, 2.6, 1.8)) + 1, 1, 5).astype(int).astype(str)
    recruitment[rng.random(n) < 0.05] = ""  # not answered (optional)
    recruitment[[i for i in (17, 141, 288) if i < n]] = "6"  # answered on an old 6-point form: excluded, counted
    answers = {
        "purpose": purpose,
        "controlled": pick(np.where(ess, 0.06, 0.3), "oui", "non"),
        "general_assembly": pick(np.where(family == "foundation", 0.2, np.where(ess, 0.96, 0.55)), "oui", "non"),
        "vote_rule": vote,
        "profit_to_reserves_pct": reserves,
        "reserves_distributable": pick(np.where(ess, 0.08, 0.6), "oui", "non"),
        "dividend": dividend,
        "board_stakeholders": pick(np.where(ess, 0.45, 0.08), "oui", "non"),
        "volunteers": volunteers,
        "public_funding_pct": public,
        "networks": networks,
        "recruitment": recruitment,
        "cross_border": pick(np.where(big, 0.25, 0.1), "oui", "non"),
    }
    # a few commercial companies run like the social economy (mission-driven, capped dividends): the grid
    # recognises them although their legal form is outside the ESS
    mission = (family == "non_ess") & (rng.random(n) < 0.12)
    for item, value in MISSION_PROFILE.items():
        answers[item] = np.where(mission, value, answers[item])
    answers["profit_to_reserves_pct"] = np.where(mission, np.maximum(reserves, 60), reserves)
    return answers


def responses(seed: int = SEED, n: int = N_RESPONSES) -> pd.DataFrame:
    """About ``n`` responses drawn with unequal propensities from the strata (country × family × size)."""
    rng = np.random.default_rng(seed)
    strata = [(c, f, s) for c in ("FR", "BE") for f in FAMILIES for s in SIZES]
    p = np.array([FAMILY_SHARE[f] * SIZE_SHARE[s] * PROPENSITY[f] * SIZE_PROPENSITY[s] for _, f, s in strata])
    drawn = np.array(strata, dtype=object)[rng.choice(len(strata), n, p=p / p.sum())]
    country, family, size = (drawn[:, i].astype(str) for i in range(3))
    out = pd.DataFrame(
        {"id": [f"demo-{i:04d}" for i in range(n)], "country": country, "family": family, "size_band": size}
    )
    for name, values in _answers(rng, family, size).items():
        out[name] = values
    return out


def generate(root: Path, seed: int = SEED) -> Path:
    """Write ``root/survey/codebook.csv`` and ``responses_<last demo year>.csv`` (the notice in ``README.txt``)."""
    folder = root / "survey"
    folder.mkdir(parents=True, exist_ok=True)
    codebook().to_csv(folder / "codebook.csv", index=False, lineterminator="\n")
    r = responses(seed)
    for col in ("profit_to_reserves_pct", "volunteers", "public_funding_pct"):
        r[col] = r[col].map(lambda v: f"{v:.0f}")
    r.to_csv(folder / f"responses_{YEARS[-1]}.csv", index=False, lineterminator="\n")
    (folder / "README.txt").write_text(f"{DEMO_NOTICE}\nQuestionnaire de démonstration.\n", encoding="utf-8")
    return folder
