"""``ims-refresh``: run the workflows locally, build the demo, start them in AWS.

Exit codes (DESIGN §6): 0 success; 1 the workflow ran and failed (or a database could
not be reached); 2 bad input or usage, nothing written; 3 gave up waiting.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ims_refresh import gold_load_command, reset_command
from ims_refresh.demo import run_demo, seed_local_warehouse
from ims_refresh.exit_codes import ExitCode

DEFAULT_TIMEOUT_SECONDS = 3600.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ims-refresh",
        description="Anonymized IMS training data: gold load and reset.",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level of the Lambda code in local runs (default WARNING)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path(os.environ.get("IMS_REPORT_DIR", "reports")),
        help="where local runs write their JSON run reports (default ./reports)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="seed a synthetic warehouse, gold-load, reset")
    demo.add_argument("--customers", type=int, default=5_000, help="warehouse size")
    demo.add_argument(
        "--scenario-customers", type=int, default=250, help="customers in the sample scenario"
    )

    run = commands.add_parser("run", help="execute a state machine locally")
    run_workflows = run.add_subparsers(dest="workflow", required=True)
    gold = run_workflows.add_parser("gold-load", help="load scenario customers into gold copies")
    gold.add_argument("--scenarios", required=True, type=Path, help="scenario CSV file")
    gold.add_argument("--as-of", required=True, help="as-of date, YYYY-MM-DD")
    gold.add_argument("--tables", help="comma-separated table configs (default: all enabled)")
    gold.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)
    gold.add_argument(
        "--dry-run",
        action="store_true",
        help="preview: customers found / missing and rows per table, nothing written",
    )

    reset = run_workflows.add_parser("reset", help="copy every gold copy into its training table")
    reset.add_argument("--tables", help="comma-separated training tables (default: all enabled)")
    reset.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)

    seed = commands.add_parser(
        "seed-warehouse", help="rebuild the local synthetic warehouse (for demos and benchmarks)"
    )
    seed.add_argument("--customers", type=int, default=5_000)
    seed.add_argument("--profile", choices=["demo", "bench"], default="demo")
    seed.add_argument("--seed", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    os.environ["POWERTOOLS_LOG_LEVEL"] = arguments.log_level
    if arguments.command == "demo":
        return int(
            run_demo(arguments.customers, arguments.scenario_customers, arguments.report_dir)
        )
    if arguments.command == "seed-warehouse":
        return int(seed_local_warehouse(arguments.customers, arguments.profile, arguments.seed))
    if arguments.command == "run" and arguments.workflow == "gold-load":
        return int(
            gold_load_command.run_gold_load(
                scenarios=arguments.scenarios,
                as_of=arguments.as_of,
                tables=arguments.tables,
                report_dir=arguments.report_dir,
                timeout=arguments.timeout,
                dry_run=arguments.dry_run,
            )
        )
    if arguments.command == "run" and arguments.workflow == "reset":
        return int(
            reset_command.run_reset(
                tables=arguments.tables,
                report_dir=arguments.report_dir,
                timeout=arguments.timeout,
            )
        )
    return int(ExitCode.BAD_INPUT)


if __name__ == "__main__":
    sys.exit(main())
