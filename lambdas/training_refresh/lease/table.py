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
from training_refresh.errors import RunAbandonedError, TrainingDatabaseError
from training_refresh.lease.holder import current_holder
from training_refresh.lease.run_lock import free_run_locks, run_lock_name
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
    EXECUTION_ARN VARCHAR(512) NULL,
    RUN_LOCK     VARCHAR(64)  NULL,
    PRIMARY KEY (HOLDER, RUN_ID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"""
_ADD_COLUMNS = {
    "EXECUTION_ARN": f"ALTER TABLE {_TABLE} ADD COLUMN EXECUTION_ARN VARCHAR(512) NULL",
    "RUN_LOCK": f"ALTER TABLE {_TABLE} ADD COLUMN RUN_LOCK VARCHAR(64) NULL",
}
"""Lease tables made before holders recorded their execution (or a local run its run
lock, ``run_lock``) get the column once."""

_LIVE_ROWS = (
    "SELECT HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT, EXECUTION_ARN, RUN_LOCK "
    f"FROM {_TABLE} WHERE EXPIRES_AT > UTC_TIMESTAMP(6) ORDER BY HOLDER, ACQUIRED_AT"
)
_UPSERT = (
    f"INSERT INTO {_TABLE} "
    "(HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT, EXECUTION_ARN, RUN_LOCK) "
    "VALUES (%s, %s, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), "
    "UTC_TIMESTAMP(6) + INTERVAL %s MICROSECOND, %s, %s) "
    "ON DUPLICATE KEY UPDATE "
    "ACQUIRED_AT = IF(EXPIRES_AT > UTC_TIMESTAMP(6), ACQUIRED_AT, VALUES(ACQUIRED_AT)), "
    "RENEWED_AT = VALUES(RENEWED_AT), EXPIRES_AT = VALUES(EXPIRES_AT), "
    "EXECUTION_ARN = COALESCE(VALUES(EXECUTION_ARN), EXECUTION_ARN), "
    "RUN_LOCK = COALESCE(VALUES(RUN_LOCK), RUN_LOCK)"
)


@dataclass(frozen=True)
class LeaseRow:
    holder: str
    run_id: str
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime
    execution_arn: str | None = None
    run_lock: str | None = None
    """The named lock a local run's process holds while it lives (``run_lock``)."""

    def describe(self) -> str:
        return (
            f"{self.holder} run {self.run_id} (started {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"last seen {self.renewed_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"expires {self.expires_at:%Y-%m-%d %H:%M:%S} UTC)"
        )


def _ensure_lease_table(cursor: Cursor) -> None:
    """Create the lease table when it is missing (DDL only then: it would commit an open
    transaction)."""
    cursor.execute(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
        (LEASE_TABLE,),
    )
    columns = {str(row[0]).upper() for row in cursor.fetchall()}
    if not columns:
        cursor.execute(_LEASE_DDL)
        return
    for column, ddl in _ADD_COLUMNS.items():
        if column not in columns:
            cursor.execute(ddl)


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
    return [
        LeaseRow(
            str(r[0]),
            str(r[1]),
            r[2],
            r[3],
            r[4],
            None if r[5] is None else str(r[5]),
            None if r[6] is None else str(r[6]),
        )
        for r in cursor.fetchall()
    ]


def purge_expired(cursor: Cursor) -> None:
    cursor.execute(f"DELETE FROM {_TABLE} WHERE EXPIRES_AT <= UTC_TIMESTAMP(6)")


def upsert(cursor: Cursor, holder: str, run_id: str, ttl_seconds: float) -> None:
    """Insert or extend ``run_id``'s row, recording the current holder's execution ARN.
    An abandoned run takes nothing (RunAbandonedError): what its process released stays
    released (the check runs inside the critical section, as the release does)."""
    current = current_holder()
    if current.abandoned():
        raise RunAbandonedError(f"run {run_id} was stopped; it takes no lease any more")
    ttl = max(1, round(ttl_seconds * 1_000_000))
    run_lock = None
    if current.holds_run_lock:
        cursor.execute("SELECT DATABASE()")
        run_lock = run_lock_name(str(cursor.fetchall()[0][0]), run_id)
    cursor.execute(_UPSERT, (holder, run_id, ttl, current.execution_arn, run_lock))


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


def _ended(connection: Connection, rows: list[LeaseRow]) -> list[LeaseRow]:
    """The rows whose holder has ended: its execution is no longer RUNNING (checked outside
    the critical section: a call to Step Functions), or it is a local run whose process is
    gone (its run lock is free, ``run_lock``). A row with neither cannot be checked."""
    check = current_holder().still_running
    ended = [row for row in rows if row.execution_arn and check(row.execution_arn) is False]
    locks = [row.run_lock for row in rows if row.run_lock and row not in ended]
    if locks:
        with connection.cursor() as cursor, translated_errors(DOING):
            free = free_run_locks(cursor, locks)
        ended += [row for row in rows if row.run_lock in free and row not in ended]
    return ended


def _take_over(cursor: Cursor, rows: list[LeaseRow]) -> None:
    """Delete every row of each ended holder (all sides: its execution holds nothing any
    more), unless the row changed hands since it was checked."""
    for row in rows:
        cursor.execute(
            f"DELETE FROM {_TABLE} WHERE RUN_ID = %s AND EXECUTION_ARN <=> %s AND RUN_LOCK <=> %s",
            (row.run_id, row.execution_arn, row.run_lock),
        )


def wait_until(
    connection: Connection,
    attempt: Callable[[Cursor], list[LeaseRow] | None],
    times: LeaseTimes,
    *,
    sleep: Callable[[float], None],
    on_wait: Callable[[], None],
) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    """Run ``attempt`` in the critical section until it returns None (done) or the wait
    is over. A blocking row whose holder's execution has ended (``holder.still_running``
    says False) is deleted and the attempt repeated at once: a dead run never blocks; TTLs
    are only the last resort for holders that cannot be checked. Returns the seconds
    waited, the runs waited for and the runs taken over; raises StillBlocked (with the
    last blocking rows) when the wait is over. ``on_wait`` runs before every pause."""
    started = time.monotonic()
    waited_for: dict[str, None] = {}
    taken_over: dict[str, None] = {}
    ended: list[LeaseRow] = []
    while True:
        with critical_section(connection) as cursor, translated_errors(DOING):
            _take_over(cursor, ended)
            blocking = attempt(cursor)
        if blocking is None:
            return round(time.monotonic() - started, 3), tuple(waited_for), tuple(taken_over)
        ended = _ended(connection, blocking)
        if ended:
            taken_over.update({row.run_id: None for row in ended})
            continue
        waited_for.update({row.run_id: None for row in blocking})
        remaining = times.wait_seconds - (time.monotonic() - started)
        if remaining <= 0:
            raise StillBlocked(blocking, round(time.monotonic() - started, 1))
        on_wait()
        sleep(min(times.poll_seconds, remaining))


def release_run(connection: Connection, run_id: str) -> list[str]:
    """Delete every lease row of ``run_id`` (any side); the holders released. For a run
    that was given up (``holder.abandoned``), so nothing of it stays held."""
    check_run_id(run_id)
    with critical_section(connection) as cursor, translated_errors(DOING):
        cursor.execute(f"SELECT HOLDER FROM {_TABLE} WHERE RUN_ID = %s", (run_id,))
        holders = sorted(str(row[0]) for row in cursor.fetchall())
        cursor.execute(f"DELETE FROM {_TABLE} WHERE RUN_ID = %s", (run_id,))
    return holders


def live_leases(connection: Connection) -> list[LeaseRow]:
    """Every live lease, for reports and diagnostics."""
    with critical_section(connection) as cursor, translated_errors(DOING):
        return live_rows(cursor)
