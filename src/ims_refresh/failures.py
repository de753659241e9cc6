"""What a failed command prints and exits with: one line on stderr, the documented code.

Usage errors (bad input, a deployment that cannot be found, unusable settings) exit 2:
nothing was started or written. Everything else that stops a command before its workflow
ran (AWS or a database unreachable) exits 1 (docs/design.md §6.2). A local database that
cannot be reached is named with its address, the variable that sets it and what starts
it (:func:`database_problem`).
"""

from __future__ import annotations

from typing import TextIO
from urllib.parse import urlsplit

import pymysql

from ims_refresh.aws.targets import TargetError
from ims_refresh.exit_codes import ExitCode
from ims_refresh.output import note_error
from ims_refresh.settings import LocalEnvName, LocalSettings, SettingsError
from training_refresh.errors import BadInputError

USAGE_ERRORS: tuple[type[Exception], ...] = (BadInputError, TargetError, SettingsError)
MYSQL_UNREACHABLE = frozenset({2002, 2003, 2005, 2006, 2013})
"""pymysql's codes for: no socket, no server at the address, unknown host, gone, lost."""
START_SERVICES = "`make services` starts the local MariaDB and PostgreSQL"


def say(err: TextIO, line: str) -> None:
    """Print the one line of a failure (and keep it for ``--json``)."""
    line = " ".join(line.split())
    note_error(line)
    print(line, file=err, flush=True)


def fail(err: TextIO, error: Exception) -> ExitCode:
    """Print ``error`` as one line and return its exit code."""
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, USAGE_ERRORS):
        say(err, f"ims-refresh: bad input: {text}")
        return ExitCode.BAD_INPUT
    say(err, f"ims-refresh: {text}")
    return ExitCode.FAILED


def _address(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}".rstrip(":")


def database_problem(error: BaseException) -> str | None:
    """One line for an error of the local MariaDB or PostgreSQL connection, else None."""
    settings = LocalSettings.load()
    if isinstance(error, pymysql.err.OperationalError) and error.args:
        where = f"MariaDB at {_address(settings.training_db_url)} ({LocalEnvName.TRAINING_DB_URL})"
        if error.args[0] in MYSQL_UNREACHABLE:
            return f"cannot reach {where} - {START_SERVICES}"
        return f"{where} refused: {error.args[-1]}"
    module = type(error).__module__ or ""
    if module.startswith("psycopg") and type(error).__name__ == "OperationalError":
        where = f"PostgreSQL at {_address(settings.warehouse_url)} ({LocalEnvName.WAREHOUSE_URL})"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "unreachable"
        if "refused" in reason or "timeout" in reason or "No such file" in reason:
            return f"cannot reach {where} - {START_SERVICES}"
        return f"{where} refused: {reason}"
    return None
