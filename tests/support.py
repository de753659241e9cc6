"""Helpers for tests that read the databases directly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from ims_refresh.settings import MySqlUrl
from training_refresh.adapters.mysql import connect


def mysql_query(url: MySqlUrl, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    with (
        connect(url, autocommit=False, workflow_session=False) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def table_checksums(url: MySqlUrl, tables: list[str]) -> dict[str, int]:
    rows = mysql_query(url, "CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
    return {str(name).rsplit(".", 1)[-1]: int(checksum) for name, checksum in rows}


def mysql_url_text(url: MySqlUrl) -> str:
    """The ``IMS_TRAINING_DB_URL`` form of ``url`` (test databases have no password)."""
    return f"mysql://{url.user}@{url.host}:{url.port}/{url.database}"


def write_scenario(path: Path, customers: list[int]) -> Path:
    path.write_text("customer_number\n" + "".join(f"{c}\n" for c in customers), "utf-8")
    return path


def warehouse_customers(url: str, limit: int, offset: int = 0) -> list[int]:
    """Customer numbers of the warehouse, in order."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT customer_no FROM oframe_prd_s.ims_customer ORDER BY customer_no "
            "LIMIT %s OFFSET %s",
            (limit, offset),
        ).fetchall()
    return [int(row[0]) for row in rows]


def gold_load_arguments(report_dir: Path, scenario: Path, as_of: str, *extra: str) -> list[str]:
    """``ims-refresh`` arguments of a local gold load."""
    return [
        "--report-dir",
        str(report_dir),
        "run",
        "gold-load",
        "--scenarios",
        str(scenario),
        "--as-of",
        as_of,
        *extra,
    ]
