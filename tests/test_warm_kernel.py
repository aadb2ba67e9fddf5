"""The warm-kernel adapter depends on papermill internals: fail here, loudly, if papermill changes them."""

from __future__ import annotations

import inspect

import papermill
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from desir_analysis.publish import warm_kernel


def test_papermill_still_has_the_execute_managed_notebook_we_override():
    params = inspect.signature(NBClientEngine.execute_managed_notebook).parameters
    missing = [p for p in warm_kernel.PAPERMILL_ARGUMENTS if p not in params]
    assert not missing, (
        f"papermill {papermill.__version__} changed NBClientEngine.execute_managed_notebook: {missing} are gone; "
        "update desir_analysis/publish/warm_kernel.py"
    )


def test_the_client_still_takes_a_kernel_manager_and_has_kc():
    from nbclient import NotebookClient

    assert "nb_man" in inspect.signature(PapermillNotebookClient.__init__).parameters
    assert issubclass(PapermillNotebookClient, NotebookClient)
    # the adapter hands the warm kernel's manager as km= and closes only client.kc's channels
    assert "km" in inspect.signature(NotebookClient.__init__).parameters
    assert "self.kc" in inspect.getsource(NotebookClient)


def test_the_engine_is_registered_under_its_name():
    assert papermill_engines.get_engine(warm_kernel.ENGINE) is warm_kernel._WarmEngine
    assert issubclass(warm_kernel._WarmEngine, NBClientEngine)
