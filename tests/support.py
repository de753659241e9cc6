"""Helpers for tests that read the databases directly."""

from __future__ import annotations

from typing import Any

import pymysql

from ims_refresh.settings import MySqlUrl


def mysql_query(url: MySqlUrl, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    with (
        pymysql.connect(
            host=url.host,
            port=url.port,
            user=url.user,
            password=url.password,
            database=url.database,
            charset="utf8mb4",
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def table_checksums(url: MySqlUrl, tables: list[str]) -> dict[str, int]:
    rows = mysql_query(url, "CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
    return {str(name).rsplit(".", 1)[-1]: int(checksum) for name, checksum in rows}
