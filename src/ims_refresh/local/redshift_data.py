"""A local Redshift Data API answered from PostgreSQL.

:meth:`PostgresDataApi.handle` is a service handler for
:func:`ims_refresh.local.routing.routed`: a real boto3 ``redshift-data`` client sends
``ExecuteStatement``, ``DescribeStatement``, ``GetStatementResult`` and ``CancelStatement``
and gets back the shapes the real service returns (typed ``Field`` records, ``ColumnMetadata``
with Redshift type names, ``NextToken`` paging, FAILED statements with the database's error
text, AWS error codes). So the Lambda code's Data API client runs unchanged.

How it differs from the real service (write-up for the docs):

* ExecuteStatement returns at once and the statement runs in the background, on a pool of
  ``max_running_statements`` worker threads (more wait their turn, as in a Redshift queue),
  so a client can submit its next statement while it reads the last one's result, as it
  would on AWS. DescribeStatement reports STARTED while the statement runs and, in any
  case, for its first ``started_describes`` calls (default 1), so a client that does not
  poll fails here as it would on AWS. ``hold_next_statement`` keeps one statement STARTED
  longer (timeouts, cancellation); ``throttle_next`` makes ExecuteStatement answer
  ``ThrottlingException``. A cancelled statement that is still running finishes in the
  background and its result is dropped.
* Every ``Database`` is answered from the database of ``postgres_url``.
* SELECT-like statements (first keyword SELECT, WITH, VALUES or TABLE) are read once through
  a server-side cursor and their pages spooled to a temporary file (the real service, too,
  stores a finished result and serves pages from it), so only one page at a time is in
  Python memory and PostgreSQL is read once per statement. Other statements run in
  autocommit; if they return rows (``SHOW``, ``RETURNING``) those rows are held in memory.
  A result is released once its last page has been read (AWS keeps results for 24 hours;
  here a second read of the last page fails with ``ResourceNotFoundException``), and at
  most ``max_open_results`` unread results are kept: the least recently read one is
  released first.
* Values are sent as PostgreSQL prints them (session ``TimeZone=UTC``, ``DateStyle=ISO``),
  which is also how Redshift prints them: numeric as text, dates ``YYYY-MM-DD``, timestamps
  ``YYYY-MM-DD HH:MM:SS[.ffffff]`` without trailing zeros, CHAR padded to its length.
  Integers, floats and booleans are sent as ``longValue``, ``doubleValue``, ``booleanValue``.
* A result bigger than ``max_result_bytes`` (its records as JSON) FAILS with
  "Database response exceeded size limit", like the real service's 100 MB limit; one with a
  row over 64 KB FAILS with "Packet for query is too large", like the service's row limit
  (bounds first, exact only near a limit: ``redshift_limits``).
* ``:name`` placeholders are bound only when ``Parameters`` are given, as PostgreSQL ``$n``
  parameters typed ``unknown``, so PostgreSQL converts them by context as Redshift does.
  Placeholders inside quotes, quoted identifiers, dollar quotes and comments are left alone,
  and so are ``::`` casts.
* Not implemented: BatchExecuteStatement, ListStatements, sessions (SessionId), CSV results,
  statement names, events.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import psycopg
import psycopg.postgres
from psycopg.types.string import TextLoader

from ims_refresh.local.redshift_limits import ResultSize
from ims_refresh.local.redshift_requests import (
    bind_parameters,
    first_keyword,
    next_token,
    offset_from_token,
    statement_target,
    validation_error,
)
from ims_refresh.local.redshift_results import (
    NATIVELY_LOADED,
    MemoryResult,
    SpooledResult,
    Statement,
    abort_statement,
    column_metadata,
    error_text,
    fail_statement,
    field_records,
    finish_statement,
    release_result,
)
from ims_refresh.local.routing import LocalServiceError

MAX_SQL_BYTES = 100_000
"""AWS: "Maximum query statement size: 100 KB"; the smaller reading of KB, in UTF-8 bytes."""

DEFAULT_MAX_RESULT_BYTES = 100 * 1024 * 1024
"""The Data API quota "maximum query result size" of 100 MB per statement."""

SESSION_OPTIONS = "-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres"
"""Redshift sessions print timestamps in UTC and ISO style; so must ours."""

_STATEMENT_ID = re.compile(r"^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$")
_QUERY_KEYWORDS = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})
_NO_RESULT_MESSAGE = "Query does not have result. Please check query status with DescribeStatement."


class PostgresDataApi:
    """The Redshift Data API operations, answered from one PostgreSQL database.

    Thread-safe: Step Functions Map iterations call it from several threads. Each statement
    runs on its own connection; a statement's result keeps its connection until released.
    """

    def __init__(
        self,
        postgres_url: str,
        *,
        page_rows: int = 1000,
        started_describes: int = 1,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        max_open_results: int = 32,
        max_running_statements: int = 8,
    ) -> None:
        if (
            min(page_rows, max_result_bytes, max_open_results, max_running_statements) < 1
            or started_describes < 0
        ):
            raise ValueError(
                "page_rows, max_result_bytes, max_open_results and max_running_statements"
                " must be positive and started_describes must not be negative"
            )
        self._workers = ThreadPoolExecutor(
            max_workers=max_running_statements, thread_name_prefix="local-redshift-data"
        )
        self._postgres_url = postgres_url
        self._page_rows = page_rows
        self._started_describes = started_describes
        self._max_result_bytes = max_result_bytes
        self._max_open_results = max_open_results
        self._lock = threading.Lock()
        self._statements: dict[str, Statement] = {}
        self._open_results: OrderedDict[str, Statement] = OrderedDict()
        self._throttled_executions = 0
        self._held_describes: int | None = None
        self._query_ids = itertools.count(1)
        self._operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "ExecuteStatement": self._execute_statement,
            "DescribeStatement": self._describe_statement,
            "GetStatementResult": self._get_statement_result,
            "CancelStatement": self._cancel_statement,
        }

    # --- test hooks ---------------------------------------------------------------------------

    def throttle_next(self, executions: int) -> None:
        """Make the next ``executions`` ExecuteStatement calls fail with ThrottlingException."""
        with self._lock:
            self._throttled_executions = executions

    def hold_next_statement(self, describes: int) -> None:
        """Let the next statement report STARTED for ``describes`` DescribeStatement calls."""
        with self._lock:
            self._held_describes = describes

    # --- service ------------------------------------------------------------------------------

    def handle(self, operation_name: str, params: dict[str, Any]) -> dict[str, Any]:
        """Answer one Data API call (a routing.ServiceHandler)."""
        operation = self._operations.get(operation_name)
        if operation is None:
            raise LocalServiceError(
                "UnknownOperationException",
                f"The local Redshift Data API does not implement {operation_name}",
            )
        return operation(params)

    def close(self) -> None:
        """Wait for running statements, then release every result still held."""
        self._workers.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            statements = list(self._open_results.values())
            self._open_results.clear()
        for statement in statements:
            with statement.lock:
                release_result(statement, "the local Data API was closed")

    def __enter__(self) -> PostgresDataApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _execute_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._throttled_executions > 0:
                self._throttled_executions -= 1
                raise LocalServiceError("ThrottlingException", "Rate exceeded")
        target = statement_target(params)
        sql = params.get("Sql")
        if not isinstance(sql, str) or not sql.strip():
            raise validation_error("Sql must be a non-empty string.")
        if len(sql.encode("utf-8")) > MAX_SQL_BYTES:
            raise validation_error("Cannot process query string larger than 100kB")
        if params.get("ResultFormat", "JSON") != "JSON":
            raise validation_error("The local Redshift Data API returns JSON results only.")
        parameters = params.get("Parameters")
        query, values = bind_parameters(sql, parameters)
        with self._lock:
            held = self._held_describes
            self._held_describes = None
            query_id = next(self._query_ids)
        statement = Statement(
            id=str(uuid.uuid4()),
            target=target,
            query_string=sql,
            parameters=parameters,
            created_at=datetime.now(UTC),
            running_describes_left=self._started_describes if held is None else held,
            redshift_query_id=query_id,
        )
        with self._lock:
            self._statements[statement.id] = statement
        try:
            self._workers.submit(self._run_in_background, statement, query, values)
        except RuntimeError:  # the pool is shut down: this API was closed
            raise LocalServiceError(
                "InternalServerException", "The local Redshift Data API is closed.", 500
            ) from None
        return {"Id": statement.id, "CreatedAt": statement.created_at, **target}

    def _run_in_background(self, statement: Statement, query: str, values: list[str]) -> None:
        try:
            self._run(statement, query, values)
        except Exception as error:  # a bug here must not leave the statement running forever
            fail_statement(
                statement, f"ERROR: local Data API internal error ({type(error).__name__})"
            )
        with statement.lock:
            if statement.cancelled:
                abort_statement(statement)
            statement.done.set()
        with self._lock:
            evicted = self._remember_open_result(statement)
        for old in evicted:
            with old.lock:
                release_result(old, "it was the least recently read of too many unread results")

    def _remember_open_result(self, statement: Statement) -> list[Statement]:
        """Called with self._lock held; returns the statements whose results must go."""
        if statement.result is None:
            return []
        self._open_results[statement.id] = statement
        evicted = []
        while len(self._open_results) > self._max_open_results:
            _, oldest = self._open_results.popitem(last=False)
            evicted.append(oldest)
        return evicted

    def _run(self, statement: Statement, query: str, values: list[str]) -> None:
        started = time.perf_counter_ns()
        if first_keyword(query) in _QUERY_KEYWORDS:
            self._run_query(statement, query, values)
        else:
            self._run_command(statement, query, values)
        statement.duration_ns = time.perf_counter_ns() - started
        statement.updated_at = datetime.now(UTC)

    def _connect(self, *, autocommit: bool) -> psycopg.Connection[Any]:
        connection = psycopg.connect(
            self._postgres_url,
            autocommit=autocommit,
            options=SESSION_OPTIONS,
            application_name="ims-local-redshift-data",
        )
        for info in psycopg.postgres.types:
            if info.name not in NATIVELY_LOADED:
                connection.adapters.register_loader(info.oid, TextLoader)
            if info.array_oid:
                connection.adapters.register_loader(info.array_oid, TextLoader)
        return connection

    def _run_query(self, statement: Statement, query: str, values: list[str]) -> None:
        """Run the query through a server-side cursor, counting rows and result bytes and
        spooling the pages to a temporary file; the connection closes when it has run."""
        try:
            connection = self._connect(autocommit=False)
        except psycopg.Error as error:
            fail_statement(statement, error_text(error))
            return
        result: SpooledResult | None = None
        finished = False
        try:
            with connection:
                statement.redshift_pid = connection.info.backend_pid
                cursor = psycopg.RawServerCursor(connection, "result")
                cursor.execute(query, values or None)
                result = SpooledResult(column_metadata(connection, cursor), self._page_rows)
                size = ResultSize(result.columns, self._max_result_bytes)
                while rows := cursor.fetchmany(self._page_rows):
                    if limit_error := size.add(rows, result.pages):
                        fail_statement(statement, limit_error)
                        return
                    result.append(rows)
            finish_statement(statement, result, size.bytes)
            finished = True
        except psycopg.Error as error:
            fail_statement(statement, error_text(error))
        finally:
            if result is not None and not finished:
                result.close()

    def _run_command(self, statement: Statement, query: str, values: list[str]) -> None:
        try:
            with self._connect(autocommit=True) as connection:
                statement.redshift_pid = connection.info.backend_pid
                cursor = psycopg.RawCursor(connection)
                cursor.execute(query, values or None)
                if cursor.description is None:
                    statement.status = "FINISHED"
                    statement.result_rows = max(cursor.rowcount, 0)
                    statement.result_size = 0
                    return
                columns = column_metadata(connection, cursor)
                rows = cursor.fetchall()
        except psycopg.Error as error:
            fail_statement(statement, error_text(error))
            return
        size = ResultSize(columns, self._max_result_bytes)
        if limit_error := size.add(rows, list):
            fail_statement(statement, limit_error)
            return
        finish_statement(statement, MemoryResult(columns, rows), size.bytes)

    def _describe_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        statement = self._find(params)
        with statement.lock:
            description = statement.description()
            if statement.running:
                statement.running_describes_left -= 1
            return description

    def _get_statement_result(self, params: dict[str, Any]) -> dict[str, Any]:
        statement = self._find(params)
        with statement.lock:
            if statement.running or not statement.has_result_set:
                raise LocalServiceError("ResourceNotFoundException", _NO_RESULT_MESSAGE)
            result = statement.result
            if result is None:
                raise LocalServiceError(
                    "ResourceNotFoundException",
                    f"Query result is no longer available: {statement.result_released}.",
                )
            offset = offset_from_token(statement.id, params.get("NextToken"))
            try:
                rows = result.rows(offset, self._page_rows)
            except psycopg.Error as error:
                raise LocalServiceError(
                    "InternalServerException", error_text(error), status_code=500
                ) from error
            response: dict[str, Any] = {
                "Records": field_records(result.columns, rows),
                "ColumnMetadata": [column.metadata for column in result.columns],
                "TotalNumRows": result.total_rows,
            }
            next_offset = offset + len(rows)
            if next_offset < result.total_rows:
                response["NextToken"] = next_token(statement.id, next_offset)
            else:
                release_result(statement, "its last page was already read")
        with self._lock:
            if statement.result is None:
                self._open_results.pop(statement.id, None)
            elif statement.id in self._open_results:
                self._open_results.move_to_end(statement.id)
        return response

    def _cancel_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        statement = self._find(params)
        with statement.lock:
            if not statement.running or statement.cancelled:
                raise validation_error(
                    f"Could not cancel a query that is already in {statement.status} state"
                    f" with ID: {statement.id}"
                )
            statement.cancelled = True
            statement.running_describes_left = 0
            if statement.done.is_set():
                abort_statement(statement)
        with self._lock:
            self._open_results.pop(statement.id, None)
        return {"Status": True}

    def _find(self, params: dict[str, Any]) -> Statement:
        statement_id = params.get("Id")
        if not isinstance(statement_id, str) or not _STATEMENT_ID.match(statement_id):
            raise validation_error(f"id must satisfy regex pattern: {_STATEMENT_ID.pattern}")
        with self._lock:
            statement = self._statements.get(statement_id)
        if statement is None:
            raise LocalServiceError("ResourceNotFoundException", "Query does not exist.")
        return statement
