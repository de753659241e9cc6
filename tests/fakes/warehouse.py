"""Warehouses that answer from a script and record the statements they are sent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from training_refresh.adapters.data_api import ResultPage
from training_refresh.errors import WarehouseQueryError
from training_refresh.gold_load.extract import PACKED_COLUMN
from training_refresh.gold_load.privacy_gate import SOURCE_IDENTITY_COLUMNS


def _customer_numbers(sql: str) -> list[int]:
    inside = sql.split("IN (", 1)[1].split(")", 1)[0]
    return [int(number) for number in inside.split(",")]


class CustomerMaster:
    """Knows customers 1..``known``; records every existence check it is sent (``statements``)
    and, in ``events``, when each check (named by its first customer) is started, collected
    and abandoned. The check of ``failing_check`` fails when collected."""

    def __init__(self, known: int = 100, failing_check: int | None = None) -> None:
        self.known = known
        self.failing_check = failing_check
        self.statements: list[str] = []
        self.events: list[tuple[str, int]] = []

    def query(self, sql: str, parameters: Mapping[str, str] | None = None) -> Iterator[ResultPage]:
        return self.start(sql, parameters).result()

    def start(
        self, sql: str, parameters: Mapping[str, str] | None = None
    ) -> StartedLookup | NoIdentities:
        self.statements.append(sql)
        if "information_schema" in sql:  # the plan's schema check: no table shown
            return NoIdentities(columns=("table_schema", "table_name", "column_name"))
        numbers = _customer_numbers(sql)
        self.events.append(("start", numbers[0]))
        return StartedLookup(self, numbers)


class StartedLookup:
    """An existence check of CustomerMaster, answered when collected."""

    def __init__(self, master: CustomerMaster, numbers: list[int]) -> None:
        self.master = master
        self.numbers = numbers
        self.collected = False

    def result(self) -> Iterator[ResultPage]:
        self.collected = True
        self.master.events.append(("result", self.numbers[0]))
        if self.numbers[0] == self.master.failing_check:
            raise WarehouseQueryError(f"existence check from {self.numbers[0]} FAILED")
        rows = [(n,) for n in self.numbers if n <= self.master.known]
        return iter([ResultPage(columns=("customer_no",), rows=rows)])

    def abandon(self) -> None:
        if not self.collected:
            self.master.events.append(("abandon", self.numbers[0]))


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
    """A statement without rows: the source identity of a chunk whose customers the
    warehouse lacks, or the plan's look at source columns it is not shown."""

    def __init__(self, columns: Sequence[str] = SOURCE_IDENTITY_COLUMNS) -> None:
        self.columns = tuple(columns)

    def result(self) -> Iterator[ResultPage]:
        return iter([ResultPage(columns=self.columns, rows=[])])

    def abandon(self) -> None:
        pass


class RecordingWarehouse:
    """Logs when each chunk's extraction is submitted, collected and abandoned; a chunk is
    named by its first customer number. Every result is empty, with ``columns`` (then the
    extraction's packed data-quality column)."""

    def __init__(self, columns: Sequence[str], failing_chunks: tuple[int, ...] = ()) -> None:
        self.columns = (*columns, PACKED_COLUMN)
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
