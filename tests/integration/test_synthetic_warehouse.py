"""The synthetic warehouse in PostgreSQL: docs/design.md §2 schema, determinism, data shapes.

Every test works in throwaway databases named ``ims_wh_test_<random>`` on the server of
``IMS_WAREHOUSE_URL`` (the local default otherwise), dropped again at the end of the module.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ims_refresh.settings import DEFAULT_WAREHOUSE_URL, LocalEnvName
from ims_refresh.synthetic_warehouse import (
    DEMO_AS_OF,
    EXAMPLE_CUSTOMERS,
    WAREHOUSE_TABLES,
    SeedSummary,
    WarehouseNotEmptyError,
    build_warehouse,
    create_schemas,
    customer_numbers,
    ensure_database,
    seed_warehouse,
    write_sample_scenario,
)

SERVER_URL = os.environ.get(LocalEnvName.WAREHOUSE_URL, DEFAULT_WAREHOUSE_URL)
CUSTOMERS = 300
SEED = 4242
LAST_SECOND_OF_AS_OF = datetime.combine(DEMO_AS_OF, time(23, 59, 59))
FIRST_SECOND_AFTER_AS_OF = datetime.combine(DEMO_AS_OF + timedelta(days=1), time())

# docs/design.md §2, transcribed: columns in order, with their types as docs/design.md writes them.
DESIGN_SCHEMA = {
    "oframe_prd_s.ims_customer": (
        "customer_no BIGINT, first_name VARCHAR(30), middle_initial CHAR(1), last_name "
        "VARCHAR(40), address_line1 VARCHAR(60), address_line2 VARCHAR(60), city VARCHAR(40), "
        "state_code CHAR(2), zip_code VARCHAR(10), phone_number VARCHAR(20), birth_date DATE, "
        "credit_limit DECIMAL(11,2), account_status CHAR(1), open_date DATE, "
        "last_update_ts TIMESTAMP"
    ),
    "oframe_prd_s.ims_cus_email": (
        "customer_no BIGINT, email_seq SMALLINT, email_address VARCHAR(254), email_type "
        "VARCHAR(10), opt_in_flag CHAR(1), last_update_ts TIMESTAMP"
    ),
    "oframe_cdc_prd_s.ims_mason_crn": (
        "customer_no BIGINT, crn VARCHAR(20), crn_status CHAR(1), brand_code VARCHAR(4), "
        "effective_date DATE, cdc_operation CHAR(1), cdc_timestamp TIMESTAMP"
    ),
    "oframe_prd_s.ims_mason_preferences": (
        "customer_no BIGINT, preference_code VARCHAR(20), preference_value VARCHAR(100), "
        "channel VARCHAR(10), updated_ts TIMESTAMP"
    ),
    "oframe_prd_s.ims_order": (
        "order_no BIGINT, customer_no BIGINT, order_date DATE, order_status VARCHAR(12), "
        "order_total DECIMAL(11,2), ship_method VARCHAR(10), catalog_code VARCHAR(8), "
        "last_update_ts TIMESTAMP"
    ),
    "oframe_prd_s.ims_auth": (
        "auth_id BIGINT, order_no BIGINT, auth_amount DECIMAL(11,2), auth_status VARCHAR(10), "
        "auth_code VARCHAR(10), card_type VARCHAR(10), card_last4 CHAR(4), auth_ts TIMESTAMP"
    ),
}
DESIGN_PRIMARY_KEYS = {
    "oframe_prd_s.ims_customer": ["customer_no"],
    "oframe_prd_s.ims_cus_email": ["customer_no", "email_seq"],
    "oframe_prd_s.ims_mason_preferences": ["customer_no", "preference_code"],
    "oframe_prd_s.ims_order": ["order_no"],
    "oframe_prd_s.ims_auth": ["auth_id"],
}
CDC_TABLE = "oframe_cdc_prd_s.ims_mason_crn"
KEY_COLUMNS = {table: set(columns) for table, columns in DESIGN_PRIMARY_KEYS.items()} | {
    CDC_TABLE: {"customer_no", "crn"}
}


@pytest.fixture(scope="module")
def new_database() -> Iterator[Callable[[], str]]:
    """Makes empty throwaway databases; drops every one of them afterwards."""
    try:
        psycopg.connect(make_conninfo(SERVER_URL, dbname="postgres"), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server at IMS_WAREHOUSE_URL: {error}")
    created: list[str] = []

    def new() -> str:
        url = make_conninfo(SERVER_URL, dbname=f"ims_wh_test_{secrets.token_hex(4)}")
        ensure_database(url)
        created.append(url)
        return url

    yield new
    with psycopg.connect(make_conninfo(SERVER_URL, dbname="postgres"), autocommit=True) as conn:
        for url in created:
            name = conninfo_to_dict(url)["dbname"]
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="module")
def warehouse(new_database: Callable[[], str]) -> tuple[str, SeedSummary]:
    url = new_database()
    return url, build_warehouse(url, CUSTOMERS, seed=SEED)


def _query(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def _table_checksums(url: str) -> dict[str, str]:
    """md5 over every row's text, in a fixed order, per table."""
    return {
        table: _query(
            url, f"SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM {table} AS t"
        )[0][0]
        for table in WAREHOUSE_TABLES
    }


