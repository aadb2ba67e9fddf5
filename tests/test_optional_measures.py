"""A measure the source lacks is « non disponible » in the study, never a crash: each optional column of the
employment extracts is removed in turn (from both countries' files) and the diagnostic and the plan are rendered."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import edition_in
from desir_analysis import build
from desir_analysis.publish import runner

OPTIONAL = ["etp", "remuneration_brute", "femmes", "temps_partiel"]


@pytest.mark.parametrize("column", OPTIONAL)
def test_a_missing_optional_measure_is_not_available_never_a_crash(column, demo_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    for p in [*(raw / "fr" / "employment").glob("*.csv"), *(raw / "be" / "employment").glob("*.csv")]:
        pd.read_csv(p, dtype=str, keep_default_na=False).drop(columns=column).to_csv(p, index=False)
    processed = tmp_path / "processed"
    build.build([2022, 2023], raw_dir=raw, out_dir=processed, workers=1)
    est = pd.read_parquet(processed / "2023" / "establishments.parquet")
    measure = {"etp": "fte", "remuneration_brute": "payroll_eur", "femmes": "women", "temps_partiel": "part_time"}
    assert est[measure[column]].isna().all()  # absent, not zero
    edition = edition_in(tmp_path)
    params = {"zone": "desir", "first_year": 2022, "processed_dir": str(processed)}
    jobs = [
        runner.Job(runner.STUDIES[name], name, name, tuple(params.items())) for name in ("diagnostic", "plan_services")
    ]
    produced, failed = runner.run_jobs(jobs, edition, progress=False)
    assert failed == [], failed[0][1][-3000:] if failed else ""
    page = (edition.dir / "diagnostic.html").read_text(encoding="utf-8")
    assert "non disponible" in page


def test_job_quality_by_hand_with_a_measure_one_country_lacks():
    from desir_analysis.analysis import zone

    rows = []
    for i, (h, w, pt, fte, pay) in enumerate(
        [(10, 6, 2, 8.0, 200.0), (20, 10, 5, 18.0, 500.0), (30, 20, 9, 25.0, 700.0)]
    ):
        rows.append(
            {
                "country": "FR",
                "establishment_id": f"F{i}",
                "headcount": h,
                "women": w,
                "part_time": pt,
                "fte": fte,
                "payroll_eur": pay,
            }
        )
        rows.append(
            {
                "country": "BE",
                "establishment_id": f"B{i}",
                "headcount": h,
                "women": None,
                "part_time": pt,
                "fte": fte,
                "payroll_eur": pay,
            }
        )
    q = zone.job_quality_by_country(pd.DataFrame(rows)).set_index("country")
    assert q.loc["FR", "Part des femmes (%)"] == pytest.approx(100 * 36 / 60)
    assert q.loc["BE", "Part des femmes (%)"] == "non disponible"
    assert q.loc["BE", "Part du temps partiel (%)"] == pytest.approx(100 * 16 / 60)
    assert q.loc["FR", "Rémunération brute par EQTP (FR) / ETP (BE) (€)"] == pytest.approx(1400 / 51)
    assert set(q["status"]) == {"published"}
