"""The reset-stage workflow's messages: its event and its outcome (also its run report)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from training_refresh.messages.common import ExecutionInfo, Message

StageStatus = Literal["staged", "already staged", "skipped", "gave up"]


class StageResetEvent(Message):
    execution: ExecutionInfo


class StageOutcome(Message):
    """What the staging did; the run report (``reports/reset-stage/<run id>.json``) holds
    the same fields."""

    step: Literal["stage-reset-copies"] = "stage-reset-copies"
    workflow: Literal["reset-stage"] = "reset-stage"
    run_id: str
    status: StageStatus
    """``staged``: new staged copies are ready; ``already staged``: those of the published
    generation were there; ``skipped``: another staging was running (it stages the newest
    state); ``gave up``: gold was published during every round (the next staging tries)."""
    gold_generation: int | None = None
    """The gold generation the staged copies hold."""
    tables: dict[str, int] = Field(default_factory=dict)
    """Training table -> rows staged (this run)."""
    ready_at: str | None = None
    """When the next reset's staged copies became ready (UTC)."""
    duration_seconds: float = 0.0
    rounds: int = 0
    leftovers_dropped: list[str] = Field(default_factory=list)
    report: str | None = None
    """Where the run report is."""
