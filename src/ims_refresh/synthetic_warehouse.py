"""A synthetic IMS warehouse in local PostgreSQL, standing in for Redshift (docs/design.md §2).

It holds fictional customers whose data has the awkward shapes of the real source, so the
gold load meets them locally: customer numbers of 1 to 15 digits, Unicode names with
accents, apostrophes and emoji, NULLs in nullable columns, blank-padded CHAR values, and
change-log histories and orders on both sides of the reference as-of date ``DEMO_AS_OF``
(including changes in its last second and in the first second after it).

Everything is drawn from ``random.Random`` seeded by the caller's seed (never the clock or
the global generator), so the same arguments always produce byte-identical tables. Each
customer has a generator of its own, seeded by (seed, customer number), so a customer's
names and histories do not depend on how many other customers were seeded; order numbers,
authorisation ids and CRNs are global counters and do.

The example customers 7, 6766 and 1234567 of docs/design.md §4 are always seeded (when at
least three customers are asked for) with the edge cases written into ``_EXAMPLE_CRN_HISTORIES`` and
``_add_boundary_orders``, so end-to-end tests can state exact expectations about them.

Functions that take a connection leave the transaction to the caller; ``build_warehouse``
does everything in one transaction, so a failed rebuild leaves the old warehouse intact.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Final

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ims_refresh.synthetic_pools import (
    CUSTOMER_NO_RANGES,
    DEFAULT_SEED,
    DEMO_AS_OF,
    EXAMPLE_CUSTOMERS,
    PROFILE_DISTRIBUTIONS,
)
from ims_refresh.synthetic_rows import (
    WarehouseGenerator,
)
from ims_refresh.synthetic_tables import (
    TABLES,
    WAREHOUSE_TABLES,
    Batch,
)

PROFILES: Final = ("demo", "bench")
"""``demo``: about 30 rows per customer; ``bench``: about 110, mostly orders and auths."""
_SCHEMAS: Final = ("oframe_prd_s", "oframe_cdc_prd_s")
_SCHEMA_FILE: Final = Path(__file__).with_name("data") / "warehouse_schema.sql"
_CUSTOMERS_PER_COPY: Final = 1000
"""Customers generated before their rows are copied: bounds memory, keeps COPYs large."""

__all__ = [
    "DEFAULT_SEED",
    "DEMO_AS_OF",
    "EXAMPLE_CUSTOMERS",
    "PROFILES",
    "WAREHOUSE_TABLES",
    "SeedSummary",
    "WarehouseNotEmptyError",
    "build_warehouse",
    "create_schemas",
    "customer_numbers",
    "drop_schemas",
    "ensure_database",
    "seed_warehouse",
    "write_sample_scenario",
]
"""The seeding API; the tables, pools and row makers live in ``synthetic_tables``,
``synthetic_pools`` and ``synthetic_rows``."""


SeedProgress = Callable[[int, Mapping[str, int]], None]
"""Told after each batch: customers written so far, rows so far per table."""


def _no_progress(customers: int, rows_per_table: Mapping[str, int]) -> None:
    """Nobody watches."""


class WarehouseNotEmptyError(RuntimeError):
    """Seeding needs empty tables; rebuild the warehouse instead of seeding it twice."""


@dataclass(frozen=True)
class SeedSummary:
    customers: int
    seed: int
    profile: str
    rows_per_table: Mapping[str, int]
    """Rows written, by schema-qualified table name."""

    @property
    def total_rows(self) -> int:
        return sum(self.rows_per_table.values())


_SCENARIO_HEADER: Final = ("customer_number", "scenario_note")
_EXAMPLE_SCENARIO_NOTES: Final[Mapping[int, str]] = {
    7: "design example; CRN updated at 23:59:59 and again at 00:00:00 next day",
    6766: "design example; CRN deleted before the as-of date, another inserted after it",
    1234567: "design example; CRN deleted at 23:59:59 on the as-of date",
}
_SCENARIO_NOTES: Final = (
    "billing dispute",
    "address change",
    "new account walkthrough",
    "order status inquiry",
    "returns and exchanges",
    "credit limit increase",
    "email bounced \N{EN DASH} update address",
    "Spanish-speaking caller (español)",
    'caller says "never ordered", wants refund',
    "gift order, ship to another address",
    "payment declined at checkout",
    "catalog opt-out request",
)


# --- Database set-up ---


def ensure_database(url: str) -> None:
    """Create the database that ``url`` names, unless it exists (via the ``postgres`` db)."""
    database = conninfo_to_dict(url).get("dbname")
    if not database:
        raise ValueError("the warehouse URL must name a database")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (str(database),)
        ).fetchone()
        if exists:
            return
        # Another process may create it between our look and our CREATE: that is fine.
        with suppress(errors.DuplicateDatabase, errors.UniqueViolation):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(database))))


def create_schemas(conn: psycopg.Connection[Any]) -> None:
    """Create the schemas and tables of docs/design.md §2 where missing."""
    # Read beside this module, not through importlib.resources: Python 3.11 cannot read
    # resources of a namespace package, which is what an editable install may make of us.
    conn.execute(_SCHEMA_FILE.read_text(encoding="utf-8"))


def drop_schemas(conn: psycopg.Connection[Any]) -> None:
    """Drop the warehouse schemas with everything in them."""
    conn.execute(
        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
            sql.SQL(", ").join(map(sql.Identifier, _SCHEMAS))
        )
    )


def customer_numbers(conn: psycopg.Connection[Any]) -> list[int]:
    """The warehouse's customer numbers, ascending."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT customer_no FROM oframe_prd_s.ims_customer ORDER BY customer_no")
        return [int(row[0]) for row in cursor]


