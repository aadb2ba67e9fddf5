"""KBO/BCE reader: the genuine daily-update extract, and broken Belgian inputs."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

from desir_analysis import build, reference
from desir_analysis.reference import classify, codes, main_activity
from desir_analysis.sources import employment, kbo
from desir_analysis.sources.csvfile import RawFileError

SAMPLE = "samples/real_layouts/kbo_KboOpenData_0147_2025_10_12_Update"


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def real(shared):
    return kbo.read_kbo(shared / SAMPLE), shared / SAMPLE


def test_reads_the_genuine_update_extract(real):
    data, folder = real
    for stem in ("enterprise", "establishment", "activity", "address"):
        assert data.rows[f"{stem}_insert.csv"] == len(rows(folder / f"{stem}_insert.csv"))
    assert data.rejects.empty
    assert data.enterprises["EnterpriseNumber"].str.fullmatch(r"\d{4}\.\d{3}\.\d{3}").all()
    assert data.establishments["EstablishmentNumber"].str.fullmatch(r"\d\.\d{3}\.\d{3}\.\d{3}").all()
    raw = {r["EnterpriseNumber"]: r for r in rows(folder / "enterprise_insert.csv")}
    for _, e in data.enterprises.iterrows():
        r = raw[e["EnterpriseNumber"]]
        d, m, y = r["StartDate"].split("-")
        assert e["start"] == f"{y}-{m}-{d}"
        if r["TypeOfEnterprise"] == "1" and not r["JuridicalForm"]:
            assert e["legal_form"] == "PP"
        else:
            assert e["legal_form"] == r["JuridicalForm"]
    known = set(reference.legal_forms().query("country == 'BE'")["code"])
    assert set(data.enterprises["legal_form"]) <= known


def test_main_activity_prefers_the_year_nomenclature(real):
    data, folder = real
    act = pd.DataFrame(rows(folder / "activity_insert.csv"))
    main = act[act["Classification"] == "MAIN"]
    both = main.groupby("EntityNumber")["NaceVersion"].nunique()
    entity = both[both > 1].index[0]
    digits = entity.replace(".", "")
    m2024 = kbo.main_activity(data.activities, 2024).set_index("entity").loc[digits]
    m2025 = kbo.main_activity(data.activities, 2025).set_index("entity").loc[digits]
    assert m2024["activity_nomenclature"] == "NACEBEL2008" and m2025["activity_nomenclature"] == "NACEBEL2025"
    sub = main[main["EntityNumber"] == entity]
    assert m2025["national_activity"] in set(sub.loc[sub["NaceVersion"] == "2025", "NaceCode"])


def test_addresses_reach_communes_and_nuts3(real):
    data, folder = real
    adr = kbo.unit_addresses(data.addresses)
    raw = pd.DataFrame(rows(folder / "address_insert.csv"))
    assert set(adr["postal_code"]) <= set(raw["Zipcode"])
    known = adr[adr["commune"].notna()]
    assert len(known) == len(adr)  # every Belgian postal code of the sample is in the correspondence
    t = classify.add_territory(pd.DataFrame({"country": "BE", "commune": known["commune"].to_numpy()}))
    assert t["nuts3"].notna().all()
    antwerp = adr.loc[adr["postal_code"] == "2000", "commune"]
    assert set(antwerp) <= {"11002"}


def test_postal_code_table():
    m = kbo.postal_to_nis()
    assert m["7000"] == "53053" and m["5000"] == "92094" and m["7700"] == "57096"
    assert kbo.ambiguous_postal_codes() == {"1040", "1050", "1804"}


@pytest.fixture
def be_raw(demo_raw, tmp_path):
    root = tmp_path / "raw"
    shutil.copytree(demo_raw, root / "x")
    (root / "x").rename(root / "r")
    return root / "r"


def run(raw, tmp_path):
    return build.build([2023], raw_dir=raw, out_dir=tmp_path / "out", force=True)


def test_missing_kbo_column_is_a_clear_error(be_raw, tmp_path):
    p = be_raw / "be" / "kbo" / "establishment.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False).drop(columns="EnterpriseNumber")
    df.to_csv(p, index=False, quoting=csv.QUOTE_ALL)
    with pytest.raises(RawFileError, match=r"establishment.csv: line 1: missing column\(s\) \['EnterpriseNumber'\]"):
        run(be_raw, tmp_path)


def test_invalid_date_and_unknown_postal_code_are_listed_rejects(be_raw, tmp_path):
    p = be_raw / "be" / "kbo" / "establishment.csv"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    f = lines[3].split(",")
    f[1] = "31-02-2019"
    lines[3] = ",".join(f)
    p.write_text("".join(lines), encoding="utf-8")
    a = be_raw / "be" / "kbo" / "address.csv"
    alines = a.read_text(encoding="utf-8").splitlines(keepends=True)
    employed = {
        r["numero_unite"]
        for r in rows(be_raw / "be" / "employment" / "onss_unites_2023.csv")
        if int(r["postes_fin_t4"]) > 0
    }
    i = next(i for i, line in enumerate(alines[1:], start=1) if line.split(",")[0].strip('"') in employed)
    g = alines[i].split(",")
    g[4] = '"9999"'
    unit = g[0].strip('"')
    alines[i] = ",".join(g)
    a.write_text("".join(alines), encoding="utf-8")
    result = run(be_raw, tmp_path)
    assert result.accounting["balanced"].all()
    rej = pd.read_parquet(tmp_path / "out" / "2023" / "rejects.parquet")
    bad_date = rej[rej["reason"].str.startswith("date invalide")]
    assert bad_date["line"].tolist() == [4] and bad_date["source_file"].tolist() == ["establishment.csv"]
    hit = rej[rej["reason"] == "code postal absent de la table de correspondance"]
    assert hit["record_id"].tolist() == [unit]
    assert hit["source_file"].tolist() == ["onss_unites_2023.csv"]


def test_unknown_juridical_form_and_nace_are_kept_as_unknown(be_raw, tmp_path):
    p = be_raw / "be" / "kbo" / "enterprise.csv"
    txt = p.read_text(encoding="utf-8").replace('"017"', '"977"')
    p.write_text(txt, encoding="utf-8")
    q = be_raw / "be" / "kbo" / "activity.csv"
    q.write_text(q.read_text(encoding="utf-8").replace('"94991"', '"99999"'), encoding="utf-8")
    run(be_raw, tmp_path)
    est = pd.read_parquet(tmp_path / "out" / "2023" / "establishments.parquet").query("country == 'BE'")
    assert (est.loc[est["legal_form"] == "977", "ess_family"] == "unknown").all() and (est["legal_form"] == "977").any()
    assert (est.loc[est["national_activity"] == "99.999", "sector_group"] == "unknown").all()


def test_belgian_employment_validation():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "onss.csv"
        p.write_text(
            "numero_unite,numero_entreprise,annee,postes_fin_t4,commission_paritaire\n"
            "2.190.171.611,0859.001.118,2023,12,32201\n"
            "2190171611,0859.001.118,2023,3,200\n"
            "2.190.171.612,0859.001.118,2023,-1,200\n",
            encoding="utf-8",
        )
        good, rej, n = employment.read_be_employment([p])
        assert good["joint_committee"].tolist() == ["322.01"]
        assert dict(zip(rej["line"], rej["reason"], strict=True)) == {
            3: "numéro d'unité d'établissement mal formé (N.NNN.NNN.NNN attendu)",
            4: "postes_fin_t4 : valeur négative",
        }
        assert n == {"onss.csv": 3}


def test_unquoted_kbo_fields_read_the_same(be_raw, tmp_path):
    run(be_raw, tmp_path)
    before = pd.read_parquet(tmp_path / "out" / "2023" / "establishments.parquet")
    for name in ("enterprise.csv", "establishment.csv", "activity.csv", "address.csv"):
        p = be_raw / "be" / "kbo" / name
        p.write_text(p.read_text(encoding="utf-8").replace('"', ""), encoding="utf-8")
    run(be_raw, tmp_path)
    pd.testing.assert_frame_equal(before, pd.read_parquet(tmp_path / "out" / "2023" / "establishments.parquet"))


def test_a_field_with_an_unquoted_comma_is_a_listed_reject(be_raw, tmp_path):
    p = be_raw / "be" / "kbo" / "establishment.csv"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[7] = lines[7].replace('"', "").replace("\n", ",extra\n")
    p.write_text("".join(lines), encoding="utf-8")
    result = run(be_raw, tmp_path)
    assert result.accounting["balanced"].all()
    rej = pd.read_parquet(tmp_path / "out" / "2023" / "rejects.parquet")
    hit = rej[(rej["source_file"] == "establishment.csv") & rej["reason"].str.startswith("ligne illisible")]
    assert hit["line"].tolist() == [8]


def _listed_codes(folder) -> dict[str, set[str]]:
    """The NACE codes the extract's own code.csv lists, by NaceVersion (``2003``, ``2008``, ``2025``)."""
    c = pd.DataFrame(rows(folder / "code.csv"))
    c = c[c["Category"].str.fullmatch(r"Nace(2003|2008|2025)")]
    return {v: set(c.loc[c["Category"] == f"Nace{v}", "Code"]) for v in ("2003", "2008", "2025")}


