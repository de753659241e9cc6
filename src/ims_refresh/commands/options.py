"""Option types and the option groups several commands share.

Every option carries a help text; :class:`HelpFormatter` appends its default, and each
command's ``--help`` ends with examples (:func:`add_command`). The global options
(:func:`add_global_options`) are accepted before or after the subcommand: the top-level
parser and every command's own parser both know them, with defaults that only the
top-level parser sets (``argparse.SUPPRESS`` elsewhere, so a later value wins).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

from ims_refresh.aws.settings import STATE_MACHINE_ENV, DeploymentEnvName
from ims_refresh.aws.targets import STATE_MACHINE_OUTPUTS, TargetOptions, stack_name
from ims_refresh.aws.waiting import POLL_SECONDS
from ims_refresh.settings import LocalEnvName, LocalSettings
from training_refresh.env_names import PowertoolsEnvName

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks; appends ``(default: X)`` where a default means
    something (not for flags, and not where the help text already says it)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        meaningful = default not in (None, False, argparse.SUPPRESS) and not isinstance(
            action, argparse._HelpAction | argparse._VersionAction
        )
        if meaningful and "default" not in text and action.option_strings:
            text += " (default: %(default)s)"
        return text


# ------------------------------------------------------------------------------ types


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:  # also NaN
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def positive_seconds(text: str) -> float:
    value = seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def count(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


# ---------------------------------------------------------------------- global options


def add_global_options(parser: argparse.ArgumentParser, *, with_defaults: bool) -> None:
    """``--log-level``, ``--report-dir``, ``--json``, ``--debug``; see the module docstring."""
    settings = LocalSettings.load()
    log_level = os.environ.get(PowertoolsEnvName.LOG_LEVEL) or "WARNING"

    def default(value: Any) -> Any:
        return value if with_defaults else argparse.SUPPRESS

    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.upper,
        default=default(log_level),
        help=f"level of the Lambda code's log lines in local runs, always on stderr "
        f"(default: {log_level}; ${PowertoolsEnvName.LOG_LEVEL})",
    )
    group.add_argument(
        "--report-dir",
        type=Path,
        default=default(settings.report_dir),
        help=f"where local runs write their JSON run reports "
        f"(default: {settings.report_dir}; ${LocalEnvName.REPORT_DIR})",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print exactly one JSON document on stdout; messages stay on stderr",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(settings.debug),
        help=f"show tracebacks and the libraries' own log lines (or {LocalEnvName.DEBUG}=1)",
    )


def add_command(
    commands: Subcommands,
    name: str,
    *,
    help: str,
    description: str | None = None,
    examples: Sequence[str] = (),
) -> argparse.ArgumentParser:
    """A command's parser, with the global options and an epilog of examples."""
    epilog = None
    if examples:
        epilog = "examples:\n" + "\n".join(f"  {example}" for example in examples)
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description or help,
        epilog=epilog,
        formatter_class=HelpFormatter,
    )
    add_global_options(parser, with_defaults=False)
    return parser


# ------------------------------------------------------------------ deployment options


def add_deployment_options(parser: argparse.ArgumentParser, *, machine_help: str) -> None:
    """Where the deployed stack is (see ``aws.targets`` for the lookup order)."""
    machines = ", ".join(STATE_MACHINE_ENV.values())
    group = parser.add_argument_group(
        "deployment",
        f"found from the stack outputs of --stage ({stack_name('STAGE')}) or from these "
        f"options; environment: {DeploymentEnvName.STAGE}, {machines}, "
        f"{DeploymentEnvName.REPORTS_BUCKET}, {DeploymentEnvName.AWS_REGION}",
    )
    group.add_argument("--stage", help=f"dev, qa, prod ... (default: ${DeploymentEnvName.STAGE})")
    group.add_argument("--state-machine-arn", help=machine_help)
    group.add_argument(
        "--reports-bucket",
        help=f"where run reports are (default: the stack output, "
        f"${DeploymentEnvName.REPORTS_BUCKET})",
    )
    group.add_argument(
        "--region",
        help=f"AWS region (default: from the ARN, ${DeploymentEnvName.AWS_REGION}, "
        f"${DeploymentEnvName.AWS_DEFAULT_REGION} or the AWS config)",
    )


def state_machine_help(workflow: str) -> str:
    return (
        f"the {workflow} state machine (default: the stack output "
        f"{STATE_MACHINE_OUTPUTS[workflow]}, ${STATE_MACHINE_ENV[workflow]})"
    )


def allow_empty_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="swap in empty gold copies too (their training tables become empty); without "
        "it a reset that finds an empty gold copy fails (exit 1) and swaps nothing",
    )


def add_waiting_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--wait",
        action="store_true",
        help=f"follow {what} to its end and exit with its code (0/1/2; 3: gave up waiting)",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=None,
        help="seconds to wait before giving up with exit code 3; the execution keeps "
        "running (default: the state machine's own timeout plus 10 minutes)",
    )
    parser.add_argument(
        "--poll-seconds",
        type=positive_seconds,
        default=POLL_SECONDS,
        help="how often to ask Step Functions while waiting",
    )


def target_options(arguments: argparse.Namespace) -> TargetOptions:
    return TargetOptions(
        stage=arguments.stage,
        state_machine_arn=arguments.state_machine_arn,
        scenario_bucket=getattr(arguments, "scenario_bucket", None),
        scenario_prefix=getattr(arguments, "scenario_prefix", None),
        reports_bucket=arguments.reports_bucket,
        region=arguments.region,
    )
