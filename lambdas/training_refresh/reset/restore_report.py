"""The restore's last step: give the reset lease back, write the run report, return the
outcome the state machine's end needs (``Did the reset succeed?``).

It runs whatever happened before it. The lease is released by run id, so a run that
never took one (bad input found before) releases nothing; a restore can find bad input
after taking it (customers not in the gold copies), so it always asks.
"""

from __future__ import annotations

from collections.abc import Callable

from training_refresh.adapters.mysql import Connection
from training_refresh.adapters.object_store import ObjectStore, put_json
from training_refresh.lease import release_reset_lease
from training_refresh.messages.restore import (
    CustomersRestored,
    RestoreOutcome,
    RestoreReport,
    RestoreReportEvent,
    RestoreTableReport,
)
from training_refresh.run_files import now_iso, report_location, seconds_between
from training_refresh.run_outcome import (
    error_name,
    errors_of,
    release_lease,
    status_of,
    with_first_error,
)

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
    errors = errors_of(caught)
    status = status_of(caught, restored is not None)
    warnings: list[str] = []
    released = release_lease(
        connect_mysql, release_reset_lease, run_id, warnings, lease="the reset lease"
    )
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
    return RestoreOutcome(
        status=status,
        report=location.uri,
        error_name=error_name(errors, status, "RestoreFailed"),
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
    return with_first_error(line, report.errors)