@pytest.mark.parametrize("year", [2007, 2023, 2025])
def test_every_listed_main_activity_of_the_genuine_extract_reaches_a_sector(real, year):
    """5- and 7-digit codes of NACE-BEL 2003, 2008 and 2025: none listed in code.csv stays « unknown »."""
    data, folder = real
    listed = _listed_codes(folder)
    main = kbo.main_activity(data.activities, year)
    raw = pd.DataFrame(rows(folder / "activity_insert.csv"))
    raw = raw[raw["Classification"] == "MAIN"]
    assert len(main) == raw["EntityNumber"].nunique()  # one main activity per entity
    version = main["activity_nomenclature"].str[-4:]
    entities = len(main)
    main = main[[code in listed[v] for code, v in zip(main["national_activity"], version, strict=True)]]
    assert len(main) >= entities - 2  # (nearly) every chosen code is listed in the extract's code.csv
    norm = codes.normalise_nacebel(main["national_activity"])
    assert not norm.invalid.any()
    out = classify.add_sector(main.assign(national_activity=norm.values.to_numpy()))
    assert (out["sector_group"] != "unknown").all(), out[out["sector_group"] == "unknown"]
    assert set(main["national_activity"].str.len()) == {5, 7}  # both lengths exercised
    if year < 2008:
        assert (main["activity_nomenclature"] == "NACEBEL2003").any()


