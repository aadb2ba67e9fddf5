"""Run the study notebooks with papermill and export them to self-contained HTML.

Notebooks are kept as jupytext percent scripts (``notebooks/*.py``), so diffs
stay readable. The runner converts one to ``.ipynb`` in the output folder,
checks the parameters against the notebook's ``parameters`` cell (papermill only
warns on unknown names), executes it with an explicit kernel, working directory
and time-outs, and exports HTML with the project's offline template (no code,
no request to any external host, a table of contents). Each study renders into a
staging folder and is moved into its edition's folder only when it succeeded
(:mod:`desir_analysis.publish.edition`); a failing notebook is kept under
``data/private/<year>/<edition>/_failed/`` and never exported, the last good render untouched;
every run writes a log (``data/private/<year>/<edition>/_logs/<name>.log``: parameters, kernel
output, cell timings).

Kernels are reused: each worker process keeps one kernel (:class:`WarmKernel`)
for all the notebooks it runs, so the ~1 s kernel start and the ~1.7 s import of
pandas/matplotlib/seaborn/statsmodels are paid once per worker, not once per fact
sheet. A hidden first cell empties the namespace (``%reset -f``), closes figures
and restores matplotlib's settings, so a notebook never sees its predecessor's
variables; a kernel that failed or timed out is discarded, never reused.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from desir_analysis import config
from desir_analysis.publish import grid_page
from desir_analysis.publish.edition import (
    Edition,
    editions,
    forget,
    pending_changes,
    promote,
    read_manifest,
    remove_stale,
)
from desir_analysis.publish.edition import (
    pages as edition_pages,
)

if TYPE_CHECKING:
    from desir_analysis.publish.warm_kernel import WarmKernel

# jupytext, nbformat, papermill and nbconvert (~1.5 s to import, jsonschema's format checkers
# included) are imported where a notebook is run or exported, never on a run with nothing to do.
KERNEL = "python3"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Study:
    """One study notebook and its title."""

    name: str
    notebook: str
    title: str


STUDIES: dict[str, Study] = {
    "fiches": Study("fiches", "fiche.py", "Fiche territoriale de l'ESS"),
    "diagnostic": Study("diagnostic", "diagnostic.py", "Diagnostic transfrontalier de l'économie sociale et solidaire"),
    "referentiel": Study("referentiel", "referentiel.py", "Définition commune de l'ESS : référentiels et périmètres"),
    "plan_services": Study(
        "plan_services", "plan_services.py", "Plan de développement des services à la personne et de proximité"
    ),
}


class ReportError(RuntimeError):
    """A study could not be produced."""


RESET_SOURCE = """\
# desir: the kernel is reused between notebooks; start from an empty namespace.
get_ipython().run_line_magic("reset", "-f")
import matplotlib as _mpl, matplotlib.pyplot as _plt
_plt.close("all")
if not hasattr(_mpl, "_desir_rc"):
    _mpl._desir_rc = _mpl.rcParams.copy()
_mpl.rcParams.update({k: v for k, v in _mpl._desir_rc.items() if k != "backend"})
del _mpl, _plt
"""


def to_ipynb(source: Path, target: Path) -> Path:
    """Convert a jupytext percent script to a notebook with the kernel set.

    A first cell tagged ``remove-cell`` (never exported) resets the kernel's state:
    see :data:`RESET_SOURCE` and :class:`WarmKernel`.
    """
    import jupytext
    import nbformat

    nb = jupytext.read(source)
    reset = nbformat.v4.new_code_cell(RESET_SOURCE)
    reset.metadata["tags"] = ["remove-cell", "desir-reset"]
    nb.cells.insert(0, reset)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    nb.metadata.setdefault("language_info", {"name": "python"})
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def check_parameters(notebook: Path, parameters: dict[str, object]) -> None:
    """Reject parameter names that the notebook's ``parameters`` cell does not declare."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    if not declared:
        raise ReportError(f"{notebook.name}: no cell tagged 'parameters'")
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ReportError(f"{notebook.name}: unknown parameter(s) {unknown}; declared: {sorted(declared)}")


