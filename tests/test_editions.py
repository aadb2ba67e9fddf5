"""Reproducible editions: a render is put in place only when it succeeded, stale files go, workbooks are
byte-identical, a published edition changes only on request, each year has its own build key."""

from __future__ import annotations

import shutil
import time

import pandas as pd
import pytest

from conftest import edition_in
from desir_analysis import build
from desir_analysis.build import inputs
from desir_analysis.publish import edition as ed
from desir_analysis.publish import runner

# A notebook that publishes one table (its value from a file) and fails when a flag file exists.
FLAKY = """# %% tags=["parameters"]
year = 1
output_dir = ""
control = ""

# %%
from pathlib import Path
import pandas as pd
from desir_analysis.publish.tables import Caption, publish
c = Path(control)
value = float((c / "value").read_text())
publish(pd.DataFrame({"Pays": ["France"], "Postes": [value]}), "t", Caption("T", "postes", "s", "2023", "z"),
        Path(output_dir), "flaky", confidential=False)
if (c / "fail").exists():
    raise ValueError("échec voulu")
"""


@pytest.fixture
def flaky(tmp_path, monkeypatch):
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "flaky.py").write_text(FLAKY)
    monkeypatch.setattr(runner.config, "NOTEBOOKS_DIR", nb)
    control = tmp_path / "control"
    control.mkdir()
    job = runner.Job(runner.Study("flaky", "flaky.py", "Flaky"), "flaky", "Flaky", (("control", str(control)),))
    return job, control, edition_in(tmp_path)


def _run(job, edition, key, **kw):
    return runner.run_jobs([job], edition, progress=False, data_key=key, **kw)


def test_a_failed_render_never_touches_the_last_good_one_and_a_later_success_clears_failed(flaky):
    job, control, edition = flaky
    (control / "value").write_text("100")
    assert _run(job, edition, "k1")[1] == []
    table = edition.dir / "tables" / "t.csv"
    page = (edition.dir / "flaky.html").read_bytes()
    assert pd.read_csv(table)["Postes"].tolist() == [100]
    (control / "value").write_text("181")
    (control / "fail").write_text("")
    produced, failed = _run(job, edition, "k2")
    assert [j.name for j, _ in failed] == ["flaky"]
    assert pd.read_csv(table)["Postes"].tolist() == [100]  # the staged 181 was never published
    assert (edition.dir / "flaky.html").read_bytes() == page
    assert edition.failed("flaky").exists() and not edition.staging("flaky").exists()
    (control / "fail").unlink()
    changes = []
    assert _run(job, edition, "k3", changes=changes)[1] == []
    assert pd.read_csv(table)["Postes"].tolist() == [181]
    assert not edition.failed("flaky").exists()
    assert changes == [
        {
            "table": "t.csv",
            "rows_before": 1,
            "rows_after": 1,
            "note": "",
            "changed_cells": 1,
            "max_relative_change": 0.81,
        }
    ]


def test_a_published_edition_is_revised_only_on_request(flaky):
    job, control, edition = flaky
    (control / "value").write_text("100")
    _run(job, edition, "k1")
    before = (edition.dir / "tables" / "t.csv").read_bytes()
    (control / "value").write_text("90")
    with pytest.raises(runner.EditionChangeRefused, match="--force"):
        _run(job, edition, "k2", refuse_changes=True)
    assert (edition.dir / "tables" / "t.csv").read_bytes() == before
    assert not edition.staging("flaky").exists()
    assert _run(job, edition, "k2", refuse_changes=False)[1] == []
    assert pd.read_csv(edition.dir / "tables" / "t.csv")["Postes"].tolist() == [90]


def _table_notebook(tmp_path, monkeypatch, workbook: str) -> None:
    """``sheet.py``: a notebook that publishes one table named by its ``name`` parameter (workbook ``workbook``)."""
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "sheet.py").write_text(
        '# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\nname = ""\n\n# %%\n'
        "from pathlib import Path\nimport pandas as pd\n"
        "from desir_analysis.publish.tables import Caption, publish\n"
        f'publish(pd.DataFrame({{"a": [1]}}), name, Caption("T", "u", "s", "d", "z"), Path(output_dir), {workbook}, '
        "confidential=False)\n"
    )
    monkeypatch.setattr(runner.config, "NOTEBOOKS_DIR", nb)