def test_a_seven_digit_code_reaches_its_subclass_and_class():
    norm = codes.normalise_nacebel(pd.Series(["9531901", "5248301", "88101", "1110", "111001"]))
    assert norm.values.tolist() == ["95.319", "52.483", "88.101", "01.110", "01.110"]
    f = pd.DataFrame(
        {"national_activity": norm.values.tolist()[:2], "activity_nomenclature": ["NACEBEL2025", "NACEBEL2003"]}
    )
    out = classify.add_sector(f)
    assert out["nace"].tolist() == ["95.31", "52.48"]
    assert out["sector_group"].tolist() == ["AUTRES_SERV", "COMMERCE"]  # repair of goods; retail trade (Rév. 1.1)


def test_main_activity_rule_by_version_group_and_line():
    act = pd.DataFrame(
        {
            "entity": ["1"] * 5 + ["2"] * 2,
            "Classification": ["MAIN", "MAIN", "MAIN", "SECO", "MAIN", "MAIN", "MAIN"],
            "nomenclature": ["NACEBEL2003", "NACEBEL2025", "NACEBEL2008", "NACEBEL2008", "NACEBEL2008"] * 1
            + ["NACEBEL2008", "NACEBEL2008"],
            "ActivityGroup": ["006", "006", "001", "006", "003", "001", "001"],
            "code": ["85321", "88991", "88101", "86101", "88102", "94991", "94992"],
            "line": [2, 3, 4, 5, 6, 7, 8],
        }
    )
    m23 = kbo.main_activity(act, 2023).set_index("entity")["national_activity"]
    assert m23.to_dict() == {"1": "88102", "2": "94991"}  # 2008 first; group 003 before 001; then file order
    assert kbo.main_activity(act, 2025).set_index("entity").loc["1", "national_activity"] == "88991"
    assert kbo.main_activity(act, 2005).set_index("entity").loc["1", "national_activity"] == "85321"
    assert main_activity.version_order(2023) == ["NACEBEL2008", "NACEBEL2025", "NACEBEL2003"]


def test_the_genuine_extract_through_the_build(real, demo_raw, tmp_path):
    """The genuine update extract as be/kbo, an ONSS file for its units: no listed code left « unknown »."""
    _, folder = real
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    shutil.rmtree(raw / "be" / "kbo")
    shutil.rmtree(raw / "be" / "approvals", ignore_errors=True)
    (raw / "be" / "kbo").mkdir()
    for stem in ("enterprise", "establishment", "activity", "address", "code", "meta"):
        name = f"{stem}.csv" if stem in ("code", "meta") else f"{stem}_insert.csv"
        shutil.copy(folder / name, raw / "be" / "kbo" / name)
    for f in (raw / "be" / "employment").iterdir():
        f.unlink()
    units = pd.DataFrame(rows(folder / "establishment_insert.csv"))
    pd.DataFrame(
        {
            "numero_unite": units["EstablishmentNumber"],
            "numero_entreprise": units["EnterpriseNumber"],
            "annee": 2023,
            "postes_fin_t4": 4,
        }
    ).to_csv(raw / "be" / "employment" / "onss_unites_2023.csv", index=False)
    build.build([2023], raw_dir=raw, out_dir=tmp_path / "out")
    nat = pd.read_parquet(tmp_path / "out" / "2023" / "national_aggregates.parquet").query("country == 'BE'")
    assert nat["n_establishments"].sum() > 0
    # the units of the extract whose own (or enterprise's) MAIN code is listed: none unknown
    acts = pd.DataFrame(rows(folder / "activity_insert.csv"))
    listed = _listed_codes(folder)
    main = acts[acts["Classification"] == "MAIN"]
    has_listed = {
        e for e, v, c in zip(main["EntityNumber"], main["NaceVersion"], main["NaceCode"], strict=True) if c in listed[v]
    }
    placeable = units["EstablishmentNumber"].isin(has_listed) | units["EnterpriseNumber"].isin(has_listed)
    unknown = int(nat.loc[nat["sector_group"] == "unknown", "n_establishments"].sum())
    assert unknown <= int((~placeable).sum())
