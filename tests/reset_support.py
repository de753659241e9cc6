"""Helpers for the reset tests: two distinguishable gold states and direct table checks.

State ``"A"`` and state ``"B"`` fill every table with rows whose first key column lies in
its own range (A: 1,000,000 + i; B: 2,000,000 + i) and with a different row count per
table and state, so ``COUNT(*)``, ``MIN`` and ``MAX`` of the first key column identify
a table's state exactly; a table holding anything else (a mix, a partial copy, nothing)
matches neither signature.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from typing import Any

import pymysql

from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.settings import MySqlUrl
from training_refresh.adapters import mysql
from training_refresh.gold_state import names
from training_refresh.gold_state.manifest import PublicationSummary
from training_refresh.gold_state.publication import RenameSettings, publish_change
from training_refresh.gold_state.store import current_generation
from training_refresh.lease import LEASE_TABLE, LeaseTimes
from training_refresh.messages.reset import CopyTask, PrepareResetEvent, SwapTask
from training_refresh.reset.copy import copy_table
from training_refresh.reset.prepare import prepare_reset
from training_refresh.reset.swap import SwapSettings, swap_tables
from training_refresh.table_groups import TableSpec, load_table_groups

CONFIGS = load_table_groups()
SPECS: list[TableSpec] = list(CONFIGS.all_tables())
TRAINING_TABLES = [spec.training_table for spec in SPECS]
GOLD_TABLES = [spec.gold_table for spec in SPECS]
STATE_OFFSET = {"A": 1_000_000, "B": 2_000_000, "T": 3_000_000}
"""T: what "trainees" left in the training tables before a reset."""
FAST_LEASES = LeaseTimes(ttl_seconds=60, wait_seconds=0.5, poll_seconds=0.05)
FAST_SWAP = SwapSettings(lock_wait_seconds=2, attempts=5, pause_seconds=0.05)
TEXT = "Zoë O'Neil 😀 "


def connect(url: MySqlUrl, *, autocommit: bool = True) -> mysql.Connection:
    """A plain session on the test database (as a trainee's or a tool's)."""
    return mysql.connect(url, autocommit=autocommit, workflow_session=False)


def connector(url: MySqlUrl) -> Callable[[], Any]:
    return lambda: connect(url)


def prepare_event(run_id: str, request: dict[str, Any] | None = None) -> PrepareResetEvent:
    """The prepare step's event for a run of ``request`` (default: every table)."""
    return PrepareResetEvent.model_validate(
        {"request": request or {}, "execution": {"name": run_id}}
    )


def create_tables(url: MySqlUrl) -> None:
    ensure_training_tables(url, CONFIGS)


def row_count(index: int, state: str) -> int:
    return {"A": 30, "B": 45, "T": 12}[state] + 3 * index


def _columns(cursor: Any, table: str) -> list[tuple[str, str, int | None, str]]:
    cursor.execute(
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s "
        "ORDER BY ORDINAL_POSITION",
        (table,),
    )
    return [(str(r[0]), str(r[1]), r[2], str(r[3])) for r in cursor.fetchall()]


def _value(data_type: str, length: int | None, nullable: bool, state: str, i: int, pos: int) -> Any:
    if nullable and (i + pos) % 7 == 0:
        return None
    if data_type in {"bigint", "int"}:
        return STATE_OFFSET[state] + i * 10 + pos
    if data_type == "smallint":
        return 1 + (i % 3)
    if data_type in {"varchar", "char"}:
        text = f"{state}{i} {TEXT}" if (length or 0) >= 20 else f"{state}{i}"
        return text[: length or 1]
    if data_type == "date":
        return dt.date(2020, 1, 1) + dt.timedelta(days=i)
    if data_type == "decimal":
        return Decimal(i) + Decimal("0.25")
    if data_type in {"datetime", "timestamp"}:
        return dt.datetime(2024, 1, 1, 10, 0, 0, 123456) + dt.timedelta(minutes=i)
    raise AssertionError(f"no test value for {data_type}")


def state_rows(cursor: Any, spec: TableSpec, index: int, state: str) -> tuple[str, list[tuple]]:
    columns = _columns(cursor, spec.gold_table)
    rows = []
    for i in range(row_count(index, state)):
        row = [
            _value(data_type, length, nullable == "YES", state, i, pos)
            for pos, (_, data_type, length, nullable) in enumerate(columns)
        ]
        row[0] = STATE_OFFSET[state] + i  # the first key column carries the state signature
        rows.append(tuple(row))
    names = ", ".join(f"`{c[0]}`" for c in columns)
    return names, rows


def fill(
    url: MySqlUrl, state: str, *, gold: bool = True, tables: Sequence[str] | None = None
) -> None:
    """Replace the gold (or training) tables' rows with state ``state``, one transaction."""
    with connect(url, autocommit=False) as connection, connection.cursor() as cursor:
        for index, spec in enumerate(SPECS):
            if tables is not None and spec.training_table not in tables:
                continue
            target = spec.gold_table if gold else spec.training_table
            names, rows = state_rows(cursor, spec, index, state)
            cursor.execute(f"DELETE FROM `{target}`")
            placeholders = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"INSERT INTO `{target}` ({names}) VALUES ({placeholders})", rows)
        connection.commit()


