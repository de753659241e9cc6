"""The shared side of the refresh lease: any number of gold loads may hold it at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from training_refresh.adapters.mysql import Connection, Cursor, translated_errors
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease.table import (
    DOING,
    GOLD_LOAD,
    LeaseRow,
    check_run_id,
    critical_section,
    delete_row,
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

    A reset never blocks it: a reset copies one published gold state and copies again when
    a publication replaced it meanwhile (``reset.swap``), so gold-changing runs and resets
    only take turns for the instant of a RENAME (``gold_state.store.publish_instant``).
    Idempotent: calling it again just renews. ``sleep``/``on_step`` are kept for the
    waits of the gold writer's side.
    """
    check_run_id(run_id)

    def attempt(cursor: Cursor) -> list[LeaseRow] | None:
        purge_expired(cursor)
        upsert(cursor, GOLD_LOAD, run_id, times.ttl_seconds)
        return None

    waited, waited_for, _taken_over = wait_until(
        connection,
        attempt,
        times,
        sleep=sleep,
        on_wait=lambda: on_step("gold-load-lease-wait"),
    )
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

    The same operation as acquiring (a lease that expired is simply taken again).
    """
    return acquire_gold_load_lease(connection, run_id, times, sleep=sleep, on_step=on_step)


def release_gold_load_lease(connection: Connection, run_id: str) -> bool:
    """Give ``run_id``'s gold-load lease back (idempotent); True when it held one."""
    check_run_id(run_id)
    with critical_section(connection) as cursor, translated_errors(DOING):
        return delete_row(cursor, GOLD_LOAD, run_id)
