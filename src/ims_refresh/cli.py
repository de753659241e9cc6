"""``ims-refresh``: run the workflows locally, build the demo, start and follow them in AWS.

The parser is built from :data:`COMMANDS` (one module each in ``commands``); ``main`` is
the one place where a command's outcome becomes an exit code and where nothing but one
line per failure reaches the operator:

- exit codes (docs/design.md §6.2): 0 success; 1 the workflow ran and failed (or AWS or a
  database could not be reached); 2 bad input or usage, nothing written; 3 gave up
  waiting; 130 a local command was interrupted (Ctrl-C, SIGTERM: ``signals``);
- a local database that cannot be reached is one line naming it and what starts it
  (``failures.database_problem``); any other error no command handled is one line naming
  it and ``--debug`` (or ``IMS_DEBUG=1``), which shows the traceback;
- ``--json``: exactly one JSON document on stdout, everything else on stderr (``output``);
- the libraries' own chatter (moto's state-machine error dumps, Powertools' warnings) only
  with ``--debug``; the Lambda code's log lines go to stderr at ``--log-level``;
- a closed stdout (``| head -1``) ends the output quietly; the exit code stays the
  command's own.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import Final

from ims_refresh.commands import demo, gold, run, runs, seed_warehouse, start, status
from ims_refresh.commands.options import HelpFormatter, add_global_options
from ims_refresh.exit_codes import ExitCode
from ims_refresh.failures import USAGE_ERRORS, database_problem, fail, say
from ims_refresh.output import final_document, json_mode, render
from ims_refresh.quiet_pipe import quiet_broken_pipe
from ims_refresh.signals import Terminated, sigterm_interrupts
from training_refresh.env_names import PowertoolsEnvName

DISTRIBUTION: Final = "ims-training-refresh"
COMMANDS: Final[tuple[ModuleType, ...]] = (start, status, runs, run, gold, demo, seed_warehouse)
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


def _quiet_library_internals(debug: bool) -> None:
    """moto logs every failed state as an ERROR with its internal objects, and Powertools
    warns when a Lambda published no metric: noise for an operator, kept for --debug."""
    if debug:
        return
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module=r"aws_lambda_powertools(\..*)?$")


def _run(arguments: argparse.Namespace) -> int:
    os.environ[PowertoolsEnvName.LOG_LEVEL] = arguments.log_level
    _quiet_library_internals(arguments.debug)
    try:
        return int(arguments.handler(arguments))
    except ModuleNotFoundError as error:
        if not _missing_local_extra(error):
            raise
        say(
            sys.stderr,
            f"ims-refresh: {arguments.command} runs the workflows on this machine and needs "
            f"the local extra ({error.name} is not installed): {LOCAL_EXTRA_HINT}",
        )
        return ExitCode.BAD_INPUT
    except USAGE_ERRORS as error:
        return fail(sys.stderr, error)


def _guarded(arguments: argparse.Namespace) -> int:
    """The command's exit code; every failure one line on stderr (see the docstring)."""
    try:
        with sigterm_interrupts():
            return _run(arguments)
    except KeyboardInterrupt as interrupt:
        how = "stopped (SIGTERM)" if isinstance(interrupt, Terminated) else "interrupted (Ctrl-C)"
        what = "".join(f": {note}" for note in getattr(interrupt, "__notes__", ())[:1])
        say(sys.stderr, f"ims-refresh: {how}{what}")
        return ExitCode.INTERRUPTED
    except Exception as error:
        if arguments.debug:
            traceback.print_exc()
        problem = database_problem(error)
        if problem is None:
            problem = (
                f"unexpected error ({type(error).__name__}): {str(error)[:500]} - "
                "run again with --debug for details"
            )
        say(sys.stderr, f"ims-refresh: {problem}")
        return ExitCode.FAILED


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parsed arguments; a usage error exits 2 (with ``--json``, after its JSON document)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        given = sys.argv[1:] if argv is None else list(argv)
        if exit_.code not in (0, None) and "--json" in given:
            error = {"message": "usage error: see stderr", "exit_code": exit_.code}
            print(render({"error": error}), flush=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    with quiet_broken_pipe():
        parser = build_parser()
        arguments = _parse(parser, argv)
        if arguments.command is None:
            parser.print_help()
            return ExitCode.SUCCESS
        if not arguments.json:
            return _guarded(arguments)
        with json_mode() as collected:
            code = _guarded(arguments)
        print(render(final_document(collected, code)), flush=True)
        return code


if __name__ == "__main__":
    sys.exit(main())