def _design_type(data_type: str, length: int | None, precision: int | None, scale: int) -> str:
    """information_schema's spelling of a type, in the design's spelling."""
    return {
        "bigint": "BIGINT",
        "smallint": "SMALLINT",
        "date": "DATE",
        "timestamp without time zone": "TIMESTAMP",
        "character varying": f"VARCHAR({length})",
        "character": f"CHAR({length})",
        "numeric": f"DECIMAL({precision},{scale})",
    }[data_type]


def test_schema_matches_design_section_2(warehouse: tuple[str, SeedSummary]) -> None:
    # Given a freshly built warehouse
    url, _ = warehouse

    # When its columns, primary keys and indexes are read from the catalog
    columns = _query(
        url,
        "SELECT table_schema || '.' || table_name, column_name, data_type,"
        " character_maximum_length, numeric_precision, numeric_scale, is_nullable"
        " FROM information_schema.columns"
        " WHERE table_schema IN ('oframe_prd_s', 'oframe_cdc_prd_s')"
        " ORDER BY table_schema, table_name, ordinal_position",
    )
    primary_keys = _query(
        url,
        "SELECT tc.table_schema || '.' || tc.table_name,"
        " array_agg(kcu.column_name::text ORDER BY kcu.ordinal_position)"
        " FROM information_schema.table_constraints AS tc"
        " JOIN information_schema.key_column_usage AS kcu"
        "   ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema"
        " WHERE tc.constraint_type = 'PRIMARY KEY'"
        "   AND tc.table_schema IN ('oframe_prd_s', 'oframe_cdc_prd_s')"
        " GROUP BY 1",
    )
    cdc_indexes = _query(
        url,
        "SELECT indexdef FROM pg_indexes"
        " WHERE schemaname = 'oframe_cdc_prd_s' AND tablename = 'ims_mason_crn'",
    )

    # Then every table has exactly the design's columns, types and keys; only keys are NOT NULL
    actual: dict[str, list[str]] = defaultdict(list)
    not_null: dict[str, set[str]] = defaultdict(set)
    for table, column, data_type, length, precision, scale, nullable in columns:
        actual[table].append(f"{column} {_design_type(data_type, length, precision, scale)}")
        if nullable == "NO":
            not_null[table].add(column)
    assert {table: ", ".join(spec) for table, spec in actual.items()} == DESIGN_SCHEMA
    assert dict(not_null) == KEY_COLUMNS
    assert dict(primary_keys) == DESIGN_PRIMARY_KEYS  # and none on the change log
    assert any("(customer_no, crn)" in index for (index,) in cdc_indexes)


