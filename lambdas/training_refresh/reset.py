"""Reset: copy every gold copy into its training table on the server, then swap atomically.

For each training table ``T`` (gold copy ``T_GOLD``) a reset works with three tables whose
names follow from ``T`` alone, so the next run always finds what a crashed run left:

* ``T__RESET_FILL`` - ``CREATE TABLE ... LIKE T``, then ``INSERT INTO ... (cols) SELECT
  cols FROM T_GOLD``: the copy runs entirely inside MySQL, no row passes through Lambda.
* ``T__RESET_NEW`` - the FILL table renamed once its INSERT has committed, so a NEW table
  is always a complete copy (a half-filled table never carries the NEW name).
* ``T__RESET_OLD`` - what ``T`` was before the swap, dropped right after it.

The swap is **one** ``RENAME TABLE T1 TO T1__RESET_OLD, T1__RESET_NEW TO T1, ...`` over all
tables of the run. MySQL takes the metadata locks of every table first and renames them
all in one step, so any statement of another session sees all old tables or all new ones,
never a mix, never a missing table. Because the RENAME must wait for running statements
and open transactions on the training tables (and queues new ones behind it while it
waits), it runs with a short ``lock_wait_timeout`` and is retried a few times with pauses
in between; if trainees still hold the tables, it fails with SwapBlockedError and the
training tables stay as they were.

Crash safety, step by step: until the RENAME every training table is untouched; the
RENAME is atomic (and crash-safe on MariaDB >= 10.6 and MySQL 8); after it, only leftover
FILL/NEW/OLD tables remain, which ``clean_leftovers`` drops at the start of the next reset.

Identifiers come only from the validated table configuration (``select_tables`` accepts
nothing else) and are backtick-quoted.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field

from training_refresh.errors import (
    SchemaMismatchError,
    SwapBlockedError,
    TrainingDatabaseBusyError,
    TrainingDatabaseError,
    TrainingRefreshError,
    UnknownTableError,
)
from training_refresh.gold_merge import Connection, Cursor, quote_identifier
from training_refresh.refresh_lock import LeaseTimes, holding_reset_lease, renew_reset_lease
from training_refresh.table_configs import TableConfigSet, TableSpec

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

_LOCK_WAIT_ERRORS = {1205, 1213}
_LOST_CONNECTION_ERRORS = {2006, 2013}
_TABLE_EXISTS = 1050
_NO_SUCH_TABLE = 1146


def checkpoint(name: str) -> None:
    """Does nothing. Tests replace it (``training_refresh.reset.checkpoint = ...``) to stop a
    reset at a precise point - e.g. ``copy-created:IMS_ORDER``, ``copy-filled:IMS_ORDER``,
    ``swap-before-rename``, ``swap-renamed`` - and kill it there."""


# --- names ---------------------------------------------------------------------------


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


# --- choosing tables -----------------------------------------------------------------


def select_tables(configs: TableConfigSet, names: Sequence[str] | None) -> list[TableSpec]:
    """The training tables a reset copies, in configuration order.

    ``names`` must each equal a configured training table exactly (no case folding, no
    trimming: anything else - quotes, backticks, semicolons, unknown names - is an
    UnknownTableError). None means every table of every enabled config.
    """
    if names is None:
        chosen = list(configs.enabled_tables())
        if not chosen:
            raise UnknownTableError("no table config is enabled, so there is nothing to reset")
        return chosen
    known = {spec.training_table: spec for spec in configs.all_tables()}
    wanted = list(dict.fromkeys(names))
    if not wanted:
        raise UnknownTableError("no training table named")
    unknown = [name for name in wanted if name not in known]
    if unknown:
        shown = ", ".join(repr(name[:80]) for name in unknown[:10])
        raise UnknownTableError(
            f"not a configured training table: {shown}; configured: {', '.join(sorted(known))}"
        )
    enabled = {spec.training_table for spec in configs.enabled_tables()}
    disabled = [name for name in wanted if name not in enabled]
    if disabled:
        raise UnknownTableError(
            f"training table(s) of a disabled table config: {', '.join(disabled)}"
        )
    return [spec for spec in configs.all_tables() if spec.training_table in wanted]


# --- database helpers ----------------------------------------------------------------


def _error_code(error: BaseException) -> int | None:
    args = getattr(error, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _as_domain_error(error: Exception, doing: str) -> Exception:
    """pymysql errors become domain errors; domain errors pass unchanged."""
    if isinstance(error, TrainingRefreshError):
        return error
    code = _error_code(error)
    if code is None:
        return error
    message = str(error.args[1]) if len(error.args) > 1 else ""
    if code in _LOCK_WAIT_ERRORS or code in _LOST_CONNECTION_ERRORS:
        return TrainingDatabaseBusyError(f"{doing}: MySQL error {code}: {message}")
    return TrainingDatabaseError(f"{doing}: MySQL error {code}: {message}")


@contextmanager
def _database_step(doing: str) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        converted = _as_domain_error(error, doing)
        if converted is error:
            raise
        raise converted from error


def _set_lock_wait(cursor: Cursor, seconds: int) -> None:
    cursor.execute(f"SET SESSION lock_wait_timeout = {int(seconds)}")


def _prepare_session(cursor: Cursor) -> None:
    cursor.execute(f"SET SESSION wait_timeout = {SESSION_IDLE_SECONDS}")
    _set_lock_wait(cursor, DDL_LOCK_WAIT_SECONDS)


def _table_lock_name(cursor: Cursor, table: str) -> str:
    cursor.execute("SELECT DATABASE()")
    database = str(cursor.fetchall()[0][0])
    name = f"ims_refresh_reset.{database}.{table}"
    if len(name) > MAX_IDENTIFIER_LENGTH:
        digest = hashlib.sha256(f"{database}.{table}".encode()).hexdigest()[:40]
        name = f"ims_refresh_reset.{digest}"
    return name


@contextmanager
def _table_lock(cursor: Cursor, table: str) -> Iterator[None]:
    """A named lock per training table, held while its staging tables are built or
    dropped, so a superseded reset still copying a table and the newer reset cleaning up
    never work on the same staging tables at once (the lease check follows the lock)."""
    name = _table_lock_name(cursor, table)
    cursor.execute("SELECT GET_LOCK(%s, %s)", (name, TABLE_LOCK_WAIT_SECONDS))
    rows = cursor.fetchall()
    if not rows or rows[0][0] != 1:
        raise TrainingDatabaseBusyError(
            f"another reset was still working on {table}'s staging tables after "
            f"{TABLE_LOCK_WAIT_SECONDS} s"
        )
    try:
        yield
    finally:
        with suppress(Exception):  # a lost connection releases the lock anyway
            cursor.execute("SELECT RELEASE_LOCK(%s)", (name,))
            cursor.fetchall()


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


def _drop_tables(cursor: Cursor, names: Iterable[str]) -> list[str]:
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


# --- steps ---------------------------------------------------------------------------


def clean_leftovers(connection: Connection, specs: Iterable[TableSpec]) -> list[str]:
    """Drop the FILL/NEW/OLD tables a crashed or superseded reset left; return their names.

    Defensive repair first: should a training table be missing while its OLD table exists
    (impossible with an atomic RENAME, but cheap to handle), the OLD table is renamed back.
    """
    dropped: list[str] = []
    with connection.cursor() as cursor, _database_step("cleaning up reset leftovers"):
        _prepare_session(cursor)
        for spec in specs:
            tables = ResetTables.of(spec)
            with _table_lock(cursor, tables.training):
                present = existing_tables(cursor, (tables.training, *tables.work_tables))
                if tables.training not in present and tables.old in present:
                    cursor.execute(
                        f"RENAME TABLE {quote_identifier(tables.old)} "
                        f"TO {quote_identifier(tables.training)}"
                    )
                dropped.extend(_drop_tables(cursor, tables.work_tables))
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
    lease_times: LeaseTimes | None = None,
) -> CopyResult:
    """Build ``T__RESET_NEW``, a complete copy of ``T_GOLD`` shaped like ``T``, on the server.

    With a ``run_id`` the run's reset lease is verified and renewed first and again when
    the copy is published (FILL renamed to NEW), so a superseded or expired reset never
    publishes anything. ``None`` skips the lease (tools and tests that hold it otherwise).
    """
    started = time.monotonic()
    tables = ResetTables.of(spec)
    with (
        connection.cursor() as cursor,
        _database_step(f"copying {tables.gold}"),
    ):
        _prepare_session(cursor)
        with _table_lock(cursor, tables.training):
            if run_id is not None:
                renew_reset_lease(connection, run_id, lease_times)
            rows = _copy_locked(
                connection,
                cursor,
                spec=spec,
                tables=tables,
                run_id=run_id,
                lease_times=lease_times,
            )
    return CopyResult(spec.training_table, rows, round(time.monotonic() - started, 3))


def _copy_locked(
    connection: Connection,
    cursor: Cursor,
    *,
    spec: TableSpec,
    tables: ResetTables,
    run_id: str | None,
    lease_times: LeaseTimes | None,
) -> int:
    """build_staging_copy's work, under the table lock and a verified lease."""
    columns = ", ".join(quote_identifier(c) for c in check_columns(cursor, spec))
    _drop_tables(cursor, (tables.fill, tables.new))
    cursor.execute(
        f"CREATE TABLE {quote_identifier(tables.fill)} LIKE {quote_identifier(tables.training)}"
    )
    checkpoint(f"copy-created:{spec.training_table}")
    connection.begin()
    try:
        rows = cursor.execute(
            f"INSERT INTO {quote_identifier(tables.fill)} ({columns}) "
            f"SELECT {columns} FROM {quote_identifier(tables.gold)}"
        )
        connection.commit()
    except BaseException:
        _rollback_quietly(connection)
        raise
    checkpoint(f"copy-filled:{spec.training_table}")
    guard = (
        holding_reset_lease(connection, run_id, lease_times)
        if run_id is not None
        else nullcontext()
    )
    with guard:
        _drop_tables(cursor, (tables.new,))
        cursor.execute(
            f"RENAME TABLE {quote_identifier(tables.fill)} TO {quote_identifier(tables.new)}"
        )
    return int(rows)


