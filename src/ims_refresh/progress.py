"""What an execution has done so far, read from its Step Functions execution history.

``ExecutionProgress.apply`` takes history events (``GetExecutionHistory``, oldest first;
events already seen are skipped by id) and returns one plain line per thing worth telling
an operator: the plan's customer counts, each Lambda call of a table config (rows so far),
each table copied, failures, the swap. The lines are meant for a job log: no colours, no
cursor movement, one event per line.

Lambda results (``TaskSucceeded`` outputs carry the Lambda ``Payload``) are parsed as the
typed messages of ``training_refresh.messages`` and told apart by their ``step``, not by
state names, so renaming a state in the ASL files does not break progress. A table
config's rows are the running totals in the ``tables`` of its latest ``load-config``
result. Failures are the outputs of the ``Record ... failure`` Pass states (config or
table, status ``failed``, ``error``) and failed task attempts (``TaskFailed``, which Step
Functions may still retry).

Nothing here prints customer numbers: only counts, config and table names, error names
and the (already redacted) error messages of the Lambdas.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from ims_refresh.asl_files import is_retried
from training_refresh.messages.common import CaughtError
from training_refresh.messages.gold_load import (
    ConfigFailure,
    ConfigProgress,
    GoldLoadPlan,
    GoldLoadPublished,
)
from training_refresh.messages.reset import (
    CopyTask,
    ResetPlan,
    SwapOutcome,
    TableCopied,
)
from training_refresh.messages.restore import CustomersRestored
from training_refresh.messages.results import (
    MAP_ITEM,
    RECORDED_FAILURE,
    TASK_RESULT,
    Outcome,
    RecordedFailure,
    TaskResult,
)

MAX_MESSAGE_CHARS = 300
T = TypeVar("T")


def is_transient(error_name: str, workflow: str | None = None, state: str | None = None) -> bool:
    """Whether the workflow's ASL ``Retry`` of ``state`` names ``error_name`` (any task's
    when the workflow or state is unknown): the label comes from the ASL, not inheritance."""
    return is_retried(error_name, workflow, state)


@dataclass(frozen=True)
class ProgressLine:
    at: datetime | None
    """When the event happened (Step Functions' timestamp), if known."""
    text: str

    def render(self) -> str:
        return f"{timestamp(self.at)} {self.text}"


def timestamp(at: datetime | None) -> str:
    """``2025-04-01T06:30:12Z``: UTC, to the second (now when ``at`` is None)."""
    moment = at if at is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Unit:
    """One table config of a gold load, or one table of a reset."""

    name: str
    status: str = "running"
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    chunks_done: int = 0
    error: dict[str, str] | None = None
    failed_attempts: int = 0


def _details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping):
            return value
    return {}


def json_or_none(text: Any) -> Any:
    """A JSON document held in a Step Functions string field, or None."""
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _parsed(adapter: TypeAdapter[T], value: object) -> T | None:
    """``value`` as the message of ``adapter``, or None when it is not such a message."""
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


class ExecutionProgress:
    """Accumulates one execution's history; see the module docstring."""

    def __init__(self, workflow: str | None = None) -> None:
        self.workflow = workflow
        self.last_event_id = 0
        self.units: dict[str, Unit] = {}
        self.total: int | None = None
        self.plan: GoldLoadPlan | ResetPlan | None = None
        self.swap: SwapOutcome | None = None
        self.outcome: Outcome | None = None
        """The report step's result: status, report URI, summary."""
        self._entered: dict[int, tuple[str, str | None]] = {}
        """TaskStateEntered id → (state name, config or table it works on)."""
        self._origin: dict[int, int] = {}
        """Task event id → the id of the TaskStateEntered it belongs to."""
        self._running: set[int] = set()

    # ------------------------------------------------------------------ reading events

    def apply(self, events: Iterable[Mapping[str, Any]]) -> list[ProgressLine]:
        lines: list[ProgressLine] = []
        for event in events:
            event_id = int(event.get("id", 0))
            if event_id <= self.last_event_id:
                continue
            self.last_event_id = event_id
            text = self._apply_one(event_id, event)
            if text:
                lines.append(ProgressLine(event.get("timestamp"), text))
        return lines

    def _apply_one(self, event_id: int, event: Mapping[str, Any]) -> str | None:
        kind = str(event.get("type", ""))
        details = _details(event)
        previous = int(event.get("previousEventId") or 0)
        if kind == "TaskStateEntered":
            self._task_entered(event_id, details)
            return None
        if kind.startswith("Task") and previous in self._origin:
            self._origin[event_id] = self._origin[previous]
        if kind == "TaskStateExited":
            self._running.discard(self._origin.get(event_id, -1))
        elif kind == "MapStateStarted" and isinstance(details.get("length"), int):
            self.total = int(details["length"])
        elif kind == "TaskSucceeded":
            output = json_or_none(details.get("output"))
            if isinstance(output, Mapping) and isinstance(output.get("Payload"), Mapping):
                result = _parsed(TASK_RESULT, output["Payload"])
                return None if result is None else self._result(result)
        elif kind in {"TaskFailed", "TaskTimedOut"}:
            return self._attempt_failed(event_id, details)
        elif kind.endswith("StateExited"):
            failure = _parsed(RECORDED_FAILURE, json_or_none(details.get("output")))
            return None if failure is None else self._recorded_failure(failure)
        return None

    def _task_entered(self, event_id: int, details: Mapping[str, Any]) -> None:
        item = _parsed(MAP_ITEM, json_or_none(details.get("input")))
        label = None
        if item is not None:
            label = item.table if isinstance(item, CopyTask) else item.config
        self._entered[event_id] = (str(details.get("name", "")), label)
        self._origin[event_id] = event_id
        self._running.add(event_id)

    def _result(self, result: TaskResult) -> str | None:
        """A Lambda result, by its ``step``; None for a step with nothing to tell."""
        handlers: dict[type, Callable[[Any], str]] = {
            GoldLoadPlan: self._planned,
            ConfigProgress: self._config_progress,
            GoldLoadPublished: GoldLoadPublished.progress_line,
            ResetPlan: self._prepared,
            TableCopied: self._table_copied,
            SwapOutcome: self._swapped,
            CustomersRestored: CustomersRestored.progress_line,
        }
        handler = handlers.get(type(result))
        if handler is not None:
            return handler(result)
        return self._reported(result) if isinstance(result, Outcome) else None

    def _reported(self, outcome: Outcome) -> str:
        self.outcome = outcome
        return f"run report written: {outcome.report}"

    # ---------------------------------------------------------------------- gold load

    @property
    def dry_run(self) -> bool:
        return isinstance(self.plan, GoldLoadPlan) and self.plan.dry_run

    def _planned(self, plan: GoldLoadPlan) -> str:
        self.workflow = self.workflow or "gold-load"
        self.plan = plan
        self.total = len(plan.configs)
        for name in plan.configs:
            self.units.setdefault(name, Unit(name))
        verb = "count (preview, nothing written)" if self.dry_run else "load"
        line = (
            f"plan: {plan.customers_requested} customer(s) requested, "
            f"{plan.customers_found} found, {plan.customers_missing} "
            f"missing; {len(plan.configs)} config(s) to {verb} in {plan.chunk_count} "
            "chunk(s) each"
        )
        if plan.lease_wait_seconds >= 1:
            line += f"; waited {plan.lease_wait_seconds:.0f} s for its turn"
        return line

    def _config_progress(self, result: ConfigProgress) -> str:
        self.workflow = self.workflow or "gold-load"
        unit = self.units.setdefault(result.config, Unit(result.config))
        unit.tables = {table: counts.model_dump() for table, counts in result.tables.items()}
        unit.chunks_done = result.next_chunk
        chunks = self.plan.chunk_count if isinstance(self.plan, GoldLoadPlan) else None
        of_chunks = f" of {chunks}" if chunks is not None else ""
        tables = ", ".join(
            f"{table} {self._rows_text(counts)}" for table, counts in sorted(unit.tables.items())
        )
        if result.done:
            unit.status = "loaded"
            return (
                f"{unit.name} {'counted' if self.dry_run else 'loaded'}: {tables or 'no tables'}"
                f" - {self._tally()}"
            )
        return f"{unit.name}: {unit.chunks_done}{of_chunks} chunk(s) so far: {tables}"

    def _rows_text(self, counts: Mapping[str, int]) -> str:
        read = counts.get("rows_read", 0)
        if self.dry_run:
            return f"{read} rows read"
        return f"{read} rows read, {counts.get('rows_written', 0)} written"

    # -------------------------------------------------------------------------- reset

    def _prepared(self, plan: ResetPlan) -> str:
        self.workflow = self.workflow or "reset"
        self.plan = plan
        self.total = len(plan.tables)
        for name in plan.tables:
            self.units.setdefault(name, Unit(name))
        line = (
            f"reset lease taken; {len(plan.tables)} table(s) to copy "
            f"from gold generation {plan.gold_generation}"
        )
        if plan.superseded_resets:
            line += f"; took over from reset(s) {', '.join(plan.superseded_resets)}"
        if plan.leftovers_dropped:
            line += f"; dropped leftovers {', '.join(plan.leftovers_dropped)}"
        return line

    def _table_copied(self, copy: TableCopied) -> str:
        self.workflow = self.workflow or "reset"
        unit = self.units.setdefault(copy.table, Unit(copy.table))
        unit.status = "copied"
        unit.tables = {unit.name: {"rows_read": copy.rows, "rows_written": copy.rows}}
        return f"{unit.name} copied to staging: {copy.rows} rows - {self._tally()}"

    def _swapped(self, swap: SwapOutcome) -> str:
        self.swap = swap
        for name in swap.tables:
            if name in self.units:
                self.units[name].status = "swapped"
        again = f", copied again {swap.recopies} time(s) (gold published meanwhile)"
        return (
            f"swapped {len(swap.tables)} training table(s) in one RENAME "
            f"({swap.attempts} attempt(s)); they hold gold generation {swap.gold_generation}"
            f"{again if swap.recopies else ''}"
        )

    # ----------------------------------------------------------------------- failures

    def _recorded_failure(self, failure: RecordedFailure) -> str:
        name = failure.config if isinstance(failure, ConfigFailure) else failure.table
        unit = self.units.setdefault(name, Unit(name))
        unit.status = "failed"
        error = failure.error.details()
        unit.error = error.model_dump()
        return f"{unit.name} FAILED: {error.name}: {_short(str(error.message))} - {self._tally()}"

    def _attempt_failed(self, event_id: int, details: Mapping[str, Any]) -> str | None:
        """A task attempt failed. Transient errors are retried by the state machine; any
        other error of a config or table is told by its ``Record ... failure`` line, and
        one of a single step (plan, prepare, swap) is told here."""
        state, label = self._entered.get(self._origin.get(event_id, -1), ("a step", None))
        caught = {"Error": details.get("error"), "Cause": details.get("cause")}
        error = CaughtError.model_validate(caught).details()
        if label and label in self.units:
            self.units[label].failed_attempts += 1
        where = f"{label}: " if label else ""
        text = f"{error.name}: {_short(str(error.message))}"
        if is_transient(str(error.name), self.workflow, state):
            return f"{where}{state} attempt failed: {text} (transient: the workflow may retry it)"
        if label:
            return None
        return f"{state} failed: {text}"

    # ------------------------------------------------------------------------ summary

    @property
    def unit_kind(self) -> str:
        return "table" if self.workflow == "reset" else "config"

    @property
    def done(self) -> int:
        return sum(1 for unit in self.units.values() if unit.status != "running")

    @property
    def rows_so_far(self) -> int:
        key = "rows_read" if self.dry_run else "rows_written"
        return sum(
            counts.get(key, 0) for unit in self.units.values() for counts in unit.tables.values()
        )

    def _tally(self) -> str:
        total = self.total if self.total is not None else len(self.units)
        what = "rows read (preview)" if self.dry_run else "rows written"
        if self.workflow == "reset":
            what = "rows copied"
        return f"{self.done} of {total} {self.unit_kind}(s) done, {self.rows_so_far} {what} so far"

    def running_steps(self) -> list[str]:
        steps = []
        for entered in sorted(self._running):
            state, label = self._entered[entered]
            steps.append(f"{state} ({label})" if label else state)
        return steps

    def heartbeat(self, elapsed_seconds: float) -> str:
        line = f"still running after {duration_text(elapsed_seconds)}"
        if self.units:
            line += f": {self._tally()}"
        steps = self.running_steps()
        if steps:
            line += f"; now: {', '.join(steps)}"
        return line

    def snapshot(self) -> dict[str, Any]:
        """The progress as JSON-ready data (``status --json``)."""
        return {
            "unit": self.unit_kind,
            "total": self.total if self.total is not None else len(self.units),
            "done": self.done,
            "rows_so_far": self.rows_so_far,
            "dry_run": self.dry_run,
            "customers": None
            if not isinstance(self.plan, GoldLoadPlan)
            else {
                "requested": self.plan.customers_requested,
                "found": self.plan.customers_found,
                "missing": self.plan.customers_missing,
            },
            "items": [
                {
                    "name": unit.name,
                    "status": unit.status,
                    "tables": unit.tables,
                    **({"chunks_done": unit.chunks_done} if self.workflow != "reset" else {}),
                    "failed_attempts": unit.failed_attempts,
                    "error": unit.error,
                }
                for unit in self.units.values()
            ],
            "swap": None if self.swap is None else self.swap.model_dump(mode="json"),
            "running_steps": self.running_steps(),
        }


def duration_text(seconds: float) -> str:
    """``45s``, ``12m05s``, ``2h03m``."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{(whole % 3600) // 60:02d}m"