def build_warehouse(
    url: str,
    customers: int,
    seed: int = DEFAULT_SEED,
    profile: str = "demo",
    rebuild: bool = True,
    *,
    on_progress: SeedProgress = _no_progress,
) -> SeedSummary:
    """Create the database if needed, (re)create the schemas and seed them, in one transaction.

    Without ``rebuild`` the tables must be empty (``WarehouseNotEmptyError`` otherwise).
    """
    ensure_database(url)
    with psycopg.connect(url) as conn:
        if rebuild:
            drop_schemas(conn)
        create_schemas(conn)
        return seed_warehouse(conn, customers, seed, profile, on_progress=on_progress)


# --- Seeding ---


def seed_warehouse(
    conn: psycopg.Connection[Any],
    customers: int,
    seed: int = DEFAULT_SEED,
    profile: str = "demo",
    *,
    on_progress: SeedProgress = _no_progress,
) -> SeedSummary:
    """Fill the empty warehouse tables with ``customers`` fictional customers and their rows
    (``on_progress`` is told after each batch of them)."""
    if profile not in PROFILE_DISTRIBUTIONS:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if customers < 1:
        raise ValueError(f"customers must be at least 1, not {customers}")
    _require_empty_tables(conn)
    generator = WarehouseGenerator(seed, PROFILE_DISTRIBUTIONS[profile])
    rows_per_table = dict.fromkeys(WAREHOUSE_TABLES, 0)
    all_customers = draw_customer_numbers(random.Random(seed), customers)
    done = 0
    with conn.cursor() as cursor:
        for group in _chunks(all_customers, _CUSTOMERS_PER_COPY):
            batch = Batch()
            for customer_no in group:
                generator.add_customer(customer_no, batch)
            for table, rows in batch.by_table():
                with cursor.copy(table.copy_statement()) as copy:
                    for row in rows:
                        copy.write_row(row)
                rows_per_table[table.qualified_name] += len(rows)
            done += len(group)
            on_progress(done, rows_per_table)
        # Fresh tables have no statistics; the extraction queries join and filter them.
        cursor.execute(
            sql.SQL("ANALYZE {}").format(
                sql.SQL(", ").join(sql.Identifier(t.schema, t.name) for t in TABLES)
            )
        )
    return SeedSummary(customers, seed, profile, rows_per_table)


def _require_empty_tables(conn: psycopg.Connection[Any]) -> None:
    for table in TABLES:
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(
            sql.Identifier(table.schema, table.name)
        )
        row = conn.execute(query).fetchone()
        if row and row[0]:
            raise WarehouseNotEmptyError(
                f"{table.qualified_name} already holds rows; rebuild the warehouse instead"
            )


def draw_customer_numbers(rng: random.Random, count: int) -> list[int]:
    """``count`` distinct customer numbers: the design's examples first, then random ones."""
    chosen = list(EXAMPLE_CUSTOMERS[:count])
    taken = set(chosen)
    while len(chosen) < count:
        # The digit count is drawn again on every try, so a crowded range cannot stall this.
        low, high = CUSTOMER_NO_RANGES.draw(rng)
        customer_no = rng.randint(low, high)
        if customer_no not in taken:
            taken.add(customer_no)
            chosen.append(customer_no)
    return chosen


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Sample scenario ---


def write_sample_scenario(
    path: str | PathLike[str],
    customer_numbers: Iterable[int],
    count: int,
    seed: int = DEFAULT_SEED,
) -> list[int]:
    """Write a scenario CSV of ``count`` of ``customer_numbers`` and return them in file order.

    The design's examples that are among ``customer_numbers`` come first, so with ``count`` >= 3
    they are always chosen; the rest is a seeded sample. Asking for more customers than
    there are gives all of them.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, not {count}")
    available = set(customer_numbers)
    examples = [number for number in EXAMPLE_CUSTOMERS if number in available]
    others = sorted(available.difference(examples))
    rng = random.Random(seed)
    sample_size = max(0, min(count, len(available)) - len(examples))
    chosen = (examples + sorted(rng.sample(others, sample_size)))[:count]
    with Path(path).open("w", encoding="utf-8", newline="") as scenario_file:
        writer = csv.writer(scenario_file, lineterminator="\n")
        writer.writerow(_SCENARIO_HEADER)
        for number in chosen:
            note = _EXAMPLE_SCENARIO_NOTES.get(number) or rng.choice(_SCENARIO_NOTES)
            writer.writerow((number, note))
    return chosen
