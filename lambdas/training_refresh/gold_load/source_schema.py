"""Schema drift, checked by the gold load's plan before anything is written (issue 15).

The plan reads the source tables' columns through the Data API (``information_schema.
columns``, which Redshift and PostgreSQL both have) and:

- lists, as a *notice* of the plan and the run report, every source column that the
  table's extraction SQL does not name at all: a column added at the source that nobody
  classified yet (columns the SQL reads without copying, such as the CDC table's
  ``cdc_operation``, are named by it and not listed);
- refuses the load (``SourceSchemaError``, nothing written) when an extracted column is
  gone from the source, or when a *kept* column's source type no longer fits its MySQL
  column: text declared longer than the MySQL column, a number with more digits (before
  or after the point) or a wider integer than it holds, or another kind of value (text
  into a number column, a timestamp into a date...). A source type without a declared
  length or precision (PostgreSQL ``text``, a view's computed column) is only compared by
  kind: strict SQL mode still fails a chunk whose value does not fit. Masked columns are
  written by the anonymizer and not compared.

The MySQL side is the live gold copy's columns (``information_schema.COLUMNS``) when the
plan is connected and the table exists, else the layout the code ships
(``sql/mysql/<table>.sql``; a preview never connects). A source table the warehouse's
``information_schema`` does not show (no privilege, a late-binding view) is not compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from training_refresh.adapters.data_api import Warehouse
from training_refresh.adapters.mysql import Connection, translated_errors
from training_refresh.errors import SourceSchemaError
from training_refresh.table_groups import TableGroup, TableSpec

_SOURCE_COLUMNS_SQL = (
    "SELECT CAST(table_schema AS VARCHAR(128)), CAST(table_name AS VARCHAR(128)), "
    "CAST(column_name AS VARCHAR(128)), CAST(data_type AS VARCHAR(128)), "
    "CAST(character_maximum_length AS INTEGER), CAST(numeric_precision AS INTEGER), "
    "CAST(numeric_scale AS INTEGER) FROM information_schema.columns "
    "WHERE table_schema IN ({schemas}) AND table_name IN ({tables}) "
    "ORDER BY 1, 2, CAST(ordinal_position AS INTEGER)"
)
"""The information_schema views' own types (sql_identifier, cardinal_number) are cast to
the plain types the Data API returns as text and numbers."""
_MYSQL_COLUMNS_SQL = (
    "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
    "NUMERIC_SCALE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
    "AND TABLE_NAME IN ({placeholders})"
)
_DDL_COLUMN = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s+([A-Z]+)(?:\((\d+)(?:\s*,\s*(\d+))?\))?")
_DDL_KEYWORDS = frozenset({"CREATE", "PRIMARY", "KEY", "UNIQUE", "INDEX", "CONSTRAINT"})
_WORD = re.compile(r"[a-z_][a-z0-9_]*")

_TEXT = frozenset(
    {"character varying", "character", "varchar", "char", "bpchar", "text", "nvarchar", "nchar"}
)
_MYSQL_TEXT = frozenset({"varchar", "char", "tinytext", "text", "mediumtext", "longtext"})
_INTEGER_BITS = {"smallint": 16, "int2": 16, "integer": 32, "int": 32, "int4": 32,
                 "bigint": 64, "int8": 64}  # fmt: skip
_MYSQL_INTEGER_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "bigint": 64}
_INTEGER_DIGITS = {16: 5, 32: 10, 64: 19}
_KINDS = {
    "date": ("date", frozenset({"date", "datetime", "timestamp"})),
    "timestamp without time zone": ("timestamp", frozenset({"datetime", "timestamp"})),
    "timestamp": ("timestamp", frozenset({"datetime", "timestamp"})),
    "boolean": ("boolean", frozenset({"tinyint", "bit"})),
}


@dataclass(frozen=True)
class ColumnType:
    """A column's type as ``information_schema`` gives it (lower-case name)."""

    name: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None

    def __str__(self) -> str:
        if self.length is not None:
            return f"{self.name}({self.length})"
        if self.precision is not None and self.name in {"numeric", "decimal"}:
            return f"{self.name}({self.precision},{self.scale or 0})"
        return self.name


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def source_columns(
    warehouse: Warehouse, specs: Sequence[TableSpec]
) -> dict[str, dict[str, ColumnType]]:
    """``schema.table`` -> column -> type, of the sources of ``specs`` the warehouse shows."""
    sources = sorted({spec.source for spec in specs})
    if not sources:
        return {}
    schemas = ", ".join(sorted({f"'{s.split('.')[0]}'" for s in sources}))
    tables = ", ".join(sorted({f"'{s.split('.')[1]}'" for s in sources}))
    sql = _SOURCE_COLUMNS_SQL.replace("{schemas}", schemas).replace("{tables}", tables)
    found: dict[str, dict[str, ColumnType]] = {}
    for page in warehouse.query(sql):
        for schema, table, column, kind, length, precision, scale in page.rows:
            if f"{schema}.{table}" in sources:
                found.setdefault(f"{schema}.{table}", {})[str(column)] = ColumnType(
                    str(kind).lower(), _int(length), _int(precision), _int(scale)
                )
    return found


