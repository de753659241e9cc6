"""The lease rows in ``IMS_REFRESH_LEASE`` and the critical section around every change.

Times come from the database server's clock (``UTC_TIMESTAMP(6)``), so the clocks of
different Lambdas never matter. A lease is *live* while ``EXPIRES_AT`` lies in the future.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from training_refresh.adapters.mysql import (
    Connection,
    Cursor,
    database_lock_name,
    named_lock,
    quote_identifier,
    rollback_quietly,
    translated_errors,
)
from training_refresh.errors import TrainingDatabaseError
from training_refresh.lease.times import LeaseTimes

LEASE_TABLE = "IMS_REFRESH_LEASE"
GOLD_LOAD = "gold-load"
RESET = "reset"
MUTEX_WAIT_SECONDS = 30
"""How long a step waits for the lease critical section (held for milliseconds, or for
one short swap attempt) before it gives up with TrainingDatabaseBusyError."""
DOING = "the refresh lease"
"""What error messages of lease statements say was being done."""

_TABLE = quote_identifier(LEASE_TABLE)
_LEASE_DDL = f"""CREATE TABLE IF NOT EXISTS {_TABLE} (
    HOLDER       VARCHAR(16)  NOT NULL,
    RUN_ID       VARCHAR(128) NOT NULL,
    ACQUIRED_AT  DATETIME(6)  NOT NULL,
    RENEWED_AT   DATETIME(6)  NOT NULL,
    EXPIRES_AT   DATETIME(6)  NOT NULL,
    PRIMARY KEY (HOLDER, RUN_ID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"""

_LIVE_ROWS = (
    "SELECT HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT "
    f"FROM {_TABLE} WHERE EXPIRES_AT > UTC_TIMESTAMP(6) ORDER BY HOLDER, ACQUIRED_AT"
)
_UPSERT = (
    f"INSERT INTO {_TABLE} (HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT) "
    "VALUES (%s, %s, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), "
    "UTC_TIMESTAMP(6) + INTERVAL %s MICROSECOND) "
    "ON DUPLICATE KEY UPDATE "
    "ACQUIRED_AT = IF(EXPIRES_AT > UTC_TIMESTAMP(6), ACQUIRED_AT, VALUES(ACQUIRED_AT)), "
    "RENEWED_AT = VALUES(RENEWED_AT), EXPIRES_AT = VALUES(EXPIRES_AT)"
)


@dataclass(frozen=True)
class LeaseRow:
    holder: str
    run_id: str
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        return (
            f"{self.holder} run {self.run_id} (renewed {self.renewed_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"expires {self.expires_at:%Y-%m-%d %H:%M:%S} UTC)"
        )


def _ensure_lease_table(cursor: Cursor) -> None:
    """Create the lease table when it is missing (DDL only then: it would commit an open
    transaction)."""
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
        (LEASE_TABLE,),
    )
    if not cursor.fetchall()[0][0]:
        cursor.execute(_LEASE_DDL)


@contextmanager
def critical_section(connection: Connection) -> Iterator[Cursor]:
    """The lease mutex plus one transaction: the body sees fresh rows and its writes commit
    together when it ends. The body's own exceptions pass through unchanged (after a
    rollback); the mutex is always released."""
    with connection.cursor() as cursor:
        with translated_errors(DOING):
            _ensure_lease_table(cursor)
            name = database_lock_name(cursor, "ims_refresh_lease")
        busy = f"the refresh lease lock {name!r} was not free within {MUTEX_WAIT_SECONDS} s"
        with named_lock(cursor, name, MUTEX_WAIT_SECONDS, busy=busy, doing=DOING):
            with translated_errors(DOING):
                connection.begin()
            try:
                yield cursor
            except BaseException:
                rollback_quietly(connection)
                raise
            with translated_errors(DOING):
                connection.commit()


def live_rows(cursor: Cursor) -> list[LeaseRow]:
    cursor.execute(_LIVE_ROWS)
    return [LeaseRow(str(r[0]), str(r[1]), r[2], r[3], r[4]) for r in cursor.fetchall()]


def purge_expired(cursor: Cursor) -> None:
    cursor.execute(f"DELETE FROM {_TABLE} WHERE EXPIRES_AT <= UTC_TIMESTAMP(6)")


def upsert(cursor: Cursor, holder: str, run_id: str, ttl_seconds: float) -> None:
    cursor.execute(_UPSERT, (holder, run_id, max(1, round(ttl_seconds * 1_000_000))))


def delete_row(cursor: Cursor, holder: str, run_id: str) -> bool:
    """Delete ``run_id``'s lease row of ``holder``; True when there was one."""
    deleted = cursor.execute(
        f"DELETE FROM {_TABLE} WHERE HOLDER = %s AND RUN_ID = %s", (holder, run_id)
    )
    return bool(deleted)


def check_run_id(run_id: str) -> str:
    if not isinstance(run_id, str) or not run_id or len(run_id) > 128:
        raise TrainingDatabaseError(f"a lease needs a run id of 1-128 characters, got {run_id!r}")
    return run_id


class StillBlocked(Exception):
    """The wait is over and the other side still holds the lease (``rows``)."""

    def __init__(self, rows: list[LeaseRow], waited: float) -> None:
        super().__init__()
        self.rows = rows
        self.waited = waited


def wait_until(
    connection: Connection,
    attempt: Callable[[Cursor], list[LeaseRow] | None],
    times: LeaseTimes,
    *,
    sleep: Callable[[float], None],
    on_wait: Callable[[], None],
) -> tuple[float, tuple[str, ...]]:
    """Run ``attempt`` in the critical section until it returns None (done) or the wait
    is over. Returns the seconds waited and the runs waited for; raises StillBlocked (with
    the last blocking rows) when the wait is over. ``on_wait`` runs before every pause."""
    started = time.monotonic()
    waited_for: dict[str, None] = {}
    while True:
        with critical_section(connection) as cursor, translated_errors(DOING):
            blocking = attempt(cursor)
        if blocking is None:
            return round(time.monotonic() - started, 3), tuple(waited_for)
        waited_for.update({row.run_id: None for row in blocking})
        remaining = times.wait_seconds - (time.monotonic() - started)
        if remaining <= 0:
            raise StillBlocked(blocking, round(time.monotonic() - started, 1))
        on_wait()
        sleep(min(times.poll_seconds, remaining))


def live_leases(connection: Connection) -> list[LeaseRow]:
    """Every live lease, for reports and diagnostics."""
    with critical_section(connection) as cursor, translated_errors(DOING):
        return live_rows(cursor)
