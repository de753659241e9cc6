"""Staged copies for the next reset (issue 17): built ahead, published by the swap alone.

The ``reset-stage`` step copies every enabled gold copy ``T_GOLD`` into ``T__RESET_STAGED``
on the server (``CREATE TABLE ... LIKE T`` + ``INSERT ... SELECT``, as the reset's copy
step), one table after the other, and records in ``IMS_RESET_STAGE`` the gold generation
(``gold_state.store.current_generation``) they hold. A reset whose every table has a staged
copy of the generation published *when it swaps* renames them into place in its one
``RENAME TABLE``, copying nothing (``swap.py``); otherwise it copies now.

Why a staged copy is always exactly one published gold state: the step reads the
generation G before its first copy; generations only grow (every publication and undo adds
one), and a publication is one RENAME that waits for the copies' ``INSERT ... SELECT``
statements, so when the generation is still G after the last copy, every copy read state G.
The copies become ``__RESET_STAGED`` tables and their records are written holding the gold
publish lock (``publish_instant``) after re-reading G once more: the same lock under which
the swap reads records and generation, so a swap sees either the old staged set or the new
one with its records, never a staged table whose record is wrong. A record is deleted
before its table is replaced and when the swap consumes it, so a crash in between leaves a
table without a record (unused, replaced by the next staging), never a wrong record.

Safe to skip or kill at any moment: until the final RENAME only ``T__STAGE_FILL`` tables
exist, which the next staging drops; training tables are never touched (staged tables are
not training tables: trainees work on ``T``, and a staged table becomes ``T`` only in a
reset's swap, which consumes it). One staging at a time (named lock on the database);
another one finding it busy skips, and the running one stages again (bounded) when a
publication happened meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from training_refresh.adapters.mysql import (
    Connection,
    Cursor,
    connected,
    database_lock_name,
    named_lock,
    quote_identifier,
    transaction,
    translated_errors,
)
from training_refresh.errors import TrainingDatabaseBusyError
from training_refresh.gold_state.store import current_generation, publish_instant
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.messages.reset_stage import StageStatus
from training_refresh.reset.tables import (
    check_columns,
    drop_tables,
    existing_tables,
    largest_first,
    prepare_session,
    work_table_name,
)
from training_refresh.table_groups import TableGroupSet, TableSpec

STAGED_SUFFIX = "__RESET_STAGED"
STAGE_FILL_SUFFIX = "__STAGE_FILL"
STAGE_TABLE = "IMS_RESET_STAGE"
STAGE_LOCK_WAIT_SECONDS = 5
"""How long a staging waits for another one before skipping (that one re-stages)."""
STAGE_ROUNDS = 3
"""How often one staging starts over because gold was published while it copied."""

_STAGE_DDL = f"""CREATE TABLE IF NOT EXISTS {quote_identifier(STAGE_TABLE)} (
    TRAINING_TABLE   VARCHAR(64)  NOT NULL,
    STAGED_TABLE     VARCHAR(64)  NOT NULL,
    GOLD_GENERATION  BIGINT       NOT NULL,
    ROWS_STAGED      BIGINT       NOT NULL,
    READY_AT         DATETIME(3)  NOT NULL,
    PRIMARY KEY (TRAINING_TABLE)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"""


def staged_name(training_table: str) -> str:
    return work_table_name(training_table, STAGED_SUFFIX)


def stage_fill_name(training_table: str) -> str:
    return work_table_name(training_table, STAGE_FILL_SUFFIX)


@dataclass(frozen=True)
class StagedCopy:
    """One record of ``IMS_RESET_STAGE``."""

    training_table: str
    staged_table: str
    gold_generation: int
    rows: int
    ready_at: str


@dataclass
class StageResult:
    status: StageStatus
    """``staged``, ``already staged``, ``skipped`` (another staging ran) or ``gave up``
    (gold was published during every round)."""
    gold_generation: int | None = None
    tables: dict[str, int] = field(default_factory=dict)
    """Training table -> rows staged."""
    ready_at: str | None = None
    seconds: float = 0.0
    rounds: int = 0
    leftovers_dropped: list[str] = field(default_factory=list)


def stage_copies(
    connection: Connection,
    specs: Sequence[TableSpec],
    *,
    rounds: int = STAGE_ROUNDS,
    on_step: OnStep = ignore_step,
) -> StageResult:
    """Stage copies of the published gold state for ``specs`` (see the module docstring).

    ``on_step`` sees ``stage-filled:<table>`` after each copy and ``stage-ready`` once the
    staged set and its records are in place."""
    started = time.monotonic()
    with connection.cursor() as cursor, translated_errors("staging the next reset's copies"):
        prepare_session(cursor)
        name = database_lock_name(cursor, "ims_reset_stage")
        try:
            with named_lock(
                cursor, name, STAGE_LOCK_WAIT_SECONDS, busy="staging", doing="the stage lock"
            ):
                result = _stage_locked(connection, cursor, specs, rounds, on_step)
        except TrainingDatabaseBusyError:
            return StageResult(status="skipped")
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _stage_locked(
    connection: Connection,
    cursor: Cursor,
    specs: Sequence[TableSpec],
    rounds: int,
    on_step: OnStep,
) -> StageResult:
    cursor.execute(_STAGE_DDL)
    fills = [stage_fill_name(spec.training_table) for spec in specs]
    result = StageResult(status="staged", leftovers_dropped=drop_tables(cursor, fills))
    ordered = largest_first(cursor, specs)
    while result.rounds < rounds:
        result.rounds += 1
        generation = current_generation(cursor)
        if _all_staged(cursor, specs, generation):
            result.status, result.gold_generation = "already staged", generation
            return result
        rows = _fill_all(connection, cursor, ordered, generation, on_step)
        if rows is not None and _publish_staged(connection, cursor, rows, generation):
            result.gold_generation, result.tables = generation, rows
            result.ready_at = _ready_at(cursor, specs)
            on_step("stage-ready")
            return result
        drop_tables(cursor, fills)
    result.status = "gave up"
    return result


def _fill_all(
    connection: Connection,
    cursor: Cursor,
    specs: Sequence[TableSpec],
    generation: int,
    on_step: OnStep,
) -> dict[str, int] | None:
    """Every FILL table from its gold copy; None as soon as gold was published meanwhile."""
    rows: dict[str, int] = {}
    for spec in specs:
        columns = ", ".join(quote_identifier(c) for c in check_columns(cursor, spec))
        fill = quote_identifier(stage_fill_name(spec.training_table))
        cursor.execute(f"DROP TABLE IF EXISTS {fill}")
        cursor.execute(f"CREATE TABLE {fill} LIKE {quote_identifier(spec.training_table)}")
        with transaction(connection):
            copied = cursor.execute(
                f"INSERT INTO {fill} ({columns}) SELECT {columns} "
                f"FROM {quote_identifier(spec.gold_table)}"
            )
        rows[spec.training_table] = int(copied)
        on_step(f"stage-filled:{spec.training_table}")
        if current_generation(cursor) != generation:
            return None
    return rows


def _publish_staged(
    connection: Connection, cursor: Cursor, rows: dict[str, int], generation: int
) -> bool:
    """FILL -> STAGED with their records, under the gold publish lock; False when gold was
    published since ``generation`` (nothing replaced then)."""
    tables = list(rows)
    with publish_instant(cursor):
        if current_generation(cursor) != generation:
            return False
        forget_staged(connection, cursor, tables)
        drop_tables(cursor, [staged_name(t) for t in tables])
        renames = ", ".join(
            f"{quote_identifier(stage_fill_name(t))} TO {quote_identifier(staged_name(t))}"
            for t in tables
        )
        cursor.execute(f"RENAME TABLE {renames}")
        with transaction(connection):
            cursor.executemany(
                f"INSERT INTO {quote_identifier(STAGE_TABLE)} (TRAINING_TABLE, STAGED_TABLE, "
                "GOLD_GENERATION, ROWS_STAGED, READY_AT) VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(3))",
                [(t, staged_name(t), generation, rows[t]) for t in tables],
            )
    return True


def forget_staged(connection: Connection, cursor: Cursor, tables: Iterable[str]) -> None:
    """Delete the records of ``tables`` (their staged tables are replaced or consumed)."""
    wanted = sorted(set(tables))
    if not wanted or not existing_tables(cursor, [STAGE_TABLE]):
        return
    with transaction(connection):
        cursor.execute(
            f"DELETE FROM {quote_identifier(STAGE_TABLE)} "
            f"WHERE TRAINING_TABLE IN ({', '.join(['%s'] * len(wanted))})",
            wanted,
        )


def staged_copies(cursor: Cursor, specs: Sequence[TableSpec]) -> dict[str, StagedCopy]:
    """The records of ``specs`` whose staged table exists, by training table."""
    if not specs or not existing_tables(cursor, [STAGE_TABLE]):
        return {}
    wanted = [spec.training_table for spec in specs]
    cursor.execute(
        "SELECT TRAINING_TABLE, STAGED_TABLE, GOLD_GENERATION, ROWS_STAGED, "
        "DATE_FORMAT(READY_AT, '%%Y-%%m-%%dT%%H:%%i:%%s.%%f') "
        f"FROM {quote_identifier(STAGE_TABLE)} "
        f"WHERE TRAINING_TABLE IN ({', '.join(['%s'] * len(wanted))})",
        wanted,
    )
    records = [
        StagedCopy(str(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4])[:23] + "+00:00")
        for r in cursor.fetchall()
    ]
    present = existing_tables(cursor, [r.staged_table for r in records])
    return {
        r.training_table: r
        for r in records
        if r.staged_table in present and r.staged_table == staged_name(r.training_table)
    }


def staged_for(cursor: Cursor, specs: Sequence[TableSpec], generation: int) -> bool:
    """True when every table of ``specs`` has a staged copy of gold ``generation``."""
    return _all_staged(cursor, specs, generation)


def _all_staged(cursor: Cursor, specs: Sequence[TableSpec], generation: int) -> bool:
    records = staged_copies(cursor, specs)
    return bool(specs) and all(
        spec.training_table in records
        and records[spec.training_table].gold_generation == generation
        for spec in specs
    )


def _ready_at(cursor: Cursor, specs: Sequence[TableSpec]) -> str | None:
    times = [r.ready_at for r in staged_copies(cursor, specs).values()]
    return max(times) if times else None


def stage_next_reset(
    *,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    on_step: OnStep = ignore_step,
) -> StageResult:
    """The ``reset-stage`` step: stage every enabled table."""
    specs = list(table_groups.enabled_tables())
    with connected(connect_mysql) as connection:
        return stage_copies(connection, specs, on_step=on_step)
