"""The restore's last step: give the reset lease back, write the run report, return the
outcome the state machine's end needs (``Did the reset succeed?``).

It runs whatever happened before it. The lease is released by run id, so a run that
never took one (bad input found before) releases nothing; a restore can find bad input
after taking it (customers not in the gold copies), so it always asks.
"""

from __future__ import annotations

from collections.abc import Callable

from training_refresh.adapters.mysql import Connection, connected
from training_refresh.adapters.object_store import ObjectStore, put_json
from training_refresh.errors import bad_input_error_names
from training_refresh.lease import release_reset_lease
from training_refresh.messages.reset import ResetStatus
from training_refresh.messages.restore import (
    CustomersRestored,
    RestoreOutcome,
    RestoreReport,
    RestoreReportEvent,
    RestoreTableReport,
)
from training_refresh.run_files import now_iso, report_location, seconds_between

WORKFLOW = "reset"
"""A restore's report lies with the resets' (``reports/reset/<run>.json``)."""


def build_restore_report(
    event: RestoreReportEvent,
    *,
    store: ObjectStore,
    work_bucket: str,
    connect_mysql: Callable[[], Connection] | None,
) -> RestoreOutcome:
    run_id = event.execution.name
    restored = event.state.restored.result if event.state.restored else None
    caught = event.state.restore_error
    errors = [] if caught is None else [caught.details()]
    status: ResetStatus = "succeeded" if restored is not None and caught is None else "failed"
    if errors and errors[0].name in bad_input_error_names():
        status = "bad_input"
    warnings: list[str] = []
    released = _release(connect_mysql, run_id, warnings)
    started_at = event.execution.start_time or (restored.started_at if restored else now_iso())
    finished_at = now_iso()
    requested = event.state.customers
    fields = (
        _restored_fields(restored)
        if restored
        else {"customers_file": requested if isinstance(requested, str) else None}
    )
    report = RestoreReport(
        run_id=run_id,
        status=status,
        lease_released=released,
        warnings=warnings,
        errors=errors,
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=seconds_between(started_at, finished_at),
        **fields,
    )
    location = report_location(work_bucket, WORKFLOW, run_id)
    put_json(store, location, report.model_dump(mode="json"))
    failed = "RestoreFailed" if status != "succeeded" else None
    return RestoreOutcome(
        status=status,
        report=location.uri,
        error_name=errors[0].name if errors else failed,
        summary=restore_summary_line(report),
    )


def _restored_fields(restored: CustomersRestored) -> dict[str, object]:
    fields = restored.model_dump(
        include={
            "customers_file",
            "customers_requested",
            "customers_restored",
            "customers_not_in_gold",
            "not_in_gold_sample",
            "transaction_seconds",
            "gold_generation",
            "superseded_resets",
        }
    )
    fields["tables"] = [RestoreTableReport(**t.model_dump()) for t in restored.tables]
    fields["rows_deleted"] = sum(t.rows_deleted for t in restored.tables)
    fields["rows_inserted"] = sum(t.rows_inserted for t in restored.tables)
    return fields


def _release(
    connect_mysql: Callable[[], Connection] | None, run_id: str, warnings: list[str]
) -> bool:
    if connect_mysql is None:
        return False
    try:
        with connected(connect_mysql) as connection:
            return release_reset_lease(connection, run_id)
    except Exception as error:
        warnings.append(f"could not release the reset lease: {type(error).__name__}: {error}")
        return False


def restore_summary_line(report: RestoreReport) -> str:
    if report.status == "succeeded":
        line = (
            f"restore succeeded: {report.customers_restored} customer(s) back to their gold "
            f"rows in {len(report.tables)} table(s) ({report.rows_deleted} rows deleted, "
            f"{report.rows_inserted} inserted), {report.customers_not_in_gold} customer(s) "
            "not in the gold copies"
        )
    else:
        line = f"restore {report.status}: nothing was changed"
    if report.errors:
        first = report.errors[0]
        line += f"; {first.name}: {str(first.message)[:300]}"
    return line
