"""``ims-refresh start gold-load|reset``: start a workflow deployed in AWS (operator half)."""

from __future__ import annotations

import argparse

from ims_refresh.aws.settings import DeploymentEnvName
from ims_refresh.aws.start import start_gold_load, start_gold_remove, start_gold_undo, start_reset
from ims_refresh.aws.start_restore import start_restore
from ims_refresh.aws.waiting import Waiting
from ims_refresh.commands.options import (
    Subcommands,
    add_command,
    add_deployment_options,
    add_waiting_options,
    allow_empty_option,
    state_machine_help,
    target_options,
)
from ims_refresh.exit_codes import ExitCode
from ims_refresh.restore_customers import add_restore_options, check_restore_arguments


def waiting(arguments: argparse.Namespace) -> Waiting:
    return Waiting(
        wait=arguments.wait, timeout=arguments.timeout, poll_seconds=arguments.poll_seconds
    )


def _gold_load(arguments: argparse.Namespace) -> ExitCode:
    return start_gold_load(
        scenarios=arguments.scenarios,
        as_of=arguments.as_of,
        tables=arguments.tables,
        dry_run=arguments.dry_run,
        waiting=waiting(arguments),
        options=target_options(arguments),
    )


def _reset(arguments: argparse.Namespace) -> ExitCode:
    if check_restore_arguments(arguments):
        return start_restore(
            customers=arguments.customers,
            scenarios=arguments.scenarios,
            waiting=waiting(arguments),
            options=target_options(arguments),
        )
    return start_reset(
        tables=arguments.tables,
        allow_empty=arguments.allow_empty,
        waiting=waiting(arguments),
        options=target_options(arguments),
    )


def _gold_undo(arguments: argparse.Namespace) -> ExitCode:
    return start_gold_undo(waiting=waiting(arguments), options=target_options(arguments))


def _gold_remove(arguments: argparse.Namespace) -> ExitCode:
    return start_gold_remove(
        scenarios=arguments.scenarios,
        waiting=waiting(arguments),
        options=target_options(arguments),
    )


def _scenario_uploads(parser: argparse.ArgumentParser) -> None:
    uploads = parser.add_argument_group("where a local scenario file is uploaded")
    uploads.add_argument(
        "--scenario-bucket",
        help=f"the scenario bucket (default: the stack output, "
        f"${DeploymentEnvName.SCENARIO_BUCKET})",
    )
    uploads.add_argument(
        "--scenario-prefix",
        help=f"the key prefix the workflows may read (default: the stack output, "
        f"${DeploymentEnvName.SCENARIO_PREFIX})",
    )


def register(commands: Subcommands) -> None:
    start = add_command(
        commands,
        "start",
        help="start a workflow deployed in AWS (for Automic)",
        examples=[
            "ims-refresh start gold-load --stage prod --scenarios spring.csv "
            "--as-of 2025-03-31 --wait",
            "ims-refresh start reset --stage prod --wait --timeout 3600",
        ],
    )
    workflows = start.add_subparsers(dest="workflow", required=True, metavar="WORKFLOW")
    gold = add_command(
        workflows,
        "gold-load",
        help="start a gold load; a local scenario file is uploaded first",
        examples=[
            "ims-refresh start gold-load --stage prod --scenarios spring.csv "
            "--as-of 2025-03-31 --dry-run --wait",
            "ims-refresh start gold-load --stage prod --scenarios "
            "s3://BUCKET/ims-training/spring.csv --as-of 2025-03-31 --tables customer --wait",
        ],
    )
    gold.add_argument(
        "--scenarios", required=True, help="scenario CSV: a local file or s3://bucket/key"
    )
    gold.add_argument("--as-of", required=True, help="as-of date, YYYY-MM-DD (UTC, not future)")
    gold.add_argument(
        "--tables", help="comma-separated table configs (default: every enabled config)"
    )
    gold.add_argument(
        "--dry-run",
        action="store_true",
        help="preview: customers found / missing and rows per table, nothing written",
    )
    add_waiting_options(gold, "the gold load")
    add_deployment_options(gold, machine_help=state_machine_help("gold-load"))
    _scenario_uploads(gold)
    gold.set_defaults(handler=_gold_load)

    reset = add_command(
        workflows,
        "reset",
        help="start a reset of the training tables",
        examples=[
            "ims-refresh start reset --stage prod --wait",
            "ims-refresh start reset --stage prod --tables IMS_ORDER,IMS_AUTH --wait",
            "ims-refresh start reset --stage prod --customers 100234,100871 --wait",
        ],
    )
    reset.add_argument(
        "--tables", help="comma-separated training tables (default: every enabled table)"
    )
    allow_empty_option(reset)
    add_restore_options(
        reset, "restore only the customers of this scenario CSV: a local file or s3://bucket/key"
    )
    add_waiting_options(reset, "the reset")
    add_deployment_options(reset, machine_help=state_machine_help("reset"))
    _scenario_uploads(reset)
    reset.set_defaults(handler=_reset)

    undo = add_command(
        workflows,
        "gold-undo",
        help="start an undo of the last gold-changing run",
        examples=["ims-refresh start gold-undo --stage prod --wait"],
    )
    add_waiting_options(undo, "the undo")
    add_deployment_options(undo, machine_help=state_machine_help("gold-undo"))
    undo.set_defaults(handler=_gold_undo)

    remove = add_command(
        workflows,
        "gold-remove",
        help="start a removal of customers from the gold copies; a local file is uploaded first",
        examples=["ims-refresh start gold-remove --stage prod --scenarios retired.csv --wait"],
    )
    remove.add_argument(
        "--scenarios", required=True, help="scenario CSV: a local file or s3://bucket/key"
    )
    add_waiting_options(remove, "the removal")
    add_deployment_options(remove, machine_help=state_machine_help("gold-remove"))
    _scenario_uploads(remove)
    remove.set_defaults(handler=_gold_remove)
