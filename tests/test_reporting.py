"""The report pipeline runs the real notebooks through papermill and exports offline HTML."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import edition_in
from desir_analysis.publish import runner as reporting


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    edition = edition_in(tmp_path_factory.mktemp("reports"))
    html = reporting.render_study(reporting.STUDIES["referentiel"], edition, {"zone": "desir"})
    return edition.dir, html


def test_html_has_no_code_no_external_request_and_a_toc(rendered):
    _, html = rendered
    page = html.read_text(encoding="utf-8")
    assert "from desir_analysis import" not in page and "def show(" not in page  # no code
    assert "jp-InputPrompt" not in page.split("</style>")[-1]
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r'(src|href)="https?://', page)
    assert "<nav class='desir-toc'>" in page and "Périmètres nommés" in page
    assert "17 territoires NUTS 3" in page


def test_published_tables_have_status_and_workbook(rendered):
    out, _ = rendered
    t = pd.read_csv(out / "tables" / "territoires_desir.csv", dtype=str)
    assert len(t) == 17 and t["secret"].isna().all()  # « s » or empty: nothing suppressed here
    assert "status" not in t.columns
    book = pd.ExcelFile(out / "tables" / "referentiel.xlsx")
    assert "territoires_desir" in book.sheet_names


def test_unknown_parameter_is_rejected(tmp_path):
    with pytest.raises(reporting.ReportError, match="unknown parameter.*yaer"):
        reporting.render_study(reporting.STUDIES["referentiel"], edition_in(tmp_path), {"yaer": 2024})


def test_failing_notebook_is_kept_and_not_exported(tmp_path, monkeypatch):
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "boom.py").write_text(
        '# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\n\n# %%\nraise ValueError("boom")\n'
    )
    monkeypatch.setattr(reporting.config, "NOTEBOOKS_DIR", nb)
    study = reporting.Study("boom", "boom.py", "Boom")
    edition = edition_in(tmp_path)
    with pytest.raises(reporting.ReportError, match="boom"):
        reporting.render_study(study, edition, {})
    assert edition.failed("boom").exists()
    assert not (edition.dir / "boom.html").exists() and not edition.staging("boom").exists()


def test_add_toc_lists_h2_and_h3():
    page = (
        '<main><h1 id="t">T<a class="anchor-link" href="#t">¶</a></h1>'
        '<h2 id="a">A &amp; b<a class="anchor-link" href="#a">¶</a></h2>'
        '<h3 id="c">C<a class="anchor-link" href="#c">¶</a></h3></main>'
    )
    out = reporting.add_toc(page)
    assert out.index("desir-toc") > out.index("</h1>")
    assert "href='#a'>A &amp; b</a>" in out and "href='#c'>C</a>" in out


@pytest.fixture(scope="module")
def diagnostic(demo_processed, tmp_path_factory):
    processed, _ = demo_processed
    edition = edition_in(tmp_path_factory.mktemp("reports"))
    html = reporting.render_study(
        reporting.STUDIES["diagnostic"],
        edition,
        {"zone": "desir", "first_year": 2015, "processed_dir": str(processed)},
    )
    return processed, edition, html


def test_diagnostic_says_demo_and_shows_no_code(diagnostic):
    _, _, html = diagnostic
    page = html.read_text(encoding="utf-8")
    assert "données de démonstration (synthétiques)" in page
    assert "from desir_analysis import" not in page
    assert not re.search(r'(src|href)="https?://', page)
    assert "data:image/png;base64," in page  # the figure is embedded
    _, edition, _ = diagnostic
    for csv_file in (edition.dir / "tables").glob("*.csv"):
        t = pd.read_csv(csv_file)
        assert t["source"].str.contains("données de démonstration (synthétiques)", regex=False).all(), csv_file


def test_the_sector_share_table_never_shows_a_cell_masked_in_the_sector_table(diagnostic):
    _, edition, _ = diagnostic
    sectors = pd.read_csv(edition.dir / "tables" / "ess_secteur.csv").set_index(["Pays", "Secteur"])["secret"]
    share = pd.read_csv(edition.dir / "tables" / "secteurs_part_et_specialisation.csv")
    masked = 0
    for _, r in share.iterrows():
        if sectors.get((r["Pays"], r["Secteur"])) == "s":
            masked += 1
            assert r["secret"] == "s" and pd.isna(r["Postes ESS"]) and pd.isna(r["Postes du secteur"])
    assert masked > 0  # the 1 % demo has masked sectors: the check is not vacuous


def test_diagnostic_tables_protect_small_cells(diagnostic):
    processed, edition, _ = diagnostic
    out = edition.dir
    est = pd.read_parquet(processed / "2023" / "establishments.parquet")
    from desir_analysis.publish import labels
    from desir_analysis.reference import classify
    from desir_analysis.reference import membership as perimeters

    est = est[
        classify.in_zone(est, "desir") & perimeters.in_perimeter(est, "core_crossborder") & est["country"].eq("FR")
    ]
    n_by_family = est.groupby("ess_family")["establishment_id"].nunique()
    t = pd.read_csv(out / "tables" / "ess_famille.csv")
    assert set(t["secret"].dropna()) <= {"s"} and "status" not in t.columns  # never primary / secondary
    t = t[t["Pays"] == "France"].set_index("Famille")
    for fam, n in n_by_family.items():
        row = t.loc[labels.FAMILY_FR[fam]]
        if n < 3:
            assert row["secret"] == "s" and pd.isna(row["Postes au 31/12"])
        if row["secret"] == "s":
            assert pd.isna(row["Postes au 31/12"]) and pd.isna(row["Établissements employeurs"])
        else:
            assert row["Établissements employeurs"] == n
    # a suppressed cell never stands alone next to its published total
    assert t["secret"].eq("s").sum() != 1
    book = pd.ExcelFile(out / "tables" / "diagnostic.xlsx")
    assert {"ess_famille", "part_ess_territoire", "qualite_comptabilite_lignes"} <= set(book.sheet_names)


def test_diagnostic_audit_files_and_secrecy_annex(diagnostic):
    _, edition, html = diagnostic
    out = edition.dir
    assert not (out / "_audit").exists()  # the working tables of the disclosure control are never published
    audit_files = sorted(p.name for p in (edition.work / "_audit").glob("*.csv"))
    assert {"ess_famille.csv", "part_ess_territoire.csv", "chiffres_cles_pays.csv"} <= set(audit_files)
    a = pd.read_csv(edition.work / "_audit" / "ess_famille.csv")
    assert {"n_units", "top_share", "status", "measure"} <= set(a.columns)
    page = html.read_text(encoding="utf-8")
    assert "top_share" not in page and "n_units" not in page  # unit counts never in the HTML
    sdc = pd.read_csv(out / "tables" / "qualite_secret_statistique.csv")
    assert (sdc["Cases recalculables (audit)"] == 0).all()
    assert (sdc["Secret primaire"] + sdc["Secret secondaire"] <= sdc["Masquées, règle naïve"] + sdc["Cases"]).all()


def test_fact_sheet_runs_for_a_territory(demo_processed, tmp_path):
    processed, _ = demo_processed
    job = reporting.Job(
        reporting.STUDIES["fiches"],
        "fiches/fiche_BE323",
        "Fiche — Mons",
        (("zone", "desir"), ("territory", "BE323"), ("baseline_year", 2015), ("processed_dir", str(processed))),
    )
    edition = edition_in(tmp_path)
    produced, failed = reporting.run_jobs([job], edition, progress=False)
    assert failed == []
    html = produced[0][1]
    page = html.read_text(encoding="utf-8")
    assert html.parent.name == "fiches" and "Mons" in page and "from desir_analysis" not in page
    assert 'class="dataframe"' not in page
    assert not re.search(r'(src|href)="https?://', page)
    t = pd.read_csv(edition.dir / "tables" / "fiche_be323_chiffres_cles.csv")
    assert set(t["secret"].dropna()) <= {"s"}


def test_a_failing_job_does_not_stop_the_others(tmp_path, monkeypatch):
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "ok.py").write_text('# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\n\n# %% [markdown]\n# # Titre\n')
    (nb / "boom.py").write_text(
        '# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\n\n# %%\nraise ValueError("boom")\n'
    )
    monkeypatch.setattr(reporting.config, "NOTEBOOKS_DIR", nb)
    jobs = [
        reporting.Job(reporting.Study("boom", "boom.py", "Boom"), "boom", "Boom", ()),
        reporting.Job(reporting.Study("ok", "ok.py", "OK"), "ok", "OK", ()),
    ]
    edition = edition_in(tmp_path)
    produced, failed = reporting.run_jobs(jobs, edition, workers=1, progress=False)
    assert [j.name for j, _ in produced] == ["ok"] and [j.name for j, _ in failed] == ["boom"]
    assert edition.failed("boom").exists()
    index = reporting.write_index(edition, produced)
    assert "ok.html" in index.read_text(encoding="utf-8")
    (edition.dir / "edition.json").write_text('{"date": "2026-11-25", "perimeter": "insee"}')
    root = reporting.write_root_index(tmp_path / "r", {"date": "Produite le", "perimeter": "Périmètre"})
    text = root.read_text(encoding="utf-8")
    assert f"2023/{edition.name}/index.html" in text and "insee" in text


def test_suppressed_cells_show_the_secret_mark():
    from desir_analysis.publish.tables import Caption, to_html

    t = pd.DataFrame({"a": ["x", "y"], "v": [10.0, float("nan")], "status": ["published", "primary"]})
    page = to_html(t, Caption("t", "u", "s", "d", "z"))
    assert "<td class='num'>s</td>" in page and "secret statistique" in page
    assert "<td class='num'>10</td>" in page
    assert "<th class='txt'>Secret</th>" in page and "<td class='txt'>s</td>" in page
    assert "published" not in page and "primary" not in page and "primaire" not in page  # never which secret


def test_unchanged_jobs_are_skipped(tmp_path, monkeypatch):
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "ok.py").write_text('# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\n\n# %% [markdown]\n# # Titre\n')
    monkeypatch.setattr(reporting.config, "NOTEBOOKS_DIR", nb)
    job = reporting.Job(reporting.Study("ok", "ok.py", "OK"), "ok", "OK", ())
    edition = edition_in(tmp_path)
    first, _ = reporting.run_jobs([job], edition, progress=False, data_key="d1")
    mtime = first[0][1].stat().st_mtime_ns
    produced, failed = reporting.run_jobs([job], edition, progress=False, data_key="d1")
    assert not failed and produced[0][1].stat().st_mtime_ns == mtime  # skipped: same file
    produced, _ = reporting.run_jobs([job], edition, progress=False, data_key="d2")
    assert produced[0][1].stat().st_mtime_ns != mtime  # data changed: rendered again


def test_no_raw_dataframe_leaks_into_the_pages(diagnostic):
    _, _, html = diagnostic
    assert 'class="dataframe"' not in html.read_text(encoding="utf-8")  # every table goes through publish()


def test_a_reused_kernel_starts_each_notebook_from_a_clean_state(tmp_path, monkeypatch):
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "dirty.py").write_text(
        '# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\n\n# %%\n'
        "import matplotlib\nimport matplotlib.pyplot as plt\nleftover = 42\n"
        'matplotlib.rcParams["lines.linewidth"] = 9.5\nplt.figure()\nprint("dirty ran")\n'
    )
    (nb / "check.py").write_text(
        '# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\n\n# %%\n'
        "import matplotlib\nimport matplotlib.pyplot as plt\n"
        'assert "leftover" not in globals(), "variable leaked from the previous notebook"\n'
        'assert matplotlib.rcParams["lines.linewidth"] != 9.5, "matplotlib settings leaked"\n'
        'assert not plt.get_fignums(), "open figures leaked"\n'
    )
    monkeypatch.setattr(reporting.config, "NOTEBOOKS_DIR", nb)
    jobs = [reporting.Job(reporting.Study(n, f"{n}.py", n), n, n, ()) for n in ("dirty", "check", "dirty", "check")]
    edition = edition_in(tmp_path)
    produced, failed = reporting.run_jobs(jobs, edition, workers=1, progress=False)
    assert not failed, failed
    logs = edition.work / "_logs"
    dirty, check = (logs / "dirty.log").read_text(), (logs / "check.log").read_text()
    assert "dirty ran" in dirty and '"year": 2023' in dirty and "cellule" in dirty
    assert "notebook n° 4 sur ce noyau" in check  # one kernel for the four runs


def test_after_a_failure_the_next_notebook_gets_a_new_kernel(tmp_path, monkeypatch):
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "ok.py").write_text('# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\n\n# %%\nx = 1\n')
    (nb / "boom.py").write_text('# %% tags=["parameters"]\nyear = 1\noutput_dir = ""\n\n# %%\nraise ValueError("x")\n')
    monkeypatch.setattr(reporting.config, "NOTEBOOKS_DIR", nb)
    jobs = [reporting.Job(reporting.Study(n, f"{n}.py", n), n, n, ()) for n in ("boom", "ok")]
    edition = edition_in(tmp_path)
    produced, failed = reporting.run_jobs(jobs, edition, workers=1, progress=False)
    assert [j.name for j, _ in failed] == ["boom"]
    logs = edition.work / "_logs"
    assert "ÉCHEC" in (logs / "boom.log").read_text() and "ValueError" in (logs / "boom.log").read_text()
    assert "notebook n° 1 sur ce noyau" in (logs / "ok.log").read_text()


def test_a_fact_sheet_is_the_same_in_a_fresh_and_in_a_reused_kernel(demo_processed, tmp_path):
    processed, _ = demo_processed

    def sheet(code):
        params = (("zone", "desir"), ("territory", code), ("baseline_year", 2015), ("processed_dir", str(processed)))
        return reporting.Job(reporting.STUDIES["fiches"], f"fiches/fiche_{code}", f"Fiche {code}", params)

    fresh = reporting.render_job(sheet("BE323"), edition_in(tmp_path / "fresh")) / "fiches" / "fiche_BE323.html"
    fresh = fresh.read_bytes()
    warm_edition = edition_in(tmp_path / "warm")
    produced, failed = reporting.run_jobs([sheet("FRE11"), sheet("BE323")], warm_edition, workers=1, progress=False)
    assert not failed
    assert "notebook n° 2" in (warm_edition.work / "_logs" / "fiches__fiche_BE323.log").read_text()
    warm = (warm_edition.dir / "fiches" / "fiche_BE323.html").read_bytes()
    assert warm == fresh


def test_diagnostic_shift_share_adds_up_and_respects_secrecy(diagnostic):
    processed, edition, _ = diagnostic
    out = edition.dir
    from desir_analysis.publish import labels
    from desir_analysis.reference import classify
    from desir_analysis.reference import membership as perimeters

    t = pd.read_csv(out / "tables" / "ess_shift_share.csv")
    # the decomposition starts after the series breaks (CLAP -> Flores 2017, companies code 2020): 2020-2023
    assert [c for c in t.columns if c.startswith("Postes ")] == ["Postes 2020", "Postes 2023"]
    sectors = pd.read_csv(out / "tables" / "ess_secteur.csv")
    secret_sectors = set(map(tuple, sectors.loc[sectors["secret"].eq("s"), ["Pays", "Secteur"]].to_numpy()))
    jobs = {}
    for y in (2020, 2023):
        e = pd.read_parquet(processed / str(y) / "establishments.parquet")
        e = e[classify.in_zone(e, "desir") & perimeters.in_perimeter(e, "core_crossborder")]
        e = e.assign(Pays=e["country"].map(labels.COUNTRY_FR), Secteur=e["sector_group"].map(labels.sector_fr()))
        jobs[y] = e.groupby(["Pays", "Secteur"])["headcount"].sum()
        jobs[(y, "Ensemble")] = e.groupby("Pays")["headcount"].sum()
    parts = ["Effet national", "Effet de structure", "Effet local"]
    for _, r in t.iterrows():
        key = (r["Pays"], r["Secteur"])
        if r["Secteur"] == "Ensemble" and r["secret"] == "s":
            # the country's total is masked at one date: only a published date's value is printed, no effect
            for y in (2020, 2023):
                assert pd.isna(r[f"Postes {y}"]) or r[f"Postes {y}"] == jobs[(y, "Ensemble")][r["Pays"]]
            assert r[["Postes 2020", "Postes 2023"]].isna().any() and r[["Évolution", *parts]].isna().all()
        elif r["Secteur"] == "Ensemble":
            assert r["Postes 2020"] == jobs[(2020, "Ensemble")][r["Pays"]]
            assert r["Postes 2023"] == jobs[(2023, "Ensemble")][r["Pays"]]
            split = r[["Effet de structure", "Effet local"]].notna().all()
            rows = t[(t["Pays"] == r["Pays"]) & (t["Secteur"] != "Ensemble")]
            assert split == rows["secret"].isna().all()  # never split when a sector is masked
            # the public files round the components to whole jobs (rounding policy): they add up within 1
            assert abs(r["Effet national"] + r["Écart au rythme national (structure + local)"] - r["Évolution"]) <= 1
        elif pd.isna(r["secret"]):
            assert key not in secret_sectors
            assert r["Postes 2020"] == jobs[2020].get(key, 0) and r["Postes 2023"] == jobs[2023].get(key, 0)
            assert abs(r[parts].sum() - r["Évolution"]) <= 1.5  # three components rounded to whole jobs
            assert r["Évolution"] == r["Postes 2023"] - r["Postes 2020"]
        else:
            assert r[["Postes 2020", "Postes 2023", *parts]].isna().all() and pd.isna(r["Note"])
    masked = set(map(tuple, t.loc[t["secret"].eq("s"), ["Pays", "Secteur"]].to_numpy()))
    assert {k for k in secret_sectors if "Total" not in k} <= masked  # masked in the sector table: masked here


def test_a_fact_sheet_shows_the_same_statuses_as_the_diagnostic(diagnostic):
    processed, edition, _ = diagnostic
    out = edition.dir
    terr = pd.read_csv(out / "tables" / "ess_territoire_famille.csv")
    masked = terr[terr["secret"].eq("s") & (terr["Territoire"] != "Total")]
    assert len(masked), "the 1 % demo has masked territory x family cells"
    from desir_analysis.publish import labels

    name = masked["Territoire"].iloc[0]
    code = {v: k for k, v in labels.territory_fr().items()}[name]
    params = (("zone", "desir"), ("territory", code), ("baseline_year", 2015), ("processed_dir", str(processed)))
    job = reporting.Job(reporting.STUDIES["fiches"], f"fiches/fiche_{code}", f"Fiche {name}", params)
    assert reporting.run_jobs([job], edition, progress=False)[1] == []
    sheet = pd.read_csv(out / "tables" / f"fiche_{code.lower()}_familles.csv").set_index("Famille")["secret"]
    diag = terr[terr["Territoire"] == name].set_index("Famille")["secret"]
    assert sheet.fillna("").to_dict() == diag.fillna("").to_dict()


def test_the_shared_tables_are_safe_together(demo_processed):
    from desir_analysis.analysis import cells as zone_cells
    from desir_analysis.analysis import disclosure

    processed, _ = demo_processed
    est, series = zone_cells.zone_frames(2023, "desir", "core_crossborder", 2015, processed)
    cells = zone_cells.protect_all(est, series, 2023)
    scopes = zone_cells.scopes_of(2023, sorted(series))
    assert disclosure.audit_joint(list(cells.values()), [scopes[n] for n in cells]).empty
    # every territory's sector cells add up to the country cells of the diagnostic: a country x sector
    # cell masked in the diagnostic is never the sum of published territory cells
    t3 = cells["ess_jobs|country|nuts3|sector_group"]
    t2 = cells["ess_jobs|country|sector_group"].set_index(["country", "sector_group"])["status"]
    detail = t3[(t3["country"] != "Total") & (t3["nuts3"] != "Total") & (t3["sector_group"] != "Total")]
    for (pays, sect), grp in detail.groupby(["country", "sector_group"]):
        if t2[(pays, sect)] != "published":
            assert (grp["status"] != "published").any()


def test_public_files_carry_counts_as_integers_and_rounded_measures(tmp_path):
    from desir_analysis.publish.tables import Caption, publish

    t = pd.DataFrame(
        {
            "Pays": ["France", "Belgique"],
            "Postes": [172.0, 95.0],
            "Part (%)": [13.97094900366981, 86.02905099633019],
            "Rémunération brute par EQTP (FR) / ETP (BE) (€)": [31234.567, 29876.4],
            "Quotient de localisation": [1.23456, 0.98765],
            "status": ["published", "primary"],
        }
    )
    publish(t, "essai", Caption("T", "u", "s", "d", "z"), tmp_path, "essai", confidential=True)
    text = (tmp_path / "tables" / "essai.csv").read_text(encoding="utf-8")
    assert "172," in text and "172.0" not in text  # a count is an integer
    assert "13.97094900366981" not in text and "14.0" in text  # a share keeps 1 decimal
    assert "31235" in text and "1.23" in text and ",s," in text


def test_diagnostic_questionnaire_sections_withhold_thin_estimates_and_publish_no_weight(diagnostic):
    _, edition, html = diagnostic
    page = html.read_text(encoding="utf-8")
    assert "organisation et pratiques" in page and "Reconnaissance transfrontalière" in page
    tables = edition.dir / "tables"
    by_family = pd.read_csv(tables / "enquete_pratiques_famille.csv")
    withheld = 0
    for col in [c for c in by_family.columns if c.endswith(" : répondants")]:
        group = col.removesuffix(" : répondants")
        thin = by_family[col] < 20
        withheld += int(thin.sum())
        assert by_family.loc[thin, group].isna().all() and by_family.loc[~thin, group].notna().all(), group
        assert by_family.loc[thin, f"{group} : IC 95 % bas"].isna().all()
    assert withheld > 0 and "n &lt; 20" in page  # the demo has a thin family: the rule is exercised
    for name in ("enquete_methode", "enquete_pratiques_pays", "enquete_pratiques_famille"):
        assert not [c for c in pd.read_csv(tables / f"{name}.csv").columns if "poids" in c.lower()], name
    grid = pd.read_csv(tables / "reconnaissance_formes_principes.csv").set_index(["Indicateur", "Organisations"])
    total = (
        grid.loc[("Respecte les quatre principes", "Formes juridiques de l'ESS"), "Ensemble (%)"]
        + grid.loc[("Ne respecte pas au moins un principe", "Formes juridiques de l'ESS"), "Ensemble (%)"]
    )
    assert total == pytest.approx(100.0, abs=0.11)  # every grid answer is mandatory: met + failed = all
    low, high = (
        grid.loc[("Forme juridique et grille concordantes", "Toutes les organisations"), f"Ensemble : IC 95 % {b}"]
        for b in ("bas", "haut")
    )
    assert 0 <= low < high <= 100
