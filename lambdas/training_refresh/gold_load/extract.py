"""Extracting one chunk of customers: one Data API statement per table of the group,
submitted at once, read page by page and anonymized as the merge consumes the rows.

Each extraction SQL file returns the table's columns followed by :data:`QUALITY_COLUMNS`
(design §3.2, ``sql/extract``): whether the row is kept, a CDC delete or a rejected change,
and what was collapsed, resolved or tied for its key. The statement sent wraps it
(:func:`packed_sql`) so that those five travel as one column, :data:`PACKED_COLUMN`, NULL
for the plain kept row that nearly every row is: every value of a result costs a typed
Field record in the Data API's answer and its decoding here, and five columns for data
quality were about a third of the values of the order and auth rows. Only kept rows go
on, without that column; the counts add up per table in :attr:`ChunkExtraction.quality`;
rejected changes fail the table with :class:`DataQualityError` once all its rows are read
(the merge's transaction then rolls back). A statement that fails on a row over the Data API's 64 KB
is :class:`RowTooLargeError` naming the rows' keys (``oversized_rows``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from training_refresh.adapters.data_api import (
    ResultPage,
    StartedQuery,
    Warehouse,
    customer_in_list,
)
from training_refresh.anonymize import ANONYMIZERS
from training_refresh.errors import DataQualityError, RowTooLargeError, TableConfigError
from training_refresh.gold_load.merge import TableRows
from training_refresh.gold_load.oversized_rows import row_too_large
from training_refresh.gold_load.refused_rows import key_text
from training_refresh.messages.data_quality import DataQualityCounts
from training_refresh.table_groups import TableSpec

QUALITY_COLUMNS = ("dq_row", "dq_copies", "dq_resolved", "dq_tied", "dq_operation")
"""The trailing columns of every extraction SQL file (never loaded)."""
PACKED_COLUMN = "dq"
"""The one trailing column of the statement sent: NULL for a kept row without duplicates
or ties, else ``row:copies:resolved:tied`` and, when the operation is not NULL,
``:operation``."""
KEYS_NAMED = 20
"""At most this many business keys are named in a DataQualityError."""
_REJECTED = re.compile(r"\b(?P<table>[A-Z][A-Z0-9_]*): (?P<count>\d+) CDC change\(s\) rejected")


def _anonymized(spec: TableSpec, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    if spec.anonymizer is None:
        return rows
    anonymize = ANONYMIZERS[spec.anonymizer]
    columns = spec.columns
    anonymized = (anonymize(dict(zip(columns, row, strict=True))) for row in rows)
    return [tuple(map(row.__getitem__, columns)) for row in anonymized]


def packed_sql(spec: TableSpec, sql: str) -> str:
    """The statement for extraction ``sql``: its rows in primary-key order, the table's
    columns, then :data:`PACKED_COLUMN` for its five :data:`QUALITY_COLUMNS`."""
    state, *counted, operation = QUALITY_COLUMNS
    plain = " AND ".join(f"{column} = 0" for column in counted)
    counts = " || ':' || ".join(f"CAST({column} AS VARCHAR(20))" for column in counted)
    return (
        f"SELECT {', '.join(spec.columns)}, CASE WHEN {state} = 'kept' AND {plain} THEN NULL "
        f"ELSE {state} || ':' || {counts} || COALESCE(':' || {operation}, '') "
        f"END AS {PACKED_COLUMN}\nFROM (\n{sql.strip().rstrip(';')}\n) AS extracted\n"
        f"ORDER BY {', '.join(spec.primary_key)}"
    )


def _unpacked(packed: str) -> tuple[str, int, int, int, str | None]:
    state, copies, resolved, tied, *operation = packed.split(":", 4)
    return state, int(copies), int(resolved), int(tied), operation[0] if operation else None


def _operation(value: object) -> str:
    """A rejected operation as the error shows it: quoted (at most 8 characters), or NULL."""
    return "NULL" if value is None else repr(str(value)[:8])


@dataclass
class _TableQuality:
    """One table's counts and rejected changes, as its pages are read."""

    spec: TableSpec
    counts: DataQualityCounts = field(default_factory=DataQualityCounts)
    rejected_keys: list[str] = field(default_factory=list)
    rejected_operations: set[str] = field(default_factory=set)
    rejected: int = 0

    def kept(self, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        width = len(self.spec.columns)
        if not any(map(itemgetter(width), rows)):  # a page of plain kept rows
            return [row[:width] for row in rows]
        kept: list[Sequence[Any]] = []
        collapsed = resolved = tied = rejected = 0
        for row in rows:
            if row[width] is None:
                kept.append(row[:width])
                continue
            state, copies, differing, ties, operation = _unpacked(row[width])
            if state == "rejected":
                self._reject(row, operation)
                rejected += 1
                continue
            collapsed += copies
            resolved += differing > 0
            tied += ties > 0
            if state == "kept":
                kept.append(row[:width])
        self.counts = self.counts.plus(
            DataQualityCounts(
                duplicates_collapsed=collapsed,
                duplicates_resolved=resolved,
                ties_broken=tied,
                rows_rejected=rejected,
            )
        )
        return kept

    def _reject(self, row: Sequence[Any], operation: object) -> None:
        self.rejected += 1
        self.rejected_operations.add(_operation(operation))
        key = key_text(self.spec, row)
        if len(self.rejected_keys) < KEYS_NAMED and key not in self.rejected_keys:
            self.rejected_keys.append(key)

    def check(self) -> None:
        if not self.rejected:
            return
        raise DataQualityError(
            f"{self.spec.training_table}: {self.rejected} CDC change(s) rejected "
            f"(operation not I, U or D after trimming and upper-casing, or NULL operation "
            f"or cdc_timestamp; operations found: {', '.join(sorted(self.rejected_operations))}"
            f"); keys {', '.join(self.rejected_keys)}"
            f"{' and more' if len(self.rejected_keys) >= KEYS_NAMED else ''}: "
            "correct the source; the config publishes nothing"
        )


def rejected_in(message: str | None) -> tuple[str, int] | None:
    """The table and count a DataQualityError's message names, if any."""
    found = _REJECTED.search(message or "")
    return (found["table"], int(found["count"])) if found else None


@dataclass(frozen=True)
class _Extraction:
    """One table's extraction statement, submitted."""

    spec: TableSpec
    sql: str
    parameters: Mapping[str, str] | None
    started: StartedQuery

    def pages(self, warehouse: Warehouse) -> Iterator[ResultPage]:
        try:
            yield from self.started.result()
        except RowTooLargeError as error:
            raise row_too_large(
                warehouse,
                self.spec,
                self.sql,
                self.parameters,
                error,
                columns=(*self.spec.columns, PACKED_COLUMN),
            ) from None


def _extracted_batches(
    pages: Iterator[ResultPage], quality: _TableQuality, counter: dict[str, int]
) -> Iterator[Sequence[Sequence[Any]]]:
    spec = quality.spec
    expected = (*spec.columns, PACKED_COLUMN)
    for page in pages:
        if tuple(page.columns) != expected:
            raise TableConfigError(
                f"{spec.extract_sql} returned columns {list(page.columns)} but "
                f"table_configs.json lists {list(spec.columns)} (then {PACKED_COLUMN!r}) "
                f"for {spec.training_table}"
            )
        rows = quality.kept(page.rows)
        counter[spec.training_table] = counter.get(spec.training_table, 0) + len(rows)
        if rows:
            yield _anonymized(spec, rows)
    quality.check()


class ChunkExtraction:
    """One chunk's extraction statements, one per table of the group, submitted at once."""

    def __init__(
        self, warehouse: Warehouse, specs: Sequence[TableSpec], customers: Sequence[int], as_of: str
    ) -> None:
        self._warehouse = warehouse
        self._started: list[_Extraction] = []
        self._quality: dict[str, _TableQuality] = {}
        try:
            for spec in specs:
                sql = packed_sql(spec, spec.extraction_sql_template()).replace(
                    "{customer_numbers}", customer_in_list(customers)
                )
                parameters = {"as_of": as_of} if ":as_of" in sql else None
                started = warehouse.start(sql, parameters)
                self._started.append(_Extraction(spec, sql, parameters, started))
        except BaseException:
            self.abandon()
            raise

    @property
    def quality(self) -> dict[str, DataQualityCounts]:
        """The data-quality counts of the rows read so far, per training table."""
        return {table: quality.counts for table, quality in self._quality.items()}

    def table_rows(self, counter: dict[str, int]) -> list[TableRows]:
        """The rows of each table, read (and counted in ``counter``) as they are consumed."""
        tables = []
        for extraction in self._started:
            spec = extraction.spec
            quality = self._quality.setdefault(spec.training_table, _TableQuality(spec))
            batches = _extracted_batches(extraction.pages(self._warehouse), quality, counter)
            tables.append(TableRows(spec, batches))
        return tables

    def abandon(self) -> None:
        """Cancel the statements whose results were not collected."""
        for extraction in self._started:
            extraction.started.abandon()
