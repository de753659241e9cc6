"""The local Data API's statements and results: Redshift type names, ColumnMetadata, typed
Field records and the spooled results that pages are served from (see ``redshift_data``)."""

from __future__ import annotations

import marshal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg

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
NATIVELY_LOADED = frozenset({"int2", "int4", "int8", "float4", "float8", "bool"})
"""Types whose psycopg values (int, float, bool) are already what the Field carries; every
other type is read as the text PostgreSQL prints."""


def _redshift_type(type_name: str) -> _RedshiftType:
    """Redshift's name for a PostgreSQL type; others keep their name and travel as text."""
    return _REDSHIFT_TYPES.get(type_name) or _RedshiftType(type_name, "stringValue")


# --- Results ----------------------------------------------------------------------------------


@dataclass
class Column:
    kind: str
    metadata: dict[str, Any]


class Result(Protocol):
    columns: list[Column]
    total_rows: int

    def rows(self, offset: int, limit: int) -> Sequence[Sequence[Any]]: ...

    def close(self) -> None: ...


class SpooledResult:
    """A query's rows, read once from PostgreSQL and spooled to a temporary file.

    One ``marshal`` record per page of ``page_rows`` rows (marshal reads back several times
    faster than JSON, and the file is our own); the real service likewise stores a finished
    statement's result and serves the pages from there. Only the page being read is in
    Python memory, and the PostgreSQL connection is closed as soon as the statement has run.
    """

    def __init__(self, columns: list[Column], page_rows: int) -> None:
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

    def pages(self) -> Iterator[list[Sequence[Any]]]:
        """The pages appended so far, read back in order."""
        for offset in range(0, self.total_rows, self._page_rows):
            yield self.rows(offset, self._page_rows)

    def close(self) -> None:
        self._file.close()


class MemoryResult:
    """Rows of a non-SELECT statement that returned some (SHOW, ... RETURNING)."""

    def __init__(self, columns: list[Column], rows: list[tuple[Any, ...]]) -> None:
        self.columns = columns
        self.total_rows = len(rows)
        self._rows = rows

    def rows(self, offset: int, limit: int) -> list[tuple[Any, ...]]:
        return self._rows[offset : offset + limit]

    def close(self) -> None:
        self._rows = []


def field_records(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Typed Field records, built column by column (this runs for every value of every page:
    the benchmarks' hot path; a dict display in a comprehension builds each Field about a
    third faster than ``map(dict.fromkeys, ...)``)."""
    if not rows:
        return []
    fields = []
    for column, values in zip(columns, zip(*rows, strict=True), strict=True):
        kind = column.kind
        if None in values:
            fields.append([{"isNull": True} if v is None else {kind: v} for v in values])
        else:
            fields.append([{kind: v} for v in values])
    return list(map(list, zip(*fields, strict=True)))


# --- Statements -------------------------------------------------------------------------------


@dataclass
class Statement:
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
    result: Result | None = None
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


def fail_statement(statement: Statement, error: str) -> None:
    statement.status = "FAILED"
    statement.error = error


def finish_statement(statement: Statement, result: Result, result_bytes: int) -> None:
    statement.status = "FINISHED"
    statement.has_result_set = True
    statement.result = result
    statement.result_rows = result.total_rows
    statement.result_size = result_bytes


def abort_statement(statement: Statement) -> None:
    """Called with statement.lock held, once the statement has stopped running."""
    statement.status = "ABORTED"
    statement.error = "Query cancelled on user's request."
    statement.has_result_set = False
    statement.updated_at = datetime.now(UTC)
    release_result(statement, "the statement was cancelled")


def release_result(statement: Statement, reason: str) -> None:
    """Called with statement.lock held."""
    if statement.result is not None:
        statement.result.close()
        statement.result = None
        statement.result_released = reason


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


def column_metadata(
    connection: psycopg.Connection[Any],
    result: psycopg.RawCursor[Any] | psycopg.RawServerCursor[Any],
) -> list[Column]:
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
        columns.append(Column(redshift.field, metadata))
    return columns


def error_text(error: psycopg.Error) -> str:
    """The database's message in Redshift's style ("ERROR: ..."), without SQL context lines."""
    primary = error.diag.message_primary
    if primary:
        return f"{error.diag.severity or 'ERROR'}: {primary}"
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
