"""``ims-refresh status EXECUTION``: one deployed execution (operator half)."""

from __future__ import annotations

import argparse

from ims_refresh.aws.inspect import show_status
from ims_refresh.commands.options import (
    Subcommands,
    add_command,
    add_deployment_options,
    add_waiting_options,
    target_options,
)
from ims_refresh.commands.start import waiting
from ims_refresh.exit_codes import ExitCode
from ims_refresh.saved_runs import local_report_path, show_local_status


def _status(arguments: argparse.Namespace) -> ExitCode:
    if arguments.local or local_report_path(arguments.report_dir, arguments.execution):
        return show_local_status(arguments.report_dir, arguments.execution, as_json=arguments.json)
    return show_status(
        arguments.execution,
        as_json=arguments.json,
        waiting=waiting(arguments),
        options=target_options(arguments),
    )


def register(commands: Subcommands) -> None:
    status = add_command(
        commands,
        "status",
        help="state, progress and run report of one execution in AWS",
        examples=[
            "ims-refresh status gold-load-20250401T063002-418201 --stage prod",
            "ims-refresh status arn:aws:states:us-east-1:111111111111:execution:"
            "prod-ImsTrainingReset:reset-20250401T063002-418201 --wait",
            "ims-refresh status gold-load-20261206T030613-619031 --local",
        ],
    )
    status.add_argument(
        "execution",
        help="execution ARN, or execution name (a local run's id: its report in --report-dir "
        "is shown)",
    )
    status.add_argument(
        "--local",
        action="store_true",
        help="a run of this machine: read its report from --report-dir, not AWS",
    )
    add_waiting_options(status, "a running execution")
    add_deployment_options(status, machine_help="the state machine an execution name belongs to")
    status.set_defaults(handler=_status)
