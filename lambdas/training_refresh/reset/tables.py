"""What a reset works with: the staging table names, the tables it may copy, their columns,
and the session settings and locks of its DDL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from training_refresh.adapters.mysql import (
    Cursor,
    database_lock_name,
    named_lock,
    quote_identifier,
)
from training_refresh.errors import SchemaMismatchError, UnknownTableError
from training_refresh.table_groups import TableGroupSet, TableSpec

FILL_SUFFIX = "__RESET_FILL"
NEW_SUFFIX = "__RESET_NEW"
OLD_SUFFIX = "__RESET_OLD"
MAX_IDENTIFIER_LENGTH = 64

DDL_LOCK_WAIT_SECONDS = 30
"""lock_wait_timeout (metadata locks) for the reset's own DDL on staging/old tables, so a
stuck statement fails instead of waiting MySQL's default of a year."""

TABLE_LOCK_WAIT_SECONDS = 60
"""How long a copy or the cleanup waits for another reset's work on the same table (a
superseded reset finishing a copy) before failing with TrainingDatabaseBusyError."""
SESSION_IDLE_SECONDS = 900
"""wait_timeout of the reset's sessions: should a Lambda die without closing its
connection, MySQL drops the idle session (and its named locks) after this long."""


def work_table_name(training_table: str, suffix: str) -> str:
    """``training_table + suffix``, shortened deterministically (hash) to 64 characters."""
    name = training_table + suffix
    if len(name) <= MAX_IDENTIFIER_LENGTH:
        return name
    digest = hashlib.sha256(training_table.encode("utf-8")).hexdigest()[:8]
    keep = MAX_IDENTIFIER_LENGTH - len(suffix) - len(digest) - 1
    return f"{training_table[:keep]}_{digest}{suffix}"


@dataclass(frozen=True)
class ResetTables:
    """The tables one training table's reset works with."""

    training: str
    gold: str
    fill: str
    new: str
    old: str

    @classmethod
    def of(cls, spec: TableSpec) -> ResetTables:
        table = spec.training_table
        return cls(
            training=table,
            gold=spec.gold_table,
            fill=work_table_name(table, FILL_SUFFIX),
            new=work_table_name(table, NEW_SUFFIX),
            old=work_table_name(table, OLD_SUFFIX),
        )

    @property
    def work_tables(self) -> tuple[str, str, str]:
        return (self.fill, self.new, self.old)


def select_tables(groups: TableGroupSet, names: Sequence[str] | None) -> list[TableSpec]:
    """The training tables a reset copies, in configuration order.

    ``names`` must each equal a configured training table exactly (no case folding, no
    trimming: anything else - quotes, backticks, semicolons, unknown names - is an
    UnknownTableError). None means every table of every enabled config.
    """
    if names is None:
        chosen = list(groups.enabled_tables())
        if not chosen:
            raise UnknownTableError("no table config is enabled, so there is nothing to reset")
        return chosen
    known = {spec.training_table: spec for spec in groups.all_tables()}
    wanted = list(dict.fromkeys(names))
    if not wanted:
        raise UnknownTableError("no training table named")
    unknown = [name for name in wanted if name not in known]
    if unknown:
        shown = ", ".join(repr(name[:80]) for name in unknown[:10])
        raise UnknownTableError(
            f"not a configured training table: {shown}; configured: {', '.join(sorted(known))}"
        )
    enabled = {spec.training_table for spec in groups.enabled_tables()}
    disabled = [name for name in wanted if name not in enabled]
    if disabled:
        raise UnknownTableError(
            f"training table(s) of a disabled table config: {', '.join(disabled)}"
        )
    return [spec for spec in groups.all_tables() if spec.training_table in wanted]


def set_lock_wait(cursor: Cursor, seconds: int) -> None:
    cursor.execute(f"SET SESSION lock_wait_timeout = {int(seconds)}")


def prepare_session(cursor: Cursor) -> None:
    cursor.execute(f"SET SESSION wait_timeout = {SESSION_IDLE_SECONDS}")
    set_lock_wait(cursor, DDL_LOCK_WAIT_SECONDS)


@contextmanager
def table_lock(cursor: Cursor, table: str) -> Iterator[None]:
    """A named lock per training table, held while its staging tables are built or
    dropped, so a superseded reset still copying a table and the newer reset cleaning up
    never work on the same staging tables at once (the lease check follows the lock)."""
    name = database_lock_name(cursor, "ims_refresh_reset", table)
    busy = (
        f"another reset was still working on {table}'s staging tables after "
        f"{TABLE_LOCK_WAIT_SECONDS} s"
    )
    with named_lock(cursor, name, TABLE_LOCK_WAIT_SECONDS, busy=busy, doing=f"locking {table}"):
        yield


