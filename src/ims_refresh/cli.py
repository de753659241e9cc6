"""``ims-refresh``: run the workflows locally, build the demo, start and follow them in AWS.

The parser is built from :data:`COMMANDS` (one module each in ``commands``); ``main`` is
the one place where a command's outcome becomes an exit code and where nothing but one
line per failure reaches the operator:

- exit codes (docs/design.md §6.2): 0 success; 1 the workflow ran and failed (or AWS or a
  database could not be reached); 2 bad input or usage, nothing written; 3 gave up
  waiting; 130 a local command was interrupted (Ctrl-C, SIGTERM);
- an error no command handled is one line naming it and ``--debug`` (or ``IMS_DEBUG=1``),
  which shows the traceback;
- a closed stdout (``| head -1``) ends the output quietly; the exit code stays the
  command's own.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import Final

from ims_refresh.commands import demo, run, runs, seed_warehouse, start, status
from ims_refresh.commands.options import HelpFormatter, add_global_options
from ims_refresh.exit_codes import ExitCode
from ims_refresh.failures import USAGE_ERRORS, fail
from ims_refresh.quiet_pipe import quiet_broken_pipe
from training_refresh.env_names import PowertoolsEnvName

DISTRIBUTION: Final = "ims-training-refresh"
COMMANDS: Final[tuple[ModuleType, ...]] = (start, status, runs, run, demo, seed_warehouse)
"""Every command, in the order ``--help`` lists them (see ``ims_refresh.commands``)."""
LOCAL_EXTRA_MODULES: Final = frozenset(
    {"moto", "psycopg", "psycopg_binary", "aws_lambda_powertools", "aws_xray_sdk"}
)
"""What the [local] extra installs (imported when a local command runs)."""
LOCAL_EXTRA_HINT: Final = f"pip install '{DISTRIBUTION}[local]'"


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ims-refresh",
        description="Anonymized IMS training data: gold load and reset, locally and in AWS.",
        epilog="examples:\n  ims-refresh demo\n"
        "  ims-refresh start reset --stage prod --wait\n\n"
        "Each command's --help lists its options; exit codes: docs/runbook.md.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    add_global_options(parser, with_defaults=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def _missing_local_extra(error: ModuleNotFoundError) -> bool:
    return (error.name or "").split(".")[0] in LOCAL_EXTRA_MODULES


def _run(arguments: argparse.Namespace) -> int:
    os.environ[PowertoolsEnvName.LOG_LEVEL] = arguments.log_level
    try:
        return int(arguments.handler(arguments))
    except ModuleNotFoundError as error:
        if not _missing_local_extra(error):
            raise
        print(
            f"ims-refresh: {arguments.command} runs the workflows on this machine and needs "
            f"the local extra ({error.name} is not installed): {LOCAL_EXTRA_HINT}",
            file=sys.stderr,
        )
        return ExitCode.BAD_INPUT
    except USAGE_ERRORS as error:
        return fail(sys.stderr, error)


def main(argv: Sequence[str] | None = None) -> int:
    with quiet_broken_pipe():
        parser = build_parser()
        arguments = parser.parse_args(argv)
        if arguments.command is None:
            parser.print_help()
            return ExitCode.SUCCESS
        try:
            return _run(arguments)
        except KeyboardInterrupt:
            print("ims-refresh: interrupted", file=sys.stderr)
            return ExitCode.INTERRUPTED
        except Exception as error:
            if arguments.debug:
                traceback.print_exc()
            print(
                f"ims-refresh: unexpected error ({type(error).__name__}): "
                f"{' '.join(str(error).split())[:500]} - run again with --debug for details",
                file=sys.stderr,
            )
            return ExitCode.FAILED


if __name__ == "__main__":
    sys.exit(main())
