"""The reset's side of the refresh lease: one reset at a time (gold loads run meanwhile).

A reset row of another run is taken over at once (see the package docstring); every later
step re-checks, inside the critical section, that its own row is still there and live.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from training_refresh.adapters.mysql import (
    Connection,
    Cursor,
    quote_identifier,
    translated_errors,
)
from training_refresh.errors import (
    ResetLeaseLostError,
    ResetSupersededError,
)
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease.table import (
    DOING,
    LEASE_TABLE,
    RESET,
    LeaseRow,
    check_run_id,
    critical_section,
    delete_row,
    live_rows,
    purge_expired,
    upsert,
    wait_until,
)
from training_refresh.lease.times import DEFAULT_RESET_TIMES, LeaseTimes


@dataclass(frozen=True)
class ResetLease:
    run_id: str
    superseded_runs: tuple[str, ...]
    waited_seconds: float
    waited_for: tuple[str, ...]
    """Gold-load runs the reset waited for (empty when it did not wait)."""


def acquire_reset_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes = DEFAULT_RESET_TIMES,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> ResetLease:
    """Take the exclusive reset lease for ``run_id``, at once.

    Gold loads never make it wait (the reset copies one published gold state and checks
    the gold generation inside its swap, ``reset.swap``). Another reset's lease is taken
    over; its run ids are returned in ``superseded_runs``. ``times.wait_seconds`` is not
    used (nothing blocks a reset's lease); ``sleep``/``on_step`` stay for the signature.
    """
    check_run_id(run_id)
    superseded: list[str] = []

    def attempt(cursor: Cursor) -> list[LeaseRow] | None:
        purge_expired(cursor)
        live = live_rows(cursor)
        others = [row.run_id for row in live if row.holder == RESET and row.run_id != run_id]
        cursor.execute(
            f"DELETE FROM {quote_identifier(LEASE_TABLE)} WHERE HOLDER = %s AND RUN_ID <> %s",
            (RESET, run_id),
        )
        upsert(cursor, RESET, run_id, times.ttl_seconds)
        superseded[:] = others
        return None

    waited, waited_for, _taken_over = wait_until(
        connection, attempt, times, sleep=sleep, on_wait=lambda: on_step("reset-lease-wait")
    )
    return ResetLease(run_id, tuple(superseded), waited, waited_for)


def _verify_reset_lease(cursor: Cursor, run_id: str, ttl_seconds: float) -> None:
    cursor.execute(
        f"SELECT RUN_ID, EXPIRES_AT > UTC_TIMESTAMP(6), EXPIRES_AT "
        f"FROM {quote_identifier(LEASE_TABLE)} WHERE HOLDER = %s",
        (RESET,),
    )
    rows: list[Any] = list(cursor.fetchall())
    own = [row for row in rows if row[0] == run_id]
    others = [str(row[0]) for row in rows if row[0] != run_id and row[1]]
    if others:
        raise ResetSupersededError(
            f"reset {run_id} was taken over by reset {', '.join(others)}; it stops without "
            "swapping (the newer reset publishes the same gold state)"
        )
    if not own:
        raise ResetLeaseLostError(
            f"reset {run_id} no longer holds the reset lease (it was released or expired and "
            "removed); it stops without swapping. Start the reset again."
        )
    if not own[0][1]:
        raise ResetLeaseLostError(
            f"the reset lease of {run_id} expired at {own[0][2]:%Y-%m-%d %H:%M:%S} UTC, so "
            "another reset may have started and dropped its copies; it stops without "
            "swapping. Start the reset again."
        )
    upsert(cursor, RESET, run_id, ttl_seconds)


def renew_reset_lease(
    connection: Connection, run_id: str, times: LeaseTimes = DEFAULT_RESET_TIMES
) -> None:
    """Check that ``run_id`` still holds a live reset lease and extend it to now + TTL.

    Raises ResetSupersededError when a newer reset took it over, ResetLeaseLostError when
    it expired or was released (never re-acquires: a gold load may have run in between).
    """
    check_run_id(run_id)
    with critical_section(connection) as cursor, translated_errors(DOING):
        _verify_reset_lease(cursor, run_id, times.ttl_seconds)


@contextmanager
def holding_reset_lease(
    connection: Connection, run_id: str, times: LeaseTimes = DEFAULT_RESET_TIMES
) -> Iterator[None]:
    """Verify and renew ``run_id``'s reset lease and keep the lease critical section for
    the body, so nothing can take the lease between the check and what the body does
    (the renames that publish a copy or swap the tables). Keep the body short."""
    check_run_id(run_id)
    with critical_section(connection) as cursor:
        with translated_errors(DOING):
            _verify_reset_lease(cursor, run_id, times.ttl_seconds)
            connection.commit()
        yield


def release_reset_lease(connection: Connection, run_id: str) -> bool:
    """Give ``run_id``'s reset lease back (idempotent; never touches another run's)."""
    check_run_id(run_id)
    with critical_section(connection) as cursor, translated_errors(DOING):
        return delete_row(cursor, RESET, run_id)
