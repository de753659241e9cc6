"""What every bench phase shares: where things are, the as-of date, logging and set-up."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pymysql

from bench import bench_warehouse as wh
from bench.limit import mysql_connection
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.settings import MySqlUrl
from training_refresh.adapters.mysql import quote_identifier
from training_refresh.table_groups import TableGroupSet

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
AS_OF = "2026-11-20"
"""After every row the bench profile generates (activity ends mid-November 2026), so the
extraction keeps every order and auth; in the past, so the gold load accepts it."""
SIZES = (1_000, 10_000)
MIN_RESET_ROWS = 1_000_000


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC).strftime('%H:%M:%S')}] {message}", file=sys.stderr)


# --- set-up ------------------------------------------------------------------------------


def check_services(training: MySqlUrl) -> None:
    try:
        with psycopg.connect(wh.POSTGRES + "postgres", connect_timeout=5):
            pass
        with mysql_connection(training, database=None, connect_timeout=5):
            pass
    except (psycopg.Error, pymysql.Error) as error:
        sys.exit(f"bench: a local database is not reachable ({error}); run `make services`")


def fresh_training_database(training: MySqlUrl, configs: TableGroupSet) -> None:
    with mysql_connection(training, database=None) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote_identifier(training.database)}")
    ensure_training_tables(training, configs)


def truncate_gold(training: MySqlUrl, configs: TableGroupSet) -> None:
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        for spec in configs.enabled_tables():
            cursor.execute(f"TRUNCATE TABLE {quote_identifier(spec.gold_table)}")


def gold_rows(training: MySqlUrl, configs: TableGroupSet) -> dict[str, int]:
    counts = {}
    with (
        mysql_connection(training, database=training.database) as connection,
        connection.cursor() as cursor,
    ):
        for spec in configs.enabled_tables():
            cursor.execute(f"SELECT COUNT(*) FROM {quote_identifier(spec.gold_table)}")
            counts[spec.gold_table] = int(cursor.fetchone()[0])
    return counts


def gold_rows_if_any(training: MySqlUrl, configs: TableGroupSet) -> dict[str, int]:
    """:func:`gold_rows`, or nothing when the database or its gold copies are missing."""
    try:
        return gold_rows(training, configs)
    except pymysql.Error:
        return {}
