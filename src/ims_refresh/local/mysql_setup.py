"""Create the training database and any missing gold/training tables for local runs.

Only ``CREATE ... IF NOT EXISTS``: an existing table is never dropped or altered, even
when its layout differs from the project's DDL (the load then reports the mismatch).
"""

from __future__ import annotations

import pymysql

from ims_refresh.settings import MySqlUrl
from training_refresh.gold_merge import quote_identifier
from training_refresh.table_configs import TableConfigSet


def connect(url: MySqlUrl, *, database: bool = True) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=url.host,
        port=url.port,
        user=url.user,
        password=url.password,
        database=url.database if database else None,
        charset="utf8mb4",
        autocommit=True,
    )


def ensure_training_tables(url: MySqlUrl, configs: TableConfigSet) -> list[str]:
    """Create what is missing; return the names of the tables that were created."""
    with connect(url, database=False) as server, server.cursor() as cursor:
        cursor.execute(
            f"CREATE DATABASE IF NOT EXISTS {quote_identifier(url.database)} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )
    created: list[str] = []
    with connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        existing = {row[0] for row in cursor.fetchall()}
        for spec in configs.all_tables():
            for table in (spec.gold_table, spec.training_table):
                if table not in existing:
                    cursor.execute(spec.mysql_ddl(table))
                    created.append(table)
    return created
