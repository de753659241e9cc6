"""``ims-refresh seed-warehouse``: rebuild the local synthetic warehouse (local half)."""

from __future__ import annotations

import argparse

from ims_refresh.commands.options import Subcommands, add_command, count, whole_number
from ims_refresh.exit_codes import ExitCode


def _seed(arguments: argparse.Namespace) -> ExitCode:
    from ims_refresh.demo import seed_local_warehouse

    return seed_local_warehouse(arguments.customers, arguments.profile, arguments.seed)


def register(commands: Subcommands) -> None:
    seed = add_command(
        commands,
        "seed-warehouse",
        help="rebuild the local synthetic warehouse (for demos and benchmarks)",
        examples=[
            "ims-refresh seed-warehouse --customers 5000",
            "ims-refresh seed-warehouse --customers 50000 --profile bench --seed 7",
        ],
    )
    seed.add_argument("--customers", type=count, default=5_000, help="customers to generate")
    seed.add_argument(
        "--profile",
        choices=["demo", "bench"],
        default="demo",
        help="demo: about 30 rows per customer; bench: about 110, mostly orders and auths",
    )
    seed.add_argument(
        "--seed",
        type=whole_number,
        default=None,
        help="random seed; the same seed gives the same warehouse (default: the demo's seed)",
    )
    seed.set_defaults(handler=_seed)
