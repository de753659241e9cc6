"""The local Data API's size limits: 100 MB a result, 64 KB a row, as the service has them.

Both are measured on the result's Field records as JSON (``{"stringValue": "x"}``), which
is what the Data API returns. Every page of every result passes through these checks, so
measuring exactly would cost about as much as building the records themselves. Hence an
upper bound first, from one pass over each column: a text value is at most 6 JSON bytes
a character (``\\u001f``) plus its quotes, any other value at most
:data:`OTHER_VALUE_BYTES`. Rows are measured exactly only on a page whose widest row could
be over 64 KB; the result is measured exactly (its earlier pages read back) once its
bound passes the limit. ``ResultSize`` reports the exact size when it was measured and
the bound otherwise (nothing reads it but a test that it is positive).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any, Protocol

MAX_ROW_BYTES = 64 * 1024
"""The Data API's "64 KB per row in the result set"."""
RESULT_TOO_LARGE = "ERROR: Database response exceeded size limit"
ROW_TOO_LARGE = f"ERROR: Packet for query is too large (a row over {MAX_ROW_BYTES} bytes)"
"""The service's words for a row over 64 KB (its troubleshooting page is titled by them)."""
OTHER_VALUE_BYTES = 24
"""An upper bound of a number or boolean as JSON (``-1.2345678901234567e-308``)."""
_NULL_FIELD_BYTES = len('{"isNull": true}')


class _Column(Protocol):
    kind: str


def records_json_bytes(columns: Sequence[_Column], rows: Sequence[Sequence[Any]]) -> int:
    """The exact UTF-8 size of the rows' Field records as JSON.

    Computed without building the records: the rows' own JSON has the same brackets and
    separators, and each field adds a fixed wrapper around its value - ``{"<kind>": v}`` is
    ``len(kind) + 6`` bytes longer than ``v``; ``{"isNull": true}`` is 12 bytes longer than
    ``null``.
    """
    size = len(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    count = len(rows)
    for index, column in enumerate(columns):
        nulls = list(map(itemgetter(index), rows)).count(None)
        size += nulls * 12 + (count - nulls) * (len(column.kind) + 6)
    return size


def _bounds(columns: Sequence[_Column], rows: Sequence[Sequence[Any]]) -> tuple[int, int]:
    """Upper bounds of the page's JSON size and of its widest row's."""
    widest = 2 + 2 * len(columns)  # a row's brackets and separators
    page = 2 + len(rows) * (widest + 2)
    for column, values in zip(columns, zip(*rows, strict=True), strict=True):
        wrapper = len(column.kind) + 6
        nulls = values.count(None)
        present = len(values) - nulls
        page += nulls * _NULL_FIELD_BYTES + present * wrapper
        if column.kind == "stringValue":
            lengths = list(map(len, filter(None, values)))
            page += 6 * sum(lengths) + 2 * present
            widest += max(wrapper + 2 + 6 * max(lengths, default=0), _NULL_FIELD_BYTES)
        else:
            page += OTHER_VALUE_BYTES * present
            widest += max(wrapper + OTHER_VALUE_BYTES, _NULL_FIELD_BYTES)
    return page, widest


class ResultSize:
    """A result's size as its pages are read, against the limits: the sum of its pages'
    sizes, as each page is one answer of GetStatementResult."""

    def __init__(self, columns: Sequence[_Column], max_bytes: int) -> None:
        self._columns = columns
        self._max_bytes = max_bytes
        self._bound = 0
        self._exact: int | None = None

    @property
    def bytes(self) -> int:
        return self._bound if self._exact is None else self._exact

    def add(
        self,
        rows: Sequence[Sequence[Any]],
        earlier: Callable[[], Iterable[Sequence[Sequence[Any]]]],
    ) -> str | None:
        """Count the next page; the error the statement FAILS with, if any. ``earlier``
        reads back the pages added before (called only near the limit)."""
        if not rows:
            return None
        page, widest = _bounds(self._columns, rows)
        if widest > MAX_ROW_BYTES and any(
            records_json_bytes(self._columns, [row]) > MAX_ROW_BYTES for row in rows
        ):
            return ROW_TOO_LARGE
        self._bound += page
        if self._exact is None and self._bound > self._max_bytes:
            self._exact = sum(records_json_bytes(self._columns, page) for page in earlier())
        if self._exact is not None:
            self._exact += records_json_bytes(self._columns, rows)
            if self._exact > self._max_bytes:
                return RESULT_TOO_LARGE
        return None
