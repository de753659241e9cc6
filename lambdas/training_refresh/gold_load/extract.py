"""Extracting one chunk of customers: one Data API statement per table of the group,
submitted at once, read page by page and anonymized as the merge consumes the rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from training_refresh.adapters.data_api import StartedQuery, Warehouse, customer_in_list
from training_refresh.anonymize import ANONYMIZERS
from training_refresh.errors import TableConfigError
from training_refresh.gold_load.merge import TableRows
from training_refresh.table_groups import TableSpec


def _anonymized(spec: TableSpec, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    if spec.anonymizer is None:
        return rows
    anonymize = ANONYMIZERS[spec.anonymizer]
    columns = spec.columns
    return [
        tuple(anonymize(dict(zip(columns, row, strict=True)))[c] for c in columns) for row in rows
    ]


def _extracted_batches(
    started: StartedQuery, spec: TableSpec, counter: dict[str, int]
) -> Iterable[Sequence[Sequence[Any]]]:
    for page in started.result():
        if tuple(page.columns) != spec.columns:
            raise TableConfigError(
                f"{spec.extract_sql} returned columns {list(page.columns)} but "
                f"table_configs.json lists {list(spec.columns)} for {spec.training_table}"
            )
        counter[spec.training_table] = counter.get(spec.training_table, 0) + len(page.rows)
        yield _anonymized(spec, page.rows)


class ChunkExtraction:
    """One chunk's extraction statements, one per table of the group, submitted at once."""

    def __init__(
        self, warehouse: Warehouse, specs: Sequence[TableSpec], customers: Sequence[int], as_of: str
    ) -> None:
        self._started: list[tuple[TableSpec, StartedQuery]] = []
        try:
            for spec in specs:
                sql = spec.extraction_sql_template().replace(
                    "{customer_numbers}", customer_in_list(customers)
                )
                parameters = {"as_of": as_of} if ":as_of" in sql else None
                self._started.append((spec, warehouse.start(sql, parameters)))
        except BaseException:
            self.abandon()
            raise

    def table_rows(self, counter: dict[str, int]) -> list[TableRows]:
        """The rows of each table, read (and counted in ``counter``) as they are consumed."""
        return [
            TableRows(spec, _extracted_batches(started, spec, counter))
            for spec, started in self._started
        ]

    def abandon(self) -> None:
        """Cancel the statements whose results were not collected."""
        for _spec, started in self._started:
            started.abandon()