def _cell_timings(path: Path) -> list[str]:
    """One line per executed code cell: duration (s) and first source line (from papermill's metadata)."""
    import nbformat

    if not path.exists():
        return []
    nb = nbformat.read(path, as_version=4)
    lines = []
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("papermill", {})
        if cell.cell_type == "code" and meta.get("duration") is not None:
            first = next((s for s in cell.source.splitlines() if s.strip()), "")[:70]
            lines.append(f"  cellule {i:3d} {meta['duration']:7.2f} s  {meta.get('status', '')}  {first}")
    return lines


def execute(
    notebook: Path,
    output: Path,
    parameters: dict[str, object],
    failed_dir: Path,
    kernel: WarmKernel | None = None,
    log_file: Path | None = None,
) -> Path:
    """Execute a notebook with papermill; on error keep it in ``failed_dir`` and raise.

    Args:
        notebook: input ``.ipynb``.
        output: executed notebook to write.
        parameters: checked against the ``parameters`` cell (unknown names are an error).
        failed_dir: where a failing notebook is kept.
        kernel: reuse this worker's kernel; ``None`` starts and stops a fresh one.
        log_file: log of the run (parameters, kernel stdout/stderr, cell timings, error).
    """
    import papermill

    from desir_analysis.publish.warm_kernel import ENGINE

    check_parameters(notebook, parameters)
    extra: dict[str, object] = {}
    if kernel is not None:
        extra = {"engine_name": ENGINE, "km": kernel.manager()}
    log_fh = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_fh = log_file.open("w", encoding="utf-8")
        log_fh.write(f"{dt.datetime.now().isoformat(timespec='seconds')} {notebook.name} -> {output.name}\n")
        log_fh.write(f"paramètres : {json.dumps(parameters, ensure_ascii=False, default=str)}\n")
        use = f"partagé, notebook n° {kernel.runs} sur ce noyau" if kernel else "dédié"
        log_fh.write(f"noyau : {use} (processus {os.getpid()})\n--- sorties\n")
        log_fh.flush()
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name=KERNEL,
            language="python",
            cwd=str(config.PROJ_ROOT),
            progress_bar=False,
            execution_timeout=1800,
            start_timeout=120,
            stdout_file=log_fh,
            stderr_file=log_fh,
            **extra,
        )
    except Exception as exc:  # papermill raises PapermillExecutionError and kernel errors
        if kernel is not None:
            kernel.close()  # never reuse a kernel in an unknown state
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = failed_dir / output.name
        if output.exists():
            output.replace(kept)
        if log_fh is not None:
            log_fh.write(f"--- ÉCHEC après {time.perf_counter() - start:.1f} s\n{exc}\n")
            log_fh.write("\n".join(_cell_timings(kept)) + "\n")
            log_fh.close()
        raise ReportError(f"{notebook.name} failed; executed notebook kept in {kept}: {exc}") from exc
    if log_fh is not None:
        log_fh.write(f"--- terminé en {time.perf_counter() - start:.1f} s\n")
        log_fh.write("\n".join(_cell_timings(output)) + "\n")
        log_fh.close()
    return output


def _template_dir() -> str:
    return str(resources.files("desir_analysis.publish").joinpath("templates"))


HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link"', re.S)


def add_toc(page: str) -> str:
    """Insert a table of contents (h2/h3 headings) after the first h1 of an exported page."""
    items = []
    for level, anchor, text in HEADING.findall(page):
        label = re.sub(r"<[^>]+>", "", text).strip()
        indent = "" if level == "2" else "style='margin-left:1.5em'"
        items.append(f"<li {indent}><a href='#{anchor}'>{html_lib.escape(html_lib.unescape(label))}</a></li>")
    if not items:
        return page
    toc = "<nav class='desir-toc'><b>Sommaire</b><ul>" + "".join(items) + "</ul></nav>"
    end_h1 = page.find("</h1>")
    if end_h1 < 0:
        return page.replace("<main>", "<main>" + toc, 1)
    return page[: end_h1 + 5] + toc + page[end_h1 + 5 :]


