"""``ims-refresh run reset``: validate, then execute the reset state machine locally."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from ims_refresh.exit_codes import ExitCode
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.local.runtime import WORK_BUCKET, LocalRuntime
from ims_refresh.run_report import execution_name, save_report
from ims_refresh.settings import LocalDatabases, SettingsError, local_databases
from training_refresh.errors import BadInputError
from training_refresh.reset import requested_tables, select_tables
from training_refresh.reset_workflow import bad_input_error_names, report_location
from training_refresh.table_configs import load_table_configs


def _validate(tables: str | None) -> list[str] | None:
    """Check the table names exactly as the workflow would, before anything is started."""
    chosen = requested_tables(tables)
    select_tables(load_table_configs(), chosen)
    return chosen


def _fallback_report(
    name: str, status: str, error: str | None, cause: str | None
) -> dict[str, Any]:
    return {
        "workflow": "reset",
        "run_id": name,
        "status": status,
        "tables": [],
        "errors": [{"table": None, "step": None, "name": error, "message": cause}],
    }


def print_reset_summary(report: dict[str, Any], out: TextIO) -> None:
    """The short human summary of a reset run report."""
    tables = report.get("tables", [])
    print(
        f"reset {report['status']} - run {report['run_id']}, {len(tables)} table(s), "
        f"{report.get('rows_copied', 0)} rows, {report.get('duration_seconds', 0):.1f} s",
        file=out,
    )
    lease = report.get("lease") or {}
    if lease.get("waited_for_gold_loads"):
        print(
            f"  waited {lease.get('waited_for_gold_loads_seconds', 0):.1f} s for gold load(s) "
            f"{', '.join(lease['waited_for_gold_loads'])}",
            file=out,
        )
    if lease.get("superseded_resets"):
        print(f"  took over from reset(s) {', '.join(lease['superseded_resets'])}", file=out)
    if report.get("leftovers_dropped"):
        print(
            f"  dropped leftovers of an earlier reset: {', '.join(report['leftovers_dropped'])}",
            file=out,
        )
    for table in tables:
        print(
            f"  {table['table']:<22} {table.get('rows_written', 0):>9} rows  "
            f"{table['status']:<12} copy {table.get('copy_seconds', 0.0):.2f} s",
            file=out,
        )
    swap = report.get("swap") or {}
    if swap.get("status") == "swapped":
        print(
            f"  all tables swapped in one RENAME ({swap.get('attempts', 1)} attempt(s), "
            f"{swap.get('duration_seconds', 0.0):.2f} s)",
            file=out,
        )
    for warning in report.get("warnings", []):
        print(f"warning: {warning}", file=out)
    for error in report.get("errors", []):
        where = error.get("table") or error.get("step") or "reset"
        print(f"error [{where}] {error.get('name')}: {error.get('message')}", file=out)


def run_reset(
    *,
    tables: str | None,
    report_dir: Path,
    timeout: float,
    databases: LocalDatabases | None = None,
) -> ExitCode:
    """Execute the reset state machine locally; exit code per DESIGN §6.

    ``tables`` is the comma-separated ``--tables`` value (None: every enabled table). Bad
    table names are rejected here, before any database is touched (exit 2).
    """
    try:
        chosen = _validate(tables)
        databases = databases or local_databases()
    except (BadInputError, SettingsError) as error:
        print(f"ims-refresh: bad input: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    try:
        ensure_training_tables(databases.training, load_table_configs())
    except Exception as error:
        print(f"ims-refresh: cannot prepare the training database: {error}", file=sys.stderr)
        return ExitCode.FAILED
    name = execution_name("reset")
    with LocalRuntime(databases) as runtime:
        payload: dict[str, Any] = {} if chosen is None else {"tables": chosen}
        try:
            outcome = runtime.execute("reset", payload, name=name, timeout=timeout)
        except TimeoutError as error:
            print(f"ims-refresh: {error}", file=sys.stderr)
            return ExitCode.GAVE_UP_WAITING
        report = runtime.read_json_if_exists(report_location(WORK_BUCKET, name).uri)
    if report is None:
        report = _fallback_report(name, outcome.status.lower(), outcome.error, outcome.cause)
    path = save_report(report, report_dir)
    print_reset_summary(report, sys.stdout)
    print(f"report: {path}", file=sys.stdout)
    if outcome.status == "SUCCEEDED":
        return ExitCode.SUCCESS
    if outcome.error in bad_input_error_names():
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED
