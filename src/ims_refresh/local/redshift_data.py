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
  "Database response exceeded size limit", like the real service's 100 MB limit.
* ``:name`` placeholders are bound only when ``Parameters`` are given, as PostgreSQL ``$n``
  parameters typed ``unknown``, so PostgreSQL converts them by context as Redshift does.
  Placeholders inside quotes, quoted identifiers, dollar quotes and comments are left alone,
  and so are ``::`` casts.
* Not implemented: BatchExecuteStatement, ListStatements, sessions (SessionId), CSV results,
  the 64 KB row limit, statement names, events.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import marshal
import re
import tempfile
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from operator import is_, itemgetter
from typing import Any, Protocol

import psycopg
import psycopg.postgres
from psycopg.types.string import TextLoader

from ims_refresh.local.routing import LocalServiceError

MAX_SQL_BYTES = 100_000
"""AWS: "Maximum query statement size: 100 KB"; the smaller reading of KB, in UTF-8 bytes."""

DEFAULT_MAX_RESULT_BYTES = 100 * 1024 * 1024
"""The Data API quota "maximum query result size" of 100 MB per statement."""

SESSION_OPTIONS = "-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres"
"""Redshift sessions print timestamps in UTC and ISO style; so must ours."""

_STATEMENT_ID = re.compile(r"^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$")
_PARAMETER_NAME = re.compile(r"[0-9A-Za-z_]+")
_PLAIN_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<comment>--[^\n]*)|(?P<other>::)|(?P<placeholder>:[0-9A-Za-z_]+)"
    r"|(?P<word>\w[\w$]*)"
)
_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_QUERY_KEYWORDS = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})
_RESULT_TOO_LARGE = "ERROR: Database response exceeded size limit"
_NO_RESULT_MESSAGE = "Query does not have result. Please check query status with DescribeStatement."


# --- Redshift types -------------------------------------------------------------------------


@dataclass(frozen=True)
class _RedshiftType:
    """How a column type appears in ColumnMetadata and which Field member carries it."""

    name: str
    field: str
    precision: int = 0
    scale: int = 0
    signed: bool = False
    case_sensitive: bool = False
    sized_text: bool = False  # precision and length are the declared character length


_REDSHIFT_TYPES = {
    "int2": _RedshiftType("int2", "longValue", precision=5, signed=True),
    "int4": _RedshiftType("int4", "longValue", precision=10, signed=True),
    "int8": _RedshiftType("int8", "longValue", precision=19, signed=True),
    "numeric": _RedshiftType("numeric", "stringValue", signed=True),
    "float4": _RedshiftType("float4", "doubleValue", precision=8, scale=8, signed=True),
    "float8": _RedshiftType("float8", "doubleValue", precision=17, scale=17, signed=True),
    "bool": _RedshiftType("bool", "booleanValue", precision=1),
    "varchar": _RedshiftType("varchar", "stringValue", case_sensitive=True, sized_text=True),
    "bpchar": _RedshiftType("bpchar", "stringValue", case_sensitive=True, sized_text=True),
    "text": _RedshiftType("text", "stringValue", case_sensitive=True),
    "date": _RedshiftType("date", "stringValue", precision=13),
    "timestamp": _RedshiftType("timestamp", "stringValue", precision=29, scale=6),
    "timestamptz": _RedshiftType("timestamptz", "stringValue", precision=35, scale=6),
}
_NATIVELY_LOADED = frozenset({"int2", "int4", "int8", "float4", "float8", "bool"})
"""Types whose psycopg values (int, float, bool) are already what the Field carries; every
other type is read as the text PostgreSQL prints."""


def _redshift_type(type_name: str) -> _RedshiftType:
    """Redshift's name for a PostgreSQL type; others keep their name and travel as text."""
    return _REDSHIFT_TYPES.get(type_name) or _RedshiftType(type_name, "stringValue")


# --- Results ----------------------------------------------------------------------------------


@dataclass
class _Column:
    kind: str
    metadata: dict[str, Any]


class _Result(Protocol):
    columns: list[_Column]
    total_rows: int

    def rows(self, offset: int, limit: int) -> Sequence[Sequence[Any]]: ...

    def close(self) -> None: ...


class _SpooledResult:
    """A query's rows, read once from PostgreSQL and spooled to a temporary file.

    One ``marshal`` record per page of ``page_rows`` rows (marshal reads back several times
    faster than JSON, and the file is our own); the real service likewise stores a finished
    statement's result and serves the pages from there. Only the page being read is in
    Python memory, and the PostgreSQL connection is closed as soon as the statement has run.
    """

    def __init__(self, columns: list[_Column], page_rows: int) -> None:
        self.columns = columns
        self.total_rows = 0
        self._page_rows = page_rows
        self._file = tempfile.TemporaryFile(prefix="ims-local-data-api-")  # noqa: SIM115 - close()
        self._pages: list[tuple[int, int]] = []  # (position in the file, bytes)
        self._end = 0

    def append(self, rows: list[tuple[Any, ...]]) -> None:
        """Add the next page: ``page_rows`` rows (fewer only for the last one)."""
        page = marshal.dumps(rows)
        self._file.write(page)
        self._pages.append((self._end, len(page)))
        self._end += len(page)
        self.total_rows += len(rows)

    def rows(self, offset: int, limit: int) -> list[Sequence[Any]]:
        page, skip = divmod(offset, self._page_rows)
        rows: list[Sequence[Any]] = []
        while len(rows) < limit and page < len(self._pages):
            position, size = self._pages[page]
            self._file.seek(position)
            stored = marshal.loads(self._file.read(size))  # noqa: S302 - our own file
            rows.extend(stored[skip : skip + limit - len(rows)])
            page, skip = page + 1, 0
        return rows

    def close(self) -> None:
        self._file.close()


class _MemoryResult:
    """Rows of a non-SELECT statement that returned some (SHOW, ... RETURNING)."""

    def __init__(self, columns: list[_Column], rows: list[tuple[Any, ...]]) -> None:
        self.columns = columns
        self.total_rows = len(rows)
        self._rows = rows

    def rows(self, offset: int, limit: int) -> list[tuple[Any, ...]]:
        return self._rows[offset : offset + limit]

    def close(self) -> None:
        self._rows = []


_NULL_FIELD = {"isNull": True}


