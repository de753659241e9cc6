"""The gold-undo workflow's messages: the undo step, the run report, the outcome.

The state machine (``statemachines/gold_undo.asl.json``) keeps the undo's result under
``$.undone.result`` and a caught error under ``$.undo_error``.
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
    RunStatus,
)

GoldOpStatus = RunStatus


class GoldUndoEvent(Message):
    request: JsonValue = None
    """The execution input; an undo takes no options (anything given is ignored)."""
    execution: ExecutionInfo


class GoldUndone(Message):
    """What the undo published: the new generation holds the content of ``restored_*``."""

    step: Literal["undo-gold"] = "undo-gold"
    run_id: str
    started_at: str
    generation: int
    previous_generation: int
    undone_run_id: str | None
    undone_workflow: str
    restored_generation: int
    restored_run_id: str | None
    tables_changed: list[str]
    rename_attempts: int
    locked_seconds: float
    dropped: list[str]
    warnings: list[str]


class UndoneResult(Message):
    result: GoldUndone


class GoldUndoState(Lenient):
    undone: UndoneResult | None = None
    undo_error: CaughtError | None = None


class GoldUndoReportEvent(Message):
    execution: ExecutionInfo
    state: GoldUndoState


class GoldUndoReport(Lenient):
    """The gold-undo run report (lenient: ``status`` reads reports of older versions)."""

    workflow: str = "gold-undo"
    run_id: str
    status: str
    generation: int | None = None
    """The gold generation this run published (None: nothing was published)."""
    undone_run_id: str | None = None
    undone_workflow: str | None = None
    restored_generation: int | None = None
    restored_run_id: str | None = None
    """The run whose result is live again (None: the gold copies as they were before any
    publication)."""
    tables_changed: list[str] = Field(default_factory=list)
    rename_attempts: int = 0
    locked_seconds: float = 0.0
    lease_released: bool = False
    warnings: list[str] = Field(default_factory=list)
    errors: list[ErrorDetail] = Field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    note: str | None = Field(default=None, exclude_if=lambda note: note is None)
    """Set on the stand-in ``status`` builds when the workflow wrote no report."""


class GoldUndoOutcome(Message):
    step: Literal["write-gold-undo-report"] = "write-gold-undo-report"
    status: GoldOpStatus
    report: str
    error_name: str | None
    summary: str
