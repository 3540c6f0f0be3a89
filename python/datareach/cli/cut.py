"""``datareach cut``: the cheapest set of explicit arcs to revoke so that an adversary can no
longer possibly reach a class."""

from __future__ import annotations

import argparse
from typing import Any

from .explain import add_explain_options, explain_request, show

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..analysis import cheapest_cut

    model = explain_request(args)
    cut = cheapest_cut(model, args.adversary, args.data_class, at=args.at)
    empty = (
        "(no finite cut: rule arcs or uncuttable arcs lead there)"
        if cut.reachable
        else "(not reachable: nothing to cut)"
    )
    show(cut, args, empty)
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("cut", help="the cheapest arcs to revoke so a class is not possibly reachable")
    add_explain_options(parser)
    parser.set_defaults(run=_run)
