"""``ims-refresh gold history|list``: what the gold copies hold. ``history`` reads the local
training database; ``list`` reads the local catalog, or with ``--stage`` the deployed
stage's catalog file in S3."""

from __future__ import annotations

import argparse

from ims_refresh.aws.targets import TargetOptions
from ims_refresh.commands.options import Subcommands, add_command
from ims_refresh.exit_codes import ExitCode


def _history(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.gold_ops_command import gold_history

    return gold_history()


def _list(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.gold_list_command import gold_list

    deployed = arguments.stage or arguments.reports_bucket
    options = (
        TargetOptions(
            stage=arguments.stage, reports_bucket=arguments.reports_bucket, region=arguments.region
        )
        if deployed
        else None
    )
    return gold_list(customers=arguments.customers, options=options)


def register(commands: Subcommands) -> None:
    gold = add_command(
        commands,
        "gold",
        help="what the gold copies hold: the kept states (history), the customers (list)",
        examples=[
            "ims-refresh gold list",
            "ims-refresh gold list --stage prod --customers 100234,100235",
            "ims-refresh gold history --json",
        ],
    )
    views = gold.add_subparsers(dest="view", required=True, metavar="VIEW")
    history = add_command(
        views,
        "history",
        help="the kept gold states, newest first: run, when, what changed, what undo restores",
        examples=["ims-refresh gold history", "ims-refresh gold history --json"],
    )
    history.set_defaults(handler=_history)
    listing = add_command(
        views,
        "list",
        help="the gold catalog: per customer first and last loaded, as-of date, run, "
        "scenario file, label",
        examples=[
            "ims-refresh gold list",
            "ims-refresh gold list --customers 100234,100235 --json",
            "ims-refresh gold list --stage prod",
        ],
    )
    listing.add_argument(
        "--customers", help="only these customer numbers (comma-separated)", metavar="N,N,..."
    )
    deployment = listing.add_argument_group(
        "deployment",
        "with --stage or --reports-bucket: read the stage's catalog file gold/catalog.json "
        "in its reports bucket (S3 read access only); without: the local training database",
    )
    deployment.add_argument("--stage", help="dev, qa, prod ...")
    deployment.add_argument(
        "--reports-bucket", help="the reports bucket (default: the stage's stack output)"
    )
    deployment.add_argument("--region", help="AWS region (default: the AWS configuration)")
    listing.set_defaults(handler=_list)
