"""``ims-refresh run gold-load``: validate, then execute the gold-load state machine locally."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ims_refresh.checks import read_scenario_file
from ims_refresh.exit_codes import ExitCode
from ims_refresh.local.runtime import LocalRuntime
from ims_refresh.local_execution import execute_locally
from ims_refresh.run_report import print_gold_load_summary
from ims_refresh.settings import LocalDatabases, SettingsError, local_databases
from ims_refresh.table_names import resolve_tables
from training_refresh.as_of import parse_as_of, today_utc
from training_refresh.errors import BadInputError
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.scenarios import parse_scenario_file
from training_refresh.table_groups import load_table_groups

PREVIEW_NAME = "gold-load-preview"
"""A preview's runs (and report files) are named ``gold-load-preview-<time>``."""


def _validate(scenarios: Path, as_of: str, tables: str | None) -> list[str] | None:
    """Check everything the workflow would reject, before anything is started."""
    parse_as_of(as_of, today_utc())
    chosen = resolve_tables(tables, "gold-load")
    if chosen is not None:
        load_table_groups().select_groups(chosen)
    parse_scenario_file(read_scenario_file(scenarios), source=str(scenarios))
    return chosen


def run_gold_load(
    *,
    scenarios: Path,
    as_of: str,
    tables: str | None,
    report_dir: Path,
    timeout: float,
    dry_run: bool = False,
    databases: LocalDatabases | None = None,
    on_step: OnStep = ignore_step,
) -> ExitCode:
    try:
        chosen = _validate(scenarios, as_of, tables)
        databases = databases or local_databases()
    except (BadInputError, SettingsError) as error:
        print(f"ims-refresh: bad input: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT

    given = {"scenario_file": str(scenarios)}

    def payload(runtime: LocalRuntime) -> dict[str, Any]:
        given["scenario_upload"] = runtime.upload_scenario_file(scenarios)
        request: dict[str, Any] = {
            "scenarios": given["scenario_upload"],
            "as_of": as_of,
            "scenario_name": str(scenarios),
        }
        if chosen is not None:
            request["tables"] = chosen
        if dry_run:
            request["dry_run"] = True
        return request

    return execute_locally(
        "gold-load",
        payload,
        databases=databases,
        report_dir=report_dir,
        timeout=timeout,
        print_summary=print_gold_load_summary,
        prepare_tables=not dry_run,
        on_step=on_step,
        name_prefix=PREVIEW_NAME if dry_run else None,
        report_fields=given,
    )
