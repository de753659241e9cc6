"""The reset workflow's messages: prepare, copy one table, swap, the run report, the outcome.

The state machine (``statemachines/reset.asl.json``) keeps the plan under
``$.prepared.plan``, each table's copy (or its recorded failure) in ``$.copies``, the swap
under ``$.swapped.result``, and caught errors under ``$.prepare_error``, ``$.copy_error``
and ``$.swap_error``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue

from training_refresh.messages.common import (
    CaughtError,
    ErrorDetail,
    ExecutionInfo,
    Lenient,
    Message,
    RunStatus,
)

ResetStatus = RunStatus
RunId = Annotated[str, Field(min_length=1, max_length=128)]
TableName = Annotated[str, Field(min_length=1, max_length=64)]


class ResetRequest(Lenient):
    """The execution input; the prepare step validates it."""

    tables: JsonValue = None
    """Training table names (a list or a comma-separated string); None: every enabled one."""
    allow_empty: JsonValue = None
    """True: swap in empty gold copies too (an empty training table); otherwise a reset
    that finds an empty gold copy fails with EmptyGoldCopyError and swaps nothing."""


def reset_request(tables: list[str] | None, *, allow_empty: bool) -> dict[str, JsonValue]:
    """The execution input the CLI sends: only what the operator chose."""
    request: dict[str, JsonValue] = {}
    if tables is not None:
        request["tables"] = list(tables)
    if allow_empty:
        request["allow_empty"] = True
    return request


class PrepareResetEvent(Message):
    request: ResetRequest
    execution: ExecutionInfo


class ResetPlan(Message):
    """The tables to copy (largest first), and what taking the lease involved."""

    step: Literal["prepare-reset"] = "prepare-reset"
    run_id: str
    tables: list[str]
    started_at: str
    waited_for_gold_loads_seconds: float = 0.0
    """Always 0 since resets no longer wait for gold loads (kept for older reports)."""
    waited_for_gold_loads: list[str] = Field(default_factory=list)
    superseded_resets: list[str]
    leftovers_dropped: list[str]
    gold_generation: int = Field(default=0, ge=0)
    """The published gold generation (IMS_GOLD_STATE; 0 before the first publication)
    when the reset started copying; the swap re-checks it."""
    staged: bool = False
    """Every table had a staged copy of ``gold_generation`` (``reset/stage.py``): nothing is
    copied, the swap renames them in (it re-checks them inside its critical section)."""
    copy_tables: list[str] | None = None
    """The tables the copy step copies: ``tables``, or none on the staged path (None in
    plans of older versions: ``tables``)."""


class CopyTask(Message):
    run_id: RunId
    table: TableName


class TableCopied(Message):
    step: Literal["copy-reset-table"] = "copy-reset-table"
    table: str
    status: Literal["copied"] = "copied"
    rows: int
    duration_seconds: float


class CopyFailure(Message):
    """What the ``Record copy failure`` state keeps of a table whose copy failed."""

    table: str
    status: Literal["failed"]
    error: CaughtError


CopyResult = Annotated[TableCopied | CopyFailure, Field(discriminator="status")]


class SwapTask(Message):
    run_id: RunId
    tables: list[str] = Field(min_length=1)
    gold_generation: int = Field(default=0, ge=0)
    """The gold generation the copies were made from (the plan's)."""
    staged: bool = False
    """The plan's: rename the staged copies in (copy now if they are not of the published
    generation)."""


class SwapOutcome(Message):
    step: Literal["swap-reset-tables"] = "swap-reset-tables"
    status: Literal["swapped"] = "swapped"
    tables: list[str]
    attempts: int
    duration_seconds: float
    old_tables_dropped: list[str]
    warnings: list[str]
    gold_generation: int = 0
    """The gold generation the training tables now hold."""
    recopies: int = 0
    """How often the swap copied gold again because a publication replaced it meanwhile."""
    recopied_rows: dict[str, int] = Field(default_factory=dict)
    """Table -> rows of its last copy, for the tables the swap copied again."""
    path: Literal["staged", "copied"] = "copied"
    """``staged``: the staged copies were renamed in, nothing copied; ``copied``: copied
    for this reset."""
    staged_ready_at: str | None = None
    """When the staged copies it published became ready (staged path)."""
    staged_rows: dict[str, int] = Field(default_factory=dict)
    """Table -> rows of the staged copy it published (staged path)."""
    fallback: str | None = None
    """Why a reset planned on staged copies copied now instead (those copies are in
    ``recopied_rows``)."""
    swapped_at: str | None = None
    """When the training tables were swapped."""
    old_tables_drop_seconds: float = 0.0
    """Dropping the old tables after the swap and the lease release (not in
    ``duration_seconds``)."""


class PreparedStep(Message):
    plan: ResetPlan


class SwappedStep(Message):
    result: SwapOutcome


class ResetState(Lenient):
    """The whole state at the report step."""

    tables: JsonValue = None
    """The execution input's ``tables``, as requested."""
    prepared: PreparedStep | None = None
    prepare_error: CaughtError | None = None
    copies: list[CopyResult] = Field(default_factory=list)
    copy_error: CaughtError | None = None
    swapped: SwappedStep | None = None
    swap_error: CaughtError | None = None


class ResetReportEvent(Message):
    execution: ExecutionInfo
    state: ResetState


# --- the run report (JSON in S3) ---------------------------------------------------------


class ResetTableReport(Lenient):
    table: str | None = None
    status: str = "copy failed"
    rows_read: int = 0
    rows_written: int = 0
    copy_seconds: float = 0.0


class SwapReport(Lenient):
    status: str = "not run"
    attempts: int = 0
    duration_seconds: float = 0.0
    old_tables_dropped: list[str] = Field(default_factory=list)
    gold_generation: int | None = None
    """The gold generation the training tables hold after the swap (None: not swapped)."""
    recopies: int = 0
    recopied_tables: list[str] = Field(default_factory=list)
    path: str | None = None
    """``staged`` (staged copies renamed in) or ``copied`` (copied now); None: not swapped."""
    seconds_to_swap: float | None = None
    """From the reset's start until the training tables were swapped."""
    staged_ready_at: str | None = None
    """When the staged copies this reset published became ready (staged path)."""
    fallback: str | None = None
    """Why a reset planned on staged copies copied now instead."""
    old_tables_drop_seconds: float = 0.0
    """Dropping the old tables, after the swap and the lease release."""


class LeaseReport(Lenient):
    waited_for_gold_loads_seconds: float = 0.0
    waited_for_gold_loads: list[str] = Field(default_factory=list)
    superseded_resets: list[str] = Field(default_factory=list)
    released_by_report: bool = False


class ResetError(ErrorDetail):
    table: str | None = None
    step: str | None = None
    """prepare, copy or swap."""


class ResetReport(Lenient):
    """The reset's run report (lenient, as GoldLoadReport)."""

    workflow: str = "reset"
    run_id: str
    status: str
    requested_tables: JsonValue = None
    tables: list[ResetTableReport] = Field(default_factory=list)
    rows_copied: int = 0
    swap: SwapReport = Field(default_factory=SwapReport)
    lease: LeaseReport = Field(default_factory=LeaseReport)
    leftovers_dropped: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    errors: list[ResetError] = Field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    note: str | None = Field(default=None, exclude_if=lambda note: note is None)


class ResetOutcome(Message):
    step: Literal["write-reset-report"] = "write-reset-report"
    status: ResetStatus
    report: str
    failed_tables: list[str]
    error_name: str | None
    summary: str