def export_html(notebook: Path, target: Path, title: str) -> Path:
    """Export an executed notebook to self-contained HTML without code cells."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["title"] = title
    for i, cell in enumerate(nb.cells):  # jupytext and papermill draw random ids: the page would differ each run
        cell.id = f"c{i}"
    exporter = HTMLExporter(extra_template_basedirs=[_template_dir()], template_name="desir")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    remover = TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, remove_all_outputs_tags={"hide-output"})
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    body = add_toc(body)
    external = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', body)
    if external:
        raise ReportError(f"{target.name}: the page would load {len(external)} resource(s) from another host")
    atomic_write_text(target, body)
    return target


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, config.readable_mode())  # mkstemp creates 0600: a web server could not serve the page
    os.replace(tmp, path)


@dataclass(frozen=True)
class Job:
    """One notebook run: a study, its output name (``diagnostic``, ``fiches/fiche_FRE11``…), title and parameters."""

    study: Study
    name: str
    title: str
    parameters: tuple[tuple[str, object], ...]


def _stem(job: Job) -> str:
    return job.name.replace("/", "__")


def render_job(job: Job, edition: Edition, kernel: WarmKernel | None = None) -> Path:
    """Run one job into its staging folder and export its HTML there; returns the staging folder.

    The notebook gets the staging folder as ``output_dir``; :func:`promote` moves the result
    into the edition. The log goes to ``data/private/<year>/<edition>/_logs/<name>.log``; ``kernel``
    reuses a worker's kernel (see :class:`WarmKernel`), ``None`` uses a fresh one.
    """
    import shutil

    stem = _stem(job)
    staging = edition.staging(stem)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    work = edition.work / "_notebooks"
    src = to_ipynb(config.NOTEBOOKS_DIR / job.study.notebook, work / f"{stem}.input.ipynb")
    params = {"year": edition.year, **dict(job.parameters), "output_dir": str(staging)}
    try:
        executed = execute(
            src,
            work / f"{stem}.ipynb",
            params,
            edition.work / "_failed",
            kernel,
            edition.work / "_logs" / f"{stem}.log",
        )
        export_html(executed, staging / f"{job.name}.html", f"{job.title} — {edition.year}")
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)  # nothing of a failed render is ever published
        raise
    finally:
        src.unlink(missing_ok=True)
    return staging


def render_study(study: Study, edition: Edition, parameters: dict[str, object]) -> Path:
    """Run one study for an edition and put it in place; returns its page."""
    job = Job(study, study.name, study.title, tuple(parameters.items()))
    promote(edition, _stem(job), render_job(job, edition), study=study.name, title=study.title)
    return edition.dir / f"{job.name}.html"


def package_fingerprint() -> str:
    """Hash of the code, templates and reference tables a study depends on (a change re-renders every study)."""
    from desir_analysis.build.cache_keys import code_fingerprint

    return code_fingerprint("report")


def job_key(job: Job, year: int, data_key: str, code_key: str) -> str:
    """Content key of a job: notebook source, parameters, code and processed data (:func:`build.fingerprint`)."""
    from desir_analysis.build.cache_keys import fingerprint

    notebook = config.NOTEBOOKS_DIR / job.study.notebook
    return fingerprint(year, job.name, job.title, list(job.parameters), code_key, data_key, files=[notebook])


_WORKER_KERNEL: WarmKernel | None = None


def _worker_kernel() -> WarmKernel:
    """This process's reused kernel, shut down when the process exits (pool workers included)."""
    global _WORKER_KERNEL
    if _WORKER_KERNEL is None or _WORKER_KERNEL.pid != os.getpid():  # a forked worker never inherits a kernel
        from multiprocessing import util

        from desir_analysis.publish.warm_kernel import WarmKernel

        _WORKER_KERNEL = WarmKernel()
        util.Finalize(_WORKER_KERNEL, _WORKER_KERNEL.close, exitpriority=10)
    return _WORKER_KERNEL


