"""Population readers (genuine Statbel, INSEE and Eurostat samples; both Eurostat layouts) and the table."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from desir_analysis.sources import population
from desir_analysis.sources.csvfile import RawFileError

REAL = "samples/real_layouts"


def test_statbel_sample_sums_to_the_raw_rows(shared):
    path = shared / REAL / "statbel_TF_SOC_POP_STRUCT_2021_head1500.txt"
    t, n = population.read_statbel(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        raw = list(csv.DictReader(fh, delimiter="|"))
    assert n["raw_rows"] == len(raw) == 1500 and n["excluded"] == 0
    assert t["population"].sum() == sum(int(r["MS_POPULATION"]) for r in raw)
    assert set(t["year"]) == {2021} and set(t["sex"]) <= {"M", "F"}
    under3 = t[t["age_max"].le(2)]
    expected = sum(int(r["MS_POPULATION"]) for r in raw if int(r["CD_AGE"]) < 3)
    assert under3["population"].sum() == expected  # single years: "under 3" exists for Belgium
    assert set(t["nuts3"]) <= {"BE211", "BE212", "BE213"}


def test_statbel_without_bom_or_with_semicolons(shared, tmp_path):
    path = shared / REAL / "statbel_TF_SOC_POP_STRUCT_2021_head1500.txt"
    a, _ = population.read_statbel(path)
    nobom = tmp_path / "TF_SOC_POP_STRUCT_2021.txt"
    nobom.write_bytes(path.read_bytes()[3:])
    b, _ = population.read_statbel(nobom)
    pd.testing.assert_frame_equal(a, b)
    semi = tmp_path / "TF_SOC_POP_STRUCT_2021_semi.txt"
    semi.write_text(path.read_text(encoding="utf-8-sig").replace("|", ";"), encoding="utf-8")
    with pytest.raises(RawFileError, match=r"line 1: separator ';' found; expected '\|'"):
        population.read_statbel(semi)


def test_insee_workbook(shared):
    t, n = population.read_insee_estimates(shared / REAL / "insee_estim-pop-dep-sexe-gca-1975-2023.xls", years=[2023])
    nord = t[(t["nuts3"] == "FRE11") & (t["sex"] == "T")]
    assert nord["age_group"].tolist() == ["0-19", "20-39", "40-59", "60-74", "75+"]
    assert nord["population"].sum() > 2_500_000
    ain = t[(t["nuts3"] == "FRK21") & (t["sex"] == "T")].set_index("age_group")["population"]
    assert ain["0-19"] == 170727 and ain["75+"] == 58760  # hand-read from the sheet "2023"
    m = t[(t["nuts3"] == "FRK21") & (t["sex"] == "M")]["population"].sum()
    f = t[(t["nuts3"] == "FRK21") & (t["sex"] == "F")]["population"].sum()
    assert m + f == ain.sum()
    assert n["excluded"] == 0 and t["nuts3"].nunique() == 101


def test_eurostat_classic_layout_sample(shared):
    t, n = population.read_eurostat(shared / REAL / "eurostat_demo_r_pjangrp3_2020vintage_BE_FR_sexT.tsv")
    assert n["excluded"] > 0  # Hainaut's NUTS 2016 arrondissements are set aside
    assert not t["nuts3"].isin(["BE321", "BE322", "BE324", "BE325", "BE326", "BE327"]).any()
    assert (t["nuts3"] == "BE323").any()  # Mons did not change
    assert {"p", "b", ""} >= set(t["flag"]) and (t["flag"] == "p").any()
    assert set(t["age_group"]) >= {"0-4", "5-9", "90+"}
    mons = t[(t["nuts3"] == "BE323") & (t["year"] == 2019)]["population"].sum()
    assert 250_000 < mons < 270_000


def test_both_eurostat_layouts_give_the_same_table(tmp_path):
    classic = tmp_path / "a.tsv"
    classic.write_text(
        "sex,unit,age,geo\\time\t2020 \t2019 \nT,NR,Y_LT5,FRE11\t150 p\t160 \nT,NR,Y_GE85,FRE11\t: \t12 e\n",
        encoding="utf-8",
    )
    new = tmp_path / "b.tsv"
    new.write_bytes(
        b"freq,unit,sex,age,geo\\TIME_PERIOD\t2019\t2020\r\nA,NR,T,Y_LT5,FRE11\t160\t150 p\r\n"
        b"A,NR,T,Y_GE85,FRE11\t12 e\t:\r\n"
    )
    a, _ = population.read_eurostat(classic)
    b, _ = population.read_eurostat(new)
    cols = ["nuts3", "year", "sex", "age_group", "population", "flag"]
    key = ["year", "age_group"]
    pd.testing.assert_frame_equal(
        a[cols].sort_values(key, ignore_index=True), b[cols].sort_values(key, ignore_index=True)
    )
    assert a.set_index(["year", "age_group"]).loc[(2020, "0-4"), "flag"] == "p"
    assert len(a) == 3  # the missing ':' cell is not a zero


def test_unexpected_eurostat_dimension_is_a_clear_error(tmp_path):
    p = tmp_path / "x.tsv"
    p.write_text("sex,unit,age,citizen,geo\\time\t2020 \nT,NR,Y_LT5,NAT,FRE11\t1 \n", encoding="utf-8")
    with pytest.raises(RawFileError, match=r"line 1: unexpected dimension column\(s\) \['citizen'\]"):
        population.read_eurostat(p)


def test_processed_population_table(demo_processed):
    out, _ = demo_processed
    pop = pd.read_parquet(out / "2023" / "population.parquet")
    assert set(pop["kind"]) == {"observed", "projected"}
    assert pop.loc[pop["kind"] == "projected", "year"].max() == 2040
    be = pop[(pop["country"] == "BE") & pop["source"].str.startswith("Statbel")]
    assert {0, 1, 2} <= set(be["age_min"].dropna())
    assert set(pop.loc[pop["country"] == "FR", "nuts3"]) >= {"FRE11", "FRE12"}
    hainaut_2021 = {"BE323", "BE328", "BE329", "BE32A", "BE32B", "BE32C", "BE32D"}
    assert hainaut_2021 <= set(pop.loc[pop["kind"] == "projected", "nuts3"])
    assert not pop["nuts3"].isin(["BE321", "BE322", "BE324", "BE325", "BE326", "BE327"]).any()