def signature(index: int, state: str) -> tuple[int, int, int]:
    count = row_count(index, state)
    return count, STATE_OFFSET[state], STATE_OFFSET[state] + count - 1


def state_of(index: int, observed: tuple[int, int | None, int | None]) -> str | None:
    """Which state a table's (count, min, max) of its first key column is; None: neither."""
    for state in STATE_OFFSET:
        if tuple(observed) == signature(index, state):
            return state
    return None


def first_key(spec: TableSpec) -> str:
    return spec.columns[0].upper()


def all_states_statement() -> str:
    """One SELECT over all six training tables: RENAME TABLE is atomic for it."""
    parts = [
        f"(SELECT CONCAT(COUNT(*), ':', IFNULL(MIN(`{first_key(s)}`), ''), ':', "
        f"IFNULL(MAX(`{first_key(s)}`), '')) FROM `{s.training_table}`)"
        for s in SPECS
    ]
    return "SELECT " + ", ".join(parts)


def parse_signature(text: str) -> tuple[int, int | None, int | None]:
    count, low, high = text.split(":")
    return int(count), int(low) if low else None, int(high) if high else None


def table_states(url: MySqlUrl) -> dict[str, str | None]:
    with connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(all_states_statement())
        row = cursor.fetchone()
    return {
        spec.training_table: state_of(i, parse_signature(row[i])) for i, spec in enumerate(SPECS)
    }


