"""The physical limit of a gold load: the same rows, fetched and bulk-loaded, nothing else.

For every enabled table, per chunk of customers exactly as the gold load chunks them, the
table's own extraction SQL (``sql/extract/*.sql``) runs on PostgreSQL through a psycopg
*named* (server-side) cursor; every value arrives as the text PostgreSQL prints (no Python
type conversion) and is written to one tab-separated file per table. Each file is then
bulk-loaded into a table of the gold layout in the scratch database with
``LOAD DATA LOCAL INFILE`` (the fastest client path into MariaDB), or with multi-row INSERTs
when the server refuses local files. No anonymization, no Data API, no Step Functions.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import psycopg.postgres
from psycopg.types.string import TextLoader

from ims_refresh.settings import MySqlUrl
from training_refresh.adapters.data_api import customer_in_list
from training_refresh.adapters.mysql import Connection, connect, quote_identifier
from training_refresh.table_groups import TableGroupSet, TableSpec

FETCH_ROWS = 10_000
"""Rows per round trip of the named cursor (psycopg's itersize)."""
INSERT_ROWS = 2_000
"""Rows per multi-row INSERT on the fallback path."""

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\\0"})


@dataclass
class LimitResult:
    method: str
    seconds: float
    fetch_seconds: float
    load_seconds: float
    rows: int
    rows_per_table: dict[str, int] = field(default_factory=dict)


def mysql_connection(url: MySqlUrl, *, database: str | None, **options: Any) -> Connection:
    """A plain session (no workflow session settings) on ``database`` of ``url``'s server."""
    target = url.model_copy(update={"database": database})
    return connect(target, workflow_session=False, **options)


def local_infile_allowed(url: MySqlUrl) -> bool:
    with mysql_connection(url, database=None) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.local_infile")
        row = cursor.fetchone()
    return bool(row and int(row[0]))


def prepare_scratch_tables(url: MySqlUrl, database: str, configs: TableGroupSet) -> None:
    """Empty tables of the gold layout (same keys and indexes) in ``database``."""
    with mysql_connection(url, database=None) as connection, connection.cursor() as cursor:
        cursor.execute(
            f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )
        cursor.execute(f"USE {quote_identifier(database)}")
        for spec in configs.enabled_tables():
            cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(spec.gold_table)}")
            cursor.execute(spec.mysql_ddl(spec.gold_table))


def _text_connection(warehouse_url: str) -> psycopg.Connection[Any]:
    # cursor_tuple_fraction 1: the named cursor is planned for all its rows, as they are
    # all fetched, never for a fast start (EXPLAIN on the bench warehouse: same plans).
    connection = psycopg.connect(
        warehouse_url,
        options="-c TimeZone=UTC -c DateStyle=ISO,MDY -c cursor_tuple_fraction=1",
    )
    for info in psycopg.postgres.types:
        connection.adapters.register_loader(info.oid, TextLoader)
    return connection


def _tsv_line(row: Sequence[str | None]) -> str:
    return "\t".join("\\N" if value is None else value.translate(_ESCAPES) for value in row) + "\n"


def _extraction_sql(spec: TableSpec, customers: Sequence[int], as_of: str) -> str:
    # The as-of date is a validated YYYY-MM-DD string; the gold load binds it as :as_of.
    sql = spec.extraction_sql_template().replace("{customer_numbers}", customer_in_list(customers))
    sql = sql.replace(":as_of", f"'{as_of}'")
    # The load keeps only the rows whose dq_row is 'kept' (not CDC deletes) and drops the
    # dq_* columns (gold_load/extract.py); the limit moves the same rows.
    return f"SELECT {', '.join(spec.columns)} FROM (\n{sql}\n) AS extracted WHERE dq_row = 'kept'"


def _fetch_to_file(
    connection: psycopg.Connection[Any],
    spec: TableSpec,
    chunks: Sequence[Sequence[int]],
    as_of: str,
    path: str,
) -> int:
    rows = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for number, chunk in enumerate(chunks):
            with connection.cursor(name=f"limit_{number}") as cursor:
                cursor.itersize = FETCH_ROWS
                cursor.execute(_extraction_sql(spec, chunk, as_of))
                while batch := cursor.fetchmany(FETCH_ROWS):
                    out.writelines(map(_tsv_line, batch))
                    rows += len(batch)
            connection.commit()
    return rows


def _load_file(cursor: Any, spec: TableSpec, path: str) -> int:
    columns = ", ".join(quote_identifier(c) for c in spec.mysql_columns)
    return int(
        cursor.execute(
            f"LOAD DATA LOCAL INFILE %s INTO TABLE {quote_identifier(spec.gold_table)} "
            "CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' "
            f"LINES TERMINATED BY '\\n' ({columns})",
            (path,),
        )
    )


def _insert_file(cursor: Any, spec: TableSpec, path: str) -> int:
    """Fallback without local_infile: multi-row INSERTs of the same rows."""
    columns = ", ".join(quote_identifier(c) for c in spec.mysql_columns)
    statement = (
        f"INSERT INTO {quote_identifier(spec.gold_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(spec.columns))})"
    )
    unescape = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r", "\\0": "\x00"}

    def value(text: str) -> str | None:
        if text == "\\N":
            return None
        for escaped, plain in unescape.items():
            text = text.replace(escaped, plain)
        return text

    written, batch = 0, []
    with open(path, encoding="utf-8", newline="\n") as lines:
        for line in lines:
            batch.append([value(v) for v in line.rstrip("\n").split("\t")])
            if len(batch) == INSERT_ROWS:
                written += cursor.executemany(statement, batch)
                batch = []
    if batch:
        written += cursor.executemany(statement, batch)
    return written


def run_limit(
    *,
    warehouse_url: str,
    training: MySqlUrl,
    scratch_database: str,
    configs: TableGroupSet,
    customers: Sequence[int],
    chunk_size: int,
    as_of: str,
    use_local_infile: bool,
) -> LimitResult:
    """Fetch every enabled table's rows for ``customers`` and bulk-load them; timed."""
    customers = sorted(customers)
    chunks = [customers[i : i + chunk_size] for i in range(0, len(customers), chunk_size)]
    prepare_scratch_tables(training, scratch_database, configs)
    rows_per_table: dict[str, int] = {}
    fetch_seconds = load_seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="ims-bench-limit-") as folder:
        started = time.perf_counter()
        with (
            _text_connection(warehouse_url) as source,
            mysql_connection(
                training, database=scratch_database, local_infile=use_local_infile
            ) as target,
            target.cursor() as cursor,
        ):
            for spec in configs.enabled_tables():
                path = os.path.join(folder, f"{spec.gold_table}.tsv")
                t0 = time.perf_counter()
                fetched = _fetch_to_file(source, spec, chunks, as_of, path)
                t1 = time.perf_counter()
                loaded = (_load_file if use_local_infile else _insert_file)(cursor, spec, path)
                t2 = time.perf_counter()
                if loaded != fetched:
                    raise RuntimeError(
                        f"{spec.gold_table}: fetched {fetched} rows but loaded {loaded}"
                    )
                rows_per_table[spec.training_table] = fetched
                fetch_seconds += t1 - t0
                load_seconds += t2 - t1
        seconds = time.perf_counter() - started
    return LimitResult(
        method="LOAD DATA LOCAL INFILE" if use_local_infile else "multi-row INSERT",
        seconds=seconds,
        fetch_seconds=fetch_seconds,
        load_seconds=load_seconds,
        rows=sum(rows_per_table.values()),
        rows_per_table=rows_per_table,
    )
