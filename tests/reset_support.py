"""Helpers for the reset tests: two distinguishable gold states and direct table checks.

State ``"A"`` and state ``"B"`` fill every table with rows whose first key column lies in
its own range (A: 1,000,000 + i; B: 2,000,000 + i) and with a different row count per
table and state, so ``COUNT(*)``, ``MIN`` and ``MAX`` of the first key column identify
a table's state exactly; a table holding anything else (a mix, a partial copy, nothing)
matches neither signature.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.settings import MySqlUrl
from training_refresh.adapters import mysql
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
        for table in plan.tables
    ]
    swapped = swap_tables(
        SwapTask(run_id=run_id, tables=plan.tables),
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