def test_creating_the_schemas_again_changes_nothing(warehouse: tuple[str, SeedSummary]) -> None:
    # Given a seeded warehouse and its checksums
    url, _ = warehouse
    before = _table_checksums(url)

    # When the database and schemas are ensured again
    ensure_database(url)
    with psycopg.connect(url) as conn:
        create_schemas(conn)

    # Then nothing changed
    assert _table_checksums(url) == before


def test_same_arguments_give_identical_data(
    warehouse: tuple[str, SeedSummary], new_database: Callable[[], str]
) -> None:
    # Given a warehouse seeded with some arguments
    url, summary = warehouse

    # When another database is built with the same arguments, and rebuilt with another seed
    other_url = new_database()
    same_summary = build_warehouse(other_url, CUSTOMERS, seed=SEED)
    same_checksums = _table_checksums(other_url)
    build_warehouse(other_url, CUSTOMERS, seed=SEED + 1)
    other_seed_checksums = _table_checksums(other_url)

    # Then the same arguments gave the same rows in every table, another seed other rows
    checksums = _table_checksums(url)
    assert same_summary == summary
    assert same_checksums == checksums
    assert all(other_seed_checksums[table] != checksums[table] for table in WAREHOUSE_TABLES)


def test_rows_per_customer_match_the_demo_profile(warehouse: tuple[str, SeedSummary]) -> None:
    # Given a warehouse seeded with the demo profile
    url, summary = warehouse

    # When its tables are counted
    counts = {table: _query(url, f"SELECT count(*) FROM {table}")[0][0] for table in DESIGN_SCHEMA}

    # Then the summary tells the truth, and there are 25-35 rows per customer
    assert summary.customers == CUSTOMERS
    assert dict(summary.rows_per_table) == counts
    assert 25 <= summary.total_rows / CUSTOMERS <= 35


def test_customer_numbers_have_varied_lengths_and_include_design_examples(
    warehouse: tuple[str, SeedSummary],
) -> None:
    # Given a seeded warehouse
    url, _ = warehouse

    # When its customer numbers are listed
    with psycopg.connect(url) as conn:
        numbers = customer_numbers(conn)

    # Then they are ascending and unique, include the design's examples, and are mostly 6-10 digits
    assert numbers == sorted(set(numbers))
    assert len(numbers) == CUSTOMERS
    assert set(EXAMPLE_CUSTOMERS) <= set(numbers)
    lengths = Counter(len(str(number)) for number in numbers)
    assert sum(lengths[digits] for digits in range(6, 11)) > 0.8 * CUSTOMERS
    assert max(lengths) <= 15


def test_customers_have_the_awkward_shapes_of_the_source(
    warehouse: tuple[str, SeedSummary],
) -> None:
    # Given a seeded warehouse
    url, _ = warehouse

    # When its customers are read
    customers = _query(
        url,
        "SELECT customer_no, first_name, middle_initial, last_name, address_line2, state_code,"
        " phone_number, birth_date, account_status FROM oframe_prd_s.ims_customer",
    )
    names = [f"{row[1]} {row[3]}" for row in customers]
    by_column = list(zip(*customers, strict=True))

    # Then names hold accents, apostrophes, emoji and non-Latin scripts
    assert any(char in name for name in names for char in "éëçñü")
    assert any("'" in name for name in names)
    assert any(ord(char) > 0xFFFF for name in names for char in name)  # emoji
    assert any("\u0400" <= char <= "\u04ff" or char >= "\u3040" for name in names for char in name)
    # and nullable columns hold NULLs
    for column in (2, 4, 6, 7):
        assert None in by_column[column]
    # and blank CHAR values come back padded to their width, as Redshift returns them
    assert " " in by_column[2]  # middle_initial CHAR(1)
    assert any(value == " " for value in by_column[8])  # account_status CHAR(1)
    assert all(value is None or len(value) == 2 for value in by_column[5])  # state_code CHAR(2)
    # and some names keep the trailing blanks of a fixed-width source field
    assert any(name.endswith("  ") for row in customers for name in (row[1] or "", row[3] or ""))