def _rollback_quietly(connection: Connection) -> None:
    # A failed rollback means the connection is gone, and MySQL rolls back on disconnect.
    with suppress(Exception):
        connection.rollback()


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


def swap_all(
    connection: Connection,
    specs: Sequence[TableSpec],
    run_id: str | None = None,
    *,
    settings: SwapSettings | None = None,
    lease_times: LeaseTimes | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SwapResult:
    """Swap every training table with its NEW copy in one atomic RENAME, then drop the olds.

    With a ``run_id`` every attempt runs inside the reset lease's critical section after
    verifying the run still holds it (see refresh_lock). Raises SwapBlockedError when the
    tables stay busy through every attempt (nothing swapped), SchemaMismatchError when a
    staging copy is missing.
    """
    chosen = settings or SwapSettings()
    started = time.monotonic()
    names = [ResetTables.of(spec) for spec in specs]
    if not names:
        return SwapResult([], 0, 0.0)
    if run_id is not None:
        renew_reset_lease(connection, run_id, lease_times)
    with connection.cursor() as cursor, _database_step("swapping the training tables"):
        _prepare_session(cursor)
        present = existing_tables(cursor, [n.new for n in names] + [n.training for n in names])
        missing = [n.new for n in names if n.new not in present]
        missing += [n.training for n in names if n.training not in present]
        if missing:
            raise SchemaMismatchError(
                f"cannot swap: {', '.join(missing)} missing (a copy step did not complete); "
                "nothing was swapped"
            )
        _drop_tables(cursor, [n.old for n in names])
        renames = ", ".join(
            f"{quote_identifier(n.training)} TO {quote_identifier(n.old)}, "
            f"{quote_identifier(n.new)} TO {quote_identifier(n.training)}"
            for n in names
        )
        attempt = 0
        while True:
            attempt += 1
            guard: AbstractContextManager[None] = (
                holding_reset_lease(connection, run_id, lease_times)
                if run_id is not None
                else nullcontext()
            )
            with guard:
                checkpoint("swap-before-rename")
                _set_lock_wait(cursor, chosen.lock_wait_seconds)
                try:
                    cursor.execute(f"RENAME TABLE {renames}")
                    break
                except Exception as error:
                    code = _error_code(error)
                    if code == _TABLE_EXISTS:
                        _set_lock_wait(cursor, DDL_LOCK_WAIT_SECONDS)
                        _drop_tables(cursor, [n.old for n in names])
                    elif code not in _LOCK_WAIT_ERRORS:
                        raise
                finally:
                    _set_lock_wait(cursor, DDL_LOCK_WAIT_SECONDS)
            if attempt >= chosen.attempts:
                raise SwapBlockedError(
                    f"the swap of {', '.join(n.training for n in names)} waited {chosen.attempts} "
                    f"times {chosen.lock_wait_seconds} s for the training tables: a long trainee "
                    "query or open transaction blocked it. Nothing was swapped; the training "
                    f"tables are unchanged.{_blocking_sessions(cursor)}"
                )
            sleep(chosen.pause_seconds)
        checkpoint("swap-renamed")
        result = SwapResult([n.training for n in names], attempt, 0.0)
        for n in names:
            try:
                result.old_tables_dropped.extend(_drop_tables(cursor, [n.old]))
            except Exception as error:
                result.warnings.append(
                    f"could not drop {n.old} now ({_as_domain_error(error, 'drop')}); "
                    "the next reset drops it"
                )
    result.seconds = round(time.monotonic() - started, 3)
    return result
