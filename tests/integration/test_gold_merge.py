"""The gold merge against the real MariaDB: per-chunk replacement in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pymysql
import pytest
from support import mysql_query, table_checksums

from ims_refresh.local.mysql_setup import connect, ensure_training_tables
from ims_refresh.settings import MySqlUrl
from training_refresh.errors import TrainingDatabaseError
from training_refresh.gold_merge import TableRows, replace_customers
from training_refresh.table_configs import load_table_configs

CONFIGS = load_table_configs()
ORDER_AUTH = CONFIGS.config("order_auth").tables


def order(order_no: int, customer: int) -> tuple:
    return (order_no, customer, date(2026, 1, 2), "OPEN", "12.50", "UPS", "CAT1", None)


def auth(auth_id: int, order_no: int) -> tuple:
    return (auth_id, order_no, "12.50", "APPROVED", "A1", "VISA", "4242", None)


@pytest.fixture
def gold(training_db: MySqlUrl) -> Iterator[pymysql.connections.Connection]:
    ensure_training_tables(training_db, CONFIGS)
    connection = connect(training_db)
    yield connection
    connection.close()


def load(connection: pymysql.connections.Connection, customers: list[int], orders, auths) -> None:
    replace_customers(
        connection,
        customers,
        [TableRows(ORDER_AUTH[0], [orders]), TableRows(ORDER_AUTH[1], [auths])],
    )


def test_a_customer_is_replaced_and_others_are_kept(gold, training_db: MySqlUrl) -> None:
    # Given two customers with orders and auths in the gold copy
    load(gold, [1, 2], [order(10, 1), order(20, 2)], [auth(100, 10), auth(200, 20)])
    # When customer 1 is loaded again with a different order
    load(gold, [1], [order(11, 1)], [auth(110, 11)])
    # Then customer 1's old order and its auth are gone, customer 2 is untouched
    assert mysql_query(training_db, "SELECT ORDER_NO FROM IMS_ORDER_GOLD ORDER BY 1") == [
        (11,),
        (20,),
    ]
    assert mysql_query(training_db, "SELECT AUTH_ID FROM IMS_AUTH_GOLD ORDER BY 1") == [
        (110,),
        (200,),
    ]


def test_a_failure_mid_chunk_leaves_the_gold_copy_unchanged(gold, training_db: MySqlUrl) -> None:
    # Given a loaded gold copy
    load(gold, [1], [order(10, 1)], [auth(100, 10)])
    before = table_checksums(training_db, ["IMS_ORDER_GOLD", "IMS_AUTH_GOLD"])

    def failing_batches() -> Iterator[list[tuple]]:
        yield [auth(101, 12)]
        raise RuntimeError("warehouse went away")

    # When a reload fails after its deletes and some inserts
    with pytest.raises(RuntimeError, match="went away"):
        replace_customers(
            gold,
            [1],
            [
                TableRows(ORDER_AUTH[0], [[order(12, 1)]]),
                TableRows(ORDER_AUTH[1], failing_batches()),
            ],
        )
    # Then the chunk's transaction is rolled back: nothing changed
    assert table_checksums(training_db, ["IMS_ORDER_GOLD", "IMS_AUTH_GOLD"]) == before


def test_a_mysql_error_becomes_a_named_error_without_row_values(gold) -> None:
    # Given a row whose value does not fit its column
    too_long = (10, 1, date(2026, 1, 2), "X" * 40, "1.00", "UPS", "CAT1", None)
    # When it is merged, Then a TrainingDatabaseError names the column, not the value
    with pytest.raises(TrainingDatabaseError, match="ORDER_STATUS") as raised:
        load(gold, [1], [too_long], [])
    assert "XXXX" not in str(raised.value)
