"""The reset's last step: give the lease back, write the run report, return the outcome.

It runs whatever happened before it (bad input, a failed copy, a blocked swap), connects
only to release the lease (so an unreachable database still leaves a report), and never
releases a lease after bad input (that run never took one).
"""

from __future__ import annotations

from collections.abc import Callable

from training_refresh.adapters.mysql import Connection, connected
from training_refresh.adapters.object_store import ObjectStore, S3Location, put_json
from training_refresh.errors import bad_input_error_names
from training_refresh.lease import release_reset_lease
from training_refresh.messages.common import CaughtError
from training_refresh.messages.reset import (
    CopyFailure,
    LeaseReport,
    ResetError,
    ResetOutcome,
    ResetPlan,
    ResetReport,
    ResetReportEvent,
    ResetState,
    ResetStatus,
    ResetTableReport,
    SwapOutcome,
    SwapReport,
    TableCopied,
)
from training_refresh.run_files import now_iso, report_location, seconds_between

WORKFLOW = "reset"


def reset_report_location(work_bucket: str, run_id: str) -> S3Location:
    return report_location(work_bucket, WORKFLOW, run_id)


def build_reset_report(
    event: ResetReportEvent,
    *,
    store: ObjectStore,
    work_bucket: str,
    connect_mysql: Callable[[], Connection] | None,
) -> ResetOutcome:
    """Write the JSON run report to S3, give the reset lease back if this run still holds
    it (whatever happened), and return the short outcome the workflow's end needs."""
    run_id = event.execution.name
    state = event.state
    plan = state.prepared.plan if state.prepared else None
    swap = state.swapped.result if state.swapped else None
    errors = _errors(state)
    status = _status(errors, swap)
    warnings = list(swap.warnings) if swap else []
    lease_released = False
    if status != "bad_input" and connect_mysql is not None:
        lease_released = _release_lease(connect_mysql, run_id, warnings)
    tables = _tables(plan, state, swapped=status == "succeeded")
    if status == "succeeded":
        warnings += [
            f"the gold copy of {t.table} is empty, so {t.table} is empty now"
            for t in tables
            if t.status == "swapped" and t.rows_written == 0
        ]
    started_at = event.execution.start_time or (plan.started_at if plan else None) or now_iso()
    finished_at = now_iso()
    report = ResetReport(
        run_id=run_id,
        status=status,
        requested_tables=state.tables,
        tables=tables,
        rows_copied=sum(t.rows_written for t in tables) if status == "succeeded" else 0,
        swap=_swap_report(swap, started_at),
        lease=_lease_report(plan, lease_released),
        leftovers_dropped=plan.leftovers_dropped if plan else [],
        warnings=warnings,
        errors=errors,
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=seconds_between(started_at, finished_at),
    )
    location = reset_report_location(work_bucket, run_id)
    put_json(store, location, report.model_dump(mode="json"))
    return ResetOutcome(
        status=status,
        report=location.uri,
        failed_tables=[str(t.table) for t in tables if t.status == "copy failed"],
        error_name=errors[0].name if errors else ("ResetFailed" if status != "succeeded" else None),
        summary=summary_line(report),
    )


def _errors(state: ResetState) -> list[ResetError]:
    """Every caught error, in the order of the steps."""
    caught: list[tuple[str | None, str, CaughtError | None]] = [
        (None, "prepare", state.prepare_error)
    ]
    caught += [(c.table, "copy", c.error) for c in state.copies if isinstance(c, CopyFailure)]
    caught += [(None, "copy", state.copy_error), (None, "swap", state.swap_error)]
    return [
        ResetError(table=table, step=step, **error.details().model_dump())
        for table, step, error in caught
        if error is not None
    ]


def _status(errors: list[ResetError], swap: SwapOutcome | None) -> ResetStatus:
    if errors and errors[0].step == "prepare" and errors[0].name in bad_input_error_names():
        return "bad_input"
    return "succeeded" if swap is not None and not errors else "failed"


def _release_lease(
    connect_mysql: Callable[[], Connection], run_id: str, warnings: list[str]
) -> bool:
    try:
        with connected(connect_mysql) as connection:
            return release_reset_lease(connection, run_id)
    except Exception as error:
        warnings.append(f"could not release the reset lease: {type(error).__name__}: {error}")
        return False


def _tables(plan: ResetPlan | None, state: ResetState, *, swapped: bool) -> list[ResetTableReport]:
    copied = {c.table: c for c in state.copies if isinstance(c, TableCopied)}
    result = state.swapped.result if state.swapped else None
    by_swap = {**result.staged_rows, **result.recopied_rows} if result else {}
    reports = []
    for name in plan.tables if plan else []:
        copy = copied.get(name)
        rows = by_swap.get(name, copy.rows if copy else 0)
        done = copy is not None or name in by_swap
        reports.append(
            ResetTableReport(
                table=name,
                status=("swapped" if swapped else "not swapped") if done else "copy failed",
                rows_read=rows,
                rows_written=rows,
                copy_seconds=copy.duration_seconds if copy else 0.0,
            )
        )
    return reports


def _swap_report(swap: SwapOutcome | None, started_at: str) -> SwapReport:
    if swap is None:
        return SwapReport()
    to_swap = seconds_between(started_at, swap.swapped_at) if swap.swapped_at else None
    return SwapReport(
        status=swap.status,
        attempts=swap.attempts,
        duration_seconds=swap.duration_seconds,
        old_tables_dropped=swap.old_tables_dropped,
        gold_generation=swap.gold_generation,
        recopies=swap.recopies,
        recopied_tables=sorted(swap.recopied_rows),
        path=swap.path,
        seconds_to_swap=to_swap,
        staged_ready_at=swap.staged_ready_at,
        fallback=swap.fallback,
        old_tables_drop_seconds=swap.old_tables_drop_seconds,
    )


def _lease_report(plan: ResetPlan | None, released: bool) -> LeaseReport:
    if plan is None:
        return LeaseReport(released_by_report=released)
    return LeaseReport(
        waited_for_gold_loads_seconds=plan.waited_for_gold_loads_seconds,
        waited_for_gold_loads=plan.waited_for_gold_loads,
        superseded_resets=plan.superseded_resets,
        released_by_report=released,
    )


def summary_line(report: ResetReport) -> str:
    line = f"reset {report.status}: {len(report.tables)} table(s), {report.rows_copied} rows copied"
    if report.errors:
        first = report.errors[0]
        where = first.table or first.step
        line += f"; {where}: {first.name}: {str(first.message)[:300]}"
    return line
