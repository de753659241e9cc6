"""The last step of gold-undo and gold-remove: give the lease back, write the run
report to S3, return the short outcome the workflow's end needs.

It runs whatever happened before it, connects only to release the lease (so an
unreachable database still leaves a report), and never releases after bad input found
before the lease was taken.
"""

from __future__ import annotations

from collections.abc import Callable

from training_refresh.adapters.mysql import Connection, connected
from training_refresh.adapters.object_store import ObjectStore, put_json
from training_refresh.errors import bad_input_error_names
from training_refresh.gold_load.privacy_gate import privacy_section
from training_refresh.lease import release_gold_load_lease
from training_refresh.messages.common import CaughtError, ErrorDetail
from training_refresh.messages.gold_remove import (
    GoldRemoveOutcome,
    GoldRemoveReport,
    GoldRemoveReportEvent,
)
from training_refresh.messages.gold_undo import (
    GoldOpStatus,
    GoldUndoOutcome,
    GoldUndoReport,
    GoldUndoReportEvent,
)
from training_refresh.run_files import now_iso, report_location, seconds_between
from training_refresh.table_groups import TableGroupSet

UNDO_WORKFLOW = "gold-undo"


def release_writer(
    connect_mysql: Callable[[], Connection] | None, run_id: str, warnings: list[str]
) -> bool:
    """Give ``run_id``'s lease back; a failure is a warning (the lease expires anyway)."""
    if connect_mysql is None:
        return False
    try:
        with connected(connect_mysql) as connection:
            return release_gold_load_lease(connection, run_id)
    except Exception as error:
        warnings.append(f"could not release the lease: {type(error).__name__}: {error}")
        return False


def status_of(error: CaughtError | None, published: bool) -> GoldOpStatus:
    if error is not None and str(error.error) in bad_input_error_names():
        return "bad_input"
    return "succeeded" if published and error is None else "failed"


def errors_of(error: CaughtError | None) -> list[ErrorDetail]:
    return [] if error is None else [error.details()]


def build_gold_undo_report(
    event: GoldUndoReportEvent,
    *,
    store: ObjectStore,
    work_bucket: str,
    connect_mysql: Callable[[], Connection] | None,
) -> GoldUndoOutcome:
    run_id = event.execution.name
    undone = event.state.undone.result if event.state.undone else None
    caught = event.state.undo_error
    status = status_of(caught, undone is not None)
    warnings = list(undone.warnings) if undone else []
    released = release_writer(connect_mysql, run_id, warnings)
    started_at = event.execution.start_time or (undone.started_at if undone else now_iso())
    finished_at = now_iso()
    report = GoldUndoReport(
        run_id=run_id,
        status=status,
        lease_released=released,
        warnings=warnings,
        errors=errors_of(caught),
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=seconds_between(started_at, finished_at),
        **(
            undone.model_dump(
                include={
                    "generation",
                    "undone_run_id",
                    "undone_workflow",
                    "restored_generation",
                    "restored_run_id",
                    "tables_changed",
                    "rename_attempts",
                    "locked_seconds",
                }
            )
            if undone
            else {}
        ),
    )
    location = report_location(work_bucket, UNDO_WORKFLOW, run_id)
    put_json(store, location, report.model_dump(mode="json"))
    return GoldUndoOutcome(
        status=status,
        report=location.uri,
        error_name=_error_name(report.errors, status, "GoldUndoFailed"),
        summary=undo_summary_line(report),
    )


def _error_name(errors: list[ErrorDetail], status: GoldOpStatus, fallback: str) -> str | None:
    if errors:
        return errors[0].name
    return None if status == "succeeded" else fallback


def undo_summary_line(report: GoldUndoReport) -> str:
    if report.status == "succeeded":
        restored = (
            f"the state after run {report.restored_run_id}"
            if report.restored_run_id
            else "the gold copies as they were before any publication"
        )
        line = (
            f"gold-undo succeeded: took back run {report.undone_run_id}; {restored} "
            f"is live again (generation {report.generation})"
        )
    else:
        line = f"gold-undo {report.status}: nothing was changed"
    if report.errors:
        first = report.errors[0]
        line += f"; {first.name}: {str(first.message)[:300]}"
    return line


REMOVE_WORKFLOW = "gold-remove"


def build_gold_remove_report(
    event: GoldRemoveReportEvent,
    *,
    store: ObjectStore,
    work_bucket: str,
    connect_mysql: Callable[[], Connection] | None,
    table_groups: TableGroupSet,
) -> GoldRemoveOutcome:
    run_id = event.execution.name
    removed = event.state.removed.result if event.state.removed else None
    caught = event.state.remove_error
    status = status_of(caught, removed is not None)
    warnings = list(removed.warnings) if removed else []
    released = release_writer(connect_mysql, run_id, warnings)
    started_at = event.execution.start_time or (removed.started_at if removed else now_iso())
    finished_at = now_iso()
    scenario = event.state.scenarios
    report = GoldRemoveReport(
        run_id=run_id,
        status=status,
        lease_released=released,
        warnings=warnings,
        errors=errors_of(caught),
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=seconds_between(started_at, finished_at),
        privacy=privacy_section(table_groups.groups, {}),
        **(
            removed.model_dump(
                include={
                    "scenario_file",
                    "customers_requested",
                    "customers_removed",
                    "customers_not_present",
                    "not_present_sample",
                    "rows_removed",
                    "generation",
                    "rename_attempts",
                    "locked_seconds",
                    "leftovers_dropped",
                }
            )
            if removed
            else {"scenario_file": scenario if isinstance(scenario, str) else None}
        ),
    )
    location = report_location(work_bucket, REMOVE_WORKFLOW, run_id)
    put_json(store, location, report.model_dump(mode="json"))
    return GoldRemoveOutcome(
        status=status,
        report=location.uri,
        error_name=_error_name(report.errors, status, "GoldRemoveFailed"),
        summary=remove_summary_line(report),
    )


def remove_summary_line(report: GoldRemoveReport) -> str:
    if report.status == "succeeded":
        line = (
            f"gold-remove succeeded: {report.customers_removed} customer(s) removed, "
            f"{sum(report.rows_removed.values())} row(s), {report.customers_not_present} "
            "customer(s) of the file were not in the gold copies"
        )
    else:
        line = f"gold-remove {report.status}: nothing was changed"
    if report.errors:
        first = report.errors[0]
        line += f"; {first.name}: {str(first.message)[:300]}"
    return line
