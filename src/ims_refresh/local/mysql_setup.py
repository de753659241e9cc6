"""Create the training database and any missing gold/training tables for local runs.

Only ``CREATE ... IF NOT EXISTS``: an existing table is never dropped or altered, even
when its layout differs from the project's DDL (the load then reports the mismatch).
"""

from __future__ import annotations

from training_refresh.adapters.mysql import MySqlSettings, connect, quote_identifier
from training_refresh.table_groups import TableGroupSet


def ensure_training_tables(url: MySqlSettings, groups: TableGroupSet) -> list[str]:
    """Create what is missing; return the names of the tables that were created."""
    database = url.database or ""
    with (
        connect(url.without_database(), workflow_session=False) as server,
        server.cursor() as cursor,
    ):
        cursor.execute(
            f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )
    created: list[str] = []
    with connect(url, workflow_session=False) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        existing = {row[0] for row in cursor.fetchall()}
        for spec in groups.all_tables():
            for table in (spec.gold_table, spec.training_table):
                if table not in existing:
                    cursor.execute(spec.mysql_ddl(table))
                    created.append(table)
    return created
