"""What datareach accepts as an executor (docs/design.md §4, §5): None (serial), any
``concurrent.futures.Executor``, or a Dask ``distributed.Client``; how it is named in
provenance, how many workers it offers, and how tasks run on it — every result gathered as
it finishes, the outstanding tasks cancelled when the caller stops (a progress callback
asking to stop, an error), and a task's failure reported as a ``ModelError``."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Sequence
from typing import Any

from ..errors import ModelError, quote
from ..options import shown

__all__ = ["check_executor", "executor_kind", "is_dask_client", "results_as_completed", "ship", "worker_count"]


def is_dask_client(executor: Any) -> bool:
    """Whether ``executor`` behaves as a Dask ``distributed.Client`` (duck-typed: Dask is an
    optional dependency, never imported to ask)."""
    return all(hasattr(executor, attr) for attr in ("scatter", "gather", "submit"))


def check_executor(executor: Any) -> None:
    """A ModelError at ``executor`` unless it is None, an executor or a Dask Client."""
    from concurrent.futures import Executor

    if executor is not None and not isinstance(executor, Executor) and not is_dask_client(executor):
        raise ModelError(
            f"expected None, a concurrent.futures executor or a Dask Client, got {shown(executor)}", where="executor"
        )


def executor_kind(executor: Any) -> str:
    """How provenance names an executor: ``"dask"`` for a Dask Client, else its class name
    (``"ProcessPoolExecutor"``)."""
    return "dask" if is_dask_client(executor) else type(executor).__name__


def worker_count(executor: Any) -> int:
    """How many tasks the executor runs at once: a Dask cluster's worker threads now, a
    standard pool's ``max_workers``, else the machine's cores."""
    if is_dask_client(executor):
        try:
            threads = sum(int(n) for n in executor.nthreads().values())
        except Exception as error:  # a closed client, an unreachable scheduler
            raise _failure(error) from error
        return max(1, threads)
    workers = getattr(executor, "_max_workers", None)  # ThreadPool-, ProcessPoolExecutor
    return workers if isinstance(workers, int) and workers > 0 else os.cpu_count() or 1


def ship(executor: Any, value: Any) -> Any:
    """``value`` as the tasks should receive it: on a Dask cluster scattered to every worker
    once (the tasks receive a future, which Dask resolves), for any other executor the value
    itself (pickled with each task: a model pickles compactly)."""
    if not is_dask_client(executor):
        return value
    try:
        # A key of its own (hash=False): a key derived from the content would be shared with
        # an earlier run of the same model, whose release could lose the data of this one.
        return executor.scatter(value, broadcast=True, hash=False)
    except Exception as error:
        raise _failure(error) from error


def results_as_completed(
    executor: Any, function: Callable[..., Any], calls: Sequence[tuple[Any, ...]]
) -> Generator[Any, None, None]:
    """``function(*call)`` for every call, run on ``executor``, yielded as each finishes (in
    no set order). When the consumer stops early (an exception in its loop, a generator
    closed: use ``contextlib.closing``) the calls not yet finished are cancelled. A call's exception is re-raised as it
    is when it is a ``ModelError`` (the request is wrong), else as a ``ModelError`` at
    ``executor`` naming its type (a worker died, the executor was shut down ...)."""
    if is_dask_client(executor):
        yield from _dask_results(executor, function, calls)
        return
    from concurrent.futures import as_completed

    try:
        futures = [executor.submit(function, *call) for call in calls]
    except Exception as error:  # a pool already shut down, a broken pool
        raise _failure(error) from error
    try:
        for future in as_completed(futures):
            yield _result(future)
    finally:
        for future in futures:
            future.cancel()


def _dask_results(
    client: Any, function: Callable[..., Any], calls: Sequence[tuple[Any, ...]]
) -> Generator[Any, None, None]:
    from dask.distributed import as_completed

    try:
        futures = [client.submit(function, *call, pure=False) for call in calls]
    except Exception as error:
        raise _failure(error) from error
    try:
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            yield _result(future)
    finally:
        client.cancel(futures)


def _result(future: Any) -> Any:
    try:
        return future.result()
    except ModelError:
        raise
    except Exception as error:
        raise _failure(error) from error


def _failure(error: BaseException) -> ModelError:
    text = str(error)
    detail = f": {quote(text)}" if text else ""
    return ModelError(f"a task failed with {type(error).__name__}{detail}", where="executor")
