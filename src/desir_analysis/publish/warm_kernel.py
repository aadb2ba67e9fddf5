"""The one adapter over papermill's internals: running successive notebooks on one warm kernel.

papermill has no public API to run a notebook on a kernel it did not start. This
module registers an engine (``desir-warm``) built on papermill's nbclient engine that
runs the cells on a kernel manager passed as ``km`` and closes only the client
channels, so the kernel survives the run. It uses, and only here:
``papermill.engines.NBClientEngine.execute_managed_notebook`` (its keyword
arguments), ``papermill.clientwrap.PapermillNotebookClient``,
``papermill.engines.papermill_engines.register`` and ``papermill.utils.remove_args``.
``tests/test_warm_kernel.py`` checks those names and signatures, so a papermill
release that changes them fails loudly there, not in a report.
"""

from __future__ import annotations

import logging
import os

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import remove_args

log = logging.getLogger(__name__)
KERNEL = "python3"
ENGINE = "desir-warm"
#: Keyword arguments of ``NBClientEngine.execute_managed_notebook`` the adapter relies on.
PAPERMILL_ARGUMENTS = (
    "nb_man",
    "kernel_name",
    "log_output",
    "stdout_file",
    "stderr_file",
    "start_timeout",
    "execution_timeout",
)


class _WarmEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel it does not own (the kernel survives the run)."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        """Run the cells on ``kwargs["km"]``, then close this run's client channels (not the kernel)."""
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        client = PapermillNotebookClient(
            nb_man,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logging.getLogger("papermill"),
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            # the kernel's own start-up warnings (« running over TCP without encryption ») are noise
            # for the user: only its errors reach the terminal; the notebook's output goes to its log
            extra_arguments=["--log-level=ERROR"],
            **kwargs,
        )
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, _WarmEngine)


class WarmKernel:
    """One kernel reused by the successive notebooks of a worker process.

    The kernel is started by the first notebook (in the project root) and shut
    down by :meth:`close` (called at the end of :func:`run_jobs` and when a worker
    process exits); after a failure it is discarded and the next notebook starts
    a fresh one.
    """

    def __init__(self) -> None:
        self.km: AsyncKernelManager | None = None
        self.runs = 0
        self.pid = os.getpid()

    def manager(self) -> AsyncKernelManager:
        """The kernel manager to run the next notebook on (started on first use)."""
        if self.km is None:
            self.km = AsyncKernelManager(kernel_name=KERNEL)
            self.runs = 0
        self.runs += 1
        return self.km

    def close(self) -> None:
        """Shut the kernel down (no-op when none is running)."""
        km, self.km = self.km, None
        if km is not None and km.has_kernel:
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception as exc:  # noqa: BLE001 - a kernel already gone is fine
                log.debug("kernel shutdown: %s", exc)