def test_emails_number_from_one_and_often_carry_the_real_name(
    warehouse: tuple[str, SeedSummary],
) -> None:
    # Given a seeded warehouse
    url, _ = warehouse

    # When the e-mail addresses are read per customer
    rows = _query(
        url,
        "SELECT customer_no, array_agg(email_seq ORDER BY email_seq),"
        " array_agg(email_address ORDER BY email_seq), count(*) - count(email_type)"
        " FROM oframe_prd_s.ims_cus_email GROUP BY customer_no",
    )
    emails = {customer_no: (seqs, addresses) for customer_no, seqs, addresses, _ in rows}

    # Then every customer has 1-4 addresses numbered 1..n, some types are NULL,
    assert len(emails) == CUSTOMERS
    assert all(
        seqs == list(range(1, len(seqs) + 1)) and len(seqs) <= 4 for seqs, _ in emails.values()
    )
    assert sum(null_types for *_, null_types in rows) > 0
    # and customer 7 (José O'Brien) can be recognised in its first address
    assert "obrien" in emails[7][1][0].replace("'", "")


def test_crn_change_histories_straddle_the_as_of_date(warehouse: tuple[str, SeedSummary]) -> None:
    # Given a seeded warehouse
    url, _ = warehouse

    # When its CRN change log is read in order
    changes = _query(
        url,
        "SELECT customer_no, crn, cdc_operation, cdc_timestamp FROM oframe_cdc_prd_s.ims_mason_crn"
        " ORDER BY customer_no, crn, cdc_timestamp",
    )
    histories: dict[tuple[int, str], list[tuple[str, datetime]]] = defaultdict(list)
    for customer_no, crn, operation, timestamp in changes:
        histories[customer_no, crn].append((operation, timestamp))
    timestamps = {timestamp for *_, timestamp in changes}
    deletes = [timestamp for _, _, operation, timestamp in changes if operation == "D"]

    # Then each history is an insert, updates and maybe a final delete, at distinct times
    for history in histories.values():
        operations = "".join(operation for operation, _ in history)
        assert operations[0] == "I"
        assert "I" not in operations[1:]
        assert "D" not in operations[:-1]
        assert len({timestamp for _, timestamp in history}) == len(history)
    # and no customer has more than three CRNs
    assert max(Counter(customer_no for customer_no, _ in histories).values()) <= 3
    # and changes fall exactly in the last second of DEMO_AS_OF and the first one after it
    assert {LAST_SECOND_OF_AS_OF, FIRST_SECOND_AFTER_AS_OF} <= timestamps
    # and keys are deleted both before and after DEMO_AS_OF
    assert any(timestamp < FIRST_SECOND_AFTER_AS_OF for timestamp in deletes)
    assert any(timestamp >= FIRST_SECOND_AFTER_AS_OF for timestamp in deletes)


def test_design_example_crns_as_of_the_demo_date(warehouse: tuple[str, SeedSummary]) -> None:
    # Given a seeded warehouse
    url, _ = warehouse

    # When the example customers' CRNs are taken as of DEMO_AS_OF (docs/design.md §3)
    as_of = _query(
        url,
        "SELECT customer_no, cdc_operation, cdc_timestamp FROM ("
        "  SELECT DISTINCT ON (customer_no, crn) customer_no, crn, cdc_operation, cdc_timestamp"
        "  FROM oframe_cdc_prd_s.ims_mason_crn"
        "  WHERE customer_no = ANY(%s) AND cdc_timestamp < %s::date + 1"
        "  ORDER BY customer_no, crn, cdc_timestamp DESC"
        ") AS latest WHERE cdc_operation <> 'D' ORDER BY customer_no, cdc_timestamp",
        (list(EXAMPLE_CUSTOMERS), DEMO_AS_OF),
    )

    # Then 7 keeps both CRNs (one as updated at 23:59:59), 6766 none, 1234567 one
    assert [(customer_no, operation) for customer_no, operation, _ in as_of] == [
        (7, "I"),
        (7, "U"),
        (1234567, "I"),
    ]
    assert as_of[1][2] == LAST_SECOND_OF_AS_OF


