"""Mutual exclusion between gold loads and resets: the refresh lease.

The problem
-----------
A reset must never copy a partially loaded gold state, and a gold load must not write
while a reset copies. Both workflows span several Lambda invocations with no connection
that lives from start to end, so a connection-scoped MySQL lock (``GET_LOCK``) alone
cannot cover a run. Gold loads may overlap each other (they are additive and every chunk
is its own transaction); a reset needs the exclusive side.

The design
----------
* **Lease rows** in ``IMS_REFRESH_LEASE`` (created when missing) say who is running:
  ``(HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT)`` with ``HOLDER`` either
  ``gold-load`` or ``reset``. Times come from the database server's clock
  (``UTC_TIMESTAMP(6)``), so the clocks of different Lambdas never matter. A lease is
  *live* while ``EXPIRES_AT`` lies in the future; every renewal moves it to now + TTL.
* **A short critical section** (``GET_LOCK`` on a name derived from the database name,
  held for milliseconds, one transaction) makes every check-then-write on the lease rows
  atomic, so a gold load and a reset can never both see "the other side is idle".
* **Gold loads (shared side)**: ``acquire_gold_load_lease`` (plan) and
  ``renew_gold_load_lease`` (before every chunk) insert or extend the run's row when no
  live reset lease exists; otherwise they wait a bounded time and then raise
  ``ResetInProgressError``. Any number of gold-load rows may be live at once.
  ``release_gold_load_lease`` (report) deletes the row.
* **Reset (exclusive side)**: ``acquire_reset_lease`` waits a bounded time while any
  live gold-load lease exists and then raises ``GoldLoadInProgressError`` (the reset has
  touched nothing). Otherwise it writes the single reset row. A reset row of *another*
  run is taken over at once, live or not: runs have no liveness signal between steps,
  and a reset killed mid-run must never block the next one. Taking over is safe because
  every later step of a reset re-checks, inside the critical section, that its own row
  is still there and live (``renew_reset_lease``, ``holding_reset_lease``); an older
  reset that was taken over therefore fails with ``ResetSupersededError`` before it can
  rename anything, and the newest reset (which copies the same gold state, since no gold
  load can run while any reset row is live) does the swap. The renames that publish a
  staging copy or swap the training tables run *inside* the critical section after that
  check, so no takeover or gold load can slip in between check and rename.
* **Killed runs**: a killed gold load's row expires TTL after its last renewal (then
  resets may proceed; a later renewal by that run, if it was merely slow, re-acquires
  unless a reset is live). A killed reset's row is taken over by the next reset at once,
  or expires after its TTL; until then gold loads wait/fail with a message saying so.

Why the TTL is 20 minutes by default: a gold load renews before every chunk, and a chunk
runs inside one Lambda invocation (15 minutes at most), so a lease that outlives any
invocation plus Step Functions' retry pauses cannot expire while a chunk of a live run is
still being written or between two chunks of a run that is merely retrying. A reset
renews at every copy, publish and swap, whose statements are also bounded by the Lambda
limit. Shorter TTLs (tests use seconds) are configurable through the environment.

What the lease does not cover: writers that do not take it (manual SQL on the gold
copies). Leases are advisory, like every MySQL named lock.

Every public function runs its own short transaction on the connection it is given, so
call it with no transaction open there (e.g. before ``replace_customers``, not inside it).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from training_refresh.errors import (
    GoldLoadInProgressError,
    ResetInProgressError,
    ResetLeaseLostError,
    ResetSupersededError,
    TrainingDatabaseBusyError,
    TrainingDatabaseError,
)
from training_refresh.gold_merge import Connection, Cursor, quote_identifier

LEASE_TABLE = "IMS_REFRESH_LEASE"
GOLD_LOAD = "gold-load"
RESET = "reset"
MUTEX_WAIT_SECONDS = 30
"""How long a step waits for the lease critical section (held for milliseconds, or for
one short swap attempt) before it gives up with TrainingDatabaseBusyError."""
MAX_LOCK_NAME = 64

GOLD_LOAD_LEASE_SECONDS_ENV = "IMS_GOLD_LOAD_LEASE_SECONDS"
GOLD_LOAD_WAIT_SECONDS_ENV = "IMS_GOLD_LOAD_WAIT_SECONDS"
RESET_LEASE_SECONDS_ENV = "IMS_RESET_LEASE_SECONDS"
RESET_WAIT_SECONDS_ENV = "IMS_RESET_WAIT_SECONDS"
LEASE_POLL_SECONDS_ENV = "IMS_LEASE_POLL_SECONDS"

_LEASE_DDL = f"""CREATE TABLE IF NOT EXISTS {quote_identifier(LEASE_TABLE)} (
    HOLDER       VARCHAR(16)  NOT NULL,
    RUN_ID       VARCHAR(128) NOT NULL,
    ACQUIRED_AT  DATETIME(6)  NOT NULL,
    RENEWED_AT   DATETIME(6)  NOT NULL,
    EXPIRES_AT   DATETIME(6)  NOT NULL,
    PRIMARY KEY (HOLDER, RUN_ID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"""

_LIVE_ROWS = (
    "SELECT HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT "
    f"FROM {quote_identifier(LEASE_TABLE)} "
    "WHERE EXPIRES_AT > UTC_TIMESTAMP(6) ORDER BY HOLDER, ACQUIRED_AT"
)
_UPSERT = (
    f"INSERT INTO {quote_identifier(LEASE_TABLE)} "
    "(HOLDER, RUN_ID, ACQUIRED_AT, RENEWED_AT, EXPIRES_AT) "
    "VALUES (%s, %s, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), "
    "UTC_TIMESTAMP(6) + INTERVAL %s MICROSECOND) "
    "ON DUPLICATE KEY UPDATE "
    "ACQUIRED_AT = IF(EXPIRES_AT > UTC_TIMESTAMP(6), ACQUIRED_AT, VALUES(ACQUIRED_AT)), "
    "RENEWED_AT = VALUES(RENEWED_AT), EXPIRES_AT = VALUES(EXPIRES_AT)"
)


@dataclass(frozen=True)
class LeaseTimes:
    """How long a lease lives after its last renewal, and how long to wait for the other
    side before giving up."""

    ttl_seconds: float
    wait_seconds: float
    poll_seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.ttl_seconds <= 0 or self.wait_seconds < 0 or self.poll_seconds <= 0:
            raise ValueError(f"lease times must be positive: {self}")


DEFAULT_GOLD_LOAD_TIMES = LeaseTimes(ttl_seconds=20 * 60, wait_seconds=5 * 60)
DEFAULT_RESET_TIMES = LeaseTimes(ttl_seconds=20 * 60, wait_seconds=5 * 60)


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be a number of seconds") from None


def gold_load_lease_times(environ: Mapping[str, str] = os.environ) -> LeaseTimes:
    """Lease times of gold loads: defaults, overridden by IMS_GOLD_LOAD_LEASE_SECONDS,
    IMS_GOLD_LOAD_WAIT_SECONDS and IMS_LEASE_POLL_SECONDS."""
    default = DEFAULT_GOLD_LOAD_TIMES
    return LeaseTimes(
        ttl_seconds=_seconds(environ, GOLD_LOAD_LEASE_SECONDS_ENV, default.ttl_seconds),
        wait_seconds=_seconds(environ, GOLD_LOAD_WAIT_SECONDS_ENV, default.wait_seconds),
        poll_seconds=_seconds(environ, LEASE_POLL_SECONDS_ENV, default.poll_seconds),
    )


def reset_lease_times(environ: Mapping[str, str] = os.environ) -> LeaseTimes:
    """Lease times of resets: defaults, overridden by IMS_RESET_LEASE_SECONDS,
    IMS_RESET_WAIT_SECONDS and IMS_LEASE_POLL_SECONDS."""
    default = DEFAULT_RESET_TIMES
    return LeaseTimes(
        ttl_seconds=_seconds(environ, RESET_LEASE_SECONDS_ENV, default.ttl_seconds),
        wait_seconds=_seconds(environ, RESET_WAIT_SECONDS_ENV, default.wait_seconds),
        poll_seconds=_seconds(environ, LEASE_POLL_SECONDS_ENV, default.poll_seconds),
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


@dataclass(frozen=True)
class ResetLease:
    run_id: str
    superseded_runs: tuple[str, ...]
    waited_seconds: float
    waited_for: tuple[str, ...]
    """Gold-load runs the reset waited for (empty when it did not wait)."""


@dataclass(frozen=True)
class GoldLoadLease:
    run_id: str
    waited_seconds: float
    waited_for: tuple[str, ...]


def _micros(seconds: float) -> int:
    return max(1, round(seconds * 1_000_000))


def _mutex_name(cursor: Cursor) -> str:
    cursor.execute("SELECT DATABASE()")
    rows = cursor.fetchall()
    database = rows[0][0] if rows else None
    if not database:
        raise TrainingDatabaseError("the training database connection has no default database")
    name = f"ims_refresh_lease.{database}"
    if len(name) > MAX_LOCK_NAME:
        name = "ims_refresh_lease." + hashlib.sha256(str(database).encode()).hexdigest()[:40]
    return name


def _database_error(error: Exception) -> Exception:
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    if code is None:
        return error
    message = str(error.args[1]) if len(error.args) > 1 else ""
    if code in {1205, 1213, 2006, 2013}:
        return TrainingDatabaseBusyError(f"MySQL error {code} on the refresh lease: {message}")
    return TrainingDatabaseError(f"MySQL error {code} on the refresh lease: {message}")


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
def _lease_errors() -> Iterator[None]:
    """pymysql errors of lease statements become domain errors; domain errors pass."""
    try:
        yield
    except Exception as error:
        converted = _database_error(error)
        if converted is error:
            raise
        raise converted from error


@contextmanager
def _critical_section(connection: Connection) -> Iterator[Cursor]:
    """The lease mutex plus one transaction: the body sees fresh rows and its writes commit
    together when it ends. The body's own exceptions pass through unchanged (after a
    rollback); the mutex is always released."""
    with connection.cursor() as cursor:
        with _lease_errors():
            _ensure_lease_table(cursor)
            name = _mutex_name(cursor)
            cursor.execute("SELECT GET_LOCK(%s, %s)", (name, MUTEX_WAIT_SECONDS))
            rows = cursor.fetchall()
        if not rows or rows[0][0] != 1:
            raise TrainingDatabaseBusyError(
                f"the refresh lease lock {name!r} was not free within {MUTEX_WAIT_SECONDS} s"
            )
        try:
            with _lease_errors():
                connection.begin()
            try:
                yield cursor
            except BaseException:
                _rollback_quietly(connection)
                raise
            with _lease_errors():
                connection.commit()
        finally:
            with suppress(Exception):  # a lost connection releases the lock anyway
                cursor.execute("SELECT RELEASE_LOCK(%s)", (name,))
                cursor.fetchall()


def _rollback_quietly(connection: Connection) -> None:
    # A failed rollback means the connection is gone, and MySQL rolls back on disconnect.
    with suppress(Exception):
        connection.rollback()


def _live_rows(cursor: Cursor) -> list[LeaseRow]:
    cursor.execute(_LIVE_ROWS)
    return [LeaseRow(str(r[0]), str(r[1]), r[2], r[3], r[4]) for r in cursor.fetchall()]


def _purge_expired(cursor: Cursor) -> None:
    cursor.execute(
        f"DELETE FROM {quote_identifier(LEASE_TABLE)} WHERE EXPIRES_AT <= UTC_TIMESTAMP(6)"
    )


def _upsert(cursor: Cursor, holder: str, run_id: str, ttl_seconds: float) -> None:
    cursor.execute(_UPSERT, (holder, run_id, _micros(ttl_seconds)))


def _check_run_id(run_id: str) -> str:
    if not isinstance(run_id, str) or not run_id or len(run_id) > 128:
        raise TrainingDatabaseError(f"a lease needs a run id of 1-128 characters, got {run_id!r}")
    return run_id


def _wait_until(
    connection: Connection,
    attempt: Callable[[Cursor], list[LeaseRow] | None],
    times: LeaseTimes,
    sleep: Callable[[float], None],
) -> tuple[float, tuple[str, ...]]:
    """Run ``attempt`` in the critical section until it returns None (done) or the wait
    is over. Returns the seconds waited and the runs waited for; raises _StillBlocked
    (with the last blocking rows) when the wait is over."""
    started = time.monotonic()
    waited_for: dict[str, None] = {}
    while True:
        with _critical_section(connection) as cursor, _lease_errors():
            blocking = attempt(cursor)
        if blocking is None:
            return round(time.monotonic() - started, 3), tuple(waited_for)
        waited_for.update({row.run_id: None for row in blocking})
        remaining = times.wait_seconds - (time.monotonic() - started)
        if remaining <= 0:
            raise _StillBlocked(blocking, round(time.monotonic() - started, 1))
        sleep(min(times.poll_seconds, remaining))


class _StillBlocked(Exception):
    def __init__(self, rows: list[LeaseRow], waited: float) -> None:
        super().__init__()
        self.rows = rows
        self.waited = waited


# --- gold load (shared side) ------------------------------------------------------------


def acquire_gold_load_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> GoldLoadLease:
    """Take (or extend) gold-load run ``run_id``'s lease; other gold loads may hold theirs.

    Waits up to ``times.wait_seconds`` while a live reset lease exists, then raises
    ResetInProgressError (nothing written). Idempotent: calling it again just renews.
    """
    _check_run_id(run_id)
    chosen = times or gold_load_lease_times()

    def attempt(cursor: Cursor) -> list[LeaseRow] | None:
        _purge_expired(cursor)
        resets = [row for row in _live_rows(cursor) if row.holder == RESET]
        if resets:
            return resets
        _upsert(cursor, GOLD_LOAD, run_id, chosen.ttl_seconds)
        return None

    try:
        waited, waited_for = _wait_until(connection, attempt, chosen, sleep)
    except _StillBlocked as blocked:
        holders = "; ".join(row.describe() for row in blocked.rows)
        raise ResetInProgressError(
            f"gold load {run_id} waited {blocked.waited:.0f} s for a reset to finish and gave "
            f"up without writing: {holders}. If that reset was killed, run a reset again (it "
            "takes the lease over) or wait until the lease expires."
        ) from None
    return GoldLoadLease(run_id, waited, waited_for)


def renew_gold_load_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> GoldLoadLease:
    """Extend ``run_id``'s lease to now + TTL; call it before every chunk is written.

    The same operation as acquiring: while the run's own lease is live no reset can hold
    the exclusive side, so this just extends it; if it expired (or was never taken) and a
    reset now holds the lease, it waits a bounded time and raises ResetInProgressError.
    """
    return acquire_gold_load_lease(connection, run_id, times, sleep=sleep)


def release_gold_load_lease(connection: Connection, run_id: str) -> bool:
    """Give ``run_id``'s gold-load lease back (idempotent); True when it held one."""
    _check_run_id(run_id)
    with _critical_section(connection) as cursor, _lease_errors():
        deleted = cursor.execute(
            f"DELETE FROM {quote_identifier(LEASE_TABLE)} WHERE HOLDER = %s AND RUN_ID = %s",
            (GOLD_LOAD, run_id),
        )
    return bool(deleted)


# --- reset (exclusive side) -------------------------------------------------------------


def acquire_reset_lease(
    connection: Connection,
    run_id: str,
    times: LeaseTimes | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> ResetLease:
    """Take the exclusive reset lease for ``run_id``.

    Waits up to ``times.wait_seconds`` while any live gold-load lease exists, then raises
    GoldLoadInProgressError (nothing touched). Another reset's lease is taken over (see the
    module docstring); its run ids are returned in ``superseded_runs``.
    """
    _check_run_id(run_id)
    chosen = times or reset_lease_times()
    superseded: list[str] = []

    def attempt(cursor: Cursor) -> list[LeaseRow] | None:
        _purge_expired(cursor)
        live = _live_rows(cursor)
        gold_loads = [row for row in live if row.holder == GOLD_LOAD]
        if gold_loads:
            return gold_loads
        others = [row.run_id for row in live if row.holder == RESET and row.run_id != run_id]
        cursor.execute(
            f"DELETE FROM {quote_identifier(LEASE_TABLE)} WHERE HOLDER = %s AND RUN_ID <> %s",
            (RESET, run_id),
        )
        _upsert(cursor, RESET, run_id, chosen.ttl_seconds)
        superseded[:] = others
        return None

    try:
        waited, waited_for = _wait_until(connection, attempt, chosen, sleep)
    except _StillBlocked as blocked:
        holders = "; ".join(row.describe() for row in blocked.rows)
        raise GoldLoadInProgressError(
            f"reset {run_id} waited {blocked.waited:.0f} s for gold loads to finish and gave up "
            f"without copying anything: {holders}. Run the reset again when the gold load "
            "has finished."
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
    _upsert(cursor, RESET, run_id, ttl_seconds)


def renew_reset_lease(connection: Connection, run_id: str, times: LeaseTimes | None = None) -> None:
    """Check that ``run_id`` still holds a live reset lease and extend it to now + TTL.

    Raises ResetSupersededError when a newer reset took it over, ResetLeaseLostError when
    it expired or was released (never re-acquires: a gold load may have run in between).
    """
    _check_run_id(run_id)
    chosen = times or reset_lease_times()
    with _critical_section(connection) as cursor, _lease_errors():
        _verify_reset_lease(cursor, run_id, chosen.ttl_seconds)


@contextmanager
def holding_reset_lease(
    connection: Connection, run_id: str, times: LeaseTimes | None = None
) -> Iterator[None]:
    """Verify and renew ``run_id``'s reset lease and keep the lease critical section for
    the body, so nothing can take the lease between the check and what the body does
    (the renames that publish a copy or swap the tables). Keep the body short."""
    _check_run_id(run_id)
    chosen = times or reset_lease_times()
    with _critical_section(connection) as cursor:
        with _lease_errors():
            _verify_reset_lease(cursor, run_id, chosen.ttl_seconds)
            connection.commit()
        yield


def release_reset_lease(connection: Connection, run_id: str) -> bool:
    """Give ``run_id``'s reset lease back (idempotent; never touches another run's)."""
    _check_run_id(run_id)
    with _critical_section(connection) as cursor, _lease_errors():
        deleted = cursor.execute(
            f"DELETE FROM {quote_identifier(LEASE_TABLE)} WHERE HOLDER = %s AND RUN_ID = %s",
            (RESET, run_id),
        )
    return bool(deleted)


def live_leases(connection: Connection) -> list[LeaseRow]:
    """Every live lease, for reports and diagnostics."""
    with _critical_section(connection) as cursor, _lease_errors():
        return _live_rows(cursor)
