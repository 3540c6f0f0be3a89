"""``--scheduler ADDRESS`` and ``--tasks N``: the Dask cluster a command runs its work on,
one implementation for every command that takes it. ``sweep`` runs one plan per task on it;
``analyze`` and ``compare`` spread the worlds of one Monte Carlo run over it in ``--tasks``
tasks (docs/design.md §4) and print exactly the numbers of the serial run with the same seed.
An unreachable scheduler is an error naming ``--scheduler`` after
``SCHEDULER_CONNECT_TIMEOUT`` seconds; Dask missing is an error naming the extra to install."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

from ..errors import ModelError

__all__ = [
    "DASK_EXTRA",
    "SCHEDULER_CONNECT_TIMEOUT",
    "Scheduling",
    "add_scheduler_option",
    "connect",
    "scheduling",
]

# An unreachable scheduler fails after this many seconds (Dask's default waits 30 s).
SCHEDULER_CONNECT_TIMEOUT = 5
DASK_EXTRA = "pip install 'datareach[dask]'"


def add_scheduler_option(parser: argparse.ArgumentParser, *, default: str, tasks: bool = False) -> None:
    """``--scheduler ADDRESS`` (``default``: where the command runs without it); with
    ``tasks``, also ``--tasks N`` (the split of one run)."""
    parser.add_argument("--scheduler", metavar="ADDRESS", help=f"Dask scheduler address (default: {default})")
    if tasks:
        parser.add_argument(
            "--tasks",
            type=int,
            metavar="N",
            help="with --scheduler: tasks to split the run into (default: the cluster's worker threads)",
        )


def connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address`` (close it: use it as a context manager);
    one that cannot be reached within ``SCHEDULER_CONNECT_TIMEOUT`` seconds is an error
    naming the flag."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ModelError(f"a Dask scheduler needs dask.distributed: {DASK_EXTRA}", where="--scheduler") from None
    try:
        return Client(address, timeout=SCHEDULER_CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ModelError(
            f"cannot reach the Dask scheduler {address!r} within {SCHEDULER_CONNECT_TIMEOUT} s ({reason})",
            where="--scheduler",
        ) from None


@dataclasses.dataclass(frozen=True)
class Scheduling:
    """Where one analysis runs: in this process (no address) or spread over the scheduler at
    ``address`` in ``tasks`` tasks (None: the cluster's worker threads)."""

    address: str | None
    tasks: int | None

    @contextlib.contextmanager
    def keywords(self) -> Iterator[dict[str, Any]]:
        """The ``executor`` and ``tasks`` keywords of ``analyze`` or ``compare``: none for a
        run in this process, else a client of the scheduler, closed when the block ends."""
        if self.address is None:
            yield {}
            return
        with connect(self.address) as client:
            yield {"executor": client, "tasks": self.tasks}


def scheduling(args: argparse.Namespace) -> Scheduling:
    """The checked ``--scheduler`` and ``--tasks`` flags, before any file is read or any
    scheduler is contacted: ``--tasks`` needs ``--scheduler`` (without one it would silently
    do nothing) and is an integer from 1 to ``MAX_TASKS``."""
    from ..analysis._distributed import check_tasks

    if args.tasks is not None and args.scheduler is None:
        raise ModelError("splits a run over a Dask cluster; give --scheduler too", where="--tasks")
    try:
        check_tasks(args.tasks)
    except ModelError as error:
        raise ModelError(error.reason, where="--tasks") from None
    return Scheduling(args.scheduler, args.tasks)
