"""The Data API adapter against a boto3 ``redshift-data`` client answered by a Stubber."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fakes.redshift_data import STATEMENT_ID, ScriptedRedshiftData
from hypothesis import given
from hypothesis import strategies as st

from ims_refresh.asl_files import retried_errors
from training_refresh.adapters.data_api import (
    DEADLINE_MARGIN_SECONDS,
    MAX_CUSTOMER_NUMBER,
    MAX_SQL_BYTES,
    DataApiWarehouse,
    ResultPage,
    WarehouseTarget,
    customer_in_list,
)
from training_refresh.adapters.data_api_records import ResultColumns
from training_refresh.errors import (
    TRANSIENT_ERRORS,
    ResultTooLargeError,
    RowTooLargeError,
    StatementTooLargeError,
    WarehouseConnectionLostError,
    WarehouseQueryError,
    WarehouseThrottledError,
    WarehouseTimeoutError,
)

TARGET = WarehouseTarget(database="dev", cluster_identifier="ims-cluster", secret_arn="arn:s")


def column(name: str, type_name: str) -> dict[str, Any]:
    return {"name": name, "label": name, "typeName": type_name, "nullable": 1}


def client_error(code: str, operation: str, message: str = "an error") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def page(columns: list[dict[str, Any]], records: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"ColumnMetadata": columns, "Records": records, "TotalNumRows": len(records)}


def warehouse_for(
    fake: ScriptedRedshiftData, clock: FakeClock | None = None, **options: Any
) -> Any:
    clock = clock or FakeClock()
    return DataApiWarehouse(fake.client, TARGET, sleep=clock.sleep, clock=clock, **options)


# --- executing --------------------------------------------------------------------------------


def test_execute_statement_gets_the_target_and_string_parameters() -> None:
    # Given a warehouse on a provisioned cluster with a secret
    fake = ScriptedRedshiftData(pages=[page([column("n", "int4")], [[{"longValue": 1}]])])

    # When a query with a parameter runs
    result = warehouse_for(fake).fetch_all("SELECT :as_of", {"as_of": "2024-05-31"})

    # Then ExecuteStatement got the target, the SQL and the parameter as a name/value string
    assert fake.calls[0] == (
        "execute_statement",
        {
            "Database": "dev",
            "ClusterIdentifier": "ims-cluster",
            "SecretArn": "arn:s",
            "Sql": "SELECT :as_of",
            "Parameters": [{"name": "as_of", "value": "2024-05-31"}],
        },
    )
    assert result == ResultPage(("n",), [(1,)])


def test_no_parameters_means_no_parameters_argument() -> None:
    # Given a query without parameters
    fake = ScriptedRedshiftData(has_result_set=False)

    # When it runs
    list(warehouse_for(fake).query("CREATE TABLE t (x INT)", {}))

    # Then ExecuteStatement gets no Parameters (the API rejects an empty list)
    assert "Parameters" not in fake.calls[0][1]


@pytest.mark.parametrize(
    ("parameters", "error"),
    [({"as_of": ""}, TypeError), ({"as_of": 20240531}, TypeError), ({"as-of": "x"}, ValueError)],
)
def test_unusable_parameters_are_refused_before_calling_aws(
    parameters: dict[str, Any], error: type[Exception]
) -> None:
    # Given parameters the Data API would not accept
    fake = ScriptedRedshiftData()

    # When a query is run with them, it fails without calling AWS
    with pytest.raises(error):
        warehouse_for(fake).fetch_all("SELECT :as_of", parameters)
    assert fake.calls == []


def test_sql_up_to_the_limit_is_sent_and_beyond_it_is_refused() -> None:
    # Given SQL of exactly MAX_SQL_BYTES UTF-8 bytes, and one of a byte more ("é" is 2 bytes)
    fitting = "SELECT '" + "x" * (MAX_SQL_BYTES - 9) + "'"
    too_large = "SELECT '" + "é" * ((MAX_SQL_BYTES - 8) // 2) + "'"
    assert len(fitting.encode()) == MAX_SQL_BYTES
    assert len(too_large.encode()) == MAX_SQL_BYTES + 1
    fake = ScriptedRedshiftData(has_result_set=False)
    warehouse = warehouse_for(fake)

    # When both are run
    list(warehouse.query(fitting))
    with pytest.raises(StatementTooLargeError, match=str(MAX_SQL_BYTES)):
        list(warehouse.query(too_large))

    # Then only the first reached AWS
    assert fake.operations().count("execute_statement") == 1


# --- polling ----------------------------------------------------------------------------------


def test_polling_backs_off_exponentially_up_to_the_cap() -> None:
    # Given a statement that runs through every running status before it finishes
    statuses = ["SUBMITTED", "PICKED", "STARTED", "STARTED", "STARTED", "STARTED", "FINISHED"]
    fake = ScriptedRedshiftData(statuses=statuses, has_result_set=False)
    clock = FakeClock()

    # When the client waits for it
    list(warehouse_for(fake, clock, poll_initial=0.1, poll_max=0.5).query("VACUUM"))

    # Then it slept before each describe, doubling the wait up to poll_max
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5, 0.5, 0.5])
    assert fake.operations() == ["execute_statement"] + ["describe_statement"] * 7


def test_a_statement_that_does_not_finish_in_time_is_cancelled() -> None:
    # Given a statement that never leaves STARTED
    fake = ScriptedRedshiftData(statuses=["STARTED"])
    clock = FakeClock()

    # When the client waits with a 10 s timeout
    with pytest.raises(WarehouseTimeoutError, match=STATEMENT_ID):
        warehouse_for(fake, clock, poll_initial=1.0, poll_max=4.0, statement_timeout=10.0).query(
            "SELECT 1"
        )

    # Then it waited exactly the timeout, never sleeping past it, and cancelled the statement
    assert clock.sleeps == pytest.approx([1.0, 2.0, 4.0, 3.0])
    assert fake.calls[-1] == ("cancel_statement", {"Id": STATEMENT_ID})
    assert issubclass(WarehouseTimeoutError, TRANSIENT_ERRORS)


def test_a_failed_cancel_still_reports_the_timeout() -> None:
    # Given a statement that never finishes and whose cancellation is refused
    fake = ScriptedRedshiftData(
        statuses=["STARTED"],
        errors={"cancel_statement": client_error("ValidationException", "CancelStatement")},
    )

    # When the client gives up, the timeout is what it reports
    with pytest.raises(WarehouseTimeoutError):
        warehouse_for(fake, statement_timeout=1.0).query("SELECT 1")


LAMBDA_LIMIT_SECONDS = 900.0


def test_a_wait_ends_before_the_invocations_deadline_with_the_retried_timeout_error() -> None:
    # Given a statement that never leaves STARTED, in an invocation with 100 s left
    fake = ScriptedRedshiftData(statuses=["STARTED"])
    clock = FakeClock()
    warehouse = warehouse_for(fake, clock, poll_max=5.0, time_left=lambda: 100.0 - clock.now)

    # When the client waits for it
    with pytest.raises(WarehouseTimeoutError) as raised:
        warehouse.query("SELECT 1")

    # Then it gave up when the margin was reached, well before the deadline, cancelled the
    # statement, and said which limit ended the wait
    assert clock.now == pytest.approx(100.0 - DEADLINE_MARGIN_SECONDS)
    assert fake.calls[-1] == ("cancel_statement", {"Id": STATEMENT_ID})
    assert "the invocation's deadline" in str(raised.value)
    # And the steps that query the warehouse retry exactly that error (ASL names, not classes)
    retried = retried_errors("gold-load")
    for state in ("Validate input and plan", "Load config chunks"):
        assert type(raised.value).__name__ in retried[state]


def test_the_statement_timeout_still_bounds_a_wait_when_the_invocation_has_time() -> None:
    # Given a statement that never finishes, a 10 s statement timeout and a fresh invocation
    fake = ScriptedRedshiftData(statuses=["STARTED"])
    clock = FakeClock()
    warehouse = warehouse_for(
        fake, clock, statement_timeout=10.0, time_left=lambda: LAMBDA_LIMIT_SECONDS - clock.now
    )

    # When the client waits, the statement timeout ends the wait and the error says so
    with pytest.raises(WarehouseTimeoutError, match="the statement timeout"):
        warehouse.query("SELECT 1")
    assert clock.now == pytest.approx(10.0)


def test_a_statement_submitted_after_the_margin_is_cancelled_without_waiting() -> None:
    # Given an invocation with less time left than the margin
    fake = ScriptedRedshiftData(statuses=["FINISHED"])
    clock = FakeClock()
    warehouse = warehouse_for(fake, clock, time_left=lambda: DEADLINE_MARGIN_SECONDS / 2)

    # When a statement is run, it is cancelled at once instead of waited for
    with pytest.raises(WarehouseTimeoutError):
        warehouse.query("SELECT 1")
    assert clock.sleeps == []
    assert fake.operations() == ["execute_statement", "cancel_statement"]


@pytest.mark.parametrize("status", ["FAILED", "ABORTED"])
def test_failed_and_aborted_statements_raise_query_error_with_the_error_text(status: str) -> None:
    # Given a statement that ends FAILED or ABORTED with an error text
    fake = ScriptedRedshiftData(
        statuses=["STARTED", status], error_text='ERROR: relation "x" does not exist'
    )

    # When it is run, the error names the statement, its status and the database's message
    with pytest.raises(WarehouseQueryError) as raised:
        warehouse_for(fake).query("SELECT * FROM x")
    assert str(raised.value) == (
        f'statement {STATEMENT_ID} {status}: ERROR: relation "x" does not exist'
    )
    assert "get_statement_result" not in fake.operations()


def test_a_statement_whose_result_is_too_large_raises_result_too_large() -> None:
    # Given a statement that fails because its result exceeds the Data API limit
    fake = ScriptedRedshiftData(
        statuses=["FAILED"], error_text="ERROR: Database response exceeded size limit"
    )

    # When it is run, the caller learns to chunk smaller
    with pytest.raises(ResultTooLargeError, match="exceeded size limit"):
        warehouse_for(fake).query("SELECT * FROM big")


def test_a_statement_with_a_row_over_64_kb_raises_row_too_large() -> None:
    # Given a statement that fails because a row of its result is over the Data API's 64 KB
    fake = ScriptedRedshiftData(
        statuses=["FAILED"], error_text="ERROR: Packet for query is too large (65,800 > 65,536)"
    )

    # When it is run, the error is the row's (chunking smaller would not help), not the result's
    with pytest.raises(RowTooLargeError, match="larger than the Data API's 64 KB per row"):
        warehouse_for(fake).query("SELECT * FROM wide")


CONNECTION_LOST_TEXTS = [
    "FATAL: terminating connection due to administrator command",
    "server closed the connection unexpectedly",
    "ERROR: Query (812) cancelled due to leader node failover",
    "SSL SYSCALL error: EOF detected",
]


@pytest.mark.parametrize("error_text", CONNECTION_LOST_TEXTS)
def test_a_statement_that_lost_its_connection_raises_the_retried_connection_lost_error(
    error_text: str,
) -> None:
    # Given a statement that FAILED because its session or node went away
    fake = ScriptedRedshiftData(statuses=["STARTED", "FAILED"], error_text=error_text)

    # When it is run, the error is the transient WarehouseConnectionLostError, which the
    # gold load's plan and load steps retry
    with pytest.raises(WarehouseConnectionLostError, match="connection was lost") as raised:
        warehouse_for(fake).query("SELECT 1")
    assert isinstance(raised.value, TRANSIENT_ERRORS)
    assert STATEMENT_ID in str(raised.value)
    retried = retried_errors("gold-load")
    assert "WarehouseConnectionLostError" in retried["Validate input and plan"]
    assert "WarehouseConnectionLostError" in retried["Load config chunks"]


def test_an_aborted_statement_is_not_a_lost_connection() -> None:
    # Given a statement we cancelled, whose text mentions a terminated connection
    fake = ScriptedRedshiftData(
        statuses=["ABORTED"], error_text="FATAL: terminating connection due to user request"
    )

    # When it is run, it is the permanent query error, not a retried one
    with pytest.raises(WarehouseQueryError):
        warehouse_for(fake).query("SELECT 1")


def test_the_data_apis_database_connection_answer_is_a_lost_connection() -> None:
    # Given the Data API cannot reach the database
    fake = ScriptedRedshiftData(
        errors={
            "execute_statement": client_error(
                "DatabaseConnectionException", "ExecuteStatement", "Connection to a database failed"
            )
        }
    )

    # When a query runs, the error is transient and names the code
    with pytest.raises(WarehouseConnectionLostError, match="DatabaseConnectionException"):
        warehouse_for(fake).fetch_all("SELECT 1")


def test_an_unexpected_status_is_a_query_error() -> None:
    # Given a describe answer with a status the API does not document for a statement
    fake = ScriptedRedshiftData(statuses=["ALL"])

    # When the client waits, it does not spin forever
    with pytest.raises(WarehouseQueryError, match="unexpected status ALL"):
        warehouse_for(fake).query("SELECT 1")


# --- AWS errors -------------------------------------------------------------------------------

THROTTLING_CODES = [
    "ThrottlingException",
    "ActiveStatementsExceededException",
    "TooManyRequestsException",
    "InternalServerException",
    "Throttling",
    "RequestLimitExceeded",
]


@pytest.mark.parametrize("code", THROTTLING_CODES)
@pytest.mark.parametrize(
    "operation", ["execute_statement", "describe_statement", "get_statement_result"]
)
def test_throttling_and_busy_answers_are_transient(code: str, operation: str) -> None:
    # Given the Data API answers one operation with a throttling or busy error
    fake = ScriptedRedshiftData(
        pages=[page([column("n", "int4")], [])], errors={operation: client_error(code, operation)}
    )

    # When a query runs, the error is the transient WarehouseThrottledError
    with pytest.raises(WarehouseThrottledError, match=code) as raised:
        warehouse_for(fake).fetch_all("SELECT 1")
    assert isinstance(raised.value, TRANSIENT_ERRORS)


def test_other_client_errors_are_query_errors_with_the_code() -> None:
    # Given the Data API rejects the request
    fake = ScriptedRedshiftData(
        errors={"execute_statement": client_error("ValidationException", "ExecuteStatement")}
    )

    # When a query runs, the error is permanent and names the code
    with pytest.raises(WarehouseQueryError, match="ValidationException") as raised:
        warehouse_for(fake).fetch_all("SELECT 1")
    assert not isinstance(raised.value, TRANSIENT_ERRORS)


def test_errors_that_are_not_client_errors_pass_through() -> None:
    # Given the client fails with something other than an AWS error answer
    fake = ScriptedRedshiftData(errors={"describe_statement": ConnectionResetError("reset")})

    # When a query runs, that error reaches the caller unchanged
    with pytest.raises(ConnectionResetError):
        warehouse_for(fake).fetch_all("SELECT 1")


# --- results ----------------------------------------------------------------------------------


def test_pages_are_fetched_lazily_with_next_token() -> None:
    # Given a result of three pages
    columns = [column("n", "int8")]
    pages = [page(columns, [[{"longValue": n}] for n in chunk]) for chunk in ([1, 2], [3, 4], [5])]
    fake = ScriptedRedshiftData(pages=pages)

    # When the query runs, nothing is fetched until the pages are consumed
    result_pages = warehouse_for(fake).query("SELECT n FROM t")
    assert "get_statement_result" not in fake.operations()
    first = next(result_pages)
    rest = list(result_pages)

    # Then each page followed the previous NextToken, and every row arrived in order
    fetches = [kwargs for operation, kwargs in fake.calls if operation == "get_statement_result"]
    assert fetches == [{"Id": STATEMENT_ID}, {"Id": STATEMENT_ID, "NextToken": "1"},
                       {"Id": STATEMENT_ID, "NextToken": "2"}]  # fmt: skip
    assert [first.rows, *(p.rows for p in rest)] == [[(1,), (2,)], [(3,), (4,)], [(5,)]]


def test_a_statement_without_result_set_yields_nothing() -> None:
    # Given a statement that has no result set (DDL or DML)
    fake = ScriptedRedshiftData(has_result_set=False)

    # When it runs, there is no page and GetStatementResult is never called
    assert list(warehouse_for(fake).query("DELETE FROM t")) == []
    assert warehouse_for(fake).fetch_all("DELETE FROM t") == ResultPage((), [])
    assert "get_statement_result" not in fake.operations()


def test_an_empty_result_keeps_its_columns() -> None:
    # Given a result set without rows
    fake = ScriptedRedshiftData(pages=[page([column("a", "int4"), column("b", "varchar")], [])])

    # When it is fetched, the columns are known and there are no rows
    assert warehouse_for(fake).fetch_all("SELECT a, b FROM t") == ResultPage(("a", "b"), [])


DECODING_CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("int2", {"longValue": -32768}, -32768),
    ("int4", {"longValue": 2147483647}, 2147483647),
    ("int8", {"longValue": 9223372036854775807}, 9223372036854775807),
    ("numeric", {"stringValue": "-123456789.01"}, Decimal("-123456789.01")),
    ("numeric", {"stringValue": "12.50"}, Decimal("12.50")),
    ("decimal", {"stringValue": "0.10"}, Decimal("0.10")),
    ("float4", {"doubleValue": 1.5}, 1.5),
    ("float8", {"doubleValue": -0.1}, -0.1),
    ("bool", {"booleanValue": True}, True),
    ("bool", {"booleanValue": False}, False),
    ("date", {"stringValue": "2024-02-29"}, date(2024, 2, 29)),
    ("timestamp", {"stringValue": "2024-03-15 23:59:59"}, datetime(2024, 3, 15, 23, 59, 59)),
    ("timestamptz", {"stringValue": "2024-03-15 12:00:00+00"},
     datetime(2024, 3, 15, 12, tzinfo=UTC)),
    ("timestamptz", {"stringValue": "2024-03-15 12:00:00.25-05:30"},
     datetime(2024, 3, 15, 12, 0, 0, 250000, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
    ("varchar", {"stringValue": "Zoë O'Neil 🦆"}, "Zoë O'Neil 🦆"),
    ("varchar", {"stringValue": "trailing  "}, "trailing  "),
    ("text", {"stringValue": ""}, ""),
    ("bpchar", {"stringValue": "ab  "}, "ab"),
    ("bpchar", {"stringValue": "    "}, ""),
    ("char", {"stringValue": "é "}, "é"),
]  # fmt: skip


@pytest.mark.parametrize(("type_name", "field", "expected"), DECODING_CASES)
def test_each_type_is_decoded_to_its_python_value(
    type_name: str, field: dict[str, Any], expected: Any
) -> None:
    # Given one column of a Redshift type holding a value and a NULL
    fake = ScriptedRedshiftData(
        pages=[page([column("v", type_name)], [[field], [{"isNull": True}]])]
    )

    # When it is fetched
    rows = warehouse_for(fake).fetch_all("SELECT v FROM t").rows

    # Then the value has its Python type and value, and NULL is None
    assert rows == [(expected,), (None,)]
    assert type(rows[0][0]) is type(expected)


@pytest.mark.parametrize(
    ("fraction", "microsecond"),
    [("", 0), (".5", 500000), (".12", 120000), (".123", 123000), (".1234", 123400),
     (".12345", 123450), (".123456", 123456)],
)  # fmt: skip
def test_timestamps_have_fractional_seconds_of_any_length(fraction: str, microsecond: int) -> None:
    # Given timestamps printed with 0 to 6 fractional digits (Redshift drops trailing zeros)
    columns = [column("ts", "timestamp"), column("tstz", "timestamptz")]
    record = [
        {"stringValue": f"2024-03-15 00:00:00{fraction}"},
        {"stringValue": f"2024-03-15 00:00:00{fraction}+00"},
    ]
    fake = ScriptedRedshiftData(pages=[page(columns, [record])])

    # When they are fetched
    rows = warehouse_for(fake).fetch_all("SELECT ts, tstz FROM t").rows

    # Then each fraction is read as microseconds
    assert rows == [
        (
            datetime(2024, 3, 15, 0, 0, 0, microsecond),
            datetime(2024, 3, 15, 0, 0, 0, microsecond, tzinfo=UTC),
        )
    ]


@pytest.mark.parametrize(
    ("type_name", "field"),
    [
        ("date", {"stringValue": "Jane Doe"}),
        ("timestamp", {"stringValue": "Jane Doe"}),
        ("timestamp", {"stringValue": "2024-03-15 00:00:00+00"}),
        ("timestamptz", {"stringValue": "2024-03-15 00:00:00"}),
        ("numeric", {"stringValue": "Jane Doe"}),
        ("int8", {"stringValue": "Jane Doe"}),
        ("varchar", {"longValue": 7}),
    ],
)
def test_an_undecodable_value_is_reported_without_the_value(
    type_name: str, field: dict[str, Any]
) -> None:
    # Given a field that does not fit its column type
    fake = ScriptedRedshiftData(pages=[page([column("first_name", type_name)], [[field]])])

    # When it is fetched
    with pytest.raises(WarehouseQueryError) as raised:
        warehouse_for(fake).fetch_all("SELECT first_name FROM t")

    # Then the error names the column and type but neither says nor chains the value
    assert "first_name" in str(raised.value)
    assert "Jane" not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_an_unknown_column_type_is_refused() -> None:
    # Given a result with a type this client does not decode
    fake = ScriptedRedshiftData(pages=[page([column("doc", "super")], [])])

    # When it is fetched, the error names the column and type
    with pytest.raises(WarehouseQueryError, match="'doc' has type 'super'"):
        warehouse_for(fake).fetch_all("SELECT doc FROM t")


def test_a_record_that_does_not_match_the_columns_is_refused() -> None:
    # Given a record with more fields than the result has columns
    fake = ScriptedRedshiftData(pages=[page([column("a", "int4")], [[{"longValue": 1}] * 2])])

    # When it is fetched, the mismatch is an error
    with pytest.raises(WarehouseQueryError, match="2 fields but the result has 1 columns"):
        warehouse_for(fake).fetch_all("SELECT a FROM t")


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"poll_initial": 0.0}, "poll_initial"),
        ({"poll_initial": 2.0, "poll_max": 1.0}, "poll_max"),
        ({"statement_timeout": 0.0}, "statement_timeout"),
    ],
)
def test_polling_options_are_checked(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DataApiWarehouse(ScriptedRedshiftData().client, TARGET, **options)


# --- customer_in_list -------------------------------------------------------------------------


def test_customer_in_list_renders_a_comma_separated_list() -> None:
    assert customer_in_list([1, 22, MAX_CUSTOMER_NUMBER]) == "1, 22, 999999999999999"


@pytest.mark.parametrize(
    ("numbers", "error"),
    [
        ([], ValueError),
        ([0], ValueError),
        ([-5], ValueError),
        ([10**15], ValueError),
        ([1, True], TypeError),
        (["12"], TypeError),
        ([12.0], TypeError),
        ([Decimal(12)], TypeError),
        ("123", TypeError),
    ],
)
def test_customer_in_list_refuses_anything_but_valid_ints(numbers: Any, error: type) -> None:
    with pytest.raises(error):
        customer_in_list(numbers)


@given(st.lists(st.integers(min_value=1, max_value=MAX_CUSTOMER_NUMBER), min_size=1))
def test_customer_in_list_holds_only_digits_and_round_trips(numbers: list[int]) -> None:
    rendered = customer_in_list(numbers)
    assert set(rendered) <= set("0123456789, ")
    assert [int(part) for part in rendered.split(", ")] == numbers


UNDECODABLE = object()
"""Marks a field the client must refuse (the error names its column)."""


def field_choices(type_name: str) -> list[tuple[dict[str, Any], Any]]:
    """Fields a column of ``type_name`` may hold, each with what it must decode to."""
    valid = [(field, value) for name, field, value in DECODING_CASES if name == type_name]
    member = next(iter(valid[0][0]))
    wrong_member = "longValue" if member != "longValue" else "stringValue"
    return [
        *valid,
        *[({"isNull": False, **field}, value) for field, value in valid],
        ({"isNull": True}, None),
        ({"isNull": True, **valid[0][0]}, None),
        ({wrong_member: 7 if wrong_member == "longValue" else "7"}, UNDECODABLE),
        ({}, UNDECODABLE),
        ({member: None}, UNDECODABLE),
    ]


COLUMN_TYPES = sorted({name for name, _, _ in DECODING_CASES})


@st.composite
def pages_with_expected_rows(draw: st.DrawFn) -> tuple[list[str], list[list[dict]], list[list]]:
    types = draw(st.lists(st.sampled_from(COLUMN_TYPES), min_size=1, max_size=4))
    choices = [field_choices(type_name) for type_name in types]
    cells = draw(
        st.lists(
            st.tuples(*[st.sampled_from(options) for options in choices]), min_size=1, max_size=6
        )
    )
    records = [[field for field, _ in row] for row in cells]
    expected = [[value for _, value in row] for row in cells]
    return types, records, expected


@given(case=pages_with_expected_rows())
def test_a_page_decodes_exactly_as_its_fields_do_one_by_one(
    case: tuple[list[str], list[list[dict]], list[list]],
) -> None:
    # Given a page mixing values, NULL markers and malformed fields in typed columns (no
    # Data API answers such fields, and the Stubber would refuse to: so the decoder itself)
    types, records, expected = case
    columns = ResultColumns(
        [column(f"c{index}", type_name) for index, type_name in enumerate(types)]
    )
    bad_cells = [
        index for row in expected for index, value in enumerate(row) if value is UNDECODABLE
    ]

    # When the page is decoded
    if bad_cells:
        # Then a malformed field is refused, naming the first one's column
        with pytest.raises(WarehouseQueryError, match=f"column 'c{bad_cells[0]}'"):
            columns.decode_page(records)
        return
    rows = columns.decode_page(records)

    # Then every field has the value (and type) it has on its own
    assert rows == [tuple(row) for row in expected]
    assert [[type(v) for v in row] for row in rows] == [[type(v) for v in r] for r in expected]
