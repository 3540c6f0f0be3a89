"""``datareach paths``: the k most likely access paths of one adversary to one class."""

from __future__ import annotations

import argparse
from typing import Any

from .explain import add_explain_options, explain_request, show

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..analysis import most_likely_paths

    model = explain_request(args)
    show(most_likely_paths(model, args.adversary, args.data_class, args.k, at=args.at), args, "(no possible path)")
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("paths", help="the k most likely access paths to a class")
    add_explain_options(parser)
    parser.add_argument("-k", type=int, default=5, metavar="K", help="how many paths (default 5)")
    parser.set_defaults(run=_run)
