"""``ims-refresh``: run the workflows locally, build the demo, start and follow them in AWS.

Exit codes (docs/design.md §6): 0 success; 1 the workflow ran and failed (or a database could
not be reached); 2 bad input or usage, nothing written; 3 gave up waiting.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ims_refresh import aws_commands, gold_load_command, reset_command
from ims_refresh.aws_targets import (
    REPORTS_BUCKET_ENV,
    SCENARIO_BUCKET_ENV,
    SCENARIO_PREFIX_ENV,
    STAGE_ENV,
    STATE_MACHINE_ENV,
    STATE_MACHINE_OUTPUTS,
    TargetOptions,
    stack_name,
)
from ims_refresh.demo import run_demo, seed_local_warehouse
from ims_refresh.exit_codes import ExitCode
from ims_refresh.settings import LocalSettings
from training_refresh.env_names import PowertoolsEnvName

DEFAULT_TIMEOUT_SECONDS = 3600.0
WORKFLOW_NAMES = ("gold-load", "reset")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _deployment_options(parser: argparse.ArgumentParser, *, machine_help: str) -> None:
    """Where the deployed stack is (see aws_targets for the lookup order)."""
    group = parser.add_argument_group(
        "deployment",
        f"found from the stack outputs of --stage ({stack_name('STAGE')}) or from these "
        f"options; environment: {STAGE_ENV}, {', '.join(STATE_MACHINE_ENV.values())}, "
        f"{REPORTS_BUCKET_ENV}",
    )
    group.add_argument("--stage", help=f"dev, qa, prod ... (default ${STAGE_ENV})")
    group.add_argument("--state-machine-arn", help=machine_help)
    group.add_argument("--reports-bucket", help=f"where run reports are (${REPORTS_BUCKET_ENV})")
    group.add_argument("--region", help="AWS region (default: from the ARN or the AWS config)")


def _waiting_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--wait", action="store_true", help=f"follow {what} to its end; exit 0/1/2, 3 on timeout"
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        help="seconds to wait before giving up with exit code 3 (the execution keeps "
        "running); default: the state machine's own timeout plus 10 minutes",
    )
    parser.add_argument(
        "--poll-seconds",
        type=_positive_seconds,
        default=aws_commands.POLL_SECONDS,
        help=f"how often to ask Step Functions (default {aws_commands.POLL_SECONDS:.0f})",
    )


def _add_aws_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    start = commands.add_parser("start", help="start a workflow deployed in AWS (for Automic)")
    start_workflows = start.add_subparsers(dest="workflow", required=True)
    gold = start_workflows.add_parser(
        "gold-load", help="start a gold load; a local scenario file is uploaded first"
    )
    gold.add_argument(
        "--scenarios", required=True, help="scenario CSV: a local file or s3://bucket/key"
    )
    gold.add_argument("--as-of", required=True, help="as-of date, YYYY-MM-DD")
    gold.add_argument("--tables", help="comma-separated table configs (default: all enabled)")
    gold.add_argument(
        "--dry-run",
        action="store_true",
        help="preview: customers found / missing and rows per table, nothing written",
    )
    _waiting_options(gold, "the gold load")
    _deployment_options(
        gold,
        machine_help=f"the gold-load state machine (${STATE_MACHINE_ENV['gold-load']})",
    )
    uploads = gold.add_argument_group("where a local scenario file is uploaded")
    uploads.add_argument("--scenario-bucket", help=f"the scenario bucket (${SCENARIO_BUCKET_ENV})")
    uploads.add_argument(
        "--scenario-prefix",
        help=f"the key prefix the gold load may read (${SCENARIO_PREFIX_ENV})",
    )

    reset = start_workflows.add_parser("reset", help="start a reset of the training tables")
    reset.add_argument("--tables", help="comma-separated training tables (default: all enabled)")
    _waiting_options(reset, "the reset")
    _deployment_options(
        reset, machine_help=f"the reset state machine (${STATE_MACHINE_ENV['reset']})"
    )

    status = commands.add_parser(
        "status", help="state, progress and run report of one execution in AWS"
    )
    status.add_argument("execution", help="execution ARN, or execution name")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    _waiting_options(status, "a running execution")
    _deployment_options(status, machine_help="the state machine an execution name belongs to")

    runs = commands.add_parser("runs", help="the latest executions in AWS and their outcome")
    runs.add_argument("--workflow", choices=WORKFLOW_NAMES, help="only this workflow")
    runs.add_argument("--last", type=_count, default=10, help="how many (default 10)")
    runs.add_argument("--json", action="store_true", help="machine-readable output")
    _deployment_options(
        runs,
        machine_help=f"list this state machine only (stack outputs "
        f"{', '.join(STATE_MACHINE_OUTPUTS.values())})",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ims-refresh",
        description="Anonymized IMS training data: gold load and reset.",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get(PowertoolsEnvName.LOG_LEVEL, "WARNING"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level of the Lambda code in local runs (default WARNING)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=LocalSettings.load().report_dir,
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

    _add_aws_commands(commands)
    return parser


def _target_options(arguments: argparse.Namespace) -> TargetOptions:
    return TargetOptions(
        stage=arguments.stage,
        state_machine_arn=arguments.state_machine_arn,
        scenario_bucket=getattr(arguments, "scenario_bucket", None),
        scenario_prefix=getattr(arguments, "scenario_prefix", None),
        reports_bucket=arguments.reports_bucket,
        region=arguments.region,
    )


def _run_aws_command(arguments: argparse.Namespace) -> ExitCode:
    options = _target_options(arguments)
    if arguments.command == "start" and arguments.workflow == "gold-load":
        return aws_commands.start_gold_load(
            scenarios=arguments.scenarios,
            as_of=arguments.as_of,
            tables=arguments.tables,
            dry_run=arguments.dry_run,
            wait=arguments.wait,
            timeout=arguments.timeout,
            poll_seconds=arguments.poll_seconds,
            options=options,
        )
    if arguments.command == "start":
        return aws_commands.start_reset(
            tables=arguments.tables,
            wait=arguments.wait,
            timeout=arguments.timeout,
            poll_seconds=arguments.poll_seconds,
            options=options,
        )
    if arguments.command == "status":
        return aws_commands.show_status(
            arguments.execution,
            as_json=arguments.json,
            wait=arguments.wait,
            timeout=arguments.timeout,
            poll_seconds=arguments.poll_seconds,
            options=options,
        )
    return aws_commands.list_runs(
        workflow=arguments.workflow, last=arguments.last, as_json=arguments.json, options=options
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    os.environ[PowertoolsEnvName.LOG_LEVEL] = arguments.log_level
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
    if arguments.command in {"start", "status", "runs"}:
        return int(_run_aws_command(arguments))
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
