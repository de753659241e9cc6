"""The gold-remove workflow's messages: the removal step, the run report, the outcome.

The state machine (``statemachines/gold_remove.asl.json``) keeps the removal's result
under ``$.removed.result`` and a caught error under ``$.remove_error``.
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
from training_refresh.messages.gold_undo import GoldOpStatus
from training_refresh.privacy.report import PrivacySection


class GoldRemoveRequest(Lenient):
    """The execution input; the removal step validates it."""

    scenarios: JsonValue = None
    """``s3://bucket/key`` of the scenario file naming the customers to remove."""


class GoldRemoveEvent(Message):
    request: GoldRemoveRequest
    execution: ExecutionInfo


class GoldRemoved(Message):
    """What the removal published."""

    step: Literal["remove-gold-customers"] = "remove-gold-customers"
    run_id: str
    started_at: str
    scenario_file: str
    customers_requested: int
    customers_removed: int
    customers_not_present: int
    not_present_sample: list[int]
    """The first customers of the file that no gold copy holds (customer numbers only)."""
    rows_removed: dict[str, int]
    """Per gold table (and the catalog, when it exists): rows the removal took out."""
    generation: int
    previous_generation: int
    rename_attempts: int
    locked_seconds: float
    leftovers_dropped: list[str]
    warnings: list[str]


class RemovedResult(Message):
    result: GoldRemoved


class GoldRemoveState(Lenient):
    scenarios: JsonValue = None
    removed: RemovedResult | None = None
    remove_error: CaughtError | None = None


class GoldRemoveReportEvent(Message):
    execution: ExecutionInfo
    state: GoldRemoveState


class GoldRemoveReport(Lenient):
    """The gold-remove run report (lenient, like every run report)."""

    workflow: str = "gold-remove"
    run_id: str
    status: str
    scenario_file: str | None = None
    customers_requested: int = 0
    customers_removed: int = 0
    customers_not_present: int = 0
    not_present_sample: list[int] = Field(default_factory=list)
    rows_removed: dict[str, int] = Field(default_factory=dict)
    generation: int | None = None
    rename_attempts: int = 0
    locked_seconds: float = 0.0
    lease_released: bool = False
    leftovers_dropped: list[str] = Field(default_factory=list)
    privacy: PrivacySection = Field(default_factory=PrivacySection)
    """Every column of every gold table with its treatment. A removal only deletes rows,
    so it writes no value and scans none: every count is 0 (empty in reports of earlier
    versions)."""
    warnings: list[str] = Field(default_factory=list)
    errors: list[ErrorDetail] = Field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    note: str | None = Field(default=None, exclude_if=lambda note: note is None)


class GoldRemoveOutcome(Message):
    step: Literal["write-gold-remove-report"] = "write-gold-remove-report"
    status: GoldOpStatus
    report: str
    error_name: str | None
    summary: str
