"""``ims-refresh run reset --customers N,N,...|--scenarios FILE``: restore some customers
on the local databases, through the reset state machine (``reset.restore``).

The customers are checked here first (exit code 2 before anything runs), then written to
(or, for ``--scenarios``, uploaded as) a scenario file in the local S3, whose URI is the
execution's ``customers`` input.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from ims_refresh.checks import read_scenario_file
from ims_refresh.exit_codes import ExitCode
from ims_refresh.local.runtime import LocalRuntime
from ims_refresh.local_execution import execute_locally
from ims_refresh.restore_customers import RestoreChoice, from_customers, from_file
from ims_refresh.restore_summary import print_restore_summary
from ims_refresh.settings import LocalDatabases, SettingsError, local_databases
from training_refresh.errors import BadInputError
from training_refresh.hooks import OnStep, ignore_step


def run_restore(
    *,
    customers: str | None,
    scenarios: Path | None,
    report_dir: Path,
    timeout: float,
    databases: LocalDatabases | None = None,
    on_step: OnStep = ignore_step,
) -> ExitCode:
    """Execute a restore of ``customers`` (the ``--customers`` text) or of the customers
    of ``scenarios`` locally; exit code per docs/design.md §6."""
    try:
        if scenarios is not None:
            choice = from_file(scenarios, read_scenario_file(scenarios))
        else:
            choice = from_customers(customers or "")
        databases = databases or local_databases()
    except (BadInputError, SettingsError) as error:
        print(f"ims-refresh: bad input: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    given: dict[str, Any] = {"customers_given": choice.given}
    with tempfile.TemporaryDirectory(prefix="ims-restore-") as folder:

        def payload(runtime: LocalRuntime) -> dict[str, Any]:
            given["customers_file"] = runtime.upload_scenario_file(_local_file(choice, folder))
            return {"customers": given["customers_file"]}

        return execute_locally(
            "reset",
            payload,
            databases=databases,
            report_dir=report_dir,
            timeout=timeout,
            print_summary=print_restore_summary,
            on_step=on_step,
            name_prefix="restore",
            report_fields=given,
        )


def _local_file(choice: RestoreChoice, folder: str) -> Path:
    if choice.path is not None:
        return choice.path
    path = Path(folder) / "customers.csv"
    path.write_bytes(choice.data)
    return path
