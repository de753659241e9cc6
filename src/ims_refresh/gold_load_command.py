"""``ims-refresh run gold-load``: validate, then execute the gold-load state machine locally."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ims_refresh.exit_codes import ExitCode
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.local.runtime import WORK_BUCKET, LocalRuntime
from ims_refresh.run_report import execution_name, print_gold_load_summary, save_report
from ims_refresh.settings import LocalDatabases, SettingsError, local_databases
from training_refresh.as_of import parse_as_of, today_utc
from training_refresh.errors import BadInputError
from training_refresh.gold_load import BAD_INPUT_ERROR_NAMES, WorkLocations
from training_refresh.scenarios import parse_scenario_file
from training_refresh.table_configs import load_table_configs


def _validate(scenarios: Path, as_of: str, tables: str | None) -> list[str] | None:
    """Check everything the workflow would reject, before anything is started."""
    parse_as_of(as_of, today_utc())
    chosen = None
    if tables is not None:
        chosen = [name.strip() for name in tables.split(",") if name.strip()]
        load_table_configs().select_configs(chosen)
    try:
        data = scenarios.read_bytes()
    except OSError as error:
        raise BadInputError(f"cannot read scenario file {scenarios}: {error.strerror}") from error
    parse_scenario_file(data, source=str(scenarios))
    return chosen


def _fallback_report(
    name: str, status: str, error: str | None, cause: str | None
) -> dict[str, Any]:
    return {
        "workflow": "gold-load",
        "run_id": name,
        "status": status,
        "customers": {},
        "configs": [],
        "errors": [{"config": None, "name": error, "message": cause}],
    }


def run_gold_load(
    *,
    scenarios: Path,
    as_of: str,
    tables: str | None,
    report_dir: Path,
    timeout: float,
    dry_run: bool = False,
    databases: LocalDatabases | None = None,
) -> ExitCode:
    try:
        chosen = _validate(scenarios, as_of, tables)
        databases = databases or local_databases()
    except (BadInputError, SettingsError) as error:
        print(f"ims-refresh: bad input: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if not dry_run:
        try:
            ensure_training_tables(databases.training, load_table_configs())
        except Exception as error:
            print(f"ims-refresh: cannot prepare the training database: {error}", file=sys.stderr)
            return ExitCode.FAILED
    name = execution_name("gold-load")
    with LocalRuntime(databases) as runtime:
        payload: dict[str, Any] = {
            "scenarios": runtime.upload_scenario_file(scenarios),
            "as_of": as_of,
        }
        if chosen is not None:
            payload["tables"] = chosen
        if dry_run:
            payload["dry_run"] = True
        try:
            outcome = runtime.execute("gold-load", payload, name=name, timeout=timeout)
        except TimeoutError as error:
            print(f"ims-refresh: {error}", file=sys.stderr)
            return ExitCode.GAVE_UP_WAITING
        report = runtime.read_json_if_exists(WorkLocations(WORK_BUCKET, name).report.uri)
    if report is None:
        report = _fallback_report(name, outcome.status.lower(), outcome.error, outcome.cause)
    report["execution"] = {
        "name": outcome.name,
        "status": outcome.status,
        "error": outcome.error,
        "largest_state_payload_bytes": outcome.largest_state_payload_bytes,
    }
    path = save_report(report, report_dir)
    print_gold_load_summary(report, sys.stdout)
    print(f"report: {path}", file=sys.stdout)
    if outcome.status == "SUCCEEDED":
        return ExitCode.SUCCESS
    if outcome.error in BAD_INPUT_ERROR_NAMES:
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED
