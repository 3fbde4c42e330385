"""Where independent units of work run: in this process, on local worker processes, or on a Dask cluster.

A region's councils, a scenario's councils and a backtest origin's councils are independent once
their seeds are drawn (one ``SeedSequence`` per run, a child of it per council, in the main
process), so *where* they run never changes the numbers. :func:`executor` hands the caller a
``concurrent.futures.Executor`` (or None: run them here, one after another):

* ``scheduler`` (``tcp://HOST:PORT``, or the ``CARECAST_SCHEDULER`` environment variable): a running
  Dask distributed cluster (``dask scheduler`` + ``dask worker`` on one or several machines, each
  with the same carecast installed); the units go to its workers through
  :meth:`distributed.Client.get_executor`, and the work counts as one slot per worker thread.
* else ``workers`` > 1: a local pool of that many spawned processes (spawn, not fork: forking a
  process that has run Polars can deadlock), each with BLAS on one thread.
* else None.

Dask is imported only when a scheduler is given (it costs ~0.5 s to import).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context

from carecast.errors import Location, ParameterError

SCHEDULER_VARIABLE = "CARECAST_SCHEDULER"
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
CONNECT_TIMEOUT_S = 20
Caught = list[tuple[type[Warning], str]]


@dataclass(frozen=True)
class Pool:
    """An executor and how many units it runs at once (to split work into that many groups)."""

    executor: Executor
    slots: int
    local: bool  # local processes: worth warming up while the main process reads the data


def scheduler_address(scheduler: str | None) -> str | None:
    """The Dask scheduler to use: the one given, else ``CARECAST_SCHEDULER``, else None.

    Checked before any work starts, so a typo fails in a second, not after the data has loaded."""
    address = scheduler or os.environ.get(SCHEDULER_VARIABLE) or None
    if address is None:
        return None
    address = address.strip()
    if "://" not in address or not address.split("://", 1)[1]:
        raise ParameterError(
            f"'{address}' is not a Dask scheduler address",
            where=Location(field="scheduler"),
            fix="give it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786 (what `dask scheduler` "
            "prints), or leave it out to run on this machine",
        )
    return address


@contextmanager
def recorded_warnings() -> Iterator[Caught]:
    """Record the warnings a unit of work raises (filled when the block ends), to be raised again
    by the caller with :func:`raise_again`: in a worker process the caller's filters do not apply."""
    out: Caught = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield out
    out.extend((w.category, str(w.message)) for w in caught)


def raise_again(caught: Caught, depth: int) -> None:
    """Raise caught warnings again, attributed to the code ``depth`` calls up (the run's caller)."""
    for category, message in caught:
        warnings.warn(message, category, stacklevel=depth + 1)


@contextmanager
def one_blas_thread_per_worker() -> Iterator[None]:
    """Workers started inside this block run BLAS on one thread.

    The workers already fill the cores; a BLAS thread pool in each of them only adds contention.
    Spawned workers read these variables when NumPy loads, so they are set while the pool starts
    and restored after.
    """
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    os.environ.update({name: "1" for name in BLAS_THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def executor(
    *, workers: int = 1, scheduler: str | None = None, units: int = 2
) -> Iterator[Pool | None]:
    """A pool for ``units`` independent units of work (see the module docstring); None: run here.

    ``scheduler`` wins over ``workers``: on a cluster the cluster's workers are the pool.
    """
    address = scheduler_address(scheduler)
    if units <= 1:  # one unit: sending it away only adds the transfer
        yield None
        return
    if address is not None:
        with _cluster(address) as pool:
            yield pool
        return
    if workers > 1 and units > 1:
        with one_blas_thread_per_worker():
            local = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
        with local:
            yield Pool(local, workers, local=True)
        return
    yield None


@contextmanager
def _cluster(address: str) -> Iterator[Pool]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a dependency of carecast
        raise ParameterError(
            "--scheduler needs Dask distributed, which is not installed",
            fix="pip install 'dask[distributed]', or leave --scheduler out",
        ) from exc
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ParameterError(
            f"no Dask scheduler answered at {address} within {CONNECT_TIMEOUT_S} s ({exc})",
            where=Location(field="scheduler"),
            fix="start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
            "check the address and firewall, or leave --scheduler out",
        ) from exc
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError as exc:
            raise ParameterError(
                f"the Dask scheduler at {address} has no workers",
                where=Location(field="scheduler"),
                fix=f"start workers with `dask worker {address} --nthreads 1`",
            ) from exc
        slots = sum(client.nthreads().values())
        # pure=False: every unit runs (two councils with equal inputs are still two councils)
        yield Pool(client.get_executor(pure=False), slots, local=False)
