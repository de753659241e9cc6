"""Replace a chunk of customers' rows in a gold load's build tables.

A gold load never writes a live gold copy: it merges into its build tables (``build``:
server-side copies of the live gold copies, published at the end of the run). ``into``
names the table each gold copy's rows go to (live gold copy name -> build table name).

One transaction per chunk and config: the customers' existing rows are deleted and
their freshly extracted rows inserted, so a chunk is either fully replaced or untouched.
Where a table's primary key does not hold the customer number (IMS_ORDER, IMS_AUTH), a
key can move to another customer (an account merge, design §3.2): before each batch is
inserted, the gold rows with its keys are deleted too. The customers' own rows are gone
by then, so what that deletes is another customer's row: counted in
``rows_changed_owner``, and replaced by the incoming row.
That makes the load additive across runs (other customers are never touched) and a
retried chunk idempotent: it simply replaces the chunk again in the build table.
An INSERT that MySQL refuses for its rows' values fails the chunk with the keys of the
refused rows (``refused_rows``); the chunk's transaction rolls back.

Identifiers come only from the validated table configuration and are backtick-quoted;
customer numbers are validated integers passed as query parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from itertools import compress, count, repeat
from operator import attrgetter, is_not
from typing import Any

from training_refresh.adapters.mysql import (
    Connection,
    is_data_error,
    quote_identifier,
    transaction,
    translated_errors,
)
from training_refresh.adapters.mysql_pipeline import StatementFailed, StatementPipeline
from training_refresh.gold_load.failure_place import TableInHand
from training_refresh.gold_load.refused_rows import rows_refused_error
from training_refresh.table_groups import GOLD_SUFFIX, TableSpec

INSERT_BATCH_ROWS = 2_000
"""Rows per multi-row INSERT: large enough to amortise round trips, small enough to stay
well under max_allowed_packet (a gold row is at most ~600 bytes)."""

SERVER_STATUS_NO_BACKSLASH_ESCAPES = 512
"""The MySQL protocol's server status flag for sql_mode NO_BACKSLASH_ESCAPES."""
_BACKSLASH_ESCAPES = str.maketrans(
    {"\0": "\\0", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z", '"': '\\"', "'": "\\'"}
)
"""pymysql's escape_string: the characters MySQL wants backslash-escaped in a string."""
_QUOTE_DOUBLING = str.maketrans({"'": "''"})
"""Under NO_BACKSLASH_ESCAPES a backslash is an ordinary character; only quotes double."""


_SEPARATOR = "\uffff"
"""Joins a column's strings while they are checked and quoted at once (a noncharacter:
a value holding it takes the slow path, so it can never split a value)."""


@dataclass(frozen=True)
class _StringEscapes:
    table: dict[int, str]
    """For ``str.translate``: each character to escape and its escaped form."""
    needed: re.Pattern[str]
    """Finds a character of ``table``."""

    @classmethod
    def of(cls, table: dict[int, str]) -> _StringEscapes:
        return cls(table, re.compile("[" + re.escape("".join(map(chr, table))) + "]"))


_ESCAPES = _StringEscapes.of(_BACKSLASH_ESCAPES)
_DOUBLING = _StringEscapes.of(_QUOTE_DOUBLING)


@dataclass
class MergeCounts:
    rows_deleted: dict[str, int] = field(default_factory=dict)
    rows_written: dict[str, int] = field(default_factory=dict)
    rows_changed_owner: dict[str, int] = field(default_factory=dict)
    """Rows that replaced a gold row with the same key held by another customer."""


@dataclass(frozen=True)
class TableRows:
    """The rows extracted for one table of a config, in the table's column order."""

    spec: TableSpec
    batches: Iterable[Sequence[Sequence[Any]]]


def _target(into: Mapping[str, str], gold_table: str) -> str:
    return quote_identifier(into.get(gold_table, gold_table))


def delete_statement(spec: TableSpec, customer_count: int, into: Mapping[str, str]) -> str:
    """DELETE of the given customers' rows, through the parent table if need be (both in
    the tables ``into`` names)."""
    scope = spec.customer_scope
    placeholders = ", ".join(["%s"] * customer_count)
    table = _target(into, spec.gold_table)
    customer_column = quote_identifier(scope.column.upper())
    if scope.through_table is None or scope.join_column is None:
        return f"DELETE FROM {table} WHERE {customer_column} IN ({placeholders})"
    parent = _target(into, scope.through_table + GOLD_SUFFIX)
    join_column = quote_identifier(scope.join_column.upper())
    return (
        f"DELETE child FROM {table} AS child JOIN {parent} AS parent "
        f"ON parent.{join_column} = child.{join_column} "
        f"WHERE parent.{customer_column} IN ({placeholders})"
    )


def insert_prefix(spec: TableSpec, into: Mapping[str, str]) -> str:
    """``INSERT INTO ... (columns) VALUES``: the multi-row INSERT's head, rows follow."""
    columns = ", ".join(quote_identifier(c) for c in spec.mysql_columns)
    return f"INSERT INTO {_target(into, spec.gold_table)} ({columns}) VALUES "


def key_can_change_owner(spec: TableSpec) -> bool:
    """Whether a row's key can belong to another customer: its primary key does not hold
    the customer number (the row is a customer's through a parent, or by a plain column)."""
    scope = spec.customer_scope
    return scope.through_table is not None or scope.column not in spec.primary_key


def delete_by_keys_statement(
    connection: Connection, spec: TableSpec, keys: Sequence[Sequence[Any]], into: Mapping[str, str]
) -> str:
    """DELETE of the rows whose primary key is one of ``keys`` (in primary-key column order),
    written as literals like the INSERTs (a parameter list of 2,000 keys cost pymysql's
    escaping, value by value, 3 % of a 10,000-customer load)."""
    columns = [quote_identifier(c.upper()) for c in spec.primary_key]
    if len(columns) == 1:
        target, listed = columns[0], ",".join(_literals(connection, [key[0] for key in keys]))
    else:
        target, listed = "(" + ", ".join(columns) + ")", values_list(connection, keys)
    return f"DELETE FROM {_target(into, spec.gold_table)} WHERE {target} IN ({listed})"


def values_list(connection: Connection, rows: Sequence[Sequence[Any]]) -> str:
    """``(v, ...),(v, ...)``: the rows as SQL literals, exactly as pymysql would write them.

    Built column by column: where a column holds one plain type (the usual case), every
    value is rendered by one C-level call (``map``) instead of pymysql's chain of Python
    calls per value. Any other column is rendered value by value by ``connection.escape``,
    pymysql's own encoder.
    """
    columns = [_literals(connection, values) for values in zip(*rows, strict=True)]
    return ",".join(map("({})".format, map(",".join, zip(*columns, strict=True))))


def _literals(connection: Connection, values: Sequence[Any]) -> Sequence[str]:
    types = set(map(type, values))
    has_nulls = type(None) in types
    types.discard(type(None))
    if not types:
        return ["NULL"] * len(values)
    kind = types.pop() if len(types) == 1 else None
    present_flags = list(map(is_not, values, repeat(None))) if has_nulls else []
    present = list(compress(values, present_flags)) if has_nulls else values
    render_all: Callable[[Sequence[Any]], Iterable[str]]
    if kind is str:
        render_all = partial(_quoted_strings, _string_escapes(connection))
    elif kind is dt.datetime and not any(map(attrgetter("tzinfo"), present)):
        render_all = partial(_quoted, partial(dt.datetime.isoformat, sep=" "))
    elif kind in _COLUMN_LITERALS:
        render_all = _COLUMN_LITERALS[kind]
    else:
        return list(map(connection.escape, values))
    if not has_nulls:
        return list(render_all(values))
    # Scatter the rendered values over a list of NULLs; every step stays in C.
    literals = ["NULL"] * len(values)
    positions = compress(count(), present_flags)
    deque(map(literals.__setitem__, positions, render_all(present)), maxlen=0)
    return literals


def _quoted(text: Callable[[Any], str], values: Sequence[Any]) -> Iterable[str]:
    return map("'{}'".format, map(text, values))


def _string_escapes(connection: Connection) -> _StringEscapes:
    if connection.server_status & SERVER_STATUS_NO_BACKSLASH_ESCAPES:
        return _DOUBLING
    return _ESCAPES


def _quoted_strings(escapes: _StringEscapes, values: Sequence[str]) -> Iterable[str]:
    # Most columns hold no character to escape: one search over the joined column tells,
    # and then one replace and one split quote every value, about five times faster than
    # translating each value (the column's strings are the load's most frequent literals).
    joined = _SEPARATOR.join(values)
    if joined.count(_SEPARATOR) == len(values) - 1 and escapes.needed.search(joined) is None:
        return ("'" + joined.replace(_SEPARATOR, f"'{_SEPARATOR}'") + "'").split(_SEPARATOR)
    return map("'{}'".format, map(str.translate, values, repeat(escapes.table)))


def _integers(values: Sequence[Any]) -> Iterable[str]:
    return map(int.__repr__, values)


def _decimals(values: Sequence[Any]) -> Iterable[str]:
    return map(format, values, repeat("f"))


_COLUMN_LITERALS: dict[type, Callable[[Sequence[Any]], Iterable[str]]] = {
    int: _integers,
    Decimal: _decimals,
    dt.date: partial(_quoted, dt.date.isoformat),
}
"""Column renderers equal to pymysql's escape_int, escape_decimal and escape_date. Naive
datetimes (escape_datetime writes microseconds only when non-zero, as ``isoformat`` does)
and strings (the connection's escape_string) are chosen in :func:`_literals`."""


def replace_customers(
    connection: Connection,
    customer_numbers: Sequence[int],
    tables: Sequence[TableRows],
    into: Mapping[str, str],
    *,
    config: str,
    before_commit: Callable[[], None] = lambda: None,
    in_hand: TableInHand | None = None,
) -> MergeCounts:
    """Replace ``customer_numbers``' rows in the tables ``into`` names for ``config``'s
    gold copies, atomically (``before_commit`` runs last inside the transaction).

    ``tables`` are in config order (parents before children): deletes run children
    first so rows found through a parent are deleted while the parent rows still exist.
    The INSERTs run on a :class:`StatementPipeline`: MySQL inserts one batch while the
    next is read and rendered. A failed statement's table becomes ``in_hand``'s (it may
    come to light while the next table's rows are read).
    """
    counts = MergeCounts()
    with (
        translated_errors(f"config {config}: merging a chunk into the gold copies"),
        transaction(connection),
        connection.cursor() as cursor,
    ):
        for table in reversed(tables):
            deleted = cursor.execute(
                delete_statement(table.spec, len(customer_numbers), into),
                list(customer_numbers),
            )
            counts.rows_deleted[table.spec.training_table] = deleted
        try:
            with StatementPipeline[_Part](cursor) as pipeline:
                for table in tables:
                    _insert_all(connection, pipeline, table, into, counts)
                pipeline.drain()
        except StatementFailed as failed:
            spec, rows = failed.tag
            if in_hand is not None:
                in_hand.table = spec.training_table
            if rows is None or not is_data_error(failed.error):
                raise failed.error from None
            prefix = insert_prefix(spec, into)
            raise rows_refused_error(
                failed.error,
                config=config,
                spec=spec,
                rows=rows,
                insert_one=lambda row: cursor.execute(prefix + values_list(connection, [row])),
            ) from None
        before_commit()
    return counts


_Part = tuple[TableSpec, Sequence[Sequence[Any]] | None]
"""A statement's table and, for an INSERT, its rows (a refused INSERT's are diagnosed)."""


def _insert_all(
    connection: Connection,
    pipeline: StatementPipeline[_Part],
    table: TableRows,
    into: Mapping[str, str],
    counts: MergeCounts,
) -> None:
    """Submit the INSERTs of ``table``'s rows; ``counts`` get the rows written and how many
    of them replaced another customer's row, as the statements run."""
    spec = table.spec
    name = spec.training_table
    prefix = insert_prefix(spec, into)
    positions = [spec.columns.index(c) for c in spec.primary_key]
    by_key = key_can_change_owner(spec)
    counts.rows_written[name] = counts.rows_changed_owner[name] = 0

    def add_written(rows: int) -> None:
        counts.rows_written[name] += rows

    def add_replaced(rows: int) -> None:
        counts.rows_changed_owner[name] += rows

    for batch in table.batches:
        for start in range(0, len(batch), INSERT_BATCH_ROWS):
            part = batch[start : start + INSERT_BATCH_ROWS]
            if by_key:
                keys = [[row[p] for p in positions] for row in part]
                pipeline.submit(
                    delete_by_keys_statement(connection, spec, keys, into),
                    (spec, None),
                    add_replaced,
                )
            pipeline.submit(prefix + values_list(connection, part), (spec, part), add_written)
