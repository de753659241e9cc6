"""The last step of gold-undo and gold-remove: give the lease back, write the run
report to S3, return the short outcome the workflow's end needs.

It runs whatever happened before it, connects only to release the lease (so an
unreachable database still leaves a report), and never releases after bad input found
before the lease was taken.
"""

from __future__ import annotations

from collections.abc import Callable

from training_refresh.adapters.mysql import Connection
from training_refresh.adapters.object_store import ObjectStore, put_json
from training_refresh.gold_load.privacy_gate import privacy_section
from training_refresh.lease import release_gold_load_lease
from training_refresh.messages.gold_remove import (
    GoldRemoveOutcome,
    GoldRemoveReport,
    GoldRemoveReportEvent,
)
from training_refresh.messages.gold_undo import (
    GoldUndoOutcome,
    GoldUndoReport,
    GoldUndoReportEvent,
)
from training_refresh.run_files import now_iso, report_location, seconds_between
from training_refresh.run_outcome import (
    error_name,
    errors_of,
    release_lease,
    status_of,
    with_first_error,
)
from training_refresh.table_groups import TableGroupSet

UNDO_WORKFLOW = "gold-undo"


def release_writer(
    connect_mysql: Callable[[], Connection] | None, run_id: str, warnings: list[str]
) -> bool:
    """Give ``run_id``'s gold writer lease back; a failure is a warning."""
    return release_lease(connect_mysql, release_gold_load_lease, run_id, warnings)


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
        error_name=error_name(report.errors, status, "GoldUndoFailed"),
        summary=undo_summary_line(report),
    )


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
    return with_first_error(line, report.errors)


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
        error_name=error_name(report.errors, status, "GoldRemoveFailed"),
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
    return with_first_error(line, report.errors)
