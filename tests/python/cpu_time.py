"""How much work a step of a test did, as the CPU time of this process (every thread of it).

A test that must catch runaway work (an alias bomb expanded, a walk over every character of
a long text, a run that ignores Ctrl-C) bounds this rather than wall-clock time: what other
processes do on a loaded machine stretches the wall clock (an alias-bomb test bounded at
0.5 s of wall-clock time, about 0.07 s of work, took up to 1.1 s under a load of 4-9 on two
cores) but not the CPU time the step itself spends, so the bound can sit far from both the
step's real cost and the runaway's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator

__all__ = ["Used", "cpu_time"]


@dataclasses.dataclass
class Used:
    """The CPU seconds a ``cpu_time`` block spent; set when the block ends."""

    seconds: float = 0.0


@contextlib.contextmanager
def cpu_time() -> Iterator[Used]:
    """The CPU time of this process over the block, also when the block raises."""
    used = Used()
    started = time.process_time()
    try:
        yield used
    finally:
        used.seconds = time.process_time() - started