def _run_one(job: Job, edition: Edition) -> tuple[Job, Path | None, str]:
    for attempt in range(2):  # a kernel may fail to start when several start at once (papermill #511)
        try:
            return job, render_job(job, edition, _worker_kernel()), ""
        except ReportError as exc:
            message = str(exc)
            if (
                attempt == 0
                and ("Kernel" in message or "Address already in use" in message)
                and "PapermillExecutionError" not in message
            ):
                continue
            return job, None, message
    return job, None, "not run"


def _up_to_date(edition: Edition, job: Job, key: str) -> bool:
    """The job's last render had this key and every file it published is still there."""
    m = read_manifest(edition.manifest(_stem(job)))
    return bool(m) and m.get("key") == key and all((edition.dir / f).exists() for f in m.get("files", []))


class EditionChangeRefused(ReportError):
    """A render would change tables of a published edition and no revision was asked (``--force``)."""

    def __init__(self, edition: Edition, changes: list[dict], reason: str = ""):
        cells = sum(c.get("changed_cells") or 0 for c in changes)
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"{edition.dir}: cette édition est publiée et le nouveau calcul{why} changerait {len(changes)} "
            f"tableau(x) ({cells} cellule(s), ex. {changes[0]['table']}) ; relancez avec --force pour la réviser "
            "(une note de révision sera écrite dans l'édition)"
        )
        self.changes = changes


def run_jobs(
    jobs: list[Job],
    edition: Edition,
    workers: int = 1,
    progress: bool = True,
    data_key: str | None = None,
    changes: list[dict] | None = None,
    refuse_changes: bool = False,
    reason: str = "",
    sweep: bool = False,
) -> tuple[list[tuple[Job, Path]], list[tuple[Job, str]]]:
    """Run every job of an edition (``workers`` processes); a failing job does not stop the others.

    With ``data_key`` (a hash of the processed data), a job whose notebook, parameters,
    code and data are unchanged since its last successful render is skipped. The renders
    are staged; once all have run, the successful ones are put in place (:func:`promote`);
    a failed one leaves its last good render and is kept under
    ``data/private/<year>/<edition>/_failed/``.
    The files a job no longer produces (a table renamed) and those of the jobs of the studies
    run that are gone (a territory left the zone) are removed.

    Args:
        jobs: the notebooks to render.
        edition: the edition they belong to.
        workers: processes (each keeps one kernel).
        progress: show a progress bar.
        data_key: hash of the processed data (``None``: render everything).
        changes: receives every published table that the renders changed or removed (for the
            edition's revision note).
        refuse_changes: when a render would change a published table, promote nothing and
            raise :class:`EditionChangeRefused` (a published edition is revised only on request).
        reason: why the figures would change (new raw files, code version), for that message.
        sweep: the jobs are the whole edition: also delete the published files no study claims.

    Returns:
        The pages of the edition's jobs and the failures (job, message).
    """
    import shutil
    from concurrent.futures import ProcessPoolExecutor

    from tqdm.auto import tqdm

    produced, failed, staged = [], [], []
    code_key = package_fingerprint() if data_key is not None else ""
    keys = {job.name: job_key(job, edition.year, data_key, code_key) if data_key else "" for job in jobs}
    todo = [j for j in jobs if not (data_key and _up_to_date(edition, j, keys[j.name]))]
    produced += [(j, edition.dir / f"{j.name}.html") for j in jobs if j not in todo]
    if data_key is not None:
        print(f"[desir] {len(todo)} page(s) à rendre, {len(jobs) - len(todo)} à jour", flush=True)

    def settle(job: Job, staging: Path | None, err: str) -> None:
        (staged.append((job, staging)) if staging is not None else failed.append((job, err)))

    bar = tqdm(total=len(todo), desc="études", unit="notebook", disable=not progress)
    if not todo:
        pass  # nothing to run: no kernel, no notebook machinery imported
    elif workers <= 1 or len(todo) <= 1:
        try:
            for result in (_run_one(j, edition) for j in todo):
                settle(*result)
                bar.update()
        finally:
            _worker_kernel().close()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for result in pool.map(_run_one, todo, [edition] * len(todo)):
                settle(*result)
                bar.update()
    bar.close()
    pending = [c for _, staging in staged for c in pending_changes(edition, staging)]
    if pending and refuse_changes:
        for _, staging in staged:
            shutil.rmtree(staging, ignore_errors=True)
        raise EditionChangeRefused(edition, pending, reason)
    for job, staging in staged:
        promote(edition, _stem(job), staging, keys[job.name], study=job.study.name, title=job.title)
        produced.append((job, edition.dir / f"{job.name}.html"))
    shutil.rmtree(edition.work / "_staging", ignore_errors=True)  # every staged render is promoted or gone
    removed = forget(edition, {_stem(j) for j in jobs}, {j.study.name for j in jobs})
    if sweep:
        removed += remove_stale(edition)
    if changes is not None:
        changes += pending + [{"table": Path(f).name, "note": "retiré"} for f in removed if f.endswith(".csv")]
    return produced, failed


