"""Run the study notebooks with papermill and export them to self-contained HTML.

Notebooks are kept as jupytext percent scripts (``notebooks/*.py``), so diffs
stay readable. The runner converts one to ``.ipynb`` in the output folder,
checks the parameters against the notebook's ``parameters`` cell (papermill only
warns on unknown names), executes it with an explicit kernel, working directory
and time-outs, and exports HTML with the project's offline template (no code,
no request to any external host, a table of contents). A failing notebook is
kept under ``reports/<year>/_failed/`` and never exported; every run writes a log
(``reports/<year>/_logs/<name>.log``: parameters, kernel output, cell timings).

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


def render_job(job: Job, year: int, reports_dir: Path | None = None, kernel: WarmKernel | None = None) -> Path:
    """Run one job for a year and export its HTML; returns the HTML path.

    The log of the run is written to ``reports/<year>/_logs/<name>.log``; ``kernel``
    reuses a worker's kernel (see :class:`WarmKernel`), ``None`` uses a fresh one.
    """
    out_dir = (reports_dir or config.REPORTS_DIR) / str(year)
    stem = job.name.replace("/", "__")
    work = out_dir / "_notebooks"
    src = to_ipynb(config.NOTEBOOKS_DIR / job.study.notebook, work / f"{stem}.input.ipynb")
    params = {"year": year, **dict(job.parameters), "output_dir": str(out_dir)}
    try:
        executed = execute(
            src, work / f"{stem}.ipynb", params, out_dir / "_failed", kernel, out_dir / "_logs" / f"{stem}.log"
        )
    finally:
        src.unlink(missing_ok=True)
    return export_html(executed, out_dir / f"{job.name}.html", f"{job.title} — {year}")


def render_study(study: Study, year: int, parameters: dict[str, object], reports_dir: Path | None = None) -> Path:
    """Run one study for a year and export its HTML; returns the HTML path."""
    return render_job(Job(study, study.name, study.title, tuple(parameters.items())), year, reports_dir)


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


def _run_one(job: Job, year: int, reports_dir: Path | None) -> tuple[Job, Path | None, str]:
    for attempt in range(2):  # a kernel may fail to start when several start at once (papermill #511)
        try:
            return job, render_job(job, year, reports_dir, _worker_kernel()), ""
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


def run_jobs(
    jobs: list[Job],
    year: int,
    reports_dir: Path | None = None,
    workers: int = 1,
    progress: bool = True,
    data_key: str | None = None,
) -> tuple[list[tuple[Job, Path]], list[tuple[Job, str]]]:
    """Run every job (``workers`` processes); a failing job does not stop the others.

    With ``data_key`` (a hash of the processed data), a job whose notebook, parameters,
    code and data are unchanged since its last successful run is skipped (its HTML is
    kept). Returns the produced HTML files and the failures (job, message); failed
    notebooks are kept under ``reports/<year>/_failed/``.
    """
    from concurrent.futures import ProcessPoolExecutor

    from tqdm.auto import tqdm

    produced, failed = [], []
    out_dir = (reports_dir or config.REPORTS_DIR) / str(year)
    keys: dict[str, str] = {}
    if data_key is not None:
        code_key = package_fingerprint()
        todo = []
        for job in jobs:
            keys[job.name] = job_key(job, year, data_key, code_key)
            stamp = out_dir / "_keys" / (job.name.replace("/", "__") + ".txt")
            html = out_dir / f"{job.name}.html"
            if html.exists() and stamp.exists() and stamp.read_text() == keys[job.name]:
                produced.append((job, html))
            else:
                todo.append(job)
        jobs = todo
    bar = tqdm(total=len(jobs), desc="études", unit="notebook", disable=not progress)
    if not jobs:
        pass  # nothing to run: no kernel, no notebook machinery imported
    elif workers <= 1 or len(jobs) <= 1:
        try:
            for job, path, err in (_run_one(j, year, reports_dir) for j in jobs):
                (produced.append((job, path)) if path else failed.append((job, err)))
                bar.update()
        finally:
            _worker_kernel().close()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for job, path, err in pool.map(_run_one, jobs, [year] * len(jobs), [reports_dir] * len(jobs)):
                (produced.append((job, path)) if path else failed.append((job, err)))
                bar.update()
    bar.close()
    for job, _ in produced:
        if job.name in keys:
            stamp = out_dir / "_keys" / (job.name.replace("/", "__") + ".txt")
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(keys[job.name])
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
    """Write ``reports/index.html``: every edition with its date, data vintage, perimeter and code version."""
    editions = []
    for year_dir in sorted((p for p in reports_dir.iterdir() if p.is_dir() and p.name.isdigit()), reverse=True):
        meta_file = year_dir / "edition.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        values = [str(meta.get(k, meta.get(k.removesuffix("_label"), ""))) for k in entries]
        editions.append({"year": year_dir.name, "href": f"{year_dir.name}/index.html", "cells": values})
    page = _index_template("root.html.j2").render(headings=list(entries.values()), editions=editions)
    target = reports_dir / "index.html"
    atomic_write_text(target, page)
    return target


def write_index(out_dir: Path, year: int, produced: list[tuple[Job, Path]], notice: str = "") -> Path:
    """Write ``reports/<year>/index.html`` listing the studies, fact sheets and published tables."""
    tables = sorted(p.name for p in (out_dir / "tables").glob("*")) if (out_dir / "tables").exists() else []
    main = [(j, p) for j, p in produced if "/" not in j.name]
    sheets = sorted([(j, p) for j, p in produced if "/" in j.name], key=lambda jp: jp[0].title)
    page = _index_template("edition.html.j2").render(
        year=year,
        notice=notice,
        studies=[{"href": p.relative_to(out_dir).as_posix(), "title": j.title} for j, p in main],
        sheets=[{"href": p.relative_to(out_dir).as_posix(), "title": j.title} for j, p in sheets],
        tables=tables,
    )
    target = out_dir / "index.html"
    atomic_write_text(target, page)
    return target
