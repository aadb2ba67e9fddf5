"""Every table of a year protected together: identities, intervals, zones, rows (hand-made leaks, each closed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from desir_analysis.analysis import disclosure as d
from desir_analysis.analysis import intervals, joint


def est(rows):
    """Establishments: (nuts3, family, sector, jobs) -> microdata with one enterprise per establishment."""
    m = pd.DataFrame(rows, columns=["nuts3", "fam", "sect", "h"])
    return m.assign(id=[f"e{i}" for i in range(len(m))], country=m["nuts3"].str[:2])


def statuses(t: pd.DataFrame, by: list[str]) -> dict:
    return dict(zip(map(tuple, t[by].to_numpy()), t["status"], strict=True))


def test_an_identity_between_two_breakdowns_is_seen_and_closed():
    """Mutuals are exactly the financial-services sector in territories A–C (D's finance is cooperative
    banks). Protected apart, the family table hides B's mutuals with A's, the sector table B's finance
    with D's: A's finance is printed, A's mutuals are the same establishments, and B comes back."""
    rows = []
    for t, mutuals in (("BEA", [40, 41, 42]), ("BEB", [300]), ("BEC", [30, 31, 33, 35])):
        rows += [(t, "mut", "fin", h) for h in mutuals]
    rows += [("BED", "coop", "fin", h) for h in (20, 25, 30)]
    for t in ("BEA", "BEB", "BEC", "BED"):
        rows += [(t, "assoc", "social", h) for h in (100, 110, 120, 130)]
        rows += [(t, "coop", "culture", h) for h in (60, 62, 64, 66)]
    m = est(rows)
    by_family = d.protect(m, ["nuts3", "fam"], "h", "id")
    by_sector = d.protect(m, ["nuts3", "sect"], "h", "id")
    fam, sec = statuses(by_family, ["nuts3", "fam"]), statuses(by_sector, ["nuts3", "sect"])
    assert fam[("BEB", "mut")] == "primary" and fam[("BEA", "mut")] != "published"
    assert sec[("BEA", "fin")] == "published"  # the same establishments as A's mutuals
    leaks = d.audit_joint([by_family, by_sector])
    assert len(leaks)
    safe = d.consistent([by_family, by_sector])
    assert d.audit_joint(safe).empty
    fam, sec = statuses(safe[0], ["nuts3", "fam"]), statuses(safe[1], ["nuts3", "sect"])
    for t in ("BEA", "BEB", "BEC"):
        assert (fam[(t, "mut")] == "published") == (sec[(t, "fin")] == "published")


def test_an_interval_disclosure_is_found_and_closed():
    """A primary cell hidden with tiny partners: not recomputable exactly, but pinned to [497, 504]."""
    cells = {("x", "p"): 500, ("x", "q"): 200, ("x", "r"): 100, ("y", "p"): 4, ("y", "q"): 3, ("y", "r"): 50}
    cells |= {("w", "p"): 60, ("w", "q"): 70, ("w", "r"): 80}
    rows = [(a, b, v) for (a, b), v in cells.items()]
    for a in "xyw":
        rows.append((a, "Total", sum(v for (r, _), v in cells.items() if r == a)))
    for b in "pqr":
        rows.append(("Total", b, sum(v for (_, c), v in cells.items() if c == b)))
    rows.append(("Total", "Total", sum(cells.values())))
    t = pd.DataFrame(rows, columns=["a", "b", "h"]).astype({"h": float})
    hidden = {("x", "p"): "primary", ("y", "p"): "secondary", ("x", "q"): "secondary", ("y", "q"): "secondary"}
    t = t.assign(
        n_units=5, top_share=0.5, status=[hidden.get((a, b), "published") for a, b in zip(t["a"], t["b"], strict=True)]
    )
    found = d.audit(t)
    assert list(zip(found["a"], found["b"], strict=True)) == [("x", "p"), ("x", "q")]  # none exact, yet ±2 %
    s = joint.structure([t], [{}])
    g = int(np.flatnonzero((t["a"] == "x") & (t["b"] == "p"))[0])
    unknown = [int(i) for i in np.flatnonzero(t["status"].ne("published"))]
    assert intervals.Bounds(s.relations, s.values).of(unknown)[g] == pytest.approx((497.0, 504.0))
    # the same cells from establishments: protect() picks partners that leave x_p at least ±15 %
    micro = []
    for (a, b), v in cells.items():
        n = 2 if (a, b) == ("x", "p") else 4
        micro += [(a, b, v / n)] * n
    m = pd.DataFrame(micro, columns=["a", "b", "h"]).assign(id=lambda f: range(len(f)))
    protected = d.protect(m, ["a", "b"], "h", "id")
    assert statuses(protected, ["a", "b"])[("x", "p")] == "primary"
    assert d.audit(protected).empty


