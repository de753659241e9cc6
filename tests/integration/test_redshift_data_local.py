"""The local Redshift Data API (PostgresDataApi) through a real boto3 client and the domain client.

Every test talks to a throwaway PostgreSQL database through boto3's ``redshift-data`` client,
routed in process to PostgresDataApi, so the request and response shapes pass through
botocore exactly as they would with AWS.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from importlib import resources
from typing import Any

import boto3
import psycopg
import pytest
from botocore.exceptions import ClientError
from support import terminate_local_data_api_sessions

from ims_refresh.local.redshift_data import PostgresDataApi
from ims_refresh.local.routing import LocalServiceError, routed
from training_refresh.adapters.data_api import DataApiWarehouse, WarehouseTarget, customer_in_list
from training_refresh.errors import (
    ResultTooLargeError,
    RowTooLargeError,
    WarehouseConnectionLostError,
    WarehouseQueryError,
    WarehouseThrottledError,
    WarehouseTimeoutError,
)

POSTGRES = "postgresql://postgres@127.0.0.1:5432/"
TARGET = WarehouseTarget(database="dev", cluster_identifier="local-cluster", db_user="tester")
PAGE_ROWS = 3

WAREHOUSE_SCHEMA = """
CREATE SCHEMA oframe_prd_s;
CREATE SCHEMA oframe_cdc_prd_s;
CREATE TABLE oframe_cdc_prd_s.ims_mason_crn (
    customer_no BIGINT NOT NULL, crn VARCHAR(20) NOT NULL, crn_status CHAR(1),
    brand_code VARCHAR(4), effective_date DATE, cdc_operation CHAR(1), cdc_timestamp TIMESTAMP
);
CREATE TABLE oframe_prd_s.ims_order (
    order_no BIGINT PRIMARY KEY, customer_no BIGINT, order_date DATE, order_status VARCHAR(12),
    order_total DECIMAL(11,2), ship_method VARCHAR(10), catalog_code VARCHAR(8),
    last_update_ts TIMESTAMP
);
CREATE TABLE oframe_prd_s.ims_auth (
    auth_id BIGINT PRIMARY KEY, order_no BIGINT, auth_amount DECIMAL(11,2),
    auth_status VARCHAR(10), auth_code VARCHAR(10), card_type VARCHAR(10), card_last4 CHAR(4),
    auth_ts TIMESTAMP
);
CREATE TABLE every_type (
    id BIGINT NOT NULL DEFAULT 0, small SMALLINT, regular INTEGER, amount DECIMAL(11,2),
    ratio REAL, measure DOUBLE PRECISION, flag BOOLEAN, name VARCHAR(40), code CHAR(4),
    note TEXT, day DATE, moment TIMESTAMP, instant TIMESTAMPTZ
);
"""

EVERY_TYPE_ROWS: list[tuple[Any, ...]] = [
    (
        1,
        -32768,
        2147483647,
        Decimal("-123456789.01"),
        1.5,
        -0.1,
        True,
        "Zoë O'Neil 🦆 «ü»",
        "ab",
        "line one\nline two",
        date(2024, 2, 29),
        datetime(2024, 2, 29, 23, 59, 59, 500000),
        datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
    ),
    (
        9223372036854775807,
        7,
        0,
        Decimal("12.50"),
        0.0,
        1e300,
        False,
        "",
        "wxyz",
        "😀",
        date(1, 1, 1),
        datetime(1999, 12, 31, 0, 0, 0, 123456),
        datetime(2024, 6, 30, 22, 0, tzinfo=timezone(timedelta(hours=-2))),
    ),
    (2, None, None, None, None, None, None, None, None, None, None, None, None),
]


def extract_sql(name: str) -> str:
    return resources.files("training_refresh.sql").joinpath(f"extract/{name}").read_text("utf-8")


@pytest.fixture(scope="module")
def warehouse_url() -> Iterator[str]:
    """A throwaway database with a hand-made slice of the warehouse schema."""
    name = f"ims_rsd_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(POSTGRES + name) as connection:
            connection.execute(WAREHOUSE_SCHEMA)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO every_type VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                    " %s, %s)",
                    EVERY_TYPE_ROWS,
                )
        yield POSTGRES + name
    finally:
        with psycopg.connect(POSTGRES + "postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def data_api(warehouse_url: str) -> Iterator[PostgresDataApi]:
    with (
        PostgresDataApi(warehouse_url, page_rows=PAGE_ROWS) as api,
        routed({"redshift-data": api.handle}),
    ):
        yield api


@pytest.fixture
def client(data_api: PostgresDataApi) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return session.client("redshift-data", region_name="us-east-1")


@pytest.fixture
def warehouse(client: Any) -> DataApiWarehouse:
    return DataApiWarehouse(client, TARGET, poll_initial=0.001, poll_max=0.01)


def execute(client: Any, sql: str, **extra: Any) -> str:
    response = client.execute_statement(**TARGET.execute_statement_arguments(), Sql=sql, **extra)
    return str(response["Id"])


def describe_until_done(client: Any, statement_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        description: dict[str, Any] = client.describe_statement(Id=statement_id)
        if description["Status"] not in ("SUBMITTED", "PICKED", "STARTED"):
            return description
        time.sleep(0.005)
    raise AssertionError("the statement never finished")


def error_code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


# --- round trips ------------------------------------------------------------------------------


def test_every_type_round_trips_through_the_domain_client(warehouse: DataApiWarehouse) -> None:
    # Given rows of every warehouse type, with NULLs, Unicode, emoji and a padded CHAR(4)
    # When the domain client reads them through boto3 and the local Data API
    result = warehouse.fetch_all("SELECT * FROM every_type ORDER BY id")

    # Then every value comes back as the Python value that went in, CHAR padding stripped
    assert result.columns == (
        "id", "small", "regular", "amount", "ratio", "measure", "flag", "name", "code", "note",
        "day", "moment", "instant",
    )  # fmt: skip
    expected = sorted(EVERY_TYPE_ROWS, key=lambda row: int(row[0]))
    assert result.rows == expected
    assert result.rows[2][12].utcoffset() == timedelta(0)  # timestamptz arrives in UTC


def test_records_and_column_metadata_have_the_shapes_of_the_real_api(client: Any) -> None:
    # Given a statement over a table of every type
    statement_id = execute(client, "SELECT * FROM every_type WHERE id = 1")

    # When the first describe comes back, the statement is still running; later it is done
    assert client.describe_statement(Id=statement_id)["Status"] == "STARTED"
    description = describe_until_done(client, statement_id)
    page = client.get_statement_result(Id=statement_id)

    # Then describe reports what AWS reports
    assert description["Status"] == "FINISHED"
    assert description["HasResultSet"] is True
    assert description["ResultRows"] == 1
    assert description["ResultSize"] > 0
    assert description["Duration"] > 0
    assert description["QueryString"] == "SELECT * FROM every_type WHERE id = 1"
    assert isinstance(description["CreatedAt"], datetime)
    # And the column metadata carries Redshift type names, sizes and nullability
    metadata = {column["name"]: column for column in page["ColumnMetadata"]}
    assert [column["typeName"] for column in page["ColumnMetadata"]] == [
        "int8", "int2", "int4", "numeric", "float4", "float8", "bool", "varchar", "bpchar",
        "text", "date", "timestamp", "timestamptz",
    ]  # fmt: skip
    assert (metadata["amount"]["precision"], metadata["amount"]["scale"]) == (11, 2)
    assert metadata["name"]["length"] == 40
    assert metadata["code"]["precision"] == 4
    assert metadata["id"]["nullable"] == 0
    assert metadata["id"]["columnDefault"] == "0"
    assert metadata["note"]["nullable"] == 1
    assert (metadata["id"]["schemaName"], metadata["id"]["tableName"]) == ("public", "every_type")
    # And the records are typed fields, formatted as Redshift prints them
    assert page["TotalNumRows"] == 1
    assert "NextToken" not in page
    assert page["Records"][0] == [
        {"longValue": 1},
        {"longValue": -32768},
        {"longValue": 2147483647},
        {"stringValue": "-123456789.01"},
        {"doubleValue": 1.5},
        {"doubleValue": -0.1},
        {"booleanValue": True},
        {"stringValue": "Zoë O'Neil 🦆 «ü»"},
        {"stringValue": "ab  "},
        {"stringValue": "line one\nline two"},
        {"stringValue": "2024-02-29"},
        {"stringValue": "2024-02-29 23:59:59.5"},
        {"stringValue": "2024-03-01 12:00:00+00"},
    ]


def test_null_values_are_is_null_fields(client: Any) -> None:
    # Given the row whose columns are all NULL except the key
    sql = "SELECT small, amount, code, moment FROM every_type WHERE id = 2"
    statement_id = execute(client, sql)
    describe_until_done(client, statement_id)

    # When its result is read
    records = client.get_statement_result(Id=statement_id)["Records"]

    # Then each NULL is an isNull field
    assert records == [[{"isNull": True}] * 4]


# --- paging -----------------------------------------------------------------------------------


def test_results_are_paged_with_next_token(client: Any) -> None:
    # Given a statement with ten rows and a page size of three
    statement_id = execute(client, "SELECT g AS n FROM generate_series(1, 10) AS g ORDER BY g")
    describe_until_done(client, statement_id)

    # When the pages are read one NextToken after another
    pages = [client.get_statement_result(Id=statement_id)]
    while "NextToken" in pages[-1]:
        pages.append(client.get_statement_result(Id=statement_id, NextToken=pages[-1]["NextToken"]))

    # Then there are four pages holding every row once, each with the total count
    assert [len(page["Records"]) for page in pages] == [3, 3, 3, 1]
    values = [record[0]["longValue"] for page in pages for record in page["Records"]]
    assert values == list(range(1, 11))
    assert {page["TotalNumRows"] for page in pages} == {10}
    # And once the last page is read, the result has been released
    with pytest.raises(ClientError) as raised:
        client.get_statement_result(Id=statement_id)
    assert error_code(raised) == "ResourceNotFoundException"


def test_the_domain_client_streams_page_by_page(warehouse: DataApiWarehouse) -> None:
    # Given a statement of seven rows (page size three)
    # When the domain client iterates over it
    pages = list(warehouse.query("SELECT g, g * 2 AS twice FROM generate_series(1, 7) AS g"))

    # Then it sees every page, in order
    assert [len(page.rows) for page in pages] == [3, 3, 1]
    assert [row for page in pages for row in page.rows] == [(g, g * 2) for g in range(1, 8)]
    assert {page.columns for page in pages} == {("g", "twice")}


def test_an_empty_result_is_one_page_without_rows(warehouse: DataApiWarehouse) -> None:
    # Given a query that matches nothing
    # When it is run
    result = warehouse.fetch_all("SELECT id, name FROM every_type WHERE id < 0")

    # Then the columns are known and there are no rows
    assert (result.columns, result.rows) == (("id", "name"), [])


def test_a_statement_without_result_set(client: Any, warehouse: DataApiWarehouse) -> None:
    # Given a DDL statement
    table = f"scratch_{uuid.uuid4().hex[:8]}"

    # When the domain client runs it, it yields nothing
    assert list(warehouse.query(f"CREATE TABLE {table} (x INT)")) == []

    # And through the raw API: no result set, and asking for one is an error
    statement_id = execute(client, f"INSERT INTO {table} VALUES (1), (2)")
    description = describe_until_done(client, statement_id)
    assert (description["HasResultSet"], description["ResultRows"]) == (False, 2)
    with pytest.raises(ClientError) as raised:
        client.get_statement_result(Id=statement_id)
    assert error_code(raised) == "ResourceNotFoundException"
    assert "does not have result" in raised.value.response["Error"]["Message"]


# --- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELEC 1", "syntax error"),
        ("SELECT * FROM oframe_prd_s.no_such_table", "does not exist"),
        ("SELECT 1 / (SELECT count(*) - count(*) FROM every_type)", "division by zero"),
    ],
)
def test_a_failing_statement_raises_warehouse_query_error(
    client: Any, warehouse: DataApiWarehouse, sql: str, message: str
) -> None:
    # Given SQL that PostgreSQL rejects
    # When it runs through the raw API, the statement ends FAILED with the database's error
    description = describe_until_done(client, execute(client, sql))
    assert description["Status"] == "FAILED"
    assert description["Error"].startswith("ERROR: ")
    assert message in description["Error"]

    # And the domain client raises WarehouseQueryError carrying that error
    with pytest.raises(WarehouseQueryError, match=message):
        warehouse.fetch_all(sql)


def test_throttling_becomes_warehouse_throttled_error(
    data_api: PostgresDataApi, warehouse: DataApiWarehouse
) -> None:
    # Given the Data API throttles the next ExecuteStatement
    data_api.throttle_next(1)

    # When a query is run, it is reported as transient
    with pytest.raises(WarehouseThrottledError, match="ThrottlingException"):
        warehouse.fetch_all("SELECT 1 AS one")

    # Then the following call goes through
    assert warehouse.fetch_all("SELECT 1 AS one").rows == [(1,)]


@pytest.mark.parametrize(
    "sql", ["SELECT pg_sleep(60) AS slept", "CREATE TABLE slept AS SELECT 1 AS s FROM pg_sleep(60)"]
)
def test_a_terminated_session_fails_the_statement_as_a_lost_connection(
    warehouse: DataApiWarehouse, warehouse_url: str, sql: str
) -> None:
    # Given a query or a command running on the local Data API
    started = warehouse.start(sql)

    # When its PostgreSQL session is terminated (a Redshift node restart, a failover)
    assert terminate_local_data_api_sessions(warehouse_url) == 1

    # Then the statement FAILED with the transient WarehouseConnectionLostError
    with pytest.raises(WarehouseConnectionLostError, match="connection was lost"):
        list(started.result())

    # And the next statement runs as usual
    assert warehouse.fetch_all("SELECT 1 AS one").rows == [(1,)]


def test_a_statement_that_never_finishes_is_cancelled(
    client: Any, data_api: PostgresDataApi
) -> None:
    # Given a statement that stays STARTED and a client whose clock runs while it sleeps
    data_api.hold_next_statement(1_000)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    warehouse = DataApiWarehouse(
        client, TARGET, statement_timeout=30.0, sleep=sleep, clock=lambda: now[0]
    )

    # When the client waits for it
    with pytest.raises(WarehouseTimeoutError) as raised:
        warehouse.fetch_all("SELECT 1 AS one")

    # Then it gives up after the timeout and the statement was cancelled
    assert now[0] == pytest.approx(30.0)
    statement_id = re.search(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", str(raised.value))
    assert statement_id is not None
    assert describe_until_done(client, statement_id.group())["Status"] == "ABORTED"


def test_a_held_statement_reports_started_until_released(
    client: Any, data_api: PostgresDataApi
) -> None:
    # Given a statement held STARTED for three describes
    data_api.hold_next_statement(3)
    statement_id = execute(client, "SELECT 1 AS one")

    # When it is described three times, asking for its result in between
    statuses = [client.describe_statement(Id=statement_id)["Status"] for _ in range(2)]
    with pytest.raises(ClientError) as raised:
        client.get_statement_result(Id=statement_id)
    statuses.append(client.describe_statement(Id=statement_id)["Status"])

    # Then it was STARTED each time, without a result, and finishes after
    assert statuses == ["STARTED"] * 3
    assert error_code(raised) == "ResourceNotFoundException"
    assert describe_until_done(client, statement_id)["Status"] == "FINISHED"
    assert client.get_statement_result(Id=statement_id)["Records"] == [[{"longValue": 1}]]


def test_unread_results_beyond_the_limit_are_released_oldest_first(warehouse_url: str) -> None:
    # Given a local Data API that keeps one unread result
    with (
        PostgresDataApi(warehouse_url, max_open_results=1, started_describes=0) as api,
        routed({"redshift-data": api.handle}),
    ):
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        client = session.client("redshift-data", region_name="us-east-1")

        # When two statements finish before either result is read
        first = execute(client, "SELECT 1 AS one")
        describe_until_done(client, first)
        second = execute(client, "SELECT 2 AS two")
        describe_until_done(client, second)

        # Then the older result was released and the newer one is still there
        with pytest.raises(ClientError) as raised:
            client.get_statement_result(Id=first)
        assert "no longer available" in raised.value.response["Error"]["Message"]
        assert client.get_statement_result(Id=second)["Records"] == [[{"longValue": 2}]]


@pytest.mark.parametrize("page_rows", [1000, 10])
def test_a_result_over_the_size_limit_raises_result_too_large(
    warehouse_url: str, page_rows: int
) -> None:
    # Given a local Data API whose result limit is 2 KB (with 10 rows a page, the limit is
    # passed after several pages, which are then read back and measured exactly)
    with (
        PostgresDataApi(warehouse_url, max_result_bytes=2_000, page_rows=page_rows) as api,
        routed({"redshift-data": api.handle}),
    ):
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        client = session.client("redshift-data", region_name="us-east-1")
        warehouse = DataApiWarehouse(client, TARGET, poll_initial=0.001)

        # When a query returns more than that, it fails as too large
        with pytest.raises(ResultTooLargeError, match="exceeded size limit"):
            warehouse.fetch_all("SELECT g FROM generate_series(1, 1000) AS g")


def test_a_row_over_64_kb_fails_the_statement_as_the_service_does(
    warehouse: DataApiWarehouse,
) -> None:
    # Given rows of which one is over the Data API's 64 KB per row (the others are small)
    sql = (
        "SELECT g AS n, CASE WHEN g = 2 THEN repeat('x', 70000) ELSE 'short' END AS note"
        " FROM generate_series(1, 3) AS g"
    )

    # When they are queried, the statement fails as a row that is too large
    with pytest.raises(RowTooLargeError, match="64 KB per row"):
        warehouse.fetch_all(sql)

    # And rows just under the limit (in their JSON records) are served
    page = warehouse.fetch_all("SELECT repeat('x', 65000) AS note")
    assert len(page.rows[0][0]) == 65_000


# --- parameters -------------------------------------------------------------------------------


def test_parameters_bind_beside_casts_quotes_and_comments(warehouse: DataApiWarehouse) -> None:
    # Given SQL with :as_of twice, next to ::date casts, quoted ':x' text, a quoted identifier,
    # dollar quotes and comments that also contain colons
    sql = """
        -- :as_of in a comment is not a placeholder
        SELECT CAST(:as_of AS DATE) AS as_of_day,   /* nor :here /* nested :one */ */
               :as_of::date + 1 AS next_day,
               '2024-01-01'::date AS cast_day,
               ':x' AS quoted, 'it''s :as_of' AS doubled_quote, E'\\' :as_of' AS escaped,
               $$:as_of$$ AS dollar_quoted, 1 AS ":as_of"
    """

    # When it runs with as_of
    result = warehouse.fetch_all(sql, {"as_of": "2024-05-31"})

    # Then only the real placeholders were bound
    assert result.columns == (
        "as_of_day", "next_day", "cast_day", "quoted", "doubled_quote", "escaped",
        "dollar_quoted", ":as_of",
    )  # fmt: skip
    assert result.rows == [
        (
            date(2024, 5, 31),
            date(2024, 6, 1),
            date(2024, 1, 1),
            ":x",
            "it's :as_of",
            "' :as_of",
            ":as_of",
            1,
        )
    ]


@pytest.mark.parametrize(
    ("sql", "parameters"),
    [
        ("SELECT CAST(:as_of AS DATE)", [{"name": "other", "value": "x"}]),
        ("SELECT CAST(:as_of AS DATE)", [{"name": "as_of", "value": "2024-01-01"},
                                         {"name": "unused", "value": "x"}]),
        ("SELECT 1", [{"name": "as_of", "value": "2024-01-01"}]),
    ],
)  # fmt: skip
def test_missing_or_unknown_parameters_are_rejected(
    client: Any, sql: str, parameters: list[dict[str, str]]
) -> None:
    # Given placeholders and parameters that do not match
    # When the statement is submitted
    with pytest.raises(ClientError) as raised:
        execute(client, sql, Parameters=parameters)

    # Then the API rejects it before running anything
    assert error_code(raised) == "ValidationException"


def test_a_rejected_parameter_reaches_the_domain_as_query_error(
    warehouse: DataApiWarehouse,
) -> None:
    # Given a parameter the SQL does not use
    # When the domain client submits it
    # Then the ValidationException becomes a WarehouseQueryError naming the code
    with pytest.raises(WarehouseQueryError, match="ValidationException"):
        warehouse.fetch_all("SELECT 1", {"as_of": "2024-01-01"})


@pytest.mark.parametrize(
    "target",
    [
        {"Database": "dev"},
        {"Database": "dev", "ClusterIdentifier": "c1", "WorkgroupName": "wg1"},
        {"ClusterIdentifier": "c1"},
        {"Database": "dev", "ClusterIdentifier": "c1", "DbUser": "u", "SecretArn": "arn:x"},
        {"Database": "dev", "WorkgroupName": "wg1", "DbUser": "u"},
    ],
)
def test_execute_statement_validates_its_target(client: Any, target: dict[str, str]) -> None:
    # Given an inconsistent database target
    # When a statement is submitted
    with pytest.raises(ClientError) as raised:
        client.execute_statement(Sql="SELECT 1", **target)

    # Then it is a ValidationException, as with AWS
    assert error_code(raised) == "ValidationException"


def test_sql_over_100_kb_is_rejected(client: Any) -> None:
    # Given SQL text over 100,000 UTF-8 bytes
    sql = "SELECT '" + "é" * 50_000 + "'"

    # When it is submitted, the API refuses it
    with pytest.raises(ClientError) as raised:
        execute(client, sql)
    assert error_code(raised) == "ValidationException"
    assert "larger than 100kB" in raised.value.response["Error"]["Message"]


def test_unknown_statement_ids(client: Any) -> None:
    # Given an id in the right format that was never issued, and one in the wrong format
    # When they are described, the API answers as AWS does
    with pytest.raises(ClientError) as raised:
        client.describe_statement(Id=str(uuid.uuid4()))
    assert error_code(raised) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as raised:
        client.describe_statement(Id="not-an-id")
    assert error_code(raised) == "ValidationException"


def test_cancel_after_finish_is_a_validation_error(client: Any) -> None:
    # Given a finished statement
    statement_id = execute(client, "SELECT 1")
    describe_until_done(client, statement_id)

    # When it is cancelled, the API refuses: it is no longer running
    with pytest.raises(ClientError) as raised:
        client.cancel_statement(Id=statement_id)
    assert error_code(raised) == "ValidationException"


def test_concurrent_statements_from_several_threads(warehouse: DataApiWarehouse) -> None:
    # Given eight threads, each running its own paged query at the same time
    results: dict[int, list[tuple[Any, ...]]] = {}
    errors: list[BaseException] = []

    def run(offset: int) -> None:
        try:
            sql = f"SELECT g + {offset} FROM generate_series(1, 20) AS g ORDER BY g"
            results[offset] = warehouse.fetch_all(sql).rows
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(1000 * n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then each thread got exactly its own rows
    assert errors == []
    assert results == {1000 * n: [(1000 * n + g,) for g in range(1, 21)] for n in range(8)}


# --- the extraction SQL implements docs/design.md §3 ------------------------------------------

AS_OF = "2024-03-15"
LAST_SECOND_OF_AS_OF = datetime(2024, 3, 15, 23, 59, 59)


def replace_rows(warehouse_url: str, table: str, rows: list[tuple[Any, ...]]) -> None:
    placeholders = ", ".join(["%s"] * len(rows[0]))
    with psycopg.connect(warehouse_url) as connection, connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows)


def test_mason_crn_extract_is_the_change_log_as_of_the_end_of_the_day(
    warehouse_url: str, warehouse: DataApiWarehouse
) -> None:
    # Given changes of customer 101's CRNs around the end of 2024-03-15, and another customer
    replace_rows(
        warehouse_url,
        "oframe_cdc_prd_s.ims_mason_crn",
        [
            # updated at 23:59:59 on the date: the update counts
            (101, "ON-TIME", "A", "BR1", date(2024, 1, 1), "I", datetime(2024, 3, 1)),
            (101, "ON-TIME", "B", "BR1", date(2024, 1, 1), "U", LAST_SECOND_OF_AS_OF),
            # updated at 00:00:00 the next day: the old value stays
            (101, "NEXT-DAY", "A", "BR2", date(2024, 1, 2), "I", datetime(2024, 3, 1)),
            (101, "NEXT-DAY", "C", "BR9", date(2024, 9, 9), "U", datetime(2024, 3, 16)),
            # deleted before the date: absent
            (101, "DELETED", "A", "BR3", date(2024, 1, 3), "I", datetime(2024, 3, 1)),
            (101, "DELETED", "A", "BR3", date(2024, 1, 3), "D", datetime(2024, 3, 10)),
            # deleted after the date: still there
            (101, "DEL-LATER", "A", "BR4", date(2024, 1, 4), "I", datetime(2024, 3, 1)),
            (101, "DEL-LATER", "A", "BR4", date(2024, 1, 4), "D", datetime(2024, 3, 16)),
            # created the next day: absent
            (101, "NEW-LATER", "A", "BR5", date(2024, 1, 5), "I", datetime(2024, 3, 16)),
            # update and delete at the same instant: the delete wins
            (101, "TIE", "A", "BR6", date(2024, 1, 6), "I", datetime(2024, 3, 1)),
            (101, "TIE", "B", "BR6", date(2024, 1, 6), "U", datetime(2024, 3, 12)),
            (101, "TIE", "B", "BR6", date(2024, 1, 6), "D", datetime(2024, 3, 12)),
            # a customer that was not asked for
            (202, "OTHER", "A", "BR7", date(2024, 1, 7), "I", datetime(2024, 3, 1)),
        ],
    )

    # When the real extraction SQL runs for customer 101 as of 2024-03-15
    sql = extract_sql("ims_mason_crn.sql").replace("{customer_numbers}", customer_in_list([101]))
    result = warehouse.fetch_all(sql, {"as_of": AS_OF})

    # Then each business key shows its state at the end of that day
    columns = ("customer_no", "crn", "crn_status", "brand_code", "effective_date")
    assert result.columns[:5] == columns
    assert [row[:5] for row in result.rows if row[5] == "kept"] == [
        (101, "DEL-LATER", "A", "BR4", date(2024, 1, 4)),
        (101, "NEXT-DAY", "A", "BR2", date(2024, 1, 2)),
        (101, "ON-TIME", "B", "BR1", date(2024, 1, 1)),
    ]


def test_order_and_auth_extracts_stop_at_the_end_of_the_day(
    warehouse_url: str, warehouse: DataApiWarehouse
) -> None:
    # Given orders on and after 2024-03-15 with authorisations around its end
    replace_rows(
        warehouse_url,
        "oframe_prd_s.ims_order",
        [
            (1, 101, date(2024, 3, 15), "OPEN", Decimal("10.00"), "UPS", "SPR24", None),
            (2, 101, date(2024, 3, 16), "OPEN", Decimal("20.00"), "UPS", "SPR24", None),
            (3, 202, date(2024, 3, 1), "OPEN", Decimal("30.00"), "UPS", "SPR24", None),
        ],
    )
    replace_rows(
        warehouse_url,
        "oframe_prd_s.ims_auth",
        [
            (11, 1, Decimal("10.00"), "OK", "A1", "VISA", "1234", LAST_SECOND_OF_AS_OF),
            (12, 1, Decimal("10.00"), "OK", "A2", "VISA", "12", datetime(2024, 3, 16)),
            (21, 2, Decimal("20.00"), "OK", "A3", "VISA", "1234", datetime(2024, 3, 16, 8)),
            (31, 3, Decimal("30.00"), "OK", "A4", "VISA", "1234", datetime(2024, 3, 1)),
        ],
    )
    customers = customer_in_list([101])

    # When the real order and auth extraction SQL run for customer 101 as of 2024-03-15
    orders = warehouse.fetch_all(
        extract_sql("ims_order.sql").replace("{customer_numbers}", customers), {"as_of": AS_OF}
    )
    auths = warehouse.fetch_all(
        extract_sql("ims_auth.sql").replace("{customer_numbers}", customers), {"as_of": AS_OF}
    )

    # Then only the order placed on the date and its authorisation before midnight remain
    assert [row[0] for row in orders.rows] == [1]
    assert [row[:8] for row in auths.rows] == [
        (11, 1, Decimal("10.00"), "OK", "A1", "VISA", "1234", LAST_SECOND_OF_AS_OF)
    ]


@pytest.fixture
def held_lock(warehouse_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A session holding advisory lock 4242: a statement that takes it waits until released."""
    with psycopg.connect(warehouse_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(4242)")
        yield holder


WAITS_FOR_THE_LOCK = "SELECT 1 AS one FROM (SELECT pg_advisory_lock(4242)) AS waited"


def test_a_statement_runs_in_the_background_after_execute_returns(
    client: Any, held_lock: psycopg.Connection[Any]
) -> None:
    # Given a statement that cannot finish while the test holds a lock it needs
    statement_id = execute(client, WAITS_FOR_THE_LOCK)

    # When it is described before and after the lock is released
    while_blocked = [client.describe_statement(Id=statement_id)["Status"] for _ in range(3)]
    held_lock.execute("SELECT pg_advisory_unlock(4242)")
    finished = describe_until_done(client, statement_id)

    # Then ExecuteStatement had returned at once and the statement finished on its own
    assert while_blocked == ["STARTED"] * 3
    assert finished["Status"] == "FINISHED"
    assert client.get_statement_result(Id=statement_id)["Records"] == [[{"longValue": 1}]]


def test_a_running_statement_that_is_cancelled_ends_aborted_without_a_result(
    client: Any, held_lock: psycopg.Connection[Any]
) -> None:
    # Given a statement still running in the background
    statement_id = execute(client, WAITS_FOR_THE_LOCK)

    # When it is cancelled, and only then able to finish
    cancelled = client.cancel_statement(Id=statement_id)
    held_lock.execute("SELECT pg_advisory_unlock(4242)")

    # Then it ends ABORTED, its result is dropped and it cannot be cancelled twice
    assert cancelled["Status"] is True
    assert describe_until_done(client, statement_id)["Status"] == "ABORTED"
    with pytest.raises(ClientError) as no_result:
        client.get_statement_result(Id=statement_id)
    assert error_code(no_result) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as again:
        client.cancel_statement(Id=statement_id)
    assert error_code(again) == "ValidationException"


def test_a_closed_api_refuses_new_statements(warehouse_url: str) -> None:
    # Given a local Data API that has been closed
    api = PostgresDataApi(warehouse_url)
    api.close()

    # When a statement is submitted, it is refused
    with pytest.raises(LocalServiceError, match="closed"):
        api.handle("ExecuteStatement", {**TARGET.execute_statement_arguments(), "Sql": "SELECT 1"})
