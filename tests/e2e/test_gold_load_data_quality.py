"""Source data as Redshift really holds it (issue 12, design §3.2): rows inserted straight
into the local warehouse, without the keys Redshift does not enforce, loaded end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import gold_load_arguments, mysql_query, warehouse_sql

from ims_refresh.cli import main
from ims_refresh.settings import LocalDatabases
from ims_refresh.synthetic_warehouse import DEMO_AS_OF

AS_OF = DEMO_AS_OF.isoformat()
DAY = f"{DEMO_AS_OF} 10:00:00"
LATER = f"{DEMO_AS_OF} 11:00:00"
SNAPSHOT_TABLES = (
    "ims_customer",
    "ims_cus_email",
    "ims_mason_preferences",
    "ims_order",
    "ims_auth",
)
MANY = 2_000
"""Customers of the large run: two chunks of 1,000, the largest IMS_CUSTOMERS_PER_CHUNK
allows, so the tied customer shares its chunk with 999 others."""
PLANTED = "QZXQ"
"""A value planted in non-key columns: no error text or report may show it."""


@pytest.fixture
def own_databases(own_databases: LocalDatabases) -> LocalDatabases:
    """The shared fixture's databases, the warehouse without its primary keys."""
    warehouse_sql(own_databases.warehouse_url, _UNKEYED)
    return own_databases


_UNKEYED = ";".join(
    f"ALTER TABLE oframe_prd_s.{table} DROP CONSTRAINT IF EXISTS {table}_pkey"
    for table in SNAPSHOT_TABLES
)
"""Redshift declares keys but does not enforce them; the local stand-in's go."""


def customers_with(url: str, table: str, count: int = 1) -> list[int]:
    rows = warehouse_sql(
        url, f"SELECT DISTINCT customer_no FROM oframe_prd_s.{table} ORDER BY 1 LIMIT %s", (count,)
    )
    return [int(r[0]) for r in rows]


def gold_load(tmp_path: Path, customers: list[int], name: str = "s.csv") -> int:
    scenario = tmp_path / name
    scenario.write_text("customer_number\n" + "".join(f"{c}\n" for c in customers), "utf-8")
    return main(gold_load_arguments(tmp_path / "reports", scenario, AS_OF))


def latest_report(tmp_path: Path) -> dict[str, Any]:
    reports = sorted((tmp_path / "reports").glob("gold-load-*.json"))
    return dict(json.loads(reports[-1].read_text("utf-8")))