def mysql_columns(
    connection: Connection | None, specs: Sequence[TableSpec]
) -> dict[str, dict[str, ColumnType]]:
    """Gold copy -> MYSQL column -> type: live where it exists, else the shipped layout."""
    live: dict[str, dict[str, ColumnType]] = {}
    if connection is not None and specs:
        gold = [spec.gold_table for spec in specs]
        sql = _MYSQL_COLUMNS_SQL.replace("{placeholders}", ", ".join(["%s"] * len(gold)))
        with connection.cursor() as cursor, translated_errors("reading the gold copies' columns"):
            cursor.execute(sql, gold)
            for table, column, kind, length, precision, scale in cursor.fetchall():
                live.setdefault(str(table), {})[str(column).upper()] = ColumnType(
                    str(kind).lower(), _int(length), _int(precision), _int(scale)
                )
    return {spec.gold_table: live.get(spec.gold_table) or shipped_layout(spec) for spec in specs}


def shipped_layout(spec: TableSpec) -> dict[str, ColumnType]:
    """The MySQL columns of ``sql/mysql/<table>.sql`` (the layout a local run creates)."""
    layout: dict[str, ColumnType] = {}
    for line in spec.mysql_ddl(spec.gold_table).splitlines():
        match = _DDL_COLUMN.match(line)
        if match is None or match.group(1) in _DDL_KEYWORDS:
            continue
        column, kind, first, second = match.groups()
        name = kind.lower()
        if name in _MYSQL_TEXT:
            layout[column] = ColumnType(name, length=_int(first))
        elif name == "decimal":
            layout[column] = ColumnType(name, precision=_int(first), scale=_int(second) or 0)
        else:
            layout[column] = ColumnType(name)
    return layout


def misfit(source: ColumnType, target: ColumnType) -> bool:
    """Whether every value of ``source`` does not surely fit ``target``."""
    if source.name in _TEXT:
        return _text_misfit(source, target)
    if source.name in _INTEGER_BITS or source.name in {"numeric", "decimal"}:
        return _number_misfit(source, target)
    kind = _KINDS.get(source.name)
    if kind is not None:
        return target.name not in kind[1]
    return source.name != target.name


def _text_misfit(source: ColumnType, target: ColumnType) -> bool:
    if target.name not in _MYSQL_TEXT:
        return True
    if source.length is None or target.length is None:
        # No declared length (PostgreSQL text, a view's computed column): nothing to
        # compare; strict SQL mode still fails a chunk whose value does not fit.
        return False
    return target.length < source.length


def _number_misfit(source: ColumnType, target: ColumnType) -> bool:
    if source.name in _INTEGER_BITS:
        bits = _INTEGER_BITS[source.name]
        if target.name in _MYSQL_INTEGER_BITS:
            return _MYSQL_INTEGER_BITS[target.name] < bits
        return not _decimal_holds(target, _INTEGER_DIGITS[bits], 0)
    if source.precision is None:  # numeric without a declared precision: see above
        return target.name != "decimal" and target.name not in _MYSQL_INTEGER_BITS
    scale = source.scale or 0
    return not _decimal_holds(target, source.precision - scale, scale)


def _decimal_holds(target: ColumnType, integer_digits: int, scale: int) -> bool:
    if target.name != "decimal" or target.precision is None:
        return False
    target_scale = target.scale or 0
    return target_scale >= scale and target.precision - target_scale >= integer_digits


@dataclass(frozen=True)
class SchemaCheck:
    """What the plan found: notices of columns not extracted, refusals of kept columns."""

    notices: list[str]
    refusals: list[str]

    def raise_refusals(self) -> None:
        if self.refusals:
            raise SourceSchemaError(
                "kept column(s) no longer fit their MySQL column, so nothing was written: "
                + "; ".join(self.refusals)
                + " (widen the MySQL column and its sql/mysql layout, or mask the column)"
            )


def check_schema(
    groups: Iterable[TableGroup],
    source: Mapping[str, Mapping[str, ColumnType]],
    mysql: Mapping[str, Mapping[str, ColumnType]],
) -> SchemaCheck:
    notices: list[str] = []
    refusals: list[str] = []
    for group in groups:
        for spec in group.tables:
            columns = source.get(spec.source)
            if not columns:
                continue
            named = set(_WORD.findall(spec.extraction_sql_template().lower()))
            unread = [column for column in columns if column not in named]
            if unread:
                notices.append(
                    f"{spec.source} has column(s) the configs do not extract: "
                    f"{', '.join(unread)} (schema drift: extract them with a treatment, or "
                    "leave them out knowingly)"
                )
            target = mysql.get(spec.gold_table, {})
            gone = [column for column in spec.columns if column not in columns]
            if gone:
                refusals.append(f"{spec.source} has no column {', '.join(gone)} any more")
            for column in spec.kept_columns:
                have, want = columns.get(column), target.get(column.upper())
                if have is not None and want is not None and misfit(have, want):
                    refusals.append(
                        f"{spec.source}.{column} is {have} at the source but "
                        f"{spec.gold_table}.{column.upper()} is {want}"
                    )
    return SchemaCheck(notices=notices, refusals=refusals)