def checksums(url: MySqlUrl, tables: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(row count, CHECKSUM TABLE) per table."""
    result = {}
    with connect(url) as connection, connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM `{table}`")
            count = int(cursor.fetchone()[0])
            cursor.execute(f"CHECKSUM TABLE `{table}`")
            result[table] = (count, int(cursor.fetchone()[1]))
    return result


def assert_training_equals_gold(url: MySqlUrl, tables: Sequence[str] = TRAINING_TABLES) -> None:
    training = checksums(url, list(tables))
    gold = checksums(url, [t + "_GOLD" for t in tables])
    for table in tables:
        assert training[table] == gold[table + "_GOLD"], table
        assert training[table][0] > 0, table


def all_tables(url: MySqlUrl) -> set[str]:
    with connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        return {str(row[0]) for row in cursor.fetchall()}


EXPECTED_TABLES = set(TRAINING_TABLES) | set(GOLD_TABLES) | {LEASE_TABLE}


def reset_in_process(
    url: MySqlUrl,
    run_id: str,
    tables: list[str] | None = None,
    *,
    lease_times: LeaseTimes = FAST_LEASES,
    swap: SwapSettings = FAST_SWAP,
) -> dict[str, Any]:
    """The reset workflow's steps in order, as the state machine runs them (no S3).

    The steps share one connection (each Lambda would open its own; connecting costs
    ~40 ms here, which would dominate the 50-reset test)."""
    shared = _KeepOpen(connect(url))

    def connect_mysql() -> Any:
        return shared

    try:
        return _run_steps(connect_mysql, run_id, tables, lease_times, swap)
    finally:
        shared.connection.close()


class _KeepOpen:
    """A connection whose ``close`` does nothing, so several steps can share it."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)

    def close(self) -> None:
        pass


def _run_steps(
    connect_mysql: Callable[[], Any],
    run_id: str,
    tables: list[str] | None,
    lease_times: LeaseTimes,
    swap: SwapSettings,
) -> dict[str, Any]:
    request = {} if tables is None else {"tables": tables}
    plan = prepare_reset(
        prepare_event(run_id, request),
        connect_mysql=connect_mysql,
        table_groups=CONFIGS,
        lease_times=lease_times,
    )
    copies = [
        copy_table(
            CopyTask(run_id=run_id, table=table),
            connect_mysql=connect_mysql,
            table_groups=CONFIGS,
            lease_times=lease_times,
        )
        for table in (plan.tables if plan.copy_tables is None else plan.copy_tables)
    ]
    swapped = swap_tables(
        SwapTask(
            run_id=run_id,
            tables=plan.tables,
            gold_generation=plan.gold_generation,
            staged=plan.staged,
        ),
        connect_mysql=connect_mysql,
        table_groups=CONFIGS,
        lease_times=lease_times,
        settings=swap,
    )
    return {
        "plan": plan.model_dump(mode="json"),
        "copies": [copy.model_dump(mode="json") for copy in copies],
        "swap": swapped.model_dump(mode="json"),
    }


@contextmanager
def open_transaction_on(url: MySqlUrl, table: str) -> Iterator[Any]:
    """A trainee session that read ``table`` inside a still-open transaction."""
    connection = connect(url, autocommit=False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("START TRANSACTION")
            cursor.execute(f"SELECT COUNT(*) FROM `{table}`")
            cursor.fetchall()
        yield connection
    finally:
        connection.rollback()
        connection.close()


def read_training_tables(
    url: MySqlUrl, kind: str, stop: threading.Event, seen: Counter[str], problems: list[str]
) -> None:
    """Read all six training tables until told to stop; record what was seen.

    kinds:
    - "statement": one SELECT over all six tables. RENAME TABLE takes every table's
      metadata lock before renaming any, so one statement sees all old or all new tables.
      Asserts: all six in the same state, each exactly complete.
    - "transaction": START TRANSACTION READ ONLY, six SELECTs, COMMIT. A transaction keeps
      the metadata lock of every table it read until it ends, so the RENAME cannot happen
      between its reads. Asserts the same. The RENAME's metadata locks may make such a
      transaction a deadlock victim (1213) or time out (1205); it is retried and counted.
    - "autocommit": six separate autocommit SELECTs. Between two statements a whole reset
      may happen, exactly as between two resets, so only per-table consistency holds.
      Asserts: every table exists and is exactly one complete state.
    """
    connection = connect(url, autocommit=kind != "transaction")
    statements = [
        f"SELECT COUNT(*), MIN(`{first_key(s)}`), MAX(`{first_key(s)}`) FROM `{s.training_table}`"
        for s in SPECS
    ]
    try:
        with connection.cursor() as cursor:
            while not stop.is_set():
                try:
                    if kind == "statement":
                        cursor.execute(all_states_statement())
                        row = cursor.fetchone()
                        observed = [parse_signature(text) for text in row]
                    else:
                        if kind == "transaction":
                            cursor.execute("START TRANSACTION READ ONLY")
                        observed = []
                        for statement in statements:
                            cursor.execute(statement)
                            observed.append(tuple(cursor.fetchone()))
                        if kind == "transaction":
                            cursor.execute("COMMIT")
                except pymysql.MySQLError as error:
                    code = error.args[0]
                    if kind == "transaction" and code in {1205, 1213}:
                        connection.rollback()
                        seen[f"{kind}:retried-{code}"] += 1
                        continue
                    problems.append(f"{kind}: {error}")
                    return
                found = [state_of(i, tuple(o)) for i, o in enumerate(observed)]
                if None in found:
                    problems.append(f"{kind}: incomplete or empty table {observed}")
                elif kind != "autocommit" and len(set(found)) != 1:
                    problems.append(f"{kind}: mixed states {found}")
                else:
                    seen[f"{kind}:{'/'.join(sorted(set(found)))}"] += 1
                time.sleep(0.002)  # leave the resets some CPU on a small machine
    finally:
        connection.close()


READER_KINDS = ("statement", "statement", "transaction", "autocommit")


@contextmanager
def readers_running(url: MySqlUrl) -> Iterator[tuple[Counter[str], list[str]]]:
    """``read_training_tables`` threads of every kind for the body; yields what they saw
    and the problems they found (filled in as they read; complete after the body)."""
    stop = threading.Event()
    seen: Counter[str] = Counter()
    problems: list[str] = []
    threads = [
        threading.Thread(target=read_training_tables, args=(url, kind, stop, seen, problems))
        for kind in READER_KINDS
    ]
    for thread in threads:
        thread.daemon = True
        thread.start()
    try:
        yield seen, problems
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def build_state(url: MySqlUrl, run_id: str, state: str, tables: list[str]) -> dict[str, str]:
    """Build tables of gold-load run ``run_id`` holding ``state`` for ``tables`` (training
    names); live gold table -> build table."""
    built = {}
    with connect(url) as connection, connection.cursor() as cursor:
        for index, spec in enumerate(SPECS):
            if spec.training_table not in tables:
                continue
            build = names.build_table(spec.gold_table, names.run_tag(run_id))
            cursor.execute(f"DROP TABLE IF EXISTS `{build}`")
            cursor.execute(f"CREATE TABLE `{build}` LIKE `{spec.gold_table}`")
            columns, rows = state_rows(cursor, spec, index, state)
            marks = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"INSERT INTO `{build}` ({columns}) VALUES ({marks})", rows)
            built[spec.gold_table] = build
    return built


def publish_state(url: MySqlUrl, run_id: str, state: str, tables: list[str]) -> int:
    """Publish ``state`` for ``tables`` as gold-load run ``run_id``; the new generation."""
    built = build_state(url, run_id, state, tables)
    with connect(url) as connection:
        with connection.cursor() as cursor:
            based_on = current_generation(cursor)
        outcome = publish_change(
            connection,
            run_id=run_id,
            workflow="gold-load",
            built=built,
            based_on_generation=based_on,
            summary=PublicationSummary(customers_loaded=1),
            managed_tables=GOLD_TABLES,
            guard=nullcontext(),
            settings=RenameSettings(lock_wait_seconds=5, attempts=3, pause_seconds=0.05),
        )
    return outcome.state.generation
