"""The local Data API's size limits (local/redshift_limits.py): the cheap bounds never
under-estimate, and the exact measure is the records' JSON size."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ims_refresh.local.redshift_limits import (
    MAX_ROW_BYTES,
    RESULT_TOO_LARGE,
    ROW_TOO_LARGE,
    ResultSize,
    _bounds,
    records_json_bytes,
)
from ims_refresh.local.redshift_results import Column, field_records

COLUMNS = [Column("longValue", {}), Column("stringValue", {}), Column("doubleValue", {})]
ROWS = st.lists(
    st.tuples(
        st.none() | st.integers(-(2**63), 2**63 - 1),
        st.none() | st.text(),  # any Unicode, control characters and quotes included
        st.none() | st.floats(allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=30,
)


def json_size(rows: list[tuple[Any, ...]]) -> int:
    records = field_records(COLUMNS, rows)
    return len(json.dumps(records, ensure_ascii=False).encode("utf-8"))


@given(ROWS)
def test_the_exact_measure_is_the_json_of_the_records(rows: list[tuple[Any, ...]]) -> None:
    assert records_json_bytes(COLUMNS, rows) == json_size(rows)


@given(ROWS)
def test_the_bounds_are_never_below_the_exact_sizes(rows: list[tuple[Any, ...]]) -> None:
    page, widest = _bounds(COLUMNS, rows)
    assert page >= json_size(rows)
    assert widest >= max(json_size([row]) for row in rows)


def test_a_row_over_64_kb_fails_and_one_just_under_passes() -> None:
    size = ResultSize(COLUMNS, max_bytes=10**9)
    assert size.add([(1, "x" * (MAX_ROW_BYTES - 100), None)], list) is None
    assert size.add([(2, "x" * MAX_ROW_BYTES, None)], list) == ROW_TOO_LARGE


def test_a_result_over_the_limit_is_measured_exactly_with_its_earlier_pages() -> None:
    # Given a limit that the first page's bound already passes, but not its exact size
    page = [(n, "abc", 1.5) for n in range(10)]
    exact = json_size(page)
    size = ResultSize(COLUMNS, max_bytes=exact + 1)

    # When pages are added, the earlier ones read back once the bound passes the limit
    assert size.add(page, list) is None
    assert size.bytes == exact
    assert size.add(page, lambda: [page]) == RESULT_TOO_LARGE
