"""``ims-refresh runs``: the latest deployed executions (operator half)."""

from __future__ import annotations

import argparse

from ims_refresh.aws.inspect import list_runs
from ims_refresh.aws.targets import STATE_MACHINE_OUTPUTS
from ims_refresh.commands.options import (
    Subcommands,
    add_command,
    add_deployment_options,
    count,
    target_options,
)
from ims_refresh.exit_codes import ExitCode
from ims_refresh.saved_runs import list_local_runs
from training_refresh.registry import WORKFLOWS


def _runs(arguments: argparse.Namespace) -> ExitCode:
    if arguments.local:
        return list_local_runs(
            arguments.report_dir,
            workflow=arguments.workflow,
            last=arguments.last,
            as_json=arguments.json,
        )
    return list_runs(
        workflow=arguments.workflow,
        last=arguments.last,
        as_json=arguments.json,
        options=target_options(arguments),
    )


def register(commands: Subcommands) -> None:
    runs = add_command(
        commands,
        "runs",
        help="the latest executions in AWS and their outcome, newest first",
        examples=[
            "ims-refresh runs --stage prod",
            "ims-refresh runs --stage prod --workflow gold-load --last 1 --json",
            "ims-refresh runs --local --last 5",
        ],
    )
    runs.add_argument(
        "--workflow", choices=tuple(WORKFLOWS), help="only this workflow (default: both)"
    )
    runs.add_argument("--last", type=count, default=10, help="how many executions")
    runs.add_argument(
        "--local",
        action="store_true",
        help="the runs of this machine (run, demo), from the reports in --report-dir",
    )
    add_deployment_options(
        runs,
        machine_help=f"list this state machine only (default: the stack outputs "
        f"{', '.join(STATE_MACHINE_OUTPUTS.values())})",
    )
    runs.set_defaults(handler=_runs)
