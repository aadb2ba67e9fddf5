"""The demo files take every path the genuine files take (KBO codes of every version and length, old Sirene codes)."""

from __future__ import annotations

import pandas as pd
import pytest

from desir_analysis.demo import sirene_variety
from desir_analysis.sources import kbo


def _csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_the_demo_kbo_activities_are_as_varied_as_the_genuine_export(demo_raw):
    act = _csv(demo_raw / "be" / "kbo" / "activity.csv")
    main = act[act["Classification"].eq("MAIN")]
    assert set(main["NaceVersion"]) == {"2003", "2008", "2025"}
    assert main["NaceCode"].str.len().eq(7).sum() > 0  # KBO subdivisions of a sub-class
    assert (main.groupby("EntityNumber").size() > 1).sum() > 0
    both = main.groupby("EntityNumber")["NaceVersion"].agg(set)
    assert both.map(lambda v: {"2008", "2025"} <= v).sum() > 0


def test_the_rule_keeps_each_demo_unit_in_its_sector_group(demo_raw):
    """Every MAIN row added for variety leaves the unit where its own 2008 code puts it."""
    act = kbo.read_kbo(demo_raw / "be" / "kbo").activities
    chosen = kbo.main_activity(act, 2023).set_index("entity")
    own = act[act["ActivityGroup"].eq("006") & act["NaceVersion"].eq("2008")].set_index("entity")["code"]
    assert (chosen.loc[own.index, "national_activity"] == own).all()  # never the TVA row, never 2025 in 2023
    in_2025 = kbo.main_activity(act, 2025).set_index("entity")
    v25 = act[act["NaceVersion"].eq("2025")]["entity"]
    assert (in_2025.loc[v25, "activity_nomenclature"] == "NACEBEL2025").all()


def test_the_demo_build_places_every_belgian_unit(demo_processed):
    out, _ = demo_processed
    for year in (2015, 2023):
        est = pd.read_parquet(out / str(year) / "establishments.parquet")
        be = est[est["country"].eq("BE")]
        assert not be["sector_group"].eq("unknown").any()
        assert be["activity_nomenclature"].eq("NACEBEL2003").sum() > 0  # the 2003-only units, placed


def test_the_demo_stock_keeps_old_and_empty_codes(demo_raw):
    stock = _csv(demo_raw / "fr" / "sirene" / "StockEtablissement_utf8.csv")
    noms = set(stock["nomenclatureActivitePrincipaleEtablissement"])
    assert {"NAP", "NAF1993", "NAFRev1", "NAFRev2", ""} <= noms
    assert {"", "NN"} <= set(stock["trancheEffectifsEtablissement"])
    closed = stock["etatAdministratifEtablissement"].eq("F")
    assert (closed & stock["caractereEmployeurEtablissement"].eq("O")).any()
    nap = stock[stock["nomenclatureActivitePrincipaleEtablissement"].eq("NAP")]
    assert (
        nap["dateDebut"].lt("1993-01-01").all()
        and nap["activitePrincipaleEtablissement"].str.fullmatch(r"\d{2}\.\d{2}").all()
    )


@pytest.mark.parametrize(
    ("closed", "expected"),
    [
        ("1992-12-31", "NAP"),
        ("1993-01-01", "NAF1993"),
        ("2002-12-31", "NAF1993"),
        ("2003-01-01", "NAFRev1"),
        ("2008-01-01", "NAFRev2"),
        ("", "NAFRev2"),
    ],
)
def test_the_nomenclature_of_a_closing_date(closed, expected):
    assert sirene_variety.nomenclature_at(pd.Series([closed])).iloc[0] == expected


def test_the_demo_build_rejects_no_old_code(demo_processed):
    out, result = demo_processed
    rejects = pd.read_parquet(out / "2023" / "rejects.parquet")
    assert not rejects["reason"].str.contains("nomenclature|activité", case=False).any()
    assert result.accounting["balanced"].all()


def test_a_company_is_read_in_its_csa_form_from_2020():
    from desir_analysis.build.harmonise_be import legal_form_at

    form, cac = pd.Series(["515", "008", "017"]), pd.Series(["610", "706", ""])
    assert list(legal_form_at(form, cac, 2019)) == ["515", "008", "017"]
    assert list(legal_form_at(form, cac, 2020)) == ["610", "706", "017"]


def test_the_demo_social_purpose_companies_take_their_csa_form(demo_processed):
    out, _ = demo_processed
    forms = {
        y: pd.read_parquet(out / str(y) / "establishments.parquet").query("country == 'BE'")["legal_form"]
        for y in (2015, 2023)
    }
    assert forms[2015].isin(["515", "514", "508"]).sum() > 0
    assert not forms[2023].isin(["515", "514", "508", "015"]).any()
