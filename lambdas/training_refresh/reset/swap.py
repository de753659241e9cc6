"""The reset's swap step: every training table with its staging copy in one atomic RENAME.

The RENAME must wait for running statements and open transactions on the training tables
(and queues new ones behind it while it waits), so each attempt waits only briefly and the
attempts are spread out; when trainees hold the tables throughout, SwapBlockedError says so
and names the sessions, and the training tables stay as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from training_refresh.adapters.mysql import (
    LOCK_WAIT_ERRORS,
    TABLE_EXISTS,
    Connection,
    Cursor,
    as_domain_error,
    connected,
    error_code,
    quote_identifier,
    translated_errors,
)
from training_refresh.errors import SchemaMismatchError, SwapBlockedError
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import (
    DEFAULT_RESET_TIMES,
    LeaseTimes,
    holding_reset_lease,
    release_reset_lease,
    renew_reset_lease,
)
from training_refresh.messages.reset import SwapOutcome, SwapTask
from training_refresh.reset.tables import (
    DDL_LOCK_WAIT_SECONDS,
    ResetTables,
    drop_tables,
    existing_tables,
    prepare_session,
    set_lock_wait,
)
from training_refresh.table_groups import TableGroupSet, TableSpec


@dataclass(frozen=True)
class SwapSettings:
    lock_wait_seconds: int = 2
    """How long one RENAME attempt may wait for trainees' statements; while it waits, new
    statements on those tables queue behind it, so keep it short."""
    attempts: int = 5
    pause_seconds: float = 2.0
    """Pause between attempts, letting queued trainee statements through."""


@dataclass
class SwapResult:
    tables: list[str]
    attempts: int
    seconds: float
    old_tables_dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def swap_tables(
    task: SwapTask,
    *,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    settings: SwapSettings | None = None,
    on_step: OnStep = ignore_step,
) -> SwapOutcome:
    """Swap every copied table in one atomic RENAME, drop the olds, release the lease."""
    specs = [table_groups.table(name) for name in task.tables]
    with connected(connect_mysql) as connection:
        result = swap_all(
            connection,
            specs,
            task.run_id,
            settings=settings,
            lease_times=lease_times,
            on_step=on_step,
        )
        release_reset_lease(connection, task.run_id)
    return SwapOutcome(
        tables=result.tables,
        attempts=result.attempts,
        duration_seconds=result.seconds,
        old_tables_dropped=result.old_tables_dropped,
        warnings=result.warnings,
    )


def swap_all(
    connection: Connection,
    specs: Sequence[TableSpec],
    run_id: str | None = None,
    *,
    settings: SwapSettings | None = None,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> SwapResult:
    """Swap every training table with its NEW copy in one atomic RENAME, then drop the olds.

    With a ``run_id`` every attempt runs inside the reset lease's critical section after
    verifying the run still holds it (see ``lease``). Raises SwapBlockedError when the
    tables stay busy through every attempt (nothing swapped), SchemaMismatchError when a
    staging copy is missing. ``on_step`` sees ``swap-before-rename`` (every attempt) and
    ``swap-renamed``.
    """
    chosen = settings or SwapSettings()
    started = time.monotonic()
    names = [ResetTables.of(spec) for spec in specs]
    if not names:
        return SwapResult([], 0, 0.0)
    if run_id is not None:
        renew_reset_lease(connection, run_id, lease_times)
    with connection.cursor() as cursor, translated_errors("swapping the training tables"):
        prepare_session(cursor)
        _check_staging_copies(cursor, names)
        drop_tables(cursor, [n.old for n in names])
        attempt = 0
        while True:
            attempt += 1
            guard: AbstractContextManager[None] = (
                holding_reset_lease(connection, run_id, lease_times)
                if run_id is not None
                else nullcontext()
            )
            with guard:
                on_step("swap-before-rename")
                if _rename(cursor, names, chosen.lock_wait_seconds):
                    break
            if attempt >= chosen.attempts:
                raise SwapBlockedError(
                    f"the swap of {', '.join(n.training for n in names)} waited {chosen.attempts} "
                    f"times {chosen.lock_wait_seconds} s for the training tables: a long trainee "
                    "query or open transaction blocked it. Nothing was swapped; the training "
                    f"tables are unchanged.{_blocking_sessions(cursor)}"
                )
            sleep(chosen.pause_seconds)
        on_step("swap-renamed")
        result = SwapResult([n.training for n in names], attempt, 0.0)
        _drop_old_tables(cursor, names, result)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _check_staging_copies(cursor: Cursor, names: Sequence[ResetTables]) -> None:
    present = existing_tables(cursor, [n.new for n in names] + [n.training for n in names])
    missing = [n.new for n in names if n.new not in present]
    missing += [n.training for n in names if n.training not in present]
    if missing:
        raise SchemaMismatchError(
            f"cannot swap: {', '.join(missing)} missing (a copy step did not complete); "
            "nothing was swapped"
        )


def _rename(cursor: Cursor, names: Sequence[ResetTables], lock_wait_seconds: int) -> bool:
    """One RENAME attempt; False when it waited in vain for the tables (or found OLD tables
    another session made meanwhile, which it drops for the next attempt)."""
    renames = ", ".join(
        f"{quote_identifier(n.training)} TO {quote_identifier(n.old)}, "
        f"{quote_identifier(n.new)} TO {quote_identifier(n.training)}"
        for n in names
    )
    set_lock_wait(cursor, lock_wait_seconds)
    try:
        cursor.execute(f"RENAME TABLE {renames}")
    except Exception as error:
        code = error_code(error)
        if code == TABLE_EXISTS:
            set_lock_wait(cursor, DDL_LOCK_WAIT_SECONDS)
            drop_tables(cursor, [n.old for n in names])
        elif code not in LOCK_WAIT_ERRORS:
            raise
        return False
    finally:
        set_lock_wait(cursor, DDL_LOCK_WAIT_SECONDS)
    return True


def _drop_old_tables(cursor: Cursor, names: Sequence[ResetTables], result: SwapResult) -> None:
    """After the swap: a table that cannot be dropped now is left to the next reset."""
    for n in names:
        try:
            result.old_tables_dropped.extend(drop_tables(cursor, [n.old]))
        except Exception as error:
            result.warnings.append(
                f"could not drop {n.old} now ({as_domain_error(error, 'drop')}); "
                "the next reset drops it"
            )


def _blocking_sessions(cursor: Cursor) -> str:
    """Best effort: other sessions on this database that run a statement or hold an open
    transaction, longest first (id, user, seconds; never the statement text)."""
    try:
        cursor.execute(
            "SELECT p.ID, p.USER, p.TIME, p.COMMAND FROM information_schema.PROCESSLIST p "
            "LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID "
            "WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID() "
            "AND (p.COMMAND <> 'Sleep' OR t.trx_id IS NOT NULL) "
            "ORDER BY p.TIME DESC LIMIT 5"
        )
        rows = cursor.fetchall()
    except Exception:
        return ""
    if not rows:
        return ""
    shown = ", ".join(f"id {r[0]} user {r[1]} {r[3].lower()} for {r[2]} s" for r in rows)
    return f" Sessions on the training database holding it (longest first): {shown}."
