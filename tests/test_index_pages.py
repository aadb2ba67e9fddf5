"""The index pages (Jinja templates): every study and table linked, text escaped, nothing external."""

from __future__ import annotations

import json
import re

from conftest import edition_in
from desir_analysis.publish import runner


def test_edition_index_lists_studies_sheets_and_tables_escaped(tmp_path):
    edition = edition_in(tmp_path)
    out = edition.dir
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "ess_famille.csv").write_text("x\n")
    study = runner.Study("d", "d.py", "D")
    produced = [
        (runner.Job(study, "diagnostic", "Diagnostic <ESS> & co", ()), out / "diagnostic.html"),
        (runner.Job(study, "fiches/fiche_FRE11", "Fiche — Nord", ()), out / "fiches" / "fiche_FRE11.html"),
    ]
    page = runner.write_index(edition, produced, notice="données de démonstration").read_text(encoding="utf-8")
    assert "Diagnostic &lt;ESS&gt; &amp; co" in page and "<ESS>" not in page
    assert 'href="fiches/fiche_FRE11.html"' in page and 'href="tables/ess_famille.csv"' in page
    assert "données de démonstration" in page
    assert not re.search(r'(src|href)="https?://', page)


def test_root_index_lists_editions_newest_first(tmp_path):
    for year in (2022, 2023):
        for zone in ("desir", "interreg_fwvl"):
            folder = edition_in(tmp_path, zone, year=year).dir
            folder.mkdir(parents=True)
            (folder / "edition.json").write_text(json.dumps({"date": f"{year}-12-01", "zone_label": f"zone <{zone}>"}))
    root = tmp_path / "r"
    page = runner.write_root_index(root, {"date": "Produite le", "zone_label": "Zone"}).read_text(encoding="utf-8")
    assert page.index("Édition 2023") < page.index("Édition 2022")
    assert page.count("Édition 2023") == 2 and "2023/interreg_fwvl-core_crossborder-employment/index.html" in page
    assert "zone &lt;desir&gt;" in page and "<th>Zone</th>" in page
