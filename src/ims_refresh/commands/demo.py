"""``ims-refresh demo``: the whole job on the local default databases (local half)."""

from __future__ import annotations

import argparse

from ims_refresh.checks import writable_report_dir
from ims_refresh.commands.options import Subcommands, add_command, count
from ims_refresh.exit_codes import ExitCode


def _demo(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.demo import run_demo

    writable_report_dir(arguments.report_dir)
    return run_demo(arguments.customers, arguments.scenario_customers, arguments.report_dir)


def register(commands: Subcommands) -> None:
    demo = add_command(
        commands,
        "demo",
        help="seed a synthetic warehouse, gold-load a sample scenario, reset (local)",
        examples=[
            "ims-refresh demo",
            "ims-refresh demo --customers 20000 --scenario-customers 500",
        ],
    )
    demo.add_argument(
        "--customers", type=count, default=5_000, help="customers in the synthetic warehouse"
    )
    demo.add_argument(
        "--scenario-customers", type=count, default=250, help="customers in the sample scenario"
    )
    demo.set_defaults(handler=_demo)
