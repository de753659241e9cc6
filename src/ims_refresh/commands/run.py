"""``ims-refresh run WORKFLOW``: execute a state machine on this machine (local half).

The implementation (moto, psycopg: the ``[local]`` extra) is imported by the handlers,
when a local run starts; see the package docstring.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from ims_refresh.checks import writable_report_dir
from ims_refresh.commands.options import (
    Subcommands,
    add_command,
    allow_empty_option,
    positive_seconds,
)
from ims_refresh.exit_codes import ExitCode
from ims_refresh.restore_customers import add_restore_options, check_restore_arguments

DEFAULT_TIMEOUT_SECONDS: Final = 3600.0


def _gold_load(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.gold_load_command import run_gold_load

    writable_report_dir(arguments.report_dir)
    return run_gold_load(
        scenarios=arguments.scenarios,
        as_of=arguments.as_of,
        tables=arguments.tables,
        report_dir=arguments.report_dir,
        timeout=arguments.timeout,
        dry_run=arguments.dry_run,
    )


def _reset(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.reset_command import run_reset
    from ims_refresh.restore_command import run_restore

    writable_report_dir(arguments.report_dir)
    if check_restore_arguments(arguments):
        return run_restore(
            customers=arguments.customers,
            scenarios=None if arguments.scenarios is None else Path(arguments.scenarios),
            report_dir=arguments.report_dir,
            timeout=arguments.timeout,
        )
    return run_reset(
        tables=arguments.tables,
        report_dir=arguments.report_dir,
        timeout=arguments.timeout,
        allow_empty=arguments.allow_empty,
    )


def _reset_stage(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.reset_command import run_reset_stage

    writable_report_dir(arguments.report_dir)
    return run_reset_stage(report_dir=arguments.report_dir, timeout=arguments.timeout)


def _gold_undo(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.gold_ops_command import run_gold_undo

    writable_report_dir(arguments.report_dir)
    return run_gold_undo(report_dir=arguments.report_dir, timeout=arguments.timeout)


def _gold_remove(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.gold_ops_command import run_gold_remove

    writable_report_dir(arguments.report_dir)
    return run_gold_remove(
        scenarios=arguments.scenarios, report_dir=arguments.report_dir, timeout=arguments.timeout
    )


def _timeout_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        help="seconds the local execution may take before it is stopped (exit code 3)",
    )


def register(commands: Subcommands) -> None:
    run = add_command(
        commands,
        "run",
        help="execute a state machine locally (needs the [local] extra)",
        examples=[
            "ims-refresh run gold-load --scenarios spring.csv --as-of 2025-03-31",
            "ims-refresh run reset",
        ],
    )
    workflows = run.add_subparsers(dest="workflow", required=True, metavar="WORKFLOW")
    gold = add_command(
        workflows,
        "gold-load",
        help="load scenario customers into the gold copies",
        examples=[
            "ims-refresh run gold-load --scenarios spring.csv --as-of 2025-03-31",
            "ims-refresh run gold-load --scenarios spring.csv --as-of 2025-03-31 "
            "--tables customer,cus_email --dry-run",
        ],
    )
    gold.add_argument("--scenarios", required=True, type=Path, help="scenario CSV file")
    gold.add_argument("--as-of", required=True, help="as-of date, YYYY-MM-DD (UTC, not future)")
    gold.add_argument(
        "--tables", help="comma-separated table configs (default: every enabled config)"
    )
    _timeout_option(gold)
    gold.add_argument(
        "--dry-run",
        action="store_true",
        help="preview: customers found / missing and rows per table, nothing written",
    )
    gold.set_defaults(handler=_gold_load)

    reset = add_command(
        workflows,
        "reset",
        help="copy every gold copy into its training table, all swapped in at once; or "
        "restore some customers only",
        examples=[
            "ims-refresh run reset",
            "ims-refresh run reset --tables IMS_ORDER,IMS_AUTH",
            "ims-refresh run reset --customers 100234,100871",
        ],
    )
    reset.add_argument(
        "--tables", help="comma-separated training tables (default: every enabled table)"
    )
    _timeout_option(reset)
    allow_empty_option(reset)
    add_restore_options(reset, "restore only the customers of this scenario CSV file")
    reset.set_defaults(handler=_reset)

    stage = add_command(
        workflows,
        "reset-stage",
        help="build the next reset's copies of the published gold state now, so that reset "
        "is only its RENAME",
        examples=["ims-refresh run reset-stage"],
    )
    _timeout_option(stage)
    stage.set_defaults(handler=_reset_stage)

    undo = add_command(
        workflows,
        "gold-undo",
        help="put the gold copies back to the state before the last gold-changing run",
        examples=["ims-refresh run gold-undo", "ims-refresh run gold-undo --json"],
    )
    _timeout_option(undo)
    undo.set_defaults(handler=_gold_undo)

    remove = add_command(
        workflows,
        "gold-remove",
        help="remove the customers of a scenario file from every gold copy",
        examples=["ims-refresh run gold-remove --scenarios retired.csv"],
    )
    remove.add_argument(
        "--scenarios", required=True, type=Path, help="scenario CSV naming the customers"
    )
    _timeout_option(remove)
    remove.set_defaults(handler=_gold_remove)
