"""The warehouse (Amazon Redshift) through the Redshift Data API.

One statement at a time: ``ExecuteStatement``; ``DescribeStatement`` with capped exponential
backoff until the statement is FINISHED; ``GetStatementResult`` page by page (``NextToken``),
decoding each typed field by its column's ``typeName``. Pages are yielded as they arrive, so
memory stays flat however large the result.

Data API limits respected here (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html,
quotas and troubleshooting pages):

* SQL text: "Maximum query statement size: 100 KB"; AWS answers a bigger text with
  ``ValidationException: Cannot process query string larger than 100kB``. The docs do not say
  whether KB is 1,000 or 1,024 bytes, so :data:`MAX_SQL_BYTES` takes the smaller reading and
  counts UTF-8 bytes; a bigger text raises :class:`StatementTooLargeError` before any call.
* Result size per statement: a statement whose result exceeds the limit FAILS with an error
  saying the database response exceeded the size limit; that becomes
  :class:`ResultTooLargeError` (the caller should chunk smaller).
* Throttling and busy answers become :class:`WarehouseThrottledError` (transient).

Every wait ends before the invocation's deadline (issue 13): a statement is awaited at most
``statement_timeout`` (600 s) and never past ``time_left()`` minus the margin
(``DEADLINE_MARGIN_SECONDS``), whichever comes first. Then the statement is cancelled and
:class:`WarehouseTimeoutError` raised, which the ASL retries; the resumable steps go on from
their last finished chunk. Without the bound, a slow statement would outlive the Lambda and
end the step as ``Lambda.Unknown``, with nothing cancelled and no error naming the cause.

The boto3 ``redshift-data`` client is passed in; this module never imports boto3 or botocore
and recognises a botocore ``ClientError`` by its ``response["Error"]["Code"]``. Records are
decoded by ``data_api_records``.

No row value ever goes into an error message or a log line: error texts of the Data API are
redacted (``data_api_errors``), and decoding errors name the column and its type only.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from training_refresh.adapters.data_api_errors import (
    client_error_as_warehouse_error,
    client_error_code,
    statement_failure,
)
from training_refresh.adapters.data_api_records import ResultColumns
from training_refresh.errors import (
    StatementTooLargeError,
    WarehouseQueryError,
    WarehouseTimeoutError,
)

logger = logging.getLogger(__name__)

MAX_SQL_BYTES = 100_000
"""Largest SQL text (UTF-8 bytes) sent to ExecuteStatement; AWS documents "100 KB"."""

MAX_CUSTOMER_NUMBER = 10**15 - 1
"""Customer numbers have 1 to 15 decimal digits (docs/design.md §5)."""

DEADLINE_MARGIN_SECONDS = 30.0
"""Time kept before the invocation's deadline when a wait gives up: enough to request the
cancellation, raise, and let the handler log and return the error to Step Functions."""

TimeLeft = Callable[[], float]
"""Seconds left before the invocation's deadline (Lambda: the context's remaining time)."""

_RUNNING_STATUSES = frozenset({"SUBMITTED", "PICKED", "STARTED"})
_PARAMETER_NAME = re.compile(r"[0-9A-Za-z_]+")


class RedshiftDataClient(Protocol):
    """The part of boto3's ``redshift-data`` client this module uses."""

    def execute_statement(self, **kwargs: Any) -> dict[str, Any]: ...

    def describe_statement(self, **kwargs: Any) -> dict[str, Any]: ...

    def get_statement_result(self, **kwargs: Any) -> dict[str, Any]: ...

    def cancel_statement(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class WarehouseTarget:
    """Where statements run: a database on a provisioned cluster or a Serverless workgroup.

    Credentials: ``secret_arn`` (Secrets Manager), or ``db_user`` (temporary credentials,
    provisioned clusters only), or neither (the caller's IAM identity).
    """

    database: str
    cluster_identifier: str | None = None
    workgroup_name: str | None = None
    secret_arn: str | None = None
    db_user: str | None = None

    def __post_init__(self) -> None:
        if not self.database:
            raise ValueError("the warehouse database (IMS_REDSHIFT_DATABASE) is required")
        if (self.cluster_identifier is None) == (self.workgroup_name is None):
            raise ValueError(
                "set exactly one of the cluster identifier (IMS_REDSHIFT_CLUSTER_ID, provisioned"
                " Redshift) and the workgroup name (IMS_REDSHIFT_WORKGROUP, Redshift Serverless)"
            )
        if self.secret_arn is not None and self.db_user is not None:
            raise ValueError(
                "the secret ARN (IMS_REDSHIFT_SECRET_ARN) and the database user"
                " (IMS_REDSHIFT_DB_USER) are alternative credentials: set at most one"
            )
        if self.db_user is not None and self.workgroup_name is not None:
            raise ValueError(
                "a database user (IMS_REDSHIFT_DB_USER) only works with a provisioned cluster"
                " (IMS_REDSHIFT_CLUSTER_ID); Redshift Serverless takes a secret ARN or the"
                " caller's IAM identity"
            )

    def execute_statement_arguments(self) -> dict[str, str]:
        """The ExecuteStatement arguments that select the database and credentials."""
        arguments = {"Database": self.database}
        optional = {
            "ClusterIdentifier": self.cluster_identifier,
            "WorkgroupName": self.workgroup_name,
            "SecretArn": self.secret_arn,
            "DbUser": self.db_user,
        }
        arguments.update({key: value for key, value in optional.items() if value is not None})
        return arguments


@dataclass(frozen=True)
class ResultPage:
    """Decoded rows of one GetStatementResult page (or of a whole result, see fetch_all)."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


class StartedQuery(Protocol):
    """A statement that runs while the caller does other work (see Warehouse.start)."""

    def result(self) -> Iterator[ResultPage]: ...
    def abandon(self) -> None: ...


class Warehouse(Protocol):
    """What the gold load needs from the warehouse; :class:`DataApiWarehouse` is the real
    one, the tests have recording fakes."""

    def query(
        self, sql: str, parameters: Mapping[str, str] | None = None
    ) -> Iterator[ResultPage]: ...

    def start(self, sql: str, parameters: Mapping[str, str] | None = None) -> StartedQuery: ...


class DataApiWarehouse:
    """Runs SQL on Redshift through the Data API and decodes the results."""

    def __init__(
        self,
        client: RedshiftDataClient,
        target: WarehouseTarget,
        *,
        poll_initial: float = 0.1,
        poll_max: float = 5.0,
        statement_timeout: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        time_left: TimeLeft | None = None,
    ) -> None:
        if not 0 < poll_initial <= poll_max:
            raise ValueError("polling needs 0 < poll_initial <= poll_max")
        if statement_timeout <= 0:
            raise ValueError("statement_timeout must be positive")
        self._client = client
        self._target = target
        self._poll_initial = poll_initial
        self._poll_max = poll_max
        self._statement_timeout = statement_timeout
        self._sleep = sleep
        self._clock = clock
        self._time_left = time_left

    def query(self, sql: str, parameters: Mapping[str, str] | None = None) -> Iterator[ResultPage]:
        """Run ``sql`` and wait for it to finish; return an iterator over its result pages.

        ``parameters`` bind ``:name`` placeholders; the Data API takes every value as a string
        and Redshift converts it to the type the SQL needs. The statement has run when this
        returns; pages are fetched as the iterator is consumed. A result with no rows gives one
        page without rows; a statement without a result set (DDL, DML) gives no page.
        """
        return self.start(sql, parameters).result()

    def start(self, sql: str, parameters: Mapping[str, str] | None = None) -> StartedStatement:
        """Submit ``sql`` without waiting: Redshift runs it while the caller does other work,
        and :meth:`StartedStatement.result` collects it later."""
        return StartedStatement(self, self._execute(sql, parameters))

    def fetch_all(self, sql: str, parameters: Mapping[str, str] | None = None) -> ResultPage:
        """Run ``sql`` and return every row at once; meant for small results."""
        columns: tuple[str, ...] = ()
        rows: list[tuple[Any, ...]] = []
        for page in self.query(sql, parameters):
            columns = page.columns
            rows.extend(page.rows)
        return ResultPage(columns, rows)

    def _execute(self, sql: str, parameters: Mapping[str, str] | None) -> str:
        sql_bytes = len(sql.encode("utf-8"))
        if sql_bytes > MAX_SQL_BYTES:
            raise StatementTooLargeError(
                f"the SQL text is {sql_bytes} bytes; the Redshift Data API accepts at most"
                f" {MAX_SQL_BYTES}: split the work into smaller chunks"
            )
        request: dict[str, Any] = {**self._target.execute_statement_arguments(), "Sql": sql}
        if parameters:
            request["Parameters"] = _sql_parameters(parameters)
        response = self._call("execute_statement", **request)
        statement_id: str = response["Id"]
        logger.debug("Redshift Data API statement %s submitted", statement_id)
        return statement_id

    def _wait_budget(self) -> tuple[float, str]:
        """How long the next wait may last, and which limit sets it (for the error)."""
        budget = self._statement_timeout
        limit = f"the statement timeout, {self._statement_timeout:g} s"
        if self._time_left is not None:
            before_deadline = self._time_left() - DEADLINE_MARGIN_SECONDS
            if before_deadline < budget:
                budget = max(before_deadline, 0.0)
                limit = f"the invocation's deadline, less a margin of {DEADLINE_MARGIN_SECONDS:g} s"
        return budget, limit

    def _wait_until_finished(self, statement_id: str) -> dict[str, Any]:
        budget, limit = self._wait_budget()
        deadline = self._clock() + budget
        delay = self._poll_initial
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                self._cancel(statement_id)
                raise WarehouseTimeoutError(
                    f"statement {statement_id} did not finish within {budget:g} s ({limit});"
                    " cancellation was requested"
                )
            self._sleep(min(delay, remaining))
            delay = min(delay * 2, self._poll_max)
            description = self._call("describe_statement", Id=statement_id)
            status = description.get("Status")
            if status == "FINISHED":
                logger.debug(
                    "statement %s FINISHED (%s rows)", statement_id, description.get("ResultRows")
                )
                return description
            if status in ("FAILED", "ABORTED"):
                raise statement_failure(statement_id, status, description.get("Error") or "")
            if status not in _RUNNING_STATUSES:
                raise WarehouseQueryError(
                    f"statement {statement_id} has unexpected status {status}"
                )

    def _cancel(self, statement_id: str) -> None:
        try:
            self._client.cancel_statement(Id=statement_id)
        except Exception as error:
            # The statement may have ended meanwhile; the timeout is still what we report.
            code = client_error_code(error)
            if code is None:
                raise
            logger.warning("could not cancel statement %s: %s", statement_id, code)

    def _pages(self, statement_id: str) -> Iterator[ResultPage]:
        columns: ResultColumns | None = None
        request: dict[str, Any] = {"Id": statement_id}
        while True:
            response = self._call("get_statement_result", **request)
            if columns is None:  # every page repeats the same ColumnMetadata
                columns = ResultColumns(response.get("ColumnMetadata") or [])
            yield ResultPage(columns.names, columns.decode_page(response["Records"]))
            next_token = response.get("NextToken")
            if not next_token:
                return
            request["NextToken"] = next_token

    def _call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**arguments)
        except Exception as error:
            code = client_error_code(error)
            if code is None:
                raise
            raise client_error_as_warehouse_error(operation, code, str(error)) from error
        return response


class StartedStatement:
    """A statement submitted to the Data API, whose result has not been collected yet."""

    def __init__(self, warehouse: DataApiWarehouse, statement_id: str) -> None:
        self.statement_id = statement_id
        self._warehouse = warehouse
        self._collected = False

    def result(self) -> Iterator[ResultPage]:
        """Wait until the statement has finished; return an iterator over its result pages
        (see :meth:`DataApiWarehouse.query`)."""
        self._collected = True
        description = self._warehouse._wait_until_finished(self.statement_id)
        if not description.get("HasResultSet", False):
            return iter(())
        return self._warehouse._pages(self.statement_id)

    def abandon(self) -> None:
        """The result will not be collected: cancel the statement if it is still running.

        Best effort: a statement that has finished meanwhile cannot be cancelled, and its
        result simply expires (after 24 hours on AWS).
        """
        if self._collected:
            return
        self._collected = True
        try:
            self._warehouse._client.cancel_statement(Id=self.statement_id)
        except Exception as error:  # clean-up: it must not hide the error being handled
            reason = client_error_code(error) or type(error).__name__
            logger.debug("statement %s was not cancelled: %s", self.statement_id, reason)


def customer_in_list(customer_numbers: Sequence[int]) -> str:
    """Render customer numbers for the ``{customer_numbers}`` placeholder of the extract SQL.

    Only ints (not bools) from 1 to :data:`MAX_CUSTOMER_NUMBER` are accepted, so nothing but
    digits, commas and spaces can reach the SQL text.
    """
    if not customer_numbers:
        raise ValueError("at least one customer number is required (IN () is not valid SQL)")
    for position, number in enumerate(customer_numbers, start=1):
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError(f"customer number {position} is a {type(number).__name__}, not an int")
        if not 0 < number <= MAX_CUSTOMER_NUMBER:
            raise ValueError(f"customer number {position} is outside 1..{MAX_CUSTOMER_NUMBER}")
    return ", ".join(str(number) for number in customer_numbers)


def _sql_parameters(parameters: Mapping[str, str]) -> list[dict[str, str]]:
    sql_parameters = []
    for name, value in parameters.items():
        if not _PARAMETER_NAME.fullmatch(name):
            raise ValueError(f"SQL parameter name {name!r} must match [0-9A-Za-z_]+")
        if not isinstance(value, str) or not value:
            # The Data API takes only non-empty strings; Redshift converts them.
            raise TypeError(f"SQL parameter {name!r} must be a non-empty str")
        sql_parameters.append({"name": name, "value": value})
    return sql_parameters
