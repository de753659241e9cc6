"""The ``privacy`` section of run reports: per table and column, what the gate did.

Per column: its treatment (``masked`` by a named anonymizer, or ``kept``), the values
scanned, the values with a finding per rule (blocking ones under ``findings``, those of an
allowed rule under ``allowed``), the customers involved in blocking findings, and the
status:

- ``protected``: masked; the anonymizer wrote every value, nothing was scanned.
- ``kept``: kept and scanned, no blocking finding.
- ``blocked``: kept, and a blocking finding: the table's config publishes nothing.

A table is ``blocked`` when one of its columns is, else ``kept`` when one is kept, else
``protected``. The models are strict and frozen; statuses are checked against the counts,
so a report read back from JSON cannot claim "kept" over a finding. They hold names,
numbers and customer numbers only, never a value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from training_refresh.privacy.detectors import Rule
from training_refresh.privacy.scanner import MAX_LISTED_CUSTOMERS, ColumnScan

Treatment = Literal["masked", "kept"]
Status = Literal["protected", "kept", "blocked"]

PROTECTED: Final = "protected"
KEPT: Final = "kept"
BLOCKED: Final = "blocked"


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class ColumnPrivacy(_Strict):
    column: str = Field(min_length=1)
    treatment: Treatment
    anonymizer: str | None = None
    """The anonymizer that masks the column; None for a kept column."""
    values_scanned: int = Field(default=0, ge=0)
    findings: dict[Rule, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)
    allowed: dict[Rule, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)
    customers: Annotated[
        tuple[StrictInt, ...], Field(strict=False, max_length=MAX_LISTED_CUSTOMERS)
    ] = ()
    customer_count: int = Field(default=0, ge=0)
    status: Status

    @model_validator(mode="after")
    def _status_fits_the_counts(self) -> ColumnPrivacy:
        if self.treatment == "masked":
            if self.anonymizer is None:
                raise ValueError("a masked column names its anonymizer")
            if self.values_scanned or self.findings or self.allowed or self.customers:
                raise ValueError("a masked column is not scanned")
            expected: Status = PROTECTED
        else:
            if self.anonymizer is not None:
                raise ValueError("a kept column has no anonymizer")
            expected = BLOCKED if self.findings else KEPT
        if self.status != expected:
            raise ValueError(f"status is {self.status!r} but the counts say {expected!r}")
        if len(self.customers) > self.customer_count:
            raise ValueError("more customers listed than counted")
        if list(self.customers) != sorted(set(self.customers)):
            raise ValueError("customers must be ascending and unique")
        return self

    @classmethod
    def masked(cls, column: str, anonymizer: str) -> ColumnPrivacy:
        return cls(column=column, treatment="masked", anonymizer=anonymizer, status=PROTECTED)

    @classmethod
    def kept(cls, scan: ColumnScan) -> ColumnPrivacy:
        """A kept column's entry from its scan (all chunks merged)."""
        return cls(
            column=scan.column,
            treatment="kept",
            values_scanned=scan.values_scanned,
            findings=scan.findings,
            allowed=scan.allowed,
            customers=scan.customers,
            customer_count=scan.customer_count,
            status=BLOCKED if scan.blocked else KEPT,
        )

    def blocked_line(self, table: str) -> str:
        """One line for the run summary: table, column, rules, counts, customers."""
        rules = ", ".join(
            f"{rule} in {count} value{'s' if count != 1 else ''}"
            for rule, count in self.findings.items()
        )
        shown = ", ".join(str(customer) for customer in self.customers)
        more = self.customer_count - len(self.customers)
        if more:
            shown += f" and {more} more"
        customers = f"; customers {shown}" if shown else ""
        return f"{table}.{self.column}: blocked: {rules}{customers}"


def _table_status(columns: Iterable[ColumnPrivacy]) -> Status:
    statuses = {column.status for column in columns}
    for status in (BLOCKED, KEPT):
        if status in statuses:
            return status
    return PROTECTED


class TablePrivacy(_Strict):
    table: str = Field(min_length=1)
    columns: Annotated[tuple[ColumnPrivacy, ...], Field(strict=False, min_length=1)]
    status: Status

    @model_validator(mode="after")
    def _status_fits_the_columns(self) -> TablePrivacy:
        names = [column.column for column in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("a column is listed twice")
        expected = _table_status(self.columns)
        if self.status != expected:
            raise ValueError(f"status is {self.status!r} but the columns say {expected!r}")
        return self

    @classmethod
    def of(cls, table: str, columns: Iterable[ColumnPrivacy]) -> TablePrivacy:
        listed = tuple(columns)
        return cls(table=table, columns=listed, status=_table_status(listed))

    @property
    def blocked(self) -> bool:
        return self.status == BLOCKED

    def blocked_lines(self) -> list[str]:
        return [c.blocked_line(self.table) for c in self.columns if c.status == BLOCKED]


class PrivacySection(_Strict):
    """The ``privacy`` section of a run report: every table the run extracted."""

    tables: Annotated[tuple[TablePrivacy, ...], Field(strict=False)] = ()

    @model_validator(mode="after")
    def _tables_are_unique(self) -> PrivacySection:
        names = [table.table for table in self.tables]
        if len(set(names)) != len(names):
            raise ValueError("a table is listed twice")
        return self

    @property
    def blocked(self) -> bool:
        return any(table.blocked for table in self.tables)

    def blocked_lines(self) -> list[str]:
        """One line per blocked column, for the run summary."""
        return [line for table in self.tables for line in table.blocked_lines()]
