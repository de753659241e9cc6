"""The gold side of the refresh lease: one gold-changing run at a time, no reset meanwhile.

A gold-changing run (gold load, removal, undo) holds two rows under its run id:

* ``gold-writer``: at most one live row. A second gold-changing run waits for it (the
  same bounded wait, ``times.wait_seconds``) and then fails with
  GoldChangeInProgressError naming the running one, having changed nothing. So two runs
  never build on the same published state and publish over each other: running them at
  the same time leaves what running them one after the other leaves.
* ``gold-load``: keeps resets out while gold is being changed (``lease.reset`` waits for
  these rows only, never for the writer row, so dropping this row once resets check the
  gold generation themselves leaves the writer lease as it is).

Both are taken, renewed and released together, in one critical section.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from training_refresh.adapters.mysql import Connection, Cursor, quote_identifier, translated_errors
from training_refresh.errors import GoldChangeInProgressError, ResetInProgressError
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease.table import (
    DOING,
    GOLD_LOAD,
    GOLD_WRITER,
    LEASE_TABLE,
    RESET,
    LeaseRow,
    StillBlocked,
    check_run_id,
    critical_section,
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


def _gold_side(
    connection: Connection,
    run_id: str,
    times: LeaseTimes,
    *,
    sleep: Callable[[float], None],
    on_step: OnStep,
    renewing: bool,
) -> GoldLoadLease:
    check_run_id(run_id)

    def attempt(cursor: Cursor) -> list[LeaseRow] | None:
        purge_expired(cursor)
        live = live_rows(cursor)
        writers = [row for row in live if row.holder == GOLD_WRITER and row.run_id != run_id]
        if writers and renewing:
            raise GoldChangeInProgressError(
                f"the lease of {run_id} expired and another gold-changing run took it over: "
                f"{'; '.join(row.describe() for row in writers)}. {run_id} stops without "
                "publishing; run it again when that one has finished."
            )
        blocking = writers or [row for row in live if row.holder == RESET]
        if blocking:
            return blocking
        upsert(cursor, GOLD_WRITER, run_id, times.ttl_seconds)
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
        if blocked.rows[0].holder == GOLD_WRITER:
            raise GoldChangeInProgressError(
                f"{run_id} waited {blocked.waited:.0f} s for another gold-changing run to "
                f"finish and gave up without changing anything: {holders}. Run it again when "
                "that one has finished (a holder whose execution has ended is taken over at "
                "once; one that cannot be checked, a local run, holds until its lease expires)."
            ) from None
        raise ResetInProgressError(
            f"{run_id} waited {blocked.waited:.0f} s for a reset to finish and gave up "
            f"without writing: {holders}. A reset that was killed is taken over at once when its "
            "execution can be checked; a local one holds the lease until it expires, or until "
            "a reset is run again (it takes the lease over)."
        ) from None
    return GoldLoadLease(run_id, waited, waited_for)


def acquire_gold_load_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes = DEFAULT_GOLD_LOAD_TIMES,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> GoldLoadLease:
    """Take (or extend) gold-changing run ``run_id``'s gold side of the lease.

    Waits up to ``times.wait_seconds`` while another gold-changing run or a reset holds a
    live lease (``on_step`` sees ``gold-load-lease-wait`` before every pause; a holder
    whose execution has ended is taken over at once), then raises
    GoldChangeInProgressError or ResetInProgressError naming the holder (nothing written).
    Idempotent: calling it again just renews.
    """
    return _gold_side(connection, run_id, times, sleep=sleep, on_step=on_step, renewing=False)


def renew_gold_load_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes = DEFAULT_GOLD_LOAD_TIMES,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> GoldLoadLease:
    """Extend ``run_id``'s lease to now + TTL; call it before every chunk and publish.

    While the run's own rows are live this just extends them. If they expired and another
    gold-changing run took the writer lease meanwhile, this run was overtaken: it raises
    GoldChangeInProgressError at once (its builds start from a state that is no longer the
    published one). If a reset holds the lease now, it waits a bounded time and raises
    ResetInProgressError.
    """
    return _gold_side(connection, run_id, times, sleep=sleep, on_step=on_step, renewing=True)


def release_gold_load_lease(connection: Connection, run_id: str) -> bool:
    """Give ``run_id``'s gold side back, both rows (idempotent); True when it held one."""
    check_run_id(run_id)
    with critical_section(connection) as cursor, translated_errors(DOING):
        deleted = cursor.execute(
            f"DELETE FROM {quote_identifier(LEASE_TABLE)} WHERE HOLDER IN (%s, %s) AND RUN_ID = %s",
            (GOLD_LOAD, GOLD_WRITER, run_id),
        )
        return bool(deleted)
