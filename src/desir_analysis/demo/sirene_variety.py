"""Old and empty codes of the genuine Sirene stock, on the demo's non-employer and long-closed establishments.

The genuine stock (2022-04 sample of ``StockEtablissement``) keeps establishments closed long ago
with the nomenclature of their time — NAP (``22.02``, before 1993), NAF 1993 (``70.2C``), NAF rév. 1
(``45.3F``, 2003–2007) —, some with no activity at all, an empty size band more often than ``NN``,
and now and then an employer flag ``O`` left on a closed establishment. The demo's extra rows (never
employers at a 2015–2023 reference date) get the same, so that the readers take every path real
files take; drawn from their own seed, nothing else in the demo depends on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20261201
#: Codes in each old nomenclature's own format (NAP 600 ``DD.DD``, NAF 1993 and rév. 1 ``DD.DL``).
OLD_CODES = {
    "NAP": ("22.02", "64.42", "57.11", "79.06", "77.01"),
    "NAF1993": ("70.2C", "55.4B", "85.3K", "52.1D"),
    "NAFRev1": ("45.3F", "52.4Y", "52.1B", "70.2C", "85.3K"),
}
#: First day of each nomenclature in Sirene (NAP before 1993).
NOMENCLATURE_FROM = (("NAFRev2", "2008-01-01"), ("NAFRev1", "2003-01-01"), ("NAF1993", "1993-01-01"))
EARLY_CLOSED, NO_ACTIVITY, EMPTY_BAND, STALE_EMPLOYER = 0.25, 0.03, 0.5, 0.1


def nomenclature_at(closed: pd.Series) -> pd.Series:
    """The activity nomenclature in force on each closing date (``NAFRev2`` for an open establishment)."""
    nom = pd.Series("NAP", index=closed.index, dtype=object)
    for name, start in reversed(NOMENCLATURE_FROM):
        nom = nom.where(~closed.ge(start), name)
    return nom.where(closed.ne(""), "NAFRev2")


def vary(extra: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """The extra rows with ``act``, ``nom``, ``band`` and ``employer`` as the genuine stock shows them.

    A quarter of the closed ones close between 1984 and 1999 instead (created before); each closed
    row keeps the nomenclature of its closing date (:func:`nomenclature_at`) and a code in it; 3 %
    of the closed rows have no activity at all; half the rows an empty size band (else ``NN``); 10 %
    of the closed rows the employer flag ``O``.
    """
    rng = np.random.default_rng(seed)
    out = extra.copy()
    k = len(out)
    closed = out["closed"].ne("").to_numpy()
    early = closed & (rng.random(k) < EARLY_CLOSED)
    lo = np.datetime64("1984-01-01")
    when = lo + rng.integers(0, 16 * 365, k).astype("timedelta64[D]")
    out.loc[early, "closed"] = when[early].astype(str)
    born = np.datetime64("1960-01-01") + (rng.random(k) * (when - np.datetime64("1960-01-01")).astype(int)).astype(
        "timedelta64[D]"
    )
    out.loc[early, "created"] = born[early].astype(str)
    out["nom"] = nomenclature_at(out["closed"])
    pick = rng.random(k)
    out["act"] = [
        OLD_CODES[n][int(p * len(OLD_CODES[n]))] if n in OLD_CODES else a
        for n, a, p in zip(out["nom"], out["naf"], pick, strict=True)
    ]
    blank = closed & (rng.random(k) < NO_ACTIVITY)
    out.loc[blank, ["act", "nom"]] = ""
    out["band"] = np.where(rng.random(k) < EMPTY_BAND, "", "NN")
    out["employer"] = np.where(closed & (rng.random(k) < STALE_EMPLOYER), "O", "N")
    return out