def test_files_no_job_claims_any_more_are_removed_but_not_other_studies_files(tmp_path, monkeypatch):
    _table_notebook(tmp_path, monkeypatch, "name")
    edition = edition_in(tmp_path)

    def job(study, name):
        return runner.Job(runner.Study(study, "sheet.py", study), f"{study}/{name}", name, (("name", name),))

    runner.run_jobs([job("fiches", "a"), job("fiches", "b"), job("autre", "c")], edition, progress=False)
    assert {p.name for p in (edition.dir / "tables").glob("*.csv")} == {"a.csv", "b.csv", "c.csv"}
    (edition.dir / "tables" / "orphelin.csv").write_text("x\n")  # left by an older layout
    runner.run_jobs([job("fiches", "a")], edition, progress=False)  # b left the zone; « autre » not run
    assert {p.name for p in (edition.dir / "tables").glob("*.csv")} == {"a.csv", "c.csv", "orphelin.csv"}
    assert not (edition.dir / "fiches" / "b.html").exists() and (edition.dir / "autre" / "c.html").exists()
    runner.run_jobs([job("fiches", "a"), job("autre", "c")], edition, progress=False, sweep=True)  # the whole
    assert {p.name for p in (edition.dir / "tables").glob("*.csv")} == {"a.csv", "c.csv"}


def test_a_table_a_study_no_longer_publishes_is_removed(tmp_path, monkeypatch):
    _table_notebook(tmp_path, monkeypatch, '"one"')
    edition = edition_in(tmp_path)
    study = runner.Study("one", "sheet.py", "One")
    runner.run_jobs([runner.Job(study, "one", "One", (("name", "ancien_nom"),))], edition, progress=False)
    runner.run_jobs([runner.Job(study, "one", "One", (("name", "nouveau_nom"),))], edition, progress=False)
    assert {p.name for p in (edition.dir / "tables").glob("*.csv")} == {"nouveau_nom.csv"}


def test_workbooks_are_byte_identical_between_two_writes(tmp_path):
    from desir_analysis.publish.tables import Caption, publish

    digests = []
    for i in range(2):
        out = tmp_path / str(i)
        t = pd.DataFrame({"Pays": ["France", "Belgique"], "Postes": [10, 20]})
        publish(t, "t", Caption("T", "postes", "s", "2023", "z"), out, "book", confidential=False)
        ed.normalise_workbook(out / "tables" / "book.xlsx")
        digests.append((out / "tables" / "book.xlsx").read_bytes())
        time.sleep(1.1)  # openpyxl stamps the time to the second
    assert digests[0] == digests[1]
    assert pd.read_excel(tmp_path / "0" / "tables" / "book.xlsx")["Postes"].tolist() == [10, 20]