def _index_template(name: str):
    """A Jinja template of ``templates/index/`` (HTML autoescaped)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(_template_dir()) / "index"),
        autoescape=True,
        keep_trailing_newline=True,
    )
    return env.get_template(name)


def write_root_index(reports_dir: Path, entries: dict[str, str]) -> Path:
    """Write ``reports/index.html``: every edition with its zone, perimeter, mode, vintage, date and revisions."""
    rows = []
    for year, name, meta in editions(reports_dir):
        values = [str(meta.get(k, meta.get(k.removesuffix("_label"), ""))) for k in entries]
        rows.append({"year": year, "href": f"{year}/{name}/index.html", "cells": values})
    page = _index_template("root.html.j2").render(headings=list(entries.values()), editions=rows)
    target = reports_dir / "index.html"
    atomic_write_text(target, page)
    return target


def write_index(
    edition: Edition,
    produced: list[tuple[Job, Path]],
    notice: str = "",
    revisions: list[dict] | None = None,
    meta: dict | None = None,
) -> Path:
    """Write the edition's ``index.html``: what it is, its studies, fact sheets, published tables and revisions.

    The pages are those of ``produced`` and every other page of the edition made by an earlier
    run (``desir report --study …`` renders some studies and keeps the others).
    """
    out_dir = edition.dir
    tables = sorted(p.name for p in (out_dir / "tables").glob("*")) if (out_dir / "tables").exists() else []
    listed = dict(edition_pages(edition))
    listed.update({p.relative_to(out_dir).as_posix(): j.title for j, p in produced})
    main = [(href, title) for href, title in listed.items() if "/" not in href]
    tools = [{"href": grid_page.NAME, "title": grid_page.TITLE}] if (out_dir / grid_page.NAME).exists() else []
    sheets = sorted([(href, title) for href, title in listed.items() if "/" in href], key=lambda ht: ht[1])
    page = _index_template("edition.html.j2").render(
        year=edition.year,
        notice=notice,
        studies=[{"href": href, "title": title} for href, title in main],
        sheets=[{"href": href, "title": title} for href, title in sheets],
        tables=tables,
        tools=tools,
        revisions=revisions or [],
        meta=meta or {},
    )
    target = out_dir / "index.html"
    atomic_write_text(target, page)
    return target