def test_two_zones_are_protected_together():
    """Two editions of one year, zones {A, B, C} and {A, B, D}: territory cells are one cell in both."""
    rows = [("FRA", "found", "s", 150.0)]  # one foundation: primary
    rows += [(t, "found", "s", h) for t, hs in (("FRB", (100, 110, 120)), ("FRC", (30, 35, 40))) for h in hs]
    rows += [("FRD", "found", "s", h) for h in (200, 210, 220)]
    for t in ("FRA", "FRB", "FRC", "FRD"):
        rows += [(t, "assoc", "s", h) for h in (300, 310, 320, 330)] + [(t, "coop", "s", h) for h in (90, 95, 99)]
    m = est(rows)
    zones = {"z1": ["FRA", "FRB", "FRC"], "z2": ["FRA", "FRB", "FRD"]}
    layout = d.Layout({z: frozenset(ts) for z, ts in zones.items()})
    tables = [d.protect(m[m["nuts3"].isin(ts)], ["nuts3", "fam"], "h", "id", final=False) for ts in zones.values()]
    tables += [d.protect(m[m["nuts3"].isin(ts)], ["country", "fam"], "h", "id", final=False) for ts in zones.values()]
    scopes = [{"zone": z} for z in zones] * 2
    apart = [d.protect(m[m["nuts3"].isin(ts)], ["nuts3", "fam"], "h", "id") for ts in zones.values()]
    a, b = statuses(apart[0], ["nuts3", "fam"]), statuses(apart[1], ["nuts3", "fam"])
    differ = [k for k in a if k in b and k[0] != "Total" and (a[k] == "published") != (b[k] == "published")]
    assert differ  # protected apart, the zones mask the shared territories differently
    assert len(d.audit_joint(apart, [{"zone": "z1"}, {"zone": "z2"}], layout))
    safe = d.consistent(tables, scopes, layout)
    assert d.audit_joint(safe, scopes, layout).empty
    a, b = statuses(safe[0], ["nuts3", "fam"]), statuses(safe[1], ["nuts3", "fam"])
    for k in a:
        if k in b and k[0] in ("FRA", "FRB"):
            assert a[k] == b[k], k  # one status for a territory's cell in every zone
    assert statuses(safe[0], ["nuts3", "fam"])[("Total", "assoc")] != "primary"  # zone cells stay the zone's own


def test_measures_printed_on_one_row_share_their_status():
    rows = [("FRA", "assoc", "s", h) for h in (50, 60, 70, 80)] + [("FRA", "coop", "s", h) for h in (5, 400)]
    rows += [("FRB", "assoc", "s", h) for h in (55, 65, 75)] + [("FRB", "coop", "s", h) for h in (30, 30, 30)]
    m = est(rows).assign(one=1)
    jobs = d.protect(m, ["nuts3", "fam"], "h", "id", final=False)
    units = d.protect(m, ["nuts3", "fam"], "one", "id", final=False)
    layout = d.Layout(ties=(frozenset({"h", "one"}),))
    safe = d.consistent([jobs, units], None, layout)
    assert statuses(safe[0], ["nuts3", "fam"]) == statuses(safe[1], ["nuts3", "fam"])
    assert statuses(safe[0], ["nuts3", "fam"])[("FRA", "coop")] == "primary"  # 400 of 405: dominance


def test_a_cell_keeps_the_status_an_earlier_edition_gave_it():
    """The 2024 edition shows the 2023 cells again (its series): a 2023 cell masked in 2023 stays masked,
    a cell printed in 2023 is never chosen to protect another (everyone knows it)."""
    rows = [("FRA", "assoc", "s", h) for h in (50, 60, 70, 80)] + [("FRA", "coop", "s", h) for h in (30, 40, 45)]
    rows += [("FRB", "assoc", "s", h) for h in (55, 65, 75)] + [("FRB", "coop", "s", h) for h in (35, 36, 37)]
    rows += [("FRC", "assoc", "s", h) for h in (52, 62, 72)] + [("FRC", "coop", "s", h) for h in (500,)]
    m = est(rows)
    scope = [{"year": 2023}]
    alone = d.consistent([d.protect(m, ["nuts3", "fam"], "h", "id", final=False)], scope)[0]
    st = statuses(alone, ["nuts3", "fam"])
    assert st[("FRC", "coop")] == "primary" and st[("FRA", "coop")] == "published"
    keys = joint.cell_keys(alone, ["nuts3", "fam"], "h", scope[0])
    key = dict(zip(map(tuple, alone[["nuts3", "fam"]].to_numpy()), keys, strict=True))
    assert st[("FRB", "coop")] == "secondary"  # today's choice to protect C's cooperatives in their column
    fixed = {key[("FRB", "coop")]: "published", key[("FRB", "assoc")]: "published"}  # 2023 printed B…
    fixed[key[("FRA", "coop")]] = "masked"  # …and masked A's cooperatives
    again = d.consistent([d.protect(m, ["nuts3", "fam"], "h", "id", final=False)], scope, fixed=fixed)[0]
    st2 = statuses(again, ["nuts3", "fam"])
    assert st2[("FRA", "coop")] != "published"  # masked in 2023: masked in the series of 2024
    assert st2[("FRB", "coop")] == st2[("FRB", "assoc")] == "published"  # printed in 2023: never chosen again
    assert st2[("FRC", "coop")] == "primary" and d.audit_joint([again], scope).empty