def test_table_changes_by_hand(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("Pays,Postes,EQTP,status\nFrance,200,150.0,published\nBelgique,100,80.0,published\n")
    b.write_text("Pays,Postes,EQTP,status\nBelgique,100,80.0,published\nFrance,,,secondary\n")
    d = ed.table_changes(a, b)
    assert d["changed_cells"] == 2 and d["max_relative_change"] == 0  # newly masked: changed, no ratio
    b.write_text("Pays,Postes,EQTP,status\nFrance,250,150.0,published\nBelgique,100,60.0,published\n")
    d = ed.table_changes(a, b)
    assert d["changed_cells"] == 2 and d["max_relative_change"] == pytest.approx(0.25)  # 200 -> 250, 80 -> 60
    b.write_bytes(a.read_bytes())
    assert ed.table_changes(a, b) is None
    # a text column empty in the old version (read as numbers) and filled in the new: compared as text
    a.write_text("Pays,Postes,Note\nFrance,200,\nBelgique,100,\n")
    b.write_text("Pays,Postes,Note\nFrance,200,\nBelgique,120,estimé\n")
    d = ed.table_changes(a, b)
    assert d["rows_after"] == 2 and d["changed_cells"] == 2  # Belgique's row: one gone, one new


@pytest.mark.parametrize(
    ("path", "year", "expected"),
    [
        ("fr/employment/flores_etablissements_2023.csv", 2023, True),
        ("fr/employment/flores_etablissements_2023.csv", 2022, False),
        ("fr/employment/flores_2015_2023.csv", 2019, True),
        ("fr/employment/flores.csv", 2019, True),
        ("population/statbel/TF_SOC_POP_STRUCT_2019.txt", 2023, True),
        ("population/statbel/TF_SOC_POP_STRUCT_2024.txt", 2023, False),
        ("population/eurostat/proj_19rp3.tsv", 2015, True),
        ("fr/sirene/StockEtablissement_utf8.csv", 2015, True),
    ],
)
def test_which_raw_files_are_inputs_of_a_year(path, year, expected):
    assert inputs.is_input_of(path, year) is expected


def test_adding_a_year_s_extract_rebuilds_that_year_only(demo_raw, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    emp = raw / "fr" / "employment"
    later = emp / "flores_etablissements_2023.csv"
    held = tmp_path / later.name
    later.rename(held)  # the 2023 extract has not arrived yet
    out = tmp_path / "processed"
    build.build([2021, 2022], raw_dir=raw, out_dir=out, workers=1)
    stamp = (out / "2022" / "provenance.json").stat().st_mtime_ns
    held.rename(later)  # it arrives
    capsys.readouterr()
    result = build.build([2021, 2022, 2023], raw_dir=raw, out_dir=out, workers=1)
    assert "à construire : 2023" in capsys.readouterr().out and result.years == [2023]
    assert (out / "2022" / "provenance.json").stat().st_mtime_ns == stamp
    files = {f["path"] for f in build.provenance(2023, out)["files"]}
    assert "fr/employment/flores_etablissements_2023.csv" in files
    assert "fr/employment/flores_etablissements_2022.csv" not in files


def test_each_year_takes_the_kbo_export_of_its_time(demo_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    kbo = raw / "be" / "kbo"
    old, new = kbo / "2016-01-01", kbo / "2024-01-01"
    for folder in (old, new):
        folder.mkdir()
        for f in kbo.glob("*.csv"):
            shutil.copy(f, folder / f.name)
    for f in kbo.glob("*.csv"):
        f.unlink()
    (old / "meta.csv").write_text('"Variable","Value"\n"SnapshotDate","01-01-2016"\n')
    # the later export has lost a unit that employed people in 2015 (closed since)
    emp15 = pd.read_csv(raw / "be" / "employment" / "onss_unites_2015.csv", dtype=str)
    gone = emp15["numero_unite"].iloc[0]
    lines = (new / "establishment.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if f'"{gone}"' not in line]
    assert len(kept) == len(lines) - 1
    (new / "establishment.csv").write_text("".join(kept), encoding="utf-8")
    out = tmp_path / "processed"
    build.build([2015, 2023], raw_dir=raw, out_dir=out, workers=1)
    r15 = pd.read_parquet(out / "2015" / "rejects.parquet")
    assert not r15["record_id"].eq(gone).any()  # 2015 reads the 2016 export, where the unit still is
    scope15 = pd.read_parquet(out / "2015" / "scope.parquet")
    assert scope15["source_file"].eq("2024-01-01/enterprise.csv").any()  # the other export, counted
    acc = build.provenance(2015, out)["accounting"]
    assert all(a["balanced"] for a in acc)
    # a year whose unit is absent from its export: the reject says which export
    emp23 = pd.read_csv(raw / "be" / "employment" / "onss_unites_2023.csv", dtype=str)
    if emp23["numero_unite"].eq(gone).any():
        r23 = pd.read_parquet(out / "2023" / "rejects.parquet")
        assert r23.loc[r23["record_id"].eq(gone), "reason"].str.contains("export du 2024-01-01").all()


def test_public_mode_covers_the_years_ended_before_the_stock_snapshot(tmp_path):
    sirene = tmp_path / "fr" / "sirene"
    sirene.mkdir(parents=True)
    (sirene / "StockEtablissement_utf8.csv").write_text("siret\n")
    (sirene / "source.json").write_text('{"vintage": "2024-01-01"}')
    src = inputs.FrenchSources(sirene / "StockEtablissement_utf8.csv", sirene / "StockUniteLegale_utf8.csv", None)
    inputs.check_years_covered(src, [2015, 2023], "public")  # ended before 1 January 2024: covered
    with pytest.raises(build.BuildError, match=r"instantané de 2024\) couvre 2022–2023 ; 2024 n'y est pas"):
        inputs.check_years_covered(src, [2022, 2023, 2024], "public")