def _records(columns: Sequence[_Column], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Typed Field records, built column by column so that the per-value work stays in C
    (this runs for every value of every page: the benchmarks' hot path)."""
    if not rows:
        return []
    fields = []
    for column, values in zip(columns, zip(*rows, strict=True), strict=True):
        column_fields: list[Any] = list(map(dict.fromkeys, repeat((column.kind,)), values))
        if None in values:
            nulls = itertools.compress(itertools.count(), map(is_, values, repeat(None)))
            null_fields = map(dict.copy, repeat(_NULL_FIELD))
            deque(map(column_fields.__setitem__, nulls, null_fields), maxlen=0)
        fields.append(column_fields)
    return list(map(list, zip(*fields, strict=True)))


def _json_bytes(columns: Sequence[_Column], rows: Sequence[Sequence[Any]]) -> int:
    """The UTF-8 size of ``json.dumps(_records(columns, rows), ensure_ascii=False)``.

    Computed without building the records (the size check reads every row of every
    result): the rows' own JSON has the same brackets and separators, and each field adds a
    fixed wrapper around its value - ``{"<kind>": v}`` is ``len(kind) + 6`` bytes longer than
    ``v``; ``{"isNull": true}`` is 12 bytes longer than ``null``.
    """
    size = len(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    count = len(rows)
    for index, column in enumerate(columns):
        nulls = list(map(itemgetter(index), rows)).count(None)
        size += nulls * 12 + (count - nulls) * (len(column.kind) + 6)
    return size


# --- Statements -------------------------------------------------------------------------------


@dataclass
class _Statement:
    id: str
    target: dict[str, str]
    query_string: str
    parameters: list[dict[str, str]] | None
    created_at: datetime
    running_describes_left: int
    status: str = "SUBMITTED"
    error: str | None = None
    has_result_set: bool = False
    result_rows: int = -1
    result_size: int = -1
    duration_ns: int = -1
    redshift_pid: int = 0
    redshift_query_id: int = 0
    updated_at: datetime | None = None
    result: _Result | None = None
    result_released: str | None = None
    cancelled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    """Set by the worker once the fields above hold the outcome."""

    @property
    def running(self) -> bool:
        return self.running_describes_left > 0 or not self.done.is_set()

    def description(self) -> dict[str, Any]:
        description: dict[str, Any] = {
            "Id": self.id,
            **self.target,
            "QueryString": self.query_string,
            "CreatedAt": self.created_at,
            "ResultFormat": "JSON",
        }
        if self.parameters:
            description["QueryParameters"] = self.parameters
        if self.running:
            return description | {
                "Status": "STARTED",
                "UpdatedAt": self.created_at,
                "HasResultSet": False,
                "ResultRows": -1,
                "ResultSize": -1,
                "Duration": -1,
                "RedshiftPid": self.redshift_pid,
                "RedshiftQueryId": 0,
            }
        description |= {
            "Status": self.status,
            "UpdatedAt": self.updated_at or self.created_at,
            "HasResultSet": self.has_result_set,
            "ResultRows": self.result_rows,
            "ResultSize": self.result_size,
            "Duration": self.duration_ns,
            "RedshiftPid": self.redshift_pid,
            "RedshiftQueryId": self.redshift_query_id,
        }
        if self.error is not None:
            description["Error"] = self.error
        return description


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
        self._statements: dict[str, _Statement] = {}
        self._open_results: OrderedDict[str, _Statement] = OrderedDict()
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
                _release(statement, "the local Data API was closed")

    def __enter__(self) -> PostgresDataApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _execute_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._throttled_executions > 0:
                self._throttled_executions -= 1
                raise LocalServiceError("ThrottlingException", "Rate exceeded")
        target = _target(params)
        sql = params.get("Sql")
        if not isinstance(sql, str) or not sql.strip():
            raise _validation("Sql must be a non-empty string.")
        if len(sql.encode("utf-8")) > MAX_SQL_BYTES:
            raise _validation("Cannot process query string larger than 100kB")
        if params.get("ResultFormat", "JSON") != "JSON":
            raise _validation("The local Redshift Data API returns JSON results only.")
        parameters = params.get("Parameters")
        query, values = _bind_parameters(sql, parameters)
        with self._lock:
            held = self._held_describes
            self._held_describes = None
            query_id = next(self._query_ids)
        statement = _Statement(
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

    def _run_in_background(self, statement: _Statement, query: str, values: list[str]) -> None:
        try:
            self._run(statement, query, values)
        except Exception as error:  # a bug here must not leave the statement running forever
            _fail(statement, f"ERROR: local Data API internal error ({type(error).__name__})")
        with statement.lock:
            if statement.cancelled:
                _abort(statement)
            statement.done.set()
        with self._lock:
            evicted = self._remember_open_result(statement)
        for old in evicted:
            with old.lock:
                _release(old, "it was the least recently read of too many unread results")

    def _remember_open_result(self, statement: _Statement) -> list[_Statement]:
        """Called with self._lock held; returns the statements whose results must go."""
        if statement.result is None:
            return []
        self._open_results[statement.id] = statement
        evicted = []
        while len(self._open_results) > self._max_open_results:
            _, oldest = self._open_results.popitem(last=False)
            evicted.append(oldest)
        return evicted

    def _run(self, statement: _Statement, query: str, values: list[str]) -> None:
        started = time.perf_counter_ns()
        if _first_keyword(query) in _QUERY_KEYWORDS:
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
            if info.name not in _NATIVELY_LOADED:
                connection.adapters.register_loader(info.oid, TextLoader)
            if info.array_oid:
                connection.adapters.register_loader(info.array_oid, TextLoader)
        return connection

    def _run_query(self, statement: _Statement, query: str, values: list[str]) -> None:
        """Run the query through a server-side cursor, counting rows and result bytes and
        spooling the pages to a temporary file; the connection closes when it has run."""
        try:
            connection = self._connect(autocommit=False)
        except psycopg.Error as error:
            _fail(statement, _error_text(error))
            return
        result: _SpooledResult | None = None
        finished = False
        try:
            with connection:
                statement.redshift_pid = connection.info.backend_pid
                cursor = psycopg.RawServerCursor(connection, "result")
                cursor.execute(query, values or None)
                result = _SpooledResult(_columns(connection, cursor), self._page_rows)
                total_bytes = 0
                while rows := cursor.fetchmany(self._page_rows):
                    total_bytes += _json_bytes(result.columns, rows)
                    if total_bytes > self._max_result_bytes:
                        _fail(statement, _RESULT_TOO_LARGE)
                        return
                    result.append(rows)
            _finish(statement, result, total_bytes)
            finished = True
        except psycopg.Error as error:
            _fail(statement, _error_text(error))
        finally:
            if result is not None and not finished:
                result.close()

    def _run_command(self, statement: _Statement, query: str, values: list[str]) -> None:
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
                columns = _columns(connection, cursor)
                rows = cursor.fetchall()
        except psycopg.Error as error:
            _fail(statement, _error_text(error))
            return
        total_bytes = _json_bytes(columns, rows)
        if total_bytes > self._max_result_bytes:
            _fail(statement, _RESULT_TOO_LARGE)
            return
        _finish(statement, _MemoryResult(columns, rows), total_bytes)

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
            offset = _offset_from_token(statement.id, params.get("NextToken"))
            try:
                rows = result.rows(offset, self._page_rows)
            except psycopg.Error as error:
                raise LocalServiceError(
                    "InternalServerException", _error_text(error), status_code=500
                ) from error
            response: dict[str, Any] = {
                "Records": _records(result.columns, rows),
                "ColumnMetadata": [column.metadata for column in result.columns],
                "TotalNumRows": result.total_rows,
            }
            next_offset = offset + len(rows)
            if next_offset < result.total_rows:
                response["NextToken"] = _token(statement.id, next_offset)
            else:
                _release(statement, "its last page was already read")
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
                raise _validation(
                    f"Could not cancel a query that is already in {statement.status} state"
                    f" with ID: {statement.id}"
                )
            statement.cancelled = True
            statement.running_describes_left = 0
            if statement.done.is_set():
                _abort(statement)
        with self._lock:
            self._open_results.pop(statement.id, None)
        return {"Status": True}

    def _find(self, params: dict[str, Any]) -> _Statement:
        statement_id = params.get("Id")
        if not isinstance(statement_id, str) or not _STATEMENT_ID.match(statement_id):
            raise _validation(f"id must satisfy regex pattern: {_STATEMENT_ID.pattern}")
        with self._lock:
            statement = self._statements.get(statement_id)
        if statement is None:
            raise LocalServiceError("ResourceNotFoundException", "Query does not exist.")
        return statement


def _validation(message: str) -> LocalServiceError:
    return LocalServiceError("ValidationException", message)


def _target(params: Mapping[str, Any]) -> dict[str, str]:
    """The statement's database and credentials, validated as AWS does."""
    if not params.get("Database"):
        raise _validation("Database is required.")
    if bool(params.get("ClusterIdentifier")) == bool(params.get("WorkgroupName")):
        raise _validation("Specify either ClusterIdentifier or WorkgroupName, but not both.")
    if params.get("SecretArn") and params.get("DbUser"):
        raise _validation("SecretArn and DbUser cannot be specified together.")
    if params.get("WorkgroupName") and params.get("DbUser"):
        raise _validation("DbUser is not supported with WorkgroupName.")
    names = ("ClusterIdentifier", "WorkgroupName", "Database", "DbUser", "SecretArn")
    return {name: str(params[name]) for name in names if params.get(name)}


def _fail(statement: _Statement, error: str) -> None:
    statement.status = "FAILED"
    statement.error = error


def _finish(statement: _Statement, result: _Result, result_bytes: int) -> None:
    statement.status = "FINISHED"
    statement.has_result_set = True
    statement.result = result
    statement.result_rows = result.total_rows
    statement.result_size = result_bytes


def _abort(statement: _Statement) -> None:
    """Called with statement.lock held, once the statement has stopped running."""
    statement.status = "ABORTED"
    statement.error = "Query cancelled on user's request."
    statement.has_result_set = False
    statement.updated_at = datetime.now(UTC)
    _release(statement, "the statement was cancelled")


def _release(statement: _Statement, reason: str) -> None:
    """Called with statement.lock held."""
    if statement.result is not None:
        statement.result.close()
        statement.result = None
        statement.result_released = reason


def _error_text(error: psycopg.Error) -> str:
    """The database's message in Redshift's style ("ERROR: ..."), without SQL context lines."""
    primary = error.diag.message_primary
    if primary:
        return f"{error.diag.severity or 'ERROR'}: {primary}"
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _token(statement_id: str, offset: int) -> str:
    raw = json.dumps({"id": statement_id, "offset": offset}).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _offset_from_token(statement_id: str, token: Any) -> int:
    if token is None:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(str(token).encode("ascii")))
        offset = decoded["offset"] if decoded["id"] == statement_id else None
    except (binascii.Error, UnicodeError, ValueError, KeyError, TypeError):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise _validation("Invalid NextToken.")
    return offset


# --- Column metadata --------------------------------------------------------------------------


_TABLE_COLUMNS_SQL = """
SELECT a.attrelid::int8, a.attnum::int8, n.nspname, c.relname, a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute AS a
JOIN pg_class AS c ON c.oid = a.attrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0
"""
_TYPE_NAMES_SQL = "SELECT oid::int8, typname FROM pg_type WHERE oid = ANY($1::oid[])"


def _columns(
    connection: psycopg.Connection[Any],
    result: psycopg.RawCursor[Any] | psycopg.RawServerCursor[Any],
) -> list[_Column]:
    """ColumnMetadata as Redshift reports it; table columns bring schema, table, nullability."""
    description, pgresult = result.description or [], result.pgresult
    sources = [
        (pgresult.ftable(i), pgresult.ftablecol(i)) if pgresult else (0, 0)
        for i in range(len(description))
    ]
    table_oids = sorted({table for table, _ in sources if table})
    type_oids = {column.type_code for column in description}
    # psycopg also finds a builtin type by its array's oid; only exact matches count here.
    type_names = {
        oid: info.name
        for oid in type_oids
        if (info := psycopg.postgres.types.get(oid)) is not None and info.oid == oid
    }
    other_type_oids = sorted(type_oids - type_names.keys())
    table_columns: dict[tuple[int, int], tuple[str, str, bool, str | None]] = {}
    with psycopg.RawCursor(connection) as cursor:
        if table_oids:
            cursor.execute(_TABLE_COLUMNS_SQL, [table_oids])
            for table, number, schema, name, not_null, default in cursor.fetchall():
                table_columns[(int(table), int(number))] = (schema, name, not_null, default)
        if other_type_oids:
            cursor.execute(_TYPE_NAMES_SQL, [other_type_oids])
            type_names.update((int(oid), name) for oid, name in cursor.fetchall())
    columns = []
    for column, source in zip(description, sources, strict=True):
        redshift = _redshift_type(type_names.get(column.type_code, "unknown"))
        schema, table, not_null, default = table_columns.get(source, ("", "", False, None))
        precision, scale, length = redshift.precision, redshift.scale, 0
        if redshift.sized_text:
            precision = length = column.display_size or 0
        elif redshift.name == "numeric":
            precision, scale = column.precision or 0, column.scale or 0
        metadata: dict[str, Any] = {
            "name": column.name,
            "label": column.name,
            "typeName": redshift.name,
            "precision": precision,
            "scale": scale,
            "length": length,
            "nullable": 0 if not_null else 1,
            "isSigned": redshift.signed,
            "isCaseSensitive": redshift.case_sensitive,
            "isCurrency": False,
            "schemaName": schema,
            "tableName": table,
        }
        if default is not None:
            metadata["columnDefault"] = default
        columns.append(_Column(redshift.field, metadata))
    return columns


# --- SQL text ---------------------------------------------------------------------------------


def _bind_parameters(
    sql: str, parameters: Sequence[Mapping[str, Any]] | None
) -> tuple[str, list[str]]:
    """Replace ``:name`` placeholders by ``$n``; return the query and the values in order.

    Without parameters the SQL runs as written. Every placeholder needs a parameter and
    every parameter a placeholder, else ValidationException.
    """
    if parameters is None:
        return sql, []
    if not parameters:
        raise _validation("Parameters must hold at least one parameter.")
    values_by_name: dict[str, str] = {}
    for parameter in parameters:
        name, value = parameter.get("name"), parameter.get("value")
        if not isinstance(name, str) or not _PARAMETER_NAME.fullmatch(name):
            raise _validation("Parameter names must match [0-9a-zA-Z_]+.")
        if not isinstance(value, str) or not value:
            raise _validation(f"Parameter {name} must have a non-empty string value.")
        if name in values_by_name:
            raise _validation(f"Parameter {name} is given more than once.")
        values_by_name[name] = value
    positions: dict[str, int] = {}

    def placeholder(name: str) -> str:
        if name not in values_by_name:
            raise _validation(f"The SQL uses :{name} but no parameter {name} was given.")
        return f"${positions.setdefault(name, len(positions) + 1)}"

    query = _replace_placeholders(sql, placeholder)
    unused = sorted(values_by_name.keys() - positions.keys())
    if unused:
        raise _validation(f"Parameters not used in the SQL: {', '.join(unused)}.")
    return query, [values_by_name[name] for name in positions]


def _replace_placeholders(sql: str, placeholder: Callable[[str], str]) -> str:
    return "".join(
        placeholder(sql[start + 1 : end]) if kind == "placeholder" else sql[start:end]
        for kind, start, end in _tokens(sql)
    )


def _first_keyword(sql: str) -> str:
    for kind, start, end in _tokens(sql):
        if kind == "word":
            return sql[start:end].upper()
        if kind not in ("space", "comment") and sql[start:end] != "(":
            return ""
    return ""


def _tokens(sql: str) -> Iterator[tuple[str, int, int]]:
    """Split SQL into (kind, start, end) tokens as PostgreSQL's lexer sees quoting.

    Kinds: space, comment, string, identifier (quoted), word, placeholder (``:name``) and
    other; a ``::`` cast is one "other" token. Unterminated quotes or comments run to the end.
    """
    position = 0
    while position < len(sql):
        kind, end = _token_at(sql, position)
        yield kind, position, end
        position = end


def _token_at(sql: str, position: int) -> tuple[str, int]:
    if plain := _PLAIN_TOKEN.match(sql, position):
        kind, end = plain.lastgroup or "other", plain.end()
        if kind == "word" and plain.group() in ("E", "e") and sql.startswith("'", end):
            return "string", _end_of_quoted(sql, end, "'", backslash_escapes=True)
        return kind, end
    if sql.startswith("/*", position):
        return "comment", _end_of_block_comment(sql, position)
    quote = sql[position]
    if quote in "'\"":
        kind = "string" if quote == "'" else "identifier"
        return kind, _end_of_quoted(sql, position, quote, backslash_escapes=False)
    if tag := _DOLLAR_QUOTE.match(sql, position):
        closing = sql.find(tag.group(), tag.end())
        return "string", len(sql) if closing < 0 else closing + len(tag.group())
    return "other", position + 1


def _end_of_quoted(sql: str, start: int, quote: str, *, backslash_escapes: bool) -> int:
    position = start + 1
    while position < len(sql):
        char = sql[position]
        if backslash_escapes and char == "\\":
            position += 2
        elif char == quote and sql.startswith(quote, position + 1):
            position += 2  # a doubled quote stands for itself
        elif char == quote:
            return position + 1
        else:
            position += 1
    return len(sql)


def _end_of_block_comment(sql: str, start: int) -> int:
    # PostgreSQL block comments nest.
    depth, position = 0, start
    while position < len(sql):
        if sql.startswith("/*", position):
            depth, position = depth + 1, position + 2
        elif sql.startswith("*/", position):
            depth, position = depth - 1, position + 2
            if depth == 0:
                return position
        else:
            position += 1
    return len(sql)
