"""The gold writer lease: one gold-changing run (gold load, removal, undo) at a time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from training_refresh.adapters.mysql import Connection, Cursor, translated_errors
from training_refresh.errors import GoldChangeInProgressError
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease.table import (
    DOING,
    GOLD_LOAD,
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
    """Take (or extend) the gold writer lease for gold-changing run ``run_id`` (a gold
    load, removal or undo): one such run at a time.

    Waits up to ``times.wait_seconds`` while another run holds a live row (``on_step``
    sees ``gold-load-lease-wait`` before every pause; a holder whose execution has ended is
    taken over at once), then raises GoldChangeInProgressError naming it (nothing
    written). A reset never blocks it: a reset copies one published gold state and copies
    again when a publication replaced it meanwhile (``reset.swap``), so gold-changing runs
    and resets only take turns for the instant of a RENAME
    (``gold_state.store.publish_instant``). Idempotent: calling it again just renews.
    """
    check_run_id(run_id)

    def attempt(cursor: Cursor) -> list[LeaseRow] | None:
        purge_expired(cursor)
        others = [
            row for row in live_rows(cursor) if row.holder == GOLD_LOAD and row.run_id != run_id
        ]
        if others:
            return others
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
        raise GoldChangeInProgressError(_busy_message(run_id, blocked)) from None
    return GoldLoadLease(run_id, waited, waited_for)


def _busy_message(run_id: str, blocked: StillBlocked) -> str:
    running = "; ".join(
        f"run {row.run_id} (started {row.acquired_at:%Y-%m-%d %H:%M:%S} UTC, last seen "
        f"{row.renewed_at:%Y-%m-%d %H:%M:%S} UTC)"
        for row in blocked.rows
    )
    return (
        f"{run_id} waited {blocked.waited:.0f} s for another gold-changing run to finish and "
        f"gave up without writing anything: {running} holds the gold writer lease. Run it "
        "again when that one has finished. A holder whose execution has ended is taken "
        "over at once; a killed local run's lease is freed as soon as its process is gone."
    )


def renew_gold_load_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes = DEFAULT_GOLD_LOAD_TIMES,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> GoldLoadLease:
    """Extend ``run_id``'s lease to now + TTL; call it before every chunk is written.

    The same operation as acquiring: while the run's own lease is live no other run can
    hold it, so this just extends it; if it expired and another gold-changing run took it
    meanwhile, it waits a bounded time and raises GoldChangeInProgressError (that run's
    publication then makes this run's builds stale: StaleGoldBuildError at publish).
    """
    return acquire_gold_load_lease(connection, run_id, times, sleep=sleep, on_step=on_step)


def release_gold_load_lease(connection: Connection, run_id: str) -> bool:
    """Give ``run_id``'s gold-load lease back (idempotent); True when it held one."""
    check_run_id(run_id)
    with critical_section(connection) as cursor, translated_errors(DOING):
        return delete_row(cursor, GOLD_LOAD, run_id)
