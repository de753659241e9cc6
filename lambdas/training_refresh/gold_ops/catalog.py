"""The gold catalog ``IMS_GOLD_CATALOG``: who is in the gold copies, since when, why.

One row per customer in the gold copies: ``CUSTOMER_NO``, ``FIRST_LOADED_AT`` (kept when
the customer is loaded again), ``LAST_LOADED_AT``, ``AS_OF``, ``RUN_ID``,
``SCENARIO_FILE`` (as the operator named it) and ``LABEL`` (the scenario file's
``scenario``/``label``/``description`` column). It is a gold-state table like a gold copy:
every gold-changing run that changes it builds a new version and publishes it in the
same RENAME (``gold_state.publication``), so an undo brings the catalog back with the
gold copies. Times are the database server's (UTC).

A gold load's entries (``build_with_load``): the run's customers that a gold copy it
publishes holds a row of (directly, by its customer column), so a customer of a config
that failed and was not published is entered only if a published config holds it. An
entry already there keeps ``FIRST_LOADED_AT``; every other field is the new load's (the
label too, empty when the new file has none). ``FIRST_LOADED_AT``/``LAST_LOADED_AT`` are
the time the publish step built the catalog, just before the RENAME.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from training_refresh.adapters.mysql import Cursor, quote_identifier
from training_refresh.gold_state import names
from training_refresh.gold_state.store import existing_tables

COLUMNS = (
    "CUSTOMER_NO",
    "FIRST_LOADED_AT",
    "LAST_LOADED_AT",
    "AS_OF",
    "RUN_ID",
    "SCENARIO_FILE",
    "LABEL",
)
DDL = """CREATE TABLE {table} (
    CUSTOMER_NO      BIGINT        NOT NULL,
    FIRST_LOADED_AT  DATETIME(6)   NOT NULL,
    LAST_LOADED_AT   DATETIME(6)   NOT NULL,
    AS_OF            DATE          NOT NULL,
    RUN_ID           VARCHAR(128)  NOT NULL,
    SCENARIO_FILE    VARCHAR(1024) NOT NULL,
    LABEL            VARCHAR(500)  NULL,
    PRIMARY KEY (CUSTOMER_NO)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"""


class CatalogEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    customer_number: int
    first_loaded_at: datetime
    last_loaded_at: datetime
    as_of: date
    run_id: str
    scenario_file: str
    label: str | None


@dataclass(frozen=True)
class LoadedRun:
    """What a gold load writes into the entries of its customers."""

    run_id: str
    as_of: str
    scenario_file: str


_INSERT_BATCH = 5000


def exists(cursor: Cursor) -> bool:
    return bool(existing_tables(cursor, [names.CATALOG_TABLE]))


def ensure_live(cursor: Cursor) -> None:
    """Create the empty live catalog before the first publication that writes it, so
    that the publication keeps it as version 0 (an undo back there brings it back empty)."""
    quoted = quote_identifier(names.CATALOG_TABLE)
    ddl = DDL.format(table=quoted)
    cursor.execute(ddl.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1))


def fill_run_customers(
    cursor: Cursor, tag: str, customers: Sequence[int], labels: Mapping[int, str]
) -> str:
    """The run's customers with their labels in the run's build table; returns its name."""
    table = names.build_table(names.RUN_CUSTOMERS_TABLE, tag)
    quoted = quote_identifier(table)
    cursor.execute(f"DROP TABLE IF EXISTS {quoted}")
    cursor.execute(
        f"CREATE TABLE {quoted} (CUSTOMER_NO BIGINT NOT NULL PRIMARY KEY, "
        "LABEL VARCHAR(500) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    )
    for start in range(0, len(customers), _INSERT_BATCH):
        batch = customers[start : start + _INSERT_BATCH]
        cursor.execute(
            f"INSERT IGNORE INTO {quoted} (CUSTOMER_NO, LABEL) VALUES "
            + ", ".join(["(%s, %s)"] * len(batch)),
            [value for customer in batch for value in (customer, labels.get(customer))],
        )
    return table


def build_with_load(
    cursor: Cursor,
    tag: str,
    run_customers: str,
    holders: Sequence[tuple[str, str]],
    run: LoadedRun,
) -> tuple[str, int]:
    """A build copy of the catalog with the entries of ``run_customers`` that one of
    ``holders`` (build table, customer column) holds a row of; returns its name and how
    many entries the load wrote."""
    build = quote_identifier(names.build_table(names.CATALOG_TABLE, tag))
    live = quote_identifier(names.CATALOG_TABLE)
    cursor.execute(f"DROP TABLE IF EXISTS {build}")
    cursor.execute(f"CREATE TABLE {build} LIKE {live}")
    cursor.execute(f"INSERT INTO {build} SELECT * FROM {live}")
    if not holders:
        return names.build_table(names.CATALOG_TABLE, tag), 0
    held = " OR ".join(
        f"EXISTS (SELECT 1 FROM {quote_identifier(table)} AS g "
        f"WHERE g.{quote_identifier(column)} = rc.CUSTOMER_NO)"
        for table, column in holders
    )
    cursor.execute(
        f"INSERT INTO {build} ({', '.join(COLUMNS)}) "
        "SELECT rc.CUSTOMER_NO, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), %s, %s, %s, rc.LABEL "
        f"FROM {quote_identifier(run_customers)} AS rc WHERE {held} "
        "ON DUPLICATE KEY UPDATE LAST_LOADED_AT = VALUES(LAST_LOADED_AT), "
        "AS_OF = VALUES(AS_OF), RUN_ID = VALUES(RUN_ID), "
        "SCENARIO_FILE = VALUES(SCENARIO_FILE), LABEL = VALUES(LABEL)",
        [run.as_of, run.run_id, run.scenario_file],
    )
    cursor.execute(f"SELECT COUNT(*) FROM {build} WHERE RUN_ID = %s", [run.run_id])
    return names.build_table(names.CATALOG_TABLE, tag), int(cursor.fetchall()[0][0])


def build_without(cursor: Cursor, tag: str, run_customers: str) -> tuple[str, int]:
    """A build copy of the catalog without the customers in ``run_customers``; returns
    its name and how many entries it left out."""
    build = quote_identifier(names.build_table(names.CATALOG_TABLE, tag))
    live = quote_identifier(names.CATALOG_TABLE)
    cursor.execute(f"DROP TABLE IF EXISTS {build}")
    cursor.execute(f"CREATE TABLE {build} LIKE {live}")
    cursor.execute(
        f"INSERT INTO {build} SELECT live.* FROM {live} AS live WHERE NOT EXISTS "
        f"(SELECT 1 FROM {quote_identifier(run_customers)} AS rc "
        "WHERE rc.CUSTOMER_NO = live.CUSTOMER_NO)"
    )
    cursor.execute(f"SELECT (SELECT COUNT(*) FROM {live}) - (SELECT COUNT(*) FROM {build})")
    return names.build_table(names.CATALOG_TABLE, tag), int(cursor.fetchall()[0][0])


def _entry(row: Any) -> CatalogEntry:
    return CatalogEntry(
        **dict(zip(("customer_number", *(c.lower() for c in COLUMNS[1:])), row, strict=True))
    )


def read_entries(cursor: Cursor, customers: list[int] | None = None) -> list[CatalogEntry]:
    """The catalog's entries by customer number (only ``customers`` when given); none
    before the first load that wrote it."""
    if not exists(cursor):
        return []
    sql = f"SELECT {', '.join(COLUMNS)} FROM {quote_identifier(names.CATALOG_TABLE)}"
    arguments: list[int] = []
    if customers is not None:
        if not customers:
            return []
        sql += f" WHERE CUSTOMER_NO IN ({', '.join(['%s'] * len(customers))})"
        arguments = customers
    cursor.execute(sql + " ORDER BY CUSTOMER_NO", arguments or None)
    return [_entry(row) for row in cursor.fetchall()]
