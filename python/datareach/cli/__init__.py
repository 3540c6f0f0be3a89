"""The ``datareach`` command: run the embedded example, check and analyse scenario files,
write a spreadsheet template to fill in.

``datareach check`` exits 1 when a policy rule does not hold (0 when every rule holds).

Every failure caused by the input (a bad file, an unknown id, a malformed date) ends with
exit code 2 and one line on stderr naming the entry and field. Every ``--json`` prints the
same shape: the result's ``to_dict()`` (analysis, model, provenance, tables), as strict JSON.

Like any Unix tool: a reader that stops early (``datareach demo | head -2``) ends the command
quietly with exit code 141 (128 + SIGPIPE, what a shell reports for a tool killed by the
closed pipe, so ``set -o pipefail`` still sees that the output was cut short); Ctrl-C ends it
with one line and exit code 130 (128 + SIGINT). A tolerance not met prints one warning line.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

from ..errors import ModelError
from ..results import ToleranceNotMet, library_version
from . import (
    analyze,
    check,
    chokepoints,
    cut,
    demo,
    importance,
    paths,
    reach,
    reduce,
    report,
    template,
    timeline,
    tornado,
    uncertainty,
    validate,
    whatif,
)
from .output import add_file_options

__all__ = ["EXIT_BAD_INPUT", "EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "main"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE, which Windows' signal module does not define


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datareach", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--version", action="version", version=f"datareach {library_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in (
        demo,
        reach,
        analyze,
        whatif,
        validate,
        paths,
        importance,
        cut,
        reduce,
        chokepoints,
        tornado,
        uncertainty,
        check,
        template,
        timeline,
        report,
    ):
        command.register(commands)
    for name, command_parser in commands.choices.items():
        if name not in ("demo", "template"):  # every other command reads the user's files
            add_file_options(command_parser)
    return parser


def _warning_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A warning as one line on stderr, without the Python source location."""
    print(f"datareach: warning: {message}", file=sys.stderr)


def _quiet_stdout() -> None:
    """Point stdout at devnull: the reader is gone, and flushing what is left at exit would
    raise the broken pipe a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in-process)
        pass
    finally:
        os.close(devnull)


def _run(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("always", ToleranceNotMet)
        warnings.showwarning = _warning_line
        code: int = args.run(args)
    sys.stdout.flush()  # a broken pipe surfaces here, inside the handler, not at exit
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ModelError, OSError) as error:
        if isinstance(error, BrokenPipeError):
            _quiet_stdout()
            return EXIT_BROKEN_PIPE
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"datareach: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("datareach: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
