"""The reset's copy step: one gold copy into its staging table, entirely on the server;
and the cleanup of what crashed or superseded resets left behind."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from training_refresh.adapters.mysql import (
    Connection,
    Cursor,
    connected,
    quote_identifier,
    transaction,
    translated_errors,
)
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import (
    DEFAULT_RESET_TIMES,
    LeaseTimes,
    holding_reset_lease,
    renew_reset_lease,
)
from training_refresh.messages.reset import CopyTask, TableCopied
from training_refresh.reset.tables import (
    ResetTables,
    check_columns,
    drop_tables,
    existing_tables,
    prepare_session,
    table_lock,
)
from training_refresh.table_groups import TableGroupSet, TableSpec


def copy_table(
    task: CopyTask,
    *,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    on_step: OnStep = ignore_step,
) -> TableCopied:
    """Build one table's staging copy from its gold copy (server side)."""
    spec = table_groups.table(task.table)
    with connected(connect_mysql) as connection:
        result = build_staging_copy(
            connection, spec, task.run_id, lease_times=lease_times, on_step=on_step
        )
    return TableCopied(table=result.table, rows=result.rows, duration_seconds=result.seconds)


def clean_leftovers(connection: Connection, specs: Iterable[TableSpec]) -> list[str]:
    """Drop the FILL/NEW/OLD tables a crashed or superseded reset left; return their names.

    Defensive repair first: should a training table be missing while its OLD table exists
    (impossible with an atomic RENAME, but cheap to handle), the OLD table is renamed back.
    """
    dropped: list[str] = []
    with connection.cursor() as cursor, translated_errors("cleaning up reset leftovers"):
        prepare_session(cursor)
        for spec in specs:
            tables = ResetTables.of(spec)
            with table_lock(cursor, tables.training):
                present = existing_tables(cursor, (tables.training, *tables.work_tables))
                if tables.training not in present and tables.old in present:
                    cursor.execute(
                        f"RENAME TABLE {quote_identifier(tables.old)} "
                        f"TO {quote_identifier(tables.training)}"
                    )
                dropped.extend(drop_tables(cursor, tables.work_tables))
    return dropped


@dataclass(frozen=True)
class CopyResult:
    table: str
    rows: int
    seconds: float


def build_staging_copy(
    connection: Connection,
    spec: TableSpec,
    run_id: str | None,
    *,
    lease_times: LeaseTimes = DEFAULT_RESET_TIMES,
    on_step: OnStep = ignore_step,
) -> CopyResult:
    """Build ``T__RESET_NEW``, a complete copy of ``T_GOLD`` shaped like ``T``, on the server.

    With a ``run_id`` the run's reset lease is verified and renewed first and again when
    the copy is published (FILL renamed to NEW), so a superseded or expired reset never
    publishes anything. ``None`` skips the lease (tools and tests that hold it otherwise).
    ``on_step`` sees ``copy-created:<table>`` and ``copy-filled:<table>``.
    """
    started = time.monotonic()
    tables = ResetTables.of(spec)
    with connection.cursor() as cursor, translated_errors(f"copying {tables.gold}"):
        prepare_session(cursor)
        with table_lock(cursor, tables.training):
            if run_id is not None:
                renew_reset_lease(connection, run_id, lease_times)
            rows = _copy_locked(connection, cursor, spec, tables, on_step)
            guard: AbstractContextManager[None] = (
                holding_reset_lease(connection, run_id, lease_times)
                if run_id is not None
                else nullcontext()
            )
            with guard:
                drop_tables(cursor, (tables.new,))
                fill, new = quote_identifier(tables.fill), quote_identifier(tables.new)
                cursor.execute(f"RENAME TABLE {fill} TO {new}")
    return CopyResult(spec.training_table, rows, round(time.monotonic() - started, 3))


def _copy_locked(
    connection: Connection, cursor: Cursor, spec: TableSpec, tables: ResetTables, on_step: OnStep
) -> int:
    """The FILL table, created like the training table and filled from the gold copy, under
    the table lock and a verified lease; returns the rows copied."""
    columns = ", ".join(quote_identifier(c) for c in check_columns(cursor, spec))
    drop_tables(cursor, (tables.fill, tables.new))
    cursor.execute(
        f"CREATE TABLE {quote_identifier(tables.fill)} LIKE {quote_identifier(tables.training)}"
    )
    on_step(f"copy-created:{spec.training_table}")
    with transaction(connection):
        rows = cursor.execute(
            f"INSERT INTO {quote_identifier(tables.fill)} ({columns}) "
            f"SELECT {columns} FROM {quote_identifier(tables.gold)}"
        )
    on_step(f"copy-filled:{spec.training_table}")
    return int(rows)
