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


def _status(arguments: argparse.Namespace) -> ExitCode:
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
        ],
    )
    status.add_argument("execution", help="execution ARN, or execution name")
    add_waiting_options(status, "a running execution")
    add_deployment_options(status, machine_help="the state machine an execution name belongs to")
    status.set_defaults(handler=_status)
