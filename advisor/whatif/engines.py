"""Where many independent solves run: in this process, a local process pool, or Dask.

``engine="local"`` (default) uses a process pool of ``workers`` processes (default: the CPU
count; no configuration). ``engine="inline"`` runs in this process (debugging, tiny runs).
``engine="dask"`` submits to a ``dask.distributed`` scheduler: pass its address
(``scheduler="tcp://10.0.0.5:8786"``) or a ``distributed.Client``; without one a
``LocalCluster`` is started for the run. Every engine returns results in task order and
runs the same function on the same inputs, so results are identical across engines.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from advisor.errors import AdvisorError

ENGINES = ("local", "inline", "dask")


class EngineError(AdvisorError):
    """The requested engine cannot run (unknown name, Dask missing, scheduler unreachable)."""

    exit_code = 2


def run_tasks(
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    engine: str = "local",
    scheduler: Any = None,
    workers: int | None = None,
    progress: bool | str = True,
    desc: str = "solving",
) -> list[Any]:
    """``[fn(t) for t in tasks]`` on the chosen engine, with a progress bar."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine '{engine}'; use one of {', '.join(ENGINES)}")
    n = len(tasks)
    bar = _bar(progress, n, desc)
    try:
        if engine == "dask":
            return _dask(fn, tasks, scheduler, bar, workers)
        procs = min(workers or os.cpu_count() or 1, n)
        if engine == "inline" or procs <= 1:
            out = []
            for t in tasks:
                out.append(fn(t))
                bar.update(1)
            return out
        return _pool(fn, tasks, procs, bar)
    finally:
        bar.close()


def _pool(fn, tasks, procs: int, bar) -> list[Any]:
    # spawn, not fork: a parent that already ran HiGHS holds its worker threads, and a forked
    # child would deadlock on them. Spawned workers re-import the caller's main module, so a
    # *script* must call sweeps under ``if __name__ == "__main__":`` (notebooks need nothing).
    ctx = multiprocessing.get_context("spawn")
    results: list[Any] = [None] * len(tasks)
    try:
        with ProcessPoolExecutor(max_workers=procs, mp_context=ctx) as pool:
            futures = {pool.submit(fn, t): i for i, t in enumerate(tasks)}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                bar.update(1)
    except BrokenProcessPool:
        raise EngineError(
            "a worker process of the local pool died. If you run a Python script, call sweeps "
            'under `if __name__ == "__main__":` (Python\'s rule for process pools), or use '
            "engine='inline'"
        ) from None
    return results


def _dask(fn, tasks, scheduler, bar, workers: int | None = None) -> list[Any]:
    """Run on ``scheduler``, or on a local cluster of ``workers`` single-threaded worker
    processes (default: Dask's own choice) started and closed here."""
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise EngineError(
            "engine='dask' needs dask.distributed: pip install 'advisor[dask]'"
        ) from None
    own_cluster = None
    if scheduler is None:
        size = {"n_workers": workers, "threads_per_worker": 1} if workers else {}
        own_cluster = LocalCluster(processes=True, dashboard_address=":0", **size)
        client = Client(own_cluster)
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise EngineError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}; "
                "start one with `dask scheduler` and `dask worker ADDRESS`"
            ) from None
    try:
        futures = client.map(fn, list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(tasks)
        for fut in dask_completed(futures):
            results[index[fut.key]] = fut.result()
            bar.update(1)
        return results
    finally:
        if client is not scheduler:
            client.close()
        if own_cluster is not None:
            own_cluster.close()


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(progress: bool | str, total: int, desc: str):
    """tqdm's notebook widget in Jupyter when ipywidgets is there, else a terminal bar."""
    if not progress or total <= 1:
        return _NoBar()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit="solve", leave=False)
