"""The ``datareach`` command: run the embedded example, check and analyse scenario files.

Every failure caused by the input (a bad file, an unknown id, a malformed date) ends with
exit code 2 and one line on stderr naming the entry and field. Every ``--json`` prints the
same shape: the result's ``to_dict()`` (analysis, model, provenance, tables).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import ModelError
from . import analyze, chokepoints, cut, demo, paths, reach, validate, whatif

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datareach", description=(__doc__ or "").splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for command in (demo, reach, analyze, whatif, validate, paths, cut, chokepoints):
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except (ModelError, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"datareach: error: {message}", file=sys.stderr)
        return 2
