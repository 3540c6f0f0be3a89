"""Many what-if variants of one base model, on any concurrent.futures executor or a Dask
cluster, with results identical to a serial run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import ModelError
from .exposure import _check_int, fresh_seed

if TYPE_CHECKING:
    from .model import Model

__all__ = ["sweep"]


def _evaluate_variant(base: Model, name: str, changes: list[dict], options: dict[str, Any]) -> pd.DataFrame:
    """One task: apply the changes to the base and compare on the shared seed. Runs on a
    worker; the base arrives once per worker (scattered) and the changes as plain dicts."""
    from .changes import from_dicts
    from .comparison import compare

    variant = base.apply(from_dicts(changes))
    comparison = compare(base, variant, names=[name], **options)
    table = comparison.table
    table.insert(1, "changes", len(changes))
    table["method"] = comparison.method
    table["samples"] = comparison.samples
    return table


def _is_dask_client(executor: Any) -> bool:
    return all(hasattr(executor, attr) for attr in ("scatter", "gather", "submit"))


def sweep(
    base: Model,
    variants: Mapping[str, Sequence[Any]],
    executor: Any = None,
    *,
    adversaries: str | Iterable[str] | None = None,
    method: str = "auto",
    samples: int = 20_000,
    tolerance: float | None = None,
    seed: int | None = None,
    at: Any = None,
    threads: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Compare every variant (name → list of changes) with ``base``; one DataFrame.

    ``executor``: None (serial), any ``concurrent.futures.Executor``, or a
    ``dask.distributed.Client`` (the base model is scattered to the workers once). Every
    variant is compared on the same ``seed`` (chosen and recorded in the ``seed`` attribute
    of the result's ``attrs`` when not given), so the table is identical whatever runs it.
    Rows: variant, number of changes, adversary, class, base and variant values, the
    difference with its interval, expected records and risk (see ``Comparison.table``).
    ``threads`` is per variant; it defaults to 1 under an executor (the executor provides
    the parallelism) and to all cores in a serial run.
    """
    from .changes import to_dicts

    if not isinstance(variants, Mapping) or not variants:
        raise ModelError("expected a non-empty mapping of variant name to a list of changes", where="variants")
    tasks = []
    for name, changes in variants.items():
        if not isinstance(name, str):
            raise ModelError(f"a variant name must be a string, got {name!r}", where="variants")
        if not isinstance(changes, (list, tuple)):
            raise ModelError(f"expected a list of changes, got {type(changes).__name__}", where=f"variants[{name!r}]")
        base.apply(changes)  # validate here, so a bad plan fails before any work is shipped
        tasks.append((name, to_dicts(changes)))
    seed = fresh_seed() if seed is None else _check_int(seed, "seed", 0)
    if threads is None and executor is not None:
        threads = 1
    options = {"adversaries": adversaries, "method": method, "samples": samples, "tolerance": tolerance,
               "seed": seed, "at": at, "threads": threads}

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), unit="variant")
    try:
        if executor is None:
            tables = []
            for name, changes in tasks:
                tables.append(_evaluate_variant(base, name, changes, options))
                if bar is not None:
                    bar.update()
        elif _is_dask_client(executor):
            from dask.distributed import as_completed

            shared = executor.scatter(base, broadcast=True)
            futures = [executor.submit(_evaluate_variant, shared, name, changes, options, pure=False) for name, changes in tasks]
            if bar is not None:
                for _ in as_completed(futures):
                    bar.update()
            tables = executor.gather(futures)
        else:
            from concurrent.futures import as_completed as futures_completed

            futures = [executor.submit(_evaluate_variant, base, name, changes, options) for name, changes in tasks]
            if bar is not None:
                for _ in futures_completed(futures):
                    bar.update()
            tables = [future.result() for future in futures]
    finally:
        if bar is not None:
            bar.close()
    table = pd.concat(tables, ignore_index=True)
    table.attrs["seed"] = seed
    return table
