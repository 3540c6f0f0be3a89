"""``datareach chokepoints``: the nodes on every possible path from an adversary to a class."""

from __future__ import annotations

import argparse
from typing import Any

from .explain import add_explain_options, explain_request, show

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..analysis import chokepoints

    model = explain_request(args)
    show(chokepoints(model, args.adversary, args.data_class, at=args.at), args, "(no chokepoint)")
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("chokepoints", help="the nodes on every possible path to a class")
    add_explain_options(parser)
    parser.set_defaults(run=_run)
