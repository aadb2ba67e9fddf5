"""The enterprises' self-assessment page: ``grille_reconnaissance.html``, generated from the grid's data.

The page is self-contained (no network: its style and small script are inline) and carries the same
reference tables as :func:`desir_analysis.recognition.evaluate` (``reference/recognition_items.csv`` and
``recognition_grid.csv``, embedded as JSON). An organisation answers the questions; each principle is
shown met, not met or not evidenced with its reasons and legal source, by the rule of
:mod:`desir_analysis.analysis.recognition`:

- a criterion ``in`` holds when the answer's code is one of the listed codes; ``ge`` when the number
  (decimal comma accepted) is at least the threshold; a missing answer proves nothing;
- a principle is not met as soon as one answered criterion fails, not evidenced when none fails but
  an answer is missing, met otherwise; the organisation meets the common definition when every
  principle is met.

A test drives the page in headless Chromium and compares it with :func:`evaluate` on every combination.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path

from desir_analysis import reference
from desir_analysis.analysis.recognition import STATUS_FR, principles

NAME = "grille_reconnaissance.html"
TITLE = "Grille commune de reconnaissance de l'économie sociale — auto-évaluation"


def page_data() -> dict:
    """The questions and the principles as the page's script reads them (the grid as :func:`evaluate` reads it)."""
    items = reference.recognition_items().sort_values("order")
    questions = [
        {
            "item": i.item,
            "type": i.type,
            "label": i.label_fr,
            "modalities": list(reference.modalities(i.modalities).items()) if i.type == "choice" else [],
        }
        for i in items.itertuples(index=False)
    ]
    grid = [
        {
            "principle": principle,
            "label": label,
            "source": sources,
            "criteria": [
                {
                    "item": c["item"],
                    "test": c["test"],
                    "value": c["value"],
                    "met": c["met_fr"],
                    "failed": c["failed_fr"],
                }
                for c in criteria
            ],
        }
        for principle, label, sources, criteria in principles()
    ]
    return {"questions": questions, "principles": grid, "status": STATUS_FR}


def _asset(name: str) -> str:
    """A file of ``templates/grid/`` (the page's style and script, inlined)."""
    return resources.files("desir_analysis.publish").joinpath("templates", "grid", name).read_text(encoding="utf-8")


def render() -> str:
    """The page's HTML (French), the grid embedded as JSON, style and script inline."""
    data = json.dumps(page_data(), ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(TITLE)}</title>
<style>{_asset("grille.css")}</style>
</head>
<body>
<h1>{html.escape(TITLE)}</h1>
<p>Répondez aux questions : chaque principe de l'économie sociale s'affiche <b>respecté</b>, <b>non respecté</b>
ou <b>non établi</b> (réponse manquante), avec ses raisons et sa source. Les principes sont ceux du décret wallon
du 20 novembre 2008 ; la loi française du 31 juillet 2014 en pose de proches (but autre que le partage des
bénéfices, gouvernance démocratique, bénéfices majoritairement consacrés à l'activité, réserves impartageables).
Cette auto-évaluation n'est pas un agrément : elle ne remplace ni l'agrément du Conseil national de la coopération
ni l'inscription au registre. Vos réponses restent dans votre navigateur (la page ne se connecte à rien).</p>
<div class="cols">
<form id="questions" onsubmit="return false">
<button type="button" id="clear-answers">Effacer les réponses</button></form>
<div><h2>Résultat</h2><div id="verdict"></div><div id="results"></div></div>
</div>
<script type="application/json" id="grid-data">{data}</script>
<script>{_asset("grille.js")}</script>
</body>
</html>
"""


def write(out_dir: Path) -> Path:
    """Write the page into an edition's folder (atomically: a reader never sees half a page); returns its path."""
    from desir_analysis.publish.runner import atomic_write_text

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / NAME
    page = render()
    if not target.exists() or target.read_text(encoding="utf-8") != page:  # unchanged: left as is (same date)
        atomic_write_text(target, page)
    return target


__all__ = ["NAME", "TITLE", "page_data", "render", "write"]
