"""What a failed config's run report says per table (issue 12 item 3).

A failed load call's result is lost: Step Functions keeps the error's name and message,
and the ``Record config failure`` state keeps them beside the running totals the call
*started* from (nothing at all for a config that failed in its first call). So the load
step, before a domain error leaves it, writes what that call had done to the run's work
files (:func:`record_failure`, ``WorkLocations.failure``): the totals of the chunks it
loaded and the rows of the failing chunk read per table. The report step reads it back
for a failed config whose error is the one recorded (a retried call that failed before
writing its own file must not be reported with an earlier attempt's) and lists every
table of the config (:func:`failed_tables`): the table the error names as ``failed`` with
the error, the others as ``read`` or ``not read`` by the failing chunk. Only counts, table
names and the redacted error: no value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from pydantic import ValidationError

from training_refresh.adapters.object_store import (
    ObjectMissingError,
    ObjectStore,
    get_json,
    put_json,
)
from training_refresh.errors import TrainingRefreshError
from training_refresh.gold_load.work import WorkLocations
from training_refresh.messages.common import MAX_ERROR_MESSAGE_CHARS, ErrorDetail
from training_refresh.messages.gold_load import (
    ConfigFailure,
    FailedCallTotals,
    TableCounts,
    TableReport,
)


def record_failure(
    store: ObjectStore,
    work: WorkLocations,
    config: str,
    error: TrainingRefreshError,
    *,
    chunks_loaded: int,
    tables: Mapping[str, TableCounts],
    failing_chunk_rows_read: Mapping[str, int],
) -> None:
    """Write what the failing call had done; quietly, so that a store that fails too never
    hides the error itself (the report then shows the totals the call started from)."""
    totals = FailedCallTotals(
        error=ErrorDetail(name=type(error).__name__, message=str(error)[:MAX_ERROR_MESSAGE_CHARS]),
        chunks_loaded=chunks_loaded,
        tables=dict(tables),
        failing_chunk_rows_read=dict(failing_chunk_rows_read),
    )
    with suppress(Exception):
        put_json(store, work.failure(config), totals.model_dump(mode="json"))


def recorded_failure(
    store: ObjectStore, work: WorkLocations, result: ConfigFailure
) -> FailedCallTotals | None:
    """The failing call's file, if it recorded the error that ``result`` holds."""
    try:
        recorded = FailedCallTotals.model_validate(get_json(store, work.failure(result.config)))
    except (ObjectMissingError, ValidationError):
        return None
    return recorded if recorded.error == result.error.details() else None


def failed_tables(
    result: ConfigFailure,
    table_names: Sequence[str],
    failed_table: str | None,
    recorded: FailedCallTotals | None,
) -> dict[str, TableReport]:
    """Every table of a failed config (``table_names``, in config order; a config the
    table configuration no longer holds: the tables its totals name): totals, and what
    the failing chunk did with it (unknown, so not said, when no call ``recorded`` it:
    then only the failed table is marked)."""
    totals = recorded.tables if recorded else result.tables
    read = recorded.failing_chunk_rows_read if recorded else {}
    tables = {}
    for table in dict.fromkeys([*table_names, *totals, *read]):
        counts = totals.get(table, TableCounts()).model_dump()
        marks: dict[str, Any]
        if table == failed_table:
            marks = {"status": "failed", "error": result.error.details()}
        elif recorded is not None:
            marks = {"status": "read" if table in read else "not read"}
        else:
            marks = {}
        if recorded is not None:
            marks["failing_chunk_rows_read"] = read.get(table, 0)
        tables[table] = TableReport(**counts, **marks)
    return tables