def quality(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The report's data_quality section: table -> its non-zero counts."""
    return {
        t["table"]: {k: v for k, v in t.items() if k != "table" and v}
        for t in report["data_quality"]["tables"]
        if any(v for k, v in t.items() if k != "table")
    }


def crn_change(url: str, customer: int, crn: str, status: str, op: str | None, at: Any) -> None:
    warehouse_sql(
        url,
        "INSERT INTO oframe_cdc_prd_s.ims_mason_crn (customer_no, crn, crn_status, brand_code, "
        "effective_date, cdc_operation, cdc_timestamp) VALUES (%s, %s, %s, 'TEST', %s, %s, %s)",
        (customer, crn, status, DEMO_AS_OF, op, at),
    )


def gold_crns(databases: LocalDatabases, customer: int) -> list[tuple[Any, ...]]:
    return mysql_query(
        databases.training,
        "SELECT CRN, CRN_STATUS, BRAND_CODE, EFFECTIVE_DATE FROM IMS_MASON_CRN_GOLD "
        "WHERE CUSTOMER_NO = %s ORDER BY CRN",
        (customer,),
    )


def test_identical_duplicate_rows_count_once(
    own_databases: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a customer whose customer, e-mail, preference, order and auth rows are all
    # stored twice, identically
    url = own_databases.warehouse_url
    customer = warehouse_sql(
        url,
        "SELECT o.customer_no FROM oframe_prd_s.ims_order o JOIN oframe_prd_s.ims_auth a "
        "ON a.order_no = o.order_no JOIN oframe_prd_s.ims_cus_email e "
        "ON e.customer_no = o.customer_no JOIN oframe_prd_s.ims_mason_preferences p "
        "ON p.customer_no = o.customer_no WHERE o.order_date <= %s AND a.auth_ts < %s "
        "ORDER BY 1 LIMIT 1",
        (DEMO_AS_OF, f"{DEMO_AS_OF} 23:59:59"),
    )[0][0]
    order_no, auth_id = warehouse_sql(
        url,
        "SELECT o.order_no, a.auth_id FROM oframe_prd_s.ims_order o JOIN oframe_prd_s.ims_auth a "
        "ON a.order_no = o.order_no WHERE o.customer_no = %s AND o.order_date <= %s "
        "AND a.auth_ts < %s ORDER BY 1, 2 LIMIT 1",
        (customer, DEMO_AS_OF, f"{DEMO_AS_OF} 23:59:59"),
    )[0]
    for table, where in (
        ("ims_customer", f"customer_no = {customer}"),
        ("ims_cus_email", f"customer_no = {customer} AND email_seq = "
         f"(SELECT MIN(email_seq) FROM oframe_prd_s.ims_cus_email WHERE customer_no = {customer})"),
        ("ims_mason_preferences", f"customer_no = {customer} AND preference_code = "
         f"(SELECT MIN(preference_code) FROM oframe_prd_s.ims_mason_preferences "
         f"WHERE customer_no = {customer})"),
        ("ims_order", f"order_no = {order_no}"),
        ("ims_auth", f"auth_id = {auth_id}"),
    ):  # fmt: skip
        warehouse_sql(url, f"INSERT INTO oframe_prd_s.{table} SELECT * FROM oframe_prd_s.{table} "
                       f"WHERE {where}")  # fmt: skip

    # When the customer is gold-loaded
    code = gold_load(tmp_path, [customer])

    # Then the run succeeds, each key is loaded once, and the report and the summary count
    # one collapsed duplicate per table
    assert code == 0
    assert mysql_query(
        own_databases.training, "SELECT COUNT(*) FROM IMS_ORDER_GOLD WHERE ORDER_NO = %s",
        (order_no,),
    ) == [(1,)]  # fmt: skip
    assert quality(latest_report(tmp_path)) == {
        table: {"duplicates_collapsed": 1}
        for table in ("IMS_CUSTOMER", "IMS_CUS_EMAIL", "IMS_MASON_PREFERENCES", "IMS_ORDER",
                      "IMS_AUTH")
    }  # fmt: skip
    out = capsys.readouterr().out
    assert "data quality: IMS_AUTH: 1 duplicates collapsed" in out


def test_conflicting_duplicates_are_resolved_by_timestamp_then_total_order(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given a customer stored twice, the later row with another city, and an order stored
    # three times at one timestamp with different statuses
    url = own_databases.warehouse_url
    customer = customers_with(url, "ims_order")[0]
    warehouse_sql(url, "UPDATE oframe_prd_s.ims_customer SET last_update_ts = %s "
                   "WHERE customer_no = %s", (DAY, customer))  # fmt: skip
    warehouse_sql(
        url,
        "INSERT INTO oframe_prd_s.ims_customer SELECT customer_no, first_name, middle_initial, "
        "last_name, address_line1, address_line2, 'Newtown', state_code, zip_code, phone_number, "
        "birth_date, credit_limit, account_status, open_date, %s FROM oframe_prd_s.ims_customer "
        "WHERE customer_no = %s",
        (LATER, customer),
    )
    order_no = 990000000301
    for status in ("SHIPPED", "OPEN", "PACKED"):
        warehouse_sql(
            url,
            "INSERT INTO oframe_prd_s.ims_order (order_no, customer_no, order_date, "
            "order_status, order_total, ship_method, catalog_code, last_update_ts) "
            "VALUES (%s, %s, %s, %s, 10.00, 'UPS', 'CAT1', %s)",
            (order_no, customer, DEMO_AS_OF, status, DAY),
        )

    # When the customer is gold-loaded
    assert gold_load(tmp_path, [customer]) == 0

    # Then the latest customer row wins; among the tied orders the first status in
    # ascending order wins; the report counts both
    assert mysql_query(
        own_databases.training, "SELECT CITY FROM IMS_CUSTOMER_GOLD WHERE CUSTOMER_NO = %s",
        (customer,),
    ) == [("Newtown",)]  # fmt: skip
    assert mysql_query(
        own_databases.training, "SELECT ORDER_STATUS FROM IMS_ORDER_GOLD WHERE ORDER_NO = %s",
        (order_no,),
    ) == [("OPEN",)]  # fmt: skip
    counts = quality(latest_report(tmp_path))
    assert counts["IMS_CUSTOMER"] == {"duplicates_resolved": 1}
    assert counts["IMS_ORDER"] == {"duplicates_resolved": 1, "ties_broken": 1}


def test_a_cdc_tie_loads_the_same_alone_and_among_2000_customers(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given a customer with two U changes of one key at the same timestamp, and 1,999 more
    # customers with ties of their own
    url = own_databases.warehouse_url
    customer = customers_with(url, "ims_customer")[0]
    others = list(range(880000000001, 880000000001 + MANY - 1))
    warehouse_sql(
        url,
        "INSERT INTO oframe_prd_s.ims_customer (customer_no, first_name, last_name, city, "
        "last_update_ts) SELECT n, 'Alice', 'Harris', 'Springfield', %s "
        "FROM generate_series(%s::bigint, %s::bigint) AS n",
        (DAY, others[0], others[-1]),
    )
    for number, status in ((customer, "C"), (customer, "B"), (customer, "D")):
        crn_change(url, number, "TIED", status, "U", DAY)
    warehouse_sql(
        url,
        "INSERT INTO oframe_cdc_prd_s.ims_mason_crn SELECT n, 'TIED', s, 'TEST', %s, 'U', %s "
        "FROM generate_series(%s::bigint, %s::bigint) AS n, (VALUES ('A'), ('Z')) AS v(s)",
        (DEMO_AS_OF, DAY, others[0], others[-1]),
    )

    # When it is loaded alone, then again with the others (its chunk holds 1,000)
    assert gold_load(tmp_path, [customer], "alone.csv") == 0
    alone = gold_crns(own_databases, customer)
    alone_report = quality(latest_report(tmp_path))
    assert gold_load(tmp_path, [customer, *others], "chunk.csv") == 0
    in_chunk = gold_crns(own_databases, customer)

    # Then the tie went to the first status in ascending order both times, identically
    assert latest_report(tmp_path)["chunk_count"] == 2
    assert [row for row in alone if row[0] == "TIED"] == [("TIED", "B", "TEST", DEMO_AS_OF)]
    assert in_chunk == alone
    assert alone_report["IMS_MASON_CRN"] == {"ties_broken": 1}
    assert quality(latest_report(tmp_path))["IMS_MASON_CRN"] == {"ties_broken": MANY}


def test_operations_are_trimmed_and_upper_cased(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given a change log with a wider operation column, and keys whose last change is a
    # lower-case delete, a padded update, or a lower-case update tied with an insert
    url = own_databases.warehouse_url
    warehouse_sql(url, "ALTER TABLE oframe_cdc_prd_s.ims_mason_crn "
                   "ALTER COLUMN cdc_operation TYPE VARCHAR(4)")  # fmt: skip
    customer = customers_with(url, "ims_customer")[0]
    crn_change(url, customer, "LOWER-D", "A", "I", DAY)
    crn_change(url, customer, "LOWER-D", "A", "d", LATER)
    crn_change(url, customer, "PADDED", "A", "I", DAY)
    crn_change(url, customer, "PADDED", "B", " U ", LATER)
    crn_change(url, customer, "TIE-U-I", "I", "I", DAY)
    crn_change(url, customer, "TIE-U-I", "U", "u", DAY)

    # When the customer is gold-loaded
    assert gold_load(tmp_path, [customer]) == 0

    # Then 'd' deleted its key and the update won over the insert it tied with
    loaded = {row[0]: row[1] for row in gold_crns(own_databases, customer)}
    assert "LOWER-D" not in loaded
    assert (loaded["PADDED"], loaded["TIE-U-I"]) == ("B", "U")


@pytest.mark.parametrize(
    ("operation", "stamp", "shown"),
    [("X", DAY, "'X'"), (None, DAY, "NULL"), ("U", None, "'U'")],
    ids=["unknown-operation", "null-operation", "null-timestamp"],
)
def test_a_change_that_cannot_be_read_fails_its_config_closed(
    own_databases: LocalDatabases,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    operation: str | None,
    stamp: str | None,
    shown: str,
) -> None:
    # Given a customer loaded once, then a change with an unknown operation, a NULL
    # operation or a NULL timestamp for two of its keys
    url = own_databases.warehouse_url
    customer = customers_with(url, "ims_customer")[0]
    assert gold_load(tmp_path, [customer], "first.csv") == 0
    before = gold_crns(own_databases, customer)
    warehouse_sql(url, "UPDATE oframe_cdc_prd_s.ims_mason_crn SET brand_code = %s "
                   "WHERE customer_no = %s", (PLANTED, customer))  # fmt: skip
    for crn in ("BAD-1", "BAD-2"):
        crn_change(url, customer, crn, PLANTED[0], operation, stamp)
    capsys.readouterr()

    # When it is loaded again
    code = gold_load(tmp_path, [customer], "again.csv")

    # Then the mason_crn config fails with DataQualityError naming table, count, keys and
    # the operation found, nothing else; it publishes nothing, the other configs load
    assert code == 1
    report = latest_report(tmp_path)
    failed = {c["config"]: c for c in report["configs"] if c["status"] == "failed"}
    assert set(failed) == {"mason_crn"}
    error = failed["mason_crn"]["error"]
    assert error["name"] == "DataQualityError"
    message = error["message"]
    assert message.startswith("chunk 1 of 1, IMS_MASON_CRN: IMS_MASON_CRN: 2 CDC change(s) ")
    assert f"operations found: {shown})" in message
    assert f"(customer_no={customer}, crn=BAD-1), (customer_no={customer}, crn=BAD-2)" in message
    assert report["publication"]["configs_not_published"] == ["mason_crn"]
    assert quality(report)["IMS_MASON_CRN"] == {"rows_rejected": 2}
    assert gold_crns(own_databases, customer) == before
    output = capsys.readouterr()
    assert "data quality: IMS_MASON_CRN: 2 rows rejected" in output.out
    for text in (json.dumps(report), output.out, output.err):
        assert PLANTED not in text


def test_an_order_that_moved_to_another_customer_replaces_its_gold_row(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given two customers loaded, the first with an order and its authorisation
    url = own_databases.warehouse_url
    old_owner, new_owner = customers_with(url, "ims_order", 2)
    order_no, auth_id = 990000000401, 990000000402
    warehouse_sql(
        url,
        "INSERT INTO oframe_prd_s.ims_order (order_no, customer_no, order_date, order_status, "
        "order_total, ship_method, catalog_code, last_update_ts) "
        "VALUES (%s, %s, %s, 'OPEN', 10.00, 'UPS', 'CAT1', %s)",
        (order_no, old_owner, DEMO_AS_OF, DAY),
    )
    warehouse_sql(
        url,
        "INSERT INTO oframe_prd_s.ims_auth (auth_id, order_no, auth_amount, auth_status, "
        "auth_code, card_type, card_last4, auth_ts) "
        "VALUES (%s, %s, 10.00, 'APPROVED', 'A1', 'VISA', '4242', %s)",
        (auth_id, order_no, DAY),
    )
    assert gold_load(tmp_path, [old_owner, new_owner], "both.csv") == 0

    # When the order moves to the second customer (an account merge) and only the new
    # owner is loaded again
    warehouse_sql(url, "UPDATE oframe_prd_s.ims_order SET customer_no = %s, last_update_ts = %s "
                   "WHERE order_no = %s", (new_owner, LATER, order_no))  # fmt: skip
    code = gold_load(tmp_path, [new_owner], "new-owner.csv")

    # Then the run succeeds, the gold order (and its auth) is the new owner's, once, and
    # the report counts the rows that changed owner
    assert code == 0
    assert mysql_query(
        own_databases.training, "SELECT CUSTOMER_NO FROM IMS_ORDER_GOLD WHERE ORDER_NO = %s",
        (order_no,),
    ) == [(new_owner,)]  # fmt: skip
    assert mysql_query(
        own_databases.training, "SELECT COUNT(*) FROM IMS_AUTH_GOLD WHERE AUTH_ID = %s",
        (auth_id,),
    ) == [(1,)]  # fmt: skip
    counts = quality(latest_report(tmp_path))
    assert counts["IMS_ORDER"] == {"rows_changed_owner": 1}
    assert counts["IMS_AUTH"] == {"rows_changed_owner": 1}

    # And a reload of the old owner no longer holds it and still succeeds
    assert gold_load(tmp_path, [old_owner], "old-owner.csv") == 0
    assert mysql_query(
        own_databases.training, "SELECT CUSTOMER_NO FROM IMS_ORDER_GOLD WHERE ORDER_NO = %s",
        (order_no,),
    ) == [(new_owner,)]  # fmt: skip
