"""The enterprises' self-assessment page, driven in headless Chromium and checked against ``evaluate``."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import tempfile

import pytest

from conftest import chromium
from desir_analysis import recognition, reference
from desir_analysis.publish import grid_page

#: Answers of a number question that cover its branches: below the threshold (decimal comma), at it, missing.
NUMBER_ANSWERS = ("49,9", "50", None)


def combinations() -> list[dict[str, object]]:
    """Every combination of answers: each modality of each choice, the number's branches, and no answer."""
    items = reference.recognition_items().sort_values("order")
    options = {
        i.item: [m.split("=", 1)[0] for m in i.modalities.split("|")] + [None] if i.type == "choice" else NUMBER_ANSWERS
        for i in items.itertuples(index=False)
    }
    return [dict(zip(options, combo, strict=True)) for combo in itertools.product(*options.values())]


HARNESS = """<!DOCTYPE html><html><body><pre id="out">pending</pre>
<iframe id="f" src="grille_reconnaissance.html" width="1000" height="800"></iframe>
<script>
const COMBOS = %s;
document.getElementById('f').addEventListener('load', () => {
  const d = document.getElementById('f').contentDocument;
  const form = d.getElementById('questions');
  const out = [];
  for (const combo of COMBOS) {
    form.reset();
    for (const [item, value] of Object.entries(combo)) {
      if (value === null) continue;
      const radio = d.getElementById('q-' + item + '-' + value);
      if (radio) { radio.click(); } else { const box = d.getElementById('q-' + item); box.value = value;
        box.dispatchEvent(new Event('input', {bubbles: true})); }
    }
    form.dispatchEvent(new Event('change'));
    const row = {};
    for (const el of d.querySelectorAll('#results .principle')) {
      row[el.id.slice(4)] = [el.dataset.status, Array.from(el.querySelectorAll('li')).map(li => li.textContent).join(' ; ')];
    }
    row.overall = d.getElementById('verdict').dataset.status;
    out.push(row);
  }
  document.getElementById('out').textContent = JSON.stringify(out);
});
</script></body></html>"""


def drive(page_dir, combos: list[dict]) -> list[dict]:
    """Fill the page's form with each combination in Chromium and read every principle's status and reasons."""
    harness = page_dir / "harness.html"
    harness.write_text(HARNESS % json.dumps(combos), encoding="utf-8")
    profile = tempfile.mkdtemp()
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--allow-file-access-from-files",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=60000",
        "--dump-dom",
        harness.resolve().as_uri(),
    ]
    try:
        dom = subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    start, end = dom.index('<pre id="out">') + len('<pre id="out">'), dom.index("</pre>")
    import html

    return json.loads(html.unescape(dom[start:end]))


@pytest.fixture(scope="module")
def page_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    page = grid_page.write(folder)
    combos = combinations()
    return page, combos, drive(folder, combos)


def test_the_page_agrees_with_evaluate_on_every_combination(page_results):
    _, combos, seen = page_results
    assert len(seen) == len(combos) == 4 * 3 * 3 * 4 * 3 * 3 * 4  # every modality + no answer, number branches
    overall_seen = set()
    for answers, row in zip(combos, seen, strict=True):
        expected = recognition.evaluate(answers)
        for r in expected.itertuples(index=False):
            assert row[r.principle] == [r.status, r.reasons], (answers, r.principle)
        want = (
            "met"
            if recognition.recognised(expected)
            else "not_met"
            if (expected["status"] == "not_met").any()
            else "not_evidenced"
        )
        assert row["overall"] == want, answers
        overall_seen.add(want)
    assert overall_seen == {"met", "not_met", "not_evidenced"}  # every branch of the verdict was driven


def test_every_branch_of_every_principle_is_driven(page_results):
    _, _, seen = page_results
    principles = reference.recognition_grid()["principle"].unique()
    for p in principles:
        assert {row[p][0] for row in seen} == {"met", "not_met", "not_evidenced"}, p


def test_the_page_is_self_contained(page_results):
    page, _, _ = page_results
    text = page.read_text(encoding="utf-8")
    assert "<script src" not in text and "<link" not in text and "http" not in text.split("<script>", 1)[1]
    # the grid is the reference data, not a copy typed into the page
    for c in reference.recognition_grid().itertuples(index=False):
        assert json.dumps(c.failed_fr, ensure_ascii=False)[1:-1] in text
