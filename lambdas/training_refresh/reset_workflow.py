"""The reset workflow's steps as plain functions: prepare, copy one table, swap, report.

The Lambda handlers in ``handlers/reset.py`` only build the adapters these take. State
between steps stays tiny: table names, the run id and a few counts per table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

from training_refresh.gold_merge import Connection
from training_refresh.object_store import ObjectStore, S3Location, put_json
from training_refresh.refresh_lock import (
    LeaseTimes,
    acquire_reset_lease,
    release_reset_lease,
)
from training_refresh.reset import (
    SwapSettings,
    build_staging_copy,
    clean_leftovers,
    largest_first,
    select_tables,
    swap_all,
)
from training_refresh.run_reports import (
    bad_input_error_names,
    error_details,
    now_iso,
    report_location,
    requested_names,
    seconds_between,
)
from training_refresh.table_configs import TableConfigSet

WORKFLOW = "reset"


def reset_report_location(work_bucket: str, run_id: str) -> S3Location:
    return report_location(work_bucket, WORKFLOW, run_id)


@contextmanager
def _connected(connect_mysql: Callable[[], Connection]) -> Iterator[Connection]:
    connection = connect_mysql()
    try:
        yield connection
    finally:
        close = getattr(connection, "close", None)
        if close is not None:
            with suppress(Exception):
                close()


def prepare_reset(
    request: Mapping[str, Any],
    *,
    run_id: str,
    connect_mysql: Callable[[], Connection],
    configs: TableConfigSet,
    lease_times: LeaseTimes | None = None,
) -> dict[str, Any]:
    """Validate the tables (BadInputError before touching anything), take the reset lease
    (waiting a bounded time for gold loads) and drop what crashed resets left behind."""
    specs = select_tables(configs, requested_names(request.get("tables"), "training table"))
    started_at = now_iso()
    with _connected(connect_mysql) as connection:
        lease = acquire_reset_lease(connection, run_id, lease_times)
        dropped = clean_leftovers(connection, configs.all_tables())
        with connection.cursor() as cursor:
            in_copy_order = largest_first(cursor, specs)
    return {
        "run_id": run_id,
        "tables": [spec.training_table for spec in in_copy_order],
        "started_at": started_at,
        "waited_for_gold_loads_seconds": lease.waited_seconds,
        "waited_for_gold_loads": list(lease.waited_for),
        "superseded_resets": list(lease.superseded_runs),
        "leftovers_dropped": dropped,
    }


def copy_table(
    task: Mapping[str, Any],
    *,
    connect_mysql: Callable[[], Connection],
    configs: TableConfigSet,
    lease_times: LeaseTimes | None = None,
) -> dict[str, Any]:
    """Build one table's staging copy from its gold copy (server side)."""
    spec = configs.table(str(task["table"]))
    with _connected(connect_mysql) as connection:
        result = build_staging_copy(connection, spec, str(task["run_id"]), lease_times=lease_times)
    return {
        "table": result.table,
        "status": "copied",
        "rows": result.rows,
        "duration_seconds": result.seconds,
    }


def swap_tables(
    task: Mapping[str, Any],
    *,
    connect_mysql: Callable[[], Connection],
    configs: TableConfigSet,
    lease_times: LeaseTimes | None = None,
    settings: SwapSettings | None = None,
) -> dict[str, Any]:
    """Swap every copied table in one atomic RENAME, drop the olds, release the lease."""
    run_id = str(task["run_id"])
    specs = [configs.table(str(name)) for name in task["tables"]]
    with _connected(connect_mysql) as connection:
        result = swap_all(connection, specs, run_id, settings=settings, lease_times=lease_times)
        release_reset_lease(connection, run_id)
    return {
        "status": "swapped",
        "tables": result.tables,
        "attempts": result.attempts,
        "duration_seconds": result.seconds,
        "old_tables_dropped": result.old_tables_dropped,
        "warnings": result.warnings,
    }


# --- report ----------------------------------------------------------------------------


