"""Series breaks: versions in force, breaks taken by a series, comparable starts, gaps, and the build's records."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from desir_analysis import reference
from desir_analysis.analysis import breaks, cells, evolution
from desir_analysis.publish import narrative, sections

T, P = "Total", "published"
CLAP, FLORES = "CLAP", "Flores"


def _labels(series: str) -> tuple[str, str]:
    b = reference.breaks()
    row = b[b["series"].eq(series)].iloc[0]
    return row["before"], row["after"]


def test_versions_in_force_follow_the_reference_dates():
    clap, flores = _labels("employment_fr")
    assert clap.startswith(CLAP) and flores.startswith(FLORES)
    assert reference.versions_in_force(2016, ["FR"])["employment_fr"] == clap
    assert reference.versions_in_force(2017, ["FR"])["employment_fr"] == flores
    be = reference.breaks()
    be = be[be["series"].eq("activity_be")].set_index("first_year")
    assert reference.versions_in_force(2007, ["BE"])["activity_be"] == be.loc[2008, "before"]  # NACE-BEL 2003
    assert reference.versions_in_force(2008, ["BE"])["activity_be"] == be.loc[2008, "after"]
    assert reference.versions_in_force(2024, ["BE"])["activity_be"] == be.loc[2008, "after"]
    assert reference.versions_in_force(2025, ["BE"])["activity_be"] == be.loc[2025, "after"]
    # one country's series only
    assert "employment_fr" not in reference.versions_in_force(2020, ["BE"])


def test_a_break_is_taken_across_a_gap_year_and_never_when_versions_agree():
    clap, flores = _labels("employment_fr")
    versions = {
        2015: {"employment_fr": clap},
        2016: {},
        2017: {"employment_fr": flores},
        2018: {"employment_fr": flores},
    }
    t = breaks.taken(versions)
    assert list(t["series"]) == ["employment_fr"] and list(t["first_year"]) == [2017]
    assert not t["comparable"].iloc[0] and t["affects"].iloc[0] == "jobs"
    assert breaks.taken({2017: {"employment_fr": flores}, 2018: {"employment_fr": flores}}).empty


def test_a_change_no_row_describes_is_a_non_comparable_break_of_the_jobs():
    t = breaks.taken({2019: {"employment_be": "ONSS v1"}, 2020: {"employment_be": "ONSS v2"}})
    row = t.iloc[0]
    assert (row["country"], row["first_year"], row["comparable"], row["affects"]) == ("BE", 2020, False, "jobs")
    assert row["label"] == "ONSS v1 → ONSS v2"


def test_comparable_start_is_after_the_latest_non_comparable_break_it_concerns():
    b = pd.DataFrame(
        [
            ["FR", "employment_fr", 2017, "x", "jobs", "", "", "", False],
            ["BE", "legal_forms_be", 2019, "y", "jobs", "", "", "", False],
            ["BE", "territory_be", 2021, "z", "territory", "", "", "", True],
            ["BE", "activity_be", 2022, "w", "sector", "", "", "", False],
        ],
        columns=breaks.TAKEN_COLUMNS,
    )
    assert breaks.comparable_from(b, "FR", 2015) == 2017
    assert breaks.comparable_from(b, "FR", 2018) == 2018  # the break is before the series
    assert breaks.comparable_from(b, "BE", 2015) == 2019  # the recoding (comparable) does not restart it
    assert breaks.comparable_from(b, "BE", 2015, breaks.BY_SECTOR) == 2022
    assert breaks.common_start(b, ["FR", "BE"], 2015) == 2019
    assert breaks.common_start(b, ["FR", "BE"], 2015, breaks.BY_SECTOR) == 2022
    assert breaks.row_label(b, ["BE"]) == ("2019 : y (non comparable) ; 2021 : z (recodé) ; 2022 : w (non comparable)")


def _series_cells(values: dict[int, dict[str, float]]) -> dict[str, pd.DataFrame]:
    """ess_jobs by country × nuts3 for each year, every cell published (FRA, FRB French; BEA Belgian)."""
    out = {}
    for y, v in values.items():
        rows = [(T, n, x) for n, x in v.items()]
        for c in ("FR", "BE"):
            mine = [x for n, x in v.items() if n.startswith(c)]
            if mine:
                rows.append((c, T, sum(mine)))
        rows.append((T, T, sum(v.values())))
        out[cells.table_name("ess_jobs", ("country", "nuts3"), y)] = pd.DataFrame(
            rows, columns=["country", "nuts3", "headcount"]
        ).assign(status=P)
    return out


def _provenances(years, gap=2016):
    clap, flores = _labels("employment_fr")
    return {
        y: {
            "countries": ["BE"] if y == gap else ["FR", "BE"],
            "series_versions": ({} if y == gap else {"employment_fr": clap if y < 2017 else flores}),
            "gaps": {"FR": "aucun extrait"} if y == gap else {},
        }
        for y in years
    }


@pytest.fixture
def gap_series():
    values = {
        2015: {"FRA": 50.0, "FRB": 30.0, "BEA": 20.0},
        2016: {"BEA": 22.0},  # no French source that year
        2017: {"FRA": 100.0, "FRB": 40.0, "BEA": 24.0},
        2018: {"FRA": 110.0, "FRB": 44.0, "BEA": 25.0},
        2019: {"FRA": 121.0, "FRB": 40.0, "BEA": 30.0},
    }
    return evolution.series(_series_cells(values), 2015, 2019, _provenances(values))


def test_series_table_shows_the_gap_and_the_breaks(gap_series):
    tab = evolution.series_table(gap_series).set_index("nuts3")
    assert tab.loc["FRA", "2016"] == evolution.UNAVAILABLE and tab.loc[T, "2016"] == evolution.UNAVAILABLE
    assert tab.loc["BEA", "2016"] == 22.0 and tab.loc[T, "2015"] == 100.0
    assert "2017 : CLAP → Flores (non comparable)" in tab.loc["FRA", evolution.BREAK_COLUMN]
    assert tab.loc["BEA", evolution.BREAK_COLUMN] == ""
    assert "CLAP → Flores" in tab.loc[T, evolution.BREAK_COLUMN]


def test_evolutions_start_after_the_break(gap_series):
    assert gap_series.starts == {"BE": 2015, "FR": 2017}
    ch = evolution.change_by_territory(gap_series).set_index("nuts3")
    # FRA: 100 (2017, Flores) -> 121 (2019): +21 %, not 50 (2015, CLAP) -> 121
    assert ch.loc["FRA", "Évolution (%)"] == pytest.approx(21.0) and ch.loc["FRA", "Période"] == "2017-2019"
    assert ch.loc["BEA", "Évolution (%)"] == pytest.approx(50.0) and ch.loc["BEA", "Période"] == "2015-2019"
    g = evolution.yearly_growth(gap_series)
    assert g["FRA"] == pytest.approx(10.0)  # (121 / 100) ** (1 / 2) − 1
    assert g["BEA"] == pytest.approx(100 * (1.5**0.25 - 1))
    assert evolution.periods(gap_series) == {"BE": (2015, 2019), "FR": (2017, 2019)}
    points, trends = evolution.country_trends(gap_series)
    assert set(points["FR"]["year"].dropna().astype(int)) >= {2017, 2018, 2019}
    assert 2015 not in set(points["FR"].dropna(subset=["observed"])["year"].astype(int))
    assert trends.set_index("country").loc["FR", "Période"] == "2017-2019"
    assert evolution.decomposition_start(gap_series) == 2017


def test_the_words_say_where_each_country_starts_and_which_years_are_missing(gap_series):
    text = sections.breaks_text(gap_series, _provenances(range(2015, 2020)))
    assert "France à partir de **2017** (CLAP → Flores)" in text
    assert "France, 2016 : **non disponible**" in text and "Belgique à partir" not in text
    fiche = narrative.break_sentence(gap_series, "FR")
    assert "depuis **2017**" in fiche and "Non disponible en 2016" in fiche
    assert narrative.break_sentence(gap_series, "BE") == ""
    table = breaks.table(gap_series.breaks, gap_series.starts)
    assert list(table["Conséquence"]) == ["évolutions à partir de 2017"]


def test_without_provenance_a_series_has_no_break_and_full_coverage():
    values = {2015: {"FRA": 50.0, "BEA": 20.0}, 2016: {"FRA": 55.0, "BEA": 22.0}}
    s = evolution.series(_series_cells(values), 2015, 2016)
    assert s.breaks.empty and s.starts == {"BE": 2015, "FR": 2015}
    assert evolution.change_by_territory(s).set_index("nuts3").loc["FRA", "Évolution (%)"] == pytest.approx(10.0)


def test_the_build_leaves_a_year_no_french_source_covers_and_records_the_versions(demo_raw, tmp_path):
    from desir_analysis.build.pipeline import build

    names = sorted(p.name for p in (demo_raw / "fr" / "employment").iterdir())
    assert "clap_etablissements_2015.csv" in names and "flores_etablissements_2017.csv" in names
    assert not [n for n in names if "2016" in n]
    build([2015, 2016, 2017], raw_dir=demo_raw, out_dir=tmp_path)
    prov = {y: json.loads((tmp_path / str(y) / "provenance.json").read_text()) for y in (2015, 2016, 2017)}
    assert prov[2016]["countries"] == ["BE"] and "FR" in prov[2016]["gaps"]
    assert not [f for f in prov[2016]["files"] if f["country"] == "FR" and f["topic"] in ("register", "employment")]
    est = pd.read_parquet(tmp_path / "2016" / "establishments.parquet")
    assert set(est["country"]) == {"BE"}
    clap, flores = _labels("employment_fr")
    assert prov[2015]["series_versions"]["employment_fr"] == clap
    assert prov[2017]["series_versions"]["employment_fr"] == flores
    kinds = {f["path"].rsplit("/", 1)[-1]: (f["kind"], f["credit"]) for f in prov[2015]["files"]}
    assert kinds["clap_etablissements_2015.csv"] == ("employment_fr_clap", "INSEE, CLAP (extrait sous convention)")
    t = breaks.taken({y: p["series_versions"] for y, p in prov.items()})
    assert ("employment_fr", 2017) in set(zip(t["series"], t["first_year"], strict=True))


def test_public_mode_has_no_clap_flores_break(demo_raw, tmp_path):
    from desir_analysis.build.pipeline import PUBLIC_JOBS_VERSION, series_versions

    assert series_versions(2015, ["FR"], "public")["employment_fr"] == PUBLIC_JOBS_VERSION
    versions = {y: series_versions(y, ["FR"], "public") for y in (2015, 2017)}
    assert "employment_fr" not in set(breaks.taken(versions)["series"])


def test_a_year_outside_the_extracts_is_still_refused(demo_raw, tmp_path):
    from desir_analysis.build.errors import BuildError
    from desir_analysis.build.pipeline import build

    with pytest.raises(BuildError, match="2014"):
        build([2014], raw_dir=demo_raw, out_dir=tmp_path)


def test_a_series_with_a_gap_is_written_as_integers_and_shown_as_numbers(gap_series):
    from desir_analysis.publish.tables import Caption, public_values, to_html

    tab = evolution.series_table(gap_series)
    public = public_values(tab)
    csv = public[["nuts3", "2016", "2017"]].to_csv(index=False)
    assert "FRA,non disponible,100\n" in csv and ".0" not in csv  # counts as integers beside the gap
    page = to_html(tab[["nuts3", "2016", "2017"]], Caption("t", "postes", "s", "d", "z"))
    assert "<td class='num'>non disponible</td>" in page and "<td class='num'>100</td>" in page


def test_a_series_of_one_year_has_no_change_no_growth_and_no_trend():
    s = evolution.series(_series_cells({2023: {"FRA": 50.0, "BEA": 20.0}}), 2023, 2023)
    assert evolution.change_by_territory(s).empty and evolution.yearly_growth(s).empty
    assert evolution.periods(s) == {} and evolution.country_trends(s)[1].empty
    assert evolution.decomposition_start(s) == 2023


def test_the_sector_groups_by_nace_version_count_every_class_once():
    from desir_analysis.publish import definition

    s = reference.sectors()
    t = definition.sector_groups_by_version()
    for version, column in (
        ("NACE11", "Classes NACE Rév. 1.1"),
        ("NACE2", "Classes NACE Rév. 2"),
        ("NACE21", "Classes NACE Rév. 2.1"),
    ):
        assert t[column].sum() == s["nomenclature"].eq(version).sum()
    rev2 = set(s.loc[s["nomenclature"].eq("NACE2"), "nace_class"])
    rev21 = set(s.loc[s["nomenclature"].eq("NACE21"), "nace_class"])
    assert t["Codes nouveaux en Rév. 2.1"].sum() == len(rev21 - rev2)
    assert t["Codes de Rév. 2 disparus en Rév. 2.1"].sum() == len(rev2 - rev21)


def test_an_edition_says_which_activity_nomenclature_it_uses():
    text = narrative.activity_versions(2025)  # NACE-BEL 2025 from 2025, APE codes in NAF 2025 from 2027
    assert "NAF rév. 2" in text and "NACE-BEL 2025" in text
    text = narrative.activity_versions(2027)
    assert "NAF 2025" in text and "NACE-BEL 2025" in text
    assert "NAF 2025" in narrative.activity_versions(2027, {"activity_fr": "NAF 2025 (NACE Rév. 2.1)"})
    assert "Belgique" not in narrative.activity_versions(2027, {"activity_fr": "NAF 2025 (NACE Rév. 2.1)"})