def test_preferences_orders_and_auths_have_demo_shapes(
    warehouse: tuple[str, SeedSummary],
) -> None:
    # Given a seeded warehouse
    url, _ = warehouse

    # When preferences, orders and auths are counted and dated
    preferences_per_customer = _query(
        url, "SELECT count(*) FROM oframe_prd_s.ims_mason_preferences GROUP BY customer_no"
    )
    orders = _query(
        url,
        "SELECT o.order_date, count(a.auth_id), min(a.auth_ts), max(a.auth_ts)"
        " FROM oframe_prd_s.ims_order AS o"
        " LEFT JOIN oframe_prd_s.ims_auth AS a ON a.order_no = o.order_no"
        " GROUP BY o.order_no, o.order_date",
    )

    # Then each customer has 2-8 preferences and each order 0-3 auths
    assert len(preferences_per_customer) == CUSTOMERS
    assert all(2 <= count <= 8 for (count,) in preferences_per_customer)
    assert all(0 <= auth_count <= 3 for _, auth_count, _, _ in orders)
    # and auths come on or after their order's date
    assert all(first is None or first.date() >= day for day, _, first, _ in orders)
    # and there are orders after DEMO_AS_OF, and auths after it for orders on or before it
    assert any(day > DEMO_AS_OF for day, *_ in orders)
    assert any(
        day <= DEMO_AS_OF and last is not None and last >= FIRST_SECOND_AFTER_AS_OF
        for day, _, _, last in orders
    )


def test_seeding_a_seeded_warehouse_is_refused(warehouse: tuple[str, SeedSummary]) -> None:
    # Given a seeded warehouse
    url, _ = warehouse

    # When it is seeded again without a rebuild
    # Then that is refused before anything is written
    with psycopg.connect(url) as conn, pytest.raises(WarehouseNotEmptyError):
        seed_warehouse(conn, 10, seed=SEED)


@pytest.mark.parametrize(("customers", "profile"), [(10, "huge"), (0, "demo")])
def test_bad_seed_arguments_are_rejected(
    warehouse: tuple[str, SeedSummary], customers: int, profile: str
) -> None:
    # Given a seeded warehouse
    url, _ = warehouse

    # When seeding is asked for an unknown profile or no customers
    # Then it fails with the reason
    with psycopg.connect(url) as conn, pytest.raises(ValueError, match=r"profile|customers"):
        seed_warehouse(conn, customers, profile=profile)


def test_sample_scenario_is_deterministic_and_holds_design_examples(
    warehouse: tuple[str, SeedSummary], tmp_path: Path
) -> None:
    # Given the warehouse's customer numbers
    url, _ = warehouse
    with psycopg.connect(url) as conn:
        numbers = customer_numbers(conn)

    # When a sample scenario is written twice, from the numbers in different orders
    first = write_sample_scenario(tmp_path / "a.csv", numbers, 25, seed=SEED)
    second = write_sample_scenario(tmp_path / "b.csv", list(reversed(numbers)), 25, seed=SEED)

    # Then both files are identical, with a header and the design's examples first
    text = (tmp_path / "a.csv").read_bytes()
    assert text == (tmp_path / "b.csv").read_bytes()
    assert first == second
    lines = text.decode("utf-8").splitlines()
    assert lines[0] == "customer_number,scenario_note"
    assert len(lines) == 26
    assert first[:3] == list(EXAMPLE_CUSTOMERS)
    assert len(set(first)) == 25
    assert set(first) <= set(numbers)
    assert [int(line.split(",")[0]) for line in lines[1:]] == first


def test_sample_scenario_takes_what_there_is(tmp_path: Path) -> None:
    # Given fewer customers than asked for, without the design's examples
    numbers = [41, 5, 99]

    # When a sample of ten is written
    chosen = write_sample_scenario(tmp_path / "s.csv", numbers, 10, seed=1)

    # Then all of them are in it
    assert chosen == [5, 41, 99]


def test_the_demo_as_of_date_is_in_the_past() -> None:
    # Given / When / Then: an as-of date in the future is bad input (docs/design.md §3)
    assert date.today() > DEMO_AS_OF
