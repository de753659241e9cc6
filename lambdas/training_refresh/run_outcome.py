"""What the last step of a run (gold-undo, gold-remove, restore) decides the same way:
its status, its errors, the lease it gives back, the end of its summary line.

Each report step runs whatever happened before it, so everything here accepts a run
that failed before doing anything: no result, a caught error or both.
"""

from __future__ import annotations

from collections.abc import Callable

from training_refresh.adapters.mysql import Connection, connected
from training_refresh.errors import bad_input_error_names
from training_refresh.messages.common import CaughtError, ErrorDetail, RunStatus

SUMMARY_ERROR_CHARS = 300
"""How much of the first error's message the one-line summary carries (the report has
all of it)."""


def status_of(error: CaughtError | None, done: bool) -> RunStatus:
    """``bad_input`` for a caught bad-input error, ``succeeded`` only when the step's
    work is done and nothing was caught, else ``failed``."""
    if error is not None and str(error.error) in bad_input_error_names():
        return "bad_input"
    return "succeeded" if done and error is None else "failed"


def errors_of(error: CaughtError | None) -> list[ErrorDetail]:
    return [] if error is None else [error.details()]


def error_name(errors: list[ErrorDetail], status: RunStatus, fallback: str) -> str | None:
    """The name the workflow's end fails with: the first error's, else ``fallback`` for a
    run that did not succeed."""
    if errors:
        return errors[0].name
    return None if status == "succeeded" else fallback


def release_lease(
    connect_mysql: Callable[[], Connection] | None,
    release: Callable[[Connection, str], bool],
    run_id: str,
    warnings: list[str],
    *,
    lease: str = "the lease",
) -> bool:
    """Give ``run_id``'s lease back with ``release``; a failure becomes a warning (the
    lease expires anyway), and no connection (bad input before one) releases nothing."""
    if connect_mysql is None:
        return False
    try:
        with connected(connect_mysql) as connection:
            return release(connection, run_id)
    except Exception as error:
        warnings.append(f"could not release {lease}: {type(error).__name__}: {error}")
        return False


def with_first_error(line: str, errors: list[ErrorDetail]) -> str:
    """``line`` followed by the first error's name and the start of its message."""
    if not errors:
        return line
    first = errors[0]
    return f"{line}; {first.name}: {str(first.message)[:SUMMARY_ERROR_CHARS]}"
