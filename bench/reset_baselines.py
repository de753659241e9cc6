"""What a reset is compared with: a bare server-side INSERT ... SELECT, and a client copy.

Both copy every enabled gold copy ``T_GOLD`` of the bench training database into an empty
table shaped like the training table ``T`` (``CREATE TABLE ... LIKE T``, same keys and
indexes) in the scratch database. Creating and dropping those tables is not timed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pymysql.cursors

from bench.limit import mysql_connection
from ims_refresh.settings import MySqlUrl
from training_refresh.adapters.mysql import quote_identifier
from training_refresh.table_groups import TableSpec

CLIENT_BATCH_ROWS = 1_000
"""Rows per executemany in the client copy: the batch size of Glue's JDBC writer."""


def _target(scratch: str, spec: TableSpec) -> str:
    return f"{quote_identifier(scratch)}.{quote_identifier(spec.training_table + '__BENCH_COPY')}"


def _source(training: MySqlUrl, spec: TableSpec) -> str:
    return f"{quote_identifier(training.database)}.{quote_identifier(spec.gold_table)}"


def prepare_targets(training: MySqlUrl, scratch: str, specs: Sequence[TableSpec]) -> None:
    with mysql_connection(training, database=None) as connection, connection.cursor() as cursor:
        cursor.execute(
            f"CREATE DATABASE IF NOT EXISTS {quote_identifier(scratch)} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )
        for spec in specs:
            cursor.execute(f"DROP TABLE IF EXISTS {_target(scratch, spec)}")
            cursor.execute(
                f"CREATE TABLE {_target(scratch, spec)} LIKE "
                f"{quote_identifier(training.database)}.{quote_identifier(spec.training_table)}"
            )


def drop_targets(training: MySqlUrl, scratch: str, specs: Sequence[TableSpec]) -> None:
    with mysql_connection(training, database=None) as connection, connection.cursor() as cursor:
        for spec in specs:
            cursor.execute(f"DROP TABLE IF EXISTS {_target(scratch, spec)}")


def _columns(spec: TableSpec) -> str:
    return ", ".join(quote_identifier(c) for c in spec.mysql_columns)


def _insert_select_one(training: MySqlUrl, scratch: str, spec: TableSpec) -> int:
    with mysql_connection(training, database=None) as connection, connection.cursor() as cursor:
        connection.begin()
        rows = int(
            cursor.execute(
                f"INSERT INTO {_target(scratch, spec)} ({_columns(spec)}) "
                f"SELECT {_columns(spec)} FROM {_source(training, spec)}"
            )
        )
        connection.commit()
    return rows


def insert_select(
    training: MySqlUrl, scratch: str, specs: Sequence[TableSpec], *, parallel: bool
) -> dict[str, Any]:
    """One ``INSERT INTO copy (cols) SELECT cols FROM T_GOLD`` per table, each committed:
    one after another, or all at once on one connection per table (as the reset's Map
    copies them)."""
    prepare_targets(training, scratch, specs)
    started = time.perf_counter()
    if parallel:
        with ThreadPoolExecutor(max_workers=len(specs)) as pool:
            rows = sum(pool.map(lambda spec: _insert_select_one(training, scratch, spec), specs))
    else:
        rows = sum(_insert_select_one(training, scratch, spec) for spec in specs)
    seconds = time.perf_counter() - started
    drop_targets(training, scratch, specs)
    return {"seconds": seconds, "rows": rows, "parallel": parallel}


def client_copy(training: MySqlUrl, scratch: str, specs: Sequence[TableSpec]) -> dict[str, Any]:
    """Every row through the client, as the old Glue job moved them: a streaming SELECT
    (pymysql SSCursor) and ``executemany`` of a one-row INSERT per 1,000 rows, which pymysql
    sends as one multi-row INSERT (the kindest client-side variant); one commit per table."""
    prepare_targets(training, scratch, specs)
    rows = 0
    with (
        mysql_connection(training, database=None) as reader,
        mysql_connection(training, database=None) as writer,
    ):
        started = time.perf_counter()
        for spec in specs:
            insert = (
                f"INSERT INTO {_target(scratch, spec)} ({_columns(spec)}) "
                f"VALUES ({', '.join(['%s'] * len(spec.columns))})"
            )
            with (
                reader.cursor(pymysql.cursors.SSCursor) as source,
                writer.cursor() as target,
            ):
                source.execute(f"SELECT {_columns(spec)} FROM {_source(training, spec)}")
                writer.begin()
                while batch := source.fetchmany(CLIENT_BATCH_ROWS):
                    rows += target.executemany(insert, batch)
                writer.commit()
        seconds = time.perf_counter() - started
    drop_targets(training, scratch, specs)
    return {"seconds": seconds, "rows": rows}
