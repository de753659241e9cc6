"""``ims-refresh gold history``: what the gold copies held, state by state (local half:
it reads the local training database)."""

from __future__ import annotations

import argparse

from ims_refresh.commands.options import Subcommands, add_command
from ims_refresh.exit_codes import ExitCode


def _history(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.gold_ops_command import gold_history

    return gold_history()


def register(commands: Subcommands) -> None:
    gold = add_command(
        commands,
        "gold",
        help="what the gold copies hold: the kept states (history)",
        examples=["ims-refresh gold history", "ims-refresh gold history --json"],
    )
    views = gold.add_subparsers(dest="view", required=True, metavar="VIEW")
    history = add_command(
        views,
        "history",
        help="the kept gold states, newest first: run, when, what changed, what undo restores",
        examples=["ims-refresh gold history", "ims-refresh gold history --json"],
    )
    history.set_defaults(handler=_history)
