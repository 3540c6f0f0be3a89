"""Run as a script by test_model_pickle.py, in a process of its own so that a crash fails
the test instead of killing pytest: change bytes of a Model pickle one at a time and check
what loading each does.

    python pickle_flips.py PICKLE_FILE POSITIONS_FILE

For every position and flip pattern: unpickling either raises (anything pickle itself
raises for broken framing; from datareach's ``__setstate__``, only ``ModelError``), or gives a valid Model that works: ``to_dict`` round trips, ``reach``
and an exact ``analyze`` raise nothing but ``ModelError``. Prints a JSON summary; its
``failures`` list is empty when every flip behaved.

The process runs with its address space limited (``ADDRESS_SPACE``): a changed length byte
can make pickle read on from the middle of a value, and an opcode met there may be
LONG_BINPUT with an index in the billions, for which CPython's unpickler sizes its memo
(tens of GiB) before anything else happens. Under the limit that allocation fails with
MemoryError, pickle's own refusal, instead of taking the machine's memory.
"""

from __future__ import annotations

import json
import pickle
import sys
import traceback
from pathlib import Path
from typing import Any

import datareach as dr

FLIPS = (0x01, 0x80, 0xFF)
ADDRESS_SPACE = 8 * 2**30


def _limit_address_space() -> None:
    try:
        import resource
    except ImportError:  # not on this platform: nothing to limit
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(ADDRESS_SPACE, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


# What the last __setstate__ raised other than ModelError (None: nothing).
setstate_error: str | None = None
_setstate = dr.Model.__setstate__


def _tracking_setstate(self: dr.Model, state: Any) -> None:
    global setstate_error
    try:
        _setstate(self, state)
    except dr.ModelError:
        raise
    except Exception as error:
        setstate_error = f"{type(error).__name__}: {str(error)[:200]}\n{traceback.format_exc()[-800:]}"
        raise


dr.Model.__setstate__ = _tracking_setstate  # type: ignore[method-assign]


def check_model(model: dr.Model) -> str | None:
    """Why a loaded model does not work, or None."""
    if not isinstance(model, dr.Model):
        return f"loaded a {type(model).__name__}, not a Model"
    try:
        if dr.Model.from_dict(model.to_dict()) != model:
            return "to_dict does not round trip"
    except dr.ModelError as error:
        return f"to_dict gives a mapping that does not load: {error}"
    for run in (lambda: dr.reach(model), lambda: dr.analyze(model, method="exact")):
        try:
            run()
        except dr.ModelError:
            pass  # a valid model may still be a bad request (no adversaries, too large)
    return None


def main(pickle_file: str, positions_file: str) -> None:
    global setstate_error
    _limit_address_space()
    data = Path(pickle_file).read_bytes()
    positions = json.loads(Path(positions_file).read_text())
    counts = {"loaded": 0, "refused by datareach": 0, "refused by pickle": 0}
    failures: list[str] = []
    for position in positions:
        for flip in FLIPS:
            changed = bytearray(data)
            changed[position] ^= flip
            setstate_error = None
            try:
                model = pickle.loads(bytes(changed))
            except dr.ModelError:
                counts["refused by datareach"] += 1
                continue
            except Exception:
                if setstate_error is not None:
                    failures.append(f"byte {position} ^ {flip:#x}: from __setstate__: {setstate_error}")
                else:
                    counts["refused by pickle"] += 1
                continue
            try:
                problem = check_model(model)
            except Exception as error:
                problem = f"{type(error).__name__}: {str(error)[:200]}\n{traceback.format_exc()[-800:]}"
            if problem is None:
                counts["loaded"] += 1
            else:
                failures.append(f"byte {position} ^ {flip:#x}: {problem}")
    print(json.dumps({"counts": counts, "failures": failures[:20], "failed": len(failures)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
