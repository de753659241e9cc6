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
    Connection,
    Cursor,
    as_domain_error,
    connected,
    translated_errors,
)
from training_refresh.env_names import EnvName
from training_refresh.errors import (
    GoldChangedDuringResetError,
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
from training_refresh.reset.rename import check_staging_copies, rename_attempt
from training_refresh.reset.stage import forget_staged, staged_copies, staged_name
from training_refresh.reset.tables import (
    ResetTables,
    blocking_sessions,
    drop_tables,
    prepare_session,
)
from training_refresh.run_files import now_iso
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
    path: str = "copied"
    """``staged`` (staged copies renamed in, nothing copied) or ``copied`` (copied now)."""
    staged_ready_at: str | None = None
    """When the staged copies it published became ready (staged path only)."""
    staged_rows: dict[str, int] = field(default_factory=dict)
    fallback: str | None = None
    """Why a reset planned on staged copies copied now instead."""
    swapped_at: str | None = None
    drop_seconds: float = 0.0
    """Dropping the old tables after the swap (not part of ``seconds``)."""


def swap_tables(
    task: SwapTask,
    *,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    settings: SwapSettings | None = None,
    on_step: OnStep = ignore_step,
) -> SwapOutcome:
    """Swap every copied table in one atomic RENAME, release the lease, drop the olds.

    The old tables are dropped after the lease is released: once renamed away they are
    unreachable (no trainee, gold load or reset reads ``T__RESET_OLD``), and their DROP
    takes time in proportion to their size (InnoDB frees their pages and deletes their
    files), which would otherwise lengthen the publish and keep the next reset waiting for
    the lease. A reset that starts meanwhile drops leftover olds before its own RENAME."""
    specs = [table_groups.table(name) for name in task.tables]
    with connected(connect_mysql) as connection:
        result = swap_all(
            connection,
            specs,
            task.run_id,
            gold_generation=task.gold_generation,
            staged=task.staged,
            settings=settings,
            lease_times=lease_times,
            on_step=on_step,
            drop_olds=False,
        )
        release_reset_lease(connection, task.run_id)
        with connection.cursor() as cursor:
            drop_old_tables(cursor, specs, result)
    return SwapOutcome(
        tables=result.tables,
        attempts=result.attempts,
        duration_seconds=result.seconds,
        old_tables_dropped=result.old_tables_dropped,
        warnings=result.warnings,
        gold_generation=result.gold_generation or 0,
        recopies=result.recopies,
        recopied_rows=result.recopied_rows,
        path=result.path,
        staged_ready_at=result.staged_ready_at,
        staged_rows=result.staged_rows,
        fallback=result.fallback,
        swapped_at=result.swapped_at,
        old_tables_drop_seconds=result.drop_seconds,
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
    staged: bool = False
    """Still planned on staged copies (none of its own built yet)."""
    attempts: int = 0
    recopies: int = 0
    recopied_rows: dict[str, int] = field(default_factory=dict)
    staged_ready_at: str | None = None
    staged_rows: dict[str, int] = field(default_factory=dict)
    fallback: str | None = None

    @property
    def names(self) -> list[ResetTables]:
        return [ResetTables.of(spec) for spec in self.specs]


def swap_all(
    connection: Connection,
    specs: Sequence[TableSpec],
    run_id: str | None = None,
    *,
    gold_generation: int | None = None,
    staged: bool = False,
    settings: SwapSettings | None = None,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
    drop_olds: bool = True,
) -> SwapResult:
    """Swap every training table with its NEW copy in one atomic RENAME, then drop the olds
    (unless not ``drop_olds``: then the caller does, with :func:`drop_old_tables`).

    With a ``run_id`` every attempt runs inside the reset lease's critical section after
    verifying the run still holds it (see ``lease``). With a ``gold_generation`` (the one
    the copies were made from) every attempt also holds the gold publish lock
    (``gold_state.store.publish_instant``) and re-reads the published generation first:
    when a publication replaced gold meanwhile, the tables it changed are copied again
    (outside both locks) and the swap retried, at most ``settings.gold_recopies`` times,
    then GoldChangedDuringResetError (nothing swapped). So the training tables always hold
    exactly one published gold state. Raises SwapBlockedError when the tables stay busy
    through every attempt (nothing swapped), SchemaMismatchError when a staging copy is
    missing. ``staged``: the plan found staged copies of its generation (``stage``), so
    nothing was copied; inside the locks the swap renames the staged copies in when they
    are of the generation published then, else it copies every table now (outside the
    locks) and goes on as a copied reset. ``on_step`` sees ``swap-before-rename`` (every
    attempt), ``swap-copy-now`` (staged copies unusable), ``swap-recopy:<n>`` and
    ``swap-renamed``. ``seconds`` of the result ends once the tables are swapped; the
    drop of the olds is timed apart (``drop_seconds``).
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
        if not staged:
            check_staging_copies(cursor, names)
        drop_tables(cursor, [n.old for n in names])
        swap = _Swap(
            connection, cursor, specs, run_id, lease_times, chosen, on_step, gold_generation
        )
        swap.staged = staged
        while not _attempt(swap):
            if swap.attempts >= chosen.attempts:
                raise SwapBlockedError(
                    f"the swap of {', '.join(n.training for n in names)} waited {chosen.attempts} "
                    f"times {chosen.lock_wait_seconds} s for the training tables: a long trainee "
                    "query or open transaction blocked it. Nothing was swapped; the training "
                    f"tables are unchanged.{blocking_sessions(cursor)}"
                )
            sleep(chosen.pause_seconds)
        on_step("swap-renamed")
        result = SwapResult([n.training for n in names], swap.attempts, 0.0)
        result.gold_generation = swap.copied_from
        result.recopies = swap.recopies
        result.recopied_rows = swap.recopied_rows
        result.path = "staged" if swap.staged else "copied"
        result.staged_ready_at, result.fallback = swap.staged_ready_at, swap.fallback
        result.staged_rows = swap.staged_rows
        result.swapped_at = now_iso()
        result.seconds = round(time.monotonic() - started, 3)
        if drop_olds:
            drop_old_tables(cursor, specs, result)
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
            if swap.staged and _staged_ready(swap, published):
                swap.attempts += 1
                return _rename_staged(swap, published)
            if not swap.staged and (swap.copied_from is None or published == swap.copied_from):
                swap.attempts += 1
                return rename_attempt(swap.cursor, swap.names, swap.settings.lock_wait_seconds)
        if swap.staged:
            _copy_now(swap, published)
        else:
            _copy_again(swap, published)


def _staged_ready(swap: _Swap, published: int) -> bool:
    """Every table has a staged copy of the published generation (inside the locks)."""
    records = staged_copies(swap.cursor, swap.specs)
    usable = [
        records[s.training_table]
        for s in swap.specs
        if s.training_table in records and records[s.training_table].gold_generation == published
    ]
    if len(usable) == len(swap.specs):
        swap.staged_ready_at = max(r.ready_at for r in usable)
        swap.staged_rows = {r.training_table: r.rows for r in usable}
        return True
    stale = sorted({r.gold_generation for r in records.values()} - {published})
    swap.fallback = (
        f"staged copies of gold generation {', '.join(map(str, stale))}, not {published}"
        if stale
        else f"no staged copy of gold generation {published} for every table"
    )
    return False


def _rename_staged(swap: _Swap, published: int) -> bool:
    """The staged copies' RENAME; their records go with them (consumed)."""
    sources = {n.training: staged_name(n.training) for n in swap.names}
    if not rename_attempt(swap.cursor, swap.names, swap.settings.lock_wait_seconds, sources):
        return False
    forget_staged(swap.connection, swap.cursor, sources)
    swap.copied_from = published
    return True


def _copy_now(swap: _Swap, published: int) -> None:
    """The staged copies cannot be used: copy every table now, as a reset without them."""
    swap.staged, swap.staged_ready_at, swap.staged_rows = False, None, {}
    swap.on_step("swap-copy-now")
    for spec in swap.specs:
        copied = build_staging_copy(
            swap.connection, spec, swap.run_id, lease_times=swap.lease_times, on_step=swap.on_step
        )
        swap.recopied_rows[spec.training_table] = copied.rows
    swap.copied_from = published
    prepare_session(swap.cursor)


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


def drop_old_tables(cursor: Cursor, specs: Sequence[TableSpec], result: SwapResult) -> None:
    """After the swap: drop the old tables, timed into ``result.drop_seconds``; a table
    that cannot be dropped now is left to the next reset (never fails the swap)."""
    started = time.monotonic()
    for n in (ResetTables.of(spec) for spec in specs):
        try:
            result.old_tables_dropped.extend(drop_tables(cursor, [n.old]))
        except Exception as error:
            result.warnings.append(
                f"could not drop {n.old} now ({as_domain_error(error, 'drop')}); "
                "the next reset drops it"
            )
    result.drop_seconds = round(time.monotonic() - started, 3)
