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
from training_refresh.env_names import EnvName
from training_refresh.errors import (
    GoldChangedDuringResetError,
    SchemaMismatchError,
    SwapBlockedError,
)
from training_refresh.gold_state.store import current_generation, publish_instant, read_manifest
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import (
    DEFAULT_RESET_TIMES,
    LeaseTimes,
    holding_reset_lease,
    release_reset_lease,
    renew_reset_lease,
)
from training_refresh.messages.reset import SwapOutcome, SwapTask
from training_refresh.reset.copy import build_staging_copy
from training_refresh.reset.tables import (
    DDL_LOCK_WAIT_SECONDS,
    ResetTables,
    drop_tables,
    existing_tables,
    prepare_session,
    set_lock_wait,
)
from training_refresh.table_groups import TableGroupSet, TableSpec

DEFAULT_GOLD_RECOPIES = 3
"""How often a swap copies gold again (``IMS_RESET_GOLD_RECOPIES``) before it gives up."""


@dataclass(frozen=True)
class SwapSettings:
    lock_wait_seconds: int = 2
    """How long one RENAME attempt may wait for trainees' statements; while it waits, new
    statements on those tables queue behind it, so keep it short."""
    attempts: int = 5
    pause_seconds: float = 2.0
    """Pause between attempts, letting queued trainee statements through."""
    gold_recopies: int = DEFAULT_GOLD_RECOPIES
    """How often the swap copies again the tables a publication changed since they were
    copied, before it fails with GoldChangedDuringResetError."""


@dataclass
class SwapResult:
    tables: list[str]
    attempts: int
    seconds: float
    old_tables_dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    gold_generation: int | None = None
    """The gold generation the training tables now hold (None: not checked)."""
    recopies: int = 0
    recopied_rows: dict[str, int] = field(default_factory=dict)


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
            gold_generation=task.gold_generation,
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
        gold_generation=result.gold_generation or 0,
        recopies=result.recopies,
        recopied_rows=result.recopied_rows,
    )


@dataclass
class _Swap:
    """One swap under way: what it swaps, and the gold generation its copies hold."""

    connection: Connection
    cursor: Cursor
    specs: Sequence[TableSpec]
    run_id: str | None
    lease_times: LeaseTimes
    settings: SwapSettings
    on_step: OnStep
    copied_from: int | None
    attempts: int = 0
    recopies: int = 0
    recopied_rows: dict[str, int] = field(default_factory=dict)

    @property
    def names(self) -> list[ResetTables]:
        return [ResetTables.of(spec) for spec in self.specs]


def swap_all(
    connection: Connection,
    specs: Sequence[TableSpec],
    run_id: str | None = None,
    *,
    gold_generation: int | None = None,
    settings: SwapSettings | None = None,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> SwapResult:
    """Swap every training table with its NEW copy in one atomic RENAME, then drop the olds.

    With a ``run_id`` every attempt runs inside the reset lease's critical section after
    verifying the run still holds it (see ``lease``). With a ``gold_generation`` (the one
    the copies were made from) every attempt also holds the gold publish lock
    (``gold_state.store.publish_instant``) and re-reads the published generation first:
    when a publication replaced gold meanwhile, the tables it changed are copied again
    (outside both locks) and the swap retried, at most ``settings.gold_recopies`` times,
    then GoldChangedDuringResetError (nothing swapped). So the training tables always hold
    exactly one published gold state. Raises SwapBlockedError when the tables stay busy
    through every attempt (nothing swapped), SchemaMismatchError when a staging copy is
    missing. ``on_step`` sees ``swap-before-rename`` (every attempt), ``swap-recopy:<n>``
    and ``swap-renamed``.
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
        swap = _Swap(
            connection, cursor, specs, run_id, lease_times, chosen, on_step, gold_generation
        )
        while not _attempt(swap):
            if swap.attempts >= chosen.attempts:
                raise SwapBlockedError(
                    f"the swap of {', '.join(n.training for n in names)} waited {chosen.attempts} "
                    f"times {chosen.lock_wait_seconds} s for the training tables: a long trainee "
                    "query or open transaction blocked it. Nothing was swapped; the training "
                    f"tables are unchanged.{_blocking_sessions(cursor)}"
                )
            sleep(chosen.pause_seconds)
        on_step("swap-renamed")
        result = SwapResult([n.training for n in names], swap.attempts, 0.0)
        result.gold_generation = swap.copied_from
        result.recopies = swap.recopies
        result.recopied_rows = swap.recopied_rows
        _drop_old_tables(cursor, names, result)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _attempt(swap: _Swap) -> bool:
    """One RENAME attempt; True once renamed. When gold was published since the copies
    were made, the changed tables are copied again first (then it tries at once)."""
    while True:
        guard: AbstractContextManager[None] = (
            holding_reset_lease(swap.connection, swap.run_id, swap.lease_times)
            if swap.run_id is not None
            else nullcontext()
        )
        with guard, publish_instant(swap.cursor):
            swap.on_step("swap-before-rename")
            published = current_generation(swap.cursor)
            if swap.copied_from is None or published == swap.copied_from:
                swap.attempts += 1
                return _rename(swap.cursor, swap.names, swap.settings.lock_wait_seconds)
        _copy_again(swap, published)


def _copy_again(swap: _Swap, published: int) -> None:
    """Copy again the tables that publications since ``swap.copied_from`` changed (all of
    them when a state in between is no longer kept), or raise GoldChangedDuringResetError
    when the recopies allowed are used up. Runs outside the locks: publications go on."""
    since = swap.copied_from if swap.copied_from is not None else published
    changed = _changed_since(swap.cursor, swap.specs, since, published)
    swap.copied_from = published
    if not changed:
        return
    if swap.recopies >= swap.settings.gold_recopies:
        raise GoldChangedDuringResetError(
            f"gold was published again while the reset copied it, {swap.recopies + 1} "
            f"time(s) (now generation {published}; {EnvName.RESET_GOLD_RECOPIES} allows "
            f"{swap.settings.gold_recopies} copies again). Nothing was swapped; the training "
            "tables are unchanged. Run the reset again when the gold loads have settled."
        )
    swap.recopies += 1
    swap.on_step(f"swap-recopy:{swap.recopies}")
    for spec in changed:
        copied = build_staging_copy(
            swap.connection, spec, swap.run_id, lease_times=swap.lease_times, on_step=swap.on_step
        )
        swap.recopied_rows[spec.training_table] = copied.rows
    prepare_session(swap.cursor)


def _changed_since(
    cursor: Cursor, specs: Sequence[TableSpec], since: int, published: int
) -> list[TableSpec]:
    """The tables whose gold copy a publication after generation ``since`` (up to
    ``published``) changed; every table when one of those states is no longer kept (an
    undo forgets the state it undid) or the generation went backwards."""
    if published < since:
        return list(specs)
    manifest = read_manifest(cursor)
    changed: set[str] = set()
    for generation in range(since + 1, published + 1):
        state = manifest.state(generation)
        if state is None:
            return list(specs)
        changed.update(state.summary.tables_changed)
    return [spec for spec in specs if spec.gold_table in changed]


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
