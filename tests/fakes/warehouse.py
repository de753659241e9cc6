"""Warehouses that answer from a script and record the statements they are sent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from training_refresh.adapters.data_api import ResultPage
from training_refresh.errors import WarehouseQueryError
from training_refresh.gold_load.privacy_gate import SOURCE_IDENTITY_COLUMNS


def _customer_numbers(sql: str) -> list[int]:
    inside = sql.split("IN (", 1)[1].split(")", 1)[0]
    return [int(number) for number in inside.split(",")]


class CustomerMaster:
    """Knows customers 1..``known``; records every statement it is sent (the plan's
    existence checks)."""

    def __init__(self, known: int = 100) -> None:
        self.known = known
        self.statements: list[str] = []

    def query(self, sql: str, parameters: Mapping[str, str] | None = None) -> Iterator[ResultPage]:
        self.statements.append(sql)
        if "information_schema" in sql:  # the plan's schema check: no table shown
            yield ResultPage(columns=("table_schema", "table_name", "column_name"), rows=[])
            return
        rows = [(n,) for n in _customer_numbers(sql) if n <= self.known]
        yield ResultPage(columns=("customer_no",), rows=rows)

    def start(self, sql: str, parameters: Mapping[str, str] | None = None) -> StartedExtraction:
        raise AssertionError("the plan only queries")


class StartedExtraction:
    """A submitted statement of RecordingWarehouse: it logs being collected or abandoned."""

    def __init__(self, warehouse: RecordingWarehouse, chunk: int) -> None:
        self.warehouse = warehouse
        self.chunk = chunk
        self.collected = False

    def result(self) -> Iterator[ResultPage]:
        self.collected = True
        self.warehouse.events.append(("result", self.chunk))
        if self.chunk in self.warehouse.failing_chunks:
            raise WarehouseQueryError(f"statement of chunk {self.chunk} FAILED")
        return iter([ResultPage(columns=self.warehouse.columns, rows=[])])

    def abandon(self) -> None:
        if not self.collected:
            self.warehouse.events.append(("abandon", self.chunk))


SOURCE_IDENTITY_MARK = "-- The privacy gate's source identity"


class NoIdentities:
    """The source identity statement of a chunk whose customers the warehouse lacks."""

    def result(self) -> Iterator[ResultPage]:
        return iter([ResultPage(columns=SOURCE_IDENTITY_COLUMNS, rows=[])])

    def abandon(self) -> None:
        pass


class RecordingWarehouse:
    """Logs when each chunk's extraction is submitted, collected and abandoned; a chunk is
    named by its first customer number. Every result is empty, with ``columns``."""

    def __init__(self, columns: Sequence[str], failing_chunks: tuple[int, ...] = ()) -> None:
        self.columns = tuple(columns)
        self.events: list[tuple[str, int]] = []
        self.failing_chunks = failing_chunks

    def query(self, sql: str, parameters: Mapping[str, str] | None = None) -> Iterator[ResultPage]:
        raise AssertionError("a load submits its statements with start()")

    def start(
        self, sql: str, parameters: Mapping[str, str] | None = None
    ) -> StartedExtraction | NoIdentities:
        if sql.startswith(SOURCE_IDENTITY_MARK):
            return NoIdentities()  # the privacy gate's statement beside each chunk's
        first_customer = _customer_numbers(sql)[0]
        self.events.append(("start", first_customer))
        return StartedExtraction(self, first_customer)
