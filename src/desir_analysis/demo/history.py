"""The demo's Sirene history file (StockEtablissementHistorique): dated periods of each establishment.

Active from creation, closed from the closing date, and for some establishments a change of
main activity on a 1 January (:func:`activity_changes`), as the real history holds: the zone rows
then take the activity of the period covering 31 December while the stock rule keeps the current
one (the quality annex measures the gap).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HIST_COLUMNS = (
    "siren,nic,siret,dateFin,dateDebut,etatAdministratifEtablissement,changementEtatAdministratifEtablissement,"
    "enseigne1Etablissement,enseigne2Etablissement,enseigne3Etablissement,changementEnseigneEtablissement,"
    "denominationUsuelleEtablissement,changementDenominationUsuelleEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,changementActivitePrincipaleEtablissement,"
    "caractereEmployeurEtablissement,changementCaractereEmployeurEtablissement"
).split(",")

#: About one establishment in this many (a hash of its SIRET) changed its main activity on a 1 January, 2017-2024.
ACTIVITY_CHANGE_EVERY = 40


def activity_changes(periods: pd.DataFrame) -> pd.DataFrame:
    """Split the open active period of some establishments where their main activity changed.

    Deterministic: an open active period (``A``, no end) of a NAF rév. 2 establishment created
    before 2016 whose SIRET hashes to ``7 mod`` :data:`ACTIVITY_CHANGE_EVERY` gets, before a 1 January of
    2017 to 2024 (from its SIRET), the activity of the previous such period in file order; the stock
    keeps the current one. So the history and the stock rule disagree on its sector before the change
    (the quality annex measures it), as in the real files.
    """
    sir = pd.Series(
        pd.util.hash_pandas_object(periods["siret"], index=False).to_numpy() % 1_000_003, index=periods.index
    )
    pick = (
        periods["etatAdministratifEtablissement"].eq("A")
        & periods["dateFin"].eq("")
        & periods["nomenclatureActivitePrincipaleEtablissement"].eq("NAFRev2")
        & periods["dateDebut"].lt("2016-01-01")
        & sir.mod(ACTIVITY_CHANGE_EVERY).eq(7)
    )
    if not pick.any():
        return periods
    changed = periods[pick].copy()
    year = 2017 + (sir[pick] // ACTIVITY_CHANGE_EVERY) % 8
    start = year.astype(str) + "-01-01"
    before = changed.assign(
        dateFin=(year - 1).astype(str) + "-12-31",
        activitePrincipaleEtablissement=np.roll(changed["activitePrincipaleEtablissement"].to_numpy(), 1),
    )
    after = changed.assign(dateDebut=start.to_numpy(), changementActivitePrincipaleEtablissement="true")
    return pd.concat([periods[~pick], before, after], ignore_index=True)


def history(est: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Periods: created -> (closed - 1 day) active, then closed; employer character by period."""

    def periods(frame: pd.DataFrame, act: pd.Series, nom: pd.Series, employer: str) -> pd.DataFrame:
        closed = frame["closed"].to_numpy()
        has_close = closed != ""
        day_before = np.where(
            has_close,
            (pd.to_datetime(pd.Series(closed).replace("", "2000-01-01")) - pd.Timedelta(days=1)).dt.strftime(
                "%Y-%m-%d"
            ),
            "",
        )
        base = {"siren": frame["siren"].to_numpy(), "nic": frame["nic"].to_numpy(), "siret": frame["siret"].to_numpy()}
        a = pd.DataFrame(
            {
                **base,
                "dateFin": day_before,
                "dateDebut": frame["created"].to_numpy(),
                "etatAdministratifEtablissement": "A",
                "activitePrincipaleEtablissement": act.to_numpy(),
                "nomenclatureActivitePrincipaleEtablissement": nom.to_numpy(),
                "caractereEmployeurEtablissement": employer,
            }
        )
        c = pd.DataFrame(
            {
                **base,
                "dateFin": "",
                "dateDebut": closed,
                "etatAdministratifEtablissement": "F",
                "activitePrincipaleEtablissement": act.to_numpy(),
                "nomenclatureActivitePrincipaleEtablissement": nom.to_numpy(),
                "caractereEmployeurEtablissement": "N",
            }
        )[has_close]
        return pd.concat([a, c])

    h = pd.concat(
        [
            activity_changes(periods(est, est["act"], est["nom"], "O")),
            periods(extra, extra["act"], extra["nom"], "N"),
        ],
        ignore_index=True,
    )
    for col in HIST_COLUMNS:
        if col not in h:
            h[col] = "false" if col.startswith("changement") else ""
    h["changementActivitePrincipaleEtablissement"] = h["changementActivitePrincipaleEtablissement"].replace("", "false")
    h["changementEtatAdministratifEtablissement"] = np.where(
        h["etatAdministratifEtablissement"] == "F", "true", "false"
    )
    return h[HIST_COLUMNS].sort_values(["siret", "dateDebut"], kind="stable")