def build_reset_report(
    event: Mapping[str, Any],
    *,
    store: ObjectStore,
    work_bucket: str,
    connect_mysql: Callable[[], Connection] | None,
) -> dict[str, Any]:
    """Write the JSON run report to S3, give the reset lease back if this run still holds
    it (whatever happened), and return the short outcome the workflow's end needs."""
    execution = event.get("execution") or {}
    run_id = str(execution.get("name", "unknown-run"))
    state: Mapping[str, Any] = event.get("state") or {}
    plan: Mapping[str, Any] = (state.get("prepared") or {}).get("plan") or {}
    copies: list[Mapping[str, Any]] = list(state.get("copies") or [])
    swap: Mapping[str, Any] = (state.get("swapped") or {}).get("result") or {}
    errors: list[dict[str, Any]] = []
    if state.get("prepare_error"):
        errors.append({"table": None, "step": "prepare", **error_details(state["prepare_error"])})
    for copy in copies:
        if "error" in copy:
            errors.append(
                {"table": copy.get("table"), "step": "copy", **error_details(copy["error"])}
            )
    if state.get("copy_error"):
        errors.append({"table": None, "step": "copy", **error_details(state["copy_error"])})
    if state.get("swap_error"):
        errors.append({"table": None, "step": "swap", **error_details(state["swap_error"])})

    bad_input = (
        bool(errors)
        and errors[0]["step"] == "prepare"
        and (errors[0]["name"] in bad_input_error_names())
    )
    swapped = swap.get("status") == "swapped" and not errors
    status = "bad_input" if bad_input else ("succeeded" if swapped else "failed")

    warnings: list[str] = list(swap.get("warnings") or [])
    lease_released = False
    if not bad_input and connect_mysql is not None:
        try:
            with _connected(connect_mysql) as connection:
                lease_released = release_reset_lease(connection, run_id)
        except Exception as error:
            warnings.append(f"could not release the reset lease: {type(error).__name__}: {error}")

    copied = {str(c.get("table")): c for c in copies}
    table_status = "swapped" if swapped else "not swapped"
    tables = []
    for name in plan.get("tables") or []:
        copy = copied.get(name, {})
        rows = int(copy.get("rows", 0))
        tables.append(
            {
                "table": name,
                "status": table_status if copy.get("status") == "copied" else "copy failed",
                "rows_read": rows,
                "rows_written": rows,
                "copy_seconds": copy.get("duration_seconds", 0.0),
            }
        )
        if copy.get("status") == "copied" and rows == 0:
            warnings.append(f"the gold copy of {name} is empty, so {name} is empty now")
    if not swapped:
        warnings = [w for w in warnings if "is empty now" not in w]

    started_at = str(execution.get("start_time") or plan.get("started_at") or now_iso())
    finished_at = now_iso()
    report = {
        "workflow": WORKFLOW,
        "run_id": run_id,
        "status": status,
        "requested_tables": state.get("tables"),
        "tables": tables,
        "rows_copied": sum(t["rows_written"] for t in tables) if swapped else 0,
        "swap": {
            "status": swap.get("status", "not run"),
            "attempts": swap.get("attempts", 0),
            "duration_seconds": swap.get("duration_seconds", 0.0),
            "old_tables_dropped": swap.get("old_tables_dropped", []),
        },
        "lease": {
            "waited_for_gold_loads_seconds": plan.get("waited_for_gold_loads_seconds", 0.0),
            "waited_for_gold_loads": plan.get("waited_for_gold_loads", []),
            "superseded_resets": plan.get("superseded_resets", []),
            "released_by_report": lease_released,
        },
        "leftovers_dropped": plan.get("leftovers_dropped", []),
        "warnings": warnings,
        "errors": errors,
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_seconds": seconds_between(started_at, finished_at),
    }
    location = reset_report_location(work_bucket, run_id)
    put_json(store, location, report)
    return {
        "status": status,
        "report": location.uri,
        "failed_tables": [t["table"] for t in tables if t["status"] == "copy failed"],
        "error_name": errors[0]["name"] if errors else ("ResetFailed" if not swapped else None),
        "summary": summary_line(report),
    }


def summary_line(report: Mapping[str, Any]) -> str:
    tables = report.get("tables", [])
    line = (
        f"reset {report['status']}: {len(tables)} table(s), "
        f"{report.get('rows_copied', 0)} rows copied"
    )
    errors = report.get("errors") or []
    if errors:
        first = errors[0]
        where = first.get("table") or first.get("step")
        line += f"; {where}: {first.get('name')}: {str(first.get('message'))[:300]}"
    return line
