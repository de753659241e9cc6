"""The error for an extraction that failed on a row over 64 KB (gold_load.oversized_rows)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from training_refresh.adapters.data_api import ResultPage
from training_refresh.errors import RowTooLargeError, WarehouseQueryError
from training_refresh.gold_load.oversized_rows import KEYS_NAMED, oversized_rows_sql, row_too_large
from training_refresh.table_groups import load_table_groups

SPEC = load_table_groups().table("IMS_MASON_PREFERENCES")
EXTRACTION = "SELECT customer_no, preference_code, preference_value FROM prefs ORDER BY 1;"
COLUMNS = ("customer_no", "preference_code", "preference_value")
FAILURE = RowTooLargeError("statement abc FAILED: a row is too large")


@dataclass
class KeyWarehouse:
    """Answers every query with ``rows`` (or fails with ``error``), recording the SQL."""

    rows: list[tuple[object, ...]] = field(default_factory=list)
    error: Exception | None = None
    queries: list[tuple[str, Mapping[str, str] | None]] = field(default_factory=list)

    def query(self, sql: str, parameters: Mapping[str, str] | None = None) -> Iterator[ResultPage]:
        self.queries.append((sql, parameters))
        if self.error is not None:
            raise self.error
        return iter([ResultPage(SPEC.primary_key, self.rows)])


def test_the_keys_query_wraps_the_extraction_and_returns_only_key_columns() -> None:
    # When the keys of the oversized rows are asked for
    sql = oversized_rows_sql(SPEC, EXTRACTION, COLUMNS)

    # Then the extraction is the subquery (without its semicolon), only the key columns
    # come back, every returned column is measured, and at most KEYS_NAMED rows
    assert sql.startswith("SELECT customer_no, preference_code FROM (SELECT customer_no,")
    assert "ORDER BY 1) AS extracted WHERE" in sql
    assert all(f"CAST({column} AS VARCHAR(65535))" in sql for column in COLUMNS)
    assert sql.endswith(f"ORDER BY customer_no, preference_code LIMIT {KEYS_NAMED}")


def test_the_error_names_table_source_keys_and_the_fix() -> None:
    # Given a warehouse that finds two oversized rows
    warehouse = KeyWarehouse(rows=[(7, "CATALOG_MAIL"), (9, "SMS")])

    # When the error is made for the failed extraction (with its parameters)
    error = row_too_large(
        warehouse, SPEC, EXTRACTION, {"as_of": "2025-01-01"}, FAILURE, columns=COLUMNS
    )

    # Then it names the table, its source, the rows' keys and what to do
    message = str(error)
    assert message.startswith(
        "rows of oframe_prd_s.ims_mason_preferences (for IMS_MASON_PREFERENCES) are larger"
    )
    assert (
        "keys (customer_no=7, preference_code=CATALOG_MAIL), (customer_no=9, preference_code=SMS)"
        in message
    )
    assert "ims_mason_preferences.sql" in message
    assert warehouse.queries[0][1] == {"as_of": "2025-01-01"}


def test_a_failing_keys_query_still_names_the_table() -> None:
    # Given a warehouse that fails the keys query too
    warehouse = KeyWarehouse(error=WarehouseQueryError("statement x FAILED"))

    # When the error is made
    error = row_too_large(warehouse, SPEC, EXTRACTION, None, FAILURE, columns=COLUMNS)

    # Then it is still the row's error, naming the table and why the keys are missing
    assert isinstance(error, RowTooLargeError)
    assert "IMS_MASON_PREFERENCES" in str(error)
    assert "the keys could not be found (WarehouseQueryError)" in str(error)
