"""The index pages (Jinja templates): every study and table linked, text escaped, nothing external."""

from __future__ import annotations

import json
import re

from desir_analysis.publish import runner


def test_edition_index_lists_studies_sheets_and_tables_escaped(tmp_path):
    out = tmp_path / "2023"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "ess_famille.csv").write_text("x\n")
    study = runner.Study("d", "d.py", "D")
    produced = [
        (runner.Job(study, "diagnostic", "Diagnostic <ESS> & co", ()), out / "diagnostic.html"),
        (runner.Job(study, "fiches/fiche_FRE11", "Fiche — Nord", ()), out / "fiches" / "fiche_FRE11.html"),
    ]
    page = runner.write_index(out, 2023, produced, notice="données de démonstration").read_text(encoding="utf-8")
    assert "Diagnostic &lt;ESS&gt; &amp; co" in page and "<ESS>" not in page
    assert 'href="fiches/fiche_FRE11.html"' in page and 'href="tables/ess_famille.csv"' in page
    assert "données de démonstration" in page
    assert not re.search(r'(src|href)="https?://', page)


def test_root_index_lists_editions_newest_first(tmp_path):
    for year in (2022, 2023):
        (tmp_path / str(year)).mkdir()
        (tmp_path / str(year) / "edition.json").write_text(
            json.dumps({"date": f"{year}-12-01", "zone_label": "zone <A>"})
        )
    page = runner.write_root_index(tmp_path, {"date": "Produite le", "zone_label": "Zone"}).read_text(encoding="utf-8")
    assert page.index("Édition 2023") < page.index("Édition 2022")
    assert "zone &lt;A&gt;" in page and "<th>Zone</th>" in page
