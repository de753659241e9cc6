"""Helpers for tests that read the databases directly."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
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


def all_mysql_text(url: MySqlUrl) -> str:
    """Every value of every table of the training database (gold, training, builds...)."""
    tables = mysql_query(
        url,
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    )
    values = []
    for (table,) in tables:
        for row in mysql_query(url, f"SELECT * FROM `{table}`"):
            values.extend(str(value) for value in row if value is not None)
    return "\n".join(values)


def mysql_url_text(url: MySqlUrl) -> str:
    """The ``IMS_TRAINING_DB_URL`` form of ``url`` (test databases have no password)."""
    return f"mysql://{url.user}@{url.host}:{url.port}/{url.database}"


def warehouse_sql(url: str, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` on the warehouse at ``url`` (autocommit); its rows, if it returns any."""
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql, args)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


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


FICTIONAL_NAMES = frozenset(
    name
    for names in json.loads(
        (Path(__file__).parents[1] / "lambdas/training_refresh/seed_names.json").read_text("utf-8")
    ).values()
    for name in names
)
"""The anonymizer's fictional first and last names (a source name among them is no leak)."""


def source_pii(url: str, customers: list[int]) -> dict[str, set[str]]:
    """The personal values the warehouse holds for ``customers``, by kind (real-looking
    names, streets, phones, birth dates, e-mails; at least 3 characters): none may reach
    a gold table, an output, a log or a report."""
    rows = warehouse_sql(
        url,
        "SELECT customer_no, first_name, last_name, address_line1, address_line2, phone_number, "
        "birth_date FROM oframe_prd_s.ims_customer WHERE customer_no = ANY(%s)",
        (customers,),
    )
    emails = warehouse_sql(
        url,
        "SELECT email_address FROM oframe_prd_s.ims_cus_email WHERE customer_no = ANY(%s)",
        (customers,),
    )
    pii: dict[str, set[str]] = {
        "name": set(),
        "street": set(),
        "phone": set(),
        "birth": set(),
        "email": set(),
    }
    for _, first, last, line1, line2, phone, birth in rows:
        for name in (first, last):
            if name and name.strip() not in FICTIONAL_NAMES:
                pii["name"].add(name.strip())
        pii["street"].update(v.strip() for v in (line1, line2) if v)
        if phone:
            pii["phone"].add(phone.strip())
        if birth:
            pii["birth"].add(birth.isoformat())
    pii["email"].update(e[0].strip() for e in emails if e[0])
    return {kind: {v for v in values if len(v) >= 3} for kind, values in pii.items()}


def pii_in(text: str, pii: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(kind, value) of every value of ``pii`` (``source_pii``) that ``text`` holds as a word."""
    return [
        (kind, value)
        for kind, values in sorted(pii.items())
        for value in sorted(values)
        if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text)
    ]


LOCAL_DATA_API_APPLICATION = "ims-local-redshift-data"
"""The application_name of the local Data API's sessions (local/redshift_data.py)."""


def terminate_local_data_api_sessions(
    warehouse_url: str, *, waiting_for_lock: bool = False, at_most_seconds: float = 60.0
) -> int:
    """Wait until the local Data API runs a statement in ``warehouse_url``'s database (one
    waiting for a lock, if asked), then end every such session with
    ``pg_terminate_backend``, as a Redshift node restart would; how many ended. The wait
    is bounded so that a test that never gets there fails instead of hanging."""
    lock = "AND wait_event_type = 'Lock'" if waiting_for_lock else ""
    sql = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
        f"current_database() AND application_name = %s AND state = 'active' {lock}"
    )
    give_up = time.monotonic() + at_most_seconds
    with psycopg.connect(warehouse_url, autocommit=True) as connection:
        while time.monotonic() < give_up:
            ended = connection.execute(sql, (LOCAL_DATA_API_APPLICATION,)).fetchall()
            if ended:
                return len(ended)
            time.sleep(0.02)
    raise AssertionError("no statement of the local Data API was running to be terminated")


def debug_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``ims-refresh --log-level DEBUG <arguments>`` in a process of its own, as an operator
    runs it: its output, log lines and exit code (at most 10 minutes)."""
    return subprocess.run(
        [sys.executable, "-m", "ims_refresh.cli", "--log-level", "DEBUG", *arguments],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=600,
        check=False,
    )
