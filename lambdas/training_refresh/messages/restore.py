"""The restore's messages (``ims-refresh run reset --customers``): the restore step, its
run report and the outcome.

A restore runs in the reset state machine (``statemachines/reset.asl.json``) when the
execution input names a ``customers`` file: the state machine keeps the step's result
under ``$.restored.result`` and a caught error under ``$.restore_error``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue

from training_refresh.messages.common import (
    CaughtError,
    ErrorDetail,
    ExecutionInfo,
    Lenient,
    Message,
)
from training_refresh.messages.reset import ResetStatus


class RestoreRequest(Lenient):
    """The execution input of a restore; the restore step validates it."""

    customers: JsonValue = None
    """``s3://bucket/key`` of a scenario file naming the customers to restore."""
    tables: JsonValue = None
    """Refused with ``customers``: a restore always covers every enabled training table."""
    allow_empty: JsonValue = None
    """Refused with ``customers`` (a restore never empties a table)."""


class RestoreEvent(Message):
    request: RestoreRequest
    execution: ExecutionInfo


class TableRestored(Message):
    table: str
    rows_deleted: int
    """Rows of the restored customers the trainees' training table held (also rows whose
    key their gold rows hold, and child rows of their orders)."""
    rows_inserted: int
    """Their gold rows, inserted again."""


class CustomersRestored(Message):
    """What the restore committed, in one transaction."""

    step: Literal["restore-customers"] = "restore-customers"
    run_id: str
    started_at: str
    customers_file: str
    customers_requested: int
    customers_restored: int
    customers_not_in_gold: int
    not_in_gold_sample: list[int]
    """The first customers of the file that no gold copy holds (left untouched)."""
    tables: list[TableRestored]
    gold_generation: int
    """The published gold state the restored rows come from (0: before any publication)."""
    transaction_seconds: float
    superseded_resets: list[str]

    def progress_line(self) -> str:
        rows = sum(table.rows_inserted for table in self.tables)
        return (
            f"restored {self.customers_restored} customer(s) from gold generation "
            f"{self.gold_generation} in one transaction ({rows} gold rows, "
            f"{self.transaction_seconds:.3f} s)"
        )


class RestoredStep(Message):
    result: CustomersRestored


class RestoreState(Lenient):
    """The whole state at the restore's report step."""

    customers: JsonValue = None
    restored: RestoredStep | None = None
    restore_error: CaughtError | None = None


class RestoreReportEvent(Message):
    execution: ExecutionInfo
    state: RestoreState


class RestoreTableReport(Lenient):
    table: str | None = None
    rows_deleted: int = 0
    rows_inserted: int = 0


class RestoreReport(Lenient):
    """The restore's run report (lenient, like every run report); ``mode`` tells it from
    a full reset's report, with which it shares the workflow and the report folder."""

    workflow: str = "reset"
    mode: str = "restore"
    run_id: str
    status: str
    customers_file: str | None = None
    customers_requested: int = 0
    customers_restored: int = 0
    customers_not_in_gold: int = 0
    not_in_gold_sample: list[int] = Field(default_factory=list)
    tables: list[RestoreTableReport] = Field(default_factory=list)
    rows_deleted: int = 0
    rows_inserted: int = 0
    gold_generation: int | None = None
    transaction_seconds: float = 0.0
    superseded_resets: list[str] = Field(default_factory=list)
    lease_released: bool = False
    warnings: list[str] = Field(default_factory=list)
    errors: list[ErrorDetail] = Field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    note: str | None = Field(default=None, exclude_if=lambda note: note is None)


class RestoreOutcome(Message):
    step: Literal["write-restore-report"] = "write-restore-report"
    status: ResetStatus
    report: str
    error_name: str | None
    summary: str
