"""The shared side of the refresh lease: any number of gold loads may hold it at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from training_refresh.adapters.mysql import Connection, Cursor, translated_errors
from training_refresh.errors import ResetInProgressError
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease.table import (
    DOING,
    GOLD_LOAD,
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
from training_refresh.lease.times import DEFAULT_GOLD_LOAD_TIMES, LeaseTimes


@dataclass(frozen=True)
class GoldLoadLease:
    run_id: str
    waited_seconds: float
    waited_for: tuple[str, ...]


def acquire_gold_load_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes = DEFAULT_GOLD_LOAD_TIMES,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> GoldLoadLease:
    """Take (or extend) gold-load run ``run_id``'s lease; other gold loads may hold theirs.

    Waits up to ``times.wait_seconds`` while a live reset lease exists (``on_step`` sees
    ``gold-load-lease-wait`` before every pause), then raises ResetInProgressError (nothing
    written). Idempotent: calling it again just renews.
    """
    check_run_id(run_id)

    def attempt(cursor: Cursor) -> list[LeaseRow] | None:
        purge_expired(cursor)
        resets = [row for row in live_rows(cursor) if row.holder == RESET]
        if resets:
            return resets
        upsert(cursor, GOLD_LOAD, run_id, times.ttl_seconds)
        return None

    try:
        waited, waited_for, _taken_over = wait_until(
            connection,
            attempt,
            times,
            sleep=sleep,
            on_wait=lambda: on_step("gold-load-lease-wait"),
        )
    except StillBlocked as blocked:
        holders = "; ".join(row.describe() for row in blocked.rows)
        raise ResetInProgressError(
            f"gold load {run_id} waited {blocked.waited:.0f} s for a reset to finish and gave "
            f"up without writing: {holders}. A reset that was killed is taken over at once when "
            "its execution can be checked; a local one holds the lease until it expires, or "
            "until a reset is run again (it takes the lease over)."
        ) from None
    return GoldLoadLease(run_id, waited, waited_for)


def renew_gold_load_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes = DEFAULT_GOLD_LOAD_TIMES,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> GoldLoadLease:
    """Extend ``run_id``'s lease to now + TTL; call it before every chunk is written.

    The same operation as acquiring: while the run's own lease is live no reset can hold
    the exclusive side, so this just extends it; if it expired (or was never taken) and a
    reset now holds the lease, it waits a bounded time and raises ResetInProgressError.
    """
    return acquire_gold_load_lease(connection, run_id, times, sleep=sleep, on_step=on_step)


def release_gold_load_lease(connection: Connection, run_id: str) -> bool:
    """Give ``run_id``'s gold-load lease back (idempotent); True when it held one."""
    check_run_id(run_id)
    with critical_section(connection) as cursor, translated_errors(DOING):
        return delete_row(cursor, GOLD_LOAD, run_id)
