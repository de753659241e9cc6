"""Which rows of an extraction are over the Data API's 64 KB per row, by their keys.

The Data API fails a statement with a result row over 64 KB as a whole ("Packet for query
is too large") and says nothing about the row; fewer customers per chunk do not help. So
when an extraction fails that way, one more statement asks the warehouse for the keys of
the rows whose values add up to more than the limit: the same extraction, wrapped, so the
rows are exactly those the failed statement returned. Only key columns come back (customer,
order and auth numbers, CRNs and codes are not personal data, design §4); the error names
them so that the operator can find the rows in the source. When that statement fails too,
the error still names the table and says the keys could not be found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from training_refresh.adapters.data_api import Warehouse
from training_refresh.errors import RowTooLargeError, TrainingRefreshError
from training_refresh.gold_load.refused_rows import named_key
from training_refresh.table_groups import TableSpec

MAX_ROW_BYTES = 64 * 1024
"""The Data API's limit: "64 KB per row in the result set returned by the database"."""
FIELD_OVERHEAD_BYTES = 24
"""What the Data API's JSON adds to each value (``{"stringValue": ...}``), so that a row
whose values alone stay just under the limit is still listed."""
KEYS_NAMED = 20


def oversized_rows_sql(spec: TableSpec, extraction_sql: str, columns: Sequence[str]) -> str:
    """The keys of the extraction's rows whose ``columns`` (every column the extraction
    returns) add up to more than the limit."""
    sizes = " + ".join(
        f"COALESCE(OCTET_LENGTH(CAST({column} AS VARCHAR(65535))), 0)" for column in columns
    )
    threshold = MAX_ROW_BYTES - FIELD_OVERHEAD_BYTES * len(columns)
    keys = ", ".join(spec.primary_key)
    return (
        f"SELECT {keys} FROM ({extraction_sql.strip().rstrip(';')}) AS extracted "
        f"WHERE {sizes} > {threshold} ORDER BY {keys} LIMIT {KEYS_NAMED}"
    )


def row_too_large(
    warehouse: Warehouse,
    spec: TableSpec,
    extraction_sql: str,
    parameters: Mapping[str, str] | None,
    error: RowTooLargeError,
    *,
    columns: Sequence[str],
) -> RowTooLargeError:
    """The error to raise for ``spec``'s extraction that failed with ``error``: naming the
    table, its source, the keys of the rows over the limit and what to do."""
    try:
        found = warehouse.query(oversized_rows_sql(spec, extraction_sql, columns), parameters)
        rows = [row for page in found for row in page.rows]
    except TrainingRefreshError as probe_error:
        keys = f"the keys could not be found ({type(probe_error).__name__})"
    else:
        named = [named_key(spec.primary_key, row) for row in rows]
        more = " and maybe more" if len(named) >= KEYS_NAMED else ""
        keys = f"keys {', '.join(named)}{more}" if named else "no row found over the limit"
    return RowTooLargeError(
        f"rows of {spec.source} (for {spec.training_table}) are larger than the Data API's "
        f"64 KB per row, {keys}; shorten the long value in the source or leave its column out of "
        f"{spec.extract_sql} and table_configs.json ({error})"
    )