def existing_tables(cursor: Cursor, names: Iterable[str]) -> set[str]:
    wanted = sorted(set(names))
    if not wanted:
        return set()
    placeholders = ", ".join(["%s"] * len(wanted))
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES "
        f"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({placeholders})",
        wanted,
    )
    return {str(row[0]) for row in cursor.fetchall()}


def largest_first(cursor: Cursor, specs: Sequence[TableSpec]) -> list[TableSpec]:
    """The tables in copy order: the largest gold copy (InnoDB's size estimate) first.

    The copies run in parallel and the reset waits for the slowest; the Map starts its
    iterations in order, so the longest copy should not be the last to start. Equal sizes
    keep the configuration's order.
    """
    if not specs:
        return []
    placeholders = ", ".join(["%s"] * len(specs))
    cursor.execute(
        "SELECT TABLE_NAME, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
        f"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({placeholders})",
        [spec.gold_table for spec in specs],
    )
    sizes = {str(name): int(size or 0) for name, size in cursor.fetchall()}
    return sorted(specs, key=lambda spec: -sizes.get(spec.gold_table, 0))


def empty_gold_copies(cursor: Cursor, specs: Sequence[TableSpec]) -> list[str]:
    """The training tables (of ``specs``) whose gold copy exists and holds no row; a
    missing gold copy is left to the copy step, which names it as a schema mismatch."""
    present = existing_tables(cursor, [spec.gold_table for spec in specs])
    empty = []
    for spec in specs:
        if spec.gold_table in present:
            cursor.execute(f"SELECT 1 FROM {quote_identifier(spec.gold_table)} LIMIT 1")
            if not cursor.fetchall():
                empty.append(spec.training_table)
    return empty


def drop_tables(cursor: Cursor, names: Iterable[str]) -> list[str]:
    present = existing_tables(cursor, names)
    for name in sorted(present):
        cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")
    return sorted(present)


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    column_type: str
    nullable: str
    charset: str | None

    def describe(self) -> str:
        null = "NULL" if self.nullable == "YES" else "NOT NULL"
        charset = f" {self.charset}" if self.charset else ""
        return f"{self.column_type}{charset} {null}"


def table_columns(cursor: Cursor, table: str) -> list[ColumnInfo]:
    """A table's columns in table order (empty when the table does not exist)."""
    cursor.execute(
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s "
        "ORDER BY ORDINAL_POSITION",
        (table,),
    )
    return [
        ColumnInfo(str(r[0]), str(r[1]).lower(), str(r[2]), str(r[3]) if r[3] else None)
        for r in cursor.fetchall()
    ]


def compare_columns(
    gold_table: str, gold: Sequence[ColumnInfo], training_table: str, training: Sequence[ColumnInfo]
) -> list[str]:
    """The differences between two column lists, each naming its column; empty if equal."""
    gold_by_name = {c.name.upper(): c for c in gold}
    training_by_name = {c.name.upper(): c for c in training}
    problems: list[str] = []
    only_gold = [name for name in gold_by_name if name not in training_by_name]
    only_training = [name for name in training_by_name if name not in gold_by_name]
    if only_gold:
        problems.append(f"only in {gold_table}: {', '.join(only_gold)}")
    if only_training:
        problems.append(f"only in {training_table}: {', '.join(only_training)}")
    for name, column in training_by_name.items():
        other = gold_by_name.get(name)
        if other is not None and other.describe() != column.describe():
            problems.append(
                f"{name} is {other.describe()} in {gold_table} but {column.describe()} "
                f"in {training_table}"
            )
    return problems


def check_columns(cursor: Cursor, spec: TableSpec) -> tuple[str, ...]:
    """The column list to copy: the training table's columns, after checking that the gold
    copy has exactly the same ones (name, type, character set, nullability)."""
    tables = ResetTables.of(spec)
    gold = table_columns(cursor, tables.gold)
    training = table_columns(cursor, tables.training)
    pairs = ((tables.gold, gold), (tables.training, training))
    missing = [name for name, columns in pairs if not columns]
    if missing:
        raise SchemaMismatchError(
            f"{spec.training_table}: table(s) {', '.join(missing)} do not exist in the training "
            "database; a gold load (or `ims-refresh run`) creates them"
        )
    problems = compare_columns(tables.gold, gold, tables.training, training)
    if problems:
        raise SchemaMismatchError(
            f"{spec.training_table}: the gold copy and the training table have different "
            f"columns - {'; '.join(problems)}. Nothing was copied; align the two tables' DDL."
        )
    return tuple(c.name for c in training)


def blocking_sessions(cursor: Cursor) -> str:
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
