"""The rows of a refused INSERT, named by their keys (issue 12 item 3, design §3.2).

MySQL refuses a multi-row INSERT for one row's values (a duplicate key, a value too long
for its column, NULL in a NOT NULL column...: ``adapters.mysql.DATA_ERRORS``) and says at
most "at row 3" of the statement: an operator cannot find row 3 of an INSERT batch. The
merge still has the statement's rows in hand, so it inserts them again one at a time, in
the chunk's transaction, and keeps the ones MySQL refuses: every row with a value that
does not fit, and for a duplicate every row after the first of its key in MySQL's own
collation (which, for one, ignores trailing spaces that the warehouse keeps). The rows
this probe inserts go with the chunk's transaction, which the error then rolls back.

The error names the config, the table, the key columns and the key values of the refused
rows (the table's primary key: customer, order and auth numbers, CRNs and codes, which are
not personal data), at most :data:`KEYS_LISTED` keys and how many rows; never another value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from training_refresh.adapters.mysql import is_data_error, redacted_message
from training_refresh.errors import TrainingDatabaseError
from training_refresh.table_groups import TableSpec

KEYS_LISTED = 10
"""At most this many keys of refused rows are named in the error."""
KEY_VALUE_CHARS = 40
"""A key value longer than this is cut (a key column's own value may be the one too long)."""
_AT_ROW = re.compile(r" at row (\d+)$")


def key_text(spec: TableSpec, row: Sequence[Any]) -> str:
    """``(customer_no=7, crn=A1)``: the primary key columns of ``row`` and their values; a
    text value with blanks at its ends (or none at all) is quoted, so the blanks show."""
    return named_key(spec.primary_key, [row[spec.columns.index(c)] for c in spec.primary_key])


def named_key(columns: Sequence[str], values: Sequence[Any]) -> str:
    """``(customer_no=7, crn=A1)`` for key ``columns`` and their ``values``, as
    :func:`key_text` shows them."""
    parts = (f"{column}={_key_value(value)}" for column, value in zip(columns, values, strict=True))
    return "(" + ", ".join(parts) + ")"


def _key_value(value: object) -> str:
    if not isinstance(value, str):
        return str(value)
    shown = value[:KEY_VALUE_CHARS] + ("..." if len(value) > KEY_VALUE_CHARS else "")
    if not shown or shown != shown.strip() or not shown.isprintable():
        return repr(shown)
    return shown


def refused_rows(
    insert_one: Callable[[Sequence[Any]], object], rows: Sequence[Sequence[Any]]
) -> list[Sequence[Any]]:
    """The rows that ``insert_one`` (a single-row INSERT) fails for their values, in order.
    Any other error (a lock wait, a lost connection) ends the search and passes unchanged."""
    refused = []
    for row in rows:
        try:
            insert_one(row)
        except Exception as error:
            if not is_data_error(error):
                raise
            refused.append(row)
    return refused


def rows_refused_error(
    error: Exception,
    *,
    config: str,
    spec: TableSpec,
    rows: Sequence[Sequence[Any]],
    insert_one: Callable[[Sequence[Any]], object],
) -> TrainingDatabaseError:
    """The error of an INSERT of ``rows`` that MySQL refused with the data error ``error``,
    naming the keys of the rows it refuses one at a time (``insert_one``). Should every row
    pass alone, the row the message's "at row N" points to is named."""
    refused = refused_rows(insert_one, rows)
    what = redacted_message(error)
    at_row = _AT_ROW.search(what)
    if not refused and at_row and 1 <= int(at_row[1]) <= len(rows):
        refused = [rows[int(at_row[1]) - 1]]
    keys = list(dict.fromkeys(key_text(spec, row) for row in refused))
    listed = ", ".join(keys[:KEYS_LISTED])
    more = f" and {len(keys) - KEYS_LISTED} more" if len(keys) > KEYS_LISTED else ""
    named = f"keys {listed}{more}" if keys else "no row refused alone"
    return TrainingDatabaseError(
        f"config {config}, {spec.training_table}: {_AT_ROW.sub('', what)}; refused "
        f"{len(refused)} of the {len(rows)} row(s) of one INSERT, key columns "
        f"{', '.join(spec.primary_key)}: {named}"
    )
