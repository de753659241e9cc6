"""The exclusive side of the refresh lease: one reset at a time, and no gold load meanwhile.

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
    GoldLoadInProgressError,
    ResetLeaseLostError,
    ResetSupersededError,
)
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease.table import (
    DOING,
    GOLD_LOAD,
    LEASE_TABLE,
    RESET,
    LeaseRow,
    StillBlocked,
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
    """Take the exclusive reset lease for ``run_id``.

    Waits up to ``times.wait_seconds`` while any live gold-load lease exists (``on_step``
    sees ``reset-lease-wait`` before every pause), then raises GoldLoadInProgressError
    (nothing touched). Another reset's lease is taken over; its run ids are returned in
    ``superseded_runs``.
    """
    check_run_id(run_id)
    superseded: list[str] = []

    def attempt(cursor: Cursor) -> list[LeaseRow] | None:
        purge_expired(cursor)
        live = live_rows(cursor)
        gold_loads = [row for row in live if row.holder == GOLD_LOAD]
        if gold_loads:
            return gold_loads
        others = [row.run_id for row in live if row.holder == RESET and row.run_id != run_id]
        cursor.execute(
            f"DELETE FROM {quote_identifier(LEASE_TABLE)} WHERE HOLDER = %s AND RUN_ID <> %s",
            (RESET, run_id),
        )
        upsert(cursor, RESET, run_id, times.ttl_seconds)
        superseded[:] = others
        return None

    try:
        waited, waited_for, _taken_over = wait_until(
            connection, attempt, times, sleep=sleep, on_wait=lambda: on_step("reset-lease-wait")
        )
    except StillBlocked as blocked:
        holders = "; ".join(row.describe() for row in blocked.rows)
        raise GoldLoadInProgressError(
            f"reset {run_id} waited {blocked.waited:.0f} s for gold loads to finish and gave up "
            f"without copying anything: {holders}. A gold load whose execution has ended is "
            "taken over at once, so that one is running (or cannot be checked: a local "
            "run holds its lease until it expires). Run the reset again when it has finished."
        ) from None
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
            f"the reset lease of {run_id} expired at {own[0][2]:%Y-%m-%d %H:%M:%S} UTC, so a "
            "gold load may have changed the gold copies since they were copied; it stops "
            "without swapping. Start the reset again."
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
